"""Case counts under opplæringslova kap. 12: template, reader, quality rules and demo, as a rektor and skoleeier meet them."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from pipelines import demo_saker
from pipelines.cli import main as cli
from pipelines.demo import SCHOOLS
from pipelines.ingest import ingest_file, preview_file
from pipelines.parsing import read_xlsx
from pipelines.templates import saker as template
from tests.conftest import query, table_digest

SAKER_TABLES = ["core.saker"]
BY_NAME = {s.navn: s for s in SCHOOLS}
NORDLI = BY_NAME["Nordli skole"]
FJELLVIK = [s for s in SCHOOLS if s.kommunenr == "9901"]
SJOBYGD = [s for s in SCHOOLS if s.kommunenr == "9902"]


def _schools(schools: list) -> pl.DataFrame:
    return pl.DataFrame(
        {"orgnr": [s.orgnr for s in schools], "navn": [s.navn for s in schools], "kommunenr": [s.kommunenr for s in schools]}
    )


def _row(school, maaned: str, sakstype: str = "aktivitetsplan", *, trinn="", utfall="", nye=0, avsluttet=0, apne=0,
         over_frist=0) -> dict[str, object]:
    return {
        "orgnr": school.orgnr, "skole": school.navn, "maaned": maaned, "trinn": trinn, "sakstype": sakstype,
        "utfall": utfall, "nye": nye, "avsluttet": avsluttet, "apne_ved_maanedsslutt": apne,
        "evaluering_over_frist": over_frist,
    }


def _month(schools: list, maaned: str) -> list[dict[str, object]]:
    """A complete, all-zero report for `schools` in one month."""
    return [_row(s, maaned, code, utfall="under_behandling" if code == "statsforvalter" else "")
            for s in schools for code in template.SAKSTYPER]


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_bytes(("\ufeff" + template.csv_text(rows)).encode("utf-8"))
    return path


def _rows(db: Path) -> int:
    return query(db, "SELECT count(*) FROM mart.saker")[0][0]


def _log(db: Path, filename: str) -> list[str]:
    return [r[0] for r in query(db, "SELECT resultat FROM mart.ingest_log WHERE filnavn = ? ORDER BY ferdig", [filename])]


def test_demo_files_load_completely_without_warnings(register_db, tmp_path):
    files = demo_saker.write(tmp_path / "saker", SCHOOLS)
    assert [f.suffix for f in files] == [".xlsx", ".csv"]
    expected = read_xlsx(files[0].read_bytes()).height + len(files[1].read_text("utf-8-sig").splitlines()) - 1
    for f in files:
        assert cli(["--db", str(register_db), "ingest", str(f)]) == 0
    assert _rows(register_db) == expected
    assert query(register_db, "SELECT sum(advarsler) FROM core.ingest_log WHERE kilde = 'saker'")[0][0] == 0
    months = query(register_db, "SELECT count(DISTINCT periode), min(periode), max(periode) FROM mart.saker")[0]
    assert months[0] >= 12 and str(months[1]) == "2024-08-01" and str(months[2]) == "2026-10-01"
    # Every school, every month; the ungdomsskole per trinn 8–10 and never all trinn together.
    per_school = query(register_db, "SELECT orgnr, count(DISTINCT periode) FROM mart.saker GROUP BY 1")
    assert len(per_school) == len(SCHOOLS) and {n for _, n in per_school} == {months[0]}
    ungdom = BY_NAME["Fjellvik ungdomsskole"].orgnr
    trinn = {r[0] for r in query(register_db, "SELECT DISTINCT trinn FROM mart.saker WHERE orgnr = ?", [ungdom])}
    assert trinn == {8, 9, 10}
    assert query(register_db, "SELECT count(*) FROM mart.saker WHERE trinn IS NOT NULL AND orgnr <> ?", [ungdom])[0][0] == 0
    # Statsforvalteren cases with outcomes in both municipalities, and § 12-5 cases.
    sf = query(register_db, "SELECT DISTINCT kommunenr FROM mart.saker WHERE sakstype = 'statsforvalter' AND avsluttet > 0 "
                            "AND utfall NOT IN ('under_behandling')")
    assert {r[0] for r in sf} == {"9901", "9902"}
    assert query(register_db, "SELECT sum(nye) FROM mart.saker WHERE sakstype = 'skjerpet_aktivitetsplikt'")[0][0] >= 3


def test_demo_is_believable_and_deterministic(tmp_path):
    first = demo_saker.write(tmp_path / "a", SCHOOLS)
    second = demo_saker.write(tmp_path / "b", SCHOOLS)
    assert [f.read_bytes() for f in first] == [f.read_bytes() for f in second]
    frame = pl.concat([
        read_xlsx(first[0].read_bytes()),
        pl.read_csv(first[1], separator=";", infer_schema=False, encoding="utf8-lossy"),
    ], how="vertical_relaxed").rename({template.SHOWN[h]: h for h in template.HEADERS}).with_columns(
        pl.col("maaned").str.slice(5, 2).cast(pl.Int32).alias("mnd"),
        pl.col("nye", "apne_ved_maanedsslutt", "evaluering_over_frist").cast(pl.Int32),
    )
    plans = frame.filter(pl.col("sakstype") == "aktivitetsplan")
    by_month = dict(plans.group_by("mnd").agg(pl.col("nye").sum()).iter_rows())
    assert by_month[7] <= 3  # nearly nothing in July
    assert by_month[10] > by_month[1] and by_month[9] > by_month[6] and by_month[3] > by_month[2]
    by_school = dict(plans.group_by("skole").agg(pl.col("nye").sum()).iter_rows())
    assert by_school["Fjellvik barneskole"] > by_school["Haugen skole"]  # 428 pupils against 44
    nordli = plans.filter(pl.col("skole") == "Nordli skole").sort("maaned")
    assert nordli["apne_ved_maanedsslutt"][-1] > 2 * max(1, nordli["apne_ved_maanedsslutt"][:6].max())
    assert nordli["evaluering_over_frist"][-3:].sum() > plans.filter(pl.col("skole") != "Nordli skole").filter(
        pl.col("maaned") >= "2026-08")["evaluering_over_frist"].sum()


def test_xlsx_template_round_trip(register_db, tmp_path):
    raw = template.xlsx_bytes(_schools(FJELLVIK))
    book = load_workbook(io.BytesIO(raw))
    assert book.sheetnames[0] == "Saker" and {"Veiledning", "Koder"} <= set(book.sheetnames)
    ws = book["Saker"]
    # Headed as a rektor reads them («Åpne ved månedsslutt», not «apne_ved_maanedsslutt»)
    assert [c.value for c in ws[1]] == [template.SHOWN[h] for h in template.HEADERS]
    assert len(ws.data_validations.dataValidation) >= 7  # sakstype, utfall, trinn and four counts
    guide = " ".join(str(c.value) for c in book["Veiledning"]["A"] if c.value)
    assert "skriv 0" in guide and "§ 12-4" in guide and "9 A" in guide
    assert ws.max_row == 1 + len(FJELLVIK) * len(template.SAKSTYPER)
    # A rektor fills in two numbers and leaves the rest at 0.
    field = {template.SHOWN[h]: h for h in template.HEADERS}
    header = {field[c.value]: c.column for c in ws[1]}
    plan = template.SAKSTYPER["aktivitetsplan"]  # by its label, as the drop-down list gives it
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, header["orgnr"]).value == NORDLI.orgnr and ws.cell(r, header["sakstype"]).value == plan:
            ws.cell(r, header["nye"]).value = 3
            ws.cell(r, header["apne_ved_maanedsslutt"]).value = 5
            ws.cell(r, header["evaluering_over_frist"]).value = 1
    month = ws.cell(2, header["maaned"]).value
    path = tmp_path / "saker_fjellvik.xlsx"
    book.save(path)
    assert cli(["--db", str(register_db), "ingest", str(path)]) == 0
    assert _rows(register_db) == len(FJELLVIK) * len(template.SAKSTYPER)
    got = query(register_db, "SELECT nye, apne_ved_slutt, evaluering_over_frist, strftime(periode, '%Y-%m'), trinn "
                             "FROM mart.saker WHERE orgnr = ? AND sakstype = 'aktivitetsplan'", [NORDLI.orgnr])
    assert got == [(3, 5, 1, month, None)]


def test_the_template_s_lists_offer_labels_and_each_school_s_own_trinn(register_db, tmp_path):
    """The drop-down lists held codes only, so Excel refused «Aktivitetsplan (§ 12-4)» typed as the guide allowed;
    and a 1.–7. school was offered trinn 1–13, which the file was then refused for."""
    schools = _schools(FJELLVIK).with_columns(
        pl.Series("trinn_fra", [s.trinn_fra for s in FJELLVIK]), pl.Series("trinn_til", [s.trinn_til for s in FJELLVIK]))
    book = load_workbook(io.BytesIO(template.xlsx_bytes(schools)))
    ws, codes = book["Saker"], book["Koder"]
    column = {template.SHOWN[h]: h for h in template.HEADERS}
    letter = {column[c.value]: c.column_letter for c in ws[1]}

    def rule_for(cell: str):
        return next(dv for dv in ws.data_validations.dataValidation if cell in dv.sqref)

    listed = rule_for(f"{letter['sakstype']}2").formula1.split("!")[1].replace("$", "")
    offered = {c.value for row in codes[listed] for c in row}
    assert offered == set(template.SAKSTYPER.values())
    assert {ws[f"{letter['sakstype']}{r}"].value for r in range(2, ws.max_row + 1)} == offered  # pre-filled as listed
    for school in FJELLVIK:
        r = next(r for r in range(2, ws.max_row + 1) if ws[f"{letter['orgnr']}{r}"].value == school.orgnr)
        own = ",".join(str(t) for t in range(school.trinn_fra, school.trinn_til + 1))
        assert rule_for(f"{letter['trinn']}{r}").formula1 == f'"{own}"', school.navn
    # A row added below, for any school: every trinn
    assert rule_for(f"{letter['trinn']}{ws.max_row + 5}").formula1 == '"' + ",".join(map(str, range(1, 14))) + '"'
    # The columns are wide enough for the headings and the longest label the lists give
    assert ws.column_dimensions[letter["sakstype"]].width >= max(map(len, template.SAKSTYPER.values()))
    assert all(ws.column_dimensions[letter[h]].width >= len(template.SHOWN[h]) for h in template.HEADERS)
    # A rektor's template (one school): the rows below offer the school's own trinn too
    strand = schools.filter(pl.col("trinn_til") == 7).head(1)
    own = load_workbook(io.BytesIO(template.xlsx_bytes(strand)))["Saker"]
    below = next(dv for dv in own.data_validations.dataValidation if f"{letter['trinn']}{own.max_row + 5}" in dv.sqref)
    assert below.formula1 == '"' + ",".join(map(str, range(strand["trinn_fra"][0], 8))) + '"'
    # The labels the lists give are read back as the codes
    path = tmp_path / "saker_etiketter.xlsx"
    book.save(path)
    assert ingest_file(path, register_db).result == "lastet"
    assert {t for (t,) in query(register_db, "SELECT DISTINCT sakstype FROM mart.saker")} == set(template.SAKSTYPER)


def test_a_row_emptied_in_excel_is_skipped_and_the_rows_below_keep_excel_s_numbering(register_db, tmp_path):
    """A rektor clears a row's cells (not the row) in the template: the file loads without it, and an error further
    down names the row as Excel numbers it, not one row too high."""
    book = load_workbook(io.BytesIO(template.xlsx_bytes(_schools(FJELLVIK))))
    ws = book["Saker"]
    header = {c.value: c.column for c in ws[1]}
    for cell in ws[3]:  # Excel row 3: data row 2
        cell.value = None
    rows = ws.max_row - 1
    path = tmp_path / "saker_tom_rad.xlsx"
    book.save(path)
    outcome = ingest_file(path, register_db)
    assert outcome.result == "lastet", outcome.message
    assert outcome.rows_in == rows and outcome.rows_loaded == rows - 1
    assert "Hoppet over: 1 tom rad" in outcome.message

    ws.cell(6, header["Måned"]).value = "ukjent"  # Excel row 6
    path = tmp_path / "saker_tom_rad_feil.xlsx"
    book.save(path)
    refused = ingest_file(path, register_db)
    assert refused.result == "avvist"
    assert "(rad 6, kolonne «Måned»)" in refused.message, refused.message


def test_a_note_typed_in_an_unheaded_excel_column_is_refused_not_dropped(register_db, tmp_path):
    """Text to the right of the template's columns, with no heading, used to be cut off unread (and the file kept)."""
    from pipelines.ingest import archive_path

    book = load_workbook(io.BytesIO(template.xlsx_bytes(_schools(FJELLVIK))))
    ws = book["Saker"]
    ws.cell(3, ws.max_column + 3).value = "Ola var lei seg i friminuttet"
    path = tmp_path / "saker_notat.xlsx"
    book.save(path)
    outcome = ingest_file(path, register_db)
    assert outcome.result == "avvist" and "ikke hører til" in outcome.message, outcome.message
    assert not archive_path(hashlib.sha256(path.read_bytes()).hexdigest(), register_db, ".xlsx").exists()


def test_a_fodselsnummer_on_another_sheet_of_the_workbook_is_refused_and_not_kept(register_db, tmp_path):
    """Only the data sheet is read, but the whole file is archived: the other sheets are searched too."""
    from pipelines.ingest import archive_path
    from tests.test_sources import make_fodselsnummer

    book = load_workbook(io.BytesIO(template.xlsx_bytes(_schools(FJELLVIK))))
    other = next(ws for ws in book.worksheets if ws.title != "Saker")
    other.cell(other.max_row + 2, 2).value = f"Husk: elev {make_fodselsnummer()}"
    path = tmp_path / "saker_notat_koder.xlsx"
    book.save(path)
    outcome = ingest_file(path, register_db)
    assert outcome.result == "avvist" and f"Arket «{other.title}»" in outcome.message, outcome.message
    assert "fødselsnummer" in outcome.message
    assert not archive_path(hashlib.sha256(path.read_bytes()).hexdigest(), register_db, ".xlsx").exists()


def test_csv_template_loads(register_db, tmp_path):
    raw = template.csv_bytes(_schools(SCHOOLS))
    assert raw.startswith(b"\xef\xbb\xbf") and raw.decode("utf-8-sig").splitlines()[0] == ";".join(
        template.SHOWN[h] for h in template.HEADERS)
    path = tmp_path / "saker_mal.csv"
    path.write_bytes(raw)
    outcome = ingest_file(path, register_db)
    assert outcome.result == "lastet", outcome.message
    assert outcome.warnings == []
    assert _rows(register_db) == len(SCHOOLS) * len(template.SAKSTYPER)


def test_labels_and_other_month_spellings_are_accepted(register_db, tmp_path):
    rows = _month(SJOBYGD, "sep 2025")
    for i, row in enumerate(rows):
        row["sakstype"] = template.SAKSTYPER[str(row["sakstype"])]  # the label instead of the code
        row["maaned"] = ["sep 2025", "09.2025", "2025-09-01", "september 2025"][i % 4]
    rows[3]["utfall"] = "Under behandling"
    rows[0]["sakstype"] = "Aktivitetsplan (§ 9 A-4)"  # the old paragraph, as the guide names it beside the new
    outcome = ingest_file(_csv(tmp_path / "etiketter.csv", rows), register_db)
    assert outcome.result == "lastet", outcome.message
    types = {r[0] for r in query(register_db, "SELECT DISTINCT sakstype FROM mart.saker")}
    assert types == set(template.SAKSTYPER)
    assert query(register_db, "SELECT DISTINCT strftime(periode, '%Y-%m-%d') FROM mart.saker") == [("2025-09-01",)]


def test_every_case_type_as_the_template_guide_writes_it_is_accepted(register_db, tmp_path):
    """docs/mal-saker.md says Sakstype may be the text from its list; «Aktivitetsplan (§ 12-4, tidl. § 9 A-4)», as
    the list writes it, was refused as «Ukjent sakstype»."""
    import re

    guide = (Path(__file__).resolve().parent.parent / "docs" / "mal-saker.md").read_text(encoding="utf-8")
    section = guide.split("## Sakstyper", 1)[1].split("\n## ", 1)[0]
    written = {code: text.split("):")[0] + (")" if "):" in text else "")
               for code, text in re.findall(r"^\| `(\w+)` \| (.+?) \|$", section, flags=re.M)}
    assert set(written) == set(template.SAKSTYPER)
    rows = _month(SJOBYGD, "2025-09")
    for row in rows:
        row["sakstype"] = written[str(row["sakstype"])]
    outcome = ingest_file(_csv(tmp_path / "som_i_veiledningen.csv", rows), register_db)
    assert outcome.result == "lastet", outcome.message
    assert {r[0] for r in query(register_db, "SELECT DISTINCT sakstype FROM mart.saker")} == set(template.SAKSTYPER)


def test_headers_written_out_in_norwegian_are_accepted(register_db, tmp_path):
    """The guide's own wording, «Åpne ved månedsslutt», was refused as a missing column (å became «aa» in one word
    and «a» in the template's name)."""
    rows = _month(SJOBYGD, "2025-09")
    rows[0]["apne_ved_maanedsslutt"] = 3
    text = template.csv_text(rows).split("\n", 1)
    headed = ("Orgnr;Skole;Måned;Trinn;Sakstype;Utfall;Nye;Avsluttet;Åpne ved månedsslutt;Evaluering over frist\n"
              + text[1])
    (tmp_path / "norsk.csv").write_text(headed, encoding="cp1252")
    assert text[0].count(";") == headed.split("\n", 1)[0].count(";")  # the same columns, only headed differently
    outcome = ingest_file(tmp_path / "norsk.csv", register_db)
    assert outcome.result == "lastet", outcome.message
    assert query(register_db, "SELECT max(apne_ved_slutt) FROM mart.saker")[0][0] == 3


def test_negative_count_is_refused_and_nothing_changes(register_db, tmp_path):
    rows = _month(SJOBYGD, "2025-09")
    rows[4]["avsluttet"] = -2  # Excel row 6: the header is row 1
    before = table_digest(register_db, SAKER_TABLES)
    path = _csv(tmp_path / "negativ.csv", rows)
    assert cli(["--db", str(register_db), "ingest", str(path)]) == 1
    assert table_digest(register_db, SAKER_TABLES) == before
    assert _log(register_db, "negativ.csv") == ["avvist"]
    message = query(register_db, "SELECT melding FROM mart.ingest_log WHERE filnavn = 'negativ.csv'")[0][0]
    assert "negativt" in message and "«Avsluttede saker»" in message and "Rader: 6" in message


def test_a_finding_names_the_column_as_the_template_heads_it(register_db, tmp_path):
    """The user looks for the column in the template: «Åpne ved månedsslutt», not the warehouse's «apne_ved_slutt»."""
    rows = _month(SJOBYGD, "2025-09")
    rows[2]["apne_ved_maanedsslutt"] = -1
    path = _csv(tmp_path / "negativ_apne.csv", rows)
    assert cli(["--db", str(register_db), "ingest", str(path)]) == 1
    message = query(register_db, "SELECT melding FROM mart.ingest_log WHERE filnavn = 'negativ_apne.csv'")[0][0]
    assert "Kolonne «Åpne ved månedsslutt». Rader: 4" in message, message


def test_text_in_a_count_names_row_and_column(register_db, tmp_path):
    rows = _month(SJOBYGD, "2025-09")
    rows[2]["nye"] = "mange"
    outcome = ingest_file(_csv(tmp_path / "tekst.csv", rows), register_db)
    assert outcome.result == "avvist"
    assert "rad 4" in outcome.message and "kolonne «Nye saker»" in outcome.message  # Excel's row
    rows[2]["nye"] = ""
    outcome = ingest_file(_csv(tmp_path / "tom.csv", rows), register_db)
    assert outcome.result == "avvist" and "skriv 0" in outcome.message and "rad 4" in outcome.message


def test_inconsistent_open_cases_load_with_a_warning_naming_the_school(register_db, tmp_path):
    rows = _month(SJOBYGD, "2025-09") + _month(SJOBYGD, "2025-10")
    vika = BY_NAME["Vika skule"]
    for row in rows:
        if row["orgnr"] == vika.orgnr and row["sakstype"] == "aktivitetsplan":
            if row["maaned"] == "2025-09":
                row.update(nye=4, apne_ved_maanedsslutt=4)
            else:
                row.update(nye=2, avsluttet=1, apne_ved_maanedsslutt=9)  # 4 + 2 − 1 = 5, not 9
    outcome = ingest_file(_csv(tmp_path / "avvik.csv", rows), register_db)
    assert outcome.result == "lastet", outcome.message
    drift = [w for w in outcome.warnings if "forrige måned" in w]
    assert len(drift) == 1 and "Vika skule" in drift[0] and "okt 2025" in drift[0]
    assert _rows(register_db) == len(rows)


def test_open_cases_are_followed_from_december_into_january_but_not_across_a_missing_month(register_db, tmp_path):
    vika = BY_NAME["Vika skule"]
    rows = _month(SJOBYGD, "2024-10") + _month(SJOBYGD, "2024-12") + _month(SJOBYGD, "2025-01")
    for row in rows:
        if row["orgnr"] == vika.orgnr and row["sakstype"] == "aktivitetsplan":
            opened = {"2024-10": 7, "2024-12": 2, "2025-01": 5}[str(row["maaned"])]  # Jan: 2 + 0 − 0 = 2, not 5
            row.update(nye=opened if row["maaned"] != "2025-01" else 0, apne_ved_maanedsslutt=opened)
    outcome = ingest_file(_csv(tmp_path / "nyttaar.csv", rows), register_db)
    assert outcome.result == "lastet", outcome.message
    drift = [w for w in outcome.warnings if "forrige måned" in w]
    assert len(drift) == 1 and "jan 2025" in drift[0] and "2 + 0 − 0 = 2, ikke 5" in drift[0]
    assert "des 2024" not in drift[0]  # October to December skips a month: nothing to compare


def test_a_row_for_all_trinn_beside_rows_per_trinn_is_a_warning(register_db, tmp_path):
    rows = _month(SJOBYGD, "2025-09")
    vika = BY_NAME["Vika skule"]
    rows.append(_row(vika, "2025-09", "aktivitetsplan", trinn=5, nye=1, apne=1))
    outcome = ingest_file(_csv(tmp_path / "blandet.csv", rows), register_db)
    assert outcome.result == "lastet", outcome.message
    assert any("telles da to ganger" in w for w in outcome.warnings), outcome.warnings


def test_consistent_open_cases_give_no_warning(register_db, tmp_path):
    rows = _month(SJOBYGD, "2025-09") + _month(SJOBYGD, "2025-10")
    for row in rows:
        if row["orgnr"] == NORDLI.orgnr or row["sakstype"] != "aktivitetsplan":
            continue
        row.update(nye=3, apne_ved_maanedsslutt=3) if row["maaned"] == "2025-09" else row.update(
            nye=1, avsluttet=2, apne_ved_maanedsslutt=2)
    outcome = ingest_file(_csv(tmp_path / "ok.csv", rows), register_db)
    assert outcome.result == "lastet" and outcome.warnings == []


def test_a_missing_school_month_is_a_warning(register_db, tmp_path):
    holmen = BY_NAME["Holmen skule"]
    rows = _month(SJOBYGD, "2025-09") + [r for r in _month(SJOBYGD, "2025-10") if r["orgnr"] != holmen.orgnr]
    outcome = ingest_file(_csv(tmp_path / "mangler.csv", rows), register_db)
    assert outcome.result == "lastet"
    missing = [w for w in outcome.warnings if "mangler rapport" in w]
    assert len(missing) == 1 and "Holmen skule (okt 2025)" in missing[0]
    assert "Vika skule" not in missing[0]
    assert "mellom sep 2025 og okt 2025" in missing[0]


def test_a_one_month_file_missing_a_school_names_the_month_once(register_db, tmp_path):
    holmen = BY_NAME["Holmen skule"]
    rows = [r for r in _month(SJOBYGD, "2025-09") if r["orgnr"] != holmen.orgnr]
    outcome = ingest_file(_csv(tmp_path / "en_maaned.csv", rows), register_db)
    missing = [w for w in outcome.warnings if "mangler rapport" in w]
    assert len(missing) == 1 and "1 skole-måned i sep 2025, og lageret har den heller ikke:" in missing[0] and "mellom" not in missing[0]
    assert "Kommer den i en annen fil" in missing[0]  # one not loaded yet: the page says what the warehouse lacks


def test_a_correction_for_some_schools_does_not_call_the_months_the_warehouse_holds_missing(register_db, tmp_path):
    """A file re-sending October for two schools warned that a third school «missing» October, though its October
    was loaded before and stays (the file replaces only its own schools' months). A school-month that neither the
    file nor the warehouse has is still named."""
    holmen, vika, strand = BY_NAME["Holmen skule"], BY_NAME["Vika skule"], BY_NAME["Strand barneskule"]
    first = _month(SJOBYGD, "2025-09") + [r for r in _month(SJOBYGD, "2025-10") if r["orgnr"] != holmen.orgnr]
    assert ingest_file(_csv(tmp_path / "sep_okt.csv", first), register_db).result == "lastet"
    strand_october = "SELECT count(*) FROM core.saker WHERE orgnr = ? AND periode = DATE '2025-10-01'"
    kept = query(register_db, strand_october, [strand.orgnr])[0][0]
    correction = [_row(vika, "2025-10", trinn=5, nye=1, apne=1), _row(vika, "2025-10", trinn=6),
                  _row(BY_NAME["Sjøbygd skule"], "2025-10", "ppt_henvisning", nye=1, apne=1)]
    outcome = ingest_file(_csv(tmp_path / "rettelse.csv", correction), register_db)
    assert outcome.result == "lastet", outcome.message
    assert query(register_db, strand_october, [strand.orgnr])[0][0] == kept > 0  # the load leaves it in place
    missing = [w for w in outcome.warnings if "mangler rapport" in w]
    assert len(missing) == 1 and "1 skole-måned i okt 2025" in missing[0], missing
    assert "Holmen skule (okt 2025)" in missing[0] and "Strand barneskule" not in missing[0], missing


def test_a_school_named_without_orgnr_is_found_in_the_register(register_db, tmp_path):
    """A rektor who writes only the school's name (any case, stray spaces) gets the register's orgnr."""
    rows = _month(SJOBYGD, "2025-09")
    for i, row in enumerate(rows):
        if i % 2 == 0:
            row["orgnr"] = ""
            row["skole"] = f"  {str(row['skole']).upper()} " if i % 4 == 0 else row["skole"]
    outcome = ingest_file(_csv(tmp_path / "navn.csv", rows), register_db)
    assert outcome.result == "lastet", outcome.message
    loaded = query(register_db, "SELECT orgnr, count(*) FROM mart.saker GROUP BY orgnr ORDER BY orgnr")
    assert loaded == sorted((s.orgnr, len(template.SAKSTYPER)) for s in SJOBYGD)


def test_a_row_with_neither_orgnr_nor_a_known_name_is_refused_at_its_row(register_db, tmp_path):
    rows = _month(SJOBYGD, "2025-09")
    rows[6]["orgnr"] = ""
    rows[6]["skole"] = "Skolen som ikke finnes"
    outcome = ingest_file(_csv(tmp_path / "uten.csv", rows), register_db)
    assert outcome.result == "avvist"
    assert "Organisasjonsnummeret mangler" in outcome.message and "rad 8" in outcome.message
    assert _rows(register_db) == 0


def test_unknown_school_is_refused(register_db, tmp_path):
    rows = _month(SJOBYGD, "2025-09")
    rows[0]["orgnr"] = "999999999"
    rows[0]["skole"] = "Ukjent skole"
    outcome = ingest_file(_csv(tmp_path / "ukjent.csv", rows), register_db)
    assert outcome.result == "avvist" and "skoleregisteret" in outcome.message and "999999999" in outcome.message
    assert _rows(register_db) == 0


def test_a_month_ahead_is_refused_by_name_and_the_month_under_way_loads_with_a_warning(register_db, tmp_path):
    """December 2026 was accepted on 4 December as a finished month, its «open at the month's end» not yet known;
    a month ahead was refused with «Eksempler: 203101»."""
    import datetime as dt

    from pipelines.sources.base import MONTH_NAMES

    def month_label_text(d: dt.date) -> str:
        return f"{MONTH_NAMES[d.month - 1]} {d.year}"

    vika = BY_NAME["Vika skule"]
    today = dt.date.today()
    ahead = dt.date(today.year + 1, today.month, 1)
    refused = ingest_file(_csv(tmp_path / "fram.csv", [_row(vika, f"{ahead:%Y-%m}")]), register_db)
    assert refused.result == "avvist" and f"Eksempler: {month_label_text(ahead)}" in refused.message, refused.message
    now = ingest_file(_csv(tmp_path / "naa.csv", [_row(vika, f"{today:%Y-%m}", nye=1, apne=1)]), register_db)
    assert now.result == "lastet", now.message
    (warning,) = [w for w in now.warnings if "ikke over ennå" in w]
    assert month_label_text(today) in warning and "Send måneden på nytt" in warning, warning
    # The other schools are not «missing» a month that is not yet due
    assert not any("mangler rapport" in w for w in now.warnings), now.warnings


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"trinn": 9}, "Eksempler: Strand barneskule: 9. trinn (skolen har 1.–7.)"),  # the school, and its 1–7
        ({"utfall": "brudd"}, "Utfall skal bare"),
        ({"sakstype": "mobbing"}, "Ukjent sakstype"),
        ({"maaned": "2031-01"}, "Måneden ligger fram i tid"),
        ({"maaned": "2012-05"}, "fra januar 2015"),
        ({"maaned": "høst"}, "Måneden må skrives"),
    ],
)
def test_rules_that_refuse_a_file(register_db, tmp_path, change, expected):
    rows = _month(SJOBYGD, "2025-09")
    strand = next(i for i, r in enumerate(rows) if r["skole"] == "Strand barneskule" and r["sakstype"] == "aktivitetsplan")
    rows[strand].update(change)
    outcome = ingest_file(_csv(tmp_path / "feil.csv", rows), register_db)
    assert outcome.result == "avvist"
    assert expected in outcome.message
    assert _rows(register_db) == 0


def test_free_text_in_a_code_column_is_refused_without_being_quoted_anywhere(register_db, tmp_path):
    """«Aktivitetsplan for Ola Nordmann 5B» as a sakstype: the refusal quoted it, and so it stood in the ingest log
    and the checks that every skoleeier of the municipality reads. The row is named; the text is not."""
    rows = _month(SJOBYGD, "2025-09")
    rows[4]["sakstype"] = "Aktivitetsplan for Ola Nordmann 5B"
    rows.insert(5, dict(rows[4]))  # the same row twice: the repeated key quoted it too
    rows[8]["utfall"] = "Ola klaget"
    outcome = ingest_file(_csv(tmp_path / "fritekst.csv", rows), register_db)
    assert outcome.result == "avvist", outcome.message
    assert "Ukjent sakstype" in outcome.message and "Rader: 6" in outcome.message, outcome.message
    stored = query(register_db, "SELECT melding FROM core.ingest_log") + query(
        register_db, "SELECT coalesce(melding, '') || coalesce(eksempler, '') FROM core.kvalitet")
    assert not [m for (m,) in stored if "ola" in (m or "").lower()], stored


def test_duplicate_rows_are_refused(register_db, tmp_path):
    rows = _month(SJOBYGD, "2025-09")
    rows.append(dict(rows[0]))
    outcome = ingest_file(_csv(tmp_path / "dobbel.csv", rows), register_db)
    assert outcome.result == "avvist" and "flere ganger" in outcome.message
    # Both rows are named as Excel numbers them (the header is row 1), by the columns a user knows (not the suite's
    # null-safe helper columns).
    last = len(rows) + 1
    assert f"Kolonnene «Skole, Måned, Trinn, Sakstype, Utfall». Rader: 2, {last}." in outcome.message
    assert "_key" not in outcome.message


def test_file_with_a_fodselsnummer_column_is_refused(register_db, tmp_path):
    rows = [{**r, "fodselsnummer": ""} for r in _month(SJOBYGD, "2025-09")]
    path = tmp_path / "person.csv"
    headers = [*template.HEADERS, "fodselsnummer"]
    lines = [";".join(headers)] + [";".join(str(r[h]) for h in headers) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = table_digest(register_db, SAKER_TABLES)
    outcome = ingest_file(path, register_db)
    assert outcome.result == "avvist" and "personopplysninger" in outcome.message
    assert table_digest(register_db, SAKER_TABLES) == before


def test_a_free_text_column_the_template_lacks_is_refused_and_the_file_is_not_kept(register_db, tmp_path):
    """Names or notes in a column the template does not have («elevens initialer», «kommentar») are refused, not
    dropped, and the file is not archived: the log says why, the bytes are gone."""
    from pipelines.ingest import archive_path

    rows = _month(SJOBYGD, "2025-09")
    headers = [*template.HEADERS, "kommentar", "tom"]

    def write(note: str) -> Path:
        cells = [[*(str(r[h]) for h in template.HEADERS), note if i == 2 else "", ""] for i, r in enumerate(rows)]
        path = tmp_path / "kommentar.csv"
        path.write_text("\n".join(";".join(c) for c in [headers, *cells]) + "\n", encoding="utf-8")
        return path

    path = write("Kari N. var lei seg")
    before = table_digest(register_db, SAKER_TABLES)
    outcome = ingest_file(path, register_db)
    assert outcome.result == "avvist" and "«kommentar»" in outcome.message and "«tom»" not in outcome.message
    assert "ikke hører til" in outcome.message and "tatt vare på" in outcome.message
    assert table_digest(register_db, SAKER_TABLES) == before
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert not archive_path(sha, register_db, ".csv").exists()
    assert query(register_db, "SELECT arkivfil, resultat FROM core.ingest_log WHERE filnavn = 'kommentar.csv'") == [
        (None, "avvist")]
    # The same file without the note loads: the empty extra column is no reason to refuse.
    assert ingest_file(write(""), register_db).result == "lastet"


def test_same_file_twice_is_already_loaded(register_db, tmp_path):
    path = _csv(tmp_path / "to_ganger.csv", _month(SJOBYGD, "2025-09"))
    assert cli(["--db", str(register_db), "ingest", str(path)]) == 0
    before = table_digest(register_db, SAKER_TABLES)
    assert cli(["--db", str(register_db), "ingest", str(path)]) == 0
    assert table_digest(register_db, SAKER_TABLES) == before
    assert _log(register_db, "to_ganger.csv") == ["lastet", "allerede_lastet"]


def test_newer_delivery_replaces_the_value(register_db, tmp_path):
    rows = _month(SJOBYGD, "2025-09")
    assert ingest_file(_csv(tmp_path / "forste.csv", rows), register_db).result == "lastet"
    vika = BY_NAME["Vika skule"]
    corrected = [_row(vika, "2025-09", "aktivitetsplan", nye=2, apne=2),
                 _row(vika, "2025-09", "statsforvalter", utfall="under_behandling", nye=1, apne=1)]
    outcome = ingest_file(_csv(tmp_path / "rettet.csv", corrected), register_db)
    assert outcome.result == "lastet", outcome.message
    got = query(register_db, "SELECT sakstype, nye FROM mart.saker WHERE orgnr = ? AND sakstype IN "
                              "('aktivitetsplan', 'statsforvalter') ORDER BY 1", [vika.orgnr])
    assert got == [("aktivitetsplan", 2), ("statsforvalter", 1)]
    assert _rows(register_db) == len(rows)


def test_the_original_sent_again_after_a_correction_says_what_was_replaced_and_how_to_get_it_back(register_db, tmp_path):
    """A wrong correction, then the original again: «allerede lastet; ingenting er endret», and the warehouse kept the
    wrong value. The clerk is told that later files replaced rows of it, and the way back: the same rows as a new file."""
    rows = _month(SJOBYGD, "2025-09")
    original = _csv(tmp_path / "september.csv", rows)
    assert ingest_file(original, register_db).result == "lastet"
    vika = BY_NAME["Vika skule"]
    assert ingest_file(_csv(tmp_path / "feil.csv", [_row(vika, "2025-09", nye=9, apne=9)]), register_db).result == "lastet"
    again = ingest_file(original, register_db)
    assert again.result == "allerede_lastet"
    assert f"Senere filer har siden erstattet 1 av de {len(rows)} radene den ga" in again.message, again.message
    assert "Senere filer" in preview_file(original, register_db).message
    (tmp_path / "september_igjen.csv").write_bytes(original.read_bytes() + b"\n")
    assert ingest_file(tmp_path / "september_igjen.csv", register_db).result == "lastet"
    assert query(register_db, "SELECT nye FROM mart.saker WHERE orgnr = ? AND sakstype = 'aktivitetsplan'",
                 [vika.orgnr]) == [(0,)]


def test_a_corrected_month_given_per_trinn_or_with_a_new_utfall_replaces_the_old_rows_not_adds_to_them(
        register_db, tmp_path):
    """A school sends October again: aktivitetsplan now per trinn (5.: 1, 6.: 2) instead of 2 for all trinn, and the
    Statsforvalter case decided. The old all-trinn and «under_behandling» rows go: left beside the new ones, the
    month's cases counted 5 (or the page showed the old 2) and the decided case stood twice. Other sakstyper and
    other schools are untouched; the preview says what goes before anything does."""
    rows = _month(SJOBYGD, "2025-10")
    vika = BY_NAME["Vika skule"]
    rows = [r for r in rows if not (r["orgnr"] == vika.orgnr and r["sakstype"] in ("aktivitetsplan", "statsforvalter"))]
    rows += [_row(vika, "2025-10", "aktivitetsplan", nye=2, apne=2),
             _row(vika, "2025-10", "statsforvalter", utfall="under_behandling", nye=1, apne=1)]
    assert ingest_file(_csv(tmp_path / "oktober.csv", rows), register_db).result == "lastet"
    untouched = query(register_db, "SELECT orgnr, sakstype, trinn, utfall, nye FROM mart.saker WHERE NOT (orgnr = ? "
                                   "AND sakstype IN ('aktivitetsplan', 'statsforvalter')) ORDER BY ALL", [vika.orgnr])

    corrected = [_row(vika, "2025-10", "aktivitetsplan", trinn=5, nye=1, apne=1),
                 _row(vika, "2025-10", "aktivitetsplan", trinn=6, nye=2, apne=1),
                 _row(vika, "2025-10", "statsforvalter", utfall="ikke_brudd", nye=1, avsluttet=1)]
    path = _csv(tmp_path / "oktober_rettet.csv", corrected)
    preview = preview_file(path, register_db)
    assert (preview.rows_new, preview.rows_replaced, preview.rows_removed) == (3, 0, 2), preview.changes
    assert "2 eldre rader fjernes: filen gir skolens måned og sakstype på nytt" in preview.changes
    outcome = ingest_file(path, register_db)
    assert outcome.result == "lastet", outcome.message
    assert "2 eldre rader er fjernet: filen ga skolens måned og sakstype på nytt uten dem" in outcome.message, outcome.message
    got = query(register_db, "SELECT sakstype, trinn, utfall, nye FROM mart.saker WHERE orgnr = ? AND sakstype IN "
                             "('aktivitetsplan', 'statsforvalter') ORDER BY ALL", [vika.orgnr])
    assert got == [("aktivitetsplan", 5, None, 1), ("aktivitetsplan", 6, None, 2), ("statsforvalter", None, "ikke_brudd", 1)]
    assert query(register_db, "SELECT orgnr, sakstype, trinn, utfall, nye FROM mart.saker WHERE NOT (orgnr = ? "
                              "AND sakstype IN ('aktivitetsplan', 'statsforvalter')) ORDER BY ALL", [vika.orgnr]) == untouched


def test_a_school_named_with_skole_for_skule_is_found_and_a_misspelt_one_gets_the_register_s_name(register_db,
                                                                                                   tmp_path):
    """A school written «Vika skole» (the register has «Vika skule») with no orgnr was refused as not in the
    register, without a word of which name was meant; Skoleporten's files had long matched the two."""
    vika = BY_NAME["Vika skule"]
    row = {**_row(vika, "2025-10"), "orgnr": "", "skole": "VIKA SKOLE"}
    outcome = ingest_file(_csv(tmp_path / "navn.csv", [row]), register_db)
    assert outcome.result == "lastet", outcome.message
    assert query(register_db, "SELECT orgnr FROM mart.saker") == [(vika.orgnr,)]
    typo = {**_row(vika, "2025-11"), "orgnr": "", "skole": "Vikka skule"}
    outcome = ingest_file(_csv(tmp_path / "skrivefeil.csv", [typo]), register_db)
    assert outcome.result == "avvist"
    assert "nærmeste navn i registeret: «Vika skule»" in outcome.message and "Vikka" not in outcome.message


def test_a_name_as_written_wins_over_a_near_one_and_a_shared_near_name_resolves_to_neither(register_db, tmp_path):
    """With «Vika skule» in Sjøbygd and «Vika skole» in Fjellvik both in the register, the loose match (skole for
    skule) took both to one name, shared, and refused a file naming either exactly: the hint then named the very
    school the user had written."""
    vika = BY_NAME["Vika skule"]
    register = tmp_path / "skoleregister_tillegg.csv"
    register.write_text("orgnr;navn;kommunenr;kommune;trinn_fra;trinn_til;elevtall\n"
                        "999888777;Vika skole;9901;Fjellvik;1;7;100\n", encoding="utf-8")
    assert ingest_file(register, register_db).result == "lastet"
    rows = [{**_row(vika, "2025-10"), "orgnr": "", "skole": "Vika skule"},
            {**_row(vika, "2025-10", "ppt_henvisning"), "orgnr": "", "skole": "VIKA SKOLE "}]
    outcome = ingest_file(_csv(tmp_path / "begge.csv", rows), register_db)
    assert outcome.result == "lastet", outcome.message
    assert query(register_db, "SELECT sakstype, orgnr FROM mart.saker ORDER BY 1") == [
        ("aktivitetsplan", vika.orgnr), ("ppt_henvisning", "999888777")]
    loose = [{**_row(vika, "2025-11"), "orgnr": "", "skole": "Vika-skule"}]
    outcome = ingest_file(_csv(tmp_path / "uklart.csv", loose), register_db)
    assert outcome.result == "avvist" and "flere skoler i registeret har det navnet" in outcome.message, outcome.message


def test_a_file_with_several_mistakes_names_them_all_at_once(register_db, tmp_path):
    """A case file with a blank cell, a word and a decimal was refused for the blank alone; fixed and sent again, for
    the word; then for the decimal: a round of refusal per mistake. One message names each, with its row."""
    vika = BY_NAME["Vika skule"]
    rows = [_row(vika, "2025-10", code) for code in ("aktivitetsplan", "ppt_henvisning", "barnevern_melding")]
    rows[0]["nye"], rows[1]["avsluttet"], rows[2]["apne_ved_maanedsslutt"] = "", "to", "1,5"
    outcome = ingest_file(_csv(tmp_path / "feil.csv", rows), register_db)
    assert outcome.result == "avvist"
    assert outcome.message.startswith("Filen har 3 feil: "), outcome.message
    # By row, each with its row and column first
    said = [outcome.message.index(w) for w in ("rad 2, kolonne «Nye saker»: ", "rad 3, kolonne «Avsluttede saker»: ",
                                               "rad 4, kolonne «Åpne ved månedsslutt»: ")]
    assert said == sorted(said), outcome.message
    assert outcome.message.count("rad 3") == 1  # «to» is not a number; not also an empty cell
    assert _rows(register_db) == 0


def test_a_reader_s_mistakes_and_the_quality_check_s_are_named_in_one_refusal(register_db, tmp_path):
    """A word in a count was refused first; fixed and sent again, the same file was refused for a month in the
    future and a row given twice: the quality check ran only once the reader had nothing to say. The preview names
    all of it too."""
    vika = BY_NAME["Vika skule"]
    rows = [_row(vika, "2025-10"), _row(vika, "2099-03"), _row(vika, "2025-11"), _row(vika, "2025-11")]
    rows[0]["nye"] = "to"
    path = _csv(tmp_path / "feil.csv", rows)
    for said in (ingest_file(path, register_db).message, preview_file(path, register_db).message):
        assert "rad 2" in said and "«Nye saker»" in said, said  # the reader's
        assert "»). Kvalitetskontrollen fant også: " in said, said  # a sentence of its own
        assert "fram i tid" in said and "Rader: 3" in said, said  # the month ahead, at its row
        assert "flere ganger" in said and "Rader: 4, 5" in said, said  # the row given twice
    assert _rows(register_db) == 0
    fixed = [_row(vika, "2025-10"), _row(vika, "2025-11")]
    assert ingest_file(_csv(tmp_path / "rettet.csv", fixed), register_db).result == "lastet"


def test_open_cases_are_checked_against_the_month_before_in_the_warehouse(register_db, tmp_path):
    """Schools send one month at a time, as the template asks, and the open-cases rule only compared months inside
    one file: Nordli had 14 open in October, November said 2 new, 0 closed, 0 open, and loaded with no warning. The
    month before in the warehouse counts too, and a corrected month is checked against the month after it."""
    vika = BY_NAME["Vika skule"]
    ingest_file(_csv(tmp_path / "okt.csv", [_row(vika, "2025-10", nye=14, apne=14)]), register_db)
    november = _csv(tmp_path / "nov.csv", [_row(vika, "2025-11", nye=2, apne=0)])
    expected = "Vika skule nov 2025 – Aktivitetsplan (§ 12-4): 14 + 2 − 0 = 16, ikke 0"
    # Said in the preview, before the month is loaded (it came only after the load, the sakstype as a code)
    preview = preview_file(november, register_db)
    assert preview.result == "klar" and any(expected in w for w in preview.warnings), preview.warnings
    # So are the schools the file leaves out that the warehouse has no November for (also only after the load)
    assert any("Filen mangler rapport for 3 skole-måneder i nov 2025" in w for w in preview.warnings), preview.warnings
    outcome = ingest_file(november, register_db)
    assert outcome.result == "lastet"
    assert [w for w in outcome.warnings if expected in w] == [next(w for w in preview.warnings if expected in w)]
    logged = query(register_db, "SELECT advarsler FROM core.ingest_log WHERE filnavn = 'nov.csv'")
    assert logged[0][0] >= 1
    # A consistent month says nothing; a correction of October that breaks November is said.
    ok = ingest_file(_csv(tmp_path / "des.csv", [_row(vika, "2025-12", nye=1, avsluttet=1, apne=0)]), register_db)
    assert not any("stemmer ikke med måneden før" in w for w in ok.warnings), ok.warnings
    corrected = ingest_file(_csv(tmp_path / "okt_rettet.csv", [_row(vika, "2025-10", nye=3, apne=3)]), register_db)
    assert any("Vika skule nov 2025 – Aktivitetsplan (§ 12-4): 3 + 2 − 0 = 5, ikke 0" in w for w in corrected.warnings), (
        corrected.warnings)


def test_a_template_filled_in_for_one_school_warns_in_the_preview_before_it_zeroes_the_others(register_db, tmp_path):
    """The municipality's template has a row of zeros for every school. A skolesjef filled in Holmen's November and
    loaded it: Vika's reported November (3 new, 5 open) became 0, the preview said only «24 rows replace rows», and
    a warning came after the load. The preview names what would be set to 0; the load says it too."""
    vika = BY_NAME["Vika skule"]
    reported = [_row(vika, "2025-11", nye=3, apne=5), _row(vika, "2025-11", "ppt_henvisning", nye=1, apne=1)]
    assert ingest_file(_csv(tmp_path / "vika_nov.csv", reported), register_db).result == "lastet"
    holmen = BY_NAME["Holmen skule"]
    template_rows = _month(SJOBYGD, "2025-11")
    template_rows = [{**r, "nye": 2, "apne_ved_maanedsslutt": 2}
                     if (r["orgnr"], r["sakstype"]) == (holmen.orgnr, "aktivitetsplan") else r for r in template_rows]
    path = _csv(tmp_path / "mal_holmen_nov.csv", template_rows)

    preview = preview_file(path, register_db)
    assert preview.result == "klar", preview.message
    [warning] = [w for w in preview.warnings if "gir 0 saker" in w]
    assert "2 skolemåneder" in warning and "Vika skule nov 2025 (Aktivitetsplan (§ 12-4): 3 nye, 0 avsluttet, 5 åpne)" in warning
    assert "Henvisning til PPT" in warning and "slett radene for de andre skolene" in warning
    assert "Holmen" not in warning

    outcome = ingest_file(path, register_db)
    assert outcome.result == "lastet"
    assert any("Vika skule nov 2025" in w and "gir 0 saker" in w for w in outcome.warnings), outcome.warnings
    # A month with nothing before, or nothing now, says nothing
    quiet = preview_file(_csv(tmp_path / "mal_des.csv", _month(SJOBYGD, "2025-12")), register_db)
    assert not any("gir 0 saker" in w for w in quiet.warnings), quiet.warnings


def test_open_cases_carry_over_when_a_school_switches_from_per_trinn_to_all_trinn(register_db, tmp_path):
    """October per trinn with 6 open, November for all trinn with 50 open: the months were compared trinn by trinn,
    never met, and the load said nothing."""
    vika = BY_NAME["Vika skule"]
    october = [_row(vika, "2025-10", trinn=t, nye=2, apne=2) for t in (5, 6, 7)]
    assert ingest_file(_csv(tmp_path / "okt.csv", october), register_db).result == "lastet"
    outcome = ingest_file(_csv(tmp_path / "nov.csv", [_row(vika, "2025-11", nye=1, apne=50)]), register_db)
    assert any("Vika skule nov 2025 – Aktivitetsplan (§ 12-4): 6 + 1 − 0 = 7, ikke 50" in w for w in outcome.warnings), outcome.warnings


def test_a_check_against_the_warehouse_that_fails_leaves_nothing_loaded_and_a_line_in_the_log(
        register_db, tmp_path, monkeypatch):
    """The check runs in the load's transaction: when it fails, the transaction is lost. ingest_file raised, and the
    log had no line; now the file is refused with the reason, and nothing is loaded."""
    import dataclasses

    import duckdb

    from pipelines import registry

    def broken(con, batch_id):
        raise duckdb.OutOfMemoryException("for lite minne")

    monkeypatch.setitem(registry.BY_NAME, "saker", dataclasses.replace(registry.BY_NAME["saker"], after_load=broken))
    vika = BY_NAME["Vika skule"]
    outcome = ingest_file(_csv(tmp_path / "okt.csv", [_row(vika, "2025-10", nye=1, apne=1)]), register_db,
                          source="saker")
    assert outcome.result == "avvist" and "ingenting er endret" in outcome.message, outcome.message
    assert _rows(register_db) == 0
    assert _log(register_db, "okt.csv") == ["avvist"]


def test_a_corrected_number_is_said_as_a_correction_not_as_a_new_delivery(register_db, tmp_path):
    """October sent again with one number changed read «3 rader lastet», as the first delivery had: the log could
    not tell a correction from new data. The message says how many rows took the place of rows read in before."""
    vika = BY_NAME["Vika skule"]
    first = [_row(vika, "2025-10", "aktivitetsplan", nye=2, apne=2), _row(vika, "2025-10", "ppt_henvisning", nye=1, apne=1)]
    assert ingest_file(_csv(tmp_path / "oktober.csv", first), register_db).message.startswith("2 rader lastet. ")
    corrected = [_row(vika, "2025-10", "aktivitetsplan", nye=3, apne=3), _row(vika, "2025-10", "ppt_henvisning", nye=1, apne=1)]
    outcome = ingest_file(_csv(tmp_path / "oktober_rettet.csv", corrected), register_db)
    assert outcome.message.startswith("2 rader lastet; 2 av dem erstatter rader med samme nøkkel som var lest inn før"), (
        outcome.message)
    november = [_row(vika, "2025-11", "aktivitetsplan", nye=0, apne=3)]
    assert ingest_file(_csv(tmp_path / "november.csv", november), register_db).message.startswith("1 rad lastet.")


def test_a_private_school_a_udir_file_brought_in_is_not_asked_for_case_reports(register_db, tmp_path):
    """A private school in the municipality reports to no municipality: the warning named it for every month."""
    import duckdb

    con = duckdb.connect(str(register_db))
    con.execute("INSERT INTO core.skole (orgnr, navn, kommunenr, kommune, trinn_fra, trinn_til, elevtall, skoleaar, kilde, "
                "batch_id) VALUES ('999000001', 'Privatskulen', '9902', 'Sjøbygd', 5, 10, 80, NULL, 'udir_eksport', 'x')")
    con.close()
    outcome = ingest_file(_csv(tmp_path / "alle.csv", _month(SJOBYGD, "2025-09")), register_db)
    assert outcome.result == "lastet", outcome.message
    assert not [w for w in outcome.warnings if "mangler rapport" in w], outcome.warnings


def test_the_case_template_is_filled_in_for_the_month_just_ended(monkeypatch):
    """The template came pre-filled with the month under way (2026-12 on 2 December), which is not over to report."""
    import datetime as dt

    from pipelines.templates import saker as template

    class Day(dt.date):
        today_is = dt.date(2026, 12, 2)

        @classmethod
        def today(cls):
            return cls.today_is

    monkeypatch.setattr(template.dt, "date", Day)
    assert template._current_month() == "2026-11"
    Day.today_is = dt.date(2027, 1, 5)
    assert template._current_month() == "2026-12"
    Day.today_is = dt.date(2026, 8, 3)  # July has no school: June is the month to report
    assert template._current_month() == "2026-06"


def test_a_school_the_register_lacks_is_said_once_not_also_as_lacking_a_municipality(register_db, tmp_path):
    """A reviewer's find: an unknown school in a case file was refused with «Skolen finnes ikke i skoleregisteret»
    and then «Skolen mangler kommunenummer i skoleregisteret», of a school the register does not have at all."""
    from pipelines.demo import School

    stranger = School("999999999", "Ukjent skole", "9902", "Sjøbygd", 1, 7, 100, 0.0, 0.0)
    outcome = ingest_file(_csv(tmp_path / "ukjent.csv", [_row(stranger, "2025-10")]), register_db)
    assert outcome.result == "avvist" and "finnes ikke i skoleregisteret" in outcome.message, outcome.message
    assert "mangler kommunenummer" not in outcome.message, outcome.message


def test_an_unreadable_month_is_refused_quoting_the_cell(register_db, tmp_path):
    """«2024-13» in row 3 was told only the rule («Måneden må skrives som 2025-09 …») with its row and column: the
    user had to look for what broke it. The cell is quoted as it stands."""
    rows = _month(SJOBYGD, "2025-09")
    rows[1]["maaned"] = "2024-13"
    outcome = ingest_file(_csv(tmp_path / "maaned.csv", rows), register_db)
    assert outcome.result == "avvist", outcome.message
    assert "; i filen står «2024-13» (rad 3, kolonne «Måned»)" in outcome.message, outcome.message
