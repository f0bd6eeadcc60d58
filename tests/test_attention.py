"""«Å følge opp» on Oversikt: what needs the skoleeier, each line opening the page that shows it, in its municipality."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import attention
from dashboard.viewer import Viewer
from pipelines.cli import main as cli
from tests.conftest import SAKER_HEADER as HEADER
from tests.conftest import query

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
NORDLI, HAUGEN = "990012008", "990013004"
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")
REKTOR = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="rektor")
FAU = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="fau")
MEETING = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef", protected=True)


def _oversikt(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = viewer
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _follow_up(at: AppTest) -> list:
    return [b for b in at.button if (b.key or "").startswith("oppfolging_")]


def test_the_owner_sees_missing_reports_and_new_serious_cases_with_the_warehouse_s_numbers(warehouse):
    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM core.saker WHERE orgnr = ? AND periode >= DATE '2026-09-01'", [NORDLI])
    con.close()
    (sf, plikt) = query(warehouse, """
        WITH last AS (SELECT max(periode) AS m FROM mart.saker WHERE kommunenr = '9902')
        SELECT sum(nye) FILTER (WHERE sakstype = 'statsforvalter'), sum(nye) FILTER (WHERE sakstype = 'skjerpet_aktivitetsplikt')
        FROM mart.saker, last WHERE kommunenr = '9902' AND periode > m - INTERVAL 3 MONTH""")[0]
    at = _oversikt(OWNER)
    lines = [b.label for b in _follow_up(at)]
    assert any(line.startswith("Saker: rapporter mangler for 2 skolemåneder siste 12 måneder – Nordli skole: "
                               "sep–okt 2026") for line in lines), lines
    serious = [line for line in attention.items(OWNER, "9902") if line.text.startswith("Saker: ")]
    if sf or plikt:  # the demo's cases of the last three months, counted as the warehouse counts them
        text = serious[0].text
        assert (f"{plikt} ny" in text) == bool(plikt) and (f"{sf} ny" in text) == bool(sf), (text, sf, plikt)
    else:
        assert not serious


def test_a_line_opens_its_page_with_its_municipality_chosen(warehouse):
    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM core.saker WHERE kommunenr = '9902' AND periode = DATE '2026-10-01' "
                "AND orgnr = (SELECT min(orgnr) FROM core.skole WHERE kommunenr = '9902')")
    con.close()
    at = _oversikt(OWNER)
    line = next(b for b in _follow_up(at) if b.key.startswith("oppfolging_9902_Saker: rapporter mangler"))
    line.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Saker etter opplæringslova kapittel 12"
    assert at.selectbox(key="kommune").value == "9902"  # not the first municipality, which the picker starts on


def test_a_refused_file_and_a_held_back_correction_are_followed_up(warehouse, tmp_path):
    bad = tmp_path / "saker_feil.csv"
    bad.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;alvorlig_melding_skoleeier;;-3;0;0;0\n", encoding="utf-8")
    late = tmp_path / "saker_sen.csv"
    late.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;alvorlig_melding_skoleeier;;1;0;1;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(late)]) == 0
    assert cli(["--db", str(warehouse), "ingest", str(bad)]) != 0
    st.cache_data.clear()
    at = _oversikt(OWNER)
    lines = [b.label.replace("\\", "") for b in _follow_up(at)]  # as read: the label's Markdown marks escaped
    assert any(line.startswith("1 fil er avvist siste 30 dager (sist «saker_feil.csv»") for line in lines), lines
    assert "Rettelser i saksrapportene for 2025-26 er ikke publisert på vernet nivå" in lines
    next(b for b in _follow_up(at) if "avvist" in b.label).click().run()
    assert at.title[0].value == "Datakvalitet"

    fixed = tmp_path / "saker_rettet.csv"  # the corrected copy loads: the refusal is put right
    fixed.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;alvorlig_melding_skoleeier;;3;0;3;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(fixed)]) == 0
    st.cache_data.clear()
    assert not any("avvist" in b.label for b in _follow_up(_oversikt(OWNER)))


@pytest.mark.parametrize("viewer", [FAU, MEETING], ids=["fau", "rektormote"])
def test_fau_and_the_shared_screen_get_no_follow_up_list(warehouse, viewer):
    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM core.saker WHERE orgnr = ? AND periode >= DATE '2026-09-01'", [NORDLI])
    con.close()
    at = _oversikt(viewer)
    assert not _follow_up(at)
    assert not any("Å følge opp" in m.value for m in at.markdown)
    assert _follow_up(_oversikt(OWNER))  # the same warehouse has something to follow up


def test_a_rektor_follows_up_the_own_school_only(warehouse, tmp_path):
    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM core.saker WHERE orgnr IN (?, ?) AND periode >= DATE '2026-09-01'", [NORDLI, HAUGEN])
    con.close()
    bad = tmp_path / "saker_feil.csv"
    bad.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;alvorlig_melding_skoleeier;;-3;0;0;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(bad)]) != 0
    st.cache_data.clear()
    lines = [b.label for b in _follow_up(_oversikt(REKTOR))]
    assert any(line.startswith("Saker: rapporter mangler for 2 skolemåneder siste 12 måneder – Nordli skole: "
                               "sep–okt 2026") for line in lines), lines
    assert not any("Haugen" in line for line in lines), lines  # another school's reporting is the skoleeier's
    assert not any("avvist" in line or "Tiltaksplanen" in line for line in lines), lines  # the owner's log and plan
    owner = [b.label for b in _follow_up(_oversikt(OWNER))]
    assert any("Haugen skole og Nordli skole: sep–okt 2026" in line for line in owner), owner


def test_a_team_that_met_far_less_than_expected_opens_the_team_page_on_that_team(warehouse):
    (orgnr, skole) = query(warehouse, "SELECT orgnr, any_value(skole) FROM (SELECT t.orgnr, s.navn AS skole "
                                      "FROM mart.teammoter t JOIN mart.skoler s USING (orgnr) WHERE t.kommunenr = '9902' "
                                      "AND team = 'elevtjeneste') GROUP BY orgnr ORDER BY orgnr LIMIT 1")[0]
    (newest,) = query(warehouse, "SELECT max(dato) FROM mart.teammoter WHERE kommunenr = '9902'")[0]
    con = duckdb.connect(str(warehouse))
    # The three whole months before the newest logged month (July expects no meeting): none held there.
    con.execute("DELETE FROM core.teammoter WHERE orgnr = ? AND team = 'elevtjeneste' AND dato >= ? AND dato < ?",
                [orgnr, attention.months_back(newest.replace(day=1), 3), newest.replace(day=1)])
    con.close()
    at = _oversikt(OWNER)
    line = next(b for b in _follow_up(at) if b.key.startswith("oppfolging_9902_Elevtjeneste"))
    assert f"{skole} 0 av " in line.label, line.label
    assert not any("Arbeidslag:" in b.label for b in _follow_up(at))  # teams that met as expected are not named
    line.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Arbeidslag og elevtjeneste"
    assert at.selectbox(key="kommune").value == "9902"
    assert at.selectbox(key="team").value == "elevtjeneste"  # not the first team, which the page starts on


def test_a_municipality_without_survey_results_still_gets_its_follow_up(warehouse, tmp_path):
    """The lines stood only in the cards of municipalities with Elevundersøkelsen results, and a warehouse with none
    stopped before the refused files: exactly when a first file has failed."""
    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM core.saker WHERE orgnr = ? AND periode >= DATE '2026-09-01'", [NORDLI])
    con.execute("DELETE FROM core.eu_resultat")
    con.close()
    bad = tmp_path / "saker_feil.csv"
    bad.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;alvorlig_melding_skoleeier;;-3;0;0;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(bad)]) != 0
    st.cache_data.clear()
    at = _oversikt(OWNER)
    assert any("Ingen resultater fra Elevundersøkelsen" in w.value for w in at.warning)
    lines = [b.key for b in _follow_up(at)]
    assert any(k.startswith("oppfolging_None_1 fil er avvist") for k in lines), lines
    assert any(k.startswith("oppfolging_9901_Saker: rapporter mangler") for k in lines), lines
    assert any(k.startswith("oppfolging_9902_") for k in lines), lines  # Sjøbygd's card, without survey figures


def test_another_municipality_s_refused_file_is_not_on_this_front_page(warehouse, tmp_path):
    bad = tmp_path / "saker_feil.csv"
    bad.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;alvorlig_melding_skoleeier;;-3;0;0;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(bad)]) != 0
    st.cache_data.clear()
    fjellvik = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="fjellvik")
    sjobygd = Viewer(role="skoleeier", kommuner=frozenset({"9902"}), brukernavn="sjobygd")
    assert attention.refused_files(fjellvik) is not None  # Haugen is Fjellvik's school
    assert attention.refused_files(sjobygd) is None


def test_a_refusal_is_put_right_only_by_a_file_about_it(warehouse, tmp_path):
    """A refused Sjøbygd case file disappeared from the front page when the same person loaded a Fjellvik case file;
    a file refused before its format was known stayed there after its corrected copy loaded under the same name."""
    from pipelines.demo import SCHOOLS

    vika = next(s for s in SCHOOLS if s.kommunenr == "9902")
    bad = tmp_path / "saker_sjobygd.csv"
    bad.write_text(HEADER + f"{vika.orgnr};{vika.navn};2026-06;;alvorlig_melding_skoleeier;;-3;0;0;0\n",
                   encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(bad)]) != 0
    fjellvik = tmp_path / "saker_fjellvik.csv"
    fjellvik.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;alvorlig_melding_skoleeier;;1;0;1;0\n",
                        encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(fjellvik)]) == 0
    st.cache_data.clear()
    refused = attention.refused_files(OWNER)
    assert refused is not None and "saker_sjobygd.csv" in refused.text, refused

    unknown = tmp_path / "rapport.csv"  # a cover page above the data: no format could be recognised
    unknown.write_text("Rapport for juni\n\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(unknown)]) != 0
    fixed_sjobygd = tmp_path / "saker_sjobygd_rettet.csv"
    fixed_sjobygd.write_text(HEADER + f"{vika.orgnr};{vika.navn};2026-06;;alvorlig_melding_skoleeier;;3;0;3;0\n",
                             encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(fixed_sjobygd)]) == 0
    st.cache_data.clear()
    admin = Viewer(role="admin", kommuner=frozenset({"9901", "9902"}), brukernavn="admin")  # sees unread files too
    refused = attention.refused_files(admin)
    assert refused is not None and refused.text.startswith("1 fil er avvist") and "rapport.csv" in refused.text

    unknown.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;skjerpet_aktivitetsplikt;;1;0;1;0\n",
                       encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(unknown)]) == 0
    st.cache_data.clear()
    assert attention.refused_files(admin) is None

    # A name with a fødselsnummer is refused and logged masked: the same file renamed, as told, puts it right
    from tests.test_ingest import _valid_fnr

    named = tmp_path / f"saker_{_valid_fnr()}.csv"
    named.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;skjerpet_aktivitetsplikt;;2;0;2;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(named)]) != 0
    st.cache_data.clear()
    assert attention.refused_files(admin) is not None
    assert cli(["--db", str(warehouse), "ingest", str(named.rename(tmp_path / "saker_juni.csv"))]) == 0
    st.cache_data.clear()
    assert attention.refused_files(admin) is None


def test_a_file_its_reader_refused_is_logged_under_its_schools_municipality(warehouse, tmp_path):
    """A Sjøbygd case file refused for a word where a number goes was logged with no municipality: Sjøbygd's other
    owners never saw it, and a Fjellvik file by the same person cleared it from the front page."""
    from pipelines.demo import SCHOOLS

    vika = next(s for s in SCHOOLS if s.kommunenr == "9902")
    bad = tmp_path / "saker_sjobygd.csv"
    bad.write_text(HEADER + f"{vika.orgnr};{vika.navn};2026-06;;aktivitetsplan;;to;0;0;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(bad)]) != 0
    assert query(warehouse, "SELECT kommuner FROM core.ingest_log WHERE filnavn = 'saker_sjobygd.csv'") == [(["9902"],)]
    fjellvik = tmp_path / "saker_fjellvik.csv"
    fjellvik.write_text(HEADER + f"{HAUGEN};Haugen skole;2026-06;;aktivitetsplan;;1;0;1;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(fjellvik)]) == 0
    st.cache_data.clear()
    refused = attention.refused_files(Viewer(role="skoleeier", kommuner=frozenset({"9902"}), brukernavn="annen"))
    assert refused is not None and "saker_sjobygd.csv" in refused.text, refused


def test_the_programme_line_counts_school_and_trinn_as_the_programmer_page_does(warehouse):
    """«kravene i planen er ikke oppfylt for 24 trinn» in Sjøbygd, which has 10 trinn: the line counted school × trinn
    × programme rows. A cell is school × trinn, as on the Programmer page: not met when one of its programmes is not.
    The year is the one under way, reported or not, and the schools that have not reported are named; while nobody
    has reported for it (the demo's 2026-27), the last reported year's line follows, as long as it has unmet
    requirements (the demo's 2025-26: Elvetun without a MOT coordinator, Vika's Olweus groups)."""
    for kommunenr in ("9901", "9902"):
        lines = [i.text for i in attention.items(OWNER, kommunenr) if i.text.startswith("Programmer")]
        assert len(lines) == 2, lines
        for line, reported in zip(lines, (False, True), strict=True):
            _assert_programme_line(warehouse, kommunenr, line, reported)


def _assert_programme_line(warehouse, kommunenr: str, line: str, reported: bool) -> None:
    """`line` says what the warehouse has for the newest planned year, or (`reported`) the newest with a report."""
    year = "max(skoleaar_start) FILTER (WHERE rapportert)" if reported else "max(skoleaar_start)"
    (label, cells, not_met, unknown, silent, failing) = query(warehouse, f"""
            WITH current AS (SELECT {year} AS y FROM mart.programstatus WHERE kommunenr = ? AND planlagt),
            cell AS (SELECT orgnr, trinn, any_value(skoleaar) AS skoleaar, any_value(skole) AS skole,
                            bool_or(vurdering = 'ikke_oppfylt') AS nei, bool_or(vurdering = 'ukjent') AS ukjent
                     FROM mart.programstatus JOIN (SELECT orgnr, navn AS skole FROM mart.skoler) USING (orgnr), current
                     WHERE kommunenr = ? AND planlagt AND skoleaar_start = y
                     GROUP BY ALL)
            SELECT any_value(skoleaar), count(*), count(*) FILTER (WHERE nei), count(*) FILTER (WHERE ukjent AND NOT nei),
                   list(DISTINCT skole ORDER BY skole) FILTER (WHERE ukjent AND NOT nei),
                   list(DISTINCT skole ORDER BY skole) FILTER (WHERE nei)
            FROM cell""", [kommunenr, kommunenr])[0]
    of = f"av {cells} kombinasjoner av skole og trinn"

    def named(schools) -> str:
        schools = schools or []
        return "; ".join(schools[:3]) + (f" og {len(schools) - 3} til" if len(schools) > 3 else "")

    if not_met and unknown:
        said = (f"kravene i planen er ikke oppfylt for {not_met} {of} ({named(failing)}), og {unknown} er ikke "
                f"rapportert ({named(silent)})")
    elif not_met:
        said = f"kravene i planen er ikke oppfylt for {not_met} {of} – {named(failing)}"
    else:
        said = f"{unknown} {of} er ikke rapportert – {named(silent)}"
    assert line == f"Programmer {label}: {said}", line


def test_open_plans_with_an_overdue_evaluation_are_followed_up_with_the_warehouse_s_numbers(warehouse):
    """10 of Nordli's 14 open plans had their evaluation overdue, and neither the owner's nor the rektor's «Å følge
    opp» said so; the Saker page's figure, per school."""
    newest, total = query(warehouse, """
        WITH last AS (SELECT max(periode) AS m FROM mart.saker WHERE kommunenr = '9901')
        SELECT m, sum(evaluering_over_frist) FROM mart.saker, last
        WHERE kommunenr = '9901' AND periode = m AND sakstype = 'aktivitetsplan' AND trinn IS NULL GROUP BY m""")[0]
    assert total, "the demo has overdue evaluations"
    (line,) = [i.text for i in attention.items(OWNER, "9901") if "evaluering over frist" in i.text]
    assert line.startswith(f"Saker: {total} aktivitetsplaner med evaluering over frist ved utgangen av "), line
    nordli = query(warehouse, "SELECT sum(evaluering_over_frist) FROM mart.saker WHERE orgnr = ? AND periode = ? "
                              "AND sakstype = 'aktivitetsplan' AND trinn IS NULL", [NORDLI, newest])[0][0]
    (own,) = [i.text for i in attention.items(REKTOR, "9901") if "evaluering over frist" in i.text]
    assert own.startswith(f"Saker: {nordli} aktivitetsplaner") and own.endswith(f"Nordli skole {nordli}"), own


def test_a_programme_line_opens_the_plan_page_on_the_school_year_it_is_about(warehouse):
    """«Programmer 2026-27: … ikke rapportert» opened the page on 2025-26, the last year with reports, whose grid was
    mostly green: the line's year is the one shown."""
    at = _oversikt(OWNER)
    line = next(b for b in _follow_up(at) if b.key.startswith("oppfolging_9901_Programmer "))
    year = line.label.split(":", 1)[0].removeprefix("Programmer ")
    reported = query(warehouse, "SELECT max(skoleaar) FROM mart.programstatus WHERE kommunenr = '9901' "
                                "AND status <> 'ukjent'")[0][0]
    assert year != reported, (year, reported)  # the demo's current year has no reports yet
    line.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value.startswith("Programmer")
    assert at.select_slider(key="programmer_skoleaar").value == year
