"""After an upgrade of the program, a warehouse made by the older version: the dashboard says in Norwegian what to
run, and `skolemiljo init` (which `make run` now calls) brings it up to date with nothing lost. Before, a skoleeier
met Streamlit's English «This app has encountered an error» right after login (a column the warehouse lacked)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.viewer import Viewer
from pipelines.cli import main as cli
from pipelines.warehouse.migrations import latest_version
from tests.conftest import query

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")


def _as_before_the_last_migration(db: Path) -> None:
    """The warehouse as the previous version left it: the last migration not run (for 014, no `erstattet_fra`
    column in the load log)."""
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM meta.schema_version WHERE version = ?", [latest_version()])
    con.execute("ALTER TABLE core.ingest_log DROP COLUMN erstattet_fra")
    con.close()


def _page(path: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = OWNER
    if path:
        at.switch_page(path)
    at.run()
    return at


def test_an_older_warehouse_is_named_in_norwegian_and_init_brings_it_up_to_date(warehouse):
    rows = query(warehouse, "SELECT count(*) FROM core.saker")[0][0]
    _as_before_the_last_migration(warehouse)
    st.cache_data.clear()
    for path in (None, "views/team.py", "views/datakvalitet.py"):
        at = _page(path)
        assert not at.exception, [e.value for e in at.exception]
        errors = [e.value for e in at.error]
        assert any("eldre versjon av skolemiljo" in e and "init" in e for e in errors), errors

    assert cli(["--db", str(warehouse), "init"]) == 0
    st.cache_data.clear()
    at = _page("views/team.py")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert query(warehouse, "SELECT count(*) FROM core.saker")[0][0] == rows


def test_fau_is_told_who_can_put_an_older_warehouse_right_without_the_server_s_paths(warehouse):
    _as_before_the_last_migration(warehouse)
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}),
                                        brukernavn="fau")
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("Administrator må oppgradere" in e for e in errors) and not any(str(warehouse) in e for e in errors)
    assert [b.label for b in at.button] == ["Logg ut"]


def test_make_run_upgrades_the_warehouse_before_it_starts_the_dashboard():
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text("utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    lines = [line.strip() for line in run.splitlines()]
    init = next(i for i, line in enumerate(lines) if "skolemiljo --db $(DB) init" in line)
    serve = next(i for i, line in enumerate(lines) if "streamlit run" in line)
    assert init < serve
    # and it starts the server with the route that sets the session cookie (a login then survives a reload)
    assert "streamlit run dashboard/server.py" in lines[serve]


def test_a_report_from_an_older_warehouse_says_to_upgrade_it_first(demo_db, tmp_path, capsys):
    _as_before_the_last_migration(demo_db)
    out = tmp_path / "rapport.html"
    assert cli(["--db", str(demo_db), "rapport", "--kommune", "9901", "--skoleaar", "2025-26", "--mottaker",
                "kommunestyre", "--format", "html", "--ut", str(out)]) == 1
    said = capsys.readouterr().err
    assert "eldre versjon av skolemiljo" in said and "init" in said and "Traceback" not in said
    assert not out.exists()
