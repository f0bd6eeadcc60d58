"""The pages render in Streamlit's AppTest against a real demo warehouse, with numbers from the warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.labels import format_value
from tests.conftest import query

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture
def app(demo_db_master, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))

    def make(page: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        if page:
            at.switch_page(f"views/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _figure(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_landing_page_shows_the_demo_banner_and_latest_figures_per_municipality(app, demo_db_master):
    at = app()
    assert any("Demodata" in i.value for i in at.info)
    assert [s.value for s in at.subheader] == ["Fjellvik", "Sjøbygd"]
    latest, value = query(
        demo_db_master,
        "SELECT skoleaar, verdi FROM mart.elevundersokelsen WHERE enhet_niva = 'kommune' AND kommunenr = '9901' "
        "AND indikator_kode = 'EUIndeks_1379' AND trinn IS NULL AND kjonn = 'alle' ORDER BY skoleaar_start DESC LIMIT 1",
    )[0]
    trivsel = [m for m in at.metric if m.label == "Trivsel"]
    assert trivsel[0].value == format_value(value, "snitt")
    assert any(latest in c.value for c in at.caption)


def test_elevundersokelsen_page_draws_a_trend_chart_with_references(app):
    at = app("elevundersokelsen")
    charts = at.get("plotly_chart")
    assert charts, "no chart on the page"
    names = {trace["name"] for trace in _figure(at)["data"]}
    assert {"Landet", "Fjellvik kommune"} <= names
    assert len(names) >= 4  # the chosen schools besides the references


def test_changing_indicator_trinn_and_kjonn_redraws_without_errors(app):
    at = app("elevundersokelsen")
    boxes = {s.label: s for s in at.selectbox}
    boxes["Indikator"].select("EUIndeks_1398").run()
    assert not at.exception
    boxes = {s.label: s for s in at.selectbox}
    boxes["Trinn"].select(7).run()
    boxes = {s.label: s for s in at.selectbox}
    boxes["Kjønn"].select("jenter").run()
    assert not at.exception, [e.value for e in at.exception]
    title = _figure(at)["layout"]["title"]["text"]
    assert title.startswith("Mobbing på skolen") and "7. trinn" in title and "jenter" in title


def test_small_groups_are_explained_as_hidden_not_left_as_gaps(app):
    at = app("elevundersokelsen")
    at.multiselect[0].set_value(["990013004"])  # Haugen skole, 44 pupils
    boxes = {s.label: s for s in at.selectbox}
    boxes["Trinn"].select(6).run()
    captions = " ".join(c.value for c in at.caption)
    assert "Skjermet av Udir" in captions
    table = at.dataframe[0].value
    frame = pl.from_pandas(table) if not isinstance(table, pl.DataFrame) else table
    hidden = frame.filter(pl.col("Enhet") == "Haugen skole")
    assert hidden.height > 0 and hidden["Verdi"].is_null().all()


def test_data_quality_page_lists_every_file_and_its_verdict(app, demo_db_master):
    at = app("datakvalitet")
    files = query(demo_db_master, "SELECT count(*) FROM mart.ingest_log WHERE resultat = 'lastet'")[0][0]
    assert at.metric[0].value == str(files)
    assert len(at.dataframe) >= 2
    verdict = at.dataframe[1].value
    assert len(verdict) > 5
