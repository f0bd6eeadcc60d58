"""The small-number threshold as the outputs apply and state it: a municipality's own threshold, however it is
written, never shows more than the default would; reports state the threshold they hide by; report files are whole,
audited and free of stray apostrophes."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import polars as pl
import pytest
from openpyxl import load_workbook

from dashboard.export import FORMULA_START, Table, xlsx_bytes
from dashboard.privacy import protect_survey
from dashboard.reports import render
from dashboard.reports.content import ReportError
from dashboard.viewer import Viewer
from pipelines.cli import main as cli

YEAR = "2025-26"
NORDLI = "990012008"
HUGE = "99999999999999999999"
"""A threshold larger than a 64-bit integer: it became null in the rows and hid nothing."""


def _set(db: Path, key: str, value: str) -> None:
    """Write a setting as it is stored, text in `meta.innstilling`, whatever the command line would accept."""
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM meta.innstilling WHERE nokkel = ?", [key])
    con.execute("INSERT INTO meta.innstilling (nokkel, verdi) VALUES (?, ?)", [key, value])
    con.close()


def _report(db: Path, out: Path, monkeypatch, mottaker: str = "fau", *extra: str) -> Path:
    import streamlit as st

    monkeypatch.setenv("SKOLEMILJO_DB", str(db))  # the command sets it for the process; restored after the test
    st.cache_data.clear()
    assert cli(["--db", str(db), "rapport", "--kommune", "9901", "--skoleaar", YEAR, "--mottaker", mottaker,
                "--format", "xlsx", "--ut", str(out), *extra]) == 0
    return out


def _tables(path: Path) -> list[list[tuple]]:
    """Every sheet but «Om uttrekket» (which states the threshold and the time), as its rows of values."""
    book = load_workbook(path)
    return [[tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book.worksheets[1:]]


def _about(path: Path) -> dict[str, str]:
    sheet = load_workbook(path)["Om uttrekket"]
    return {row[0].value: row[1].value for row in sheet.iter_rows() if row[0].value}


# ---------------------------------------------------------------- 1. fail closed


def test_a_municipality_threshold_too_large_for_a_number_hides_as_much_as_a_large_one_not_nothing(
        demo_db, tmp_path, monkeypatch):
    """The FAU report under `min_svar:9901 = 99999999999999999999` showed every municipality value (Trivsel 4,2 from
    785 answers) while saying they were hidden; it must hide at least what a threshold of 1000 hides."""
    _set(demo_db, "min_svar:9901", "1000")
    large = _tables(_report(demo_db, tmp_path / "tusen.xlsx", monkeypatch))
    _set(demo_db, "min_svar:9901", HUGE)
    huge = _tables(_report(demo_db, tmp_path / "enorm.xlsx", monkeypatch))
    _set(demo_db, "min_svar:9901", "10")
    default = _tables(_report(demo_db, tmp_path / "ti.xlsx", monkeypatch))
    assert large != default, "the demo has values a threshold of 1000 hides"
    assert huge == large


def _row(kommunenr: str, answers: int) -> pl.DataFrame:
    return pl.DataFrame({
        "skoleaar": [YEAR], "indikator_kode": ["EUIndeks_1379"], "kommunenr": [kommunenr], "orgnr": [None],
        "trinn": [None], "kjonn": ["alle"], "verdi": [4.2], "standardavvik": [0.8], "antall_besvart": [answers],
        "skjermet": [False],
    }, schema_overrides={"orgnr": pl.String, "trinn": pl.String})


@pytest.mark.parametrize(("default", "own"), [
    (10, ((("9901", 10**20),))),  # the municipality's own, too large for a row
    (10**20, (("9902", 15),)),  # the default too large, with another municipality's own in play
    (10, (("9901", None),)),  # a setting that is missing its number
    (10, (("9901", "30"),)),  # a setting that is not a whole number
])
def test_a_threshold_that_cannot_be_compared_hides_the_value_instead_of_showing_it(default, own):
    viewer = Viewer(role="fau", kommuner=frozenset({"9901"}), min_respondents=default, thresholds=own)
    out = protect_survey(_row("9901", 785), viewer)
    assert out["verdi"].to_list() == [None]
    assert out["skjult_grunn"][0].startswith("Skjult: færre enn")


def test_a_large_threshold_is_stated_as_set_not_as_the_capped_number_it_is_compared_with():
    viewer = Viewer(role="fau", kommuner=frozenset({"9901"}), thresholds=(("9901", int(HUGE)),))
    assert protect_survey(_row("9901", 785), viewer)["skjult_grunn"][0] == f"Skjult: færre enn {HUGE} svar"


# ---------------------------------------------------------------- 2. the report states the municipality's threshold


@pytest.mark.parametrize("mottaker", ["kommunestyre", "fau"])
def test_a_report_states_the_municipality_s_own_threshold_not_the_default(demo_db, tmp_path, monkeypatch, mottaker):
    assert cli(["--db", str(demo_db), "innstilling", "min-svar", "30", "--kommune", "9901"]) == 0
    vern = _about(_report(demo_db, tmp_path / "rapport.xlsx", monkeypatch, mottaker))["Vern"]
    assert "færre enn 30 svar" in vern and "færre enn 10 svar" not in vern


# ---------------------------------------------------------------- 3. no apostrophe in Excel


def test_an_excel_report_shows_a_positive_change_without_an_apostrophe_and_runs_no_formula(
        demo_db, tmp_path, monkeypatch):
    """«Endring» read «'+0,9 pp»: the apostrophe meant to stop formulas was stored as text."""
    book = load_workbook(_report(demo_db, tmp_path / "fau.xlsx", monkeypatch, "fau", "--skole", NORDLI))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.value for c in cells if c.value.startswith("'")]
    signed = [c for c in cells if c.value.startswith(FORMULA_START)]
    assert all(c.data_type == "s" and c.quotePrefix for c in signed)
    # A change is a number whose format writes its sign and «pp» (tests/test_excel_numbers.py), never a formula.
    changes = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
               if c.data_type == "n" and '" pp"' in c.number_format]
    assert [c for c in changes if c.value > 0 and c.number_format.startswith('"+"')], "the report has a positive change"


def test_text_that_looks_like_a_formula_stays_text_as_written_in_an_excel_export():
    tricky = ['=HYPERLINK("http://x","Klikk")', "+1+1", "-2+3", "@SUM(A1)"]
    data = xlsx_bytes([Table("Tabell", pl.DataFrame({"=Kolonne": tricky}))], [("=Om", "+47 99")])
    book = load_workbook(io.BytesIO(data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert sorted(c.value for c in cells) == sorted([*tricky, "=Kolonne", "=Om", "+47 99"])
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


# ---------------------------------------------------------------- 4. the report file: whole, audited, or nothing


def test_a_folder_as_the_report_file_is_refused_in_norwegian_and_nothing_is_written(tmp_path):
    folder = tmp_path / "ut"
    folder.mkdir()
    logged = []
    with pytest.raises(ReportError, match="er en mappe"):
        render.write_file(b"rapport", folder, lambda: logged.append(1))
    assert list(tmp_path.rglob("*")) == [folder] and not logged


def test_a_report_whose_export_cannot_be_logged_is_not_left_behind(tmp_path):
    out = tmp_path / "rapport.xlsx"

    def audit_fails() -> None:
        raise PermissionError(13, "Ingen tilgang")

    with pytest.raises(ReportError, match="revisjonsloggen"):
        render.write_file(b"rapport", out, audit_fails)
    assert list(tmp_path.iterdir()) == []


def test_a_report_is_logged_before_it_appears_and_then_written_whole(tmp_path):
    out = tmp_path / "mappe" / "rapport.xlsx"
    seen: list[bool] = []
    render.write_file(b"rapport", out, lambda: seen.append(out.exists()))
    assert seen == [False]
    assert out.read_bytes() == b"rapport" and list(out.parent.iterdir()) == [out]


def test_an_unreadable_threshold_is_said_in_words_not_as_a_19_digit_number(demo_db, tmp_path, monkeypatch):
    """«30.0» written by hand hides everything (fail closed), and the report said «færre enn 9223372036854775807»."""
    _set(demo_db, "min_svar:9901", "30.0")
    path = _report(demo_db, tmp_path / "rapport.xlsx", monkeypatch, "kommunestyre")
    vern = _about(path)["Vern"]
    assert "kan ikke leses" in vern and "9223372036854775807" not in vern
    texts = [str(v) for table in _tables(path) for row in table for v in row if v is not None]
    assert not [t for t in texts if "9223372036854775807" in t]
