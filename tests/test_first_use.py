"""What a skolesjef meets on a real municipality's first day: an empty warehouse, then the first files."""

from __future__ import annotations

import pytest
import streamlit as st

from dashboard import queries, ui
from dashboard.viewer import Viewer
from pipelines.warehouse import store
from tests.conftest import open_page

OWNER = Viewer(role="skoleeier", kommuner=frozenset({"4601"}), brukernavn="skolesjef")


@pytest.mark.parametrize("page", ["oversikt", "saker", "team", "programmer", "ungdata"])
def test_an_empty_warehouse_says_where_to_begin(tmp_path, monkeypatch, page):
    """An empty warehouse said «Ingen resultater fra Elevundersøkelsen er lastet inn ennå» on Oversikt and «Last inn
    skoleregisteret og Elevundersøkelsen først» elsewhere (Saker and Programmer need no survey), with no word of
    where files are loaded or their format described."""
    db = tmp_path / "skolemiljo.duckdb"
    store.init(db)
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    st.cache_data.clear()
    at = open_page(page, OWNER)
    said = [w.value for w in at.warning]
    assert ui.EMPTY_WAREHOUSE in said, said
    assert "«Importer filer»" in ui.EMPTY_WAREHOUSE and "«Hjelp»" in ui.EMPTY_WAREHOUSE
    assert not any("Elevundersøkelsen først" in w for w in said)
    # The two places it names are links: the Hjelp page opened on «Rapporter», and the register's guide was a name.
    links = {(link.proto.page, link.proto.query_string) for link in at.get("page_link")}
    assert {("importer", ""), ("hjelp", "dok=skoleregister")} <= links, links


@pytest.mark.parametrize("role", ["rektor", "fau"])
@pytest.mark.parametrize("page", ["oversikt", "saker", "programmer"])
def test_an_empty_warehouse_tells_a_rektor_or_fau_member_who_loads_the_files_not_to_use_a_page_they_lack(
        tmp_path, monkeypatch, page, role):
    """A rektor and an FAU member were told on every page to load the register «under «Importer filer»», a page
    neither has (the address led back to Oversikt)."""
    db = tmp_path / "skolemiljo.duckdb"
    store.init(db)
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    st.cache_data.clear()
    reader = Viewer(role=role, kommuner=frozenset({"4601"}), skoler=frozenset({"970401385"}), brukernavn=role)
    said = [w.value for w in open_page(page, reader).warning]
    assert ui.EMPTY_WAREHOUSE_READER in said and not any("Importer filer" in w for w in said), said
    assert not open_page(page, reader).get("page_link")  # no link to a page they lack


def test_the_nation_is_landet_in_the_survey_rows_as_on_the_page(warehouse):
    """The Elevundersøkelsen page's Excel download called the nation «Nasjonalt» (Udir's name) where the page and the
    reports say «Landet»."""
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
    trend = queries.eu_trend(owner, kommunenr="9901")
    national = trend.filter(trend["enhet_niva"] == "nasjonalt")
    assert national.height and set(national["enhet_navn"]) == {"Landet"}


def test_the_guide_the_empty_warehouse_points_to_describes_the_register_a_page_reads():
    """The register, the first file anyone loads, had no guide of its own: only a long cell in «Filformater som
    leses». The empty warehouse's message names the guide; the Hjelp page lists it, and its example loads."""
    import re

    from pipelines.guides import GUIDES, text

    titles = {title: key for key, (title, _) in GUIDES.items()}
    named = re.findall(r"under «([^»]+)»", ui.EMPTY_WAREHOUSE)
    assert named and named[-1] in titles
    guide = text(titles[named[-1]])
    assert all(c in guide for c in ("orgnr", "trinn_fra", "trinn_til", "elevtall", "nedlagt", "opprettet"))


def test_the_register_guide_s_example_loads_as_written(tmp_path):
    import re

    from pipelines.guides import text
    from pipelines.ingest import ingest_file
    from tests.conftest import query

    example = re.search(r"```\n(orgnr;.*?)```", text("skoleregister"), re.DOTALL).group(1)
    path = tmp_path / "skoleregister.csv"
    path.write_text(example, encoding="utf-8")
    db = tmp_path / "skolemiljo.duckdb"
    store.init(db)
    outcome = ingest_file(path, db)
    assert outcome.result == "lastet", outcome.message
    assert query(db, "SELECT count(*) FROM core.skole")[0][0] == example.count("\n") - 1


def test_results_loaded_before_the_register_are_followed_up_on_oversikt_until_the_register_comes(
        tmp_path, monkeypatch, demo_dir):
    """Survey results loaded first, as a newcomer does: Oversikt read «6 skoler i drift» and listed the missing case
    reports and plan, but not the missing register that the trinn, the pupils and every check of the schools' own
    reports rest on (only Datakvalitet said it)."""
    from dashboard import attention
    from pipelines.ingest import ingest_file

    db = tmp_path / "skolemiljo.duckdb"
    store.init(db)
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    assert ingest_file(demo_dir / "udir_148_indikator_2025-26_side1.json", db).result == "lastet"
    st.cache_data.clear()
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
    (first, *_) = attention.items(owner, "9901")
    assert first.text.startswith("Skoleregisteret er ikke lest inn") and first.page == attention.IMPORTER, first
    assert ingest_file(demo_dir / "skoleregister.csv", db).result == "lastet"
    st.cache_data.clear()
    assert not [i for i in attention.items(owner, "9901") if i.text.startswith("Skoleregisteret")]
