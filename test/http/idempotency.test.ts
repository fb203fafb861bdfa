import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { HOUR } from "../../src/server/clock.js";
import { queryRows } from "../../src/server/db/client.js";
import { IDEMPOTENCY_LOCK_MS, purgeOldIdempotencyKeys } from "../../src/server/http/idempotency.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeToken, tokenClient } from "../support/tokens.js";

describe.each(testDatabaseKinds())("Idempotency-Key on %s", (kind) => {
  const t = useTestApp(kind);

  const postTicket = (session: Session, key: string | undefined, body: Record<string, unknown>) =>
    session.request({
      method: "POST",
      url: "/api/tickets",
      payload: body,
      headers: key === undefined ? {} : { "idempotency-key": key },
    });
  const ticketsWithSubject = async (subject: string) =>
    (
      await queryRows<{ n: number }>(
        t().database.handle.db,
        sql`select count(*)::int as n from tickets where subject = ${subject}`,
      )
    )[0]?.n;

  it("answers a retry with the first response, marked Idempotent-Replayed, and creates one record", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const key = crypto.randomUUID();
    const body = { subject: `Replay ${key}`, customerId: customer.id };
    const first = await postTicket(admin, key, body);
    expect(first.statusCode).toBe(201);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    const again = await postTicket(admin, key, body);
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.headers["content-type"]).toBe(first.headers["content-type"]);
    expect(again.json()).toEqual(first.json());
    expect(await ticketsWithSubject(body.subject)).toBe(1);
    // The draft's structured-field form ("…") names the same key.
    const quoted = await postTicket(admin, `"${key}"`, body);
    expect(quoted.headers["idempotent-replayed"]).toBe("true");
    // Without a key, every POST is a new request.
    expect((await postTicket(admin, undefined, body)).statusCode).toBe(201);
    expect(await ticketsWithSubject(body.subject)).toBe(2);
  });

  it("refuses the same key with another body (422) or on another path, changing nothing", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const key = crypto.randomUUID();
    expect((await postTicket(admin, key, { subject: `First ${key}`, customerId: customer.id })).statusCode).toBe(201);
    const other = await postTicket(admin, key, { subject: `Second ${key}`, customerId: customer.id });
    expect(other.statusCode).toBe(422);
    expect(problemOf(other).code).toBe("idempotency.key_reused");
    expect(await ticketsWithSubject(`Second ${key}`)).toBe(0);
    const elsewhere = await admin.request({
      method: "POST",
      url: "/api/customers",
      payload: { name: "Elsewhere", phone: "+442079460000" },
      headers: { "idempotency-key": key },
    });
    expect(elsewhere.statusCode).toBe(422);
    expect(problemOf(elsewhere).code).toBe("idempotency.key_reused");
  });

  it("creates one record from 20 concurrent identical POSTs: the others replay it or get 409", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const key = crypto.randomUUID();
    const body = { subject: `Concurrent ${key}`, customerId: customer.id };
    const responses = await Promise.all(Array.from({ length: 20 }, () => postTicket(admin, key, body)));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const originals = responses.filter((r) => r.statusCode === 201 && r.headers["idempotent-replayed"] === undefined);
    expect(originals).toHaveLength(1);
    for (const busy of responses.filter((r) => r.statusCode === 409)) {
      expect(problemOf(busy).code).toBe("idempotency.in_flight");
      expect(busy.headers["retry-after"]).toBe("1");
    }
    for (const replay of responses.filter((r) => r.headers["idempotent-replayed"] === "true")) {
      expect(replay.json().id).toBe(originals[0]?.json().id);
    }
    expect(await ticketsWithSubject(body.subject)).toBe(1);
    // Once the first has answered, a retry gets its answer.
    const late = await postTicket(admin, key, body);
    expect(late.headers["idempotent-replayed"]).toBe("true");
    expect(late.json().id).toBe(originals[0]?.json().id);
  });

  it("keeps keys per caller: another user's or a token's same key is a new request", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const customer = await makeCustomer(admin);
    const key = crypto.randomUUID();
    const body = { subject: `Per caller ${key}`, customerId: customer.id };
    expect((await postTicket(admin, key, body)).headers["idempotent-replayed"]).toBeUndefined();
    expect((await postTicket(john, key, body)).headers["idempotent-replayed"]).toBeUndefined();
    const token = tokenClient(t().app, (await makeToken(admin, { scopes: ["write"] })).token);
    const viaToken = await token.request({
      method: "POST",
      url: "/api/tickets",
      payload: body,
      headers: { "idempotency-key": key },
    });
    expect(viaToken.statusCode).toBe(201);
    expect(viaToken.headers["idempotent-replayed"]).toBeUndefined();
    const viaTokenAgain = await token.request({
      method: "POST",
      url: "/api/tickets",
      payload: body,
      headers: { "idempotency-key": key },
    });
    expect(viaTokenAgain.headers["idempotent-replayed"]).toBe("true");
    expect(await ticketsWithSubject(body.subject)).toBe(3);
  });

  it("answers 400 to a malformed key and changes nothing", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const subject = `Bad key ${crypto.randomUUID()}`;
    for (const key of ["", "x".repeat(256), "caf\u00e9", "tab\there", '""']) {
      const response = await postTicket(admin, key, { subject, customerId: customer.id });
      expect(response.statusCode, JSON.stringify(key)).toBe(400);
      expect(problemOf(response).code).toBe("idempotency.key_invalid");
    }
    expect(await ticketsWithSubject(subject)).toBe(0);
  });

  it("does not keep error answers: a retry after a 4xx runs again", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const key = crypto.randomUUID();
    const missing = { subject: `Missing customer ${key}`, customerId: crypto.randomUUID() };
    const failed = await postTicket(admin, key, missing);
    expect(failed.statusCode).toBeGreaterThanOrEqual(400);
    expect(failed.statusCode).toBeLessThan(500);
    const rows = await queryRows<{ n: number }>(
      t().database.handle.db,
      sql`select count(*)::int as n from idempotency_keys where key = ${key}`,
    );
    expect(rows[0]?.n).toBe(0);
  });

  it("lets a retry take over a claim left in flight by a crash once its lock has passed, and purges keys after 24 hours", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const key = crypto.randomUUID();
    const body = { subject: `Crashed ${key}`, customerId: customer.id };
    expect((await postTicket(admin, key, body)).statusCode).toBe(201);
    // What a crash between the effect and its record leaves behind: a claim still in flight.
    const now = t().clock.now();
    await t().database.handle.db.execute(
      sql`update idempotency_keys set state = 'in_flight', response_status = null, response_body = null,
          locked_until = ${new Date(now.getTime() + IDEMPOTENCY_LOCK_MS)} where key = ${key}`,
    );
    expect((await postTicket(admin, key, body)).statusCode).toBe(409);
    t().clock.advance(IDEMPOTENCY_LOCK_MS + 1000);
    const retried = await postTicket(admin, key, body);
    expect(retried.statusCode).toBe(201);
    expect(retried.headers["idempotent-replayed"]).toBeUndefined();
    expect((await postTicket(admin, key, body)).headers["idempotent-replayed"]).toBe("true");

    t().clock.advance(25 * HOUR);
    expect(await purgeOldIdempotencyKeys(t().database.handle.db, t().clock)).toBeGreaterThan(0);
    const left = await queryRows<{ n: number }>(
      t().database.handle.db,
      sql`select count(*)::int as n from idempotency_keys where key = ${key}`,
    );
    expect(left[0]?.n).toBe(0);
  });
});
