CREATE TYPE "public"."alert_source" AS ENUM('alertmanager', 'generic');--> statement-breakpoint
CREATE TYPE "public"."alert_state" AS ENUM('firing', 'resolved');--> statement-breakpoint
ALTER TYPE "public"."incident_event_kind" ADD VALUE 'alert_firing';--> statement-breakpoint
ALTER TYPE "public"."incident_event_kind" ADD VALUE 'alert_resolved';--> statement-breakpoint
CREATE TABLE "monitoring_alerts" (
	"source" "alert_source" NOT NULL,
	"fingerprint" text NOT NULL,
	"incident_id" uuid NOT NULL,
	"site_id" uuid NOT NULL,
	"state" "alert_state" NOT NULL,
	"summary" text NOT NULL,
	"fired_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitoring_alerts_source_fingerprint_pk" PRIMARY KEY("source","fingerprint")
);
--> statement-breakpoint
ALTER TABLE "monitoring_alerts" ADD CONSTRAINT "monitoring_alerts_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_alerts" ADD CONSTRAINT "monitoring_alerts_site_id_network_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."network_sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "monitoring_alerts_incident_id_idx" ON "monitoring_alerts" USING btree ("incident_id","state");--> statement-breakpoint
CREATE INDEX "monitoring_alerts_site_id_idx" ON "monitoring_alerts" USING btree ("site_id");