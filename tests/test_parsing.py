"""The low-level readers: Norwegian numbers, encodings, CSV dialects and export-API JSON pages."""

from __future__ import annotations

import json

import polars as pl
import pytest

from pipelines.errors import IngestError
from pipelines.parsing import (
    decode,
    is_suppressed,
    number,
    parse_python_number,
    read_csv_text,
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


@pytest.mark.parametrize("text", ["", "\n\n", "sep=;\n", "sep=;\n\n"])
def test_empty_file_is_refused_with_a_norwegian_message(text):
    with pytest.raises(IngestError, match="tom"):
        read_csv_text(text)


def test_header_without_any_separator_is_refused_with_a_norwegian_message():
    with pytest.raises(IngestError) as err:
        read_csv_text("orgnr\n999000012\n")
    assert "skilletegn" in str(err.value)


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


@pytest.mark.parametrize(
    "text",
    [
        '[{"Score": "4,1"},',  # a download that stopped half-way
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
