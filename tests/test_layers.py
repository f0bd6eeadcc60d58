"""The layering users rely on without knowing it: a light dashboard, and one place that scopes every query."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from dashboard import queries
from dashboard.viewer import Viewer
from tests.conftest import first_row_changed, query

ROOT = Path(__file__).resolve().parent.parent


def test_dashboard_does_not_import_great_expectations():
    code = (
        "import sys, dashboard.queries, dashboard.ui, dashboard.charts, dashboard.privacy, dashboard.labels;"
        "print('great_expectations' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


POLARS_CALLBACK = re.compile(r"\.(map_elements|map_batches|map_groups|map_rows|apply)\(")


def test_no_polars_query_calls_back_into_python():
    """The server never freezes because a Polars query waits for Python while Python waits for Polars.

    A Python function inside a Polars query (`map_elements` and kin) runs on Polars' worker threads and needs the
    interpreter lock; when another session converts a frame for Streamlit at that moment, holding the lock while it
    waits for the same workers, every session of the server stops for good (seen in the under-load benchmark with
    six sessions on «Saker»; pola-rs/polars#26821). The dashboard and the readers (which run in the server on upload)
    write such steps as Polars expressions instead.
    """
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("dashboard", "pipelines")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if POLARS_CALLBACK.search(line)
    ]
    assert offenders == []


def test_viewers_that_differ_in_anything_never_share_a_cached_answer():
    # The query cache hashes `Viewer.cache_key` instead of the viewer: the key must tell every two viewers apart
    # and must not depend on the order a set was built in.
    base = Viewer(role="rektor", kommuner=frozenset({"9901", "9902"}), skoler=frozenset({"990011001"}), brukernavn="a")
    same = Viewer(role="rektor", kommuner=frozenset(["9902", "9901"]), skoler=frozenset({"990011001"}), brukernavn="a")
    assert same.cache_key == base.cache_key
    changed = {
        "role": "fau", "kommuner": None, "skoler": frozenset(), "min_respondents": 11, "brukernavn": "b",
        "protected": True, "pseudonyms": (("990011001", "Skole A"),), "thresholds": (("9901", 12),),
    }
    assert set(changed) == {f.name for f in dataclasses.fields(Viewer)}  # a new field needs its line here
    for name, value in changed.items():
        assert dataclasses.replace(base, **{name: value}).cache_key != base.cache_key, name
    assert dataclasses.replace(base, kommuner=frozenset()).cache_key != dataclasses.replace(base, kommuner=None).cache_key


SAMPLE_ARGS = {
    "kommunenr": "9901",
    "orgnr": ("990011001",),
    "skoleaar": "2024-25",
    "batch_id": "",
    "plan_id": "fjellvik-laeringsmiljo-2024",
    "fra": dt.date(2025, 11, 1),
    "til": dt.date(2026, 10, 1),
}


@pytest.mark.parametrize("name", sorted(queries.all_queries()))
def test_no_query_returns_rows_from_a_municipality_outside_the_viewers_scope(name, demo_db_master, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    func = queries.all_queries()[name]
    params = {p: SAMPLE_ARGS[p] for p in inspect.signature(func.raw).parameters if p in SAMPLE_ARGS}
    insider = func(Viewer(kommuner=frozenset({"9901"})), **params)
    frame: pl.DataFrame = func(Viewer(kommuner=frozenset({"9902"})), **params)
    assert set(frame.columns) == set(insider.columns), name  # pages still get their columns
    if "kommunenr" in frame.columns:
        assert "9901" not in frame["kommunenr"].drop_nulls().to_list(), name
    if "orgnr" in frame.columns:
        assert not any(o.startswith("99001") for o in frame["orgnr"].drop_nulls().to_list()), name


NORDLI = "990012008"  # Nordli skole in the demo register (checked below)
ROLES = {
    "rektor": Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI})),
    "fau": Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI})),
    "rektormote": Viewer(role="skoleeier", kommuner=frozenset({"9901"}), protected=True),
}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("name", sorted(queries.all_queries()))
def test_no_query_returns_a_value_outside_the_role_or_below_its_protection(name, role, demo_db_master, monkeypatch):
    from tests.conftest import query as sql

    assert sql(demo_db_master, "SELECT navn FROM mart.skoler WHERE orgnr = ?", [NORDLI]) == [("Nordli skole",)]
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    viewer = ROLES[role]
    func = queries.all_queries()[name]
    params = {p: SAMPLE_ARGS[p] for p in inspect.signature(func.raw).parameters if p in SAMPLE_ARGS}
    if "orgnr" in params:
        params["orgnr"] = (NORDLI, "990013004")  # own school and Haugen skole (small)
    frame = func(viewer, **params)
    full = viewer.full_detail_schools()
    own = pl.col("orgnr").is_in(sorted(full or ()))
    if "orgnr" in frame.columns and role == "fau":
        assert set(frame["orgnr"].drop_nulls()) <= {NORDLI}, name
    if name in queries.COUNT_QUERIES:
        if role == "fau":
            assert frame.is_empty(), name
        else:
            assert frame.filter(~own).is_empty(), name  # counts only for schools seen in full detail
    if name in ("saker_oversikt", "team_saker_oversikt"):  # every role here is protected for some schools
        cells = [v for c in frame.columns if c not in ("orgnr", "skole") for v in frame[c].to_list()]
        assert cells and all(v in ("1–4", "skjult", "–") or int(v) == 0 or int(v) >= 5 for v in cells), name
    if name in queries.OWNER_QUERIES and viewer.role not in ("skoleeier", "admin"):
        assert frame.is_empty(), name
    for value, n in (("verdi", "antall_besvart"), ("andel", "antall_svar")):
        if {value, n} <= set(frame.columns):
            protected = frame if "orgnr" not in frame.columns else frame.filter(~own | pl.col("orgnr").is_null())
            small = protected.filter(pl.col(n) < viewer.min_respondents)
            assert small[value].is_null().all(), (name, small.head(3))


def test_rektor_sees_own_school_in_full_detail_where_the_owner_sees_a_small_group(demo_db_master, monkeypatch):
    """A value with fewer than 10 answers: shown to the owner, hidden from a rektor of another school."""
    from tests.conftest import query as sql

    small = sql(demo_db_master, "SELECT orgnr, skoleaar, trinn, kjonn, indikator_kode FROM mart.elevundersokelsen "
                                "WHERE enhet_niva = 'skole' AND NOT skjermet AND antall_besvart < 10 AND orgnr <> ? "
                                "AND kommunenr = '9901' LIMIT 1", [NORDLI])
    assert small, "the demo should have an unsuppressed small group"
    orgnr, _, trinn, kjonn, code = small[0]
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    args = dict(kommunenr="9901", orgnr=(orgnr,), trinn=trinn, kjonn=kjonn, indikator_kode=code)
    owner = queries.eu_trend(Viewer(role="skoleeier", kommuner=frozenset({"9901"})), **args)
    rektor = queries.eu_trend(ROLES["rektor"], **args)
    pick = pl.col("orgnr") == orgnr
    small_rows = pl.col("antall_besvart") < 10
    assert owner.filter(pick & small_rows)["verdi"].is_not_null().any()
    assert rektor.filter(pick & small_rows)["verdi"].is_null().all()
    assert rektor.filter(pick & small_rows)["skjult_grunn"].str.starts_with("Skjult").all()


def test_no_page_shows_a_developers_note_by_streamlit_magic():
    """Streamlit writes any bare string at a page script's top level onto the page (only the docstring is spared):
    an English note for developers once stood on «Oversikt» for every user."""
    import ast

    pages = [*sorted((ROOT / "dashboard" / "views").glob("*.py")), ROOT / "dashboard" / "app.py"]
    shown = []
    for page in pages:
        body = ast.parse(page.read_text("utf-8")).body
        for node in body[1:]:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr):
                shown.append(f"{page.name}:{node.lineno}")
    assert pages and not shown, shown


def test_a_skoleeier_sees_the_ingest_log_and_quality_messages_of_own_municipalities_only(demo_db, demo_dir, tmp_path,
                                                                                         monkeypatch):
    """A reviewer granted 9901 only read «Holmen skule mar 2025 (aktivitetsplan): 3 + 0 − 1 ≠ 3 …» – one school's
    monthly case counts in 9902 – on Datakvalitet. The log now knows each file's municipalities and who loaded it."""
    import streamlit as st

    from dashboard import upload

    # Open at the end of the month no longer follows from new − closed.
    changed = tmp_path / "saker_9902_rettet.csv"
    changed.write_text(first_row_changed(demo_dir, "saker_9902.csv", -2, 3), encoding="utf-8")
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    # An administrator may load any municipality's case counts (a skoleeier only their own: test_import); kari then
    # also holds a skoleeier account for 9901, and sees the file she loaded.
    loader = Viewer(role="admin", kommuner=frozenset({"9901"}), brukernavn="kari")
    outcome = upload.load_upload(changed.read_bytes(), changed.name, demo_db, loader)
    assert outcome.result == "lastet" and any("forrige måned" in w for w in outcome.warnings), outcome
    st.cache_data.clear()
    outsider = Viewer(kommuner=frozenset({"9901"}), brukernavn="ola")
    insider = Viewer(kommuner=frozenset({"9902"}), brukernavn="per")
    uploader = Viewer(kommuner=frozenset({"9901"}), brukernavn="kari")
    assert outcome.batch_id not in queries.ingest_log(outsider)["batch_id"].to_list()
    assert queries.quality_findings(outsider, batch_id=outcome.batch_id).is_empty()
    assert "saker_9901.xlsx" in queries.ingest_log(outsider)["filnavn"].to_list()  # the own municipality's
    for viewer in (insider, uploader, Viewer(role="admin", kommuner=frozenset({"9901"}), brukernavn="admin")):
        assert outcome.batch_id in queries.ingest_log(viewer)["batch_id"].to_list()
        findings = queries.quality_findings(viewer, batch_id=outcome.batch_id)
        assert any("Holmen skule" in (m or "") for m in findings["melding"]), viewer


def test_a_file_shared_by_two_municipalities_shows_its_messages_only_to_who_may_read_all_of_its_rows(
        demo_db, demo_dir, tmp_path, monkeypatch):
    """A reviewer granted 9901 only read «Vika skule nov 2026 (aktivitetsplan): 2 + 1 − 0 ≠ 5» on Datakvalitet: a
    school's monthly case counts in 9902, quoted from a file an administrator loaded with rows of both municipalities.
    The file stays in 9901's log (its rows there are theirs); its messages are for the uploader, an administrator and
    an owner of both municipalities."""
    import streamlit as st

    from dashboard import upload

    (orgnr_9901,) = query(demo_db, "SELECT min(orgnr) FROM mart.skoler WHERE kommunenr = '9901'")[0]
    text = first_row_changed(demo_dir, "saker_9902.csv", -2, 3)  # open at the month's end no longer adds up
    from pipelines.templates.saker import SHOWN

    columns = text.splitlines()[0].split(";")
    row_9901 = {c: "" for c in columns} | {SHOWN[f]: v for f, v in {
        "orgnr": orgnr_9901, "maaned": "2025-09", "sakstype": "aktivitetsplan", "nye": "0", "avsluttet": "0",
        "apne_ved_maanedsslutt": "0", "evaluering_over_frist": "0"}.items()}
    assert set(row_9901) == set(columns), columns
    shared = tmp_path / "saker_interkommunal.csv"
    shared.write_text(text + ";".join(row_9901[c] for c in columns) + "\n", encoding="utf-8")
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    outcome = upload.load_upload(shared.read_bytes(), shared.name, demo_db,
                                 Viewer(role="admin", kommuner=None, brukernavn="admin"))
    assert outcome.result == "lastet", outcome
    st.cache_data.clear()
    (message,) = query(demo_db, "SELECT melding FROM core.ingest_log WHERE batch_id = ?", [outcome.batch_id])[0]
    quoted = query(demo_db, "SELECT k.melding FROM core.kvalitet k WHERE k.batch_id = ? AND NOT k.ok",
                   [outcome.batch_id])
    assert any("Holmen skule" in m for (m,) in quoted), quoted  # the finding that quotes 9902's counts

    def seen(viewer: Viewer) -> tuple[str, list[str], list[str | None]]:
        log = queries.ingest_log(viewer).filter(pl.col("batch_id") == outcome.batch_id)
        findings = queries.quality_findings(viewer, batch_id=outcome.batch_id)
        failed = findings.filter(~pl.col("ok"))
        return log["melding"].item(), failed["melding"].to_list(), failed["eksempler"].to_list()

    ola = Viewer(kommuner=frozenset({"9901"}), brukernavn="ola")
    message_seen, failed_seen, examples = seen(ola)
    assert message_seen == queries.MESSAGE_WITHHELD
    assert failed_seen and set(failed_seen) == {queries.FINDING_WITHHELD}
    assert examples == [None] * len(examples)
    for viewer in (Viewer(kommuner=frozenset({"9901", "9902"}), brukernavn="per"),
                   Viewer(role="admin", kommuner=frozenset({"9901"}), brukernavn="kari")):
        message_seen, failed_seen, _ = seen(viewer)
        assert message_seen == message and any("Holmen skule" in m for m in failed_seen), viewer
    # Udir's national files are published statistics: their messages («last inn de andre sidene») are every owner's.
    national = query(demo_db, "SELECT batch_id, melding FROM core.ingest_log WHERE kilde LIKE 'udir%' "
                              "AND list_contains(kommuner, '9902') AND melding <> ''")
    assert national
    log = queries.ingest_log(ola)
    for batch_id, text in national:
        assert log.filter(pl.col("batch_id") == batch_id)["melding"].item() == text
