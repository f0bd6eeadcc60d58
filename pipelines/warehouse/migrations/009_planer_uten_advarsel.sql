-- 009: a loaded plan's summary («Plan …: 2 programmer, 3 tiltak») was counted as a warning, so every plan stood
-- among «Filer med advarsler» on Datakvalitet and in the council report's count. It is said, not counted, from now
-- on; the plans loaded before lose the one warning the summary gave them (their checks' own warnings stay).
UPDATE core.ingest_log SET advarsler = advarsler - 1
WHERE kilde = 'plan' AND resultat = 'lastet' AND advarsler > 0 AND melding LIKE '%Plan «%';
