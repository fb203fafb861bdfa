import { count, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inTransaction, type ServiceContext, SYSTEM_ACTOR } from "../../src/server/context.js";
import { auditLog, smsLogs, ticketComments, ticketEvents, tickets } from "../../src/server/db/schema/index.js";
import { addComment } from "../../src/server/tickets/tickets.comments.js";
import { createTicket } from "../../src/server/tickets/tickets.service.js";
import { DEMO, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";

/**
 * Services compose: one feature calls another's inside its own transaction, and the unit commits
 * or rolls back whole. This is what incidents, visits and inbound SMS build on.
 */
describe.each(testDatabaseKinds())("services joining a caller's transaction on %s", (kind) => {
  const t = useTestApp(kind);
  const ctx = (): ServiceContext => ({ db: t().database.handle.db, clock: t().clock, config: t().config });

  class Abort extends Error {}

  it("a ticket and its comment opened inside a transaction that fails leave nothing behind", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const db = t().database.handle.db;
    const subject = `Rolled back ${crypto.randomUUID()}`;
    let ticketId: string | undefined;
    await expect(
      inTransaction(ctx(), async (tx) => {
        const ticket = await createTicket(tx, SYSTEM_ACTOR, { customerId: customer.id, subject });
        ticketId = ticket.id;
        await addComment(tx, SYSTEM_ACTOR, ticket.id, { body: "first words", visibility: "public" });
        // Inside the transaction the caller sees its own work.
        expect((await tx.db.select().from(tickets).where(eq(tickets.id, ticket.id))).length).toBe(1);
        throw new Abort("the caller's own step failed");
      }),
    ).rejects.toBeInstanceOf(Abort);
    expect(ticketId).toBeDefined();
    const id = ticketId as string;
    const countOf = async (query: Promise<{ n: number }[]>) => (await query)[0]?.n;
    expect(await countOf(db.select({ n: count() }).from(tickets).where(eq(tickets.id, id)))).toBe(0);
    expect(await countOf(db.select({ n: count() }).from(ticketEvents).where(eq(ticketEvents.ticketId, id)))).toBe(0);
    expect(await countOf(db.select({ n: count() }).from(ticketComments).where(eq(ticketComments.ticketId, id)))).toBe(
      0,
    );
    // The customer's "ticket created" SMS was an outbox row in the same transaction: gone too.
    expect(await countOf(db.select({ n: count() }).from(smsLogs).where(eq(smsLogs.ticketId, id)))).toBe(0);
    expect(await countOf(db.select({ n: count() }).from(auditLog).where(eq(auditLog.entityId, id)))).toBe(0);
  });

  it("the same calls inside a transaction that commits make one ticket with its timeline, SMS and audit row", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const db = t().database.handle.db;
    const ticket = await inTransaction(ctx(), async (tx) => {
      const created = await createTicket(tx, SYSTEM_ACTOR, { customerId: customer.id, subject: "Composed" });
      await addComment(tx, SYSTEM_ACTOR, created.id, { body: "first words", visibility: "public" });
      return created;
    });
    const kinds = (await db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, ticket.id))).map(
      (event) => event.kind,
    );
    expect(kinds).toEqual(["created", "commented"]);
    const sms = await db.select().from(smsLogs).where(eq(smsLogs.ticketId, ticket.id));
    // The customer's "ticket created" SMS and the public comment's reply SMS, both in the same commit.
    expect(sms.map((row) => row.purpose).sort()).toEqual(["ticket_created", "ticket_reply"]);
    const audit = await db.select().from(auditLog).where(eq(auditLog.entityId, ticket.id));
    expect(audit.map((row) => [row.action, row.actorId])).toEqual([["ticket.create", null]]);
    // A comment by the system is not staff's first response.
    const [row] = await db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(row?.firstResponseAt).toBeNull();
  });
});
