"""Reports for kommunestyret, FAU and the rektormøte: what is in them, in every format, and what never is."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboard import export, labels
from dashboard.reports import content, render
from dashboard.viewer import Viewer
from pipelines.cli import main as cli
from tests.conftest import name_school, query

OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")
YEAR = "2025-26"
HAUGEN, NORDLI = "990013004", "990012008"
SECRET_TRIVSEL = 1.7
"""A survey value planted for Haugen skole with only 7 answers: it must never reach a report."""


def shows_secret(text: str) -> bool:
    """Whether `text` writes the planted value as an index is written («1,7»); a share or a change in points with the
    same digits («1,7 %», «+1,7 pp»: the demo's bullying by adults is about that) is another figure."""
    secret = re.escape(f"{SECRET_TRIVSEL:.1f}".replace(".", ","))
    return re.search(rf"(?<![\d,]){secret}(?![\d,])(?!\s*(?:%|pp))", text) is not None


@pytest.fixture(scope="module")
def report_db(demo_db_master, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("rapport") / "skolemiljo.duckdb"
    shutil.copy(demo_db_master, db)
    con = duckdb.connect(str(db))
    con.execute(
        "UPDATE core.eu_resultat SET verdi = ?, antall_besvart = 7 WHERE orgnr = ? AND skoleaar = ? "
        "AND indikator_kode = 'EUIndeks_1379' AND trinn IS NULL AND kjonn = 'alle'",
        [SECRET_TRIVSEL, HAUGEN, YEAR],
    )
    con.close()
    return db


@pytest.fixture
def use_db(report_db, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(report_db))
    return report_db


def build(mottaker: str, requester: Viewer = OWNER, **kw) -> content.Report:
    return content.build(requester, content.Request("9901", YEAR, mottaker, **kw))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture(scope="module")
def kommunestyre_pdf(report_db) -> tuple[content.Report, str, int]:
    mp = pytest.MonkeyPatch()
    mp.setenv("SKOLEMILJO_DB", str(report_db))
    try:
        report = build("kommunestyre", vurdering="Skolene jobber godt.\n\nMobbingen må ned.")
        data = render.render(report, "pdf")
    finally:
        mp.undo()
    assert data.startswith(b"%PDF")
    return report, pdf_text(data), len(PdfReader(io.BytesIO(data)).pages)


PER_SCHOOL_MONTH = """
    SELECT orgnr, periode, sakstype,
           CASE WHEN bool_or(trinn IS NULL) THEN sum(nye) FILTER (WHERE trinn IS NULL) ELSE sum(nye) END AS nye
    FROM mart.saker WHERE kommunenr = '9901' AND periode >= DATE '2025-08-01' AND periode < DATE '2026-08-01'
    GROUP BY ALL"""
"""New cases per school, month and sakstype in the school year: a school's all-trinn row, else its trinn rows."""


def _exact_case_rows(db: Path) -> dict[str, list[int]]:
    """Each school's new cases per sakstype in the school year, straight from the warehouse."""
    rows = query(db, f"""
        WITH per AS ({PER_SCHOOL_MONTH})
        SELECT k.navn, sakstype, sum(nye) FROM per JOIN mart.skoler k USING (orgnr) GROUP BY ALL""")
    out: dict[str, list[int]] = {}
    for name, _, n in rows:
        out.setdefault(name, []).append(int(n))
    return out


# ---------------------------------------------------------------- the kommunestyre PDF


def test_kommunestyre_pdf_names_the_municipality_and_year_and_has_charts_tables_and_sources(kommunestyre_pdf):
    report, text, pages = kommunestyre_pdf
    assert "Læringsmiljøet i skolene i Fjellvik kommune" in text
    assert f"skoleåret {YEAR}" in text and "§ 17-12" in text
    # Charts are drawn as vector graphics whose labels stay text: their titles and axis labels are in the PDF.
    for chart in ("Trivsel over tid", "Mobbing på skolen over tid", "Nye saker i kommunen, etter type",
                  "Programmene mot planen"):
        assert chart in text, chart
    for table in (f"Nye saker {YEAR}", f"Skolene {YEAR}", f"Møter holdt {YEAR}", "Kilder", "Tiltak på overtid"):
        assert table in text, table
    assert "Skolene jobber godt." in text and "Mobbingen må ned." in text  # the skoleeier's own assessment
    assert "Demodata" in text
    assert pages >= 3
    assert "Side 1 av" in text


def test_kommunestyre_pdf_key_figures_match_the_warehouse(kommunestyre_pdf, report_db):
    _, text, _ = kommunestyre_pdf
    (trivsel,) = query(report_db, """
        SELECT verdi FROM mart.elevundersokelsen WHERE enhet_niva = 'kommune' AND kommunenr = '9901'
          AND skoleaar = ? AND indikator_kode = 'EUIndeks_1379' AND trinn IS NULL AND kjonn = 'alle'""", [YEAR])[0]
    assert f"svarte i snitt {trivsel:.1f}".replace(".", ",") in text
    (plans,) = query(report_db, f"WITH per AS ({PER_SCHOOL_MONTH}) SELECT sum(nye) FROM per "
                                "WHERE sakstype = 'aktivitetsplan'")[0]
    assert f"laget {plans} nye aktivitetsplaner" in text


def test_kommunestyre_pdf_holds_no_survey_value_from_a_small_group(kommunestyre_pdf):
    _, text, _ = kommunestyre_pdf
    assert re.search(r"Haugen skole skjult", text), "Haugen's trivsel shows as hidden in the schools table"
    assert not shows_secret(text)


def test_kommunestyre_pdf_shows_small_case_counts_only_as_a_range(kommunestyre_pdf, report_db):
    _, text, _ = kommunestyre_pdf
    exact = _exact_case_rows(report_db)
    small_schools = [name for name, counts in exact.items() if any(0 < n < 5 for n in counts)]
    assert small_schools, "the demo has schools with 1–4 cases of some kind"
    cases = next(t for t in kommunestyre_pdf[0].tables() if t.title == f"Nye saker {YEAR}")
    report_rows = {r["Skole"]: r for r in cases.frame.to_dicts()}
    for name in small_schools:
        shown = " ".join(v for k, v in report_rows[name].items() if k != "Skole")
        assert f"{name} {shown}" in text  # the protected row is what the PDF prints
        assert "1–4" in shown
    # No cell of the case tables is a count from 1 to 4 («–»: a team the school does not have).
    for table in kommunestyre_pdf[0].tables():
        if table.title.startswith(("Nye saker", "Saker drøftet")):
            cells = [v for row in table.frame.drop("Skole").rows() for v in row]
            assert all(v in ("1–4", "skjult", "–") or int(v) == 0 or int(v) >= 5 for v in cells), table.title


def test_kommunestyre_report_has_no_meeting_log_or_monthly_case_detail(kommunestyre_pdf):
    report, text, _ = kommunestyre_pdf
    titles = {t.title for t in report.tables()}
    assert not any("måned" in t.lower() for t in titles)
    assert "til_stede" not in text and "henvisninger_" not in text


# ---------------------------------------------------------------- FAU and rektormøte


def test_fau_report_for_one_school_names_no_other_school(use_db):
    report = build("fau", orgnr=NORDLI)
    text = pdf_text(render.render(report, "pdf"))
    assert "Skolemiljøet ved Nordli skole" in text and "Til FAU" in text
    for other in ("Haugen skole", "Bakken barneskole", "Elvetun skole", "Fjellvik ungdomsskole"):
        assert other not in text, other
    assert "Kommunen i alt" in text  # its own row beside the municipality's


def test_a_report_lists_among_its_sources_no_file_of_another_municipality(report_db, tmp_path, monkeypatch):
    """A reviewer found Sjøbygd's meeting-rhythm file (its log names 9902 only) among the sources of Fjellvik's
    council, FAU and rektormøte reports: a file that left no rows in the report's tables counted for everyone. A
    later reviewer found the demo's rhythm file missing from Fjellvik's sources, though its row for every
    municipality without one of its own is where Fjellvik's expected meetings come from."""
    from dashboard import queries
    from pipelines.ingest import ingest_file

    db = tmp_path / "skolemiljo.duckdb"
    shutil.copy(report_db, db)
    own = tmp_path / "teamrytme_sjobygd.csv"
    own.write_text("kommunenr;team;moter_per_maaned\n9902;arbeidslag;3\n", encoding="utf-8")
    assert ingest_file(own, db).result == "lastet"
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    names = dict(query(db, "SELECT batch_id, filnavn FROM mart.ingest_log"))  # a report lists batches, unnamed
    listed = {k: [names[b] for b in queries.kilder(Viewer(kommuner=frozenset({k})), kommunenr=k)["batch_id"]]
              for k in ("9901", "9902")}
    assert "teamrytme_sjobygd.csv" in listed["9902"] and "teamrytme_sjobygd.csv" not in listed["9901"]
    assert "teamrytme.csv" in listed["9901"]  # its default row: 2 meetings a month in Fjellvik
    assert "saker_9902.csv" not in listed["9901"] and "saker_9902.csv" in listed["9902"]
    for k in ("9901", "9902"):  # the register and the national files are every municipality's sources
        assert "skoleregister.csv" in listed[k] and any(f.startswith("udir_148") for f in listed[k])
    assert "teamrytme_sjobygd.csv" not in pdf_text(render.render(build("fau", orgnr=NORDLI), "pdf"))


def test_fau_member_may_ask_for_own_school_or_the_municipality_but_not_another_school(use_db):
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="fau.nordli")
    assert build("fau", fau, orgnr=NORDLI).title == "Skolemiljøet ved Nordli skole"
    assert build("fau", fau).title == "Skolemiljøet i Fjellvik kommune"
    with pytest.raises(content.ReportError, match="egen skole"):
        build("fau", fau, orgnr=HAUGEN)
    with pytest.raises(content.ReportError, match="Bare skoleeier"):
        build("kommunestyre", fau)


def test_the_comment_in_the_fau_report_is_the_school_s_and_owner_s_so_an_fau_member_s_report_has_none(use_db):
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="fau.nordli")
    titles = lambda report: [s.title for s in report.sections]  # noqa: E731
    assert "Skolens og skoleeiers kommentar" not in titles(build("fau", fau, orgnr=NORDLI))
    assert "Skolens og skoleeiers kommentar" in titles(build("fau", orgnr=NORDLI, vurdering="Vi følger opp."))


def test_fau_report_for_the_municipality_gives_the_programmes_summed_over_its_schools(use_db):
    """An FAU member does not see other schools' rows, but the municipality's report must not say the plan has no
    requirements: it gives the sums, naming no school."""
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="fau.nordli")
    met, total = duckdb.connect(str(use_db), read_only=True).execute(
        "SELECT count(*) FILTER (vurdering = 'oppfylt'), count(*) FROM mart.programstatus p JOIN mart.planer USING "
        "(plan_id) WHERE p.kommunenr = '9901' AND skoleaar = ? AND planlagt", [YEAR]).fetchone()
    assert total > 0
    report = build("fau", fau)
    section = next(s for s in report.sections if s.title.startswith("Forebyggende programmer"))
    text = " ".join(section.paragraphs)
    assert "ingen programkrav" not in text and f"oppfylte {met} av {total}" in text
    for other in ("Haugen skole", "Bakken barneskole", "Elvetun skole"):
        assert all(other not in str(t.frame.to_dicts()) for t in section.tables), other


def test_rektor_may_make_the_fau_report_for_own_school_only(use_db):
    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="rektor")
    assert "Nordli skole" in build("fau", rektor, orgnr=NORDLI).title
    with pytest.raises(content.ReportError):
        build("fau", rektor, orgnr=HAUGEN)
    with pytest.raises(content.ReportError):
        build("rektormote", rektor)


def test_rektormote_report_can_hide_every_school_name(use_db):
    report = build("rektormote", anonymiser=True)
    html = render.render(report, "html").decode()
    assert "Skole A" in html
    for name in ("Nordli skole", "Haugen skole", "Bakken barneskole", "Elvetun skole", "Fjellvik ungdomsskole"):
        assert name not in html, name


def test_rektormote_report_draws_the_letters_anew_for_each_chapter(use_db, monkeypatch):
    """One set of letters for the whole report let a reader tie «Skole F» with an elevtjeneste (an ungdomsskole) in
    the meetings chapter to its survey values and case counts in the others; the shared screen draws per page."""
    drawn = []
    real = content.pseudonyms_for

    def spy(*args, **kwargs):
        drawn.append(real(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(content, "pseudonyms_for", spy)
    report = build("rektormote", anonymiser=True)
    assert len(drawn) == 5 and len(set(drawn)) > 1  # the report's, then survey, cases, teams, programmes
    assert "trukket på nytt i hvert kapittel" in " ".join(report.sections[0].paragraphs)


def test_rektormote_report_letters_cannot_be_worked_out_from_the_date_it_was_made(use_db):
    """The letters come from a random order, not one anyone with the code and the report's date could recompute."""
    schools = content.queries.skoler(OWNER, kommunenr="9901")
    req = content.Request("9901", YEAR, "rektormote", anonymiser=True)
    orders = {content.recipient_viewer(OWNER, req, schools).pseudonyms for _ in range(4)}
    assert len(orders) > 1  # six schools: four draws all alike by chance is (1/720)³


def test_rektormote_report_names_the_schools_unless_asked_not_to(use_db):
    html = render.render(build("rektormote"), "html").decode()
    assert "Nordli skole" in html and "Skole A" not in html


def test_a_school_name_with_html_is_drawn_as_written_in_a_report_s_charts_not_as_a_link(report_db, tmp_path,
                                                                                          monkeypatch):
    """Plotly reads «<a href>» and «<b>» in any text it draws: a school named so in a survey file (or an old register)
    became a link and bold type in the rektormøte report's charts, in the PDF handed round the table too."""
    import json

    db = tmp_path / "skolemiljo.duckdb"
    shutil.copy(report_db, db)
    name_school(db, NORDLI, 'Nordli <a href="https://evil.example/r">her</a> <b>fet</b>')
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    report = build("rektormote")

    def texts(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from texts(v)
        elif isinstance(value, list):
            for v in value:
                yield from texts(v)

    drawn = [t for s in report.sections for c in s.charts for t in texts(json.loads(render._chart_json(c)))]
    assert 'Nordli &lt;a href="https://evil.example/r"&gt;her&lt;/a&gt; &lt;b&gt;fet&lt;/b&gt;' in drawn
    assert not [t for t in drawn if "<a " in t or "<b>" in t]


# ---------------------------------------------------------------- HTML and XLSX


def test_table_headings_break_only_at_a_compound_s_joint_and_never_inside_a_section_number(use_db):
    """A reviewer read «Aktivitetsp/lan (§ 12-/4)» and «Statsforval/teren» in the PDF's case table."""
    import html as html_lib

    html = html_lib.unescape(render.render(build("kommunestyre"), "html").decode("utf-8"))  # «&shy;», «&nbsp;»
    # Where Norwegian hyphenates, compounds' joints among them (`test_pdf_table_headings_break_a_word_only_…`)
    assert "tets\u00adplan (§\u00a012\u20114)" in html and "Stats\u00adfor" in html
    # No heading may break anywhere (only a cell holding a link may: `test_a_long_link_…_leaves_every_pdf_page_…`).
    style = html[html.index("<style>"):html.index("</style>")]
    headings = [rule for rule in re.findall(r"([^{}]+)\{([^}]*)\}", style) if re.search(r"\bth\b", rule[0])]
    assert headings and not any("anywhere" in body for _, body in headings)
    assert labels.breakable("Skole") == "Skole"


BROKEN_WORDS = """() => {
  // Every line break inside a wide table's heading must come after a space, a soft hyphen (drawn as «-») or a «/».
  const bad = [];
  for (const th of document.querySelectorAll('table.wide th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    let top = null, before = '', node;
    while ((node = walker.nextNode())) {
      for (let i = 0; i < node.textContent.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rects = range.getClientRects();
        const ch = node.textContent[i];
        const rect = rects[rects.length - 1];  // a character just after a break can also report the line before
        if (rect && rect.width > 0) {
          if (top !== null && rect.top > top + 1 && !' \\u00ad/'.includes(before)) {
            bad.push(th.textContent.replaceAll('\\u00ad', '') + ' | brutt foran «' + ch + '»');
          }
          top = rect.top;
        }
        before = ch;
      }
    }
  }
  return bad;
}"""


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs the machine's Chromium (make test installs it)")
def test_pdf_table_headings_break_a_word_only_where_a_hyphen_is_drawn(use_db):
    """A reviewer read «Bekymring / smelding til barne‐vernet» in the council PDF's case table: «Bekymrings-» was wider
    than its column, and Chromium broke the word where it ran out of room, with no hyphen."""
    from playwright.sync_api import sync_playwright

    from dashboard.reports.browser import CHROMIUM_ARGS

    pages = [render.render(build(kind), "html").decode() for kind in ("kommunestyre", "rektormote")]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            # The PDF's text width: A4 less the 16 mm margins each side (`browser._finish`), at 96 px an inch.
            page = browser.new_page(viewport={"width": round((210 - 32) / 25.4 * 96), "height": 1000})
            page.emulate_media(media="print")
            for html in pages:
                page.set_content(html, wait_until="load")
                assert page.locator("table.wide th").count() > 5
                assert page.evaluate(BROKEN_WORDS) == []
        finally:
            browser.close()


def test_an_excel_sheet_name_too_long_for_excel_is_cut_at_a_word_and_says_so():
    """Excel allows 31 characters: a reviewer found «Elevundersøkelsen – Nordli skol» as a sheet's name."""
    taken: set[str] = set()
    first = export.sheet_name("Elevundersøkelsen – Nordli skole, alle trinn", taken)
    again = export.sheet_name("Elevundersøkelsen – Nordli skole, alle trinn", taken)
    assert first == "Elevundersøkelsen – Nordli…" and again == "Elevundersøkelsen – Nordli… (2)"
    assert len(again) <= 31 and export.sheet_name("Saker: per skole", taken) == "Saker – per skole"
    assert export.sheet_name("Kl. 10:15 [utkast]", taken) == "Kl. 10-15 -utkast-"


def test_a_report_says_no_change_as_the_dashboard_does():
    """The reports wrote «+0,0» where the dashboard says «uendret»; a change keeps its sign, a real minus, and pp."""
    assert content._change(4.2, 4.2, "snitt") == "uendret"
    assert content._change(8.1, 8.4, "andel") == "\u22120,3 pp" and content._change(4.3, 4.0, "snitt") == "+0,3"


def test_html_report_is_static_with_charts_as_inline_svg(use_db):
    html = render.render(build("kommunestyre"), "html").decode()
    assert "<svg" in html and "Trivsel over tid" in html
    assert "<script" not in html  # no Plotly, nothing that runs: safe to publish
    assert "Fjellvik" in html and YEAR in html
    shown_text = re.sub(r"<[^>]+>", " ", html)  # what a reader sees, not the SVG path coordinates
    assert "Haugen skole" in shown_text and not shows_secret(shown_text)


def test_the_dashboard_s_warm_chromium_makes_the_same_report_and_stays_warm_between_reports(use_db, monkeypatch):
    """The page's reports are made on a Chromium kept with Plotly loaded (4 of a cold report's 5.5 s are starting
    Chromium and loading Plotly); what it makes must be what a fresh Chromium makes."""
    import time

    from dashboard.reports import browser

    report = build("kommunestyre", vurdering="Skolene jobber godt.")
    cold = render.render(report, "html").decode("utf-8")
    warm = render.render(report, "html", warm=True).decode("utf-8")
    charts = sum(len(s.charts) for s in report.sections)
    for html in (cold, warm):
        assert html.count('class="chart-static"') == charts > 0 and "<script" not in html
    # The same page body (the cold page's head also keeps the CSS Plotly adds for interactive charts, unused here);
    # Plotly numbers its clip paths at random, so lengths are compared, not text.
    body = lambda h: re.sub(r'[0-9a-f]{6,}', "", h[h.index("<body"):])  # noqa: E731
    assert len(body(warm)) == pytest.approx(len(body(cold)), rel=0.005)
    started = browser._WARM.starts
    pdf = render.render(build("fau", orgnr=NORDLI), "pdf", warm=True)
    assert pdf.startswith(b"%PDF") and "Skolemiljøet ved Nordli skole" in pdf_text(pdf)
    assert browser._WARM.starts == started  # the same Chromium, Plotly already loaded
    # Idle, it closes; the next report starts it again.
    monkeypatch.setattr(browser, "IDLE_SECONDS", 0.2)
    render.render(report, "html", warm=True)  # the worker now waits at most 0.2 s for the next
    deadline = time.monotonic() + 10
    while browser._WARM.thread is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser._WARM.thread is None
    assert render.render(report, "html", warm=True).decode("utf-8").count('class="chart-static"') == charts
    assert browser._WARM.starts == started + 1
    browser._WARM.stop()
    assert browser._WARM.thread is None


def test_a_warm_chromium_that_cannot_start_says_so_in_norwegian_and_the_next_report_is_made(use_db, monkeypatch):
    from dashboard.reports import browser

    browser._WARM.stop()
    report = build("fau", orgnr=NORDLI)
    with monkeypatch.context() as m:
        m.setattr(browser, "chromium_path", lambda: None)
        with pytest.raises(content.ReportError, match="Fant ikke Chromium"):
            render.render(report, "pdf", warm=True)
    assert render.render(report, "pdf", warm=True).startswith(b"%PDF")
    browser._WARM.stop()


def test_xlsx_report_has_every_table_and_an_about_sheet(use_db):
    report = build("kommunestyre")
    book = load_workbook(io.BytesIO(render.render(report, "xlsx")))
    assert book.sheetnames[0] == "Om uttrekket"
    assert len(book.sheetnames) == 1 + len(report.tables())
    about = {row[0].value: row[1].value for row in book["Om uttrekket"].iter_rows() if row[0].value}
    assert "vernet nivå" in about["Vern"] and about["Skoleår"] == YEAR
    cases = book[next(n for n in book.sheetnames if n.startswith("Nye saker"))]
    values = [c.value for row in cases.iter_rows(min_row=2) for c in row[1:]]
    assert "1–4" in values
    assert all(v in ("1–4", "skjult") or int(v) == 0 or int(v) >= 5 for v in values)


def test_a_report_s_bar_labels_stand_off_the_axis_line(use_db):
    """«Aktivitetsplan (§ 12-4)» ended on the case chart's axis line, its «)» touching it, in the PDF."""
    import json

    report = build("kommunestyre")
    bars = [json.loads(render._chart_json(c)) for s in report.sections for c in s.charts
            if any(t.get("orientation") == "h" for t in c.figure.to_plotly_json()["data"])]
    assert len(bars) >= 2, [c.title for s in report.sections for c in s.charts]
    assert all(fig["layout"]["yaxis"].get("ticklabelstandoff", 0) >= 6 for fig in bars)


def test_xlsx_report_says_it_is_a_draft_and_carries_the_notes_the_pdf_has(use_db):
    """The spreadsheet left out «Utkast: skoleeiers vurdering er ikke skrevet ennå» and every section's note («Saker
    drøftet» counts discussions, not pupils; «1–4» has no bar): read alone, it passed for the finished report."""
    report = build("kommunestyre")
    notes = [(s.title, n) for s in report.sections for n in s.notes]
    assert len(notes) >= 2
    book = load_workbook(io.BytesIO(render.render(report, "xlsx")))
    about = [(row[0].value, row[1].value) for row in book["Om uttrekket"].iter_rows()]
    assert all(note in about for note in notes), [n for n in notes if n not in about]
    assert any(text == content.MISSING_ASSESSMENT[False] for _, text in about)
    # A title Excel's 31 characters cut is given whole beside its sheet's name
    cut = [name for name in book.sheetnames if name.endswith("…")]
    assert cut, book.sheetnames
    titles = {t.title for t in report.tables()}
    assert all((f"Arket «{name}»", title) in about for name in cut
               for title in [next(t for t in titles if t.startswith(name[:-1].rstrip(" –-,")))]), about


def test_xlsx_cells_that_look_like_formulas_are_stored_as_text(use_db, report_db, tmp_path, monkeypatch):
    db = tmp_path / "skolemiljo.duckdb"
    shutil.copy(report_db, db)
    con = duckdb.connect(str(db))
    con.execute("""UPDATE core.skole SET navn = '=HYPERLINK("http://x","Klikk")' WHERE orgnr = ?""", [NORDLI])
    con.close()
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    book = load_workbook(io.BytesIO(render.render(build("kommunestyre"), "xlsx")))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"], "a formula in the export"
    # Text as written, kept as text by the cell's type and Excel's hidden quote prefix (no visible apostrophe).
    assert any(c.value == '=HYPERLINK("http://x","Klikk")' and c.data_type == "s" and c.quotePrefix for c in cells)


@pytest.mark.parametrize("text", ["=1+1", "+47 99", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_like_text_is_neutralised(text):
    assert export.neutralise(text) == "'" + text
    assert export.neutralise("Nordli skole") == "Nordli skole"
    assert export.neutralise(-3) == -3  # a negative number is a number, not a formula


# ---------------------------------------------------------------- the command line


def test_rapport_command_writes_each_format(report_db, tmp_path, capsys):
    for fmt, magic in (("pdf", b"%PDF"), ("html", b"<!DOCTYPE html>"), ("xlsx", b"PK")):
        out = tmp_path / f"rapport.{fmt}"
        code = cli(["--db", str(report_db), "rapport", "--kommune", "9901", "--skoleaar", YEAR, "--mottaker",
                    "kommunestyre", "--format", fmt, "--ut", str(out)])
        assert code == 0
        assert out.read_bytes().startswith(magic)
    assert "Skrev" in capsys.readouterr().out
    audit = (report_db.parent / "revisjon.jsonl").read_text(encoding="utf-8")
    assert '"eksport"' in audit and "rapport.pdf" in audit


def test_rapport_command_refuses_a_bad_school_year_in_norwegian_and_writes_nothing(report_db, tmp_path, capsys):
    out = tmp_path / "rapport.pdf"
    code = cli(["--db", str(report_db), "rapport", "--kommune", "9901", "--skoleaar", "2025-2026", "--mottaker",
                "kommunestyre", "--format", "pdf", "--ut", str(out)])
    assert code == 1
    assert "Ugyldig skoleår" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("year", "options", "said"), [
    ("2030-31", [], "har ikke begynt"),  # written whole before, every section empty
    (YEAR, ["--skole", NORDLI], "--skole gjelder bare"),  # the whole municipality's, though one school was asked for
    (YEAR, ["--anonymiser"], "--anonymiser gjelder bare"),
])
def test_rapport_command_refuses_what_the_report_would_not_be(report_db, tmp_path, capsys, year, options, said):
    out = tmp_path / "rapport.html"
    code = cli(["--db", str(report_db), "rapport", "--kommune", "9901", "--skoleaar", year, "--mottaker",
                "kommunestyre", "--format", "html", "--ut", str(out), *options])
    assert code == 1 and said in capsys.readouterr().err
    assert not out.exists()


def test_a_report_from_the_command_line_does_not_name_the_server_s_account(report_db, tmp_path):
    """«Laget 02.12.2026 av root» in a document for kommunestyret: the account is in the audit log instead."""
    import getpass

    out = tmp_path / "rapport.html"
    assert cli(["--db", str(report_db), "rapport", "--kommune", "9901", "--skoleaar", YEAR, "--mottaker",
                "kommunestyre", "--format", "html", "--ut", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Laget " in text and f"av {getpass.getuser()}" not in text
    assert getpass.getuser() in (report_db.parent / "revisjon.jsonl").read_text(encoding="utf-8")


def test_rapport_command_takes_the_assessment_from_a_file(report_db, tmp_path):
    note = tmp_path / "vurdering.txt"
    note.write_text("Vi prioriterer ungdomstrinnet neste år.", encoding="utf-8")
    out = tmp_path / "rapport.html"
    assert cli(["--db", str(report_db), "rapport", "--kommune", "9901", "--skoleaar", YEAR, "--mottaker", "fau",
                "--format", "html", "--ut", str(out), "--vurdering", str(note)]) == 0
    assert "Vi prioriterer ungdomstrinnet neste år." in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(("mottaker", "orgnr"), [("kommunestyre", None), ("fau", NORDLI), ("rektormote", None)])
def test_a_report_speaks_to_its_readers_not_to_the_tool_s_user(use_db, mottaker, orgnr):
    """A UX review found «Skriv vurderingen … `skolemiljo rapport … --vurdering FIL`», «lest inn mellom 01.12.2026
    og 01.12.2026» and «se dem på siden Datakvalitet i dashbordet» in the reports kommunestyret and FAU read."""
    report = build(mottaker, orgnr=orgnr)
    text = " ".join(" ".join([s.title, *s.paragraphs, *s.notes]) for s in report.sections)
    for tool_talk in ("skolemiljo", "--vurdering", "Rapporter-siden", "Datakvalitet", "dashbordet"):
        assert tool_talk not in text, tool_talk
    assert content.MISSING_ASSESSMENT[mottaker == "fau"] in text
    loaded = sorted({d.strftime("%d.%m.%Y") for (d,) in query(
        use_db, "SELECT CAST(ferdig AS DATE) FROM core.ingest_log WHERE resultat = 'lastet'")})
    if len(loaded) == 1:
        assert f"lest inn {loaded[0]}." in text and "mellom" not in text
    else:
        assert f"mellom {loaded[0]} og {loaded[-1]}" in text
    html = render.render(build(mottaker, orgnr=orgnr, vurdering="Vi følger med."), "html").decode("utf-8")
    assert "Vi følger med." in html and content.MISSING_ASSESSMENT[mottaker == "fau"] not in html


def _as_shown(cell) -> str:
    """A cell as Excel shows it, near enough to read: a number with a decimal comma, a share in per cent, a change
    in points with «pp» (the sheet holds the trivsel 1,7 as the number 1.7, and «1,7 %» as 0.017)."""
    if not isinstance(cell.value, float):
        return str(cell.value)
    if "%" in cell.number_format:
        return f"{cell.value * 100:.1f} %".replace(".", ",")
    return f"{cell.value:.1f}".replace(".", ",") + (" pp" if "pp" in cell.number_format else "")


@pytest.mark.parametrize("fmt", ["pdf", "html", "xlsx"])
@pytest.mark.parametrize(("mottaker", "orgnr", "title"), [
    ("kommunestyre", None, "Læringsmiljøet i skolene i Fjellvik kommune"),
    ("fau", NORDLI, "Skolemiljøet ved Nordli skole"),
    ("rektormote", None, "Skolene i Fjellvik side om side"),
])
def test_every_recipient_gets_every_format_with_its_title_and_year(use_db, mottaker, orgnr, title, fmt):
    data = render.render(build(mottaker, orgnr=orgnr), fmt)
    if fmt == "pdf":
        text = pdf_text(data)
    elif fmt == "html":
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", data.decode()))
    else:
        book = load_workbook(io.BytesIO(data))
        text = " ".join(_as_shown(c) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert title in text and YEAR in text
    assert not shows_secret(text)


def test_ungdata_in_a_report_quotes_no_later_wave_and_says_where_the_nation_comes_from(use_db):
    waves = [r[0] for r in duckdb.connect(str(use_db), read_only=True).execute(
        "SELECT DISTINCT aar FROM mart.ungdata WHERE kommunenr = '9901' AND kilde = 'ungdata' ORDER BY 1").fetchall()]
    assert len(waves) >= 2
    year = f"{waves[0] - 1}-{waves[0] % 100:02d}"  # the school year whose spring is the first wave
    report = content.build(OWNER, content.Request("9901", year, "kommunestyre"))
    section = next(s for s in report.sections if s.title.startswith("Ungdata"))
    (table,) = [t for t in section.tables if t.title == "Ungdata"]
    for later in waves[1:]:
        assert not any(str(later) in c for c in table.frame.columns), (later, table.frame.columns)
    assert any(c.startswith("Landet (") for c in table.frame.columns), table.frame.columns


@pytest.mark.parametrize("kommunenr", ["9901", "9902"])
def test_the_note_on_hidden_school_values_counts_the_hidden_cells_of_the_schools_table(use_db, kommunenr):
    """Sjøbygd's note said «17 skoleverdier … er skjult (for få svar eller skjermet av Udir)» beside a table with 6:
    it counted every indicator, and two had been hidden so that others could not be worked out."""
    report = content.build(OWNER, content.Request(kommunenr, YEAR, "kommunestyre"))
    section = next(s for s in report.sections if s.title == "Elevundersøkelsen")
    (table,) = [t for t in section.tables if t.title == f"Skolene {YEAR}"]
    cells = sum(v == "skjult" for row in table.frame.drop("Skole").iter_rows() for v in row)
    said = [n for n in section.notes if "skjult (for få svar" in n]
    if cells:
        (note,) = said
        assert note.startswith(f"{cells} skoleverdi"), (note, cells)
        assert "ellers kunne regnes ut" in note
    else:
        assert not said, said


def test_a_report_quotes_no_fhi_average_that_ends_after_its_school_year(report_db, tmp_path, monkeypatch):
    """FHI's three-year averages are stored by their first year: with FHI's figures only, a 2022-23 report quoted
    «2022–2024», which takes in the 2024 survey, a year after the school year it reports on."""
    db = tmp_path / "skolemiljo.duckdb"
    shutil.copy(report_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM core.ungdata WHERE kilde = 'ungdata'")
        periods = [r[0] for r in con.execute("SELECT DISTINCT periode FROM core.ungdata WHERE geo = '9901' "
                                             "ORDER BY 1").fetchall()]
    assert periods == ["2019–2021", "2022–2024"], periods
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    report = content.build(OWNER, content.Request("9901", "2022-23", "kommunestyre"))
    section = next(s for s in report.sections if s.title.startswith("Ungdata"))
    (table,) = [t for t in section.tables if t.title == "Ungdata"]
    assert any("2019–2021" in c for c in table.frame.columns), table.frame.columns
    assert not any("2022–2024" in c for c in table.frame.columns), table.frame.columns


def test_the_report_says_when_the_municipality_s_ungdata_and_the_nation_s_are_two_kinds_of_figure(use_db):
    """The demo has Ungdata's own report for the municipality (one year) and FHI's three-year averages for the nation:
    «82,5 % i Fjellvik mot 85,4 % i landet (lavere; FHI, treårssnitt 2022–2024)» read as if both were FHI's."""
    national = {r[0] for r in duckdb.connect(str(use_db), read_only=True).execute(
        "SELECT DISTINCT kilde FROM mart.ungdata WHERE geo_niva = 'nasjonalt'").fetchall()}
    assert national == {"kommunehelsa"}, national  # the case at hand
    report = content.build(OWNER, content.Request("9901", "2024-25", "kommunestyre"))
    section = next(s for s in report.sections if s.title.startswith("Ungdata"))
    (said,) = [p for p in section.paragraphs if p.startswith("Størst forskjell")]
    assert "(Ungdata 2024)" in said and "(FHI, treårssnitt" in said and "ikke helt sammenlignbare" in said, said


def test_a_year_whose_municipality_case_figures_are_all_hidden_is_said_in_words_not_drawn_empty(
    report_db, tmp_path, monkeypatch
):
    """The year before has one case of each type in the whole municipality: every figure is 1–4, so hidden.

    The chart used to draw an empty legend entry for that year; the reader is now told why the year is missing."""
    db = tmp_path / "skolemiljo.duckdb"
    shutil.copy(report_db, db)
    with duckdb.connect(str(db)) as con:
        before = "periode >= DATE '2024-08-01' AND periode < DATE '2025-08-01' AND kommunenr = '9901'"
        kept = con.execute(
            f"SELECT min(rowid) FROM core.saker WHERE {before} AND nye > 0 GROUP BY sakstype"
        ).fetchall()
        con.execute(f"DELETE FROM core.saker WHERE {before} AND rowid NOT IN (SELECT unnest(?))", [[r[0] for r in kept]])
        con.execute(f"UPDATE core.saker SET nye = 1 WHERE {before}")
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    (section,) = [s for s in build("kommunestyre").sections if s.title.startswith("Saker")]
    assert "Kommunens tall for 2024-25 er skjult for å verne små tall og er ikke i figuren." in section.notes
    (chart,) = section.charts
    assert [t.name for t in chart.figure.data] == [YEAR]
    assert "Kommunens sum for" not in " ".join(section.paragraphs)  # this year's sum is shown


def test_a_school_that_moved_out_gets_a_letter_too_in_a_rektormote(report_db, tmp_path, monkeypatch):
    """Haugen moved to Sjøbygd; its case rows stay filed under Fjellvik, so Fjellvik's tables show it. The letters
    came from Fjellvik's register only, and Haugen's real name stood among «Skole A, B, …»."""
    db = tmp_path / "flyttet.duckdb"
    shutil.copy(report_db, db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE core.skole SET kommunenr = '9902', kommune = 'Sjøbygd' WHERE orgnr = ?", [HAUGEN])
    con.close()
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    import streamlit as st

    st.cache_data.clear()
    html = render.render(build("rektormote", anonymiser=True), "html").decode()
    assert "Haugen skole" not in html
    from dashboard import ui
    from dashboard.viewer import pseudonyms_for

    owner = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
    letters = dict(pseudonyms_for(ui._meeting_schools(owner), set()))
    assert HAUGEN in letters  # the live rektormøte mode draws from the same list


# ---------------------------------------------------------------- figures a reviewer recomputed from the files

ELVETUN, BAKKEN = "990016003", "990014000"


def _changed_db(report_db: Path, tmp_path: Path, monkeypatch, *sql: str) -> Path:
    """A copy of the report warehouse with `sql` applied, read by the report's queries."""
    import streamlit as st

    db = tmp_path / "endret.duckdb"
    shutil.copy(report_db, db)
    with duckdb.connect(str(db)) as con:
        for statement in sql:
            con.execute(statement)
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    st.cache_data.clear()
    return db


def _section(report: content.Report, start: str) -> content.Section:
    return next(s for s in report.sections if s.title.startswith(start))


def test_a_school_that_should_have_the_elevtjeneste_and_logged_no_meeting_counts_against_the_rhythm(
    report_db, tmp_path, monkeypatch
):
    """Elvetun (1.–10. trinn) logs no elevtjeneste meeting in 2025-26. The report read «Elevtjeneste: 1 skoler … 11 av
    11 forventet (100 %); 1 av 1» and showed Elvetun as «–», the mark of a school without the team: a school that
    fails completely fell out of the count."""
    db = _changed_db(report_db, tmp_path, monkeypatch,
                     f"DELETE FROM core.teammoter WHERE orgnr = '{ELVETUN}' AND team = 'elevtjeneste' "
                     "AND dato >= DATE '2025-08-01' AND dato < DATE '2026-08-01'")
    (held, last) = query(db, "SELECT count(*) FILTER (WHERE team = 'elevtjeneste'), max(dato) FROM mart.teammoter "
                             "WHERE kommunenr = '9901' AND dato >= DATE '2025-08-01' AND dato < DATE '2026-08-01'")[0]
    per_school = round(1.0 * content.queries.school_months(dt.date(2025, 8, 1), last))  # the default rhythm: monthly
    section = _section(build("kommunestyre"), "Arbeidslag")
    (said,) = [p for p in section.paragraphs if p.startswith("Elevtjeneste:")]
    assert said.startswith(f"Elevtjeneste: 2 skoler holdt til sammen {held} møter av {2 * per_school} "), said
    assert f"({round(100 * held / (2 * per_school))} %); 1 av 2 skoler holdt minst 90 %" in said, said
    (table,) = [t for t in section.tables if t.title.startswith("Møter holdt")]
    meetings = {r["Skole"]: r for r in table.frame.to_dicts()}
    assert meetings["Elvetun skole"]["Elevtjeneste: møter"] == f"0 av {per_school}"
    assert meetings["Bakken barneskole"]["Elevtjeneste: møter"] == "–"  # a barneskole has no elevtjeneste


def test_a_report_for_one_school_counts_its_programmes_by_trinn(use_db):
    """A report for Nordli said «… av 7 kombinasjoner av skole og trinn» where there is one school: its trinn."""
    section = _section(build("fau", orgnr=NORDLI), "Forebyggende programmer")
    (said,) = [p for p in section.paragraphs if p.startswith(f"I {YEAR} oppfylte")]
    assert said.endswith(("trinn kravene i planen.", "er ikke rapportert.")) and "kombinasjoner" not in said, said


def test_ungdata_by_age_is_told_as_what_it_is_not_as_the_ungdomstrinn(report_db, tmp_path, monkeypatch):
    """With FHI's table by age only, the report still said «gjelder ungdomstrinnet» of an age group it picked."""
    db = _changed_db(report_db, tmp_path, monkeypatch, "DELETE FROM core.ungdata WHERE kilde = 'ungdata'",
                     "UPDATE core.ungdata SET trinn = 'alle' WHERE trinn = '8-10'")
    assert query(db, "SELECT DISTINCT trinn FROM core.ungdata") == [("alle",)]
    section = _section(content.build(OWNER, content.Request("9901", "2024-25", "kommunestyre")), "Ungdata")
    assert section.title == "Ungdata"
    assert any("gjelder alle aldre og trinn i tabellen" in p for p in section.paragraphs), section.paragraphs
    assert not any("ungdomstrinnet" in p for p in section.paragraphs), section.paragraphs


def test_a_school_known_only_from_a_survey_file_is_expected_no_meetings(report_db, tmp_path, monkeypatch):
    """A school the survey registered (trinn unknown: a private school, or one since closed) was expected to hold
    arbeidslag meetings: «Fjellvik Montessoriskole 0 av 22, 0 %» in the table and in the report's percentages."""
    db = _changed_db(report_db, tmp_path, monkeypatch,
                     "INSERT INTO core.skole (orgnr, navn, kommunenr, kommune, trinn_fra, trinn_til, elevtall, skoleaar, "
                     "kilde, batch_id) VALUES ('999999999', 'Fjellvik Montessoriskole', '9901', 'Fjellvik', NULL, NULL, "
                     "NULL, '2024-25', 'udir_indikator', 'x')")
    assert query(db, "SELECT count(*) FROM mart.skoler WHERE orgnr = '999999999'") == [(1,)]
    section = _section(build("kommunestyre"), "Arbeidslag")
    assert not any("Montessori" in str(r) for t in section.tables for r in t.frame.rows()), section.tables
    (said,) = [p for p in section.paragraphs if p.startswith("Arbeidslag:")]
    assert said.startswith("Arbeidslag: 6 skoler"), said


def test_a_team_the_school_does_not_have_is_a_dash_in_the_cases_table_as_in_the_meetings_table(use_db):
    """«Saker drøftet» showed 0 for Bakken barneskole's elevtjeneste where «Møter holdt» beside it showed «–»."""
    section = _section(build("kommunestyre"), "Arbeidslag")
    tables = {t.title.split(" 20")[0]: {r["Skole"]: r for r in t.frame.to_dicts()} for t in section.tables}
    assert tables["Møter holdt"]["Bakken barneskole"]["Elevtjeneste: møter"] == "–"
    assert tables["Saker drøftet"]["Bakken barneskole"]["Elevtjeneste"] == "–"
    assert tables["Saker drøftet"]["Fjellvik ungdomsskole"]["Ressursteam"] == "–"
    assert tables["Saker drøftet"]["Bakken barneskole"]["Ressursteam"] not in ("–", "0")


def test_one_school_is_one_skole_in_a_report(report_db, tmp_path, monkeypatch):
    """The reports said «1 skoler»."""
    _changed_db(report_db, tmp_path, monkeypatch,
                f"DELETE FROM core.teammoter WHERE orgnr = '{ELVETUN}' AND team = 'elevtjeneste'",
                f"UPDATE core.skole SET trinn_til = 7 WHERE orgnr = '{ELVETUN}'",
                f"UPDATE core.skole_aar SET trinn_til = 7 WHERE orgnr = '{ELVETUN}'")  # the year's register too
    text = " ".join(_section(build("kommunestyre"), "Arbeidslag").paragraphs)
    assert "Elevtjeneste: 1 skole holdt" in text and "av 1 skole holdt minst" in text, text
    assert "1 skoler" not in text


CELLS = """
    SELECT count(*), count(*) FILTER (WHERE alle_oppfylt) FROM (
        SELECT orgnr, trinn, bool_and(vurdering = 'oppfylt') AS alle_oppfylt
        FROM mart.programstatus WHERE kommunenr = ? AND skoleaar = ? AND planlagt GROUP BY ALL)"""
"""School × trinn cells in the plan for a year, and those where every programme meets it (the Programmer page)."""


def test_the_programme_sentence_counts_school_and_trinn_once_as_the_programmer_page_does(use_db):
    """Sjøbygd 2025-26: Strand's 7 trinn run Læringsmiljøprosjektet (met) and Olweus (not met). The report said
    «14 av 38 kombinasjoner av skole og trinn» where the Programmer page says 7 of 31 cells."""
    (cells, met), (rows,) = query(use_db, CELLS, ["9902", YEAR])[0], query(
        use_db, "SELECT count(*) FROM mart.programstatus WHERE kommunenr = '9902' AND skoleaar = ? AND planlagt",
        [YEAR])[0]
    assert rows > cells  # the case at hand: a cell with two programmes
    holmen = Viewer(role="fau", kommuner=frozenset({"9902"}), skoler=frozenset({"990023018"}), brukernavn="fau")
    for requester, mottaker in ((OWNER, "kommunestyre"), (OWNER, "rektormote"), (holmen, "fau")):
        report = content.build(requester, content.Request("9902", YEAR, mottaker))
        text = " ".join(_section(report, "Forebyggende programmer").paragraphs)
        assert f"oppfylte {met} av {cells} kombinasjoner av skole og trinn" in text, (mottaker, text)


def test_overdue_actions_in_a_report_are_judged_at_the_end_of_its_school_year(use_db):
    """Sjøbygd's 2024-25 report listed «Felles fagdag … Frist 30.09.2026» as overdue: judged against today."""
    (actions, overdue) = query(use_db, """
        SELECT count(*), count(*) FILTER (WHERE frist < DATE '2025-08-01' AND status <> 'fullfort')
        FROM mart.plantiltak t JOIN mart.planer p USING (plan_id)
        WHERE t.kommunenr = '9902' AND p.gyldig_fra < DATE '2025-08-01' AND p.gyldig_til >= DATE '2024-08-01'""")[0]
    later = query(use_db, "SELECT tiltak FROM mart.plantiltak WHERE kommunenr = '9902' AND forfalt "
                          "AND frist >= DATE '2025-08-01'")
    assert later, "the demo has an action overdue today whose deadline came after 2024-25"
    section = _section(content.build(OWNER, content.Request("9902", "2024-25", "kommunestyre")),
                       "Forebyggende programmer")
    text = " ".join(section.paragraphs)
    assert f"Tiltaksplanen har {actions} tiltak" in text and f"hadde {overdue} passert fristen" in text, text
    shown = [r["Tiltak"] for t in section.tables if t.title == "Tiltak på overtid" for r in t.frame.to_dicts()]
    assert not {t for (t,) in later} & set(shown), shown


def test_a_report_for_a_year_before_the_plan_says_no_plan_applied_and_lists_none_of_its_actions(use_db):
    """Fjellvik's 2022-23 report counted «5 tiltak; 2 har passert fristen» of a plan in force from 01.08.2024."""
    (start,) = query(use_db, "SELECT min(gyldig_fra) FROM mart.planer WHERE kommunenr = '9901'")[0]
    assert start > dt.date(2023, 7, 31)
    section = _section(content.build(OWNER, content.Request("9901", "2022-23", "kommunestyre")),
                       "Forebyggende programmer")
    text = " ".join(section.paragraphs)
    assert "Ingen plan for skolemiljøet gjaldt i skoleåret 2022-23" in text and "Tiltaksplanen" not in text, text
    assert not section.tables and not section.charts


def test_each_schools_fau_report_has_a_file_name_of_its_own(use_db):
    """Every school's FAU report was saved as «rapport_fau_fjellvik_2025-26»: a second download replaced the first."""
    nordli, haugen = build("fau", orgnr=NORDLI).file_stem, build("fau", orgnr=HAUGEN).file_stem
    assert nordli == f"rapport_fau_fjellvik_nordli-skole_{YEAR}" and haugen == f"rapport_fau_fjellvik_haugen-skole_{YEAR}"
    assert build("kommunestyre").file_stem == f"rapport_kommunestyre_fjellvik_{YEAR}"
    # a report on the whole municipality (an anonymised rektormøte one too) is never named after a school asked for
    assert build("rektormote", orgnr=NORDLI, anonymiser=True).file_stem.startswith(f"rapport_rektormote_fjellvik_{YEAR}")


def test_the_anonymised_and_the_named_rektormote_reports_do_not_save_over_each_other(use_db):
    """Both were saved as «rapport_rektormote_fjellvik_2025-26.pdf»: one replaced the other, or the one with the
    schools' names was opened on the shared screen by mistake."""
    named, lettered = build("rektormote").file_stem, build("rektormote", anonymiser=True).file_stem
    assert named == f"rapport_rektormote_fjellvik_{YEAR}"
    assert lettered != named and lettered.endswith("_anonymisert")
    # Only the rektormøte report has letters: the flag changes no other report's name.
    assert build("kommunestyre", anonymiser=True).file_stem == build("kommunestyre").file_stem


# ---------------------------------------------------------------- the skoleeier's own text, laid out as printed

LINK = ("https://fjellvikkommune.sharepoint.com/:b:/s/Oppvekst/EYq3mZx8TtdLkR2v0cHb7PUBa9QmW4nLxZ1sYp5oR6t8uVwA3bCdEfGhI"
        "jKlMnOpQrStUvWx?e=Ab12Cd")

OVERFLOW = """() => {
  // The page is wider than the printed column when anything runs past it: Chromium's PDF then shrinks every page.
  const root = document.documentElement;
  const over = [...document.querySelectorAll('p, td, th, h2, h3')]
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => el.tagName + ': ' + el.textContent.slice(0, 50));
  return {page: root.scrollWidth - root.clientWidth, over};
}"""


def _printed(html: str, script: str):
    """`script` evaluated on the report laid out as the PDF prints it: print media, A4 less the margins."""
    from playwright.sync_api import sync_playwright

    from dashboard.reports.browser import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            # The PDF's text width: A4 less the 16 mm margins each side (`browser._finish`), at 96 px an inch.
            page = browser.new_page(viewport={"width": round((210 - 32) / 25.4 * 96), "height": 1000})
            page.emulate_media(media="print")
            page.set_content(html, wait_until="load")
            return page.evaluate(script)
        finally:
            browser.close()


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs the machine's Chromium (make test installs it)")
def test_a_long_link_in_the_assessment_or_a_table_wraps_in_its_column_and_leaves_every_pdf_page_full_size(
    report_db, tmp_path, monkeypatch
):
    """A reviewer pasted a SharePoint link into «Skoleeiers vurdering»: Chromium shrank every page of the council's
    PDF to about 70 % to fit the link, and the link still ran out of the column. A link in a plan's action, shown in
    «Tiltak på overtid», must wrap in its cell the same way."""
    _changed_db(report_db, tmp_path, monkeypatch,
                f"UPDATE core.plantiltak SET tiltak = tiltak || ' ({LINK})' WHERE tiltak LIKE 'Opprette fagteam%'")
    report = build("kommunestyre", vurdering=f"Sakspapirene: {LINK}\n\nVi følger opp.")
    assert any(LINK in str(v) for t in report.tables() if t.title == "Tiltak på overtid" for v in t.frame["Tiltak"])
    html = render.render(report, "html").decode("utf-8")
    assert html.count(LINK) >= 2  # as written, in the assessment and in the table
    laid_out = _printed(html, OVERFLOW)
    assert laid_out == {"page": 0, "over": []}


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs the machine's Chromium (make test installs it)")
def test_the_assessment_keeps_its_single_line_breaks_so_a_list_stays_a_list(use_db):
    """«…\\n- punkt 1\\n- punkt 2» came out as «- punkt 1 - punkt 2», though the page promises the text goes into the
    report «slik den står». A blank line still starts a new paragraph (a file from Windows too), and the text stays
    text: markup in it is shown, never run."""
    text = "Vi prioriterer:\r\n- punkt 1\r\n- punkt 2 <b>fet?</b>\r\n\r\nNeste år evaluerer vi."
    report = build("kommunestyre", vurdering=text)
    assert _section(report, "Skoleeiers vurdering").paragraphs == [
        "Vi prioriterer:\n- punkt 1\n- punkt 2 <b>fet?</b>", "Neste år evaluerer vi."]
    html = render.render(report, "html").decode("utf-8")
    assert "<b>fet?</b>" not in html and "&lt;b&gt;fet?&lt;/b&gt;" in html
    shown = _printed(html, """() => [...document.querySelectorAll('section')]
        .find(s => s.querySelector('h2').textContent === 'Skoleeiers vurdering')
        .querySelector('p').innerText""")
    assert shown.splitlines() == ["Vi prioriterer:", "- punkt 1", "- punkt 2 <b>fet?</b>"]


def _grey(colour: str) -> float:
    """A colour's grey in a black-and-white print (ITU-R BT.601 luma, 0–255)."""
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_the_programme_chart_s_met_and_not_met_can_be_told_apart_in_a_black_and_white_print(use_db):
    """«Krav oppfylt» (green) and «Krav ikke oppfylt» (red) printed as nearly the same grey: the MOT bar read «3 | 3»."""
    chart = next(c for c in _section(build("kommunestyre"), "Forebyggende").charts if c.title == "Programmene mot planen")
    greys = {t.name: _grey(t.marker.color) for t in chart.figure.data}
    assert set(greys) == {"Krav oppfylt", "Krav ikke oppfylt", "Ikke rapportert"}
    names = sorted(greys)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert abs(greys[a] - greys[b]) >= 40, (a, b, greys)


def test_the_council_report_explains_its_scales_pp_deltakelse_and_which_trinn_answered(use_db):
    """A council member met «+0,2 pp», «Deltakelse», «Støtte fra lærerne 4,2» and «Elevene i Fjellvik» with nothing
    to say what they mean; and Haugen's few answers looked as solid as the ungdomsskole's many."""
    report = build("kommunestyre")
    section = _section(report, "Elevundersøkelsen")
    text = " ".join(section.paragraphs)
    assert "prosentpoeng (pp)" in text
    assert "«Deltakelse» er andelen av elevene som ble invitert, som svarte" in text
    assert "5.–10. trinn" in text and "obligatorisk på 7. og 10. trinn" in text
    table = section.tables[0].frame
    indices = [n for n in table["Indikator"] if not str(table.filter(pl.col("Indikator") == n)[YEAR][0]).endswith("%")]
    assert {"Trivsel", "Støtte fra lærerne", "Mestring"} <= set(indices)
    scale = next(p for p in section.paragraphs if "skala fra 1 til 5" in p)
    assert all(f"«{n}»" in scale for n in indices) and "høyere er bedre" in scale
    assert any("pp" in str(v) for v in table["Endring"])  # the term explained is one the table uses

    answered = dict(query(use_db, """
        SELECT s.navn, max(e.antall_besvart) FROM mart.elevundersokelsen e JOIN mart.skoler s USING (orgnr)
        WHERE e.kommunenr = '9901' AND e.skoleaar = ? AND e.enhet_niva = 'skole' AND e.trinn IS NULL
          AND e.kjonn = 'alle' AND e.indikator_kode IN ('EUIndeks_1379', 'EUIndeks_1381', 'EUIndeks_1398', 'deltakelse')
        GROUP BY 1""", [YEAR]))
    schools = next(t for t in section.tables if t.title == f"Skolene {YEAR}").frame
    assert dict(schools.select("Skole", "Antall svar").iter_rows()) == {k: labels.number_text(v) for k, v in answered.items()}
    # With the schools as letters, no number of answers: it is near a school's known number of pupils.
    lettered = _section(build("rektormote", anonymiser=True), "Elevundersøkelsen")
    assert all("Antall svar" not in t.frame.columns for t in lettered.tables)
    assert "Antall svar" not in " ".join(lettered.paragraphs)


def test_a_year_with_results_per_trinn_only_says_so_rather_than_that_nothing_is_loaded(use_db):
    """The 2019-20 report said «Det er ikke lest inn resultater fra Elevundersøkelsen for 2019-20» although the
    warehouse held Fjellvik's 7. and 10. trinn (from Skoleporten): it names the trinn it has and where to see them."""
    from tests.conftest import query

    held = [t for (t,) in query(use_db, "SELECT DISTINCT trinn FROM mart.elevundersokelsen WHERE skoleaar = '2019-20' "
                                "AND kommunenr = '9901' AND enhet_niva = 'kommune' ORDER BY trinn")]
    assert held and None not in held, held
    report = content.build(OWNER, content.Request("9901", "2019-20", "kommunestyre"))
    text = " ".join(p for s in report.sections if s.title == "Elevundersøkelsen" for p in s.paragraphs)
    assert "ikke lest inn resultater" not in text, text
    assert "bare per trinn" in text and all(f"{t}." in text for t in held), text


def test_the_ungdata_comparison_names_a_difference_only_where_the_shown_shares_differ():
    """«Størst forskjell fra landet: «Plaget av ensomhet» – 14,2 % i Oppdal mot 14,2 % i landet (lavere)» stood in a
    council report: equal shares were called «lower», and a difference of 0 the largest."""
    from dashboard.reports.content import largest_difference

    assert largest_difference([("Ensomhet", 14.2, 14.2)]) is None
    assert largest_difference([("Ensomhet", 14.24, 14.16)]) is None  # both read 14,2 %
    assert largest_difference([("Ensomhet", 14.2, 14.2), ("Trives", 81.0, 84.5), ("Mobbet", 7.0, 6.1)]) == (
        "Trives", 81.0, 84.5, "lavere")
    assert largest_difference([("Mobbet", 7.0, 6.1)])[3] == "høyere"


def test_the_council_report_says_where_the_meeting_count_ends_and_warns_of_months_with_nothing_logged(
        use_db, monkeypatch):
    """«36 møter av 36 forventet (100 %)» for the year under way, on 3 December, with nothing logged since 20
    October and no word of where the count ended: had every school stopped logging, the council would read 100 %."""
    from dashboard import labels

    ((last,),) = duckdb.connect(str(use_db), read_only=True).execute(
        "SELECT max(dato) FROM mart.teammoter WHERE kommunenr = '9901'").fetchall()
    assert last.month == 10
    year = f"{last.year}-{(last.year + 1) % 100:02d}"
    monkeypatch.setattr(labels, "_today", lambda: dt.date(last.year, 12, 3))
    section = _section(content.build(OWNER, content.Request("9901", year, "kommunestyre")), "Arbeidslag")
    text = " ".join(section.paragraphs)
    assert f"til og med {last:%d.%m.%Y}, siste loggede møte" in text, text
    assert f"Ingen skole har logget møter etter {last:%d.%m.%Y}" in text and f"nov {last.year} er ikke med" in text
    monkeypatch.setattr(labels, "_today", lambda: dt.date(last.year, 11, 28))  # October is the last month ended
    quiet = " ".join(_section(content.build(OWNER, content.Request("9901", year, "kommunestyre")),
                              "Arbeidslag").paragraphs)
    assert "Ingen skole har logget" not in quiet


def test_a_report_s_trend_stops_at_its_own_school_year(use_db):
    """A 2024-25 council report drew points for 2025-26, which later files had brought."""
    report = content.build(OWNER, content.Request("9901", "2024-25", "kommunestyre"))
    section = _section(report, "Elevundersøkelsen")
    years = {x for chart in section.charts for trace in chart.figure.data for x in (trace.x or ())}
    assert years and max(years) == "2024-25", sorted(years)


def test_a_hidden_headline_figure_is_said_hidden_for_the_reason_it_is():
    """Every hidden headline read «skjult fordi for få har svart», also one hidden so that a small group's value
    could not be worked out from it, or one Udir withheld."""
    from dashboard.privacy import REASON_MISSING, REASON_SECONDARY, REASON_SOURCE, few_reason
    from dashboard.reports.content import _hidden_why

    said = {r: _hidden_why(r) for r in (REASON_SECONDARY, REASON_SOURCE, few_reason(10), REASON_MISSING)}
    assert "for få har svart" not in said[REASON_SECONDARY] and "regnes ut" in said[REASON_SECONDARY]
    assert "Udir" in said[REASON_SOURCE] and said[few_reason(10)] == "skjult fordi for få har svart"
    assert said[REASON_MISSING] == "ikke publisert"


def test_a_report_says_why_the_nation_has_no_figure_beside_an_ungdata_share(use_db):
    """The council's Ungdata table had «–» for the nation beside «Fornøyd med foreldrene» and two more, and nothing
    said why: it read as hidden, or as a mistake. The note names exactly those indicators."""
    report = content.build(OWNER, content.Request("9901", YEAR, "kommunestyre"))
    section = next(s for s in report.sections if s.title.startswith("Ungdata"))
    (table,) = [t for t in section.tables if t.title == "Ungdata"]
    nation = next(c for c in table.frame.columns if c.startswith("Landet"))
    missing = table.frame.filter(pl.col(nation) == "–")["Indikator"].to_list()
    assert missing and len(missing) < table.frame.height, table.frame
    (note,) = [n for n in section.notes if n.startswith("«–» for landet")]
    assert all(f"«{name}»" in note for name in missing), note
    shown = table.frame.filter(pl.col(nation) != "–")["Indikator"].to_list()
    assert not any(f"«{name}»" in note for name in shown), note
