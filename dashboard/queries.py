"""Every read the dashboard makes: parameterised SQL over `mart.*`, given a Viewer, cached on inputs + data version.

Pages call only these functions. Each one scopes rows to the viewer's municipalities and passes
survey values through `privacy.protect_survey`, so no page can forget either.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import functools
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from dashboard import secondary
from dashboard.labels import FYLKER, NO_VALUE, months_back
from dashboard.privacy import (
    protect_counts,
    protect_share,
    protect_survey,
    public,
)
from dashboard.viewer import Viewer
from pipelines.warehouse import published
from pipelines.warehouse.connection import connect, data_version, db_path
from pipelines.warehouse.published import school_year_label, school_year_window


def warehouse() -> Path:
    return db_path(os.environ.get("SKOLEMILJO_DB"))


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
    return con.sql(sql, params=params or []).pl() if params else con.sql(sql).pl()


def _scope(viewer: Viewer, column: str = "kommunenr") -> tuple[str, list[Any]]:
    """A SQL condition limiting rows to the viewer's municipalities, with its parameters."""
    if viewer.kommuner is None:
        return "TRUE", []
    return f"{column} IN (SELECT unnest(?))", [sorted(viewer.kommuner)]


_RUN = threading.local()


@contextlib.contextmanager
def one_connection_per_run() -> Iterator[None]:
    """Within one run of the page script, the queries that miss the cache share one read-only connection.

    Opening the national warehouse costs 30–55 ms and closing it 10 ms more, since the last connection's close
    closes the database: a cold page of eight queries paid that eight times. The connection opens at the first miss
    and closes when the run ends (warm runs open none), so a writer in another process finds the file free between
    runs as before. Before this process writes (an upload), `release_reader` closes it.
    """
    _RUN.depth = getattr(_RUN, "depth", 0) + 1
    try:
        yield
    finally:
        _RUN.depth -= 1
        if _RUN.depth == 0:
            release_reader()


def release_reader() -> None:
    """Close this thread's shared connection: DuckDB refuses a writer in a process that holds the file read-only."""
    held = getattr(_RUN, "held", None)
    _RUN.held = None
    if held is not None:
        held[1].__exit__(None, None, None)


@contextlib.contextmanager
def _reader(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The run's shared connection (see `one_connection_per_run`), else one for this query alone."""
    if not getattr(_RUN, "depth", 0):
        with connect(db, read_only=True) as con:
            yield con
        return
    held = getattr(_RUN, "held", None)
    if held is None or held[0] != db:
        release_reader()
        opening = connect(db, read_only=True)
        held = _RUN.held = (db, opening, opening.__enter__())
    yield held[2]


@st.cache_data(show_spinner=False, max_entries=512, hash_funcs={Viewer: lambda viewer: viewer.cache_key})
def _cached(name: str, db: str, version: tuple[int, int], viewer: Viewer, kwargs: tuple,
            groups: tuple[frozenset[str], ...] = ()) -> pl.DataFrame:
    """One query's answer, kept per warehouse version, viewer, parameters and `groups` (`known_together`, part of
    the key only: a parameter starting with «_» would be left out of it by Streamlit)."""
    func = _REGISTRY[name]
    params = dict(kwargs)
    with _reader(Path(db)) as con:
        frame = func(con, viewer, **params)
    return enforce(name, frame, viewer, params)


COUNT_QUERIES = {"saker_per_month", "saker_trinn", "saker_rapportering", "statsforvalter_cases", "team_meetings"}
"""Queries with per-school case counts or meeting logs: full detail only, so only schools the viewer sees in full."""


OWNER_QUERIES = {"held_back", "ingest_log", "quality_findings", "schools_without_register", "withdrawal"}
"""The ingest log and quality findings name files and schools across municipalities: skoleeier and admin only."""


def enforce(name: str, frame: pl.DataFrame, viewer: Viewer, params: dict[str, Any]) -> pl.DataFrame:
    """The scope rules for every query, in one place below the pages (the empty frame keeps its columns).

    1. Asked about a municipality outside the viewer's grant: nothing comes back.
    2. Rows of a municipality outside the grant, or of a school the viewer may not see (FAU: other schools), go.
    3. Case counts and team meetings: only schools the viewer sees in full detail (FAU: none; rektor: own school).
    """
    if params.get("kommunenr") is not None and not viewer.sees_kommune(params["kommunenr"]):
        return frame.clear()
    if "kommunenr" in frame.columns and viewer.kommuner is not None:
        frame = frame.filter(pl.col("kommunenr").is_null() | pl.col("kommunenr").is_in(sorted(viewer.kommuner)))
    if "orgnr" in frame.columns and viewer.role == "fau":
        frame = frame.filter(pl.col("orgnr").is_null() | pl.col("orgnr").is_in(sorted(viewer.skoler)))
    if name in OWNER_QUERIES and viewer.role not in ("skoleeier", "admin"):
        return frame.clear()
    if name in COUNT_QUERIES:
        full = viewer.full_detail_schools()
        if not viewer.sees_case_counts:
            return frame.clear()
        if full is not None:
            frame = frame.filter(pl.col("orgnr").is_in(sorted(full)))
    if viewer.pseudonyms and "orgnr" in frame.columns:
        frame = _pseudonymise(frame, dict(viewer.pseudonyms))
        name = next((c for c in NAME_COLUMNS if c in frame.columns), None)
        if name:
            # Rows go in the order of the names shown, each school's rows in their own order after the schools: in the
            # order of the real names, «Skole C, Skole A, Skole E …» tells anyone who knows the municipality's schools
            # which is which (a list of schools, or a table of years × schools × indicators).
            frame = frame.sort(pl.col("orgnr").is_null(), pl.when(pl.col("orgnr").is_not_null()).then(pl.col(name)),
                               maintain_order=True)
    return frame


NAME_COLUMNS = ("skole", "navn", "enhet_navn")


def _pseudonymise(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """Rektormøte mode: a school's name becomes «Skole A» wherever the row carries its orgnr."""
    alias = pl.col("orgnr").replace_strict(names, default=None, return_dtype=pl.String)
    return frame.with_columns(
        pl.when(alias.is_not_null()).then(alias).otherwise(pl.col(c)).alias(c)
        for c in NAME_COLUMNS if c in frame.columns
    )


_REGISTRY: dict[str, Callable[..., pl.DataFrame]] = {}
_PUBLIC: dict[str, Callable[..., pl.DataFrame]] = {}


def query(func: Callable[..., pl.DataFrame]) -> Callable[..., pl.DataFrame]:
    """Register a query: callers pass (viewer, **params); the connection and cache are handled here."""
    _REGISTRY[func.__name__] = func

    @functools.wraps(func)
    def wrapper(viewer: Viewer, **kwargs: Any) -> pl.DataFrame:
        db = warehouse()
        frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))
        # Where the survey's protection may have to be worked out, the reader is told why the page waits (after half
        # a second only: found kept, as nearly always, nothing shows).
        waiting = (st.spinner(WORKING_OUT) if func.__name__ in SURVEY_QUERIES and not viewer.full_detail_everywhere
                   else contextlib.nullcontext())
        with waiting:
            # The rektors of several schools are part of what a protected answer is safe against: a change in the
            # users file is a new answer, as a new file in the warehouse is.
            return _cached(func.__name__, str(db), data_version(db), viewer, frozen, tuple(known_together()))

    wrapper.raw = func  # type: ignore[attr-defined]
    _PUBLIC[func.__name__] = wrapper
    return wrapper


def all_queries() -> dict[str, Callable[..., pl.DataFrame]]:
    """Every query as the pages call it (through the cache and the scope rule)."""
    return dict(_PUBLIC)


def warehouse_ready() -> bool:
    db = warehouse()
    if not db.exists():
        return False
    return _has_tables(str(db), data_version(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _has_tables(db: str, version: tuple[int, int]) -> bool:
    """Asked on every page run; opening the warehouse each time cost 30–40 ms, so once per data version."""
    with _reader(Path(db)) as con:
        return bool(
            con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'mart' AND table_name = 'elevundersokelsen'"
            ).fetchall()[0][0]
        )


def schema_behind() -> str | None:
    """A Norwegian message when the warehouse's schema is not the one this version of the dashboard reads (an upgrade
    of the program without `skolemiljo init`: a page asked for a column the warehouse did not have yet and showed
    Streamlit's English error), else None."""
    db = warehouse()
    return _schema_message(str(db), data_version(db)) if db.exists() else None


@st.cache_data(show_spinner=False, max_entries=8)
def _schema_message(db: str, version: tuple[int, int]) -> str | None:
    from pipelines.warehouse.migrations import current_version, latest_version

    with _reader(Path(db)) as con:
        have = current_version(con)
    want = latest_version()
    if have < want:
        return (f"Lageret er fra en eldre versjon av skolemiljo (skjemaversjon {have}; denne versjonen leser {want}). "
                f"Administrator oppgraderer det med «skolemiljo --db {db} init»; ingen data går tapt.")
    if have > want:
        return (f"Lageret er fra en nyere versjon av skolemiljo (skjemaversjon {have}; denne versjonen leser {want}). "
                "Oppgrader skolemiljo på serveren.")
    return None


# ---------------------------------------------------------------- settings and lists


@query
def settings(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pl.DataFrame:
    return _fetch(con, "SELECT nokkel, verdi FROM meta.innstilling")


@query
def kommuner(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pl.DataFrame:
    cond, params = _scope(viewer)
    return _fetch(
        con,
        f"""
        SELECT kommunenr, coalesce(any_value(kommune), any_value(navn_eu), kommunenr) AS kommune,
               count(orgnr) FILTER (WHERE orgnr IS NOT NULL) AS skoler,
               -- when each school ran (Oversikt counts those in operation in a year; no school is named)
               coalesce(list({{'nedlagt': nedlagt, 'opprettet': opprettet}}) FILTER (WHERE orgnr IS NOT NULL), [])
                   AS i_drift
        FROM (
            SELECT kommunenr, kommune, orgnr, NULL AS navn_eu, nedlagt, opprettet FROM mart.skoler
            UNION ALL
            SELECT DISTINCT kommunenr, NULL, NULL, enhet_navn, NULL::DATE, NULL::DATE FROM mart.elevundersokelsen
            WHERE enhet_niva = 'kommune'
        )
        WHERE kommunenr IS NOT NULL AND {cond}
        GROUP BY kommunenr ORDER BY kommune
        """,
        params,
    )


@query
def skoler(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str | None = None) -> pl.DataFrame:
    cond, params = _scope(viewer)
    extra = ""
    if kommunenr:
        extra = " AND kommunenr = ?"
        params = params + [kommunenr]
    return _fetch(
        con,
        f"SELECT orgnr, navn, kommunenr, kommune, trinn_fra, trinn_til, elevtall, skoleaar, nedlagt, opprettet "
        f"FROM mart.skoler WHERE {cond}{extra} ORDER BY navn",
        params,
    )


def _register_of_years(pairs: str) -> str:
    """SQL: for each (orgnr, skoleaar_start) of the relation `pairs`, the register that school year is judged by (its
    own, or the nearest one before it, or before the first held, the first; as `mart.programstatus`), with its year
    (`register_aar`), trinn and pupils. A school no register holds (known only from a survey file) has no row."""
    return f"""
        SELECT y.orgnr, y.skoleaar_start, p.skoleaar_start AS register_aar, p.trinn_fra, p.trinn_til, p.elevtall
        FROM (SELECT a.orgnr, a.skoleaar_start, coalesce(h.skoleaar_start, f.forste) AS register_aar
              FROM ({pairs}) a
              LEFT JOIN (SELECT orgnr, min(skoleaar_start) AS forste FROM mart.skoler_per_aar GROUP BY orgnr) f
                  USING (orgnr)
              ASOF LEFT JOIN mart.skoler_per_aar h ON a.orgnr = h.orgnr AND a.skoleaar_start >= h.skoleaar_start) y
        JOIN mart.skoler_per_aar p ON p.orgnr = y.orgnr AND p.skoleaar_start = y.register_aar
    """


def _schools_by_year(con: duckdb.DuckDBPyConnection, kommunenr: str, fra: dt.date, til: dt.date) -> pl.DataFrame:
    """Every school of the municipality's register in every school year from the one `fra` is in to the one `til` is
    in, with the trinn and pupils of that year's register (`_register_of_years`; today's for a school no register
    holds) and when it ran (`nedlagt`, `opprettet`)."""
    return _fetch(
        con,
        f"""
        WITH aar AS (
            SELECT orgnr, navn, kommunenr, trinn_fra, trinn_til, elevtall, skoleaar, nedlagt, opprettet,
                   CAST(unnest(generate_series(core.skoleaar_start(CAST(? AS DATE)),
                                               core.skoleaar_start(CAST(? AS DATE)))) AS INTEGER) AS skoleaar_start
            FROM mart.skoler WHERE kommunenr = ?
        )
        SELECT a.orgnr, a.navn, a.kommunenr, a.skoleaar_start,
               coalesce(r.register_aar, TRY_CAST(left(a.skoleaar, 4) AS INTEGER)) AS register_aar,
               if(r.register_aar IS NULL, a.trinn_fra, r.trinn_fra) AS trinn_fra,
               if(r.register_aar IS NULL, a.trinn_til, r.trinn_til) AS trinn_til,
               if(r.register_aar IS NULL, a.elevtall, r.elevtall) AS elevtall,
               a.nedlagt, a.opprettet
        FROM aar a
        LEFT JOIN ({_register_of_years("SELECT orgnr, skoleaar_start FROM aar")}) r USING (orgnr, skoleaar_start)
        ORDER BY a.navn, a.skoleaar_start
        """,
        [fra, til, kommunenr],
    )


@query
def skoler_per_aar(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, fra: dt.date, til: dt.date
) -> pl.DataFrame:
    """The register's schools in each school year from `fra` to `til`, each year by its own register (its trinn and
    pupils): a page over several school years asks an earlier year for the elevtjeneste and pupils it had then, not
    for today's (a 1.–10. school become 1.–7. was asked for no elevtjeneste in the years it had one)."""
    return _schools_by_year(con, kommunenr, fra, til)


def with_months_open(schools: pl.DataFrame, first: dt.date, last: dt.date) -> pl.DataFrame:
    """`skoler_per_aar`'s rows, each with the months from `first` to `last` that fall in its school year and that the
    school ran (`months_open`, column `maaneder`; 0 for a year it did not run in the period)."""
    months = [months_open(max(first, dt.date(year, 8, 1)), min(last, dt.date(year + 1, 7, 31)), closed, opened)
              for year, closed, opened in schools.select("skoleaar_start", "nedlagt", "opprettet").iter_rows()]
    return schools.with_columns(pl.Series("maaneder", months, dtype=pl.Float64))


@query
def skoler_flyttet(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str | None = None) -> pl.DataFrame:
    """Schools that have moved out of a municipality in scope but whose case or meeting rows stay filed under it, with
    that municipality: in rektormøte mode they too need a letter there, or their real name stands among the letters."""
    cond, params = _scope(viewer, "t.kommunenr")
    extra = ""
    if kommunenr:
        extra = " AND t.kommunenr = ?"
        params = params + [kommunenr]
    return _fetch(
        con,
        f"""
        SELECT DISTINCT t.orgnr, s.navn, t.kommunenr
        FROM (SELECT orgnr, kommunenr FROM mart.saker UNION SELECT orgnr, kommunenr FROM mart.teammoter) t
        JOIN mart.skoler s ON s.orgnr = t.orgnr AND s.kommunenr <> t.kommunenr
        WHERE {cond}{extra}
        ORDER BY t.orgnr
        """,
        params,
    )


def meeting_schools(viewer: Viewer, kommunenr: str | None = None) -> list[tuple[str, str, str]]:
    """(orgnr, navn, kommunenr) of every school a rektormøte's tables may show, for its letters: the register's, and
    a school that moved out, under the municipality whose tables keep its rows (`skoler_flyttet`)."""
    rows = list(skoler(viewer, kommunenr=kommunenr).select("orgnr", "navn", "kommunenr").iter_rows())
    known = {orgnr for orgnr, _, _ in rows}
    return rows + [row for row in skoler_flyttet(viewer, kommunenr=kommunenr).iter_rows() if row[0] not in known]


@query
def indikatorer(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pl.DataFrame:
    """One row per indicator code with its newest name; Udir codes first, Skoleporten-only names after."""
    return _fetch(
        con,
        """
        SELECT indikator_kode, indikator, maal, indikator_kode LIKE 'SP\\_%' ESCAPE '\\' AS bare_skoleporten
        FROM core.eu_indikator  -- kept by the loader (migration 004): a scan of every survey row cost 80 ms
        ORDER BY bare_skoleporten, maal DESC, indikator
        """,
    )


@query
def eu_trinn(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The trinn the municipality's Elevundersøkelsen rows are given for (null: all trinn together), in order.

    An export chosen per trinn in the statistikkbank has no «Alle trinn» rows: Oversikt then said nothing was loaded,
    and the survey page opened on «Alle trinn» with «no data». Which trinn hold data says nothing about any value."""
    cond, params = _scope(viewer)
    return _fetch(
        con,
        f"SELECT DISTINCT trinn FROM mart.elevundersokelsen WHERE enhet_niva IN ('skole', 'kommune') AND kommunenr = ? "
        f"AND {cond} ORDER BY trinn NULLS FIRST",
        [kommunenr, *params],
    )


@query
def skoleaar(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pl.DataFrame:
    return _fetch(
        con,
        "SELECT skoleaar, skoleaar_start FROM core.eu_skoleaar ORDER BY skoleaar_start",  # kept by the loader
    )


@query
def rapport_skoleaar(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The school years a report can be made for: Elevundersøkelsen's, and those the municipality's case reports and
    meeting logs cover (a municipality new to the survey has its own records first). Years only, no count."""
    school_year = "CASE WHEN month({d}) >= 8 THEN year({d}) ELSE year({d}) - 1 END"
    return _fetch(
        con,
        f"""
        SELECT DISTINCT start AS skoleaar_start, printf('%d-%02d', start, (start + 1) % 100) AS skoleaar FROM (
            SELECT skoleaar_start AS start FROM core.eu_skoleaar
            UNION SELECT {school_year.format(d="periode")} FROM mart.saker WHERE kommunenr = ?
            UNION SELECT {school_year.format(d="dato")} FROM mart.teammoter WHERE kommunenr = ?
        ) ORDER BY skoleaar_start
        """,
        [kommunenr, kommunenr],
    )


# ---------------------------------------------------------------- Elevundersøkelsen


_EU_COLUMNS = (
    "skoleaar, skoleaar_start, enhet_niva, orgnr, kommunenr, enhet_navn, trinn, kjonn, "
    "indikator_kode, indikator, maal, verdi, standardavvik, antall_besvart, skjermet"
)


_EU_NAMED = """(
    SELECT e.* REPLACE (CASE WHEN e.enhet_niva = 'nasjonalt' THEN 'Landet' ELSE coalesce(s.navn, e.enhet_navn) END
                        AS enhet_navn)
    FROM mart.elevundersokelsen e LEFT JOIN mart.skoler s ON e.enhet_niva = 'skole' AND s.orgnr = e.orgnr
)"""
"""Elevundersøkelsen with each school under the register's current name: Udir's files name a school as it was called
that year, and a renamed school («Nordli skole», later «Nordli oppvekstsenter») is still one school. The nation is
«Landet», as the pages and reports say (Udir's «Nasjonalt» reached the page's Excel download)."""


def _protect_eu(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """`protect_survey` with the secondary suppression of each municipality in the frame (see `secondary_survey`).

    Worked out over the whole municipality, whatever part of it a query asked for, and for everyone at the protected
    level alike, so that every page and report hides the same values.
    """
    if viewer.full_detail_everywhere or frame.is_empty():
        return protect_survey(frame, viewer)
    db = warehouse()
    version = data_version(db)
    kommuner = sorted(frame["kommunenr"].drop_nulls().unique().to_list())
    groups = tuple(known_together())
    secondary = [_secondary_of(str(db), version, public(viewer), k, groups) for k in kommuner]
    return protect_survey(frame, viewer, pl.concat(secondary) if secondary else None)


SURVEY_QUERIES = frozenset({"eu_trend", "eu_latest_by_school", "key_figures", "school_key_figures"})
"""The queries whose values go through `_protect_eu`."""

WORKING_OUT = ("Regner ut hvilke verdier som må skjules for å verne små grupper. Det gjøres én gang etter en ny fil "
               "fra Udir, og for en stor kommune kan det ta et minutt …")
"""Shown where a page waits for Elevundersøkelsen's values at the protected level (`SURVEY_QUERIES`)."""


@st.cache_data(show_spinner=False, max_entries=512, hash_funcs={Viewer: lambda viewer: viewer.cache_key})
def _secondary_of(
    db: str, version: tuple[int, int], viewer: Viewer, kommunenr: str, groups: tuple[frozenset[str], ...]
) -> pl.DataFrame:
    with _reader(Path(db)) as con:
        cube = secondary.fetch_cube(con, kommunenr)
    # Kept beside the warehouse under a digest of what it is worked out from: a load of anything else, or a restart,
    # finds it there, and the server's worker (`secondary.prepare_in_background`) has usually worked out a new one.
    return secondary.hidden_cells(secondary.store_of(Path(db)), cube, viewer, kommunenr, groups)


@query
def eu_trend(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    kommunenr: str,
    orgnr: tuple[str, ...] = (),
    trinn: int | None = None,
    kjonn: str = "alle",
    indikator_kode: str = "EUIndeks_1379",
    fylke: bool = False,
) -> pl.DataFrame:
    """The chosen schools, their municipality and the nation, over every school year; with `fylke`, the county too.

    The county is the one whose Fylkekode the kommunenr begins with (the mart does not carry the code, so its rows are
    matched to the core's by year and name). Its rows, like the nation's, have no kommunenr: Udir's published figures,
    under neither the municipality's own threshold nor its secondary suppression (`_protect_eu`). The reports and the
    Ungdata page leave the county out, as before.
    """
    frame = _fetch(
        con,
        f"""
        SELECT {_EU_COLUMNS} FROM {_EU_NAMED}
        WHERE indikator_kode = ? AND kjonn = ? AND trinn IS NOT DISTINCT FROM ?
          AND (
               (enhet_niva = 'skole' AND kommunenr = ? AND orgnr IN (SELECT unnest(?::VARCHAR[])))
            OR (enhet_niva = 'kommune' AND kommunenr = ?)
            OR (enhet_niva = 'fylke' AND ? AND (skoleaar, enhet_navn) IN (
                    SELECT (skoleaar, enhet_navn) FROM core.eu_resultat
                    WHERE enhet_niva = 'fylke' AND fylkekode = substr(?, 1, 2)))
            OR enhet_niva = 'nasjonalt'
          )
        ORDER BY enhet_niva DESC, enhet_navn, skoleaar_start
        """,
        [indikator_kode, kjonn, trinn, kommunenr, list(orgnr), kommunenr, fylke, kommunenr],
    )
    return _protect_eu(frame, viewer)


@query
def eu_latest_by_school(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    kommunenr: str,
    skoleaar: str,
    trinn: int | None = None,
    kjonn: str = "alle",
    orgnr: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """Every school of the municipality × every indicator for one school year, plus the municipality's and the
    national rows. `orgnr`: only these schools (None: all), left out after the values are protected, so that what
    is hidden never depends on which schools a page shows."""
    frame = _fetch(
        con,
        f"""
        SELECT {_EU_COLUMNS} FROM {_EU_NAMED}
        WHERE skoleaar = ? AND kjonn = ? AND trinn IS NOT DISTINCT FROM ?
          AND ((enhet_niva IN ('skole', 'kommune') AND kommunenr = ?) OR enhet_niva = 'nasjonalt')
        ORDER BY enhet_niva DESC, enhet_navn, indikator
        """,
        [skoleaar, kjonn, trinn, kommunenr],
    )
    frame = _protect_eu(frame, viewer)
    if orgnr is None:
        return frame
    return frame.filter((pl.col("enhet_niva") != "skole") | pl.col("orgnr").is_in(pl.Series(orgnr, dtype=pl.String)))


KEY_FIGURES = ("EUIndeks_1379", "EUIndeks_1398", "EUIndeks_1381", "deltakelse")


@query
def key_figures(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pl.DataFrame:
    """Per municipality, its own latest two school years of the headline indicators, with the nation beside them.

    Each municipality's years are its own, as in `school_key_figures`: taken over the whole warehouse, another
    municipality's newer year left one still waiting for its file with a single year and no change from the one before.
    """
    cond, params = _scope(viewer)
    frame = _fetch(
        con,
        f"""
        WITH years AS (
            SELECT kommunenr, skoleaar_start
            FROM (SELECT DISTINCT kommunenr, skoleaar_start FROM mart.elevundersokelsen
                  WHERE enhet_niva = 'kommune' AND {cond})
            QUALIFY row_number() OVER (PARTITION BY kommunenr ORDER BY skoleaar_start DESC) <= 2
        )
        SELECT {_EU_COLUMNS} FROM {_EU_NAMED}
        WHERE trinn IS NULL AND kjonn = 'alle'
          AND indikator_kode IN (SELECT unnest(?::VARCHAR[]))
          AND ((enhet_niva = 'kommune' AND (kommunenr, skoleaar_start) IN (SELECT (kommunenr, skoleaar_start) FROM years))
               OR (enhet_niva = 'nasjonalt' AND skoleaar_start IN (SELECT skoleaar_start FROM years)))
        """,
        [*params, list(KEY_FIGURES)],
    )
    return _protect_eu(frame, viewer)


@query
def school_key_figures(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """Every school of a municipality: the headline indicators in the latest two school years, each school under the
    register's name (see `_EU_NAMED`), so that a renamed school's two years are one school's."""
    frame = _fetch(
        con,
        f"""
        WITH years AS (
            SELECT DISTINCT skoleaar_start FROM mart.elevundersokelsen
            WHERE enhet_niva = 'skole' AND kommunenr = ? ORDER BY skoleaar_start DESC LIMIT 2
        )
        SELECT {_EU_COLUMNS} FROM {_EU_NAMED}
        WHERE enhet_niva = 'skole' AND kommunenr = ? AND trinn IS NULL AND kjonn = 'alle'
          AND indikator_kode IN (SELECT unnest(?::VARCHAR[]))
          AND skoleaar_start IN (SELECT skoleaar_start FROM years)
        """,
        [kommunenr, kommunenr, list(KEY_FIGURES)],
    )
    return _protect_eu(frame, viewer)


# ---------------------------------------------------------------- Ungdata


_UNGDATA_COLUMNS = (
    "kilde, geo_niva, geo, kommunenr, aar, periode, trinn, kjonn, indikator_kode, indikator, "
    "andel, antall_svar, skjermet, flagg"
)


@query
def ungdata(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The municipality's Ungdata rows, with its fylke and the nation where the files have them."""
    frame = _fetch(
        con,
        f"""
        SELECT {_UNGDATA_COLUMNS} FROM mart.ungdata
        WHERE (geo_niva = 'kommune' AND kommunenr = ?)
           OR (geo_niva = 'fylke' AND geo = substr(?, 1, 2))
           OR geo_niva = 'nasjonalt'
        ORDER BY indikator, aar, geo_niva
        """,
        [kommunenr, kommunenr],
    )
    return protect_share(frame, viewer).with_columns(
        pl.when(pl.col("geo_niva") == "fylke").then(pl.lit(_fylke_name(con, kommunenr[:2]))).alias("geo_navn")
    )


def _fylke_name(con: duckdb.DuckDBPyConnection, fylkenr: str) -> str:
    """The county's name: Norway's own by code, else as Udir's files name it, else «Fylket» (FHI gives only codes)."""
    if fylkenr in FYLKER:
        return FYLKER[fylkenr]
    found = con.execute(  # fetchall: a result left open makes DuckDB refuse the shared connection's next query
        "SELECT any_value(enhet_navn) FROM core.eu_resultat WHERE enhet_niva = 'fylke' AND fylkekode = ?", [fylkenr]
    ).fetchall()
    return found[0][0] or "Fylket"


# ---------------------------------------------------------------- kap. 12 cases


@query
def saker_per_month(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, trinn: int | None = None
) -> pl.DataFrame:
    """Per school × month × sakstype: a school's all-trinn row when it sent one, else the sum of its trinn rows.

    With the pupils of the month's school year (`elevtall`, from the register `elevtall_aar`: the year's own, else the
    nearest before, else the first): a month two years back divided by today's pupils read a school that has grown as
    having had more cases per pupil then than it had.

    `trinn`: that trinn's rows alone, from the schools that report per trinn. Its `elevtall` is null: the register
    counts a school's pupils, not a trinn's, and the school's pupils would make one trinn's cases look few.
    """
    only = "AND trinn = ?" if trinn is not None else ""
    pupils = "NULL" if trinn is not None else "if(r.register_aar IS NULL, s.elevtall, r.elevtall)"
    return _fetch(
        con,
        f"""
        WITH per AS (
            SELECT orgnr, periode, sakstype,
                   bool_or(trinn IS NULL) AS har_total,
                   sum(nye) FILTER (WHERE trinn IS NULL) AS nye_t, sum(nye) AS nye_s,
                   sum(avsluttet) FILTER (WHERE trinn IS NULL) AS avs_t, sum(avsluttet) AS avs_s,
                   sum(apne_ved_slutt) FILTER (WHERE trinn IS NULL) AS apne_t, sum(apne_ved_slutt) AS apne_s,
                   sum(evaluering_over_frist) FILTER (WHERE trinn IS NULL) AS over_t,
                   sum(evaluering_over_frist) AS over_s
            FROM mart.saker WHERE kommunenr = ? {only}
            GROUP BY orgnr, periode, sakstype
        )
        SELECT p.orgnr, s.navn AS skole, CAST({pupils} AS INTEGER) AS elevtall,
               coalesce(r.register_aar, TRY_CAST(left(s.skoleaar, 4) AS INTEGER)) AS elevtall_aar,
               p.periode, p.sakstype,
               CAST(CASE WHEN har_total THEN nye_t ELSE nye_s END AS INTEGER) AS nye,
               CAST(CASE WHEN har_total THEN avs_t ELSE avs_s END AS INTEGER) AS avsluttet,
               CAST(CASE WHEN har_total THEN apne_t ELSE apne_s END AS INTEGER) AS apne_ved_slutt,
               CAST(CASE WHEN har_total THEN over_t ELSE over_s END AS INTEGER) AS evaluering_over_frist
        FROM per p JOIN mart.skoler s USING (orgnr)
        LEFT JOIN ({_register_of_years(
            "SELECT DISTINCT orgnr, core.skoleaar_start(periode) AS skoleaar_start FROM per")}) r
            ON r.orgnr = p.orgnr AND r.skoleaar_start = core.skoleaar_start(p.periode)
        ORDER BY skole, periode, sakstype
        """,
        [kommunenr, *([trinn] if trinn is not None else [])],
    )


@query
def saker_trinn(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The trinn each school has reported cases for one by one (a school reporting for the whole school has none)."""
    return _fetch(
        con,
        """
        SELECT DISTINCT m.orgnr, s.navn AS skole, m.trinn FROM mart.saker m JOIN mart.skoler s USING (orgnr)
        WHERE m.kommunenr = ? AND m.trinn IS NOT NULL ORDER BY m.trinn, skole
        """,
        [kommunenr],
    )


def _last_complete_year(con: duckdb.DuckDBPyConnection, table: str, column: str, kommunenr: str) -> str | None:
    """The newest complete school year (`published.complete_year`) with rows in `table` for the municipality."""
    first, last = con.execute(
        f"SELECT min({column}), max({column}) FROM {table} WHERE kommunenr = ?", [kommunenr]
    ).fetchall()[0]
    start = published.complete_year(first, last)
    return None if start is None else school_year_label(start)


def _protected_year(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, table: str, column: str, kommunenr: str, skoleaar: str | None
) -> tuple[bool, str | None]:
    """(may be shown, school year) of a count table: at the protected level only a complete school year.

    Counts that grow month by month (the last 12 months, a school year so far) give away the small counts of each new
    month to anyone who looks twice and subtracts, however each table is protected on its own. Complete school years
    do not overlap, and each is shown as it was first published (`_published_rows`). Full-detail viewers see any
    window.
    """
    if viewer.full_detail_everywhere:
        return True, skoleaar
    complete = _last_complete_year(con, table, column, kommunenr)
    if skoleaar is None:
        return complete is not None, complete
    return complete is not None and skoleaar <= complete, skoleaar


def _published_rows(con: duckdb.DuckDBPyConnection, viewer: Viewer, kilde: str, kommunenr: str, skoleaar: str) -> str:
    """The view a protected count table of a complete year reads: the rows it was first published from when a later
    file changed them and the skoleeier has not published the change (`pipelines.warehouse.published`), else the
    rows as they are. Full-detail viewers read the rows as they are."""
    live = f"mart.{kilde}"
    if viewer.full_detail_everywhere:
        return live
    try:
        held = con.execute(
            "SELECT count(*) FROM mart.publisert WHERE kilde = ? AND kommunenr = ? AND skoleaar_start = ?",
            [kilde, kommunenr, int(skoleaar[:4])],
        ).fetchall()[0][0]
    except duckdb.CatalogException:  # a warehouse from before 007 (`skolemiljo init` brings it up to date) holds none
        return live
    return f"mart.{kilde}_publisert" if held else live


@query
def held_back(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """School years whose changes since publication the protected tables do not show yet (skoleeier's notice)."""
    try:
        return _fetch(
            con,
            """
            WITH navn AS (SELECT batch_id, any_value(filnavn) AS filnavn,
                                 bool_or(resultat = 'trukket_tilbake') AS trukket
                          FROM core.ingest_log GROUP BY batch_id)
            SELECT p.kilde, p.skoleaar_start, p.holdt_fra, p.batch_id, f.filnavn, p.siste_endret,
                   s.filnavn AS siste_filnavn, p.siste_batch, coalesce(f.trukket, false) AS trukket,
                   coalesce(s.trukket, false) AS siste_trukket
            FROM mart.publisert p LEFT JOIN navn f ON f.batch_id = p.batch_id LEFT JOIN navn s ON s.batch_id = p.siste_batch
            WHERE p.kommunenr = ? ORDER BY p.kilde, p.skoleaar_start
            """,
            [kommunenr],
        )
    except duckdb.CatalogException:
        return pl.DataFrame(schema={"kilde": pl.String, "skoleaar_start": pl.Int32, "holdt_fra": pl.Datetime,
                                    "batch_id": pl.String, "filnavn": pl.String, "siste_endret": pl.Datetime, "siste_filnavn": pl.String,
                                    "siste_batch": pl.String, "trukket": pl.Boolean, "siste_trukket": pl.Boolean})


def _complete_year_frame(con: duckdb.DuckDBPyConnection, table: str, column: str, kommunenr: str) -> pl.DataFrame:
    year = _last_complete_year(con, table, column, kommunenr)
    return pl.DataFrame({"skoleaar": [year] if year else []}, schema={"skoleaar": pl.String})


@query
def saker_complete_year(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The newest complete school year of case reports (0 or 1 row): what protected summaries show."""
    return _complete_year_frame(con, "mart.saker", "periode", kommunenr)


@query
def team_complete_year(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The newest complete school year of meeting logs (0 or 1 row): what protected team case tables show."""
    return _complete_year_frame(con, "mart.teammoter", "dato", kommunenr)


@query
def saker_oversikt(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, skoleaar: str | None = None
) -> pl.DataFrame:
    """New cases, school × sakstype with totals, as text: in one school year, or else the last 12 months of data.

    At the protected level the whole table (every school of the municipality, before any row is taken away for the
    viewer) goes through `protect_counts`: 1–4 shows as «1–4», and secondary suppression hides what could be
    recovered from the totals. It covers only a complete school year there (`_protected_year`): without one asked
    for, the newest; asked for one still under way, nothing. Full-detail viewers get the exact numbers.
    """
    from pipelines.templates.saker import SAKSTYPER

    shown, skoleaar = _protected_year(con, viewer, "mart.saker", "periode", kommunenr, skoleaar)
    if not shown:
        return pl.DataFrame(schema={"orgnr": pl.String, "skole": pl.String})
    rows = "mart.saker"
    if skoleaar:
        window = "periode >= ? AND periode < ?"
        bounds: list[Any] = list(school_year_window(skoleaar))
        rows = _published_rows(con, viewer, "saker", kommunenr, skoleaar)
    else:
        window = "periode > siste - INTERVAL 12 MONTH"
        bounds = []
    raw = _fetch(
        con,
        f"""
        WITH last AS (SELECT max(periode) AS siste FROM mart.saker WHERE kommunenr = ?),
        per AS (
            SELECT orgnr, periode, sakstype, bool_or(trinn IS NULL) AS har_total,
                   sum(nye) FILTER (WHERE trinn IS NULL) AS nye_t, sum(nye) AS nye_s
            FROM {rows}, last
            WHERE kommunenr = ? AND {window}
            GROUP BY ALL
        )
        -- Every school with rows under the municipality: a school that has since moved stays in the tables of the
        -- years it reported here (its rows keep their municipality).
        SELECT p.orgnr, coalesce(r.navn, p.orgnr) AS skole, p.sakstype,
               CAST(sum(CASE WHEN har_total THEN nye_t ELSE nye_s END) AS INTEGER) AS nye
        FROM per p LEFT JOIN mart.skoler r USING (orgnr)
        GROUP BY ALL
        """,
        [kommunenr, kommunenr, *bounds],
    )
    reported = raw.select("orgnr", "skole").unique().sort("skole")
    if reported.is_empty():
        return pl.DataFrame(schema={"orgnr": pl.String, "skole": pl.String})
    # A school expected to report that sent nothing in the window: «–», not 0 (`_unreported` says which are expected).
    first, last = _case_window(con, kommunenr, skoleaar)
    coverage = _unreported(con, rows, kommunenr, first, last)
    absent = coverage.filter((pl.col("rapportert") == 0) & (pl.col("mangler").list.len() > 0)).select("orgnr", "skole")
    types = [t for t in SAKSTYPER if t in set(raw["sakstype"].drop_nulls())]
    counts = {(o, t): n for o, t, n in raw.select("orgnr", "sakstype", "nye").iter_rows()}
    cells = [[counts.get((o, t), 0) for t in types] for o in reported["orgnr"]]
    return count_table(viewer, reported, [SAKSTYPER[t] for t in types], cells, absent=absent)


def _case_window(con: duckdb.DuckDBPyConnection, kommunenr: str, skoleaar: str | None) -> tuple[dt.date, dt.date]:
    """The months (first days) a case table covers: a school year's August to June, else the last 12 months."""
    if skoleaar:
        start, end = school_year_window(skoleaar)
        return start, dt.date(end.year, 6, 1)
    last = con.execute("SELECT max(periode) FROM mart.saker WHERE kommunenr = ?", [kommunenr]).fetchall()[0][0]
    return months_back(last, 11), last


def count_table(
    viewer: Viewer, schools: pl.DataFrame, columns: list[str], cells: list[list[int]], absent: pl.DataFrame | None = None
) -> pl.DataFrame:
    """A school × column table of counts with «I alt» column and «Kommunen i alt» row, as text.

    Full-detail viewers get the exact numbers; everyone else gets `protect_counts` over the whole table (1–4 as
    «1–4», secondary suppression), before any row is taken away for the viewer. The protected table is the same for
    every viewer and safe against each school's rektor, who knows that school's row; and against each rektor of
    several schools (`known_together`), who knows those rows.

    `absent` schools (orgnr, skole) sent no report: their rows show «–» and stay out of the protection, as rows of
    zeros would (a row anyone can tell adds nothing hides nothing; a zero of it picked to hide another cell, shown as
    «–», would give that cell away).
    """
    if viewer.full_detail_everywhere:
        full = [[*row, sum(row)] for row in cells]
        full.append([sum(r[c] for r in cells) for c in range(len(columns))] + [sum(map(sum, cells))])
        text = [[str(v) for v in row] for row in full]
    else:
        place = {o: i for i, o in enumerate(schools["orgnr"])}
        groups = {frozenset(place[o] for o in together if o in place) for together in known_together()}
        text, _ = protect_counts(cells, groups=tuple(sorted((g for g in groups if len(g) > 1), key=sorted)))
    columns = [*columns, "I alt"]
    rows = [
        {"orgnr": o, "skole": name, **dict(zip(columns, text[i], strict=True))}
        for i, (o, name) in enumerate(schools.select("orgnr", "skole").iter_rows())
    ]
    if absent is not None and not absent.is_empty():
        rows += [{"orgnr": o, "skole": name, **dict.fromkeys(columns, NO_VALUE)} for o, name in absent.iter_rows()]
        rows.sort(key=lambda row: row["skole"])
    rows.append({"orgnr": None, "skole": "Kommunen i alt", **dict(zip(columns, text[-1], strict=True))})
    return pl.DataFrame(rows, schema={"orgnr": pl.String, "skole": pl.String, **{c: pl.String for c in columns}})


def _unreported(con: duckdb.DuckDBPyConnection, rows: str, kommunenr: str, first: dt.date, last: dt.date) -> pl.DataFrame:
    """Per school the municipality expects case reports from, from `first` to `last` (first days, both included):
    the months it has no row for. July is not asked for: schools are closed.

    Expected: the schools of the municipality's own register (not those a Udir file brought in: a private school
    reports to no municipality), from the first month any of them reported (the month the municipality began: one
    school that began in October was «complete» after two months, while the five that had not were asked for the
    whole year before; a municipality with no report asks for none); not in a month it reported under another
    municipality (it had moved); for a school the
    register says has closed (`nedlagt`), only the months it still ran on the 15th (closed on 15 August: not August;
    closed at New Year: December, not January), and for one opened since (`opprettet`), the months it already ran on
    the 15th; and a school that has
    left the register, up to its last month here. Columns orgnr, skole, rapportert (months with a report here),
    mangler (the expected months without one, in order), forste (the municipality's first report, the same on every
    row). A school here with neither is left out.
    """
    return _fetch(
        con,
        f"""
        WITH months AS (
            SELECT CAST(range AS DATE) AS periode FROM range(?::DATE, ?::DATE + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
            WHERE month(range) <> 7
        ),
        got AS (SELECT DISTINCT orgnr, periode FROM {rows} WHERE kommunenr = ? AND periode BETWEEN ? AND ?),
        own AS (SELECT orgnr, nedlagt, opprettet FROM core.skole WHERE kommunenr = ? AND kilde = 'skoleregister'),
        skoler AS (  -- the months it ran on the 15th
            SELECT orgnr, CAST(opprettet - INTERVAL 14 DAY AS DATE) AS fra, CAST(nedlagt - INTERVAL 15 DAY AS DATE) AS til
            FROM own
            UNION ALL
            SELECT orgnr, NULL, max(periode) FROM got WHERE orgnr NOT IN (SELECT orgnr FROM own) GROUP BY orgnr
        ),
        -- The municipality's first report: in the window from the rows read (a year held as published stays as it
        -- was), elsewhere from the rows as they are. Either way when a school reported, never how many cases.
        forst AS (
            SELECT min(periode) AS forste
            FROM (SELECT orgnr, periode FROM mart.saker WHERE periode < ? OR periode > ? UNION ALL SELECT * FROM got)
            WHERE orgnr IN (SELECT orgnr FROM skoler)
        ),
        annen AS (SELECT DISTINCT orgnr, periode FROM mart.saker
                  WHERE kommunenr <> ? AND periode BETWEEN ? AND ? AND orgnr IN (SELECT orgnr FROM skoler)),
        per AS (
            SELECT s.orgnr, f.forste, CAST(count(g.orgnr) AS INTEGER) AS rapportert,
                   coalesce(list(m.periode ORDER BY m.periode) FILTER (
                       WHERE g.orgnr IS NULL AND a.orgnr IS NULL AND m.periode >= f.forste
                             AND (s.fra IS NULL OR m.periode >= s.fra) AND (s.til IS NULL OR m.periode <= s.til)),
                       []) AS mangler
            FROM skoler s CROSS JOIN months m
            LEFT JOIN got g ON g.orgnr = s.orgnr AND g.periode = m.periode
            LEFT JOIN annen a ON a.orgnr = s.orgnr AND a.periode = m.periode
            CROSS JOIN forst f
            GROUP BY s.orgnr, f.forste
        )
        SELECT p.orgnr, coalesce(r.navn, p.orgnr) AS skole, p.rapportert, p.mangler, p.forste
        FROM per p LEFT JOIN mart.skoler r USING (orgnr)
        WHERE p.rapportert > 0 OR len(p.mangler) > 0
        ORDER BY skole
        """,
        [first, last, kommunenr, first, last, kommunenr, first, last, kommunenr, first, last],
    )


@query
def saker_rapportering(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, fra: dt.date, til: dt.date
) -> pl.DataFrame:
    """Full detail: which schools have not reported cases for which months from `fra` to `til` (see `_unreported`).

    A month a school has not reported is missing from every sum of the Saker page; this says which.
    """
    return _unreported(con, "mart.saker", kommunenr, fra, til)


@query
def saker_siste_maaned(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The newest month any school of the municipality has reported cases for (a date, not a count)."""
    return _fetch(con, "SELECT max(periode) AS siste FROM mart.saker WHERE kommunenr = ?", [kommunenr])


@query
def saker_rapportering_aar(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, skoleaar: str | None = None
) -> pl.DataFrame:
    """The months each school has not reported in the protected table's school year (`saker_oversikt`), read from
    the same rows: as published. Not a count: everyone who sees the table may see it."""
    shown, skoleaar = _protected_year(con, viewer, "mart.saker", "periode", kommunenr, skoleaar)
    if not shown or skoleaar is None:
        return pl.DataFrame(schema={"orgnr": pl.String, "skole": pl.String, "rapportert": pl.Int32,
                                    "mangler": pl.List(pl.Date)})
    rows = _published_rows(con, viewer, "saker", kommunenr, skoleaar)
    return _unreported(con, rows, kommunenr, *_case_window(con, kommunenr, skoleaar))


@query
def saker_rapportering_antall(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, skoleaar: str | None = None
) -> pl.DataFrame:
    """How many schools and school-months `saker_rapportering_aar` finds missing, without naming a school: FAU, who
    sees its own school's row only, is told that the municipality's sum is short. One row (skoler, skolemaaneder)."""
    missing = saker_rapportering_aar.raw(con, viewer, kommunenr, skoleaar)["mangler"].list.len()
    return pl.DataFrame({"skoler": [int((missing > 0).sum())], "skolemaaneder": [int(missing.sum())]})


def known_together() -> list[frozenset[str]]:
    """The schools each rektor account of several schools knows together (from the users file, read when it changes)."""
    from pipelines import accounts

    path = accounts.users_path(warehouse())
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return []
    return _rektor_groups(str(path), stamp)


@functools.lru_cache(maxsize=4)
def _rektor_groups(path: str, _stamp: int) -> list[frozenset[str]]:
    from pipelines import accounts  # the users file is read here only, when it has changed

    return accounts.rektor_groups(Path(path))


@query
def statsforvalter_cases(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """Cases at Statsforvalteren (§ 12-6): new ones when filed, and each decision with its outcome when closed."""
    return _fetch(
        con,
        """
        SELECT m.orgnr, s.navn AS skole, m.periode, coalesce(m.utfall, 'ukjent') AS utfall,
               CAST(sum(m.nye) AS INTEGER) AS nye, CAST(sum(m.avsluttet) AS INTEGER) AS avgjort
        FROM mart.saker m JOIN mart.skoler s USING (orgnr)
        WHERE m.kommunenr = ? AND m.sakstype = 'statsforvalter' AND (m.nye > 0 OR m.avsluttet > 0)
        GROUP BY ALL ORDER BY m.periode DESC, skole
        """,
        [kommunenr],
    )


# ---------------------------------------------------------------- team meetings


@query
def team_meetings(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The meeting log, with the school's name. Its pupils differ by school year: `skoler_per_aar`."""
    return _fetch(
        con,
        """
        SELECT t.*, s.navn AS skole
        FROM mart.teammoter t JOIN mart.skoler s USING (orgnr)
        WHERE t.kommunenr = ?
        ORDER BY skole, team, dato
        """,
        [kommunenr],
    )


@query
def team_rhythm(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """Expected meetings per month per team: the municipality's own setting, else the default."""
    return _fetch(
        con,
        """
        SELECT team, coalesce(max(moter_per_maaned) FILTER (WHERE kommunenr = ?),
                              max(moter_per_maaned) FILTER (WHERE kommunenr IS NULL)) AS moter_per_maaned
        FROM core.teamrytme GROUP BY team
        """,
        [kommunenr],
    )


def school_months(first: dt.date, last: dt.date, today: dt.date | None = None) -> float:
    """Months from `first` to `last` (both included) that have school: July expects no meetings.

    The month still under way (`last` in today's month) counts for the part of it gone: a log sent on 2 December with
    that morning's meeting expected a whole December of meetings, and every school read as behind.
    """
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    months = sum(1 for i in range(max(span, 0)) if (first.month - 1 + i) % 12 + 1 != 7)
    today = today or dt.date.today()
    if span > 0 and (last.year, last.month) == (today.year, today.month) and today.month != 7:
        days = calendar.monthrange(today.year, today.month)[1]
        return months - 1 + today.day / days
    return months


def open_on(day: dt.date) -> pl.Expr:
    """A school of `mart.skoler` that ran on `day`: not closed, or closed after it (`nedlagt`), and not opened after
    it (`opprettet`). A school year asks for a school that ran on 1 September (`year_begun`): one closed in August
    never began it, and one opened in August did."""
    return ((pl.col("nedlagt").is_null() | (pl.col("nedlagt") > day))
            & (pl.col("opprettet").is_null() | (pl.col("opprettet") <= day)))


def year_begun(start: dt.date) -> dt.date:
    """The day a school must still run on to be asked for the school year starting `start` (1 August): 1 September,
    after the first weeks of teaching (as `mart.programstatus`, migration 011)."""
    return dt.date(start.year, 9, 1)


def months_open(first: dt.date, last: dt.date, nedlagt: dt.date | None, opprettet: dt.date | None = None) -> float:
    """`school_months` from `first` to `last`, counting for a closed school only the months it still ran on the 15th
    (as `_unreported`): a school closed at New Year is expected half a school year's meetings, not a whole one's; and
    for a school opened since (`opprettet`), only the months it already ran on the 15th."""
    if opprettet is not None:  # the first month it ran on the 15th
        ran_from = opprettet.replace(day=1) if opprettet.day <= 15 else (opprettet.replace(day=28)
                                                                          + dt.timedelta(days=4)).replace(day=1)
        if ran_from > first:
            first = ran_from
            if first > last.replace(day=1):
                return 0
    if nedlagt is not None:
        ran_to = nedlagt - dt.timedelta(days=15)
        if ran_to < last:
            last = ran_to
            if last.replace(day=1) < first.replace(day=1):
                return 0
    return school_months(first, last)


def team_expected(team: str) -> pl.Expr:
    """Which schools of the register should have `team`, over `mart.skoler`'s columns (the municipal plan, seed 003):
    an arbeidslag every school; the elevtjeneste the schools with ungdomstrinn; a ressursteam the schools without one
    (a 1.–10. school has its elevtjeneste). Other teams are a school's own choice: expected only where logged. A school
    known only from a survey file (its trinn unknown: a private school, or one since closed) is expected nothing."""
    if team == "arbeidslag":
        return pl.col("trinn_til").is_not_null()
    if team == "elevtjeneste":
        return pl.col("trinn_til") >= 8
    if team == "ressursteam":
        return pl.col("trinn_til") < 8
    return pl.lit(False)


def _team_schools(con: duckdb.DuckDBPyConnection, kommunenr: str, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The school × team pairs (orgnr, skole, team) a school year's team tables show: every school of the register
    that should have a team the municipality logs (`team_expected`), and every school that logged a team that year.

    From who should have the team, not only from the log: a school that held no meeting at all is the failure the
    owner must see, and was no row (a report read «1 av 1 skoler» where 1 of 2 had met)."""
    from pipelines.templates.teammoter import TEAMS

    logged = _fetch(
        con,
        """
        SELECT DISTINCT t.orgnr, s.navn AS skole, t.team
        FROM mart.teammoter t JOIN mart.skoler s USING (orgnr)
        WHERE t.kommunenr = ? AND t.dato >= ? AND t.dato < ?
        """,
        [kommunenr, start, end],
    )
    used = set(_fetch(con, "SELECT DISTINCT team FROM mart.teammoter WHERE kommunenr = ?", [kommunenr])["team"])
    # The trinn the school had that school year (its own register, or the nearest before, or before the first held,
    # the first; as `mart.programstatus`): a 1.–10. school that has become 1.–7. had its elevtjeneste the years before.
    register = _schools_by_year(con, kommunenr, start, start).rename({"navn": "skole"})
    expected = [register.filter(team_expected(t) & open_on(year_begun(start)))
                .select("orgnr", "skole", pl.lit(t).alias("team"))
                for t in TEAMS if t in used]
    return pl.concat([logged, *expected]).unique().sort("skole", "team")


@query
def team_moter_oversikt(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, skoleaar: str) -> pl.DataFrame:
    """Per school × team in one school year: meetings held against the municipality's expected rhythm.

    Every school that should have the team has a row (`_team_schools`), with 0 meetings when it logged none. Counts of
    staff meetings, not of pupils: shown at every level. The period ends with the last logged month (`til`, the last
    logged meeting).
    """
    start, end = school_year_window(skoleaar)
    held = _fetch(
        con,
        """
        SELECT orgnr, team, CAST(count(*) AS INTEGER) AS moter, max(dato) AS siste
        FROM mart.teammoter WHERE kommunenr = ? AND dato >= ? AND dato < ?
        GROUP BY ALL
        """,
        [kommunenr, start, end],
    )
    if held.is_empty():
        return pl.DataFrame(schema={"orgnr": pl.String, "skole": pl.String, "team": pl.String, "moter": pl.Int32,
                                    "moter_per_maaned": pl.Float64, "forventet": pl.Int32,
                                    "prosent_av_forventet": pl.Int32, "til": pl.Date})
    last = held["siste"].max()
    changed = _fetch(con, "SELECT orgnr, nedlagt, opprettet FROM mart.skoler "
                          "WHERE kommunenr = ? AND (nedlagt IS NOT NULL OR opprettet IS NOT NULL)", [kommunenr])
    # a school closed or opened in the period
    months = {o: months_open(start, last, closed, opened) for o, closed, opened in changed.iter_rows()}
    frame = (
        _team_schools(con, kommunenr, start, end)
        .join(held.drop("siste"), on=["orgnr", "team"], how="left")
        .with_columns(pl.col("moter").fill_null(0))
        .join(team_rhythm.raw(con, viewer, kommunenr=kommunenr), on="team", how="left")
    )
    period = pl.col("orgnr").replace_strict(months, default=school_months(start, last), return_dtype=pl.Float64)
    expected = (pl.col("moter_per_maaned") * period).round(0).cast(pl.Int32)
    return frame.with_columns(expected.alias("forventet")).with_columns(
        pl.when(pl.col("forventet") > 0).then((pl.col("moter") * 100 / pl.col("forventet")).round(0).cast(pl.Int32))
        .alias("prosent_av_forventet"),
        pl.lit(last, dtype=pl.Date).alias("til"),  # where the period ends: the readers say it
    )


@query
def team_saker_oversikt(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, skoleaar: str) -> pl.DataFrame:
    """Cases discussed in one school year, school × team, with totals, as text (protected like kap. 12 counts).

    A team the school does not have (`team_expected`, and none logged) is «–», as in `team_moter_oversikt`, not a 0
    that reads as a team with nothing to discuss. The schools and teams are those of the year's rows, as published:
    what is protected must not move with the register.
    """
    from pipelines.templates.teammoter import TEAMS

    shown, _ = _protected_year(con, viewer, "mart.teammoter", "dato", kommunenr, skoleaar)
    if not shown:
        return pl.DataFrame(schema={"orgnr": pl.String, "skole": pl.String})
    start, end = school_year_window(skoleaar)
    rows = _published_rows(con, viewer, "teammoter", kommunenr, skoleaar)
    raw = _fetch(
        con,
        f"""
        SELECT t.orgnr, s.navn AS skole, coalesce(r.trinn_til, s.trinn_til) AS trinn_til, t.team,
               CAST(sum(t.saker_med_samtykke + t.saker_anonyme) AS INTEGER) AS saker
        FROM {rows} t JOIN mart.skoler s USING (orgnr)
        LEFT JOIN ({_register_of_years(f"SELECT DISTINCT orgnr, {start.year} AS skoleaar_start FROM mart.skoler")}) r
            USING (orgnr)
        WHERE t.kommunenr = ? AND t.dato >= ? AND t.dato < ?
        GROUP BY ALL
        """,
        [kommunenr, start, end],
    )  # the year's own trinn (its register): a school become 1.–7. had its elevtjeneste that year
    if raw.is_empty():
        return pl.DataFrame(schema={"orgnr": pl.String, "skole": pl.String})
    schools = raw.select("orgnr", "skole", "trinn_til").unique().sort("skole")
    teams = [t for t in TEAMS if t in set(raw["team"])]
    counts = {(o, t): n for o, t, n in raw.select("orgnr", "team", "saker").iter_rows()}
    cells = [[counts.get((o, t), 0) for t in teams] for o in schools["orgnr"]]
    table = count_table(viewer, schools, [TEAMS[t] for t in teams], cells)
    # Only a 0 the protection left shown becomes «–» (both say nothing was discussed); a hidden cell stays hidden.
    return table.with_columns(
        pl.when(pl.col("orgnr").is_in(schools.filter(~team_expected(t))["orgnr"].to_list())
                & ~pl.col("orgnr").is_in([o for o, team in counts if team == t]) & (pl.col(TEAMS[t]) == "0"))
        .then(pl.lit(NO_VALUE)).otherwise(pl.col(TEAMS[t])).alias(TEAMS[t])
        for t in teams
    )


# ---------------------------------------------------------------- programmes and plans


@query
def planer(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The municipality's plans (newest first), with the annual review and counts of overdue actions."""
    return _fetch(
        con,
        # of two plans in force from the same day, the one loaded last (a revision under a new plan_id)
        "SELECT * EXCLUDE (plan_yaml) FROM mart.planer WHERE kommunenr = ? "
        "ORDER BY gjeldende DESC, gyldig_fra DESC, batch_id DESC",
        [kommunenr],
    )


@query
def programstatus(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """Every school × trinn × school year the plan covers: required, reported, met, and what is missing."""
    return _fetch(
        con,
        """
        SELECT p.* EXCLUDE (krav_detaljer), s.navn AS skole
        FROM mart.programstatus p JOIN mart.skoler s USING (orgnr)
        WHERE p.kommunenr = ?
        ORDER BY skole, p.trinn, p.skoleaar_start
        """,
        [kommunenr],
    )


@query
def programstatus_by_programme(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, plan_id: str, skoleaar: str
) -> pl.DataFrame:
    """The municipality's programmes against the plan, summed over its schools (no school named): what an FAU
    report for the whole municipality may show."""
    return _fetch(
        con,
        """
        SELECT program_navn, min(trinn) AS trinn_fra, max(trinn) AS trinn_til, count(*) AS planlagt,
               count(*) FILTER (vurdering = 'oppfylt') AS oppfylt,
               count(*) FILTER (vurdering = 'ikke_oppfylt') AS ikke_oppfylt,
               count(*) FILTER (vurdering = 'ukjent') AS ukjent
        FROM mart.programstatus
        WHERE kommunenr = ? AND plan_id = ? AND skoleaar = ? AND planlagt
        GROUP BY program_navn ORDER BY program_navn
        """,
        [kommunenr, plan_id, skoleaar],
    )


def gaps_by_trinn(status: pl.DataFrame, *keep: str) -> pl.DataFrame:
    """Programme rows not met, one per school × programme × gap with its trinn as «5.» or «5.–7.», and
    «Hva mangler» in words (a school that has not reported says so). `keep` adds columns to group by."""
    return (
        status.group_by("skole", "program_navn", "vurdering", "avvik", *keep)
        .agg(pl.col("trinn").min().alias("fra"), pl.col("trinn").max().alias("til"))
        .with_columns(
            pl.when(pl.col("fra") == pl.col("til")).then(pl.format("{}.", pl.col("fra")))
            .otherwise(pl.format("{}.–{}.", pl.col("fra"), pl.col("til"))).alias("Trinn"),
            pl.when(pl.col("vurdering") == "ukjent").then(pl.lit("Ikke rapportert"))
            .otherwise(pl.col("avvik")).alias("Hva mangler"),
        )
    )


CELL_ORDER = {"ikke_oppfylt": 0, "ukjent": 1, "oppfylt": 2}
"""A school × trinn cell takes the worst verdict of its programmes, in this order (anything else counts as unknown)."""


def cell_verdicts(status: pl.DataFrame) -> pl.DataFrame:
    """One verdict per school × trinn × school year (orgnr, trinn, skoleaar, vurdering) from the programme rows, as
    the Programmer page colours its matrix: a cell with two programmes (Olweus and a project of its own) is met only
    when both are, not met when one is not. Counting programme rows counted such a cell twice (14 of 38 where the
    page said 7 of 31)."""
    worst = pl.col("vurdering").replace_strict(CELL_ORDER, default=CELL_ORDER["ukjent"], return_dtype=pl.Int8).min()
    return status.group_by("orgnr", "trinn", "skoleaar").agg(
        worst.replace_strict({v: k for k, v in CELL_ORDER.items()}, return_dtype=pl.String).alias("vurdering")
    )


@query
def programstatus_cells(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, plan_id: str, skoleaar: str
) -> pl.DataFrame:
    """The municipality's school × trinn cells in the plan by verdict (`cell_verdicts`), counted over its schools with
    no school named (vurdering, celler): what an FAU report for the whole municipality may say."""
    rows = _fetch(
        con,
        "SELECT orgnr, trinn, skoleaar, vurdering FROM mart.programstatus "
        "WHERE kommunenr = ? AND plan_id = ? AND skoleaar = ? AND planlagt",
        [kommunenr, plan_id, skoleaar],
    )
    return cell_verdicts(rows).group_by("vurdering").agg(pl.len().cast(pl.Int64).alias("celler")).sort("vurdering")


@query
def plan_programmer(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, plan_id: str) -> pl.DataFrame:
    """The programmes a plan names (program, program_navn, the trinn it covers and the schools it names), in its order:
    also those whose start is still ahead and a plan whose period has not begun, which `mart.programstatus` has no
    rows for yet."""
    return _fetch(con, "SELECT program, program_navn, trinn_fra, trinn_til, skoler FROM mart.plan_programmer "
                       "WHERE kommunenr = ? AND plan_id = ? ORDER BY nr", [kommunenr, plan_id])


@query
def plantiltak(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    return _fetch(con, "SELECT * FROM mart.plantiltak WHERE kommunenr = ? ORDER BY frist, nr", [kommunenr])


@query
def program_starts(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str) -> pl.DataFrame:
    """The school year each school began introducing a programme (its first report with status «innføring»), and
    the trinn it was introduced on."""
    return _fetch(
        con,
        """
        SELECT orgnr, program_navn, min(skoleaar) AS start, min(trinn) AS trinn_fra, max(trinn) AS trinn_til
        FROM mart.programstatus
        WHERE kommunenr = ? AND status = 'innforing'
        GROUP BY orgnr, program_navn ORDER BY start
        """,
        [kommunenr],
    )


# ---------------------------------------------------------------- data quality


@query
def kilder(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommunenr: str, skoleaar: str | None = None) -> pl.DataFrame:
    """The loaded files a municipality's figures come from (source, batch, when, rows, warnings), for a report.

    A file counts while at least one of its rows is still in the warehouse for the municipality, or above it (fylke,
    nation) or for no municipality in particular: a meeting rhythm's row for every municipality without one of its
    own (the demo's «2 møter per måned» behind Fjellvik's expected meetings) makes it Fjellvik's source too. A file
    whose rows a later file replaced (a corrected case file, a new register extract) no longer counts: the report's
    number of files and rows is what its figures come from. Another municipality's rhythm file is not theirs to see
    in this one's council papers. No file names: a report leaves the house, and a file name can name a pupil
    («mobbesak Ola Nordmann 7B.xlsx»); every role may see the rest.

    With `skoleaar`, a report's school year: only files with a row in that school year or before it (a report for
    2025-26 made in November 2026 counted the case files and the programme status of 2026-27 among its sources).
    The register and the meeting rhythm count whatever their year: the report names the schools as the register does
    now, and a rhythm holds for every year.
    """
    last = 9999 if skoleaar is None else int(skoleaar[:4])  # the report's school year begins in August of `last`
    end = dt.date(last + 1, 8, 1) if skoleaar is not None else dt.date(9999, 1, 1)
    return _fetch(
        con,
        f"""
        WITH delivered AS (
            SELECT DISTINCT batch_id, kommunenr FROM mart.elevundersokelsen WHERE skoleaar_start <= {last}
            UNION SELECT DISTINCT batch_id, kommunenr FROM mart.ungdata WHERE aar <= {last + 1}
            UNION SELECT DISTINCT batch_id, kommunenr FROM mart.saker WHERE periode < DATE '{end}'
            UNION SELECT DISTINCT batch_id, kommunenr FROM mart.teammoter WHERE dato < DATE '{end}'
            UNION SELECT DISTINCT batch_id, kommunenr FROM mart.programstatus WHERE skoleaar_start <= {last}
            UNION SELECT DISTINCT batch_id, kommunenr FROM mart.planer WHERE gyldig_fra < DATE '{end}'
            UNION SELECT DISTINCT batch_id, kommunenr FROM core.teamrytme WHERE batch_id IS NOT NULL
            UNION SELECT DISTINCT batch_id, kommunenr FROM core.skole
        )
        SELECT l.kilde, l.batch_id, l.ferdig, l.rader_lastet, c.advarsler
        FROM mart.ingest_log l JOIN core.ingest_log c USING (batch_id)
        WHERE l.resultat = 'lastet'
          AND l.batch_id IN (SELECT batch_id FROM delivered WHERE kommunenr = ? OR kommunenr IS NULL)
        ORDER BY l.kilde, l.ferdig
        """,
        [kommunenr],
    )


def _log_scope(viewer: Viewer) -> tuple[str, list[Any]]:
    """The ingest log rows a viewer may see: an administrator or an owner of every municipality all of them; a
    skoleeier the files with rows in their municipalities, files nothing was read from, and those they loaded. The
    quality messages quote rows (a school's monthly case counts): another municipality's are not theirs to read."""
    if viewer.role == "admin" or viewer.kommuner is None:
        return "TRUE", []
    return (
        "(c.kommuner IS NOT NULL AND (len(c.kommuner) = 0 OR list_has_any(c.kommuner, ?::VARCHAR[]))"
        " OR c.lastet_av = ?)",
        [sorted(viewer.kommuner), viewer.brukernavn or None],
    )


MESSAGE_WITHHELD = ("Meldingen vises ikke her: den kan sitere rader fra kommuner du ikke har tilgang til (filen "
                    "gjelder flere kommuner, eller den kunne ikke knyttes til noen). Den som lastet inn filen, og en "
                    "administrator, kan lese den.")
"""In place of a file's messages for a viewer who sees the file in the log but not all of its municipalities."""
FINDING_WITHHELD = "(vises ikke: kan sitere rader fra kommuner du ikke har tilgang til)"
"""In place of a failed check's message for such a viewer; a passed check's says what it looks for, and stays."""


OWN_RECORDS = ("saker", "teammoter", "teamrytme", "programstatus", "plan")
"""The owner's own records, whose messages quote rows no other municipality may read; Udir's, FHI's and NOVA's
tables and the school register are published statistics."""


def _messages_scope(viewer: Viewer) -> tuple[str, list[Any]]:
    """The log rows whose messages the viewer may read: the messages of an owner's records quote their rows («Vika
    skule nov 2026 (aktivitetsplan): 2 + 1 − 0 ≠ 5»), so a shared file's are read by its uploader, an administrator
    and an owner of every municipality it holds rows for; another owner sees the file, its counts and its checks only.
    A national statistics file's messages («last inn de andre sidene») are every owner's."""
    if viewer.role == "admin" or viewer.kommuner is None:
        return "TRUE", []
    return (
        "(c.kilde NOT IN (SELECT unnest(?::VARCHAR[])) OR c.lastet_av = ? "
        "OR (len(c.kommuner) > 0 AND list_has_all(?::VARCHAR[], c.kommuner)))",
        [list(OWN_RECORDS), viewer.brukernavn or None, sorted(viewer.kommuner)],
    )


@query
def ingest_log(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pl.DataFrame:
    cond, params = _log_scope(viewer)
    shown, shown_params = _messages_scope(viewer)
    return _fetch(
        con,
        f"""
        SELECT l.batch_id, l.kilde, l.filnavn, l.startet, l.ferdig, l.resultat, l.rader_inn, l.rader_lastet,
               l.rader_avvist, c.rader_hoppet_over, c.advarsler,
               CASE WHEN {shown} THEN l.melding ELSE ? END AS melding, c.radnumre, c.kommuner, c.lastet_av
        FROM mart.ingest_log l JOIN core.ingest_log c USING (batch_id)
        WHERE {cond}
        ORDER BY l.ferdig DESC
        """,
        [*shown_params, MESSAGE_WITHHELD, *params],
    )


@query
def withdrawal(con: duckdb.DuckDBPyConnection, viewer: Viewer, batch_id: str) -> pl.DataFrame:
    """Whether the viewer may withdraw the load `batch_id` (`pipelines.withdraw.assess`): one row (filnavn, rader,
    hindring, vernet), `hindring` the reason when not (then no rows counted), `vernet` what a withdrawal would hold
    back at the protected level."""
    from pipelines.errors import IngestError
    from pipelines.withdraw import assess

    schema = {"filnavn": pl.String, "rader": pl.Int64, "hindring": pl.String, "vernet": pl.String}
    try:
        found = assess(con, batch_id, viewer.changes_files_of)
    except IngestError as exc:
        return pl.DataFrame({"filnavn": [None], "rader": [None], "hindring": [str(exc)], "vernet": [None]},
                            schema=schema)
    return pl.DataFrame({"filnavn": [found.filnavn], "rader": [found.rows], "hindring": [None],
                         "vernet": [" ".join(t for t in (found.copies_text(), found.published_text()) if t)]},
                        schema=schema)


@query
def quality_findings(con: duckdb.DuckDBPyConnection, viewer: Viewer, batch_id: str) -> pl.DataFrame:
    cond, params = _log_scope(viewer)
    shown, shown_params = _messages_scope(viewer)
    return _fetch(
        con,
        "SELECT k.forventning, k.kolonne, k.alvorlighet, k.ok, k.antall_avvik, "
        f"CASE WHEN {shown} THEN k.eksempler END AS eksempler, CASE WHEN k.ok OR {shown} THEN k.melding ELSE ? END AS melding "
        f"FROM core.kvalitet k JOIN core.ingest_log c USING (batch_id) WHERE k.batch_id = ? AND {cond} "
        "ORDER BY k.ok, k.alvorlighet DESC, k.forventning",
        [*shown_params, *shown_params, FINDING_WITHHELD, batch_id, *params],
    )


@query
def schools_without_register(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pl.DataFrame:
    """Schools known only from a survey file: their trinn range is unknown until the register says."""
    cond, params = _scope(viewer)
    return _fetch(
        con,
        f"SELECT orgnr, navn, kommunenr, kommune, kilde FROM core.skole "
        f"WHERE kilde <> 'skoleregister' AND {cond} ORDER BY kommunenr, navn",
        params,
    )
