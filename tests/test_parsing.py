"""The low-level readers: Norwegian numbers, encodings, CSV dialects and export-API JSON pages."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from pipelines import parsing
from pipelines.errors import IngestError, PersonDataError
from pipelines.parsing import (
    decode,
    is_suppressed,
    number,
    parse_python_number,
    read_csv_text,
    read_export_json,
    read_json_objects,
    read_json_text,
    unparseable,
)

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


def parse_column(values: list[str | None]) -> pl.DataFrame:
    """Run the frame parsers over one column of raw strings, as the readers do."""
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.with_columns(
        number("v").alias("tall"),
        is_suppressed("v").alias("skjermet"),
        unparseable("v").alias("ugyldig"),
    )


# --- number() / parse_python_number ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4,1", 4.1),
        ("4", 4.0),
        ("-0,5", -0.5),
        ("5 943", 5943.0),
        (f"5{NBSP}943", 5943.0),
        (f"5{NARROW_NBSP}943", 5943.0),
        (f"1{NBSP}234,5", 1234.5),
        ("1.234,5", 1234.5),
        ("  4,1  ", 4.1),
        ("12.5", 12.5),
    ],
)
def test_norwegian_number_text_becomes_the_number_a_reader_sees(text, expected):
    assert parse_python_number(text) == pytest.approx(expected)
    parsed = parse_column([text])
    assert parsed["tall"][0] == pytest.approx(expected)
    assert parsed["skjermet"][0] is False
    assert parsed["ugyldig"][0] is False


@pytest.mark.parametrize("marker", ["*", "..", ":"])
def test_suppressed_star_is_kept_as_suppressed_not_missing(marker):
    parsed = parse_column([marker])
    assert parsed["tall"][0] is None
    assert parsed["skjermet"][0] is True
    assert parsed["ugyldig"][0] is False
    assert parse_python_number(marker) is None


@pytest.mark.parametrize("marker", ["", ".", "-", None])
def test_empty_or_dot_is_missing_not_suppressed(marker):
    parsed = parse_column([marker])
    assert parsed["tall"][0] is None
    assert parsed["skjermet"][0] is False
    assert parsed["ugyldig"][0] is False
    assert parse_python_number(marker) is None


@pytest.mark.parametrize("text", ["fire", "4,1 %", "ca. 4", "4,1,2", "n/a"])
def test_text_that_is_not_a_number_is_flagged_as_unparseable(text):
    parsed = parse_column([text])
    assert parsed["tall"][0] is None
    assert parsed["ugyldig"][0] is True
    assert parsed["skjermet"][0] is False


def test_unparseable_points_at_exactly_the_bad_cells_in_a_column():
    parsed = parse_column(["4,1", "*", "", "fire", ".", "5 943", "x"])
    assert parsed["ugyldig"].to_list() == [False, False, False, True, False, False, True]
    assert parsed["skjermet"].to_list() == [False, True, False, False, False, False, False]


# --- decode() ----------------------------------------------------------------------------------


def test_utf8_with_bom_is_decoded_and_the_bom_removed():
    decoded = decode("\ufeffEnhetsnavn;Kjønn\r\nSjøbygd skule;Begge kjønn\r\n".encode())
    assert decoded.text == "Enhetsnavn;Kjønn\nSjøbygd skule;Begge kjønn\n"
    assert not decoded.text.startswith("\ufeff")
    assert decoded.encoding == "utf-8-sig"


def test_utf8_without_bom_is_decoded_as_utf8():
    decoded = decode("navn;kommune\nSjøbygd skule;Sjøbygd\n".encode())
    assert decoded.text == "navn;kommune\nSjøbygd skule;Sjøbygd\n"
    assert decoded.encoding == "utf-8"


def test_windows_1252_file_keeps_norwegian_letters():
    raw = "navn;kommune\r\nSjøbygd skule;Årdal\r\nBæreia skole;Fjellvik\r\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the test file really is not UTF-8
    decoded = decode(raw)
    assert decoded.encoding == "cp1252"
    assert decoded.text == "navn;kommune\nSjøbygd skule;Årdal\nBæreia skole;Fjellvik\n"


def test_crlf_and_lone_cr_line_ends_become_newlines():
    decoded = decode(b"a;b\r\n1;2\r3;4\n")
    assert decoded.text == "a;b\n1;2\n3;4\n"
    assert "\r" not in decoded.text


def test_binary_file_is_refused_with_a_norwegian_message():
    with pytest.raises(IngestError, match="binær"):
        decode(b"a;b\n\x00\x00\x01")


# --- read_csv_text() ---------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_separator_is_detected_from_the_header(sep):
    text = sep.join(["orgnr", "navn", "elevtall"]) + "\n" + sep.join(["999000012", "Sjøbygd skule", "268"]) + "\n"
    table = read_csv_text(text)
    assert table.columns == ["orgnr", "navn", "elevtall"]
    assert table.to_dicts() == [{"orgnr": "999000012", "navn": "Sjøbygd skule", "elevtall": "268"}]


def test_every_cell_is_read_as_text_so_leading_zeros_survive():
    table = read_csv_text("kommunenr;elevtall\n0301;0268\n")
    assert table.schema == {"kommunenr": pl.String, "elevtall": pl.String}
    assert table.row(0) == ("0301", "0268")


def test_excel_sep_line_is_removed_and_names_the_separator():
    table = read_csv_text("sep=;\nSkoleaarnavn;Score\n2024-25;4,1\n")
    assert table.columns == ["Skoleaarnavn", "Score"]
    assert table.to_dicts() == [{"Skoleaarnavn": "2024-25", "Score": "4,1"}]


def test_quoted_sep_line_is_understood_too():
    table = read_csv_text('"sep=;"\nSkoleaarnavn;Score\n2024-25;4,1\n')
    assert table.columns == ["Skoleaarnavn", "Score"]


def test_sep_line_wins_over_guessing_from_the_header():
    # The header alone has more commas than semicolons; the sep line says semicolon.
    table = read_csv_text("sep=;\nEnhet, navn, kort;Verdi\nSjøbygd;4,1\n")
    assert table.columns == ["Enhet, navn, kort", "Verdi"]
    assert table["Verdi"].to_list() == ["4,1"]


def test_comma_file_with_quoted_decimal_commas_keeps_the_value_whole():
    table = read_csv_text('navn,verdi\n"Sjøbygd skule","4,1"\n')
    assert table.to_dicts() == [{"navn": "Sjøbygd skule", "verdi": "4,1"}]


def test_header_names_and_values_are_stripped_of_spaces():
    table = read_csv_text(" orgnr ; navn \n 999000012 ; Sjøbygd skule \n")
    assert table.columns == ["orgnr", "navn"]
    assert table.row(0) == ("999000012", "Sjøbygd skule")


@pytest.mark.parametrize("end", ["\n", "\n\n", "\r\n\r\n", ";;\n", " ; ; \n\n", ";;\n" * 100, '"";;\n'])
def test_blank_rows_at_the_end_are_not_rows_and_the_others_keep_their_place(end):
    """A blank line or a line of bare separators at the end (Excel leaves them) is dropped; a blank row in the
    middle stays where it is, so every row keeps the number it has in the file."""
    table = read_csv_text("orgnr;navn;trinn\n1;A;5\n;;\n2;B;\n" + end)
    assert table.rows() == [("1", "A", "5"), (None, None, None), ("2", "B", None)]


@pytest.mark.parametrize(("text", "first_row"), [
    ("orgnr;navn\n1;A\n", 2),
    ("sep=;\norgnr;navn\n1;A\n", 2),  # Excel reads the sep= line and does not show it
    ("\n\norgnr;navn\n1;A\n", 4),  # Excel shows the blank lines above the header as rows
    ("sep=;\n\norgnr;navn\n1;A\n", 3),
    (";;\n;;\norgnr;navn\n1;A\n", 4),  # cells once filled and emptied above the header: Excel saves bare separators
    (" ; \r\n\t\norgnr;navn\r\n1;A\r\n", 4),
    # A sheet with a title saved as CSV: the header is the first line with two filled cells, as in an XLSX (the
    # title line read as the header said «mangler overskriftsraden»)
    ("Saksrapport oktober 2026;;\norgnr;navn\n1;A\n", 3),
    ("Møtelogg Fjellvik\n;\nLevert 01.11.2026,,\norgnr;navn\n1;A\n", 5),
    ("Saksrapport, november 2026;;\norgnr;navn\n1;A\n", 3),  # a comma in a title saved by Norwegian Excel
])
def test_a_csv_files_first_data_row_is_numbered_as_excel_shows_it(text, first_row):
    sheet = parsing.read_csv_sheet(text)
    assert sheet.first_row == first_row
    assert sheet.table.rows() == [("1", "A")]


def test_a_title_line_with_a_fodselsnummer_refuses_the_file_though_it_is_not_data():
    from tests.test_ingest import _valid_fnr

    with pytest.raises(PersonDataError):
        parsing.read_csv_sheet(f"Saker for elev {_valid_fnr()};;\norgnr;navn\n1;A\n")
    with pytest.raises(PersonDataError):
        parsing.read_csv_sheet(f"Oppfølging elev {_valid_fnr()}, november 2026;;\norgnr;navn\n1;A\n")


def test_a_one_column_file_is_not_taken_for_title_lines():
    with pytest.raises(IngestError, match="ikke ut som en tabell: fant ikke skilletegn"):
        parsing.read_csv_sheet("orgnr\n990012008\n")


def _book(sheets: dict[str, list[list]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    raw = io.BytesIO()
    book.save(raw)
    return raw.getvalue()


def test_a_cover_sheet_in_front_of_the_data_sheet_is_passed_over():
    """A «Forside» added in front of «Saker» was read instead of it: «Excel-filen har ingen overskriftsrad»."""
    data = [["orgnr", "maaned"], ["990012008", "2026-11"]]
    cover = [["Rapport fra Fjellvik"], ["Sendt av: rektor"]]
    sheet = parsing.read_xlsx_sheet(_book({"Forside": cover, "Saker": data}))
    assert sheet.table.rows() == [("990012008", "2026-11")]
    # Named otherwise, the first sheet with a header is the data
    assert parsing.read_xlsx_sheet(_book({"Forside": cover, "Ark2": data})).table.rows() == [("990012008", "2026-11")]
    # The template's sheet wins over a first sheet that has a table of its own (a note with two columns)
    notes = [["Skole", "Merknad"], ["Nordli", "sent levert"]]
    assert parsing.read_xlsx_sheet(_book({"Notater": notes, "Saker": data})).table.columns == ["orgnr", "maaned"]
    with pytest.raises(IngestError, match=r"ingen overskriftsrad på noen av arkene \(«Forside», «Ark2»\)"):
        parsing.read_xlsx_sheet(_book({"Forside": cover, "Ark2": [["bare én celle"]]}))


def test_an_xlsx_sheets_first_data_row_is_numbered_as_excel_shows_it_below_title_rows():
    import io

    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws["A1"] = "Møtelogg for Sjøbygd kommune"  # a title, then an empty row, then the header on row 3
    ws.append([])
    ws.append(["orgnr", "navn"])
    ws.append(["999000012", "Sjøbygd skule"])
    raw = io.BytesIO()
    book.save(raw)
    sheet = parsing.read_xlsx_sheet(raw.getvalue())
    assert sheet.first_row == 4
    assert sheet.table.rows() == [("999000012", "Sjøbygd skule")]


def _workbook(**sheets: list[list[object]]):
    """An XLSX file with one sheet per keyword (rows of values; a value ending in «%» is typed as Excel stores
    «85 %»: the number 0.85 in a cell formatted as a percentage)."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=c)
                if isinstance(value, str) and value.endswith("%"):
                    cell.value = float(value.rstrip("% ").replace(",", ".")) / 100
                    cell.number_format = "0.0%" if "," in value else "0%"
                else:
                    cell.value = value
    raw = io.BytesIO()
    book.save(raw)
    return raw.getvalue()


def test_an_xlsx_percentage_reads_as_the_percentage_excel_shows():
    """«85 %» typed in Excel is the number 0.85 in a percent-formatted cell: read as 0.85, a programme's share of staff
    trained was 0,85 % and an Ungdata share of 91,2 % overwrote the right one with 0,912."""
    raw = _workbook(Status=[["orgnr", "andel", "antall"], ["999000012", "85%", 0.5], ["999000013", "91,2%", 7]])
    table = parsing.read_xlsx_sheet(raw).table
    assert table.rows() == [("999000012", "85", "0.5"), ("999000013", "91.2", "7")]
    # «%» written as text after the number (`0" %"`, `0\\%`) shows 85 as «85 %»: it stays 85, not 8500.
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(raw))
    for cell, fmt in ((book.active["B2"], '0" %"'), (book.active["B3"], "0\\%")):
        cell.value, cell.number_format = 85, fmt
    out = io.BytesIO()
    book.save(out)
    assert [r[1] for r in parsing.read_xlsx_sheet(out.getvalue()).table.rows()] == ["85", "85"]


@pytest.mark.parametrize("sheet", ["Saker", "Notater"])
def test_a_fodselsnummer_excel_stored_as_a_number_is_refused_on_any_sheet(sheet):
    """Typed into Excel, 05031210099 becomes the number 5031210099: ten digits, which the check for eleven missed,
    and the file was loaded and kept. An orgnr stored as a number is no fødselsnummer."""
    rows = {"Saker": [["orgnr", "skole", "nye"], [999000012, "Nordli skole", 1]], "Notater": [["Husk", "frist"]]}
    rows[sheet].append([5031210099, "x", 0])
    with pytest.raises(PersonDataError, match=f"Arket «{sheet}», celle A"):
        parsing.read_xlsx_sheet(_workbook(**rows))
    for value in (5031210098, 1735689750):  # wrong check digits; a timestamp (no month 73): numbers, not persons
        rows[sheet][-1][0] = value
        assert parsing.read_xlsx_sheet(_workbook(**rows)).table.height >= 1


def test_a_fodselsnummer_that_lost_its_leading_zero_in_a_csv_is_found_too():
    """Excel saved as CSV writes 05031210099 as 5031210099: a file with it loaded and was kept."""
    from pipelines.quality.person_data import find_person_data

    table = pl.DataFrame({"kommunenr": ["9902", "9902"], "kode": ["12", "5031210099"]})
    assert "Rad 3, kolonne «kode»" in (find_person_data(table, first_row=2) or "")
    assert find_person_data(table.with_columns(pl.lit("1735689750").alias("kode"))) is None


def test_an_xlsx_with_the_same_header_on_two_sheets_is_refused_naming_them():
    """October on one sheet, November on the next: only the first was read, and November was lost unseen."""
    header = ["orgnr", "maaned", "sakstype", "nye"]
    raw = _workbook(Saker=[header, ["999000012", "2025-10", "aktivitetsplan", 1]],
                    November=[header, ["999000012", "2025-11", "aktivitetsplan", 2]],
                    Notater=[["Husk", "å sende inn"]])
    with pytest.raises(IngestError, match="«Saker», «November»") as err:
        parsing.read_xlsx_sheet(raw)
    assert "Notater" not in str(err.value)
    # A sheet of notes beside the data is no data lost.
    assert parsing.read_xlsx_sheet(_workbook(Saker=[header, ["999000012", "2025-10", "aktivitetsplan", 1]],
                                             Notater=[["Husk", "å sende inn"]])).table.height == 1


def test_excel_s_unicode_text_utf16_with_tabs_reads_as_its_text():
    """Excel's «Unicode-tekst» (UTF-16 with a BOM, tab-separated) was refused as «binær (inneholder NUL-tegn)»."""
    from pipelines.ingest import read_sheet

    text = "orgnr\tskole\tnye\r\n999000012\tSjøbygd skule\t2\r\n"
    for raw in (b"\xff\xfe" + text.encode("utf-16-le"), b"\xfe\xff" + text.encode("utf-16-be")):
        sheet = read_sheet(raw, "saker.txt")
        assert sheet.table.columns == ["orgnr", "skole", "nye"]
        assert sheet.table.rows() == [("999000012", "Sjøbygd skule", "2")]


def test_a_utf8_file_with_a_bom_cut_inside_a_character_still_decodes():
    """Fuzzing cut a Skoleporten file (BOM, UTF-8) inside «ø»: decoding raised, and the user met «en uventet feil»."""
    decoded = parsing.decode("\ufefforgnr;skole\n1;Bjø".encode()[:-1])  # the last byte of «ø» gone
    assert decoded.text.startswith("orgnr;skole\n1;Bj") and decoded.text.endswith("\ufffd") and decoded.utf8 is None


def test_a_file_of_blank_rows_under_the_header_reads_as_no_rows():
    assert read_csv_text("orgnr;navn\n;\n\n ; \n").is_empty()


@pytest.mark.parametrize("text", ["", "\n\n", "sep=;\n", "sep=;\n\n"])
def test_empty_file_is_refused_with_a_norwegian_message(text):
    with pytest.raises(IngestError, match="tom"):
        read_csv_text(text)


def test_header_without_any_separator_is_refused_with_a_norwegian_message():
    with pytest.raises(IngestError) as err:
        read_csv_text("orgnr\n999000012\n")
    assert "skilletegn" in str(err.value)


@pytest.mark.parametrize(("text", "said"), [
    # Polars' own message quoted the rows from the broken one to the end of the file: «Kari Nordmann …» included.
    ('orgnr;skole;maaned\n999000012;"Holmen;2024-09\n999000013;Nordli;2024-10 Kari Nordmann\n',
     "anførselstegn (\") i rad 2 lukkes ikke"),
    ("\n\norgnr;skole\n999000012;Holmen\n999000013;Kari Nordmann;2024-10\n", "rad 5 har 3 felt, men overskriftsraden har 2"),
    # a line break inside quotes stays in its row, as Excel shows it
    ('orgnr;skole\r\n999000012;"Holmen\r\nskole"\r\n999000013;Kari Nordmann;2024-10\r\n', "rad 3 har 3 felt"),
    ('orgnr;skole\n999000012;"Holmen" skole\n999000013;Kari Nordmann\n', "anførselstegn (\") i rad 2 står inne i et felt"),
])
def test_a_csv_polars_cannot_read_is_refused_by_excel_row_without_quoting_its_rows(text, said):
    """The row is named as Excel numbers it (blank lines above the header count), and nothing of its content."""
    with pytest.raises(IngestError) as err:
        read_csv_text(text)
    assert said in str(err.value)
    assert "Kari" not in str(err.value) and "Holmen" not in str(err.value) and "999000013" not in str(err.value)


# --- read_json_text() --------------------------------------------------------------------------


EXPORT_PAGE = [
    {
        "Skoleaarnavn": "2024-25", "EnhetNivaa": "3", "Kommunekode": "301", "Trinnnavn": "7. trinn",
        "Score": "4,1", "Standardavvik": None, "AntallBesvart": f"5{NBSP}943",
    },
    {
        "Skoleaarnavn": "2024-25", "EnhetNivaa": "4", "Kommunekode": "301", "Trinnnavn": "7. trinn",
        "Score": "*", "Standardavvik": "*", "AntallBesvart": "*",
    },
    {
        "Skoleaarnavn": "2024-25", "EnhetNivaa": "4", "Kommunekode": "301", "Trinnnavn": "Alle trinn",
        "Score": "", "Standardavvik": None, "AntallBesvart": None,
    },
]


def test_export_api_page_becomes_a_table_of_strings_with_nulls_kept():
    table = read_json_text(json.dumps(EXPORT_PAGE, ensure_ascii=False))
    assert table.columns == list(EXPORT_PAGE[0])
    assert all(dtype == pl.String for dtype in table.schema.values())
    assert table.height == 3
    assert table["Kommunekode"].to_list() == ["301", "301", "301"]  # text, not the number 301
    assert table["Score"].to_list() == ["4,1", "*", ""]
    assert table["Standardavvik"].to_list() == [None, "*", None]
    assert table["AntallBesvart"].to_list() == [f"5{NBSP}943", "*", None]


def test_a_column_missing_from_some_rows_is_null_there():
    page = [{"a": "1"}, {"a": "2", "b": "x"}]
    table = read_json_text(json.dumps(page))
    assert table.columns == ["a", "b"]
    assert table["b"].to_list() == [None, "x"]


def test_a_page_wrapped_in_an_object_is_unwrapped():
    table = read_json_text(json.dumps({"data": EXPORT_PAGE}, ensure_ascii=False))
    assert table.height == 3


@pytest.mark.parametrize("cut", ['[{"Score": "4,1"},', '[{"Score": "4,1"}, {"Enhet', '[{"Score": "4,1"}, {"Score"'])
def test_a_json_file_cut_off_is_told_to_be_downloaded_again(cut):
    """Half a Udir export read «Filen er ikke gyldig JSON (linje 11767, kolonne 22)»: nothing a skolesjef can act on.
    A file that stops before its end says so, and what to do."""
    with pytest.raises(IngestError) as err:
        read_json_text(cut)
    assert "kuttet av" in str(err.value) and "Last den ned på nytt" in str(err.value)
    with pytest.raises(IngestError) as err:  # wrong inside, not cut off: said as before
        read_json_text(cut.replace("[", "[x", 1) + "]")
    assert "ikke gyldig JSON" in str(err.value) and "kuttet av" not in str(err.value)


@pytest.mark.parametrize(
    "text",
    [
        "<html><body>Feil</body></html>",
        "{'Score': '4,1'}",
    ],
)
def test_invalid_json_is_refused_with_a_clear_norwegian_message(text):
    with pytest.raises(IngestError) as err:
        read_json_text(text)
    assert "ikke gyldig JSON" in str(err.value)
    assert "linje" in str(err.value)


@pytest.mark.parametrize("text", ["[]", "[1, 2]", '"tekst"', '{"a": 1}'])
def test_json_that_is_not_a_list_of_rows_is_refused(text):
    with pytest.raises(IngestError, match="JSON-filen"):
        read_json_text(text)


# --- read_export_json(): DuckDB's reader for big export pages ------------------------------------

KEYS = st.sampled_from(["Score", "score", "Kommunekode", "Trinnnavn", "Skoleår", " a ", "", "x.y", 'q"'])
SCALARS = st.one_of(
    st.none(), st.text(max_size=12), st.sampled_from(["4,1", " * ", f"5{NBSP}943", "", "Alle trinn"]),
    st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
)
VALUES = st.one_of(SCALARS, st.dictionaries(st.sampled_from(["k", "ø"]), SCALARS, max_size=2),
                   st.lists(SCALARS, max_size=2))


def _page(rows: list[dict]) -> bytes:
    return json.dumps(rows, ensure_ascii=False).encode("utf-8")


def _python_reading(raw: bytes) -> pl.DataFrame | None:
    try:
        return read_json_objects(raw)
    except (IngestError, parsing.NotUtf8Json):
        return None


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.dictionaries(KEYS, VALUES, max_size=5), max_size=6),
       strings_only=st.booleans())
def test_duckdb_reads_a_page_exactly_as_python_does_or_leaves_it_to_python(rows, strings_only):
    """Whatever shape a page has, the fast reader gives the same table as the general one, or none at all."""
    if strings_only:  # the export's own shape, which DuckDB must not turn down
        rows = [{k: v if isinstance(v, str) or v is None else json.dumps(v) for k, v in row.items()} for row in rows]
    raw = _page(rows)
    fast = read_export_json(raw)
    if fast is None:
        return
    slow = _python_reading(raw)
    assert slow is not None
    assert fast.columns == slow.columns
    assert fast.to_dicts() == slow.to_dicts()


@settings(max_examples=150, deadline=None)
@given(at=st.integers(0, 480), length=st.integers(0, 40), junk=st.binary(max_size=4),
       kind=st.sampled_from(["cut", "insert", "delete", "replace"]))
@example(at=0, length=0, junk=b"\xbf", kind="insert")  # found by a run: DuckDB's Python side raised on the key
def test_duckdb_never_reads_part_of_a_broken_page(at, length, junk, kind):
    """A page cut off, or with bytes added, lost or changed: DuckDB reads it as Python does, or not at all."""
    raw = _page(EXPORT_PAGE)
    broken = {
        "cut": raw[:at],
        "insert": raw[:at] + junk + raw[at:],
        "delete": raw[:at] + raw[at + length:],
        "replace": raw[:at] + junk + raw[at + len(junk):],
    }[kind]
    fast = read_export_json(broken)  # never raises
    if fast is not None:
        slow = _python_reading(broken)
        assert slow is not None, "DuckDB read a page Python refuses"
        assert fast.to_dicts() == slow.to_dicts()


def test_the_export_shape_is_read_by_duckdb_and_every_value_arrives():
    rows = [{**row, "Rad": str(i)} for i, row in enumerate(EXPORT_PAGE * 3)]
    fast = read_export_json(_page(rows))
    assert fast is not None  # the export's own shape is never turned down
    assert fast.to_dicts() == read_json_objects(_page(rows)).to_dicts()
    assert fast["Score"].to_list()[:3] == ["4,1", "*", ""]


@pytest.mark.parametrize(
    "rows",
    [
        [{"a": "1"}, {"a": "2", "b": "x"}],  # a key the first row does not have
        [{"a": "1", "A": "2"}],  # names that differ only in case (DuckDB would rename one)
        [{"a": 1}, {"a": "2"}],  # numbers, not the export's text
    ],
)
def test_pages_duckdb_could_misread_are_left_to_python(rows):
    assert read_export_json(_page(rows)) is None


def test_a_column_null_throughout_duckdbs_sample_is_not_lost(monkeypatch):
    """DuckDB types such a column as NULL and would drop the values after its sample; Python reads the page."""
    monkeypatch.setattr(parsing, "JSON_SAMPLE_ROWS", 1)
    raw = _page([{"a": None, "b": "1"}, {"a": "2", "b": "3"}])
    assert read_export_json(raw) is None
    assert parsing.read_json_bytes(raw)["a"].to_list() == [None, "2"]


def test_a_big_export_page_is_read_without_python_objects(monkeypatch):
    """From DUCKDB_JSON_MIN_BYTES a page goes through DuckDB: 150 MB in 0.6 s instead of 1.7 s."""
    rows = [{**row, "Tekst": "x" * 200} for row in EXPORT_PAGE]
    raw = _page(rows * (parsing.DUCKDB_JSON_MIN_BYTES // len(_page(rows)) + 1))
    expected = read_json_objects(raw)

    def refuse(_raw):
        raise AssertionError("read through Python objects")

    monkeypatch.setattr(parsing, "read_json_objects", refuse)
    table = parsing.read_json_bytes(raw)
    assert table.height == expected.height
    assert table.equals(expected)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(st.text(alphabet="aøÅ1 ,\"'é", max_size=6), min_size=2, max_size=2), min_size=1, max_size=4),
    bom=st.booleans(), sep_first=st.booleans(), blank_lines=st.integers(0, 2),
)
def test_a_utf8_file_read_from_its_own_bytes_gives_the_table_its_text_gives(rows, bom, sep_first, blank_lines):
    """Without CR the file's bytes are used as they are (no second encoding): same table, BOM and `sep=` line or not."""
    lines = ["kol_a;kol_b"] + [";".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows]
    text = ("sep=;\n" if sep_first else "") + "\n" * blank_lines + "\n".join(lines) + "\n"
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    decoded = decode(raw)
    assert decoded.utf8 is raw  # the path under test is taken
    from_bytes = read_csv_text(decoded.text, decoded.utf8)
    assert from_bytes.equals(read_csv_text(decoded.text))
    assert from_bytes.columns == ["kol_a", "kol_b"]
    filled = [i for i, row in enumerate(rows) if any(cell.strip() for cell in row)]
    assert from_bytes.height == (filled[-1] + 1 if filled else 0)  # blank rows at the end are not rows


def test_a_file_whose_line_ends_were_rewritten_is_not_read_from_its_bytes():
    decoded = decode(b"a;b\r\n1;2\r\n")
    assert decoded.utf8 is None
    assert read_csv_text(decoded.text, decoded.utf8).to_dicts() == [{"a": "1", "b": "2"}]


def test_empty_rows_are_found_whatever_the_headers_are_called():
    """Headers such as «*» or «^x$» are names, not patterns: a row is empty only when each of its cells is."""
    table = pl.DataFrame({
        "*": ["a", None, "", " ", "b", None],
        "^x$": ["1", None, " ", None, None, ""],
        "tall": [1, None, None, None, None, 2],
    })
    assert parsing.blank_row_positions(table).to_list() == [1, 2, 3]


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(
    st.dictionaries(st.sampled_from(["Score", "EnhetNavn", "Kjoenn", "ÆØÅ", "a}b"]),
                    st.one_of(st.none(), st.text(max_size=6), st.sampled_from([" 4,1 ", "}", "{", "*", ""]))),
    min_size=1, max_size=6,
), reorder=st.booleans())
def test_a_page_of_text_objects_reads_the_same_through_polars_as_through_python(rows, reorder):
    """A page of flat text objects is read by Polars in one pass; the table must be the one the Python path gives:
    the same columns in the order they first appear, the same cells, the same stripped texts."""
    import orjson

    if reorder and rows:
        rows = [dict(reversed(list(r.items()))) if i % 2 else r for i, r in enumerate(rows)]
    raw = json.dumps(rows, ensure_ascii=False).encode("utf-8")
    try:
        expected = parsing._table_of(orjson.loads(raw))
    except IngestError as exc:  # an empty page, say: the reader must refuse it the same way
        with pytest.raises(IngestError, match=re.escape(str(exc))):
            parsing.read_json_objects(raw)
        return
    assert_frame_equal(parsing.read_json_objects(raw), expected)


def test_an_unclosed_quote_in_a_plan_is_shown_where_it_opens():
    """The quote is found open where the file ends: the line named was the file's last, not the quote's."""
    from pipelines.plans.yamltext import load

    with pytest.raises(IngestError, match=r"linje 2, kolonne 9\): et anførselstegn som ikke er lukket"):
        load('navn: x\ntittel: "Plan for skolen\nperiode:\n  fra: 2024\n\n')

