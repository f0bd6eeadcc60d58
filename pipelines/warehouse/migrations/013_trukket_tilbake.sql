-- 013: a loaded file can be withdrawn (`skolemiljo trekk-tilbake`, pipelines/withdraw.py): its rows go, and its row in
-- the log says «trukket_tilbake». That is safe only for a file that took no earlier rows out when it came in: those are
-- gone, and taking the file's rows out would leave a hole where they stood. So the log keeps how many rows of the
-- table a file replaced or removed; NULL for a file loaded before it was counted (not withdrawn: it cannot be told).
ALTER TABLE core.ingest_log ADD COLUMN IF NOT EXISTS rader_erstattet INTEGER;
