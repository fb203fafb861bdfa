-- The search box's text forms (name with typos, email, street, city, postal code, CPE serial/model,
-- account number) read one generated, lower-cased column with one trigram index (GET /api/customers?q=).
ALTER TABLE "customers" ADD COLUMN "search_text" text GENERATED ALWAYS AS (lower(name || ' ' || coalesce(email, '') || ' ' || coalesce(street, '') || ' ' || coalesce(city, '') || ' ' || coalesce(postal_code, '') || ' ' || coalesce(cpe_serial, '') || ' ' || coalesce(cpe_model, '') || ' ' || account_number)) STORED NOT NULL;
--> statement-breakpoint
-- GET /api/customers?q=<text>: ilike '%…%' and word similarity (<%) for typos.
CREATE INDEX "customers_search_text_trgm_idx" ON "customers" USING gin ("search_text" gin_trgm_ops);
--> statement-breakpoint
-- GET /api/customers?q=<digits>: phone fragments (last 4+ digits, number without country code).
CREATE INDEX "customers_phone_trgm_idx" ON "customers" USING gin ("phone" gin_trgm_ops);
--> statement-breakpoint
-- Same, for the alternative phone.
CREATE INDEX "customers_alt_phone_trgm_idx" ON "customers" USING gin ("alt_phone" gin_trgm_ops);
--> statement-breakpoint
-- GET /api/customers?q=<IP> and duplicate warnings on create/update.
CREATE INDEX "customers_ip_address_idx" ON "customers" USING btree ("ip_address");
--> statement-breakpoint
-- GET /api/customers?q=<MAC in any notation> and duplicate warnings.
CREATE INDEX "customers_mac_address_idx" ON "customers" USING btree ("mac_address");
--> statement-breakpoint
-- Duplicate warnings (same email, any case) and exact email search.
CREATE INDEX "customers_email_lower_idx" ON "customers" USING btree (lower("email"));
--> statement-breakpoint
-- GET /api/customers (default sort=name): keyset pages in (lower(name), id) order.
CREATE INDEX "customers_name_sort_idx" ON "customers" USING btree (lower("name"),"id");
--> statement-breakpoint
-- GET /api/customers?sort=created|-created keyset pages.
CREATE INDEX "customers_created_sort_idx" ON "customers" USING btree ("created_at","id");
--> statement-breakpoint
-- GET /api/customers?sort=updated|-updated keyset pages.
CREATE INDEX "customers_updated_sort_idx" ON "customers" USING btree ("updated_at","id");
