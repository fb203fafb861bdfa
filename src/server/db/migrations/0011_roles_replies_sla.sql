-- New enum values (agent, ticket_reply, sla_paused, sla_resumed): drizzle applies all pending migrations
-- in one transaction, and PostgreSQL refuses a value added in the same transaction, so no later
-- migration may use these values in its SQL (code may).
ALTER TYPE "public"."sms_purpose" ADD VALUE 'ticket_reply';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'sla_paused';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'sla_resumed';--> statement-breakpoint
ALTER TYPE "public"."user_role" ADD VALUE 'agent' BEFORE 'technician';--> statement-breakpoint
ALTER TABLE "sms_logs" ADD COLUMN "comment_id" uuid;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "first_response_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "sla_remaining_seconds" integer;--> statement-breakpoint
ALTER TABLE "sms_logs" ADD CONSTRAINT "sms_logs_comment_id_ticket_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."ticket_comments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sms_logs_comment_id_idx" ON "sms_logs" USING btree ("comment_id");