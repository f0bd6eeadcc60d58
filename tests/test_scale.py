"""Many municipalities at once (a county governor, a national body): the pages stay usable, not one card each."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from bench.national import write_national
from dashboard.viewer import Viewer
from pipelines.cli import main as cli
from tests.conftest import query

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture(scope="module")
def national_db(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nasjonal")
    files = write_national(out / "filer", n_schools=60, years=2)
    wanted = [f for f in files if f.name == "skoleregister.csv" or f.name.startswith("statistikkbank_148")]
    db = out / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "ingest", *map(str, wanted)]) == 0
    return db


def test_the_national_generator_writes_files_every_reader_accepts(tmp_path):
    files = write_national(tmp_path / "filer", n_schools=12, years=1)
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "ingest", *map(str, files)]) == 0
    counts = dict(query(db, "SELECT kilde, count(*) FROM mart.ingest_log WHERE resultat = 'lastet' GROUP BY ALL"))
    assert set(counts) == {"skoleregister", "udir_indikator", "udir_mobbing", "udir_deltakelse", "saker", "teammoter"}


def test_a_viewer_of_many_municipalities_gets_one_table_and_details_for_the_chosen_one(national_db, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(national_db))
    kommuner = [k for (k,) in query(national_db, "SELECT DISTINCT kommunenr FROM mart.skoler")]
    assert len(kommuner) > 6
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = Viewer(role="skoleeier", kommuner=frozenset(kommuner), brukernavn="statsforvalter")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"{len(kommuner)} kommuner" in [s.value for s in at.subheader]
    table = at.dataframe[0].value
    frame = pl.from_pandas(table) if not isinstance(table, pl.DataFrame) else table
    assert frame.height == len(kommuner) and "Trivsel" in frame.columns
    assert len({m.label for m in at.metric}) <= 4  # one municipality's card, not one per municipality
    chosen = at.selectbox(key="oversikt_kommune")
    chosen.select(chosen.options[-1]).run()
    assert not at.exception
