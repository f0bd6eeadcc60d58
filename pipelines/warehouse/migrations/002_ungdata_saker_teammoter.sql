-- 002: Ungdata, case counts under opplæringslova kap. 12 (formerly 9 A), team meetings.
CREATE TABLE core.ungdata (
    kilde          VARCHAR NOT NULL,   -- ungdata (municipal results table) | kommunehelsa (FHI)
    geo_niva       VARCHAR NOT NULL,   -- kommune | fylke | nasjonalt
    geo            VARCHAR NOT NULL,   -- kommunenr, fylkenr or '0'
    kommunenr      VARCHAR,
    aar            INTEGER NOT NULL,   -- first survey year of the period
    periode        VARCHAR NOT NULL,   -- '2023' or '2021–2023' for pooled figures
    trinn          VARCHAR NOT NULL,   -- '8', '9', '10', '8-10', 'VG1', … ; 'alle' when not split
    kjonn          VARCHAR NOT NULL,   -- alle | jenter | gutter
    indikator_kode VARCHAR NOT NULL,
    indikator      VARCHAR NOT NULL,
    andel          DOUBLE,             -- 0–100; NULL when hidden or missing
    antall_svar    INTEGER,
    skjermet       BOOLEAN NOT NULL,
    flagg          INTEGER,            -- FHI's SPVFLAGG: 0 value, 1 '..', 2 '.', 3 ':' anonymised, 4 '-'
    batch_id       VARCHAR NOT NULL
);

CREATE TABLE core.saker (
    orgnr                 VARCHAR NOT NULL,
    kommunenr             VARCHAR NOT NULL,
    periode               DATE NOT NULL,      -- first day of the month
    trinn                 TINYINT,            -- NULL: all trinn together
    sakstype              VARCHAR NOT NULL,
    utfall                VARCHAR,            -- for statsforvalter cases: Udir's outcome
    nye                   INTEGER NOT NULL,
    avsluttet             INTEGER NOT NULL,
    apne_ved_slutt        INTEGER NOT NULL,
    evaluering_over_frist INTEGER NOT NULL,
    batch_id              VARCHAR NOT NULL
);

CREATE TABLE core.teammoter (
    orgnr                    VARCHAR NOT NULL,
    kommunenr                VARCHAR NOT NULL,
    team                     VARCHAR NOT NULL,
    dato                     DATE NOT NULL,
    varighet_min             INTEGER,
    saker_med_samtykke       INTEGER NOT NULL,
    saker_anonyme            INTEGER NOT NULL,
    henvisninger_ppt         INTEGER NOT NULL,
    henvisninger_barnevern   INTEGER NOT NULL,
    henvisninger_helse       INTEGER NOT NULL,
    til_stede_ledelse        BOOLEAN NOT NULL,
    til_stede_ppt            BOOLEAN NOT NULL,
    til_stede_helsesykepleier BOOLEAN NOT NULL,
    til_stede_barnevern      BOOLEAN NOT NULL,
    til_stede_psykisk_helse  BOOLEAN NOT NULL,
    til_stede_sosiallaerer   BOOLEAN NOT NULL,
    til_stede_karriereveileder BOOLEAN NOT NULL,
    til_stede_andre          BOOLEAN NOT NULL,
    batch_id                 VARCHAR NOT NULL
);

-- The expected meeting rhythm per team; kommunenr NULL is the default for every municipality.
CREATE TABLE core.teamrytme (
    kommunenr        VARCHAR,
    team             VARCHAR NOT NULL,
    moter_per_maaned DOUBLE NOT NULL,
    batch_id         VARCHAR
);
INSERT INTO core.teamrytme VALUES
    (NULL, 'elevtjeneste', 1.0, NULL),   -- the plan: the elevtjeneste meets monthly
    (NULL, 'arbeidslag', 1.0, NULL),
    (NULL, 'ressursteam', 1.0, NULL);

CREATE VIEW mart.ungdata AS
SELECT kommunenr, aar, periode, trinn, kjonn, indikator, andel, antall_svar, skjermet, kilde, batch_id,
       geo_niva, geo, indikator_kode, flagg
FROM core.ungdata;

CREATE VIEW mart.saker AS
SELECT orgnr, kommunenr, periode, CAST(trinn AS INTEGER) AS trinn, sakstype, nye, avsluttet,
       apne_ved_slutt, evaluering_over_frist, batch_id, utfall
FROM core.saker;

CREATE VIEW mart.teammoter AS
SELECT orgnr, kommunenr, team, dato, varighet_min, saker_med_samtykke, saker_anonyme,
       henvisninger_ppt, henvisninger_barnevern, henvisninger_helse,
       til_stede_ppt, til_stede_helsesykepleier, til_stede_barnevern, til_stede_psykisk_helse,
       til_stede_sosiallaerer, til_stede_karriereveileder, til_stede_ledelse, til_stede_andre, batch_id
FROM core.teammoter;
