"""Each municipality's secondary suppression of Elevundersøkelsen, kept for what it is worked out from and prepared by a
worker process before anyone asks.

`privacy.secondary_survey` takes a minute for a municipality of 150 schools. Kept per data version, as every other
query's answer is, it was worked out again after any load at all (a month's case counts), after every restart, and
while the first reader of a protected page waited. It depends only on the municipality's survey rows, its threshold,
the rektors of several schools among its schools and the code that works it out: kept under a digest of those
(`key_for`) in `skjerming/` beside the warehouse, it is worked out once per Udir file. The server starts a worker
(`prepare_in_background`, `python -m dashboard.secondary`) when it sees a new data version, so that the work is
usually done before the first reader comes.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.metadata
import io
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl

from dashboard.privacy import SURVEY_CELL, secondary_survey
from dashboard.viewer import Viewer, thresholds_from

LOG = logging.getLogger("skolemiljo.skjerming")

_CUBE = (
    "SELECT skoleaar, indikator_kode, kommunenr, orgnr, trinn, kjonn, antall_besvart, skjermet, verdi, maal "
    "FROM mart.elevundersokelsen WHERE {where} AND enhet_niva IN ('skole', 'kommune') "
    "ORDER BY {first}skoleaar, indikator_kode, orgnr NULLS FIRST, trinn NULLS FIRST, kjonn"
)
CUBE_SQL = _CUBE.format(where="kommunenr = ?", first="")
"""One municipality's rows, in one order: the same rows must give the same values to hide, or a reader who saw the
page before and after a restart would have two suppressions to put together."""


BATCH = 8
"""Municipalities whose rows the worker reads in one query to find which are kept: one query each took 33 s over the
national set (356 municipalities) with nothing to work out, as each scans the whole table; 8 at a time 11 s and
437 MiB, 25 at a time 6 s but 773 MiB."""

KEPT_FILES = 1000
"""At most this many answers are kept (the least recently used go): one per municipality and Udir file, a few KB to
a few hundred for the largest."""

SUFFIX = "skjult"
"""A kept answer's file: `<key>.skjult`."""

_SCHEMA = {"skoleaar": pl.String, "indikator_kode": pl.String, "kommunenr": pl.String, "orgnr": pl.String,
           "trinn": pl.Int32, "kjonn": pl.String}


def store_of(db: Path) -> Path:
    """Where the answers are kept: beside the warehouse (keys are digests of content, so two warehouses in one folder
    share it without harm)."""
    return db.parent / "skjerming"


def fetch_cube(con: duckdb.DuckDBPyConnection, kommunenr: str) -> pl.DataFrame:
    return pl.from_arrow(con.sql(CUBE_SQL, params=[kommunenr]).to_arrow_table())


def fetch_cubes(con: duckdb.DuckDBPyConnection, kommuner: list[str]) -> dict[str, pl.DataFrame]:
    """`fetch_cube` of each of `kommuner` (those with rows), read in one query."""
    # A list of values (not a list parameter) lets DuckDB skip the other municipalities' row groups as it reads.
    sql = _CUBE.format(where=f"kommunenr IN ({', '.join('?' * len(kommuner))})", first="kommunenr, ")
    rows = pl.from_arrow(con.sql(sql, params=kommuner).to_arrow_table())
    return {k: cube for (k,), cube in rows.partition_by("kommunenr", as_dict=True, maintain_order=True).items()}


def reader_for(viewer: Viewer, kommunenr: str) -> Viewer:
    """Anyone at the protected level in `kommunenr`, with its threshold: all of the viewer the suppression of that
    municipality's rows depends on (two owners with different municipalities share the answer)."""
    return Viewer(role="fau", kommuner=frozenset({kommunenr}), protected=True,
                  min_respondents=viewer.threshold_for(kommunenr))


def groups_within(cube: pl.DataFrame, groups: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    """The rektors of several schools as readers of this municipality: what each knows of it. A reader who knows one
    of its schools, or none, is a reader the suppression is safe against anyway.

    What is hidden then may differ from an audit given every group of the users file (which values it picks follows
    the order of its readers), but it is audited against the same readers, and it stays the same when a group in
    another municipality changes: a reader who saw the page before and after gets no second suppression to put
    together with the first."""
    schools = set(cube["orgnr"].drop_nulls().unique().to_list())
    return tuple(sorted({g & schools for g in groups if len(g & schools) > 1}, key=sorted))


def _code_digest() -> str:
    """The code and libraries that work it out: an upgrade is worked out anew."""
    digest = hashlib.sha256()
    for module in ("privacy.py", "secondary.py", "viewer.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    for package in ("polars", "numpy", "scipy", "highspy"):
        digest.update(f"{package}={importlib.metadata.version(package)};".encode())
    return digest.hexdigest()


_CODE = _code_digest()


def key_for(cube: pl.DataFrame, reader: Viewer, groups: tuple[frozenset[str], ...]) -> str:
    """A digest of everything the answer depends on: the rows (in `CUBE_SQL`'s order), the threshold, the groups
    (`groups_within`) and the code."""
    digest = hashlib.sha256(_CODE.encode())
    digest.update(repr((reader.cache_key, [sorted(g) for g in groups], cube.columns, cube.dtypes)).encode())
    digest.update(cube.hash_rows(seed=0).to_numpy().tobytes())
    return digest.hexdigest()


def _seal(key: str, payload: bytes) -> bytes:
    return hashlib.sha256(key.encode() + payload).hexdigest().encode() + b"\n" + payload


def kept(store: Path, key: str, cube: pl.DataFrame) -> pl.DataFrame | None:
    """The answer kept under `key` for `cube`, or None: none, or one that is not that answer (worked out again).

    A file is its parquet after a digest of the key and the parquet: a bit gone wrong on the disk, a file cut short
    or copied under another key's name is no answer. (Polars took a file with one bit flipped for an answer that hid
    nothing, and another made it abort the process.) The cells must also be cells of `cube`.
    """
    path = store / f"{key}.{SUFFIX}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        LOG.warning("Skjermingen i %s kunne ikke leses og regnes ut på nytt: %s", path, exc)
        return None
    payload = data.partition(b"\n")[2]
    if not hmac.compare_digest(data, _seal(key, payload)):
        LOG.warning("Skjermingen i %s er ikke det som ble lagret, og regnes ut på nytt", path)
        return None
    frame = pl.read_parquet(io.BytesIO(payload))
    outside = frame.join(cube.select(SURVEY_CELL), on=SURVEY_CELL, how="anti", nulls_equal=True)
    if dict(frame.schema) != _SCHEMA or not outside.is_empty():
        LOG.warning("Skjermingen i %s hører ikke til kommunens rader, og regnes ut på nytt", path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept when the store is pruned
    return frame


def keep(store: Path, key: str, frame: pl.DataFrame) -> None:
    """Write the answer whole or not at all; a store that cannot be written only costs the time to work it out."""
    buffer = io.BytesIO()
    frame.select(SURVEY_CELL).cast(_SCHEMA).write_parquet(buffer)
    try:
        store.mkdir(mode=0o700, exist_ok=True)
        partial = store / f"{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        partial.write_bytes(_seal(key, buffer.getvalue()))
        os.replace(partial, store / f"{key}.{SUFFIX}")
        _prune(store)
    except OSError as exc:
        LOG.warning("Skjermingen kunne ikke lagres i %s: %s", store, exc)


def _prune(store: Path) -> None:
    files = sorted(store.glob(f"*.{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns)
    for old in files[: max(0, len(files) - KEPT_FILES)]:
        old.unlink(missing_ok=True)


_WORKING: dict[str, threading.Lock] = {}
_WORKING_LOCK = threading.Lock()


def hidden_cells(store: Path, cube: pl.DataFrame, viewer: Viewer, kommunenr: str,
                 groups: tuple[frozenset[str], ...]) -> pl.DataFrame:
    """The `SURVEY_CELL` keys of `cube` (one municipality's `CUBE_SQL` rows) to hide as well: kept, else worked out
    and kept. Two sessions asking at once wait for one answer."""
    return _answer(store, cube, viewer, kommunenr, groups)[0]


def _answer(store: Path, cube: pl.DataFrame, viewer: Viewer, kommunenr: str,
            groups: tuple[frozenset[str], ...]) -> tuple[pl.DataFrame, bool]:
    """`hidden_cells`, and whether it was worked out here."""
    reader = reader_for(viewer, kommunenr)
    groups = groups_within(cube, groups)
    key = key_for(cube, reader, groups)
    with _WORKING_LOCK:
        lock = _WORKING.setdefault(key, threading.Lock())
    with lock:
        frame = kept(store, key, cube)
        if frame is not None:
            return frame, False
        frame = secondary_survey(cube, reader, groups).select(SURVEY_CELL)
        keep(store, key, frame)
    return frame, True


# ---------------------------------------------------------------- the worker


def prepare(db: Path, stop=lambda: False) -> list[tuple[str, float]]:
    """Work out and keep every municipality's answer not kept yet, the largest first (a small one is quick for its
    first reader anyway). Returns (kommunenr, seconds) for each worked out. `stop` is asked between municipalities."""
    from pipelines import accounts
    from pipelines.warehouse.connection import connect

    with connect(db, read_only=True) as con:
        settings = dict(con.execute("SELECT nokkel, verdi FROM meta.innstilling").fetchall())
        kommuner = [k for (k,) in con.execute(
            "SELECT kommunenr FROM mart.elevundersokelsen WHERE enhet_niva = 'skole' AND kommunenr IS NOT NULL "
            "GROUP BY kommunenr ORDER BY count(DISTINCT orgnr) DESC, kommunenr").fetchall()]
    default, per = thresholds_from(settings)
    viewer = Viewer(role="fau", protected=True, min_respondents=default, thresholds=per)
    groups = tuple(accounts.rektor_groups(accounts.users_path(db)))
    store = store_of(db)
    missing = []
    for first in range(0, len(kommuner), BATCH):  # which are kept already: after most loads, all of them
        if stop():
            return []
        with connect(db, read_only=True) as con:
            cubes = fetch_cubes(con, kommuner[first:first + BATCH])
        for kommunenr, cube in cubes.items():
            key = key_for(cube, reader_for(viewer, kommunenr), groups_within(cube, groups))
            if not (store / f"{key}.{SUFFIX}").exists():  # one there is checked when it is read
                missing.append(kommunenr)
    done = []
    for kommunenr in missing:
        if stop():
            break
        with connect(db, read_only=True) as con:
            cube = fetch_cube(con, kommunenr)
        started = time.perf_counter()
        if _answer(store, cube, viewer, kommunenr, groups)[1]:
            done.append((kommunenr, time.perf_counter() - started))
    return done


_worker: subprocess.Popen | None = None
_started_for: tuple | None = None
_worker_lock = threading.Lock()


def prepare_in_background(db: Path) -> bool:
    """Start the worker when the warehouse or the users file has changed since it last started, unless one is still
    at work (the next page run after it ends starts the next). True when one was started."""
    global _worker, _started_for
    from pipelines import accounts
    from pipelines.warehouse.connection import data_version

    users = accounts.users_path(db)
    try:
        users_stamp = users.stat().st_mtime_ns
    except FileNotFoundError:
        users_stamp = 0
    state = (str(db), data_version(db), users_stamp)
    with _worker_lock:
        if _worker is not None and _worker.poll() is None:
            return False
        if state == _started_for or state[1] == (0, 0):
            return False
        _started_for = state
        _worker = subprocess.Popen(
            [sys.executable, "-m", "dashboard.secondary", str(db)],
            cwd=Path(__file__).resolve().parent.parent, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            preexec_fn=lambda: os.nice(19),  # the pages come first: it takes what they leave
        )
        return True


def main(argv: list[str]) -> int:
    from pipelines.warehouse.connection import WarehouseBusy, keep_private

    keep_private()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    db = Path(argv[0])
    parent = os.getppid()
    try:
        done = prepare(db, stop=lambda: os.getppid() != parent)  # the server stopped: so does its worker
    except WarehouseBusy:  # an ingest holds the warehouse: the server starts another worker after it
        return 0
    except duckdb.CatalogException:  # a warehouse without the survey yet (or of an older schema): nothing to do
        return 0
    if done:
        LOG.info("Skjermingen er regnet ut på forhånd for %d kommuner (%.1f s)", len(done), sum(s for _, s in done))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
