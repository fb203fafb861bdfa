CREATE TYPE "public"."incident_event_kind" AS ENUM('created', 'updated', 'status_changed', 'public_update', 'activated', 'ticket_linked', 'ticket_unlinked', 'resolved');--> statement-breakpoint
CREATE TYPE "public"."incident_kind" AS ENUM('outage', 'degraded', 'maintenance');--> statement-breakpoint
CREATE TYPE "public"."incident_severity" AS ENUM('minor', 'major', 'critical');--> statement-breakpoint
CREATE TYPE "public"."incident_status" AS ENUM('scheduled', 'investigating', 'identified', 'monitoring', 'resolved', 'cancelled');--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'incident_linked';--> statement-breakpoint
ALTER TYPE "public"."ticket_event_kind" ADD VALUE 'incident_unlinked';--> statement-breakpoint
CREATE TABLE "incident_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "incident_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"incident_id" uuid NOT NULL,
	"kind" "incident_event_kind" NOT NULL,
	"actor_id" uuid,
	"changes" jsonb,
	"public_update" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incident_sites" (
	"incident_id" uuid NOT NULL,
	"site_id" uuid NOT NULL,
	CONSTRAINT "incident_sites_incident_id_site_id_pk" PRIMARY KEY("incident_id","site_id")
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"kind" "incident_kind" NOT NULL,
	"severity" "incident_severity" NOT NULL,
	"status" "incident_status" NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"expected_end_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"public_message" text DEFAULT '' NOT NULL,
	"internal_notes" text DEFAULT '' NOT NULL,
	"plan_ids" uuid[],
	"connection_types" "connection_type"[],
	"cities" text[],
	"postal_codes" text[],
	"version" integer DEFAULT 1 NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "network_sites" ADD COLUMN "public_name" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "incident_id" uuid;--> statement-breakpoint
ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_sites" ADD CONSTRAINT "incident_sites_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_sites" ADD CONSTRAINT "incident_sites_site_id_network_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."network_sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incident_events_incident_id_idx" ON "incident_events" USING btree ("incident_id","created_at");--> statement-breakpoint
CREATE INDEX "incident_events_actor_id_idx" ON "incident_events" USING btree ("actor_id");--> statement-breakpoint
CREATE INDEX "incident_sites_site_id_idx" ON "incident_sites" USING btree ("site_id");--> statement-breakpoint
CREATE INDEX "incidents_created_by_id_idx" ON "incidents" USING btree ("created_by_id");--> statement-breakpoint
CREATE INDEX "incidents_starts_at_idx" ON "incidents" USING btree ("starts_at","id");--> statement-breakpoint
CREATE INDEX "incidents_open_status_idx" ON "incidents" USING btree ("status","starts_at") WHERE "incidents"."status" not in ('resolved', 'cancelled');--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tickets_incident_id_idx" ON "tickets" USING btree ("incident_id","created_at","id") WHERE "tickets"."incident_id" is not null;