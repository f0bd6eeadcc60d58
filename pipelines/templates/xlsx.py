"""The pieces every XLSX template shares: a styled data sheet, drop-down and number rules, the guide sheet."""

from __future__ import annotations

import io


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
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
