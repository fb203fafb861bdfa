import type { Comment } from "../../../src/shared/tickets.js";
import type { Session } from "../app.js";

let sequence = 0;

/**
 * Adds a comment to a ticket through the API (so first-response and timeline rules apply) and
 * returns the comment JSON. Defaults: a unique internal note; `overrides` replace `body` or
 * `visibility`.
 */
export async function makeComment(
  session: Session,
  ticketId: string,
  overrides: Record<string, unknown> = {},
): Promise<Comment> {
  sequence += 1;
  const response = await session.post(`/api/tickets/${ticketId}/comments`, {
    body: `Test note ${process.pid}-${sequence}`,
    ...overrides,
  });
  if (response.statusCode !== 201) throw new Error(`makeComment failed: ${response.statusCode} ${response.body}`);
  return response.json() as Comment;
}
