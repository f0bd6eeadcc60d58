-- The two short lists the pages ask for on a cold run: every indicator (with its newest name) and every school
-- year of Elevundersøkelsen. A scan of the survey rows for them took 70–80 ms each at national scale (6.7 million
-- rows); `store.load_eu` keeps these up to date in the same transaction as the rows.

CREATE TABLE core.eu_indikator (
    indikator_kode  VARCHAR NOT NULL,
    indikator       VARCHAR NOT NULL,   -- the name in the newest school year loaded
    maal            VARCHAR NOT NULL,
    skoleaar_start  INTEGER NOT NULL    -- that school year
);

INSERT INTO core.eu_indikator
SELECT indikator_kode, arg_max(indikator, skoleaar_start), any_value(maal), max(skoleaar_start)
FROM core.eu_resultat
GROUP BY indikator_kode;

CREATE TABLE core.eu_skoleaar (
    skoleaar        VARCHAR NOT NULL,
    skoleaar_start  INTEGER NOT NULL
);

INSERT INTO core.eu_skoleaar
SELECT DISTINCT skoleaar, skoleaar_start FROM core.eu_resultat;
