"""A month a school has not reported is not a month without cases: the Saker page and the reports say which are missing.

Every sum on the Saker page was taken over whatever the schools had sent, and the protected table showed a school
that sent nothing for the year as 0 cases in every column: to FAU and kommunestyret, «no serious cases at Haugen».
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from dashboard import labels, queries
from dashboard.reports import content
from dashboard.viewer import Viewer
from tests.conftest import query
from tests.test_count_protection import _attack

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
HAUGEN, NORDLI = "990013004", "990012008"
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
REKTOR = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="rektor")
FAU = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="fau")
MEETING = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef", protected=True)


def _drop(db: Path, orgnr: str, first: str, before: str) -> None:
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM core.saker WHERE orgnr = ? AND periode >= ? AND periode < ?", [orgnr, first, before])
    con.close()


def _page(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = viewer
    at.switch_page("views/saker.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_school_that_sent_nothing_for_the_year_shows_a_dash_not_zero_cases_and_the_rest_stays_protected(warehouse):
    _drop(warehouse, HAUGEN, "2025-08-01", "2026-08-01")
    owner = queries.saker_oversikt(OWNER, kommunenr="9901", skoleaar="2025-26")
    shown = queries.saker_oversikt(MEETING, kommunenr="9901", skoleaar="2025-26")
    columns = [c for c in owner.columns if c not in ("orgnr", "skole")]
    for table in (owner, shown):
        haugen = table.filter(table["orgnr"] == HAUGEN).select(columns).row(0)
        assert set(haugen) == {labels.NO_VALUE}
    schools = owner.filter(owner["orgnr"].is_not_null() & (owner["orgnr"] != HAUGEN))
    assert int(owner.filter(owner["orgnr"].is_null())["I alt"].item()) == sum(map(int, schools["I alt"]))
    assert schools.height == query(warehouse, "SELECT count(*) FROM mart.skoler WHERE kommunenr = '9901'")[0][0] - 1

    # The other schools' small counts stay out of reach of every rektor: a «–» row adds nothing and hides nothing.
    reported = owner.filter(owner["orgnr"] != HAUGEN)["orgnr"].to_list() + [None]
    full = [[int(v) for v in owner.filter(owner["orgnr"].eq_missing(o)).select(columns).row(0)] for o in reported]
    text = [list(shown.filter(shown["orgnr"].eq_missing(o)).select(columns).row(0)) for o in reported]
    for known in range(len(full) - 1):
        for (r, c), (low, high) in _attack(text, full, known_rows=frozenset({known})).items():
            assert not 0 < full[r][c] < 5 or low < high, (known, (r, c), text)


def test_the_protected_table_says_which_school_sent_nothing_to_rektor_and_in_the_reports(warehouse):
    _drop(warehouse, HAUGEN, "2025-08-01", "2026-08-01")
    _drop(warehouse, NORDLI, "2025-09-01", "2025-11-01")
    expected = "Haugen skole: aug 2025–jun 2026; Nordli skole: sep–okt 2025"
    at = _page(REKTOR)
    assert any(expected in w.value for w in at.warning), [w.value for w in at.warning]
    report = content.build(OWNER, content.Request("9901", "2025-26", "kommunestyre"))
    notes = [n for s in report.sections for n in s.notes]
    assert any(expected in n for n in notes), notes
    # FAU sees its own school's row of the table, and so only its own school's missing months.
    fau = queries.saker_rapportering_aar(FAU, kommunenr="9901")
    assert fau["orgnr"].to_list() == [NORDLI]
    assert labels.missing_reports(fau) == ["Nordli skole: sep–okt 2025"]


def test_the_owner_is_told_which_school_months_are_missing_from_the_last_twelve_months(warehouse):
    _drop(warehouse, NORDLI, "2026-09-01", "2026-11-01")
    at = _page(OWNER)
    warning = " ".join(w.value for w in at.warning)
    assert "Rapporter mangler for 2 skolemåneder" in warning and "Nordli skole: sep–okt 2026" in warning
    metric = next(m for m in at.metric if m.label.startswith("Åpne planer"))
    assert "Bare 5 av 6 skoler har rapportert for okt 2026" in metric.proto.help


def test_a_rektor_whose_school_is_behind_the_others_is_told_so(warehouse):
    _drop(warehouse, NORDLI, "2026-09-01", "2026-11-01")
    at = _page(REKTOR)
    assert any("Nordli skole har ikke rapportert for sep–okt 2026 ennå" in w.value for w in at.warning), \
        [w.value for w in at.warning]


def test_when_every_school_has_reported_every_month_the_page_says_so(warehouse):
    at = _page(OWNER)
    assert not any("mangler" in w.value for w in at.warning)
    assert any("Alle de 6 skolene har rapportert for alle de 11 skolemånedene" in c.value for c in at.caption)


def test_missing_months_read_as_runs_over_the_summer_and_the_new_year():
    d = dt.date
    assert labels.month_spans([d(2026, 9, 1), d(2026, 10, 1), d(2026, 12, 1)]) == "sep–okt 2026 og des 2026"
    assert labels.month_spans([d(2025, 11, 1), d(2025, 12, 1), d(2026, 1, 1)]) == "nov 2025–jan 2026"
    assert labels.month_spans([d(2025, 6, 1), d(2025, 8, 1)]) == "jun–aug 2025"  # July is not asked for
    assert labels.month_spans([d(2025, 5, 1), d(2025, 8, 1)]) == "mai 2025 og aug 2025"
    assert labels.month_spans([d(2026, 5, 1), d(2026, 6, 1), d(2026, 7, 1)]) == "mai–jul 2026"  # a July with cases


def test_only_schools_the_municipality_expects_reports_from_are_missing_them(warehouse):
    """A private school a Udir file brought in reports to no municipality; a new school is not asked for the months
    before it opened (the register's `opprettet`, or the year it came into the register); a school that moved is
    asked by each municipality for its own months only; a school of the register that never reported is asked for
    every month since the municipality's first report."""
    con = duckdb.connect(str(warehouse))
    batch = con.execute("SELECT any_value(batch_id) FROM core.skole").fetchall()[0][0]
    for orgnr, navn, kilde in (("999000001", "Privatskolen", "udir_eksport"), ("999000002", "Nyåsen skole", "skoleregister"),
                               ("999000003", "Tomt skole", "skoleregister")):
        con.execute("INSERT INTO core.skole (orgnr, navn, kommunenr, kommune, trinn_fra, trinn_til, elevtall, skoleaar, "
                    "kilde, batch_id) VALUES (?, ?, '9901', 'Fjellvik', 1, 7, 100, NULL, ?, ?)", [orgnr, navn, kilde, batch])
    con.execute("UPDATE core.skole SET opprettet = DATE '2026-08-01' WHERE orgnr = '999000002'")
    con.execute("INSERT INTO core.saker SELECT * REPLACE ('999000002' AS orgnr) FROM core.saker "
                "WHERE orgnr = ? AND periode >= DATE '2026-08-01'", [NORDLI])
    # Haugen moves to Sjøbygd in January 2026, and its reports from then on are Sjøbygd's.
    con.execute("UPDATE core.skole SET kommunenr = '9902', kommune = 'Sjøbygd' WHERE orgnr = ?", [HAUGEN])
    con.execute("UPDATE core.saker SET kommunenr = '9902' WHERE orgnr = ? AND periode >= DATE '2026-01-01'", [HAUGEN])
    con.close()

    def missing(viewer, kommunenr, year):
        table = queries.saker_rapportering_aar(viewer, kommunenr=kommunenr, skoleaar=year)
        return {s: labels.month_spans(m) for s, m in table.select("skole", "mangler").iter_rows() if m}

    assert missing(OWNER, "9901", "2025-26") == {"Tomt skole": "aug 2025–jun 2026"}
    assert missing(OWNER, "9902", "2025-26") == {}
    last12 = queries.saker_rapportering(OWNER, kommunenr="9901", fra=dt.date(2025, 11, 1), til=dt.date(2026, 10, 1))
    assert {s: labels.month_spans(m) for s, m in last12.select("skole", "mangler").iter_rows() if m} == {
        "Tomt skole": "nov 2025–okt 2026"}
    assert "Privatskolen" not in last12["skole"].to_list()
    shown = queries.saker_oversikt(MEETING, kommunenr="9901", skoleaar="2025-26")
    assert "Nyåsen skole" not in shown["skole"].to_list() and "Privatskolen" not in shown["skole"].to_list()
    assert set(shown.filter(shown["skole"] == "Tomt skole").drop("orgnr", "skole").row(0)) == {labels.NO_VALUE}
    assert shown.filter(shown["skole"] == "Haugen skole").height == 1  # its autumn here, in numbers


def test_fau_is_told_in_numbers_that_the_municipality_s_sum_is_short(warehouse):
    """FAU sees its own school's row and the municipality's total; the other schools' missing months are counted."""
    _drop(warehouse, HAUGEN, "2025-08-01", "2026-08-01")
    at = _page(FAU)
    warnings = [w.value for w in at.warning]
    assert any("Kommunens sum mangler rapporter** fra 1 skole for til sammen 11 skolemåneder" in w for w in warnings), \
        warnings
    assert not any("Haugen" in w for w in warnings)  # another school's name is not FAU's


def test_months_due_by_today_that_no_school_has_reported_are_missing_on_the_page_and_the_front_page(
        warehouse, monkeypatch):
    """With reports up to October and the date in the middle of January, the Saker page said «Alle de 6 skolene har
    rapportert for alle de 11 skolemånedene» and Oversikt had nothing to follow up: the window ended with the newest
    report in the warehouse, not with the months due by today."""
    from dashboard import attention

    last = query(warehouse, "SELECT max(periode) FROM mart.saker WHERE kommunenr = '9901'")[0][0]
    assert last == dt.date(2026, 10, 1)
    monkeypatch.setattr(labels, "_today", lambda: dt.date(2027, 1, 15))  # November and December are due
    at = _page(OWNER)
    warnings = [w.value for w in at.warning]
    assert any("Ingen skole har rapportert saker for nov–des 2026 ennå" in w for w in warnings), warnings
    assert not any("har rapportert for alle" in c.value for c in at.caption)
    (line,) = [i.text for i in attention.items(OWNER, "9901") if i.text.startswith("Saker: rapporter mangler")]
    assert line.startswith("Saker: rapporter mangler for 12 skolemåneder siste 12 måneder"), line  # 6 schools × 2


def test_a_municipality_with_no_case_report_or_plan_yet_is_not_told_all_is_well(register_db, monkeypatch):
    """With only the school register loaded, Oversikt said the schools had reported for every month and the plan
    was followed."""
    import streamlit as st

    from dashboard import attention

    monkeypatch.setenv("SKOLEMILJO_DB", str(register_db))
    st.cache_data.clear()
    texts = [i.text for i in attention.items(OWNER, "9901")]
    assert any(t.startswith("Saker: ingen saksrapporter er lest inn ennå") for t in texts), texts
    assert any(t.startswith("Planen: kommunens plan for skolemiljøet er ikke lest inn") for t in texts), texts


def test_late_reports_leave_the_newest_cases_on_the_front_page_and_months_not_yet_due_are_not_missing(
        warehouse, monkeypatch):
    """Once reports were late, the § 12-6 case and the overdue evaluations went from Oversikt: their window followed
    the month due, which had no data. And one school's early report made the others «missing» a month not yet due."""
    from dashboard import attention

    monkeypatch.setattr(labels, "_today", lambda: dt.date(2027, 2, 15))
    late = [i.text for i in attention.items(OWNER, "9901")]
    monkeypatch.setattr(labels, "_today", lambda: dt.date(2026, 11, 15))
    on_time = [i.text for i in attention.items(OWNER, "9901")]
    for kind in ("hos Statsforvalteren", "evaluering over frist"):
        assert [t for t in late if kind in t] == [t for t in on_time if kind in t] != [], (kind, late, on_time)
    # 5 November: October is not due until the 10th, though one school has sent it
    _drop(warehouse, NORDLI, "2026-10-01", "2026-11-01")
    import streamlit as st

    st.cache_data.clear()
    monkeypatch.setattr(labels, "_today", lambda: dt.date(2026, 11, 5))
    assert not [i.text for i in attention.items(OWNER, "9901") if i.text.startswith("Saker: rapporter mangler")]


def test_one_school_s_early_and_unfinished_months_do_not_make_the_others_missing_or_end_the_page(
        warehouse, tmp_path, monkeypatch):
    """On 4 December Nordli sent November (due by 10 December) and December (not over; loaded with a warning). The
    page's window ran to «des 2026», its figures were Nordli's alone, the five other schools were «missing» November
    and December, and Oversikt counted overdue evaluations «ved utgangen av des 2026»."""
    from dashboard import attention
    from pipelines.cli import main as cli
    from tests.conftest import SAKER_HEADER

    rows = "".join(f"{NORDLI};Nordli skole;{month};;aktivitetsplan;;1;0;16;9\n" for month in ("2026-11", "2026-12"))
    path = tmp_path / "saker_nordli.csv"
    path.write_text(SAKER_HEADER + rows, encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(path)]) == 0
    import streamlit as st

    st.cache_data.clear()
    monkeypatch.setattr(labels, "_today", lambda: dt.date(2026, 12, 4))
    at = _page(OWNER)
    assert [s.value for s in at.subheader][0] == "Siste 12 måneder (des 2025–nov 2026)"
    warnings = [w.value for w in at.warning]
    assert not any("nov 2026" in w or "des 2026" in w for w in warnings), warnings
    captions = [c.value for c in at.caption]
    assert "Rapporter for des 2026 er lest inn, men er ikke med før måneden er over." in captions, captions
    assert any("Bare 1 av 6 skoler har rapportert for nov 2026 så langt" in c for c in captions), captions
    # The months asked are those due: December 2025 to October 2026 without July (November is not theirs yet)
    assert any("har rapportert for alle de 10 skolemånedene" in c for c in captions), captions
    # Nor do its charts draw the month under way
    heatmap = next(c for c in at.get("plotly_chart") if '"heatmap"' in c.proto.spec)
    assert "des 2026" not in heatmap.proto.spec and "nov 2026" in heatmap.proto.spec
    texts = [i.text for i in attention.items(OWNER, "9901")]
    assert not any("des 2026" in t for t in texts), texts
    assert any("ved utgangen av nov 2026" in t for t in texts), texts  # Nordli's November: over, and sent


def test_a_municipality_new_to_the_case_reports_is_asked_from_its_first_month_for_every_school_alike(
        register_db, monkeypatch):
    """A municipality began in September: the one school that sent September and October was told «har rapportert
    for alle de 10 skolemånedene», while the schools that had sent nothing were asked for every month back to the
    year before, and Oversikt counted a month more than the Saker page it led to."""
    import streamlit as st

    from dashboard import attention
    from pipelines.ingest import ingest_file
    from tests.conftest import SAKER_HEADER

    schools = query(register_db, "SELECT orgnr, navn FROM mart.skoler WHERE kommunenr = '9901' ORDER BY navn")
    first, name = schools[0]
    rows = "".join(f"{first};{name};{m};;aktivitetsplan;;1;0;1;0\n" for m in ("2026-09", "2026-10"))
    path = register_db.parent / "saker_forste.csv"
    path.write_text(SAKER_HEADER + rows, encoding="utf-8")
    assert ingest_file(path, register_db).result == "lastet"
    monkeypatch.setenv("SKOLEMILJO_DB", str(register_db))
    st.cache_data.clear()

    asked = queries.saker_rapportering(OWNER, kommunenr="9901", fra=dt.date(2025, 11, 1), til=dt.date(2026, 10, 1))
    missing = {s: labels.month_spans(m) for s, m in asked.select("skole", "mangler").iter_rows() if m}
    assert missing == {n: "sep–okt 2026" for _, n in schools[1:]}, missing  # not from nov 2025

    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({first}), brukernavn="rektor")
    said = [c.value for c in _page(rektor).caption]
    assert ("Skolen har rapportert for alle de 2 skolemånedene siden kommunens første rapport (sep 2026) (juli "
            "regnes ikke med).") in said, said

    owner_page = [w.value for w in _page(OWNER).warning if "Rapporter mangler" in w.value]
    count = 2 * (len(schools) - 1)
    assert owner_page and f"Rapporter mangler for {count} skolemåneder" in owner_page[0], owner_page
    front = [i.text for i in attention.items(OWNER, "9901") if i.text.startswith("Saker: rapporter mangler")]
    assert front and f"mangler for {count} skolemåneder" in front[0], front
