-- 006: the ingest log names the municipalities a file's rows belong to, and who loaded it from the dashboard, so that
-- a skoleeier sees the files (and their quality messages, which quote rows) of their own municipalities only.
-- Files loaded before get theirs from the rows they left; a file refused before this stays unknown (NULL): only an
-- administrator or a skoleeier of every municipality sees it. An empty list: nothing was read from the file.
ALTER TABLE core.ingest_log ADD COLUMN kommuner VARCHAR[];
ALTER TABLE core.ingest_log ADD COLUMN lastet_av VARCHAR;
UPDATE core.ingest_log AS l SET kommuner = k.kommuner
FROM (
    SELECT batch_id, list(DISTINCT kommunenr ORDER BY kommunenr) AS kommuner
    FROM (
        SELECT batch_id, kommunenr FROM core.eu_resultat
        UNION ALL SELECT batch_id, kommunenr FROM core.plan
        UNION ALL SELECT batch_id, kommunenr FROM core.programstatus
        UNION ALL SELECT batch_id, kommunenr FROM core.saker
        UNION ALL SELECT batch_id, kommunenr FROM core.skole
        UNION ALL SELECT batch_id, kommunenr FROM core.teammoter
        UNION ALL SELECT batch_id, kommunenr FROM core.teamrytme
        UNION ALL SELECT batch_id, kommunenr FROM core.ungdata
    )
    WHERE kommunenr IS NOT NULL
    GROUP BY batch_id
) AS k
WHERE l.batch_id = k.batch_id;
