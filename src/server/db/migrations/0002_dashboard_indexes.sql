-- Indexes for GET /api/dashboard (src/server/dashboard/dashboard.service.ts). Each one lets a
-- dashboard query read only the rows it counts, so the page stays fast at millions of tickets.

-- Open work: counts by status, priority, assignee and overdue in one index-only scan over the
-- open tickets alone (resolved and closed tickets, the vast majority, are not in the index);
-- also "my open tickets, soonest due first" for the signed-in technician.
CREATE INDEX IF NOT EXISTS "dashboard_tickets_open_idx" ON "tickets" ("assignee_id", "status", "priority", "due_at")
  WHERE "status" IN ('open', 'in_progress', 'waiting_on_customer');
--> statement-breakpoint
-- Tickets created per day over the last 30 days, and the median time to first response of
-- those tickets: a range scan on created_at that never visits the table.
CREATE INDEX IF NOT EXISTS "dashboard_tickets_created_at_idx" ON "tickets" ("created_at") INCLUDE ("first_response_at");
--> statement-breakpoint
-- Tickets resolved per day over the last 30 days, and the median time to resolution: a ticket
-- counts as resolved at its resolved time, or its closed time when it was closed without being
-- resolved first.
CREATE INDEX IF NOT EXISTS "dashboard_tickets_resolved_at_idx" ON "tickets" ((coalesce("resolved_at", "closed_at")))
  INCLUDE ("created_at", "resolved_at", "closed_at")
  WHERE coalesce("resolved_at", "closed_at") IS NOT NULL;
--> statement-breakpoint
-- Customers by status (archived customers excluded): an index-only count.
CREATE INDEX IF NOT EXISTS "dashboard_customers_status_idx" ON "customers" ("status") WHERE "deleted_at" IS NULL;
