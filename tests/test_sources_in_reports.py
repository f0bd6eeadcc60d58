"""The reports' «Kilder og datakvalitet»: which loaded files a report's figures come from, told without their names."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dashboard.labels import number_text
from dashboard.reports import content, render
from dashboard.viewer import Viewer
from pipelines.ingest import ingest_file
from tests.conftest import query

YEAR = "2025-26"
NORDLI = "990012008"
TELLING_NAME = "saker_9901 - mobbesak Ola Nordmann 7B.xlsx"
"""A case file saved under a name that names a pupil: accepted by the checks, which read only its contents."""

OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
RECIPIENTS = [
    ("kommunestyre", OWNER, {}),
    ("rektormote", OWNER, {}),
    ("rektormote", OWNER, {"anonymiser": True}),
    ("fau", OWNER, {}),
    ("fau", OWNER, {"orgnr": NORDLI}),
    ("fau", Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="rektor.nordli"),
     {"orgnr": NORDLI}),
    ("fau", Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="fau.nordli"), {}),
]
"""Every recipient a report is made for, and who may make it."""


def _corrected_case_file(demo_dir: Path, folder: Path) -> Path:
    """The demo's case file for Fjellvik saved again under a telling name, with its guide sheet touched (the same
    bytes would be refused as already loaded): its rows replace the first file's, every one."""
    path = folder / TELLING_NAME
    book = load_workbook(demo_dir / "saker_9901.xlsx")
    guide = next(ws for ws in book.worksheets if ws.title != book.worksheets[0].title)
    guide.cell(guide.max_row + 1, 1, "Rettet fil.")
    book.save(path)
    return path


@pytest.fixture
def corrected(demo_db, demo_dir, tmp_path, monkeypatch) -> Path:
    """The demo warehouse after the telling file replaced the demo's case file for Fjellvik, as the dashboard reads it."""
    import streamlit as st

    outcome = ingest_file(_corrected_case_file(demo_dir, tmp_path), demo_db)
    assert outcome.result == "lastet", outcome
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    return demo_db


def _report_text(report: content.Report) -> str:
    """All a report's HTML and Excel say."""
    html = render.to_html(report, interactive=False, embed_plotly=False)
    book = load_workbook(io.BytesIO(render.render(report, "xlsx")))
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    return html + "\n" + "\n".join(cells)


def _sources(report: content.Report) -> dict[str, dict]:
    table = next(t for t in report.tables() if t.title == "Kilder")
    return {row["Kilde"]: row for row in table.frame.to_dicts()}


def test_a_file_name_that_names_a_pupil_reaches_no_report_for_any_recipient(corrected):
    """A skoleeier saved a case file as «… mobbesak Ola Nordmann 7B.xlsx»: reports go to parents and the council, so
    they say which source and when, never a file's name."""
    assert query(corrected, "SELECT count(*) FROM mart.ingest_log WHERE filnavn = ?", [TELLING_NAME])[0][0] == 1
    for mottaker, requester, kw in RECIPIENTS:
        report = content.build(requester, content.Request("9901", YEAR, mottaker, **kw))
        text = _report_text(report)
        assert "Ola Nordmann" not in text and "mobbesak Ola" not in text, (mottaker, requester.role, kw)
        assert "saker_9901" not in text and ".xlsx" not in text and ".json" not in text, (mottaker, kw)
        cases = _sources(report)["Saker etter kapittel 12 (skolens rapport)"]
        assert cases["Filer"] == 1 and "Filnavn" not in cases  # the source, counted, not named


def test_a_report_counts_no_file_whose_rows_a_corrected_file_replaced(demo_db, demo_dir, tmp_path, monkeypatch):
    """After a corrected case file replaced saker_9901.xlsx, the council read «34 filer» and «Rader i filene 2598»
    while the warehouse held 1 299 case rows, all from the new file: the old file's rows are gone, so it is no
    source of the report's figures."""
    import streamlit as st

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    before = content.build(OWNER, content.Request("9901", YEAR, "kommunestyre"))
    ingest_file(_corrected_case_file(demo_dir, tmp_path), demo_db)
    st.cache_data.clear()
    after = content.build(OWNER, content.Request("9901", YEAR, "kommunestyre"))

    (in_warehouse,) = query(demo_db, "SELECT count(*) FROM mart.saker WHERE kommunenr = '9901'")[0]
    (newest,) = query(demo_db, "SELECT max(ferdig) FROM mart.ingest_log WHERE kilde = 'saker'")[0]
    cases = _sources(after)["Saker etter kapittel 12 (skolens rapport)"]
    assert cases["Filer"] == 1
    # «1 299», as the report's other counts, in a column with the survey's «10 440» (`column_numbers_text`)
    assert cases["Rader i filene"] == number_text(in_warehouse, four_digits_grouped=True)
    assert cases["Sist lest inn"] == f"{newest:%d.%m.%Y}"
    files = lambda report: re.search(r"Tallene kommer fra (\d+) filer", _section(report).paragraphs[0])[1]  # noqa: E731
    assert files(after) == files(before)  # one file in, one out


def _section(report: content.Report) -> content.Section:
    return next(s for s in report.sections if s.title == "Kilder og datakvalitet")


def test_a_register_extract_that_replaced_every_school_leaves_the_sources_with_the_old_one(
        demo_db, demo_dir, tmp_path, monkeypatch):
    """The school register is replaced school by school: an extract that lists every school again takes the place
    of the old one among the sources, and an extract that lists some keeps both."""
    from dashboard import queries

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    text = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig")
    header, *rows = text.splitlines()
    partial = tmp_path / "skoleregister_en_skole.csv"
    partial.write_text("\n".join([header, rows[0]]) + "\n", encoding="utf-8")
    whole = tmp_path / "skoleregister_ny.csv"
    whole.write_text(text.replace("\n", "\r\n"), encoding="utf-8")  # the same schools, another file
    batches = {}
    for path in (partial, whole):
        assert ingest_file(path, demo_db).result == "lastet"
        batches[path.name] = query(demo_db, "SELECT batch_id FROM core.ingest_log WHERE filnavn = ?", [path.name])[0][0]
    (old,) = query(demo_db, "SELECT batch_id FROM core.ingest_log WHERE filnavn = 'skoleregister.csv'")[0]
    listed = set(queries.kilder(OWNER, kommunenr="9901")["batch_id"])
    assert batches["skoleregister_ny.csv"] in listed
    assert old not in listed and batches["skoleregister_en_skole.csv"] not in listed



def test_a_report_counts_no_file_that_holds_only_later_school_years_among_its_sources(demo_db, tmp_path, monkeypatch):
    """A council report for 2025-26, made in November 2026, counted a case file of September 2026 (2026-27 only)
    among the files its figures came from."""
    import streamlit as st

    from dashboard import queries
    from tests.conftest import SAKER_HEADER

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    later = tmp_path / "saker_sep_2026.csv"
    later.write_text(SAKER_HEADER + f"{NORDLI};Nordli skole;2026-09;;aktivitetsplan;;1;0;5;0\n", encoding="utf-8")
    outcome = ingest_file(later, demo_db)
    assert outcome.result == "lastet", outcome.message
    (batch,) = query(demo_db, "SELECT batch_id FROM core.ingest_log WHERE filnavn = ?", [later.name])[0]
    assert batch in set(queries.kilder(OWNER, kommunenr="9901")["batch_id"])  # a source of the figures of 2026-27
    assert batch not in set(queries.kilder(OWNER, kommunenr="9901", skoleaar="2025-26")["batch_id"])
    report = content.build(OWNER, content.Request("9901", "2025-26", "kommunestyre"))
    assert _sources(report)["Saker etter kapittel 12 (skolens rapport)"]["Filer"] == 1  # the demo's, not September's
    assert sum(v["Filer"] for v in _sources(report).values()) == queries.kilder(
        OWNER, kommunenr="9901", skoleaar="2025-26").height


def test_the_fau_report_lists_no_source_of_what_fau_may_not_see(demo_db_master, monkeypatch):
    """A review made the FAU report as fau.nordli: «Kilder» listed the teams' meeting log and meeting rhythm (FAU has
    no access to them, and the report no section on them). The council's report still lists them."""
    import streamlit as st

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    st.cache_data.clear()
    teams = {content.KILDE[k] for k in content.TEAM_SOURCES}
    for mottaker, requester, kw in RECIPIENTS:
        listed = set(_sources(content.build(requester, content.Request("9901", YEAR, mottaker, **kw))))
        if mottaker == "fau":
            assert not listed & teams, (requester.role, kw, listed)
        else:
            assert "Møtelogg for arbeidslag og elevtjeneste" in listed, (mottaker, listed)


def test_the_rektormote_report_lists_no_ungdata_file_among_its_sources(demo_db_master, monkeypatch):
    """The rektormøte report has no Ungdata chapter, yet «Kilder og datakvalitet» listed FHI's and the municipality's
    Ungdata files (and counted them in «Tallene kommer fra 33 filer»). The council's report, which has one, keeps
    them."""
    import streamlit as st

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    st.cache_data.clear()
    ungdata = {content.KILDE[k] for k in content.UNGDATA_SOURCES}
    meeting = set(_sources(content.build(OWNER, content.Request("9901", YEAR, "rektormote"))))
    council = set(_sources(content.build(OWNER, content.Request("9901", YEAR, "kommunestyre"))))
    assert council & ungdata and not meeting & ungdata, (meeting, council)
    assert meeting == council - ungdata


def test_the_sources_table_writes_its_row_counts_with_the_digits_in_line(demo_db_master, monkeypatch):
    """The council's sources table read «10 440» above «4176»: in a column with a number of five digits or more, four
    digits are grouped too, as Språkrådet advises for tables."""
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    counts = [row["Rader i filene"] for row in _sources(content.build(OWNER, content.Request("9901", YEAR,
                                                                                             "kommunestyre"))).values()]
    assert any(len(c.replace("\u00a0", "")) >= 5 for c in counts), counts
    assert any(len(c.replace("\u00a0", "")) == 4 for c in counts), counts
    assert all(re.fullmatch(r"\d{1,3}(\u00a0\d{3})*", c) for c in counts), counts
