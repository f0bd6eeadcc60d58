"""The dashboard on a rektormøte's shared screen, to a screen reader and to a colour-blind reader (the review of
/tmp/s14/a11y): Norwegian throughout, nothing leaving past the audited export, and nothing said by colour alone."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.viewer import MIN_RESPONDENTS, Viewer
from pipelines.cli import main as cli
from tests.conftest import query
from tests.test_browser import browser, go, login, server  # noqa: F401 (fixtures)

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")


def _run(page: str | None, viewer: Viewer = OWNER, *, meeting: bool = False, state: dict | None = None) -> AppTest:
    from dashboard.ui import MEETING_KEY

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = viewer
    at.session_state[MEETING_KEY] = meeting
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def demo_app(demo_db_master, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    return _run


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _title(fig: dict) -> str:
    title = fig["layout"].get("title", {})
    return title.get("text", "") if isinstance(title, dict) else str(title)


# ---------------------------------------------------------------- 1. Plotly's toolbar and hover boxes


@pytest.mark.parametrize("meeting", [False, True])
@pytest.mark.parametrize("page", ["elevundersokelsen", "ungdata", "saker", "programmer"])
def test_no_chart_offers_plotly_s_english_toolbar_or_its_png_download(demo_app, page, meeting):
    """In rektormøtemodus the room read «Download plot as a PNG», «Zoom», «Pan» over a chart, and the camera took the
    chart out as a PNG past the audited «Last ned tabellene»."""
    at = demo_app(page, meeting=meeting)
    configs = [json.loads(c.proto.config) for c in at.get("plotly_chart")]
    assert configs or (page == "saker" and meeting), page  # the case page shows only its table in the mode
    assert all(c.get("displayModeBar") is False for c in configs), configs


def test_a_hovered_value_is_as_large_as_the_axes_in_rektormote_mode(demo_app):
    """The skolesjef hovered a point to read a value out: the box was 11–13 px grey text beside 20 px axes."""
    at = demo_app("elevundersokelsen", meeting=True)
    figures = _figures(at)
    assert figures
    for fig in figures:
        layout = fig["layout"]
        hover = layout.get("hoverlabel", {}).get("font", {}).get("size")
        assert hover is not None and hover >= layout["xaxis"]["tickfont"]["size"], (_title(fig), hover)


# ---------------------------------------------------------------- 2. The export's own threshold


def _protection_said(at: AppTest, download) -> str:
    from openpyxl import load_workbook

    button = next(b for b in at.download_button if b.label == "Last ned tabellene (Excel)")
    book = load_workbook(io.BytesIO(download(button)))
    about = {row[0].value: row[1].value for row in book["Om uttrekket"].iter_rows() if row[0].value}
    return about["Vern"]


@pytest.mark.parametrize("page", ["saker", None])  # a page with a municipality picker, and Oversikt without one
def test_the_exported_sheet_states_the_municipality_s_own_threshold(demo_db, monkeypatch, media, page):
    """After «innstilling min-svar 30 --kommune 9901» FAU's Excel export said values under 10 answers were hidden,
    while the tables in it hid by 30."""
    import streamlit as st

    from dashboard.auth import THRESHOLDS_KEY

    assert cli(["--db", str(demo_db), "innstilling", "min-svar", "30", "--kommune", "9901"]) == 0
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    nordli = query(demo_db, "SELECT orgnr FROM mart.skoler WHERE navn = 'Nordli skole'")[0][0]
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="fau.nordli")
    # An open session: the warehouse's thresholds are read again at its next click (`auth.current`).
    at = _run(page, fau, state={THRESHOLDS_KEY: "før endringen"})
    said = _protection_said(at, media)
    assert "færre enn 30 svar" in said, said


def test_an_export_over_two_municipalities_names_each_one_s_threshold(demo_db, monkeypatch, media):
    """Oversikt's tables in rektormøtemodus hold both municipalities: each at its own threshold."""
    import streamlit as st

    from dashboard.auth import THRESHOLDS_KEY

    assert cli(["--db", str(demo_db), "innstilling", "min-svar", "30", "--kommune", "9901"]) == 0
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    names = dict(query(demo_db, "SELECT DISTINCT kommunenr, kommune FROM mart.skoler"))
    at = _run(None, meeting=True, state={THRESHOLDS_KEY: "før endringen"})
    said = _protection_said(at, media)
    assert f"{names['9901']}: 30" in said and f"{names['9902']}: {MIN_RESPONDENTS}" in said, said


# ---------------------------------------------------------------- 3. Language and title, in the browser


@pytest.mark.browser
def test_the_document_is_norwegian_and_each_page_has_its_own_title(server, browser):  # noqa: F811
    """A screen reader read the Norwegian UI with English pronunciation (`lang="en"`), and every page was titled
    «Skolemiljø – skoleeiers oversikt», so neither the title nor the tab list said which page was open."""
    page = login(browser, server, "skoleeier")
    page.wait_for_function("document.documentElement.lang === 'nb'", timeout=30_000)
    page.wait_for_function("document.title === 'Oversikt – Skolemiljø'", timeout=30_000)
    titles = {}
    for path, heading, name in [("saker", "Saker etter opplæringslova kapittel 12", "Saker (kap. 12)"),
                                ("hjelp", "Hjelp", "Hjelp")]:
        go(page, path, heading)
        page.wait_for_function(f"document.title === {json.dumps(name + ' – Skolemiljø')}", timeout=30_000)
        titles[path] = page.evaluate("document.title")
        assert page.evaluate("document.documentElement.lang") == "nb", path
    assert len(set(titles.values())) == len(titles), titles
    # What a screen reader names the pickers, their choices, the tables' tools and the menu: Norwegian, not
    # Streamlit's «Open», «Remove Nordli skole», «Help for Trivsel», «Search», «Collapse sidebar».
    go(page, "elevundersokelsen", "Elevundersøkelsen")
    page.get_by_role("tab", name="Tabell").click()
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30_000)
    page.wait_for_selector("[aria-label='Åpne listen']", state="attached", timeout=30_000)
    names = set(page.evaluate("[...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'))"))
    english = [n for n in names if n.split(" ")[0] in ("Open", "Remove", "Help", "Clear", "Selected", "Collapse",
                                                       "App", "Sidebar", "Fullscreen", "Link", "Search", "Show/hide")]
    assert not english, english
    assert {"Åpne listen", "Søk", "Fjern alle"} <= names and any(n.startswith("Fjern ") for n in names), names
    page.close()


@pytest.mark.browser
def test_in_rektormote_mode_the_first_chart_starts_on_the_projector_s_first_screen(server, browser):  # noqa: F811
    """On a 1366 × 768 projector the room saw two banners of three lines and a heading, and the chart began below
    the edge: the mode's marker and «Demodata» now share one short banner, under less padding."""
    page = login(browser, server, "skoleeier", height=768)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("[data-testid='stSidebar'] [data-testid='stExpander'] summary").first.click()
    start = page.get_by_role("button", name="Start rektormøtemodus")
    start.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(1000)  # a click during the expander's rerun can be dropped
    start.click()
    page.wait_for_selector("[data-testid='stSidebar']", state="hidden", timeout=30_000)
    page.get_by_role("link", name="Elevundersøkelsen").first.click()
    page.wait_for_selector(".js-plotly-plot .legendtext", timeout=30_000)
    banners = page.locator("[data-testid='stAlert']").all_inner_texts()
    assert len(banners) == 1 and "Rektormøtemodus" in banners[0] and "Demodata" in banners[0], banners
    top = page.evaluate("document.querySelector('.js-plotly-plot').getBoundingClientRect().top")
    assert top < 768 - 150, top  # the chart's title and its upper part on the first screen (it was at 717)
    # The menu, the pickers' names and choices and the tabs are read across the room as the page's text is: a review
    # found them at 14 px beside 20 px text.
    sizes = page.evaluate("""() => Object.fromEntries(Object.entries({
        menu: '[data-testid="stTopNavLink"] span', label: '[data-testid="stMain"] [data-testid="stWidgetLabel"] p',
        choice: '[data-testid="stMain"] [data-testid="stSelectbox"] input',
        chosen: '[data-testid="stMultiSelectTagsContainer"] span[title]', tab: '[role="tab"] p',
      }).map(([name, selector]) => [name, parseFloat(getComputedStyle(document.querySelector(selector)).fontSize)]))""")
    assert all(size >= 18 for size in sizes.values()), sizes
    # Every alert, the plan's card and a slider's value too: a review found them at 14 px (the mode's own banner
    # stays one line at 1366 pixels, as above)
    page.get_by_role("link", name="Programmer og plan").first.click()
    page.wait_for_selector("h1:has-text('Programmer og plan')", timeout=30_000)
    page.get_by_role("tab", name="Tiltaksplanen").click()
    page.wait_for_selector("[data-testid='stMain'] [data-testid='stAlertContainer'] p:has-text('fristen')",
                           timeout=30_000)
    sizes = page.evaluate("""() => Object.fromEntries(Object.entries({
        late: '[data-testid="stMain"] [data-testid="stAlertContainer"] p:not(:has(strong))',
        card: '[class*="st-key-card-"] [data-testid="stMarkdownContainer"] p',
        slider: '[data-testid="stSliderThumbValue"]',
      }).map(([name, selector]) => [name, parseFloat(getComputedStyle(document.querySelector(selector)).fontSize)]))""")
    assert all(size >= 18 for size in sizes.values()), sizes
    page.close()


# ---------------------------------------------------------------- 4. Colours a deuteranope tells apart

_MACHADO_DEUTERANOPIA = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]]
"""Machado, Oliveira and Fernandes (2009), deuteranopia at severity 1.0, on linear RGB: the reviewer's simulation."""


def _linear(hex_colour: str) -> list[float]:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _lab_as_deuteranope(hex_colour: str) -> tuple[float, float, float]:
    rgb = [min(max(sum(m * c for m, c in zip(row, _linear(hex_colour), strict=True)), 0.0), 1.0)
           for row in _MACHADO_DEUTERANOPIA]
    x, y, z = ([0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505])
    xyz = [sum(a * b for a, b in zip(row, rgb, strict=True)) for row in (x, y, z)]

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(xyz[0] / 0.95047), f(xyz[1]), f(xyz[2] / 1.08883)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


SEEN_APART = 11.0
"""The CIE76 distance under which the reviewer found two colours the same (the old palette's pairs: 7–10)."""


def test_a_deuteranope_tells_every_chart_colour_apart_and_from_the_reference_lines():
    """Under deuteranopia Bakken (blue) and Fjellvik ungdomsskole (purple) came out the same navy, Fjellvik
    barneskole (green) and Haugen (red) the same olive."""
    from dashboard.charts import PALETTE

    references = ["#222222", "#888888"]  # the municipality's and the nation's lines in `trend_chart`
    pairs = [*itertools.combinations(PALETTE, 2), *itertools.product(PALETTE, references)]
    close = [(a, b, round(dist, 1)) for a, b in pairs
             if (dist := sum((p - q) ** 2 for p, q in zip(_lab_as_deuteranope(a), _lab_as_deuteranope(b),
                                                          strict=True)) ** 0.5) < SEEN_APART]
    assert close == [], close
    assert len(set(PALETTE)) == len(PALETTE) >= 6


def test_every_chart_colour_stands_out_against_white_on_a_projector():
    """Lines and markers need 3:1 against the white background (WCAG 1.4.11); two colours were 2.2:1."""
    from dashboard.charts import PALETTE

    def luminance(hex_colour: str) -> float:
        r, g, b = _linear(hex_colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    faint = [(c, round(1.05 / (luminance(c) + 0.05), 2)) for c in PALETTE if 1.05 / (luminance(c) + 0.05) < 3]
    assert faint == [], faint


def _line_looks(fig: dict) -> list[tuple]:
    lines = [t for t in fig["data"] if "lines" in t.get("mode", "") and t.get("showlegend", True) is not False]
    return [(t.get("marker", {}).get("symbol"), t.get("line", {}).get("dash")) for t in lines]


def test_case_season_lines_differ_by_marker_shape_not_colour_alone(demo_app):
    at = demo_app("saker")
    season = next(f for f in _figures(at) if "per måned i skoleåret" in _title(f))
    looks = _line_looks(season)
    assert len(looks) > 1 and len(set(looks)) == len(looks), looks


def test_the_ppt_attendance_lines_differ_by_marker_shape_not_colour_alone(demo_app):
    """Six schools in one solid line style: two pairs the same colour to a deuteranope."""
    at = demo_app("team")
    ppt = next(f for f in _figures(at) if _title(f).startswith("PPT til stede per halvår"))
    looks = _line_looks(ppt)
    assert len(looks) > 1 and len(set(looks)) == len(looks), looks


def test_each_ungdata_chart_title_says_which_trinn_and_kjonn_and_whose_figures(demo_app):
    """On the shared screen «Blir mobbet minst hver 14. dag – andel i prosent» said neither trinn nor kjønn (they
    stood in the pickers above), and «Ungdata: …» beside Elevundersøkelsen named no municipality."""
    titles = [_title(f) for f in _figures(demo_app("ungdata"))]
    over_time = [t for t in titles if t.endswith("andel i prosent")]
    assert over_time and all(", alle kjønn, andel i prosent" in t and ". trinn" in t for t in over_time), titles
    # Side by side, each chart half the page wide: the selection on a line of its own (Plotly does not wrap a title)
    beside = [t for t in titles if t.startswith("Ungdata: ")]
    assert beside and all("<br>Fjellvik, " in t and t.endswith(". trinn, alle kjønn") for t in beside), titles
    assert [t for t in titles if t.startswith("Elevundersøkelsen: ") and t.endswith("<br>Fjellvik, alle trinn, alle kjønn")], titles


def test_ungdata_lines_differ_by_marker_shape_or_dash_not_colour_alone(demo_app):
    at = demo_app("ungdata")
    lined = [f for f in _figures(at) if len(_line_looks(f)) > 1]
    assert any(_title(f).endswith("andel i prosent") for f in lined), [_title(f) for f in lined]
    for fig in lined:
        looks = _line_looks(fig)
        assert len(set(looks)) == len(looks), (_title(fig), looks)


# ---------------------------------------------------------------- 5. Better or worse, in words


def test_each_change_on_the_front_page_says_in_words_whether_it_is_better_or_worse(demo_app, demo_db_master):
    """«↑ +0,2 pp» for mobbing and «↓ −2,5 pp» for deltakelse were both red: only the colour said they were worse."""
    at = demo_app(None)
    rows = query(demo_db_master, """
        SELECT indikator, maal, indikator_kode, skoleaar_start, verdi FROM mart.elevundersokelsen
        WHERE enhet_niva = 'kommune' AND kommunenr = '9901' AND trinn IS NULL AND kjonn = 'alle'""")
    frame = pl.DataFrame(rows, schema=["indikator", "maal", "kode", "start", "verdi"], orient="row")
    latest = frame["start"].max()
    fjellvik = [m for m in at.metric if m.proto.delta][:4]  # Fjellvik's card comes first
    checked = 0
    for metric in fjellvik:
        row = frame.filter(pl.col("indikator") == metric.label)
        now = row.filter(pl.col("start") == latest)["verdi"].item()
        before = row.filter(pl.col("start") == latest - 1)["verdi"].item()
        if round(now - before, 1) == 0:
            continue
        higher_is_worse = row["maal"][0] == "andel" and row["kode"][0] != "deltakelse"
        word = "verre" if (now > before) == higher_is_worse else "bedre"
        assert metric.proto.delta.endswith(f"({word})"), (metric.label, metric.proto.delta)
        checked += 1
    assert checked, [m.proto.delta for m in fjellvik]
    # The chip is large enough to read across the room in the mode (it stayed 14 px beside 48 px values).
    meeting = demo_app(None, meeting=True)
    assert any('[data-testid="stMetricDelta"]' in m.value for m in meeting.markdown)


# ---------------------------------------------------------------- 6. «§ 12-4» on one line


@pytest.mark.parametrize("role", ["fau", "meeting"])
def test_the_protected_case_table_keeps_each_section_number_on_one_line(demo_app, demo_db_master, role):
    """The headings wrapped as «Alvorlig sak meldt til skoleeier (§ / 12-4)» on the shared screen and for FAU."""
    nordli = query(demo_db_master, "SELECT orgnr FROM mart.skoler WHERE navn = 'Nordli skole'")[0][0]
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="fau.nordli")
    at = demo_app("saker", fau if role == "fau" else OWNER, meeting=role == "meeting")
    headings = [str(c) for c in at.table[0].value.columns]
    sections = [h for h in headings if "§" in h]
    assert sections, headings
    assert all("§ " not in h and "§\u00a0" in h for h in sections), sections


# ---------------------------------------------------------------- 7. One h1 on Hjelp


def test_the_help_page_has_one_top_heading_whichever_guide_is_shown(demo_app):
    """The guide's own «# Rapporter» was drawn as a second h1, as large as the page's title."""
    from pipelines.guides import GUIDES

    for key in GUIDES:
        at = demo_app("hjelp", state={"hjelp_dok": key})
        guide = next(m.value for m in at.markdown if m.value.lstrip().startswith("#"))
        outside_code = "".join(guide.split("```")[::2])
        tops = [line for line in outside_code.splitlines() if line.startswith("# ")]
        assert len(at.title) == 1 and tops == [], (key, tops)
        assert f"## {GUIDES[key][0]}" in guide or outside_code.lstrip().startswith("## "), key


# ---------------------------------------------------------------- 5. Every chart's numbers as a table


def _chart_tables(at: AppTest) -> dict[str, list[list[str]]]:
    """Expander label → the rows (header row first) of the HTML table in it, cells as a reader hears them."""
    import html
    import re

    tables = {}
    for box in at.expander:
        if not box.label.startswith("Tallene i grafen"):
            continue
        markup = " ".join(m.value for m in box.markdown)
        assert markup.count("<table") == 1 and "\n" not in markup, markup[:200]
        rows = re.findall(r"<tr>(.*?)</tr>", markup)
        tables[box.label] = [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)] for row in rows]
    return tables


@pytest.mark.parametrize("page", ["elevundersokelsen", "ungdata", "saker", "team", "programmer"])
def test_every_chart_has_its_numbers_beneath_it_as_a_table_a_screen_reader_can_walk(demo_app, page):
    """A screen reader reads nothing of a Plotly chart, and its hover box gives one number at a time: under every
    chart, folded, a table of what it draws, with column and row headers."""
    at = demo_app(page)
    titles = [_title(f) for f in _figures(at)]
    tables = _chart_tables(at)
    # A title's second line follows a dash
    assert titles and sorted(f"Tallene i grafen «{t.replace('<br>', ' – ')}»" for t in titles) == sorted(tables)
    for rows in tables.values():
        assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
    markup = " ".join(m.value for box in at.expander for m in box.markdown)
    assert '<th scope="col">' in markup and '<th scope="row"' in markup and "<caption" in markup


def test_the_trend_table_gives_each_school_the_value_the_warehouse_holds(demo_app, demo_db_master):
    from dashboard.labels import format_value

    at = demo_app("elevundersokelsen")
    title = _title(_figures(at)[0])
    indicator = title.split(" – ")[0]
    assert "alle trinn, alle kjønn" in title
    rows = next(r for label, r in _chart_tables(at).items() if title in label)
    header, body = rows[0], rows[1:]
    held = query(demo_db_master, "SELECT enhet_navn, skoleaar, verdi FROM mart.elevundersokelsen WHERE "
                 "enhet_niva = 'skole' AND indikator = ? AND trinn IS NULL AND kjonn = 'alle'", [indicator])
    expected = {(name, year): format_value(v, "snitt") for name, year, v in held if v is not None}
    compared = 0
    for row in body:
        for name, cell in zip(header[1:], row[1:], strict=True):
            if (name, row[0]) in expected:
                assert cell == expected[(name, row[0])], (name, row[0])
                compared += 1
    assert compared >= 6 * 5  # six school years of at least five schools


def test_a_hidden_value_reads_as_hidden_in_the_chart_table_never_as_a_number(demo_app, demo_db_master):
    """Haugen skole's 6. trinn is too small to show (Udir screened it): its cells say «skjult – …» as the chart's
    hover does."""
    at = demo_app("elevundersokelsen")
    at.multiselect[0].set_value(["990013004"])
    {s.label: s for s in at.selectbox}["Trinn"].select(6).run()
    rows = next(iter(_chart_tables(at).values()))
    column = rows[0].index("Haugen skole")
    cells = [r[column] for r in rows[1:]]
    assert cells and all(c.startswith("skjult") for c in cells), cells
    held = query(demo_db_master, "SELECT skoleaar FROM mart.elevundersokelsen WHERE orgnr = '990013004' AND trinn = 6 "
                 "AND kjonn = 'alle' AND skjermet AND indikator = ?", [_title(_figures(at)[0]).split(" – ")[0]])
    assert sorted(r[0] for r in rows[1:]) == sorted(y for (y,) in held)  # Udir screened them, every year


def test_a_chart_table_escapes_what_it_is_given_and_markdown_leaves_it_alone():
    """A school or a measure named «1. Utarbeide …», «*» or «<b>» is shown as written, not as a list, a bullet or
    markup; the table is one line, so no blank line ends Markdown's HTML block."""
    from dashboard.ui import html_table

    markup = html_table(pl.DataFrame({" ": ["1. Utarbeide plan", "<script>x</script>"], "A & B": ["*", "5 %"]}),
                        caption="Tiltak <frist>")
    assert "\n" not in markup and "<script>" not in markup and "&lt;script&gt;" in markup
    assert '<th scope="row" style="white-space:nowrap">1. Utarbeide plan</th>' in markup
    assert '<td style="white-space:nowrap">*</td>' in markup and "A &amp; B" in markup and "Tiltak &lt;frist&gt;" in markup


def test_a_chart_table_names_months_and_deadlines_as_the_page_does():
    import datetime as dt

    import plotly.graph_objects as go

    from dashboard.charts import figure_table

    fig = go.Figure([
        go.Scatter(x=[dt.date(2024, 8, 1), dt.date(2024, 9, 1)], y=[1.0, 2.345], name="Nordli skole"),
        go.Scatter(x=[None], y=[None], name="Skjult verdi", hoverinfo="skip"),
        go.Scatter(x=[dt.date(2024, 8, 1)], y=[3], name="ring", showlegend=False),
    ], layout=dict(xaxis=dict(title="Måned")))
    assert figure_table(fig).rows() == [("aug 2024", "1"), ("sep 2024", "2,35")]
    deadlines = go.Figure([go.Scatter(x=["2025-03-31"], y=["3. Opprette fagteam"], name="Forfalt")])
    assert figure_table(deadlines).rows() == [("3. Opprette fagteam", "31.03.2025")]
    heat = go.Figure(go.Heatmap(x=["PPT", "Andre"], y=["Nordli skole"], z=[[84, None]], texttemplate="%{z} %"))
    assert figure_table(heat).rows() == [("Nordli skole", "84 %", "–")]


@pytest.mark.browser
def test_a_keyboard_user_sees_a_clear_ring_round_the_sidebar_link_they_have_reached(server, browser):  # noqa: F811
    """Streamlit marks a focused sidebar link only with the faint grey it gives the open page too (outline: none):
    tabbing down the menu, a keyboard user could not tell where they were."""
    import re

    page = login(browser, server, "skoleeier", height=900)
    page.locator("[data-testid='stSidebarNav'] a").first.focus()
    page.keyboard.press("Tab")
    style = page.evaluate("""() => { const a = document.activeElement; const s = getComputedStyle(a);
        const bg = getComputedStyle(document.querySelector('[data-testid=stSidebar]')).backgroundColor;
        return [a.closest('[data-testid=stSidebarNav]') !== null, s.outlineStyle, s.outlineWidth, s.outlineColor, bg]; }""")
    in_menu, outline, width, colour, background = style
    assert in_menu and outline == "solid" and float(width.removesuffix("px")) >= 2, style

    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", css)[:3]]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(colour), luminance(background)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 3, style  # WCAG 1.4.11: 3:1 against what surrounds it
    page.close()


def test_a_hidden_year_says_skjult_in_words_not_only_a_ring_on_the_zero_line(demo_app):
    """In a printed FAU report the rings of hidden years sat on the 0 % line of «Mobbing på skolen over tid» and read as
    «no bullying»: each ring carries the word, and its hover still says why."""
    at = demo_app("elevundersokelsen")
    at.multiselect[0].set_value(["990013004"])  # Haugen skole: its 6. trinn is screened every year
    {s.label: s for s in at.selectbox}["Trinn"].select(6).run()
    rings = [t for t in _figures(at)[0]["data"] if t.get("name", "").endswith("(skjult)")]
    assert rings and all("text" in t["mode"] and set(t["text"]) == {"skjult"} for t in rings), rings
    assert all(reason for t in rings for reason in t["customdata"])  # why, in the hover
    assert all("%{customdata}" in t["hovertemplate"] for t in rings)


def _shown(at: AppTest) -> str:
    """Every text the page and its pickers show, tables and charts included."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning")
             for e in getattr(at, kind)]
    parts += [str(option) for box in at.selectbox for option in box.options]
    parts += [str(option) for box in at.multiselect for option in box.options]
    parts += [t.value.to_string() for t in at.table] + [d.value.to_string() for d in at.dataframe]
    parts += [c.proto.spec for c in at.get("plotly_chart")]
    return "\n".join(parts)


def test_a_rektormote_is_for_the_municipality_its_owner_chooses(demo_app):
    """An owner of Fjellvik and Sjøbygd started rektormøtemodus, and the room saw Sjøbygd's schools, letter by letter,
    on Oversikt, with Sjøbygd in every picker. The owner now chooses the municipality, or a joint meeting."""
    from dashboard.ui import MEETING_KEY, MEETING_KOMMUNE_KEY

    at = demo_app(None)
    choice = at.selectbox(key="rektormote_kommune_valg")
    assert choice.value == "9901"  # the first municipality, or all of them together
    assert choice.options == ["Fjellvik (9901)", "Sjøbygd (9902)", "Alle mine kommuner (felles møte)"]
    next(b for b in at.button if b.label == "Start rektormøtemodus").click().run()
    assert at.session_state[MEETING_KEY] and at.session_state[MEETING_KOMMUNE_KEY] == "9901"
    assert not at.exception
    for page in (None, "elevundersokelsen", "saker", "programmer"):
        shown = _shown(demo_app(page, meeting=True, state={MEETING_KOMMUNE_KEY: "9901"}))
        assert "Fjellvik" in shown and "Sjøbygd" not in shown and "9902" not in shown, page
    joint = _shown(demo_app(None, meeting=True, state={MEETING_KOMMUNE_KEY: None}))
    assert "Fjellvik" in joint and "Sjøbygd" in joint
    # Another owner's municipality is never widened to, whatever the session holds.
    only_9901 = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="per")
    assert "Sjøbygd" not in _shown(demo_app(None, only_9901, meeting=True, state={MEETING_KOMMUNE_KEY: "9902"}))
