"""Tables leaving the dashboard as XLSX: exactly the protected rows the viewer was shown, safe to open in Excel.

Every table export (a page's «Last ned tabellene», a report's XLSX) goes through `xlsx_bytes`, so formula
injection is stopped in one place: every text cell is stored as a text cell, never a formula, and one that starts with
`=`, `+`, `-`, `@`, tab or carriage return also gets Excel's hidden quote prefix, so it stays text when edited. No
apostrophe is added to the text itself (the reader saw «'+0,9 pp»); `neutralise` is for plain-text formats such as
CSV, where no cell type exists.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from pipelines.templates.xlsx import to_bytes

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """For CSV and other untyped text: text Excel (or LibreOffice) could run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class Table:
    """A table as shown: its Norwegian title and the rows after the viewer's protection."""

    title: str
    frame: pl.DataFrame


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, dt.timedelta | dict):
        value = str(value)
    return value


def _as_text(ws) -> None:
    """Every text cell a text cell: openpyxl reads a string starting with «=» as a formula. Formula-like text gets the
    quote prefix too (shown by Excel in the formula bar only), so editing the cell does not turn it into one."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_START):
                    cell.quotePrefix = True


def sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the book. A longer title is cut at a word
    and ends in «…», not inside a name («Elevundersøkelsen – Nordli skol»)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", title).strip("' ") or "Tabell"
    if len(base) > 31:
        cut = base[:30]
        cut = cut[: cut.rfind(" ")] if cut.rfind(" ") > 15 else cut
        base = cut.rstrip(" –-,") + "…"
    name, i = base, 2
    while name.lower() in taken:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    taken.add(name.lower())
    return name


def xlsx_bytes(tables: list[Table], about: list[tuple[str, str]]) -> bytes:
    """One sheet per table plus «Om uttrekket» first (what, who, when, which protection applied)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    info = book.active
    info.title = "Om uttrekket"
    for key, value in about:
        info.append([key, value])
    for cell in info["A"]:
        cell.font = Font(bold=True)
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 110
    for row in info.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _as_text(info)
    taken = {info.title.lower()}
    for table in tables:
        ws = book.create_sheet(sheet_name(table.title, taken))
        headers = [str(c) for c in table.frame.columns]
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for row in table.frame.iter_rows():
            ws.append([_cell(v) for v in row])
        _as_text(ws)
        ws.freeze_panes = "A2"
        for i, header in enumerate(headers, start=1):
            longest = max([len(header), *(len(str(v)) for v in table.frame[header].head(200).to_list() if v is not None)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, longest + 2)
    return to_bytes(book)
