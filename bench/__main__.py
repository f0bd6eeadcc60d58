"""Benchmarks: ingest time per source (and vs DuckDB's bare reader), page render times, startup, memory, size.

`python -m bench` (or `make bench`) builds the national-scale data set (bench/national.py: about 2 900 schools,
356 municipalities, ten school years), ingests it and measures; it writes bench/results.json and bench/results.md.
`python -m bench --skala demo` does the same with the demo (bench/results-demo.*); `--skoler N --aar N` scale the
national set down for a quick look.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent
COLD_RUNS = 3
PAGES = ["oversikt", "elevundersokelsen", "ungdata", "saker", "team", "rapporter", "datakvalitet"]
NAV_LABELS = ["Oversikt", "Elevundersøkelsen", "Ungdata", "Saker (kap. 12)", "Arbeidslag og elevtjeneste", "Rapporter",
              "Datakvalitet"]
HEADINGS = {"oversikt": "Oversikt", "elevundersokelsen": "Elevundersøkelsen", "ungdata": "Ungdata",
            "saker": "Saker etter opplæringslova kapittel 12", "team": "Arbeidslag og elevtjeneste", "rapporter": "Rapporter",
            "datakvalitet": "Datakvalitet"}


def _machine() -> str:
    cpus = os.cpu_count()
    mem = ""
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{platform.machine()}, {cpus} kjerner{mem}, Python {platform.python_version()}, DuckDB {duckdb.__version__}"


YARDSTICK_RUNS_SMALL = 5
"""DuckDB's read of a file under 50 MB is timed this many times and the median kept: a 150 KB register reads in
10 ms, and one timing of that swung the register's ratio between 11 and 18 from one bench run to the next."""


def _duckdb_file_seconds(path: Path) -> float | None:
    """The same read by DuckDB into a table in a new database file, committed: what DuckDB itself pays to keep the
    rows, as our ingest must (the yardstick's table is in memory). Beside the yardstick, not instead of it."""
    return _duckdb_bare_seconds(path, into_file=True)


def _duckdb_bare_seconds(path: Path, into_file: bool = False) -> float | None:
    """DuckDB's own reader of the same file into a table: the yardstick for our ingest (median of several reads for
    a small file, see `YARDSTICK_RUNS_SMALL`).

    None for XLSX (DuckDB's excel extension is downloaded at run time, which this machine cannot do) and for YAML
    plans (DuckDB has no YAML reader).
    """
    if path.suffix in (".xlsx", ".yaml", ".yml"):
        return None
    runs = YARDSTICK_RUNS_SMALL if path.stat().st_size < 50 * 1024 * 1024 else 1
    if not into_file:
        return statistics.median(_duckdb_read_seconds(path) for _ in range(runs))
    with tempfile.TemporaryDirectory(prefix="benk-duckdb-") as folder:  # a new file for each read
        return statistics.median(_duckdb_read_seconds(path, Path(folder) / f"{i}.duckdb") for i in range(runs))


def _duckdb_read_seconds(path: Path, database: Path | None = None) -> float:
    con = duckdb.connect(str(database) if database else ":memory:")
    if path.suffix == ".json":
        sql, params = "CREATE TABLE t AS SELECT * FROM read_json(?, format='array')", [str(path)]
    else:
        # DuckDB is told what our reader finds out by itself: `sep=` line, separator, encoding. Found before the
        # clock starts: the yardstick is DuckDB's read alone (until 2026-12-01 the decode counted in DuckDB's time).
        raw = path.read_bytes()
        skip = 1 if raw.lstrip(b"\xef\xbb\xbf").lower().startswith(b"sep=") else 0
        try:
            raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "latin-1"
        del raw
        sql = "CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar=true, delim=';', skip=?, encoding=?, header=true)"
        params = [str(path), skip, encoding]
    start = time.perf_counter()
    con.execute(sql, params)  # a statement of its own commits: in a file, the rows are written before it returns
    seconds = time.perf_counter() - start
    con.close()
    return seconds


STAGE_ORDER = ["start", "les", "personopplysninger", "kilde", "kontroll", "innlasting"]
"""The bench's names for an ingest's stages: «start» before the first progress message (the file read, the warehouse
opened and what it knows), then one per message of `pipelines.ingest.STAGES`, in its order. «kontroll» is GX with the
rows loading beside it; «innlasting» is waiting for the load and the commit."""


def _stage_seconds(t0: float, marks: list[tuple[str, float]], end: float) -> dict[str, float]:
    """Seconds per stage of one loaded file, from the times its progress messages came."""
    times = [t0] + [t for _, t in marks] + [end]
    return {name: b - a for name, a, b in zip(STAGE_ORDER, times[:-1], times[1:], strict=True)}


@contextlib.contextmanager
def _fixed_costs(spent: dict[str, float]):
    """Adds to `spent` the seconds of Great Expectations' validations and of opening the warehouse, while it lasts.

    What neither the file's size nor our code decides: GX builds a metric graph per expectation (about 3 ms each on
    this machine, on a one-row frame as on 470 000 rows after `suites.compact`), and DuckDB opens any file in about
    15 ms. Their sum plus DuckDB's own read is the least an ingest with GX could take, shown beside the ratio.
    """
    from pipelines.quality import suites

    validate, connect = suites._validate, duckdb.connect

    def timed_validate(*args, **kwargs):
        start = time.perf_counter()
        try:
            return validate(*args, **kwargs)
        finally:
            spent["gx"] += time.perf_counter() - start
            spent["expectations"] += len(args[2])

    def timed_connect(*args, **kwargs):
        start = time.perf_counter()
        try:
            return connect(*args, **kwargs)
        finally:
            spent["connect"] += time.perf_counter() - start

    suites._validate, duckdb.connect = timed_validate, timed_connect
    try:
        yield
    finally:
        suites._validate, duckdb.connect = validate, connect


def bench_ingest(work: Path, files: list[Path]) -> tuple[list[dict], Path, dict]:
    t_start = time.perf_counter()
    from pipelines.ingest import ingest_file
    from pipelines.quality import suites
    from pipelines.warehouse import store

    # GX start-up is paid once per process, as DuckDB's is before its yardstick: imports, the context, and a first
    # validation (GX loads its metric code on first use), reported apart as `gx_startup_s`.
    suites._context()
    suites.run_suite("oppvarming", pl.DataFrame({"tall": [1], "tekst": ["x"]}), [
        suites.rule(suites.E.ExpectColumnValuesToBeBetween(column="tall", min_value=0), "oppvarming"),
        suites.rule(suites.E.ExpectColumnValuesToMatchRegex(column="tekst", regex="x"), "oppvarming"),
    ])
    gx_startup = time.perf_counter() - t_start
    db = work / "skolemiljo.duckdb"
    store.init(db)
    per_source: dict[str, dict] = defaultdict(lambda: {
        "rows": 0, "seconds": 0.0, "duckdb_seconds": 0.0, "duckdb_file_seconds": 0.0, "csv_json_seconds": 0.0, "files": 0, "xlsx_files": 0,
        "yardstick_files": 0, "stages": defaultdict(float), "fixed": defaultdict(float), "expectations": 0,
    })
    ingesting = 0.0  # the loads alone: the yardsticks measured between them are not part of the whole set's time
    for path in files:
        marks: list[tuple[str, float]] = []
        fixed: dict[str, float] = defaultdict(float)
        t0 = time.perf_counter()
        with _fixed_costs(fixed):
            outcome = ingest_file(path, db, progress=lambda stage, marks=marks: marks.append((stage, time.perf_counter())))
        seconds = time.perf_counter() - t0
        ingesting += seconds
        assert outcome.result == "lastet", outcome.message
        print(f"innlest {path.name}: {outcome.rows_in} rader på {seconds:.1f} s", flush=True)
        s = per_source[outcome.source]
        s["rows"] += outcome.rows_in
        s["seconds"] += seconds
        s["files"] += 1
        for stage, took in _stage_seconds(t0, marks, t0 + seconds).items():
            s["stages"][stage] += took
        bare = _duckdb_bare_seconds(path)
        if bare is None:
            s["xlsx_files"] += 1
        else:
            s["duckdb_seconds"] += bare
            s["duckdb_file_seconds"] += _duckdb_file_seconds(path)
            s["csv_json_seconds"] += seconds
            s["yardstick_files"] += 1
            s["fixed"]["gx"] += fixed["gx"]
            s["fixed"]["connect"] += fixed["connect"]
            s["expectations"] = max(s["expectations"], int(fixed["expectations"]))
    total = ingesting
    rows = [
        {
            "source": name,
            "files": s["files"],
            "rows": s["rows"],
            "seconds": round(s["seconds"], 3),
            "rows_per_s": round(s["rows"] / s["seconds"]) if s["seconds"] else None,
            # over the CSV/JSON files only; XLSX files have no DuckDB yardstick here
            "ratio_to_duckdb": round(s["csv_json_seconds"] / s["duckdb_seconds"], 1) if s["duckdb_seconds"] else None,
            "duckdb_s": round(s["duckdb_seconds"], 3),
            # against DuckDB's read into a database file (`_duckdb_file_seconds`): the share of the gap that is keeping
            # the rows on disk, which the yardstick's in-memory table does not pay
            "duckdb_file_s": round(s["duckdb_file_seconds"], 3),
            "ratio_to_duckdb_file": round(s["csv_json_seconds"] / s["duckdb_file_seconds"], 1)
            if s["duckdb_file_seconds"] else None,
            "xlsx_files": s["xlsx_files"],
            # what a file costs beyond DuckDB's bare read of it, on average: the fixed part shows here
            "extra_s_per_file": round((s["csv_json_seconds"] - s["duckdb_seconds"]) / s["yardstick_files"], 3)
            if s["yardstick_files"] else None,
            "stages_s": {stage: round(took, 3) for stage, took in s["stages"].items()},
            # GX's validations and the warehouse's openings, over the CSV/JSON files (see `_fixed_costs`)
            "gx_s": round(s["fixed"]["gx"], 3),
            "connect_s": round(s["fixed"]["connect"], 3),
            "expectations": s["expectations"],
            # the ratio an ingest would have if it spent nothing beyond DuckDB's read, GX and opening the warehouse
            "floor_ratio": round((s["duckdb_seconds"] + s["fixed"]["gx"] + s["fixed"]["connect"]) / s["duckdb_seconds"], 1)
            if s["duckdb_seconds"] else None,
        }
        for name, s in sorted(per_source.items())
    ]
    return rows, db, {"files": len(files), "seconds": round(total, 2), "gx_startup_s": round(gx_startup, 2)}


def bench_pages(db: Path, kommuner: list[str]) -> list[dict]:
    import streamlit as st
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest
    from streamlit.testing.v1 import app_test as app_test_module

    from dashboard.viewer import Viewer

    OWNER = Viewer(role="skoleeier", kommuner=frozenset(kommuner), brukernavn="skolesjef")  # noqa: N806

    os.environ["SKOLEMILJO_DB"] = str(db)

    components = None

    def fresh(page: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
        # A new AppTest scans every installed package for Streamlit components on its first run (0.23 s here), which
        # a server does once, as it starts (see startup_s): the cold runs share the first one's scan.
        if components is not None and hasattr(at, "_bidi_component_manager"):
            at._bidi_component_manager = components
        at.session_state["viewer"] = OWNER
        if page != "oversikt":
            at.switch_page(f"views/{page}.py")
        return at

    # A server compiles each script once and keeps the bytecode (its `ScriptCache` lives as long as it runs; only a
    # changed file is compiled again). AppTest makes a new cache for every run, so each run compiled app.py and the
    # page again: 22–43 ms a run on this machine (Oversikt 36 ms, Saker 43 ms), no part of what a user waits for.
    # The runs here share one cache, as the server's page views do.
    shared_scripts = ScriptCache()
    app_test_module.ScriptCache = lambda: shared_scripts
    try:
        first = fresh("rapporter")
        first.run()  # imports the dashboard's modules: a server pays that once (see startup_s)
        components = getattr(first, "_bidi_component_manager", None)
        results = []
        for page in PAGES:
            # Cold: no cached query or chart, as every page is after an ingest. Median of three, caches emptied.
            cold_runs = []
            for _ in range(COLD_RUNS):
                st.cache_data.clear()
                st.cache_resource.clear()
                at = fresh(page)
                t0 = time.perf_counter()
                at.run()
                cold_runs.append(time.perf_counter() - t0)
                assert not at.exception, [e.value for e in at.exception]
            cold = statistics.median(cold_runs)
            warm_runs = []
            for _ in range(5):
                t0 = time.perf_counter()
                at.run()
                warm_runs.append(time.perf_counter() - t0)
            results.append({"page": page, "cold_s": round(cold, 3), "warm_s": round(statistics.median(warm_runs), 3)})
    finally:
        app_test_module.ScriptCache = ScriptCache
    return results


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _server(db: Path):
    """The real Streamlit server on `db`: yields (url, process, seconds from start to a healthy server)."""
    port = _free_port()
    env = {**os.environ, "SKOLEMILJO_DB": str(db)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "server.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        yield url, proc, time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # still busy with a script run: stop it hard
            proc.kill()
            proc.wait(timeout=20)


@contextlib.contextmanager
def _chromium():
    from playwright.sync_api import sync_playwright

    from dashboard.reports.browser import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _login(browser, url: str, user: str, password: str):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{url}/")
    page.wait_for_selector("h1:has-text('logg inn')", timeout=60_000)
    page.get_by_label("Brukernavn").fill(user)
    page.get_by_label("Passord", exact=True).fill(password)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    return page


def bench_server(db: Path, user: str, password: str) -> dict:
    """Start the real server, open every page in Chromium, and read the process's peak memory."""
    with _server(db) as (url, proc, startup):
        out: dict = {"startup_s": round(startup, 2)}
        if Path("/usr/bin/chromium").exists():
            with _chromium() as browser:
                t1 = time.perf_counter()
                page = _login(browser, url, user, password)
                out["first_page_s"] = round(time.perf_counter() - t1, 2)
                browser_pages = {}
                for name, label in zip(PAGES, NAV_LABELS, strict=True):
                    t1 = time.perf_counter()
                    page.locator("[data-testid='stSidebarNav'] a", has_text=label).first.click()
                    page.wait_for_selector(f"h1:has-text('{HEADINGS[name]}')", timeout=60_000)
                    page.wait_for_load_state("networkidle")
                    browser_pages[name] = round(time.perf_counter() - t1, 2)
                out["browser_page_s"] = browser_pages
        out["peak_rss_mib"] = _peak_rss_mib(proc.pid)
        return out


def _peak_rss_mib(pid: int) -> float:
    """The most memory the process has held so far (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    hwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
    return round(int(hwm.split()[1]) / 1024, 1)


LOAD_PAGES = ["elevundersokelsen", "saker", "team", "datakvalitet", "oversikt"]
PROBLEMS = ("Traceback", "Exception", "Error", "opptatt")


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system, all threads) the process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _round(pages: list, name: str, problems: list[str], server: int | None = None, cpu: list | None = None) -> float:
    """Every session switches to page `name` at once; seconds until the last one has drawn it.

    With `server` (its pid) the server's CPU seconds in the round are added to `cpu`: the sessions' Chromium shares
    the machine's two cores with it here, where a meeting's laptops would draw their own pages.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    used = _cpu_seconds(server) if server else 0.0
    start = time.perf_counter()
    label = NAV_LABELS[PAGES.index(name)]
    for page in pages:
        page.locator("[data-testid='stSidebarNav'] a", has_text=label).first.click()
    for page in pages:
        try:
            page.wait_for_selector(f"h1:has-text('{HEADINGS[name]}')", timeout=120_000)
            page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120_000)  # run over
        except PlaywrightTimeout:
            problems.append(f"{name}: ikke tegnet innen 2 minutter")
            continue
        body = page.inner_text("body")
        problems += [f"{name}: {p}" for p in PROBLEMS if p in body]
    took = time.perf_counter() - start
    if server and cpu is not None:
        cpu.append(_cpu_seconds(server) - used)
    return took


def _files_loaded(page, wait_s: float = 0.0) -> int | None:
    """«Filer lastet» as the Datakvalitet page on `page` shows it, waiting up to `wait_s` for it to be drawn (the last
    session clicked may not have started its run when the round reads it: it was counted as not seeing the file)."""
    deadline = time.perf_counter() + wait_s
    while True:
        shown = re.search(r"Filer lastet\s+(\d+)", page.inner_text("body"))
        if shown or time.perf_counter() >= deadline:
            return int(shown.group(1)) if shown else None
        page.wait_for_timeout(250)


def bench_under_load(db: Path, source_file: Path, user: str, password: str, sessions: int = 6) -> dict:
    """A rektormøte's worth of sessions in Chromium switching pages while another process ingests a national file.

    The sessions first go once through the pages (a meeting under way), then do the same rounds with no ingest
    (the baseline) and while `skolemiljo ingest` loads a copy of a national file made new to the warehouse (a
    different hash; it replaces the same 470 000 rows). Reports the rounds' times before and during, every error
    a user would have read, and how many sessions show the new file in «Filer lastet» afterwards.
    """
    fresh = source_file.with_name(f"ny_{time.time_ns()}_{source_file.name}")
    fresh.write_bytes(source_file.read_bytes() + b"\n" * (1 + time.time_ns() % 97))  # a hash never loaded before
    problems: list[str] = []
    cpu_before: list[float] = []
    with _server(db) as (url, proc, _startup), _chromium() as browser:
        pages = [_login(browser, url, user, password) for _ in range(sessions)]
        for name in LOAD_PAGES:
            _round(pages, name, problems)
        before = [_round(pages, name, problems, proc.pid, cpu_before) for name in LOAD_PAGES]
        # What each session counts before the ingest (a skoleeier counts the files of their municipalities: a log
        # row written before the log named them is not among them, so the warehouse's own count is no yardstick).
        _round(pages, "datakvalitet", problems)
        counted_before = [_files_loaded(page, wait_s=30) for page in pages]
        t0 = time.perf_counter()
        writer = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "--db", str(db), "ingest", str(fresh)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        during = []
        while writer.poll() is None:
            during.append(_round(pages, LOAD_PAGES[len(during) % len(LOAD_PAGES)], problems))
        ingest_s = time.perf_counter() - t0
        output = writer.communicate()[0]
        seen = 0
        for page, count in zip(pages, counted_before, strict=True):  # afterwards each counts one more (within 30 s)
            _round([page], "datakvalitet", problems)
            for _ in range(60):
                if count is not None and _files_loaded(page) == count + 1:
                    seen += 1
                    break
                page.wait_for_timeout(500)
        peak_rss = _peak_rss_mib(proc.pid)
    fresh.unlink()

    def median(xs: list[float]) -> float | None:
        return round(statistics.median(xs), 2) if xs else None

    return {
        "sessions": sessions, "ingest_rc": writer.returncode, "ingest_s": round(ingest_s, 1),
        "round_before_p50_s": median(before), "server_cpu_per_round_p50_s": median(cpu_before),
        "rounds_during_ingest": len(during),
        "round_during_p50_s": median(during), "round_during_max_s": round(max(during), 2) if during else None,
        "problems": problems[:10], "n_problems": len(problems), "sessions_seeing_new_file": seen,
        "server_peak_rss_mib": peak_rss,
        "ingest_output": output.strip().splitlines()[-1][:200] if output.strip() else "",
    }


def bench_reports(db: Path, kommunenr: str) -> list[dict]:
    """Seconds to build and render each report: `seconds` with a Chromium of its own (the command line's way; the
    first build reads the warehouse cold), `warm_seconds` on the dashboard's warm Chromium (`browser.render_warm`,
    started and given Plotly once before the clock runs, as the server's first report does)."""
    import streamlit.logger

    streamlit.logger.set_log_level("error")
    os.environ["SKOLEMILJO_DB"] = str(db)
    from dashboard.reports import content, render
    from dashboard.viewer import Viewer

    requester = Viewer(role="skoleeier", kommuner=frozenset({kommunenr}), brukernavn="bench")
    year = max(r[0] for r in duckdb.connect(str(db), read_only=True).execute(
        "SELECT skoleaar FROM mart.elevundersokelsen").fetchall())
    from dashboard.reports import browser

    out = []
    for mottaker in content.RECIPIENTS:
        for fmt in content.FORMATS:
            start = time.perf_counter()
            report = content.build(requester, content.Request(kommunenr, year, mottaker))
            built = time.perf_counter() - start
            data = render.render(report, fmt)
            cold = time.perf_counter() - start
            render.render(report, "html", warm=True)  # the warm Chromium up (once; later reports find it so)
            start = time.perf_counter()
            render.render(report, fmt, warm=True)
            out.append({"report": mottaker, "format": fmt, "seconds": round(cold, 2),
                        "warm_seconds": round(built + time.perf_counter() - start, 2), "kib": round(len(data) / 1024)})
            print(f"rapport {mottaker} {fmt}: {out[-1]['seconds']} s, varm {out[-1]['warm_seconds']} s, "
                  f"{out[-1]['kib']} KiB", flush=True)
    browser._WARM.stop()
    return out


def _or_dash(value) -> str:
    return "–" if value is None else str(value)


def write_markdown(results: dict, stem: str) -> None:
    """bench/<stem>.md from the figures in results."""
    rows, ingest, total, pages, reports = (results["scale"]["rows"], results["ingest"], results["ingest_total"],
                                           results["pages"], results["reports"])
    lines = [
        f"# Benchmark ({results['scale']['name']}: {results['scale']['schools']} skoler i "
        f"{results['scale']['municipalities']} kommuner, {rows['elevundersokelsen']} rader i mart.elevundersokelsen)",
        "",
        f"Maskin: {results['machine']}",
        "",
        "Mål (issue 7): innlasting ≤ 3 × DuckDBs egen read_csv/read_json av samme fil (Great Expectations medregnet); "
        "sider ≤ 1 s kalde og ≤ 0,2 s varme; dashbordet ≤ 1 GiB minne.",
        "",
        "| kilde | filer (XLSX/YAML) | rader | sekunder | rader/s | × DuckDB read_* (CSV/JSON) | s mer enn DuckDB per fil "
        "| × DuckDB read_* til en databasefil |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {r['source']} | {r['files']} ({r['xlsx_files']}) | {r['rows']} | {r['seconds']} | {r['rows_per_s']} | "
          f"{_or_dash(r['ratio_to_duckdb'])} | {_or_dash(r.get('extra_s_per_file'))} | "
          f"{_or_dash(r.get('ratio_to_duckdb_file'))} |"
          for r in ingest],
        "",
        "Målestokken er DuckDBs lesing inn i en tabell i minnet. Den siste kolonnen er samme lesing inn i en ny "
        "databasefil, committet: det DuckDB selv betaler for å ta vare på radene, slik innlastingen må.",
        "",
        "Nedre grense: forholdet en innlasting ville fått om den ikke brukte tid på noe annet enn DuckDBs lesing, "
        "Great Expectations' kontroller og å åpne lageret. GX bygger en metrikkgraf per forventning (om lag 3 ms hver, "
        "like mye for én rad som for mange) og DuckDB åpner en fil på om lag 15 ms: for en liten fil er det alene mer "
        "enn 3 × DuckDBs lesing.",
        "",
        "| kilde | forventninger per fil | GX (s) | åpne lageret (s) | DuckDB read_* (s) | nedre grense (× DuckDB) | målt (× DuckDB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {r['source']} | {_or_dash(r.get('expectations'))} | {_or_dash(r.get('gx_s'))} | "
          f"{_or_dash(r.get('connect_s'))} | {_or_dash(r.get('duckdb_s'))} | {_or_dash(r.get('floor_ratio'))} | "
          f"{_or_dash(r['ratio_to_duckdb'])} |" for r in ingest],
        "",
        "Sekunder per trinn i innlastingen, summert over kildens filer (start: filen lest, lageret åpnet; kontroll: "
        "Great Expectations mens radene legges inn ved siden av; innlasting: venter på innleggingen og committer):",
        "",
        "| kilde | " + " | ".join(STAGE_ORDER) + " |",
        "|---|" + "---:|" * len(STAGE_ORDER),
        *[f"| {r['source']} | " + " | ".join(_or_dash(r.get("stages_s", {}).get(st)) for st in STAGE_ORDER) + " |"
          for r in ingest],
        "",
        f"Hele innlastingen: {total['files']} filer på {total['seconds']} s (uten GX-oppstart: "
        f"{total.get('gx_startup_s', '?')} s én gang per prosess).",
        "",
        f"Sider (AppTest): kald = median av {COLD_RUNS} kjøringer med tomme cacher, slik hver side er etter en "
        "innlasting (modulene er alt lastet; det betaler serveren én gang, se oppstart); varm = median av 5.",
        "",
        "| side | kald (s) | varm (s) |",
        "|---|---:|---:|",
        *[f"| {p['page']} | {p['cold_s']} | {p['warm_s']} |" for p in pages],
        "",
        f"Oppstart til helsesjekk: {results['startup_s']} s · første side i Chromium: {results['first_page_s']} s · "
        f"maks minne (dashboard): {results['peak_rss_mib']} MiB · lager: {results['warehouse_mib']} MiB",
        "",
        "Rapporter: «egen Chromium» er kommandolinjens vei (Chromium startes og laster Plotly for hver rapport); "
        "«dashbordet» lager dem på en Chromium serveren holder varm med Plotly lastet.",
        "",
        "| rapport | format | sekunder, egen Chromium | sekunder, dashbordet | KiB |",
        "|---|---|---:|---:|---:|",
        *[f"| {r['report']} | {r['format']} | {r['seconds']} | {_or_dash(r.get('warm_seconds'))} | {r['kib']} |"
          for r in reports],
        "",
        *_load_lines(results.get("under_load")),
    ]
    (OUT / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def _bench_account(db: Path) -> tuple[str, str]:
    """A skoleeier of every municipality in an existing warehouse, added to its users file when missing."""
    from pipelines import accounts

    user, password = "benk-last", "benk-fjell-kaffe-sykkel"
    if user not in accounts.load(accounts.users_path(db)):
        accounts.add(accounts.users_path(db), accounts.Account(user, "skoleeier", tuple(_kommuner(db))), password)
    return user, password


def _only_under_load(db: Path, source_file: Path) -> None:
    user, password = _bench_account(db)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / source_file.name
        copy.write_bytes(source_file.read_bytes())
        load = bench_under_load(db, copy, user, password)
    print(load)
    _merge({"under_load": load})


def _kommuner(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [k for (k,) in con.execute("SELECT DISTINCT kommunenr FROM mart.skoler ORDER BY 1").fetchall()]
    finally:
        con.close()


def _only_pages(db: Path) -> None:
    _merge({"pages": bench_pages(db, _kommuner(db))})


def _merge(parts: dict) -> None:
    """Parts measured again, against an existing national warehouse: into results.json and results.md."""
    results = json.loads((OUT / "results.json").read_text(encoding="utf-8"))
    results.update(parts)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_markdown(results, "results")


def _load_lines(load: dict | None) -> list[str]:
    if not load:
        return []
    if "error" in load:
        return [f"Under last: målingen stoppet ({load['error']}).", ""]
    return [
        f"Under last: {load['sessions']} økter i Chromium bytter side samtidig (en runde = alle har tegnet siden). "
        f"Uten innlasting: median {load['round_before_p50_s']} s per runde"
        + (f"; serveren brukte {load['server_cpu_per_round_p50_s']} CPU-sekunder av dem, resten av de to kjernene "
           f"gikk til Chromium-fanene som tegner sidene (på et møte gjør hver deltakers egen maskin det)"
           if load.get("server_cpu_per_round_p50_s") is not None else "")
        + f". Mens en annen prosess laster inn "
        f"settets største CSV-fil på nytt, med ny hash ({load['ingest_s']} s): {load['rounds_during_ingest']} runder, median "
        f"{load['round_during_p50_s']} s, høyst {load['round_during_max_s']} s. Feil sett av brukerne: "
        f"{load['n_problems']}. Økter som viser den nye filen etterpå: {load['sessions_seeing_new_file']} av "
        f"{load['sessions']}."
        + (f" Serverens maks minne etter alle rundene: {load['server_peak_rss_mib']} MiB."
           if load.get("server_peak_rss_mib") is not None else ""),
        "",
    ]


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--skala", choices=["nasjonal", "demo"], default="nasjonal")
    parser.add_argument("--skoler", type=int, default=2900)
    parser.add_argument("--aar", type=int, default=10)
    parser.add_argument("--under-last", nargs=2, metavar=("LAGER", "FIL"),
                        help="bare målingen under last, mot et nasjonalt lager som finnes; føyes til results.json")
    parser.add_argument("--sider", metavar="LAGER",
                        help="bare sidene (kalde og varme), mot et nasjonalt lager som finnes; føyes til results.json")
    parser.add_argument("--server", metavar="LAGER",
                        help="bare serveren (oppstart, sidene i Chromium, maks minne), mot et nasjonalt lager som finnes")
    parser.add_argument("--rapporter", metavar="LAGER",
                        help="bare rapportene, mot et nasjonalt lager som finnes; føyes til results.json")
    args = parser.parse_args(argv)
    if args.sider:
        return _only_pages(Path(args.sider))
    if args.rapporter:
        return _merge({"reports": bench_reports(Path(args.rapporter), _kommuner(Path(args.rapporter))[0])})
    if args.server:
        return _merge(bench_server(Path(args.server), *_bench_account(Path(args.server))))
    if args.under_last:
        return _only_under_load(Path(args.under_last[0]), Path(args.under_last[1]))
    national = args.skala == "nasjonal"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if national:
            from bench.national import write_national

            t0 = time.perf_counter()
            files = write_national(work / "filer", args.skoler, args.aar)
            print(f"skrev {len(files)} filer ({sum(f.stat().st_size for f in files) / 1e6:.0f} MB) på "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
        else:
            from pipelines.demo import write_demo_files

            files = write_demo_files(work / "demo")
        ingest, db, total = bench_ingest(work, files)
        kommuner = _kommuner(db)
        if national:
            from pipelines import accounts

            user, password = "skolesjef", "benk-fjell-kaffe-sykkel"
            accounts.add(accounts.users_path(db), accounts.Account(user, "skoleeier", tuple(kommuner)), password)
        else:
            from pipelines.cli import print_demo_accounts
            from pipelines.warehouse import store

            store.set_setting(db, "demo", "ja")
            print_demo_accounts(db)
            user, password = "skolesjef", "demo-skolesjef"
        pages = bench_pages(db, kommuner)
        server = bench_server(db, user, password)
        biggest = max((f for f in files if f.suffix == ".csv"), key=lambda f: f.stat().st_size)
        try:
            under_load = bench_under_load(db, biggest, user, password) if Path("/usr/bin/chromium").exists() else None
        except Exception as exc:  # the other figures are still worth writing
            under_load = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        print("under last:", under_load, flush=True)
        reports = bench_reports(db, kommuner[0])
        con = duckdb.connect(str(db), read_only=True)
        rows = dict(con.execute(" UNION ALL ".join(
            f"SELECT '{v}', count(*) FROM mart.{v}" for v in ("elevundersokelsen", "skoler", "ungdata", "saker", "teammoter")
        )).fetchall())
        con.close()
        results = {
            "machine": _machine(),
            "scale": {"name": args.skala, "schools": rows["skoler"], "municipalities": len(kommuner), "rows": rows},
            "ingest": ingest,
            "ingest_total": total,
            "pages": pages,
            "startup_s": server.get("startup_s"),
            "first_page_s": server.get("first_page_s"),
            "browser_page_s": server.get("browser_page_s"),
            "peak_rss_mib": server.get("peak_rss_mib"),
            "under_load": under_load,
            "warehouse_mib": round(db.stat().st_size / 1024 / 1024, 2),
            "reports": reports,
        }
    stem = "results" if national else "results-demo"
    (OUT / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_markdown(results, stem)



if __name__ == "__main__":
    main()
