"""Complete school years of case counts and team meetings, and the rows they were published from.

At the protected level (rektor, FAU, the reports made for them) case counts are shown for complete school years only,
one table per municipality protected as a whole: 1–4 as «1–4», and what could be worked out from the totals hidden.
Rows for such a year that arrive later (a late report, a correction) would change that table, and anyone who saw it
before could set the two versions side by side: a school's cell going from 0 to «1–4» while the municipality's total
rises by one says the school had exactly one case. So before a file's rows replace rows of a published year, the year's
rows are kept as they were (`keep_published`), and the protected tables are made from those until the skoleeier
publishes the correction (`publish`), knowing what a comparison can show. Full-detail views always read the rows as
they are now. A file that leaves a year as it was published holds nothing back (`release_unchanged`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.warehouse.connection import connect

COMPLETE_FROM_MONTH = 9
"""A school year (August–July) is complete, and shown at the protected level, once the municipality's reports reach
September after it: its last reports and corrections have had a month to come in."""


@dataclass(frozen=True)
class Kept:
    """A table whose published school years are kept: its kind's name, the copy, and the column dating a row."""

    kilde: str
    copy: str
    period: str


KEPT = {
    "core.saker": Kept("saker", "core.saker_publisert", "periode"),
    "core.teammoter": Kept("teammoter", "core.teammoter_publisert", "dato"),
}
"""Tables whose complete school years are shown at the protected level (`dashboard.queries._protected_year`)."""


PAGES = {"saker": "Saker (kap. 12)", "teammoter": "Arbeidslag og elevtjeneste"}
"""The page where the skoleeier sees and publishes what is held back, by `Kept.kilde`."""


def shown_years(con: duckdb.DuckDBPyConnection, table: str, where: str, params: list) -> list[tuple[str, int, bool]]:
    """(kommunenr, school year, complete) for each municipality and school year of `table`'s rows matching `where`:
    complete is whether the year is complete for the municipality by the rows there now, and so shown at the protected
    level (`complete_year`)."""
    kept = KEPT[table]
    years = con.execute(f"SELECT DISTINCT kommunenr, {_year_of(kept.period)} FROM {table} WHERE {where} ORDER BY ALL",
                        params).fetchall()
    return _with_complete(con, kept, table, years)


def _complete_years(con, table: str, kommuner: str, params: list | None = None) -> dict[str, int]:
    """kommunenr → the newest complete school year of its rows in `table` (`complete_year`), for the municipalities
    the SQL `kommuner` selects; a municipality with none is left out."""
    kept = KEPT[table]
    spans = con.execute(f"SELECT kommunenr, min({kept.period}), max({kept.period}) FROM {table} "
                        f"WHERE kommunenr IN ({kommuner}) GROUP BY kommunenr", params or []).fetchall()
    return {k: year for k, first, last in spans if (year := complete_year(first, last)) is not None}


def _with_complete(con, kept: Kept, table: str, years: list[tuple[str, int]]) -> list[tuple[str, int, bool]]:
    complete = _complete_years(con, table, "SELECT unnest(?)", [sorted({k for k, _ in years})])
    return [(k, year, k in complete and year <= complete[k]) for k, year in years]


def held_by(con: duckdb.DuckDBPyConnection, table: str, batch_id: str) -> list[tuple[str, int, bool]]:
    """(kommunenr, school year, complete) of the years held back whose latest change is the file `batch_id`."""
    kept = KEPT[table]
    years = con.execute("SELECT kommunenr, skoleaar_start FROM core.publisert WHERE kilde = ? AND siste_batch = ? "
                        "ORDER BY ALL", [kept.kilde, batch_id]).fetchall()
    return _with_complete(con, kept, table, years) if years else []


def school_year_window(skoleaar: str) -> tuple[dt.date, dt.date]:
    """«2024-25» → 1 Aug 2024 up to (not including) 1 Aug 2025."""
    start = int(skoleaar[:4])
    return dt.date(start, 8, 1), dt.date(start + 1, 8, 1)


def school_year_label(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def complete_year(first: dt.date | None, last: dt.date | None) -> int | None:
    """The start of the newest complete school year of a municipality's rows dated `first` to `last`, if any."""
    if last is None or first is None:
        return None
    start = last.year - 1 if last.month >= COMPLETE_FROM_MONTH else last.year - 2
    return start if first < dt.date(start + 1, 8, 1) else None


def _year_of(column: str) -> str:
    return f"CASE WHEN month({column}) >= 8 THEN year({column}) ELSE year({column}) - 1 END"


def _touched(con: duckdb.DuckDBPyConnection, table: str, kept: Kept) -> None:
    """`_berort` (kommunenr, aar): the municipalities and school years the registered `new_rows` change: their own, and
    those of the rows already there for the same schools and years (a school that moved municipality leaves its old
    rows under the old one, and the file replaces them)."""
    year_t = _year_of("t." + kept.period)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _berort AS
        SELECT DISTINCT kommunenr, {_year_of(kept.period)} AS aar FROM new_rows
        UNION
        SELECT DISTINCT t.kommunenr, {year_t} FROM {table} t
        JOIN (SELECT DISTINCT orgnr, {_year_of(kept.period)} AS aar FROM new_rows) n ON t.orgnr = n.orgnr AND {year_t} = n.aar
        """
    )


def _values(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """The columns of a table (or the registered `new_rows`) that hold its values: all but the file it came from."""
    return [r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall() if r[0] != "batch_id"]


_MONTH = re.compile(r"month\((\w+)\)")


def key_column(term: str) -> str:
    """The table's column a key term reads: «dato» of «month(dato)»; a plain column as it is."""
    month = _MONTH.fullmatch(term)
    return month[1] if month else term


def key_term(alias: str, column: str) -> str:
    """SQL for one column of a key on row `alias`; «month(dato)» is the month the date falls in (a meeting log speaks
    for a school's team's whole month, `pipelines.sources.teammoter.REPLACES`)."""
    sql = f"{alias}.{key_column(column)}"
    return f"date_trunc('month', {sql})" if _MONTH.fullmatch(column) else sql


def key_match(columns: list[str], a: str = "old", b: str = "n") -> str:
    """SQL: rows `a` and `b` agree on `columns` (`key_term`), nulls equal."""
    return " AND ".join(f"{key_term(a, c)} IS NOT DISTINCT FROM {key_term(b, c)}" for c in columns)


def _changes_nothing(con: duckdb.DuckDBPyConnection, table: str, replaces: list[str] | None = None) -> bool:
    """Whether every registered new row is already in `table` as it is (a file sent again): it then replaces rows with
    themselves, and nothing published changes. With `replaces` (`store.replace_by_key`), also no row of the table
    that the file removes without giving it again (trinn 9 and 10 gone when a month is sent with trinn 8 alone)."""
    values = _values(con, "new_rows")
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM n.{c}" for c in values)
    if con.execute(
        f"SELECT EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {same}))"
    ).fetchall()[0][0]:
        return False
    if not replaces:
        return True
    scope = key_match(replaces, "t", "n")
    return not con.execute(
        f"SELECT EXISTS (SELECT 1 FROM {table} t WHERE EXISTS (SELECT 1 FROM new_rows n WHERE {scope}) "
        f"AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE {same}))"
    ).fetchall()[0][0]


def keep_published(con: duckdb.DuckDBPyConnection, table: str, batch_id: str,
                   replaces: list[str] | None = None, removing: bool = False) -> bool:
    """Before the registered `new_rows` replace rows of `table`: keep, once, each published year they change.

    A year is published when it is complete for the municipality by the rows already in the table; one already kept
    stays as it was first kept, and its marker names this file as the latest held back (a write that also makes a
    «publish» running at the same moment conflict instead of publishing a file nobody saw). Runs in the load's
    transaction, so a refused or interrupted file keeps nothing. True when the file changes a published year, and
    `release_unchanged` has something to look at once its rows are in.

    `removing`: the registered `new_rows` are rows of the table about to be taken out (a file withdrawn,
    `pipelines.withdraw`), which change a year even though every one of them is in the table as it is.
    """
    kept = KEPT[table]
    _touched(con, table, kept)
    complete = _complete_years(con, table, "SELECT kommunenr FROM _berort")
    touched = con.execute("SELECT kommunenr, aar FROM _berort").fetchall()
    hit = {(k, year) for k, year in touched if k in complete and year <= complete[k]}
    if not hit or (not removing and _changes_nothing(con, table, replaces)):
        return False
    hold(con, table, hit, batch_id)
    return True


def hold(con: duckdb.DuckDBPyConnection, table: str, hit: set[tuple[str, int]], batch_id: str) -> None:
    """Keep each (kommunenr, school year) of `hit` as it is in `table` now, unless kept already (then `batch_id` is
    named as its latest change): the protected tables are made from the copy until the skoleeier publishes."""
    kept = KEPT[table]
    already = set(con.execute("SELECT kommunenr, skoleaar_start FROM core.publisert WHERE kilde = ?",
                              [kept.kilde]).fetchall())
    now = dt.datetime.now().replace(microsecond=0)
    if hit & already:
        con.executemany("UPDATE core.publisert SET siste_endret = ?, siste_batch = ? "
                        "WHERE kilde = ? AND kommunenr = ? AND skoleaar_start = ?",
                        [[now, batch_id, kept.kilde, k, year] for k, year in sorted(hit & already)])
    to_keep = sorted(hit - already)
    if not to_keep:
        return
    con.executemany("INSERT INTO core.publisert VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [[k, kept.kilde, year, now, batch_id, now, batch_id] for k, year in to_keep])
    con.execute(
        f"""
        INSERT INTO {kept.copy} BY NAME SELECT t.* FROM {table} t JOIN core.publisert p
          ON p.kilde = ? AND p.batch_id = ? AND p.kommunenr = t.kommunenr AND p.skoleaar_start = {_year_of('t.' + kept.period)}
        """,
        [kept.kilde, batch_id],
    )


def losing_completeness(con: duckdb.DuckDBPyConnection, table: str, batch_id: str) -> set[tuple[str, int]]:
    """(kommunenr, school year) shown at the protected level now that would not be once the rows of `batch_id` go:
    a file that made a year complete, withdrawn. Such a year is kept as published (`hold`): were it complete again
    with other numbers, rektor and FAU would see them without the skoleeier publishing them."""
    kept = KEPT[table]
    rows = con.execute(
        f"""
        SELECT kommunenr, min({kept.period}), max({kept.period}),
               min({kept.period}) FILTER (WHERE batch_id IS DISTINCT FROM $1),
               max({kept.period}) FILTER (WHERE batch_id IS DISTINCT FROM $1)
        FROM {table} WHERE kommunenr IN (SELECT DISTINCT kommunenr FROM {table} WHERE batch_id = $1)
        GROUP BY kommunenr
        """, [batch_id]).fetchall()
    lost = set()
    for kommunenr, first, last, first_after, last_after in rows:
        now, after = complete_year(first, last), complete_year(first_after, last_after)
        if now is None:
            continue
        start = _first_year(first)
        lost |= {(kommunenr, y) for y in range(start, now + 1) if after is None or y > after}
    return lost


def _first_year(day: dt.date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def release_unchanged(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """After the registered `new_rows` are in (and `keep_published` has named the years they touch): a kept year whose
    rows are as published again is let go."""
    kept = KEPT[table]
    cols = ", ".join(f"x.{c}" for c in _values(con, table))
    year = _year_of("x." + kept.period)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _holdt AS
        SELECT p.kommunenr, p.skoleaar_start AS aar FROM core.publisert p
        JOIN _berort b ON p.kilde = ? AND p.kommunenr = b.kommunenr AND p.skoleaar_start = b.aar
        """,
        [kept.kilde],
    )
    if not con.execute("SELECT count(*) FROM _holdt").fetchall()[0][0]:
        return
    rows = f"SELECT {cols}, {year} AS _aar FROM {{}} x JOIN _holdt h ON x.kommunenr = h.kommunenr AND {year} = h.aar"
    live, copy = rows.format(table), rows.format(kept.copy)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _uendret AS
        SELECT kommunenr, aar FROM _holdt
        EXCEPT
        SELECT kommunenr, _aar FROM (({live}) EXCEPT ALL ({copy}) UNION ALL (({copy}) EXCEPT ALL ({live})))
        """
    )
    con.execute("DELETE FROM core.publisert p USING _uendret u "
                "WHERE p.kilde = ? AND p.kommunenr = u.kommunenr AND p.skoleaar_start = u.aar", [kept.kilde])
    con.execute(f"DELETE FROM {kept.copy} x USING _uendret u WHERE x.kommunenr = u.kommunenr AND {year} = u.aar")


def _let_go(con: duckdb.DuckDBPyConnection, kept: Kept, kommunenr: str, start: int) -> None:
    con.execute("DELETE FROM core.publisert WHERE kilde = ? AND kommunenr = ? AND skoleaar_start = ?",
                [kept.kilde, kommunenr, start])
    con.execute(f"DELETE FROM {kept.copy} WHERE kommunenr = ? AND {_year_of(kept.period)} = ?", [kommunenr, start])


def publish(con: duckdb.DuckDBPyConnection, kilde: str, kommunenr: str, start: int, seen: str) -> str:
    """The skoleeier's «publish the corrections»: the protected tables of that year are made from the rows as they are
    now. `seen` is the latest held-back file the page showed: if another has come since, nothing is published
    («endret»), so no file goes out that the skoleeier has not seen. «publisert», or «ingen» when nothing was held."""
    kept = next(k for k in KEPT.values() if k.kilde == kilde)
    held = con.execute("SELECT siste_batch FROM core.publisert WHERE kilde = ? AND kommunenr = ? AND skoleaar_start = ?",
                       [kilde, kommunenr, start]).fetchall()
    if not held:
        return "ingen"
    if held[0][0] != seen:
        return "endret"
    # Written before it is deleted: a file being loaded into the year at this moment has written the same row
    # (`keep_published`), and DuckDB refuses the second of two writes to one row, so one of the two stops (a delete
    # alone would let the load's later write go through unnoticed, and its rows out unseen).
    con.execute("UPDATE core.publisert SET siste_batch = 'publiseres' WHERE kilde = ? AND kommunenr = ? AND "
                "skoleaar_start = ?", [kilde, kommunenr, start])
    _let_go(con, kept, kommunenr, start)
    return "publisert"


def publish_in(db: Path, kilde: str, kommunenr: str, start: int, seen: str) -> str:
    """`publish` in its own transaction (the dashboard's button)."""
    with connect(db, read_only=False) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            done = publish(con, kilde, kommunenr, start, seen)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return done
