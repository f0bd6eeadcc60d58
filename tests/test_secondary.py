"""The secondary suppression of Elevundersøkelsen is worked out once for what it depends on, kept beside the warehouse
and prepared by the server's worker: a large municipality's first protected page after a load no longer waits for
it (a minute for 150 schools), and every page still hides exactly what it would have worked out itself."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import sync_playwright

from dashboard import privacy, queries, secondary
from dashboard.reports.browser import CHROMIUM_ARGS
from dashboard.viewer import Viewer
from pipelines.cli import main as cli
from pipelines.warehouse.connection import connect
from tests.conftest import first_row_changed
from tests.serving import ROOT, streamlit_server
from tests.test_browser import CHROMIUM

FAU = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="fau")
ASKED = dict(kommunenr="9901", skoleaar="2025-26", trinn=10, kjonn="alle")


@pytest.fixture
def worked_out(monkeypatch) -> list[int]:
    """How many times the suppression was worked out (the audit every way of asking goes through)."""
    calls: list[int] = []
    real = privacy._solvable_hidden

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(privacy, "_solvable_hidden", counted)
    return calls


def shown(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("orgnr", "indikator_kode", "verdi", "skjult_grunn").sort("orgnr", "indikator_kode", nulls_last=True)


def change_one_survey_value(db: Path) -> None:
    """One of 9901's school values is corrected, as a new Udir file would."""
    with connect(db, read_only=False) as con:
        con.execute("UPDATE core.eu_resultat SET verdi = verdi + 0.1 WHERE rowid = (SELECT min(rowid) FROM "
                    "core.eu_resultat WHERE kommunenr = '9901' AND enhet_niva = 'skole' AND verdi IS NOT NULL)")


def test_a_load_of_case_counts_does_not_work_out_the_survey_s_protection_again(warehouse, demo_dir, tmp_path,
                                                                               worked_out):
    import streamlit as st

    before = queries.eu_latest_by_school(FAU, **ASKED)
    assert len(worked_out) == 1
    assert before["skjult_grunn"].is_not_null().any()  # the page hides something: there is a protection to keep
    changed = tmp_path / "saker_9902_rettet.csv"
    changed.write_text(first_row_changed(demo_dir, "saker_9902.csv", -1, 1), encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(changed)]) == 0
    st.cache_data.clear()  # a restart as well: nothing of it left in memory
    after = queries.eu_latest_by_school(FAU, **ASKED)
    assert len(worked_out) == 1
    assert shown(after).equals(shown(before))


def test_a_changed_survey_value_is_protected_anew(warehouse, worked_out):
    queries.eu_latest_by_school(FAU, **ASKED)
    change_one_survey_value(warehouse)
    queries.eu_latest_by_school(FAU, **ASKED)
    assert len(worked_out) == 2


def test_a_kept_answer_gone_wrong_on_the_disk_is_worked_out_again_and_hides_the_same(warehouse, worked_out):
    """A reviewer flipped one bit of a kept answer («2024-25» became «3024-25»): it still read as an answer, matched no
    value, and a value hidden for few answers could be worked out from the two shown beside it. Another flip made the
    reader abort the server."""
    import streamlit as st

    before = queries.eu_latest_by_school(FAU, **ASKED)
    [path] = secondary.store_of(warehouse).glob("*.skjult")
    good = path.read_bytes()
    spots = sorted({len(good) * i // 12 for i in range(1, 12)} | {good.find(b"2025-26"), len(good) - 1})
    for spot in spots:
        for damaged in (good[:spot] + bytes([good[spot] ^ 0x01]) + good[spot + 1:], good[:spot]):
            path.write_bytes(damaged)
            st.cache_data.clear()
            worked_out.clear()
            assert shown(queries.eu_latest_by_school(FAU, **ASKED)).equals(shown(before)), spot
            assert len(worked_out) == 1, spot
            assert path.read_bytes() == good  # written anew


def test_a_kept_answer_copied_under_another_municipality_s_name_is_not_used(warehouse, worked_out):
    import streamlit as st

    before = queries.eu_latest_by_school(FAU, **ASKED)
    [mine] = secondary.store_of(warehouse).glob("*.skjult")
    queries.eu_latest_by_school(Viewer(role="fau", kommuner=frozenset({"9902"}), skoler=frozenset({"990023018"})),
                                **{**ASKED, "kommunenr": "9902"})
    [other] = set(secondary.store_of(warehouse).glob("*.skjult")) - {mine}
    mine.write_bytes(other.read_bytes())
    st.cache_data.clear()
    worked_out.clear()
    assert shown(queries.eu_latest_by_school(FAU, **ASKED)).equals(shown(before))
    assert len(worked_out) == 1


def test_a_kept_answer_is_the_one_a_fresh_audit_gives(warehouse):
    """What is kept is what `secondary_survey` works out for the same rows (same threshold, same rektor groups)."""
    with connect(warehouse, read_only=True) as con:
        cube = secondary.fetch_cube(con, "9901")
    groups = (frozenset({"990012008", "990016003"}),)
    reader = secondary.reader_for(privacy.public(FAU), "9901")
    kept = secondary.hidden_cells(secondary.store_of(warehouse), cube, privacy.public(FAU), "9901", groups)
    fresh = privacy.secondary_survey(cube, privacy.public(FAU), groups).select(privacy.SURVEY_CELL)
    order = privacy.SURVEY_CELL
    assert kept.sort(order, nulls_last=True).equals(fresh.sort(order, nulls_last=True))
    # A rektor group, or another threshold, is another answer: not the one kept for this one.
    other = secondary.hidden_cells(secondary.store_of(warehouse), cube, privacy.public(FAU), "9901", ())
    assert secondary.key_for(cube, reader, groups) != secondary.key_for(cube, reader, ())
    assert len(list(secondary.store_of(warehouse).glob("*.skjult"))) == 2
    assert other.height <= kept.height


def test_the_worker_reads_each_municipality_s_rows_as_a_page_does(warehouse):
    """The worker reads several municipalities at once to find which are kept: their keys must be the ones a page
    computes from its own reading, or the worker would work out again what is kept, and a page what it prepared."""
    with connect(warehouse, read_only=True) as con:
        together = secondary.fetch_cubes(con, ["9901", "9902"])
        assert set(together) == {"9901", "9902"}
        for kommunenr, cube in together.items():
            assert cube.equals(secondary.fetch_cube(con, kommunenr))


def test_the_worker_prepares_every_municipality_so_no_page_waits_for_it(warehouse, worked_out):
    done = subprocess.run([sys.executable, "-m", "dashboard.secondary", str(warehouse)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "regnet ut på forhånd for 2 kommuner" in done.stderr
    for kommunenr, school in (("9901", "990012008"), ("9902", "990023018")):
        viewer = Viewer(role="fau", kommuner=frozenset({kommunenr}), skoler=frozenset({school}))
        frame = queries.eu_latest_by_school(viewer, **{**ASKED, "kommunenr": kommunenr})
        assert not frame.is_empty()
    assert worked_out == []
    again = subprocess.run([sys.executable, "-m", "dashboard.secondary", str(warehouse)], cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "regnet ut" not in again.stderr, again.stderr  # all kept: nothing to do


def test_the_server_prepares_the_protection_after_a_new_survey_value_before_anyone_opens_a_page(demo_db):
    store = secondary.store_of(demo_db)

    def kept_answers(at_least: int) -> set[str]:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            names = {p.name for p in store.glob("*.skjult")} if store.exists() else set()
            if len(names) >= at_least:
                return names
            time.sleep(0.5)
        pytest.fail(f"the server's worker kept {len(names)} answers, not {at_least}")

    assert Path(CHROMIUM).exists()
    with streamlit_server(demo_db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)  # the login page: no one has asked for a protected value
        page.wait_for_selector("h1:has-text('logg inn')", timeout=30_000)
        first = kept_answers(2)  # both demo municipalities
        change_one_survey_value(demo_db)
        page.reload()
        page.wait_for_selector("h1:has-text('logg inn')", timeout=30_000)
        assert len(kept_answers(3) - first) == 1  # 9901's anew; 9902's rows did not change
        browser.close()
