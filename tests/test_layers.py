"""The layering users rely on without knowing it: a light dashboard, and one place that scopes every query."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from dashboard import queries
from dashboard.viewer import Viewer

ROOT = Path(__file__).resolve().parent.parent


def test_dashboard_does_not_import_great_expectations():
    code = (
        "import sys, dashboard.queries, dashboard.ui, dashboard.charts, dashboard.privacy, dashboard.labels;"
        "print('great_expectations' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


SAMPLE_ARGS = {
    "kommunenr": "9901",
    "orgnr": ("990011001",),
    "skoleaar": "2024-25",
    "batch_id": "",
}


@pytest.mark.parametrize("name", sorted(queries.all_queries()))
def test_no_query_returns_rows_from_a_municipality_outside_the_viewers_scope(name, demo_db_master, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    func = queries.all_queries()[name]
    params = {p: SAMPLE_ARGS[p] for p in inspect.signature(func.raw).parameters if p in SAMPLE_ARGS}
    insider = func(Viewer(kommuner=frozenset({"9901"})), **params)
    frame: pl.DataFrame = func(Viewer(kommuner=frozenset({"9902"})), **params)
    assert set(frame.columns) == set(insider.columns), name  # pages still get their columns
    if "kommunenr" in frame.columns:
        assert "9901" not in frame["kommunenr"].drop_nulls().to_list(), name
    if "orgnr" in frame.columns:
        assert not any(o.startswith("99001") for o in frame["orgnr"].drop_nulls().to_list()), name
