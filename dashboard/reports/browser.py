"""Headless Chromium (the machine's own, never downloaded at run time) turning a report's HTML into static charts and PDF.

`make run` and `make test` install Debian's Chromium through scripts/ensure-chromium.sh; Playwright drives it.
"""

from __future__ import annotations

import os
import shutil
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


def render(html: str, *, pdf: bool, footer: str = "") -> tuple[str, bytes | None]:
    """Charts to inline SVG; returns the static HTML, and the A4 PDF when `pdf`."""
    exe = chromium_path()
    if exe is None:
        raise ReportError(
            "Fant ikke Chromium, som trengs for å lage PDF og figurer. Kjør «make run» på nytt (installerer den når "
            "maskinen tillater det) eller «apt-get install chromium»."
        )
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(exe), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.set_content(html, wait_until="load")
                page.evaluate(_TO_SVG)
                static = "<!DOCTYPE html>\n" + page.evaluate("document.documentElement.outerHTML")
                data = None
                if pdf:
                    page.emulate_media(media="print")
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
                return static, data
            finally:
                browser.close()
    except Error as exc:
        raise ReportError(f"Chromium klarte ikke å lage rapporten: {str(exc).splitlines()[0]}") from exc
