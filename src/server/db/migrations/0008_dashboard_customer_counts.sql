CREATE TABLE "dashboard_customer_counts" (
	"status" "customer_status" PRIMARY KEY NOT NULL,
	"count" bigint NOT NULL
);
--> statement-breakpoint
-- Start from the customers already there.
INSERT INTO "dashboard_customer_counts" ("status", "count")
SELECT s.status, count(c.id)
FROM unnest(enum_range(NULL::"customer_status")) AS s(status)
LEFT JOIN "customers" c ON c."status" = s.status AND c."deleted_at" IS NULL
GROUP BY s.status;
--> statement-breakpoint
-- Keeps dashboard_customer_counts right in the same transaction as every customer change (the
-- dashboard's "customers by status"). Once per statement, from the transition tables, so a CSV
-- import of thousands of rows touches each count once; old and new rows go in one statement in
-- status order, so concurrent changes lock the count rows in the same order and cannot deadlock.
CREATE OR REPLACE FUNCTION "dashboard_customer_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "dashboard_customer_counts" AS d ("status", "count")
    SELECT n."status", count(*) FROM new_rows n WHERE n."deleted_at" IS NULL GROUP BY n."status" ORDER BY n."status"
    ON CONFLICT ("status") DO UPDATE SET "count" = d."count" + excluded."count";
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "dashboard_customer_counts" AS d ("status", "count")
    SELECT o."status", -count(*) FROM old_rows o WHERE o."deleted_at" IS NULL GROUP BY o."status" ORDER BY o."status"
    ON CONFLICT ("status") DO UPDATE SET "count" = d."count" + excluded."count";
  ELSE
    INSERT INTO "dashboard_customer_counts" AS d ("status", "count")
    SELECT delta."status", sum(delta.n) FROM (
      SELECT n."status", 1 AS n FROM new_rows n WHERE n."deleted_at" IS NULL
      UNION ALL
      SELECT o."status", -1 AS n FROM old_rows o WHERE o."deleted_at" IS NULL
    ) AS delta
    GROUP BY delta."status"
    HAVING sum(delta.n) <> 0
    ORDER BY delta."status"
    ON CONFLICT ("status") DO UPDATE SET "count" = d."count" + excluded."count";
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- A trigger with transition tables may handle one event only: three triggers, one function.
CREATE TRIGGER "dashboard_customer_counts_insert" AFTER INSERT ON "customers"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "dashboard_customer_counts_apply"();
--> statement-breakpoint
CREATE TRIGGER "dashboard_customer_counts_update" AFTER UPDATE ON "customers"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "dashboard_customer_counts_apply"();
--> statement-breakpoint
CREATE TRIGGER "dashboard_customer_counts_delete" AFTER DELETE ON "customers"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "dashboard_customer_counts_apply"();
