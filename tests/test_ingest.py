"""Ingest as a user meets it: whole or nothing, idempotent, newest delivery wins, nothing lost, clear reasons."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main as cli
from pipelines.ingest import ingest_file
from pipelines.warehouse import migrations, store
from pipelines.warehouse.connection import connect
from tests.conftest import first_row_changed, query, table_digest

FIRST_148 = "udir_148_indikator_2020-21_side1.json"


def _page(demo_dir: Path, name: str = FIRST_148) -> list[dict]:
    return json.loads((demo_dir / name).read_text("utf-8"))


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def _first_value_row(rows: list[dict], level: str = "4") -> int:
    return next(i for i, r in enumerate(rows) if r["EnhetNivaa"] == level and r["Score"] not in ("*", ""))


def test_demo_builds_a_warehouse_with_every_source_and_level(demo_db_master):
    levels = dict(query(demo_db_master, "SELECT enhet_niva, count(*) FROM mart.elevundersokelsen GROUP BY 1"))
    assert set(levels) == {"skole", "kommune", "fylke", "nasjonalt"}
    years = query(demo_db_master, "SELECT count(DISTINCT skoleaar) FROM mart.elevundersokelsen")[0][0]
    assert years >= 6
    assert query(demo_db_master, "SELECT count(*) FROM mart.skoler")[0][0] == 10
    assert query(demo_db_master, "SELECT count(DISTINCT kommunenr) FROM mart.skoler")[0][0] == 2
    suppressed = query(demo_db_master, "SELECT count(*) FROM mart.elevundersokelsen WHERE skjermet")[0][0]
    assert suppressed > 0
    # A suppressed value is never stored as a number.
    assert query(demo_db_master, "SELECT count(*) FROM mart.elevundersokelsen WHERE skjermet AND verdi IS NOT NULL")[0][0] == 0
    results = dict(query(demo_db_master, "SELECT resultat, count(*) FROM mart.ingest_log GROUP BY 1"))
    assert set(results) == {"lastet"}
    kinds = {r[0] for r in query(demo_db_master, "SELECT DISTINCT kilde FROM mart.ingest_log")}
    assert kinds == {
        "skoleregister", "udir_indikator", "udir_mobbing", "udir_deltakelse", "skoleporten",
        "ungdata_tabell", "ungdata_fhi", "saker", "teammoter", "teamrytme", "plan", "programstatus",
    }


def test_demo_values_for_all_pupils_lie_between_jenter_and_gutter(demo_db_master):
    """What a skolesjef sees in the demo adds up like real data: the value for all pupils of a school, municipality,
    county or the nation lies between the girls' and the boys' values (each rounded to Udir's one decimal), for every
    indicator, trinn and year where both are shown. It was drawn on its own, and could lie outside both."""
    found = query(demo_db_master, """
        SELECT count(*) AS cells,
               count(*) FILTER (WHERE a.verdi < least(j.verdi, g.verdi) - 1e-9
                                   OR a.verdi > greatest(j.verdi, g.verdi) + 1e-9) AS outside
        FROM mart.elevundersokelsen AS a
        JOIN mart.elevundersokelsen AS j ON j.kjonn = 'jenter' AND j.skoleaar = a.skoleaar
             AND j.enhet_niva = a.enhet_niva AND j.enhet_navn = a.enhet_navn AND j.trinn IS NOT DISTINCT FROM a.trinn
             AND j.indikator_kode = a.indikator_kode
        JOIN mart.elevundersokelsen AS g ON g.kjonn = 'gutter' AND g.skoleaar = a.skoleaar
             AND g.enhet_niva = a.enhet_niva AND g.enhet_navn = a.enhet_navn AND g.trinn IS NOT DISTINCT FROM a.trinn
             AND g.indikator_kode = a.indikator_kode
        WHERE a.kjonn = 'alle' AND a.verdi IS NOT NULL AND j.verdi IS NOT NULL AND g.verdi IS NOT NULL
    """)
    cells, outside = found[0]
    assert cells > 1000 and outside == 0, found


def test_mart_views_have_the_contract_columns(demo_db_master):
    expected = {
        "elevundersokelsen": [
            "skoleaar", "skoleaar_start", "enhet_niva", "orgnr", "kommunenr", "enhet_navn", "trinn", "kjonn",
            "indikator_kode", "indikator", "maal", "verdi", "standardavvik", "antall_besvart", "skjermet", "batch_id",
        ],
        # The contract's columns, then `nedlagt` and `opprettet` (added after it: a closed school's first day out of
        # use, an opened school's first day in use).
        "skoler": ["orgnr", "navn", "kommunenr", "kommune", "trinn_fra", "trinn_til", "elevtall", "skoleaar", "nedlagt",
                   "opprettet"],
        "ingest_log": [
            "batch_id", "kilde", "filnavn", "sha256", "startet", "ferdig", "resultat",
            "rader_inn", "rader_lastet", "rader_avvist", "melding",
        ],
    }
    for view, columns in expected.items():
        got = [r[0] for r in query(demo_db_master, f"DESCRIBE mart.{view}")]
        assert got == columns, view
    types = dict((r[0], r[1]) for r in query(demo_db_master, "DESCRIBE mart.elevundersokelsen"))
    assert types["trinn"] == "INTEGER" and types["skoleaar_start"] == "INTEGER"
    assert types["verdi"] == "DOUBLE" and types["skjermet"] == "BOOLEAN"


def test_rejected_file_leaves_warehouse_unchanged_and_says_where(demo_db, demo_dir, tmp_path):
    rows = _page(demo_dir)
    i = _first_value_row(rows)
    rows[i]["Score"] = "7,5"  # an index value outside 1–5
    bad = _write(tmp_path / "feil_score.json", rows)
    before = table_digest(demo_db)
    outcome = ingest_file(bad, demo_db)
    assert outcome.result == "avvist"
    assert "mellom 1 og 5" in outcome.message
    assert f"Rader: {i + 1}" in outcome.message and "verdi" in outcome.message
    assert table_digest(demo_db) == before
    log = query(demo_db, "SELECT resultat, rader_lastet FROM mart.ingest_log WHERE filnavn = 'feil_score.json'")
    assert log == [("avvist", 0)]
    # The verdict of the rejected file is kept for the data-quality page.
    failed = query(
        demo_db,
        "SELECT count(*) FROM core.kvalitet k JOIN mart.ingest_log l USING (batch_id) "
        "WHERE l.filnavn = 'feil_score.json' AND NOT k.ok AND k.alvorlighet = 'kritisk'",
    )[0][0]
    assert failed == 1


def test_survey_findings_name_the_file_s_own_columns_not_the_warehouse_s(demo_db, demo_dir, tmp_path):
    """A skolesjef read «Kolonne «orgnr»» and «Kolonne «standardavvik»» of a Udir export whose columns are
    «Organisasjonsnummer» and «Standardavvik»; a Skoleporten file has «Verdi», not «verdi»."""
    rows = _page(demo_dir)
    i = _first_value_row(rows)
    rows[i]["Organisasjonsnummer"] = "999999999"  # a school the register does not have: a warning
    rows[i]["Score"] = "7,5"  # outside 1–5: refused
    outcome = ingest_file(_write(tmp_path / "feil_score.json", rows), demo_db)
    assert outcome.result == "avvist" and "Kolonne «Score»" in outcome.message, outcome.message
    rows[i]["Score"] = "3,5"
    outcome = ingest_file(_write(tmp_path / "ukjent_skole.json", rows), demo_db)
    assert outcome.result == "lastet", outcome.message
    said = " ".join(outcome.warnings) + outcome.message
    assert "Kolonne «Organisasjonsnummer»" in said and "«orgnr»" not in said, said
    named = query(demo_db, "SELECT DISTINCT k.kolonne FROM core.kvalitet k JOIN mart.ingest_log l USING (batch_id) "
                           "WHERE l.filnavn = 'ukjent_skole.json' AND NOT k.ok")
    assert named == [("Organisasjonsnummer",)], named

    lines = (demo_dir / "skoleporten_laeringsmiljo_2019-2020.csv").read_text("utf-8-sig").splitlines()
    j = next(j for j, line in enumerate(lines) if line.endswith(";snitt") and ";Læringsmiljø;" in line
             and not line.startswith("Fjellvik barneskole;"))  # a name two schools share is left out
    fields = lines[j].split(";")
    fields[9] = "7,3"  # an index («snitt») outside 1–5
    lines[j] = ";".join(fields)
    outcome = ingest_file(_write_text(tmp_path / "skoleporten_feil.csv", "\n".join(lines) + "\n"), demo_db)
    assert outcome.result == "avvist" and "Kolonne «Verdi»" in outcome.message, outcome.message


def _replace_source(monkeypatch, name: str, **changes) -> None:
    """The registered source `name` with some of its parts replaced, for detection and by name alike."""
    from pipelines import registry

    old = registry.BY_NAME[name]
    new = dataclasses.replace(old, **changes)
    monkeypatch.setattr(registry, "SOURCES", [new if s is old else s for s in registry.SOURCES])
    monkeypatch.setitem(registry.BY_NAME, name, new)


def test_a_load_error_matters_only_when_the_checks_would_keep_the_file(demo_db, demo_dir, tmp_path, monkeypatch):
    # The rows go into the warehouse while GX checks them; a bad file must still be explained by GX, and a load
    # that fails for a good file must still fail loudly without leaving anything behind.

    def broken_load(con, frame, batch_id):
        con.execute("SELECT * FROM finnes_ikke")

    _replace_source(monkeypatch, "udir_indikator", load=broken_load)
    rows = _page(demo_dir)
    i = _first_value_row(rows)
    rows[i]["Score"] = "7,5"
    before = table_digest(demo_db)
    bad = ingest_file(_write(tmp_path / "feil_og_brudd.json", rows), demo_db)
    assert bad.result == "avvist" and "mellom 1 og 5" in bad.message
    rows[i]["Score"] = "1,5"
    with pytest.raises(duckdb.CatalogException):
        ingest_file(_write(tmp_path / "god_men_brudd.json", rows), demo_db)
    assert table_digest(demo_db) == before
    logged = query(demo_db, "SELECT filnavn, resultat FROM mart.ingest_log WHERE filnavn LIKE '%brudd%'")
    assert logged == [("feil_og_brudd.json", "avvist")]


@pytest.mark.timeout(120)  # the failure this guards against is a hang: the loading thread waiting for ever
def test_an_ingest_stopped_during_the_checks_keeps_nothing_and_lets_go_of_the_warehouse(
    demo_db, demo_dir, tmp_path, monkeypatch
):
    def interrupted(frame, known):
        raise KeyboardInterrupt  # Ctrl-C while GX runs; the loading thread is waiting for a verdict

    rows = _page(demo_dir)
    rows[_first_value_row(rows)]["Score"] = "1,5"
    path = _write(tmp_path / "avbrutt.json", rows)
    before = table_digest(demo_db)
    with monkeypatch.context() as patched:
        _replace_source(patched, "udir_indikator", validate=interrupted)
        with pytest.raises(KeyboardInterrupt):
            ingest_file(path, demo_db)
    assert table_digest(demo_db) == before
    assert query(demo_db, "SELECT count(*) FROM mart.ingest_log WHERE filnavn = 'avbrutt.json'") == [(0,)]
    assert ingest_file(path, demo_db).result == "lastet"  # the lock is free and the file was not marked loaded


def test_unparseable_number_is_refused_naming_row_and_column(demo_db, demo_dir, tmp_path):
    rows = _page(demo_dir)
    rows[3]["AntallBesvart"] = "mange"
    outcome = ingest_file(_write(tmp_path / "tekst.json", rows), demo_db)
    assert outcome.result == "avvist"
    assert "rad 4" in outcome.message and "AntallBesvart" in outcome.message


def test_file_with_a_fodselsnummer_is_refused_and_nothing_loaded(register_db, demo_dir, tmp_path):
    rows = _page(demo_dir)
    rows[5]["EnhetNavn"] = _valid_fnr()
    before = table_digest(register_db)
    outcome = ingest_file(_write(tmp_path / "person.json", rows), register_db)
    assert outcome.result == "avvist"
    assert "fødselsnummer" in outcome.message and "Rad 6" in outcome.message
    assert table_digest(register_db) == before
    shown = query(
        register_db,
        "SELECT k.ok FROM core.kvalitet k JOIN mart.ingest_log l USING (batch_id) "
        "WHERE l.filnavn = 'person.json' AND k.forventning = 'ingen_personopplysninger'",
    )
    assert shown == [(False,)]  # the data-quality page can say why


def test_a_file_named_with_a_fodselsnummer_is_refused_and_the_number_is_never_logged(demo_db, tmp_path):
    """A reviewer's find: file names reach the log, Datakvalitet, the audit log and the reports, and nothing
    checked them. A case file saved as «saker_oktober 15061234567.csv» is refused as person data; the log, which
    others read, has the name with the number taken out, and the file is not kept."""
    from dashboard import upload

    fnr = _valid_fnr()
    for name in (f"saker_oktober {fnr}.csv", f"saker_{fnr[:6]} {fnr[6:]}.csv", f"saker_{fnr[:6]}_{fnr[6:]}.csv",
                 f"saker_{fnr[:2]}_{fnr[2:4]}_{fnr[4:6]}+{fnr[6:]}.csv"):
        before = table_digest(demo_db)
        outcome = ingest_file(_write_text(tmp_path / name, "orgnr;maaned\n990012008;2026-10\n"), demo_db)
        assert outcome.result == "avvist" and "Filnavnet inneholder et fødselsnummer" in outcome.message
        assert table_digest(demo_db) == before
        logged = query(demo_db, "SELECT filnavn, arkivfil FROM core.ingest_log ORDER BY startet DESC LIMIT 1")[0]
        assert fnr not in logged[0].replace(" ", "") and "•••••••••••" in logged[0] and logged[1] is None, logged
        assert not re.search(r"\d{5}", upload.audit_detail(name, "avvist").split(":")[0]), name
    plain = ingest_file(_write_text(tmp_path / "saker_2026-10 990012008.csv", "x;y\n1;2\n"), demo_db)
    assert "Filnavnet" not in plain.message  # an orgnr and a month in a name are no fødselsnummer
    assert query(demo_db, "SELECT filnavn FROM core.ingest_log ORDER BY startet DESC LIMIT 1") == [
        ("saker_2026-10 990012008.csv",)]


def test_a_file_the_reader_cannot_read_quotes_nothing_is_not_kept_and_is_shown_only_to_its_loader(
        demo_db, demo_dir, tmp_path, monkeypatch):
    """A reviewer's find: Polars' message quoted the unreadable rows – one school's monthly case counts, and a pupil's
    name and fødselsnummer further down – into a log row with no municipalities, which every skoleeier read; and the
    file, never checked for person data, stayed in the archive."""
    import streamlit as st

    from dashboard import queries
    from dashboard.viewer import Viewer

    fnr = _valid_fnr()
    lines = (demo_dir / "saker_9902.csv").read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace(";Holmen skule;", ';"Holmen skule;')  # Excel's row 3 opens a quote it never closes
    lines[6] = f"{lines[6]} Kari Nordmann {fnr}"
    bad = tmp_path / "saker_holmen.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    outcome = ingest_file(bad, demo_db, user="per")
    assert outcome.result == "avvist"
    assert "rad 3" in outcome.message and "anførselstegn" in outcome.message, outcome.message
    (melding, arkivfil, kommuner), = query(
        demo_db, "SELECT melding, arkivfil, kommuner FROM core.ingest_log WHERE batch_id = ?", [outcome.batch_id])
    for text in (outcome.message, melding):
        assert fnr not in text and "Nordmann" not in text and "Holmen" not in text and "2024-08" not in text, text
    assert "ikke tatt vare på" in melding
    sha = hashlib.sha256(bad.read_bytes()).hexdigest()
    assert arkivfil is None and not list((demo_db.parent / "arkiv").glob(f"{sha[:2]}/{sha}*"))

    assert kommuner is None  # nothing read: no municipality it can be shown to by its rows
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    shown = {name: outcome.batch_id in queries.ingest_log(viewer)["batch_id"].to_list() for name, viewer in {
        "annen skoleeier": Viewer(kommuner=frozenset({"9901"}), brukernavn="ola"),
        "kommunens skoleeier": Viewer(kommuner=frozenset({"9902"}), brukernavn="kari"),
        "den som lastet": Viewer(kommuner=frozenset({"9902"}), brukernavn="per"),
        "administrator": Viewer(role="admin", kommuner=frozenset({"9901"}), brukernavn="admin"),
    }.items()}
    assert shown == {"annen skoleeier": False, "kommunens skoleeier": False, "den som lastet": True,
                     "administrator": True}


def test_an_older_warehouse_loses_the_quoted_rows_of_unreadable_files_from_its_log_and_archive(
        register_db, tmp_path, capsys):
    """What the version before left: a log row quoting the rows Polars could not read, seen by every skoleeier, and
    the file in the archive. `init` (migration 8) shortens the message; the archive check deletes the copy."""
    import datetime as dt

    from pipelines.ingest import PERSON_RULES_FILE, archive, new_batch_id

    db = register_db
    fnr = _valid_fnr()
    raw = f'orgnr;skole\n999000012;"Holmen\n999000013;Kari Nordmann {fnr}\n'.encode()
    sha = hashlib.sha256(raw).hexdigest()
    kept = archive(raw, sha, db, ".csv")
    old = ("Filen kunne ikke leses som CSV med skilletegn «semikolon»: could not parse `\"Holmen\n999000013;Kari "
           f"Nordmann {fnr}` as dtype `str` at column 'skole'")
    now = dt.datetime.now()
    with connect(db, read_only=False) as con:
        store.write_log_only(con, store.LogEntry(
            batch_id=new_batch_id(now), kilde=None, filnavn="saker_holmen.csv", sha256=sha, arkivfil=str(kept),
            startet=now, resultat="avvist", melding=old, kommuner=[]))
        con.execute("DELETE FROM meta.schema_version WHERE version >= 8")
    (db.parent / "arkiv" / PERSON_RULES_FILE).unlink()
    from pipelines import accounts

    accounts.audit(db, "opplasting", "per", f"saker_holmen.csv: avvist – {old[:280]}")  # as the upload page wrote it
    accounts.audit(db, "eksport", "per", "Saker.xlsx")

    assert cli(["--db", str(db), "init"]) == 0
    (melding, kommuner), = query(db, "SELECT melding, kommuner FROM core.ingest_log WHERE sha256 = ?", [sha])
    assert fnr not in melding and "Nordmann" not in melding and "Holmen" not in melding, melding
    assert melding.startswith("Filen kunne ikke leses som CSV med skilletegn «semikolon»: en rad kunne ikke leses")
    assert kommuner is None

    assert cli(["--db", str(db), "arkiv", "sjekk"]) == 0
    assert "SLETTET saker_holmen.csv" in capsys.readouterr().out
    assert not kept.exists()
    (arkivfil,), = query(db, "SELECT arkivfil FROM core.ingest_log WHERE sha256 = ?", [sha])
    assert arkivfil is None
    audit = {e["hendelse"]: e["detalj"] for e in accounts.read_audit(db)}
    assert "Nordmann" not in audit["opplasting"] and fnr not in audit["opplasting"], audit["opplasting"]
    assert audit["opplasting"] == ("saker_holmen.csv: avvist – Filen kunne ikke leses som CSV med skilletegn "
                                   "«semikolon»: (meldingen siterte filens innhold og er fjernet)")
    assert audit["eksport"] == "Saker.xlsx"


def _valid_fnr(first_nine: str = "150612345") -> str:
    """A made-up number with correct mod-11 check digits (no real person's number in the tests)."""
    d = [int(c) for c in first_nine]
    for base in range(int(first_nine), int(first_nine) + 200):
        d = [int(c) for c in f"{base:09d}"]
        k1 = (11 - sum(w * x for w, x in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), d, strict=True)) % 11) % 11
        k2 = (11 - sum(w * x for w, x in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), [*d, k1], strict=True)) % 11) % 11
        if k1 < 10 and k2 < 10:
            return "".join(map(str, d)) + f"{k1}{k2}"
    raise AssertionError("no valid check digits found")


def test_same_file_twice_changes_nothing(demo_db, demo_dir):
    before = table_digest(demo_db)
    code = cli(["--db", str(demo_db), "ingest", str(demo_dir / FIRST_148)])
    assert code == 0
    assert table_digest(demo_db) == before
    results = query(
        demo_db, "SELECT resultat FROM mart.ingest_log WHERE filnavn = ? ORDER BY ferdig", [FIRST_148]
    )
    assert [r[0] for r in results] == ["lastet", "allerede_lastet"]


def test_a_page_of_a_longer_udir_export_says_the_export_has_more_pages(register_db, demo_dir, tmp_path):
    """Page 1 of 2 loaded alone gave «1000 rader lastet.» and no word that 744 rows were on another page. Each row
    carries the page number and the export's total; a page holding the whole export says nothing."""
    rows = _page(demo_dir)
    total = int(rows[0]["RaderTotalt"])
    assert total > len(rows) and rows[0]["Sidenummer"] == "1"  # the demo's 148 export comes in two pages
    outcome = ingest_file(_write(tmp_path / "side1.json", rows), register_db)
    assert outcome.result == "lastet", outcome.message
    assert f"Filen er side 1 av en eksport på {total} rader; denne siden har {len(rows)}" in outcome.message
    assert outcome.warnings == []  # said, not counted as a warning: every page of a full export says it
    whole = [{**r, "RaderTotalt": str(len(rows[:50]))} for r in rows[:50]]
    outcome = ingest_file(_write(tmp_path / "hele.json", whole), register_db)
    assert outcome.result == "lastet" and "eksport på" not in outcome.message, outcome.message


def test_asking_whether_a_file_was_loaded_leaves_the_connection_usable(demo_db, demo_dir):
    """DuckDB refuses a connection's next query while a result stands unfinished; the ingest asks, then reads on."""
    sha = hashlib.sha256((demo_dir / FIRST_148).read_bytes()).hexdigest()
    with connect(demo_db, read_only=True) as con:
        assert store.loaded_batch(con, sha)
        assert migrations.current_version(con) == migrations.latest_version()
        assert store.schools(con).height == 10


def test_a_file_loaded_before_is_answered_without_waiting_for_its_parse(demo_db, demo_dir, monkeypatch):
    """The file is parsed while the warehouse is asked whether it has it; a «yes» does not wait for the parse."""
    import threading

    from pipelines import ingest

    released, parsed = threading.Event(), threading.Event()
    parse = ingest.read_sheet

    def slow_parse(raw, name):
        released.wait(10)  # released by the test once the answer is in; an ingest that waits for it waits 10 s
        parsed.set()
        return parse(raw, name)

    monkeypatch.setattr(ingest, "read_sheet", slow_parse)
    try:
        outcome = ingest_file(demo_dir / FIRST_148, demo_db)
        answered_before_parse = not parsed.is_set()
    finally:
        released.set()
    assert outcome.result == "allerede_lastet"
    assert answered_before_parse


def test_newer_delivery_replaces_the_older_value_and_the_log_keeps_both(demo_db, demo_dir, tmp_path):
    rows = _page(demo_dir)
    i = _first_value_row(rows)
    target = rows[i]
    target["Score"] = "1,5"
    newer = _write(tmp_path / "rettet_levering.json", [target])
    count_before = query(demo_db, "SELECT count(*) FROM mart.elevundersokelsen")[0][0]
    outcome = ingest_file(newer, demo_db)
    assert outcome.result == "lastet", outcome.message
    got = query(
        demo_db,
        "SELECT verdi, batch_id FROM mart.elevundersokelsen WHERE orgnr = ? AND skoleaar = ? "
        "AND indikator_kode = ? AND kjonn = 'alle' AND trinn IS NOT DISTINCT FROM ?",
        [target["Organisasjonsnummer"], target["Skoleaarnavn"], target["Spoersmaalkode"],
         None if target["Trinnnavn"] == "Alle trinn" else int(target["Trinnnavn"].split(".")[0])],
    )
    assert got == [(1.5, outcome.batch_id)]
    assert query(demo_db, "SELECT count(*) FROM mart.elevundersokelsen")[0][0] == count_before
    batches = query(
        demo_db, "SELECT count(*) FROM mart.ingest_log WHERE filnavn IN (?, ?) AND resultat = 'lastet'",
        [FIRST_148, "rettet_levering.json"],
    )[0][0]
    assert batches == 2


def _lists(db: Path) -> tuple[list, list]:
    return (
        query(db, "SELECT indikator_kode, indikator, maal FROM core.eu_indikator ORDER BY 1"),
        query(db, "SELECT skoleaar, skoleaar_start FROM core.eu_skoleaar ORDER BY 2"),
    )


def _lists_by_scan(db: Path) -> tuple[list, list]:
    return (
        query(db, "SELECT indikator_kode, arg_max(indikator, skoleaar_start), any_value(maal) "
                  "FROM mart.elevundersokelsen GROUP BY 1 ORDER BY 1"),
        query(db, "SELECT DISTINCT skoleaar, skoleaar_start FROM mart.elevundersokelsen ORDER BY 2"),
    )


def test_indicator_and_year_lists_follow_every_load(demo_db, demo_dir, tmp_path):
    # The Elevundersøkelsen page picks indicators and years from two lists the loader keeps (no scan of the rows):
    # they must say what the rows say, and an indicator is named as in the newest school year.
    assert _lists(demo_db) == _lists_by_scan(demo_db)
    rows = [r for r in _page(demo_dir, "udir_148_indikator_2025-26_side1.json") if r["SpoersmaalNivaa"] == "0"]
    code = rows[0]["Spoersmaalkode"]
    renamed = [dict(r, Spoersmaalgruppe="Nytt navn") for r in rows
               if r["Spoersmaalkode"] == code]
    older = [dict(r, Skoleaarnavn="2015-16", Spoersmaalgruppe="Gammelt navn")
             for r in renamed]
    assert ingest_file(_write(tmp_path / "nytt_navn.json", renamed), demo_db).rows_loaded == len(renamed)
    assert ingest_file(_write(tmp_path / "gammelt_aar.json", older), demo_db).rows_loaded == len(older)
    indicators, years = _lists(demo_db)
    scanned_indicators, scanned_years = _lists_by_scan(demo_db)
    assert years == scanned_years
    assert [(c, m) for c, _, m in indicators] == [(c, m) for c, _, m in scanned_indicators]
    # 2025-26 now holds both names (the delivery renamed only some rows): the newest delivery's name wins.
    assert {c: n for c, n, _ in indicators}[code] == "Nytt navn"
    assert years[0] == ("2015-16", 2015)


def test_every_file_is_archived_by_content_hash_even_when_rejected(register_db, tmp_path):
    bad = tmp_path / "tull.csv"
    bad.write_bytes(b"hei;og;hopp\n1;2;3\n")
    outcome = ingest_file(bad, register_db)
    assert outcome.result == "avvist"
    sha = hashlib.sha256(bad.read_bytes()).hexdigest()
    archived = register_db.parent / "arkiv" / sha[:2] / f"{sha}.csv"
    assert archived.read_bytes() == bad.read_bytes()
    assert "Kjenner ikke igjen formatet" in outcome.message


def test_cli_exit_codes_follow_the_contract(register_db, demo_dir, tmp_path, capsys):
    good = demo_dir / "udir_150_mobbing_2021-22_side1.json"
    bad = tmp_path / "tom.json"
    bad.write_text("[]", encoding="utf-8")
    assert cli(["--db", str(register_db), "ingest", str(good)]) == 0
    assert cli(["--db", str(register_db), "ingest", str(good)]) == 0  # already loaded is fine
    assert cli(["--db", str(register_db), "ingest", str(good), str(bad)]) == 1
    out = capsys.readouterr()
    assert "AVVIST" in out.out + out.err and "ingen rader" in (out.out + out.err)
    assert cli(["--db", str(register_db), "ingest", str(tmp_path / "finnes_ikke.csv")]) == 2
    with pytest.raises(SystemExit) as usage:
        cli(["--db", str(register_db), "ingest"])
    assert usage.value.code == 2
    assert cli(["--db", str(register_db), "status"]) == 0


def test_unknown_school_loads_with_a_warning_and_is_registered_from_the_file(register_db, demo_dir, tmp_path):
    rows = _page(demo_dir)
    i = _first_value_row(rows)
    new_school = dict(rows[i], Organisasjonsnummer="999999995", EnhetNavn="Ny skole")
    outcome = ingest_file(_write(tmp_path / "ny_skole.json", [new_school]), register_db)
    assert outcome.result == "lastet"
    assert any("ikke står i skoleregisteret" in w for w in outcome.warnings)
    assert query(register_db, "SELECT navn, trinn_fra, trinn_til FROM mart.skoler WHERE orgnr = '999999995'") == [
        ("Ny skole", None, None)
    ]


def test_a_result_for_a_trinn_the_school_lacks_loads_with_a_warning_naming_the_schools_trinn(
        register_db, demo_dir, tmp_path):
    """The warning said only that some trinn were outside the register's: it now says which, and what the school has."""
    rows = _page(demo_dir)
    i = next(i for i, r in enumerate(rows) if r["EnhetNavn"] == "Fjellvik barneskole" and r["TrinnKode"] == "27")
    ninth = dict(rows[i], TrinnKode="29", Trinnnavn="9. trinn")
    outcome = ingest_file(_write(tmp_path / "niende.json", [ninth]), register_db)
    assert outcome.result == "lastet", outcome.message
    warning = next(w for w in outcome.warnings if "trinn skolen ikke har" in w)
    assert "Eksempler: Fjellvik barneskole: 9. trinn (skolen har 1.–7.)" in warning  # which school, too


def test_a_register_without_a_school_says_the_school_stays(register_db, demo_dir, tmp_path):
    """Sørli closed, and the new register extract left it out: «2 rader lastet», and Sørli went on being asked for
    case reports every month without a word. The load says which schools of the file's municipalities it lacks and
    that they stay; a school of another municipality is not named."""
    lines = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    cols = header.split(";")
    fjellvik = [r for r in rows if r.split(";")[cols.index("kommunenr")] == "9901"]
    gone = fjellvik[-1].split(";")
    path = tmp_path / "skoleregister_ny.csv"
    path.write_text("\n".join([header, *fjellvik[:-1]]) + "\n", encoding="utf-8")
    outcome = ingest_file(path, register_db)
    assert outcome.result == "lastet", outcome.message
    said = f"1 skole i registeret står ikke i denne filen: {gone[cols.index('navn')]} ({gone[cols.index('orgnr')]})"
    assert said in outcome.message, outcome.message
    assert "9902" not in outcome.message and "Sjøbygd" not in outcome.message
    assert query(register_db, "SELECT count(*) FROM core.skole WHERE orgnr = ?", [gone[cols.index("orgnr")]]) == [(1,)]


def test_skoleporten_file_needs_the_register_first(tmp_path, demo_dir):
    db = tmp_path / "tom.duckdb"
    store.init(db)
    outcome = ingest_file(demo_dir / "skoleporten_laeringsmiljo_2019-2020.csv", db)
    assert outcome.result == "avvist"
    assert "skoleregisteret først" in outcome.message


def test_skoleporten_rows_are_matched_by_name_and_skipped_rows_reported(register_db, demo_dir):
    code = cli(["--db", str(register_db), "ingest", str(demo_dir / FIRST_148)])
    assert code == 0
    outcome = ingest_file(demo_dir / "skoleporten_laeringsmiljo_2019-2020.csv", register_db)
    assert outcome.result == "lastet", outcome.message
    assert "Læringsresultater" in outcome.message
    assert "Gamle Haugen skole" in outcome.message
    # "SJØBYGD SKOLE" in the file is "Sjøbygd skule" in the register; Trivsel keeps its Udir code.
    rows = query(
        register_db,
        "SELECT DISTINCT s.navn FROM mart.elevundersokelsen e JOIN mart.skoler s USING (orgnr) "
        "WHERE e.skoleaar = '2019-20' AND e.indikator_kode = 'EUIndeks_1379'",
    )
    assert ("Sjøbygd skule",) in rows and ("Holmen skule",) in rows


def test_skoleporten_loaded_before_udir_ends_on_the_udir_code_with_one_value_per_key(register_db, demo_dir, tmp_path):
    """Loaded before any Udir file, Skoleporten's Trivsel got the code `SP_trivsel`; a Udir file then added
    `EUIndeks_1379` beside it: two Trivsel rows per key where the sources overlap, and the trend split over two
    codes. The Udir file's code now reaches the older rows, and its value stands where both have one."""
    (school, name) = query(register_db, "SELECT orgnr, navn FROM mart.skoler WHERE kommunenr = '9901' "
                                        "AND trinn_til >= 7 ORDER BY orgnr LIMIT 1")[0]
    overlap = tmp_path / "skoleporten_2020-2021.csv"
    header = (demo_dir / "skoleporten_laeringsmiljo_2019-2020.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    overlap.write_text(header + "\n" + ";".join([
        name, "Grunnskole", "Læringsmiljø", "Elevundersøkelsen", "Trivsel", "2020-2021", "Alle eierformer", "Trinn 7",
        "Begge kjønn", "1,1", "snitt"]) + "\n", encoding="utf-8")
    for path in (demo_dir / "skoleporten_laeringsmiljo_2019-2020.csv", overlap, demo_dir / FIRST_148):
        outcome = ingest_file(path, register_db)
        assert outcome.result == "lastet", outcome.message
    codes = query(register_db, "SELECT DISTINCT indikator_kode FROM mart.elevundersokelsen WHERE indikator = 'Trivsel'")
    assert codes == [("EUIndeks_1379",)]
    assert query(register_db, "SELECT count(*) FROM mart.elevundersokelsen WHERE indikator_kode = 'EUIndeks_1379' "
                              "AND skoleaar = '2019-20' AND enhet_niva = 'skole'")[0][0] > 0
    same_key = query(register_db, "SELECT verdi FROM mart.elevundersokelsen WHERE indikator_kode = 'EUIndeks_1379' "
                                  "AND orgnr = ? AND skoleaar = '2020-21' AND trinn = 7 AND kjonn = 'alle'", [school])
    assert len(same_key) == 1 and same_key[0][0] != pytest.approx(1.1), same_key
    assert not query(register_db, "SELECT * FROM core.eu_indikator WHERE indikator_kode = 'SP_trivsel'")


def test_every_loaded_files_rows_are_counted_once_as_loaded_skipped_or_refused(demo_db_master):
    """Datakvalitet showed Skoleporten's 343 rows as 324 loaded, 19 skipped and 1 refused: the row of a school not in
    the register was counted both as skipped and as refused."""
    rows = query(demo_db_master, "SELECT l.filnavn, l.rader_inn, l.rader_lastet, c.rader_hoppet_over, l.rader_avvist "
                                 "FROM mart.ingest_log l JOIN core.ingest_log c USING (batch_id) "
                                 "WHERE l.resultat = 'lastet'")
    assert any(name.startswith("skoleporten") and refused for name, *_, refused in rows), rows
    wrong = [r for r in rows if r[1] != r[2] + r[3] + r[4]]
    assert not wrong, wrong


def test_init_creates_and_upgrades_an_older_warehouse_in_place(tmp_path, monkeypatch, demo_dir):
    db = tmp_path / "gammel.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    assert cli(["--db", str(db), "ingest", str(demo_dir / "skoleregister.csv")]) == 0
    with connect(db, read_only=True) as con:
        assert migrations.current_version(con) == migrations.latest_version()
    shipped = migrations.available()
    extra = (999, "test kolonne", "ALTER TABLE core.skole ADD COLUMN testfelt VARCHAR;")
    monkeypatch.setattr(migrations, "available", lambda: [*shipped, extra])
    assert cli(["--db", str(db), "init"]) == 0
    with connect(db, read_only=True) as con:
        assert migrations.current_version(con) == 999
        assert con.execute("SELECT count(*) FROM core.skole").fetchone()[0] == 10
        assert "testfelt" in [r[0] for r in con.execute("DESCRIBE core.skole").fetchall()]
    assert cli(["--db", str(db), "init"]) == 0  # running it again is harmless


def _before_migration_7(con) -> None:
    con.execute("DROP VIEW mart.publisert; DROP VIEW mart.saker_publisert; DROP VIEW mart.teammoter_publisert")
    con.execute("DROP TABLE core.publisert; DROP TABLE core.saker_publisert; DROP TABLE core.teammoter_publisert")


def _before_migration_6(con) -> None:
    _before_migration_7(con)
    con.execute("ALTER TABLE core.ingest_log DROP COLUMN kommuner")
    con.execute("ALTER TABLE core.ingest_log DROP COLUMN lastet_av")


def test_an_older_warehouse_learns_each_loaded_files_municipalities_from_its_rows(demo_db):
    """Datakvalitet shows a skoleeier the files of their own municipalities: files loaded before the log kept them
    get them from the rows they left (migration 6)."""
    with connect(demo_db, read_only=False) as con:
        expected = con.execute(
            "SELECT batch_id, kommuner FROM core.ingest_log WHERE resultat = 'lastet' ORDER BY batch_id").fetchall()
        _before_migration_6(con)
        con.execute("DELETE FROM meta.schema_version WHERE version >= 6")
    assert cli(["--db", str(demo_db), "init"]) == 0
    assert query(demo_db, "SELECT batch_id, kommuner FROM core.ingest_log WHERE resultat = 'lastet' "
                          "ORDER BY batch_id") == expected
    assert {tuple(k) for _, k in expected} >= {("9901",), ("9902",)}


def test_the_indicator_and_year_lists_are_filled_from_the_rows_of_an_older_warehouse(demo_db):
    with connect(demo_db, read_only=False) as con:  # as a warehouse from before migration 4
        con.execute("DROP TABLE core.eu_indikator; DROP TABLE core.eu_skoleaar")
        con.execute("ALTER TABLE core.ingest_log DROP COLUMN radnumre")  # migration 5
        _before_migration_6(con)
        con.execute("DELETE FROM meta.schema_version WHERE version >= 4")
    assert cli(["--db", str(demo_db), "init"]) == 0
    assert _lists(demo_db) == _lists_by_scan(demo_db)
    assert len(_lists(demo_db)[0]) > 5


def test_messages_logged_before_rows_followed_excel_stay_marked_and_the_data_quality_page_says_so(
        demo_db, demo_dir, tmp_path, monkeypatch, capsys):
    """A warehouse from before migration 5 keeps its messages as they were (rows counted under the header); they are
    marked, and the page explains them apart from the new ones, which name Excel's rows."""
    from streamlit.testing.v1 import AppTest

    from dashboard.labels import OLD_ROW_NUMBERS, ROW_NUMBERS
    from pipelines.errors import ROW_NUMBERS_TABLE
    from tests.test_pages import APP, OWNER

    # A file loaded with a warning: its message names a row (the demo's own files pass every check).
    # Open at the end of the month no longer follows from new − closed.
    drift = tmp_path / "saker_9902_rettet.csv"
    drift.write_text(first_row_changed(demo_dir, "saker_9902.csv", -2, 3), encoding="utf-8")
    assert ingest_file(drift, demo_db).result == "lastet"
    with connect(demo_db, read_only=False) as con:  # as a warehouse from before migration 5
        con.execute("ALTER TABLE core.ingest_log DROP COLUMN radnumre")
        _before_migration_6(con)
        con.execute("DELETE FROM meta.schema_version WHERE version >= 5")
    assert cli(["--db", str(demo_db), "init"]) == 0
    logged = query(demo_db, "SELECT count(*) FROM core.ingest_log")[0][0]
    assert query(demo_db, "SELECT radnumre, count(*) FROM core.ingest_log GROUP BY ALL") == [
        ("under_overskriften", logged)]

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))

    def captions(filnavn: str | None = None) -> list[str]:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["viewer"] = OWNER
        at.switch_page("views/datakvalitet.py")
        at.run()
        if filnavn:  # choose the file whose checks are shown
            batch = query(demo_db, "SELECT batch_id FROM core.ingest_log WHERE filnavn = ?", [filnavn])[0][0]
            next(s for s in at.selectbox if s.label == "Fil").set_value(batch).run()
        assert not at.exception, [e.value for e in at.exception]
        return [c.value for c in at.caption]

    assert OLD_ROW_NUMBERS in captions(drift.name)  # an old file whose warning names a row
    lines = (demo_dir / "skoleregister.csv").read_text("utf-8-sig").splitlines()
    new = tmp_path / "skoleregister_ny.csv"
    new.write_text("\n".join([*lines, lines[-1].replace("Skule", "Skole", 1)]) + "\n", encoding="utf-8")
    ingest_file(new, demo_db)
    assert query(demo_db, "SELECT radnumre FROM core.ingest_log WHERE filnavn = 'skoleregister_ny.csv'") == [("excel",)]
    shown = captions()  # now the newest file is a new one: its findings name Excel's rows
    assert ROW_NUMBERS_TABLE in shown and f"{ROW_NUMBERS} {OLD_ROW_NUMBERS}" in shown

    capsys.readouterr()
    assert cli(["--db", str(demo_db), "status"]) == 0
    printed = " ".join(capsys.readouterr().out.split())  # rich folds long lines
    assert "¹" in printed and " ".join(f"¹ {OLD_ROW_NUMBERS}".split()) in printed


@pytest.mark.parametrize("name", [
    "skoleregister.csv", "saker_9902.csv", "teammoter_9902.csv", "teamrytme.csv", "programstatus_9902.csv",
    "ungdata_9901_2021.csv", "kommunehelsa_ungdata_ungdomstrinn.csv", "statistikkbank_148_indikator_2022-23.csv",
])
def test_a_csv_ending_in_blank_lines_loads_as_the_file_without_them(demo_db, demo_dir, tmp_path, name):
    """Excel and editors leave blank lines and lines of bare separators at the end; they are not rows to refuse."""
    from pipelines.ingest import read_table

    original = demo_dir / name
    raw = original.read_bytes()
    sep = b";" if raw.count(b";") > raw.count(b",") else b","
    columns = raw.splitlines()[-1].count(sep)
    padded = tmp_path / name
    padded.write_bytes(raw.rstrip(b"\r\n") + b"\r\n\r\n" + sep * columns + b"\r\n \r\n")
    outcome = ingest_file(padded, demo_db)
    assert outcome.result == "lastet", outcome.message
    assert outcome.rows_in == read_table(raw, name).height


@pytest.mark.parametrize("name", [
    "skoleregister.csv", "saker_9902.csv", "teammoter_9902.csv", "teamrytme.csv", "programstatus_9902.csv",
    "ungdata_9901_2021.csv", "kommunehelsa_ungdata_ungdomstrinn.csv", "statistikkbank_148_indikator_2022-23.csv",
])
@pytest.mark.parametrize("blank", ["", "separators"])
def test_a_blank_row_in_the_middle_is_left_out_counted_and_the_rows_after_it_keep_their_numbers(
        demo_db, demo_dir, tmp_path, name, blank):
    """A blank line or a line of bare separators among the data is not a row to refuse or load: the file loads as
    it would without it, the log says «hoppet over: 1 tom rad», and a row after it is named by its row in Excel."""
    raw = (demo_dir / name).read_bytes()
    sep = b";" if raw.count(b";") > raw.count(b",") else b","
    lines = raw.splitlines()
    top = 2 if lines[0].lower().startswith(b"sep=") else 1  # Excel's «sep=;» line, then the header
    line = sep * lines[-1].count(sep) if blank else b""
    with_blank = tmp_path / name
    with_blank.write_bytes(b"\r\n".join([*lines[:top + 2], line, *lines[top + 2:]]) + b"\r\n")  # after 2 rows
    outcome = ingest_file(with_blank, demo_db)
    assert outcome.result == "lastet", outcome.message
    loaded_before = query(demo_db, "SELECT rader_lastet FROM mart.ingest_log WHERE filnavn = ? AND resultat = "
                                   "'lastet' ORDER BY ferdig LIMIT 1", [name])[0][0]
    assert outcome.rows_loaded == loaded_before
    assert outcome.rows_in == len(lines) - top + 1  # the header is not a row; the blank one is, and is skipped
    assert "Hoppet over: 1 tom rad" in outcome.message

    broken = tmp_path / ("ødelagt_" + name)  # the row after the blank one, made unreadable in every column
    unreadable = sep.join([b"?"] * (lines[-1].count(sep) + 1))
    broken.write_bytes(b"\r\n".join([*lines[:top + 2], line, unreadable, *lines[top + 3:]]))
    refused = ingest_file(broken, demo_db)
    if refused.result == "avvist":  # the Udir table leaves an unknown row out as a question row instead
        # Excel's row: the header is 1 (Excel hides a «sep=;» line), two rows, the blank one, then this one.
        assert re.search(r"\brad 5, kolonne", refused.message), refused.message


def test_an_error_in_an_xlsx_with_title_rows_names_the_row_excel_shows(register_db, demo_dir, tmp_path):
    """A municipality's own workbook has a title and a blank row above the header: «rad 6» is Excel's row 6."""
    from openpyxl import Workbook

    lines = [line.split(";") for line in (demo_dir / "skoleregister.csv").read_text("utf-8-sig").splitlines()]
    lines = lines[1:] if lines[0][0].lower().startswith("sep=") else lines
    book = Workbook()
    ws = book.active
    ws["A1"] = "Skoleregister for Sjøbygd og Vika"
    ws.append([])
    for cells in lines[:5]:  # the header on row 3, rows 4–7
        ws.append(cells)
    ws.cell(6, lines[0].index("orgnr") + 1).value = "12345"
    path = tmp_path / "skoleregister_med_tittel.xlsx"
    book.save(path)
    outcome = ingest_file(path, register_db)
    assert outcome.result == "avvist"
    assert "(rad 6, kolonne «orgnr»)" in outcome.message, outcome.message


def test_a_csv_with_a_sep_line_names_rows_as_excel_shows_them_in_refusals_and_the_person_data_check(
        register_db, demo_dir, tmp_path):
    """Excel reads a «sep=;» line and does not show it: the header is row 1 there, the second data row is row 3."""
    from tests.test_sources import make_fodselsnummer

    lines = (demo_dir / "skoleregister.csv").read_text("utf-8-sig").splitlines()
    lines = lines[1:] if lines[0].lower().startswith("sep=") else lines
    orgnr_at = lines[0].split(";").index("orgnr")
    navn_at = lines[0].split(";").index("navn")

    def with_cell(at: int, value: str) -> list[str]:
        cells = lines[2].split(";")
        cells[at] = value
        return ["sep=;", lines[0], lines[1], ";".join(cells), *lines[3:6]]

    bad = tmp_path / "skoleregister_sep.csv"
    bad.write_text("\n".join(with_cell(orgnr_at, "12345")) + "\n", encoding="utf-8")
    assert "(rad 3, kolonne «orgnr»)" in ingest_file(bad, register_db).message
    person = tmp_path / "skoleregister_person.csv"
    person.write_text("\n".join(with_cell(navn_at, make_fodselsnummer())) + "\n", encoding="utf-8")
    outcome = ingest_file(person, register_db)
    assert outcome.result == "avvist"
    assert "Rad 3, kolonne «navn»" in outcome.message, outcome.message


def test_a_file_with_a_header_and_no_rows_is_refused_and_changes_nothing(register_db, demo_dir, tmp_path):
    header = (demo_dir / "saker_9902.csv").read_text("utf-8").splitlines()[0]
    empty = tmp_path / "saker_tom.csv"
    empty.write_text(header + "\n;;;;;;;\n\n", encoding="utf-8")
    before = table_digest(register_db)
    outcome = ingest_file(empty, register_db)
    assert outcome.result == "avvist"
    assert outcome.message == "Filen har en overskriftsrad, men ingen rader med data."
    assert table_digest(register_db) == before
    assert query(register_db, "SELECT resultat FROM core.ingest_log WHERE filnavn = 'saker_tom.csv'") == [("avvist",)]


@pytest.mark.parametrize("period", [None, "maaned"])
def test_a_newer_delivery_replaces_by_key_whether_or_not_the_delete_is_left_out(period):
    """Same key → the new row wins (null keys too); a new month → added beside; told the delivery column or not."""
    import polars as pl

    con = duckdb.connect()
    con.execute("CREATE TABLE t (skole VARCHAR, maaned VARCHAR, trinn INTEGER, antall INTEGER, batch_id VARCHAR)")
    con.execute("INSERT INTO t VALUES ('a', '2025-09', 5, 1, 'b1'), ('a', '2025-09', NULL, 2, 'b1'), "
                "('b', '2025-09', 5, 3, 'b1'), ('a', NULL, 5, 4, 'b1')")
    key = ["skole", "maaned", "trinn"]

    def deliver(rows, batch):
        frame = pl.DataFrame(rows, schema={"skole": pl.String, "maaned": pl.String, "trinn": pl.Int32,
                                           "antall": pl.Int32}, orient="row")
        return store.replace_by_key(con, "t", frame, key, batch, period=period)

    def table():
        return sorted(con.execute("SELECT * FROM t").fetchall(), key=str)

    assert deliver([("a", "2025-10", 5, 10)], "b2") == 1  # a new month: added, nothing replaced
    assert ("a", "2025-09", 5, 1, "b1") in table() and ("a", "2025-10", 5, 10, "b2") in table()
    deliver([("a", "2025-09", None, 20), ("b", "2025-09", 5, 30)], "b3")  # same keys, a blank trinn among them
    assert ("a", "2025-09", None, 20, "b3") in table() and ("a", "2025-09", None, 2, "b1") not in table()
    assert ("b", "2025-09", 5, 30, "b3") in table() and ("b", "2025-09", 5, 3, "b1") not in table()
    deliver([("a", None, 5, 40)], "b4")  # a blank month matches the blank month (null-safe)
    assert ("a", None, 5, 40, "b4") in table() and ("a", None, 5, 4, "b1") not in table()
    assert len(table()) == 5


def test_archive_check_deletes_a_file_older_rules_let_through_keeps_its_rows_and_says_so(
    register_db, demo_dir, tmp_path, capsys
):
    """A case-count file with a fødselsnummer in a comment column was loaded, and kept, before the rules found it.

    `skolemiljo arkiv sjekk` (and `init`, after an upgrade) checks the archive with today's rules: that copy goes,
    the log says why, and every other archived file and every loaded row stays."""
    import datetime as dt

    from pipelines.ingest import PERSON_RULES_FILE, archive, archive_needs_rescan, new_batch_id
    from tests.test_sources import make_fodselsnummer

    db = register_db
    assert not archive_needs_rescan(db)  # a new archive holds only files checked by today's rules
    assert cli(["--db", str(db), "ingest", str(demo_dir / "saker_9902.csv")]) == 0
    clean_sha = hashlib.sha256((demo_dir / "saker_9902.csv").read_bytes()).hexdigest()

    # What an older version left behind: the raw file in the archive and a log row saying it was loaded.
    lines = (demo_dir / "saker_9902.csv").read_text(encoding="utf-8-sig").splitlines()
    lines = [lines[0] + ";kommentar", lines[1] + f";Gjelder elev {make_fodselsnummer()}", *lines[2:]]
    raw = ("\n".join(lines) + "\n").encode()
    sha = hashlib.sha256(raw).hexdigest()
    kept = archive(raw, sha, db, ".csv")
    now = dt.datetime.now()
    entry = store.LogEntry(batch_id=new_batch_id(now), kilde="saker", filnavn="saker_gammel.csv", sha256=sha,
                           arkivfil=str(kept), startet=now, resultat="lastet", melding="Lastet.")
    with connect(db, read_only=False) as con:
        store.write_log_only(con, entry)
    (db.parent / "arkiv" / PERSON_RULES_FILE).unlink()
    before = table_digest(db)
    others = sorted(p for p in (db.parent / "arkiv").glob("??/*") if p != kept)
    assert archive_needs_rescan(db)
    capsys.readouterr()

    assert cli(["--db", str(db), "status"]) == 0
    assert "skolemiljo arkiv sjekk" in capsys.readouterr().out
    assert cli(["--db", str(db), "arkiv", "sjekk"]) == 0
    out = capsys.readouterr().out
    assert "SLETTET saker_gammel.csv" in out and "«kommentar»" in out, out

    assert not kept.exists()
    assert sorted(p for p in (db.parent / "arkiv").glob("??/*")) == others  # the clean saker file and the register
    assert any(p.stem == clean_sha for p in others)
    (arkivfil, melding), = query(db, "SELECT arkivfil, melding FROM core.ingest_log WHERE sha256 = ?", [sha])
    assert arkivfil is None and melding.startswith("Lastet. Arkivkopien ble slettet ")
    assert "personopplysninger" in melding
    assert table_digest(db) == before  # rows loaded from it are the warehouse's own columns: kept
    assert not archive_needs_rescan(db)
    assert cli(["--db", str(db), "arkiv", "sjekk"]) == 0
    assert "Ingen arkivfil har personopplysninger" in capsys.readouterr().out

    again = tmp_path / "saker_gammel.csv"  # given once more: already loaded, and still not kept
    again.write_bytes(raw)
    assert ingest_file(again, db).result == "allerede_lastet"
    assert not kept.exists()


def test_a_register_headed_in_norwegian_as_kept_by_hand_loads_like_the_template(tmp_path, demo_dir):
    """«Organisasjonsnummer;Skolenavn;Kommunenummer;Kommune;Fra trinn;Til trinn;Antall elever» was refused as an
    unknown format, while the meeting log took its Norwegian headers."""
    template = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    assert template[0].split(";")[:7] == ["orgnr", "navn", "kommunenr", "kommune", "trinn_fra", "trinn_til", "elevtall"]
    norwegian = tmp_path / "skoler.csv"
    norwegian.write_text("\n".join(
        ["Organisasjonsnummer;Skolenavn;Kommunenummer;Kommune;Fra trinn;Til trinn;Antall elever"] + template[1:]) + "\n",
        encoding="cp1252")
    plain, db = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    for warehouse, path in ((plain, demo_dir / "skoleregister.csv"), (db, norwegian)):
        store.init(warehouse)
        outcome = ingest_file(path, warehouse)
        assert outcome.result == "lastet" and outcome.source == "skoleregister", outcome.message
    same = "SELECT orgnr, navn, kommunenr, kommune, trinn_fra, trinn_til, elevtall FROM mart.skoler ORDER BY orgnr"
    assert query(db, same) == query(plain, same)
    twice = tmp_path / "to.csv"
    twice.write_text("orgnr;navn;Skolenavn;kommunenr;kommune;trinn_fra;trinn_til;elevtall\n"
                     "999999995;Ny skole;Ny skole;9901;Fjellvik;1;7;100\n", encoding="utf-8")
    store.init(tmp_path / "c.duckdb")
    refused = ingest_file(twice, tmp_path / "c.duckdb")
    assert refused.result == "avvist" and "«navn» og «Skolenavn» betyr det samme" in refused.message, refused.message


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_register_for_an_older_school_year_is_refused_and_changes_nothing(demo_db, demo_dir, tmp_path):
    """An operator loaded a 2023-24 register over the 2026-27 one: «4 rader lastet», and a school that had become 1–7
    was asked for MOT on 8.–10. trinn again. It is refused, naming the years; this year's register still loads."""
    from pipelines.sources.skoleregister import current_school_year

    lines = (demo_dir / "skoleregister.csv").read_text("utf-8").splitlines()
    held = query(demo_db, "SELECT DISTINCT skoleaar FROM core.skole WHERE trinn_fra IS NOT NULL")
    assert held == [(current_school_year(),)]
    header, first, *rest = lines
    old = tmp_path / "skoleregister_2023-24.csv"
    old.write_text("\n".join([header + ";skoleaar", *(f"{line};2023-24" for line in [first, *rest])]) + "\n", "utf-8")
    before = table_digest(demo_db, ["core.skole"])
    outcome = ingest_file(old, demo_db)
    assert outcome.result == "avvist", outcome.message
    assert f"for 2023-24, men lageret har registeret for {current_school_year()}" in outcome.message
    assert "rad 2" in outcome.message and "skoleaar" in outcome.message
    assert table_digest(demo_db, ["core.skole"]) == before
    bigger = first.rsplit(";", 1)[0] + ";" + str(int(first.rsplit(";", 1)[1]) + 1)
    now = tmp_path / "skoleregister_i_aar.csv"
    now.write_text("\n".join([header + ";skoleaar", f"{bigger};{current_school_year()}"]) + "\n", "utf-8")
    assert ingest_file(now, demo_db).result == "lastet"


def test_a_register_for_a_school_year_not_yet_begun_is_refused_and_changes_nothing(demo_db, demo_dir, tmp_path):
    """Next year's register loaded in December took effect at once: a school opening next August was asked for this
    year's programme status, and a school becoming 1–7 lost this year's MOT. It is refused until its year begins."""
    from pipelines.sources.skoleregister import current_school_year

    start = int(current_school_year()[:4]) + 1
    next_year = f"{start}-{(start + 1) % 100:02d}"
    header, first, *rest = (demo_dir / "skoleregister.csv").read_text("utf-8").splitlines()
    ahead = tmp_path / f"skoleregister_{next_year}.csv"
    ahead.write_text("\n".join([header + ";skoleaar", *(f"{line};{next_year}" for line in [first, *rest])]) + "\n",
                     "utf-8")
    before = table_digest(demo_db, ["core.skole"])
    outcome = ingest_file(ahead, demo_db)
    assert outcome.result == "avvist", outcome.message
    assert f"for {next_year}, som ikke har begynt (inneværende skoleår er {current_school_year()})" in outcome.message
    assert f"fra 1. august {start}" in outcome.message and "rad 2" in outcome.message, outcome.message
    assert table_digest(demo_db, ["core.skole"]) == before


def test_a_file_no_format_recognises_is_told_the_closest_format_and_what_it_lacks(demo_db, tmp_path):
    """A register headed «Fra;Til» got «Kjenner ikke igjen formatet» and a list of twelve formats; with --source the
    same file was told which columns were missing. The upload page has no --source."""
    path = tmp_path / "register_feilkol.csv"
    path.write_text("Org.nr;Skole;Kommunenr;Kommune;Fra;Til;Elever\n990011001;Fjellvik barneskole;9901;Fjellvik;1;7;428\n",
                    encoding="utf-8")
    outcome = ingest_file(path, demo_db)
    assert outcome.result == "avvist"
    assert "Kjenner ikke igjen formatet" in outcome.message
    assert "Nærmest: Skoleregister" in outcome.message and "trinn_fra, trinn_til" in outcome.message, outcome.message
    unrelated = tmp_path / "noe_annet.csv"
    unrelated.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    assert "Nærmest" not in ingest_file(unrelated, demo_db).message
