-- Ticket numbers: 'T-' || lpad(n, 6, '0') truncates a seven-digit n ('1000000' → '100000'), so
-- ticket one million would collide with ticket 100,000. Pad to at least six digits, never cut.
CREATE OR REPLACE FUNCTION uplink_next_ticket_number() RETURNS text
LANGUAGE sql VOLATILE AS $$
  SELECT 'T-' || lpad(n::text, greatest(6, length(n::text)), '0') FROM nextval('ticket_number_seq') AS n
$$;--> statement-breakpoint
ALTER TABLE "tickets" ALTER COLUMN "number" SET DEFAULT uplink_next_ticket_number();
