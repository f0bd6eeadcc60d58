"""Demo plans (YAML) and programme status reports for the two fictional municipalities.

Fjellvik (9901) follows the Oppdal structure (Zippys venner 1–4, Mitt valg 5–7, MOT 8–10) with a
tiltaksplan where some actions are overdue; Sjøbygd (9902) uses Olweus on all trinn and runs
Læringsmiljøprosjektet at one school. Believable gaps: Haugen skole never reports (→ ukjent),
Elvetun skole has no MOT coordinator, Vika skule holds too few Olweus group meetings in 2025-26,
and Holmen skule is in its introduction year. Reports cover 2024-25 and 2025-26.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.templates.programstatus import csv_text, workbook_bytes

YEARS = ["2024-25", "2025-26"]
NEVER_REPORTS = "Haugen skole"

FJELLVIK_PLAN = """\
# Plan for et godt og trygt læringsmiljø – Fjellvik kommune (fiktiv demokommune).
# Bygd etter samme mønster som Oppdal kommunes plan (se plans/eksempel-oppdal.yaml og docs/plan.md).
kommunenr: "9901"
plan_id: fjellvik-laeringsmiljo-2024
tittel: Plan for et godt og trygt læringsmiljø i Fjellvik-skolen 2024–2028
periode:
  fra: 2024-08-01
  til: 2028-07-31
årlig_gjennomgang:
  måneder: april–mai
  ansvarlig: Rektorene
revisjon_hvert_aar: 4

programmer:
  - kode: zippys_venner
    navn: Zippys venner
    trinn: 1-4
    krav:
      - type: koordinator
      - type: andel_ansatte_kurset
        minst: 80
      - type: okter_per_aar
        minst: 24

  - kode: mitt_valg
    navn: Mitt valg
    trinn: 5-7
    krav:
      - type: andel_ansatte_kurset
        minst: 75
      - type: okter_per_aar
        innforing: 6
        drift: 10

  - kode: mot
    navn: MOT
    trinn: 8-10
    krav:
      - type: koordinator
      - type: okter_per_aar
        minst: 6

tiltak:
  - gruppe: Tiltak for den enkelte skole
    tiltak: Utarbeide tiltaksplan for egen skole
    ansvarlig: Rektor
    frist: 2024-12-31
    status: fullfort
  - gruppe: Tiltak for den enkelte skole
    tiltak: Revidere rutine for aktivitetsplikten (§ 12-4)
    ansvarlig: Rektor
    frist: 2025-06-30
    status: pagar
  - gruppe: Felles tiltak
    tiltak: Opprette fagteam for kompliserte mobbesaker
    ansvarlig: PP-tjenesten
    frist: 2025-03-31
    status: ikke_startet
  - gruppe: Felles tiltak
    tiltak: Felles kompetanseheving i klasseledelse
    ansvarlig: Rådgiver oppvekst
    frist: 2027-06-30
    status: pagar
  - gruppe: Felles tiltak
    tiltak: Revidere ordensreglementet
    ansvarlig: Kommunestyret
    frist: 2026-06-30
    status: fullfort
"""

SJOBYGD_PLAN = """\
# Handlingsplan for trygt og godt skulemiljø – Sjøbygd kommune (fiktiv demokommune).
# Olweusprogrammet på alle trinn; Læringsmiljøprosjektet ved Strand barneskule frå 2025-26.
kommunenr: "9902"
plan_id: sjobygd-skulemiljo-2024
tittel: Handlingsplan for trygt og godt skulemiljø 2024–2027
periode:
  fra: 2024-25
  til: 2026-27
årlig_gjennomgang:
  måneder: [mai]
  ansvarlig: Kommunalsjef oppvekst og rektorane
revisjon_hvert_aar: 3

programmer:
  - kode: olweus
    navn: Olweusprogrammet
    trinn: 1-10
    krav:
      - type: koordinator
      - type: gruppemoter_per_aar
        innforing: 8
        drift: 5
        storste_gruppe: 15
      - type: skolemiljoutvalg_moter_per_aar
        minst: 2
      - type: revisjon
        hvert_aar: 3
        gjelder: drift

  - kode: laeringsmiljoprosjektet
    navn: Læringsmiljøprosjektet
    trinn: 1-7
    skoler: ["{strand}"]
    oppstart: 2025-26
    krav:
      - type: fase_per_semester
        faser: 4

tiltak:
  - tiltak: Kurse nye Olweus-gruppeleiarar
    ansvarlig: Olweus-instruktør
    frist: 2025-10-31
    status: fullfort
  - tiltak: Felles fagdag om mobbing for alle skulane
    ansvarlig: Kommunalsjef oppvekst
    frist: 2026-09-30
    status: pagar
  - tiltak: Evaluere skulemiljøutvala sitt arbeid
    ansvarlig: Rådgjevar oppvekst
    frist: 2027-05-31
    status: ikkje startet
"""


def _row(school, year: str, program: str, status: str, **facts) -> dict[str, object]:
    return {"skoleaar": year, "orgnr": school.orgnr, "skole": school.navn, "program": program, "trinn": "",
            "status": status, **facts}


def _fjellvik(schools: list) -> list[dict[str, object]]:
    rows = []
    for year in YEARS:
        first = year == YEARS[0]
        for s in schools:
            if s.navn == NEVER_REPORTS:
                continue
            if s.trinn_fra <= 4:
                rows.append(_row(s, year, "zippys_venner", "drift", koordinator="ja",
                                 andel_ansatte_kurset=85 if s.navn != "Nordli skole" or not first else 70,
                                 okter_holdt=24))
            if s.trinn_fra <= 7 and s.trinn_til >= 5:
                intro = s.navn == "Bakken barneskole" and first  # Bakken starts Mitt valg in 2024-25
                rows.append(_row(s, year, "mitt_valg", "innforing" if intro else "drift",
                                 andel_ansatte_kurset=60 if intro else 90, okter_holdt=7 if intro else 12))
            if s.trinn_til >= 8:
                missing = s.navn == "Elvetun skole"  # no MOT coordinator since the last one left
                rows.append(_row(s, year, "mot", "drift", koordinator="nei" if missing else "ja", okter_holdt=8))
    return rows


def _sjobygd(schools: list) -> list[dict[str, object]]:
    rows = []
    for year in YEARS:
        second = year == YEARS[1]
        for s in schools:
            if s.navn == "Holmen skule":  # started Olweus in 2025-26: introduction
                if second:
                    rows.append(_row(s, year, "olweus", "innforing", koordinator="ja", gruppemoter_holdt=8,
                                     storste_gruppe=6, skolemiljoutvalg_moter=3))
                else:
                    rows.append(_row(s, year, "olweus", "ikke_startet", koordinator="nei"))
                continue
            few = s.navn == "Vika skule" and second
            rows.append(_row(s, year, "olweus", "drift", koordinator="ja", gruppemoter_holdt=3 if few else 5,
                             storste_gruppe=14, skolemiljoutvalg_moter=2, sist_revidert="2023-05-10"))
            if s.navn == "Strand barneskule" and second:
                rows.append(_row(s, year, "laeringsmiljoprosjektet", "innforing", fase=2))
    return rows


def write(out: Path, schools: list) -> list[Path]:
    """Plans first (they must be loaded before the reports), then one status file per municipality."""
    out.mkdir(parents=True, exist_ok=True)
    fjellvik = sorted((s for s in schools if s.kommunenr == "9901"), key=lambda s: s.navn)
    sjobygd = sorted((s for s in schools if s.kommunenr == "9902"), key=lambda s: s.navn)
    strand = next(s.orgnr for s in sjobygd if s.navn == "Strand barneskule")
    files = [out / "plan_9901_fjellvik.yaml", out / "plan_9902_sjobygd.yaml"]
    files[0].write_text(FJELLVIK_PLAN, encoding="utf-8")
    files[1].write_text(SJOBYGD_PLAN.replace("{strand}", strand), encoding="utf-8")
    xlsx = out / "programstatus_9901.xlsx"
    xlsx.write_bytes(_stable_xlsx(workbook_bytes(_fjellvik(fjellvik), ["zippys_venner", "mitt_valg", "mot"])))
    csv = out / "programstatus_9902.csv"
    csv.write_bytes(("\ufeff" + csv_text(_sjobygd(sjobygd))).encode("utf-8"))
    return files + [xlsx, csv]


def _stable_xlsx(raw: bytes) -> bytes:
    from pipelines.demo_saker import _stable_xlsx as stable

    return stable(raw)
