"""The pieces every XLSX template shares: a styled data sheet, drop-down and number rules, the guide sheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What Excel (or LibreOffice) may run as a formula when a cell starts with it."""

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def neutralise(value: object) -> object:
    """For CSV and other untyped text: text Excel (or LibreOffice) could run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def keep_as_text(cells: Iterable) -> None:
    """Every text cell a text cell: openpyxl reads a string starting with «=» as a formula. Formula-like text gets the
    quote prefix too (shown by Excel in the formula bar only), so editing the cell does not turn it into one."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True


def csv_text(headers: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A template's CSV (`;`, header first, CRLF, no BOM), quoted where a value holds `;` or a quote, and text that a
    spreadsheet would run as a formula (a school named «=HYPERLINK(…)» in the register) neutralised; a number
    written as text («-3») is left as it is."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v if isinstance(v, str) and _NUMBER.match(v) else neutralise(v)
                         for v in row])
    return buf.getvalue()


def data_sheet(book, title: str, headers: list[str], rows: list[dict[str, object]], widths: dict[str, int],
               default_extra: int) -> tuple[object, dict[str, str]]:
    """The workbook's first sheet: bold shaded headers, the rows (empty strings as empty cells), frozen header row.

    Returns the sheet and each header's column letter.
    """
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = book.active
    ws.title = title
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        ws.append([row.get(h) if row.get(h) != "" else None for h in headers])
    ws.freeze_panes = "A2"
    letter = {h: get_column_letter(i + 1) for i, h in enumerate(headers)}
    for header in headers:
        ws.column_dimensions[letter[header]].width = widths.get(header, len(header) + default_extra)
    return ws, letter


def as_text(ws, letter: dict[str, str], headers: tuple[str, ...], last_row: int) -> None:
    """Cells Excel must keep as typed: leading zeros, `1-4`, `2025-09`."""
    for header in headers:
        for r in range(2, last_row + 1):
            ws[f"{letter[header]}{r}"].number_format = "@"


def list_rule(ref: str, title: str, prompt: str):
    """A drop-down list from a range on the «Koder» sheet, with its help text."""
    from openpyxl.worksheet.datavalidation import DataValidation

    return DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True, errorTitle=title,
                          error=prompt, promptTitle=title, prompt=prompt, showInputMessage=True)


def count_rule(error: str, allow_blank: bool = True):
    """A whole number, 0 or more."""
    from openpyxl.worksheet.datavalidation import DataValidation

    return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=allow_blank,
                          showErrorMessage=True, errorTitle="Antall", error=error)


def apply_rules(ws, letter: dict[str, str], rules: list[tuple[object, str]], last_row: int) -> None:
    for dv, header in rules:
        ws.add_data_validation(dv)
        dv.add(f"{letter[header]}2:{letter[header]}{last_row}")


def guide_sheet(book, lines: list[str]):
    """The «Veiledning» sheet: one line per row, the first as a heading, wrapped text."""
    from openpyxl.styles import Alignment, Font

    guide = book.create_sheet("Veiledning")
    for line in lines:
        guide.append([line] if line else [])
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 120
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return guide


def to_bytes(book) -> bytes:
    """The workbook's file, with every text cell of every sheet a text cell (`keep_as_text`): nothing the product
    writes is a formula, whatever a school's name in the register or a plan's programme says."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            keep_as_text(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
