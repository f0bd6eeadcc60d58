"""Elevundersøkelsen as the skolesjef reads it: whose values a table holds, what the colours compare with, the county
beside the municipality, why a selection is empty, and each municipality's own latest years on Oversikt."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.viewer import Viewer
from tests.conftest import query
from tests.test_survey_page import _charts, _tab

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")
FJELLVIK_OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
NORDLI = "990012008"
MOBBING = "EUIndeks_1398"


def _page(db: Path, monkeypatch, page: str = "elevundersokelsen", viewer: Viewer = OWNER, **choices) -> AppTest:
    """The page as `viewer` sees it, with the selectboxes named in `choices` (label → value) set."""
    import streamlit as st

    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["viewer"] = viewer
    at.switch_page(f"views/{page}.py")
    at.run()
    for label, value in choices.items():
        next(s for s in at.selectbox if s.label == label).select(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _captions(tab) -> str:
    return " ".join(c.value for c in tab.caption)


# ---------------------------------------------------------------- 1. Whose values the table and the export hold


def test_the_survey_table_and_its_excel_export_say_which_trinn_and_kjonn_the_values_are_for(demo_db, monkeypatch,
                                                                                            media):
    """Nordli's 13,4 % bullied on 7. trinn was exported as Skoleår, Enhet, Indikator, Verdi: read as the school's."""
    from openpyxl import load_workbook

    at = _page(demo_db, monkeypatch, Indikator=MOBBING, Trinn=7)
    table = _tab(at, "Tabell").dataframe[0].value
    assert set(table["Trinn"]) == {"7. trinn"} and set(table["Kjønn"]) == {"Alle kjønn"}, table.columns

    button = next(b for b in at.download_button if b.label == "Last ned tabellene (Excel)")
    sheet = load_workbook(io.BytesIO(media(button)))["Utvikling over tid"]
    rows = [dict(zip([c.value for c in sheet[1]], [c.value for c in row], strict=True))
            for row in sheet.iter_rows(min_row=2)]
    assert rows and {(r["Trinn"], r["Kjønn"]) for r in rows} == {("7. trinn", "Alle kjønn")}

    at = _page(demo_db, monkeypatch, Indikator=MOBBING, Kjønn="jenter")  # the page opens on «Alle trinn»
    table = _tab(at, "Tabell").dataframe[0].value
    assert set(table["Trinn"]) == {"Alle trinn"} and set(table["Kjønn"]) == {"Jenter"}


def test_the_heatmaps_and_their_number_tables_name_the_school_year_trinn_and_kjonn(demo_db_master, monkeypatch):
    at = _page(demo_db_master, monkeypatch, Trinn=7)
    (year,) = query(demo_db_master, "SELECT skoleaar FROM core.eu_skoleaar ORDER BY skoleaar_start DESC LIMIT 1")[0]
    heat = _tab(at, "Skoler × indikatorer")
    titles = [fig["layout"]["title"]["text"] for fig in _charts(heat)]
    assert titles == [f"Indekser (snitt 1–5) – {year}, 7. trinn, alle kjønn",
                      f"Mobbing (andel i prosent) – {year}, 7. trinn, alle kjønn"], titles
    folded = [e.label for e in heat.expander]
    assert all(any(title in label for label in folded) for title in titles), folded


# ---------------------------------------------------------------- 2. What the heatmap's colours compare with


def _coloured(fig: dict) -> list[float]:
    """The cells given a colour other than the scale's white middle."""
    return [v for row in fig["data"][0]["z"] for v in row if v not in (None, 0)]


def _drawn_values(fig: dict) -> list[str]:
    """The numbers the heatmap writes: Plotly draws a cell, and its text, only where z has a value (on a trinn with
    no reference at all, the chart came out blank)."""
    trace = fig["data"][0]
    return [t for zr, tr in zip(trace["z"], trace["text"], strict=True) for v, t in zip(zr, tr, strict=True)
            if v is not None and t not in ("", "skjult", "–")]


def test_the_heatmap_claims_no_comparison_with_the_nation_on_a_trinn_udir_gives_no_national_figure(demo_db_master,
                                                                                                  monkeypatch):
    """On 5. trinn every cell was white and the caption said «Fargen viser avstand til landet»: a school with 12,7 %
    bullied looked like one with 6,8 %."""
    at = _page(demo_db_master, monkeypatch, Trinn=5)
    heat = _tab(at, "Skoler × indikatorer")
    said = _captions(heat)
    assert "avstand til landet" not in said and "enn landet" not in said, said
    assert "Verken landet eller kommunen har tall for 5. trinn" in said, said
    figures = _charts(heat)
    assert len(figures) == 2
    for fig in figures:
        assert _coloured(fig) == [], fig["layout"]["title"]["text"]  # no colour that says «as the nation»
        assert fig["layout"]["plot_bgcolor"] == "white"
        numbers = [t for tr in fig["data"][0]["text"] for t in tr if t not in ("", "skjult", "–")]
        assert numbers and _drawn_values(fig) == numbers, fig["layout"]["title"]["text"]


def test_without_a_national_figure_the_heatmap_compares_with_the_municipality_and_says_so(demo_db, monkeypatch):
    con = duckdb.connect(str(demo_db))
    con.execute("DELETE FROM core.eu_resultat WHERE enhet_niva = 'nasjonalt' AND trinn = 7")
    con.close()
    at = _page(demo_db, monkeypatch, Trinn=7)
    heat = _tab(at, "Skoler × indikatorer")
    said = _captions(heat)
    assert "Landet har ingen tall for 7. trinn; fargen viser avstand til kommunen" in said, said
    assert "avstand til landet" not in said

    (year,) = query(demo_db, "SELECT skoleaar FROM core.eu_skoleaar ORDER BY skoleaar_start DESC LIMIT 1")[0]
    values = dict(query(demo_db, "SELECT coalesce(orgnr, 'kommune'), verdi FROM mart.elevundersokelsen WHERE "
                                 "kommunenr = '9901' AND skoleaar = ? AND trinn = 7 AND kjonn = 'alle' "
                                 "AND indikator_kode = ?", [year, MOBBING]))
    (nordli,) = query(demo_db, "SELECT navn FROM mart.skoler WHERE orgnr = ?", [NORDLI])[0]
    bullying = _charts(heat)[1]
    trace = bullying["data"][0]
    cell = trace["z"][trace["y"].index(nordli)][trace["x"].index("Mobbing på skolen")]
    # More bullied than the municipality: red, by the difference from the municipality's share.
    assert cell == pytest.approx(-(values[NORDLI] - values["kommune"]) / 10)
    assert cell != 0


# ---------------------------------------------------------------- 3. The county beside the municipality


def test_the_survey_trend_shows_the_county_as_a_reference_line_and_in_its_table(demo_db_master, monkeypatch):
    """The README promised the trend «mot kommunen, fylket og landet»; the county's rows were loaded but never shown."""
    at = _page(demo_db_master, monkeypatch)
    (county,) = query(demo_db_master, "SELECT DISTINCT enhet_navn FROM mart.elevundersokelsen "
                                      "WHERE enhet_niva = 'fylke'")[0]
    lines = {t["name"]: t for t in _charts(_tab(at, "Utvikling over tid"))[0]["data"]}
    assert {"Fjellvik kommune", county, "Landet"} <= set(lines), set(lines)
    assert lines[county]["line"]["dash"] == "dashdot"  # a reference's style, not a school's solid line
    years = query(demo_db_master, "SELECT skoleaar FROM mart.elevundersokelsen WHERE enhet_niva = 'fylke' AND "
                                  "trinn IS NULL AND kjonn = 'alle' AND indikator_kode = 'EUIndeks_1379' ORDER BY 1")
    assert lines[county]["x"] == [y for (y,) in years]
    table = _tab(at, "Tabell").dataframe[0].value
    assert (table["Enhet"] == county).sum() == len(years)


def test_the_county_line_stays_apart_from_every_other_line_for_a_colour_blind_reader():
    from dashboard.charts import COUNTY_COLOUR, PALETTE
    from tests.test_shared_screen import SEEN_APART, _lab_as_deuteranope

    def apart(a: str, b: str) -> float:
        return sum((p - q) ** 2 for p, q in zip(_lab_as_deuteranope(a), _lab_as_deuteranope(b), strict=True)) ** 0.5

    others = [*PALETTE, "#222222", "#888888", "#7f6000"]  # schools, municipality, nation, programme markers
    assert min(apart(COUNTY_COLOUR, c) for c in others) >= SEEN_APART


def test_the_county_s_figures_are_shown_as_published_like_the_nation_s_at_the_protected_level(demo_db, monkeypatch):
    """A municipality's own threshold and its secondary suppression are for its schools and itself, not for Udir's
    published county figures (which have no kommunenr, as the nation's)."""
    import streamlit as st

    from dashboard import queries
    from pipelines.cli import main as cli

    assert cli(["--db", str(demo_db), "innstilling", "min-svar", "30", "--kommune", "9901"]) == 0
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="fau.nordli",
                 thresholds=(("9901", 30),))
    trend = queries.eu_trend(fau, kommunenr="9901", orgnr=(NORDLI,), trinn=7, indikator_kode=MOBBING, fylke=True)
    published = dict(query(demo_db, "SELECT enhet_niva || skoleaar, verdi FROM mart.elevundersokelsen WHERE "
                                    "enhet_niva IN ('fylke', 'nasjonalt') AND trinn = 7 AND kjonn = 'alle' "
                                    "AND indikator_kode = ?", [MOBBING]))
    for level in ("fylke", "nasjonalt"):
        rows = trend.filter(pl.col("enhet_niva") == level)
        assert rows.height and rows["skjult_grunn"].null_count() == rows.height, level
        assert {level + y: v for y, v in rows.select("skoleaar", "verdi").iter_rows()} == {
            k: v for k, v in published.items() if k.startswith(level)}


def test_the_reports_and_the_ungdata_page_keep_the_municipality_and_the_nation_as_their_references(
        demo_db_master, monkeypatch):
    """Only the Elevundersøkelsen page asks for the county: the reports' trend charts are as they were."""
    from dashboard import queries

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    trend = queries.eu_trend(OWNER, kommunenr="9901", orgnr=(NORDLI,), indikator_kode=MOBBING)
    assert set(trend["enhet_niva"]) == {"skole", "kommune", "nasjonalt"}


# ---------------------------------------------------------------- 4. Why participation by kjønn is empty


def test_participation_for_girls_says_udir_publishes_it_only_for_both_together(demo_db_master, monkeypatch):
    at = _page(demo_db_master, monkeypatch, Indikator="deltakelse", Kjønn="jenter")
    said = " ".join(i.value for i in _tab(at, "Utvikling over tid").info)
    assert "Deltakelse finnes bare for jenter og gutter samlet" in said and "«Alle kjønn»" in said, said
    assert "Ingen data for dette utvalget." not in said


# ---------------------------------------------------------------- 5. Each municipality's own latest years


@pytest.fixture
def sjobygd_a_year_ahead(demo_db) -> Path:
    """A shared warehouse where Sjøbygd (and the nation) already have the next school year and Fjellvik does not."""
    con = duckdb.connect(str(demo_db))
    (last,) = con.execute("SELECT max(skoleaar_start) FROM core.eu_resultat").fetchone()
    label = f"{last + 1}-{(last + 2) % 100:02d}"
    con.execute("""
        INSERT INTO core.eu_resultat
        SELECT * REPLACE (? AS skoleaar, skoleaar_start + 1 AS skoleaar_start, verdi + 0.1 AS verdi)
        FROM core.eu_resultat
        WHERE skoleaar_start = ? AND (kommunenr = '9902' OR enhet_niva = 'nasjonalt')
        """, [label, last])
    con.execute("INSERT INTO core.eu_skoleaar VALUES (?, ?)", [label, last + 1])
    con.close()
    return demo_db


def test_a_municipality_s_key_figures_are_its_own_latest_two_years_whatever_another_has(sjobygd_a_year_ahead,
                                                                                        monkeypatch):
    """Sjøbygd's 2026-27 left Fjellvik's Oversikt card on 2025-26 with no change from the year before."""
    import streamlit as st

    from dashboard import queries

    db = sjobygd_a_year_ahead
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    st.cache_data.clear()
    own = {k: sorted(y for (y,) in query(db, "SELECT DISTINCT skoleaar_start FROM mart.elevundersokelsen WHERE "
                                             "enhet_niva = 'kommune' AND kommunenr = ?", [k]))[-2:]
           for k in ("9901", "9902")}
    assert own["9901"][-1] < own["9902"][-1]
    for viewer in (FJELLVIK_OWNER, OWNER):
        figures = queries.key_figures(viewer).filter(pl.col("enhet_niva") == "kommune")
        for kommunenr in sorted(viewer.kommuner):
            years = sorted(set(figures.filter(pl.col("kommunenr") == kommunenr)["skoleaar_start"]))
            assert years == own[kommunenr], (kommunenr, years)

    for viewer in (FJELLVIK_OWNER, OWNER):  # a viewer of both: each card its own municipality's year
        at = _page(db, monkeypatch, page="oversikt", viewer=viewer)
        trivsel = [m for m in at.metric if m.label == "Trivsel"]
        assert trivsel and all(m.proto.delta.endswith(("fra året før", "(bedre)", "(verre)")) for m in trivsel), (
            [m.proto.delta for m in trivsel])


@pytest.fixture
def per_trinn_only(register_db, demo_dir, tmp_path) -> Path:
    """Elevundersøkelsen exported per trinn from the statistikkbank (5. and 6. trinn chosen, no «Alle trinn»)."""
    from pipelines.ingest import ingest_file

    rows = [r for side in (1, 2) for r in json.loads(
        (demo_dir / f"udir_148_indikator_2025-26_side{side}.json").read_text(encoding="utf-8"))
        if r["Trinnnavn"] in ("5. trinn", "6. trinn")]
    for r in rows:
        r.update(Sidenummer="1", RaderSide=str(len(rows)), RaderTotalt=str(len(rows)))
    path = tmp_path / "udir_148_per_trinn.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert ingest_file(path, register_db).result == "lastet"
    return register_db


def test_an_export_per_trinn_only_is_said_as_such_and_the_survey_page_opens_on_a_trinn_with_data(
        per_trinn_only, monkeypatch):
    """An operator loaded 148 exported per trinn: Oversikt told every role that nothing was loaded, and the survey page
    opened on «Alle trinn» with «Ingen data for dette utvalget» and no hint to pick a trinn."""
    given = [t for (t,) in query(per_trinn_only, "SELECT DISTINCT trinn FROM mart.elevundersokelsen WHERE "
                                                 "kommunenr = '9901' ORDER BY 1")]
    assert None not in given and given
    oversikt = _page(per_trinn_only, monkeypatch, page="oversikt", viewer=FJELLVIK_OWNER)
    said = " ".join(w.value for w in oversikt.warning)
    assert "lastet inn per trinn" in said and "Ingen resultater fra Elevundersøkelsen er lastet inn" not in said, said

    at = _page(per_trinn_only, monkeypatch, viewer=FJELLVIK_OWNER)
    assert next(s for s in at.selectbox if s.label == "Trinn").value == given[0]
    assert not any("Ingen data" in i.value for i in at.info), [i.value for i in at.info]
    next(s for s in at.selectbox if s.label == "Trinn").select(7).run()
    hint = " ".join(i.value for i in at.info)
    assert "ingen tall for 7. trinn" in hint and "5. trinn, 6. trinn" in hint, hint
