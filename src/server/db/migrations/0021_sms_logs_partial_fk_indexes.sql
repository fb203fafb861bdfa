DROP INDEX "sms_logs_ticket_id_idx";--> statement-breakpoint
DROP INDEX "sms_logs_comment_id_idx";--> statement-breakpoint
CREATE INDEX "sms_logs_ticket_id_idx" ON "sms_logs" USING btree ("ticket_id","created_at") WHERE "sms_logs"."ticket_id" is not null;--> statement-breakpoint
CREATE INDEX "sms_logs_comment_id_idx" ON "sms_logs" USING btree ("comment_id") WHERE "sms_logs"."comment_id" is not null;