CREATE TYPE "public"."visit_kind" AS ENUM('install', 'repair', 'survey', 'removal', 'maintenance');--> statement-breakpoint
CREATE TYPE "public"."visit_status" AS ENUM('scheduled', 'en_route', 'on_site', 'completed', 'no_access', 'cancelled');--> statement-breakpoint
ALTER TYPE "public"."sms_purpose" ADD VALUE 'technician_en_route';--> statement-breakpoint
ALTER TYPE "public"."sms_purpose" ADD VALUE 'visit_missed';--> statement-breakpoint
ALTER TYPE "public"."sms_purpose" ADD VALUE 'visit_reminder';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'visit_scheduled';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'visit_updated';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'visit_en_route';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'visit_arrived';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'visit_completed';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'visit_no_access';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'visit_cancelled';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'visit_confirmed';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'visit_change_requested';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'attachment_added';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'attachment_deleted';--> statement-breakpoint
CREATE TABLE "attachments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_id" uuid NOT NULL,
	"visit_id" uuid,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"data" "bytea" NOT NULL,
	"thumbnail" "bytea",
	"width" integer,
	"height" integer,
	"uploaded_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "calendar_feeds" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "visits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_id" uuid NOT NULL,
	"technician_id" uuid NOT NULL,
	"kind" "visit_kind" NOT NULL,
	"status" "visit_status" DEFAULT 'scheduled' NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"report" text,
	"equipment" jsonb,
	"en_route_at" timestamp with time zone,
	"eta_at" timestamp with time zone,
	"arrived_at" timestamp with time zone,
	"arrived_latitude" double precision,
	"arrived_longitude" double precision,
	"arrived_accuracy" double precision,
	"finished_at" timestamp with time zone,
	"finished_latitude" double precision,
	"finished_longitude" double precision,
	"finished_accuracy" double precision,
	"reminder_sent_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"change_requested_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_visit_id_visits_id_fk" FOREIGN KEY ("visit_id") REFERENCES "public"."visits"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_uploaded_by_id_users_id_fk" FOREIGN KEY ("uploaded_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_technician_id_users_id_fk" FOREIGN KEY ("technician_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attachments_ticket_id_idx" ON "attachments" USING btree ("ticket_id","created_at");--> statement-breakpoint
CREATE INDEX "attachments_visit_id_idx" ON "attachments" USING btree ("visit_id") WHERE "attachments"."visit_id" is not null;--> statement-breakpoint
CREATE INDEX "attachments_uploaded_by_id_idx" ON "attachments" USING btree ("uploaded_by_id");--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_feeds_token_hash_key" ON "calendar_feeds" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "visits_technician_starts_idx" ON "visits" USING btree ("technician_id","starts_at");--> statement-breakpoint
CREATE INDEX "visits_ticket_id_idx" ON "visits" USING btree ("ticket_id","starts_at");--> statement-breakpoint
CREATE INDEX "visits_starts_at_idx" ON "visits" USING btree ("starts_at","id");--> statement-breakpoint
CREATE INDEX "visits_reminder_due_idx" ON "visits" USING btree ("starts_at") WHERE "visits"."status" = 'scheduled' and "visits"."reminder_sent_at" is null;--> statement-breakpoint
CREATE INDEX "visits_created_by_id_idx" ON "visits" USING btree ("created_by_id");