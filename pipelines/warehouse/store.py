"""Reads what ingest needs from the warehouse and writes one batch atomically: data, log and verdict together."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.quality.verdict import Verdict
from pipelines.sources.base import EU_KEY
from pipelines.warehouse import published
from pipelines.warehouse.connection import connect
from pipelines.warehouse.migrations import migrate


@dataclass
class LogEntry:
    batch_id: str
    kilde: str | None
    filnavn: str
    sha256: str
    arkivfil: str | None
    startet: dt.datetime
    resultat: str
    rader_inn: int = 0
    rader_lastet: int = 0
    rader_avvist: int = 0
    rader_hoppet_over: int = 0
    advarsler: int = 0
    melding: str = ""
    kommuner: list[str] | None = None  # the municipalities of its rows ([] when none were read)
    lastet_av: str | None = None  # the dashboard user who loaded it (None: the command line)
    rader_erstattet: int | None = None  # rows of the table it took out (`replace_by_key`); None: not counted
    erstattet_fra: list[str] | None = None  # whose rows those were (`REPLACED_FROM`)


def init(path: Path) -> list[int]:
    """Create the warehouse if missing and migrate it to the current schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with connect(path, read_only=False) as con:
        return migrate(con)


def loaded_when(batch_id: str) -> str:
    """«01.12.2026 kl. 10:15», from the time a batch id starts with: what a user recognises, not the id."""
    try:
        return dt.datetime.strptime(batch_id[:15], "%Y%m%dT%H%M%S").strftime("%d.%m.%Y kl. %H:%M")
    except ValueError:
        return batch_id


def loaded_batch(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    # fetchall, not fetchone: a result left unfinished makes DuckDB refuse the connection's next `con.sql`.
    rows = con.execute(
        "SELECT batch_id FROM core.ingest_log WHERE sha256 = ? AND resultat = 'lastet' LIMIT 1", [sha256]
    ).fetchall()
    return rows[0][0] if rows else None


def register_facts(con: duckdb.DuckDBPyConnection):
    from pipelines.quality.suites import RegisterFacts  # GX is heavy: only ingest pays for it

    rows = con.execute("SELECT orgnr, kommunenr, trinn_fra, trinn_til FROM core.skole").fetchall()
    return RegisterFacts(
        orgnr=frozenset(r[0] for r in rows),
        kommunenr=frozenset(r[1] for r in rows),
        trinn_range={r[0]: (r[2], r[3]) for r in rows if r[2] is not None and r[3] is not None},
    )


def schools(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT orgnr, navn, kommunenr, kommune, kilde FROM core.skole").pl()


def indicator_codes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Names → stable Udir codes, as the Udir files already loaded spell them."""
    rows = con.execute(
        "SELECT indikator, any_value(indikator_kode) FROM core.eu_resultat "
        "WHERE indikator_kode NOT LIKE 'SP\\_%' ESCAPE '\\' GROUP BY indikator"
    ).fetchall()
    return {name: code for name, code in rows}


def _insert_log(con: duckdb.DuckDBPyConnection, entry: LogEntry, verdict: Verdict | None) -> None:
    con.execute(
        "INSERT INTO core.ingest_log (batch_id, kilde, filnavn, sha256, arkivfil, startet, ferdig, resultat, "
        "rader_inn, rader_lastet, rader_avvist, rader_hoppet_over, advarsler, melding, radnumre, kommuner, lastet_av, rader_erstattet, erstattet_fra) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'excel', ?, ?, ?, ?)",
        [
            entry.batch_id, entry.kilde, entry.filnavn, entry.sha256, entry.arkivfil,
            entry.startet, dt.datetime.now(), entry.resultat, entry.rader_inn, entry.rader_lastet,
            entry.rader_avvist, entry.rader_hoppet_over, entry.advarsler, entry.melding,
            entry.kommuner, entry.lastet_av, entry.rader_erstattet, entry.erstattet_fra,
        ],
    )
    if verdict and verdict.findings:
        con.executemany(
            "INSERT INTO core.kvalitet VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [entry.batch_id, f.forventning, f.kolonne, f.alvorlighet, f.ok, f.antall_avvik, f.eksempler, f.melding]
                for f in verdict.findings
            ],
        )


def write_log_only(con: duckdb.DuckDBPyConnection, entry: LogEntry, verdict: Verdict | None = None) -> None:
    """A rejected or repeated file: only the log learns of it."""
    con.execute("BEGIN TRANSACTION")
    try:
        _insert_log(con, entry, verdict)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def load_register(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, batch_id: str) -> int:
    new = frame.drop("rad").with_columns(pl.lit("skoleregister").alias("kilde"), pl.lit(batch_id).alias("batch_id"))
    con.register("new_schools", new.to_arrow())
    con.execute("DELETE FROM core.skole WHERE orgnr IN (SELECT orgnr FROM new_schools)")
    con.execute(
        "INSERT INTO core.skole BY NAME SELECT orgnr, navn, kommunenr, kommune, trinn_fra, trinn_til, "
        "elevtall, skoleaar, nedlagt, opprettet, kilde, batch_id FROM new_schools"
    )
    # The school year's own register, kept beside today's: an earlier year is judged by its trinn (migration 012).
    con.execute(
        "INSERT OR REPLACE INTO core.skole_aar SELECT orgnr, CAST(left(skoleaar, 4) AS INTEGER), trinn_fra, trinn_til, "
        "elevtall, batch_id FROM new_schools WHERE trinn_fra IS NOT NULL"
    )
    con.unregister("new_schools")
    return new.height


def load_eu(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, batch_id: str, kilde: str) -> int:
    # A newer delivery for the same key replaces the older value; the log keeps both batches.
    loaded = replace_by_key(con, "core.eu_resultat", frame, EU_KEY, batch_id, period="skoleaar")
    new = frame.drop("rad")
    con.register("new_eu", new.to_arrow())
    # Schools seen in the survey but not in the register: registered from the file, trinn unknown.
    con.execute(
        """
        INSERT INTO core.skole (orgnr, navn, kommunenr, kommune, trinn_fra, trinn_til, elevtall, skoleaar, kilde, batch_id)
        SELECT orgnr, any_value(enhet_navn), any_value(kommunenr), NULL, NULL, NULL, NULL, max(skoleaar), ?, ?
        FROM new_eu
        WHERE enhet_niva = 'skole' AND orgnr IS NOT NULL AND kommunenr IS NOT NULL
          AND orgnr NOT IN (SELECT orgnr FROM core.skole)
        GROUP BY orgnr
        """,
        [kilde, batch_id],
    )
    # Fill the kommune name of such schools from the municipality rows when we have them.
    con.execute(
        """
        UPDATE core.skole AS s SET kommune = k.navn
        FROM (SELECT kommunenr, any_value(enhet_navn) AS navn FROM core.eu_resultat
              WHERE enhet_niva = 'kommune' GROUP BY kommunenr) AS k
        WHERE s.kommune IS NULL AND s.kommunenr = k.kommunenr
        """
    )
    _keep_eu_lists(con)
    if kilde != "skoleporten":
        _adopt_udir_codes(con)
    con.unregister("new_eu")
    return loaded


def _adopt_udir_codes(con: duckdb.DuckDBPyConnection) -> None:
    """Skoleporten rows loaded before any Udir file named their indicator: `SP_trivsel`. A Udir file (`new_eu`) now
    gives the same indicator, in the same unit, its stable code; the older rows take it, so one indicator is one trend
    line whichever file came first. Where both sources hold a value for one key, the Udir file's (the newer delivery)
    stands. The check reads the short indicator list, not the survey rows."""
    if not con.execute(r"SELECT count(*) FROM core.eu_indikator WHERE indikator_kode LIKE 'SP\_%' ESCAPE '\'"
                       ).fetchall()[0][0]:
        return  # no Skoleporten indicator of its own: nothing to look up in the file's rows
    con.execute(
        r"""
        CREATE OR REPLACE TEMP TABLE _udir_kode AS
        SELECT DISTINCT e.indikator_kode AS sp, n.indikator_kode AS kode
        FROM core.eu_indikator AS e
        JOIN (SELECT DISTINCT lower(indikator) AS navn, maal, indikator_kode FROM new_eu
              WHERE indikator_kode NOT LIKE 'SP\_%' ESCAPE '\') AS n
          ON lower(e.indikator) = n.navn AND e.maal = n.maal
        WHERE e.indikator_kode LIKE 'SP\_%' ESCAPE '\'
        """
    )
    if con.execute("SELECT count(*) FROM _udir_kode").fetchall()[0][0]:
        con.execute(
            """
            DELETE FROM core.eu_resultat AS old USING _udir_kode AS m
            WHERE old.indikator_kode = m.sp AND EXISTS (
                SELECT 1 FROM core.eu_resultat AS u
                WHERE u.indikator_kode = m.kode AND u.enhet_niva = old.enhet_niva AND u.enhet_id = old.enhet_id
                  AND u.skoleaar = old.skoleaar AND u.trinn IS NOT DISTINCT FROM old.trinn AND u.kjonn = old.kjonn)
            """
        )
        con.execute("UPDATE core.eu_resultat AS old SET indikator_kode = m.kode FROM _udir_kode AS m "
                    "WHERE old.indikator_kode = m.sp")
        con.execute("DELETE FROM core.eu_indikator WHERE indikator_kode IN (SELECT sp FROM _udir_kode)")
    con.execute("DROP TABLE _udir_kode")


def _keep_eu_lists(con: duckdb.DuckDBPyConnection) -> None:
    """The indicator and school-year lists (migration 004) after loading `new_eu`.

    A delivery only replaces rows of its own keys (school year included), so a list never loses an entry; an
    indicator takes the name of the newest school year, and a new delivery of that year wins.
    """
    con.execute(
        """
        DELETE FROM core.eu_indikator AS old
        USING (SELECT indikator_kode, max(skoleaar_start) AS newest FROM new_eu GROUP BY indikator_kode) AS n
        WHERE old.indikator_kode = n.indikator_kode AND n.newest >= old.skoleaar_start
        """
    )
    con.execute(
        """
        INSERT INTO core.eu_indikator
        SELECT indikator_kode, arg_max(indikator, skoleaar_start), any_value(maal), max(skoleaar_start)
        FROM new_eu
        WHERE indikator_kode NOT IN (SELECT indikator_kode FROM core.eu_indikator)
        GROUP BY indikator_kode
        """
    )
    con.execute(
        """
        INSERT INTO core.eu_skoleaar
        SELECT DISTINCT skoleaar, skoleaar_start FROM new_eu
        WHERE skoleaar NOT IN (SELECT skoleaar FROM core.eu_skoleaar)
        """
    )


REMOVED: dict[str, int] = {}
"""batch_id → rows `replace_by_key` removed through `replaces` without a row of the file in their place; the ingest
takes it (`pop`) for its message. The load may run on another thread than the one that reports."""

REPLACED: dict[str, int] = {}
"""batch_id → rows `replace_by_key` took out with a row of the file in their place (the same key, a correction or
the same values sent again); taken (`pop`) like `REMOVED`, so a correction is said as one, not as a new delivery."""


WITHDRAWABLE = {"saker": "core.saker", "teammoter": "core.teammoter", "teamrytme": "core.teamrytme",
                "programstatus": "core.programstatus", "ungdata_fhi": "core.ungdata", "ungdata_tabell": "core.ungdata"}
"""Sources (→ their table) whose load is `replace_by_key` into their own table and nothing else: a file of them can be withdrawn
(`pipelines.withdraw`) when it took no earlier row out, and the log counts those it took (`rader_erstattet`).
Elevundersøkelsen's loads add schools and keep lists beside the rows, the register is what every other file is read
against, and a plan fills several tables: they are not."""


REPLACED_FROM: dict[str, list[str]] = {}
"""batch_id → the loads whose rows `replace_by_key` took out («standard»: the built-in rows), for a table of
`WITHDRAWABLE`: a file can be withdrawn once they are withdrawn too (`pipelines.withdraw`). Taken like `REMOVED`."""
STANDARD = "standard"

BUILT_IN = {"core.teamrytme": "standardrytmen som følger med skolemiljo (1 møte i måneden for arbeidslag, "
                               "elevtjeneste og ressursteam)"}
"""Tables that come with rows of their own (batch_id null): a file's row in place of one replaces no file's row."""
BUILT_IN_REPLACED: dict[str, int] = {}
"""batch_id → how many built-in rows the file replaced (`replace_by_key`), for its message."""
BUILT_IN_ROWS = {"core.teamrytme": "SELECT NULL::VARCHAR AS kommunenr, team, 1.0 AS moter_per_maaned, "
                                   "NULL::VARCHAR AS batch_id FROM (VALUES ('elevtjeneste'), ('arbeidslag'), "
                                   "('ressursteam')) AS t(team)"}
"""The built-in rows as migration 002 put them in, for a withdrawal to put back (`pipelines.withdraw`)."""


def replace_by_key(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, key: list[str], batch_id: str,
    period: str | None = None, replaces: list[str] | None = None,
) -> int:
    """Insert `frame` into `table`, first removing rows with the same key (null-safe): newest delivery wins.

    `replaces`, when given, is the part of the key a delivery speaks for whole: every earlier row that shares it is
    removed, whatever the rest of its key (a month of a school's cases given per trinn now, for all trinn before).

    `period` is the key column that tells one delivery from the next (school year, month, meeting date; or
    «month(dato)», see `published.key_term`, when the delivery speaks for a whole month). When the
    table holds none of the file's values of it, no row can share a key with the file and the delete is left out:
    it joins the file against every row of the table (0.13 s for a national file's new school year, against a
    check of 0.01 s).
    """
    new = frame.drop("rad", strict=False).with_columns(pl.lit(batch_id).alias("batch_id"))
    con.register("new_rows", new.to_arrow())
    # A table whose complete school years are shown at the protected level as first published.
    kept = table in published.KEPT and published.keep_published(con, table, batch_id, replaces)
    if period is None or new[published.key_column(period)].null_count() or _holds_any(con, table, period):
        if replaces:  # said where the file is loaded: rows that go without a row of the file in their place
            REMOVED[batch_id] = removed_without_replacement(con, table, "new_rows", key, replaces)
        if table in WITHDRAWABLE.values():
            REPLACED_FROM[batch_id] = [r[0] for r in con.execute(
                f"SELECT DISTINCT coalesce(old.batch_id, '{STANDARD}') FROM {table} AS old, new_rows AS n "
                f"WHERE {same_key(replaces or key)} ORDER BY 1").fetchall()]
        if table in BUILT_IN:
            BUILT_IN_REPLACED[batch_id] = con.execute(
                f"SELECT count(*) FROM {table} AS old, new_rows AS n WHERE old.batch_id IS NULL AND {same_key(key)}"
            ).fetchall()[0][0]
        deleted = con.execute(f"DELETE FROM {table} AS old USING new_rows AS n WHERE {same_key(replaces or key)}"
                              ).fetchall()[0][0]
        REPLACED[batch_id] = deleted - REMOVED.get(batch_id, 0) - BUILT_IN_REPLACED.get(batch_id, 0)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM new_rows")
    if kept:
        published.release_unchanged(con, table)
    con.unregister("new_rows")
    return new.height


def same_key(columns: list[str]) -> str:
    """SQL: row `old` and row `n` agree on `columns`, nulls equal (a column may be «month(dato)»)."""
    return published.key_match(columns)


def removed_without_replacement(con: duckdb.DuckDBPyConnection, table: str, rows: str, key: list[str],
                                replaces: list[str]) -> int:
    """Rows of `table` that a file of `rows` (a registered relation with the key columns) removes through `replaces`
    with no row of its own in their place (see `replace_by_key`)."""
    return con.execute(
        f"SELECT count(*) FROM {table} AS old WHERE EXISTS (SELECT 1 FROM {rows} AS n WHERE {same_key(replaces)}) "
        f"AND NOT EXISTS (SELECT 1 FROM {rows} AS n WHERE {same_key(key)})"
    ).fetchall()[0][0]


def _holds_any(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether `table` has a row whose `column` is one of the registered `new_rows`' values of it."""
    return bool(con.execute(
        f"SELECT EXISTS (SELECT 1 FROM {table} AS t WHERE {published.key_term('t', column)} IN "
        f"(SELECT DISTINCT {published.key_term('n', column)} FROM new_rows AS n))"
    ).fetchall()[0][0])


def commit_batch(con: duckdb.DuckDBPyConnection, entry: LogEntry, verdict: Verdict, loaded: int) -> int:
    """Adds the log row and the verdict to the transaction holding a batch's rows, and commits all of it."""
    try:
        entry.rader_lastet = loaded
        _insert_log(con, entry, verdict)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return loaded


def is_demo(con) -> bool:
    """Whether `skolemiljo demo` built this warehouse (a warehouse from before settings existed is not)."""
    has_settings = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'meta' AND table_name = 'innstilling'").fetchall()[0][0]
    return bool(has_settings) and bool(con.execute(
        "SELECT count(*) FROM meta.innstilling WHERE nokkel = 'demo' AND verdi = 'ja'").fetchall()[0][0])


def set_setting(path: Path, key: str, value: str) -> None:
    with connect(path, read_only=False) as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM meta.innstilling WHERE nokkel = ?", [key])
        con.execute("INSERT INTO meta.innstilling VALUES (?, ?)", [key, value])
        con.execute("COMMIT")
