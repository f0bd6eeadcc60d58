"""The Saker and Team pages read each school year of their period by that year's own register (`mart.skoler_per_aar`):
its pupils for «per 100 elever», its trinn for who should have an elevtjeneste, and who ran that year. Both read
today's register for every year: a school that doubled its pupils read as having had half the cases per pupil the
years before, and a 1.–10. school become 1.–7. was not named for an elevtjeneste that never met while it had one.

Here the 2025-26 register is the demo's, and the 2026-27 register makes Elvetun skole 1.–7. (1.–10. before), gives
Nordli skole twice the pupils, and closes Haugen skole on 1 January 2026. The demo's logs run from August 2024 to
October 2026, so 2024-25 is read by the first register held, 2025-26's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.viewer import Viewer
from pipelines.ingest import ingest_file
from pipelines.warehouse import store
from pipelines.warehouse.published import school_year_label
from tests.conftest import open_page, query
from tests.test_new_schools import _register

OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
NORDLI, ELVETUN, HAUGEN = "990012008", "990016003", "990013004"
EARLIER, LATER = 2025, 2026  # registers for 2025-26 and 2026-27 (a school year that has begun: it loads)


def _later_register(demo_dir: Path, path: Path) -> Path:
    """The 2026-27 register: Elvetun skole 1.–7., Nordli skole with twice its pupils, Haugen skole closed at New Year
    2026 (`nedlagt`)."""
    header, *rows = _register(demo_dir, path, school_year_label(LATER), new_school=False).read_text("utf-8").splitlines()

    def changed(row: str) -> str:
        fields = row.split(";")  # orgnr;navn;kommunenr;kommune;trinn_fra;trinn_til;elevtall;skoleaar
        if fields[0] == ELVETUN:
            fields[5] = "7"
        if fields[0] == NORDLI:
            fields[6] = str(int(fields[6]) * 2)
        return ";".join(fields) + (";01.01.2026" if fields[0] == HAUGEN else ";")

    path.write_text("\n".join([header + ";nedlagt", *map(changed, rows)]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def history_db(tmp_path_factory, demo_dir) -> Path:
    """The demo's case counts and meeting logs for Fjellvik between a 2025-26 and a 2026-27 register; Elvetun skole
    logged no elevtjeneste meeting at all."""
    folder = tmp_path_factory.mktemp("registerhistorikk")
    db = folder / "lager.duckdb"
    store.init(db)
    files = [_register(demo_dir, folder / "register_2025.csv", school_year_label(EARLIER), new_school=False),
             *(demo_dir / name for name in ("saker_9901.xlsx", "teammoter_9901.xlsx", "teamrytme.csv")),
             _later_register(demo_dir, folder / "register_2026.csv")]
    for path in files:
        outcome = ingest_file(path, db)
        assert outcome.result == "lastet", (path.name, outcome.message)
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM core.teammoter WHERE orgnr = ? AND team = 'elevtjeneste'", [ELVETUN])
    assert query(db, "SELECT skoleaar_start, trinn_til FROM mart.skoler_per_aar WHERE orgnr = ? ORDER BY 1",
                 [ELVETUN]) == [(EARLIER, 10), (LATER, 7)]
    return db


@pytest.fixture
def page(history_db, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(history_db))
    st.cache_data.clear()

    def run(name: str) -> AppTest:
        return open_page(name, OWNER)

    return run


def _pupils_in(db: Path, orgnr: str):
    """A school year's pupils as the register has them: the year's own, else the nearest before, else the first."""
    held = dict(query(db, "SELECT skoleaar_start, elevtall FROM mart.skoler_per_aar WHERE orgnr = ?", [orgnr]))

    def pupils(year: int) -> int:
        return held[max((y for y in held if y <= year), default=min(held))]

    assert pupils(EARLIER) != pupils(LATER)
    return pupils


def _school_year(day: dt.date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def test_cases_per_100_pupils_divide_each_month_by_the_pupils_of_its_school_year(page, history_db):
    at = page("saker")
    sakstype = {s.label: s for s in at.selectbox}["Sakstype"].value
    assert {t.label: t for t in at.toggle}["Per 100 elever"].value
    counts = dict(query(history_db, "SELECT periode, sum(apne_ved_slutt) FROM mart.saker WHERE orgnr = ? AND "
                                    "sakstype = ? AND trinn IS NULL GROUP BY periode", [NORDLI, sakstype]))
    pupils = _pupils_in(history_db, NORDLI)
    backlog = next(t for t in at.tabs if t.label == "Åpne saker og frister")
    chart = next(json.loads(c.proto.spec) for c in backlog.get("plotly_chart")
                 if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith("Åpne ved månedsslutt per 100"))
    nordli = next(trace for trace in chart["data"] if trace["name"] == "Nordli skole")
    shown = {dt.date.fromisoformat(x[:10]): y for x, y in zip(nordli["x"], nordli["y"], strict=True)}
    assert {_school_year(m) for m in shown} == {EARLIER - 1, EARLIER, LATER}
    assert shown == {m: round(counts[m] * 100 / pupils(_school_year(m)), 2) for m in shown}

    # Where the pupils come from is said: each school year's register, and which register a year without one is read by.
    first = school_year_label(_school_year(min(counts)))
    said = f"elevtall fra skoleregisteret for hvert skoleår (for {first}: registeret for {school_year_label(EARLIER)})"
    assert any(said in c.value for c in at.caption), [c.value for c in at.caption]


def test_team_discussions_per_100_pupils_count_each_school_year_by_its_own_pupils(page, history_db):
    at = page("team")
    {s.label: s for s in at.selectbox}["Team"].select("arbeidslag").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    row = table[table["Skole"] == "Nordli skole"]
    (first, last), = query(history_db, "SELECT min(dato), max(dato) FROM mart.teammoter WHERE team = 'arbeidslag'")
    (discussed,), = query(history_db, "SELECT sum(saker_med_samtykke + saker_anonyme) FROM mart.teammoter "
                                      "WHERE orgnr = ? AND team = 'arbeidslag'", [NORDLI])
    assert first < dt.date(EARLIER, 8, 1) and _school_year(last) == LATER
    pupils = _pupils_in(history_db, NORDLI)
    months, month = [], first.replace(day=1)
    while month <= last:  # the period's months with school (July has none), each with its school year's pupils
        months += [month] if month.month != 7 else []
        month = (month + dt.timedelta(days=32)).replace(day=1)
    pupil_years = sum(pupils(_school_year(m)) for m in months) / 11
    assert float(row["Drøftinger/100 el./år"].iloc[0]) == pytest.approx(
        discussed * 100 / pupil_years, abs=0.051)


def test_team_page_asks_each_school_year_for_the_elevtjeneste_its_own_register_gives(page, history_db):
    """Elvetun skole had 8.–10. trinn in 2024-25 and 2025-26 and logged no elevtjeneste meeting: it is named. Who
    should have the team is counted for each school year among the schools that ran then (Haugen skole closed at New
    Year 2026, so 2026-27 has five)."""
    at = page("team")
    {s.label: s for s in at.selectbox}["Team"].select("elevtjeneste").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [w.value for w in at.warning] == ["Ingen møter i loggen for elevtjeneste i perioden: Elvetun skole."]

    def count(year: int, having: str) -> tuple[int, int]:  # schools with the trinn, of those that ran on 1 September
        return query(history_db, f"""
            SELECT count(*) FILTER (WHERE h.trinn_til {having}), count(*)
            FROM mart.skoler s
            JOIN mart.skoler_per_aar h ON s.orgnr = h.orgnr AND h.skoleaar_start = {year}
            WHERE s.kommunenr = '9901' AND (s.nedlagt IS NULL OR s.nedlagt > DATE '{year}-09-01')
        """)[0]

    now, before = count(LATER, ">= 8"), count(EARLIER, ">= 8")
    assert now != before
    said = (f"{now[0]} av {now[1]} skoler i Fjellvik har 8.–10. trinn i {school_year_label(LATER)} "
            f"(i {school_year_label(EARLIER - 1)} og {school_year_label(EARLIER)}: {before[0]} av {before[1]}, "
            "etter skoleregisteret for hvert skoleår).")
    assert any(said in c.value for c in at.caption), [c.value for c in at.caption]

    {s.label: s for s in at.selectbox}["Team"].select("ressursteam").run()
    now, before = count(LATER, "< 8"), count(EARLIER, "< 8")
    said = (f"{now[0]} av {now[1]} skoler i Fjellvik har ikke ungdomstrinn i {school_year_label(LATER)} "
            f"(i {school_year_label(EARLIER - 1)} og {school_year_label(EARLIER)}: {before[0]} av {before[1]}, ")
    assert any(said in c.value for c in at.caption), [c.value for c in at.caption]


def test_the_council_report_s_cases_per_team_give_a_school_its_team_by_that_year_s_trinn(history_db, monkeypatch):
    """The report's table of cases per school and team marks a team the school did not have «–»: for 2025-26 it went
    by today's trinn, and Elvetun skole (1.–10. then, 1.–7. now) read as never having had an elevtjeneste."""
    from dashboard import queries
    from dashboard.labels import NO_VALUE

    monkeypatch.setenv("SKOLEMILJO_DB", str(history_db))
    st.cache_data.clear()
    table = queries.team_saker_oversikt(OWNER, kommunenr="9901", skoleaar=school_year_label(EARLIER))
    cell = table.filter(pl.col("orgnr") == ELVETUN)["Elevtjeneste"].item()
    assert cell == "0", cell  # it had the team that year, and discussed nothing there
    later = queries.team_saker_oversikt(OWNER, kommunenr="9901", skoleaar=school_year_label(LATER))
    assert later.filter(pl.col("orgnr") == ELVETUN)["Elevtjeneste"].item() == NO_VALUE  # 1.–7. now: no such team
