import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { smsLogs, tickets } from "../../src/server/db/schema/index.js";
import { databaseFingerprint } from "../http/routes.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, makeTechnician, signInAs } from "../support/factories/users.js";
import { eventsOf } from "../tickets/helpers.js";

describe.each(testDatabaseKinds())("deactivating staff who hold open tickets on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  const db = () => t().database.handle.db;
  const signInAdmin = async () => {
    admin ??= await signIn(t().app, DEMO.admin);
    return admin;
  };

  /** A technician holding two open tickets and one resolved one. */
  async function technicianWithTickets() {
    const a = await signInAdmin();
    const leaving = await makeTechnician(a);
    const customer = await makeCustomer(a);
    const open = await makeTicket(a, { customerId: customer.id, assigneeId: leaving.id });
    const waiting = await makeTicket(a, { assigneeId: leaving.id, status: "waiting_on_customer" });
    const resolved = await makeTicket(a, { assigneeId: leaving.id });
    const version = (await a.get(`/api/tickets/${resolved.id}`)).json().version;
    expect((await a.patch(`/api/tickets/${resolved.id}`, { status: "resolved", version })).statusCode).toBe(200);
    return { leaving, open, waiting, resolved };
  }

  it("shows the count of open tickets and refuses a deactivation without a choice: 409 naming the count, nothing changed", async () => {
    const a = await signInAdmin();
    const { leaving } = await technicianWithTickets();
    const detail = await a.get(`/api/users/${leaving.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json().openTicketCount).toBe(2);
    const before = await databaseFingerprint(db());
    const response = await a.patch(`/api/users/${leaving.id}`, { active: false });
    expect(response.statusCode).toBe(409);
    const problem = problemOf(response);
    expect(problem.code).toBe("user.has_open_tickets");
    expect(problem.openTicketCount).toBe(2);
    expect(problem.detail).toMatch(/holds 2 open tickets/);
    expect(await databaseFingerprint(db())).toEqual(before);
  });

  it("reassigns every open ticket to a colleague in the same action: each with its timeline event and SMS", async () => {
    const a = await signInAdmin();
    const { leaving, open, waiting, resolved } = await technicianWithTickets();
    const successor = await makeTechnician(a, { phone: "+14155552671" });
    const session = await signInAs(t().app, leaving);
    const response = await a.patch(`/api/users/${leaving.id}`, { active: false, reassignTo: successor.id });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().active).toBe(false);
    // Signed out at once.
    expect((await session.get("/api/auth/me")).statusCode).toBe(401);

    for (const ticket of [open, waiting]) {
      const after = (await a.get(`/api/tickets/${ticket.id}`)).json();
      expect(after.assignee?.id).toBe(successor.id);
      expect(after.version).toBe(ticket.version + 1);
      const assigned = (await eventsOf(db(), ticket.id)).filter((event) => event.kind === "assigned");
      expect(assigned.at(-1)).toMatchObject({ fromValue: leaving.id, toValue: successor.id, actorId: a.user.id });
      const sms = await db()
        .select()
        .from(smsLogs)
        .where(
          and(
            eq(smsLogs.ticketId, ticket.id),
            eq(smsLogs.purpose, "ticket_assigned"),
            eq(smsLogs.userId, successor.id),
          ),
        );
      expect(sms).toHaveLength(1);
    }
    // A closed piece of work keeps its history.
    expect((await a.get(`/api/tickets/${resolved.id}`)).json().assignee?.id).toBe(leaving.id);
    expect((await a.get(`/api/users/${leaving.id}`)).json().openTicketCount).toBe(0);
    expect((await a.get(`/api/users/${successor.id}`)).json().openTicketCount).toBe(2);
  });

  it("leaves the open tickets unassigned when the admin chooses nobody", async () => {
    const a = await signInAdmin();
    const { leaving, open, waiting } = await technicianWithTickets();
    const response = await a.patch(`/api/users/${leaving.id}`, { active: false, reassignTo: null });
    expect(response.statusCode, response.body).toBe(200);
    for (const ticket of [open, waiting]) {
      const row = (await db().select().from(tickets).where(eq(tickets.id, ticket.id)))[0];
      expect(row?.assigneeId).toBeNull();
      const assigned = (await eventsOf(db(), ticket.id)).filter((event) => event.kind === "assigned");
      expect(assigned.at(-1)).toMatchObject({ fromValue: leaving.id, toValue: null });
    }
  });

  it("deactivates someone without open tickets directly, and refuses an unusable successor with nothing changed", async () => {
    const a = await signInAdmin();
    const idle = await makeTechnician(a);
    expect((await a.patch(`/api/users/${idle.id}`, { active: false })).statusCode).toBe(200);

    const { leaving } = await technicianWithTickets();
    const before = await databaseFingerprint(db());
    const cases: [unknown, string][] = [
      [leaving.id, "user.reassign_self"],
      [idle.id, "user.reassign_inactive"],
      ["7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17", "user.reassign_unknown"],
    ];
    for (const [reassignTo, code] of cases) {
      const response = await a.patch(`/api/users/${leaving.id}`, { active: false, reassignTo });
      expect(response.statusCode, code).toBe(422);
      expect(problemOf(response).code).toBe(code);
      expect(problemOf(response).errors?.[0]?.field).toBe("reassignTo");
    }
    // reassignTo belongs to a deactivation only.
    const stray = await a.patch(`/api/users/${leaving.id}`, { name: "Renamed", reassignTo: null });
    expect(stray.statusCode).toBe(422);
    expect(await databaseFingerprint(db())).toEqual(before);
  });

  it("rolls the reassignment back when the deactivation itself is refused", async () => {
    const a = await signInAdmin();
    const other = await makeStaff(a, { role: "admin" });
    const otherSession = await signInAs(t().app, other);
    const ticket = await makeTicket(a, { assigneeId: other.id });
    const successor = await makeTechnician(a);
    const before = await databaseFingerprint(db());
    // An admin cannot deactivate themselves, reassignment or not.
    const response = await otherSession.patch(`/api/users/${other.id}`, { active: false, reassignTo: successor.id });
    expect(response.statusCode).toBe(403);
    expect(await databaseFingerprint(db())).toEqual(before);
    expect((await a.get(`/api/tickets/${ticket.id}`)).json().assignee?.id).toBe(other.id);
  });

  it("lets an office agent work tickets and customers but not staff: the agent role on the users routes", async () => {
    const a = await signInAdmin();
    const agentAccount = await makeStaff(a, { role: "agent" });
    const agent = await signInAs(t().app, agentAccount);
    expect((await agent.get("/api/users")).statusCode).toBe(200);
    expect(
      (await agent.post("/api/users", { name: "X", email: "x@isp.test", role: "agent", password: "long-password-1" }))
        .statusCode,
    ).toBe(403);
    const john = (await signIn(t().app, DEMO.john)).user;
    expect((await agent.patch(`/api/users/${john.id}`, { active: false, reassignTo: null })).statusCode).toBe(403);
    expect((await agent.patch("/api/users/me", { name: "Desk Agent" })).statusCode).toBe(200);
  });
});
