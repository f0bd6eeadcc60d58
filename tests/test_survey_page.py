"""The Elevundersøkelsen page: what its school filter does on each tab, and a renamed school read as one school."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.viewer import Viewer
from pipelines.ingest import ingest_file
from tests.conftest import query

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")
RECTOR = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="rektor.nordli")
NORDLI = "990012008"
NEW_NAME = "Nordli oppvekstsenter"


def _page(db: Path, monkeypatch, viewer: Viewer = OWNER) -> AppTest:
    import streamlit as st

    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = viewer  # logged in (the login itself is tested in test_auth/test_browser)
    at.switch_page("views/elevundersokelsen.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _tab(at: AppTest, label: str):
    return next(t for t in at.tabs if t.label == label)


def _charts(tab) -> list[dict]:
    return [json.loads(c.proto.spec) for c in tab.get("plotly_chart")]


def _fjellvik_schools(db: Path) -> dict[str, str]:
    return dict(query(db, "SELECT orgnr, navn FROM mart.skoler WHERE kommunenr = '9901'"))


# ---------------------------------------------------------------- the «Skoler» filter on «Skoler × indikatorer»


def test_a_school_left_out_of_the_filter_is_left_out_of_the_heatmaps_too(demo_db_master, monkeypatch):
    """A skolesjef removed Nordli skole from «Skoler»: the trend and the table dropped it, both heatmaps still had it."""
    schools = _fjellvik_schools(demo_db_master)
    at = _page(demo_db_master, monkeypatch)
    picker = next(m for m in at.multiselect if m.label == "Skoler")
    kept = sorted(o for o in schools if o != NORDLI)
    picker.set_value(kept).run()
    assert not at.exception
    heatmaps = _charts(_tab(at, "Skoler × indikatorer"))
    assert len(heatmaps) == 2  # the indices and the bullying shares
    for fig in heatmaps:
        rows = fig["data"][0]["y"]
        assert schools[NORDLI] not in rows, rows
        assert {schools[o] for o in kept} <= set(rows), rows
        assert "Fjellvik kommune" in rows  # the municipality stays as the reference


def test_the_school_filter_never_changes_what_the_heatmap_hides(demo_db_master, monkeypatch):
    """Protection is worked out over the whole municipality: a school shown alone hides what it hid among the others,
    and shows what it showed (a filter must not un-hide a value, nor hide one)."""
    from dashboard import queries

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    args = dict(kommunenr="9901", skoleaar="2025-26", trinn=10, kjonn="alle")
    whole = queries.eu_latest_by_school(RECTOR, **args)
    hidden = whole.filter((pl.col("enhet_niva") == "skole") & pl.col("skjult_grunn").is_not_null())
    assert hidden.height, "the demo hides some school values for 10. trinn at the protected level"
    cell = ["orgnr", "indikator_kode", "verdi", "skjult_grunn"]
    for orgnr in hidden["orgnr"].unique().to_list():
        alone = queries.eu_latest_by_school(RECTOR, **args, orgnr=(orgnr,))
        assert set(alone.filter(pl.col("enhet_niva") == "skole")["orgnr"]) == {orgnr}
        assert alone.filter(pl.col("enhet_niva") == "skole").select(cell).sort(cell[:2]).equals(
            whole.filter(pl.col("orgnr") == orgnr).select(cell).sort(cell[:2]))
        assert alone.filter(pl.col("enhet_niva") != "skole").equals(whole.filter(pl.col("enhet_niva") != "skole"))


# ---------------------------------------------------------------- a school renamed in the register


@pytest.fixture
def renamed(demo_db, demo_dir, tmp_path) -> Path:
    """The demo warehouse after Nordli skole became «Nordli oppvekstsenter»: the register says so, and so does Udir's
    newest participation export (2025-26); the years before carry the old name."""
    header, *rows = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    nordli = next(r for r in rows if r.startswith(NORDLI)).replace("Nordli skole", NEW_NAME)
    register = tmp_path / "skoleregister_nordli.csv"
    register.write_text(f"{header}\n{nordli}\n", encoding="utf-8")
    export = tmp_path / "udir_151_deltakelse_2025-26_side1.json"
    text = (demo_dir / "udir_151_deltakelse_2025-26_side1.json").read_text(encoding="utf-8")
    assert "Nordli skole" in text
    export.write_text(text.replace("Nordli skole", NEW_NAME), encoding="utf-8")
    for path in (register, export):
        outcome = ingest_file(path, demo_db)
        assert outcome.result == "lastet", outcome
    names = query(demo_db, "SELECT DISTINCT enhet_navn FROM mart.elevundersokelsen WHERE orgnr = ? "
                           "AND indikator_kode = 'deltakelse'", [NORDLI])
    assert {n for (n,) in names} == {"Nordli skole", NEW_NAME}  # the files name it as it was called that year
    return demo_db


def test_a_renamed_school_is_one_line_under_its_new_name_in_the_trend_and_the_table(renamed, monkeypatch):
    """Nordli skole 2020-21…2024-25 and «Nordli oppvekstsenter» 2025-26 were two lines in two colours, the newest year
    a lone point, and two names in the table."""
    at = _page(renamed, monkeypatch)
    next(s for s in at.selectbox if s.label == "Indikator").select("deltakelse").run()
    next(m for m in at.multiselect if m.label == "Skoler").set_value([NORDLI]).run()
    assert not at.exception
    years = [y for (y,) in query(renamed, "SELECT DISTINCT skoleaar FROM mart.elevundersokelsen WHERE orgnr = ? "
                                          "AND indikator_kode = 'deltakelse' AND trinn IS NULL AND kjonn = 'alle' "
                                          "ORDER BY 1", [NORDLI])]
    fig = _charts(_tab(at, "Utvikling over tid"))[0]
    lines = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    schools = [t for t in lines if t["name"] not in ("Landet", "Fjellvik kommune", "Fjordfylket")]  # the references
    assert [t["name"] for t in schools] == [NEW_NAME]
    assert schools[0]["x"] == years
    table = _tab(at, "Tabell").dataframe[0].value
    assert "Nordli skole" not in set(table["Enhet"])
    assert (table["Enhet"] == NEW_NAME).sum() == len(years)


def test_a_school_s_line_follows_its_orgnr_whatever_names_its_rows_carry(demo_db_master, monkeypatch):
    """The trend chart draws one line per school, under the newest name among its rows, even where the frame it is
    given names the school two ways."""
    from dashboard import queries
    from dashboard.charts import trend_chart

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    trend = queries.eu_trend(OWNER, kommunenr="9901", orgnr=(NORDLI,), indikator_kode="deltakelse")
    newest = trend.filter(pl.col("orgnr") == NORDLI)["skoleaar_start"].max()
    two_names = trend.with_columns(
        pl.when((pl.col("orgnr") == NORDLI) & (pl.col("skoleaar_start") == newest)).then(pl.lit(NEW_NAME))
        .otherwise(pl.col("enhet_navn")).alias("enhet_navn"))
    fig = trend_chart(two_names, title="Deltakelse", maal="andel")
    schools = [t for t in fig.data if t.mode == "lines+markers" and t.name not in ("Landet", "Fjellvik kommune")]
    assert [t.name for t in schools] == [NEW_NAME]
    assert len(schools[0].x) == trend.filter(pl.col("orgnr") == NORDLI).height


def test_a_value_corrected_in_the_middle_of_a_chart_s_rows_is_drawn_corrected(demo_db_master, monkeypatch):
    """Charts are built once per frame: Streamlit's hash of a Polars frame saw its first and last ten rows only, so a
    value corrected by a new load for a school in between kept the old figure (the table beside it had the new)."""
    from dashboard import queries
    from dashboard.charts import trend_chart

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    schools = tuple(o for (o,) in query(demo_db_master, "SELECT orgnr FROM mart.skoler WHERE kommunenr = '9901'"))
    trend = queries.eu_trend(OWNER, kommunenr="9901", orgnr=schools, indikator_kode="deltakelse").with_row_index("_i")
    assert trend.height > 30  # more rows than the first and last ten
    middle = trend.height // 2
    school = trend.row(middle, named=True)
    assert school["enhet_niva"] == "skole" and school["verdi"] is not None, school
    corrected = trend.with_columns(
        pl.when(pl.col("_i") == middle).then(pl.col("verdi") - 10).otherwise(pl.col("verdi")).alias("verdi"))

    def drawn(frame: pl.DataFrame) -> list:
        fig = trend_chart(frame.drop("_i"), title="Deltakelse", maal="andel")
        line = next(t for t in fig.data if t.mode == "lines+markers" and t.name == school["enhet_navn"])
        return list(line.y)

    before, after = drawn(trend), drawn(corrected)
    # The school's line drawn anew with the one corrected year (other years may hold the same figure)
    assert len(before) == len(after) and school["verdi"] in before, (before, after)
    changed = [round(b - a, 6) for a, b in zip(before, after, strict=True)]
    assert sorted(changed) == [-10.0] + [0.0] * (len(changed) - 1), (before, after)


def test_an_average_s_axis_writes_every_tick_with_one_decimal_comma(demo_db_master, monkeypatch):
    """The trend's axis read «3,8 / 4 / 4,2 / 4,4»: 4 looked like a value of another kind than its neighbours."""
    from dashboard import queries
    from dashboard.charts import trend_chart

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    trend = queries.eu_trend(OWNER, kommunenr="9901", orgnr=(NORDLI,), indikator_kode="EUIndeks_1379")
    assert trend.height, "the demo has the first index for Nordli"
    average = trend_chart(trend, title="Trivsel", maal="snitt").layout
    assert average.yaxis.tickformat == ".1f" and average.separators == ", "
    share = trend_chart(queries.eu_trend(OWNER, kommunenr="9901", orgnr=(NORDLI,), indikator_kode="deltakelse"),
                        title="Deltakelse", maal="andel").layout
    assert share.yaxis.tickformat is None  # a share's ticks (0, 5, 10 %) are whole


def test_the_municipality_county_and_nation_are_drawn_over_a_school_with_the_same_value(demo_db_master, monkeypatch):
    """Fjellvik's 7. trinn lay under Bakken's and Fjellvik barneskole's lines wherever they had its value (one decimal:
    often), and the county and the nation under them all: the legend named lines no one could see."""
    from dashboard import queries
    from dashboard.charts import trend_chart

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    schools = tuple(o for (o,) in query(demo_db_master, "SELECT orgnr FROM mart.skoler WHERE kommunenr = '9901'"))
    trend = queries.eu_trend(OWNER, kommunenr="9901", orgnr=schools, trinn=7, indikator_kode="EUIndeks_1379",
                             fylke=True)
    lines = [t for t in trend_chart(trend, title="Trivsel", maal="snitt").data if t.mode == "lines+markers"]
    references = {"Fjellvik kommune", "Fjordfylket", "Landet"}
    names = [t.name for t in lines]
    assert references <= set(names) and len(names) > len(references), names
    # Plotly draws later traces over earlier ones: every reference after every school
    assert all(name in references for name in names[len(names) - len(references):]), names
    by_name = {t.name: t for t in lines}
    shared = [(x, y) for x, y in zip(by_name["Fjellvik kommune"].x, by_name["Fjellvik kommune"].y, strict=True)
              if any((x, y) in set(zip(t.x, t.y, strict=True)) for n, t in by_name.items() if n not in references)]
    assert shared, "the demo's municipality shares a value with a school in some year"


def test_the_note_under_the_chart_names_every_hidden_school_and_year(demo_db_master, monkeypatch):
    """A rektor's 7. trinn note named the first eight school-years and ended «…»: Elvetun's seven years and one of
    Haugen's, and nothing said what else the chart left out."""
    from dashboard import queries

    at = _page(demo_db_master, monkeypatch, RECTOR)
    {s.label: s for s in at.selectbox}["Trinn"].set_value(7).run()
    assert not at.exception, [e.value for e in at.exception]
    note = next(c.value for c in _tab(at, "Utvikling over tid").caption if c.value.startswith("Noen verdier er skjult"))
    schools = tuple(_fjellvik_schools(demo_db_master))
    trend = queries.eu_trend(RECTOR, kommunenr="9901", orgnr=schools, trinn=7, indikator_kode="EUIndeks_1379")
    years = sorted(set(trend["skoleaar"]))
    hidden = trend.filter(pl.col("skjult_grunn").is_not_null())
    assert hidden.select("enhet_navn", "skoleaar").unique().height > 8, "more hidden than the old note named"
    lines = [line.removeprefix("- **").split("**: ", 1) for line in note.splitlines()[1:]]
    assert {reason for reason, _ in lines} == set(hidden["skjult_grunn"]), note
    for reason, where in lines:
        named = set()
        for unit in where.split("; "):
            name, spans = unit.split(" 2", 1)[0], "2" + unit.split(" 2", 1)[1]
            for part in spans.split(", "):
                first, _, last = part.partition(" til ")
                named |= {(name, y) for y in years[years.index(first):years.index(last or first) + 1]}
        expected = hidden.filter(pl.col("skjult_grunn") == reason).select("enhet_navn", "skoleaar").unique()
        assert named == set(expected.iter_rows()), (reason, where)


def test_a_value_shown_without_its_number_of_answers_says_why_in_the_table(demo_db_master, monkeypatch):
    """A rektor's 7. trinn table showed other schools' 2019-20 values (Skoleporten's, without answer counts) with «–»
    for the answers and no note, where «–» means hidden everywhere else."""
    from dashboard.labels import NO_COUNT_CAPTION, NO_COUNT_NOTE

    at = _page(demo_db_master, monkeypatch, RECTOR)
    {s.label: s for s in at.selectbox}["Trinn"].set_value(7).run()
    table = pl.from_pandas(_tab(at, "Tabell").dataframe[0].value)
    assert NO_COUNT_CAPTION in [c.value for c in _tab(at, "Tabell").caption]
    uncounted = table.filter(pl.col("Verdi").is_not_null() & pl.col("Antall svar").is_null())
    assert uncounted.height and set(uncounted["Skoleår"]) == {"2019-20"}, uncounted
    assert set(uncounted["Merknad"]) == {NO_COUNT_NOTE}
    counted = table.filter(pl.col("Verdi").is_not_null() & pl.col("Antall svar").is_not_null())
    assert counted.height and set(counted["Merknad"]) == {""}


def test_a_hidden_heatmap_cell_says_why_when_pointed_at(demo_db_master, monkeypatch):
    """The municipality's 10. trinn, hidden so that Elvetun's (hidden by Udir) cannot be worked out, read «skjult» like
    the rest, and the note under the chart said «for få svar»: pointed at, each hidden cell now gives its reason."""
    from dashboard import queries
    from dashboard.charts import school_indicator_heatmap
    from dashboard.privacy import REASON_SECONDARY, REASON_SOURCE

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    latest = queries.eu_latest_by_school(RECTOR, kommunenr="9901", skoleaar="2025-26", trinn=10, kjonn="alle")
    heat = school_indicator_heatmap(latest, maal="snitt").data[0]
    said = {(y, x): (text, why) for y, texts, whys in zip(heat.y, heat.text, heat.customdata, strict=True)
            for x, text, why in zip(heat.x, texts, whys, strict=True)}
    assert "%{customdata}" in heat.hovertemplate
    assert said[("Fjellvik kommune", "Trivsel")] == ("skjult", " – " + REASON_SECONDARY.removeprefix("Skjult: "))
    assert said[("Elvetun skole", "Trivsel")] == ("skjult", f" – {REASON_SOURCE}")
    assert said[("Fjellvik ungdomsskole", "Trivsel")][1] == ""  # a value shown has nothing more to say
