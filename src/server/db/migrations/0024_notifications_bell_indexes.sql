-- The bell's indexes ascending: declared DESC they were DESC NULLS LAST, which "order by created_at desc,
-- id desc" (DESC NULLS FIRST) cannot use; read backwards, the ascending ones give that order. And no
-- index on created_at alone: the planner took it for "this person's newest 20", walking everyone's
-- rows (docs/notifications.md); the retention purge now reads the per-person index.
DROP INDEX "notifications_created_at_idx";--> statement-breakpoint
DROP INDEX "notifications_user_created_idx";--> statement-breakpoint
DROP INDEX "notifications_user_unread_idx";--> statement-breakpoint
CREATE INDEX "notifications_user_created_idx" ON "notifications" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "notifications_user_unread_idx" ON "notifications" USING btree ("user_id","created_at","id") WHERE "notifications"."read_at" is null;