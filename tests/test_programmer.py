"""Programmes against each municipal plan: plan files, status reports, and what the skolesjef sees in mart.programstatus."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from pipelines import demo_programmer
from pipelines.cli import main as cli
from pipelines.demo import SCHOOLS
from pipelines.ingest import ingest_file
from pipelines.templates import programstatus as template
from tests.conftest import query, table_digest

BY_NAME = {s.navn: s for s in SCHOOLS}
PLAN_TABLES = ["core.plan", "core.plan_program", "core.plan_program_skole", "core.plan_krav", "core.plantiltak",
               "core.programstatus"]
SJOBYGD = BY_NAME["Sjøbygd skule"]  # 1–10
STRAND, HOLMEN, VIKA = BY_NAME["Strand barneskule"], BY_NAME["Holmen skule"], BY_NAME["Vika skule"]

TEST_PLAN = """\
kommunenr: "9902"
plan_id: test-olweus
tittel: Testplan
periode:
  fra: 2024-25
  til: 2026-27
programmer:
  - kode: olweus
    navn: Olweusprogrammet
    trinn: 4-7
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
  - kode: lmp
    navn: Læringsmiljøprosjektet
    trinn: 1-7
    skoler: ["{strand}"]
    oppstart: 2024-25
    krav:
      - type: fase_per_semester
        faser: 4
      - type: andel_ansatte_kurset
        minst: 80
tiltak:
  - tiltak: Gammelt og ferdig
    ansvarlig: Rådgiver oppvekst
    frist: 2024-01-31
    status: fullfort
  - tiltak: Gammelt og ikke ferdig
    ansvarlig: PP-tjenesten
    frist: 2025-03-31
    status: pagar
  - tiltak: Langt fram
    ansvarlig: Kommunestyret
    frist: 2099-12-31
    status: ikke_startet
"""


def _plan(tmp_path: Path, text: str = TEST_PLAN, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("{strand}", STRAND.orgnr), encoding="utf-8")
    return path


def _status(tmp_path: Path, rows: list[dict[str, object]], name: str = "status.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" + template.csv_text(rows)).encode("utf-8"))
    return path


def _row(school, program: str, status: str, year: str = "2025-26", trinn: str = "", **facts) -> dict[str, object]:
    return {"skoleaar": year, "orgnr": school.orgnr, "skole": school.navn, "program": program, "trinn": trinn,
            "status": status, **facts}


def _cell(db: Path, orgnr: str, program: str, trinn: int, year: str = "2025-26") -> dict:
    con_rows = query(
        db, "SELECT planlagt, status, krav_oppfylt, avvik, vurdering, avvik_siden FROM mart.programstatus "
            "WHERE orgnr = ? AND program = ? AND trinn = ? AND skoleaar = ?", [orgnr, program, trinn, year])
    assert len(con_rows) <= 1, con_rows
    if not con_rows:
        return {}
    keys = ["planlagt", "status", "krav_oppfylt", "avvik", "vurdering", "avvik_siden"]
    return dict(zip(keys, con_rows[0], strict=True))


def _ingest(db: Path, *paths: Path) -> int:
    return cli(["--db", str(db), "ingest", *map(str, paths)])


@pytest.fixture
def olweus_db(register_db, tmp_path) -> Path:
    """The demo register, the test plan, and one status file exercising each requirement."""
    assert _ingest(register_db, _plan(tmp_path)) == 0
    rows = [
        # Olweus in operation: 5 meetings are enough, revision 2024 within 3 years → met.
        _row(SJOBYGD, "olweus", "drift", koordinator="ja", gruppemoter_holdt=5, storste_gruppe=15,
             skolemiljoutvalg_moter=2, sist_revidert="2024-05-01"),
        # Olweus in introduction: 6 meetings is too few (8), revision does not apply yet.
        _row(STRAND, "olweus", "innforing", koordinator="ja", gruppemoter_holdt=6, storste_gruppe=12,
             skolemiljoutvalg_moter=3),
        # The same 6 meetings in operation are enough, but the groups are too big and the revision is old.
        _row(VIKA, "olweus", "drift", koordinator="ja", gruppemoter_holdt=6, storste_gruppe=18,
             skolemiljoutvalg_moter=2, sist_revidert="2019-06-01"),
        # Holmen leaves the coordinator blank: unknown, not met and not ok.
        _row(HOLMEN, "olweus", "drift", koordinator="", gruppemoter_holdt=5, storste_gruppe=10,
             skolemiljoutvalg_moter=2, sist_revidert="2024-01-10"),
        # Sjøbygd skule also reports Olweus on 9. trinn, which the plan does not require (4–7).
        _row(SJOBYGD, "olweus", "drift", trinn="9", koordinator="ja", gruppemoter_holdt=5),
        # LMP second year: phase 3 expected at least; Strand is in phase 2.
        _row(STRAND, "lmp", "drift", fase=2, andel_ansatte_kurset=90),
        _row(STRAND, "lmp", "innforing", year="2024-25", fase=1, andel_ansatte_kurset="85 %"),
    ]
    assert _ingest(register_db, _status(tmp_path, rows)) == 0
    return register_db


def test_olweus_group_meetings_depend_on_introduction_or_operation(olweus_db):
    ok = _cell(olweus_db, SJOBYGD.orgnr, "olweus", 5)
    assert ok["planlagt"] and ok["status"] == "drift" and ok["krav_oppfylt"] is True and ok["avvik"] is None
    assert ok["vurdering"] == "oppfylt"
    intro = _cell(olweus_db, STRAND.orgnr, "olweus", 5)
    assert intro["krav_oppfylt"] is False and intro["status"] == "innforing"
    assert "6 samtalegruppemøter (krav i innføringsfasen: minst 8)" in intro["avvik"]
    assert "revisjon" not in intro["avvik"].lower()  # revision applies in operation only
    vika = _cell(olweus_db, VIKA.orgnr, "olweus", 6)
    assert vika["krav_oppfylt"] is False
    assert "største gruppe 18 (krav: høyst 15)" in vika["avvik"] and "samtalegruppemøter" not in vika["avvik"]
    assert "Sist revidert 01.06.2019 (krav: minst hvert 3. år)" in vika["avvik"]


def test_a_blank_answer_makes_the_requirement_unknown_never_met(olweus_db):
    holmen = _cell(olweus_db, HOLMEN.orgnr, "olweus", 4)
    assert holmen["krav_oppfylt"] is None and holmen["vurdering"] == "ukjent"
    assert holmen["avvik"] == "Koordinator er ikke oppgitt"


def test_a_trinn_the_plan_does_not_cover_is_not_applicable(olweus_db):
    extra = _cell(olweus_db, SJOBYGD.orgnr, "olweus", 9)
    assert extra["planlagt"] is False and extra["krav_oppfylt"] is None and extra["vurdering"] == "ikke_aktuelt"
    assert "krever ikke" in extra["avvik"]
    # Trinn 1–3 at Sjøbygd skule: no row at all (nothing required, nothing reported).
    assert _cell(olweus_db, SJOBYGD.orgnr, "olweus", 2) == {}
    # LMP is planned only at the school the plan names.
    assert query(olweus_db, "SELECT DISTINCT orgnr FROM mart.programstatus WHERE program = 'lmp'") == [(STRAND.orgnr,)]


def test_phase_per_semester_and_share_trained(olweus_db):
    first = _cell(olweus_db, STRAND.orgnr, "lmp", 3, "2024-25")
    assert first["krav_oppfylt"] is True
    second = _cell(olweus_db, STRAND.orgnr, "lmp", 3)
    assert second["krav_oppfylt"] is False and second["avvik"] == "I fase 2 (forventet minst fase 3 av 4)"
    assert second["avvik_siden"] == "2025-26"


def test_a_school_that_did_not_report_is_ukjent_with_unknown_compliance(olweus_db):
    # Nobody reported Olweus for 2024-25: every planned cell is ukjent, never ok.
    rows = query(olweus_db, "SELECT DISTINCT status, krav_oppfylt, vurdering, avvik FROM mart.programstatus "
                            "WHERE program = 'olweus' AND skoleaar = '2024-25'")
    assert rows == [("ukjent", None, "ukjent", "Skolen har ikke rapportert programstatus for skoleåret.")]
    # Gaps carry on from the first school year they appeared in.
    assert query(olweus_db, "SELECT avvik_siden, avvik_antall_aar FROM mart.programstatus WHERE orgnr = ? "
                            "AND program = 'olweus' AND trinn = 5 AND skoleaar = '2025-26'", [STRAND.orgnr]) == [
        ("2024-25", 2)]


def test_overdue_actions_are_flagged(olweus_db):
    rows = dict(query(olweus_db, "SELECT tiltak, forfalt FROM mart.plantiltak WHERE plan_id = 'test-olweus'"))
    assert rows == {"Gammelt og ferdig": False, "Gammelt og ikke ferdig": True, "Langt fram": False}
    days = query(olweus_db, "SELECT dager_over_frist FROM mart.plantiltak WHERE forfalt")[0][0]
    assert days > 365
    assert query(olweus_db, "SELECT antall_forfalt FROM mart.planer WHERE plan_id = 'test-olweus'") == [(1,)]


def test_a_loaded_plan_says_what_it_holds_without_counting_that_as_a_warning(demo_db_master):
    """Datakvalitet counted every plan among «Filer med advarsler» («1 advarsler»), and the council report added them to
    «Kontrollene ga 2 advarsler om enkeltrader»: the note of how many programmes and actions a plan holds."""
    plans = query(demo_db_master, "SELECT advarsler, melding FROM core.ingest_log WHERE kilde = 'plan' "
                                  "AND resultat = 'lastet'")
    assert len(plans) == 2
    for warnings, message in plans:
        assert warnings == 0 and "programmer" in message and "tiltak" in message, (warnings, message)


def test_an_older_warehouse_no_longer_counts_a_plan_s_summary_as_a_warning(demo_db):
    """Plans loaded before kept their one warning: re-loading the same file changes nothing (already loaded)."""
    from pipelines.warehouse.connection import connect

    with connect(demo_db, read_only=False) as con:  # as the version before left them
        con.execute("UPDATE core.ingest_log SET advarsler = advarsler + 1 WHERE kilde = 'plan'")
        con.execute("DELETE FROM meta.schema_version WHERE version >= 9")
    assert cli(["--db", str(demo_db), "init"]) == 0
    assert query(demo_db, "SELECT DISTINCT advarsler FROM core.ingest_log WHERE kilde = 'plan'") == [(0,)]


def test_demo_plans_show_two_municipalities_side_by_side(register_db, tmp_path):
    files = demo_programmer.write(tmp_path / "programmer", SCHOOLS)
    assert [f.suffix for f in files] == [".yaml", ".yaml", ".xlsx", ".csv"]
    assert _ingest(register_db, *files) == 0
    plans = query(register_db, "SELECT kommunenr, plan_id, count(DISTINCT program) FROM mart.programstatus "
                               "GROUP BY ALL ORDER BY 1")
    assert plans == [("9901", "fjellvik-laeringsmiljo-2024", 3), ("9902", "sjobygd-skulemiljo-2024", 2)]
    haugen = query(register_db, "SELECT DISTINCT status, krav_oppfylt FROM mart.programstatus WHERE orgnr = ?",
                   [BY_NAME["Haugen skole"].orgnr])
    assert haugen == [("ukjent", None)]
    elvetun = _cell(register_db, BY_NAME["Elvetun skole"].orgnr, "mot", 9)
    assert elvetun["krav_oppfylt"] is False and elvetun["avvik"] == "Mangler koordinator"
    assert elvetun["avvik_siden"] == "2024-25"
    vika = _cell(register_db, VIKA.orgnr, "olweus", 3)
    assert vika["krav_oppfylt"] is False and "3 samtalegruppemøter (krav i drift: minst 5)" in vika["avvik"]
    holmen = _cell(register_db, HOLMEN.orgnr, "olweus", 3)
    assert holmen["status"] == "innforing" and holmen["krav_oppfylt"] is True
    assert _cell(register_db, HOLMEN.orgnr, "olweus", 3, "2024-25")["avvik"] == "Programmet er ikke startet."
    bakken = _cell(register_db, BY_NAME["Bakken barneskole"].orgnr, "mitt_valg", 6, "2024-25")
    assert bakken["status"] == "innforing"
    overdue = query(register_db, "SELECT tiltak, ansvarlig FROM mart.plantiltak WHERE forfalt ORDER BY frist")
    assert [a for _, a in overdue][:2] == ["PP-tjenesten", "Rektor"]
    # Only the municipality's own schools appear under its plan.
    wrong = query(register_db, "SELECT count(*) FROM mart.programstatus p JOIN mart.skoler s USING (orgnr) "
                               "WHERE s.kommunenr <> p.kommunenr")
    assert wrong == [(0,)]


def test_changing_the_plan_and_reingesting_changes_the_matrix(register_db, tmp_path):
    files = demo_programmer.write(tmp_path / "programmer", SCHOOLS)
    assert _ingest(register_db, *files) == 0
    barneskole = BY_NAME["Fjellvik barneskole"].orgnr
    assert _cell(register_db, barneskole, "zippys_venner", 2)["krav_oppfylt"] is True
    stricter = files[0].read_text("utf-8").replace("minst: 80", "minst: 90").replace(
        "    tiltak: Revidere ordensreglementet\n", "    tiltak: Revidere ordensreglementet på nytt\n")
    changed = tmp_path / "plan_9901_ny.yaml"
    changed.write_text(stricter, encoding="utf-8")
    assert _ingest(register_db, changed) == 0
    cell = _cell(register_db, barneskole, "zippys_venner", 2)
    assert cell["krav_oppfylt"] is False and cell["avvik"] == "85 % av de ansatte er kurset (krav: minst 90 %)"
    tiltak = [r[0] for r in query(register_db, "SELECT tiltak FROM mart.plantiltak WHERE kommunenr = '9901'")]
    assert "Revidere ordensreglementet på nytt" in tiltak and "Revidere ordensreglementet" not in tiltak
    assert query(register_db, "SELECT count(*) FROM core.plan WHERE kommunenr = '9901'") == [(1,)]
    # Dropping a programme from the plan removes its rows.
    without_mot = stricter.split("  - kode: mot")[0] + "tiltak: []\n"
    (tmp_path / "plan_uten_mot.yaml").write_text(without_mot, encoding="utf-8")
    assert _ingest(register_db, tmp_path / "plan_uten_mot.yaml") == 0
    assert query(register_db, "SELECT count(*) FROM mart.programstatus WHERE program = 'mot'") == [(0,)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("    trinn: 4-7\n", "    trinn: 4-7\n    farge: blå\n"), "linje 11, felt «programmer → 1 → farge»: ukjent felt"),
        (("        minst: 2\n", "        minst: to\n"), "linje 18, felt «programmer → 1 → krav → 3 → minst»: må være et helt tall"),
        (("  fra: 2024-25\n", "  fra: 2024\n"), "linje 5, felt «periode → fra»"),
        (("    status: pagar\n", "    status: snart\n"), "linje 40, felt «tiltak → 2 → status»: må være en av"),
        (("      - type: koordinator\n", "      - type: koordinatorr\n"), "linje 12, felt «programmer → 1 → krav → 1»: "
                                                                          "ukjent kravtype «koordinatorr»"),
        (("tittel: Testplan\n", ""), "linje 1, felt «tittel»: feltet mangler"),
        (("programmer:\n", "programmer:\n  feil innrykk: [\n"), "Planen er ikke gyldig YAML (linje"),
        # PyYAML's own English («expected <block end>, but found '<block mapping start>'») said in Norwegian.
        (("    trinn: 4-7\n", "     trinn: 4-7\n"), "oftest innrykk: linjen er rykket lenger inn enn linjen over"),
        (("    trinn: 4-7\n", "   trinn: 4-7\n"), "innrykket stemmer ikke med linjene over"),
        (("    trinn: 4-7\n", "    trinn:\t4-7\n\tx: 1\n"), "en tabulator i innrykket"),
    ],
)
def test_an_invalid_plan_is_refused_naming_the_line_and_warehouse_is_unchanged(olweus_db, tmp_path, change, expected):
    before = table_digest(olweus_db, PLAN_TABLES)
    bad = _plan(tmp_path, TEST_PLAN.replace(*change), name="feil.yaml")
    outcome = ingest_file(bad, olweus_db)
    assert outcome.result == "avvist"
    assert expected in outcome.message, outcome.message
    assert table_digest(olweus_db, PLAN_TABLES) == before


def test_the_line_numbers_in_the_test_plan_are_what_a_reader_sees():
    lines = TEST_PLAN.splitlines()
    assert lines[10] == "    krav:" and lines[17] == "        minst: 2" and lines[39] == "    status: pagar"
    assert lines[11] == "      - type: koordinator"


def test_a_status_file_with_an_unknown_school_is_refused(olweus_db, tmp_path):
    before = table_digest(olweus_db, PLAN_TABLES)
    rows = [_row(SJOBYGD, "olweus", "drift", koordinator="ja") | {"orgnr": "999999999", "skole": "Ukjent skole"}]
    outcome = ingest_file(_status(tmp_path, rows, "ukjent.csv"), olweus_db)
    assert outcome.result == "avvist" and "finnes ikke i skoleregisteret" in outcome.message
    assert table_digest(olweus_db, PLAN_TABLES) == before


def test_a_report_for_a_trinn_the_school_does_not_have_is_refused(olweus_db, tmp_path):
    """A review loaded MOT on 5. trinn at an ungdomsskole: it loaded with a warning, counted for none of the school's
    trinn, and the school stayed «ikke rapportert» everywhere. Refused, as a case count on such a trinn is."""
    before = table_digest(olweus_db, PLAN_TABLES)
    rows = [_row(STRAND, "olweus", "drift", koordinator="ja"),
            _row(STRAND, "olweus", "drift", trinn="9", koordinator="ja")]  # Strand barneskule has 1–7
    outcome = ingest_file(_status(tmp_path, rows, "feil_trinn.csv"), olweus_db)
    assert outcome.result == "avvist", outcome.message
    assert "Trinnet finnes ikke på skolen ifølge skoleregisteret" in outcome.message and "Rader: 3" in outcome.message
    assert "Eksempler: Strand barneskule: 9. trinn (skolen har 1.–7.)" in outcome.message  # which, and what instead
    assert table_digest(olweus_db, PLAN_TABLES) == before


def test_a_number_out_of_range_is_quoted_as_a_norwegian_writes_it(olweus_db, tmp_path):
    """«Andel ansatte kurset må ligge mellom 0 og 100 %. … Eksempler: 110.0.»: the school wrote 110, and a decimal
    was given with an English point."""
    rows = [_row(STRAND, "lmp", "drift", fase=2, andel_ansatte_kurset=110),
            _row(VIKA, "lmp", "drift", fase=2, andel_ansatte_kurset="112,5")]
    outcome = ingest_file(_status(tmp_path, rows, "for_mye.csv"), olweus_db)
    assert outcome.result == "avvist" and "mellom 0 og 100 %" in outcome.message, outcome.message
    examples = outcome.message.split("Eksempler: ")[1]
    assert "110" in examples and "112,5" in examples and "." not in examples.rstrip("."), outcome.message


def test_a_programme_missing_from_the_plan_or_a_named_coordinator_is_refused(olweus_db, tmp_path):
    before = table_digest(olweus_db, PLAN_TABLES)
    pals = ingest_file(_status(tmp_path, [_row(SJOBYGD, "pals", "drift")], "pals.csv"), olweus_db)
    assert pals.result == "avvist" and "står ikke i kommunens plan" in pals.message
    # The row, not the value: a programme cell may hold free text («Olweus v/Kari Olsen»), and the log is read by
    # every skoleeier of the municipality.
    assert "Rader: 2" in pals.message and "pals" not in pals.message and "False" not in pals.message, pals.message
    # What to write instead: the plan's programmes, by code and name. Not «load the plan first»: it is loaded.
    (codes,) = query(olweus_db, "SELECT list(program ORDER BY program) FROM core.plan_program JOIN core.plan "
                                "USING (plan_id) WHERE kommunenr = ?", [SJOBYGD.kommunenr])[0]
    assert codes and all(f"«{c}»" in pals.message for c in codes), pals.message
    assert "Last inn kommunens plan" not in pals.message and "Mal for programstatus" in pals.message
    named = ingest_file(_status(tmp_path, [_row(SJOBYGD, "olweus", "drift", koordinator="Kari Nordmann")], "n.csv"),
                        olweus_db)
    assert named.result == "avvist" and "aldri navn" in named.message and "(rad 2, kolonne" in named.message, named.message
    share = ingest_file(_status(tmp_path, [_row(SJOBYGD, "olweus", "drift", andel_ansatte_kurset=120)], "a.csv"),
                        olweus_db)
    assert share.result == "avvist" and "0 og 100" in share.message
    # 85 % written as a fraction was read as 0,85 % and judged «0,85 % av de ansatte er kurset (krav: minst 80 %)».
    fraction = ingest_file(_status(tmp_path, [_row(SJOBYGD, "olweus", "drift", andel_ansatte_kurset="0,85")], "f.csv"),
                           olweus_db)
    assert fraction.result == "avvist" and "skrevet som brøk (f.eks. 0,85); skriv den i prosent (85)" in fraction.message
    assert "(rad 2, kolonne «andel_ansatte_kurset»)" in fraction.message, fraction.message
    assert table_digest(olweus_db, PLAN_TABLES) == before


def test_a_newer_report_replaces_the_older_for_the_same_school_year(olweus_db, tmp_path):
    fixed = _row(STRAND, "olweus", "innforing", koordinator="ja", gruppemoter_holdt=8, storste_gruppe=12,
                 skolemiljoutvalg_moter=3)
    assert _ingest(olweus_db, _status(tmp_path, [fixed], "var.csv")) == 0
    assert _cell(olweus_db, STRAND.orgnr, "olweus", 5)["krav_oppfylt"] is True


def test_the_oppdal_example_plan_loads_with_a_warning_outside_its_register(register_db):
    example = Path(__file__).parent.parent / "plans" / "eksempel-oppdal.yaml"
    outcome = ingest_file(example, register_db)
    assert outcome.result == "lastet" and any("ingen skoler i skoleregisteret" in w for w in outcome.warnings)
    assert not any("Rader" in w for w in outcome.warnings)  # a plan has no rows to point at
    assert query(register_db, "SELECT count(*) FROM mart.plantiltak WHERE kommunenr = '5021'") == [(8,)]
    assert query(register_db, "SELECT gjennomgang_tekst FROM mart.planer WHERE kommunenr = '5021'") == [("april–mai",)]
    assert query(register_db, "SELECT count(*) FROM mart.programstatus WHERE kommunenr = '5021'") == [(0,)]


def test_the_template_offers_drop_downs_and_reads_back(register_db, tmp_path):
    schools = pl.DataFrame({"orgnr": [s.orgnr for s in SCHOOLS], "navn": [s.navn for s in SCHOOLS]})
    book = load_workbook(io.BytesIO(template.xlsx_bytes(schools, ["olweus"])))
    assert book.sheetnames == ["Programstatus", "Koder", "Veiledning"]
    ws = book["Programstatus"]
    assert [c.value for c in ws[1]] == template.HEADERS
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "=Koder!$A$5" not in formulas and any("Koder!$A$2" in (f or "") for f in formulas)
    assert template.csv_bytes(schools).decode("utf-8-sig").splitlines()[0] == ";".join(template.HEADERS)


def test_an_unknown_status_is_refused_with_the_words_a_school_writes_and_i_drift_is_read(register_db, tmp_path, capsys):
    assert _ingest(register_db, _plan(tmp_path)) == 0
    capsys.readouterr()
    assert _ingest(register_db, _status(tmp_path, [_row(SJOBYGD, "olweus", "startet opp")], "feil.csv")) != 0
    said = " ".join("".join(capsys.readouterr()).split())
    assert "Ukjent status; bruk «Ikke startet», «Innføring», «I drift» eller «Avsluttet»" in said, said
    assert "ikke_startet" not in said
    assert _ingest(register_db, _status(tmp_path, [_row(SJOBYGD, "olweus", "I drift")], "ok.csv")) == 0
    assert _cell(register_db, SJOBYGD.orgnr, "olweus", 5)["status"] == "drift"


@pytest.mark.parametrize(("today", "meetings", "council", "said"), [
    ("2026-08-20", 0, 0, None),  # no month of the year is gone
    ("2026-12-02", 2, 1, "krav i drift: minst 5 i året; 2 så langt i skoleåret"),  # 4 of 11: 5 → 2, 2 → 1
    ("2027-06-15", 5, 2, None),  # 10 of 11: 5 → 5
    ("2027-07-20", 5, 2, None),  # the year is whole
])
def test_counts_reported_so_far_in_the_running_school_year_are_judged_against_the_part_of_it_gone(
        register_db, tmp_path, today, meetings, council, said):
    """Sessions and meetings are reported «hittil i skoleåret» and were judged against the whole year's minimum while
    the year ran: every school's autumn report read «ikke oppfylt» («12 økter holdt (krav: minst 24)» in December).
    Judged against the months gone (of 11 with school, none in August), rounded up; a year that is over, against
    the whole."""
    from pipelines.warehouse.connection import connect

    plan = TEST_PLAN.replace("fra: 2024-25", "fra: 2025-26").replace("til: 2026-27", "til: 2027-28")
    assert _ingest(register_db, _plan(tmp_path, plan)) == 0
    rows = [
        _row(SJOBYGD, "olweus", "drift", year="2026-27", koordinator="ja", gruppemoter_holdt=meetings,
             storste_gruppe=10, skolemiljoutvalg_moter=council, sist_revidert="2026-05-01"),
        _row(VIKA, "olweus", "drift", year="2026-27", koordinator="ja", gruppemoter_holdt=max(meetings - 1, 0),
             storste_gruppe=10, skolemiljoutvalg_moter=council, sist_revidert="2026-05-01"),
        _row(SJOBYGD, "olweus", "drift", year="2025-26", koordinator="ja", gruppemoter_holdt=2, storste_gruppe=10,
             skolemiljoutvalg_moter=1, sist_revidert="2025-05-01"),  # a year that is over: the whole minimum
    ]
    assert _ingest(register_db, _status(tmp_path, rows)) == 0
    with connect(register_db, read_only=False) as con:  # the day the warehouse judges the running year on
        con.execute(f"CREATE OR REPLACE MACRO core.i_dag() AS DATE '{today}'")
    on_track, behind = _cell(register_db, SJOBYGD.orgnr, "olweus", 5, "2026-27"), _cell(register_db, VIKA.orgnr, "olweus", 5, "2026-27")
    assert on_track["krav_oppfylt"] is True, on_track
    assert behind["krav_oppfylt"] is (meetings == 0), behind  # with nothing asked yet, 0 is on track too
    if said:
        assert said in behind["avvik"], behind
    last_year = _cell(register_db, SJOBYGD.orgnr, "olweus", 5, "2025-26")
    assert last_year["krav_oppfylt"] is False and "(krav i drift: minst 5)" in last_year["avvik"], last_year


def test_a_second_plan_for_the_same_years_is_loaded_with_a_warning_saying_how_to_replace_the_first(
        register_db, tmp_path):
    """A second plan of the municipality for overlapping years loaded without a word, both stayed, and the pages
    showed one of them."""
    from pipelines.ingest import ingest_file

    assert ingest_file(_plan(tmp_path), register_db).result == "lastet"
    second = _plan(tmp_path, TEST_PLAN.replace("plan_id: test-olweus", "plan_id: ny-plan")
                   .replace("tittel: Testplan", "tittel: Ny plan"), name="ny.yaml")
    outcome = ingest_file(second, register_db)
    assert outcome.result == "lastet", outcome.message
    said = outcome.message
    assert "Kommunen har også planen «Testplan» (test-olweus)" in said and "samme plan_id («test-olweus»)" in said, said
    # Taking over from a date keeps the other plan's years (a replacement by plan_id takes them with it).
    assert "la den andre slutte dagen før (periode: til) og les den inn på nytt" in said, said
    assert query(register_db, "SELECT advarsler FROM core.ingest_log WHERE filnavn = 'ny.yaml'") == [(1,)]
    replaced = _plan(tmp_path, TEST_PLAN.replace("tittel: Testplan", "tittel: Testplan, revidert"), name="rev.yaml")
    again = ingest_file(replaced, register_db)  # the same plan_id replaces its plan: nothing to warn of but the other
    assert again.result == "lastet" and "Kommunen har også planen «Testplan»" not in again.message, again.message
    # The revision of the older plan is told the newer one is there, but not to take its plan_id: following that
    # advice would overwrite the newer plan with a revision of the older.
    assert "Kommunen har også planen «Ny plan» (ny-plan)" in again.message, again.message
    assert "samme plan_id" not in again.message, again.message


def test_a_deadline_written_the_norwegian_way_is_read_as_in_the_other_templates(register_db, tmp_path):
    """«frist: 30.06.2025» was refused, while the templates take 30.06.2025 as a date."""
    plan = TEST_PLAN.replace("frist: 2025-03-31", "frist: 31.03.2025").replace("fra: 2024-25", "fra: 01.08.2024")
    assert _ingest(register_db, _plan(tmp_path, plan)) == 0
    assert query(register_db, "SELECT frist FROM mart.plantiltak WHERE tiltak = 'Gammelt og ikke ferdig'") == [
        (dt.date(2025, 3, 31),)]
    assert query(register_db, "SELECT gyldig_fra FROM mart.planer") == [(dt.date(2024, 8, 1),)]


def test_a_new_plan_that_renames_a_programme_warns_that_the_schools_reports_no_longer_match(demo_db, demo_dir,
                                                                                          tmp_path):
    """A new version of the plan wrote «zippy» for «zippys_venner»: every school's Zippy report became «ukjent», and
    the load said only «3 programmer, 1 tiltak». It loads (the plan is the owner's to write) with a warning."""
    reports = query(demo_db, "SELECT count(*) FROM core.programstatus WHERE kommunenr = '9901' "
                             "AND program = 'zippys_venner'")[0][0]
    assert reports
    text = (demo_dir / "plan_9901_fjellvik.yaml").read_text(encoding="utf-8")
    renamed = tmp_path / "plan_9901_v2.yaml"
    renamed.write_text(text.replace("kode: zippys_venner", "kode: zippy"), encoding="utf-8")
    outcome = ingest_file(renamed, demo_db)
    assert outcome.result == "lastet", outcome.message
    (warning,) = [w for w in outcome.warnings if "programmer planen ikke har" in w]
    assert "«zippys_venner»" in warning and "«zippy»" in warning, warning
    # The plan as it was says nothing
    again = tmp_path / "plan_9901_v3.yaml"
    again.write_text(text + "\n", encoding="utf-8")
    assert not [w for w in ingest_file(again, demo_db).warnings if "programmer planen ikke har" in w]


def test_a_plan_version_that_lets_go_of_earlier_years_says_their_reports_no_longer_show(demo_db, demo_dir, tmp_path):
    """Following the load's own advice («gi den samme plan_id») with a period from 2026-27 took 2024-25 and 2025-26
    with it: every school report for them vanished from the Programmer page and the council report without a word.
    The preview and the load now say so, with the years and the number of reports; a version that keeps the years
    says nothing of it."""
    from pipelines.ingest import preview_file

    text = (demo_dir / "plan_9901_fjellvik.yaml").read_text("utf-8")
    reports = dict(query(demo_db, "SELECT skoleaar_start, count(*) FROM core.programstatus WHERE kommunenr = '9901' "
                                  "AND skoleaar_start < 2026 GROUP BY ALL"))
    assert reports, "the demo has reports for the plan's first years"
    later = tmp_path / "plan_fra_2026.yaml"
    later.write_text(text.replace("fra: 2024-08-01", "fra: 2026-08-01"), "utf-8")
    said = (f"Den nye versjonen av planen gjelder ikke lenger {' og '.join(f'{y}-{(y + 1) % 100:02d}' for y in sorted(reports))}: "
            f"skolenes {sum(reports.values())} programrapporter")
    preview = preview_file(later, demo_db)
    assert any(said in w for w in preview.warnings), preview.warnings
    outcome = ingest_file(later, demo_db)
    assert outcome.result == "lastet" and said in outcome.message, outcome.message
    same = tmp_path / "plan_ny_tittel.yaml"
    same.write_text(text.replace("fra: 2024-08-01", "fra: 2024-08-01").replace("2024–2028", "2024–2028 (revidert)"), "utf-8")
    again = ingest_file(same, demo_db)
    assert again.result == "lastet" and "gjelder ikke lenger" not in again.message, again.message


def test_a_plan_version_that_leaves_out_programmes_or_tiltak_names_them_before_it_is_loaded(demo_db, demo_dir,
                                                                                           tmp_path):
    """A clerk uploaded the plan (same plan_id) with two of its three programmes and one of its five tiltak: the
    preview said «1 erstatter en rad som finnes fra før» and «2 programmer, 1 tiltak», and MOT and four tiltak were
    gone when it was loaded. The preview names what goes; the plan as it was says nothing of it."""
    import yaml

    from pipelines.ingest import preview_file

    text = (demo_dir / "plan_9901_fjellvik.yaml").read_text("utf-8")
    plan = yaml.safe_load(text)
    gone_programme = plan["programmer"][-1]
    gone_tiltak = [t["tiltak"] for t in plan["tiltak"][1:]]
    plan["programmer"], plan["tiltak"] = plan["programmer"][:-1], plan["tiltak"][:1]
    partial = tmp_path / "plan_9901_delvis.yaml"
    partial.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), "utf-8")
    preview = preview_file(partial, demo_db)
    assert preview.result == "klar", preview.message
    (warning,) = [w for w in preview.warnings if "fjernes" in w]
    assert f"«{gone_programme['navn']}» ({gone_programme['kode']})" in warning and "3 → 2 programmer" in warning
    assert all(f"«{t}»" in warning for t in gone_tiltak) and "5 → 1 tiltak" in warning, warning
    whole = tmp_path / "plan_9901_hel.yaml"
    whole.write_text(text + "\n", "utf-8")
    assert not [w for w in preview_file(whole, demo_db).warnings if "fjernes" in w]
