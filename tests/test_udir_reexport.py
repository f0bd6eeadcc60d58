"""A corrected or re-downloaded Udir export that leaves out a group an earlier load had: the rows are kept, and the
load says so (`udir_eksport.dropped_groups`). One page of a longer export speaks for nothing it lacks."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines import accounts, ingest
from pipelines.cli import main as cli
from pipelines.ingest import ingest_file
from pipelines.sources import udir_eksport
from pipelines.warehouse.connection import connect
from tests.conftest import query

YEAR = "2025-26"
INDEX = "Alle spørsmål"
GONE = ("10. trinn", "Jenter")
CSV_148 = "statistikkbank_148_indikator_2022-23.csv"


def file_checks(path: Path, db: Path, batch_id: str) -> list:
    """The warnings the file's own checks against the warehouse give (`SourceResult.after_load`) for its load
    `batch_id`: what the ingest adds to the load's findings, run here on the warehouse the load left."""
    checked = ingest.check_file(path.read_bytes(), path.name, db, None, lambda _stage: None)
    assert checked.error is None, checked.error
    with connect(db, read_only=False) as con:
        return [f for check in checked.result.after_load for f in check(con, batch_id) if not f.ok]


def loaded(path: Path, db: Path) -> str:
    outcome = ingest_file(path, db)
    assert outcome.result == "lastet", outcome.message
    return outcome.batch_id


def pages_148(demo_dir: Path) -> list[dict[str, str]]:
    return [row for side in (1, 2)
            for row in json.loads((demo_dir / f"udir_148_indikator_{YEAR}_side{side}.json").read_text(encoding="utf-8"))]


def as_one_page(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The export downloaded again as one page: its page fields say it is the whole export."""
    return [{**row, "Sidenummer": "1", "RaderSide": str(len(rows)), "RaderTotalt": str(len(rows))} for row in rows]


def in_group(row: dict[str, str], school: str, indicators: set[str]) -> bool:
    return (row["EnhetNavn"] == school and (row["Trinnnavn"], row["Kjoenn"]) == GONE
            and row["Spoersmaalgruppe"] in indicators)


def re_export_without_a_group(db: Path, demo_dir: Path, tmp_path: Path) -> tuple[Path, str, set[str], list[dict]]:
    """The demo's 148 for 2025-26 loaded as two pages, then downloaded again as one whole export without one school's
    10. trinn jenter for two indicators, and with one value corrected: (the new file, the school, the indicators,
    the rows left out)."""
    for side in (1, 2):
        loaded(demo_dir / f"udir_148_indikator_{YEAR}_side{side}.json", db)
    rows = pages_148(demo_dir)
    school = sorted({r["EnhetNavn"] for r in rows if r["EnhetNivaa"] == "4" and (r["Trinnnavn"], r["Kjoenn"]) == GONE})[0]
    indicators = {"Trivsel", "Støtte fra lærerne"}
    gone = [r for r in rows if in_group(r, school, indicators)]
    kept = [r for r in rows if not in_group(r, school, indicators)]
    kept[0] = {**kept[0], "Score": "1,1" if kept[0]["Score"] != "1,1" else "1,2"}  # and a value corrected
    path = tmp_path / f"udir_148_{YEAR}_rettet.json"
    path.write_text(json.dumps(as_one_page(kept), ensure_ascii=False), encoding="utf-8")
    return path, school, indicators, gone


def test_a_whole_re_export_without_a_group_warns_that_its_earlier_rows_are_kept(register_db, demo_dir, tmp_path):
    """The reviewer's case: a school's 10. trinn jenter is gone from the re-downloaded export (Udir withdrew or
    screened it) while another value is corrected. The old rows stay, and the load names them."""
    path, school, indicators, gone = re_export_without_a_group(register_db, demo_dir, tmp_path)
    outcome = ingest_file(path, register_db)
    assert outcome.result == "lastet", outcome.message
    batch = outcome.batch_id
    assert any(f"{school}, 10. trinn, jenter: Trivsel {YEAR}" in w for w in outcome.warnings), outcome.warnings
    assert query(register_db, "SELECT advarsler FROM core.ingest_log WHERE batch_id = ?", [batch]) == [(1,)]
    found = file_checks(path, register_db, batch)

    gone_index = [r for r in gone if r["Spoersmaalnavn"] == INDEX]
    assert len(found) == 1 and found[0].antall_avvik == len(gone_index) == 2, found
    for indicator in indicators:
        assert f"{school}, 10. trinn, jenter: {indicator} {YEAR}" in found[0].melding
    assert "beholdt" in found[0].melding and "trukket tilbake eller skjermet" in found[0].melding
    # The warning is true: the rows are still shown, from the earlier load.
    still = query(register_db, "SELECT count(*) FROM mart.elevundersokelsen WHERE enhet_navn = ? AND trinn = 10 "
                  "AND kjonn = 'jenter' AND skoleaar = ? AND batch_id <> ?", [school, YEAR, batch])
    assert still == [(len(gone_index),)]
    assert f"skolemiljo utelatte {batch} --fjern" in found[0].melding  # and how to remove them


def test_a_whole_re_export_without_a_school_names_the_school_and_removes_nothing(register_db, demo_dir, tmp_path):
    """A reviewer's find: a re-downloaded export that lacked one school altogether said nothing (only a trinn or kjønn
    missing within a school was told), and the school's old figures went on being shown as current."""
    for side in (1, 2):
        loaded(demo_dir / f"udir_148_indikator_{YEAR}_side{side}.json", register_db)
    rows = pages_148(demo_dir)
    kommunenr = {r["EnhetNavn"]: r["Kommunekode"] for r in rows if r["EnhetNivaa"] == "4"}
    school = sorted(n for n in kommunenr if sum(k == kommunenr[n] for k in kommunenr.values()) >= 3)[0]
    path = tmp_path / f"udir_148_{YEAR}_uten_en_skole.json"
    path.write_text(json.dumps(as_one_page([r for r in rows if r["EnhetNavn"] != school]), ensure_ascii=False),
                    encoding="utf-8")
    before = query(register_db, "SELECT count(*) FROM core.eu_resultat WHERE enhet_navn = ?", [school])[0][0]
    assert before > 0
    outcome = ingest_file(path, register_db)
    assert outcome.result == "lastet", outcome.message
    said = [w for w in outcome.warnings if "1 skole fra en tidligere innlasting" in w]
    assert len(said) == 1 and f"{school} ({YEAR})" in said[0] and f"({before} rader)" in said[0], outcome.warnings
    assert "sjekk i statistikkbanken" in said[0] and "--fjern" not in said[0]
    assert not any("fra en tidligere innlasting er beholdt" in w for w in outcome.warnings)  # no group within it
    assert query(register_db, "SELECT count(*) FROM core.eu_resultat WHERE enhet_navn = ?", [school]) == [(before,)]


def test_an_export_of_one_school_does_not_call_the_municipality_s_other_schools_left_out(register_db, demo_dir,
                                                                                       tmp_path):
    """An export chosen for one school has no other school of its municipality to go by: nothing is said."""
    for side in (1, 2):
        loaded(demo_dir / f"udir_148_indikator_{YEAR}_side{side}.json", register_db)
    rows = pages_148(demo_dir)
    school = sorted(r["EnhetNavn"] for r in rows if r["EnhetNivaa"] == "4")[0]
    path = tmp_path / f"udir_148_{YEAR}_en_skole.json"
    path.write_text(json.dumps(as_one_page([r for r in rows if r["EnhetNavn"] == school]), ensure_ascii=False),
                    encoding="utf-8")
    outcome = ingest_file(path, register_db)
    assert outcome.result == "lastet", outcome.message
    assert not any("skole fra en tidligere innlasting" in w or "skoler fra en tidligere innlasting" in w
                   for w in outcome.warnings), outcome.warnings


def test_the_rows_a_re_export_left_out_are_listed_and_removed_on_the_command_line(register_db, demo_dir, tmp_path,
                                                                                 capsys):
    """The warning says to have the kept rows removed once Udir has withdrawn them: there was no way but SQL.
    `skolemiljo utelatte FIL` lists them and changes nothing; with --fjern they are gone, and only they, the audit
    log says who did it, and the load's warning says they were removed."""
    path, school, _indicators, gone = re_export_without_a_group(register_db, demo_dir, tmp_path)
    batch = loaded(path, register_db)
    # Udir's downloads often share a name: a later load of another export under the same name, which warned of
    # nothing, must not hide the one that did
    (tmp_path / "senere").mkdir()
    other = [r for side in (1, 2) for r in json.loads(
        (demo_dir / f"udir_148_indikator_2024-25_side{side}.json").read_text(encoding="utf-8"))]
    (tmp_path / "senere" / path.name).write_text(json.dumps(as_one_page(other), ensure_ascii=False), encoding="utf-8")
    loaded(tmp_path / "senere" / path.name, register_db)
    gone_rows = ("SELECT count(*) FROM core.eu_resultat WHERE enhet_navn = ? AND trinn = 10 AND kjonn = 'jenter' "
                 "AND skoleaar = ? AND batch_id <> ?")
    before = query(register_db, "SELECT count(*) FROM core.eu_resultat")[0][0]
    left_out = query(register_db, gone_rows, [school, YEAR, batch])[0][0]
    assert left_out == len([r for r in gone if r["Spoersmaalnavn"] == INDEX]) > 0

    assert cli(["--db", str(register_db), "utelatte", str(path)]) == 0
    listed = capsys.readouterr().out
    assert f"{left_out} rader" in " ".join(listed.split()) and school in listed, listed
    assert query(register_db, "SELECT count(*) FROM core.eu_resultat")[0][0] == before

    assert cli(["--db", str(register_db), "utelatte", path.name, "--fjern"]) == 0
    assert "er fjernet" in capsys.readouterr().out
    assert query(register_db, gone_rows, [school, YEAR, batch]) == [(0,)]
    assert query(register_db, "SELECT count(*) FROM core.eu_resultat")[0][0] == before - left_out
    assert [e["hendelse"] for e in accounts.read_audit(register_db)].count("rader_fjernet") == 1
    warning = query(register_db, "SELECT melding FROM core.kvalitet WHERE batch_id = ? AND NOT ok", [batch])[0][0]
    assert "Fjernet" in warning, warning
    logged = query(register_db, "SELECT melding FROM core.ingest_log WHERE batch_id = ?", [batch])[0][0]
    assert "Fjernet" in logged, logged  # where `skolemiljo status` and Datakvalitet's load message show it

    assert cli(["--db", str(register_db), "utelatte", batch, "--fjern"]) == 0  # nothing left: nothing removed
    assert "Ingen rader" in capsys.readouterr().out
    assert query(register_db, "SELECT count(*) FROM core.eu_resultat")[0][0] == before - left_out


def test_the_left_out_command_removes_nothing_for_a_page_of_a_longer_export(register_db, demo_dir, capsys):
    """The demo's second 148 page shares units with the first: 130 of the first page's rows looked left out by it,
    and «--fjern» would have removed them. Only a load that warned of left-out rows is acted on."""
    for side in (1, 2):
        loaded(demo_dir / f"udir_148_indikator_{YEAR}_side{side}.json", register_db)
    before = query(register_db, "SELECT count(*) FROM core.eu_resultat")
    assert cli(["--db", str(register_db), "utelatte", f"udir_148_indikator_{YEAR}_side2.json", "--fjern"]) == 0
    assert "varslet ikke" in capsys.readouterr().out
    assert query(register_db, "SELECT count(*) FROM core.eu_resultat") == before


def test_the_left_out_command_refuses_a_file_that_is_not_a_loaded_udir_export(register_db, capsys):
    """A mistyped name, or the school register, is named as such: nothing is looked for, nothing removed."""
    assert cli(["--db", str(register_db), "utelatte", "finnes_ikke.json"]) == 1
    assert "Ingen innlastet fil heter «finnes_ikke.json»" in capsys.readouterr().err
    register = query(register_db, "SELECT filnavn FROM core.ingest_log WHERE kilde = 'skoleregister' "
                     "AND resultat = 'lastet'")[0][0]
    assert cli(["--db", str(register_db), "utelatte", register, "--fjern"]) == 1
    assert "ikke en eksport fra Udirs statistikkbank" in capsys.readouterr().err


def test_a_corrected_statistikkbank_csv_without_a_group_warns_too(register_db, demo_dir, tmp_path):
    """The same content saved from the statistikkbank's web export (`sep=;`, Windows-1252, CRLF)."""
    loaded(demo_dir / CSV_148, register_db)
    lines = (demo_dir / CSV_148).read_bytes().decode("cp1252").split("\r\n")
    header = lines[1].split(";")
    col = {name: i for i, name in enumerate(header)}
    data = [line.split(";") for line in lines[2:] if line]
    school = sorted({r[col["EnhetNavn"]] for r in data
                     if r[col["EnhetNivaa"]] == "4" and (r[col["Trinnnavn"]], r[col["Kjoenn"]]) == GONE})[0]
    keep = [r for r in data if not (r[col["EnhetNavn"]] == school and (r[col["Trinnnavn"]], r[col["Kjoenn"]]) == GONE
                                    and r[col["Spoersmaalgruppe"]] == "Trivsel")]
    for r in keep:
        r[col["RaderSide"]] = r[col["RaderTotalt"]] = str(len(keep))
    path = tmp_path / "statistikkbank_148_indikator_2022-23_ny.csv"
    path.write_bytes("\r\n".join([lines[0], lines[1], *(";".join(r) for r in keep)]).encode("cp1252") + b"\r\n")

    found = file_checks(path, register_db, loaded(path, register_db))

    assert len(found) == 1 and found[0].antall_avvik == 1, found
    assert f"{school}, 10. trinn, jenter: Trivsel 2022-23" in found[0].melding


def test_an_export_chosen_for_fewer_trinn_or_kjonn_does_not_warn_about_the_others(register_db, demo_dir, tmp_path):
    """A user who exports 7. trinn alone, or «Alle kjønn» alone, has not lost the other trinn or kjønn."""
    for side in (1, 2):
        loaded(demo_dir / f"udir_148_indikator_{YEAR}_side{side}.json", register_db)
    rows = pages_148(demo_dir)
    for name, chosen in (("7_trinn", [r for r in rows if r["Trinnnavn"] == "7. trinn"]),
                         ("alle_kjonn", [r for r in rows if r["Kjoenn"] == "Alle kjønn"])):
        path = tmp_path / f"udir_148_{YEAR}_{name}.json"
        path.write_text(json.dumps(as_one_page(chosen), ensure_ascii=False), encoding="utf-8")
        assert file_checks(path, register_db, loaded(path, register_db)) == [], name


def test_a_page_of_a_longer_export_does_not_speak_for_the_rows_of_the_other_pages(register_db, demo_dir):
    """`skolemiljo demo` loads 148 as two pages: the second page lacks what the first has, and says nothing of it."""
    first = demo_dir / f"udir_148_indikator_{YEAR}_side1.json"
    second = demo_dir / f"udir_148_indikator_{YEAR}_side2.json"
    loaded(first, register_db)
    checked = ingest.check_file(second.read_bytes(), second.name, register_db, None, lambda _stage: None)
    assert not any(getattr(c, "func", None) is udir_eksport.dropped_groups for c in checked.result.after_load)
    assert file_checks(second, register_db, loaded(second, register_db)) == []


def test_the_demo_loads_give_no_warning_about_kept_rows(register_db, demo_dir):
    """A normal sequence of loads: every Udir file of the demo, pages and whole exports, in order."""
    files = sorted(demo_dir.glob("udir_*.json")) + [demo_dir / CSV_148]
    for path in files:
        paged = any(p.stem.rsplit("_side", 1)[0] == path.stem.rsplit("_side", 1)[0] for p in files if p != path)
        checked = ingest.check_file(path.read_bytes(), path.name, register_db, None, lambda _stage: None)
        checks_dropped = any(getattr(c, "func", None) is udir_eksport.dropped_groups for c in checked.result.after_load)
        assert checks_dropped is not paged, path.name  # a whole export is checked for the rows it left out
        assert file_checks(path, register_db, loaded(path, register_db)) == [], path.name
