"""The pages render in Streamlit's AppTest against a real demo warehouse, with numbers from the warehouse."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from unittest.mock import patch

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.labels import format_value
from dashboard.viewer import Viewer
from pipelines.cli import main as cli
from pipelines.errors import ROW_NUMBERS_TABLE
from pipelines.templates.saker import SAKSTYPER
from tests.conftest import first_row_changed, name_school, query

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")


@pytest.fixture
def app(demo_db_master, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))

    def make(page: str | None = None, viewer: Viewer = OWNER) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["viewer"] = viewer  # logged in (the login itself is tested in test_auth/test_browser)
        if page:
            at.switch_page(f"views/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _figure(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_landing_page_shows_the_demo_banner_and_latest_figures_per_municipality(app, demo_db_master):
    at = app()
    assert any("Demodata" in i.value for i in at.info)
    assert [s.value for s in at.subheader] == ["Fjellvik", "Sjøbygd"]
    latest, value = query(
        demo_db_master,
        "SELECT skoleaar, verdi FROM mart.elevundersokelsen WHERE enhet_niva = 'kommune' AND kommunenr = '9901' "
        "AND indikator_kode = 'EUIndeks_1379' AND trinn IS NULL AND kjonn = 'alle' ORDER BY skoleaar_start DESC LIMIT 1",
    )[0]
    trivsel = [m for m in at.metric if m.label == "Trivsel"]
    assert trivsel[0].value == format_value(value, "snitt")
    assert any(latest in c.value for c in at.caption)


@pytest.mark.parametrize("role", ["rektor", "fau"])
def test_a_rektor_s_and_an_fau_s_front_page_leads_with_the_own_school(app, demo_db_master, role):
    """A reviewer saw only Fjellvik's figures on Nordli's rektor's front page; Nordli's own (mobbing almost twice the
    municipality's) sat in a folded table under them."""
    nordli = "990012008"
    at = app(viewer=Viewer(role=role, kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn=role))
    bold = [m.value for m in at.markdown if m.value.startswith("**")]
    assert bold[:2] == ["**Nordli skole**", "**Fjellvik kommune**"], bold
    year, value, answers = query(
        demo_db_master,
        "SELECT skoleaar, verdi, antall_besvart FROM mart.elevundersokelsen WHERE enhet_niva = 'skole' AND orgnr = ? "
        "AND indikator_kode = 'EUIndeks_1379' AND trinn IS NULL AND kjonn = 'alle' ORDER BY skoleaar_start DESC LIMIT 1",
        [nordli],
    )[0]
    trivsel = [m for m in at.metric if m.label == "Trivsel"]
    assert len(trivsel) == 2  # the school's, then the municipality's
    assert trivsel[0].value == (format_value(value, "snitt") if answers >= 10 else "skjult")
    assert any(year in c.value for c in at.caption)


@pytest.mark.parametrize("page", ["elevundersokelsen", "ungdata", "saker", "team", "rapporter", "datakvalitet", "hjelp"])
def test_no_select_box_carries_streamlit_s_english_placeholder(app, page):
    """A reviewer found «Choose an option» in every select box's markup, which a screen reader reads out."""
    at = app(page)
    assert at.selectbox, page
    assert [s.label for s in at.selectbox if s.proto.placeholder != "Velg"] == [], page


def test_elevundersokelsen_page_draws_a_trend_chart_with_references(app):
    at = app("elevundersokelsen")
    charts = at.get("plotly_chart")
    assert charts, "no chart on the page"
    names = {trace["name"] for trace in _figure(at)["data"]}
    assert {"Landet", "Fjellvik kommune"} <= names
    assert len(names) >= 4  # the chosen schools besides the references


@pytest.mark.parametrize(("code", "said", "not_said"), [
    ("deltakelse", "svarte på undersøkelsen", "mobbet"),
    ("EUIndeks_1398", "blir mobbet 2–3 ganger i måneden", "svarte"),
    ("EUSpm_1398_2", "Mobbet digitalt: andel elever som blir mobbet", "svarte"),
    ("EUIndeks_1379", "skala fra 1 til 5", "mobbet"),
])
def test_the_caption_under_the_trend_says_what_the_chosen_indicator_measures(app, code, said, not_said):
    """Under Deltakelse a reviewer read «Andel elever som blir mobbet … Lavere er bedre»: every share was bullying."""
    at = app("elevundersokelsen")
    next(s for s in at.selectbox if s.label == "Indikator").select(code).run()
    tab = _tab(at, "Utvikling over tid")
    captions = " ".join(c.value for c in tab.caption)
    assert said in captions and not_said not in captions, captions
    if code == "deltakelse":  # 85–95 %: the axis where the lines are, not 0–100 with the lines in a band at the top
        fig = _charts(tab)[0]
        low, high = fig["layout"]["yaxis"]["range"]
        values = [v for t in fig["data"] for v in (t.get("y") or []) if v is not None]
        assert low > 0 and low <= min(values) and max(values) <= high <= 100


def test_changing_indicator_trinn_and_kjonn_redraws_without_errors(app):
    at = app("elevundersokelsen")
    boxes = {s.label: s for s in at.selectbox}
    boxes["Indikator"].select("EUIndeks_1398").run()
    assert not at.exception
    boxes = {s.label: s for s in at.selectbox}
    boxes["Trinn"].select(7).run()
    boxes = {s.label: s for s in at.selectbox}
    boxes["Kjønn"].select("jenter").run()
    assert not at.exception, [e.value for e in at.exception]
    title = _figure(at)["layout"]["title"]["text"]
    assert title.startswith("Mobbing på skolen") and "7. trinn" in title and "jenter" in title


def test_small_groups_are_explained_as_hidden_not_left_as_gaps(app):
    at = app("elevundersokelsen")
    at.multiselect[0].set_value(["990013004"])  # Haugen skole, 44 pupils
    boxes = {s.label: s for s in at.selectbox}
    boxes["Trinn"].select(6).run()
    captions = " ".join(c.value for c in at.caption)
    assert "Skjermet av Udir" in captions
    table = at.dataframe[0].value
    frame = pl.from_pandas(table) if not isinstance(table, pl.DataFrame) else table
    hidden = frame.filter(pl.col("Enhet") == "Haugen skole")
    assert hidden.height > 0 and hidden["Verdi"].is_null().all()


def test_data_quality_page_lists_every_file_and_its_verdict(app, demo_db_master):
    at = app("datakvalitet")
    files = query(demo_db_master, "SELECT count(*) FROM mart.ingest_log WHERE resultat = 'lastet'")[0][0]
    assert at.metric[0].value == str(files)
    assert len(at.dataframe) >= 2
    batch = next(s for s in at.selectbox if s.label == "Fil").value
    passed = query(demo_db_master, "SELECT count(*) FROM core.kvalitet WHERE batch_id = ? AND ok", [batch])[0][0]
    tables = {t.columns[1]: t for t in (pl.from_pandas(d.value) for d in at.dataframe[1:])}
    # The checks that passed stand apart from the failures, never as «Bestått» beside a failure's message.
    assert tables["Alvorlighet"].height == passed > 5
    assert "Hva kontrollen ville meldt ved avvik" in tables["Alvorlighet"].columns
    shown = [c for t in tables.values() for c in t["Kolonne"].to_list() if c]
    assert shown and not [c for c in shown if "_" in c or not c[0].isupper()], shown  # as the file heads them
    # A reviewer read «Lastet, 1 advarsel» over «19 kontroller: 0 med avvik»: the warning was the reader's note, in
    # the log's message only. The chosen file's message stands above its checks.
    (message,) = query(demo_db_master, "SELECT melding FROM core.ingest_log WHERE batch_id = ?", [batch])[0]
    said = next(m.value for m in at.markdown if m.value.startswith("**Melding fra innlastingen:**"))
    assert said.replace("\\", "").endswith(message), (said, message)


def test_data_quality_shows_a_file_s_failed_checks_each_whole_with_its_row_numbers(demo_db, demo_dir, tmp_path,
                                                                                    monkeypatch):
    """At 1024 pixels the grid cut a warning's message before the row numbers it ends with."""
    drift = tmp_path / "saker_9902_rettet.csv"
    drift.write_text(first_row_changed(demo_dir, "saker_9902.csv", -2, 3), encoding="utf-8")
    assert cli(["--db", str(demo_db), "ingest", str(drift)]) == 0
    failed = query(demo_db, "SELECT k.melding FROM core.kvalitet k JOIN core.ingest_log l USING (batch_id) "
                            "WHERE l.filnavn = ? AND NOT k.ok", [drift.name])
    assert failed
    clean = tmp_path / "skoleregister_nytt_elevtall.csv"  # a newer file that passes every check
    clean.write_text(first_row_changed(demo_dir, "skoleregister.csv", -1, 1), encoding="utf-8")
    assert cli(["--db", str(demo_db), "ingest", str(clean)]) == 0
    assert query(demo_db, "SELECT advarsler FROM core.ingest_log WHERE filnavn = ?", [clean.name]) == [(0,)]
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.switch_page("views/datakvalitet.py")
    at.run()  # the page opens on the newest file with warnings, not on the newer clean one
    assert drift.name in next(s for s in at.selectbox if s.label == "Fil").format_func(
        next(s for s in at.selectbox if s.label == "Fil").value)
    shown = [t.value for t in at.table if "Avvik" in t.value.columns]
    assert shown and sorted(shown[0]["Avvik"]) == sorted(m for (m,) in failed)
    assert all("Rader: " in m for m in shown[0]["Avvik"])
    # findings name rows: the page says how they are counted, as in Excel for a CSV file
    assert ROW_NUMBERS_TABLE in [c.value for c in at.caption]


# ---------------------------------------------------------------- Ungdata

UNGDATA_SHOWN = (
    "CASE WHEN skjermet OR coalesce(flagg, 0) <> 0 OR antall_svar < 10 THEN NULL ELSE andel END"
)


def _charts(tab) -> list[dict]:
    return [json.loads(c.proto.spec) for c in tab.get("plotly_chart")]


def _tab(at: AppTest, label: str):
    return next(t for t in at.tabs if t.label == label)


def _ungdata_expected(db, kommunenr: str, code: str, trinn: str, kjonn: str, kilde: str) -> dict[int, float | None]:
    rows = query(
        db,
        f"SELECT CAST(right(periode, 4) AS INTEGER), {UNGDATA_SHOWN} FROM mart.ungdata WHERE geo_niva = 'kommune' "
        "AND kommunenr = ? AND indikator_kode = ? AND trinn = ? AND kjonn = ? AND kilde = ?",
        [kommunenr, code, trinn, kjonn, kilde],
    )
    return dict(rows)


def test_ungdata_over_time_plots_the_municipality_against_fylke_and_landet(app, demo_db_master):
    at = app("ungdata")
    boxes = {s.label: s for s in at.selectbox}
    code, trinn, kjonn = boxes["Indikator"].value, boxes["Trinn"].value, boxes["Kjønn"].value
    (fig,) = _charts(_tab(at, "Over tid"))
    traces = {t["name"]: t for t in fig["data"]}
    # The county by its name, as Udir's files call it (FHI's give only the code «99»)
    fylke = query(demo_db_master, "SELECT DISTINCT enhet_navn FROM core.eu_resultat WHERE enhet_niva = 'fylke'")
    assert any(n.startswith(f"{fylke[0][0]} (") for n in traces), list(traces)
    assert any(n.startswith("Landet") for n in traces), list(traces)
    own = {n: t for n, t in traces.items() if n.startswith("Fjellvik")}
    compared = 0
    for kilde, label in [("ungdata", "Ungdata-rapporten"), ("kommunehelsa", "FHI, treårssnitt")]:
        expected = _ungdata_expected(demo_db_master, "9901", code, trinn, kjonn, kilde)
        if expected:
            trace = own[f"Fjellvik ({label})"]
            assert dict(zip(trace["x"], trace["y"], strict=True)) == pytest.approx(expected)
            compared += 1
    assert compared and len(own) == compared, list(traces)


@pytest.mark.parametrize("code", ["trives_pa_skolen", "plaget_av_ensomhet"])
def test_ungdata_plotted_values_follow_the_chosen_indicator_trinn_and_kjonn(app, demo_db_master, code):
    at = app("ungdata")
    {s.label: s for s in at.selectbox}["Indikator"].select(code).run()
    {s.label: s for s in at.selectbox}["Trinn"].select("9").run()
    at.selectbox(key="ungdata_kjonn").select("gutter").run()
    assert not at.exception, [e.value for e in at.exception]
    (fig,) = _charts(_tab(at, "Over tid"))
    trace = next(t for t in fig["data"] if t["name"] == "Fjellvik (Ungdata-rapporten)")
    expected = _ungdata_expected(demo_db_master, "9901", code, "9", "gutter", "ungdata")
    assert expected
    assert dict(zip(trace["x"], trace["y"], strict=True)) == pytest.approx(expected)


def test_ungdata_filters_stand_where_they_change_something(app):
    """A UX review: Trinn and Kjønn above every tab changed nothing on «Etter trinn og kjønn» (which shows them all)
    nor on the comparison with Elevundersøkelsen (its own themes)."""
    at = app("ungdata")
    labels = lambda widgets: sorted(w.label for w in widgets)  # noqa: E731
    assert labels(_tab(at, "Over tid").selectbox) == ["Kjønn", "Trinn"]
    for other in ("Etter trinn og kjønn", "Side om side med Elevundersøkelsen"):
        assert not {"Kjønn", "Trinn"} & set(labels(_tab(at, other).selectbox)), other
    assert "Indikator" in labels(at.selectbox)


def test_ungdata_withheld_values_in_sjobygd_are_explained_not_plotted(app, demo_db_master):
    withheld = f"geo_niva = 'kommune' AND kommunenr = '9902' AND kilde = 'ungdata' AND ({UNGDATA_SHOWN}) IS NULL"
    groups = query(demo_db_master, f"SELECT DISTINCT indikator_kode, trinn, kjonn FROM mart.ungdata WHERE {withheld} "
                                   "AND trinn <> '8-10' ORDER BY ALL")
    assert groups, "the demo should withhold some values in Sjøbygd"
    code, trinn, kjonn = groups[0]
    hidden = query(
        demo_db_master,
        f"SELECT CAST(right(periode, 4) AS INTEGER) FROM mart.ungdata WHERE {withheld} "
        "AND indikator_kode = ? AND trinn = ? AND kjonn = ?",
        [code, trinn, kjonn],
    )
    at = app("ungdata")
    at.selectbox(key="kommune").select("9902").run()
    {s.label: s for s in at.selectbox}["Indikator"].select(code).run()
    {s.label: s for s in at.selectbox}["Trinn"].select(trinn).run()
    at.selectbox(key="ungdata_kjonn").select(kjonn).run()
    assert not at.exception, [e.value for e in at.exception]
    tab = _tab(at, "Over tid")
    (fig,) = _charts(tab)
    trace = next(t for t in fig["data"] if t["name"] == "Sjøbygd (Ungdata-rapporten)")
    points = dict(zip(trace["x"], zip(trace["y"], trace["text"], strict=True), strict=True))
    for (year,) in hidden:
        value, text = points[year]
        assert value is None and text.startswith("skjult"), (year, value, text)
    notes = " ".join(c.value for c in tab.caption)
    assert "skjult" in notes and "Anonymisert av kilden" in notes
    assert any(f"Sjøbygd {year}" in notes for (year,) in hidden), notes


def test_ungdata_side_by_side_says_the_surveys_measure_differently_and_shows_both(app):
    at = app("ungdata")
    tab = _tab(at, "Side om side med Elevundersøkelsen")
    assert any("måler dette på ulike måter" in i.value for i in tab.info)
    charts = _charts(tab)
    assert len(charts) == 2
    titles = [c["layout"]["title"]["text"] for c in charts]
    assert titles[0].startswith("Ungdata:") and titles[1].startswith("Elevundersøkelsen:")
    assert all(c["data"] for c in charts)


# ---------------------------------------------------------------- Saker (kap. 12)


def test_saker_new_activity_plans_are_the_last_twelve_months_per_school(app, demo_db_master):
    (expected,) = query(
        demo_db_master,
        """
        WITH last AS (SELECT max(periode) AS m FROM mart.saker WHERE kommunenr = '9901'),
        per AS (
            SELECT orgnr, periode,
                   CASE WHEN bool_or(trinn IS NULL) THEN sum(nye) FILTER (WHERE trinn IS NULL) ELSE sum(nye) END AS n
            FROM mart.saker, last
            WHERE kommunenr = '9901' AND sakstype = 'aktivitetsplan'
              AND periode > m - INTERVAL 12 MONTH AND periode <= m
            GROUP BY orgnr, periode
        )
        SELECT sum(n) FROM per
        """,
    )[0]
    at = app("saker")
    metric = next(m for m in at.metric if m.label.replace("\u00ad", "") == "Nye aktivitetsplaner")  # soft hyphen
    assert metric.value == str(expected)


def test_saker_statsforvalter_table_lists_each_decided_case_with_its_outcome(app, demo_db_master):
    from dashboard.charts import month_label
    from pipelines.templates.saker import UTFALL

    decided = query(
        demo_db_master,
        "SELECT s.navn, m.periode, m.utfall FROM mart.saker m JOIN mart.skoler s USING (orgnr) "
        "WHERE m.kommunenr = '9901' AND m.sakstype = 'statsforvalter' AND m.avsluttet > 0",
    )
    assert decided
    at = app("saker")
    table = next(d.value for d in at.dataframe if "Hendelse" in d.value.columns)
    shown = set(zip(table["Måned"], table["Skole"], table["Hendelse"], strict=True))
    for school, month, utfall in decided:
        assert (month_label(month), school, f"Avgjort: {UTFALL[utfall]}") in shown, (school, month, utfall, shown)


@pytest.fixture
def media_files(monkeypatch):
    """The in-memory media stores AppTest creates, so a download button's bytes can be read back."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    stores: list[MemoryMediaFileStorage] = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)

    def read(button) -> bytes:
        return stores[-1].get_file(button.proto.url.rsplit("/", 1)[-1]).content

    return read


def test_saker_template_buttons_offer_the_template_with_the_municipality_s_schools(app, demo_db_master):
    """The buttons are on the page; the file itself is built when clicked (the browser test downloads it)."""
    import datetime as dt
    import io

    from openpyxl import load_workbook

    from dashboard import ui
    from pipelines.templates.saker import DATA_SHEET, HEADERS, SHOWN

    at = app("saker")
    labels = [b.label for b in at.download_button]
    assert "Last ned mal for saksrapportering (Excel)" in labels and "Last ned mal for saksrapportering (CSV)" in labels
    schools = tuple(query(demo_db_master, "SELECT orgnr, navn FROM mart.skoler WHERE kommunenr = '9901' ORDER BY navn"))
    month = dt.date.today().strftime("%Y-%m")
    book = load_workbook(io.BytesIO(ui._template_file("saker", "xlsx", schools, month)))
    first = book.worksheets[0]
    assert first.title == DATA_SHEET
    assert [c.value for c in first[1]] == [SHOWN[h] for h in HEADERS]
    assert first.max_row > 1  # pre-filled with the municipality's schools
    text = ui._template_file("saker", "csv", schools, month).decode("utf-8-sig")
    assert text.splitlines()[0].split(";") == [SHOWN[h] for h in HEADERS]


@pytest.mark.parametrize("page", ["saker", "team", "programmer"])
def test_a_rektor_s_template_holds_the_own_school_only(app, demo_db_master, monkeypatch, page):
    """A rektor's saker template listed all six Fjellvik schools with 0 for the month: filled in for Nordli and loaded
    by the owner, it recorded a zero report for the other five, hiding their missing reports and zeroing their open
    cases. A rektor's templates now hold the own school; the owner's still hold every school."""
    from dashboard import ui

    files = {}
    monkeypatch.setattr(ui, "audited_download", lambda label, make, file_name, *a, **k: files.setdefault(
        file_name, make) if file_name.endswith(".csv") else None)
    nordli = "990012008"
    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="rektor")
    listed = {}
    for who in (rektor, OWNER):
        files.clear()
        app(page, who)
        (make,) = [m for name, m in files.items() if "_mal_" in name]
        rows = make().decode("utf-8-sig").splitlines()
        orgnr = next(i for i, h in enumerate(rows[0].split(";")) if h.lower() in ("orgnr", "organisasjonsnummer"))
        listed[who.role] = {r.split(";")[orgnr] for r in rows[1:] if r.split(";")[orgnr]}
    everyone = {o for (o,) in query(demo_db_master, "SELECT orgnr FROM mart.skoler WHERE kommunenr = '9901'")}
    assert listed["rektor"] == {nordli}, listed
    assert nordli in listed["skoleeier"] and len(listed["skoleeier"]) > 1 and listed["skoleeier"] <= everyone


def test_programme_status_template_holds_the_plans_programme_codes(app, demo_db_master, monkeypatch):
    """The programme-status download had an empty programme column and no list of codes: a school had to copy them
    from the plan's YAML. The page now hands the plan's programmes to the template, a row per school and programme."""
    import io

    from openpyxl import load_workbook

    from dashboard import ui

    asked = []
    offered = ui.download_template
    monkeypatch.setattr(ui, "download_template", lambda *a, **k: asked.append((a, k)) or offered(*a, **k))
    app("programmer")
    (args, kwargs), = [(a, k) for a, k in asked if a[1] == "programstatus"]
    planned = {p for (p,) in query(demo_db_master, "SELECT DISTINCT program FROM mart.programstatus "
                                                   "WHERE kommunenr = '9901' AND planlagt")}
    assert {code for code, *_ in kwargs["programmes"]} == planned and planned, kwargs
    # Each with the trinn it covers: a school is given the programmes of its own trinn only
    # (tests/test_programstatus_roundtrip.py); without the schools' trinn, every school is given every programme.
    schools = tuple(query(demo_db_master, "SELECT orgnr, navn FROM mart.skoler WHERE kommunenr = '9901' ORDER BY navn"))
    book = load_workbook(io.BytesIO(ui._template_file("programstatus", "xlsx", schools, "2026-11",
                                                      kwargs["programmes"])))
    header = [c.value for c in book.worksheets[0][1]]
    rows = [r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True) if r[header.index("orgnr")]]
    assert {r[header.index("program")] for r in rows} == planned and len(rows) == len(schools) * len(planned)
    # «Koder» names each code's programme as the plan does: a rektor had «mitt_valg» and no name to check it by
    names = dict(query(demo_db_master, "SELECT DISTINCT program, program_navn FROM mart.plan_programmer "
                                       "WHERE kommunenr = '9901'"))
    listed = {r[5]: r[6] for r in book["Koder"].iter_rows(min_row=2, values_only=True) if r[5]}
    assert listed == {code: names[code] for code in planned}, listed


# ---------------------------------------------------------------- Arbeidslag og elevtjeneste


def test_team_meetings_held_matches_the_meeting_log(app, demo_db_master):
    (expected,) = query(
        demo_db_master,
        "SELECT count(*) FROM mart.teammoter t JOIN mart.skoler s USING (orgnr) "
        "WHERE t.kommunenr = '9901' AND t.team = 'elevtjeneste' AND s.navn = 'Fjellvik ungdomsskole'",
    )[0]
    at = app("team")
    {s.label: s for s in at.selectbox}["Team"].select("elevtjeneste").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    row = table[table["Skole"] == "Fjellvik ungdomsskole"]
    assert len(row) == 1 and int(row["Møter"].iloc[0]) == expected
    # Cases per 100 pupils per school year (11 months with school), whatever the length of the log.
    cases, pupils, first, last = query(demo_db_master, """
        SELECT sum(t.saker_med_samtykke + t.saker_anonyme) FILTER (WHERE s.navn = 'Fjellvik ungdomsskole'),
               any_value(s.elevtall) FILTER (WHERE s.navn = 'Fjellvik ungdomsskole'), min(t.dato), max(t.dato)
        FROM mart.teammoter t JOIN mart.skoler s USING (orgnr) WHERE t.kommunenr = '9901' AND t.team = 'elevtjeneste'
    """)[0]
    months = sum(1 for i in range((last.year - first.year) * 12 + last.month - first.month + 1)
                 if (first.month - 1 + i) % 12 + 1 != 7)
    assert months > 11  # the demo log is longer than a year: a plain total would read higher
    assert float(row[DISCUSSIONS_PER_100].iloc[0]) == pytest.approx(cases * 100 / pupils * 11 / months, abs=0.051)


def test_team_page_names_a_school_with_no_meeting_in_the_log_and_why_elevtjeneste_has_fewer(
        app, demo_db, monkeypatch):
    """A reviewer saw the elevtjeneste table with 2 of 6 schools and no word why; and a school that logs no meeting at
    all was simply no row."""
    from pipelines.warehouse.connection import connect

    with connect(demo_db, read_only=False) as con:  # Haugen skole stops logging its arbeidslag
        con.execute("DELETE FROM core.teammoter WHERE orgnr = '990013004' AND team = 'arbeidslag'")
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    at = app("team")
    {s.label: s for s in at.selectbox}["Team"].select("arbeidslag").run()
    assert [w.value for w in at.warning] == ["Ingen møter i loggen for arbeidslag i perioden: Haugen skole."]
    {s.label: s for s in at.selectbox}["Team"].select("elevtjeneste").run()
    upper = query(demo_db, "SELECT count(*) FROM mart.skoler WHERE kommunenr = '9901' AND trinn_til >= 8")[0][0]
    assert any(f"{upper} av 6 skoler i Fjellvik har 8.–10. trinn" in c.value for c in at.caption)
    assert not at.warning  # the barneskoler are not expected to have an elevtjeneste


DISCUSSIONS_PER_100 = "Drøftinger/100 el./år"


def test_team_table_calls_discussions_discussions_and_says_a_case_counts_at_every_meeting(app):
    """«Saker/møte» and «Saker/100 el./år» counted a case again at every meeting that discussed it: Holmen skule read
    «198» saker per 100 pupils a year."""
    at = app("team")
    grid = at.dataframe[0]
    columns = set(grid.value.columns)
    assert {"Drøftinger/møte", DISCUSSIONS_PER_100} <= columns and not any(c.startswith("Saker") for c in columns)
    config = json.loads(grid.proto.columns)
    for column in ("Drøftinger/møte", DISCUSSIONS_PER_100):
        assert "tre møter teller tre ganger" in config[column]["help"], config[column]


def test_team_page_expects_a_ressursteam_only_of_schools_without_an_elevtjeneste(app, demo_db, monkeypatch):
    """The ressursteam warning named Elvetun skole and Fjellvik ungdomsskole, which have an elevtjeneste instead."""
    from pipelines.warehouse.connection import connect

    with connect(demo_db, read_only=False) as con:  # Haugen skole (1.–7.) stops logging its ressursteam
        con.execute("DELETE FROM core.teammoter WHERE orgnr = '990013004' AND team = 'ressursteam'")
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    at = app("team")
    {s.label: s for s in at.selectbox}["Team"].select("ressursteam").run()
    assert [w.value for w in at.warning] == ["Ingen møter i loggen for ressursteam i perioden: Haugen skole."]
    lower = query(demo_db, "SELECT count(*) FROM mart.skoler WHERE kommunenr = '9901' AND trinn_til < 8")[0][0]
    assert any(f"{lower} av 6 skoler i Fjellvik har ikke ungdomstrinn" in c.value for c in at.caption), \
        [c.value for c in at.caption]


def test_oversikt_arrows_write_a_fall_with_the_tables_minus_sign_and_still_point_down(app, demo_db, monkeypatch):
    """The cards wrote «-2,5 pp» with a hyphen where the school tables and reports write «−2,5 pp»."""
    from streamlit.proto.Metric_pb2 import Metric

    from pipelines.warehouse.connection import connect

    # Fjellvik's trivsel falls (worse) and its bullying falls (better) in the last year, whatever the demo drew.
    with connect(demo_db, read_only=False) as con:
        for code, fall in (("EUIndeks_1379", 0.3), ("EUIndeks_1398", 1.2)):
            con.execute(
                "UPDATE core.eu_resultat AS nå SET verdi = før.verdi - ? FROM core.eu_resultat AS før "
                "WHERE nå.enhet_niva = 'kommune' AND nå.kommunenr = '9901' AND nå.trinn IS NULL AND nå.kjonn = 'alle' "
                "AND nå.indikator_kode = ? AND nå.skoleaar = '2025-26' AND før.skoleaar = '2024-25' "
                "AND før.enhet_id = nå.enhet_id AND før.trinn IS NULL AND før.kjonn = 'alle' "
                "AND før.indikator_kode = nå.indikator_kode", [fall, code])
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    at = app()
    deltas = [m for m in at.metric if m.proto.delta and not m.proto.delta.startswith("uendret")]
    falls = [m for m in deltas if m.proto.delta.startswith("\u2212")]
    assert falls and not [m.proto.delta for m in deltas if "-" in m.proto.delta]
    for m in deltas:
        down = m.proto.delta.startswith("\u2212")
        assert m.proto.direction == (Metric.MetricDirection.DOWN if down else Metric.MetricDirection.UP), m.proto
        lower_is_better = m.label.startswith("Mobb")
        good = down == lower_is_better
        assert m.proto.color == (Metric.MetricColor.GREEN if good else Metric.MetricColor.RED), (m.label, m.proto)


def test_team_ppt_attendance_per_term_shows_the_drop_at_fjellvik_ungdomsskole(app, demo_db_master):
    rows = query(
        demo_db_master,
        """
        SELECT CASE WHEN month(dato) >= 8 THEN 'høst ' ELSE 'vår ' END || year(dato) AS termin,
               round(avg(CAST(til_stede_ppt AS INTEGER)) * 100) AS ppt
        FROM mart.teammoter t JOIN mart.skoler s USING (orgnr)
        WHERE t.kommunenr = '9901' AND t.team = 'elevtjeneste' AND s.navn = 'Fjellvik ungdomsskole'
          AND month(dato) <> 7
        GROUP BY ALL
        """,
    )
    expected = dict(rows)
    at = app("team")
    {s.label: s for s in at.selectbox}["Team"].select("elevtjeneste").run()
    chart = next(c for c in _charts(_tab(at, "Hvem er til stede"))
                 if c["layout"]["title"]["text"].startswith("PPT til stede per halvår"))
    trace = next(t for t in chart["data"] if t["name"] == "Fjellvik ungdomsskole")
    plotted = dict(zip(trace["x"], trace["y"], strict=True))
    assert plotted == pytest.approx(expected)
    assert plotted["vår 2026"] <= plotted["høst 2024"] - 40, plotted


def test_team_switching_to_sjobygd_redraws_with_its_own_rhythm(app, demo_db_master):
    (rhythm,) = query(
        demo_db_master,
        "SELECT moter_per_maaned FROM core.teamrytme WHERE kommunenr = '9902' AND team = 'arbeidslag'",
    )[0]
    at = app("team")
    at.selectbox(key="kommune").select("9902").run()
    {s.label: s for s in at.selectbox}["Team"].select("arbeidslag").run()
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(c.value for c in at.caption)
    said = f"{rhythm:g}".replace(".", ",") + (" møte" if rhythm == 1 else " møter")  # «2 møter», not «2,0 møte(r)»
    assert f"Forventet rytme i Sjøbygd: {said} per måned" in captions, captions
    schools = {r[0] for r in query(demo_db_master, "SELECT navn FROM mart.skoler WHERE kommunenr = '9902'")}
    shown = set(at.dataframe[0].value["Skole"])
    assert shown and shown <= schools
    assert at.get("plotly_chart")


def test_without_a_login_no_page_content_is_rendered(demo_db_master, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Skolemiljø – logg inn"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert {t.label for t in at.text_input} == {"Brukernavn", "Passord"}


def test_fau_has_no_case_or_team_pages_and_sees_only_its_own_school(app, demo_db_master):
    nordli = query(demo_db_master, "SELECT orgnr FROM mart.skoler WHERE navn = 'Nordli skole'")[0][0]
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="fau.nordli")
    at = app(None, fau)
    assert [s.value for s in at.subheader] == ["Fjellvik"]
    schools = at.dataframe[0].value
    frame = pl.from_pandas(schools) if not isinstance(schools, pl.DataFrame) else schools
    assert frame.height == 1  # Nordli only, no other school of the municipality
    assert at.expander[0].label.startswith("Nordli skole – siste skoleår")  # not «Skolene i kommunen»
    headings = {"team": "Arbeidslag og elevtjeneste", "datakvalitet": "Datakvalitet"}
    for page, heading in headings.items():
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["viewer"] = fau
        at.switch_page(f"views/{page}.py")
        at.run()
        assert not at.exception
        # The page is not in the FAU's navigation: Streamlit falls back to the landing page.
        assert [t.value for t in at.title] == ["Oversikt"], page
        assert heading not in [t.value for t in at.title]


def test_fau_sees_case_counts_only_as_a_protected_summary_of_its_school_and_the_municipality(app, demo_db_master):
    nordli = query(demo_db_master, "SELECT orgnr FROM mart.skoler WHERE navn = 'Nordli skole'")[0][0]
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="fau.nordli")
    at = app("saker", fau)
    assert not at.metric and not at.get("plotly_chart")  # no monthly detail
    table = at.table[0].value
    assert list(table.index) == ["Nordli skole", "Kommunen i alt"]
    cells = [v for col in table.columns for v in table[col].to_list()]
    assert all(v in ("1–4", "skjult") or int(v) == 0 or int(v) >= 5 for v in cells), cells
    owner = app("saker")
    assert owner.metric  # the owner still has the full page


@pytest.mark.parametrize("kommunenr", ["9901", "9902"])
def test_programme_matrix_colours_cells_by_the_warehouse_verdict_and_names_the_gap(app, demo_db_master, kommunenr):
    """Sjøbygd's Strand barneskule runs two programmes on the same trinn: a reviewer saw a green «✓ Læringsmiljø-
    prosjektet» where Olweus was not met, as a cell kept one programme. A cell is as good as its worst programme."""
    at = app("programmer")
    if kommunenr != "9901":
        at.selectbox(key="kommune").select(kommunenr).run()
    fig = _figure(at)
    heat = fig["data"][0]
    year = fig["layout"]["title"]["text"].rsplit(", ", 1)[1]
    rows = query(
        demo_db_master,
        "SELECT s.navn, p.trinn, p.program_navn, p.vurdering, coalesce(p.avvik, '') FROM mart.programstatus p "
        "JOIN mart.skoler s USING (orgnr) WHERE p.kommunenr = ? AND p.skoleaar = ? AND p.planlagt",
        [kommunenr, year],
    )
    assert rows, "the plan covers the demo schools"
    code = {"oppfylt": 2, "ukjent": 1, "ikke_oppfylt": 0}
    sign = {2: "✓", 1: "?", 0: "✗"}
    per_cell: dict[tuple[str, int], list[tuple[str, str, str]]] = {}
    for school, trinn, programme, verdict, gap in rows:
        per_cell.setdefault((school, trinn), []).append((programme, verdict, gap))
    for (school, trinn), programmes in per_cell.items():
        i, j = heat["y"].index(school), heat["x"].index(f"{trinn}.")
        assert heat["z"][i][j] == min(code[v] for _, v, _ in programmes), (school, trinn)
        for programme, _verdict, gap in programmes:
            assert programme in heat["customdata"][i][j] and (not gap or gap in heat["customdata"][i][j])
        # Each programme with its own sign, not by colour alone.
        assert sorted(line for line in heat["text"][i][j].split("<br>") if line in sign.values()) == sorted(
            sign[code[v]] for _, v, _ in programmes), heat["text"][i][j]
    if kommunenr == "9902":
        assert any(len(p) > 1 and min(code[v] for _, v, _ in p) < 2 for p in per_cell.values()), \
            "the demo should have a cell where one of two programmes is not met"
    else:
        # A school that never reported is grey (unknown), never green.
        haugen = heat["y"].index("Haugen skole")
        assert {z for z in heat["z"][haugen] if z is not None} == {1}
    for z_row, text_row in zip(heat["z"], heat["text"], strict=True):
        for z, text in zip(z_row, text_row, strict=True):
            assert text.startswith(f"{sign[z]}<br>") or f"<br>{sign[z]}<br>" in text if z is not None else text == ""
    cells = sum(z is not None for row in heat["z"] for z in row)
    assert any(f"av {cells} ruter" in c.value for c in at.caption)


def test_overdue_plan_actions_are_counted_as_in_the_warehouse(app, demo_db_master):
    at = app("programmer")
    overdue = query(demo_db_master, "SELECT count(*) FROM mart.plantiltak WHERE kommunenr = '9901' AND forfalt")[0][0]
    assert overdue > 0
    assert any(e.value.startswith(f"{overdue} tiltak har passert fristen") for e in at.error)


def test_action_chart_rings_exactly_the_overdue_actions_and_labels_every_half_year(app, demo_db_master):
    at = app("programmer")
    overdue = query(demo_db_master, "SELECT count(*) FROM mart.plantiltak WHERE kommunenr = '9901' AND forfalt")[0][0]
    fig = next(f for f in _charts(_tab(at, "Tiltaksplanen")) if "Tiltak etter frist" in f["layout"]["title"]["text"])
    rings = [t for t in fig["data"] if t["name"] == "Forfalt"]
    assert len(rings) == 1 and len(rings[0]["x"]) == overdue
    assert all("line" not in t["marker"] for t in fig["data"] if t["name"] != "Forfalt")  # legend dots plain
    ticks = fig["layout"]["xaxis"]["ticktext"]
    assert len(ticks) >= 2 and all(t.split()[0] in ("jan", "jul") for t in ticks)
    # The rows run from the earliest deadline down, as the table under the chart does.
    deadlines = query(demo_db_master, "SELECT nr FROM mart.plantiltak WHERE kommunenr = '9901' ORDER BY frist, nr")
    order = fig["layout"]["yaxis"]["categoryarray"]
    assert [int(label.split(".")[0]) for label in order] == [nr for (nr,) in deadlines]
    table = next(t for t in _tab(at, "Tiltaksplanen").table).value
    assert [int(nr) for nr in table.index] == [nr for (nr,) in deadlines]
    late = query(demo_db_master, "SELECT dager_over_frist FROM mart.plantiltak WHERE kommunenr = '9901' AND forfalt "
                                 "ORDER BY frist, nr")
    assert [d for d in table["Over frist"] if d] == [f"{days} dager" for (days,) in late]
    # The chart's numbers under it read in the chart's order too (they went by status: 3, 2, 4, 1, 5)
    box = next(b for b in _tab(at, "Tiltaksplanen").expander if "Tiltak etter frist" in b.label)
    rows = re.findall(r'<th scope="row"[^>]*>(\d+)\.', " ".join(m.value for m in box.markdown))
    assert [int(nr) for nr in rows] == [nr for (nr,) in deadlines], rows


def test_trend_chart_marks_when_a_school_began_a_programme_and_says_it_is_not_proof(app, demo_db_master):
    start = query(demo_db_master, "SELECT s.orgnr, s.navn, p.program_navn, min(p.skoleaar) FROM mart.programstatus p "
                                  "JOIN mart.skoler s USING (orgnr) WHERE p.status = 'innforing' AND p.kommunenr = '9901' "
                                  "GROUP BY ALL LIMIT 1")
    assert start, "the demo has a school introducing a programme"
    orgnr, navn, program, year = start[0]
    at = app("elevundersokelsen")
    at.multiselect[0].set_value([orgnr]).run()
    fig = _figure(at)
    notes = [a["text"] for a in fig["layout"].get("annotations", [])]
    assert f"{navn}: {program} starter" in notes
    assert any(s["x0"] == year for s in fig["layout"].get("shapes", []))
    assert any("ikke bevis" in c.value for c in at.caption)


@pytest.mark.parametrize("page", ["elevundersokelsen", "saker", "programmer"])
def test_rektormote_mode_s_large_type_reaches_charts_and_tables(app, demo_db_master, page):
    """The mode promised «stor skrift», but charts and the table grid (drawn on a canvas) kept the normal size."""
    from dashboard.ui import MEETING_KEY, MEETING_TYPE

    def shown(meeting: bool) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["viewer"] = OWNER
        at.session_state[MEETING_KEY] = meeting
        at.switch_page(f"views/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    normal, meeting = shown(False), shown(True)
    before = {c["title"]["text"]: c for c in (json.loads(c.proto.spec)["layout"] for c in normal.get("plotly_chart"))}
    after = [json.loads(c.proto.spec)["layout"] for c in meeting.get("plotly_chart")]
    assert after or page == "saker"  # the case page shows only the protected table in the mode
    for a in after:
        b = before[a["title"]["text"]]
        assert a["font"]["size"] == round(b["font"]["size"] * MEETING_TYPE), a["title"]
        assert a["title"]["font"]["size"] > b["title"]["font"]["size"]
        # Axis labels and legends too: Streamlit's theme would otherwise keep them at 12 px.
        assert a["xaxis"]["tickfont"]["size"] == a["yaxis"]["tickfont"]["size"] == a["legend"]["font"]["size"] \
            == a["font"]["size"]
    # Tables in the page's own (large) type: static tables, not the canvas grid.
    assert meeting.table and not meeting.dataframe
    assert normal.dataframe or normal.table


def test_school_pickers_offer_no_english_select_all(app):
    """Streamlit's multiselect offers «Select all» in English: on the survey page it draws every school in one chart,
    and in the rektormøte picker it names every school, which defeats the mode. Neither offers it."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.switch_page("views/elevundersokelsen.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    pickers = {m.label: m.proto.select_all for m in at.multiselect}
    assert pickers.get("Skoler") == 0 and pickers.get("Vis navnet på") == 0, pickers


def test_rektormote_mode_hides_names_and_small_groups_and_says_so(app, demo_db_master):
    from dashboard.ui import MEETING_KEY, PSEUDONYM_KEY
    from dashboard.viewer import pseudonyms_for

    schools = query(demo_db_master, "SELECT orgnr, navn, kommunenr FROM mart.skoler")
    named = {o for o, n, _ in schools if n == "Nordli skole"}
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.session_state[MEETING_KEY] = True
    at.session_state[PSEUDONYM_KEY] = pseudonyms_for(schools, named)
    at.switch_page("views/elevundersokelsen.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Rektormøtemodus" in e.value for e in at.info)
    legend = {t["name"] for t in _figure(at)["data"]}
    hidden_names = {n for o, n, k in schools if o not in named and k == "9901"}
    assert not legend & hidden_names, legend & hidden_names
    assert any(name.startswith("Skole ") for name in legend)
    options = at.multiselect[0].options
    assert "Nordli skole" in options and not set(options) & hidden_names
    # Lists go in the order of the names shown: in the real names' order the pseudonyms could be matched up.
    assert options == sorted(options), options
    tables = [t.value for t in [*at.dataframe, *at.table]]
    trend = next(t.data if hasattr(t, "data") else t for t in tables if "Enhet" in getattr(t, "data", t).columns)
    units = [u for u in dict.fromkeys(trend["Enhet"]) if u.startswith("Skole ")]
    assert len(units) > 2 and units == sorted(units), units  # «Tabell»: years × schools in the letters' order
    # A school's number of answers is near its known number of pupils: it would name the letter.
    assert "Antall svar" not in trend.columns and any("Antall svar vises ikke" in c.value for c in at.caption)
    at.switch_page("views/saker.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    rows = list(at.table[0].value.index)
    assert rows[-1] == "Kommunen i alt" and rows[:-1] == sorted(rows[:-1]), rows
    assert not set(rows) & hidden_names


def test_rektormote_mode_draws_new_letters_on_each_page_and_names_no_unnamed_school_in_a_marker(app, demo_db_master):
    """A reviewer tied «Skole F» in the programme matrix (the only school with MOT on 8.–10.) to the same letter's
    case counts on the Saker page, and «Skole A: Mitt valg starter» on the trend told everyone who Skole A was."""
    from dashboard import ui

    # The meeting is for the owner's first municipality unless another (or all) is chosen.
    schools = query(demo_db_master, "SELECT orgnr, navn, kommunenr FROM mart.skoler WHERE kommunenr = '9901'")
    starting = {o for (o,) in query(demo_db_master, "SELECT DISTINCT orgnr FROM mart.programstatus "
                                                    "WHERE status = 'innforing' AND kommunenr = '9901'")}
    assert starting
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.run()
    next(b for b in at.sidebar.button if b.label == "Start rektormøtemodus").click().run()
    rows, named, _ = at.session_state[ui.MEETING_PLAN_KEY]
    assert sorted(rows) == sorted(schools) and not named
    at.switch_page("views/elevundersokelsen.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.multiselect[0].set_value(sorted(starting)).run()
    notes = [a["text"] for a in _figure(at)["layout"].get("annotations", [])]
    assert not [n for n in notes if "starter" in n], notes
    # Each page's letters (as `ui.viewer` draws them for the page in `PAGE_KEY`): a new draw on each page. (A fixed
    # seed here: with the meeting's random one, two pages could draw the same letters by chance.)
    pages = {}
    for page in ("elevundersokelsen", "saker", "programmer", "oversikt"):
        st_state = {ui.MEETING_PLAN_KEY: (rows, named, 2026), ui.PAGE_KEY: page}
        with patch.object(ui.st, "session_state", st_state):
            pages[page] = dict(ui._page_pseudonyms())
            assert pages[page] == dict(ui._page_pseudonyms())  # the same page keeps its letters
    first, *others = pages.values()
    assert set(first) == {o for o, _, _ in schools}
    assert all(other != first for other in others), pages


@pytest.mark.parametrize(("page", "title"), [("importer", "Importer filer"), ("admin", "Brukere og revisjon"),
                                             ("programmer", "Programmer og plan")])
def test_every_page_in_the_admin_navigation_opens_itself_not_the_landing_page(app, page, title):
    admin = Viewer(role="admin", kommuner=frozenset({"9901", "9902"}), brukernavn="admin")
    at = app(page, admin)
    assert [t.value for t in at.title] == [title]


# ---------------------------------------------------------------- Rapporter and table exports


def _viewer_of(role: str, demo_db_master) -> Viewer:
    nordli = query(demo_db_master, "SELECT orgnr FROM mart.skoler WHERE navn = 'Nordli skole'")[0][0]
    return Viewer(role=role, kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn=f"{role}.nordli")


def test_reports_page_makes_the_kommunestyre_report_and_offers_it_for_download(app, media_files, demo_db_master):
    import io

    from openpyxl import load_workbook

    at = app("rapporter")
    recipients = at.radio[0]
    assert recipients.label == "Mottaker" and list(recipients.options) == ["Kommunestyret", "FAU", "Rektormøtet"]
    # The newest survey year is chosen, not the school year under way that only case reports cover yet.
    (newest,) = query(demo_db_master, "SELECT skoleaar FROM core.eu_skoleaar ORDER BY skoleaar_start DESC LIMIT 1")[0]
    box = next(s for s in at.selectbox if s.label == "Skoleår")
    assert box.value == newest and list(box.options)[0] != newest  # the demo's case reports reach into 2026-27
    at.radio[1].set_value("xlsx").run()
    at.text_area[0].input("Vi er fornøyde med trivselen.").run()
    next(b for b in at.button if b.label == "Lag rapport").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Læringsmiljøet i skolene i Fjellvik kommune" in s.value for s in at.success)
    button = next(b for b in at.download_button if b.label.startswith("Last ned"))
    book = load_workbook(io.BytesIO(media_files(button)))
    about = [row[1].value for row in book["Om uttrekket"].iter_rows()]
    assert "Vi er fornøyde med trivselen." in about


def test_a_report_can_be_made_from_case_reports_before_any_survey_is_loaded(register_db, demo_dir, monkeypatch):
    """A reviewer loaded case reports and meeting logs into a new warehouse: Rapporter said there was no school year to
    make a report for, as its years came from Elevundersøkelsen alone."""
    import streamlit as st

    from pipelines.cli import main as cli

    assert cli(["--db", str(register_db), "ingest", str(demo_dir / "saker_9901.xlsx")]) == 0
    monkeypatch.setenv("SKOLEMILJO_DB", str(register_db))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.switch_page("views/rapporter.py")
    at.run()
    first, last = query(register_db, "SELECT min(periode), max(periode) FROM mart.saker WHERE kommunenr = '9901'")[0]
    start = lambda d: d.year if d.month >= 8 else d.year - 1  # noqa: E731
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(start(last), start(first) - 1, -1)]
    box = next(s for s in at.selectbox if s.label == "Skoleår")
    assert list(box.options) == years and box.value == years[0]
    at.radio[1].set_value("xlsx").run()
    box.select(years[1]).run()  # a complete year of case reports
    next(b for b in at.button if b.label == "Lag rapport").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Læringsmiljøet i skolene i Fjellvik kommune" in s.value for s in at.success)


def test_fau_can_only_make_the_fau_report_for_its_school_or_the_municipality(app, demo_db_master):
    at = app("rapporter", _viewer_of("fau", demo_db_master))
    assert "Mottaker" not in [r.label for r in at.radio]  # one recipient: said, not offered as a choice
    assert any("Mottaker" in m.value and "FAU" in m.value for m in at.markdown)
    gjelder = next(s for s in at.selectbox if s.label == "Gjelder")
    assert list(gjelder.options) == ["Nordli skole", "Hele Fjellvik kommune"]
    assert gjelder.value == "990012008"  # the own school first: the report an FAU member comes for
    assert not at.text_area  # the comment is the school's and the owner's, not FAU's own
    assert "kommunestyret" not in at.caption[0].value  # the page speaks of the reports FAU can make


def test_rektor_makes_the_fau_report_for_own_school_only(app, demo_db_master):
    at = app("rapporter", _viewer_of("rektor", demo_db_master))
    assert "Mottaker" not in [r.label for r in at.radio]  # one recipient: said, not offered as a choice
    assert any("Mottaker" in m.value and "FAU" in m.value for m in at.markdown)
    gjelder = next(s for s in at.selectbox if s.label == "Gjelder")
    assert list(gjelder.options) == ["Nordli skole"]


@pytest.mark.parametrize("page", [None, "elevundersokelsen", "ungdata", "saker", "programmer"])
def test_every_page_with_tables_offers_them_as_excel_for_every_role(app, demo_db_master, page):
    for viewer in (OWNER, _viewer_of("fau", demo_db_master)):
        at = app(page, viewer)
        labels = [b.label for b in at.download_button]
        assert "Last ned tabellene (Excel)" in labels, (page, viewer.role, labels)


def test_the_excel_download_holds_the_tables_of_the_charts_no_other_table_shows(app, demo_db_master, monkeypatch):
    """A review downloaded «Skoler × indikatorer» and found only «Utvikling over tid» in the file, and Ungdata had no
    download at all, though each chart's numbers stood in a table under it."""
    from dashboard import ui

    exported: dict[str, list[str]] = {}
    export_tables = ui.export_tables

    def recorded(page: str, stem: str) -> None:
        exported[page] = [t.title for t in ui.st.session_state.get(ui.TABLES_KEY, [])]
        export_tables(page, stem)

    monkeypatch.setattr(ui, "export_tables", recorded)
    for viewer in (OWNER, _viewer_of("fau", demo_db_master)):
        exported.clear()
        app("elevundersokelsen", viewer)
        app("ungdata", viewer)
        survey = exported["Elevundersøkelsen"]
        assert "Utvikling over tid" in survey and any(t.startswith("Indekser (snitt 1–5) – ") for t in survey), survey
        assert any(t.startswith("Mobbing (andel i prosent) – ") for t in survey), survey
        assert any(t.startswith("Ungdata: ") for t in exported["Ungdata"]), exported


def test_a_heatmap_s_table_reads_from_the_top_as_the_chart_does():
    """In «Tallene i grafen» under a heatmap the schools ran F to A, with the municipality last, under a chart running
    from the municipality and A down to F: Plotly draws the first row at the foot."""
    import plotly.graph_objects as go

    from dashboard.charts import figure_table

    drawn_up = go.Figure(go.Heatmap(z=[[3], [2], [1]], x=["Trivsel"], y=["Skole B", "Skole A", "Fjellvik kommune"]))
    assert [r[0] for r in figure_table(drawn_up).rows()] == ["Fjellvik kommune", "Skole A", "Skole B"]
    drawn_down = go.Figure(go.Heatmap(z=[[1], [2]], x=["okt"], y=["Haugen", "Nordli"]))
    drawn_down.update_layout(yaxis=dict(autorange="reversed"))
    assert [r[0] for r in figure_table(drawn_down).rows()] == ["Haugen", "Nordli"]


@pytest.mark.parametrize("trinn", [None, 8])
def test_elevundersokelsen_says_so_when_the_municipality_and_nation_are_missing_for_a_trinn(app, demo_db_master, trinn):
    """The help text promised the reference lines «always»; for a trinn the files lack them, the page says so."""
    at = app("elevundersokelsen")  # opens on all trinn together
    if trinn is not None:
        next(s for s in at.selectbox if s.label == "Trinn").set_value(trinn).run()
        assert not at.exception, [e.value for e in at.exception]
    kommunenr = query(demo_db_master, "SELECT min(kommunenr) FROM mart.skoler")[0][0]
    references = query(
        demo_db_master,
        "SELECT count(*) FROM mart.elevundersokelsen WHERE indikator_kode = 'EUIndeks_1379' AND kjonn = 'alle' "
        "AND trinn IS NOT DISTINCT FROM ? AND (enhet_niva = 'nasjonalt' OR (enhet_niva = 'kommune' AND kommunenr = ?))",
        [trinn, kommunenr],
    )[0][0]
    said = any("finnes ikke i filene" in c.value for c in at.caption)
    assert said == (references == 0), (trinn, references)


# ---------------------------------------------------------------- how numbers read


def _shown_text(element) -> pl.DataFrame:
    """The cell texts the browser draws for an st.dataframe (the Styler's display values, as Streamlit sends them)."""
    import pyarrow as pa

    styler = element.proto.arrow_data.styler
    assert styler.display_values, "the table is sent without Norwegian display values"
    return pl.from_pandas(pa.ipc.open_stream(styler.display_values).read_all().to_pandas())


def test_tables_show_decimal_commas_and_a_dash_for_hidden_values_never_none(app, demo_db_master):
    at = app("elevundersokelsen")
    at.multiselect[0].set_value(["990013004"])  # Haugen skole, 44 pupils: some values hidden
    {s.label: s for s in at.selectbox}["Trinn"].select(6).run()
    values = pl.from_pandas(at.dataframe[0].value)
    shown = _shown_text(at.dataframe[0])
    assert shown.height == values.height and values["Verdi"].null_count() > 0
    for value, text in zip(values["Verdi"], shown["Verdi"], strict=True):
        assert text == ("–" if value is None else f"{value:.1f}".replace(".", ","))
    assert "None" not in shown.to_pandas().to_string() and "nan" not in shown.to_pandas().to_string()


def test_team_table_keeps_one_decimal_in_a_column_so_three_reads_three_comma_zero(app, demo_db_master):
    at = app("team")
    values, shown = pl.from_pandas(at.dataframe[0].value), _shown_text(at.dataframe[0])
    for value, text in zip(values["Drøftinger/møte"], shown["Drøftinger/møte"], strict=True):
        assert text == f"{value:.1f}".replace(".", ",")
    assert all("," not in t and "." not in t for t in shown["Anonyme %"])  # whole percentages


def test_numbers_get_a_space_between_thousands_from_ten_thousand_but_years_do_not():
    from dashboard.labels import decimals_needed, number_text

    assert number_text(2024) == "2024" and number_text(4800) == "4800"
    assert number_text(318000) == "318\u00a0000" and number_text(-12500.25, 1) == "-12\u00a0500,2"
    assert number_text(None) == "–" and number_text(float("nan"), 1) == "–"
    assert decimals_needed([2.8, 3.0, None]) == 1 and decimals_needed([76.0, 80.0]) == 0
    assert number_text(-0.04, 1) == "0,0"  # never «-0,0»


def test_a_decimal_column_keeps_its_decimals_in_a_table():
    import decimal

    from dashboard import ui

    frame = pl.DataFrame({"x": [decimal.Decimal("4.25"), decimal.Decimal("1.50")]}, schema={"x": pl.Decimal(5, 2)})
    assert "4,25" in ui.norwegian(frame).to_string() and "1,50" in ui.norwegian(frame).to_string()


def test_meetings_per_month_keeps_a_month_without_meetings_and_stays_readable_for_one_school():
    import datetime as dt

    from dashboard.charts import school_month_heatmap

    frame = pl.DataFrame({
        "skole": ["Nordli skole"] * 3, "maned": [dt.date(2025, 5, 1), dt.date(2025, 8, 1), dt.date(2025, 10, 1)],
        "n": [2, 2, 1],
    })
    fig = school_month_heatmap(frame, value="n", text="n", title="t", colorbar="møter", hover="%{text}")
    assert list(fig.data[0].x) == ["mai 2025", "jun 2025", "aug 2025", "sep 2025", "okt 2025"]  # July: school's out
    assert list(fig.data[0].text[0]) == ["2", "", "2", "", "1"]
    assert fig.layout.height >= 260
    assert list(fig.layout.xaxis.tickvals) == list(fig.data[0].x)  # a short span names every month


def test_a_long_heatmap_names_the_same_calendar_months_each_year_across_the_july_gap():
    """Every second place skipped from «jun 2025» to «sep 2025» (July has no column): the labels follow the calendar."""
    import datetime as dt

    from dashboard.charts import school_month_heatmap

    months = [dt.date(2024 + (8 + i - 1) // 12, (8 + i - 1) % 12 + 1, 1) for i in range(26)]
    frame = pl.DataFrame({"skole": ["Nordli skole"] * len(months), "maned": months, "n": [1] * len(months)})
    fig = school_month_heatmap(frame, value="n", text="n", title="t", colorbar="møter", hover="%{text}")
    named = list(fig.layout.xaxis.tickvals)
    # The calendar's months, and the last month (sep 2026, the one just reported: it had no label), whose
    # neighbour «aug 2026» gives way
    assert named[-1] == "sep 2026" and "aug 2026" not in named, named
    assert {label.split()[0] for label in named[:-1]} == {"aug", "okt", "des", "feb", "apr", "jun"}
    assert fig.data[0].textfont.size < 14  # more than 14 months: smaller numbers


def test_rektor_season_chart_names_the_own_school_and_follows_the_per_100_switch(app, demo_db_master):
    at = app("saker", _viewer_of("rektor", demo_db_master))
    sakstype = {s.label: s for s in at.selectbox}["Sakstype"].value
    rows = query(
        demo_db_master,
        "SELECT periode, sum(nye), any_value(elevtall) FROM mart.saker JOIN mart.skoler USING (orgnr) "
        "WHERE navn = 'Nordli skole' AND sakstype = ? AND trinn IS NULL GROUP BY periode",
        [sakstype],
    )
    assert rows

    def season(fig: dict) -> dict:
        return next(f for f in fig if "per måned i skoleåret" in f["layout"]["title"]["text"])

    per100 = season(_charts(_tab(at, "Sesongmønster")))
    assert "ved Nordli skole" in per100["layout"]["title"]["text"] and "per 100 elever" in per100["layout"]["title"]["text"]
    at.toggle[0].set_value(False).run()
    counts = season(_charts(_tab(at, "Sesongmønster")))
    assert "per 100 elever" not in counts["layout"]["title"]["text"]
    pupils = rows[0][2]
    for per, raw in zip(per100["data"], counts["data"], strict=True):
        assert [round(n * 100 / pupils, 2) for n in raw["y"]] == per["y"]
    assert sum(sum(t["y"]) for t in counts["data"]) == sum(r[1] for r in rows)


def test_a_long_heatmap_without_july_names_no_two_neighbouring_months():
    """A reviewer's find: with July left out (school's out), «jun 2025» and «aug 2025» were both named, side by side,
    and their slanted labels ran together."""
    import datetime as dt

    from dashboard.charts import school_month_heatmap

    months = [dt.date(2024 + (8 + i - 1) // 12, (8 + i - 1) % 12 + 1, 1) for i in range(27)]
    months = [m for m in months if m.month != 7]
    frame = pl.DataFrame({"skole": ["Nordli skole"] * len(months), "maned": months, "n": [1] * len(months)})
    fig = school_month_heatmap(frame, value="n", text="n", title="t", colorbar="møter", hover="%{text}")
    places = [list(fig.data[0].x).index(label) for label in fig.layout.xaxis.tickvals]
    assert all(b - a > 1 for a, b in zip(places, places[1:], strict=False)), list(fig.layout.xaxis.tickvals)
    assert "aug 2025" in fig.layout.xaxis.tickvals and "jun 2025" not in fig.layout.xaxis.tickvals
    assert fig.layout.xaxis.tickvals[-1] == "okt 2026"  # the month just reported is still named


def test_hidden_trend_values_have_a_legend_entry_saying_what_the_rings_are(app):
    at = app("elevundersokelsen")
    at.multiselect[0].set_value(["990013004"])
    {s.label: s for s in at.selectbox}["Trinn"].select(6).run()
    names = [t.get("name") for t in _figure(at)["data"] if t.get("showlegend", True)]
    assert "Skjult verdi (vises nederst)" in names


def test_a_municipality_named_with_kommune_in_the_file_is_not_called_kommune_kommune():
    from dashboard.charts import kommune_name

    names = pl.DataFrame({"n": ["Fjellvik", "Fjellvik kommune", "Sjøbygd Kommune"]}).select(kommune_name(pl.col("n")))
    assert names.to_series().to_list() == ["Fjellvik kommune", "Fjellvik kommune", "Sjøbygd kommune"]


# ---------------------------------------------------------------- Hjelp


def test_a_page_without_data_tells_those_who_cannot_load_files_who_does(warehouse):
    """«Last inn … under «Importer filer»» was said to FAU and rektor, whose menu has no such page, with a link to
    the file formats' guide; the owner is still told where."""
    from pipelines.warehouse.connection import connect
    from tests.conftest import open_page

    with connect(warehouse, read_only=False) as con:
        con.execute("DELETE FROM core.ungdata")
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="fau.nordli")
    text = " ".join(i.value for i in open_page("ungdata", fau).info)
    assert "Skoleeier leser dem inn" in text and "Importer filer" not in text, text
    owner = open_page("ungdata", OWNER)
    assert "under «Importer filer»" in " ".join(i.value for i in owner.info)


def _help_page(viewer: Viewer, dok: str) -> AppTest:
    """The Hjelp page as `viewer`, opened by an address naming the guide `dok`, drawn without an error."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = viewer
    at.query_params["dok"] = dok
    at.switch_page("views/hjelp.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_fau_is_offered_the_reports_guide_only_not_the_upload_guides(app):
    """FAU neither fills in templates nor loads files: a review found the templates', formats' and register's guides
    on its Hjelp page, and a link to «filformater» on Ungdata. An address naming such a guide opens the reports'."""
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="fau.nordli")
    at = _help_page(fau, "mal-saker")
    box = at.selectbox[0]
    assert box.value == "rapporter" and box.options == ["Rapporter"], box.options
    assert "Mal for saker" not in "\n".join(m.value for m in at.markdown)
    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="rektor")
    at.session_state["viewer"] = rektor  # the schools fill in the templates: their guides stay
    at.run()
    assert "Mal for saker (kap. 12)" in at.selectbox[0].options


def test_help_page_opens_the_guide_a_link_names_without_developer_text(app):
    from pipelines.guides import GUIDES

    at = _help_page(OWNER, "mal-saker")
    box = at.selectbox[0]
    assert box.value == "mal-saker" and set(box.options) == {title for title, _ in GUIDES.values()}
    plain = AppTest.from_file(APP, default_timeout=60)
    plain.session_state["viewer"] = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}))
    plain.switch_page("views/hjelp.py")
    plain.run()
    assert plain.selectbox[0].value == "rapporter"  # a parent or a rektor opens Hjelp on what they use, not on formats
    for key in GUIDES:
        box.select(key).run()
        text = "\n".join(m.value for m in at.markdown)
        assert at.title[0].value == "Hjelp" and "English" not in text and ".md)" not in text, key
        # a reviewer found «How the checks run (for developers)», «## Vern / Protection» and code paths there
        assert "developers" not in text and "(`pipelines/" not in text, key
        # and «en planted verdi», «styrt av Playwright», «SKOLEMILJO_CHROMIUM», «se README» under Rapporter
        # and the command line («skolemiljo rapport --kommune …», «Avslutningskode 0») first thing an FAU member saw
        # and an onboarding reviewer `mart.*` column lists, «pipelines.templates…», DuckDB's readers, GX by name
        for word in ("planted", "Playwright", "SKOLEMILJO_", "README", "tests/", "scripts/", "client.",
                     "Avslutningskode", "--mottaker", "mart.", "pipelines", "DuckDB", "Great Expectations"):
            assert word not in text, (key, word)
        assert not [line for line in text.splitlines() if line.startswith("#") and " / " in line], key
        assert len(text) > 500, key


def test_a_refused_file_sends_the_user_to_a_guide_the_help_page_has(register_db, tmp_path):
    from pipelines.guides import GUIDES
    from pipelines.ingest import ingest_file

    bad = tmp_path / "tull.csv"
    bad.write_bytes(b"hei;og;hopp\n1;2;3\n")
    message = ingest_file(bad, register_db).message
    title = GUIDES["formater"][0]
    assert f"«Hjelp» → «{title}» i dashbordet" in message


@pytest.mark.parametrize("name", ["Olweusprogrammet", "Læringsmiljøprosjektet", "Zippys venner", "MOT", "Steg for steg"])
def test_programme_names_fit_their_matrix_cell_and_read_back_whole(name):
    """Ten trinn leave a cell about 12 characters wide: one-word names used to run into the next cell."""
    from dashboard.charts import cell_label

    for width in (12, 8, 4, 1):  # a narrow cell (many trinn) still ends, with three letters and a hyphen at least
        lines = cell_label(name, width).split("<br>")
        assert all(len(line) <= max(width, 4) for line in lines), (width, lines)
        assert " ".join(lines).replace("- ", "") == name


def test_a_compound_programme_name_breaks_between_its_parts():
    """«Lærings-/miljøpros-/jektet» read badly on the matrix: a name breaks before a known last part."""
    from dashboard.charts import cell_label

    assert cell_label("Læringsmiljøprosjektet", 12) == "Lærings-<br>miljø-<br>prosjektet"
    assert cell_label("Psykologisk førstehjelp", 8).split("<br>")[-2:] == ["første-", "hjelp"]


def test_a_programme_name_too_long_for_its_cell_breaks_where_norwegian_hyphenates_it():
    """Sjøbygd's matrix read «Lærings-/miljø-/pros-/jektet»: a part with no known last part was broken after its first
    «s». It breaks where Norwegian hyphenates it."""
    from dashboard.charts import cell_label

    assert cell_label("Læringsmiljøprosjektet", 8) == "Lærings-<br>miljø-<br>prosjek-<br>tet"


def test_ungdata_marks_only_programmes_on_the_trinn_it_surveys_and_within_its_years(app, demo_db_master):
    at = app("ungdata")
    (fig,) = _charts(_tab(at, "Over tid"))
    last = max(x for t in fig["data"] for x in t["x"] if x is not None)
    starts = query(
        demo_db_master,
        "SELECT program_navn, CAST(left(min(skoleaar), 4) AS INTEGER) + 1, max(trinn) FROM mart.programstatus "
        "WHERE kommunenr = '9901' AND status = 'innforing' GROUP BY orgnr, program_navn",
    )
    expected = {(name, year) for name, year, top in starts if top >= 8 and year <= last}
    marked = {(a["text"].removesuffix(" innføres"), a["x"]) for a in fig["layout"].get("annotations", [])
              if a["text"].endswith(" innføres")}
    assert marked == expected
    assert any(top < 8 for _, _, top in starts) or any(year > last for _, year, _ in starts)  # something left out


def test_oversikt_school_table_says_changes_as_the_cards_do(app, demo_db_master):
    """Percentage points for a share, a minus sign, and «uendret» where the rounded change is nothing."""
    at = app()
    table = pl.from_pandas(at.dataframe[0].value)
    rows = query(
        demo_db_master,
        """
        WITH k AS (SELECT enhet_navn AS navn, skoleaar_start, verdi FROM mart.elevundersokelsen
                   WHERE enhet_niva = 'skole' AND kommunenr = '9901' AND indikator_kode = 'EUIndeks_1398'
                   AND trinn IS NULL AND kjonn = 'alle')
        SELECT a.navn, a.verdi, b.verdi FROM k a JOIN k b ON a.navn = b.navn AND b.skoleaar_start = a.skoleaar_start - 1
        WHERE a.skoleaar_start = (SELECT max(skoleaar_start) FROM k)
        """,
    )
    column = next(c for c in table.columns if c.startswith("Mobb"))
    shown = dict(zip(table[table.columns[0]], table[column], strict=True))
    checked = 0
    for name, now, before in rows:
        if now is None or before is None or name not in shown:
            continue
        change = round(round(now, 1) - round(before, 1), 1)
        text = shown[name]
        if change == 0:
            assert text.endswith("(uendret)"), text
        else:
            assert text.endswith(f"({'+' if change > 0 else '−'}{abs(change):.1f} pp)".replace(".", ",")), text
        checked += 1
    assert checked > 0


def test_fau_is_not_offered_the_schools_reporting_template(app, demo_db_master):
    owner = [b.label for b in app("programmer").download_button]
    fau = [b.label for b in app("programmer", _viewer_of("fau", demo_db_master)).download_button]
    assert any("programstatus" in label for label in owner)
    assert not any("programstatus" in label for label in fau) and "Last ned tabellene (Excel)" in fau


def test_ungdata_groups_tab_names_trinn_and_shows_one_decimal_as_the_reports_do(app, demo_db_master):
    at = app("ungdata")
    code = {s.label: s for s in at.selectbox}["Indikator"].value
    (fig,) = _charts(_tab(at, "Etter trinn og kjønn"))
    ticks = {x for t in fig["data"] for x in t["x"]}
    assert ticks and all(x.endswith("trinn") or x.startswith("VG") for x in ticks), ticks
    bars = next(t for t in fig["data"] if t["name"] == "Alle kjønn")
    for y, text in zip(bars["y"], bars["text"], strict=True):
        assert text == ("skjult" if y is None else f"{y:.1f} %".replace(".", ",")), (code, y, text)


def _admin_page(db, monkeypatch) -> AppTest:
    """«Brukere og revisjon» as the administrator sees it, on `db`."""
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = Viewer(role="admin", kommuner=frozenset({"9901", "9902"}), brukernavn="admin")
    at.switch_page("views/admin.py")
    at.run()
    return at


def test_admin_sees_accounts_by_municipality_and_school_name_and_audit_times_as_times(demo_db, monkeypatch):
    from pipelines import accounts

    accounts.add(accounts.users_path(demo_db),
                 accounts.Account("rektor.nordli", "rektor", ("9901",), ("990012008",)), "et-langt-passord-1")
    accounts.audit(demo_db, "eksport", "admin", "test.xlsx")
    at = _admin_page(demo_db, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    users = pl.from_pandas(at.dataframe[0].value)
    rektor = users.filter(pl.col("Brukernavn") == "rektor.nordli").row(0, named=True)
    assert rektor["Kommuner"] == "Fjellvik (9901)" and rektor["Skoler"].startswith("Nordli skole (")
    log = _shown_text(at.dataframe[1])
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", log["Tid"][0]), log["Tid"][0]


def test_admin_can_read_a_long_audit_detail_whole(demo_db, monkeypatch):
    """A refused upload's reason in the audit log («udir_150_… : avvist – stoppet før innlasting: Filen e…») was cut at
    the grid's edge, and the administrator had no other place to read it."""
    from pipelines import accounts

    reason = ("udir_150_mobbing_2025-26_side1.json: avvist – stoppet før innlasting: Filen slutter midt i innholdet: "
              "den ser ut til å være kuttet av. Last den ned på nytt og last inn den nye.")
    accounts.audit(demo_db, "opplasting", "skolesjef", reason)
    accounts.audit(demo_db, "eksport", "admin", "kort.xlsx")
    at = _admin_page(demo_db, monkeypatch)
    picker = next(s for s in at.selectbox if s.label == "Les hele detaljen")
    assert len(picker.options) == 1 and "Opplasting" in picker.options[0] and "skolesjef" in picker.options[0]
    picker.select(0).run()
    assert not at.exception, [e.value for e in at.exception]
    assert reason in [i.value.replace("\\", "") for i in at.info]  # whole, under the demo's banner


def test_a_page_that_fails_says_so_in_norwegian_and_shows_no_trace(demo_db, monkeypatch):
    """Streamlit's own message for a hidden error is English («This app has encountered an error»)."""
    import duckdb
    import streamlit as st

    con = duckdb.connect(str(demo_db))
    con.execute("DROP VIEW mart.saker")  # the view the Saker page reads, gone: the page fails after its title
    con.close()
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    monkeypatch.delenv("SKOLEMILJO_VIS_FEIL")
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = OWNER
    at.switch_page("views/saker.py")
    at.run()
    assert not at.exception
    assert any(e.value.startswith("**Noe gikk galt da siden ble laget**") for e in at.error), [e.value for e in at.error]
    assert at.title[0].value == "Saker etter opplæringslova kapittel 12"  # what was drawn before the error stays


def test_a_wide_table_keeps_the_school_name_in_view_when_it_scrolls_sideways(app):
    """At 1024 pixels with the menu open, «Skolene side om side» on Arbeidslag scrolled the school names away."""
    at = app("team")
    grid = at.dataframe[0]
    assert list(grid.value.columns[:2]) == ["Skole", "Møter"]
    assert json.loads(grid.proto.columns)["Skole"]["pinned"] is True


# ---------------------------------------------------------------- the municipality picker across pages


def test_the_chosen_kommune_follows_the_skolesjef_to_the_next_page_and_back(app):
    """A skolesjef who picked Sjøbygd on Elevundersøkelsen met Fjellvik on Saker, and on coming back: and read
    Fjellvik's cases as Sjøbygd's."""
    at = app("elevundersokelsen")
    first, second = at.selectbox(key="kommune").options[:2]
    assert at.selectbox(key="kommune").value == "9901" and second.startswith("Sjøbygd"), (first, second)
    at.selectbox(key="kommune").select("9902").run()
    for page in ("saker", "team", "elevundersokelsen"):
        at.switch_page(f"views/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.selectbox(key="kommune").value == "9902", page


def test_a_kept_kommune_the_viewer_may_no_longer_see_is_not_chosen_on_the_next_page(app):
    """Access taken away in the middle of a session: the next page opens on a municipality still the viewer's."""
    at = app("elevundersokelsen")
    at.selectbox(key="kommune").select("9902").run()
    at.session_state["viewer"] = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
    at.switch_page("views/saker.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    picker = at.selectbox(key="kommune")
    assert picker.value == "9901" and not [o for o in picker.options if "Sjøbygd" in o]


# ---------------------------------------------------------------- Datakvalitet: schools the register does not know


def test_data_quality_gives_no_all_clear_when_a_file_skipped_schools_missing_from_the_register(app, demo_db_master):
    """«Alle skoler i resultatfilene finnes i skoleregisteret» stood in green right under the load message «Fant ikke
    i skoleregisteret: Gamle Haugen skole», whose rows were skipped."""
    skipped = query(demo_db_master, "SELECT filnavn, melding FROM core.ingest_log WHERE resultat = 'lastet' "
                                    "AND melding LIKE '%Fant ikke i skoleregisteret: %'")
    assert skipped  # the demo has such a file
    at = app("datakvalitet")
    assert not [s.value for s in at.success if "finnes i skoleregisteret" in s.value]
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    for name, message in skipped:
        missing = message.split("Fant ikke i skoleregisteret: ")[1].rstrip(".")
        assert f"«{name}» ({missing})" in said and "ikke lest inn" in said, said


def test_data_quality_gives_the_all_clear_when_no_file_skipped_a_school(app, demo_db, monkeypatch):
    from pipelines.warehouse.connection import connect

    with connect(demo_db, read_only=False) as con:
        con.execute("DELETE FROM core.ingest_log WHERE melding LIKE '%Fant ikke i skoleregisteret%'")
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    at = app("datakvalitet")
    assert [s.value for s in at.success] == ["Alle skoler i resultatfilene finnes i skoleregisteret."]
    assert not [w.value for w in at.warning if "skoleregisteret" in w.value]


def test_a_school_name_with_markup_from_a_survey_file_is_shown_as_written_not_run(demo_db, monkeypatch):
    """A school's name comes from Udir's file (or an old register) as written: «[skole](https://…) *ny*» was drawn on
    the front page as a link and italics, «$x$» as a formula. It is shown as text."""
    nordli = "990012008"
    odd = "Nordli [skole](https://x.example) *ny* $x$ <b>"
    name_school(demo_db, nordli, odd)
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}),
                                        brukernavn="rektor")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    from dashboard.labels import plain

    bold = [m.value for m in at.markdown if m.value.startswith("**")]
    assert bold[0] == f"**{plain(odd)}**", bold
    # Every mark that would make a link, emphasis, a formula or HTML is escaped
    assert all(f"\\{c}" in bold[0] for c in "[]*$<>"), bold[0]


# ---------------------------------------------------------------- Arbeidslag for a rektor


def test_a_rektor_s_team_table_is_headed_as_the_own_school_not_as_schools_side_by_side(app, demo_db_master):
    """A rektor read «Skolene side om side» and «Samme mål for alle skoler» over a table of the own school only."""
    nordli, name = query(demo_db_master, "SELECT orgnr, navn FROM mart.skoler WHERE navn = 'Nordli skole'")[0]
    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="rektor")
    at = app("team", rektor)
    assert list(at.dataframe[0].value["Skole"]) == [name]
    assert [s.value for s in at.subheader][0] == "Din skole"
    assert not [c.value for c in at.caption if "alle skoler" in c.value or "side om side" in c.value]


def test_the_team_period_says_whose_meeting_log_it_spans_for_rektor_and_skolesjef(app, demo_db_master):
    """Rektor and skolesjef quoted different periods for «the same» figures: the rektor's ends at the own school's
    last meeting, the skolesjef's at the municipality's. Each caption says whose log the period is."""
    nordli, name = query(demo_db_master, "SELECT orgnr, navn FROM mart.skoler WHERE navn = 'Nordli skole'")[0]
    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="rektor")
    for viewer, whose, team_rows in [
        (rektor, f"møteloggen til {name}", "t.orgnr = ?"), (OWNER, "møteloggen for Fjellvik", "? IS NOT NULL"),
    ]:
        at = app("team", viewer)
        team = {s.label: s for s in at.selectbox}["Team"].value
        first, last = query(demo_db_master, "SELECT min(dato), max(dato) FROM mart.teammoter t WHERE kommunenr = '9901'"
                                            f" AND team = ? AND {team_rows}", [team, nordli])[0]
        period = next(c.value for c in at.caption if c.value.startswith("Periode"))
        assert period.startswith(f"Periode i {whose}: {first:%d.%m.%Y}–{last:%d.%m.%Y}"), period


def test_the_team_export_says_which_team_municipality_and_period_and_holds_the_charts_numbers(app, media):
    """A reviewer's find: the export of «Arbeidslag og elevtjeneste» held «Skolene side om side» only, and nothing in
    it said which team, municipality or period: an export of the elevtjeneste read as one of the arbeidslag."""
    import io

    from openpyxl import load_workbook

    at = app("team")
    team = next(s for s in at.selectbox if s.label == "Team")
    team.select("elevtjeneste").run()
    button = next(b for b in at.download_button if b.label == "Last ned tabellene (Excel)")
    book = load_workbook(io.BytesIO(media(button)))
    about = {row[0].value: row[1].value for row in book["Om uttrekket"].iter_rows()}
    assert about["Kommune"] == "Fjellvik (9901)", about
    assert about["Utvalg"].startswith("Team: Elevtjeneste · Periode: "), about
    assert "Elevtjeneste: møter holdt per måned" in about["Tabeller"], about["Tabeller"]
    assert "Andel møter der yrkesgruppen var til stede" in about["Tabeller"], about["Tabeller"]


def test_the_saker_page_says_which_months_its_charts_show_and_counts_tick_on_whole_numbers(app):
    """«Siste 12 måneder» stood over charts of every month reported; a count axis ticked «0,5 1,5 2,5»."""
    at = app("saker")
    headings = [h.value for h in at.subheader]
    assert any(h.startswith("Siste 12 måneder (") for h in headings), headings
    assert any(h.startswith("Måned for måned (") for h in headings), headings
    next(t for t in at.toggle if t.label == "Per 100 elever").set_value(False).run()
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    counted = [f for f in figures if "Evaluering over frist" in f["layout"]["title"]["text"]]
    assert counted and counted[0]["layout"]["yaxis"].get("dtick") == 1, counted[0]["layout"]["yaxis"]


def test_the_rektor_reads_the_12_5_box_as_his_own_follow_up_not_the_skoleeier_s(app, demo_db_master):
    nordli = query(demo_db_master, "SELECT orgnr FROM mart.skoler WHERE navn = 'Nordli skole'")[0][0]
    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="rektor")
    said = " ".join(m.value for m in app("saker", rektor).markdown)
    owner = " ".join(m.value for m in app("saker").markdown)
    if "§ 12-5 og Statsforvalteren" not in owner:
        pytest.fail("the demo has no § 12-5 or Statsforvalteren case to show")
    assert "skoleeiers oppmerksomhet" in owner and "skoleeiers oppmerksomhet" not in said


def _heatmap(at: AppTest) -> dict:
    return next(f for f in _charts(_tab(at, "Nye saker per måned")) if f["data"][0]["type"] == "heatmap")["data"][0]


def _export_of(at: AppTest, media, title: str) -> tuple[dict, list[tuple]]:
    import io

    from openpyxl import load_workbook

    button = next(b for b in at.download_button if b.label == "Last ned tabellene (Excel)")
    book = load_workbook(io.BytesIO(media(button)))
    about = {row[0].value: row[1].value for row in book["Om uttrekket"].iter_rows()}
    from dashboard.export import sheet_name

    sheet = book[sheet_name(title, {"om uttrekket"})]
    return about, [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]


def test_saker_picked_trinn_shows_that_trinns_reports_alone_and_names_the_schools_left_out(app, media, demo_db_master):
    """A school's per-trinn reports were summed per school on the page and in its export: nobody could see trinn 9."""
    from dashboard.labels import finished_month

    at = app("saker")
    box = next(s for s in at.selectbox if s.label == "Trinn")
    trinn = query(demo_db_master, "SELECT DISTINCT trinn FROM mart.saker WHERE kommunenr = '9901' AND trinn IS NOT NULL")
    assert list(box.options) == ["Alle trinn", *[f"{t}. trinn" for (t,) in sorted(trinn)]]
    box.select(9).run()
    assert not at.exception, [e.value for e in at.exception]
    sakstype = next(s for s in at.selectbox if s.label == "Sakstype").value
    per100 = next(t for t in at.toggle if t.label == "Per 100 elever")
    assert per100.value is False and per100.proto.disabled  # the register has no pupils per trinn
    (reporting, expected), = query(
        demo_db_master,
        "SELECT list(DISTINCT s.navn), sum(nye) FROM mart.saker m JOIN mart.skoler s USING (orgnr) "
        "WHERE m.kommunenr = '9901' AND trinn = 9 AND sakstype = ? AND periode <= ?", [sakstype, finished_month()])
    heat = _heatmap(at)
    assert heat["y"] == reporting == ["Fjellvik ungdomsskole"]
    assert sum(int(v) for row in heat["text"] for v in row if v) == expected
    left_out = next(c.value for c in at.caption if "rapporterer for hele skolen" in c.value)
    assert "Nordli skole" in left_out and "Fjellvik ungdomsskole" not in left_out, left_out
    about, rows = _export_of(at, media, "Saker per skole og måned, 9. trinn")
    assert "Trinn: 9. trinn" in about["Utvalg"], about
    # by name: «Skoler: alle» read as all the municipality's schools, and the other tables are not this choice
    assert "Skoler: Fjellvik ungdomsskole (ikke " in about["Utvalg"], about
    assert about["Utvalg"].endswith("De andre tabellene er som på siden, uten dette utvalget."), about
    assert {r[0] for r in rows} == {"Fjellvik ungdomsskole"}
    assert sum(r[3] for r in rows if r[2] == SAKSTYPER[sakstype]) == expected


def test_saker_picked_schools_and_months_are_what_its_charts_and_export_hold(app, media, demo_db_master):
    at = app("saker")
    at.multiselect[0].set_value(["990013004", "990012008"]).run()  # Haugen skole, Nordli skole
    months = at.select_slider[0]
    assert months.label == "Periode"
    months.set_range(dt.date(2025, 8, 1), dt.date(2026, 6, 1)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Måned for måned (aug 2025–jun 2026)" in [h.value for h in at.subheader]
    sakstype = next(s for s in at.selectbox if s.label == "Sakstype").value
    heat = _heatmap(at)
    assert heat["y"] == ["Haugen skole", "Nordli skole"]
    assert heat["x"][0] == "aug 2025" and heat["x"][-1] == "jun 2026"
    (expected,) = query(
        demo_db_master,
        "SELECT sum(nye) FROM mart.saker m JOIN mart.skoler s USING (orgnr) WHERE s.navn IN ('Haugen skole', "
        "'Nordli skole') AND trinn IS NULL AND sakstype = ? AND periode BETWEEN DATE '2025-08-01' AND DATE '2026-06-01'",
        [sakstype])[0]
    assert sum(int(v) for row in heat["text"] for v in row if v) == expected
    about, rows = _export_of(at, media, "Saker per skole og måned")
    assert "Skoler: Haugen skole og Nordli skole" in about["Utvalg"] and "Periode: aug 2025–jun 2026" in about["Utvalg"]
    assert {r[0] for r in rows} == {"Haugen skole", "Nordli skole"}
    assert sum(r[3] for r in rows if r[2] == SAKSTYPER[sakstype]) == expected
    at.multiselect[0].set_value([]).run()
    assert not at.exception
    assert "Ingen skole er valgt. Velg minst én skole under Skoler." in [i.value for i in at.info]


def test_datakvalitet_counts_a_file_s_reader_warnings_beside_its_checks(app, demo_db_master):
    """A file listed «Lastet, 1 advarsel» read «19 kontroller: 0 med avvik, 19 uten» beneath: its warning came from
    the reading of the file (a school the register lacks), which is no check, and the page seemed to contradict
    itself."""
    batch, warned, from_checks = query(demo_db_master, """
        SELECT l.batch_id, l.advarsler, count(k.batch_id) FILTER (WHERE NOT k.ok AND k.alvorlighet = 'advarsel')
        FROM core.ingest_log l LEFT JOIN core.kvalitet k USING (batch_id)
        WHERE l.resultat = 'lastet' GROUP BY ALL
        HAVING l.advarsler > count(k.batch_id) FILTER (WHERE NOT k.ok AND k.alvorlighet = 'advarsel')
        ORDER BY l.batch_id LIMIT 1""")[0]
    at = app("datakvalitet")
    next(s for s in at.selectbox if s.label == "Fil").set_value(batch).run()
    assert not at.exception, [e.value for e in at.exception]
    (summary,) = [m.value for m in at.markdown if " kontroller: " in m.value]
    noted = warned - from_checks
    assert summary.endswith(f"I tillegg {noted} advarsel{'er' if noted > 1 else ''} fra innlesingen av filen: se "
                            "meldingen over."), summary
