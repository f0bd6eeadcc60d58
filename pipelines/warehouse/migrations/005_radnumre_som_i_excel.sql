-- 005: messages name rows as Excel numbers them (the header is row 1, the first row of data row 2). Those logged
-- before named the data rows from 1, one less than Excel: they are marked, so that the pages can say which is which.
ALTER TABLE core.ingest_log ADD COLUMN radnumre VARCHAR DEFAULT 'excel';   -- excel | under_overskriften
UPDATE core.ingest_log SET radnumre = 'under_overskriften';
