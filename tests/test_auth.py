"""Accounts as an administrator manages them and a user meets them: hashes only, throttling, audit, roles."""

from __future__ import annotations

import dataclasses
import io
import time
from pathlib import Path

import pytest

from pipelines import accounts
from pipelines.cli import main as cli


@pytest.fixture
def real_db(demo_db) -> Path:
    """The demo's figures in a warehouse that is not a demo: users are added to a real warehouse only."""
    import duckdb

    con = duckdb.connect(str(demo_db))
    con.execute("DELETE FROM meta.innstilling WHERE nokkel = 'demo'")
    con.close()
    return demo_db


def _add(path: Path, name: str = "kari", role: str = "skoleeier", password: str | None = "et-langt-passord",
         **kw) -> accounts.Account:
    kw.setdefault("kommuner", ("9901",))
    return accounts.add(path, accounts.Account(name, role, **kw), password)


def test_the_users_file_holds_an_argon2_hash_never_the_password_and_only_the_owner_can_read_it(tmp_path):
    path = tmp_path / "brukere.yaml"
    _add(path)
    text = path.read_text("utf-8")
    assert "et-langt-passord" not in text
    assert "$argon2id$" in text
    assert path.stat().st_mode & 0o777 == 0o600


def test_right_password_logs_in_and_wrong_password_gives_one_message_for_both_cases(tmp_path):
    path = tmp_path / "brukere.yaml"
    _add(path)
    throttle = accounts.Throttle()
    ok = accounts.authenticate(path, "Kari ", "et-langt-passord", demo_warehouse=False, throttle=throttle)
    assert ok.account is not None and ok.account.rolle == "skoleeier"
    wrong = accounts.authenticate(path, "kari", "feil", demo_warehouse=False, throttle=throttle)
    unknown = accounts.authenticate(path, "ola", "feil", demo_warehouse=False, throttle=throttle)
    assert wrong.account is None and unknown.account is None
    assert wrong.melding == unknown.melding == "Feil brukernavn eller passord."


def test_repeated_wrong_passwords_lock_the_account_for_a_while_even_with_the_right_password(tmp_path):
    path = tmp_path / "brukere.yaml"
    _add(path)
    now = [1000.0]
    throttle = accounts.Throttle(clock=lambda: now[0])
    for _ in range(accounts.MAX_FAILURES):
        assert accounts.authenticate(path, "kari", "gjetting", demo_warehouse=False, throttle=throttle).account is None
    locked = accounts.authenticate(path, "kari", "et-langt-passord", demo_warehouse=False, throttle=throttle)
    assert locked.account is None and "For mange feil forsøk" in locked.melding
    now[0] += accounts.LOCK_SECONDS + 1
    assert accounts.authenticate(path, "kari", "et-langt-passord", demo_warehouse=False, throttle=throttle).account


def test_guesses_sent_in_parallel_are_checked_no_more_than_the_lock_allows(tmp_path):
    """A reviewer sent 40 wrong passwords at once from many tabs: 26 were checked before the lock took, since each
    was counted only after its 0.1 s hash check. And with the right one among 20, it logged in."""
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "brukere.yaml"
    _add(path)
    throttle = accounts.Throttle()
    guesses = [f"gjetting-{i}" for i in range(19)] + ["et-langt-passord"]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(
            lambda p: accounts.authenticate(path, "kari", p, demo_warehouse=False, throttle=throttle), guesses))
    checked = [r for r in results if "For mange feil forsøk" not in r.melding]
    assert len(checked) <= accounts.MAX_FAILURES, len(checked)
    assert sum(r.account is not None for r in results) <= 1


def test_wrong_passwords_from_one_address_do_not_lock_the_user_out_from_another(tmp_path):
    """Five wrong passwords typed for «admin» locked the administrator out everywhere, for as long as someone kept
    typing: the lock is for the address they came from, and only many failures from many addresses lock the name."""
    path = tmp_path / "brukere.yaml"
    _add(path)
    throttle = accounts.Throttle()
    for _ in range(accounts.MAX_FAILURES):
        accounts.authenticate(path, "kari", "gjetting", demo_warehouse=False, throttle=throttle, client="10.0.0.66")
    there = accounts.authenticate(path, "kari", "et-langt-passord", demo_warehouse=False, throttle=throttle,
                                  client="10.0.0.66")
    assert there.account is None and "For mange feil forsøk" in there.melding
    assert accounts.authenticate(path, "kari", "et-langt-passord", demo_warehouse=False, throttle=throttle,
                                 client="10.1.2.3").account is not None
    # Guessing from many addresses: the name is locked for every address once they add up
    spread = accounts.Throttle()
    addresses = [f"10.9.0.{i}" for i in range(accounts.MAX_FAILURES_ALL // accounts.MAX_FAILURES)]
    for address in addresses:
        for _ in range(accounts.MAX_FAILURES):
            assert spread.attempt("kari", address) == 0.0
    assert spread.attempt("kari", "10.1.2.3") > 0
    assert spread.attempt("ola", "10.1.2.3") == 0.0


@pytest.mark.parametrize("password", ["Passord123", "1234567890", "qwertyuiop", "Sommer2026!", "abcabcabca",
                                      "Skolemiljo2026", "Velkommen123!"])
def test_passwords_guessers_try_first_are_refused(tmp_path, password):
    """A reviewer's list, all accepted: common passwords, keyboard rows, sequences, a season with a year."""
    with pytest.raises(accounts.AccountError, match="for lett å gjette"):
        _add(tmp_path / "brukere.yaml", "ola.rektor", "rektor", password, skoler=("990012001",))


def test_demo_accounts_are_refused_against_a_real_warehouse(tmp_path):
    path = tmp_path / "brukere.yaml"
    accounts.ensure_demo_accounts(path, "990012001")
    name, password = accounts.DEMO_ACCOUNTS[0][:2]
    assert accounts.authenticate(path, name, password, demo_warehouse=True).account is not None
    refused = accounts.authenticate(path, name, password, demo_warehouse=False)
    assert refused.account is None and "demolageret" in refused.melding


def test_the_demo_accounts_printed_are_those_that_log_in_not_a_real_account_s_name(tmp_path):
    """A real «admin» in the users file: «bruker demo» printed «admin … passord: demo-administrator», which failed."""
    path = tmp_path / "brukere.yaml"
    admin = next(row for row in accounts.DEMO_ACCOUNTS if row[2] == "admin")[0]
    accounts.add(path, accounts.Account(admin, "admin", ("9901",), ()), "fjell-kaffe-sykkel-bok")
    printed = accounts.ensure_demo_accounts(path, "990012001")
    assert admin not in [name for name, *_ in printed] and printed
    for name, password, _role in printed:
        assert accounts.authenticate(path, name, password, demo_warehouse=True,
                                     throttle=accounts.Throttle()).account is not None, name


def test_an_oidc_identity_maps_to_the_account_with_that_email_and_only_that(tmp_path):
    path = tmp_path / "brukere.yaml"
    _add(path, "rektor.a", "rektor", None, skoler=("990012001",), epost="Rektor.A@kommune.no")
    assert accounts.account_for_email(path, "rektor.a@KOMMUNE.no").brukernavn == "rektor.a"
    assert accounts.account_for_email(path, "noen.andre@kommune.no") is None
    assert accounts.account_for_email(path, None) is None


@pytest.mark.parametrize(
    ("role", "kw", "password", "message"),
    [
        ("rektor", {"kommuner": ("9901",)}, "et-langt-passord", "skolen sin"),
        ("sjef", {}, "et-langt-passord", "Ukjent rolle"),
        ("skoleeier", {"kommuner": ()}, "et-langt-passord", "minst én kommune"),
        ("skoleeier", {}, "kort", "minst 10 tegn"),
        ("skoleeier", {"kommuner": ("99",)}, "et-langt-passord", "4 siffer"),
    ],
)
def test_invalid_accounts_are_refused_with_a_norwegian_message(tmp_path, role, kw, password, message):
    with pytest.raises(accounts.AccountError, match=message):
        _add(tmp_path / "brukere.yaml", "per", role, password, **kw)


def test_cli_adds_lists_and_removes_a_user_and_the_audit_log_records_it(tmp_path, monkeypatch, capsys):
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    code = cli(["--db", str(db), "bruker", "legg-til", "Ola.Rektor", "--rolle", "rektor", "--kommune", "9901",
                "--skole", "990012001", "--passord-fra-stdin"])
    assert code == 0
    users = accounts.load(accounts.users_path(db))
    assert users["ola.rektor"].skoler == ("990012001",)
    assert cli(["--db", str(db), "bruker", "liste"]) == 0
    assert "ola.rektor" in capsys.readouterr().out
    assert cli(["--db", str(db), "bruker", "fjern", "ola.rektor"]) == 0
    assert "ola.rektor" not in accounts.load(accounts.users_path(db))
    events = [e["hendelse"] for e in accounts.read_audit(db)]
    assert events == ["bruker_fjernet", "bruker_lagt_til"]
    assert cli(["--db", str(db), "bruker", "fjern", "finnes.ikke"]) == 1


def test_an_administrator_without_a_municipality_is_told_why_no_figures_show(real_db, monkeypatch, capsys):
    """A reviewer made an administrator without --kommune, loaded files that all succeeded, and every page still said
    «Ingen kommuner med data ennå. Last inn skoleregisteret …»: the account's missing municipality was never named."""
    from streamlit.testing.v1 import AppTest

    from dashboard.ui import NO_KOMMUNE
    from dashboard.viewer import Viewer

    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    assert cli(["--db", str(real_db), "bruker", "legg-til", "it", "--rolle", "admin", "--passord-fra-stdin"]) == 0
    assert "ingen kommune" in capsys.readouterr().out
    monkeypatch.setenv("SKOLEMILJO_DB", str(real_db))
    for page in ("oversikt", "saker", "elevundersokelsen"):
        at = AppTest.from_file(str(Path(__file__).parent.parent / "dashboard" / "app.py"), default_timeout=60)
        at.session_state["viewer"] = Viewer(role="admin", kommuner=frozenset(), brukernavn="it")
        if page != "oversikt":
            at.switch_page(f"views/{page}.py")
        at.run()
        assert not at.exception and NO_KOMMUNE in [w.value for w in at.warning], (page, [w.value for w in at.warning])


def test_demo_build_creates_demo_accounts_for_every_role(demo_db_master):
    users = accounts.load(accounts.users_path(demo_db_master))
    assert {a.rolle for a in users.values()} == {"skoleeier", "rektor", "fau", "admin"}
    assert all(a.demo for a in users.values())


# ---------------------------------------------------------------- staying logged in across a reload


def test_removing_a_user_ends_their_cookies_so_a_new_account_under_the_name_is_not_opened_by_them(tmp_path,
                                                                                                 monkeypatch):
    """Removing and adding an account again (the obvious reset of a suspect account) left its cookies valid: a
    stolen or forgotten cookie of the removed rektor opened the new skoleeier account under the same name."""
    from dashboard import sessions

    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    assert cli(["--db", str(db), "bruker", "legg-til", "ola.rektor", "--rolle", "rektor", "--kommune", "9901",
                "--skole", "990012001", "--passord-fra-stdin"]) == 0
    time.sleep(0.01)  # a session is one begun after the account was stored
    cookie = sessions.issue(db, "ola.rektor")
    time.sleep(0.01)
    assert sessions.verify(db, cookie) == "ola.rektor"
    assert cli(["--db", str(db), "bruker", "fjern", "ola.rektor"]) == 0
    assert sessions.verify(db, cookie) is None
    monkeypatch.setattr("sys.stdin", io.StringIO("et-annet-langt-passord\n"))
    assert cli(["--db", str(db), "bruker", "legg-til", "ola.rektor", "--rolle", "skoleeier", "--kommune", "9901",
                "--passord-fra-stdin"]) == 0
    assert sessions.verify(db, cookie) is None
    time.sleep(0.01)
    assert sessions.verify(db, sessions.issue(db, "ola.rektor")) == "ola.rektor"  # a login to the new account holds


def test_a_session_token_names_its_user_until_it_expires(tmp_path):
    from dashboard import sessions

    db = tmp_path / "skolemiljo.duckdb"
    token = sessions.issue(db, "kari", now=1_000_000)
    assert sessions.verify(db, token, now=1_000_010) == "kari"
    assert sessions.verify(db, token, now=1_000_000 + sessions.TTL_SECONDS + 1) is None
    assert oct(sessions.key_path(db).stat().st_mode & 0o777) == "0o600"


def test_a_tampered_or_foreign_token_is_refused(tmp_path):
    import base64

    from dashboard import sessions

    db = tmp_path / "a" / "skolemiljo.duckdb"
    other = tmp_path / "b" / "skolemiljo.duckdb"
    token = sessions.issue(db, "kari")
    encoded, signature = token.rsplit(".", 1)
    payload = base64.urlsafe_b64decode(encoded + "==").decode().replace("kari", "admin")
    forged = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=") + "." + signature
    assert sessions.verify(db, forged) is None
    assert sessions.verify(other, sessions.issue(other, "kari")) == "kari"
    assert sessions.verify(db, sessions.issue(other, "kari")) is None  # another server's key
    assert sessions.verify(db, "tull") is None and sessions.verify(db, None) is None


def test_logging_out_ends_every_earlier_session_of_that_user_but_not_a_new_login(tmp_path):
    from dashboard import sessions

    db = tmp_path / "skolemiljo.duckdb"
    old = sessions.issue(db, "kari", now=2_000_000)
    other_user = sessions.issue(db, "ola", now=2_000_000)
    sessions.revoke(db, "kari", now=2_000_100)
    assert sessions.verify(db, old, now=2_000_200) is None
    assert sessions.verify(db, other_user, now=2_000_200) == "ola"
    assert sessions.verify(db, sessions.issue(db, "kari", now=2_000_150), now=2_000_200) == "kari"


def test_a_login_s_code_gives_its_cookie_once_and_not_after_it_has_waited_too_long(monkeypatch):
    """The page gets a code, not the token: a code read off the page after its login (or replayed) gets nothing."""
    from dashboard import sessions

    code = sessions.hand_over("abc.def", None)
    assert sessions.take(code, None) == "abc.def"
    assert sessions.take(code, None) is None
    assert sessions.take("gjettet", None) is None
    # Only from the address that logged in: a script that caught the code cannot send it from elsewhere.
    elsewhere = sessions.hand_over("abc.def", "10.1.2.3")
    assert sessions.take(elsewhere, sessions.client_address("10.9.9.9")) is None
    assert sessions.take(elsewhere, "10.1.2.3") is None  # and the try spent it
    assert sessions.take(sessions.hand_over("abc.def", "10.1.2.3"), sessions.client_address("10.1.2.3")) == "abc.def"
    assert sessions.take(sessions.hand_over("abc.def", None), sessions.client_address("::1")) == "abc.def"
    late = sessions.hand_over("ghi.jkl", None)
    now = __import__("time").monotonic()
    monkeypatch.setattr(sessions.time, "monotonic", lambda: now + sessions.HANDOVER_SECONDS + 1)
    assert sessions.take(late, None) is None


def _post_to_cookie_route(code: str):
    """The server's cookie route (`dashboard/server.py`) answering a page's POST with `code`."""
    from starlette.requests import Request

    from dashboard import server

    scope = {"type": "http", "method": "POST", "path": "/_skolemiljo/okt", "scheme": "http", "query_string": b"",
             "server": ("localhost", 8501), "client": ("127.0.0.1", 50000),
             "headers": [(b"host", b"localhost:8501"), (b"x-skolemiljo-okt", code.encode())]}
    return server.session_cookie(Request(scope))


def test_the_cookie_route_sets_a_login_s_cookie_for_the_rest_of_its_day_and_none_after_a_logout(
        tmp_path, monkeypatch):
    """A code handed out as a tab resumed its session, and sent after the user logged out in another tab, set the
    ended login's cookie again; and a resumed login's cookie was given a whole new working day."""
    from dashboard import sessions

    monkeypatch.setattr(sessions, "served", sessions.served)  # importing the server marks the route served
    db = tmp_path / "skolemiljo.duckdb"
    monkeypatch.setenv("SKOLEMILJO_DB", str(db))
    token = sessions.issue(db, "kari", now=time.time() - 3 * 3600)
    answer = _post_to_cookie_route(sessions.hand_over(token, None))
    cookie = answer.headers["set-cookie"]
    assert answer.status_code == 204 and f"skolemiljo_okt={token}" in cookie and "HttpOnly" in cookie
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert abs(max_age - 5 * 3600) < 60
    code = sessions.hand_over(token, None)
    sessions.revoke(db, "kari")
    refused = _post_to_cookie_route(code)
    assert refused.status_code == 403 and "set-cookie" not in refused.headers


def test_the_page_sends_the_code_to_the_server_under_its_base_path_and_never_the_token():
    from dashboard import sessions

    token = "abc.def"
    code = sessions.hand_over(token, None)
    script = sessions.handover_script(code, "skole/")
    assert '"/skole/_skolemiljo/okt"' in script and code in script and token not in script
    assert "document.cookie" not in script
    assert sessions.handover_path("") == "/_skolemiljo/okt"
    assert f'"{sessions.REMOVE}"' in sessions.handover_script(None, None)


def _log_in(at, name: str, password: str) -> None:
    at.run()
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click()
    at.run()


def test_a_login_while_the_warehouse_cannot_be_read_is_refused_not_given_the_default_threshold(demo_db, monkeypatch):
    """A reviewer held the warehouse past the lock wait and logged in as FAU: the session got the default threshold
    (10) instead of the municipality's 15, for its whole life. The login now fails with a Norwegian message."""
    from streamlit.testing.v1 import AppTest

    from pipelines.warehouse import connection
    from tests.conftest import warehouse_held

    assert cli(["--db", str(demo_db), "innstilling", "min-svar", "15", "--kommune", "9901"]) == 0
    _add(accounts.users_path(demo_db), "fau.ekte", "fau", skoler=("990012008",))
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    monkeypatch.setattr(connection, "LOCK_WAIT_SECONDS", 1.0)
    with warehouse_held(demo_db):
        at = AppTest.from_file(str(Path(__file__).parent.parent / "dashboard" / "app.py"), default_timeout=60)
        _log_in(at, "fau.ekte", "et-langt-passord")
        assert "viewer" not in at.session_state
        assert any("Lageret er opptatt" in e.value for e in at.error), [e.value for e in at.error]
        assert not at.exception
    _log_in(at, "fau.ekte", "et-langt-passord")  # once the warehouse is free again
    assert [e.value for e in at.error] == []
    assert dict(at.session_state["viewer"].thresholds) == {"9901": 15}


def test_an_open_session_follows_a_raised_threshold_from_its_next_click(demo_db, monkeypatch):
    """Raising `min-svar` used to reach only sessions started afterwards: the viewer was built once, at login."""
    from streamlit.testing.v1 import AppTest

    _add(accounts.users_path(demo_db), "rektor.ekte", "rektor", skoler=("990012008",))
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    at = AppTest.from_file(str(Path(__file__).parent.parent / "dashboard" / "app.py"), default_timeout=60)
    _log_in(at, "rektor.ekte", "et-langt-passord")
    assert at.session_state["viewer"].threshold_for("9901") == 10
    assert cli(["--db", str(demo_db), "innstilling", "min-svar", "20", "--kommune", "9901"]) == 0
    at.run()
    assert at.session_state["viewer"].threshold_for("9901") == 20
    assert at.session_state["viewer"].brukernavn == "rektor.ekte"


def test_logging_out_in_one_browser_ends_a_session_open_in_another_at_its_next_click(demo_db, monkeypatch):
    """A reviewer logged out in one browser and went on clicking in another: «Logg ut avslutter alle brukerens økter,
    i alle nettlesere» held only for a reload, as an open session never asked again."""
    from streamlit.testing.v1 import AppTest

    from dashboard.auth import ENDED

    _add(accounts.users_path(demo_db), "rektor.ekte", "rektor", skoler=("990012008",))
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    app = str(Path(__file__).parent.parent / "dashboard" / "app.py")
    open_tab, other = AppTest.from_file(app, default_timeout=60), AppTest.from_file(app, default_timeout=60)
    _log_in(open_tab, "rektor.ekte", "et-langt-passord")
    _log_in(other, "rektor.ekte", "et-langt-passord")
    assert open_tab.session_state["viewer"].brukernavn == "rektor.ekte"
    next(b for b in other.button if b.label == "Logg ut").click().run()
    assert "viewer" not in other.session_state

    open_tab.run()  # its next click
    assert "viewer" not in open_tab.session_state
    assert [i.value for i in open_tab.info][:1] == [ENDED]
    assert open_tab.title[0].value == "Skolemiljø – logg inn"
    _log_in(open_tab, "rektor.ekte", "et-langt-passord")  # a new login is not ended by the old logout
    open_tab.run()
    assert open_tab.session_state["viewer"].brukernavn == "rektor.ekte"


def test_an_open_session_follows_its_account_a_moved_rektor_and_a_removed_user_from_the_next_click(
        demo_db, monkeypatch):
    """The account was read at login only: a rektor moved to another school kept the old one in full detail, and a
    removed user kept every page, until the tab was reloaded or the working day ran out."""
    from streamlit.testing.v1 import AppTest

    users = accounts.users_path(demo_db)
    _add(users, "rektor.ekte", "rektor", skoler=("990012008",))
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    at = AppTest.from_file(str(Path(__file__).parent.parent / "dashboard" / "app.py"), default_timeout=60)
    _log_in(at, "rektor.ekte", "et-langt-passord")
    assert at.session_state["viewer"].skoler == frozenset({"990012008"})

    moved = accounts.load(users)["rektor.ekte"]
    accounts.save(users, {**accounts.load(users), "rektor.ekte": dataclasses.replace(moved, skoler=("990013004",))})
    at.run()
    assert at.session_state["viewer"].skoler == frozenset({"990013004"})

    assert cli(["--db", str(demo_db), "bruker", "fjern", "rektor.ekte"]) == 0
    at.run()
    assert "viewer" not in at.session_state and not at.exception


def test_a_new_password_ends_the_user_s_open_sessions_and_a_broken_users_file_crashes_none(real_db, monkeypatch):
    """A new password (after a suspected leak) left other sessions open for the rest of their working day; and once
    every click read the users file, a line broken while editing it crashed every open session in English."""
    from streamlit.testing.v1 import AppTest

    users = accounts.users_path(real_db)
    _add(users, "rektor.ekte", "rektor", skoler=("990012008",))
    monkeypatch.setenv("SKOLEMILJO_DB", str(real_db))
    app = str(Path(__file__).parent.parent / "dashboard" / "app.py")
    at = AppTest.from_file(app, default_timeout=60)
    _log_in(at, "rektor.ekte", "et-langt-passord")

    good = users.read_text(encoding="utf-8")
    users.write_text(good + "\n  ødelagt: [ikke lukket\n", encoding="utf-8")
    at.run()
    assert not at.exception and at.session_state["viewer"].brukernavn == "rektor.ekte"
    users.write_text(good, encoding="utf-8")

    monkeypatch.setattr("sys.stdin", io.StringIO("et-helt-nytt-passord\n"))  # a name taken: only with --erstatt
    assert cli(["--db", str(real_db), "bruker", "legg-til", "rektor.ekte", "--rolle", "rektor", "--kommune", "9901",
                "--skole", "990012008", "--passord-fra-stdin"]) == 1
    at.run()
    assert at.session_state["viewer"].brukernavn == "rektor.ekte"
    monkeypatch.setattr("sys.stdin", io.StringIO("et-helt-nytt-passord\n"))
    assert cli(["--db", str(real_db), "bruker", "legg-til", "rektor.ekte", "--rolle", "rektor", "--kommune", "9901",
                "--skole", "990012008", "--passord-fra-stdin", "--erstatt"]) == 0
    at.run()
    assert "viewer" not in at.session_state and not at.exception
    _log_in(at, "rektor.ekte", "et-helt-nytt-passord")
    assert at.session_state["viewer"].brukernavn == "rektor.ekte"


def test_the_warehouse_archive_and_audit_log_are_readable_by_their_owner_only(tmp_path, demo_dir, monkeypatch):
    """A reviewer found the warehouse, the archived case files and the audit log readable by every user of the server
    (0644 in 0755 folders). Written from now on for the owner only, and `init` tightens what is already there."""
    import os
    import stat

    db = tmp_path / "lager" / "skolemiljo.duckdb"
    old = os.umask(0o022)
    try:
        assert cli(["--db", str(db), "ingest", str(demo_dir / "skoleregister.csv")]) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
        assert cli(["--db", str(db), "bruker", "legg-til", "kari", "--rolle", "skoleeier", "--kommune", "9901",
                    "--passord-fra-stdin"]) == 0
        kept = [p for p in (db.parent / "arkiv").rglob("*") if p.is_file()]
        written = [db, db.parent / "revisjon.jsonl", *kept]
        assert kept and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written), [
            (p.name, oct(p.stat().st_mode)) for p in written]
        assert stat.S_IMODE((db.parent / "arkiv").stat().st_mode) == 0o700
        for p in written:  # as an older version left them
            p.chmod(0o644)
        (db.parent / "arkiv").chmod(0o755)
        assert cli(["--db", str(db), "init"]) == 0
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
        assert stat.S_IMODE((db.parent / "arkiv").stat().st_mode) == 0o700
    finally:
        os.umask(old)


def test_the_admin_page_names_every_event_the_audit_log_holds_in_norwegian(demo_db, monkeypatch):
    """«arkivfil_slettet» (from `arkiv sjekk`) had no label and would have been shown to the administrator as the raw
    code; so would any event added later without one. Every event name the code writes is found in its source."""
    import re

    from streamlit.testing.v1 import AppTest

    from dashboard.viewer import Viewer

    root = Path(__file__).parent.parent
    written = {
        name
        for folder in ("pipelines", "dashboard")
        for source in (root / folder).rglob("*.py")
        for name in re.findall(r"accounts\.audit\(\s*[^,]+,\s*\"([a-z_]+)\"", source.read_text(encoding="utf-8"))
    }
    assert {"innstilling", "arkivfil_slettet", "eksport", "innlogging_ok"} <= written, written
    for name in sorted(written):
        accounts.audit(demo_db, name, "admin", "test")
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    at = AppTest.from_file(str(root / "dashboard" / "app.py"), default_timeout=60)
    at.session_state["viewer"] = Viewer(role="admin", kommuner=frozenset({"9901", "9902"}), brukernavn="admin")
    at.switch_page("views/admin.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = set(at.dataframe[1].value["Hendelse"])
    assert len(shown) == len(written) and not shown & written, shown


@pytest.mark.parametrize("served", [False, True])
def test_the_administrator_is_told_when_the_server_cannot_keep_logins_across_a_reload(demo_db, monkeypatch, served):
    """Started the old way (`streamlit run dashboard/app.py`) there is no route to set the session cookie, and every
    reload asked for the password again, with nothing on screen to say why."""
    from dashboard import sessions
    from dashboard.viewer import Viewer
    from tests.conftest import open_page

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    monkeypatch.setattr(sessions, "served", served)
    at = open_page("admin", Viewer(role="admin", kommuner=frozenset({"9901", "9902"}), brukernavn="admin"))
    told = any("dashboard/server.py" in w.value for w in at.warning)
    assert told is not served
