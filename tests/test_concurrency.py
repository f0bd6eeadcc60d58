"""A running dashboard keeps working while `skolemiljo ingest` writes in another process, and then sees the new data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import query

ROOT = Path(__file__).resolve().parent.parent


def test_dashboard_reads_without_errors_while_another_process_ingests(register_db, demo_dir, tmp_path):
    files = sorted(str(p) for p in demo_dir.glob("udir_*.json"))
    stop, ready = tmp_path / "stopp", tmp_path / "klar"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.reader_process", str(register_db), str(stop), str(ready)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert reader.poll() is None, reader.stderr.read()
            assert time.monotonic() < deadline, "the reader never got going"
            time.sleep(0.05)
        writer = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "--db", str(register_db), "ingest", *files],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
        assert writer.returncode == 0, writer.stdout + writer.stderr
        stop.touch()
        out, err = reader.communicate(timeout=120)
    finally:
        if reader.poll() is None:
            reader.kill()
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["n_errors"] == 0, summary["errors"]
    assert summary["reads"] > 20
    logged = query(register_db, "SELECT count(*) FROM mart.ingest_log")[0][0]
    assert summary["first"] == 1  # only the register before the ingest started
    assert summary["last"] == logged == 1 + len(files)


def test_an_upload_and_other_sessions_in_the_same_server_process_take_turns(register_db, demo_dir):
    # The dashboard server runs every session in one process: an upload's ingest writes while other sessions read.
    # DuckDB refuses a write connection in a process that has a read one open (and the other way round) with an
    # error of its own, not the lock error between processes; both sides must wait their turn, not fail.
    import threading

    from pipelines.ingest import ingest_file
    from pipelines.warehouse.connection import connect

    errors: list[str] = []
    reads = [0]
    stop = threading.Event()

    def session() -> None:
        while not stop.is_set():
            try:
                with connect(register_db, read_only=True) as con:
                    con.execute("SELECT count(*) FROM mart.elevundersokelsen").fetchall()
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001 (what a user would have seen)
                errors.append(repr(exc))
            time.sleep(0.02)  # a user's next click

    sessions = [threading.Thread(target=session) for _ in range(3)]
    for thread in sessions:
        thread.start()
    try:
        outcomes = [ingest_file(path, register_db) for path in sorted(demo_dir.glob("udir_148_*.json"))[:3]]
    finally:
        stop.set()
        for thread in sessions:
            thread.join()
    assert errors == []
    assert [o.result for o in outcomes] == ["lastet"] * 3, [o.message for o in outcomes]
    assert reads[0] > 0


def test_a_page_run_opens_the_warehouse_once_and_frees_it_for_a_writer(demo_db, monkeypatch):
    """A cold page's queries share one read-only connection (each open cost 30–55 ms nationally); an upload in the
    same run writes once it has let go of it, and when the run ends another writer finds the file free."""
    import duckdb
    import streamlit as st

    from dashboard import queries
    from dashboard.viewer import Viewer
    from pipelines.warehouse.connection import connect

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    opened = []
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(k.get("read_only")) or real(*a, **k))
    st.cache_data.clear()
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}))
    with queries.one_connection_per_run():
        assert not queries.kommuner(owner).is_empty()
        assert not queries.skoler(owner).is_empty()
        assert not queries.saker_per_month(owner, kommunenr="9901").is_empty()
        assert opened == [True]
        queries.release_reader()  # as the import page does before it loads a file
        with connect(demo_db, read_only=False, wait_seconds=2) as con:
            con.execute("CREATE TABLE meta.ny (x INTEGER)")
        assert not queries.indikatorer(owner).is_empty()  # the run reads on, from a new connection
        assert opened == [True, False, True]
    with connect(demo_db, read_only=False, wait_seconds=2) as con:  # the run is over: nothing holds the file
        con.execute("DROP TABLE meta.ny")


def test_an_upload_after_a_cold_query_in_the_same_page_run_is_loaded_not_kept_waiting(demo_db, demo_dir, monkeypatch):
    """The import page may read the warehouse (a cache miss) before it loads the file in the same run: the run's
    read-only connection would keep the ingest's writer waiting a minute and then fail as «Lageret er opptatt»."""
    import streamlit as st

    from dashboard import queries, upload
    from dashboard.viewer import Viewer

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    raw = (demo_dir / "saker_9902.csv").read_bytes().replace(b"2024-08;;aktivitetsplan;;0", b"2024-08;;aktivitetsplan;;1", 1)
    with queries.one_connection_per_run():
        assert not queries.ingest_log(Viewer(role="skoleeier", kommuner=None)).is_empty()
        started = time.monotonic()
        outcome = upload.load_upload(raw, "saker_9902.csv", demo_db, Viewer(role="admin", brukernavn="admin"))
    assert outcome.result == "lastet", outcome.message
    assert time.monotonic() - started < 30
