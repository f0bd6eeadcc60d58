"""Plotly figures for the pages: Norwegian labels, references drawn apart, hidden values marked not dropped."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import re

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.labels import KJONN, NO_VALUE, format_value, hyphenation, number_text, trinn_label
from pipelines.sources.base import MONTH_NAMES

PALETTE = ["#0072B2", "#C08000", "#228833", "#3A8FC0", "#332288", "#CC3311", "#AA4499", "#882255", "#E0576B"]
"""Colours a colour-blind reader tells apart too: Okabe–Ito's blue and a darkened orange, then Paul Tol's green, a
darkened cyan, indigo, red, purple, wine and a darkened rose, picked so that every pair, and every colour against the
municipality's black and the nation's grey lines, stays apart under simulated deuteranopia (Machado 2009), and every
line stands out 3:1 against white (WCAG 1.4.11; Tol's orange and cyan were 2.2:1, faint on a projector). The old
palette's blue and purple, red and brown, cyan and pink came out the same there."""
COUNTY_COLOUR = "#70543E"
"""The county's reference line: a dark brown that stays apart from every palette colour, the municipality's black and
the nation's grey under simulated deuteranopia, and from the programme markers' ochre (a grey between black and the
nation's grey came out as the palette's indigo or wine)."""
FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=14)
LAYOUT = dict(font=FONT, separators=", ")
"""Every figure's layout starts here: our font, decimal comma and a space between thousands («4,2», «12 500»)."""


_TRACE_TEXT = ("name", "x", "y", "text", "hovertext", "customdata")
"""A trace's fields that may carry a name from a file (a school, a team, a programme) which Plotly draws."""


def chart_text(value):
    """`value` as Plotly should draw it: a name as written. Plotly reads `<a href>`, `<b>`, `<span style>` in any text
    it draws as markup, so «<a href="https://…">Nordli</a>» from a survey file became a link in a chart's axis, legend
    and hover box. Every `<`, `>` and `&` is escaped (Plotly draws `&lt;` as «<»); our own line breaks, `<br>`, stay.
    Lists (a heatmap's rows, a hover's customdata) are escaped item by item; numbers and dates are left as they are."""
    if isinstance(value, str):
        return "<br>".join(html.escape(part, quote=False) for part in value.split("<br>"))
    if isinstance(value, list | tuple):
        return [chart_text(v) for v in value]
    if getattr(getattr(value, "dtype", None), "kind", "") in ("O", "U", "S"):  # a NumPy array of text
        return [chart_text(v) for v in value.tolist()]
    return value


_MARKUP_SIGN = re.compile(r"&|(?<!<br)>|<(?!br>)")
"""A text Plotly would read as markup or an entity: `&`, `>`, or `<` other than our own `<br>`."""


def _marked(value) -> bool:
    if isinstance(value, str):
        return _MARKUP_SIGN.search(value) is not None
    if isinstance(value, list | tuple):
        return any(_marked(v) for v in value)
    if getattr(getattr(value, "dtype", None), "kind", "") in ("O", "U", "S"):
        return any(_marked(v) for v in value.tolist())
    return False


def _needs_escaping(fig: go.Figure) -> bool:
    layout = fig.layout
    texts = [layout.title.text, layout.legend.title.text, *(n.text for n in layout.annotations)]
    fig.for_each_xaxis(lambda a: texts.extend([a.title.text, a.ticktext]))
    fig.for_each_yaxis(lambda a: texts.extend([a.title.text, a.ticktext]))
    return _marked(texts) or any(_marked(trace[f]) for trace in fig.data for f in _TRACE_TEXT if f in trace)


def escaped(fig: go.Figure) -> go.Figure:
    """`fig` to draw, with every text in it passed through `chart_text`, so no name from a file is drawn as a link,
    bold or styled text: a copy (figures are cached and shared) where a text needs it, else `fig` itself (a copy costs
    15 ms a figure, and a page that builds its figures anew on every click paid it each time). The page's table of a
    chart's numbers (`figure_table`) reads the figure itself, and is escaped as HTML there."""
    if not _needs_escaping(fig):
        return fig
    safe = go.Figure(fig)
    for trace in safe.data:
        for field in _TRACE_TEXT:
            if field in trace and trace[field] is not None:
                trace[field] = chart_text(trace[field])
    layout = safe.layout
    if layout.title.text:
        layout.title.text = chart_text(layout.title.text)
    if layout.legend.title.text:
        layout.legend.title.text = chart_text(layout.legend.title.text)
    for note in layout.annotations:
        if note.text:
            note.text = chart_text(note.text)

    def axis(a) -> None:
        if a.title.text:
            a.title.text = chart_text(a.title.text)
        if a.ticktext is not None:
            a.ticktext = chart_text(a.ticktext)

    safe.for_each_xaxis(axis)
    safe.for_each_yaxis(axis)
    return safe


def kommune_name(name: pl.Expr) -> pl.Expr:
    """«Fjellvik» → «Fjellvik kommune»; a name that already says so (Skoleporten's files do) is left as it is."""
    return pl.format("{} kommune", name.str.replace(r"(?i)\s+kommune$", ""))


COMPOUND_HEADS = ("miljø", "prosjekt", "program", "hjelp", "venn", "skole", "trening", "læring")
"""Words that programme names end their compounds with: a long name is broken before one (Lærings-/miljø-/prosjektet)."""


def _word_cut(word: str, width: int) -> int:
    """Where to break a word longer than `width`: before a compound head, else where Norwegian hyphenates it (the
    last place that leaves room for the hyphen), else at width. After any «s» it gave «pros-jektet»."""
    lower = word.lower()
    heads = [i for i in range(3, width) if lower.startswith(COMPOUND_HEADS, i)]
    if heads:
        return heads[-1]
    places = [i for i in hyphenation().positions(word) if 3 <= i <= width - 1]
    return places[-1] if places else width - 1


def cell_label(name: str, width: int) -> str:
    """A name broken into lines of at most `width` characters for a heatmap cell: at spaces, else a long word
    is split with a hyphen before a compound's last part or after its joining «s» (Olweus-programmet)."""
    width = max(width, 4)  # a hyphen and at least three letters on a line
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
            continue
        while len(word) > width:
            cut = _word_cut(word, width)
            lines.append(word[:cut] + "-")
            word = word[cut:]
        lines.append(word)
    return "<br>".join(lines)


def frame_digest(frame: pl.DataFrame) -> str:
    """A frame's content as a cache key: its columns, types and every row.

    Streamlit's own hash of a Polars frame (1.67) reads the text of its row hashes as Arrow prints it, which is the
    first ten and the last ten: two frames of the same shape that differed in a row between were one key. A corrected
    count for a school in the middle of a chart's frame drew the old figure until the server restarted, while the
    table beside it showed the new one."""
    digest = hashlib.sha256(repr(frame.schema).encode())
    digest.update(str(frame.shape).encode())
    try:
        digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    except (TypeError, pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError):
        digest.update(frame.write_ipc(None).getvalue())  # a column type without a row hash
    return digest.hexdigest()


def cached_figure(build):
    """A figure built once per set of arguments (frames are hashed by content, `frame_digest`) and shared, not copied.

    Plotly validates every property as a figure is built (20–150 ms a chart), and a page's figures are the same
    on every rerun until the data or a choice changes. Streamlit only reads a figure it draws; whoever changes one
    (the reports) works on a copy.
    """
    return st.cache_resource(max_entries=256, show_spinner=False, hash_funcs={pl.DataFrame: frame_digest})(build)


def month_label(d) -> str:
    """A date as «okt 2025» (Plotly only speaks English month names)."""
    return f"{MONTH_NAMES[d.month - 1]} {d.year}"


def unlogged_months(last, until) -> list:
    """The school months after the month of `last` (a last logged meeting) up to and including the month `until`
    (July left out): months that have ended with nothing logged, which no expected count covers."""
    if until.replace(day=1) <= last.replace(day=1):
        return []
    return [m for m in month_range([last, until])[1:] if m.month != 7]


def month_range(dates: list) -> list:
    """Every month from the first to the last of `dates` (first days), so a month with nothing shows as a gap, not
    as a month that never was. July, when schools are closed, only where something happened in it."""
    if not dates:
        return []
    seen = {d.replace(day=1) for d in dates}
    first, last = min(seen), max(seen)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        day = first.replace(year=year, month=month)
        if month != 7 or day in seen:
            months.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_axis(dates: list, every: int = 3) -> dict:
    """Norwegian tick labels for a date axis: every `every`th month from the first."""
    months = sorted({d.replace(day=1) for d in dates})
    ticks = months[::every]
    return dict(tickmode="array", tickvals=ticks, ticktext=[month_label(d) for d in ticks])


SMALL_COUNTS = 10


def count_axis(values: list) -> dict:
    """A count axis's ticks on whole numbers: with counts up to `SMALL_COUNTS`, Plotly ticked «0,5 1,5 2,5» for cases
    that come one at a time. Larger counts keep Plotly's own steps (2, 5, 10, …), whole already."""
    largest = max((v for v in values if v is not None), default=0)
    return dict(dtick=1) if largest <= SMALL_COUNTS else {}


SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "triangle-down", "star", "x", "pentagon"]


def school_line(i: int, n: int) -> tuple[dict, dict]:
    """The line and marker of the i-th of n school lines: each its own colour and marker shape, and the first drawn
    widest, so a line lying exactly on another still shows round it (a reviewer could not find Bakken's line: it
    ran under Fjellvik's, and under the municipality's)."""
    width = 2.5 + 4.5 * (n - 1 - i) / max(n - 1, 1)
    return (dict(color=PALETTE[i % len(PALETTE)], width=width),
            dict(symbol=SYMBOLS[i % len(SYMBOLS)], size=6 + width))


@cached_figure
def trend_chart(
    frame: pl.DataFrame, *, title: str, maal: str, markers: list[tuple[str, str]] | None = None
) -> go.Figure:
    """One line per school; the municipality thick and dashed, the county (under its own name) dash-dotted brown, the
    nation dotted grey; hidden points as grey rings.

    A school's line is its orgnr's, under its newest name: a school renamed between two years is one line, not two.
    `markers` are (school year, text) pairs drawn as vertical lines, e.g. when a school started a programme.
    """
    frame = frame.with_columns(
        pl.when(pl.col("enhet_niva") == "kommune").then(kommune_name(pl.col("enhet_navn")))
        .when(pl.col("enhet_niva") == "nasjonalt").then(pl.lit("Landet"))
        .otherwise(pl.col("enhet_navn")).alias("enhet")
    )
    school = pl.col("orgnr").is_not_null() if "orgnr" in frame.columns else pl.lit(False)
    frame = frame.with_columns(
        pl.when((pl.col("enhet_niva") == "skole") & school).then(pl.col("orgnr")).otherwise(pl.col("enhet")).alias("_linje")
    ).with_columns(pl.col("enhet").sort_by("skoleaar_start").last().over("_linje").alias("enhet"))
    years = frame.select("skoleaar", "skoleaar_start").unique().sort("skoleaar_start")["skoleaar"].to_list()
    traces = []  # one Figure(data=…) at the end: Plotly's add_trace in a loop costs ~10 ms a trace
    order = ["skole", "kommune", "fylke", "nasjonalt"]
    units = frame.select("enhet", "enhet_niva", "_linje").unique().sort(
        pl.col("enhet_niva").replace_strict({k: i for i, k in enumerate(order)}, default=9), "enhet", "_linje"
    )
    values = frame["verdi"].drop_nulls()
    if maal == "andel" and len(values) and values.min() > 40:  # participation (85–95 %): the axis where the lines are
        low, high = max(0.0, values.min() - 5), min(100.0, values.max() + 3)
    elif maal == "andel":
        low, high = 0.0, min(100.0, max(10.0, (values.max() or 0) * 1.25))
    else:
        low = max(1.0, (values.min() if len(values) else 3.0) - 0.3)
        high = min(5.0, (values.max() if len(values) else 4.5) + 0.3)
    n_schools = units.filter(pl.col("enhet_niva") == "skole").height
    colour_i = 0
    # The references are drawn last, over the schools: drawn under them, the municipality, county and nation vanished
    # wherever a school had the same value (one decimal: often), and the comparison the chart is for with them. Dashed
    # or dotted, they leave the school's line showing between their dashes.
    for unit, level, key in sorted(units.iter_rows(), key=lambda u: u[1] != "skole"):
        rows = frame.filter(pl.col("_linje") == key).sort("skoleaar_start")
        text = [
            format_value(v, maal) if v is not None else f"skjult – {r}"
            for v, r in zip(rows["verdi"], rows["skjult_grunn"], strict=True)
        ]
        marker = dict(size=8)
        if level == "kommune":
            line = dict(color="#222222", width=4, dash="dash")
        elif level == "fylke":
            line = dict(color=COUNTY_COLOUR, width=3, dash="dashdot")
        elif level == "nasjonalt":
            line = dict(color="#888888", width=3, dash="dot")
        else:
            line, marker = school_line(colour_i, n_schools)
            colour_i += 1
        traces.append(
            go.Scatter(
                x=rows["skoleaar"].to_list(), y=rows["verdi"].to_list(), name=unit, mode="lines+markers",
                line=line, marker=marker, text=text, connectgaps=False,
                hovertemplate="%{fullData.name}<br>%{x}: %{text}<extra></extra>",
                legendrank=1000 + order.index(level) if level != "skole" else 500 + colour_i,
            )
        )
        hidden = rows.filter(pl.col("verdi").is_null())
        if hidden.height:
            traces.append(
                # The word beside the ring: on paper, or a share axis starting at 0 %, a bare ring at the bottom read
                # as «0 %», «no bullying» (a reviewer of the FAU report).
                go.Scatter(
                    x=hidden["skoleaar"].to_list(), y=[low + (high - low) * 0.03] * hidden.height,
                    mode="markers+text", name=f"{unit} (skjult)", showlegend=False,
                    marker=dict(symbol="circle-open", size=12, color=line["color"], line=dict(width=2)),
                    text=["skjult"] * hidden.height, textposition="top center",
                    textfont=dict(size=11, color="#555555"), customdata=hidden["skjult_grunn"].to_list(),
                    # The name in the template itself (the trace's name says «(skjult)»): escaped here, as
                    # `escaped` leaves our templates alone
                    hovertemplate=f"{chart_text(unit)}<br>%{{x}}: %{{customdata}}<extra></extra>",
                )
            )
    if frame["verdi"].null_count():
        # The rings sit along the bottom of the plot, where no value is: the legend says what they are.
        traces.append(go.Scatter(
            x=[None], y=[None], mode="markers", name="Skjult verdi (vises nederst)", hoverinfo="skip",
            marker=dict(symbol="circle-open", size=12, color="#888888", line=dict(width=2)),
        ))
    fig = go.Figure(data=traces)
    fig.update_layout(
        # A title of two lines (a half-width chart's) gets room for its second above the plot
        title=dict(text=title, font=dict(size=18)), **LAYOUT, height=480,
        margin=dict(l=40, r=20, t=60 + 24 * title.count("<br>"), b=90),
        legend=dict(orientation="h", yanchor="top", y=-0.1, x=0), hovermode="closest",
        xaxis=dict(categoryorder="array", categoryarray=years, type="category"),
        yaxis=dict(title="Andel (%)" if maal == "andel" else "Snitt (1–5)", range=[low, high],
                   # an average's ticks all with one decimal: «3,8 / 4 / 4,2» read as if 4 were another kind of value
                   **({} if maal == "andel" else {"tickformat": ".1f"})),
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#e6e6e6")
    for i, (year, text) in enumerate(markers or []):
        if year not in years:
            continue
        fig.add_shape(type="line", x0=year, x1=year, xref="x", yref="paper", y0=0, y1=1,
                      line=dict(color="#7f6000", width=2, dash="dot"))
        fig.add_annotation(x=year, xref="x", yref="paper", y=1 - 0.07 * (i % 4), text=text, showarrow=False,
                           xanchor="left", font=dict(size=12, color="#7f6000"), bgcolor="rgba(255,255,255,0.8)")
    return fig


def _indicator_cells(frame: pl.DataFrame, maal: str) -> pl.DataFrame:
    # Participation is a share too, but higher is better: it does not belong with bullying.
    return frame.filter((pl.col("maal") == maal) & (pl.col("indikator_kode") != "deltakelse"))


def heatmap_reference(frame: pl.DataFrame, *, maal: str) -> str | None:
    """What a school × indicator heatmap's colours are the distance to: the nation («nasjonalt»), else the
    municipality («kommune»), else nothing (None: the cells are not coloured).

    Udir publishes the nation's and the municipalities' figures for 7., 10. and all trinn only: on 5. trinn every
    difference from the missing national value was drawn as none, and a school where 12,7 % were bullied looked like
    one with 6,8 %.
    """
    part = _indicator_cells(frame, maal)
    return next((level for level in ("nasjonalt", "kommune")
                 if part.filter((pl.col("enhet_niva") == level) & pl.col("verdi").is_not_null()).height), None)


def _selection_text(frame: pl.DataFrame) -> str:
    """«2025-26, 7. trinn, alle kjønn»: the school year, trinn and kjønn of a frame with one of each."""
    first = frame.row(0, named=True)
    return f"{first['skoleaar']}, {trinn_label(first['trinn']).lower()}, {KJONN[first['kjonn']].lower()}"


@cached_figure
def school_indicator_heatmap(frame: pl.DataFrame, *, maal: str) -> go.Figure:
    """Schools down, indicators across; colour = difference from the reference (`heatmap_reference`), none where it
    has no value; hidden cells say so. The title, and with it the «Tallene i grafen» table, names the school year,
    trinn and kjønn: without them a 7. trinn's values were read as the whole school's."""
    part = _indicator_cells(frame, maal)
    reference = heatmap_reference(frame, maal=maal)
    against = {} if reference is None else dict(
        part.filter(pl.col("enhet_niva") == reference).select("indikator_kode", "verdi").iter_rows()
    )
    cells = part.filter(pl.col("enhet_niva").is_in(["skole", "kommune"])).with_columns(
        pl.when(pl.col("enhet_niva") == "kommune")
        .then(kommune_name(pl.col("enhet_navn")))
        .otherwise(pl.col("enhet_navn"))
        .alias("rad")
    )
    # The index row (e.g. "Mobbing på skolen") before its sub-shares; otherwise alphabetical.
    indicators = cells.select("indikator_kode", "indikator").unique().sort(
        pl.col("indikator_kode").str.starts_with("EUIndeks").not_(), "indikator"
    )
    rows = (
        cells.select("rad", "enhet_niva").unique()
        .sort(pl.col("enhet_niva") == "kommune", "rad", descending=[False, True])["rad"].to_list()
    )
    sign = -1.0 if maal == "andel" else 1.0
    lookup = {
        (r, c): (v, why)
        for r, c, v, why in cells.select("rad", "indikator_kode", "verdi", "skjult_grunn").iter_rows()
    }
    z, text, why = [], [], []
    for row in rows:
        zr, tr, wr = [], [], []
        why.append(wr)
        for code in indicators["indikator_kode"]:
            wr.append("")
            if (row, code) not in lookup:
                zr.append(None)
                tr.append("")
                continue
            value, reason = lookup[(row, code)]
            if value is None:
                zr.append(None)
                tr.append("skjult" if reason and "Ingen data" not in reason else "–")
                wr[-1] = (" – " + reason.removeprefix("Skjult: ")) if reason and "Ingen data" not in reason else ""
            else:
                ref = against.get(code)
                # White (the scale's middle) where there is nothing to compare with: a null would leave the cell,
                # and on a trinn without any reference the whole chart, without its numbers.
                zr.append(0.0 if ref is None else (value - ref) * sign / (10.0 if maal == "andel" else 1.0))
                tr.append(format_value(value, maal))
        z.append(zr)
        text.append(tr)
    fig = go.Figure(
        go.Heatmap(
            z=z, x=indicators["indikator"].to_list(), y=rows, text=text, texttemplate="%{text}", customdata=why,
            textfont=dict(size=14), colorscale="RdBu", zmid=0, zmin=-0.5, zmax=0.5, showscale=False,
            # A hidden cell says why when pointed at: for few answers, by Udir, or to protect a small group's value.
            hovertemplate="%{y}<br>%{x}: %{text}%{customdata}<extra></extra>", xgap=2, ygap=2,
        )
    )
    what = "Indekser (snitt 1–5)" if maal == "snitt" else "Mobbing (andel i prosent)"
    # The slanted indicator names in lines of at most 16 characters, at 60° so that two lines clear their neighbours
    # in a narrow column (at 45° «medvirkning» touched «Faglig» at 1 024 pixels), under a title with room of its own
    # above them: «Elevdemokrati og medvirkning» on one line ran into the title and over its neighbour.
    names = indicators["indikator"].to_list()
    ticks = [cell_label(name, HEATMAP_LABEL_WIDTH) for name in names]
    longest = max((len(line) for tick in ticks for line in tick.split("<br>")), default=0)
    lines = max((tick.count("<br>") + 1 for tick in ticks), default=1)
    top = 50 + int(longest * 6.2) + 8 * lines
    fig.update_layout(
        title=dict(text=f"{what} – {_selection_text(frame)}", font=dict(size=18), automargin=True, yref="container",
                   y=1, yanchor="top", pad=dict(t=8)),
        **LAYOUT, height=max(260, 48 * len(rows) + 80 + top), margin=dict(l=10, r=10, t=top, b=10),
        # With nothing to compare with, white: every cell grey read as «vernet», as the hidden ones are.
        xaxis=dict(side="top", tickangle=-60, tickmode="array", tickvals=names, ticktext=ticks),
        plot_bgcolor="#d9d9d9" if reference else "white",
    )
    return fig


HEATMAP_LABEL_WIDTH = 16


MONTHS_AT_FULL_SIZE = 14
"""A school-month heatmap of up to this many months names every month and writes its numbers at full size."""
HEATMAP_TOP, HEATMAP_BOTTOM, FOOT_PX = 70, 160, 95
"""A school-month heatmap's margins and where its colour bar starts below the plot, in pixels: the month labels
(slanted) take the first 80 px under the plot, the colour bar and its title the rest."""


@cached_figure
def school_month_heatmap(
    frame: pl.DataFrame, *, value: str, text: str, title: str, colorbar: str, hover: str,
    zmin: float | None = None, zmax: float | None = None,
) -> go.Figure:
    """Schools down, months across (`skole`, `maned`): a year's pattern at a glance, without a tangle of lines."""
    months = month_range(frame["maned"].to_list())
    names = sorted(frame["skole"].unique().to_list())
    lookup = {(r["skole"], r["maned"]): (r[value], r[text]) for r in frame.iter_rows(named=True)}
    z = [[lookup.get((s, m), (None, None))[0] for m in months] for s in names]
    labels = [["" if lookup.get((s, m)) is None else str(lookup[(s, m)][1]) for m in months] for s in names]
    plot_px = 44 * max(len(names), 2)
    height = plot_px + HEATMAP_TOP + HEATMAP_BOTTOM
    x = [month_label(m) for m in months]
    # Two school years and more: smaller numbers and every second or third month named, so that the cells' numbers
    # and the month labels stay apart on a 1024-pixel screen (a page 680 pixels wide).
    many = len(months) > MONTHS_AT_FULL_SIZE
    # Named by the calendar, not by place: July (no school) is left out, and every second place would then skip
    # from June to September.
    named = (range(1, 13) if not many else (2, 4, 6, 8, 10, 12) if len(months) <= 2 * MONTHS_AT_FULL_SIZE
             else (2, 5, 8, 11))
    ticks = [label for m, label in zip(months, x, strict=True) if m.month in named]
    if many:  # without July, «jun 2025» and «aug 2025» stood side by side and ran together: June gives way
        places = {label: i for i, label in enumerate(x)}
        ticks = [t for t, after in zip(ticks, [*ticks[1:], None], strict=True)
                 if after is None or places[after] - places[t] > 1]
    # The month just reported is always named (it is the one a rektormøte asks about); a named month right before it
    # gives way, so the two labels do not run together.
    if months and x[-1] not in ticks:
        if many and len(x) > 1 and ticks and ticks[-1] == x[-2]:
            ticks.pop()
        ticks.append(x[-1])
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=names, text=labels, texttemplate="%{text}", zmin=zmin, zmax=zmax,
        textfont=dict(size=11 if many else 14),
        colorscale="Blues", hoverongaps=False, xgap=2, ygap=2,
        # Across the foot of the figure, under the month labels: standing beside one school's row (a rektor's page)
        # a colour bar had no room and its labels ran together.
        colorbar=dict(title=dict(text=colorbar.replace("<br>", " "), side="right", font=dict(size=13)),
                      orientation="h", x=0, xanchor="left", y=-FOOT_PX / plot_px, yanchor="top", len=420,
                      lenmode="pixels", thickness=12),
        hovertemplate="%{y}, %{x}: " + hover + "<extra></extra>",
    ))
    fig.update_layout(
        title=dict(text=title, font=dict(size=18)), **LAYOUT, height=height, plot_bgcolor="white",
        yaxis=dict(autorange="reversed"),
        xaxis=dict(tickangle=-45, type="category", tickmode="array", tickvals=ticks, ticktext=ticks),
        margin=dict(l=10, r=10, t=HEATMAP_TOP, b=HEATMAP_BOTTOM),
    )
    return fig


def figure_table(fig: go.Figure) -> pl.DataFrame | None:
    """The numbers a chart draws, as a table of text: its text alternative for a screen reader, and the exact
    figures for whoever wants them. Only what the chart itself carries (its hidden points read «skjult – …» as
    in its hover), so the table shows nothing the chart does not. None for a chart with nothing to list.

    A heatmap becomes its grid (rows down, columns across, each cell as written in it); lines and bars become one
    column per trace against the category they are drawn over (school year, month, trinn, school).
    """
    traces = [t for t in fig.data if t.showlegend is not False and t.hoverinfo != "skip"]
    heatmaps = [t for t in traces if t.type == "heatmap"]
    if heatmaps:
        table = _heatmap_table(heatmaps[0])
        # Plotly draws a heatmap's first row at the foot, unless its axis is reversed: the table reads as the chart
        # does, from the top (the schools by letter ran F to A in it, under a chart running A to F).
        if table is not None and fig.layout.yaxis.autorange != "reversed":
            table = table.reverse()
        return table
    columns: dict[str, dict[str, str]] = {}
    order: list = []
    categories_on_y = False
    for trace in traces:
        if trace.type not in ("scatter", "bar") or trace.x is None or trace.y is None:
            continue
        across, values = list(trace.x), list(trace.y)
        drawn = [v for v in values if v is not None]
        if trace.orientation == "h" or (drawn and all(isinstance(v, str) for v in drawn)):
            across, values = values, across
            categories_on_y = True
        texts = list(trace.text) if isinstance(trace.text, tuple | list) and len(trace.text) == len(values) else None
        cells = columns.setdefault(str(trace.name or ""), {})
        for i, (key, value) in enumerate(zip(across, values, strict=False)):
            if key is None:
                continue
            label = _axis_text(key)
            if label not in order:
                order.append(label)
            cells[label] = _axis_text(texts[i] if texts else value)
    columns = {name: cells for name, cells in columns.items() if cells}
    if not columns:
        return None
    # The rows in the order the chart draws its categories, where an axis sets one («Tiltak etter frist»: by deadline,
    # while the traces, one per status, met them in another): from the top for categories down the side.
    axis = fig.layout.yaxis if categories_on_y else fig.layout.xaxis
    if axis.categoryorder == "array" and axis.categoryarray is not None:
        drawn = [_axis_text(c) for c in axis.categoryarray]
        if categories_on_y and axis.autorange != "reversed":
            drawn.reverse()  # Plotly draws the first category at the foot
        place = {c: i for i, c in enumerate(drawn)}
        order = sorted(order, key=lambda c: place.get(c, len(place)))
    first = _axis_title(fig.layout.xaxis) or " "
    if first in columns:
        first += " "
    return pl.DataFrame({first: order, **{name: [cells.get(k, "–") for k in order] for name, cells in columns.items()}})


def _heatmap_table(trace) -> pl.DataFrame | None:
    if trace.z is None or trace.x is None or trace.y is None:
        return None
    rows, across = [_axis_text(v) for v in trace.y], [_axis_text(v) for v in trace.x]
    text = trace.text if trace.text is not None and len(trace.text) == len(rows) else None
    template = trace.texttemplate or ""
    grid = {}
    for j, name in enumerate(across):
        column = []
        for i in range(len(rows)):
            if text is not None:
                column.append(_cell_text(text[i][j]))
            elif trace.z[i][j] is None:
                column.append("–")
            else:
                value = _cell_text(trace.z[i][j])
                column.append(template.replace("%{z}", value) if "%{z}" in template else value)
        grid[name if name not in grid and name != " " else f"{name} "] = column
    return pl.DataFrame({" ": rows, **grid})


def _axis_title(axis) -> str:
    return str(axis.title.text or "") if axis is not None and axis.title is not None else ""


def _axis_text(value) -> str:
    """A category as the chart labels it: a first-of-month date as «okt 2025», another date as «31.03.2025»."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        with contextlib.suppress(ValueError):
            value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return month_label(value) if value.day == 1 else value.strftime("%d.%m.%Y")
    return _cell_text(value)


def _cell_text(value) -> str:
    """A cell as text: «<br>» line breaks as spaces, a number with a decimal comma and at most two decimals."""
    if value is None or value != value:
        return NO_VALUE
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        decimals = 0 if float(value).is_integer() else (1 if round(value, 1) == round(value, 2) else 2)
        return number_text(value, decimals)
    return " ".join(str(value).replace("<br>", " ").split()) or NO_VALUE
