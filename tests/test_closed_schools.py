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
