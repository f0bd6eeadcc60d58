"""A school that closes is marked in the register (`nedlagt`, the first day it no longer runs) and is asked for
nothing from then on: before, a closed school read «har ikke rapportert» for case counts, team meetings and
programme status for ever, and a register could only be told that it «blir stående».

Haugen skole (Fjellvik, 1.–7.) of the demo closes on 1 January 2026 in these tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import streamlit as st

from dashboard import attention, labels, queries
from dashboard.viewer import Viewer
from pipelines.ingest import ingest_file
from tests.conftest import query

HAUGEN = "990013004"
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
CLOSED = dt.date(2026, 1, 1)


def _register(demo_dir: Path, folder: Path, closed: str = "01.01.2026", header: str = "Nedlagt dato") -> Path:
    """The demo register with a closing-date column, Haugen's filled in and the others' blank."""
    lines = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0] + ";" + header] + [line + (";" + closed if line.startswith(HAUGEN) else ";") for line in lines[1:]]
    path = folder / "skoleregister_nedlagt.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _close_haugen(db: Path, demo_dir: Path, folder: Path) -> None:
    outcome = ingest_file(_register(demo_dir, folder), db)
    assert outcome.result == "lastet", outcome.message
    st.cache_data.clear()


def _drop(db: Path, table: str, column: str, first: str, before: str) -> None:
    """Haugen's rows from `first` to before `before`: what a school that closed would not have sent."""
    con = duckdb.connect(str(db))
    con.execute(f"DELETE FROM {table} WHERE orgnr = ? AND {column} >= ? AND {column} < ?", [HAUGEN, first, before])
    con.close()
    st.cache_data.clear()


def test_a_register_marks_a_school_closed_and_the_load_says_from_when(demo_db, demo_dir, tmp_path):
    outcome = ingest_file(_register(demo_dir, tmp_path), demo_db)
    assert outcome.result == "lastet", outcome.message
    assert "1 skole er merket som nedlagt: Haugen skole (fra 01.01.2026)" in outcome.message
    assert query(demo_db, "SELECT orgnr, nedlagt FROM mart.skoler WHERE nedlagt IS NOT NULL") == [(HAUGEN, CLOSED)]


def test_a_register_that_leaves_a_school_out_tells_how_to_mark_it_closed(demo_db, demo_dir, tmp_path):
    lines = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "uten_haugen.csv"
    path.write_text("\n".join(line for line in lines if not line.startswith(HAUGEN)) + "\n", encoding="utf-8")
    outcome = ingest_file(path, demo_db)
    assert outcome.result == "lastet" and "Haugen skole" in outcome.message
    assert "kolonnen «nedlagt»" in outcome.message and "kan ennå ikke" not in outcome.message


@pytest.mark.parametrize("closed", ["første januar", "2026-13-01", "31.02.2026"])
def test_a_closing_date_that_is_no_date_is_refused_with_its_row_and_column(demo_db, demo_dir, tmp_path, closed):
    before = query(demo_db, "SELECT count(*) FROM core.skole WHERE nedlagt IS NOT NULL")
    outcome = ingest_file(_register(demo_dir, tmp_path, closed=closed, header="nedlagt"), demo_db)
    assert outcome.result == "avvist"
    row = 1 + (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines().index(
        next(line for line in (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
             if line.startswith(HAUGEN)))
    assert "nedlagt" in outcome.message and f"rad {row}" in outcome.message, outcome.message
    assert query(demo_db, "SELECT count(*) FROM core.skole WHERE nedlagt IS NOT NULL") == before


def _missing(fra: dt.date, til: dt.date) -> dict[str, str]:
    table = queries.saker_rapportering(OWNER, kommunenr="9901", fra=fra, til=til)
    return {s: labels.month_spans(m) for s, m in table.select("skole", "mangler").iter_rows() if m}


SCHOOL_YEAR = (dt.date(2025, 8, 1), dt.date(2026, 6, 1))
THIS_AUTUMN = (dt.date(2026, 8, 1), dt.date(2026, 10, 1))  # the months due by the demo's today


def test_a_closed_school_is_asked_for_case_reports_up_to_the_month_it_closed(warehouse, demo_dir, tmp_path):
    """Haugen stopped reporting in December 2025 and closed on 1 January: December is still missing, the months
    after are not."""
    _drop(warehouse, "core.saker", "periode", "2025-12-01", "2026-11-01")
    assert _missing(*SCHOOL_YEAR) == {"Haugen skole": "des 2025–jun 2026"}
    assert _missing(*THIS_AUTUMN) == {"Haugen skole": "aug–okt 2026"}
    _close_haugen(warehouse, demo_dir, tmp_path)
    assert _missing(*SCHOOL_YEAR) == {"Haugen skole": "des 2025"}
    assert _missing(*THIS_AUTUMN) == {}
    assert "Haugen skole" in queries.saker_oversikt(OWNER, kommunenr="9901", skoleaar="2025-26")["skole"].to_list()


def test_a_closed_school_is_expected_meetings_only_for_the_months_it_ran(warehouse, demo_dir, tmp_path):
    _drop(warehouse, "core.teammoter", "dato", "2026-01-01", "2027-01-01")
    rate = dict(queries.team_rhythm(OWNER, kommunenr="9901").iter_rows())["arbeidslag"]

    def haugen(year: str):
        table = queries.team_moter_oversikt(OWNER, kommunenr="9901", skoleaar=year)
        return table.filter((table["orgnr"] == HAUGEN) & (table["team"] == "arbeidslag"))

    year = haugen("2025-26")
    assert year["forventet"].item() == round(rate * 11)  # August–June, as for every school
    assert haugen("2026-27")["moter"].to_list() == [0]  # asked for, and nothing held
    _close_haugen(warehouse, demo_dir, tmp_path)
    year = haugen("2025-26")
    assert year["forventet"].item() == round(rate * 5)  # August–December 2025
    assert year["moter"].item() > 0
    assert haugen("2026-27").is_empty()  # closed before the school year began


def test_oversikt_does_not_follow_up_the_meetings_of_a_school_that_has_closed(warehouse, demo_dir, tmp_path):
    _drop(warehouse, "core.teammoter", "dato", "2026-01-01", "2027-01-01")

    def followed_up() -> list[str]:
        return [item.text for item in attention._teams(OWNER, "9901")]

    assert any("Haugen skole" in text for text in followed_up())
    _close_haugen(warehouse, demo_dir, tmp_path)
    assert not any("Haugen skole" in text for text in followed_up())


def test_a_closed_school_is_held_to_the_plan_for_the_school_years_it_began(demo_db, demo_dir, tmp_path):
    def planned_years() -> list[str]:
        return [y for (y,) in query(demo_db, "SELECT DISTINCT skoleaar FROM mart.programstatus "
                                             "WHERE orgnr = ? AND planlagt ORDER BY 1", [HAUGEN])]

    before = planned_years()
    assert "2025-26" in before and "2026-27" in before
    _close_haugen(demo_db, demo_dir, tmp_path)
    assert planned_years() == [y for y in before if y < "2026-27"]  # 2025-26 began on 1 August 2025, before it closed


def test_the_team_page_measures_a_closed_school_over_the_months_it_ran(warehouse, demo_dir, tmp_path):
    """Over the whole log (two school years and more), Haugen closed at New Year read as far behind its rhythm; and a
    school closed before the log began was named as one that held no meeting."""
    from streamlit.testing.v1 import AppTest

    _drop(warehouse, "core.teammoter", "dato", "2026-01-01", "2027-01-01")
    _close_haugen(warehouse, demo_dir, tmp_path)
    held, first = query(warehouse, "SELECT count(*), min(dato) FROM mart.teammoter "
                                   "WHERE orgnr = ? AND team = 'arbeidslag'", [HAUGEN])[0]
    log_start = query(warehouse, "SELECT min(dato) FROM mart.teammoter WHERE kommunenr = '9901' "
                                 "AND team = 'arbeidslag'")[0][0]
    assert first.year == log_start.year and first.month == log_start.month  # Haugen logged from the start
    ran = sum(1 for m in range(log_start.month, 12 + 12 * (2025 - log_start.year) + 1) if (m - 1) % 12 + 1 != 7)
    rate = dict(queries.team_rhythm(OWNER, kommunenr="9901").iter_rows())["arbeidslag"]

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.switch_page("views/team.py")
    at.run()
    {s.label: s for s in at.selectbox}["Team"].select("arbeidslag").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    row = table[table["Skole"] == "Haugen skole"]
    assert int(row["Møter"].iloc[0]) == held
    assert int(row["Av forventet %"].iloc[0]) == round(held * 100 / (rate * ran))
    assert not at.warning


def test_datakvalitet_lists_the_closed_schools_and_from_when(warehouse, demo_dir, tmp_path):
    from streamlit.testing.v1 import AppTest

    def page() -> AppTest:
        at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=60)
        at.session_state["viewer"] = OWNER
        at.switch_page("views/datakvalitet.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    assert "Nedlagte skoler" not in [h.value for h in page().subheader]
    _close_haugen(warehouse, demo_dir, tmp_path)
    at = page()
    assert "Nedlagte skoler" in [h.value for h in at.subheader]
    shown = next(d.value for d in at.dataframe if "Nedlagt fra" in d.value.columns)
    assert shown.to_dict("records") == [{"Skole": "Haugen skole", "Kommune": "Fjellvik", "Nedlagt fra": "01.01.2026",
                                         "Status": "nedlagt"}]
    assert ingest_file(_register(demo_dir, tmp_path, closed="01.08.2027"), warehouse).result == "lastet"
    st.cache_data.clear()
    shown = next(d.value for d in page().dataframe if "Nedlagt fra" in d.value.columns)
    assert shown.to_dict("records")[0]["Status"] == "i drift til da"  # a closing still to come


def test_a_register_without_the_column_keeps_a_closed_school_closed_and_a_blank_cell_opens_it(demo_db, demo_dir,
                                                                                              tmp_path):
    """An ordinary NSR extract has no «nedlagt»: loading it re-opened every closed school without a word."""
    assert ingest_file(_register(demo_dir, tmp_path), demo_db).result == "lastet"
    plain = tmp_path / "skoleregister_uten_kolonnen.csv"
    lines = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    plain.write_text("\n".join(line.replace(";246", ";247") for line in lines) + "\n", encoding="utf-8")
    outcome = ingest_file(plain, demo_db)
    assert outcome.result == "lastet", outcome.message
    assert query(demo_db, "SELECT orgnr, nedlagt FROM mart.skoler WHERE nedlagt IS NOT NULL") == [(HAUGEN, CLOSED)]
    assert "merket som nedlagt" not in outcome.message  # nothing new said about Haugen

    reopened = _register(demo_dir, tmp_path, closed="")
    outcome = ingest_file(reopened, demo_db)
    assert outcome.result == "lastet", outcome.message
    assert query(demo_db, "SELECT count(*) FROM mart.skoler WHERE nedlagt IS NOT NULL") == [(0,)]
    assert "i drift igjen etter denne filen (tom «nedlagt»): Haugen skole" in outcome.message


def test_a_school_closed_in_august_never_began_the_school_year(warehouse, demo_dir, tmp_path):
    """Closed on 15 August, before teaching began: kommunestyret read it as failing that year («0 av 4» meetings,
    «Ikke rapportert» programmes, August's case report missing). A school that ran on 1 September began the year."""
    _drop(warehouse, "core.saker", "periode", "2026-08-01", "2026-11-01")
    _drop(warehouse, "core.teammoter", "dato", "2026-08-01", "2027-01-01")
    assert ingest_file(_register(demo_dir, tmp_path, closed="15.08.2026"), warehouse).result == "lastet"
    st.cache_data.clear()
    assert _missing(*THIS_AUTUMN) == {}
    table = queries.team_moter_oversikt(OWNER, kommunenr="9901", skoleaar="2026-27")
    assert table.filter(table["orgnr"] == HAUGEN).is_empty()
    assert query(warehouse, "SELECT count(*) FROM mart.programstatus WHERE orgnr = ? AND planlagt "
                            "AND skoleaar = '2026-27'", [HAUGEN]) == [(0,)]

    assert ingest_file(_register(demo_dir, tmp_path, closed="16.09.2026"), warehouse).result == "lastet"
    st.cache_data.clear()
    assert _missing(*THIS_AUTUMN) == {"Haugen skole": "aug–sep 2026"}  # it ran on 15 August and 15 September
    table = queries.team_moter_oversikt(OWNER, kommunenr="9901", skoleaar="2026-27")
    haugen = table.filter((table["orgnr"] == HAUGEN) & (table["team"] == "arbeidslag"))
    rate = dict(queries.team_rhythm(OWNER, kommunenr="9901").iter_rows())["arbeidslag"]
    assert haugen["moter"].to_list() == [0] and haugen["forventet"].item() == round(rate * 2)
    assert query(warehouse, "SELECT count(*) > 0 FROM mart.programstatus WHERE orgnr = ? AND planlagt "
                            "AND skoleaar = '2026-27'", [HAUGEN]) == [(True,)]


def test_a_case_file_after_a_school_closed_does_not_call_its_months_missing(demo_db, demo_dir, tmp_path):
    """Holmen closed on 1 January: Sjøbygd's case file for January–March was told «Filen mangler rapport for 3
    skole-måneder … Holmen skule», as if a closed school should still report (a school still open and missing a
    month is still named)."""
    holmen, vika = "990023018", "990024006"
    lines = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    register = tmp_path / "skoleregister_nedlagt.csv"
    register.write_text("\n".join([lines[0] + ";nedlagt"] + [
        line + (";01.01.2026" if line.startswith(holmen) else ";") for line in lines[1:]]) + "\n", encoding="utf-8")
    assert ingest_file(register, demo_db).result == "lastet"
    con = duckdb.connect(str(demo_db))
    con.execute("DELETE FROM core.saker WHERE (orgnr = ? AND periode >= '2026-01-01') "
                "OR (orgnr = ? AND periode = '2026-02-01')", [holmen, vika])
    con.close()
    rows = (demo_dir / "saker_9902.csv").read_text(encoding="utf-8-sig").splitlines()
    kept = [r for r in rows[1:] if r.split(";")[2] in ("2026-01", "2026-02", "2026-03")
            and r.split(";")[0] != holmen and not (r.split(";")[0] == vika and r.split(";")[2] == "2026-02")]
    path = tmp_path / "saker_9902_q1.csv"
    path.write_text("\n".join([rows[0], *kept]) + "\n", encoding="utf-8")
    outcome = ingest_file(path, demo_db)
    assert outcome.result == "lastet", outcome.message
    said = " ".join([outcome.message, *outcome.warnings])
    assert "Vika skule (feb 2026)" in said and "Holmen" not in said, said


# ---------------------------------------------------------------- the templates and the reports read back

NORDLI, BAKKEN = "990012008", "990014000"
AUTUMN_CLOSED = {HAUGEN: "01.08.2026", NORDLI: "01.08.2026", BAKKEN: "01.08.2026"}


def _closing(db: Path, demo_dir: Path, folder: Path, closed: dict[str, str]) -> None:
    """The demo register with these schools' closing dates (orgnr → «dd.mm.yyyy»), loaded into `db`."""
    lines = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0] + ";nedlagt"] + [line + ";" + closed.get(line.split(";")[0], "") for line in lines[1:]]
    path = folder / "skoleregister_nedlagt.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    outcome = ingest_file(path, db)
    assert outcome.result == "lastet", outcome.message
    st.cache_data.clear()


def _template_orgnr(media, page: str, label: str) -> dict[str, set[str]]:
    """The schools (orgnr) in the page's template for `label`, in the CSV and the Excel download."""
    import io

    from openpyxl import load_workbook
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = {b.label: b for b in at.download_button}
    text = media(buttons[f"Last ned mal for {label} (CSV)"]).decode("utf-8-sig").splitlines()
    column = next(i for i, h in enumerate(text[0].split(";")) if h in ("orgnr", "Organisasjonsnummer"))
    sheet = load_workbook(io.BytesIO(media(buttons[f"Last ned mal for {label} (Excel)"]))).worksheets[0]
    return {"csv": {line.split(";")[column] for line in text[1:]},
            "xlsx": {str(r[column]) for r in sheet.iter_rows(min_row=2, values_only=True) if r[column]}}


@pytest.mark.parametrize("page, label", [("saker", "saksrapportering"), ("team", "møtelogg")])
def test_a_monthly_template_leaves_out_a_school_that_did_not_run_on_the_15th_of_its_month(
        warehouse, demo_dir, tmp_path, media, page, label):
    """The templates listed a school closed months before, with zeros the owner then loaded as its report."""
    from pipelines.templates.saker import _current_month

    month = dt.date.fromisoformat(_current_month() + "-01")  # the month the templates are for (the month just ended)
    _closing(warehouse, demo_dir, tmp_path, {HAUGEN: month.replace(day=15).strftime("%d.%m.%Y"),
                                             NORDLI: month.replace(day=16).strftime("%d.%m.%Y")})
    for listed in _template_orgnr(media, page, label).values():
        assert HAUGEN not in listed  # closed on the 15th
        assert NORDLI in listed and "990011001" in listed  # ran on the 15th, and a school that runs


def test_the_programme_status_template_leaves_out_a_school_that_did_not_begin_its_school_year(
        warehouse, demo_dir, tmp_path, media):
    from pipelines.templates.programstatus import _current_school_year

    start = int(_current_school_year()[:4])
    _closing(warehouse, demo_dir, tmp_path, {HAUGEN: f"01.09.{start}", NORDLI: f"02.09.{start}"})
    for listed in _template_orgnr(media, "programmer", "programstatus").values():
        assert HAUGEN not in listed
        assert NORDLI in listed and "990011001" in listed


def _case_template(db: Path, tmp_path: Path, month: str, *, haugen_nye: int = 0) -> Path:
    """The case template for `month` as the page made it before the register said three schools had closed (zeros
    for every school of Fjellvik), filled in with Haugen's new aktivitetsplaner."""
    import polars as pl

    from pipelines.templates import saker as template

    schools = pl.DataFrame(query(db, "SELECT orgnr, navn FROM mart.skoler WHERE kommunenr = '9901'"),
                           schema=["orgnr", "navn"], orient="row")
    rows = template.prefilled_rows(schools, month)
    for row in rows:
        if row["orgnr"] == HAUGEN and row["sakstype"] == template.SAKSTYPER["aktivitetsplan"]:
            row["nye"] = row["apne_ved_maanedsslutt"] = haugen_nye
    path = tmp_path / f"saker_9901_{month}.csv"
    path.write_text(template.csv_text(rows), encoding="utf-8")
    return path


def _closed_rows(db: Path, table: str, column: str, day: str) -> int:
    return query(db, f"SELECT count(*) FROM {table} WHERE orgnr IN (?, ?, ?) AND {column} >= ?",
                 [HAUGEN, NORDLI, BAKKEN, day])[0][0]


def test_a_case_template_s_zeros_for_schools_closed_before_the_month_are_skipped_and_said(demo_db, demo_dir, tmp_path):
    """The reviewer's file: November's template with zeros for three schools closed on 1 August loaded without a word,
    and 18 rows for them landed in November."""
    _closing(demo_db, demo_dir, tmp_path, AUTUMN_CLOSED)
    outcome = ingest_file(_case_template(demo_db, tmp_path, "2026-11"), demo_db)
    assert outcome.result == "lastet", outcome.message
    assert "Hoppet over: 18 rader med bare nuller for skoler som ikke var i drift da" in outcome.message, outcome.message
    assert "Haugen skole (nedlagt fra 01.08.2026)" in outcome.message
    assert _closed_rows(demo_db, "core.saker", "periode", "2026-11-01") == 0
    assert query(demo_db, "SELECT count(DISTINCT orgnr) FROM core.saker WHERE periode = '2026-11-01'") == [(3,)]
    assert query(demo_db, "SELECT rader_hoppet_over, rader_avvist FROM core.ingest_log WHERE batch_id = ?",
                 [outcome.batch_id]) == [(18, 0)]


def test_cases_for_a_school_after_it_closed_refuse_the_file_naming_school_date_and_row(demo_db, demo_dir, tmp_path):
    _closing(demo_db, demo_dir, tmp_path, AUTUMN_CLOSED)
    path = _case_template(demo_db, tmp_path, "2026-11", haugen_nye=2)
    first = next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if line.split(";")[0] in AUTUMN_CLOSED)  # as Excel numbers the rows, the header being row 1
    outcome = ingest_file(path, demo_db)
    assert outcome.result == "avvist", outcome.message
    assert "skolen ikke var i drift ifølge skoleregisteret" in outcome.message, outcome.message
    assert "Haugen skole (nedlagt fra 01.08.2026)" in outcome.message
    # Every row for the closed schools, the zeros too: 18, the first 5 named.
    assert f"Rader: {first}," in outcome.message and "(og 13 til)" in outcome.message
    assert "Fjern radene, eller rett datoen i skoleregisteret" in outcome.message
    assert query(demo_db, "SELECT count(*) FROM core.saker WHERE periode = '2026-11-01'") == [(0,)]
    # July, when the schools still ran, is theirs to report.
    assert ingest_file(_case_template(demo_db, tmp_path, "2026-07", haugen_nye=2), demo_db).result == "lastet"


def _meetings(tmp_path: Path, day: dt.date, **counts) -> Path:
    import polars as pl

    from pipelines.templates.teammoter import COUNTS, PROFESSIONS, csv_bytes

    row = {"orgnr": HAUGEN, "skole": "Haugen skole", "team": "arbeidslag", "dato": day,
           **{c: 0 for c in COUNTS}, **{c: False for c in PROFESSIONS}, **counts}
    path = tmp_path / f"teammoter_{day}_{len(counts)}.csv"
    path.write_bytes(csv_bytes(pl.DataFrame(), rows=[row, {**row, "orgnr": "990011001", "skole": "Fjellvik barneskole",
                                                           "saker_anonyme": 2, "til_stede_ledelse": True}]))
    return path


def test_a_meeting_on_or_after_the_day_a_school_closed_refuses_the_log_unless_it_records_nothing(
        demo_db, demo_dir, tmp_path):
    _closing(demo_db, demo_dir, tmp_path, {HAUGEN: "03.08.2026"})
    held = _meetings(tmp_path, dt.date(2026, 8, 3), saker_anonyme=1, til_stede_ledelse=True)
    outcome = ingest_file(held, demo_db)
    assert outcome.result == "avvist", outcome.message
    assert "Møter på en dag skolen ikke var i drift ifølge skoleregisteret (på eller etter dagen den ble nedlagt" in outcome.message
    assert "Haugen skole (nedlagt fra 03.08.2026)" in outcome.message and "Rader: 2." in outcome.message
    before = _closed_rows(demo_db, "core.teammoter", "dato", "2026-08-03")

    outcome = ingest_file(_meetings(tmp_path, dt.date(2026, 8, 3)), demo_db)
    assert outcome.result == "lastet", outcome.message
    assert "Hoppet over: 1 rad med bare nuller for skoler som ikke var i drift da" in outcome.message, outcome.message
    assert _closed_rows(demo_db, "core.teammoter", "dato", "2026-08-03") == before
    assert query(demo_db, "SELECT count(*) FROM core.teammoter WHERE batch_id = ?", [outcome.batch_id]) == [(1,)]

    outcome = ingest_file(_meetings(tmp_path, dt.date(2026, 7, 31), saker_anonyme=1), demo_db)  # the day before
    assert outcome.result == "lastet", outcome.message


def test_a_programme_report_for_a_school_year_a_closed_school_never_began_is_refused_unless_it_reports_nothing(
        demo_db, demo_dir, tmp_path):
    from pipelines.templates.programstatus import HEADERS

    (program,) = query(demo_db, "SELECT program FROM mart.programstatus WHERE orgnr = ? AND planlagt "
                                "AND skoleaar = '2026-27' LIMIT 1", [HAUGEN])[0]
    _closing(demo_db, demo_dir, tmp_path, {HAUGEN: "01.09.2026"})

    def report(status: str, coordinator: str) -> Path:
        path = tmp_path / f"programstatus_{status}.csv"
        row = {"skoleaar": "2026-27", "orgnr": HAUGEN, "program": program, "status": status,
               "koordinator": coordinator, "okter_holdt": "0"}
        path.write_text("\n".join([";".join(HEADERS), ";".join(row.get(h, "") for h in HEADERS)]) + "\n",
                        encoding="utf-8")
        return path

    outcome = ingest_file(report("drift", "ja"), demo_db)
    assert outcome.result == "avvist", outcome.message
    assert "skoleår skolen ikke begynte" in outcome.message and "Haugen skole (nedlagt fra 01.09.2026)" in outcome.message
    outcome = ingest_file(report("ikke_startet", "nei"), demo_db)
    assert outcome.result == "lastet", outcome.message
    assert "Hoppet over: 1 rad med bare nuller for skoler som ikke var i drift da" in outcome.message, outcome.message
    assert query(demo_db, "SELECT count(*) FROM core.programstatus WHERE batch_id = ?", [outcome.batch_id]) == [(0,)]


def test_the_survey_trend_says_which_schools_closed_so_a_line_that_stops_is_explained(warehouse, demo_dir, tmp_path):
    """A closed school's line simply stopped on «Elevundersøkelsen», and nothing said why; a merger's new school
    started a line of its own with no word either."""
    from streamlit.testing.v1 import AppTest

    def captions() -> list[str]:
        at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=60)
        at.session_state["viewer"] = OWNER
        at.switch_page("views/elevundersokelsen.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return [c.value for c in at.caption]

    assert not any("Ifølge skoleregisteret" in c for c in captions())
    _close_haugen(warehouse, demo_dir, tmp_path)
    said = [c for c in captions() if c.startswith("Ifølge skoleregisteret")]
    assert said and said[0].startswith(f"Ifølge skoleregisteret: Haugen skole nedlagt fra {CLOSED:%d.%m.%Y}."), said
