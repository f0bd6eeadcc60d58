"""Numbers in Excel exports are numbers: an adviser can sum, sort and chart them, and Excel shows the text the report
showed («4,2», «8,1 %», «+0,9 pp», «01.12.2026»). Protected and coded cells stay text."""

from __future__ import annotations

import datetime as dt
import io
import re

import polars as pl
import pytest
from openpyxl import load_workbook

from dashboard import export
from dashboard.reports import content, render
from dashboard.viewer import Viewer

OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")
YEAR = "2025-26"
WORDS = {"1–4", "skjult", "–", "uendret"}
"""What a number column may say instead of a number: protected, missing or unchanged."""
NUMBER_SHEETS = ("Elevundersøkelsen", "Skolene", "Ungdata", "Nye saker", "Saker drøftet")


def excel_shows(value: object, number_format: str) -> str:
    """What a Norwegian Excel displays for a number or date in a cell of this format (the few shapes a format code
    can take here: sections for +/−/0, quoted literals, «%», «#,##0» grouping, dd.mm.yyyy hh:mm)."""
    if isinstance(value, dt.datetime | dt.date):
        code = number_format.replace('"', "")
        code = code.replace("hh:mm", "%H:%M").replace("dd", "%d").replace("mm", "%m").replace("yyyy", "%Y")
        return value.strftime(code)
    if number_format == "General":  # a number the table held as one (Programmer, Kilder)
        return str(value)
    sections = number_format.split(";")
    if value < 0 and len(sections) > 1:
        section, value, sign = sections[1], -value, ""
    elif value == 0 and len(sections) > 2:
        section, sign = sections[2], ""
    else:
        section, sign = sections[0], "-" if value < 0 else ""
    value = abs(value)
    out = []
    for literal, placeholder, percent, other in re.findall(r'"([^"]*)"|([#0,]+(?:\.0+)?)|(%)|(.)', section):
        if placeholder:
            places = len(placeholder.split(".")[1]) if "." in placeholder else 0
            shown = value * 100 if "%" in section else value
            text = f"{shown:,.{places}f}" if "," in placeholder else f"{shown:.{places}f}"
            out.append(text.replace(",", "\u00a0").replace(".", ","))
        else:
            out.append(literal or percent or other)
    return sign + "".join(out)


@pytest.fixture
def report_book(warehouse):
    report = content.build(OWNER, content.Request("9901", YEAR, "kommunestyre"))
    book = load_workbook(io.BytesIO(render.render(report, "xlsx")))
    return report, book


def _sheets(report, book):
    """Each table of the report beside its sheet (the same order, after «Om uttrekket»)."""
    tables = report.tables()
    assert len(book.sheetnames) == 1 + len(tables)
    return list(zip(tables, book.worksheets[1:], strict=True))


def test_report_numbers_open_in_excel_as_numbers_that_show_the_report_s_text(report_book):
    """«number stored as text» everywhere: the sheets held '4,2', '8,1 %', '99' as strings."""
    report, book = report_book
    checked = 0
    for table, ws in _sheets(report, book):
        rows = list(ws.iter_rows(min_row=2))
        for r, shown in enumerate(table.frame.iter_rows()):
            for c, text in enumerate(shown):
                cell = rows[r][c]
                if cell.data_type in ("n", "d"):
                    assert excel_shows(cell.value, cell.number_format) == str(text), (ws.title, cell.coordinate)
                    checked += 1
                elif ws.title.startswith(NUMBER_SHEETS) and c > 0:
                    assert text in WORDS, f"{ws.title} {cell.coordinate}: {text!r} stored as text"
    assert checked > 100


def test_report_numbers_of_every_shape_are_numbers(report_book):
    """One of each shape the report writes: an average, a share, a change in points, a count, a date."""
    report, book = report_book
    cells = [c for ws in book.worksheets[1:] for row in ws.iter_rows(min_row=2) for c in row]
    formats = {c.number_format for c in cells if c.data_type in ("n", "d")}
    assert {"0.0", "0.0 %", "0", "dd.mm.yyyy"} <= formats
    assert any("pp" in f and "\u2212" in f and "+" in f for f in formats)
    shares = [c.value for c in cells if c.number_format == "0.0 %"]
    assert shares and all(0 <= v <= 1 for v in shares)
    read = [ws for ws in book.worksheets if ws.title.startswith("Kilder")][0]
    column = [c.value for c in read[1]].index("Sist lest inn")
    assert all(isinstance(row[column].value, dt.datetime | dt.date) for row in read.iter_rows(min_row=2))


def test_summing_saker_droftet_in_excel_gives_the_report_s_total(report_book):
    """SUM of «Saker drøftet» gave 0: each column of the schools now adds up to the row «Kommunen i alt»."""
    report, book = report_book
    ws = next(ws for _, ws in _sheets(report, book) if ws.title.startswith("Saker drøftet"))
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    total = next(r for r in rows if r[0] == "Kommunen i alt")
    schools = [r for r in rows if r[0] != "Kommunen i alt"]
    for c in range(1, len(total)):
        assert isinstance(total[c], int)
        assert sum(r[c] for r in schools if isinstance(r[c], int | float)) == total[c]


def test_codes_years_protected_counts_and_formula_like_text_stay_text_in_an_excel_export():
    """«Last ned tabellene» and reports share the writer: an org.nr., a kommunenr. with its leading zero, a year and
    «1–4» are not numbers to sum, and text Excel could run keeps its quote prefix."""
    frame = pl.DataFrame({
        "Org.nr.": ["990012008", "990013004", "990012008"],
        "Kommunenr.": ["0301", "9901", "9901"],
        "År": ["2024", "2023", "2022"],
        "Skoleår": ["2025-26", "2024-25", "2023-24"],
        "Nye saker": ["1–4", "skjult", "12"],
        "Merknad": ["=1+1", "-2+3", "+47 99"],
        "Telefon": ["22 33 44 55", "990 012 008", "00"],
    })
    book = load_workbook(io.BytesIO(export.xlsx_bytes([export.Table("Tabell", frame)], [("Tidspunkt", "x")])))
    ws = book["Tabell"]
    cells = {c.coordinate: c for row in ws.iter_rows(min_row=2) for c in row}
    numbers = [k for k, c in cells.items() if c.data_type != "s"]
    assert numbers == ["E4"] and cells["E4"].value == 12
    assert [c.value for c in ws["A"]][1:] == frame["Org.nr."].to_list()
    assert all(cells[k].quotePrefix for k in ("F2", "F3", "F4"))


@pytest.mark.parametrize("text", ["12\u00a0500", "4\u202f800,5", "+0,9 pp", "\u22120,9 pp", "\u22120,1", "-3,5", "0,5 %",
                                  "01.12.2026", "01.12.2026 kl. 10:15", "01.12.2026 10:15"])
def test_a_page_export_shows_each_number_and_date_as_written_and_stores_it_as_one(text):
    book = load_workbook(io.BytesIO(export.xlsx_bytes([export.Table("Tabell", pl.DataFrame({"Verdi": [text]}))], [])))
    cell = book["Tabell"]["A2"]
    assert cell.data_type in ("n", "d")
    assert excel_shows(cell.value, cell.number_format) == text.replace("\u202f", "\u00a0")


@pytest.mark.parametrize("text", ["31.02.2026", "1.12.2026", "4.2", "4,2 (+0,1)", "12 500", "20 av 22", "1.–4."])
def test_text_that_is_not_exactly_a_number_stays_text_in_an_excel_export(text):
    book = load_workbook(io.BytesIO(export.xlsx_bytes([export.Table("Tabell", pl.DataFrame({"Verdi": [text]}))], [])))
    assert book["Tabell"]["A2"].data_type == "s" and book["Tabell"]["A2"].value == text


def test_a_month_and_a_day_a_page_holds_as_dates_read_as_the_page_writes_them_in_excel():
    """The Saker page's «Saker per skole og måned» opened in Excel as «2024-10-01» for the page's «okt 2024»."""
    frame = pl.DataFrame({"Måned": [dt.date(2024, 10, 1)], "Dato": [dt.date(2024, 10, 14)],
                          "Tidspunkt": [dt.datetime(2024, 10, 14, 9, 5)]})
    ws = load_workbook(io.BytesIO(export.xlsx_bytes([export.Table("Tabell", frame)], [])))["Tabell"]
    month, day, when = ws["A2"], ws["B2"], ws["C2"]
    assert month.is_date and month.number_format == "mmm yyyy", month.number_format
    assert day.is_date and excel_shows(day.value, day.number_format) == "14.10.2024"
    assert when.is_date and when.number_format == "dd.mm.yyyy hh:mm"
