"""Import in the browser: a preview that changes nothing, the page's role gate, and an upload in Chromium."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import upload as importer
from dashboard.viewer import Viewer
from pipelines import accounts
from pipelines.errors import ROW_NUMBERS_JSON, ROW_NUMBERS_TABLE
from pipelines.ingest import ingest_file, preview_file
from tests.conftest import DATA_TABLES, SAKER_HEADER, first_row_changed, query, table_digest
from tests.serving import streamlit_server
from tests.test_browser import CHROMIUM, ROOT, login
from tests.test_browser import browser as browser  # noqa: F401  (the module-scoped Chromium fixture)
from tests.test_ingest import FIRST_148, _valid_fnr

PAGE = str(ROOT / "dashboard" / "views" / "importer.py")
OWNER = Viewer(role="skoleeier", kommuner=frozenset({"9901", "9902"}), brukernavn="skolesjef")
UNGDATA_HEADER = "kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar"
NEW_UNGDATA = f"{UNGDATA_HEADER}\n9901;2024;9;alle;Importtest – trives i nærmiljøet;81,5;212\n"


def _state(db: Path) -> tuple[dict[str, str], int, int]:
    """Everything a preview must leave alone: the data tables, the ingest log and the file archive."""
    log = query(db, "SELECT count(*) FROM core.ingest_log")[0][0]
    archived = sum(1 for _ in (db.parent / "arkiv").rglob("*")) if (db.parent / "arkiv").exists() else 0
    return table_digest(db, DATA_TABLES), log, archived


def _register_rows(demo_dir: Path) -> list[str]:
    return (demo_dir / "skoleregister.csv").read_text("utf-8").splitlines()


# ---------------------------------------------------------------- preview_file


def test_preview_of_a_new_file_reports_rows_and_new_rows_and_changes_nothing(demo_db, tmp_path):
    path = tmp_path / "ungdata_9901.csv"
    path.write_text(NEW_UNGDATA, encoding="utf-8")
    before = _state(demo_db)
    preview = preview_file(path, demo_db)
    assert _state(demo_db) == before
    assert preview.result == "klar", preview.message
    assert preview.source == "ungdata_tabell" and preview.source_label.startswith("Ungdata")
    assert (preview.rows_in, preview.rows_to_load, preview.rows_skipped) == (1, 1, 0)
    assert (preview.rows_new, preview.rows_replaced) == (1, 0)
    assert preview.table == "core.ungdata" and "indikator_kode" in preview.key
    assert preview.critical == [] and preview.findings and all(f.ok for f in preview.findings if f.alvorlighet == "kritisk")
    assert preview.sample is not None and preview.sample["indikator"].to_list() == ["Importtest – trives i nærmiljøet"]
    assert "1 ny rad, 0 erstatter rader som finnes fra før" in preview.changes  # not «1 nye rader»
    # The preview is what a load then does.
    outcome = ingest_file(path, demo_db)
    assert outcome.result == "lastet" and outcome.rows_loaded == preview.rows_to_load
    assert outcome.message.startswith("1 rad lastet")


def test_preview_counts_rows_that_would_replace_existing_ones(demo_db, demo_dir, tmp_path):
    rows = _register_rows(demo_dir)
    header = rows[0].split(";")
    first = rows[1].split(";")
    first[header.index("elevtall")] = str(int(first[header.index("elevtall")]) + 1)
    rows[1] = ";".join(first)
    path = tmp_path / "skoleregister_ny.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = _state(demo_db)
    preview = preview_file(path, demo_db)
    assert _state(demo_db) == before
    assert preview.result == "klar", preview.message
    assert preview.source == "skoleregister" and preview.table == "core.skole" and preview.key == ["orgnr"]
    assert preview.rows_to_load == len(rows) - 1
    assert (preview.rows_new, preview.rows_replaced) == (0, len(rows) - 1)


def test_preview_of_an_already_loaded_file_says_so(demo_db, tmp_path):
    path = tmp_path / "ungdata_9901.csv"
    path.write_text(NEW_UNGDATA, encoding="utf-8")
    assert ingest_file(path, demo_db).result == "lastet"
    before = _state(demo_db)
    preview = preview_file(path, demo_db)
    assert _state(demo_db) == before
    assert preview.result == "allerede_lastet" and preview.earlier_batch
    assert "allerede lastet" in preview.message and preview.changes == "Ingen endring."
    # Said as the time it was loaded, not as the internal load id.
    loaded = query(demo_db, "SELECT strftime(max(startet), '%d.%m.%Y kl. %H:%M') FROM mart.ingest_log "
                            "WHERE filnavn = 'ungdata_9901.csv'")[0][0]
    assert f"({loaded})" in preview.message and preview.earlier_batch not in preview.message


def test_preview_of_a_file_with_a_critical_quality_finding_lists_the_reason(demo_db, demo_dir, tmp_path):
    rows = _register_rows(demo_dir)
    path = tmp_path / "skoleregister_dobbel.csv"
    path.write_text("\n".join([*rows, rows[1]]) + "\n", encoding="utf-8")  # the same school twice
    before = _state(demo_db)
    preview = preview_file(path, demo_db)
    assert _state(demo_db) == before
    assert preview.result == "avvist" and preview.source == "skoleregister"
    assert any("Samme organisasjonsnummer" in c for c in preview.critical), preview.critical
    assert "Kvalitetskontrollen stoppet filen" in preview.message
    assert preview.rows_new is None and preview.sample is None


def test_preview_of_a_file_with_a_fodselsnummer_lists_the_reason(demo_db, demo_dir, tmp_path):
    rows = json.loads((demo_dir / FIRST_148).read_text("utf-8"))
    rows[5]["EnhetNavn"] = _valid_fnr()
    path = tmp_path / "person.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    before = _state(demo_db)
    preview = preview_file(path, demo_db)
    assert _state(demo_db) == before
    assert preview.result == "avvist"
    assert "fødselsnummer" in preview.message and "Rad 6" in preview.message
    assert preview.critical and "fødselsnummer" in preview.critical[0]


def test_preview_of_an_unreadable_file_gives_the_reader_s_reason(demo_db, tmp_path):
    path = tmp_path / "ukjent.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    preview = preview_file(path, demo_db)
    assert preview.result == "avvist" and "Kjenner ikke igjen formatet" in preview.message


# ---------------------------------------------------------------- the page's helpers


def test_the_size_limit_gives_a_clear_norwegian_message_and_matches_the_server_setting():
    assert importer.size_problem("liten.csv", 1024) is None
    assert importer.size_problem("grense.csv", importer.MAX_UPLOAD_MB * 1024 * 1024) is None
    message = importer.size_problem("stor.csv", (importer.MAX_UPLOAD_MB + 1) * 1024 * 1024)
    assert message and "stor.csv" in message and f"{importer.MAX_UPLOAD_MB} MB" in message
    config = (ROOT / "dashboard" / ".streamlit" / "config.toml").read_text("utf-8")
    assert f"maxUploadSize = {importer.MAX_UPLOAD_MB}\n" in config  # a refused file is not held in memory
    assert "60,0 MB" in importer.size_problem("stor.fil.csv", 60 * 1024 * 1024)  # a Norwegian decimal comma


def test_uploads_keep_their_name_but_no_folder(tmp_path):
    assert importer.safe_name("../../etc/passwd") == "passwd"
    assert importer.safe_name("C:\\Users\\x\\skoleregister.csv") == "skoleregister.csv"
    assert importer.safe_name("..") == "opplasting"
    saved = importer.save_upload(b"x", "mappe/Elevundersøkelsen 2024.csv", tmp_path)
    assert saved.parent == tmp_path and saved.name == "Elevundersøkelsen 2024.csv"


def test_progress_stages_grow_and_audit_detail_names_file_and_result():
    shares = [importer.progress_share(s) for s in
              ("leser", "ser etter personopplysninger", "leser Skoleregister", "kontrollerer",
               "laster inn")]
    assert shares == sorted(shares) and all(0 < s < 1 for s in shares)
    assert importer.audit_detail("a.csv", "lastet", "1 rader lastet.") == "a.csv: lastet – 1 rader lastet."
    assert len(importer.audit_detail("a.csv", "avvist", "x" * 1000)) < 330


def test_load_upload_audits_nothing_itself_but_loads_whole(demo_db):
    outcome = importer.load_upload(NEW_UNGDATA.encode(), "ungdata.csv", demo_db, OWNER)
    assert outcome.result == "lastet"
    assert query(demo_db, "SELECT count(*) FROM mart.ungdata WHERE indikator = 'Importtest – trives i nærmiljøet'") == [
        (1,)
    ]


ONLY_9901 = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="ola")


def _refused_and_unchanged(demo_db: Path, raw: bytes, name: str, expected: str) -> None:
    before = table_digest(demo_db, DATA_TABLES)
    preview = importer.preview_upload(raw, name, demo_db, ONLY_9901)
    assert preview.result == "avvist" and expected in preview.message, preview.message
    outcome = importer.load_upload(raw, name, demo_db, ONLY_9901)
    assert outcome.result == "avvist" and expected in outcome.message, outcome.message
    assert table_digest(demo_db, DATA_TABLES) == before


def test_a_school_the_demo_register_lacks_is_told_as_such_with_its_row(demo_db, demo_dir):
    """A meeting log with a mistyped orgnr in row 4 was told «Filen har data for skolen 990099999, som ikke er
    demokommuner» and a paragraph about demo warehouses, no row, nothing about the register: the message a real
    warehouse gives, and the demo is where new users try their files first."""
    admin = Viewer(role="admin", kommuner=frozenset(), brukernavn="admin")
    lines = (demo_dir / "teammoter_9902.csv").read_text("utf-8-sig").splitlines()
    lines[3] = "990099999" + lines[3][lines[3].index(";"):]
    outcome = importer.load_upload(("\n".join(lines) + "\n").encode(), "teammoter_9902.csv", demo_db, admin)
    assert outcome.result == "avvist", outcome.message
    assert "står ikke i skoleregisteret" in outcome.message and "Rader: 4" in outcome.message, outcome.message
    assert "demolager" not in outcome.message


def test_the_demo_administrator_cannot_upload_real_data_into_the_demo_warehouse(demo_db, demo_dir):
    """The demo administrator's password is in the README, and every page calls the demo's figures fictional: a
    real municipality's register uploaded on «Importer filer» went in (only the command line refused it)."""
    admin = Viewer(role="admin", kommuner=frozenset(), brukernavn="admin")
    rows = _register_rows(demo_dir)
    real = "\n".join([rows[0], rows[1], "964338531;Nordnes skole;4601;Bergen;1;7;310"]) + "\n"
    before = table_digest(demo_db, DATA_TABLES)
    for outcome in (importer.preview_upload(real.encode(), "skoleregister.csv", demo_db, admin),
                    importer.load_upload(real.encode(), "skoleregister.csv", demo_db, admin)):
        assert outcome.result == "avvist" and "kommune 4601" in outcome.message, outcome.message
        assert "demolager" in outcome.message and "9901 Fjellvik og 9902 Sjøbygd" in outcome.message
    assert table_digest(demo_db, DATA_TABLES) == before
    fictional = "\n".join([rows[0], rows[1], "990019999;Ny skole;9902;Sjøbygd;1;7;200"]) + "\n"
    outcome = importer.load_upload(fictional.encode(), "skoleregister.csv", demo_db, admin)
    assert outcome.result == "lastet", outcome.message


def _other_municipality_saker(demo_dir: Path) -> tuple[bytes, str]:
    """The demo's 9902 case counts with one more evaluation over the deadline (so the file is new to the warehouse)."""
    return first_row_changed(demo_dir, "saker_9902.csv", -1, 1).encode("utf-8"), "saker_9902_rettet.csv"


def test_a_skoleeier_cannot_load_another_municipality_s_case_counts(demo_db, demo_dir):
    """Case counts replace what is there by key: an owner of 9901 must not overwrite 9902's, neither through the
    preview's button nor by calling the load directly."""
    raw, name = _other_municipality_saker(demo_dir)
    kommune = query(demo_db, "SELECT DISTINCT kommune FROM core.skole WHERE kommunenr = '9902'")[0][0]
    _refused_and_unchanged(demo_db, raw, name, f"kommune 9902 {kommune}, som du ikke har tilgang til")
    logged = query(demo_db, "SELECT resultat, lastet_av, kommuner FROM core.ingest_log WHERE filnavn = ?", [name])
    assert logged == [("avvist", "ola", ["9902"])]


def test_a_joint_case_file_refused_for_another_municipality_names_its_schools_and_rows(demo_db, demo_dir):
    """Two neighbours send one joint file. Sjøbygd's owner was told only «remove the rows for the other
    municipality», and had to find which of 600 rows those were by hand: the message names its schools and rows."""
    other = (demo_dir / "saker_9902.csv").read_text(encoding="utf-8").splitlines()
    orgnr, name = query(demo_db, "SELECT orgnr, navn FROM core.skole WHERE kommunenr = '9901' ORDER BY orgnr")[0]
    own = [";".join([orgnr, name, *row.split(";")[2:]]) for row in other[1:4]]  # three rows of the owner's own
    raw = ("\n".join([other[0], *own, *other[1:]]) + "\n").encode("utf-8")
    first_other = len(own) + 2  # the header is row 1
    navn = query(demo_db, "SELECT navn FROM core.skole WHERE orgnr = ?", [other[1].split(";")[0]])[0][0]
    _refused_and_unchanged(demo_db, raw, "saker_felles.csv", f"Det gjelder {navn} (")
    outcome = importer.preview_upload(raw, "saker_felles.csv", demo_db, ONLY_9901)
    assert f"fra rad {first_other})" in outcome.message, outcome.message
    own_schools = query(demo_db, "SELECT navn FROM core.skole WHERE kommunenr = '9901'")
    assert not any(f"{n} (" in outcome.message for (n,) in own_schools), outcome.message


def test_case_counts_for_schools_missing_from_the_register_are_refused_for_that_reason(demo_db, demo_dir):
    """Sjøbygd's owner loads Sjøbygd's cases with one school's orgnr mistyped. The reason given was «rows without
    kommunenummer, which apply to all municipalities: write the number on each row», which the template has no column
    for. The school is missing from the register: say so, and name it."""
    text = (demo_dir / "saker_9902.csv").read_text(encoding="utf-8-sig")
    own = text.splitlines()[1].split(";")[0]
    raw = text.replace(own, "990031005").encode("utf-8")
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9902"}), brukernavn="per")
    before = table_digest(demo_db, DATA_TABLES)
    for outcome in (importer.preview_upload(raw, "saker_feil.csv", demo_db, owner),
                    importer.load_upload(raw, "saker_feil.csv", demo_db, owner)):
        assert outcome.result == "avvist", outcome.message
        assert "skoler som ikke står i skoleregisteret (organisasjonsnummer 990031005)" in outcome.message
        assert "kommunenummeret på hver rad" not in outcome.message
    assert table_digest(demo_db, DATA_TABLES) == before
    # Free text where the orgnr should be is counted, never quoted: the log row is read by others.
    named = text.replace(own, "Ola Nordmann 5B").encode("utf-8")
    outcome = importer.load_upload(named, "saker_navn.csv", demo_db, owner)
    assert outcome.result == "avvist" and "1 verdi i orgnr-kolonnen som ikke er et organisasjonsnummer" in outcome.message
    assert "ola" not in " ".join(r[0] for r in query(demo_db, "SELECT melding FROM core.ingest_log")).lower()


def test_a_school_name_where_the_orgnr_belongs_is_looked_up_and_an_unknown_one_is_refused_by_its_rows(demo_db, demo_dir):
    """A clerk wrote «Haugen skole» in the orgnr column of the template (a review of the monthly routine). The file was
    refused as holding schools missing from the register, with no row named and the advice to load a new register."""
    text = (demo_dir / "saker_9902.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    own = lines[1].split(";")[0]
    navn = query(demo_db, "SELECT navn FROM core.skole WHERE orgnr = ?", [own])[0][0]
    rows = [i + 1 for i, line in enumerate(lines) if line.startswith(own + ";")]  # as Excel numbers them
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9902"}), brukernavn="per")

    def written(cell: str) -> bytes:
        return "\n".join(cell + line[len(own):] if line.startswith(own + ";") else line for line in lines).encode()

    by_name = importer.preview_upload(written(navn.upper()), "saker_navn.csv", demo_db, owner)
    assert by_name.result == "klar" and by_name.rows_to_load == len(lines) - 1, by_name.message
    unknown = importer.preview_upload(written("Ola Nordmann 5B"), "saker_navn.csv", demo_db, owner)
    assert unknown.result == "avvist"
    assert f"(rad {rows[0]}, {rows[1]}" in unknown.message, unknown.message
    assert "la orgnr stå tomt og skriv skolens navn i kolonnen «skole»" in unknown.message
    assert "ola" not in unknown.message.lower()


def test_a_file_the_preview_stopped_is_in_the_load_log_for_its_uploader_as_on_the_command_line(demo_db, demo_dir):
    """A skolesjef whose upload was stopped comes back a week later to see why: Datakvalitet reads the load log, and
    a file stopped at the preview had left a line only in the administrator's audit log. It is logged as
    `skolemiljo ingest` logs a refused file, with the same reason, and nothing is loaded."""
    raw, name = _other_municipality_saker(demo_dir)
    before = table_digest(demo_db, DATA_TABLES)
    preview = importer.preview_upload(raw, name, demo_db, ONLY_9901)
    assert preview.result == "avvist"
    importer.log_refusal(raw, name, demo_db, ONLY_9901, preview)
    logged = query(demo_db, "SELECT resultat, lastet_av, melding, arkivfil FROM core.ingest_log WHERE filnavn = ?",
                   [name])
    assert [(r[0], r[1], r[2]) for r in logged] == [("avvist", "ola", preview.message)]
    assert Path(logged[0][3]).exists()  # the refused file is kept, as a refused file on the command line is
    assert table_digest(demo_db, DATA_TABLES) == before
    assert any(e["detalj"].startswith(f"{name}: avvist") for e in accounts.read_audit(demo_db))


def test_logging_a_refusal_never_loads_a_file_the_checks_now_accept(demo_db, demo_dir):
    """Between the preview and the log line the warehouse may have changed (another user loaded the register the
    file needed): the file is then not loaded behind the user's back, nor logged, nor kept in the archive."""
    raw, name = _other_municipality_saker(demo_dir)
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9902"}), brukernavn="per")
    before = _state(demo_db)[:2]
    stale = importer.Preview(Path(name), "avvist", message="Fant ikke skolen i skoleregisteret.")
    importer.log_refusal(raw, name, demo_db, owner, stale)
    assert _state(demo_db)[:2] == before
    sha = hashlib.sha256(raw).hexdigest()
    assert not [p for p in (demo_db.parent / "arkiv").rglob(f"{sha}*")]
    assert importer.load_upload(raw, name, demo_db, owner).result == "lastet"  # and a click still loads it


@pytest.mark.parametrize("viewer", [
    Viewer(role="skoleeier", kommuner=frozenset({"9902"}), brukernavn="per"),
    Viewer(role="skoleeier", kommuner=None, brukernavn="fylket"),
    Viewer(role="admin", kommuner=frozenset({"9901"}), brukernavn="admin"),
], ids=["eier-av-9902", "eier-av-alle", "administrator"])
def test_the_municipality_s_own_owner_and_an_administrator_can_load_its_case_counts(demo_db, demo_dir, viewer):
    raw, name = _other_municipality_saker(demo_dir)
    assert importer.preview_upload(raw, name, demo_db, viewer).result == "klar"
    assert importer.load_upload(raw, name, demo_db, viewer).result == "lastet"


def test_survey_results_of_another_municipality_are_refused_and_the_own_load(demo_db):
    """A reviewer changed a 9902 school's Udir value from 4.3 to 1.0 with a one-row file: survey results replace
    by key like the owner's own records."""
    other = f"{UNGDATA_HEADER}\n9902;2024;9;alle;Importtest – trives i nærmiljøet;81,5;212\n".encode()
    _refused_and_unchanged(demo_db, other, "ungdata_9902.csv", "kommune 9902")
    assert importer.load_upload(NEW_UNGDATA.encode(), "ungdata_9901.csv", demo_db, ONLY_9901).result == "lastet"


def test_a_plan_cannot_take_over_another_municipality_s_plan_id(demo_db, demo_dir):
    """A reviewer replaced Sjøbygd's whole plan with a 9901 file carrying Sjøbygd's plan_id."""
    text = (demo_dir / "plan_9901_fjellvik.yaml").read_text(encoding="utf-8")
    taken = text.replace("plan_id: fjellvik-laeringsmiljo-2024", "plan_id: sjobygd-skulemiljo-2024")
    assert taken != text
    _refused_and_unchanged(demo_db, taken.encode("utf-8"), "plan.yaml", "kommune 9902")


def test_the_register_cannot_move_another_municipality_s_school_but_may_repeat_it(demo_db, demo_dir):
    """A reviewer moved Holmen skule to 9901 through the register, then loaded its case counts as 9901's."""
    lines = (demo_dir / "skoleregister.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    holmen = next(r for r in rows if ";9902;" in r)
    moved = holmen.replace(";9902;", ";9901;").replace(";Sjøbygd;", ";Fjellvik;")
    _refused_and_unchanged(demo_db, f"{header}\n{moved}\n".encode(), "reg.csv", "kommune 9902")
    # The whole register again, with one of the own schools' pupils changed: the 9902 rows say what the warehouse
    # says already, so the file changes nothing outside 9901.
    own = next(i for i, r in enumerate(rows) if ";9901;" in r)
    fields = rows[own].split(";")
    fields[-1] = str(int(fields[-1]) + 1)
    changed = [*rows[:own], ";".join(fields), *rows[own + 1:]]
    outcome = importer.load_upload(("\n".join([header, *changed]) + "\n").encode(), "reg2.csv", demo_db, ONLY_9901)
    assert outcome.result == "lastet", outcome.message


def test_the_register_cannot_rewrite_another_municipality_s_school_year_either(demo_db, demo_dir):
    header = "orgnr;navn;kommunenr;kommune;trinn_fra;trinn_til;elevtall;skoleaar"
    school = query(demo_db, "SELECT orgnr, navn, kommunenr, kommune, trinn_fra, trinn_til, elevtall FROM core.skole "
                            "WHERE kommunenr = '9902' ORDER BY orgnr LIMIT 1")[0]
    row = ";".join(str(v) for v in school) + ";2015-16"
    _refused_and_unchanged(demo_db, f"{header}\n{row}\n".encode(), "reg.csv", "kommune 9902")


def test_a_school_name_two_schools_share_names_neither(demo_db):
    """A reviewer registered a 9901 school under the name of a 9902 school: a later file naming the school only by
    name went to whichever the lookup met first. Now such a name is refused, asking for the organisation number."""
    holmen = query(demo_db, "SELECT navn FROM core.skole WHERE kommunenr = '9902' ORDER BY orgnr LIMIT 1")[0][0]
    twin = f"orgnr;navn;kommunenr;kommune;trinn_fra;trinn_til;elevtall\n990019999;{holmen};9901;Fjellvik;1;7;10\n"
    assert importer.load_upload(twin.encode(), "reg.csv", demo_db, ONLY_9901).result == "lastet"
    by_name = ("orgnr;skole;maaned;trinn;sakstype;utfall;nye;avsluttet;apne_ved_maanedsslutt;evaluering_over_frist\n"
               f";{holmen};2024-08;;aktivitetsplan;;1;0;1;0\n")
    admin = Viewer(role="admin", brukernavn="admin")
    outcome = importer.load_upload(by_name.encode(), "saker.csv", demo_db, admin)
    assert outcome.result == "avvist" and "flere skoler der har det navnet" in outcome.message, outcome.message


def test_a_default_meeting_rhythm_for_every_municipality_is_for_an_administrator(demo_db):
    """A row with no kommunenr sets the rhythm of every municipality that has not set its own."""
    raw = b"kommunenr;team;moter_per_maaned\n;arbeidslag;9\n"
    _refused_and_unchanged(demo_db, raw, "rytme.csv", "rader uten kommunenummer")
    admin = Viewer(role="admin", brukernavn="admin")
    assert importer.load_upload(raw, "rytme.csv", demo_db, admin).result == "lastet"


# ---------------------------------------------------------------- the page in AppTest


@pytest.fixture
def page(demo_db_master, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))

    def make(viewer: Viewer) -> AppTest:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["viewer"] = viewer
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


@pytest.mark.parametrize("role", ["skoleeier", "admin"])
def test_the_page_offers_an_uploader_with_the_size_limit(page, role):
    at = page(Viewer(role=role, kommuner=OWNER.kommuner, brukernavn="x"))
    assert [t.value for t in at.title] == ["Importer filer"]
    assert not at.warning
    assert len(at.get("file_uploader")) == 1
    assert any(f"{importer.MAX_UPLOAD_MB} MB" in c.value for c in at.caption)
    assert any("Ingen filer valgt" in i.value for i in at.info)
    assert not any("maxUploadSize" in m.value for m in at.markdown)  # no stray string printed by Streamlit magic


def test_the_page_says_where_each_template_is_and_they_are_there(page, demo_db_master):
    """A review of the monthly routine looked for the templates on the page where the filled-in files are loaded."""
    from tests.conftest import open_page

    owner = Viewer(role="skoleeier", kommuner=OWNER.kommuner, brukernavn="x")
    assert any(c.value == importer.TEMPLATES_WHERE for c in page(owner).caption)

    def downloads(at) -> list[str]:
        return [b.proto.label for b in at.get("download_button")]

    saker = open_page("saker", owner)
    assert "Mal for rapportering" in [t.label for t in saker.tabs] and "«Mal for rapportering»" in importer.TEMPLATES_WHERE
    assert any("saksrapportering" in label for label in downloads(saker))
    assert any("møtelogg" in label for label in downloads(open_page("team", owner)))
    assert any("programstatus" in label for label in downloads(open_page("programmer", owner)))


@pytest.mark.parametrize("role", ["fau", "rektor"])
def test_fau_and_rektor_are_stopped_with_a_warning(page, role):
    at = page(Viewer(role=role, kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="x"))
    assert any("skoleeier og administrator" in w.value for w in at.warning)
    assert not at.get("file_uploader")


def test_the_page_without_a_login_shows_nothing(demo_db_master, monkeypatch):
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert any("logge inn" in w.value for w in at.warning)
    assert not at.get("file_uploader")


# ---------------------------------------------------------------- Chromium, on a private copy of the warehouse


@pytest.fixture
def private_server(demo_db, demo_db_master):
    """The real server on a private copy (demo_db), with the demo accounts, so uploads change no shared warehouse."""
    shutil.copy(accounts.users_path(demo_db_master), demo_db.parent / "brukere.yaml")
    env = {k: v for k, v in os.environ.items() if k != "SKOLEMILJO_USERS"}
    with streamlit_server(demo_db, env) as url:
        yield url


@pytest.mark.browser
def test_upload_in_chromium_refuses_a_bad_file_and_loads_a_good_one(private_server, browser, demo_db, demo_dir,  # noqa: F811
                                                                    tmp_path):
    assert Path(CHROMIUM).exists()
    rows = _register_rows(demo_dir)
    bad = tmp_path / "skoleregister_feil.csv"
    bad.write_text("\n".join([rows[0], rows[1].replace(rows[1].split(";")[0], "12345", 1)]) + "\n", encoding="utf-8")
    good = tmp_path / "ungdata_9901.csv"
    good.write_text(NEW_UNGDATA, encoding="utf-8")
    before = _state(demo_db)

    page = login(browser, private_server, "admin")
    page.locator("[data-testid='stSidebarNav'] a", has_text="Importer filer").first.click()
    page.wait_for_selector("h1:has-text('Importer filer')", timeout=30_000)
    page.locator("input[type='file']").set_input_files(str(bad))
    page.wait_for_selector("text=Filen kan ikke lastes inn", timeout=60_000)
    # The caption under the message may arrive a moment later on a busy machine: wait for the run to finish.
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60_000)
    page.wait_for_selector("text=Radnumrene i meldingene er de samme som i Excel", timeout=30_000)
    body = page.inner_text("body")
    assert "Organisasjonsnummeret må ha 9 siffer" in body
    assert "(rad 2, kolonne «orgnr»)" in body  # the first row under the header, as Excel numbers it
    # and the page says how a table's rows are counted (not how Udir's JSON objects are)
    assert ROW_NUMBERS_TABLE in body and ROW_NUMBERS_JSON not in body
    assert page.get_by_role("button", name="Last inn").count() == 0
    tables, log, archived = _state(demo_db)
    assert tables == before[0]  # nothing loaded; the refusal is logged, with its file, as the CLI logs one
    assert log == before[1] + 1 and archived > before[2]
    assert query(demo_db, "SELECT resultat, lastet_av FROM core.ingest_log WHERE filnavn = ?",
                 ["skoleregister_feil.csv"]) == [("avvist", "admin")]
    before = _state(demo_db)

    page.locator("input[type='file']").set_input_files(str(good))
    page.wait_for_selector("text=Ungdata – kommunens resultattabell", timeout=60_000)
    page.wait_for_selector("text=1 ny rad, 0 erstatter", timeout=30_000)
    assert _state(demo_db) == before  # the preview changed nothing
    page.screenshot(path=str(tmp_path / "import_preview.png"), full_page=True)
    page.get_by_role("button", name="Last inn").click()
    page.wait_for_selector("text=Lastet inn.", timeout=60_000)
    body = page.inner_text("body")
    assert "Traceback" not in body
    page.screenshot(path=str(tmp_path / "import_loaded.png"), full_page=True)
    page.close()
    assert query(
        demo_db, "SELECT kommunenr, andel, antall_svar FROM mart.ungdata WHERE indikator = 'Importtest – trives i nærmiljøet'"
    ) == [("9901", 81.5, 212)]
    events = [e for e in accounts.read_audit(demo_db) if e["hendelse"] == "opplasting"]
    details = [e["detalj"] for e in events]
    assert all(e["bruker"] == "admin" for e in events)
    assert any(d.startswith("skoleregister_feil.csv: avvist") for d in details), details
    assert any(d.startswith("ungdata_9901.csv: lastet") for d in details), details


@pytest.mark.browser
def test_two_copies_of_a_file_and_a_file_dropped_again_after_a_correction_are_each_checked(  # noqa: F811
        private_server, browser, demo_db, tmp_path):
    """Two copies of one attachment («… (1).csv») crashed the page with a duplicate button key; and a file dropped
    again after a correction had replaced it said «Lastet inn» from the first time, though nothing was loaded. Each
    upload gets its own card and its own check; the heading shows the name as it is."""
    first = tmp_path / "ungdata_mai.csv"
    first.write_text(NEW_UNGDATA, encoding="utf-8")
    copy = tmp_path / "ungdata_mai (1).csv"
    copy.write_text(NEW_UNGDATA, encoding="utf-8")
    corrected = tmp_path / "ungdata_mai_rettet.csv"
    corrected.write_text(NEW_UNGDATA.replace("81,5", "82,5"), encoding="utf-8")

    page = login(browser, private_server, "admin")
    page.locator("[data-testid='stSidebarNav'] a", has_text="Importer filer").first.click()
    page.wait_for_selector("h1:has-text('Importer filer')", timeout=30_000)
    page.locator("input[type='file']").set_input_files([str(first), str(copy)])
    page.wait_for_selector("h3:has-text('ungdata_mai (1).csv')", timeout=60_000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60_000)
    buttons = page.locator("button", has_text="Last inn")
    buttons.nth(1).wait_for(timeout=30_000)
    assert buttons.count() == 2
    buttons.first.click()
    page.wait_for_selector("text=Lastet inn.", timeout=60_000)
    page.wait_for_selector("text=Filen er allerede lastet", timeout=60_000)  # the copy, checked again
    assert "Noe gikk galt" not in page.inner_text("body")

    # The uploader adds to its list: the corrected file is the third card, the first file again the fourth.
    page.locator("input[type='file']").set_input_files(str(corrected))
    page.locator("button", has_text="Last inn").wait_for(timeout=60_000)
    page.locator("button", has_text="Last inn").click()
    page.wait_for_selector("text=1 av dem erstatter en rad", timeout=60_000)
    page.locator("input[type='file']").set_input_files(str(first))
    # The copy's card says it already; the first file's new, fourth card must say it too, and the run be over (the
    # last run's elements, greyed out, stay in the page until it is: «Lastet inn.» was read three times once).
    page.wait_for_function("() => (document.body.innerText.match(/Senere filer har siden erstattet/g) || []).length"
                           " === 2 && !document.querySelector('[data-stale=\"true\"]')", timeout=60_000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60_000)
    body = page.inner_text("body")
    page.close()
    assert body.count("Lastet inn.") == 2, body  # the first file and the correction, not the first file again
    assert query(demo_db, "SELECT andel FROM mart.ungdata WHERE indikator = 'Importtest – trives i nærmiljøet'") == [
        (82.5,)]


def test_the_preview_shows_rows_as_the_pages_name_them_not_as_codes():
    """A skolesjef checks the rows to be loaded: «Holmen skule», «aug 2024», «Aktivitetsplan (§ 12-4)», «Alle trinn»,
    «Ja» — not 990023018, «2024-08-01», `aktivitetsplan`, «None» and «true» (a review read the preview as codes)."""
    import datetime as dt

    import polars as pl

    sample = pl.DataFrame({
        "rad": [1, 2], "orgnr": ["990014000", "990099999"], "kommunenr": ["9902", "9902"],
        "periode": [dt.date(2024, 8, 1), dt.date(2024, 9, 1)], "trinn": pl.Series([None, 5], dtype=pl.Int8),
        "sakstype": ["aktivitetsplan", "statsforvalter"], "utfall": [None, "under_behandling"], "nye": [0, 3],
        "til_stede_ppt": [True, None], "plan_yaml": ["kommunenr: '9902'", None],
    })
    shown = importer.sample_shown(sample, {"990014000": "Holmen skule", "9902": "Sjøbygd"})
    # One municipality's rows: its name on every row pushed the counts off the right edge, so it is left out
    assert shown.columns == ["Skole", "Måned", "Trinn", "Sakstype", "Utfall", "Nye saker", "Til stede: PPT"]
    assert shown.rows() == [
        ("Holmen skule", "aug 2024", "Alle trinn", "Aktivitetsplan (§ 12-4)", None, 0, "Ja"),
        ("990099999", "sep 2024", "5. trinn", "Sak hos Statsforvalteren (§ 12-6)", "Under behandling", 3,
         None),  # a school the register lacks keeps its number; a blank yes/no is blank, not «Nei»
    ]
    two = importer.sample_shown(sample.with_columns(kommunenr=pl.Series(["9901", "9902"])),
                                {"9901": "Fjellvik", "9902": "Sjøbygd"})
    assert two["Kommune"].to_list() == ["Fjellvik", "Sjøbygd"]  # several: each row says which


def test_the_preview_of_a_real_file_names_its_schools_and_writes_numbers_as_norwegian(demo_db, demo_dir, tmp_path):
    """The names come from the warehouse's register; a decimal has a comma and a date reads 05.08.2024."""
    from dashboard.ui import norwegian
    from pipelines.ingest import preview_file

    udir = tmp_path / "udir.json"
    udir.write_bytes((demo_dir / "udir_148_indikator_2025-26_side1.json").read_bytes() + b" ")
    meetings = tmp_path / "moter.csv"
    meetings.write_bytes((demo_dir / "teammoter_9902.csv").read_bytes() + b"\n")
    shown = {}
    for path in (udir, meetings):
        preview = preview_file(path, demo_db)
        assert preview.result == "klar", preview.message
        shown[path.name] = importer.sample_shown(preview.sample, preview.names)
    first = shown["moter.csv"].row(0, named=True)
    assert first["Skole"] in {"Sjøbygd skule", "Strand barneskule", "Holmen skule", "Vika skule"}, first
    assert "Kommune" not in first and first["Team"] in {"Arbeidslag", "Elevtjeneste"}, first
    assert "Org.nr." not in shown["udir.json"].columns and "Indikatorkode" not in shown["udir.json"].columns
    html = norwegian(shown["udir.json"]).to_html() + norwegian(shown["moter.csv"]).to_html()
    value = shown["udir.json"].drop_nulls("Verdi")["Verdi"][0]
    assert f"{value:.1f}".replace(".", ",") in html and f">{value:.1f}<" not in html
    assert first["Dato"].strftime("%d.%m.%Y") in html


def test_a_rektor_s_case_file_previews_its_counts_within_the_grid_with_what_every_row_shares_said_once(
        demo_db, tmp_path):
    """A rektor's case file (one school, one month) repeated the school, the month and «Alle trinn» on every row of
    the preview, and the four counts under the template's long headings were off the grid's right edge at 1280
    pixels. What the rows share is said once above; the counts are in a static table whose headings wrap."""
    from pipelines.templates.saker import COUNT_HEADERS, SAKSTYPER, SHOWN

    rows = "".join(f"990012008;Nordli skole;2026-10;;{code};{'under_behandling' if code == 'statsforvalter' else ''};"
                   f"{i};0;{i};0\n" for i, code in enumerate(SAKSTYPER))
    own = tmp_path / "saker_nordli.csv"
    own.write_text(SAKER_HEADER + rows, encoding="utf-8")
    preview = preview_file(own, demo_db)
    assert preview.result == "klar", preview.message
    grid, said = importer.common_columns(importer.sample_shown(preview.sample, preview.names))
    assert said == ["Skole: Nordli skole", "Måned: okt 2026", "Trinn: Alle trinn"], said
    assert [c for c in grid.columns if c in ("Skole", "Måned", "Trinn")] == [] and "Sakstype" in grid.columns
    counts = [SHOWN[h] for h in COUNT_HEADERS]
    assert set(counts) <= set(grid.columns)
    assert list(grid[SHOWN["nye"]]) == list(range(len(SAKSTYPER)))  # the numbers stay, alike or not
    # Two schools: the school stays a column
    two = tmp_path / "saker_to.csv"
    two.write_text(SAKER_HEADER + rows + rows.replace("990012008;Nordli skole", "990013004;Haugen skole"), "utf-8")
    grid, said = importer.common_columns(importer.sample_shown(preview_file(two, demo_db).sample, {}))
    assert "Skole" in grid.columns and not [s for s in said if s.startswith("Skole")], said


def test_the_preview_names_programmes_plans_ungdata_trinn_and_the_county(demo_db, demo_dir, tmp_path):
    """A review read `olweus`, a plan's programmes and schools as lists of codes, blank «Fra/Til trinn», Ungdata's
    «8-10» beside a year that repeats the period, and the demo county as «99»."""
    import json

    import polars as pl

    from pipelines.ingest import names_in, preview_file

    shown = {}
    for name in ("programstatus_9902.csv", "plan_9902_sjobygd.yaml", "kommunehelsa_ungdata_ungdomstrinn.csv"):
        copy = tmp_path / name
        copy.write_bytes((demo_dir / name).read_bytes() + b"\n")  # a new file, not one already loaded
        preview = preview_file(copy, demo_db)
        assert preview.result == "klar", preview.message
        shown[name] = (preview.sample, importer.sample_shown(preview.sample, preview.names))

    sample, rows = shown["programstatus_9902.csv"]
    names = dict(query(demo_db, "SELECT program, program_navn FROM mart.plan_programmer"))
    assert rows["Program"].to_list() == [names[p] for p in sample["program"]]
    assert "Fra trinn" not in rows.columns and set(rows["Trinn"]) == {"Alle trinn"}  # the demo's rows give none

    sample, rows = shown["plan_9902_sjobygd.yaml"]
    plan = json.loads(sample["plan_json"][0])
    assert rows["Programmer"][0] == ", ".join(p["navn"] for p in plan["programmer"])
    schools = dict(query(demo_db, "SELECT orgnr, navn FROM mart.skoler"))
    assert rows["Skoler planen nevner særskilt"][0] == ", ".join(schools[o] for o in sample["skoler"][0])

    sample, rows = shown["kommunehelsa_ungdata_ungdomstrinn.csv"]
    assert set(sample["trinn"]) == {"8-10"} and set(rows["Trinn"]) == {"8.–10. trinn"}
    assert "År" not in rows.columns and "Periode" in rows.columns
    # The demo's county, which no code list knows, as Udir's files name it
    (county,) = query(demo_db, "SELECT DISTINCT geo FROM mart.ungdata WHERE geo_niva = 'fylke'")[0]
    (named,) = query(demo_db, "SELECT any_value(enhet_navn) FROM core.eu_resultat WHERE enhet_niva = 'fylke' "
                              "AND fylkekode = ?", [county])[0]
    assert names_in(demo_db, sample.with_columns(geo=pl.lit(county)))[county] == named


def test_the_preview_heads_every_column_of_every_source_in_norwegian(demo_db_master, demo_dir):
    """Whatever file is uploaded, the preview's columns have Norwegian names, never the warehouse's snake_case."""
    from dashboard.labels import COLUMN
    from pipelines.ingest import check_file

    seen = set()
    for path in sorted(demo_dir.iterdir()):
        checked = check_file(path.read_bytes(), path.name, demo_db_master, None, lambda _stage: None)
        assert checked.result is not None, (path.name, checked.error)
        seen.add(checked.source.name)
        assert set(checked.result.frame.columns) - {"rad"} <= set(COLUMN), path.name
    assert len(seen) >= 12  # every source of the demo was looked at


@pytest.mark.parametrize(("name", "kind"), [("rapport.pdf", "en PDF-fil"), ("notat.docx", "et Word-dokument"),
                                            ("lysark.pptx", "en PowerPoint-presentasjon")])
def test_a_document_is_named_as_a_document_not_as_a_broken_table(demo_db, tmp_path, name, kind):
    """A PDF read «Fant ikke skilletegn i overskriftsraden», a .docx «Excel-filen … Åpne den i Excel»."""
    import zipfile

    path = tmp_path / name
    if name.endswith(".pdf"):
        path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n")
    else:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml" if name.endswith(".docx") else "ppt/presentation.xml", "<x/>")
    preview = preview_file(path, demo_db)
    assert preview.result == "avvist"
    assert f"Filen er {kind}, ikke en tabell" in preview.message and "Excel (.xlsx)" in preview.message
    assert "Åpne den i Excel" not in preview.message and "skilletegn" not in preview.message


@pytest.mark.parametrize("text", ["Møte med rektorene tirsdag\nHusk referat\nTa opp: trivsel; mobbing\n",
                                  "Ta opp: trivsel; mobbing\n", "Hei,\nher er brevet om skolemiljøet.\nHilsen\n"])
def test_a_text_that_is_no_table_is_not_told_it_lacks_rows(demo_db, tmp_path, text):
    """Meeting notes with a «;» read «Filen har en overskriftsrad, men ingen rader med data»: the user went looking for
    missing rows in a file that is no table of ours. Unknown files are told so; nothing is loaded."""
    path = tmp_path / "notater.txt"
    path.write_text(text, encoding="utf-8")
    preview = preview_file(path, demo_db)
    assert preview.result == "avvist"
    assert preview.message.startswith("Kjenner ikke igjen formatet"), preview.message
    assert "ingen rader med data" not in preview.message


def test_a_file_named_xlsx_that_is_no_workbook_is_told_so_and_a_renamed_csv_still_loads(register_db, demo_dir, tmp_path):
    """«not a zip at all» saved as .xlsx read «Fant ikke skilletegn i overskriftsraden»: a user who saved an Excel
    file was told about CSV separators (contract review)."""
    fake = tmp_path / "saker.xlsx"
    fake.write_bytes(b"not a zip at all")
    preview = preview_file(fake, register_db)
    assert preview.result == "avvist"
    assert "endelsen .xlsx, men er ikke en gyldig Excel-fil" in preview.message
    assert "skilletegn" not in preview.message
    renamed = tmp_path / "saker_9902.xlsx"
    renamed.write_bytes((demo_dir / "saker_9902.csv").read_bytes())
    assert ingest_file(renamed, register_db).result == "lastet"


def test_a_refused_plan_is_logged_under_its_municipality_so_its_skolesjef_reads_why(demo_db, demo_dir, tmp_path):
    """The operator's plan for 5021 was refused on the command line; on Datakvalitet the skolesjef read «the message
    is not shown here: it may quote rows from municipalities you cannot see», as the log named no municipality."""
    text = (demo_dir / "plan_9901_fjellvik.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "plan_feil.yaml"
    broken.write_text(text.replace("  fra: 2024-08-01", "  fra: første august"), encoding="utf-8")
    outcome = ingest_file(broken, demo_db)
    assert outcome.result == "avvist", outcome.message
    logged = query(demo_db, "SELECT kommuner FROM core.ingest_log WHERE filnavn = 'plan_feil.yaml'")
    assert logged == [(["9901"],)], logged


def test_how_rows_are_counted_is_said_under_a_refusal_that_names_rows_not_under_a_plan_s_lines(demo_db, demo_dir,
                                                                                             tmp_path):
    """A plan refused for a tab in its indentation («linje 6, kolonne 1») was told beneath it of Excel's rows and
    Udir's JSON objects; a table refused by its rows still is."""
    from dashboard.upload import refusal_caption

    text = (demo_dir / "plan_9901_fjellvik.yaml").read_text(encoding="utf-8")
    tabbed = tmp_path / "plan_tab.yaml"
    tabbed.write_text(text.replace("\n  fra:", "\n\tfra:", 1), encoding="utf-8")
    plan = preview_file(tabbed, demo_db)
    assert plan.result == "avvist" and "linje" in plan.message, plan.message
    table = tmp_path / "saker_feil.csv"
    table.write_text(SAKER_HEADER + "990012008;Nordli skole;2025-10;;aktivitetsplan;;to;0;0;0\n", encoding="utf-8")
    cases = preview_file(table, demo_db)
    assert cases.result == "avvist" and "rad 2" in cases.message, cases.message
    assert "Radnumrene" not in refusal_caption(plan) and "Ingenting er endret" in refusal_caption(plan)
    assert refusal_caption(cases).endswith(ROW_NUMBERS_TABLE)  # a table's rows: not also of JSON objects


@pytest.mark.browser
def test_an_unforeseen_failure_while_loading_says_so_in_norwegian_without_the_server_s_paths(  # noqa: F811
        private_server, browser, demo_db, tmp_path):
    """An unforeseen error (here the archive folder is a file, so the copy cannot be kept) was shown with its own
    text: an OS or database message naming the server's paths, on the page and in the audit log."""
    archive = demo_db.parent / "arkiv"
    shutil.rmtree(archive, ignore_errors=True)
    archive.write_text("ikke en mappe", encoding="utf-8")
    good = tmp_path / "ungdata_9901.csv"
    good.write_text(NEW_UNGDATA, encoding="utf-8")
    before = _state(demo_db)[0]
    page = login(browser, private_server, "admin")
    page.locator("[data-testid='stSidebarNav'] a", has_text="Importer filer").first.click()
    page.wait_for_selector("h1:has-text('Importer filer')", timeout=30_000)
    page.locator("input[type='file']").set_input_files(str(good))
    page.get_by_role("button", name="Last inn").click()
    page.wait_for_selector("text=Innlastingen feilet, og ingenting er endret", timeout=60_000)
    body = page.inner_text("body")
    page.close()
    assert "serverens logg" in body
    assert str(demo_db.parent) not in body and "Errno" not in body
    assert str(demo_db.parent) not in accounts.audit_path(demo_db).read_text("utf-8")
    assert _state(demo_db)[0] == before  # and nothing was loaded


def test_the_preview_s_tiles_count_the_rows_a_file_removes(demo_db, demo_dir, tmp_path):
    """A meeting log for October with one of Nordli's two arbeidslag meetings: the tiles said «Nye rader 1 /
    Erstatter rader 0», while the text below said two older rows would go."""
    from streamlit.testing.v1 import AppTest

    from pipelines.ingest import preview_file

    lines = (demo_dir / "teammoter_9902.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "moter_ett.csv"
    path.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")  # one meeting of a school's month
    preview = preview_file(path, demo_db)
    assert preview.result == "klar" and preview.rows_removed > 0, (preview.message, preview.rows_removed)

    def page(preview):
        from dashboard import upload

        upload._show_preview(preview)

    at = AppTest.from_function(page, args=(preview,), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    tiles = {m.label: m.value for m in at.metric}
    assert tiles.get("Fjerner rader") == str(preview.rows_removed), tiles


def test_a_file_sent_again_under_another_source_is_logged_as_the_source_it_was_loaded_as(register_db, demo_dir):
    """`ingest --source skoleregister` of a case file loaded before logged «allerede lastet» under «skoleregister»,
    which it was never read as (contract review)."""
    path = demo_dir / "saker_9902.csv"
    assert ingest_file(path, register_db).result == "lastet"
    again = ingest_file(path, register_db, source="skoleregister")
    assert again.result == "allerede_lastet" and again.source == "saker"
    logged = query(register_db, "SELECT kilde FROM mart.ingest_log WHERE filnavn = 'saker_9902.csv' "
                                "AND resultat = 'allerede_lastet'")
    assert logged == [("saker",)]
