"""Tables leaving the dashboard as XLSX: exactly the protected rows the viewer was shown, safe to open in Excel.

Every table export (a page's «Last ned tabellene», a report's XLSX) goes through `xlsx_bytes`, so formula
injection is stopped in one place: every text cell is stored as a text cell, never a formula, and one that starts with
`=`, `+`, `-`, `@`, tab or carriage return also gets Excel's hidden quote prefix, so it stays text when edited. No
apostrophe is added to the text itself (the reader saw «'+0,9 pp»); `neutralise` is for plain-text formats such as
CSV, where no cell type exists.

Tables arrive as the reader saw them, numbers already written the Norwegian way («4,2», «8,1 %», «+0,9 pp»,
«01.12.2026»). `typed` turns a cell whose whole text is such a number or date back into one, with a number format that
shows the same text, so Excel can sum, sort and chart it; everything else («1–4», «skjult», «2025-26», names) stays text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from pipelines.templates.xlsx import FORMULA_START, neutralise, to_bytes  # noqa: F401 (re-exported)

_SPACE = "\u00a0\u202f"
"""The spaces between thousands in a number as the app writes it (`labels.number_text`): no-break and narrow.
A plain space is not one, so «+47 99» or «990 012 008» stay text."""
_NUMBER = re.compile(
    rf"(?P<sign>[+\-\u2212]?)(?P<whole>0|[1-9]\d{{0,3}}|[1-9]\d{{0,2}}(?:[{_SPACE}]\d{{3}})+)(?:,(?P<decimals>\d+))?"
    rf"(?P<unit>[ {_SPACE}]%| pp)?"
)
"""A whole number as the app writes one: at most four digits without spaces («2024», «4800»), larger ones grouped
(«12 500»), no leading zero. So a nine-digit org.nr. or «0301» is not a number, whatever its column."""
_DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})(?:( kl\.)? (\d{2}):(\d{2}))?")
_KEY_HEADER = re.compile(r"(?i)(nr|nummer|kode|år|aar)\b|\bid\b")
"""Columns of codes and years (Org.nr., Kommunenr., Postnr., Enhet-ID, Indikatorkode, År, Skoleår): their digits
name something and are not to be summed, so they stay text even when they look like «9901» or «2024»."""


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


def typed(text: str) -> tuple[object, str] | None:
    """«4,2» → (4.2, "0.0"), «8,1 %» → (0.081, "0.0 %"), «+0,9 pp» → (0.9, a format showing «+0,9 pp» and «−0,9 pp»),
    «12 500» → (12500, "#,##0"), «01.12.2026 kl. 10:15» → a datetime; None for text that is not exactly one."""
    if found := _DATE.fullmatch(text):
        day, month, year, kl, hour, minute = found.groups()
        try:
            if hour is None:
                return dt.date(int(year), int(month), int(day)), "dd.mm.yyyy"
            when = dt.datetime(int(year), int(month), int(day), int(hour), int(minute))
        except ValueError:  # «31.02.2026» is no day
            return None
        return when, "dd.mm.yyyy" + (' "kl."' if kl else "") + " hh:mm"
    found = _NUMBER.fullmatch(text)
    if found is None:
        return None
    sign, whole, decimals, unit = found.group("sign", "whole", "decimals", "unit")
    places = len(decimals or "")
    value: float | int = int(re.sub(f"[{_SPACE}]", "", whole))
    if decimals:
        value = float(f"{value}.{decimals}")
    shape = ("#,##0" if any(c in whole for c in _SPACE) else "0") + ("." + "0" * places if places else "")
    if unit and "%" in unit:
        value, shape = round(value / 100, places + 2), shape + " %"
    elif unit:
        shape += '" pp"'
    if sign in ("-", "\u2212"):
        value = -value
    if sign in ("+", "\u2212"):  # a change, said with its sign either way as the app does: «+0,9 pp», «−0,9 pp»,
        # and none as «uendret», as the page says it (the cell still holds 0: a column of changes is all numbers)
        shape = f'"+"{shape};"\u2212"{shape};"uendret"'
    return value, shape


def _type_cell(cell, header: str) -> None:
    """A cell whose text is a number or date becomes one, except under a header of codes or years."""
    if isinstance(cell.value, str) and not _KEY_HEADER.search(header) and (found := typed(cell.value)):
        cell.value, cell.number_format = found


def _date_format(value: dt.date, header: str) -> str:
    """A date as the page writes it: a month «okt 2024» (in the reader's Excel's language), a day «05.08.2024».
    Excel's default read «2024-10-01» for the month the page called «okt 2024»."""
    if isinstance(value, dt.datetime):
        return "dd.mm.yyyy hh:mm"
    return "mmm yyyy" if header.lower().startswith("måned") else "dd.mm.yyyy"


def sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\ (a colon before a space becomes a dash), unique in the
    book. A longer title is cut at a word and ends in «…», not inside a name («Elevundersøkelsen – Nordli skol»)."""
    # «Ungdata: Blir mobbet …» reads «Ungdata – Blir mobbet …», not «Ungdata- Blir …»; other signs become «-».
    base = re.sub(r"[\[\]:*?/\\]", "-", title.replace(": ", " – ")).strip("' ") or "Tabell"
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
    taken = {info.title.lower()}
    names = [sheet_name(table.title, taken) for table in tables]
    # A title Excel's 31 characters cut («Møter holdt 2025-26 (av…») is given whole here, by its sheet
    about = [*about, *((f"Arket «{name}»", table.title) for name, table in zip(names, tables, strict=True)
                       if "…" in name)]
    for key, value in about:
        info.append([key, value])
    for cell in info["A"]:
        cell.font = Font(bold=True)
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 110
    for row in info.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, (key, _) in enumerate(about, start=1):
        _type_cell(info.cell(r, 2), key)
    for name, table in zip(names, tables, strict=True):
        ws = book.create_sheet(name)
        headers = [str(c) for c in table.frame.columns]
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for row in table.frame.iter_rows():
            ws.append([_cell(v) for v in row])
        for row in ws.iter_rows(min_row=2):
            for cell, header in zip(row, headers, strict=True):
                if isinstance(cell.value, dt.date):  # a date the table holds as one (a text date is typed below)
                    cell.number_format = _date_format(cell.value, header)
                else:
                    _type_cell(cell, header)
        ws.freeze_panes = "A2"
        for i, header in enumerate(headers, start=1):
            longest = max([len(header), *(len(str(v)) for v in table.frame[header].head(200).to_list() if v is not None)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, longest + 2)
    return to_bytes(book)
