-- Account numbers: 'C-' || lpad(n, 6, '0') truncates a seven-digit n ('1000000' → '100000'), so
-- customer one million would collide with customer 100,000. Pad to at least six digits, never cut.
CREATE OR REPLACE FUNCTION uplink_next_account_number() RETURNS text
LANGUAGE sql VOLATILE AS $$
  SELECT 'C-' || lpad(n::text, greatest(6, length(n::text)), '0') FROM nextval('customer_account_seq') AS n
$$;--> statement-breakpoint
ALTER TABLE "customers" ALTER COLUMN "account_number" SET DEFAULT uplink_next_account_number();
