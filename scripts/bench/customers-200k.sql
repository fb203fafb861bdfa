-- Fills a SCRATCH database with 200,000 generated customers for scripts/bench/customers-search.ts.
-- It deletes every customer and audit row first: never run it against a real database.
--   createdb uplink_bench_customers && DATABASE_URL=postgres:///uplink_bench_customers npx tsx -e "…migrate…"
--   psql uplink_bench_customers -f scripts/bench/customers-200k.sql
delete from audit_log; delete from customers;
insert into customers (name, email, phone, alt_phone, street, city, region, postal_code, country, connection_type, ip_address, mac_address, cpe_model, cpe_serial, vlan_id, status, created_at, updated_at)
select f || ' ' || l,
       lower(f) || '.' || lower(l) || i || '@example.net',
       '+1' || (200 + (i % 700))::text || lpad(((i::bigint * 7919) % 10000000)::text, 7, '0'),
       case when i % 5 = 0 then '+1' || (300 + (i % 600))::text || lpad(((i::bigint * 104729) % 10000000)::text, 7, '0') end,
       (i % 9000 + 1)::text || ' ' || s || ' ' || (array['St','Ave','Rd','Blvd','Ln'])[1 + i % 5],
       c, 'ST', lpad((i % 99999)::text, 5, '0'), 'US',
       (array['fiber','cable','dsl','fixed_wireless','satellite','other'])[1 + i % 6]::connection_type,
       ('10.' || (i >> 16) % 256 || '.' || (i >> 8) % 256 || '.' || i % 256)::inet,
       ('02:00:' || lpad(to_hex((i >> 24) % 256), 2, '0') || ':' || lpad(to_hex((i >> 16) % 256), 2, '0') || ':' || lpad(to_hex((i >> 8) % 256), 2, '0') || ':' || lpad(to_hex(i % 256), 2, '0'))::macaddr,
       (array['Ubiquiti LiteBeam','Nokia G-240W','TP-Link Archer','MikroTik hAP','Zyxel VMG'])[1 + i % 5],
       'SN' || upper(to_hex(i::bigint * 2654435761 % 4294967296)),
       1 + i % 4094,
       (array['active','active','active','active','suspended','lead','pending_install','cancelled'])[1 + i % 8]::customer_status,
       timestamptz '2020-01-01' + (i || ' minutes')::interval,
       timestamptz '2020-01-01' + (i || ' minutes')::interval
from generate_series(1, 200000) i,
     lateral (select (array['James','Mary','Robert','Patricia','John','Jennifer','Michael','Linda','David','Elizabeth','William','Barbara','Richard','Susan','Joseph','Jessica','Thomas','Sarah','Carlos','Karen','Maria','Nancy','Daniel','Lisa','Matthew','Betty','Anthony','Margaret','Mark','Sandra','Donald','Ashley','Steven','Kimberly','Paul','Emily','Andrew','Donna','Joshua','Michelle','Kenneth','Carol','Kevin','Amanda','Brian','Melissa','George','Deborah','Timothy','Stephanie','Wei','Priya','Ahmed','Fatima','Olga','Hiroshi','Aisha','Diego','Ingrid','Kwame'])[1 + (i * 31) % 60] f,
                  (array['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez','Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin','Lee','Perez','Thompson','White','Harris','Sanchez','Clark','Ramirez','Lewis','Robinson','Walker','Young','Allen','King','Wright','Scott','Torres','Nguyen','Hill','Flores','Green','Adams','Nelson','Baker','Hall','Rivera','Campbell','Mitchell','Carter','Roberts','Kowalski','Novak','Okafor','Tanaka','Schmidt','Fischer','Rossi','Dubois','Silva','Haddad','Ivanova','Larsen','Murphy','OBrien','Kaur','Singh','Chen','Wang','Kim','Park'])[1 + (i * 17) % 70] l,
                  (array['Oak','Maple','Pine','Cedar','Elm','Main','Church','High','Park','Lake','Hill','River','Sunset','Ridge','Valley','Meadow','Forest','Spring','Mill','Station'])[1 + (i * 13) % 20] s,
                  (array['Springfield','Riverside','Fairview','Franklin','Greenville','Bristol','Clinton','Salem','Madison','Georgetown','Arlington','Ashland','Dover','Oxford','Jackson','Burlington','Manchester','Milton','Newport','Auburn'])[1 + (i * 7) % 20] c) names;
update customers set deleted_at = created_at where random() < 0.02;
vacuum analyze customers;
select count(*), count(distinct name) from customers;
