import { and, count, eq, inArray } from "drizzle-orm";
import { OPEN_TICKET_STATUSES } from "../../shared/enums.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { tickets } from "../db/schema/index.js";
import { applyTicketChange } from "./tickets.service.js";

const openAndAssignedTo = (userId: string) =>
  and(eq(tickets.assigneeId, userId), inArray(tickets.status, [...OPEN_TICKET_STATUSES]));

/** How many open tickets (not resolved or closed) a staff member holds. */
export async function countOpenTicketsAssignedTo(db: Executor, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(tickets).where(openAndAssignedTo(userId));
  return row?.n ?? 0;
}

/**
 * Moves every open ticket of one staff member to another (or to nobody), in the caller's
 * transaction: each ticket gets its "assigned" timeline event and, for a new assignee, the usual
 * SMS, exactly as a person's reassignment would. The users feature calls this when an admin
 * deactivates someone; tickets/ knows nothing of users/ services.
 */
export async function reassignOpenTickets(
  ctx: ServiceContext,
  actor: Actor,
  input: { fromUserId: string; toUserId: string | null },
): Promise<number> {
  return inTransaction(ctx, async (txCtx) => {
    // Locked in id order, like a bulk edit, so concurrent edits of these tickets wait for this.
    const rows = await txCtx.db
      .select()
      .from(tickets)
      .where(openAndAssignedTo(input.fromUserId))
      .orderBy(tickets.id)
      .for("update");
    for (const existing of rows) await applyTicketChange(txCtx, actor, existing, { assigneeId: input.toUserId });
    if (rows.length > 0) {
      await recordAudit(txCtx.db, {
        actorId: actor.id,
        tokenId: actor.tokenId,
        action: "ticket.reassign_open",
        entityType: "user",
        entityId: input.fromUserId,
        data: { ids: rows.map((row) => row.id), from: input.fromUserId, to: input.toUserId },
        ip: actor.ip,
        at: ctx.clock.now(),
      });
    }
    return rows.length;
  });
}
