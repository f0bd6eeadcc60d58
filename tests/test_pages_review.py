"""What a skolesjef's data-correctness review of the demo found on the Ungdata, Saker and team pages."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.labels import format_value
from dashboard.viewer import Viewer
from tests.conftest import open_page, query

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")


@pytest.fixture
def app(demo_db_master, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))

    def make(page: str, viewer: Viewer = OWNER) -> AppTest:
        return open_page(page, viewer)

    return make


def _tab(at: AppTest, label: str):
    return next(t for t in at.tabs if t.label == label)


def _chart_tables(where) -> dict[str, list[list[str]]]:
    """«Tallene i grafen …» → the rows (header row first) of the table under the chart, cells as a reader hears them."""
    tables = {}
    for box in where.expander:
        if box.label.startswith("Tallene i grafen"):
            markup = " ".join(m.value for m in box.markdown)
            rows = re.findall(r"<tr>(.*?)</tr>", markup)
            tables[box.label] = [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)] for r in rows]
    return tables


# ---------------------------------------------------------------- Ungdata beside Elevundersøkelsen


def test_ungdata_beside_the_survey_lists_shares_with_one_decimal_and_percent_and_says_a_withheld_one_is_hidden(
    app, demo_db_master
):
    """Sjøbygd's table under the Ungdata chart read «8» beside «7,9» with no %, and FHI's anonymised 2022–2024 share
    as «–» («no data» everywhere else), where «Over tid» says «skjult – Anonymisert av kilden»."""
    at = app("ungdata")
    at.selectbox(key="kommune").select("9902").run()
    tab = _tab(at, "Side om side med Elevundersøkelsen")
    (rows,) = [r for label, r in _chart_tables(tab).items() if "«Ungdata:" in label]
    held = query(demo_db_master, "SELECT kilde, CAST(right(periode, 4) AS INTEGER), andel, flagg FROM mart.ungdata "
                 "WHERE geo_niva = 'kommune' AND kommunenr = '9902' AND indikator_kode LIKE '%mobbet%' "
                 "AND trinn = '8-10' AND kjonn = 'alle'")
    assert any(flag == 3 for *_, flag in held), "the demo should have FHI anonymise one of Sjøbygd's shares"
    column = {"ungdata": rows[0].index("Ungdata-rapporten"), "kommunehelsa": rows[0].index("FHI, treårssnitt")}
    cells = {(kilde, row[0]): row[column[kilde]] for row in rows[1:] for kilde in column}
    for kilde, year, share, flag in held:
        cell = cells[(kilde, str(year))]
        if flag == 3:
            assert cell == "skjult – Anonymisert av kilden (for få svar)", cell
        else:
            assert cell == format_value(share, "andel") and re.fullmatch(r"\d+,\d %", cell), cell
    assert "8,0 %" in cells.values()  # a whole share keeps its decimal beside «7,9 %»
    (chart,) = [f for f in map(json.loads, (c.proto.spec for c in tab.get("plotly_chart")))
                if f["layout"]["title"]["text"].startswith("Ungdata:")]
    assert all("%{text}" in trace["hovertemplate"] for trace in chart["data"])  # the hover says the same


# ---------------------------------------------------------------- Arbeidslag og elevtjeneste


def test_team_page_warns_when_no_school_has_logged_meetings_for_a_month_that_has_ended(app, demo_db_master, monkeypatch):
    """On 3 December the page measured meetings against expected only up to October (the last logged month), and
    said nothing: had every school stopped logging, the skolesjef would still have read 100 %."""
    import datetime as dt

    from dashboard import labels

    ((last,),) = query(demo_db_master, "SELECT max(dato) FROM mart.teammoter WHERE kommunenr = '9901' "
                                       "AND team = 'arbeidslag'")
    assert last.month == 10, "the demo's logs should end in October"
    monkeypatch.setattr(labels, "_today", lambda: dt.date(last.year, 12, 3))
    at = app("team")
    assert at.selectbox(key="team").value == "arbeidslag"
    (warning,) = [w.value for w in at.warning if "logget møter" in w.value]
    assert f"Ingen skole har logget møter for arbeidslag etter {last:%d.%m.%Y}" in warning, warning
    assert f"bare til og med okt {last.year}; nov {last.year} er ikke med" in warning, warning
    # While November is under way, October is the last month there is to log: nothing is missing yet.
    monkeypatch.setattr(labels, "_today", lambda: dt.date(last.year, 11, 28))
    assert not [w.value for w in app("team").warning if "logget møter" in w.value]


# ---------------------------------------------------------------- Saker (kap. 12)


def test_saker_per_100_pupils_says_which_school_year_s_pupil_counts_every_month_is_divided_by(app, demo_db_master):
    """The register is for one school year, and its pupil counts divide every month back to August 2024: the page
    said only «Elevtall fra skoleregisteret»."""
    ((year,),) = query(demo_db_master, "SELECT DISTINCT skoleaar FROM mart.skoler WHERE kommunenr = '9901'")
    at = app("saker")
    said = f"levtall fra skoleregisteret ({year}) for alle måneder"
    assert said in at.toggle[0].help
    assert any(said in c.value for c in _tab(at, "Nye saker per måned").caption)


def _decimals(cell: str) -> int:
    return len(cell.split(",")[1]) if "," in cell else 0


@pytest.mark.parametrize("tab", ["Åpne saker og frister", "Sesongmønster"])
def test_saker_chart_tables_give_each_column_one_number_of_decimals_with_a_decimal_comma(app, tab):
    """The table under «Åpne ved månedsslutt per 100 elever» read «1,4» above «0,98» in one column."""
    at = app("saker")
    tables = _chart_tables(_tab(at, tab))
    assert tables
    for label, rows in tables.items():
        for i, name in enumerate(rows[0][1:], start=1):
            cells = [row[i] for row in rows[1:] if row[i] != "–"]
            assert cells and all(re.fullmatch(r"\d+(,\d+)?", c) for c in cells), (label, name, cells)
            assert len({_decimals(c) for c in cells}) == 1, (label, name, cells)


def test_ungdata_groups_table_lists_trinn_in_trinn_order(register_db, tmp_path, monkeypatch):
    """The table under «Etter trinn og kjønn», which a screen reader is pointed to, read 8., 8.–10., 10., 9. trinn:
    the bars came in the order of the municipality's file."""
    import streamlit as st

    from pipelines.ingest import ingest_file

    table = tmp_path / "ungdata_tabell.csv"
    table.write_text("kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar\n"
                     + "".join(f"9901;2024;{t};alle;Trives på skolen;{a};100\n"
                               for t, a in (("10", "80,0"), ("8-10", "82,0"), ("9", "81,0"), ("8", "85,0"))),
                     encoding="utf-8")
    assert ingest_file(table, register_db).result == "lastet"
    monkeypatch.setenv("SKOLEMILJO_DB", str(register_db))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
    at.switch_page("views/ungdata.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (rows,) = _chart_tables(_tab(at, "Etter trinn og kjønn")).values()
    assert [row[0] for row in rows[1:]] == ["8. trinn", "9. trinn", "10. trinn", "8.–10. trinn"], rows
