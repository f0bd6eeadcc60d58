-- 007: a complete school year of case counts and team meetings is shown at the protected level as it was published.
-- When a file changes rows of a year already shown there (a late report, a correction), the year's rows as they were
-- are kept here first, and the protected tables are made from them until the skoleeier publishes the correction:
-- two versions of one protected table side by side can give away a small count (pipelines/warehouse/published.py).
CREATE TABLE core.publisert (
    kommunenr      VARCHAR NOT NULL,
    kilde          VARCHAR NOT NULL,    -- 'saker' or 'teammoter'
    skoleaar_start INTEGER NOT NULL,    -- 2024 for 2024-25
    holdt_fra      TIMESTAMP NOT NULL,  -- when the first change after publication was loaded
    batch_id       VARCHAR NOT NULL,    -- the file that changed it first
    siste_endret   TIMESTAMP NOT NULL,  -- the latest change held back
    siste_batch    VARCHAR NOT NULL     -- its file: «publish» publishes what the skoleeier saw, or nothing
);
CREATE TABLE core.saker_publisert AS SELECT * FROM core.saker LIMIT 0;
CREATE TABLE core.teammoter_publisert AS SELECT * FROM core.teammoter LIMIT 0;

-- The copies read as `mart.saker` and `mart.teammoter` do (the same columns, by name).
CREATE VIEW mart.saker_publisert AS SELECT * REPLACE (CAST(trinn AS INTEGER) AS trinn) FROM core.saker_publisert;
CREATE VIEW mart.teammoter_publisert AS SELECT * FROM core.teammoter_publisert;

CREATE VIEW mart.publisert AS
SELECT kommunenr, kilde, skoleaar_start, holdt_fra, batch_id, siste_endret, siste_batch FROM core.publisert;
