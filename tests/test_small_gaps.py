"""Small gaps a user met: a plan deadline written «mars 2025», and a Udir file for a municipality the register lacks."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from pipelines.ingest import ingest_file
from pipelines.plans.model import MONTHS as MONTH_NAMES
from pipelines.sources.udir_eksport import OUTSIDE_REGISTER
from tests.conftest import query

# --- A plan's deadline as a month name and year ---------------------------------------------------------------------


def _plan_with_first_deadline(demo_dir: Path, tmp_path: Path, written: str, name: str = "plan.yaml") -> Path:
    """Sjøbygd's demo plan with its first tiltak's «frist» written as `written`."""
    text = (demo_dir / "plan_9902_sjobygd.yaml").read_text(encoding="utf-8")
    first = text.index("frist:")
    end = text.index("\n", first)
    path = tmp_path / name
    path.write_text(text[:first] + f"frist: {written}" + text[end:], encoding="utf-8")
    return path


def _first_deadline(db: Path) -> dt.date:
    return query(db, "SELECT frist FROM mart.plantiltak WHERE kommunenr = '9902' AND nr = 1")[0][0]


@pytest.mark.parametrize("written", ["mars 2025", "Mars 2025", "mar. 2025", "MARS 2025"])
def test_a_deadline_written_as_a_month_and_year_is_the_last_day_of_that_month(register_db, demo_dir, tmp_path,
                                                                            written):
    """«frist: mars 2025», as a plan document writes it, was refused while «2025-03» loaded as 31 March."""
    outcome = ingest_file(_plan_with_first_deadline(demo_dir, tmp_path, written), register_db)
    assert outcome.result == "lastet", outcome.message
    assert _first_deadline(register_db) == dt.date(2025, 3, 31)


def test_a_month_name_deadline_means_the_same_day_as_the_month_in_numbers(register_db, demo_dir, tmp_path):
    """«februar 2028» and «2028-02» are one deadline: the last day of February in a leap year."""
    for i, written in enumerate(["'2028-02'", "februar 2028"]):
        path = _plan_with_first_deadline(demo_dir, tmp_path, written, name=f"plan{i}.yaml")
        assert ingest_file(path, register_db).result == "lastet"
        assert _first_deadline(register_db) == dt.date(2028, 2, 29), written


def test_every_deadline_form_the_refusal_names_loads(register_db, demo_dir, tmp_path):
    """The refusal of an unreadable deadline lists the forms that are read; each of them loads (the message is true),
    and a word that is not a month is still refused."""
    refused = ingest_file(_plan_with_first_deadline(demo_dir, tmp_path, "marsj 2025"), register_db)
    assert refused.result == "avvist", refused.message
    said = refused.message[refused.message.index("frist»:"):]
    months = "|".join(MONTH_NAMES)
    forms = re.findall(rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{2}}\.\d{{2}}\.\d{{4}}|(?:{months}) \d{{4}}|\d{{4}}-\d{{4}}|"
                       rf"\d{{4}}-\d{{2}}|\d{{4}}", said)
    assert any(re.fullmatch(rf"(?:{months}) \d{{4}}", form) for form in forms), said  # the month name is offered
    for i, form in enumerate(forms):
        outcome = ingest_file(_plan_with_first_deadline(demo_dir, tmp_path, f"'{form}'", name=f"p{i}.yaml"),
                              register_db)
        assert outcome.result in ("lastet", "allerede_lastet"), (form, outcome.message)


# --- A Udir file for a municipality the school register does not hold -----------------------------------------------


def _udir_file(demo_dir: Path, tmp_path: Path, name: str, kommuner: dict[str, str], orgnr_prefix: str | None = None,
               out: str | None = None) -> Path:
    """A demo Udir JSON page with its municipality numbers changed (`kommuner`: old → new) and, with `orgnr_prefix`,
    its schools' orgnr too (schools no register has)."""
    rows = json.loads((demo_dir / name).read_text(encoding="utf-8"))
    for row in rows:
        row["Kommunekode"] = kommuner.get(row["Kommunekode"], row["Kommunekode"])
        if orgnr_prefix and row["Organisasjonsnummer"].startswith("99"):
            row["Organisasjonsnummer"] = orgnr_prefix + row["Organisasjonsnummer"][2:]
    path = tmp_path / (out or name)
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def _warning(db: Path, outcome) -> list[tuple]:
    """The load's finding of municipalities outside the register, as Datakvalitet reads it (`core.kvalitet`)."""
    return query(db, "SELECT alvorlighet, ok, melding FROM core.kvalitet WHERE batch_id = ? AND forventning = ?",
                 [outcome.batch_id, OUTSIDE_REGISTER])


MOBBING = "udir_150_mobbing_2025-26_side1.json"


def test_a_udir_file_with_a_mistyped_kommunenr_warns_naming_it_and_where_the_register_has_the_schools(
        register_db, demo_dir, tmp_path):
    """Fjellvik's and Sjøbygd's results filed under 9977 and 9978 loaded with one terse line («Skoler i kommuner som
    ikke står i skoleregisteret … Eksempler: 9977»); the skolesjef of 9901 never saw them. The preview says it
    too, before «Last inn» (it came only after)."""
    from pipelines.ingest import preview_file

    mistyped = _udir_file(demo_dir, tmp_path, MOBBING, {"9901": "9977", "9902": "9978"})
    preview = preview_file(mistyped, register_db)
    ahead = "\n".join(preview.warnings)
    assert "Ingen av kommunene i filen (9977 Fjellvik og 9978 Sjøbygd) står i skoleregisteret" in ahead, ahead
    assert "Lastes filen, kommer " in ahead and "Last inn skoleregisteret for kommunen først" in ahead, ahead
    outcome = ingest_file(mistyped, register_db)
    assert outcome.result == "lastet", outcome.message
    said = "\n".join(outcome.warnings)
    assert "Ingen av kommunene i filen (9977 Fjellvik og 9978 Sjøbygd) står i skoleregisteret" in said, said
    assert "Skolene i filen står i registeret under 9901 og 9902" in said, said
    assert "Last inn skoleregisteret for kommunen (filen trenger ikke lastes på nytt), eller sjekk kommunenummeret" \
        in said, said
    found = _warning(register_db, outcome)
    assert [(alvorlighet, ok) for alvorlighet, ok, _ in found] == [("advarsel", False)], found
    assert found[0][2] in outcome.warnings
    loaded = query(register_db, "SELECT count(*) FROM core.eu_resultat WHERE kommunenr IN ('9977', '9978')")[0][0]
    assert f"{loaded} rader er lastet under kommunenummeret i filen" in said, said


def test_every_udir_file_for_a_municipality_without_a_register_warns_not_only_the_first(register_db, demo_dir,
                                                                                       tmp_path):
    """The first file registered the unknown municipality's schools from itself; the next files then loaded without a
    word, as if the register held them."""
    kommuner = {"9901": "8801", "9902": "8802"}
    first = ingest_file(_udir_file(demo_dir, tmp_path, "udir_148_indikator_2025-26_side1.json", kommuner, "88"),
                        register_db)
    second = ingest_file(_udir_file(demo_dir, tmp_path, MOBBING, kommuner, "88"), register_db)
    assert first.result == second.result == "lastet", (first.message, second.message)
    assert query(register_db, "SELECT count(*) FROM core.skole WHERE kommunenr = '8801'")[0][0]  # registered from file
    for outcome in (first, second):
        assert len(_warning(register_db, outcome)) == 1, outcome.message
        assert "Skoleregisteret har skoler i 9901 og 9902" in outcome.message, outcome.message
    assert query(register_db, "SELECT advarsler FROM core.ingest_log WHERE batch_id = ?", [second.batch_id])[0][0] >= 1


def test_a_file_that_holds_a_municipality_of_the_register_among_others_does_not_warn(register_db, demo_dir, tmp_path):
    """A national or county file names every municipality; the register holds only the owner's. Only the owner's
    own municipality in the file keeps the warning away, and the demo's own files never warn."""
    other = ingest_file(_udir_file(demo_dir, tmp_path, MOBBING, {"9901": "3401"}, out="fylket.json"), register_db)
    own = ingest_file(demo_dir / "udir_151_deltakelse_2025-26_side1.json", register_db)
    for outcome in (other, own):
        assert outcome.result == "lastet", outcome.message
        assert _warning(register_db, outcome) == [], outcome.message


FJELLVIK_SCHOOLS = {"Bakken barneskole", "Elvetun skole", "Fjellvik barneskole", "Fjellvik ungdomsskole", "Haugen skole",
                    "Nordli skole"}


def test_a_skoleporten_file_for_schools_only_a_survey_file_knows_warns(register_db, demo_dir, tmp_path):
    """Skoleporten's rows are matched to the schools the warehouse knows by name, and a Udir file had registered a
    municipality's schools without its register: the history loaded under that municipality without a word."""
    rows = [row for row in json.loads((demo_dir / MOBBING).read_text(encoding="utf-8"))
            if row["Kommunekode"] == "9901" or row["EnhetNivaa"] in ("1", "2")]
    for row in rows:
        if row["Kommunekode"] == "9901":
            row.update(Kommunekode="8801", Kommune="Nyvik", Organisasjonsnummer="88" + row["Organisasjonsnummer"][2:],
                       EnhetNavn="Nyvik" if row["EnhetNivaa"] == "3" else f"Nyvik {row['EnhetNavn']}")
    udir = tmp_path / "nyvik_150.json"
    udir.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert ingest_file(udir, register_db).result == "lastet"

    lines = (demo_dir / "skoleporten_laeringsmiljo_2019-2020.csv").read_text(encoding="utf-8-sig").splitlines()
    kept = [lines[0]]
    for line in lines[1:]:
        name, rest = line.split(";", 1)
        if name in FJELLVIK_SCHOOLS or name == "Fjellvik kommune":
            kept.append(f"Nyvik {name};{rest}" if name in FJELLVIK_SCHOOLS else f"Nyvik kommune;{rest}")
        elif name == "Nasjonalt":
            kept.append(line)
    history = tmp_path / "skoleporten_nyvik.csv"
    history.write_text("\n".join(kept) + "\n", encoding="utf-8")
    outcome = ingest_file(history, register_db)
    assert outcome.result == "lastet", outcome.message
    assert query(register_db, "SELECT count(*) FROM core.eu_resultat WHERE batch_id = ? AND kommunenr = '8801'",
                 [outcome.batch_id])[0][0]
    assert len(_warning(register_db, outcome)) == 1, outcome.message
    assert "Kommunen i filen (8801 Nyvik) står ikke i skoleregisteret" in outcome.message, outcome.message
