import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { queryRows } from "../../src/server/db/client.js";
import type { App } from "../../src/server/deps.js";
import { AppError } from "../../src/server/http/errors.js";
import { IDEMPOTENCY_LOCK_MS } from "../../src/server/http/idempotency.js";
import { DEMO, type Session, signIn, testConfig } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";

/**
 * A request whose claim is taken over (it ran past the minute's lock) must not store its answer
 * over the taker's, nor free the key the taker holds. The app gets one extra preHandler, added by
 * this test after the idempotency hook: a request carrying `x-test-hold` waits there (after its
 * claim, before its effect) until the test lets it go, the way a slow request would.
 */
describe.each(testDatabaseKinds())("Idempotency-Key takeover of a slow request on %s", (kind) => {
  let app: App;
  let database: TestDatabase;
  const clock = new ManualClock(new Date());
  const held = new Map<string, { release: (fail: boolean) => void; claimed: Promise<void> }>();
  const arrived = new Map<string, () => void>();

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await buildApp({ config: testConfig(), database: database.handle, clock });
    app.addHook("preHandler", async (request) => {
      const name = request.headers["x-test-hold"];
      if (typeof name !== "string") return;
      const fail = await new Promise<boolean>((resolve) => {
        held.set(name, { release: resolve, claimed: Promise.resolve() });
        arrived.get(name)?.();
      });
      if (fail) throw new AppError(400, "test.failed", "The held request fails after its claim was taken over.");
    });
    await app.ready();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  /** Sends a POST that stops after claiming its key; resolves once it is held there, with its answer to come. */
  async function holdPost(session: Session, name: string, key: string, body: Record<string, unknown>) {
    const reached = new Promise<void>((resolve) => arrived.set(name, resolve));
    // light-my-request sends on `then`: start it now, await it later.
    const response = Promise.resolve(
      session.request({
        method: "POST",
        url: "/api/tickets",
        payload: body,
        headers: { "idempotency-key": key, "x-test-hold": name },
      }),
    );
    await reached;
    // Wrapped: an async function returning the promise itself would wait for its answer.
    return { response };
  }
  const post = (session: Session, key: string, body: Record<string, unknown>) =>
    session.request({ method: "POST", url: "/api/tickets", payload: body, headers: { "idempotency-key": key } });
  const count = async (subject: string) =>
    (
      await queryRows<{ n: number }>(
        database.handle.db,
        sql`select count(*)::int as n from tickets where subject = ${subject}`,
      )
    )[0]?.n;

  it("keeps the taker's answer when the slow first request finishes after the takeover", async () => {
    const admin = await signIn(app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const key = crypto.randomUUID();
    const body = { subject: `Slow ${key}`, customerId: customer.id };
    const { response: slow } = await holdPost(admin, "slow-success", key, body);
    expect((await post(admin, key, body)).statusCode).toBe(409);
    clock.advance(IDEMPOTENCY_LOCK_MS + 1000);
    const taker = await post(admin, key, body);
    expect(taker.statusCode).toBe(201);
    expect(taker.headers["idempotent-replayed"]).toBeUndefined();

    held.get("slow-success")?.release(false);
    const first = await slow;
    // The slow request still answers its own client: its effect happened (both ran, at-least-once).
    expect(first.statusCode).toBe(201);
    expect(first.json().id).not.toBe(taker.json().id);
    expect(await count(body.subject)).toBe(2);

    // The key keeps the taker's answer: a later retry replays it, not the stale request's.
    const replay = await post(admin, key, body);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.json().id).toBe(taker.json().id);
    expect(await count(body.subject)).toBe(2);
  });

  it("does not free the taker's key when the slow first request fails after the takeover", async () => {
    const admin = await signIn(app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const key = crypto.randomUUID();
    const body = { subject: `Slow failure ${key}`, customerId: customer.id };
    const { response: slow } = await holdPost(admin, "slow-failure", key, body);
    clock.advance(IDEMPOTENCY_LOCK_MS + 1000);
    const taker = await post(admin, key, body);
    expect(taker.statusCode).toBe(201);

    held.get("slow-failure")?.release(true);
    expect((await slow).statusCode).toBe(400);

    const replay = await post(admin, key, body);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.json().id).toBe(taker.json().id);
    expect(await count(body.subject)).toBe(1);
  });

  it("does not let the slow request free a taker's claim that is still in flight", async () => {
    const admin = await signIn(app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const key = crypto.randomUUID();
    const body = { subject: `Two slow ${key}`, customerId: customer.id };
    const { response: slow } = await holdPost(admin, "first-of-two", key, body);
    clock.advance(IDEMPOTENCY_LOCK_MS + 1000);
    const { response: taker } = await holdPost(admin, "second-of-two", key, body);

    held.get("first-of-two")?.release(true);
    expect((await slow).statusCode).toBe(400);
    // The taker still holds the key: a duplicate meanwhile is told to wait, not run a third time.
    expect((await post(admin, key, body)).statusCode).toBe(409);

    held.get("second-of-two")?.release(false);
    const second = await taker;
    expect(second.statusCode).toBe(201);
    const replay = await post(admin, key, body);
    expect(replay.json().id).toBe(second.json().id);
    expect(await count(body.subject)).toBe(1);
  });
});
