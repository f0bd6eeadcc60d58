-- 013: a loaded file can be withdrawn (`skolemiljo trekk-tilbake`, pipelines/withdraw.py): its rows go, and its row in
-- the log says «trukket_tilbake». That is safe only when the rows a file took out when it came in are gone for good
-- anyway: those of loads since withdrawn themselves, or the built-in meeting rhythm (put back). So the log keeps how
-- many rows of the table a file replaced or removed, and whose they were (batch ids; 'standard' for the built-in
-- rows). NULL for a file loaded before this was kept: it cannot be told, so it is not withdrawn.
ALTER TABLE core.ingest_log ADD COLUMN IF NOT EXISTS rader_erstattet INTEGER;
ALTER TABLE core.ingest_log ADD COLUMN IF NOT EXISTS erstattet_fra VARCHAR[];
