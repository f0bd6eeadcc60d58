-- 008: a file refused before it could be read was logged with the CSV or Excel reader's own message, which quoted
-- the rows it could not read: anybody's (a name, a fødselsnummer), as the file was never checked for person data.
-- And with no municipalities ([]), which every skoleeier sees. The quoted rows go from the log, and such a row is
-- kept for the one who loaded the file and the administrator (NULL, see `dashboard.queries._log_scope`).
-- Their archived copies are deleted by the archive's next check (`pipelines.ingest.rescan_archive`, rules 3).
UPDATE core.ingest_log
SET melding = regexp_extract(melding, '^Filen kunne ikke leses som CSV med skilletegn «[^»]*»')
        || ': en rad kunne ikke leses. (Meldingen siterte raden, og er forkortet: filen ble aldri kontrollert '
        || 'for personopplysninger.)',
    kommuner = NULL
WHERE melding LIKE 'Filen kunne ikke leses som CSV med skilletegn «%';

UPDATE core.ingest_log
SET melding = 'Excel-filen kunne ikke leses. (Meldingen kunne sitere filen, og er forkortet: filen ble aldri '
        || 'kontrollert for personopplysninger.)',
    kommuner = NULL
WHERE melding LIKE 'Excel-filen kunne ikke leses:%';
