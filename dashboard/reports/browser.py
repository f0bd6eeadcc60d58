"""Headless Chromium (the machine's own, never downloaded at run time) turning a report's HTML into static charts and PDF.

`make run` and `make test` install Debian's Chromium through scripts/ensure-chromium.sh; Playwright drives it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path

from dashboard.reports.content import ReportError

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def chromium_path() -> Path | None:
    """SKOLEMILJO_CHROMIUM, else /usr/bin/chromium, else a chromium on PATH."""
    for candidate in (os.environ.get("SKOLEMILJO_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


# Runs in the page: every chart drawn by Plotly becomes inline SVG (its text stays text, so it is searchable in
# the PDF), then the Plotly script is removed so the HTML is small and static.
_TO_SVG = """
async () => {
  for (const el of document.querySelectorAll('div.chart[data-figure]')) {
    const fig = JSON.parse(el.dataset.figure);
    await Plotly.newPlot(el, fig.data, fig.layout, {staticPlot: true});
    const url = await Plotly.toImage(el, {format: 'svg', width: fig.layout.width, height: fig.layout.height});
    const svg = decodeURIComponent(url.slice(url.indexOf(',') + 1));
    const holder = document.createElement('div');
    holder.className = 'chart-static';
    holder.innerHTML = svg;
    el.replaceWith(holder);
  }
  for (const s of document.querySelectorAll('script')) s.remove();
}
"""


def _executable() -> Path:
    exe = chromium_path()
    if exe is None:
        raise ReportError(
            "Fant ikke Chromium, som trengs for å lage PDF og figurer. Kjør «make run» på nytt (installerer den når "
            "maskinen tillater det) eller «apt-get install chromium»."
        )
    return exe


def _failed(exc: Exception) -> ReportError:
    return ReportError(f"Chromium klarte ikke å lage rapporten: {str(exc).splitlines()[0]}")


def _finish(page, pdf: bool, footer: str) -> tuple[str, bytes | None]:
    """On a page holding the report and Plotly: charts to SVG, then the static HTML and the PDF."""
    page.evaluate(_TO_SVG)
    static = "<!DOCTYPE html>\n" + page.evaluate("document.documentElement.outerHTML")
    data = None
    if pdf:
        page.emulate_media(media="print")
        try:
            data = page.pdf(
                format="A4", print_background=True, display_header_footer=True,
                margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                header_template="<span></span>",
                footer_template=(
                    '<div style="font-size:8px;width:100%;padding:0 16mm;color:#555;display:flex;'
                    f'justify-content:space-between"><span>{footer}</span>'
                    '<span>Side <span class="pageNumber"></span> av <span class="totalPages"></span></span></div>'
                ),
            )
        finally:
            page.emulate_media(media="screen")
    return static, data


def render(html: str, *, pdf: bool, footer: str = "") -> tuple[str, bytes | None]:
    """Charts to inline SVG; returns the static HTML, and the A4 PDF when `pdf`. `html` carries Plotly itself.

    A Chromium of its own, started and closed here (the command line's way; the dashboard uses `render_warm`).
    """
    exe = _executable()
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(exe), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.set_content(html, wait_until="load")
                return _finish(page, pdf, footer)
            finally:
                browser.close()
    except Error as exc:
        raise _failed(exc) from exc


IDLE_SECONDS = 600.0
"""A warm Chromium with no report for this long is closed (about 150 MB); the next report starts it again."""
WAIT_SECONDS = 180.0
"""How long a report waits for the warm Chromium (reports ahead of it in the queue, a start) before giving up."""


class _Warm:
    """One headless Chromium with Plotly already loaded, kept on a thread of its own between reports.

    On this 2-core machine a fresh page takes 2.5–3 s to load Plotly (4.6 MB of JavaScript) and Chromium 1 s to
    start: of a 5.5 s report, 4 s. A warm page writes each report into its document (`document.open`, which keeps
    the page's globals, Plotly among them) and makes it in 0.6–1 s. Playwright's sync API belongs to the thread
    that started it, so reports are handed to that thread and made one at a time, as one page allows.

    Each worker thread has its own queue, handed jobs only while it is the current worker (under `lock`): a worker
    that retires (idle, or `stop`) first stops being current, so no job is ever left in a queue nobody reads.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.jobs: queue.Queue | None = None
        self.starts = 0  # how many times a Chromium was started (the tests see it stay warm)

    def submit(self, html: str, pdf: bool, footer: str) -> tuple[str, bytes | None]:
        done: Future = Future()
        with self.lock:
            if self.thread is None:
                self.jobs = queue.Queue()
                self.thread = threading.Thread(target=self._work, args=(self.jobs,), name="rapport-chromium",
                                               daemon=True)
                self.thread.start()
            self.jobs.put((html, pdf, footer, done))
        try:
            return done.result(timeout=WAIT_SECONDS)
        except TimeoutError as exc:
            done.cancel()  # not made later for nobody
            raise ReportError("Chromium brukte for lang tid på rapporten; prøv igjen om litt.") from exc

    def stop(self) -> None:
        """Close the warm Chromium now (at exit; the tests), after any report already handed to it."""
        with self.lock:
            thread, jobs = self.thread, self.jobs
            self.thread = self.jobs = None
            if jobs is not None:
                jobs.put(None)
        if thread is not None:
            thread.join(timeout=30)

    def _retire(self, jobs: queue.Queue) -> bool:
        """Stop being the current worker, unless a job came in meanwhile (then go on)."""
        with self.lock:
            if not jobs.empty():
                return False
            if self.jobs is jobs:
                self.thread = self.jobs = None
            return True

    def _work(self, jobs: queue.Queue) -> None:
        try:
            self._serve(jobs)
        finally:  # however the worker ends: it is no longer current, and what is left in its queue is told so
            with self.lock:
                if self.jobs is jobs:
                    self.thread = self.jobs = None
            while True:
                try:
                    job = jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None and job[3].set_running_or_notify_cancel():
                    job[3].set_exception(ReportError("Chromium stoppet før rapporten ble laget; prøv igjen."))

    def _serve(self, jobs: queue.Queue) -> None:
        import plotly.offline
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = page = None
            try:
                while True:
                    try:
                        job = jobs.get(timeout=IDLE_SECONDS)
                    except queue.Empty:
                        if self._retire(jobs):
                            return
                        continue
                    if job is None:  # `stop`
                        return
                    html, pdf, footer, done = job
                    if not done.set_running_or_notify_cancel():
                        continue
                    try:
                        if page is None:
                            browser = p.chromium.launch(executable_path=str(_executable()), args=CHROMIUM_ARGS)
                            self.starts += 1
                            page = browser.new_page()
                            page.add_script_tag(content=plotly.offline.get_plotlyjs())
                        page.evaluate("html => { document.open(); document.write(html); document.close(); }", html)
                        done.set_result(_finish(page, pdf, footer))
                    except ReportError as exc:
                        done.set_exception(exc)
                    except Exception as exc:  # noqa: BLE001 (a crashed page: start afresh for the next report)
                        done.set_exception(_failed(exc))
                        if browser is not None:
                            with contextlib.suppress(Exception):  # already gone
                                browser.close()
                        browser = page = None
            finally:
                if browser is not None:
                    browser.close()


_WARM = _Warm()
atexit.register(_WARM.stop)


def render_warm(html: str, *, pdf: bool, footer: str = "") -> tuple[str, bytes | None]:
    """As `render`, on the warm Chromium that already holds Plotly; `html` is the report without Plotly."""
    return _WARM.submit(html, pdf, footer)
