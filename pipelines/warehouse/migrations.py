"""Versioned schema migrations: numbered `.sql` files, applied in order, recorded in `meta.schema_version`."""

from __future__ import annotations

import re
from importlib import resources

import duckdb

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def available() -> list[tuple[int, str, str]]:
    """(version, description, sql) for every migration shipped with the package."""
    found = []
    for entry in resources.files("pipelines.warehouse").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2).replace("_", " "), entry.read_text("utf-8")))
    return sorted(found)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'meta' AND table_name = 'schema_version'"
    ).fetchall()[0][0]  # fetchall: an unfinished result would block the connection's next `con.sql`
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM meta.schema_version").fetchall()[0][0]


def latest_version() -> int:
    return max(v for v, _, _ in available())


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Bring the schema up to date; each migration in its own transaction. Returns what ran."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(
        "CREATE TABLE IF NOT EXISTS meta.schema_version ("
        " version INTEGER NOT NULL, beskrivelse VARCHAR, tatt_i_bruk TIMESTAMP DEFAULT current_timestamp)"
    )
    ran = []
    have = current_version(con)
    for version, description, sql in available():
        if version <= have:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO meta.schema_version (version, beskrivelse) VALUES (?, ?)",
                [version, description],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        ran.append(version)
    return ran
