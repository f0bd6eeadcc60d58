"""The programme-status template as the page «Programmer og plan» delivers it loads back once a school has filled in
the rows for the programmes it runs: the rows left as they came are skipped, not refused."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from dashboard.ui import TEMPLATE_SCHOOL, _template_file
from pipelines.ingest import ingest_file
from pipelines.templates import programstatus as template
from tests.conftest import query
from tests.test_programmer import SJOBYGD, _status

FJELLVIK = "9901"


def _dashboard_template(db: Path, monkeypatch, kommunenr: str = FJELLVIK) -> bytes:
    """The Excel template as the page builds it: the register's schools (`queries.skoler`) and the plan's
    programmes (`queries.plan_programmer`, `ui.template_programmes`)."""
    import streamlit as st

    from dashboard import queries
    from dashboard.ui import template_programmes
    from dashboard.viewer import Viewer

    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    st.cache_data.clear()
    owner = Viewer(role="skoleeier", kommuner=frozenset({kommunenr}), brukernavn="skolesjef")
    schools = tuple(queries.skoler(owner, kommunenr=kommunenr).select(*TEMPLATE_SCHOOL).iter_rows())
    (plan_id,) = query(db, "SELECT plan_id FROM mart.planer WHERE kommunenr = ? AND gjeldende", [kommunenr])[0]
    programmes = template_programmes(queries.plan_programmer(owner, kommunenr=kommunenr, plan_id=plan_id))
    return _template_file("programstatus", "xlsx", schools, "2026-11", programmes)


def _fill(raw: bytes, answers: dict[tuple[str, str], dict[str, object]], path: Path) -> tuple[int, str]:
    """Fill in the rows of (orgnr, program) in `answers` and save the workbook; the number of template rows and their
    school year."""
    book = load_workbook(io.BytesIO(raw))
    ws = book[template.DATA_SHEET]
    col = {c.value: c.column for c in ws[1]}
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, col["orgnr"]).value]
    for r in rows:
        for header, value in answers.get((ws.cell(r, col["orgnr"]).value, ws.cell(r, col["program"]).value), {}).items():
            ws.cell(r, col[header]).value = value
    book.save(path)
    return len(rows), ws.cell(rows[0], col["skoleaar"]).value


def _loaded(db: Path, batch_id: str) -> set[tuple]:
    return set(query(db, "SELECT orgnr, program, skoleaar, status, koordinator FROM core.programstatus "
                         "WHERE batch_id = ?", [batch_id]))


def test_the_template_as_the_page_delivers_it_loads_with_the_rows_left_blank_skipped(demo_db, tmp_path, monkeypatch):
    """A school that filled in the programmes it runs and left the others as the template gave them had the whole
    file refused: «Ukjent status … (8 rader i alt)»."""
    ungdom, barne, nordli = (query(demo_db, "SELECT orgnr FROM mart.skoler WHERE navn = ?", [n])[0][0]
                             for n in ("Fjellvik ungdomsskole", "Fjellvik barneskole", "Nordli skole"))
    answers = {
        (ungdom, "mot"): {"status": "drift", "koordinator": "ja", "okter_holdt": 6},
        (barne, "zippys_venner"): {"status": "I drift", "koordinator": "nei", "andel_ansatte_kurset": 90},
        # reported for the school year before: the template's year can be changed
        (nordli, "mitt_valg"): {"status": "innforing", "skoleaar": "2025-26"},
    }
    path = tmp_path / "programstatus_9901.xlsx"
    raw = _dashboard_template(demo_db, monkeypatch)
    ws = load_workbook(io.BytesIO(raw))[template.DATA_SHEET]
    col = {c.value: c.column - 1 for c in ws[1]}
    listed = {(r[col["orgnr"]], r[col["program"]]) for r in ws.iter_rows(min_row=2, values_only=True) if r[col["orgnr"]]}
    # the page gives a school only the programmes of its trinn: MOT (8.–10.) at the ungdomsskole, not Zippy (1.–4.)
    assert (ungdom, "mot") in listed and (ungdom, "zippys_venner") not in listed and (barne, "mot") not in listed
    n_rows, year = _fill(raw, answers, path)

    out = ingest_file(path, demo_db)

    assert out.result == "lastet", out.message
    assert out.rows_loaded == 3 and out.rows_skipped == n_rows - 3
    assert f"Hoppet over: {n_rows - 3} tomme rader" in out.message, out.message
    assert _loaded(demo_db, out.batch_id) == {
        (ungdom, "mot", year, "drift", True),
        (barne, "zippys_venner", year, "drift", False),
        (nordli, "mitt_valg", "2025-26", "innforing", None),
    }
    assert query(demo_db, "SELECT count(*) FROM core.programstatus WHERE skoleaar = ?", [year]) == [(2,)]


def test_a_row_without_status_but_with_answers_says_the_status_is_missing_and_a_typo_is_unknown(demo_db, tmp_path):
    """Blank status on a row the school did fill in is «Status mangler», not «Ukjent status»; a typo stays unknown;
    both point to the guide."""
    blank = {"skoleaar": "2025-26", "orgnr": SJOBYGD.orgnr, "skole": SJOBYGD.navn, "program": "olweus",
             "status": "", "koordinator": "ja"}
    out = ingest_file(_status(tmp_path, [blank], "mangler.csv"), demo_db)
    assert out.result == "avvist"
    assert "Status mangler" in out.message and "Ukjent status" not in out.message, out.message
    assert "«Hjelp» → «Mal for programstatus»" in out.message, out.message

    typo = {**blank, "status": "i drfit"}
    out = ingest_file(_status(tmp_path, [typo], "skrivefeil.csv"), demo_db)
    assert out.result == "avvist"
    assert "Ukjent status; bruk «Ikke startet», «Innføring», «I drift» eller «Avsluttet»" in out.message, out.message
    assert "«Hjelp» → «Mal for programstatus»" in out.message, out.message


def test_the_template_gives_a_school_only_the_programmes_for_its_trinn(demo_db, tmp_path):
    """Given the register's trinn and the plan's, a 1–7 school got a row for «mot» (8.–10.), and a 8–10 school rows for
    «zippys_venner» (1.–4.) and «mitt_valg» (5.–7.); a programme for the schools the plan names, a row at every
    school."""
    for kommunenr in (FJELLVIK, SJOBYGD.kommunenr):
        schools = pl.DataFrame(
            query(demo_db, "SELECT orgnr, navn, nedlagt, opprettet, trinn_fra, trinn_til FROM mart.skoler "
                           "WHERE kommunenr = ?", [kommunenr]),
            schema={**TEMPLATE_SCHOOL, "trinn_fra": pl.Int32, "trinn_til": pl.Int32}, orient="row")
        programmes = query(demo_db, "SELECT program, trinn_fra, trinn_til, skoler FROM mart.plan_programmer "
                                    "WHERE kommunenr = ? ORDER BY nr", [kommunenr])
        ws = load_workbook(io.BytesIO(template.xlsx_bytes(schools, programmes)))[template.DATA_SHEET]
        col = {c.value: c.column - 1 for c in ws[1]}
        listed = {(r[col["orgnr"]], r[col["program"]]) for r in ws.iter_rows(min_row=2, values_only=True)
                  if r[col["orgnr"]]}
        expected = {(orgnr, code) for orgnr, *_, s_fra, s_til in schools.iter_rows()
                    for code, fra, til, named in programmes
                    if s_fra <= til and fra <= s_til and (named is None or orgnr in named)}
        assert listed == expected
        assert len(listed) < schools.height * len(programmes)  # the plan's trinn leave rows out
