-- 001: the foundation – ingest log, quality verdicts, school register, Elevundersøkelsen.
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS mart;

-- Settings of this warehouse, e.g. demo = 'ja' when it holds the fictional demo data.
CREATE TABLE meta.innstilling (
    nokkel VARCHAR NOT NULL,
    verdi  VARCHAR
);

CREATE TABLE core.ingest_log (
    batch_id          VARCHAR NOT NULL,
    kilde             VARCHAR,
    filnavn           VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    arkivfil          VARCHAR,
    startet           TIMESTAMP NOT NULL,
    ferdig            TIMESTAMP NOT NULL,
    resultat          VARCHAR NOT NULL,   -- lastet | avvist | allerede_lastet
    rader_inn         INTEGER,
    rader_lastet      INTEGER,
    rader_avvist      INTEGER,
    rader_hoppet_over INTEGER,
    advarsler         INTEGER,
    melding           VARCHAR
);

-- One row per expectation per batch: the Great Expectations verdict as the user reads it.
CREATE TABLE core.kvalitet (
    batch_id     VARCHAR NOT NULL,
    forventning  VARCHAR NOT NULL,
    kolonne      VARCHAR,
    alvorlighet  VARCHAR NOT NULL,        -- kritisk | advarsel
    ok           BOOLEAN NOT NULL,
    antall_avvik INTEGER,
    eksempler    VARCHAR,
    melding      VARCHAR NOT NULL
);

CREATE TABLE core.skole (
    orgnr      VARCHAR NOT NULL,
    navn       VARCHAR NOT NULL,
    kommunenr  VARCHAR NOT NULL,
    kommune    VARCHAR,
    trinn_fra  TINYINT,                   -- NULL: known only from a survey file, not the register
    trinn_til  TINYINT,
    elevtall   INTEGER,
    skoleaar   VARCHAR,
    kilde      VARCHAR NOT NULL,          -- skoleregister | elevundersokelsen | skoleporten
    batch_id   VARCHAR NOT NULL
);

CREATE TABLE core.eu_resultat (
    skoleaar        VARCHAR NOT NULL,
    skoleaar_start  INTEGER NOT NULL,
    enhet_niva      VARCHAR NOT NULL,
    enhet_id        VARCHAR NOT NULL,     -- orgnr, kommunenr, fylkekode or '0'
    orgnr           VARCHAR,
    kommunenr       VARCHAR,
    fylkekode       VARCHAR,
    enhet_navn      VARCHAR,
    trinn           TINYINT,              -- NULL: all trinn together
    kjonn           VARCHAR NOT NULL,
    indikator_kode  VARCHAR NOT NULL,
    indikator       VARCHAR NOT NULL,
    maal            VARCHAR NOT NULL,
    verdi           DOUBLE,
    standardavvik   DOUBLE,
    antall_besvart  INTEGER,
    skjermet        BOOLEAN NOT NULL,
    batch_id        VARCHAR NOT NULL
);

CREATE VIEW mart.elevundersokelsen AS
SELECT skoleaar, skoleaar_start, enhet_niva, orgnr, kommunenr, enhet_navn,
       CAST(trinn AS INTEGER) AS trinn, kjonn, indikator_kode, indikator, maal,
       verdi, standardavvik, antall_besvart, skjermet, batch_id
FROM core.eu_resultat;

CREATE VIEW mart.skoler AS
SELECT orgnr, navn, kommunenr, kommune,
       CAST(trinn_fra AS INTEGER) AS trinn_fra, CAST(trinn_til AS INTEGER) AS trinn_til,
       elevtall, skoleaar
FROM core.skole;

CREATE VIEW mart.ingest_log AS
SELECT batch_id, kilde, filnavn, sha256, startet, ferdig, resultat,
       rader_inn, rader_lastet, rader_avvist, melding
FROM core.ingest_log;
