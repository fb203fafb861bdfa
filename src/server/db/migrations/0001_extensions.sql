-- Trigram search (customer names with typos, fragments of phones, serials, streets).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
