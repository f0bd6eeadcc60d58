"""A complete school year is shown at the protected level as it was published: a late report cannot be subtracted.

A rektor saw Haugen's «alvorlig sak meldt til skoleeier» as 0 and the municipality's total as 147 for 2025-26. A late
report of one case for June came in; the same table then showed Haugen «1–4» and a total of 148, so Haugen had exactly
one case (found by a review). Now the protected tables keep the rows they were published from until the skoleeier
publishes the correction, knowing what a comparison can show; the skoleeier sees the change at once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import queries
from dashboard.viewer import Viewer
from pipelines.cli import main as cli
from pipelines.templates.teammoter import HEADERS
from tests.conftest import SAKER_HEADER as HEADER
from tests.conftest import query

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
REKTOR = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="rektor")
FAU = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="fau")
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
HAUGEN = "990013004"
SERIOUS = "Alvorlig sak meldt til skoleeier (§ 12-4)"


def _late_report(tmp_path: Path, name: str, nye: int, month: str = "2026-06") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + f"{HAUGEN};Haugen skole;{month};;alvorlig_melding_skoleeier;;{nye};0;{nye};0\n",
                    encoding="utf-8")
    return path


def _haugen_and_total(viewer: Viewer, skoleaar: str = "2025-26") -> tuple[str, str]:
    table = queries.saker_oversikt(viewer, kommunenr="9901", skoleaar=skoleaar)
    cells = dict(zip(table["skole"], table[SERIOUS], strict=True))
    return cells["Haugen skole"], cells["Kommunen i alt"]


def _owner_serious_cases(db: Path) -> int:
    return query(db, "SELECT coalesce(sum(nye), 0) FROM mart.saker WHERE orgnr = ? AND sakstype = "
                     "'alvorlig_melding_skoleeier' AND periode >= DATE '2025-08-01' AND periode < DATE '2026-08-01'",
                 [HAUGEN])[0][0]


def test_a_late_report_for_a_published_year_does_not_change_what_rektor_and_fau_see(warehouse, tmp_path, capsys):
    before = {v.role: queries.saker_oversikt(v, kommunenr="9901", skoleaar="2025-26") for v in (REKTOR, FAU)}
    assert _haugen_and_total(REKTOR)[0] == "0"  # the case the review found: 0 before, and one case comes in late
    owner_before = _owner_serious_cases(warehouse)

    capsys.readouterr()
    assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, "saker_sen.csv", 1))]) == 0
    said = " ".join(capsys.readouterr().out.split())  # the loader is told, from the command line too
    assert "Filen endrer publiserte skoleår: 2025-26 (9901)" in said and "«Publiser rettelsene»" in said, said
    st.cache_data.clear()

    for v in (REKTOR, FAU):
        assert queries.saker_oversikt(v, kommunenr="9901", skoleaar="2025-26").equals(before[v.role])
    assert _owner_serious_cases(warehouse) == owner_before + 1  # the rows themselves are loaded
    owner_view = queries.saker_per_month(OWNER, kommunenr="9901").filter(
        (pl.col("orgnr") == HAUGEN) & (pl.col("sakstype") == "alvorlig_melding_skoleeier"))
    assert owner_view["nye"].sum() == owner_before + 1  # and the skoleeier sees them at once
    held = queries.held_back(OWNER, kommunenr="9901")
    assert held.select("kilde", "skoleaar_start", "filnavn").rows() == [("saker", 2025, "saker_sen.csv")]
    assert queries.held_back(REKTOR, kommunenr="9901").is_empty()  # file names and notices are the owner's


def test_publishing_the_correction_shows_it_at_the_protected_level(warehouse, tmp_path):
    from pipelines.warehouse.published import publish_in

    assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, "saker_sen.csv", 1))]) == 0
    st.cache_data.clear()
    assert _haugen_and_total(REKTOR)[0] == "0"
    seen = queries.held_back(OWNER, kommunenr="9901")["siste_batch"].item()
    assert publish_in(warehouse, "saker", "9901", 2025, seen) == "publisert"
    st.cache_data.clear()
    assert _haugen_and_total(REKTOR)[0] == "1–4"
    assert queries.held_back(OWNER, kommunenr="9901").is_empty()
    assert publish_in(warehouse, "saker", "9901", 2025, seen) == "ingen"  # nothing left to publish


def test_a_file_loaded_after_the_page_was_drawn_is_not_published_unseen(warehouse, tmp_path):
    """The button publishes what the skoleeier saw: a file that came in since (another session's upload) stops it."""
    from pipelines.warehouse.published import publish_in

    assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, "saker_sen.csv", 1))]) == 0
    st.cache_data.clear()
    seen = queries.held_back(OWNER, kommunenr="9901")["siste_batch"].item()
    assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, "saker_senere.csv", 4))]) == 0
    assert publish_in(warehouse, "saker", "9901", 2025, seen) == "endret"
    st.cache_data.clear()
    held = queries.held_back(OWNER, kommunenr="9901")
    assert held.select("filnavn", "siste_filnavn").rows() == [("saker_sen.csv", "saker_senere.csv")]
    assert _haugen_and_total(REKTOR)[0] == "0"  # still as published


def test_the_year_is_kept_as_first_published_through_several_late_files(warehouse, tmp_path):
    published = _haugen_and_total(REKTOR)
    for i, nye in enumerate([1, 3, 2]):
        assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, f"saker_sen_{i}.csv", nye))]) == 0
    st.cache_data.clear()
    assert _haugen_and_total(REKTOR) == published
    assert query(warehouse, "SELECT count(*) FROM core.publisert")[0][0] == 1


def _june_row(warehouse: Path, tmp_path: Path, name: str, change: int) -> Path:
    """Haugen's June «aktivitetsplan» row as the demo has it, with `change` added to its new cases."""
    nye, avsluttet, apne, over = query(
        warehouse, "SELECT nye, avsluttet, apne_ved_slutt, evaluering_over_frist FROM core.saker_publisert WHERE "
                   "orgnr = ? AND periode = DATE '2026-06-01' AND sakstype = 'aktivitetsplan' AND trinn IS NULL"
        if change == 0 else
        "SELECT nye, avsluttet, apne_ved_slutt, evaluering_over_frist FROM mart.saker WHERE "
        "orgnr = ? AND periode = DATE '2026-06-01' AND sakstype = 'aktivitetsplan' AND trinn IS NULL", [HAUGEN])[0]
    path = tmp_path / name
    path.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;aktivitetsplan;;{nye + change};{avsluttet};"
                             f"{apne + change};{over}\n", encoding="utf-8")
    return path


def test_a_late_file_that_restores_the_year_as_published_lets_it_go(warehouse, tmp_path):
    assert cli(["--db", str(warehouse), "ingest", str(_june_row(warehouse, tmp_path, "saker_rettet.csv", 2))]) == 0
    assert query(warehouse, "SELECT count(*) FROM core.publisert")[0][0] == 1  # held
    assert query(warehouse, "SELECT count(*) FROM core.saker_publisert")[0][0] > 0
    assert cli(["--db", str(warehouse), "ingest", str(_june_row(warehouse, tmp_path, "saker_som_for.csv", 0))]) == 0
    assert query(warehouse, "SELECT count(*) FROM core.publisert")[0][0] == 0  # as published again: let go
    assert query(warehouse, "SELECT count(*) FROM core.saker_publisert")[0][0] == 0
    assert queries.held_back(OWNER, kommunenr="9901").is_empty()


def test_a_school_that_moves_municipality_leaves_the_old_municipality_s_published_year_as_it_was(
        warehouse, demo_dir, tmp_path):
    """A review moved Haugen to 9902 in the register: 9901's protected 2025-26 table lost Haugen's row, and its totals
    fell by exactly Haugen's counts. A school's rows keep the municipality they were loaded under."""
    published = queries.saker_oversikt(REKTOR, kommunenr="9901", skoleaar="2025-26")
    lines = (demo_dir / "skoleregister.csv").read_text("utf-8-sig").splitlines()
    moved = [line.replace(";9901;Fjellvik;", ";9902;Sjøbygd;") if line.startswith(HAUGEN) else line for line in lines]
    assert moved != lines
    register = tmp_path / "skoleregister_flyttet.csv"
    register.write_text("\n".join(moved) + "\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(register)]) == 0
    st.cache_data.clear()
    assert queries.saker_oversikt(REKTOR, kommunenr="9901", skoleaar="2025-26").equals(published)
    # A late report for Haugen, now under 9902, replaces a row 9901 published: 9901's year is held.
    path = tmp_path / "saker_sen_flyttet.csv"
    path.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;aktivitetsplan;;9;0;9;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(path)]) == 0
    assert ("9901", 2025) in query(warehouse, "SELECT kommunenr, skoleaar_start FROM core.publisert")
    st.cache_data.clear()
    assert queries.saker_oversikt(REKTOR, kommunenr="9901", skoleaar="2025-26").equals(published)


def test_a_late_file_that_leaves_the_year_as_published_holds_nothing_back(warehouse, tmp_path):
    june = query(warehouse, "SELECT nye, avsluttet, apne_ved_slutt, evaluering_over_frist FROM mart.saker WHERE "
                            "orgnr = ? AND periode = DATE '2026-06-01' AND sakstype = 'aktivitetsplan' AND trinn "
                            "IS NULL", [HAUGEN])
    assert june, "the demo has a June row for Haugen to send again"
    nye, avsluttet, apne, over = june[0]
    path = tmp_path / "saker_samme.csv"
    path.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;aktivitetsplan;;{nye};{avsluttet};{apne};{over}\n",
                    encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(path)]) == 0
    assert query(warehouse, "SELECT count(*) FROM core.publisert")[0][0] == 0
    assert query(warehouse, "SELECT count(*) FROM core.saker_publisert")[0][0] == 0
    assert "publiserte" not in query(warehouse, "SELECT melding FROM mart.ingest_log WHERE filnavn = ?", [path.name])[0][0]


def test_a_month_sent_again_with_fewer_trinn_is_held_back_not_published_at_once(warehouse, tmp_path):
    """A file with trinn 8 of a published month, as it stands, replaces the school's whole month and sakstype (trinn 9
    and 10 go). It «changed nothing» by its own rows, so nothing was held back, and a rektor's protected table of the
    published year changed at once: the before-and-after the published years exist to prevent."""
    orgnr, periode, sakstype = query(warehouse, """
        SELECT orgnr, periode, sakstype FROM mart.saker WHERE kommunenr = '9901' AND trinn IS NOT NULL
          AND periode >= DATE '2025-08-01' AND periode < DATE '2026-08-01' AND nye > 0
        GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT 1""")[0]
    trinn, nye, avsluttet, apne, over = query(warehouse, """
        SELECT trinn, nye, avsluttet, apne_ved_slutt, evaluering_over_frist FROM mart.saker
        WHERE orgnr = ? AND periode = ? AND sakstype = ? ORDER BY trinn LIMIT 1""", [orgnr, periode, sakstype])[0]
    before = {v.role: queries.saker_oversikt(v, kommunenr="9901", skoleaar="2025-26") for v in (REKTOR, FAU)}
    path = tmp_path / "saker_en_trinn.csv"
    path.write_text(HEADER + f"{orgnr};;{periode:%Y-%m};{trinn};{sakstype};;{nye};{avsluttet};{apne};{over}\n",
                    encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(path)]) == 0
    st.cache_data.clear()
    assert query(warehouse, "SELECT count(*) FROM mart.saker WHERE orgnr = ? AND periode = ? AND sakstype = ?",
                 [orgnr, periode, sakstype])[0][0] == 1  # the other trinn went
    for v in (REKTOR, FAU):
        assert queries.saker_oversikt(v, kommunenr="9901", skoleaar="2025-26").equals(before[v.role])
    assert query(warehouse, "SELECT kilde, skoleaar_start FROM core.publisert") == [("saker", 2025)]


def test_a_refused_late_file_keeps_nothing(warehouse, tmp_path):
    path = _late_report(tmp_path, "saker_feil.csv", -1)
    assert cli(["--db", str(warehouse), "ingest", str(path)]) != 0
    assert query(warehouse, "SELECT count(*) FROM core.publisert")[0][0] == 0


def test_rows_for_the_year_under_way_are_not_held_back(warehouse, tmp_path):
    last = query(warehouse, "SELECT max(periode) FROM mart.saker WHERE kommunenr = '9901'")[0][0]
    month = f"{last.year}-{last.month:02d}"
    assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, "saker_naa.csv", 2, month))]) == 0
    assert query(warehouse, "SELECT count(*) FROM core.publisert")[0][0] == 0


def test_a_late_meeting_log_does_not_change_the_protected_team_case_table(warehouse, tmp_path):
    before = queries.team_saker_oversikt(REKTOR, kommunenr="9901", skoleaar="2025-26")
    assert not before.is_empty()
    path = tmp_path / "teammoter_sen.csv"  # with the template's own headers, as a user fills it in
    fields = ["orgnr", "skole", "team", "dato", "varighet_min", "saker_med_samtykke", "saker_anonyme",
              "henvisninger_ppt", "henvisninger_barnevern", "henvisninger_helse", "til_stede_ledelse", "til_stede_ppt",
              "til_stede_helsesykepleier", "til_stede_barnevern", "til_stede_psykisk_helse", "til_stede_sosiallaerer",
              "til_stede_karriereveileder", "til_stede_andre"]
    values = [HAUGEN, "Haugen skole", "elevtjeneste", "2026-06-29", "60", "1", "0", "0", "0", "0",
              "ja", "nei", "nei", "nei", "nei", "nei", "nei", "nei"]
    path.write_text(";".join(HEADERS[f] for f in fields) + "\n" + ";".join(values) + "\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(path)]) == 0
    st.cache_data.clear()
    assert queries.team_saker_oversikt(REKTOR, kommunenr="9901", skoleaar="2025-26").equals(before)
    assert queries.held_back(OWNER, kommunenr="9901")["kilde"].to_list() == ["teammoter"]
    owner = queries.team_saker_oversikt(OWNER, kommunenr="9901", skoleaar="2025-26")
    assert not owner.equals(before)


def test_the_skoleeier_is_told_on_the_saker_page_and_publishes_from_there(warehouse, tmp_path):
    assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, "saker_sen.csv", 1))]) == 0
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.switch_page("views/saker.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notice = [w.value for w in at.warning if "2025-26" in w.value]
    assert notice and "saker_sen.csv" in notice[0] and "rektorer, FAU" in notice[0]
    button = next(b for b in at.button if b.label == "Publiser rettelsene for 2025-26")
    assert button.disabled  # not before the skoleeier has confirmed what a comparison can show
    next(c for c in at.checkbox if "2025-26" in c.label).check().run()
    next(b for b in at.button if b.label == "Publiser rettelsene for 2025-26").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w for w in at.warning if "2025-26" in w.value]
    st.cache_data.clear()
    assert _haugen_and_total(REKTOR)[0] == "1–4"
    audit = (warehouse.parent / "revisjon.jsonl").read_text(encoding="utf-8")
    assert '"hendelse": "publisert"' in audit and "skolesjef" in audit


def test_a_rektor_meeting_screen_shows_no_notice(warehouse, tmp_path):
    assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, "saker_sen.csv", 1))]) == 0
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.session_state["rektormote"] = True
    at.switch_page("views/saker.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w for w in at.warning if "publisert" in w.value]
    assert not [b for b in at.button if b.label.startswith("Publiser")]


def test_a_warehouse_from_before_the_published_years_still_shows_its_pages_and_init_brings_it_up_to_date(warehouse):
    from pipelines.warehouse.connection import connect
    from tests.test_ingest import _before_migration_7

    shown = queries.saker_oversikt(REKTOR, kommunenr="9901", skoleaar="2025-26")
    with connect(warehouse, read_only=False) as con:
        _before_migration_7(con)
        con.execute("DELETE FROM meta.schema_version WHERE version >= 7")
    st.cache_data.clear()
    assert queries.saker_oversikt(REKTOR, kommunenr="9901", skoleaar="2025-26").equals(shown)
    assert queries.held_back(OWNER, kommunenr="9901").is_empty()
    assert cli(["--db", str(warehouse), "init"]) == 0
    assert query(warehouse, "SELECT count(*) FROM mart.publisert")[0][0] == 0  # the tables are there again


def test_publishing_while_a_file_is_loaded_into_the_same_year_stops_one_of_them(warehouse, tmp_path):
    """The dashboard's server loads uploads and publishes in one process: the load writes the year's marker in its open
    transaction, so a «publish» at that moment is refused instead of letting the new rows out unseen."""
    import duckdb

    from pipelines.warehouse import published
    from pipelines.warehouse.connection import connect

    assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, "saker_sen.csv", 1))]) == 0
    seen = query(warehouse, "SELECT siste_batch FROM core.publisert")[0][0]
    late = pl.DataFrame({"orgnr": [HAUGEN], "kommunenr": ["9901"], "periode": [dt.date(2026, 5, 1)], "trinn": [None],
                         "sakstype": ["alvorlig_melding_skoleeier"], "utfall": [None], "nye": [2], "avsluttet": [0],
                         "apne_ved_slutt": [2], "evaluering_over_frist": [0], "batch_id": ["lastes"]},
                        schema_overrides={"trinn": pl.Int8, "utfall": pl.String})
    with connect(warehouse, read_only=False) as loading:
        loading.execute("BEGIN TRANSACTION")
        loading.register("new_rows", late.to_arrow())
        published.keep_published(loading, "core.saker", "lastes")  # the load, still open
        with pytest.raises(duckdb.TransactionException):
            published.publish_in(warehouse, "saker", "9901", 2025, seen)
        loading.execute("ROLLBACK")
    assert query(warehouse, "SELECT siste_batch FROM core.publisert") == [(seen,)]  # still held, as it was


def test_a_file_loaded_while_the_year_is_being_published_is_refused_with_a_reason_and_nothing_changes(
        warehouse, tmp_path):
    """The other order: the publish holds the marker when the load reaches it. The load stops, says why, loads
    nothing, and the year is published as the skoleeier saw it."""
    from pipelines.ingest import WRITE_CONFLICT, ingest_file
    from pipelines.warehouse import published
    from pipelines.warehouse.connection import connect

    assert cli(["--db", str(warehouse), "ingest", str(_late_report(tmp_path, "saker_sen.csv", 1))]) == 0
    seen = query(warehouse, "SELECT siste_batch FROM core.publisert")[0][0]
    before = query(warehouse, "SELECT count(*), sum(nye) FROM core.saker")
    with connect(warehouse, read_only=False) as publishing:
        publishing.execute("BEGIN TRANSACTION")
        assert published.publish(publishing, "saker", "9901", 2025, seen) == "publisert"  # still open
        outcome = ingest_file(_late_report(tmp_path, "saker_samtidig.csv", 3), warehouse)
        publishing.execute("COMMIT")
    assert outcome.result == "avvist" and outcome.message == WRITE_CONFLICT
    assert query(warehouse, "SELECT count(*), sum(nye) FROM core.saker") == before
    assert query(warehouse, "SELECT count(*) FROM core.publisert")[0][0] == 0
    assert query(warehouse, "SELECT resultat FROM core.ingest_log WHERE filnavn = 'saker_samtidig.csv'") == [
        ("avvist",)]
