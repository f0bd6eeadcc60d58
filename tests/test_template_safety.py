"""A school's name is text wherever it is shown: never a formula in a template, never markup on a page."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from dashboard.export import FORMULA_START
from dashboard.ui import _template_file

NAMES = ['=HYPERLINK("http://evil.example/";"Haugen skole")', "+Fjell skole", "@SUM(1;2)", "Strand; skole «ny»"]


def _schools() -> tuple[tuple, ...]:
    return tuple((f"97400000{i}", name, None, None) for i, name in enumerate(NAMES))


@pytest.mark.parametrize("module", ["saker", "teammoter", "programstatus"])
def test_a_school_named_like_a_formula_is_text_in_the_xlsx_template(module):
    """A register (a tampered file, or a typo) with a school named «=HYPERLINK(…)» put a live formula on every rektor's
    machine that downloaded a template: the XLSX cell was a formula cell."""
    extra = (("mot",),) if module == "programstatus" else ()
    book = load_workbook(io.BytesIO(_template_file(module, "xlsx", _schools(), "2025-10", *extra)))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    named = {c.value for c in cells if isinstance(c.value, str)}
    assert set(NAMES) <= named  # the names themselves are kept, as text
    assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_START)
               and c.value in NAMES)


@pytest.mark.parametrize("module", ["saker", "teammoter", "programstatus"])
def test_a_school_named_like_a_formula_is_neutralised_in_the_csv_template_and_a_semicolon_stays_in_its_cell(module):
    """The CSV templates wrote the name as it was, and a name with «;» split into two columns."""
    extra = (("mot",),) if module == "programstatus" else ()
    text = _template_file(module, "csv", _schools(), "2025-10", *extra).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    width = len(rows[0])
    assert all(len(r) == width for r in rows), "a name with «;» moved the columns"
    cells = [c for r in rows[1:] for c in r]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    assert {"'" + n for n in NAMES[:3]} <= set(cells) and NAMES[3] in cells


@pytest.mark.parametrize("name", ["Haugen skole ![p](https://evil.example/p.png)", "<img src=x> skole",
                                  "=HYPERLINK(\"http://evil.example/\")", "@Nordli", "Nordli `skole`"])
def test_a_register_naming_a_school_with_markup_or_a_formula_is_refused_and_nothing_loaded(tmp_path, demo_dir, name):
    """A school's name is shown on every page, in every report and template: a register naming a school
    «Haugen skole ![p](https://…)» loaded, and every skolesjef's browser fetched that address on Oversikt and Saker."""
    from pipelines.ingest import ingest_file
    from pipelines.warehouse import store
    from tests.conftest import query

    lines = (demo_dir / "skoleregister.csv").read_text("utf-8").splitlines()
    fields = lines[2].split(";")
    fields[1] = name
    lines[2] = ";".join(fields)
    path = tmp_path / "skoleregister.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "skolemiljo.duckdb"
    store.init(db)
    outcome = ingest_file(path, db)
    assert outcome.result == "avvist"
    assert "Skolenavnet har tegn som ikke hører hjemme i et navn" in outcome.message
    assert query(db, "SELECT count(*) FROM core.skole")[0][0] == 0


def test_ordinary_school_names_with_parentheses_dashes_and_sami_letters_load(tmp_path, demo_dir):
    from pipelines.ingest import ingest_file
    from pipelines.warehouse import store
    from tests.conftest import query

    names = ["Bakken skole (avd. Nord)", "Kárášjoga skuvla – Karasjok skole", "St. Olav domkirkeskole / Sentrum",
             "Åsen- og Eik skole"]
    lines = (demo_dir / "skoleregister.csv").read_text("utf-8").splitlines()
    for i, name in enumerate(names, start=1):
        fields = lines[i].split(";")
        fields[1] = name
        lines[i] = ";".join(fields)
    path = tmp_path / "skoleregister.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "skolemiljo.duckdb"
    store.init(db)
    outcome = ingest_file(path, db)
    assert outcome.result == "lastet", outcome.message
    assert set(names) <= {r[0] for r in query(db, "SELECT navn FROM core.skole")}
