"""Small pieces every page shares: the demo banner, the viewer, municipality pickers and hidden-value notes."""

from __future__ import annotations

import gc
import hashlib
import secrets
import threading
from dataclasses import replace
from functools import cache

import polars as pl
import streamlit as st

from dashboard import export, labels, queries
from dashboard.privacy import MAX_THRESHOLD, fewer_than
from dashboard.viewer import Viewer, pseudonyms_for
from pipelines.warehouse.connection import WarehouseBusy


def viewer() -> Viewer:
    """The logged-in viewer (in rektormøte mode: at the protected level, names replaced); no login, no page."""
    current = st.session_state.get("viewer")
    if not isinstance(current, Viewer):
        st.warning("Du må logge inn.")
        st.stop()
    if st.session_state.get(MEETING_KEY) and current.role in ("skoleeier", "admin"):
        meeting = replace(current, protected=True, pseudonyms=_page_pseudonyms())
        if (kommunenr := st.session_state.get(MEETING_KOMMUNE_KEY)) and kommunenr in (current.kommuner or ()):
            meeting = replace(meeting, kommuner=frozenset({kommunenr}))
        return meeting
    return current


MEETING_KEY = "rektormote"
PSEUDONYM_KEY = "rektormote_navn"
MEETING_PLAN_KEY = "rektormote_plan"
MEETING_KOMMUNE_KEY = "rektormote_kommune"
"""The one municipality a rektormøte is about, chosen by an owner of several when the mode starts: the room saw the
other municipality's schools, letter by letter, on Oversikt and in every picker. None: all the owner's (a joint
meeting)."""
MEETING_KOMMUNE_PARAM = "kommune"
PAGE_KEY = "_side"
"""The page being drawn (its url path), set by app.py."""


def _page_pseudonyms() -> tuple[tuple[str, str], ...]:
    """The letters of this page: each page draws them anew. A letter that stayed from page to page would tie what
    one page gives away (the only school with MOT on 8.–10. trinn in the programme matrix, the school a marker says
    started Mitt valg) to the numbers of every other page."""
    plan = st.session_state.get(MEETING_PLAN_KEY)
    if plan is None:
        return st.session_state.get(PSEUDONYM_KEY, ())
    rows, named, seed = plan
    page = str(st.session_state.get(PAGE_KEY, ""))
    return pseudonyms_for(rows, named, seed=int.from_bytes(hashlib.sha256(f"{seed}:{page}".encode()).digest()[:8]))


def meeting_mode() -> bool:
    return bool(st.session_state.get(MEETING_KEY))


_meeting_schools = queries.meeting_schools


def start_meeting(named: list[str], kommunenr: str | None = None) -> None:
    """Rektormøte mode: protected level for everything; schools as «Skole A, B, …» except those named; only the
    municipality `kommunenr` when one is given (of the owner's own: another is not widened to)."""
    base = st.session_state["viewer"]
    kommunenr = kommunenr if kommunenr in (base.kommuner or ()) else None
    st.session_state[MEETING_KOMMUNE_KEY] = kommunenr
    rows = _meeting_schools(base, kommunenr=kommunenr)
    seed = secrets.randbits(32)
    st.session_state[PSEUDONYM_KEY] = pseudonyms_for(rows, set(named), seed=seed)
    st.session_state[MEETING_PLAN_KEY] = (rows, frozenset(named), seed)
    st.session_state[MEETING_KEY] = True


def stop_meeting() -> None:
    st.session_state.pop(MEETING_KEY, None)
    st.session_state.pop(PSEUDONYM_KEY, None)
    st.session_state.pop(MEETING_PLAN_KEY, None)
    st.session_state.pop(MEETING_KOMMUNE_KEY, None)
    st.query_params.pop(MEETING_PARAM, None)
    st.query_params.pop(MEETING_KOMMUNE_PARAM, None)


MEETING_PARAM = "rektormote"
"""In the address while the mode is on: a reload (F5 on the shared screen) starts a new session, which the login
cookie lets in, and without it the screen went straight back to full detail with every school's name."""


def meeting_over_reload(current: Viewer) -> bool:
    """Rektormøte mode, kept in the address as well as in the session: a new session of the same address starts it
    again, with no school named (the letters are drawn anew on every page in any case). Only «Avslutt» ends it."""
    if current.role not in ("skoleeier", "admin"):
        return meeting_mode()
    if meeting_mode():
        if st.query_params.get(MEETING_PARAM) != "ja":  # a page switch leaves the address without it
            st.query_params[MEETING_PARAM] = "ja"
        kommunenr = st.session_state.get(MEETING_KOMMUNE_KEY)
        if kommunenr and st.query_params.get(MEETING_KOMMUNE_PARAM) != kommunenr:
            st.query_params[MEETING_KOMMUNE_PARAM] = kommunenr
    elif st.query_params.get(MEETING_PARAM) == "ja":
        start_meeting([], st.query_params.get(MEETING_KOMMUNE_PARAM))
    return meeting_mode()


def meeting_banner(demo: bool = False) -> None:
    """The on-screen marker, large type and no sidebar while the mode is on; `demo` says the figures are fictional
    in the same line, not in a banner of its own."""
    st.markdown(
        """<style>
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}
        [data-testid="stMainBlockContainer"] {font-size: 1.25rem; max-width: 100%; padding-top: 4.5rem;}
        [data-testid="stMainBlockContainer"] h1 {font-size: 2.5rem; padding-top: 0.5rem;}
        [data-testid="stMetricValue"] {font-size: 3rem;}
        [data-testid="stTable"] table {font-size: 1.25rem;}
        [data-testid="stCaptionContainer"], [data-testid="stMetricLabel"] p {font-size: 1.1rem;}
        [data-testid="stMetricDelta"], [data-testid="stMetricDelta"] p,
        [data-testid="stExpander"] summary p {font-size: 1.25rem;}
        [data-testid="stTopNavLink"] span, [data-testid="stWidgetLabel"] p, [data-testid="stSelectbox"] input,
        [data-testid="stMultiSelect"] input, [data-testid="stMultiSelectTagsContainer"] span,
        [role="tab"] p, [data-testid="stRadio"] label p, [data-testid="stMainBlockContainer"] button p,
        [data-testid="stMarkdownContainer"] table {font-size: 1.15rem;}
        [data-testid="stMainBlockContainer"] [data-testid="stAlert"] p,
        [class*="st-key-card-"] [data-testid="stMarkdownContainer"] p,
        [data-testid="stMainBlockContainer"] [data-testid="stSelectbox"] [data-baseweb="select"] div,
        [data-testid="stSliderThumbValue"], [data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"]
        {font-size: 1.15rem;}
        .st-key-meeting-banner [data-testid="stAlert"] p {font-size: 1rem;}
        </style>""",
        unsafe_allow_html=True,
    )
    left, right = st.columns([5, 1])
    # One line on a 1366-pixel projector: the room should see the figures on the first screen, not the banners.
    # What the protected level means for case counts and meetings, each page says where it applies.
    left.container(key="meeting-banner").info(
        "**Rektormøtemodus** – alle tall på vernet nivå. Skoler uten valgt navn heter «Skole A, B, …», trukket på "
        "nytt på hver side." + (" **Demodata:** fiktive tall." if demo else ""),
        icon=":material/co_present:",
    )
    right.button("Avslutt", on_click=stop_meeting, icon=":material/close:", width="stretch")


@cache
def settle_heap() -> None:
    """Once per server process, after the first page has drawn: what is alive then, mostly what the libraries keep
    for good (their modules, Plotly's validators, pandas' table styling), is moved out of the garbage collector's sight
    (`gc.freeze`). That first page's own objects stay for good too: a one-time cost of a few MiB.

    Streamlit collects all garbage after every page run (`runner.postScriptGC`), which frees a page's frames and
    figures whole; traversing the libraries' objects each time made that half of the server's work at national scale
    (0.24–0.34 s CPU per page view, holding the GIL while every other session waited), against 0.09–0.19 s with them
    frozen (frozen before any page had drawn: 0.15–0.22 s). Two sessions' first pages at once may both freeze: harmless.
    """
    gc.collect()
    gc.freeze()


def narrow_screens() -> None:
    """A 1024-pixel screen with the sidebar open left the page 560 pixels between wide paddings: 680 with these.

    A metric's label wraps instead of ending in «…»: five metrics side by side at 1024 pixels cut «Nye hos
    Statsforvalteren» to «Nye hos Sta…».
    """
    st.markdown(
        """<style>
        @media (max-width: 1180px) {
            [data-testid="stMainBlockContainer"] {padding-left: 1.5rem; padding-right: 1.5rem;}
        }
        [data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
            white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
            height: auto !important;
        }
        </style>""",
        unsafe_allow_html=True,
    )


FOCUS_RING = "#0072B2"
"""The palette's blue: over 4:1 against white and the sidebar's grey (WCAG asks 3:1 of a focus indicator)."""


def visible_focus() -> None:
    """A clear ring round whatever the keyboard has reached: Streamlit marks a focused sidebar link only with the
    faint grey it also gives the open page (outline: none), so a keyboard user could not tell where they were."""
    st.markdown(
        f"""<style>
        a:focus-visible, button:focus-visible, summary:focus-visible, [role="tab"]:focus-visible {{
            outline: 3px solid {FOCUS_RING} !important; outline-offset: 2px !important;
        }}
        </style>""",
        unsafe_allow_html=True,
    )


def header() -> None:
    try:
        ready = queries.warehouse_ready()
    except WarehouseBusy:
        ready = True
    if not ready:
        st.error(
            "Fant ikke noe lager med data. Kjør «make run» (bygger demolageret) eller "
            "«skolemiljo init» og «skolemiljo ingest FIL …»."
        )
        st.stop()
    narrow_screens()
    visible_focus()
    demo = dict(queries.settings(viewer()).iter_rows()).get("demo") == "ja"
    if meeting_mode():
        meeting_banner(demo)
    elif demo:
        st.info(
            "**Demodata.** Kommunene, skolene og alle tall her er fiktive – laget for å vise "
            "hvordan verktøyet virker.",
            icon="ℹ️",
        )


NO_KOMMUNE = ("Brukeren din har ikke tilgang til noen kommune, så det er ingen tall å vise her, heller ikke fra filer "
              "du har lastet inn. Tilgang gis på serveren med «skolemiljo bruker legg-til BRUKERNAVN --rolle … "
              "--kommune NNNN --erstatt» (samme rolle, med kommunen).")


KOMMUNE_KEY = "valgt_kommune"
"""The municipality last chosen on any page: the picker's own key is dropped when its page is left."""
PAGE_KOMMUNE_KEY = "_kommune_paa_siden"
"""The municipality picked on the page being drawn (none on a page without a picker): its tables' threshold."""


EMPTY_WAREHOUSE = ("Ingen kommuner med data ennå. Start med skoleregisteret (skolene, trinnene og elevtallene): last "
                   "det inn under «Importer filer». Hvordan filen ser ut, står på siden «Hjelp», under «Skoleregisteret». "
                   "Så kan resultatene og kommunens egne rapporter lastes inn, i den rekkefølgen du vil.")
"""What a page says before the warehouse holds a school: where to begin (every page needs the register first)."""
EMPTY_WAREHOUSE_READER = ("Ingen kommuner med data ennå: skoleeier har ikke lest inn skoleregisteret og resultatene. "
                          "Sidene fylles når det er gjort.")
"""The same for a rektor or an FAU member, who have no «Importer filer» to start with (they were sent there)."""


def empty_warehouse() -> str:
    """`EMPTY_WAREHOUSE` for whoever may load files; `EMPTY_WAREHOUSE_READER` for the others."""
    return EMPTY_WAREHOUSE if viewer().loads_files else EMPTY_WAREHOUSE_READER


def say_empty_warehouse() -> None:
    """`empty_warehouse()`, and for whoever may load files the two pages it names, as links: the page said where the
    register's guide was («under «Skoleregisteret»») and the Hjelp page opened on «Rapporter»."""
    st.warning(empty_warehouse())
    if viewer().loads_files and not meeting_mode():
        st.page_link("views/importer.py", label="Importer filer", icon=":material/upload_file:")
        help_link("Hjelp: Skoleregisteret", "skoleregister")


def pick_kommune(key: str = "kommune") -> tuple[str, str] | None:
    """The municipality picker; the choice follows the viewer from page to page (a skolesjef who picked Sjøbygd on
    one page met Fjellvik on the next, and read Fjellvik's cases as Sjøbygd's)."""
    komm = queries.kommuner(viewer())
    if komm.is_empty():
        if viewer().kommuner == frozenset():
            st.warning(NO_KOMMUNE)
        else:
            say_empty_warehouse()
        return None
    options = komm["kommunenr"].to_list()
    names = dict(zip(komm["kommunenr"], komm["kommune"], strict=True))
    # The picker's value, when it is one of the viewer's: picked here, or set by a link (Oversikt's «Å følge opp»), or
    # the last page's picker still answering for a moment under the same key (a new page's picker is a new widget
    # and starts on the first municipality unless told). Else the one kept, if it is still the viewer's to see.
    kept = next((k for k in (st.session_state.get(key), st.session_state.get(KOMMUNE_KEY)) if k in options), None)
    if kept is None:
        st.session_state.pop(key, None)
    else:
        st.session_state[key] = kept
    chosen = st.selectbox(
        "Kommune", options, format_func=lambda k: f"{names[k]} ({k})", key=key, placeholder="Velg"
    )
    st.session_state[KOMMUNE_KEY] = chosen
    st.session_state[PAGE_KOMMUNE_KEY] = chosen
    return chosen, names[chosen]


HIDDEN_UNITS_LISTED = 12
"""At most this many units are named per reason under a chart; the rest are counted."""


def _year_runs(years: list[str], all_years: list[str]) -> str:
    """«2019-20 til 2025-26» for three or more years in a row of those the chart has, else the years one by one."""
    place = {y: i for i, y in enumerate(all_years)}
    runs: list[list[str]] = []
    for year in sorted(years, key=place.__getitem__):
        if runs and place[year] == place[runs[-1][-1]] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{run[0]} til {run[-1]}" if len(run) > 2 else ", ".join(run) for run in runs)


def hidden_places(frame: pl.DataFrame, label_col: str = "enhet_navn", year_col: str = "skoleaar") -> list[tuple[str, str]]:
    """(reason, where) for each reason a value of `frame` is hidden: every unit by name with its years, years in a row
    as a span. It named the first eight unit-years and then «…»: a rektor saw Elvetun's seven years and one of
    Haugen's, and could not tell what else the chart left out."""
    hidden = frame.filter(pl.col("skjult_grunn").is_not_null())
    all_years = sorted(frame[year_col].drop_nulls().unique().to_list())
    out = []
    for (reason,), group in hidden.group_by(["skjult_grunn"], maintain_order=True):
        units = group.group_by(label_col).agg(pl.col(year_col).drop_nulls().unique()).sort(label_col)
        named = [f"{unit} {_year_runs(years, all_years)}".rstrip() for unit, years in units.iter_rows()]
        rest = len(named) - HIDDEN_UNITS_LISTED
        where = "; ".join(named[:HIDDEN_UNITS_LISTED]) + (f" og {rest} til" if rest > 0 else "")
        out.append((reason, where))
    return out


def hidden_note(frame: pl.DataFrame, label_col: str = "enhet_navn", year_col: str = "skoleaar") -> None:
    """Say which values are hidden and why, so a gap is never unexplained."""
    if frame.is_empty() or "skjult_grunn" not in frame.columns:
        return
    lines = [f"- **{reason}**: {where}" for reason, where in hidden_places(frame, label_col, year_col)]
    if not lines:
        return
    st.caption(
        "Noen verdier er skjult for å verne små grupper, og vises aldri som null eller regnes ut fra totaler:\n"
        + "\n".join(lines)
    )


TEMPLATE_SCHOOL = {"orgnr": pl.String, "navn": pl.String, "nedlagt": pl.Date, "opprettet": pl.Date,
                   "trinn_fra": pl.Int32, "trinn_til": pl.Int32}
"""A template's school as `_template_file` is given it; without `nedlagt` and `opprettet`, every school is taken to
run, and without its trinn, to have every programme's."""


@st.cache_data(show_spinner=False, max_entries=64)
def _template_file(module: str, kind: str, schools: tuple[tuple, ...], month: str,
                   programmes: tuple[str, ...] = ()) -> bytes:
    """The template as XLSX or CSV for these schools (orgnr, navn and, from the register, nedlagt), built once per
    month (the templates are pre-filled with the month to report or the school year, and leave out a school closed
    by then), with the plan's programme codes where it asks for them (a row per school and programme, and a drop-down
    list of the codes)."""
    import importlib

    template = importlib.import_module(f"pipelines.templates.{module}")
    columns = list(TEMPLATE_SCHOOL.items())[:len(schools[0]) if schools else 2]
    frame = pl.DataFrame(list(schools), schema=dict(columns), orient="row")
    extra = (list(programmes),) if programmes else ()
    return template.xlsx_bytes(frame, *extra) if kind == "xlsx" else template.csv_bytes(frame, *extra)


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def audited_download(label: str, make, file_name: str, mime: str, *, where=None, **kwargs) -> None:
    """A download button whose file is built when clicked and written to the audit log then.

    Nothing is built on the page's run (most visits never download), and the click causes no rerun, so the page
    does not redraw under the download.
    """
    from pipelines import accounts

    db, who = queries.warehouse(), viewer().brukernavn

    def build() -> bytes:
        data = make()
        accounts.audit(db, "eksport", who, file_name)
        return data

    (where or st).download_button(label, build, file_name=file_name, mime=mime, on_click="ignore", **kwargs)


def template_programmes(programmes: pl.DataFrame) -> tuple[tuple, ...]:
    """A plan's programmes (`queries.plan_programmer`) as the programme-status template takes them: (code, trinn_fra,
    trinn_til, the schools the plan names or None, name), so that a school is given only the programmes of its trinn
    and «Koder» names each code's programme."""
    return tuple((code, fra, til, tuple(named) if named is not None else None, name) for code, fra, til, named, name in
                 programmes.select("program", "trinn_fra", "trinn_til", "skoler", "program_navn").iter_rows())


def template_schools(current: Viewer, schools: pl.DataFrame) -> pl.DataFrame:
    """The schools a viewer's template is pre-filled with: a rektor's own, the owner's all.

    A rektor's template listed every school of the municipality, each with 0 for the month: filled in for the own
    school and loaded by the owner, it recorded a zero report for every other school, hiding their missing reports
    and setting their open cases to 0."""
    if current.role == "rektor":
        return schools.filter(pl.col("orgnr").is_in(sorted(current.skoler)))
    return schools


def download_template(label: str, module: str, schools: pl.DataFrame, stem: str,
                      programmes: tuple[tuple, ...] = ()) -> None:
    """Offer a reporting template as XLSX (drop-down lists) and CSV, pre-filled with the municipality's schools (and
    for programme status the plan's `programmes`, each (code, trinn_fra, trinn_til, the schools it names or None): the
    download had an empty programme column and no list to pick from, then a row for every programme at every school).

    Built when clicked: an XLSX with drop-down lists takes 0.7 s.
    """
    import datetime as dt

    # With the register's `nedlagt`: the template leaves out a school closed before the month or year it asks for.
    listed = tuple(template_schools(viewer(), schools).select(*TEMPLATE_SCHOOL).iter_rows())
    month = dt.date.today().strftime("%Y-%m")
    c1, c2 = st.columns(2)
    audited_download(f"Last ned mal for {label} (Excel)",
                     lambda: _template_file(module, "xlsx", listed, month, programmes),
                     f"{stem}.xlsx", XLSX_MIME, where=c1, width="stretch")
    audited_download(f"Last ned mal for {label} (CSV)", lambda: _template_file(module, "csv", listed, month, programmes),
                     f"{stem}.csv", "text/csv", where=c2, width="stretch")


TABLES_KEY = "_tabeller_paa_siden"


FAU_GUIDES = ("rapporter",)
"""The guides FAU reads: the reports. The templates, file formats, register and plan are for those who fill in and
load files (the owner, the schools), and FAU does neither."""


def guides_for(current: Viewer) -> list[str]:
    """The Hjelp page's guides (`pipelines.guides.GUIDES` keys) for this viewer's role, in the page's order."""
    from pipelines.guides import GUIDES

    return [k for k in GUIDES if current.role != "fau" or k in FAU_GUIDES]


def help_link(label: str, dok: str) -> None:
    """A link to a guide on the Hjelp page; none in rektormøte mode, whose menu has no Hjelp page (a link to a page
    outside the menu stops the whole page with an error), and none to a guide the viewer's Hjelp page does not have."""
    if not meeting_mode() and dok in guides_for(viewer()):
        st.page_link("views/hjelp.py", label=label, icon=":material/help:", query_params={"dok": dok})


MEETING_TABLE_ROWS = 60
"""In rektormøte mode a table up to this long is drawn as a static table in the page's large type (the interactive
grid is drawn on a canvas the page's type size does not reach); a longer one stays a grid, to be scrolled."""


WIDE_TABLE = 5
"""Columns beyond which a grid's first column is pinned (`table`)."""


def table(frame: pl.DataFrame, title: str, *, as_table: bool = False, index: str | None = None, where=None,
          exported: pl.DataFrame | None = None, **kwargs) -> None:
    """Show a table and remember it for the page's XLSX export, so what can be downloaded is what was shown.

    `as_table` draws a static st.table (with `index` as its row labels) instead of the interactive grid; `where` is
    the container to draw in (a column, a tab), else the page. `exported`: the same figures laid out for a
    spreadsheet (a value and its change in columns of their own, so that each is a number there), else `frame`.
    """
    where = where or st
    if not as_table and meeting_mode() and frame.height <= MEETING_TABLE_ROWS:
        static_table(frame, where)
    elif as_table:
        where.table(norwegian(frame, index=index, markdown=True))
    else:
        config = dict(kwargs.pop("column_config", None) or {})
        if frame.width > WIDE_TABLE and frame.schema[frame.columns[0]] == pl.String:
            # A wide table scrolls sideways on a narrow screen (1024 pixels with the menu open): its first column,
            # the row's name (a school, a file), stays in view.
            config.setdefault(frame.columns[0], st.column_config.Column(pinned=True))
        for name, width in column_widths(frame).items():
            given = config.get(name, {})  # None hides the column, a text renames it: left as the page says
            if isinstance(given, dict) and "width" not in given:
                config[name] = {**given, "width": width}
        kwargs["column_config"] = config
        # The grid draws a null cell as «None» whatever the Styler says (`na_rep` reaches only the static table).
        kwargs.setdefault("placeholder", labels.NO_VALUE)
        where.dataframe(norwegian(frame), hide_index=True, width="stretch", **kwargs)
    remember(frame if exported is None else exported, title)


def static_table(frame: pl.DataFrame, where=None) -> None:
    """`frame` as a static table in Norwegian (`norwegian`), without the index: its headings wrap and it stays inside
    the page, where the grid's columns, sized to their headings, may run past its right edge."""
    shown = norwegian(frame, markdown=True)
    (where or st).table(shown.hide(axis="index") if hasattr(shown, "hide") else shown.set_index(shown.columns[0]))


CHAR_PIXELS, CELL_PADDING, WIDEST_COLUMN = 7, 24, 400
"""A character in the grid's type (a digit's width: letters are narrower), a cell's padding with room for the
header's sort arrow, and the widest a column is made (a longer text is read by widening it or in the cell's tooltip)."""


def column_widths(frame: pl.DataFrame) -> dict[str, int]:
    """Each number and text column's width in the grid, in pixels: its header's or its longest value's (a number as
    `norwegian` writes it).

    The grid sized a column from its first rows and then shared the page's width out evenly: «4,4» under «Verdi» had
    146 pixels while the last column, «Merknad», empty in the first row, was cut at the page's edge.
    """
    widths = {}
    styled = frame.height * frame.width <= STYLED_CELLS  # a larger table's numbers are left as the grid writes them
    for name, dtype in frame.schema.items():
        if dtype.is_numeric():
            column = frame[name].drop_nulls().cast(pl.Float64)
            fraction = dtype.is_float() or dtype == pl.Decimal
            decimals = (labels.decimals_needed(column) if styled else 2) if fraction else 0
            longest = max((len(labels.number_text(v, decimals)) for v in (column.min(), column.max())), default=1)
        elif dtype == pl.String:
            longest = frame[name].str.len_chars().max() or 0
        else:
            continue
        widths[name] = min(CHAR_PIXELS * max(len(name), longest) + CELL_PADDING, WIDEST_COLUMN)
    return widths


MEETING_TYPE = 1.4
"""How much larger a chart's text is in rektormøte mode, read on a shared screen across a room."""
PLOTLY_HOVER_PX = 13
"""Plotly's own size for the text of a hover box, when the figure sets none."""


CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}
"""No Plotly toolbar: its tooltips are English («Download plot as a PNG», «Zoom») on the shared screen, and its camera
took a chart out as a PNG past the audited «Last ned tabellene». Zoom by dragging and a double click to reset remain."""


def chart(fig, where=None, *, exported: bool = False, **kwargs) -> None:
    """A Plotly figure across the page; in rektormøte mode with its text as large as the page's (`large_type`).

    Under it, folded, the chart's numbers as a table (`charts.figure_table`): a screen reader cannot read a
    Plotly chart, and a hover box gives one number at a time. `exported`: that table goes into the page's
    «Last ned tabellene» too, for a chart whose numbers no table of the page holds.
    """
    from dashboard.charts import escaped, figure_table

    where = where or st
    drawn = _per_figure(_ESCAPED, fig, escaped)
    where.plotly_chart(large_type(drawn) if meeting_mode() else drawn, width="stretch", config=dict(CHART_CONFIG),
                       **kwargs)
    table = _per_figure(_TABLES, fig, figure_table)
    if table is not None:
        # A title's second line is the chart's selection («… dag<br>Fjellvik, 8.–10. trinn»): a dash between them
        title = " ".join(str(fig.layout.title.text or "").replace("<br>", " – ").split())
        with where.expander(f"Tallene i grafen «{title}»" if title else "Tallene i grafen"):
            st.markdown(html_table(table, caption=title, breaks=_tick_texts(fig)), unsafe_allow_html=True)
        if exported:
            remember(table, title or "Tallene i grafen")


def _tick_texts(fig) -> dict[str, str]:
    """A chart's horizontal axis labels as drawn (`ticktext`) for each of its values (`tickvals`)."""
    axis = fig.layout.xaxis
    if axis is None or axis.tickvals is None or axis.ticktext is None:
        return {}
    return {str(value): str(text) for value, text in zip(axis.tickvals, axis.ticktext, strict=False)}


def html_table(frame: pl.DataFrame, caption: str = "", breaks: dict[str, str] | None = None) -> str:
    """`frame` (text cells) as an HTML table a screen reader can walk: a caption, column headers, and its first
    column as the row headers. Every text is escaped, and the table is one line, so Markdown leaves it alone (a
    cell «1. Utarbeide …» would have become a list, and «*» a bullet, in `st.table`'s Markdown cells)."""
    from html import escape

    def breakable(name: str) -> str:
        """A heading as the chart's axis breaks it (`breaks`: «Helse-<br>sykepleier»), with a soft hyphen where it
        breaks a word: a table of nine professions ran past the page at 1400 pixels, its last column cut."""
        return (breaks or {}).get(name, name).replace("-<br>", "\u00ad").replace("<br>", " ")

    head = "".join(f'<th scope="col">{escape(breakable(str(name).strip()))}</th>' for name in frame.columns)
    rows = "".join(
        f'<tr><th scope="row" style="white-space:nowrap">{escape(str(row[0]))}</th>'
        # «60 %» on one line (the number and its unit wrapped apart in a narrow column)
        + "".join(f'<td style="white-space:nowrap">{escape(str(v))}</td>' for v in row[1:]) + "</tr>"
        for row in frame.iter_rows())
    # The caption is for a screen reader; on screen the expander's label above it already says it.
    hidden = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap"
    said = f'<caption style="{hidden}">{escape(caption)}</caption>' if caption else ""
    return (f'<div class="chart-table" style="overflow-x:auto"><table>{said}<thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


_LARGE: dict[int, tuple] = {}
"""id(figure) → (figure, its large copy): the figure is held, so its id stays its own while it is kept here."""
_ESCAPED: dict[int, tuple] = {}
"""id(figure) → (figure, its copy to draw, every name escaped: `charts.escaped`), as `_LARGE`."""
_TABLES: dict[int, tuple] = {}
"""id(figure) → (figure, its table), as `_LARGE`."""
_PER_FIGURE_LOCK = threading.Lock()
LARGE_KEPT = 32


def _per_figure(kept: dict[int, tuple], fig, make):
    """`make(fig)`, made once per figure: a page's figures are the same objects on every rerun
    (`charts.cached_figure`), and reading one through Plotly's validators costs milliseconds on every click."""
    with _PER_FIGURE_LOCK:
        hit = kept.get(id(fig))
        if hit is not None and hit[0] is fig:
            return hit[1]
    made = make(fig)
    with _PER_FIGURE_LOCK:
        if len(kept) >= LARGE_KEPT:
            kept.pop(next(iter(kept)))
        kept[id(fig)] = (fig, made)
    return made


def large_type(fig):
    """`_enlarged(fig)`, made once per figure: copying one costs 30 ms, which a shared screen pays on every click."""
    return _per_figure(_LARGE, fig, _enlarged)


def _enlarged(fig, scale: float = MEETING_TYPE):
    """A copy of `fig` (figures are cached and shared) with every text size and the height scaled by `scale`."""
    import plotly.graph_objects as go

    big = go.Figure(fig)
    layout = big.layout

    def grow(font) -> None:
        if font is not None and font.size:
            font.size = round(font.size * scale)

    text = round((layout.font.size or 12) * scale)
    layout.font.size = text
    # Streamlit's chart theme sets the axes' and the legend's type itself (12 px), whatever the layout's font says:
    # they are given the large size in so many words.
    big.update_xaxes(tickfont_size=text, title_font_size=text)
    big.update_yaxes(tickfont_size=text, title_font_size=text)
    layout.legend.font.size = text
    # The box a hovered point shows its value in: read out to the room, at least as large as the axes (Plotly's 13 px).
    layout.hoverlabel.font.size = max(round((layout.hoverlabel.font.size or PLOTLY_HOVER_PX) * scale), text)
    grow(layout.title.font)
    for note in layout.annotations or ():
        grow(note.font)
    for trace in big.data:
        grow(getattr(trace, "textfont", None))
        colorbar = getattr(trace, "colorbar", None)
        if colorbar is not None:
            grow(colorbar.title.font)
    if layout.height:
        layout.height = round(layout.height * (1 + (scale - 1) / 2))
    return big


STYLED_CELLS = 6_000
"""Above this many cells a table keeps the grid's own number format: pandas' Styler costs about 25 µs a cell on
every rerun (the national «Kommunene» table, 356 × 8, takes 70 ms), and a page should stay within 0.2 s warm."""


def _lookup(texts: dict, value) -> str:
    return texts.get(value, labels.NO_VALUE) if value == value else labels.NO_VALUE  # NaN: a null in pandas


def norwegian(frame: pl.DataFrame, *, index: str | None = None, markdown: bool = False):
    """The frame as a pandas Styler whose cells read as Norwegian: «4,2», «12 500», «–» for a missing or hidden
    value (never «None»), times as «01.12.2026 09:55». The grid still sorts by the numbers underneath.

    `markdown`: for `st.table`, which reads each text cell (and row label) as Markdown: a school's name from a file
    made a link there, and «7. trinn» a numbered list. Their text is escaped (`labels.plain_cells`)."""
    from functools import partial

    if markdown and (texts := [name for name, dtype in frame.schema.items() if dtype == pl.String]):
        frame = frame.with_columns(labels.plain_cells(pl.col(texts)))
    shown = frame.to_pandas()
    if index:
        shown = shown.set_index(index)
    if frame.height * frame.width > STYLED_CELLS:
        return shown
    formats = {}
    for name, dtype in frame.schema.items():
        if name == index:
            continue
        if dtype.is_numeric():
            # Each distinct value is written once; the Styler then looks the text up cell by cell.
            fraction = dtype.is_float() or dtype == pl.Decimal
            decimals = labels.decimals_needed(frame[name].cast(pl.Float64)) if fraction else 0
            texts = {v: labels.number_text(v, decimals) for v in frame[name].unique().to_list() if v is not None}
            formats[name] = partial(_lookup, texts)
        elif dtype == pl.Datetime:
            formats[name] = lambda v: v.strftime("%d.%m.%Y %H:%M")
        elif dtype == pl.Date:
            formats[name] = lambda v: v.strftime("%d.%m.%Y")
    return shown.style.format(formats, na_rep=labels.NO_VALUE)


HELD_BACK_WHAT = {"saker": "saksrapportene", "teammoter": "møteloggen"}


def held_back_notice(kilde: str, kommunenr: str) -> None:
    """For the skoleeier: school years changed after they were published at the protected level, which rektorer,
    FAU and the reports made for them still see as published (`pipelines.warehouse.published`), and the button that
    publishes the change. Shown in full detail only (never on a rektormøte's shared screen)."""
    import duckdb

    from pipelines import accounts
    from pipelines.warehouse.published import publish_in, school_year_label

    current = viewer()
    if not current.full_detail_everywhere:
        return
    held = queries.held_back(current, kommunenr=kommunenr).filter(pl.col("kilde") == kilde)
    if held.is_empty():
        return
    complete = (queries.saker_complete_year if kilde == "saker" else queries.team_complete_year)(
        current, kommunenr=kommunenr)["skoleaar"].to_list()
    newest_complete = int(complete[0][:4]) if complete and complete[0] else None
    for row in held.iter_rows(named=True):
        year = school_year_label(row["skoleaar_start"])
        # A file since withdrawn (`pipelines.withdraw`) still changed the year: its rows went.
        files = (f"Filen «{row['filnavn'] or 'ukjent'}» ({row['holdt_fra']:%d.%m.%Y}"
                 f"{', siden trukket tilbake' if row['trukket'] else ''})")
        if row["siste_batch"] != row["batch_id"]:
            files += (f" og sist «{row['siste_filnavn'] or 'ukjent'}» ({row['siste_endret']:%d.%m.%Y %H:%M}"
                      f"{', trukket tilbake' if row['siste_trukket'] else ''})")
        with st.container(border=True):
            st.warning(
                f"**Skoleåret {year} er endret etter at det ble publisert på vernet nivå.** {files} endret "
                f"{HELD_BACK_WHAT[kilde]} for året. Her ser du tallene slik de er nå; "
                + ("rektorer, FAU og rapportene til dem ser fortsatt tallene slik de ble publisert."
                   if newest_complete is not None and row["skoleaar_start"] <= newest_complete else
                   # A file that made the year complete, withdrawn (`pipelines.withdraw`): not shown at all now.
                   "året er ikke komplett nå og vises ikke for rektorer og FAU. Blir det komplett igjen, ser de "
                   "tallene slik de ble publisert til du publiserer rettelsene."),
                icon=":material/lock_clock:",
            )
            st.caption(
                "Hvorfor: Den som så tabellen før, kan legge de to utgavene ved siden av hverandre. Går en skole fra 0 "
                "til «1–4» mens kommunens sum øker med 1, vet leseren at skolen hadde nøyaktig én sak; og forsvinner en "
                "skoles manglende måneder fra lista under tabellen, vet leseren at økningen kom fra de månedene. Publiser "
                "rettelsen når den er viktig nok til å veie opp for det, helst samlet når alle sene rapporter for året "
                "er kommet inn."
            )
            key = f"{kilde}_{kommunenr}_{year}"
            sure = st.checkbox(f"Jeg forstår at rettelsen kan vise små tall for den som sammenligner med {year} "
                               "slik det var.", key=f"publiser_ok_{key}")
            if st.button(f"Publiser rettelsene for {year}", key=f"publiser_{key}", disabled=not sure):
                queries.release_reader()  # this run's read-only connection would keep the write waiting
                db = queries.warehouse()
                try:
                    done = publish_in(db, kilde, kommunenr, row["skoleaar_start"], row["siste_batch"])
                except WarehouseBusy as exc:
                    st.error(str(exc))
                    continue
                except duckdb.TransactionException:  # a file was being loaded into the same year at that moment
                    st.warning("En fil ble lastet inn for året i samme øyeblikk. Ingenting er publisert: se over "
                               "tallene og trykk på nytt.")
                    continue
                if done == "endret":
                    st.warning("En ny fil er lastet inn for året siden siden ble vist. Ingenting er publisert: se over "
                               "tallene og trykk på nytt.")
                    continue
                if done == "publisert":
                    accounts.audit(db, "publisert", current.brukernavn,
                                   f"{HELD_BACK_WHAT[kilde]} {year}, kommune {kommunenr}")
                st.rerun()


def remember(frame: pl.DataFrame, title: str) -> None:
    """Add the numbers behind a chart to the page's XLSX export (already protected by the query layer)."""
    st.session_state.setdefault(TABLES_KEY, []).append(export.Table(title, frame))


def forget_tables() -> None:
    """Called before each page runs: the export holds only the tables of the page on screen."""
    st.session_state[TABLES_KEY] = []
    st.session_state.pop(PAGE_KOMMUNE_KEY, None)


def protection_text(current: Viewer, kommuner: dict[str, str] | None = None) -> str:
    """The protection the export's tables were made with, for «Om uttrekket»: the threshold of the municipalities
    they show (`kommuner`, kommunenr → name), each municipality's own where it has one (`innstilling min-svar N
    --kommune`): the sheet said the default 10 while the tables hid by Fjellvik's 30."""
    if current.full_detail_everywhere:
        return "Full detalj (skoleeier): alle tall slik de står i lageret; Udirs egne skjermede verdier er skjult."
    own = ""
    if current.role == "rektor" and not current.protected:
        own = " Egen skole vises i full detalj."
    limits = {name: current.threshold_for(k) for k, name in (kommuner or {}).items()}
    if len(set(limits.values())) > 1:
        few = "færre svar enn kommunens grense (" + ", ".join(
            f"{name}: {n if n != MAX_THRESHOLD else 'kan ikke leses, alt er skjult'}" for name, n in limits.items()) + ")"
    else:
        few = fewer_than(next(iter(limits.values()), current.min_respondents))
    return (
        f"Vernet nivå: verdier med {few} er skjult, sakstall 1–4 vises som «1–4», "
        f"og tall som kan regnes ut fra summer er også skjult.{own}"
    )


def _shown_kommuner(current: Viewer) -> dict[str, str]:
    """The municipalities the page's tables are from: the one picked on the page, else every one the viewer sees."""
    komm = queries.kommuner(current)
    names = dict(zip(komm["kommunenr"], komm["kommune"], strict=True))
    picked = st.session_state.get(PAGE_KOMMUNE_KEY)
    return {picked: names.get(picked, picked)} if picked else names


def export_tables(page: str, stem: str, selection: str | None = None) -> None:
    """The page's «Last ned tabellene (Excel)»: every table shown above, with the viewer's protection, audited.

    «Om uttrekket» names the municipality picked on the page and `selection`, what else the page was set to («Team:
    Elevtjenesten · Periode: …»): an export of the elevtjeneste could not be told from one of the arbeidslag."""
    import datetime as dt

    tables = list(st.session_state.get(TABLES_KEY, []))
    st.session_state[TABLES_KEY] = []
    if not tables:
        return
    current = viewer()
    shown = _shown_kommuner(current)
    picked = st.session_state.get(PAGE_KOMMUNE_KEY)
    about = [
        ("Uttrekk fra", f"Skolemiljø – {page}"),
        *([("Kommune", f"{shown[picked]} ({picked})")] if picked in shown else []),
        *([("Utvalg", selection)] if selection else []),
        ("Laget av", current.brukernavn or "–"),
        ("Tidspunkt", dt.datetime.now().strftime("%d.%m.%Y %H:%M")),
        ("Vern", protection_text(current, shown)),
        ("Tabeller", ", ".join(t.title for t in tables)),
    ]
    audited_download(
        "Last ned tabellene (Excel)", lambda: export.xlsx_bytes(tables, about),
        f"{stem}_{dt.date.today().isoformat()}.xlsx", XLSX_MIME, icon=":material/download:",
        help="Tabellene på denne siden, med samme vern som på skjermen. Nedlastingen logges.",
    )
