"""The templates a rektor downloads hold the register's school names as text: never a formula Excel would run."""

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
