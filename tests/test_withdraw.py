"""A file loaded by mistake can be withdrawn: its rows go, the log says so, and it can be loaded again.

A skolesjef who loaded another municipality's case counts, or a month that was never theirs, could only send a file
with the same keys to replace them; a file whose keys no right file shares stayed for good. Only a file that took no
earlier rows out can be withdrawn: those rows are gone, and the refusal says to load the right file instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
import streamlit as st

from dashboard import queries
from dashboard.viewer import Viewer
from pipelines import accounts
from pipelines.cli import main as cli
from pipelines.errors import IngestError
from pipelines.withdraw import withdraw
from tests.conftest import DATA_TABLES, SAKER_HEADER, open_page, query, table_digest

HAUGEN = "990013004"
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
BOTH = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")
REKTOR = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="rektor")


def _case_file(tmp_path: Path, name: str, month: str, nye: int = 2) -> Path:
    path = tmp_path / name
    path.write_text(SAKER_HEADER + f"{HAUGEN};Haugen skole;{month};;aktivitetsplan;;{nye};0;{nye};0\n",
                    encoding="utf-8")
    return path


def _loaded(db: Path, path: Path) -> str:
    assert cli(["--db", str(db), "ingest", str(path)]) == 0
    return query(db, "SELECT batch_id FROM core.ingest_log WHERE filnavn = ? AND resultat = 'lastet' "
                     "ORDER BY ferdig DESC LIMIT 1", [path.name])[0][0]


def _said(capsys) -> tuple[str, str]:
    out = capsys.readouterr()
    return " ".join(out.out.split()), " ".join(out.err.split())


def test_a_file_of_new_months_is_withdrawn_and_can_be_loaded_again(warehouse, tmp_path, capsys):
    before = table_digest(warehouse)
    path = _case_file(tmp_path, "saker_feil.csv", "2026-11")
    batch = _loaded(warehouse, path)
    loaded = table_digest(warehouse)
    assert loaded["core.saker"] != before["core.saker"]
    capsys.readouterr()

    # Without --ja it only says what would go.
    assert cli(["--db", str(warehouse), "trekk-tilbake", batch]) == 0
    out, _ = _said(capsys)
    assert "«saker_feil.csv»" in out and "1 rad fra filen står i lageret og vil bli fjernet" in out, out
    assert f"skolemiljo trekk-tilbake {batch} --ja" in out
    assert table_digest(warehouse) == loaded

    assert cli(["--db", str(warehouse), "trekk-tilbake", batch, "--ja"]) == 0
    out, _ = _said(capsys)
    assert "er trukket tilbake: 1 rad er fjernet fra lageret" in out, out
    assert table_digest(warehouse) == before  # every data table as it was before the file
    resultat, melding = query(warehouse, "SELECT resultat, melding FROM core.ingest_log WHERE batch_id = ?", [batch])[0]
    assert resultat == "trukket_tilbake" and "Trukket tilbake" in melding and "1 rad fjernet" in melding
    audit = [json.loads(line) for line in accounts.audit_path(warehouse).read_text(encoding="utf-8").splitlines()]
    assert audit[-1]["hendelse"] == "fil_trukket_tilbake" and batch in audit[-1]["detalj"]

    # Withdrawn is not loaded: the same file may come in again, and then it is.
    assert cli(["--db", str(warehouse), "ingest", str(path)]) == 0
    out, _ = _said(capsys)
    assert "LASTET" in out and "ALLEREDE" not in out, out
    again = query(warehouse, "SELECT sakstype, nye, batch_id FROM core.saker WHERE orgnr = ? AND periode = '2026-11-01'",
                  [HAUGEN])
    assert [r[:2] for r in again] == [("aktivitetsplan", 2)] and again[0][2] != batch

    # Twice is said, and changes nothing.
    assert cli(["--db", str(warehouse), "trekk-tilbake", batch, "--ja"]) == 1
    assert "er allerede trukket tilbake" in _said(capsys)[1]


def test_a_file_that_replaced_earlier_rows_is_not_withdrawn_and_the_user_is_told_what_to_do(warehouse, tmp_path,
                                                                                              capsys):
    """Haugen's June 2026 was in the warehouse: the file replaced it, and withdrawing the file would leave the month
    empty. The right file replaces the rows instead."""
    batch = _loaded(warehouse, _case_file(tmp_path, "saker_juni.csv", "2026-06", nye=7))
    after = table_digest(warehouse)
    capsys.readouterr()
    assert cli(["--db", str(warehouse), "trekk-tilbake", batch, "--ja"]) == 1
    _, err = _said(capsys)
    assert "«saker_juni.csv» tok ut rader fra tidligere filer" in err and "Last inn den riktige filen" in err, err
    assert table_digest(warehouse) == after
    assert query(warehouse, "SELECT resultat FROM core.ingest_log WHERE batch_id = ?", [batch])[0][0] == "lastet"


@pytest.mark.parametrize(("kilde", "reason"), [
    ("skoleregister", "skoleregisteret er det alle andre filer leses mot"),
    ("udir_indikator", "legger også til skoler og lister"),
    ("plan", "en kommuneplan fyller flere tabeller"),
])
def test_register_survey_and_plan_files_are_not_withdrawn(warehouse, capsys, kilde, reason):
    batch = query(warehouse, "SELECT batch_id FROM core.ingest_log WHERE kilde = ? AND resultat = 'lastet' LIMIT 1",
                  [kilde])[0][0]
    before = table_digest(warehouse)
    assert cli(["--db", str(warehouse), "trekk-tilbake", batch, "--ja"]) == 1
    _, err = _said(capsys)
    assert "kan ikke trekkes tilbake" in err and reason in err, err
    assert table_digest(warehouse) == before


def test_unknown_refused_and_uncounted_loads_are_not_withdrawn(warehouse, tmp_path, capsys):
    assert cli(["--db", str(warehouse), "trekk-tilbake", "finnes-ikke", "--ja"]) == 1
    assert "Fant ingen innlasting med id «finnes-ikke»" in _said(capsys)[1]

    bad = tmp_path / "saker_ord.csv"
    bad.write_text(SAKER_HEADER + f"{HAUGEN};Haugen skole;2026-11;;aktivitetsplan;;to;0;0;0\n", encoding="utf-8")
    assert cli(["--db", str(warehouse), "ingest", str(bad)]) == 1
    refused = query(warehouse, "SELECT batch_id FROM core.ingest_log WHERE filnavn = 'saker_ord.csv'")[0][0]
    capsys.readouterr()
    assert cli(["--db", str(warehouse), "trekk-tilbake", refused, "--ja"]) == 1
    assert "ble ikke lastet inn (resultat: avvist)" in _said(capsys)[1]

    # A file loaded before the warehouse counted what a load replaced: it cannot be told, so not withdrawn.
    batch = _loaded(warehouse, _case_file(tmp_path, "saker_gammel.csv", "2026-11"))
    with duckdb.connect(str(warehouse)) as con:
        con.execute("UPDATE core.ingest_log SET rader_erstattet = NULL WHERE batch_id = ?", [batch])
    capsys.readouterr()
    assert cli(["--db", str(warehouse), "trekk-tilbake", batch, "--ja"]) == 1
    assert "før skolemiljo begynte å holde rede på radene en fil erstatter" in _said(capsys)[1]
    assert query(warehouse, "SELECT count(*) FROM core.saker WHERE batch_id = ?", [batch])[0][0] == 1


def test_a_skoleeier_cannot_withdraw_another_municipalitys_file(warehouse, tmp_path):
    batch = _loaded(warehouse, _case_file(tmp_path, "saker_feil.csv", "2026-11"))
    before = table_digest(warehouse)
    with pytest.raises(IngestError, match="kommuner du ikke har tilgang til \\(9901\\)"):
        withdraw(warehouse, batch, apply=True, scope=frozenset({"9902"}))
    assert table_digest(warehouse) == before
    assert not queries.withdrawal(OWNER, batch_id=batch)["hindring"][0]  # its own owner may
    st.cache_data.clear()
    other = Viewer(role="skoleeier", kommuner=frozenset({"9902"}), brukernavn="sjøbygd")
    assert "ikke har tilgang" in queries.withdrawal(other, batch_id=batch)["hindring"][0]
    assert queries.withdrawal(REKTOR, batch_id=batch).is_empty()  # not a rektor's question at all


def test_withdrawing_rows_of_a_published_year_leaves_it_as_published(warehouse, tmp_path):
    """July 2024 belongs to 2023-24, a year shown at the protected level: the file that added it was held back, and
    withdrawing it leaves the year as it was published, so nothing stays held back."""
    before = table_digest(warehouse)
    batch = _loaded(warehouse, _case_file(tmp_path, "saker_juli.csv", "2024-07"))
    st.cache_data.clear()
    held = queries.held_back(OWNER, kommunenr="9901")
    assert held.select("kilde", "skoleaar_start").rows() == [("saker", 2023)]

    done = withdraw(warehouse, batch, apply=True)
    assert done.done and done.rows == 1 and not done.protected_years
    st.cache_data.clear()
    assert queries.held_back(OWNER, kommunenr="9901").is_empty()
    assert table_digest(warehouse) == before


def test_withdrawing_rows_of_a_published_year_that_was_not_held_holds_it_back(warehouse, tmp_path):
    """A file of new months that a later file made part of a published year: its rows going would change what rektor
    and FAU were shown, so the year is held as a correction's would be, until the skoleeier publishes."""
    batch = _loaded(warehouse, _case_file(tmp_path, "saker_juli.csv", "2024-07"))
    from pipelines.warehouse.published import publish_in

    assert publish_in(warehouse, "saker", "9901", 2023, batch) == "publisert"  # 2023-24 now shown with July
    st.cache_data.clear()
    shown = queries.saker_oversikt(REKTOR, kommunenr="9901", skoleaar="2023-24")
    before = withdraw(warehouse, batch, apply=False)
    assert before.protected_years == [("9901", 2023, True)]  # said before it is done
    assert "publisert på vernet nivå: 2023-24 (kommune 9901)" in before.published_text()
    done = withdraw(warehouse, batch, apply=True)
    assert done.protected_years == [("9901", 2023, True)]
    assert "Rektor og FAU ser 2023-24 (kommune 9901) slik det ble publisert" in done.published_text()
    st.cache_data.clear()
    assert queries.saker_oversikt(REKTOR, kommunenr="9901", skoleaar="2023-24").equals(shown)
    assert query(warehouse, "SELECT count(*) FROM core.saker WHERE batch_id = ?", [batch])[0][0] == 0


def _select_file(at, batch: str):
    box = next(s for s in at.selectbox if s.label == "Fil")
    box.set_value(batch).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_skoleeier_withdraws_a_file_on_datakvalitet(warehouse, tmp_path):
    batch = _loaded(warehouse, _case_file(tmp_path, "saker_feil.csv", "2026-11"))
    before_rows = query(warehouse, "SELECT count(*) FROM core.saker")[0][0]
    at = _select_file(open_page("datakvalitet", OWNER), batch)
    expander = next(e for e in at.expander if e.label == "Trekk tilbake filen")
    assert "1 rad fra filen fjernes fra lageret" in " ".join(m.value for m in expander.markdown)
    button = next(b for b in at.button if b.label == "Trekk tilbake filen")
    assert button.disabled  # not before the tick
    tick = next(c for c in at.checkbox if c.label.startswith("Jeg vil trekke tilbake"))
    shown = tick.label.replace("\\", "")  # Markdown, its «_» escaped
    assert "«saker_feil.csv»" in shown and "1 rad" in shown  # the file is named where the user agrees
    tick.check().run()
    next(b for b in at.button if b.label == "Trekk tilbake filen").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("er trukket tilbake: 1 rad er fjernet" in s.value for s in at.success), [s.value for s in at.success]
    box = next(s for s in at.selectbox if s.label == "Fil")
    assert box.value == batch and "Trukket tilbake" in box.format_func(box.value)  # the file stays chosen
    assert any("Trukket tilbake" in m.value for m in at.markdown if m.value.startswith("**Melding"))
    assert query(warehouse, "SELECT count(*) FROM core.saker")[0][0] == before_rows - 1
    log = pl.DataFrame(at.dataframe[0].value) if at.dataframe else None
    assert log is not None and "Trukket tilbake" in log["Resultat"].to_list()
    audit = accounts.audit_path(warehouse).read_text(encoding="utf-8").splitlines()
    assert json.loads(audit[-1])["bruker"] == "skolesjef"


def test_datakvalitet_says_why_a_survey_file_cannot_be_withdrawn(warehouse):
    batch = query(warehouse, "SELECT batch_id FROM core.ingest_log WHERE kilde = 'udir_indikator' "
                             "AND resultat = 'lastet' LIMIT 1")[0][0]
    at = _select_file(open_page("datakvalitet", BOTH), batch)
    expander = next(e for e in at.expander if e.label == "Trekk tilbake filen")
    assert any("kan ikke trekkes tilbake" in i.value for i in expander.info), [i.value for i in expander.info]
    assert not [b for b in at.button if b.label == "Trekk tilbake filen"]


def test_the_withdrawal_tables_are_the_data_tables():
    """The digests above cover every table a withdrawal may touch."""
    from pipelines.warehouse import store

    assert set(store.WITHDRAWABLE.values()) <= set(DATA_TABLES)


HOLMEN = "990023018"


def test_a_file_that_replaced_only_rows_of_files_since_withdrawn_can_be_withdrawn(warehouse, tmp_path):
    """B replaced a row of A; once A is withdrawn, B took nothing that is still anyone's, and had A never been loaded B
    would have replaced nothing: B can go too, and the warehouse is as before either."""
    before = table_digest(warehouse)
    a = _loaded(warehouse, _case_file(tmp_path, "saker_a.csv", "2026-11", nye=2))
    b = _loaded(warehouse, _case_file(tmp_path, "saker_b.csv", "2026-11", nye=5))
    with pytest.raises(IngestError, match="fra «saker_a.csv»"):
        withdraw(warehouse, b, apply=False)
    assert withdraw(warehouse, a, apply=True).rows == 0  # its one row was B's to replace
    assert withdraw(warehouse, b, apply=True).rows == 1
    assert table_digest(warehouse) == before


def test_a_rhythm_file_that_replaced_the_built_in_rhythm_is_withdrawn_and_the_built_in_comes_back(warehouse,
                                                                                                   tmp_path):
    """The demo's rhythm file replaced the built-in arbeidslag row (nothing a user loaded): withdrawn, the built-in
    row is there again, as if the file had never been loaded."""
    rytme = query(warehouse, "SELECT batch_id FROM core.ingest_log WHERE kilde = 'teamrytme' AND resultat = 'lastet'")[0][0]
    assert query(warehouse, "SELECT erstattet_fra FROM core.ingest_log WHERE batch_id = ?", [rytme])[0][0] == ["standard"]
    done = withdraw(warehouse, rytme, apply=True)
    assert done.rows == 4
    assert query(warehouse, "SELECT kommunenr, team, moter_per_maaned, batch_id FROM core.teamrytme ORDER BY team") == [
        (None, "arbeidslag", 1.0, None), (None, "elevtjeneste", 1.0, None), (None, "ressursteam", 1.0, None)]


def test_a_refusal_says_nothing_of_a_municipality_the_user_may_not_see(warehouse, tmp_path):
    """A file of Fjellvik's and Sjøbygd's rows whose Sjøbygd row replaced an earlier one: a skoleeier of Fjellvik alone
    was told «erstattet 1 rad fra tidligere filer», news of Sjøbygd's corrected report."""
    path = tmp_path / "saker_begge.csv"
    path.write_text(SAKER_HEADER + f"{HAUGEN};Haugen skole;2026-11;;aktivitetsplan;;2;0;2;0\n"
                    f"{HOLMEN};Holmen skule;2026-10;;aktivitetsplan;;1;0;1;0\n", encoding="utf-8")
    batch = _loaded(warehouse, path)
    said = queries.withdrawal(OWNER, batch_id=batch)["hindring"][0]
    assert "kommuner du ikke har tilgang til (9902)" in said and "erstattet" not in said, said
    assert "tok ut rader fra tidligere filer" in queries.withdrawal(BOTH, batch_id=batch)["hindring"][0]


def test_only_an_administrator_withdraws_the_nations_survey_figures(warehouse, tmp_path, capsys):
    """A file of the nation's Ungdata figures alone belongs to no municipality: every skoleeier, even one of no
    municipality, could take away what all of them compare with."""
    path = tmp_path / "landet.csv"
    path.write_text("GEO;AAR;KJONN;TRINN;INDIKATOR;TELLER;NEVNER;RATE;SPVFLAGG\n"
                    "0;2016_2018;0;ungdomstrinn;Trives på skolen;800;1000;80.0;0\n", encoding="utf-8")
    batch = _loaded(warehouse, path)
    for scope in (frozenset(), frozenset({"9901", "9902"})):
        with pytest.raises(IngestError, match="bare fylkets eller landets tall"):
            withdraw(warehouse, batch, apply=True, scope=scope)
    assert withdraw(warehouse, batch, apply=True).rows == 1  # the administrator (no scope)


def test_an_already_loaded_row_of_the_log_names_the_load_to_withdraw(warehouse, tmp_path, capsys):
    path = _case_file(tmp_path, "saker_feil.csv", "2026-11")
    first = _loaded(warehouse, path)
    assert cli(["--db", str(warehouse), "ingest", str(path)]) == 0
    again = query(warehouse, "SELECT batch_id FROM core.ingest_log WHERE resultat = 'allerede_lastet' "
                             "AND filnavn = 'saker_feil.csv'")[0][0]
    capsys.readouterr()
    assert cli(["--db", str(warehouse), "trekk-tilbake", again]) == 1
    assert f"Radene kom med innlastingen {first}" in _said(capsys)[1]
    # The same content under another name: withdrawing the first takes its rows too, and the preview says so.
    (tmp_path / "saker_kopi.csv").write_bytes(path.read_bytes())
    assert cli(["--db", str(warehouse), "ingest", str(tmp_path / "saker_kopi.csv")]) == 0
    capsys.readouterr()
    assert cli(["--db", str(warehouse), "trekk-tilbake", first]) == 0
    out = _said(capsys)[0]
    assert "sendt på nytt som «saker_kopi.csv» (allerede lastet)" in out, out


def test_a_published_year_that_is_no_longer_complete_is_said_so(warehouse, tmp_path):
    """Sjøbygd's whole case file withdrawn: no year of Sjøbygd's is complete any more, so rektor and FAU see none; the
    message said they saw it «som publisert»."""
    batch = query(warehouse, "SELECT batch_id FROM core.ingest_log WHERE filnavn = 'saker_9902.csv'")[0][0]
    done = withdraw(warehouse, batch, apply=True)
    assert done.protected_years and not any(complete for _, _, complete in done.protected_years)
    text = done.published_text()
    assert "ikke komplette og vises ikke for rektor og FAU" in text and "slik de ble publisert" in text, text
    assert "Rektor og FAU ser" not in text


def test_a_year_a_withdrawn_file_made_complete_stays_as_published(warehouse, tmp_path):
    """A file of September made Holmen's 2024-25 complete, and rektor saw it. Withdrawn, the year was no longer
    complete and nothing was kept: a correction of March and a new September then showed rektor the new numbers
    without the skoleeier publishing them (a second review). The year is kept as it was shown."""
    from pipelines.warehouse.published import publish_in

    sjobygd = query(warehouse, "SELECT batch_id FROM core.ingest_log WHERE filnavn = 'saker_9902.csv'")[0][0]
    withdraw(warehouse, sjobygd, apply=True)
    for year in (2024, 2025):
        publish_in(warehouse, "saker", "9902", year, sjobygd)
    assert not query(warehouse, "SELECT count(*) FROM core.publisert WHERE kommunenr = '9902'")[0][0]

    def months(name: str, first: str, last: str, nye: int = 1, changed: str | None = None) -> Path:
        days = pl.date_range(pl.date(int(first[:4]), int(first[5:]), 1), pl.date(int(last[:4]), int(last[5:]), 1),
                             "1mo", eager=True)
        lines = [f"{HOLMEN};Holmen skule;{d:%Y-%m};;aktivitetsplan;;{3 if f'{d:%Y-%m}' == changed else nye};"
                 f"{3 if f'{d:%Y-%m}' == changed else nye};0;0" for d in days]
        path = tmp_path / name
        path.write_text(SAKER_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
        return path

    _loaded(warehouse, months("y.csv", "2024-08", "2025-07"))
    z = _loaded(warehouse, months("z.csv", "2025-09", "2025-09"))
    rektor = Viewer(role="rektor", kommuner=frozenset({"9902"}), skoler=frozenset({"990021007"}), brukernavn="r")
    st.cache_data.clear()
    shown = queries.saker_oversikt(rektor, kommunenr="9902", skoleaar="2024-25")
    assert not shown.is_empty()

    done = withdraw(warehouse, z, apply=True)
    assert done.protected_years == [("9902", 2024, False)]
    assert "Uten filen er 2024-25 (kommune 9902) ikke komplett" in done.published_text(), done.published_text()
    _loaded(warehouse, months("y2.csv", "2025-03", "2025-03", changed="2025-03"))
    _loaded(warehouse, months("z2.csv", "2025-09", "2025-10"))
    st.cache_data.clear()
    assert queries.saker_oversikt(rektor, kommunenr="9902", skoleaar="2024-25").equals(shown)  # as it was shown
    assert query(warehouse, "SELECT count(*) FROM core.publisert WHERE kommunenr = '9902' AND skoleaar_start = 2024"
                 )[0][0] == 1


def test_a_refusal_names_no_file_of_a_municipality_the_user_may_not_see(warehouse, tmp_path):
    """Fjellvik's Ungdata file replaced the nation's row that Sjøbygd's file had given: the refusal named Sjøbygd's
    file, its name and time, to Fjellvik's skoleeier, who cannot read it in the log."""
    header = "GEO;AAR;KJONN;TRINN;INDIKATOR;TELLER;NEVNER;RATE;SPVFLAGG\n"
    for name, geo in (("ungdata_sjobygd.csv", "9902"), ("ungdata_fjellvik.csv", "9901")):
        (tmp_path / name).write_text(header + f"{geo};2016_2018;0;ungdomstrinn;Trives;80;100;80.0;0\n"
                                     f"0;2016_2018;0;ungdomstrinn;Trives;800;1000;{80 + int(geo[-1])}.0;0\n",
                                     encoding="utf-8")
    _loaded(warehouse, tmp_path / "ungdata_sjobygd.csv")
    fjellvik = _loaded(warehouse, tmp_path / "ungdata_fjellvik.csv")
    said = queries.withdrawal(OWNER, batch_id=fjellvik)["hindring"][0]
    assert "1 fil du ikke har tilgang til" in said and "sjobygd" not in said, said
    st.cache_data.clear()
    assert "«ungdata_sjobygd.csv»" in queries.withdrawal(BOTH, batch_id=fjellvik)["hindring"][0]


def test_the_saker_page_says_a_year_held_by_a_withdrawal_is_not_shown_while_it_is_incomplete(warehouse):
    """The notice said rektor and FAU «ser fortsatt tallene slik de ble publisert» of a year that, with the file
    withdrawn, was no longer complete and not shown to them at all; and it named the withdrawn file as if loaded."""
    sjobygd = query(warehouse, "SELECT batch_id FROM core.ingest_log WHERE filnavn = 'saker_9902.csv'")[0][0]
    withdraw(warehouse, sjobygd, apply=True)
    st.cache_data.clear()
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9902"}), brukernavn="sjøbygd")
    at = open_page("saker", owner)
    notice = [w.value for w in at.warning if "2024-25 er endret" in w.value]
    assert notice, [w.value for w in at.warning]
    assert "siden trukket tilbake" in notice[0] and "året er ikke komplett nå og vises ikke" in notice[0], notice[0]
    assert "ser fortsatt tallene slik de ble publisert" not in notice[0]
