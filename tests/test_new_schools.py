"""A school that opens is marked in the register (`opprettet`, the first day it runs), or taken to have opened with
the school year of the first register it is in when its municipality had an earlier year's register: it is asked for
nothing before. A school opened by a merger in August 2026 was listed as «ikke rapportert» for 2025-26 in the public
council report, with «0 av 22» team meetings, and as missing every month of case reports since November 2025."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import queries
from dashboard.viewer import Viewer
from pipelines.ingest import ingest_file
from pipelines.sources.skoleregister import current_school_year
from pipelines.warehouse import store
from tests.conftest import SAKER_HEADER, query

NEW = "990099001"
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
START = int(current_school_year()[:4])
OPENED = dt.date(START, 8, 1)


def _year(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def _register(demo_dir: Path, path: Path, skoleaar: str | None = None, new_school: bool = True,
              opened: str | None = None) -> Path:
    """The demo register, with a new 1.–7. school in Fjellvik, a «skoleaar» column and an «opprettet» column when
    given («opprettet» filled in for the new school only)."""
    header, *rows = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    if new_school:
        rows.append(f"{NEW};Nybygda skule;9901;Fjellvik;1;7;120")
    extra = (";skoleaar" if skoleaar else "") + (";I drift fra" if opened is not None else "")
    lines = [header + extra] + [
        row + (f";{skoleaar}" if skoleaar else "") + ((";" + (opened if row.startswith(NEW) else "")) if opened is not None else "")
        for row in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_school_opened_this_year_is_asked_for_nothing_before_it_opened(warehouse, demo_dir, tmp_path):
    outcome = ingest_file(_register(demo_dir, tmp_path / "register.csv", opened=f"{OPENED:%d.%m.%Y}"), warehouse)
    assert outcome.result == "lastet", outcome.message
    assert f"1 ny skole: Nybygda skule (i drift fra {OPENED:%d.%m.%Y})" in outcome.message, outcome.message
    st.cache_data.clear()

    # Programme status: planned from the school year it opened, none before.
    planned = dict(query(warehouse, "SELECT skoleaar_start, count(*) FROM mart.programstatus "
                                    "WHERE orgnr = ? AND planlagt GROUP BY ALL", [NEW]))
    assert planned and min(planned) == START, planned

    # Case reports: the months missing begin with the month it opened.
    missing = queries.saker_rapportering(OWNER, kommunenr="9901", fra=dt.date(START - 1, 9, 1),
                                         til=dt.date(START, 11, 1)).filter(queries.pl.col("orgnr") == NEW)
    months = missing["mangler"].to_list()[0]
    assert months[0] == OPENED and dt.date(START, 11, 1) in months, months

    # Team meetings: not in last year's tables, in this year's.
    last_year = queries.team_moter_oversikt(OWNER, kommunenr="9901", skoleaar=_year(START - 1))
    assert not last_year.is_empty() and NEW not in last_year["orgnr"].to_list()
    this_year = queries.team_moter_oversikt(OWNER, kommunenr="9901", skoleaar=_year(START))
    assert NEW in this_year["orgnr"].to_list()
    # and expected only the months it ran: at most those since August
    row = this_year.filter((queries.pl.col("orgnr") == NEW) & (queries.pl.col("team") == "arbeidslag")).row(0, named=True)
    whole = this_year.filter(queries.pl.col("team") == "arbeidslag")["forventet"].max()
    assert row["forventet"] <= whole

    # Datakvalitet says which schools are new, and from when, so that the date can be checked.
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.switch_page("views/datakvalitet.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Nye skoler" in [h.value for h in at.subheader]
    shown = next(d.value for d in at.dataframe if "I drift fra" in d.value.columns)
    assert shown.to_dict("records") == [{"Skole": "Nybygda skule", "Kommune": "Fjellvik", "I drift fra": f"{OPENED:%d.%m.%Y}"}]


def test_a_school_new_in_a_later_years_register_is_taken_to_open_with_that_year(tmp_path, demo_dir):
    """No «opprettet» column: a school the 2025-26 register lacked and the 2026-27 one has, opened in August 2026;
    the schools both registers have did not open; a later register without the column keeps the date."""
    db = tmp_path / "lager.duckdb"
    store.init(db)
    before = ingest_file(_register(demo_dir, tmp_path / "forrige.csv", _year(START - 1), new_school=False), db)
    assert before.result == "lastet", before.message
    now = ingest_file(_register(demo_dir, tmp_path / "i_aar.csv", _year(START)), db)
    assert now.result == "lastet", now.message
    assert f"Nybygda skule (i drift fra {OPENED:%d.%m.%Y})" in now.message, now.message
    opened = dict(query(db, "SELECT orgnr, opprettet FROM mart.skoler"))
    assert opened[NEW] == OPENED and sum(day is not None for day in opened.values()) == 1, opened

    # The same year's register again, with a school it lacked before (a register completed): no opening is inferred.
    path = _register(demo_dir, tmp_path / "igjen.csv", _year(START))
    path.write_text(path.read_text("utf-8") + f"990099002;Tillegg skole;9901;Fjellvik;1;7;50;{_year(START)}\n", "utf-8")
    again = ingest_file(path, db)
    assert again.result == "lastet", again.message
    opened = dict(query(db, "SELECT orgnr, opprettet FROM mart.skoler"))
    assert opened[NEW] == OPENED and opened["990099002"] is None and "ny skole" not in again.message, again.message

    # A blank cell in the column: the school has always run.
    cleared = ingest_file(_register(demo_dir, tmp_path / "rettet.csv", _year(START), opened=""), db)
    assert cleared.result == "lastet", cleared.message
    assert query(db, "SELECT opprettet FROM mart.skoler WHERE orgnr = ?", [NEW]) == [(None,)]


def test_a_school_closed_before_it_opened_is_refused(register_db, demo_dir, tmp_path):
    header, first, *rest = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "register.csv"
    path.write_text("\n".join([header + ";opprettet;nedlagt", first + ";01.08.2026;01.08.2025",
                               *(row + ";;" for row in rest)]) + "\n", encoding="utf-8")
    outcome = ingest_file(path, register_db)
    assert outcome.result == "avvist"
    assert "nedlagt samme dag som eller før den ble opprettet" in outcome.message and "rad 2" in outcome.message


def test_a_school_opened_during_the_period_is_expected_meetings_for_the_months_it_ran_on_the_15th():
    """The Team page, the reports and Oversikt measure a school against the months it ran: one opened in October is
    not expected August's and September's meetings; one opened on the 16th begins with the next month."""
    first, last = dt.date(2026, 8, 1), dt.date(2026, 11, 30)
    whole = queries.school_months(first, last, today=dt.date(2027, 1, 10))
    assert whole == 4
    assert queries.months_open(first, last, None, dt.date(2026, 10, 1)) == queries.school_months(
        dt.date(2026, 10, 1), last) == 2
    assert queries.months_open(first, last, None, dt.date(2026, 10, 16)) == 1
    assert queries.months_open(first, last, None, dt.date(2026, 12, 1)) == 0
    assert queries.months_open(first, last, dt.date(2026, 11, 1), dt.date(2026, 10, 1)) == 1  # opened, then closed


def test_a_case_file_is_not_told_a_new_school_is_missing_months_before_it_opened(demo_db, demo_dir, tmp_path):
    """The load names every school of the municipality with no report for a month of the file: a school that opened
    in August was named missing for June."""
    assert ingest_file(_register(demo_dir, tmp_path / "register.csv", opened=f"{OPENED:%d.%m.%Y}"), demo_db).result == "lastet"
    for month, named in ((f"{START}-06", False), (f"{START}-09", True)):
        path = tmp_path / f"saker_{month}.csv"
        path.write_text(SAKER_HEADER + f"990012008;;{month};;aktivitetsplan;;0;0;0;0\n", encoding="utf-8")
        outcome = ingest_file(path, demo_db)
        assert outcome.result == "lastet", outcome.message
        assert ("Nybygda skule" in outcome.message) is named, (month, outcome.message)


def test_cases_for_a_month_before_a_school_opened_are_refused_and_zeros_skipped(demo_db, demo_dir, tmp_path):
    """As for a school after it closed: a report for a month before the school ran (on the 15th) is a wrong school or
    month, and the template's zeros for it are left out and said."""
    assert ingest_file(_register(demo_dir, tmp_path / "register.csv", opened=f"{OPENED:%d.%m.%Y}"), demo_db).result == "lastet"
    before = tmp_path / "saker_for_tidlig.csv"
    before.write_text(SAKER_HEADER + f"{NEW};;{START}-06;;aktivitetsplan;;2;0;2;0\n", encoding="utf-8")
    refused = ingest_file(before, demo_db)
    assert refused.result == "avvist" and "skolen ikke var i drift ifølge skoleregisteret" in refused.message
    assert f"Nybygda skule (i drift fra {OPENED:%d.%m.%Y})" in refused.message, refused.message
    zeros = tmp_path / "saker_nuller.csv"
    zeros.write_text(SAKER_HEADER + f"{NEW};;{START}-06;;aktivitetsplan;;0;0;0;0\n"
                     f"{NEW};;{START}-09;;aktivitetsplan;;1;0;1;0\n", encoding="utf-8")
    loaded = ingest_file(zeros, demo_db)
    assert loaded.result == "lastet", loaded.message
    assert "1 rad med bare nuller for skoler som ikke var i drift da" in loaded.message, loaded.message
    assert query(demo_db, "SELECT CAST(periode AS VARCHAR) FROM core.saker WHERE orgnr = ?", [NEW]) == [(f"{START}-09-01",)]


def test_an_earlier_school_year_is_judged_by_its_own_register(tmp_path, demo_dir, monkeypatch):
    """Elvetun went from 1.–10. to 1.–7. in the 2026-27 register: its MOT cells (8.–10.) vanished for 2024-25 and
    2025-26 too, with their «ikke oppfylt», and the 2025-26 team table no longer expected its elevtjeneste. A year
    is judged by its own register (or the nearest one before it)."""
    elvetun = "990016003"
    db = tmp_path / "lager.duckdb"
    store.init(db)
    before = _register(demo_dir, tmp_path / "forrige.csv", _year(START - 1), new_school=False)
    assert ingest_file(before, db).result == "lastet"
    for name in ("plan_9901_fjellvik.yaml", "programstatus_9901.xlsx", "teammoter_9901.xlsx", "teamrytme.csv"):
        outcome = ingest_file(demo_dir / name, db)
        assert outcome.result == "lastet", (name, outcome.message)
    mot = "SELECT skoleaar_start, count(*) FROM mart.programstatus WHERE orgnr = ? AND program = 'mot' AND planlagt " \
          "GROUP BY ALL ORDER BY 1"
    held = query(db, mot, [elvetun])
    assert [y for y, _ in held] == [START - 2, START - 1, START], held

    now = _register(demo_dir, tmp_path / "i_aar.csv", _year(START), new_school=False)
    now.write_text(now.read_text("utf-8").replace(f"{elvetun};Elvetun skole;9901;Fjellvik;1;10;",
                                                  f"{elvetun};Elvetun skole;9901;Fjellvik;1;7;"), "utf-8")
    assert "Elvetun skole;9901;Fjellvik;1;7;" in now.read_text("utf-8")
    assert ingest_file(now, db).result == "lastet"
    assert query(db, mot, [elvetun]) == held[:2]  # the years before keep their cells; this year has none

    # Elvetun held no elevtjeneste meeting in 2025-26: still a row, with 0, as the school should have had it then.
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM core.teammoter WHERE orgnr = ? AND team = 'elevtjeneste' AND dato >= ? AND dato < ?",
                    [elvetun, dt.date(START - 1, 8, 1), dt.date(START, 8, 1)])
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    st.cache_data.clear()
    earlier = queries.team_moter_oversikt(OWNER, kommunenr="9901", skoleaar=_year(START - 1))
    row = earlier.filter((queries.pl.col("orgnr") == elvetun) & (queries.pl.col("team") == "elevtjeneste"))
    assert row["moter"].to_list() == [0], earlier
    this_year = queries.team_moter_oversikt(OWNER, kommunenr="9901", skoleaar=_year(START))
    assert this_year.filter((queries.pl.col("orgnr") == elvetun) & (queries.pl.col("team") == "elevtjeneste")
                            & (queries.pl.col("moter") == 0)).is_empty()
