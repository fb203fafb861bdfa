-- Phone search measured on 200k customers: a trigram index on phone digits is not selective
-- ("0941" shares trigrams with most numbers; 3 s). Every form staff type is a suffix of the E.164
-- number, so the search is a prefix range on the reversed digits instead (GET /api/customers?q=<digits>).
DROP INDEX "customers_phone_trgm_idx";
--> statement-breakpoint
DROP INDEX "customers_alt_phone_trgm_idx";
--> statement-breakpoint
-- GET /api/customers?q=<phone in any form>: reverse(phone) LIKE '<reversed digits>%'.
CREATE INDEX "customers_phone_suffix_idx" ON "customers" USING btree (reverse("phone") text_pattern_ops);
--> statement-breakpoint
-- Same, for the alternative phone.
CREATE INDEX "customers_alt_phone_suffix_idx" ON "customers" USING btree (reverse("alt_phone") text_pattern_ops);
--> statement-breakpoint
-- GET /api/customers?q=<name with typos>: word similarity (<%) over the short name, cheap to recheck.
CREATE INDEX "customers_name_trgm_idx" ON "customers" USING gin (lower("name") gin_trgm_ops);
