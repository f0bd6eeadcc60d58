"""Rules for accounts made with `skolemiljo bruker legg-til/fjern`: unambiguous e-mail logins, passwords a guesser
does not try first, an administrator always left, no silent replacing, and an audit log that says who did it."""

from __future__ import annotations

import getpass
import io
from pathlib import Path

import pytest

from pipelines import accounts
from pipelines.cli import main as cli


def _add(path: Path, name: str, role: str = "skoleeier", password: str | None = "et-langt-passord", *,
         replace: bool = False, **kw) -> accounts.Account:
    kw.setdefault("kommuner", ("9901",))
    return accounts.add(path, accounts.Account(name, role, **kw), password, replace=replace)


def test_two_accounts_cannot_share_an_email_address_whatever_its_case(tmp_path):
    """A reviewer gave a skoleeier «Kari@Kommune.no» and an admin « kari@kommune.no»: the Feide/Entra login then got
    whichever role came first in the file."""
    users = tmp_path / "brukere.yaml"
    _add(users, "e2", epost="Kari@Kommune.no")
    with pytest.raises(accounts.AccountError, match="brukes allerede av «e2»"):
        _add(users, "e3", "admin", epost=" kari@kommune.no ")
    assert set(accounts.load(users)) == {"e2"}
    # The account itself may keep its own address when it is changed.
    _add(users, "e2", "fau", epost="kari@kommune.no", skoler=("990012008",), replace=True)
    assert accounts.load(users)["e2"].epost == "kari@kommune.no"


@pytest.mark.parametrize("address", ["ikke-epost", "kari@kommune", "@kommune.no", "kari@.no", "kari @kommune.no",
                                     "kari@kommune.n"])
def test_an_address_that_is_not_an_email_address_is_refused(tmp_path, address):
    with pytest.raises(accounts.AccountError, match="ser ikke ut som en e-postadresse"):
        _add(tmp_path / "brukere.yaml", "kari", epost=address)


def test_an_email_address_held_by_two_accounts_in_an_old_file_logs_in_as_neither(tmp_path):
    """A users file from before the rule (or edited by hand) may still hold one address twice: the role must not
    depend on the order of the file, so the OIDC login is refused until an administrator sorts it out."""
    users = tmp_path / "brukere.yaml"
    accounts.save(users, {
        "a.skoleeier": accounts.Account("a.skoleeier", "skoleeier", ("9901",), epost="Kari@Kommune.no"),
        "b.admin": accounts.Account("b.admin", "admin", ("9901",), epost="kari@kommune.no"),
        "ola": accounts.Account("ola", "skoleeier", ("9901",), epost="ola@kommune.no"),
    })
    assert accounts.account_for_email(users, "kari@kommune.no") is None
    assert accounts.account_for_email(users, " OLA@kommune.no").brukernavn == "ola"


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("kari", " " * 12, "mellomrom"),
        ("kari", "a" * 12, "samme tegn"),
        ("navnpass", "navnpass12", "brukernavnet"),
        ("navnpass", "xNAVNPASS-2024", "brukernavnet"),
        ("rektor.nordli", "Rektor-Nordli-1", "brukernavnet"),
        ("rektor.nordli", "nordli2026!!", "en del av det"),
        ("kari.skolesjef", "2024.Kari.2024", "en del av det"),
    ],
)
def test_passwords_a_guesser_tries_first_are_refused(tmp_path, name, password, message):
    """A reviewer saved ten spaces, «aaaaaaaaaa» and «navnpass12» for user «navnpass»: only the length was checked."""
    with pytest.raises(accounts.AccountError, match=message):
        _add(tmp_path / "brukere.yaml", name, password=password)
    assert not (tmp_path / "brukere.yaml").exists()


@pytest.mark.parametrize(("name", "password"), [
    ("kari.skolesjef", "karianne-sitt-lange-passord"),
    ("ola.rektor", "ulrik-liker-rektorat-og-kaffe"),
    ("rektor.nordli", "nordli-fjell-kaffe"),
])
def test_a_good_password_that_shares_a_word_with_the_user_name_is_accepted(tmp_path, name, password):
    """A reviewer's «karianne-sitt-lange-passord» was refused for kari.skolesjef because it holds «kari», and every
    password with «rektor» for ola.rektor: the README promises only that the user name itself is refused."""
    _add(tmp_path / "brukere.yaml", name, password=password)
    result = accounts.authenticate(tmp_path / "brukere.yaml", name, password, demo_warehouse=False,
                                   throttle=accounts.Throttle())
    assert result.account is not None, result.melding


def test_the_demo_accounts_keep_their_published_passwords(demo_db, capsys):
    """The demo passwords contain the user names («demo-skolesjef»); they are made through their own path, which the
    rule for chosen passwords must not break."""
    assert cli(["--db", str(demo_db), "bruker", "demo"]) == 0
    users = accounts.users_path(demo_db)
    for name, password, role, _, _ in accounts.DEMO_ACCOUNTS:
        result = accounts.authenticate(users, name, password, demo_warehouse=True, throttle=accounts.Throttle())
        assert result.account is not None and result.account.rolle == role, (name, result.melding)


def test_the_last_administrator_cannot_be_removed_or_demoted(tmp_path):
    """Without an administrator nobody can manage users from the dashboard."""
    users = tmp_path / "brukere.yaml"
    _add(users, "eneste.admin", "admin")
    with pytest.raises(accounts.AccountError, match="eneste administratoren"):
        accounts.remove(users, "eneste.admin")
    with pytest.raises(accounts.AccountError, match="eneste administratoren"):
        _add(users, "eneste.admin", "skoleeier", replace=True)
    assert accounts.load(users)["eneste.admin"].rolle == "admin"
    # A demo administrator does not stand in for a real one: demo accounts do not work against real data.
    accounts.save(users, {**accounts.load(users),
                          "admin": accounts.Account("admin", "admin", ("9901",), demo=True, passord_hash="x")})
    with pytest.raises(accounts.AccountError, match="eneste administratoren"):
        accounts.remove(users, "eneste.admin")
    _add(users, "ny.admin", "admin")
    assert accounts.remove(users, "eneste.admin").brukernavn == "eneste.admin"
    assert set(accounts.load(users)) == {"admin", "ny.admin"}


def test_adding_an_existing_user_name_is_refused_unless_replacing_is_asked_for(tmp_path):
    """A reviewer's `legg-til kari.skolesjef --rolle fau` silently turned a skoleeier into FAU with a new password."""
    users = tmp_path / "brukere.yaml"
    before = _add(users, "kari.skolesjef")
    with pytest.raises(accounts.AccountError, match="finnes allerede.*--erstatt"):
        _add(users, "kari.skolesjef", "fau", "et-annet-passord", skoler=("990012008",))
    assert accounts.load(users)["kari.skolesjef"] == before
    after = _add(users, "kari.skolesjef", "fau", "et-annet-passord", skoler=("990012008",), replace=True)
    assert accounts.load(users)["kari.skolesjef"].rolle == "fau"
    change = accounts.describe_change(before, after)
    assert "rolle: skoleeier → fau" in change and "skoler: – → 990012008" in change and "nytt passord" in change


def test_account_changes_from_the_command_line_record_who_ran_them(tmp_path, monkeypatch):
    """The audit log had «bruker»: null for users added and removed on the command line, and the name as typed
    («Kari») for a removal instead of the stored one."""
    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    assert cli(["--db", str(db), "bruker", "legg-til", "kari", "--rolle", "skoleeier", "--kommune", "9901",
                "--passord-fra-stdin"]) == 0
    [added] = accounts.read_audit(db)
    assert added["hendelse"] == "bruker_lagt_til" and added["bruker"] == f"os:{getpass.getuser()}"
    assert accounts.remove(accounts.users_path(db), " Kari ").brukernavn == "kari"


def test_an_unknown_operating_system_user_is_recorded_as_unknown(tmp_path, monkeypatch):
    """A container started with a uid that has no name: getpass fails, and the line is still written."""
    def no_name() -> str:
        raise KeyError("getpwuid(): uid not found: 12345")

    monkeypatch.setattr(getpass, "getuser", no_name)
    accounts.audit(tmp_path / "skolemiljo.duckdb", "bruker_fjernet", None, "kari")
    assert accounts.read_audit(tmp_path / "skolemiljo.duckdb")[0]["bruker"] == "os:ukjent"
