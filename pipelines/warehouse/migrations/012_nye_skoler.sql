-- 012: a school can be marked as opened, and a school year is judged by its own register.
-- The register's optional column «opprettet» is the first day a school opened since runs (a merger's new school, a new
-- school), and a school new to a later school year's register is taken to have opened with that year; before then it
-- is not asked for case reports, team meetings or programme status (a school opened in August 2026 read «ikke
-- rapportert» for 2025-26 in the council report).
-- core.skole_aar keeps each school's trinn and pupils per school year of a register loaded (core.skole keeps today's
-- only): a school going from 1–10 to 1–7 lost its MOT cells for every earlier year, and the council report for
-- 2025-26 changed with the 2026-27 register. A year is judged by its own register, or the nearest one before it; a
-- year before the first register held, by the first (`mart.skoler_per_aar`).
-- mart.programstatus is 011's with those two changes, in `dekning`, `planlagt` and `rapport_celle`.
ALTER TABLE core.skole ADD COLUMN IF NOT EXISTS opprettet DATE;

CREATE TABLE IF NOT EXISTS core.skole_aar (
    orgnr VARCHAR NOT NULL,
    skoleaar_start INTEGER NOT NULL,
    trinn_fra TINYINT,
    trinn_til TINYINT,
    elevtall INTEGER,
    batch_id VARCHAR,
    PRIMARY KEY (orgnr, skoleaar_start)
);
INSERT INTO core.skole_aar
SELECT orgnr, CAST(left(skoleaar, 4) AS INTEGER), trinn_fra, trinn_til, elevtall, batch_id
FROM core.skole
WHERE kilde = 'skoleregister' AND trinn_fra IS NOT NULL AND regexp_matches(skoleaar, '^\d{4}-')
ON CONFLICT DO NOTHING;

CREATE OR REPLACE VIEW mart.skoler_per_aar AS  -- the register's trinn and pupils of a school in a school year
SELECT orgnr, skoleaar_start, CAST(trinn_fra AS INTEGER) AS trinn_fra, CAST(trinn_til AS INTEGER) AS trinn_til,
       elevtall
FROM core.skole_aar;

CREATE OR REPLACE VIEW mart.skoler AS
SELECT orgnr, navn, kommunenr, kommune,
       CAST(trinn_fra AS INTEGER) AS trinn_fra, CAST(trinn_til AS INTEGER) AS trinn_til,
       elevtall, skoleaar, nedlagt, opprettet
FROM core.skole;

CREATE OR REPLACE VIEW mart.programstatus AS
WITH
plan_aar AS (          -- every school year of each plan's period, up to the current school year
    SELECT p.plan_id, p.kommunenr, p.batch_id AS plan_batch, core.skoleaar_start(p.gyldig_fra) AS plan_start,
           unnest(generate_series(core.skoleaar_start(p.gyldig_fra),
                                  least(core.skoleaar_start(p.gyldig_til), core.skoleaar_start(current_date)))) AS aar_start
    FROM core.plan p
),
dekning AS (           -- which schools each programme covers (their trinn: see `dekning_aar`)
    SELECT pp.plan_id, pp.program, pp.oppstart_aar, s.orgnr, pp.trinn_fra AS p_fra, pp.trinn_til AS p_til,
           s.trinn_fra AS s_fra, s.trinn_til AS s_til, s.nedlagt, s.opprettet
    FROM core.plan_program pp
    JOIN core.plan p USING (plan_id)
    JOIN core.skole s ON s.kommunenr = p.kommunenr AND s.trinn_fra IS NOT NULL
    WHERE pp.alle_skoler
    UNION ALL
    SELECT pp.plan_id, pp.program, pp.oppstart_aar, ps.orgnr, pp.trinn_fra, pp.trinn_til,
           s.trinn_fra, s.trinn_til, s.nedlagt, s.opprettet
    FROM core.plan_program pp
    JOIN core.plan_program_skole ps USING (plan_id, program)
    JOIN core.skole s ON s.orgnr = ps.orgnr
    WHERE NOT pp.alle_skoler
),
forste_aar AS (        -- each school's first register held, for the years before it
    SELECT orgnr, arg_min(trinn_fra, skoleaar_start) AS trinn_fra, arg_min(trinn_til, skoleaar_start) AS trinn_til
    FROM core.skole_aar GROUP BY orgnr
),
dekning_aar AS (       -- on which trinn, each year: the school's trinn in that year's register (or the nearest before)
    SELECT d.plan_id, pa.kommunenr, d.orgnr, d.program, pa.aar_start, pa.plan_batch, pa.plan_start, d.oppstart_aar,
           d.nedlagt, d.opprettet,
           greatest(d.p_fra, coalesce(h.trinn_fra, f.trinn_fra, d.s_fra, d.p_fra)) AS fra,
           least(d.p_til, coalesce(h.trinn_til, f.trinn_til, d.s_til, d.p_til)) AS til
    FROM dekning d
    JOIN plan_aar pa USING (plan_id)
    LEFT JOIN forste_aar f ON f.orgnr = d.orgnr
    ASOF LEFT JOIN core.skole_aar h ON d.orgnr = h.orgnr AND pa.aar_start >= h.skoleaar_start
),
planlagt AS (
    SELECT d.plan_id, d.kommunenr, d.orgnr, d.program, d.aar_start AS aar_start, d.plan_batch,
           unnest(generate_series(d.fra, d.til)) AS trinn
    FROM dekning_aar d
    WHERE d.fra <= d.til AND d.aar_start >= coalesce(d.oppstart_aar, d.plan_start)
      AND (d.nedlagt IS NULL OR d.nedlagt > make_date(d.aar_start, 9, 1))  -- still ran on 1 September
      AND (d.opprettet IS NULL OR d.opprettet <= make_date(d.aar_start, 9, 1))  -- and already ran then
),
rapport_celle AS (     -- each report spread over the trinn it speaks for (blank trinn: the programme's trinn)
    SELECT pa.plan_id, pa.kommunenr, pa.plan_batch, r.orgnr, r.program, r.skoleaar_start AS aar_start,
           r.status, r.koordinator, r.andel_ansatte_kurset, r.okter_holdt, r.gruppemoter_holdt, r.storste_gruppe,
           r.skolemiljoutvalg_moter, r.sist_revidert, r.fase, r.batch_id,
           coalesce(r.trinn_til, 99) - coalesce(r.trinn_fra, 0) AS bredde,
           unnest(generate_series(
               coalesce(r.trinn_fra, greatest(pp.trinn_fra, coalesce(h.trinn_fra, f.trinn_fra, s.trinn_fra, pp.trinn_fra))),
               coalesce(r.trinn_til, least(pp.trinn_til, coalesce(h.trinn_til, f.trinn_til, s.trinn_til, pp.trinn_til)))))
               AS trinn
    FROM core.programstatus r
    JOIN plan_aar pa ON pa.kommunenr = r.kommunenr AND pa.aar_start = r.skoleaar_start
    JOIN core.plan_program pp ON pp.plan_id = pa.plan_id AND pp.program = r.program
    LEFT JOIN core.skole s ON s.orgnr = r.orgnr
    LEFT JOIN forste_aar f ON f.orgnr = r.orgnr
    ASOF LEFT JOIN core.skole_aar h ON r.orgnr = h.orgnr AND r.skoleaar_start >= h.skoleaar_start
),
siste AS (             -- the newest report wins; among equals, the one for the narrowest trinn range
    SELECT * FROM rapport_celle
    QUALIFY row_number() OVER (PARTITION BY plan_id, orgnr, program, aar_start, trinn ORDER BY batch_id DESC, bredde) = 1
),
celle AS (
    SELECT coalesce(p.plan_id, r.plan_id) AS plan_id, coalesce(p.kommunenr, r.kommunenr) AS kommunenr,
           coalesce(p.orgnr, r.orgnr) AS orgnr, coalesce(p.program, r.program) AS program,
           coalesce(p.aar_start, r.aar_start) AS aar_start, coalesce(p.trinn, r.trinn) AS trinn,
           p.plan_id IS NOT NULL AS planlagt, r.orgnr IS NOT NULL AS rapportert,
           coalesce(r.status, 'ukjent') AS status,
           r.koordinator, r.andel_ansatte_kurset, r.okter_holdt, r.gruppemoter_holdt, r.storste_gruppe,
           r.skolemiljoutvalg_moter, r.sist_revidert, r.fase,
           coalesce(r.batch_id, p.plan_batch, r.plan_batch) AS batch_id
    FROM planlagt p
    FULL OUTER JOIN siste r USING (plan_id, orgnr, program, aar_start, trinn)
),
krav AS (              -- one row per cell × requirement that applies in the reported phase
    SELECT c.*, k.nr, k.kravtype,
           CASE WHEN k.minst IS NOT NULL THEN k.minst WHEN c.status = 'innforing' THEN k.innforing ELSE k.drift END AS terskel,
           -- A count per school year, reported «hittil i skoleåret», is judged against the part of the year gone
           -- while the year runs (11 months with school, July none): 12 sessions in December are not «12 of 24».
           ceil((CASE WHEN k.minst IS NOT NULL THEN k.minst WHEN c.status = 'innforing' THEN k.innforing ELSE k.drift END)
                * CASE WHEN k.kravtype IN ('okter_per_aar', 'gruppemoter_per_aar', 'skolemiljoutvalg_moter_per_aar')
                            AND c.aar_start = core.skoleaar_start(core.i_dag())
                       THEN least(1.0, greatest(date_diff('month', make_date(c.aar_start, 8, 1),
                                                          date_trunc('month', core.i_dag())), 0) / 11.0)
                       ELSE 1.0 END) AS hittil,
           k.storste_gruppe AS maks_gruppe, k.hvert_aar, k.faser,
           c.aar_start - coalesce(pp.oppstart_aar, core.skoleaar_start(pl.gyldig_fra)) AS aar_siden_oppstart
    FROM celle c
    JOIN core.plan_krav k ON k.plan_id = c.plan_id AND k.program = c.program
    JOIN core.plan_program pp ON pp.plan_id = c.plan_id AND pp.program = c.program
    JOIN core.plan pl ON pl.plan_id = c.plan_id
    WHERE c.planlagt AND c.status IN ('innforing', 'drift') AND (k.gjelder = 'alle' OR k.gjelder = c.status)
),
krav_vurdert AS (
    SELECT plan_id, orgnr, program, aar_start, trinn, nr, kravtype,
           CASE kravtype
             WHEN 'koordinator' THEN koordinator
             WHEN 'andel_ansatte_kurset' THEN andel_ansatte_kurset >= terskel
             WHEN 'okter_per_aar' THEN okter_holdt >= hittil
             WHEN 'gruppemoter_per_aar' THEN (terskel IS NULL OR gruppemoter_holdt >= hittil)
                                             AND (maks_gruppe IS NULL OR storste_gruppe <= maks_gruppe)
             WHEN 'skolemiljoutvalg_moter_per_aar' THEN skolemiljoutvalg_moter >= hittil
             WHEN 'revisjon' THEN sist_revidert
                 > least(make_date(aar_start + 1, 7, 31), current_date) - to_years(hvert_aar)
             WHEN 'fase_per_semester' THEN fase >= least(faser, 2 * greatest(aar_siden_oppstart, 0) + 1)
           END AS oppfylt,
           CASE kravtype
             WHEN 'koordinator' THEN CASE WHEN koordinator IS NULL THEN 'Koordinator er ikke oppgitt'
                                          WHEN koordinator THEN 'Har koordinator' ELSE 'Mangler koordinator' END
             WHEN 'andel_ansatte_kurset' THEN CASE WHEN andel_ansatte_kurset IS NULL THEN 'Andel ansatte kurset er ikke oppgitt'
                 ELSE format('{} % av de ansatte er kurset (krav: minst {} %)', core.tall(andel_ansatte_kurset), core.tall(terskel)) END
             WHEN 'okter_per_aar' THEN CASE WHEN okter_holdt IS NULL THEN 'Antall økter er ikke oppgitt'
                 ELSE format('{} økter holdt (krav: minst {}{})', okter_holdt, core.tall(terskel), core.hittil(terskel, hittil)) END
             WHEN 'gruppemoter_per_aar' THEN coalesce(nullif(concat_ws('; ',
                 CASE WHEN terskel IS NULL OR gruppemoter_holdt >= hittil THEN NULL
                      WHEN gruppemoter_holdt IS NULL THEN 'Antall samtalegruppemøter er ikke oppgitt'
                      ELSE format('{} samtalegruppemøter (krav i {}: minst {}{})', gruppemoter_holdt,
                                  CASE WHEN status = 'innforing' THEN 'innføringsfasen' ELSE 'drift' END, core.tall(terskel),
                                  core.hittil(terskel, hittil)) END,
                 CASE WHEN maks_gruppe IS NULL OR storste_gruppe <= maks_gruppe THEN NULL
                      WHEN storste_gruppe IS NULL THEN 'Største gruppe er ikke oppgitt'
                      ELSE format('største gruppe {} (krav: høyst {})', storste_gruppe, maks_gruppe) END), ''),
                 format('{} samtalegruppemøter, største gruppe {}', gruppemoter_holdt, storste_gruppe))
             WHEN 'skolemiljoutvalg_moter_per_aar' THEN CASE WHEN skolemiljoutvalg_moter IS NULL
                 THEN 'Møter i skolemiljøutvalget er ikke oppgitt'
                 ELSE format('{} møter i skolemiljøutvalget (krav: minst {}{})', skolemiljoutvalg_moter, core.tall(terskel),
                             core.hittil(terskel, hittil)) END
             WHEN 'revisjon' THEN CASE WHEN sist_revidert IS NULL THEN 'Dato for siste revisjon er ikke oppgitt'
                 ELSE format('Sist revidert {} (krav: minst hvert {}. år)', strftime(sist_revidert, '%d.%m.%Y'), hvert_aar) END
             WHEN 'fase_per_semester' THEN CASE WHEN fase IS NULL THEN 'Fase er ikke oppgitt'
                 ELSE format('I fase {} (forventet minst fase {} av {})', fase,
                             least(faser, 2 * greatest(aar_siden_oppstart, 0) + 1), faser) END
           END AS tekst
    FROM krav
    WHERE terskel IS NOT NULL OR kravtype NOT IN ('okter_per_aar', 'skolemiljoutvalg_moter_per_aar', 'gruppemoter_per_aar')
          OR (kravtype = 'gruppemoter_per_aar' AND maks_gruppe IS NOT NULL)
),
per_celle AS (
    SELECT plan_id, orgnr, program, aar_start, trinn,
           bool_or(oppfylt = false) AS noe_feil, bool_or(oppfylt IS NULL) AS noe_ukjent,
           string_agg(CASE WHEN oppfylt IS NOT TRUE THEN tekst END, '; ' ORDER BY nr) AS mangler,
           list({'krav': kravtype, 'oppfylt': oppfylt, 'tekst': tekst} ORDER BY nr) AS krav_detaljer
    FROM krav_vurdert
    GROUP BY ALL
),
krav_plan AS (
    SELECT plan_id, program,
           string_agg(coalesce(beskrivelse, krav_tekst_spesiell, krav_tekst_raw)
                      || CASE gjelder WHEN 'innforing' THEN ' (i innføringsfasen)' WHEN 'drift' THEN ' (i drift)' ELSE '' END,
                      '; ' ORDER BY nr) AS krav_tekst
    FROM core.plan_krav_tekst
    GROUP BY ALL
),
vurdert AS (
    SELECT c.*, k.krav_detaljer,
           CASE WHEN NOT c.planlagt OR NOT c.rapportert THEN NULL
                WHEN c.status IN ('ikke_startet', 'avsluttet') THEN false
                WHEN k.noe_feil THEN false
                WHEN k.noe_ukjent THEN NULL
                ELSE true END AS krav_oppfylt,
           CASE WHEN NOT c.planlagt THEN 'Planen krever ikke programmet på dette trinnet på denne skolen.'
                WHEN NOT c.rapportert THEN 'Skolen har ikke rapportert programstatus for skoleåret.'
                WHEN c.status = 'ikke_startet' THEN 'Programmet er ikke startet.'
                WHEN c.status = 'avsluttet' THEN 'Programmet er avsluttet, men planen krever det.'
                ELSE k.mangler END AS avvik
    FROM celle c
    LEFT JOIN per_celle k USING (plan_id, orgnr, program, aar_start, trinn)
),
med_vurdering AS (
    SELECT *,
           CASE WHEN NOT planlagt THEN 'ikke_aktuelt' WHEN krav_oppfylt IS NULL THEN 'ukjent'
                WHEN krav_oppfylt THEN 'oppfylt' ELSE 'ikke_oppfylt' END AS vurdering,
           sum(CASE WHEN krav_oppfylt IS TRUE THEN 1 ELSE 0 END)
               OVER (PARTITION BY plan_id, orgnr, program, trinn, planlagt ORDER BY aar_start) AS rekke
    FROM vurdert
)
SELECT m.kommunenr, m.plan_id, m.orgnr, core.skoleaar_tekst(m.aar_start) AS skoleaar, m.aar_start AS skoleaar_start,
       m.program, pp.program_navn, CAST(m.trinn AS INTEGER) AS trinn, m.planlagt, m.status, m.krav_oppfylt, m.avvik,
       m.vurdering, m.rapportert, m.aar_start = core.skoleaar_start(current_date) AS innevaerende_skoleaar,
       CASE WHEN m.planlagt AND m.krav_oppfylt IS NOT TRUE THEN core.skoleaar_tekst(
           min(CASE WHEN m.krav_oppfylt IS NOT TRUE THEN m.aar_start END)
               OVER (PARTITION BY m.plan_id, m.orgnr, m.program, m.trinn, m.planlagt, m.rekke)) END AS avvik_siden,
       CASE WHEN m.planlagt AND m.krav_oppfylt IS NOT TRUE THEN CAST(m.aar_start
           - min(CASE WHEN m.krav_oppfylt IS NOT TRUE THEN m.aar_start END)
               OVER (PARTITION BY m.plan_id, m.orgnr, m.program, m.trinn, m.planlagt, m.rekke) + 1 AS INTEGER) END
           AS avvik_antall_aar,
       kp.krav_tekst, m.krav_detaljer,
       m.koordinator, m.andel_ansatte_kurset, m.okter_holdt, m.gruppemoter_holdt, m.storste_gruppe,
       m.skolemiljoutvalg_moter, m.sist_revidert, m.fase,
       m.batch_id
FROM med_vurdering m
LEFT JOIN core.plan_program pp ON pp.plan_id = m.plan_id AND pp.program = m.program
LEFT JOIN krav_plan kp ON kp.plan_id = m.plan_id AND kp.program = m.program;
