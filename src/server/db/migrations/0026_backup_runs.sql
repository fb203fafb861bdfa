CREATE TABLE "backup_runs" (
	"slot" timestamp with time zone PRIMARY KEY NOT NULL,
	"instance" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"file_name" text,
	"error" text
);
