import { beforeEach, describe, expect, it } from "vitest";
import { ZTicketConflict } from "../../src/shared/conflict.js";
import type { TicketDetail } from "../../src/shared/tickets.js";
import { type FieldValues, mergedValues, pickFields, saveWithMerge } from "../../src/web/app/merge.js";
import { DEMO, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";

const DETAILS = ["subject", "description", "category", "customerId"] as const;

/**
 * What the ticket page does on Save: the changed fields on the version it showed, the 409's
 * current ticket merged in (src/web/app/merge.ts), over the real API.
 */
function saveAs<T extends FieldValues>(session: Session, ticketId: string, fields: readonly (keyof T & string)[]) {
  const statuses: number[] = [];
  const save = (base: T, version: number, mine: T) =>
    saveWithMerge(
      async (change, at) => {
        const response = await session.patch(`/api/tickets/${ticketId}`, { ...change, version: at });
        statuses.push(response.statusCode);
        if (response.statusCode === 200) return null;
        expect(response.statusCode).toBe(409);
        return ZTicketConflict.parse(response.json());
      },
      (conflict) => ({
        values: pickFields(conflict.current as unknown as T, fields) as T,
        version: conflict.current.version,
      }),
      base,
      version,
      mine,
    );
  return { save, statuses };
}

describe.each(testDatabaseKinds())("ticket edit conflicts on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  let john: Session;

  beforeEach(async () => {
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
  });

  const details = (ticket: TicketDetail) => pickFields(ticket, DETAILS);
  const fetchTicket = async (id: string) => (await admin.get(`/api/tickets/${id}`)).json() as TicketDetail;

  it("merges non-overlapping edits: a stale subject edit keeps the colleague's new description", async () => {
    const opened = await makeTicket(admin, { subject: "No internet", description: "Red light on the ONT" });
    // User 1 edits the description from the version both opened.
    const first = await admin.patch(`/api/tickets/${opened.id}`, {
      description: "Red LOS light since 9:00; fibre cut on Elm St",
      version: opened.version,
    });
    expect(first.statusCode).toBe(200);

    // User 2, still on the old view, changes the subject only.
    const { save, statuses } = saveAs<ReturnType<typeof details>>(john, opened.id, DETAILS);
    const outcome = await save(details(opened), opened.version, {
      ...details(opened),
      subject: "No internet since the storm",
    });
    expect(outcome).toEqual({ saved: true, theirsKept: ["description"] });
    // The stale version is refused once; the merge goes through on the current version, asking nothing.
    expect(statuses).toEqual([409, 200]);

    const now = await fetchTicket(opened.id);
    expect(now.subject).toBe("No internet since the storm");
    expect(now.description).toBe("Red LOS light since 9:00; fibre cut on Elm St");
    expect(now.version).toBe(opened.version + 2);
  });

  it("tells who changed which field in the 409, and answers it only for the stale version", async () => {
    const opened = await makeTicket(admin, { description: "Slow evenings" });
    await admin.patch(`/api/tickets/${opened.id}`, { description: "Slow evenings, 2 Mbit/s", version: opened.version });
    const stale = await john.patch(`/api/tickets/${opened.id}`, { subject: "Slow speed", version: opened.version });
    expect(stale.statusCode).toBe(409);
    const conflict = ZTicketConflict.parse(stale.json());
    expect(conflict.current.description).toBe("Slow evenings, 2 Mbit/s");
    expect(conflict.changes).toEqual([
      expect.objectContaining({
        kind: "updated",
        fields: ["description"],
        by: { id: admin.user.id, name: admin.user.name },
      }),
    ]);
    // Only the person's own field, on the current version: the colleague's description stays.
    const again = await john.patch(`/api/tickets/${opened.id}`, {
      subject: "Slow speed",
      version: conflict.current.version,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ subject: "Slow speed", description: "Slow evenings, 2 Mbit/s" });
  });

  it("asks only on a real collision, and saves the person's choice on the current version", async () => {
    const opened = await makeTicket(admin, { subject: "No internet", description: "Since noon" });
    const theirs = await admin.patch(`/api/tickets/${opened.id}`, {
      subject: "Outage: Elm St cabinet",
      category: "equipment",
      version: opened.version,
    });
    expect(theirs.statusCode).toBe(200);
    const { save, statuses } = saveAs<ReturnType<typeof details>>(john, opened.id, DETAILS);
    const mine = {
      ...details(opened),
      subject: "No internet at 12 Elm St",
      description: "Since noon; router rebooted",
    };
    const outcome = await save(details(opened), opened.version, mine);
    expect(statuses).toEqual([409]);
    expect(outcome.saved).toBe(false);
    if (outcome.saved) throw new Error("expected a collision");
    expect(outcome.pending.merge.collisions).toEqual(["subject"]);
    expect(outcome.pending.merge.theirsOnly).toEqual(["category"]);
    expect(outcome.pending.merge.mineOnly).toEqual(["description"]);

    // The person keeps their subject; the next save goes through on the current version.
    const chosen = mergedValues({ ...outcome.pending, choices: { subject: "mine" } });
    const second = await save(outcome.base, outcome.version, chosen);
    expect(second.saved).toBe(true);
    expect(statuses).toEqual([409, 200]);
    const now = await fetchTicket(opened.id);
    expect(now).toMatchObject({
      subject: "No internet at 12 Elm St",
      description: "Since noon; router rebooted",
      category: "equipment",
    });
  });

  it("merges a status change from an old view with a colleague's priority change", async () => {
    const opened = await makeTicket(admin, { priority: "normal" });
    await admin.patch(`/api/tickets/${opened.id}`, { priority: "urgent", version: opened.version });
    const { save, statuses } = saveAs<{ status: string }>(john, opened.id, ["status"]);
    const outcome = await save({ status: opened.status }, opened.version, { status: "in_progress" });
    expect(outcome.saved).toBe(true);
    expect(statuses).toEqual([409, 200]);
    expect(await fetchTicket(opened.id)).toMatchObject({ status: "in_progress", priority: "urgent" });
  });
});
