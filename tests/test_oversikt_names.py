"""Oversikt treats a school as one school by orgnr, under the name it goes by now, and says «skjult» only for a value
withheld to protect a small group («–» where Udir published nothing)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.labels import NO_VALUE
from dashboard.viewer import Viewer
from pipelines.cli import main as cli
from pipelines.warehouse import store
from tests.conftest import query

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
KEY_FIGURES = ("EUIndeks_1379", "EUIndeks_1398", "EUIndeks_1381", "deltakelse")

NORDLI, BAKKEN, HAUGEN, HOLMEN = "990012008", "990014000", "990013004", "990023018"
NEW_NAME = "Nordli oppvekstsenter"
"""Udir's name for Nordli skole in 2025-26: Udir publishes a school under the name it had that year."""
NO_DATA = (BAKKEN, "EUIndeks_1381")
"""Bakken's «Støtte fra lærerne» 2025-26: an empty «Score» cell, which Udir publishes when there is no data."""
SCREENED = (HAUGEN, "EUIndeks_1379")
"""Haugen's «Trivsel» 2025-26: «*», screened by Udir to protect a small group."""


def _latest_year(rows: list[dict]) -> list[dict]:
    """The demo's 2025-26 export as Udir might send it: Nordli under a new name, Holmen absent (it took no part),
    Bakken's Støtte empty, Haugen's Trivsel screened; one page, as the pages of an export add up."""
    kept = []
    for row in rows:
        orgnr = row.get("Organisasjonsnummer")
        if orgnr == HOLMEN:
            continue
        if orgnr == NORDLI:
            row["EnhetNavn"] = NEW_NAME
        whole_school = row.get("Trinnnavn") == "Alle trinn" and row.get("Kjoenn", "Alle kjønn") == "Alle kjønn"
        if whole_school and (orgnr, row.get("Spoersmaalgruppekode")) == NO_DATA:
            row["Score"] = row["Standardavvik"] = ""
        if whole_school and (orgnr, row.get("Spoersmaalgruppekode")) == SCREENED:
            row["Score"] = row["Standardavvik"] = row["AntallBesvart"] = "*"
        kept.append(row)
    for row in kept:
        row.update(Sidenummer="1", RaderSide=str(len(kept)), RaderTotalt=str(len(kept)))
    return kept


def _build(demo_dir: Path, out: Path) -> Path:
    out.mkdir()
    files = []
    for stem in ("udir_148_indikator", "udir_150_mobbing", "udir_151_deltakelse"):
        files += sorted(demo_dir.glob(f"{stem}_2024-25_side*.json"))
        rows = [r for p in sorted(demo_dir.glob(f"{stem}_2025-26_side*.json")) for r in json.loads(p.read_text())]
        path = out / f"{stem}_2025-26.json"
        path.write_text(json.dumps(_latest_year(rows), ensure_ascii=False), encoding="utf-8")
        files.append(path)
    db = out / "skolemiljo.duckdb"
    store.init(db)
    assert cli(["--db", str(db), "ingest", str(demo_dir / "skoleregister.csv"), *map(str, files)]) == 0
    return db


@pytest.fixture(scope="module")
def renamed_db(tmp_path_factory, demo_dir) -> Path:
    """The register, then 2024-25 and 2025-26 from Udir, with Nordli renamed in 2025-26."""
    return _build(demo_dir, tmp_path_factory.mktemp("renamed") / "filer")


@pytest.fixture(scope="module")
def unregistered_db(renamed_db, tmp_path_factory) -> Path:
    """The same warehouse with no register row for Nordli (`_EU_NAMED` then keeps Udir's name of each year): nothing
    but the orgnr says the two names are one school."""
    db = tmp_path_factory.mktemp("unregistered") / "skolemiljo.duckdb"
    shutil.copy(renamed_db, db)
    con = duckdb.connect(str(db))
    try:
        con.execute("DELETE FROM core.skole WHERE orgnr = ?", [NORDLI])
    finally:
        con.close()
    return db


def _oversikt(db: Path, viewer: Viewer, monkeypatch) -> AppTest:
    import streamlit as st

    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = viewer
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _owner() -> Viewer:
    return Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")


def _rektor(orgnr: str, kommunenr: str = "9901") -> Viewer:
    return Viewer(role="rektor", kommuner=frozenset({kommunenr}), skoler=frozenset({orgnr}), brukernavn="rektor")


def _school_rows(at: AppTest) -> dict[str, dict[str, str]]:
    """The rows of every «Skolene i kommunen» table on the page, by school name."""
    rows = {}
    for frame in at.dataframe:
        table = frame.value
        if "Skole" in table.columns:
            rows.update({r["Skole"]: r for r in table.to_dict("records")})
    return rows


def _figures(db: Path, orgnr: str) -> dict[str, dict]:
    """The school's headline figures straight from the warehouse: per indicator, its name, measure and each year's
    value."""
    found: dict[str, dict] = {}
    for code, name, maal, year, value in query(
        db,
        "SELECT indikator_kode, indikator, maal, skoleaar_start, verdi FROM mart.elevundersokelsen "
        "WHERE orgnr = ? AND trinn IS NULL AND kjonn = 'alle' AND indikator_kode IN (SELECT unnest(?))",
        [orgnr, list(KEY_FIGURES)],
    ):
        found.setdefault(code, {"name": name, "maal": maal})[year] = value
    return found


def _said(value: float, maal: str) -> str:
    return f"{value:.1f}".replace(".", ",") + (" %" if maal == "andel" else "")


def _change(now: float, before: float, maal: str) -> str:
    diff = round(now - before, 1)
    if diff == 0:
        return "uendret"
    return ("+" if diff > 0 else "\u2212") + f"{abs(diff):.1f}".replace(".", ",") + (" pp" if maal == "andel" else "")


def test_skoleeier_sees_a_school_renamed_by_udir_once_under_the_register_name_with_its_change(renamed_db, monkeypatch):
    """A reviewer saw «Beta oppvekstsenter» with this year's values and no change at all: Udir's new name this year
    did not match last year's, and the front page's main job, the direction per school, vanished for that school."""
    at = _oversikt(renamed_db, _owner(), monkeypatch)
    rows = _school_rows(at)
    register_name = query(renamed_db, "SELECT navn FROM mart.skoler WHERE orgnr = ?", [NORDLI])[0][0]
    assert NEW_NAME not in rows and register_name in rows, sorted(rows)
    for figure in _figures(renamed_db, NORDLI).values():
        now, before = figure[2025], figure[2024]
        assert rows[register_name][figure["name"]] == (
            f"{_said(now, figure['maal'])} ({_change(now, before, figure['maal'])})"
        )


def test_rektor_of_a_renamed_school_sees_one_block_with_changes_and_no_indicator_code(renamed_db, monkeypatch):
    """Nordli's rektor got a block with no change, then a second one under last year's name with four «skjult» values
    headed «EUIndeks_1379», «EUIndeks_1398», «EUIndeks_1381» and «deltakelse»."""
    at = _oversikt(renamed_db, _rektor(NORDLI), monkeypatch)
    bold = [m.value for m in at.markdown if m.value.startswith("**")]
    assert bold[:2] == ["**Nordli skole**", "**Fjellvik kommune**"], bold
    figures = _figures(renamed_db, NORDLI)
    school = at.metric[: len(figures)]
    assert [m.label for m in school] == [figures[c]["name"] for c in KEY_FIGURES]
    for metric, code in zip(school, KEY_FIGURES, strict=True):
        now, before, maal = figures[code][2025], figures[code][2024], figures[code]["maal"]
        assert metric.value == _said(now, maal)
        assert metric.proto.delta.startswith(_change(now, before, maal) + " fra året før"), metric.proto.delta
    assert not [m.label for m in at.metric if m.label in KEY_FIGURES]


def test_a_school_outside_the_register_is_one_school_by_orgnr_under_its_latest_name(unregistered_db, monkeypatch):
    """With no register to name it, Udir's two names for one orgnr are still one school: this year's name, with the
    change from last year, in the table and in its rektor's block."""
    rows = _school_rows(_oversikt(unregistered_db, _owner(), monkeypatch))
    assert "Nordli skole" not in rows and NEW_NAME in rows, sorted(rows)
    trivsel = _figures(unregistered_db, NORDLI)["EUIndeks_1379"]
    assert rows[NEW_NAME]["Trivsel"].endswith(f"({_change(trivsel[2025], trivsel[2024], 'snitt')})")

    at = _oversikt(unregistered_db, _rektor(NORDLI), monkeypatch)
    bold = [m.value for m in at.markdown if m.value.startswith("**")]
    assert bold[:2] == [f"**{NEW_NAME}**", "**Fjellvik kommune**"], bold
    assert at.metric[0].proto.delta.startswith(_change(trivsel[2025], trivsel[2024], "snitt")), at.metric[0].proto


def test_a_school_with_no_results_this_year_is_headed_by_indicator_names_and_says_no_data(renamed_db, monkeypatch):
    """A school Udir has no row for this year (it took no part) showed its rektor the raw codes as headings and
    «skjult», as if its values were being hidden from them."""
    at = _oversikt(renamed_db, _rektor(HOLMEN, "9902"), monkeypatch)
    names = {code: figure["name"] for code, figure in _figures(renamed_db, HOLMEN).items()}
    school = at.metric[: len(KEY_FIGURES)]
    assert [m.label for m in school] == [names[c] for c in KEY_FIGURES]
    assert [m.value for m in school] == [NO_VALUE] * len(KEY_FIGURES)
    assert not [m.label for m in at.metric if m.label in KEY_FIGURES]


def test_a_value_udir_never_published_reads_as_no_data_and_a_screened_one_as_hidden_in_the_table(renamed_db,
                                                                                                   monkeypatch):
    """Bakken's «Støtte fra lærerne» is an empty cell in Udir's file: the report says «–» and the footnote «Ingen
    data», but the table said «skjult», as if a small group were being protected. Haugen's «*» stays «skjult»."""
    at = _oversikt(renamed_db, _owner(), monkeypatch)
    rows = _school_rows(at)
    names = {r[0]: r[1] for r in query(renamed_db, "SELECT orgnr, navn FROM mart.skoler")}
    assert rows[names[BAKKEN]][_figures(renamed_db, BAKKEN)[NO_DATA[1]]["name"]] == NO_VALUE
    assert rows[names[HAUGEN]][_figures(renamed_db, HAUGEN)[SCREENED[1]]["name"]] == "skjult"
    assert any(f"**Ingen data**: {names[BAKKEN]} 2025-26" in c.value for c in at.caption)


@pytest.mark.parametrize(("orgnr", "code", "shown"), [(*NO_DATA, NO_VALUE), (*SCREENED, "skjult")])
def test_a_rektor_s_card_says_no_data_for_a_value_never_published_and_hidden_for_a_screened_one(
        renamed_db, monkeypatch, orgnr, code, shown):
    """The cards said «skjult» for every value missing, published or not."""
    at = _oversikt(renamed_db, _rektor(orgnr), monkeypatch)
    name = _figures(renamed_db, orgnr)[code]["name"]
    assert [m.value for m in at.metric if m.label == name][0] == shown


def test_the_school_table_s_export_names_the_year_holds_numbers_and_the_municipality_and_nation(
        renamed_db, monkeypatch):
    """A reviewer's Oversikt export held «7,2 % (−0,1 pp)» as text, said no school year, and left out the municipality
    and the nation the cards compare with: the sheet could not be summed, sorted or dated later."""
    import io

    from openpyxl import load_workbook

    from dashboard import export, ui

    kept: list[export.Table] = []
    monkeypatch.setattr(ui, "remember", lambda frame, title: kept.append(export.Table(title, frame)))
    _oversikt(renamed_db, _owner(), monkeypatch)
    [table] = [t for t in kept if t.title.startswith("Skolene i Fjellvik")]
    assert table.title == "Skolene i Fjellvik 2025-26", table.title
    rows = {r["Skole"]: r for r in table.frame.to_dicts()}
    assert {"Fjellvik kommune", "Landet"} <= set(rows), sorted(rows)

    bakken = _figures(renamed_db, BAKKEN)["EUIndeks_1398"]
    row = rows[query(renamed_db, "SELECT navn FROM core.skole WHERE orgnr = ?", [BAKKEN])[0][0]]
    name = bakken["name"]
    assert row[name] == _said(bakken[2025], bakken["maal"])
    assert row[f"{name}, endring"] == _change(bakken[2025], bakken[2024], bakken["maal"])
    # In Excel both are numbers that show the same text
    book = load_workbook(io.BytesIO(export.xlsx_bytes([table], [])))
    sheet = book.worksheets[-1]
    header = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    numbers = [r[header.index(name)].value for r in sheet.iter_rows(min_row=2)]
    changes = [r[header.index(f"{name}, endring")].value for r in sheet.iter_rows(min_row=2)]
    assert round(bakken[2025] / 100, 3) in [round(v, 3) for v in numbers if isinstance(v, float)], numbers
    assert any(isinstance(v, float) for v in changes), changes
    # Every change of every figure is a number; none reads as «uendret» where the page says so
    change_cells = [r[i] for r in sheet.iter_rows(min_row=2) for i, h in enumerate(header) if h.endswith(", endring")]
    assert all(c.value is None or isinstance(c.value, int | float) for c in change_cells), [c.value for c in change_cells]
    unchanged = [c for c in change_cells if c.value == 0]
    assert unchanged, "the demo has an unchanged figure"
    assert all(c.number_format.endswith(';"uendret"') for c in unchanged), [c.number_format for c in unchanged]


def test_every_municipality_s_sheet_ends_with_the_municipality_then_the_nation(renamed_db, monkeypatch):
    """Fjellvik's sheet ended «Fjellvik kommune», «Landet», Sjøbygd's «Landet», «Sjøbygd kommune» (sorted by name):
    a skolesjef could not lay the sheets side by side (review)."""
    from dashboard import export, ui

    kept: list[export.Table] = []
    monkeypatch.setattr(ui, "remember", lambda frame, title: kept.append(export.Table(title, frame)))
    _oversikt(renamed_db, _owner(), monkeypatch)
    sheets = {t.title: t.frame["Skole"].to_list() for t in kept if t.title.startswith("Skolene i ")}
    assert {"Skolene i Fjellvik 2025-26", "Skolene i Sjøbygd 2025-26"} <= set(sheets), sorted(sheets)
    for title, units in sheets.items():
        kommune = title.removeprefix("Skolene i ").rsplit(" ", 1)[0]
        assert units[-2:] == [f"{kommune} kommune", "Landet"], (title, units)
