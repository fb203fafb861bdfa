ALTER TYPE "public"."incident_event_kind" ADD VALUE 'message_queued' BEFORE 'alert_firing';--> statement-breakpoint
ALTER TYPE "public"."incident_event_kind" ADD VALUE 'message_cancelled' BEFORE 'alert_firing';--> statement-breakpoint
ALTER TYPE "public"."sms_purpose" ADD VALUE 'incident';--> statement-breakpoint
ALTER TYPE "public"."sms_purpose" ADD VALUE 'incident_started';--> statement-breakpoint
ALTER TYPE "public"."sms_purpose" ADD VALUE 'incident_update';--> statement-breakpoint
ALTER TYPE "public"."sms_purpose" ADD VALUE 'incident_resolved';--> statement-breakpoint
ALTER TYPE "public"."sms_purpose" ADD VALUE 'maintenance_notice';--> statement-breakpoint
ALTER TYPE "public"."sms_status" ADD VALUE 'cancelled';--> statement-breakpoint
CREATE TABLE "incident_auto_replies" (
	"incident_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "incident_auto_replies_incident_id_customer_id_pk" PRIMARY KEY("incident_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "incident_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL,
	"template" text,
	"body" text NOT NULL,
	"recipients" integer NOT NULL,
	"skipped" jsonb NOT NULL,
	"hold_until" timestamp with time zone,
	"during_quiet_hours" boolean DEFAULT false NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"cancelled_at" timestamp with time zone,
	"cancelled_by_id" uuid
);
--> statement-breakpoint
CREATE TABLE "sms_send_rate" (
	"id" smallint PRIMARY KEY NOT NULL,
	"next_slot_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sms_logs" ADD COLUMN "incident_id" uuid;--> statement-breakpoint
ALTER TABLE "sms_logs" ADD COLUMN "incident_message_id" uuid;--> statement-breakpoint
ALTER TABLE "incident_auto_replies" ADD CONSTRAINT "incident_auto_replies_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_auto_replies" ADD CONSTRAINT "incident_auto_replies_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_messages" ADD CONSTRAINT "incident_messages_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_messages" ADD CONSTRAINT "incident_messages_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_messages" ADD CONSTRAINT "incident_messages_cancelled_by_id_users_id_fk" FOREIGN KEY ("cancelled_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incident_auto_replies_customer_id_idx" ON "incident_auto_replies" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "incident_messages_incident_id_idx" ON "incident_messages" USING btree ("incident_id","created_at");--> statement-breakpoint
CREATE INDEX "incident_messages_created_by_id_idx" ON "incident_messages" USING btree ("created_by_id");--> statement-breakpoint
CREATE INDEX "incident_messages_cancelled_by_id_idx" ON "incident_messages" USING btree ("cancelled_by_id");--> statement-breakpoint
ALTER TABLE "sms_logs" ADD CONSTRAINT "sms_logs_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_logs" ADD CONSTRAINT "sms_logs_incident_message_id_incident_messages_id_fk" FOREIGN KEY ("incident_message_id") REFERENCES "public"."incident_messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sms_logs_incident_id_idx" ON "sms_logs" USING btree ("incident_id","customer_id") WHERE "sms_logs"."incident_id" is not null;--> statement-breakpoint
CREATE INDEX "sms_logs_incident_message_id_idx" ON "sms_logs" USING btree ("incident_message_id","status") WHERE "sms_logs"."incident_message_id" is not null;--> statement-breakpoint
-- The send rate's one row (sms_send_rate): the first message may leave at once.
INSERT INTO "sms_send_rate" ("id", "next_slot_at") VALUES (1, now());
