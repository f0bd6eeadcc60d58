-- 014: whose rows a load took out (batch ids; 'standard' for the built-in meeting rhythm): a file that replaced rows of
-- loads since withdrawn themselves can be withdrawn too (pipelines/withdraw.py). NULL for a load from before.
ALTER TABLE core.ingest_log ADD COLUMN IF NOT EXISTS erstattet_fra VARCHAR[];
