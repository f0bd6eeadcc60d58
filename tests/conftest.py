"""Shared fixtures: demo files, a full demo warehouse (built once), and fresh warehouses per test."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main as cli
from pipelines.demo import write_demo_files
from pipelines.warehouse import store

# A page that fails raises in the tests (`at.exception`), instead of showing the users' message (`app.run_page`).
os.environ.setdefault("SKOLEMILJO_VIS_FEIL", "1")

DATA_TABLES = [
    "core.skole", "core.skole_aar", "core.eu_resultat", "core.ungdata", "core.saker", "core.teammoter", "core.teamrytme",
    "core.plan", "core.plan_program", "core.plan_program_skole", "core.plan_krav", "core.plantiltak", "core.programstatus",
    "core.publisert", "core.saker_publisert", "core.teammoter_publisert", "meta.innstilling", "meta.schema_version",
]


DEMO_TODAY = dt.date(2026, 11, 15)
"""The day the demo's case reports are complete for (October 2026 is the last month due): what is due by today is
held there, so a test reads the same missing months whenever it runs."""


@pytest.fixture(autouse=True)
def _demo_today(monkeypatch):
    from dashboard import labels

    monkeypatch.setattr(labels, "_today", lambda: DEMO_TODAY)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "filer"
    write_demo_files(out)
    return out


@pytest.fixture(scope="session")
def demo_db_master(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("demo_db") / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "demo"]) == 0
    return db


@pytest.fixture
def demo_db(demo_db_master, tmp_path) -> Path:
    """A private copy of the demo warehouse that a test may change."""
    db = tmp_path / "skolemiljo.duckdb"
    shutil.copy(demo_db_master, db)
    return db


@pytest.fixture
def warehouse(demo_db, monkeypatch) -> Path:
    """A private copy of the demo warehouse that the dashboard's queries read (their cache emptied)."""
    import streamlit as st

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    return demo_db


@contextlib.contextmanager
def warehouse_held(db: Path, seconds: float = 120) -> Iterator[None]:
    """Another process holds the warehouse (a write transaction) for `seconds`, or until the block ends."""
    import subprocess
    import sys
    import time

    ready = db.parent / "holder"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, pathlib, sys, time; con = duckdb.connect(sys.argv[1]); con.execute('BEGIN');"
        "pathlib.Path(sys.argv[2]).touch(); time.sleep(float(sys.argv[3])); con.close()"), str(db), str(ready),
        str(seconds)])
    try:
        while not ready.exists():
            time.sleep(0.05)
        yield
    finally:
        holder.kill()
        holder.wait()
        ready.unlink(missing_ok=True)


SAKER_HEADER = "orgnr;skole;maaned;trinn;sakstype;utfall;nye;avsluttet;apne_ved_maanedsslutt;evaluering_over_frist\n"
"""The case-count template's header line, for a test's own small CSV file."""


@pytest.fixture
def register_db(tmp_path, demo_dir) -> Path:
    """A warehouse holding only the demo school register."""
    db = tmp_path / "skolemiljo.duckdb"
    store.init(db)
    assert cli(["--db", str(db), "ingest", str(demo_dir / "skoleregister.csv")]) == 0
    return db


def table_digest(db: Path, tables: list[str] = DATA_TABLES) -> dict[str, str]:
    """A content hash per data table, independent of row order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        digests = {}
        for table in tables:
            rows = sorted(repr(r) for r in con.execute(f"SELECT * FROM {table}").fetchall())
            digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return digests
    finally:
        con.close()


def first_row_changed(demo_dir: Path, name: str, field: int, by: int) -> str:
    """A demo CSV file's text with one number of its first data row raised by `by` (`field` counts from the row's
    end, as -1 for the last): a file new to the warehouse, or one whose checks warn."""
    lines = (demo_dir / name).read_text(encoding="utf-8-sig").splitlines()
    first = lines[1].split(";")
    first[field] = str(int(first[field]) + by)
    return "\n".join([lines[0], ";".join(first), *lines[2:]]) + "\n"


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def name_school(db: Path, orgnr: str, name: str) -> None:
    """Give a school `name` as Udir's files name it and as an old register (loaded before the register refused such
    names, `NOT_A_NAME`) held it: markup in a name reaches the pages only that way."""
    con = duckdb.connect(str(db))
    try:
        con.execute("UPDATE core.eu_resultat SET enhet_navn = ? WHERE orgnr = ?", [name, orgnr])
        con.execute("UPDATE core.skole SET navn = ? WHERE orgnr = ?", [name, orgnr])
    finally:
        con.close()


@pytest.fixture
def media(monkeypatch):
    """The media file managers AppTest creates, so a deferred download (built on click) can be built and read."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.media_file_manager import MediaFileManager

    made: list = []

    class Recording(MediaFileManager):
        def __init__(self, storage):
            super().__init__(storage)
            self.kept_storage = storage
            made.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)

    def download(button) -> bytes:
        manager = made[-1]
        url = manager.execute_deferred(button.proto.deferred_file_id)
        return manager.kept_storage.get_file(url.rsplit("/", 1)[-1]).content

    return download


def open_page(name: str, viewer) -> AppTest:  # noqa: F821 (streamlit's testing module is imported when used)
    """The dashboard in AppTest on `views/{name}.py` as `viewer` (the warehouse: SKOLEMILJO_DB), drawn without an
    error."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=60)
    at.session_state["viewer"] = viewer
    at.switch_page(f"views/{name}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
