"""The teams' meeting log and the rhythm file, the way a municipality delivers them: template → file → warehouse."""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from pipelines import demo_teammoter, ingest
from pipelines.cli import main as cli
from pipelines.demo import SCHOOLS
from pipelines.errors import IngestError
from pipelines.quality.person_data import is_fodselsnummer
from pipelines.templates.teammoter import HEADERS, PROFESSIONS, TEAMS, csv_bytes, xlsx_bytes
from tests.conftest import query, table_digest

TABLES = ["core.teammoter", "core.teamrytme", "core.skole"]
FJELLVIK_U = next(s for s in SCHOOLS if s.navn == "Fjellvik ungdomsskole")
NORDLI = next(s for s in SCHOOLS if s.navn == "Nordli skole")
MONDAY = dt.date(2025, 9, 15)


def meeting(**changes) -> dict[str, object]:
    """One plausible elevtjeneste meeting at Fjellvik ungdomsskole, as template fields."""
    row = {
        "orgnr": FJELLVIK_U.orgnr, "skole": FJELLVIK_U.navn, "team": "elevtjeneste", "dato": MONDAY,
        "varighet_min": 90, "saker_med_samtykke": 2, "saker_anonyme": 3, "henvisninger_ppt": 1,
        "henvisninger_barnevern": 0, "henvisninger_helse": 1, **{c: True for c in PROFESSIONS},
    }
    return {**row, **changes}


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_bytes(csv_bytes(pl.DataFrame(), rows=rows))
    return path


def ingest_ok(db: Path, path: Path) -> int:
    return cli(["--db", str(db), "ingest", str(path)])


def last_log(db: Path) -> tuple[str, str]:
    return query(db, "SELECT resultat, melding FROM mart.ingest_log ORDER BY ferdig DESC LIMIT 1")[0]


def read_file(db: Path, path: Path):
    """A file the way ingest reads it, without the warehouse write: (source name, frame)."""
    table = ingest.read_table(path.read_bytes(), path.name)
    source = ingest.detect(table)
    return source.name, source.read(table, ingest.known(db))


# --- the demo ------------------------------------------------------------------------------------

def test_demo_files_fill_the_mart(register_db, tmp_path):
    paths = demo_teammoter.write(tmp_path / "team", SCHOOLS)
    assert [p.name for p in paths] == ["teammoter_9901.xlsx", "teammoter_9902.csv", "teamrytme.csv"]
    for path in paths:
        assert ingest_ok(register_db, path) == 0
        result, message = last_log(register_db)
        assert result == "lastet"
        assert "lørdag" not in message and "uten saker" not in message  # the demo loads without warnings
    expected = demo_teammoter.meetings(SCHOOLS)
    assert query(register_db, "SELECT count(*) FROM mart.teammoter")[0][0] == len(expected)
    by_team = dict(query(register_db, "SELECT kommunenr || '/' || team, count(*) FROM mart.teammoter GROUP BY 1"))
    assert set(by_team) == {"9901/arbeidslag", "9901/elevtjeneste", "9901/ressursteam",
                            "9902/arbeidslag", "9902/elevtjeneste", "9902/ressursteam"}
    assert by_team["9902/arbeidslag"] > by_team["9901/arbeidslag"]  # Sjøbygd's arbeidslag meets weekly
    odd = "SELECT count(*) FROM mart.teammoter WHERE month(dato) = 7 OR isodow(dato) > 5"
    assert query(register_db, odd)[0][0] == 0
    first, last = query(register_db, "SELECT min(dato), max(dato) FROM mart.teammoter")[0]
    assert first >= dt.date(2024, 8, 1) and last <= dt.date(2026, 10, 31)
    ppt = dict(query(register_db, """
        SELECT dato >= DATE '2026-01-01', avg(til_stede_ppt::INT) FROM mart.teammoter
        WHERE orgnr = ? AND team = 'elevtjeneste' GROUP BY 1""", [FJELLVIK_U.orgnr]))
    assert ppt[False] >= 0.8 and ppt[True] <= 0.4
    # Nordli skole missed its arbeidslag in March 2025.
    assert query(register_db, "SELECT count(*) FROM mart.teammoter WHERE orgnr = ? AND team = 'arbeidslag' "
                              "AND dato BETWEEN DATE '2025-03-01' AND DATE '2025-03-31'", [NORDLI.orgnr])[0][0] == 0
    # Same schools in the same municipalities as the register.
    assert query(register_db, "SELECT count(*) FROM mart.teammoter t JOIN mart.skoler s USING (orgnr) "
                              "WHERE s.kommunenr <> t.kommunenr")[0][0] == 0


def test_demo_is_deterministic(tmp_path):
    a = demo_teammoter.write(tmp_path / "a", SCHOOLS)
    time.sleep(1.1)  # a workbook stamped with the clock would now differ
    b = demo_teammoter.write(tmp_path / "b", SCHOOLS)
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes(), x.name
    assert demo_teammoter.meetings(SCHOOLS) == demo_teammoter.meetings(SCHOOLS)


# --- the templates -------------------------------------------------------------------------------

def test_xlsx_template_round_trip(register_db, tmp_path):
    schools = query(register_db, "SELECT orgnr, navn, kommunenr FROM mart.skoler WHERE kommunenr = '9901'")
    frame = pl.DataFrame(schools, schema=["orgnr", "navn", "kommunenr"], orient="row")
    book = load_workbook(io.BytesIO(xlsx_bytes(frame)))
    assert book.sheetnames[0] == "Møter" and {"Veiledning", "Koder"} <= set(book.sheetnames)
    ws = book["Møter"]
    header = [c.value for c in ws[1]]
    assert header == list(HEADERS.values())
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "date", "whole"} <= kinds
    assert any("Elevtjeneste" in (dv.formula1 or "") for dv in ws.data_validations.dataValidation)
    prefilled = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(2, 2 + frame.height)]
    assert sorted(prefilled) == sorted(schools_row[:2] for schools_row in schools)
    # The guide's example is the template's own first school (it gave 974123456 for «Fjellvik ungdomsskole»), and
    # it speaks to the school: no file path, no rhythm file's column names.
    guide = [c.value for c in book["Veiledning"]["A"] if c.value]
    (example,) = [line for line in guide if line.startswith("Eksempel:")]
    assert example.startswith(f"Eksempel: {prefilled[0][0]} | {prefilled[0][1]} |"), example
    assert not [line for line in guide if "docs/" in line or "moter_per_maaned" in line], guide
    # «x», which the guide allows for ja, is let through by the ja/nei list with a warning, not stopped
    (yes_no,) = [dv for dv in ws.data_validations.dataValidation if dv.formula1 == '"ja,nei"']
    assert yes_no.errorStyle == "warning" and "x" in yes_no.error and "x for ja" in " ".join(guide)

    # A rektor fills the row of her school with a drop-down label, a real date cell and ja/nei.
    row = next(r for r in range(2, 2 + frame.height) if ws.cell(r, 1).value == FJELLVIK_U.orgnr)
    col = {f: i + 1 for i, f in enumerate(HEADERS)}
    values = {"team": "Elevtjeneste", "dato": dt.datetime(2025, 9, 15), "varighet_min": 75,
              "saker_med_samtykke": 1, "saker_anonyme": 4, "henvisninger_ppt": 2, "henvisninger_barnevern": 0,
              "henvisninger_helse": 0, **{c: "nei" for c in PROFESSIONS}, "til_stede_ppt": "ja"}
    for field, value in values.items():
        ws.cell(row, col[field], value)
    path = tmp_path / "moter.xlsx"
    book.save(path)

    assert ingest_ok(register_db, path) == 0
    rows = query(register_db, "SELECT orgnr, kommunenr, team, dato, varighet_min, saker_anonyme, henvisninger_ppt, "
                              "til_stede_ppt, til_stede_helsesykepleier FROM mart.teammoter")
    assert rows == [(FJELLVIK_U.orgnr, "9901", "elevtjeneste", dt.date(2025, 9, 15), 75, 4, 2, True, False)]
    assert "bare skolen fylt ut" in last_log(register_db)[1]  # the other schools' empty rows were skipped


def test_csv_template_round_trip(register_db, tmp_path):
    template = csv_bytes(pl.DataFrame({"orgnr": [NORDLI.orgnr], "navn": [NORDLI.navn], "kommunenr": ["9901"]}))
    assert template.startswith(b"\xef\xbb\xbf")
    lines = template.decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == list(HEADERS.values())
    assert lines[1].startswith(f"{NORDLI.orgnr};{NORDLI.navn};")
    cells = lines[1].split(";")
    cells[2:] = ["Arbeidslag", "3.9.2025", "", "0", "2", "0", "0", "0", "x", "", "x", "", "", "", "", ""]
    path = tmp_path / "moter.csv"
    path.write_bytes(("\ufeff" + lines[0] + "\r\n" + ";".join(cells) + "\r\n").encode("utf-8"))
    assert ingest_ok(register_db, path) == 0
    assert query(register_db, "SELECT team, dato, varighet_min, saker_anonyme, til_stede_ledelse, til_stede_ppt, "
                              "til_stede_helsesykepleier FROM mart.teammoter") == [
        ("arbeidslag", dt.date(2025, 9, 3), None, 2, True, False, True)]


def test_yes_no_variants_and_team_labels(register_db, tmp_path):
    variants = [("ja", True), ("Nei", False), ("x", True), ("", False), ("1", True), ("0", False),
                ("TRUE", True), ("false", False)]
    rows = [
        meeting(dato=MONDAY + dt.timedelta(days=i), til_stede_ppt=text, team=team)
        for i, ((text, _), team) in enumerate(zip(variants, [*TEAMS, *TEAMS.values()], strict=False))
    ]
    name, result = read_file(register_db, write_csv(tmp_path / "v.csv", rows))
    assert name == "teammoter"
    frame = result.frame.sort("rad")
    assert frame["til_stede_ppt"].to_list() == [v for _, v in variants]
    assert frame["team"].to_list() == [*TEAMS, *TEAMS][: len(variants)]
    assert frame.schema["dato"] == pl.Date and frame.schema["saker_anonyme"] == pl.Int32
    assert frame["kommunenr"].unique().to_list() == ["9901"]


@pytest.mark.parametrize("text", ["2025-09-15", "15.09.2025", "15.9.25", "15/9/2025", "2025-09-15T00:00:00"])
def test_date_spellings(register_db, tmp_path, text):
    _, result = read_file(register_db, write_csv(tmp_path / "d.csv", [meeting(dato=text)]))
    assert result.frame["dato"].to_list() == [MONDAY]


# --- refusals ------------------------------------------------------------------------------------

def test_unfilled_template_is_refused(register_db, tmp_path):
    path = tmp_path / "tom.xlsx"
    path.write_bytes(xlsx_bytes(pl.DataFrame({"orgnr": [NORDLI.orgnr], "navn": [NORDLI.navn], "kommunenr": ["9901"]})))
    assert ingest_ok(register_db, path) == 1
    assert "ikke fylt ut" in last_log(register_db)[1]


def test_negative_count_is_refused_and_nothing_changes(register_db, tmp_path):
    assert ingest_ok(register_db, write_csv(tmp_path / "ok.csv", [meeting()])) == 0
    before = table_digest(register_db, TABLES)
    path = write_csv(tmp_path / "neg.csv", [meeting(dato=MONDAY + dt.timedelta(days=1)),
                                            meeting(henvisninger_barnevern=-1)])
    assert ingest_ok(register_db, path) == 1
    result, message = last_log(register_db)
    assert result == "avvist" and "negativt" in message
    assert table_digest(register_db, TABLES) == before


def test_unparseable_date_names_row_and_column(register_db, tmp_path):
    path = write_csv(tmp_path / "dato.csv", [meeting(), meeting(dato="15. sept")])
    assert ingest_ok(register_db, path) == 1
    result, message = last_log(register_db)
    assert result == "avvist"
    assert "(rad 3, kolonne «Dato»)" in message, message  # Excel's row: the header is row 1


def test_unknown_team_is_refused(register_db, tmp_path):
    path = write_csv(tmp_path / "team.csv", [meeting(team="Fotballaget")])
    assert ingest_ok(register_db, path) == 1
    result, message = last_log(register_db)
    assert result == "avvist" and "Ukjent team" in message and "(rad 2, kolonne" in message, message
    assert query(register_db, "SELECT count(*) FROM core.teammoter")[0][0] == 0


def test_unknown_school_and_future_date_are_refused(register_db, tmp_path):
    assert ingest_ok(register_db, write_csv(tmp_path / "s.csv", [meeting(orgnr="999999999", skole="")])) == 1
    assert "skoleregisteret" in last_log(register_db)[1]
    future = dt.date.today() + dt.timedelta(days=30)
    assert ingest_ok(register_db, write_csv(tmp_path / "f.csv", [meeting(dato=future)])) == 1
    # The date is the example, under the template's heading: it read «Kolonne «dato»» and «Eksempler: -30» (days)
    message = last_log(register_db)[1]
    assert "fram i tid" in message and f"{future:%d.%m.%Y}" in message and "olonne «Dato»" in message, message
    assert "-30" not in message, message
    assert query(register_db, "SELECT count(*) FROM core.teammoter")[0][0] == 0


def _fodselsnummer() -> str:
    return next(f"150590{n:05d}" for n in range(100000) if is_fodselsnummer(f"150590{n:05d}"))


def test_person_data_is_refused(register_db, tmp_path):
    names = tmp_path / "navn.csv"
    text = csv_bytes(pl.DataFrame(), rows=[meeting()]).decode("utf-8-sig").splitlines()
    names.write_text(f"{text[0]};Elevnavn\n{text[1]};Kari Nordmann\n", encoding="utf-8")
    assert ingest_ok(register_db, names) == 1
    assert "personopplysninger" in last_log(register_db)[1]
    fnr = tmp_path / "fnr.csv"
    fnr.write_text(f"{text[0]};Merknad\n{text[1]};{_fodselsnummer()}\n", encoding="utf-8")
    assert ingest_ok(register_db, fnr) == 1
    assert "fødselsnummer" in last_log(register_db)[1]
    assert query(register_db, "SELECT count(*) FROM core.teammoter")[0][0] == 0


# --- warnings ------------------------------------------------------------------------------------

def test_doubtful_meetings_load_with_warnings(register_db, tmp_path):
    saturday = dt.date(2025, 9, 13)
    rows = [
        meeting(dato=saturday),
        meeting(dato=MONDAY, saker_med_samtykke=0, saker_anonyme=0, henvisninger_ppt=0, henvisninger_helse=0),
        meeting(dato=MONDAY + dt.timedelta(days=1), saker_med_samtykke=0, saker_anonyme=1, henvisninger_ppt=2),
        meeting(dato=MONDAY + dt.timedelta(days=2), til_stede_ppt=False, til_stede_helsesykepleier=False),
    ]
    assert ingest_ok(register_db, write_csv(tmp_path / "w.csv", rows)) == 0
    result, message = last_log(register_db)
    assert result == "lastet"
    for words in ("lørdag eller søndag", "uten saker", "Flere henvisninger enn saker", "uten både PPT"):
        assert words in message
    # Examples a clerk can use: the Saturday's date, not «True; True» from the attendance check
    assert "Eksempler: 13.09.2025 (lørdag)" in message and "True" not in message, message
    findings = query(register_db, "SELECT melding, kolonne FROM core.kvalitet WHERE NOT ok")
    columns = {m.split(":")[0].split(".")[0]: k for m, k in findings}
    # the column in the file as the template heads it («Dato»), not the derived «helg»
    assert columns["Møter på lørdag eller søndag"] == HEADERS["dato"]
    assert columns["Møter uten saker og uten anonyme drøftinger"] == ", ".join(
        HEADERS[f] for f in ("saker_med_samtykke", "saker_anonyme"))
    # as the template heads its columns: «henvisninger» is no column a clerk can find
    assert columns["Flere henvisninger enn saker drøftet i samme møte"] == ", ".join(
        HEADERS[f] for f in ("henvisninger_ppt", "henvisninger_barnevern", "henvisninger_helse"))


# --- the rhythm file and deliveries over time ----------------------------------------------------

def test_rhythm_file_sets_one_municipality(register_db, tmp_path):
    path = tmp_path / "rytme.csv"
    path.write_text("kommunenr;team;moter_per_maaned\n9902;Arbeidslag;4\n9902;elevtjeneste;1,5\n", encoding="utf-8")
    assert read_file(register_db, path)[0] == "teamrytme"
    assert ingest_ok(register_db, path) == 0
    sql = """SELECT coalesce(max(moter_per_maaned) FILTER (WHERE kommunenr = ?),
                             max(moter_per_maaned) FILTER (WHERE kommunenr IS NULL))
             FROM core.teamrytme WHERE team = ?"""
    assert query(register_db, sql, ["9902", "arbeidslag"])[0][0] == 4.0
    assert query(register_db, sql, ["9902", "elevtjeneste"])[0][0] == 1.5
    assert query(register_db, sql, ["9901", "arbeidslag"])[0][0] == 1.0  # the default stays
    path.write_text("kommunenr;team;moter_per_maaned\n9902;arbeidslag;2\n", encoding="utf-8")
    assert ingest_ok(register_db, path) == 0
    assert query(register_db, sql, ["9902", "arbeidslag"])[0][0] == 2.0
    assert query(register_db, "SELECT count(*) FROM core.teamrytme WHERE kommunenr = '9902'")[0][0] == 2


def test_a_first_rhythm_file_is_said_to_take_the_place_of_the_built_in_default_not_of_rows_read_before(
        register_db, tmp_path):
    """On a new warehouse the first rhythm file read «1 av dem erstatter en rad med samme nøkkel som var lest inn
    før»: no file had been read; the row was the rhythm that comes with skolemiljo."""
    path = tmp_path / "rytme.csv"
    path.write_text("kommunenr;team;moter_per_maaned\n;elevtjeneste;2\n9901;arbeidslag;0,5\n", encoding="utf-8")
    preview = ingest.preview_file(path, register_db)
    assert (preview.rows_new, preview.rows_replaced) == (2, 0), preview.changes
    first = ingest.ingest_file(path, register_db)
    assert first.result == "lastet"
    assert "1 av dem gjelder i stedet for standardrytmen som følger med skolemiljo" in first.message, first.message
    assert "lest inn før" not in first.message
    path.write_text("kommunenr;team;moter_per_maaned\n;elevtjeneste;3\n", encoding="utf-8")
    assert ingest.preview_file(path, register_db).rows_replaced == 1
    again = ingest.ingest_file(path, register_db)
    assert "1 av dem erstatter en rad med samme nøkkel som var lest inn før" in again.message, again.message
    assert "standardrytmen" not in again.message
    assert query(register_db, "SELECT moter_per_maaned FROM core.teamrytme WHERE kommunenr IS NULL "
                              "AND team = 'elevtjeneste'") == [(3.0,)]


def test_rhythm_file_refuses_unknown_municipality_and_team(register_db, tmp_path):
    before = table_digest(register_db, TABLES)
    bad_kommune = tmp_path / "k.csv"
    bad_kommune.write_text("kommunenr;team;moter_per_maaned\n1234;arbeidslag;2\n", encoding="utf-8")
    assert ingest_ok(register_db, bad_kommune) == 1
    bad_team = tmp_path / "t.csv"
    bad_team.write_text("kommunenr;team;moter_per_maaned\n9901;korps;2\n", encoding="utf-8")
    assert ingest_ok(register_db, bad_team) == 1
    assert "Ukjent team" in last_log(register_db)[1]
    assert table_digest(register_db, TABLES) == before


def test_formats_are_told_apart(register_db, tmp_path, demo_dir):
    meetings = write_csv(tmp_path / "m.csv", [meeting()])
    rhythm = tmp_path / "r.csv"
    rhythm.write_text("kommunenr;team;moter_per_maaned\n9902;arbeidslag;4\n", encoding="utf-8")
    extra = tmp_path / "x.csv"
    extra.write_text("kommunenr;team;moter_per_maaned;dato\n9902;arbeidslag;4;2025-01-01\n", encoding="utf-8")
    assert read_file(register_db, meetings)[0] == "teammoter"
    assert read_file(register_db, rhythm)[0] == "teamrytme"
    with pytest.raises(IngestError, match="Kjenner ikke igjen formatet"):
        ingest.detect(ingest.read_table(extra.read_bytes(), extra.name))
    register = demo_dir / "skoleregister.csv"
    assert ingest.detect(ingest.read_table(register.read_bytes(), register.name)).name == "skoleregister"


def test_reingest_is_already_loaded(register_db, tmp_path):
    path = write_csv(tmp_path / "m.csv", [meeting()])
    assert ingest_ok(register_db, path) == 0
    before = table_digest(register_db, TABLES)
    assert ingest_ok(register_db, path) == 0
    assert last_log(register_db)[0] == "allerede_lastet"
    assert table_digest(register_db, TABLES) == before


def test_newer_delivery_replaces_the_meeting(register_db, tmp_path):
    other = meeting(dato=MONDAY + dt.timedelta(days=1))
    assert ingest_ok(register_db, write_csv(tmp_path / "a.csv", [meeting(saker_anonyme=3), other])) == 0
    assert ingest_ok(register_db, write_csv(tmp_path / "b.csv", [meeting(saker_anonyme=7, varighet_min=45), other])) == 0
    rows = query(register_db, "SELECT dato, saker_anonyme, varighet_min, batch_id FROM mart.teammoter ORDER BY dato")
    assert [(r[0], r[1], r[2]) for r in rows] == [(MONDAY, 7, 45), (MONDAY + dt.timedelta(days=1), 3, 90)]


def test_a_corrected_meeting_date_moves_the_meeting_instead_of_adding_one(register_db, tmp_path):
    """Sørli's elevtjeneste met on 21.10, not 14.10; the rektor corrected the date and sent October again. The old
    date stayed beside the new, the meeting counted twice, and nothing could remove it. A delivery speaks for the
    school's team's whole month, as the case counts do: what the month no longer has goes, and the message says so.
    Other months, other teams and other schools are left alone, so a log for the next month adds to the first."""
    oktober, rettet = dt.date(2025, 10, 14), dt.date(2025, 10, 21)
    first = [meeting(dato=oktober), meeting(dato=dt.date(2025, 10, 28)), meeting(dato=dt.date(2025, 9, 16)),
             meeting(dato=oktober, team="arbeidslag"), meeting(dato=oktober, orgnr=NORDLI.orgnr, skole=NORDLI.navn,
                                                                team="arbeidslag")]
    assert ingest_ok(register_db, write_csv(tmp_path / "oktober.csv", first)) == 0
    corrected = tmp_path / "oktober_rettet.csv"
    write_csv(corrected, [meeting(dato=rettet), meeting(dato=dt.date(2025, 10, 28))])
    preview = ingest.preview_file(corrected, register_db)
    assert (preview.rows_new, preview.rows_replaced, preview.rows_removed) == (1, 1, 1)
    assert "1 eldre rad fjernes: filen gir skolens team og måned på nytt" in preview.changes, preview.changes
    assert ingest_ok(register_db, corrected) == 0
    assert "1 eldre rad er fjernet: filen ga skolens team og måned på nytt uten den" in last_log(register_db)[1]
    rows = query(register_db, "SELECT orgnr, team, dato FROM mart.teammoter ORDER BY orgnr, team, dato")
    assert rows == sorted([
        (FJELLVIK_U.orgnr, "elevtjeneste", dt.date(2025, 9, 16)), (FJELLVIK_U.orgnr, "elevtjeneste", rettet),
        (FJELLVIK_U.orgnr, "elevtjeneste", dt.date(2025, 10, 28)), (FJELLVIK_U.orgnr, "arbeidslag", oktober),
        (NORDLI.orgnr, "arbeidslag", oktober),
    ])
    # The next month in a file of its own adds to what is there.
    assert ingest_ok(register_db, write_csv(tmp_path / "november.csv", [meeting(dato=dt.date(2025, 11, 4))])) == 0
    assert query(register_db, "SELECT count(*) FROM mart.teammoter")[0][0] == 6


def test_a_meeting_log_finds_a_school_by_name_as_the_case_counts_do(register_db, tmp_path):
    """«Fjellvik ungdomsskule» with no orgnr was refused in a meeting log while the same name loaded in a case file."""
    row = meeting(orgnr="", skole="FJELLVIK UNGDOMSSKULE")
    assert ingest_ok(register_db, write_csv(tmp_path / "navn.csv", [row])) == 0
    assert query(register_db, "SELECT orgnr FROM mart.teammoter") == [(FJELLVIK_U.orgnr,)]


def test_every_mistake_in_a_meeting_log_is_named_once(register_db, tmp_path):
    """A blank date was named twice in one refusal, as missing and as unreadable («2 rader i alt» counting it)."""
    rows = [meeting(dato="15.13.2025"), meeting(dato=""), meeting(team="")]
    assert ingest_ok(register_db, write_csv(tmp_path / "feil.csv", rows)) != 0
    said = last_log(register_db)[1]
    assert said.startswith("Filen har 3 feil: "), said
    assert "rad 3, kolonne «Dato»: Datoen mangler" in said, said
    # the cell as it stands: a reviewer shown only the rule had to look for what broke it
    assert ("rad 2, kolonne «Dato»: Datoen kan ikke leses (skriv f.eks. 14.09.2025 eller 2025-09-14); i filen står "
            "«15.13.2025»") in said, said
    assert "rad 4, kolonne «Team»: Teamet mangler" in said and "Ukjent team" not in said and "rader i alt" not in said
    assert said.index("rad 2,") < said.index("rad 3,") < said.index("rad 4,")  # as the user goes through the file


def test_a_month_under_way_expects_meetings_for_the_part_of_it_gone():
    """A log sent on 2 December with that morning's meeting expected a whole December of meetings: every school
    read as behind the municipality's rhythm."""
    from dashboard.queries import school_months

    autumn = (dt.date(2026, 8, 1), dt.date(2026, 12, 2))
    assert school_months(*autumn, today=dt.date(2026, 12, 2)) == pytest.approx(4 + 2 / 31)
    assert school_months(*autumn, today=dt.date(2027, 1, 10)) == 5  # December is over
    assert school_months(dt.date(2026, 6, 1), dt.date(2026, 8, 31), today=dt.date(2027, 1, 1)) == 2  # no July


def test_the_import_preview_heads_the_meeting_log_s_columns_as_its_template_does():
    """The preview read «Henvist PPT», «PPT til stede» and «Varighet (min)» over a file headed «Henvist til PPT»,
    «Til stede: PPT» and «Varighet (minutter)»; the refusals used the template's headings."""
    from dashboard.labels import COLUMN

    assert {field: COLUMN[field] for field in HEADERS if field in COLUMN and field != "orgnr"} == {
        field: shown for field, shown in HEADERS.items() if field in COLUMN and field != "orgnr"}
