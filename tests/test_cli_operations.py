"""What an operator meets at the `skolemiljo` command line: refusals that protect a real warehouse, and one Norwegian
line with exit code 1 (not a Python traceback) for the errors of everyday operation."""

from __future__ import annotations

import errno
import io
import os
import pathlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines import accounts
from pipelines import cli as cli_module
from pipelines.cli import main as cli
from pipelines.warehouse import migrations
from tests.conftest import query


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch):
    """Rich wraps at the terminal's width; a test reads each message on one line."""
    monkeypatch.setattr(cli_module.console, "width", 1000)
    monkeypatch.setattr(cli_module.err_console, "width", 1000)


def _settings(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT nokkel, verdi FROM meta.innstilling").fetchall())
    finally:
        con.close()


def _schema_version(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return migrations.current_version(con)
    finally:
        con.close()


def _run_cli(args: list[str], **kw) -> subprocess.CompletedProcess:
    """The command in its own process, as an operator runs it."""
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent, env={**os.environ, "COLUMNS": "1000"}, timeout=120, **kw)


# 1. `demo` against a real warehouse


def test_demo_refuses_an_existing_warehouse_that_is_not_a_demo(register_db, tmp_path, capsys):
    """A reviewer with SKOLEMILJO_DB set to the real warehouse ran `skolemiljo demo`: fictional kommuner were loaded
    into it, it was marked as a demo, and the demo accounts with their published passwords let anyone in."""
    assert cli(["--db", str(register_db), "demo", "--ut", str(tmp_path / "demofiler")]) == 1
    err = capsys.readouterr().err
    assert str(register_db) in err and "ikke et demolager" in err and "--db" in err
    assert "demo" not in _settings(register_db)
    assert not accounts.users_path(register_db).exists()
    assert not (tmp_path / "demofiler").exists()


def test_demo_refuses_an_existing_empty_warehouse_too(tmp_path, capsys):
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    assert cli(["--db", str(db), "demo", "--ut", str(tmp_path / "demofiler")]) == 1
    assert "ikke et demolager" in capsys.readouterr().err
    assert "demo" not in _settings(db)


def test_demo_runs_again_on_an_existing_demo_warehouse(demo_db, tmp_path, capsys):
    """`make run` and the test fixtures build the demo on a new path; running it again on the demo must still work."""
    assert cli(["--db", str(demo_db), "demo", "--ut", str(tmp_path / "demofiler")]) == 0
    assert "DEMOKONTOER" in capsys.readouterr().out



def _register_with(demo_dir: Path, tmp_path: Path, orgnr: str, kommunenr: str, kommune: str) -> Path:
    """The demo's school register with one new school added."""
    text = (demo_dir / "skoleregister.csv").read_text("utf-8-sig")
    path = tmp_path / f"skoleregister_{kommunenr}.csv"
    path.write_text(text.rstrip("\n") + f"\n{orgnr};Ny skole;{kommunenr};{kommune};1;7;200\n", encoding="utf-8")
    return path


def _schools_in(db: Path, kommunenr: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM core.skole WHERE kommunenr = ?", [kommunenr]).fetchall()[0][0]
    finally:
        con.close()


def test_real_data_is_refused_by_a_demo_warehouse_and_demo_data_still_loads(demo_db, demo_dir, tmp_path, capsys):
    """A reviewer loaded a file for kommune 4601 into the demo warehouse: it was accepted, shown as «fiktive» figures,
    and visible to the demo administrator, whose password is public."""
    real = _register_with(demo_dir, tmp_path, "964338531", "4601", "Bergen")
    assert cli(["--db", str(demo_db), "ingest", str(real)]) == 1
    err = capsys.readouterr().out
    assert "AVVIST" in err and "4601" in err and "demolager" in err and "skolemiljo --db data/ekte/skolemiljo.duckdb init" in " ".join(err.split())
    assert _schools_in(demo_db, "4601") == 0
    fictional = _register_with(demo_dir, tmp_path, "990019999", "9902", "Sjøbygd")
    assert cli(["--db", str(demo_db), "ingest", str(fictional)]) == 0
    assert _schools_in(demo_db, "9902") == 1 + sum(
        ";9902;" in line for line in (demo_dir / "skoleregister.csv").read_text("utf-8-sig").splitlines())


def test_a_real_user_is_refused_by_a_demo_warehouse(demo_db, monkeypatch, capsys):
    """A reviewer added per.hansen to the demo warehouse; the demo administrator (public password) then saw him and
    the whole audit log on «Brukere og revisjon»."""
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    assert cli(["--db", str(demo_db), "bruker", "legg-til", "per.hansen", "--rolle", "skoleeier", "--kommune", "9901",
                "--epost", "per.hansen@kommune.no", "--passord-fra-stdin"]) == 1
    err = capsys.readouterr().err
    assert "demolager" in err and "skolemiljo --db data/ekte/skolemiljo.duckdb init" in " ".join(err.split())
    assert "per.hansen" not in accounts.load(accounts.users_path(demo_db))
    assert cli(["--db", str(demo_db), "bruker", "demo"]) == 0  # the demo's own accounts are still made


# 2. Norwegian messages instead of tracebacks


@pytest.mark.parametrize("content", [b"hello\n", os.urandom(5000)], ids=["tekst", "tilfeldige_bytes"])
def test_a_corrupt_warehouse_is_named_in_norwegian_for_every_command(tmp_path, demo_dir, capsys, monkeypatch, content):
    """A truncated copy or a wrong file at --db gave a DuckDB IOException traceback, and `ingest` left an archive
    copy that no log line names."""
    db = tmp_path / "skolemiljo.duckdb"
    db.write_bytes(content)
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    for command in (["status"], ["init"], ["ingest", str(demo_dir / "skoleregister.csv")], ["arkiv", "sjekk"],
                    ["innstilling", "min-svar", "15"], ["bruker", "demo"],
                    ["rapport", "--kommune", "9901", "--skoleaar", "2025-26", "--mottaker", "fau", "--format", "html",
                     "--ut", str(tmp_path / "r.html")]):
        assert cli(["--db", str(db), *command]) == 1, command
        err = capsys.readouterr().err
        assert f"Filen {db} er ikke et lesbart skolemiljo-lager" in err, (command, err)
    assert db.read_bytes() == content
    assert not (tmp_path / "arkiv").exists()


def test_a_file_that_cannot_be_read_is_skipped_and_the_batch_goes_on(register_db, demo_dir, tmp_path, monkeypatch,
                                                                       capsys):
    """In `ingest a.csv unread.yaml b.json` the unreadable file stopped the command with a PermissionError traceback
    and b was never tried; a folder among the files stopped the whole batch before it began."""
    unreadable = tmp_path / "laast.csv"
    unreadable.write_bytes((demo_dir / "skoleregister.csv").read_bytes())
    folder = tmp_path / "mappe"
    folder.mkdir()
    real_open = pathlib.Path.open

    def open_(self, *args, **kw):  # as an unreadable file behaves for a user without access (the tests run as root)
        if self == unreadable:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kw)

    monkeypatch.setattr(pathlib.Path, "open", open_)
    first = demo_dir / "udir_150_mobbing_2021-22_side1.json"
    last = demo_dir / "udir_150_mobbing_2022-23_side1.json"
    assert last.exists()
    assert cli(["--db", str(register_db), "ingest", str(first), str(unreadable), str(folder), str(last)]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert f"{unreadable}: kan ikke leses (ingen tilgang" in text
    assert f"{folder}: er en mappe, ikke en fil" in text
    con = duckdb.connect(str(register_db), read_only=True)
    loaded = {r[0] for r in con.execute("SELECT filnavn FROM core.ingest_log WHERE resultat = 'lastet'").fetchall()}
    con.close()
    assert {first.name, last.name} <= loaded


def _without_file_access(args: list[str], **kw) -> subprocess.CompletedProcess:
    """Run as a user for whom file modes hold: root drops the capabilities that let it write anywhere."""
    if os.geteuid() == 0:
        wrapper = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
        return subprocess.run([*wrapper, sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                              cwd=Path(__file__).parent.parent, env={**os.environ, "COLUMNS": "1000"}, timeout=120,
                              **kw)
    return _run_cli(args, **kw)


def test_a_read_only_folder_gives_a_norwegian_message_for_every_writing_command(register_db, demo_dir, tmp_path):
    folder = tmp_path / "skrivebeskyttet"
    folder.mkdir()
    db = folder / "skolemiljo.duckdb"
    db.write_bytes(register_db.read_bytes())
    folder.chmod(0o555)
    db.chmod(0o444)
    try:
        for command in (
            ["init"],
            ["ingest", str(demo_dir / "udir_150_mobbing_2021-22_side1.json")],
            ["innstilling", "min-svar", "15"],
            ["bruker", "legg-til", "kari", "--rolle", "skoleeier", "--kommune", "9901", "--passord-fra-stdin"],
            ["--db", str(folder / "ny.duckdb"), "init"],
        ):
            args = command if command[0] == "--db" else ["--db", str(db), *command]
            done = _without_file_access(args, input="et-langt-passord\n")
            assert done.returncode == 1, (command, done.stderr)
            said = done.stderr.strip()
            assert said.startswith(("Kan ikke skrive til lageret", "Kunne ikke lese eller skrive")), (command, said)
            assert "ingen skrivetilgang" in said or "ingen tilgang" in said, (command, said)
            assert "Traceback" not in said, (command, said)
    finally:
        folder.chmod(0o755)


def test_adding_a_user_without_a_terminal_asks_for_passord_fra_stdin(tmp_path):
    """`bruker legg-til … < /dev/null` from a script without a terminal ended in an EOFError traceback."""
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    done = _run_cli(["--db", str(db), "bruker", "legg-til", "kari", "--rolle", "skoleeier", "--kommune", "9901"],
                    stdin=subprocess.DEVNULL, start_new_session=True)  # a new session has no terminal to ask in
    assert done.returncode == 1, done.stderr
    assert "--passord-fra-stdin" in done.stderr and "Traceback" not in done.stderr
    assert "kari" not in accounts.load(accounts.users_path(db))


@pytest.mark.parametrize("piped", [None, "et-langt-passord\n"])
def test_a_password_asked_for_without_a_terminal_gets_only_a_norwegian_message(tmp_path, piped):
    """Python's «GetPassWarning: Can not control echo on the terminal. Warning: Password input may be echoed.» came
    before the Norwegian message, also with a password piped in but without --passord-fra-stdin."""
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    done = _run_cli(["--db", str(db), "bruker", "legg-til", "kari", "--rolle", "skoleeier", "--kommune", "9901"],
                    input=piped or "", start_new_session=True)
    assert done.returncode == 1, done.stderr
    assert "--passord-fra-stdin" in done.stderr
    assert not [word for word in ("GetPassWarning", "Warning", "Password", "echo") if word in done.stderr], done.stderr
    assert "kari" not in accounts.load(accounts.users_path(db))


def test_ctrl_c_during_ingest_says_avbrutt_and_exits_with_130(register_db, demo_dir, monkeypatch, capsys):
    def interrupted(*_args, **_kw):
        raise KeyboardInterrupt

    monkeypatch.setattr("pipelines.ingest.ingest_file", interrupted)
    try:
        code = cli(["--db", str(register_db), "ingest", str(demo_dir / "udir_150_mobbing_2021-22_side1.json")])
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C ended in a KeyboardInterrupt traceback")
    assert code == 130
    assert "Avbrutt." in capsys.readouterr().err


# 3. A warehouse newer than the program


def _from_the_future(db: Path) -> int:
    assert cli(["--db", str(db), "init"]) == 0
    newer = migrations.latest_version() + 1
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO meta.schema_version (version, beskrivelse) VALUES (?, 'fra en nyere versjon')", [newer])
    con.close()
    return newer


def test_a_warehouse_from_a_newer_version_is_refused_by_every_writing_command(tmp_path, demo_dir, monkeypatch,
                                                                              capsys):
    """After a rollback of the package, `init` said the warehouse was on the version the code knew (it was newer)
    and `ingest` went on writing with the old code."""
    db = tmp_path / "skolemiljo.duckdb"
    newer = _from_the_future(db)
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    for command in (["init"], ["ingest", str(demo_dir / "skoleregister.csv")], ["innstilling", "min-svar", "15"],
                    ["bruker", "legg-til", "kari", "--rolle", "skoleeier", "--kommune", "9901", "--passord-fra-stdin"],
                    ["demo", "--ut", str(tmp_path / "demofiler")], ["arkiv", "sjekk"]):
        assert cli(["--db", str(db), *command]) == 1, command
        err = capsys.readouterr().err
        assert str(db) in err and "eldre enn lageret" in err and "Oppgrader skolemiljo" in err, (command, err)
    assert _schema_version(db) == newer
    assert _settings(db) == {}
    assert not (tmp_path / "arkiv").exists() and not accounts.users_path(db).exists()


def test_migrate_refuses_a_warehouse_newer_than_the_code(tmp_path):
    """The dashboard's upload migrates too: the refusal lives in `migrate`, not only in the command line."""
    db = tmp_path / "skolemiljo.duckdb"
    newer = _from_the_future(db)
    con = duckdb.connect(str(db))
    try:
        with pytest.raises(migrations.SchemaTooNew, match=f"skjemaversjon {newer}.*Oppgrader skolemiljo"):
            migrations.migrate(con)
    finally:
        con.close()


# 4. Settings and accounts


@pytest.mark.parametrize("value", ["1001", "99999999999999999999", str(10**23)])
def test_a_threshold_above_1000_is_refused_with_the_allowed_range(tmp_path, capsys, value):
    """99999999999999999999 overflowed the Int64 the privacy rule compares in, and then nothing was hidden."""
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    assert cli(["--db", str(db), "innstilling", "min-svar", value, "--kommune", "9901"]) == 1
    assert "10 og 1000" in capsys.readouterr().err
    assert _settings(db) == {}
    assert cli(["--db", str(db), "innstilling", "min-svar", "1000", "--kommune", "9901"]) == 0
    assert _settings(db) == {"min_svar:9901": "1000"}


@pytest.mark.parametrize("kommune", ["٠١٢٣", "990", "99011", "99 1"])
def test_a_kommune_number_must_be_four_ascii_digits(tmp_path, capsys, kommune):
    """Arabic-Indic digits passed `str.isdigit()` and were stored as a municipality's own threshold."""
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    assert cli(["--db", str(db), "innstilling", "min-svar", "20", "--kommune", kommune]) == 1
    assert "4 siffer" in capsys.readouterr().err
    assert _settings(db) == {}


@pytest.mark.parametrize("command", [
    ["innstilling", "min-svar", "15"],
    ["bruker", "legg-til", "kari", "--rolle", "skoleeier", "--kommune", "9901", "--passord-fra-stdin"],
    ["bruker", "liste"],
    ["bruker", "fjern", "kari"],
])
def test_settings_and_accounts_refuse_a_db_path_with_no_warehouse(tmp_path, monkeypatch, capsys, command):
    """A mistyped --db created a new empty warehouse (or a users file beside none) and said all was well, while the
    dashboard went on reading the real one."""
    db = tmp_path / "skrivefeil" / "skolemilio.duckdb"
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    assert cli(["--db", str(db), *command]) == 1
    err = capsys.readouterr().err
    assert f"Det finnes ikke noe lager i {db}" in err and "skolemiljo --db" in err and "init" in err
    assert "SKOLEMILJO_DB" in err
    assert not db.parent.exists()


def test_changing_the_small_group_threshold_is_written_to_the_audit_log(tmp_path):
    """`innstilling min-svar 12` decides what rektors, FAU and reports may see, and left no trace on «Brukere og
    revisjon»."""
    import getpass

    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    assert cli(["--db", str(db), "innstilling", "min-svar", "12", "--kommune", "9901"]) == 0
    assert cli(["--db", str(db), "innstilling", "min-svar", "9"]) == 1  # refused: nothing changed, nothing logged
    [line] = accounts.read_audit(db)
    assert line["hendelse"] == "innstilling" and line["bruker"] == f"os:{getpass.getuser()}"
    assert "min_svar:9901" in line["detalj"] and "12" in line["detalj"]


def test_min_svar_without_a_number_shows_the_thresholds_in_force_and_changes_nothing(register_db, capsys):
    """An operator could set a threshold but not see the one in force: a municipality's own stood only in the
    warehouse, and the dashboard's protection went by it unseen."""
    assert cli(["--db", str(register_db), "innstilling", "min-svar", "30", "--kommune", "9901"]) == 0
    capsys.readouterr()
    before = (_settings(register_db), accounts.read_audit(register_db))
    assert cli(["--db", str(register_db), "innstilling", "min-svar"]) == 0
    out = capsys.readouterr().out
    assert "Standard for alle kommuner: færre enn 10 svar skjules" in out, out
    assert "Fjellvik (9901): færre enn 30 svar skjules" in out, out
    assert cli(["--db", str(register_db), "innstilling", "min-svar", "--kommune", "9902"]) == 0
    out = capsys.readouterr().out
    assert "Sjøbygd (9902): færre enn 10 svar skjules" in out and "kommunen har ingen egen" in out, out
    assert (_settings(register_db), accounts.read_audit(register_db)) == before


def test_a_threshold_for_a_kommune_the_warehouse_lacks_is_kept_and_the_number_questioned(register_db, capsys):
    """A mistyped kommunenr («9910» for 9901) was stored without a word, and protected nobody's figures."""
    assert cli(["--db", str(register_db), "innstilling", "min-svar", "20", "--kommune", "9910"]) == 0
    assert _settings(register_db)["min_svar:9910"] == "20"  # a municipality may set it before its first file
    assert "ingen skoler eller tall for kommune 9910" in capsys.readouterr().out
    assert cli(["--db", str(register_db), "innstilling", "min-svar", "20", "--kommune", "9901"]) == 0
    assert "Merk" not in capsys.readouterr().out


def _add_user(db: Path, monkeypatch, *args: str, password: str | None = "et-langt-passord-x") -> int:
    if password is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        args = (*args, "--passord-fra-stdin")
    return cli(["--db", str(db), "bruker", "legg-til", *args])


def test_a_rektor_of_a_school_in_another_municipality_is_refused_with_the_kommune_it_needs(register_db, monkeypatch,
                                                                                         capsys):
    """A rektor given Nordli skole (Fjellvik, 9901) with --kommune 9902 was stored, and saw nothing of the school."""
    assert _add_user(register_db, monkeypatch, "kari", "--rolle", "rektor", "--kommune", "9902",
                     "--skole", "990012008") == 1
    err = capsys.readouterr().err
    assert "Nordli skole (990012008) ligger i Fjellvik (9901)" in err and "--kommune 9901" in err, err
    assert "kari" not in accounts.load(accounts.users_path(register_db))
    assert _add_user(register_db, monkeypatch, "kari", "--rolle", "rektor", "--kommune", "9901",
                     "--skole", "990012008") == 0


def test_erstatt_keeps_the_e_mail_name_and_with_behold_passord_the_password(register_db, monkeypatch, capsys):
    """`--erstatt` to give a rektor a new school wiped the e-mail address their Feide login found them by, and asked
    for a new password the rektor had not chosen."""
    users = accounts.users_path(register_db)
    assert _add_user(register_db, monkeypatch, "kari", "--rolle", "rektor", "--kommune", "9901", "--skole",
                     "990012008", "--epost", "kari@nordli.no", "--navn", "Kari Nordli") == 0
    hashed = accounts.load(users)["kari"].passord_hash
    assert _add_user(register_db, monkeypatch, "kari", "--rolle", "rektor", "--kommune", "9901", "--skole",
                     "990013004", "--erstatt", "--behold-passord", password=None) == 0
    assert "er endret: skoler: 990012008 → 990013004." in capsys.readouterr().out
    kari = accounts.load(users)["kari"]
    assert (kari.skoler, kari.epost, kari.navn, kari.passord_hash) == (("990013004",), "kari@nordli.no",
                                                                        "Kari Nordli", hashed)
    assert accounts.read_audit(register_db)[0]["detalj"] == "kari: skoler: 990012008 → 990013004"
    assert _add_user(register_db, monkeypatch, "kari", "--rolle", "rektor", "--kommune", "9901", "--skole",
                     "990013004", "--erstatt", "--epost", "", password=None) == 1  # asks for a new one: no terminal here
    assert _add_user(register_db, monkeypatch, "kari", "--rolle", "rektor", "--kommune", "9901", "--skole",
                     "990013004", "--erstatt", "--behold-passord", "--epost", "", password=None) == 0
    assert accounts.load(users)["kari"].epost is None  # «--epost ""» removes it
    assert _add_user(register_db, monkeypatch, "ola", "--rolle", "skoleeier", "--kommune", "9901",
                     "--behold-passord", password=None) == 1
    assert "bruk det med --erstatt" in capsys.readouterr().err
    assert _add_user(register_db, monkeypatch, "ola", "--rolle", "skoleeier", "--kommune", "9901", "--erstatt",
                     "--behold-passord", password=None) == 1
    assert "Det finnes ingen bruker «ola», så det er ikke noe passord å beholde" in capsys.readouterr().err


def test_ingest_results_go_to_standard_output_where_a_kept_log_finds_them(register_db, demo_dir, tmp_path):
    """`skolemiljo ingest … > logg.txt` kept an empty log: every file's result went to standard error."""
    broken = tmp_path / "saker_tom.csv"
    broken.write_text("", encoding="utf-8")
    done = _run_cli(["--db", str(register_db), "ingest", str(demo_dir / "saker_9901.xlsx"), str(broken)])
    assert done.returncode == 1
    assert "LASTET" in done.stdout and "saker_9901.xlsx" in done.stdout, (done.stdout, done.stderr)
    # a line per file, not broken at 80 columns (`_run_cli` sets none here): a search of the log finds the message
    lines = subprocess.run([sys.executable, "-m", "pipelines.cli", "--db", str(register_db), "ingest",
                            str(demo_dir / "teamrytme.csv")], capture_output=True, text=True,
                           cwd=Path(__file__).parent.parent, env={k: v for k, v in os.environ.items() if k != "COLUMNS"},
                           timeout=120).stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("LASTET") and lines[0].endswith("."), lines
    assert "saker_tom.csv" in done.stdout and "LASTET" not in done.stderr


def test_a_command_waiting_for_a_busy_warehouse_says_so_once_and_then_does_its_work(register_db):
    """`skolemiljo status` while an ingest held the warehouse sat silent for up to 60 seconds: it looked hung."""
    from tests.conftest import warehouse_held

    with warehouse_held(register_db, seconds=3):
        done = _run_cli(["--db", str(register_db), "status"])
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("er i bruk av en annen prosess") == 1 and "venter til det blir ledig" in done.stderr
    assert "skoleregister.csv" in done.stdout  # then the log, as without the wait
    quiet = _run_cli(["--db", str(register_db), "status"])
    assert quiet.returncode == 0 and "venter" not in quiet.stderr


def test_accounts_can_be_added_right_after_init_as_readme_drift_says(tmp_path, monkeypatch):
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    assert cli(["--db", str(db), "bruker", "legg-til", "kari", "--rolle", "skoleeier", "--kommune", "9901",
                "--passord-fra-stdin"]) == 0
    assert "kari" in accounts.load(accounts.users_path(db))


# 5. Help and argument errors in Norwegian

_ENGLISH = ("usage:", "options:", "positional arguments", "show this help", "error:", "the following arguments",
            "invalid choice", "invalid int value", "unrecognized arguments", "expected one argument")


@pytest.mark.parametrize("args", [["--help"], ["ingest", "--help"], ["innstilling", "min-svar", "-h"],
                                  ["bruker", "legg-til", "--help"]])
def test_help_is_norwegian(capsys, args):
    with pytest.raises(SystemExit) as done:
        cli(args)
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("Bruk: skolemiljo") and "vis denne hjelpeteksten og avslutt" in out
    assert not [word for word in _ENGLISH if word in out], out


@pytest.mark.parametrize(("args", "norwegian"), [
    ([], "disse argumentene mangler: KOMMANDO"),
    (["foo"], "ugyldig valg: 'foo'"),
    (["innstilling", "min-svar", "fem"], "ugyldig verdi 'fem' (må være heltall)"),
    (["bruker", "legg-til", "kari"], "disse argumentene mangler: --rolle"),
    (["bruker", "legg-til", "kari", "--rolle", "sjef"], "ugyldig valg: 'sjef'"),
    (["status", "--hva"], "ukjente argumenter: --hva"),
    (["--db"], "mangler verdi"),
])
def test_argument_errors_are_norwegian_and_exit_with_2(capsys, args, norwegian):
    with pytest.raises(SystemExit) as done:
        cli(args)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Bruk: skolemiljo") and "feil: " in err and norwegian in err, err
    assert not [word for word in _ENGLISH if word in err], err


def test_make_clean_keeps_a_warehouse_that_is_not_the_demo(tmp_path, demo_db):
    """`make clean` deleted data/*.duckdb and data/arkiv: where README puts a municipality's real warehouse."""
    root = Path(__file__).resolve().parent.parent
    real = tmp_path / "ekte" / "skolemiljo.duckdb"
    real.parent.mkdir()
    assert cli(["--db", str(real), "init"]) == 0
    (real.parent / "arkiv").mkdir()

    def clean(db: Path) -> subprocess.CompletedProcess:
        venv = tmp_path / "venv"
        venv.mkdir(exist_ok=True)
        return subprocess.run(["make", "-s", "-C", str(root), "clean", f"VENV={venv}", f"BIN={Path(sys.executable).parent}",
                               f"DB={db}"], capture_output=True, text=True, check=True)

    said = clean(real)
    assert real.exists() and (real.parent / "arkiv").exists() and "ikke et demolager" in said.stdout
    assert not (tmp_path / "venv").exists()
    clean(demo_db)
    assert not demo_db.exists()


# 6. Reports from the command line


def _report(db: Path, fmt: str, out: Path) -> int:
    return cli(["--db", str(db), "rapport", "--kommune", "9901", "--skoleaar", "2025-26", "--mottaker", "kommunestyre",
                "--format", fmt, "--ut", str(out)])


def test_a_report_made_on_the_command_line_is_logged_as_the_operating_system_user(demo_db, tmp_path, monkeypatch):
    """The export was logged as «root», which is also a valid dashboard user name: the admin page could not tell a
    dashboard user's download from a server operator's."""
    import getpass

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))  # the command sets it for the process; restored after the test
    assert _report(demo_db, "xlsx", tmp_path / "r9901.xlsx") == 0
    [line] = [e for e in accounts.read_audit(demo_db) if e["hendelse"] == "eksport"]
    assert line["bruker"] == f"os:{getpass.getuser()}" and "r9901.xlsx" in line["detalj"]


@pytest.mark.parametrize(("fmt", "name", "right"), [("html", "r.pdf", "r.html"), ("pdf", "r.xlsx", "r.pdf"),
                                                    ("xlsx", "r", "r.xlsx")])
def test_a_report_file_named_for_another_format_is_refused(demo_db, tmp_path, monkeypatch, capsys, fmt, name, right):
    """`--format html --ut r.pdf` wrote HTML into a «PDF» that a skolesjef e-mailed to the kommunestyre."""
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    assert _report(demo_db, fmt, tmp_path / name) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / right) in err and fmt in err
    assert list(tmp_path.iterdir()) == [demo_db] and not accounts.read_audit(demo_db)


def test_a_folder_given_as_the_report_file_is_answered_with_a_file_of_the_right_format(demo_db, tmp_path, monkeypatch,
                                                                                      capsys):
    """`--ut FOLDER --format xlsx` suggested «FOLDER/rapport.pdf»."""
    folder = tmp_path / "ut"
    folder.mkdir()
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    assert _report(demo_db, "xlsx", folder) == 1
    err = capsys.readouterr().err
    assert str(folder / "rapport.xlsx") in err and "rapport.pdf" not in err
    assert not list(folder.iterdir())


def test_a_folder_loads_in_one_command_whatever_order_the_shell_gives_the_register(demo_dir, tmp_path, capsys):
    """`skolemiljo ingest demo/*` refused the case counts, plans and programme status («last inn skoleregisteret
    først»): the shell's alphabetical order put skoleregister.csv after them, in the same command."""
    db = tmp_path / "ekte.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    files = sorted(p for p in demo_dir.iterdir() if p.is_file())
    assert files.index(demo_dir / "skoleregister.csv") > min(i for i, p in enumerate(files) if p.name.startswith("saker"))
    assert cli(["--db", str(db), "ingest", *map(str, files)]) == 0, capsys.readouterr().err
    con = duckdb.connect(str(db), read_only=True)
    try:
        results = dict(con.execute("SELECT filnavn, resultat FROM core.ingest_log").fetchall())
    finally:
        con.close()
    assert set(results.values()) == {"lastet"} and len(results) == len(files)


def test_a_rektor_added_for_a_school_the_register_lacks_is_told_so(register_db, monkeypatch, capsys):
    """A mistyped orgnr (974123456) was stored without a word, and that rektor then read «nothing to follow up» for a
    school that does not exist. The account is kept (the register may come later), and the operator is told."""
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    assert cli(["--db", str(register_db), "bruker", "legg-til", "ola.rektor", "--rolle", "rektor", "--kommune", "9901",
                "--skole", "974123456", "--passord-fra-stdin"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "974123456 står ikke i skoleregisteret" in out, out
    known = query(register_db, "SELECT orgnr FROM core.skole WHERE kommunenr = '9901' LIMIT 1")[0][0]
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    assert cli(["--db", str(register_db), "bruker", "legg-til", "kari.rektor", "--rolle", "rektor", "--kommune",
                "9901", "--skole", known, "--passord-fra-stdin"]) == 0
    assert "står ikke i skoleregisteret" not in capsys.readouterr().out


def test_status_reads_in_an_80_column_terminal_one_file_after_the_other(demo_db, monkeypatch, capsys):
    """`skolemiljo status` was a table of eight columns: in 80 columns each was nine letters wide, a file name took
    four lines («udir_14», «8_indik», …) and a message thirty."""
    monkeypatch.setattr(cli_module.console, "width", 80)
    capsys.readouterr()
    assert cli(["--db", str(demo_db), "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    loaded = query(demo_db, "SELECT filnavn, kilde, rader_inn, melding, batch_id FROM mart.ingest_log ORDER BY ferdig")
    assert loaded
    text = " ".join(" ".join(lines).split())
    for name, source, rows_in, message, batch_id in loaded:
        assert f"LASTET {name} ({source})" in lines, name  # the whole name on one line
        assert f"id {batch_id}" in text  # what «skolemiljo utelatte» takes to pick one of several loads of a name
        assert f"{rows_in} {'rad' if rows_in == 1 else 'rader'} inn" in text and " ".join(message.split()) in text, message


def test_a_password_piped_from_a_windows_file_logs_in_and_a_padded_or_missing_one_is_refused(tmp_path, monkeypatch,
                                                                                               capsys):
    """A password file saved on Windows stored «…bok\\r»: «lagret», and the account could never log in. An empty
    standard input said «Passordet må ha minst 10 tegn.»; with --uten-passord too, the password was thrown away."""
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    path = accounts.users_path(db)

    def add(name: str, stdin: str, *extra: str) -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        return cli(["--db", str(db), "bruker", "legg-til", name, "--rolle", "skoleeier", "--kommune", "9901",
                    "--passord-fra-stdin", *extra])

    assert add("kari", "fjell-kaffe-sykkel-bok\r\n") == 0
    assert accounts.authenticate(path, "kari", "fjell-kaffe-sykkel-bok", demo_warehouse=False,
                                 throttle=accounts.Throttle()).account is not None
    capsys.readouterr()
    assert add("ola", "fjell-kaffe-sykkel-bok   \n") == 1
    assert "mellomrom" in capsys.readouterr().err
    assert add("per", "") == 1
    assert "Fikk ikke noe passord" in capsys.readouterr().err
    assert add("lise", "fjell-kaffe-sykkel-bok\n", "--uten-passord") == 1
    assert "ikke begge" in capsys.readouterr().err
    assert set(accounts.load(path)) == {"kari"}


def test_ingest_into_a_warehouse_that_does_not_exist_says_it_makes_a_new_one(tmp_path, demo_dir, capsys):
    """A mistyped --db filled a new warehouse the dashboard never reads, and said only «LASTET»."""
    db = tmp_path / "skrivefeil" / "lager.duckdb"
    assert cli(["--db", str(db), "ingest", str(demo_dir / "skoleregister.csv")]) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert f"Det fantes ikke noe lager i {db}; et nytt, tomt lager lages nå" in said, said
    assert cli(["--db", str(db), "ingest", str(demo_dir / "teamrytme.csv")]) == 0
    assert "Det fantes ikke" not in capsys.readouterr().err


def test_a_report_s_assessment_saved_as_ansi_in_notepad_is_read(demo_db, tmp_path, capsys):
    """A vurdering saved by Notepad as «ANSI» (Windows-1252) was refused with Python's «'utf-8' codec can't decode»."""
    text = tmp_path / "vurdering.txt"
    text.write_bytes("Skoleeier er fornøyd med trivselen på Ørnåsen.\r\n\r\nVi følger opp mobbingen.".encode("cp1252"))
    out = tmp_path / "rapport.html"
    year = query(demo_db, "SELECT skoleaar FROM core.eu_skoleaar ORDER BY skoleaar_start DESC LIMIT 1")[0][0]
    assert cli(["--db", str(demo_db), "rapport", "--kommune", "9901", "--skoleaar", year, "--mottaker", "kommunestyre",
                "--format", "html", "--vurdering", str(text), "--ut", str(out)]) == 0, capsys.readouterr().err
    assert "Skoleeier er fornøyd med trivselen på Ørnåsen." in out.read_text("utf-8")
    capsys.readouterr()
    assert cli(["--db", str(demo_db), "rapport", "--kommune", "9901", "--skoleaar", year, "--mottaker", "kommunestyre",
                "--format", "html", "--vurdering", str(tmp_path / "finnes_ikke.txt"), "--ut", str(out)]) == 1
    said = capsys.readouterr().err
    assert "finnes ikke" in said and "Errno" not in said, said


def test_the_user_list_never_cuts_a_user_name_in_80_columns(tmp_path, monkeypatch, capsys):
    """«kari.skol…»: the name «bruker fjern» is given was cut short in an 80-column terminal."""
    monkeypatch.setattr(cli_module.console, "width", 80)
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    capsys.readouterr()
    assert cli(["--db", str(db), "bruker", "liste"]) == 0
    assert "Ingen brukere" in capsys.readouterr().out
    names = ["kari.nordmann.skolesjef", "rektor.nordli.lang"]
    for name in names:
        monkeypatch.setattr(sys, "stdin", io.StringIO("fjell-kaffe-sykkel-bok\n"))
        assert cli(["--db", str(db), "bruker", "legg-til", name, "--rolle", "rektor", "--kommune", "9901", "--skole",
                    "990012008", "--epost", f"{name}@fjellvik.kommune.no", "--passord-fra-stdin"]) == 0
    capsys.readouterr()
    assert cli(["--db", str(db), "bruker", "liste"]) == 0
    shown = capsys.readouterr().out
    assert all(name in shown for name in names) and "…" not in shown, shown


def test_a_password_protected_xlsx_and_a_folder_are_named_as_what_they_are(register_db, tmp_path, capsys):
    """A password-protected .xlsx (Office's old container inside) was refused as «Fant ikke skilletegn …»; a folder's
    hint said «mappe/*», not the folder's own name."""
    locked = tmp_path / "saker_kryptert.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))
    folder = tmp_path / "filer"
    folder.mkdir()
    assert cli(["--db", str(register_db), "ingest", str(locked), str(folder)]) == 1
    said = " ".join(capsys.readouterr().out.split())
    assert "passordbeskyttet (kryptert) Excel-fil" in said and "skilletegn" not in said, said
    assert f"{folder.as_posix()}/*" in said, said


def test_ingest_help_names_every_source_and_the_exit_codes(capsys):
    """`ingest --help` showed «--source SOURCE» with no names to give it, and no word of what the exit codes mean."""
    from pipelines import registry

    assert sorted(cli_module.SOURCE_NAMES) == sorted(registry.BY_NAME)
    with pytest.raises(SystemExit):
        cli(["ingest", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert all(name in shown for name in registry.BY_NAME), shown
    assert "Avslutningskode: 0 = " in shown and "2 = feil bruk" in shown


def test_a_missing_file_in_a_batch_says_none_of_the_files_were_read(register_db, demo_dir, tmp_path, capsys):
    assert cli(["--db", str(register_db), "ingest", str(tmp_path / "finnes_ikke.csv"),
                str(demo_dir / "teamrytme.csv")]) == 2
    assert "Ingen av filene er lest inn" in " ".join(capsys.readouterr().err.split())
    assert not query(register_db, "SELECT * FROM core.ingest_log WHERE filnavn = 'teamrytme.csv'")
