import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { HOUR } from "../../src/server/clock.js";
import type { AuditEntry } from "../../src/shared/audit.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, signInAs } from "../support/factories/users.js";
import { makeToken, tokenClient } from "../support/tokens.js";

const DAY = 24 * HOUR;

describe.each(testDatabaseKinds())("the audit log on screen on %s", (kind) => {
  const t = useTestApp(kind);

  const admin = () => signIn(t().app, DEMO.admin);
  /** A fresh staff member of their own, so a test's actor filter sees only that test's rows. */
  const person = async (role: string) => {
    const account = await makeStaff(await admin(), {
      role,
      name: `Audit ${role} ${Math.random().toString(36).slice(2, 8)}`,
    });
    return { account, session: await signInAs(t().app, account) };
  };
  const list = async (
    session: Session,
    query: Record<string, string | number>,
  ): Promise<{ items: AuditEntry[]; nextCursor: string | null }> => {
    const response = await session.get(
      `/api/audit?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`,
    );
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const changePhone = async (session: Session, customerId: string, phone: string) => {
    const current = (await session.get(`/api/customers/${customerId}`)).json();
    const response = await session.patch(`/api/customers/${customerId}`, { phone, version: current.version });
    expect(response.statusCode, response.body).toBe(200);
  };

  it("answers who changed a customer's phone number: the record's history with the change, the person and the address", async () => {
    const boss = await admin();
    const { account, session } = await person("agent");
    const customer = await makeCustomer(boss, { name: "Ada Phone-Changer" });
    const newPhone = uniquePhone();
    await changePhone(session, customer.id, newPhone);

    const { items } = await list(boss, { entityType: "customer", entityId: customer.id });
    expect(items.map((e) => e.action)).toEqual(["customer.update", "customer.create"]);
    const [update, create] = items as [AuditEntry, AuditEntry];
    expect(update.actor).toEqual({ id: account.id, name: account.name, email: account.email });
    expect(update.via).toBe("session");
    expect(update.token).toBeNull();
    expect(update.ip).toBe("127.0.0.1");
    expect(update.record).toBe(`${customer.accountNumber} Ada Phone-Changer`);
    expect(update.data?.changes).toMatchObject({ phone: { from: customer.phone, to: newPhone } });
    expect(create.actor?.id).toBe(boss.user.id);
    expect(Date.parse(update.at)).toBeGreaterThanOrEqual(Date.parse(create.at));
  });

  it("filters by the person who acted", async () => {
    const boss = await admin();
    const { account, session } = await person("technician");
    const customer = await makeCustomer(boss);
    const ticket = await makeTicket(session, { customerId: customer.id });
    await changePhone(session, customer.id, uniquePhone());
    await changePhone(boss, customer.id, uniquePhone());
    const { items } = await list(boss, { actorId: account.id });
    // Their sign-in, their ticket, their one phone change; not the admin's.
    expect(items.map((e) => e.action)).toEqual(["customer.update", "ticket.create", "auth.login"]);
    expect(items.every((e) => e.actor?.id === account.id)).toBe(true);
    expect(items.find((e) => e.action === "ticket.create")?.entityId).toBe(ticket.id);
    expect(items.find((e) => e.action === "auth.login")?.via).toBe("sign_in");
  });

  it("filters by record type, by record and by action, and combines them", async () => {
    const boss = await admin();
    const { account, session } = await person("agent");
    const customer = await makeCustomer(session);
    const ticket = await makeTicket(session, { customerId: customer.id, priority: "normal" });
    const changed = await session.patch(`/api/tickets/${ticket.id}`, { priority: "urgent", version: ticket.version });
    expect(changed.statusCode).toBe(200);

    const tickets = await list(boss, { actorId: account.id, entityType: "ticket" });
    expect(tickets.items.map((e) => e.action)).toEqual(["ticket.update", "ticket.create"]);
    expect(tickets.items.every((e) => e.entityType === "ticket")).toBe(true);
    expect(tickets.items[0]?.data?.changes).toEqual({ priority: { from: "normal", to: "urgent" } });
    expect(tickets.items[0]?.record).toBe(`${ticket.number} ${ticket.subject}`);

    const oneTicket = await list(boss, { entityType: "ticket", entityId: ticket.id });
    expect(oneTicket.items.map((e) => e.entityId)).toEqual([ticket.id, ticket.id]);

    const creates = await list(boss, { actorId: account.id, action: "customer.create" });
    expect(creates.items).toHaveLength(1);
    expect(creates.items[0]?.entityId).toBe(customer.id);

    const none = await list(boss, { entityType: "ticket", entityId: ticket.id, action: "customer.create" });
    expect(none).toEqual({ items: [], nextCursor: null });
  });

  it("filters by time: from inclusive, to exclusive", async () => {
    const { account, session } = await person("agent");
    const customer = await makeCustomer(session);
    // Days apart, each change from a fresh sign-in (a session ends after 12 hours idle).
    t().clock.advance(2 * DAY);
    const middle = t().clock.now();
    await changePhone(await signInAs(t().app, account), customer.id, uniquePhone());
    t().clock.advance(2 * DAY);
    await changePhone(await signInAs(t().app, account), customer.id, uniquePhone());

    const boss = await admin();
    const all = await list(boss, { actorId: account.id, entityType: "customer" });
    expect(all.items).toHaveLength(3);
    const fromMiddle = await list(boss, { actorId: account.id, entityType: "customer", from: middle.toISOString() });
    expect(fromMiddle.items.map((e) => e.action)).toEqual(["customer.update", "customer.update"]);
    const untilMiddle = await list(boss, { actorId: account.id, entityType: "customer", to: middle.toISOString() });
    expect(untilMiddle.items.map((e) => e.action)).toEqual(["customer.create"]);
    const window = await list(boss, {
      actorId: account.id,
      entityType: "customer",
      from: new Date(middle.getTime() - HOUR).toISOString(),
      to: new Date(middle.getTime() + HOUR).toISOString(),
    });
    expect(window.items).toHaveLength(1);
    expect(window.items[0]?.at).toBe(middle.toISOString());

    const backwards = await boss.get(
      `/api/audit?from=${middle.toISOString()}&to=${new Date(middle.getTime() - 1).toISOString()}`,
    );
    expect(backwards.statusCode).toBe(422);
    expect(problemOf(backwards).errors?.[0]?.field).toBe("to");
  });

  it("pages through the log newest first with a cursor, each row once", async () => {
    const boss = await admin();
    const { account, session } = await person("agent");
    const customer = await makeCustomer(session);
    for (let i = 0; i < 6; i++) await changePhone(session, customer.id, uniquePhone());
    const expected = await list(boss, { actorId: account.id, limit: 200 });
    expect(expected.items).toHaveLength(8); // sign-in, create, six changes
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: AuditEntry[]; nextCursor: string | null } = await list(boss, {
        actorId: account.id,
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected.items.map((e) => e.id));
    const times = expected.items.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const forged = await boss.get("/api/audit?cursor=bm90LWEtY3Vyc29y");
    expect(forged.statusCode).toBe(400);
    expect(problemOf(forged).code).toBe("request.cursor_invalid");
  });

  it("names the API token a change came through", async () => {
    const boss = await admin();
    const { account, session } = await person("agent");
    const token = await makeToken(session, { scopes: ["read", "write"], name: "Billing sync" });
    const customer = await makeCustomer(session);
    const api = tokenClient(t().app, token.token);
    const response = await api.request({
      method: "PATCH",
      url: `/api/customers/${customer.id}`,
      payload: { phone: uniquePhone(), version: customer.version },
    });
    expect(response.statusCode).toBe(200);
    const { items } = await list(boss, { actorId: account.id, action: "customer.update" });
    expect(items[0]?.via).toBe("token");
    expect(items[0]?.token).toEqual({ id: token.id, name: "Billing sync" });
  });

  it("exports the filtered log as CSV", async () => {
    const boss = await admin();
    const { account, session } = await person("agent");
    const customer = await makeCustomer(session, { name: '=HYPERLINK("http://evil")' });
    const newPhone = uniquePhone();
    await changePhone(session, customer.id, newPhone);
    const response = await boss.get(`/api/audit/export.csv?actorId=${account.id}&entityType=customer`);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(response.headers["content-disposition"]).toContain("audit-log.csv");
    const rows: string[][] = parse(response.body);
    expect(rows[0]).toEqual([
      "id",
      "at",
      "actor",
      "actor_email",
      "via",
      "token",
      "ip",
      "action",
      "record_type",
      "record_id",
      "record",
      "changes",
      "data",
    ]);
    expect(rows).toHaveLength(3);
    const [, update, create] = rows as [string[], string[], string[]];
    expect(update.slice(2, 10)).toEqual([
      account.name,
      account.email,
      "session",
      "",
      "127.0.0.1",
      "customer.update",
      "customer",
      customer.id,
    ]);
    expect(update[10]).toBe(`${customer.accountNumber} =HYPERLINK("http://evil")`);
    expect(update[11]).toBe(`phone: ${customer.phone} → ${newPhone}`);
    expect(JSON.parse(update[12] ?? "")).toMatchObject({ changes: { phone: { to: newPhone } } });
    expect(create[7]).toBe("customer.create");

    // Many pages: the export streams every row the filter matches.
    const big = await boss.get(`/api/audit/export.csv?actorId=${account.id}`);
    expect(parse(big.body)).toHaveLength(1 + 3);
  });

  it("guards formula cells in the CSV", async () => {
    const boss = await admin();
    const { account } = await person("agent");
    const renamed = await boss.patch(`/api/users/${account.id}`, { name: "=cmd|'/c calc'!A1" });
    expect(renamed.statusCode).toBe(200);
    const response = await boss.get(`/api/audit/export.csv?actorId=${account.id}`);
    const rows: string[][] = parse(response.body);
    expect(rows[1]?.[2]).toBe("'=cmd|'/c calc'!A1");
  });

  it("is for admins only: 403 to technicians and agents, and to tokens without the admin scope", async () => {
    const boss = await admin();
    for (const role of ["technician", "agent"]) {
      const { session } = await person(role);
      for (const url of ["/api/audit", "/api/audit/export.csv"]) {
        const response = await session.get(url);
        expect(response.statusCode).toBe(403);
        expect(problemOf(response).code).toBe("auth.forbidden");
      }
    }
    const readOnly = await makeToken(boss, { scopes: ["read"] });
    const refused = await tokenClient(t().app, readOnly.token).get("/api/audit");
    expect(refused.statusCode).toBe(403);
    expect(problemOf(refused).code).toBe("token.insufficient_scope");
    const adminToken = await makeToken(boss, { scopes: ["admin"] });
    const allowed = await tokenClient(t().app, adminToken.token).get("/api/audit?limit=1");
    expect(allowed.statusCode).toBe(200);
    const anonymous = await t().app.inject({ method: "GET", url: "/api/audit" });
    expect(anonymous.statusCode).toBe(401);
  });

  it("refuses malformed filters with problem+json, never a 500", async () => {
    const boss = await admin();
    for (const query of [
      "actorId=nobody",
      "entityType=Customer;drop",
      "action=DROP TABLE",
      "from=yesterday",
      "to=2026-13-40T00:00:00Z",
      "limit=0",
      "limit=201",
      "unknown=1",
      `entityId=${"x".repeat(101)}`,
    ]) {
      const response = await boss.get(`/api/audit?${query}`);
      expect(response.statusCode, query).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, query).toBeLessThan(500);
      problemOf(response);
    }
  });
});
