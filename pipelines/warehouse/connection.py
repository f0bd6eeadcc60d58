"""Where the warehouse is and how to open it so that one writer and many readers take turns."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

DEFAULT_DB = Path("data/skolemiljo.duckdb")
LOCK_WAIT_SECONDS = 60.0
WRITER_CHECKPOINT_THRESHOLD = "1KB"
"""A writer checkpoints at commit instead of at close (see `connect`)."""


PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """What this process writes from now on is readable by its own user only (umask 077): the warehouse holds every
    school's full detail, the archive the owner's raw files and the audit log who saw what. (`skolemiljo init`
    tightens what an older version left readable by all.)"""
    os.umask(PRIVATE_UMASK)


class WarehouseBusy(RuntimeError):
    """The warehouse stayed locked by another process for longer than we were willing to wait."""


WAIT_NOTICE_SECONDS = 1.0
_wait_notice: Callable[[], None] | None = None


def tell_when_waiting(notice: Callable[[], None] | None) -> None:
    """Call `notice` once per connection that has waited `WAIT_NOTICE_SECONDS` for the lock: a command line that
    waited its 60 seconds in silence looked hung, and was killed before it could say the warehouse was busy."""
    global _wait_notice
    _wait_notice = notice


def db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """`--db`, else `SKOLEMILJO_DB`, else `data/skolemiljo.duckdb`."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("SKOLEMILJO_DB")
    return Path(env) if env else DEFAULT_DB


def _is_lock_conflict(exc: Exception) -> bool:
    """Another process holds the file, or another thread of this one holds it the other way (read vs write).

    Within one process DuckDB shares one open database between connections of the same kind and refuses one of
    the other kind: in the dashboard server an upload's ingest and another session's query meet like that.
    """
    text = str(exc).lower()
    if isinstance(exc, duckdb.ConnectionException):
        return "different configuration" in text
    return "lock" in text and ("conflicting" in text or "could not set" in text)


@contextmanager
def connect(
    path: Path, *, read_only: bool, wait_seconds: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection; waits (with jitter) while another process holds the file lock.

    DuckDB lets one process write or several read a file at a time, so every caller keeps its
    connection only as long as one unit of work and the other side simply waits its turn.

    A writer checkpoints when it commits (`WRITER_CHECKPOINT_THRESHOLD`): DuckDB then writes a larger commit
    straight into the file and skips the write-ahead log. A writer closes right after its commit anyway, and closing
    checkpoints, so rows that fit under one row group (a meeting log's 76 000) used to be written twice, to the log
    and then to the file (commit and close 0.07–0.09 s → 0.06 s). Crash safety is DuckDB's checkpoint's own: the
    new header is written last (tests/test_faults.py kills ingests in the middle).
    """
    started = time.monotonic()
    deadline = started + (LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds)
    delay = 0.02
    told = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_conflict(exc):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(  # any other process: an ingest, a backup, someone's own DuckDB session
                    f"Lageret er i bruk av en annen prosess (for eksempel en innlasting) og ble ikke ledig på "
                    f"{LOCK_WAIT_SECONDS:.0f} sekunder. Prøv igjen om litt."
                ) from exc
            if not told and _wait_notice is not None and time.monotonic() - started >= WAIT_NOTICE_SECONDS:
                told = True
                _wait_notice()
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 1.6, 0.5)
    try:
        if not read_only:
            con.execute(f"SET checkpoint_threshold = '{WRITER_CHECKPOINT_THRESHOLD}'")
        yield con
    finally:
        con.close()


def data_version(path: Path) -> tuple[int, int]:
    """Changes whenever a writer has committed and closed: used as a cache key by the dashboard."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, 0)
    wal = path.with_name(path.name + ".wal")
    wal_mtime = wal.stat().st_mtime_ns if wal.exists() else 0
    return (max(st.st_mtime_ns, wal_mtime), st.st_size)
