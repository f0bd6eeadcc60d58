"""A built report as a file: HTML (charts as inline SVG), PDF (A4, through headless Chromium) or XLSX (every table)."""

from __future__ import annotations

import html as html_lib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dashboard import export, labels
from dashboard.charts import escaped
from dashboard.reports import browser
from dashboard.reports.content import FORMATS, RECIPIENTS, Report, ReportError

TEMPLATES = Path(__file__).parent / "templates"
CHART_WIDTH = 680
"""Pixels: the printable width of A4 with the report's margins."""

MIME = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

SUFFIXES = {"pdf": (".pdf",), "html": (".html", ".htm"), "xlsx": (".xlsx",)}
"""The file endings a report of each format may be written under (the first is the one suggested)."""

_LONG_WORD = re.compile(r"\S{30,}")
"""A run of text no column of the report's tables is wide enough for: a link, a path."""

_NUMERIC = re.compile(r"^[−+-]?[\d  ]+([,.]\d+)?( ?%| pp)?$|^1–4$|^skjult$|^–$|^\d+ av \d+$")


@dataclass
class _Row:
    cells: list[str]
    total: bool


@dataclass
class _HtmlTable:
    title: str
    columns: list[str]
    rows: list[_Row]
    numeric: set[int]


def _text(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def _html_table(table: export.Table) -> _HtmlTable:
    frame = table.frame
    rows = [_Row([_text(v) for v in row], total=str(row[0]).startswith("Kommunen i alt")) for row in frame.iter_rows()]
    numeric = {
        i for i in range(1, len(frame.columns))
        if rows and all(_NUMERIC.match(r.cells[i]) for r in rows)
    }
    return _HtmlTable(table.title, [labels.breakable(str(c)) for c in frame.columns], rows, numeric)


@cache
def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.tests["long_word"] = lambda text: bool(_LONG_WORD.search(str(text)))  # a cell that may break anywhere
    return env


def _chart_json(chart) -> str:
    # A copy (the page's figures are built once and shared: charts.cached_figure), every name in it as written
    fig = escaped(chart.figure)
    shown = [t for t in fig.data if t.showlegend is not False and t.name]
    rows = -(-len(shown) // 3) if len(shown) > 1 else 0
    # The title is the page's own heading above the chart; the legend sits on top of the plot, where it cannot
    # collide with axis labels, with room for as many rows as it needs.
    fig.update_layout(width=CHART_WIDTH, height=chart.height + 26 * rows, autosize=False, title=None,
                      showlegend=rows > 0,
                      legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom", traceorder="normal"),
                      margin=dict(l=10, r=30, t=12 + 26 * rows, b=10))
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    return fig.to_json()


def to_html(report: Report, *, interactive: bool, embed_plotly: bool = True) -> str:
    """The report page. `interactive` embeds Plotly and draws the charts on opening (the fallback without Chromium);
    otherwise the page carries Plotly only for the browser step that turns charts into SVG, and not at all when
    `embed_plotly` is False (the warm browser has it already)."""
    import plotly.offline

    sections = []
    for s in report.sections:
        charts = [{"title": c.title, "json": _chart_json(c)} for c in s.charts]
        sections.append({"title": s.title, "paragraphs": s.paragraphs, "notes": s.notes, "charts": charts,
                         "tables": [_html_table(t) for t in s.tables]})
    template = _environment().get_template("rapport.html.j2")
    view = {**report.__dict__, "sections": sections}
    return template.render(r=view, recipient=RECIPIENTS[report.mottaker],
                           plotly_js=plotly.offline.get_plotlyjs() if embed_plotly or interactive else "",
                           interactive=interactive)


def to_xlsx(report: Report) -> bytes:
    about = [
        ("Rapport", report.title),
        ("", report.subtitle),
        ("Kommune", f"{report.kommune} ({report.kommunenr})"),
        ("Skoleår", report.skoleaar),
        ("Mottaker", RECIPIENTS[report.mottaker]),
        ("Laget", report.laget.strftime("%d.%m.%Y %H:%M") + (f" av {report.laget_av}" if report.laget_av else "")),
        ("Vern", report.vern),
    ]
    if report.demo:
        about.append(("Demodata", "Kommunen, skolene og alle tall er fiktive."))
    # The notes too: «Utkast: skoleeiers vurdering er ikke skrevet ennå», what a count counts, why a bar is missing.
    # The spreadsheet is read alone, without the PDF beside it.
    for section in report.sections:
        for line in [*section.paragraphs, *section.notes]:
            about.append((section.title, line))
    return export.xlsx_bytes(report.tables(), about)


def render(report: Report, fmt: str, *, warm: bool = False) -> bytes:
    """The report as `fmt` (pdf, html, xlsx). Raises ReportError (Norwegian) when it cannot be made.

    `warm`: made on the Chromium the server keeps with Plotly loaded (`browser.render_warm`), 0.6–1 s instead of
    5 s; the command line starts one of its own.
    """
    if fmt not in FORMATS:
        raise ReportError(f"Ukjent format «{fmt}». Velg pdf, html eller xlsx.")
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "html" and browser.chromium_path() is None:
        # No browser on this machine: the HTML still works, drawing its charts when opened.
        return to_html(report, interactive=True).encode("utf-8")
    footer = html_lib.escape(f"{report.title} – skoleåret {report.skoleaar}")
    if warm:
        static, pdf = browser.render_warm(to_html(report, interactive=False, embed_plotly=False), pdf=fmt == "pdf",
                                          footer=footer)
    else:
        static, pdf = browser.render(to_html(report, interactive=False), pdf=fmt == "pdf", footer=footer)
    if fmt == "pdf":
        assert pdf is not None
        return pdf
    return static.encode("utf-8")


def write_file(data: bytes, out: Path, log: Callable[[], None], *, fmt: str = "pdf") -> None:
    """Put the report at `out` whole, or nothing at all: `--ut` a folder is refused before anything is written (it
    left a hidden copy of the full report beside it), and `log` (the export's audit line) runs before the file is
    moved into place, so a report whose export could not be logged is never left behind. `fmt` names the suffix the
    refusal suggests. Raises ReportError."""
    if out.is_dir():
        suggested = out / f"rapport{SUFFIXES.get(fmt, ('.pdf',))[0]}"
        raise ReportError(f"«{out}» er en mappe. Oppgi et filnavn, for eksempel {suggested}.")
    tmp: str | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out.parent, prefix=f".{out.name}.", delete=False) as f:
            tmp = f.name
            f.write(data)
        try:
            log()
        except OSError as exc:
            raise ReportError(f"Rapporten er ikke skrevet: eksporten kunne ikke føres i revisjonsloggen "
                              f"({exc.strerror or exc}).") from exc
        os.replace(tmp, out)
        tmp = None
    except OSError as exc:
        raise ReportError(f"Kunne ikke skrive rapporten til {out}: {exc.strerror or exc}.") from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
