"""«Å følge opp» and the card heading on Oversikt after a new school year's register and plan: the year under way is
judged even before anyone has reported, a school is asked only for the teams it has now, and closed schools are not
counted as running."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import streamlit as st

from dashboard import attention
from dashboard.viewer import Viewer
from pipelines.ingest import ingest_file
from pipelines.warehouse.published import school_year_label
from tests.test_attention import _oversikt

NORDLI, ELVETUN = "990012008", "990016003"
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")
REKTOR = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="rektor")


def _load(db: Path, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    outcome = ingest_file(path, db)
    assert outcome.result == "lastet", outcome.message
    st.cache_data.clear()


def _register(demo_dir: Path, **changed: str) -> str:
    """The demo's school register with some rows changed (orgnr: the row's text after the orgnr), and a «nedlagt»
    column (blank for a school in operation)."""
    lines = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0] + ";nedlagt"]
    for line in lines[1:]:
        orgnr = line.split(";")[0]
        rows.append(f"{orgnr};{changed[orgnr]}" if orgnr in changed else line + ";")
    return "\n".join(rows) + "\n"


def _current_year() -> str:
    today = dt.date.today()
    return school_year_label(today.year if today.month >= 8 else today.year - 1)


def test_a_new_plan_nobody_has_reported_under_yet_is_followed_up_as_not_reported(warehouse, demo_dir, tmp_path):
    """A new plan loaded, and the skolesjef's programme line disappeared while the rektor read that the plan's
    requirements were met «så langt skolen har rapportert»: nobody had reported under it yet."""
    plan = (demo_dir / "plan_9901_fjellvik.yaml").read_text(encoding="utf-8")
    plan = plan.replace("plan_id: fjellvik-laeringsmiljo-2024", "plan_id: fjellvik-laeringsmiljo-2026").replace(
        "  fra: 2024-08-01\n  til: 2028-07-31", "  fra: 2026-08-01\n  til: 2030-07-31")
    _load(warehouse, tmp_path / "plan_9901_ny.yaml", plan)
    year = _current_year()

    (owner,) = [i.text for i in attention.items(OWNER, "9901") if i.text.startswith("Programmer")]
    assert owner.startswith(f"Programmer {year}: ") and "er ikke rapportert – Bakken barneskole; Elvetun skole; " \
        "Fjellvik barneskole og 3 til" in owner, owner

    lines = [b.label for b in _oversikt(REKTOR).button if (b.key or "").startswith("oppfolging_")]
    assert f"Programmer {year}: 7 av 7 trinn er ikke rapportert – Nordli skole" in lines, lines


def test_a_school_that_no_longer_has_ungdomstrinn_is_not_asked_for_its_elevtjeneste(warehouse, demo_dir, tmp_path):
    """Elvetun, 1.–10. once and 1.–7. in the new register, read «Elevtjeneste: under halvparten av de forventede
    møtene … Elvetun skole 0 av 3» for the elevtjeneste it logged before: the Team page asks it for none."""
    _load(warehouse, tmp_path / "teamrytme.csv", "kommunenr;team;moter_per_maaned\n9901;elevtjeneste;1\n")
    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM core.teammoter WHERE orgnr = ? AND team = 'elevtjeneste' AND dato >= DATE '2026-07-01'",
                [ELVETUN])
    con.close()
    st.cache_data.clear()
    before = [i.text for i in attention.items(OWNER, "9901") if i.text.startswith("Elevtjeneste")]
    assert any("Elvetun skole 0 av " in line for line in before), before  # a 1.–10. school that stopped meeting

    _load(warehouse, tmp_path / "skoleregister_ny.csv",
          _register(demo_dir, **{ELVETUN: "Elvetun skole;9901;Fjellvik;1;7;96;"}))
    after = [i.text for i in attention.items(OWNER, "9901") if i.text.startswith("Elevtjeneste")]
    assert not any("Elvetun" in line for line in after), after


def test_the_card_counts_the_schools_that_ran_the_school_year_shown(warehouse, demo_dir, tmp_path):
    """«6 skoler i registeret · skoleåret 2025-26» where three were closed before that school year began."""
    (year,) = [r[0] for r in duckdb.connect(str(warehouse), read_only=True).execute(
        "SELECT max(skoleaar) FROM mart.elevundersokelsen WHERE kommunenr = '9901' AND enhet_niva = 'kommune'"
    ).fetchall()]
    start = int(year[:4])
    _load(warehouse, tmp_path / "skoleregister_nedlagt.csv", _register(demo_dir, **{
        "990011001": f"Fjellvik barneskole;9901;Fjellvik;1;7;428;{start}-06-20",  # before the year: did not run it
        "990013004": f"Haugen skole;9901;Fjellvik;1;7;44;{start}-09-01",  # closed on 1 September: never began it
        "990014000": f"Bakken barneskole;9901;Fjellvik;1;7;305;{start - 3}-08-01",
        "990016003": f"Elvetun skole;9901;Fjellvik;1;10;96;{start}-09-02",  # ran the year's first weeks: counted
    }))
    captions = [c.value for c in _oversikt(OWNER).caption]
    assert any(c.startswith(f"3 skoler i drift · skoleåret {year} ·") for c in captions), captions
    assert any(c.startswith("4 skoler i drift · skoleåret ") for c in captions), captions  # Sjøbygd: all four
    # FAU, whose register is the own school only, is told the municipality's count too (it said «6 skoler i registeret»).
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({NORDLI}), brukernavn="fau")
    captions = [c.value for c in _oversikt(fau).caption]
    assert any(c.startswith(f"3 skoler i drift · skoleåret {year} ·") for c in captions), captions


def test_a_municipality_that_began_logging_names_every_school_short_of_meetings_from_its_first_month(
        register_db, tmp_path, monkeypatch):
    """Logging began in October at one school: Oversikt read «Arbeidslag: under halvparten … i aug–okt – <that school>
    1 av 3», counting August and September before anyone logged, and named none of the schools that logged nothing.
    A rektor is told of the own school only, as the log is."""
    monkeypatch.setenv("SKOLEMILJO_DB", str(register_db))
    register = duckdb.connect(str(register_db), read_only=True).execute(
        "SELECT orgnr, navn FROM mart.skoler WHERE kommunenr = '9901' ORDER BY navn").fetchall()
    (first, name), others = register[0], [n for _, n in register[1:]]
    _load(register_db, tmp_path / "teamrytme.csv", "kommunenr;team;moter_per_maaned\n9901;arbeidslag;2\n")
    header = ("Organisasjonsnummer;Skole;Team;Dato;Varighet (minutter);Saker drøftet med samtykke;Anonyme drøftinger;"
              "Henvist til PPT;Henvist til barnevern;Henvist til helse;Til stede: Ledelse;Til stede: PPT;"
              "Til stede: Helsesykepleier;Til stede: Barnevern;Til stede: Psykisk helse og rus;Til stede: Sosiallærer;"
              "Til stede: Karriereveileder;Til stede: Andre\n")
    days = ["05.10.2026", "19.10.2026", "02.11.2026"]
    _load(register_db, tmp_path / "moter.csv", header + "".join(
        f"{first};{name};Arbeidslag;{d};60;1;0;0;0;0;ja;nei;nei;nei;nei;nei;nei;nei\n" for d in days))
    (line,) = [i.text for i in attention.items(OWNER, "9901") if i.text.startswith("Arbeidslag")]
    assert "i okt 2026 – " in line and name not in line, line  # October alone; 2 of 2 met
    assert all(f"{n} 0 av 2" in line for n in others[:2]), line  # the schools that logged nothing, named
    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({first}), brukernavn="rektor")
    assert not [i.text for i in attention.items(rektor, "9901") if i.text.startswith("Arbeidslag")]
