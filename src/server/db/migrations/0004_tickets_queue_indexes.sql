-- Ticket queue indexes (see src/server/db/schema/tickets.ts for which query needs each): partial
-- indexes over open tickets only for All open / My open / Unassigned / Overdue, keyset sort indexes,
-- and a trigram index for subject search.
CREATE INDEX "tickets_open_created_idx" ON "tickets" USING btree ("created_at","id") WHERE "tickets"."status" in ('open', 'in_progress', 'waiting_on_customer');--> statement-breakpoint
CREATE INDEX "tickets_open_assignee_created_idx" ON "tickets" USING btree ("assignee_id","created_at","id") WHERE "tickets"."status" in ('open', 'in_progress', 'waiting_on_customer');--> statement-breakpoint
CREATE INDEX "tickets_open_due_idx" ON "tickets" USING btree (coalesce("due_at", 'infinity'::timestamptz),"id") WHERE "tickets"."status" in ('open', 'in_progress', 'waiting_on_customer');--> statement-breakpoint
CREATE INDEX "tickets_created_at_idx" ON "tickets" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_updated_at_idx" ON "tickets" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "tickets_subject_trgm_idx" ON "tickets" USING gin ("subject" gin_trgm_ops);