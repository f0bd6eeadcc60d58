"""Local accounts, login throttling and the audit log: shared by the `skolemiljo bruker` commands and the dashboard.

The users file (YAML, next to the warehouse unless SKOLEMILJO_USERS says otherwise) holds, per user name: role,
granted municipalities, own schools (rektor, fau), an optional e-mail used to map an OpenID Connect login (Feide,
Entra ID) to the same account, and an argon2id hash — never a password. The file is written with mode 0600.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

ROLES = {
    "skoleeier": "Skoleeier (alle skoler i kommunen, full detalj)",
    "rektor": "Rektor (egen skole i full detalj, andre skoler på vernet nivå)",
    "fau": "FAU (egen skole og kommunen, bare vernet nivå)",
    "admin": "Administrator (brukere, innlesing og revisjonslogg)",
}
MAX_FAILURES = 5
"""Wrong passwords in a row for one user name from one address before that name is locked there for LOCK_SECONDS."""
MAX_FAILURES_ALL = 50
"""Wrong passwords for one user name from all addresses together before it is locked everywhere (many addresses)."""
LOCK_SECONDS = 15 * 60
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Something@something.tld: enough to catch a name or a typo given where an address was meant, not a full RFC 5322.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[^@\s.]{2,}$")
_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("ingen-bruker")


class AccountError(Exception):
    """A Norwegian message for the person managing accounts."""


@dataclass(frozen=True)
class Account:
    brukernavn: str
    rolle: str
    kommuner: tuple[str, ...] = ()
    skoler: tuple[str, ...] = ()
    epost: str | None = None
    navn: str | None = None
    demo: bool = False
    passord_hash: str | None = field(default=None, repr=False)


def users_path(db: Path) -> Path:
    env = os.environ.get("SKOLEMILJO_USERS")
    return Path(env) if env else db.parent / "brukere.yaml"


def audit_path(db: Path) -> Path:
    return db.parent / "revisjon.jsonl"


def load(path: Path) -> dict[str, Account]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    users = data.get("brukere") or {}
    out = {}
    for name, entry in users.items():
        out[str(name)] = Account(
            brukernavn=str(name),
            rolle=entry.get("rolle", ""),
            kommuner=tuple(str(k) for k in entry.get("kommuner") or ()),
            skoler=tuple(str(s) for s in entry.get("skoler") or ()),
            epost=(entry.get("epost") or None),
            navn=entry.get("navn"),
            demo=bool(entry.get("demo", False)),
            passord_hash=entry.get("passord_hash"),
        )
    return out


_KEPT: dict[Path, tuple[tuple[int, int, int], dict[str, Account]]] = {}


def load_kept(path: Path) -> dict[str, Account]:
    """The users file as last read well, for what asks on every click (an open session, the protection's rektor
    groups): read again only when it has changed. A reading that fails (a line broken while the file is edited by
    hand) keeps the last good one and is told on the server's log; it raises only when there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    kept = _KEPT.get(path)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    try:
        users = load(path)
    except Exception:
        if kept is None:
            raise
        import traceback

        traceback.print_exc()
        return kept[1]
    _KEPT[path] = (stamp, users)
    return users


def rektor_groups(path: Path) -> list[frozenset[str]]:
    """The schools each rektor account of several schools knows together, as last read well (`load_kept`: a line
    broken while the file is edited keeps the groups it had; an empty list would protect less)."""
    return sorted({frozenset(a.skoler) for a in load_kept(path).values() if a.rolle == "rektor" and len(a.skoler) > 1},
                  key=sorted)


def save(path: Path, accounts: dict[str, Account]) -> None:
    """Write atomically with mode 0600: the hashes are not for other users of the machine."""
    data = {"brukere": {}}
    for name, a in sorted(accounts.items()):
        entry: dict = {"rolle": a.rolle, "kommuner": list(a.kommuner), "skoler": list(a.skoler)}
        for key in ("epost", "navn"):
            if getattr(a, key):
                entry[key] = getattr(a, key)
        if a.demo:
            entry["demo"] = True
        if a.passord_hash:
            entry["passord_hash"] = a.passord_hash
        data["brukere"][name] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".brukere-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("# skolemiljo – brukere. Endres med «skolemiljo bruker …». Inneholder bare hasher, aldri passord.\n")
        yaml.safe_dump(data, f, allow_unicode=True, sort_keys=False)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def check_password_strength(password: str, brukernavn: str | None = None) -> None:
    """Refuse what a guesser tries first. The demo accounts' published passwords do not come through here."""
    if len(password) < 10:
        raise AccountError("Passordet må ha minst 10 tegn.")
    if not password.strip():
        raise AccountError("Passordet kan ikke bare være mellomrom.")
    if len(set(password)) == 1:
        raise AccountError("Passordet kan ikke være ett og samme tegn gjentatt.")
    if brukernavn:
        _refuse_the_name(password, brukernavn)
    inputs = [*_COMMON_NO, *(_SEPARATORS.split(brukernavn.casefold()) if brukernavn else [])]
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < MIN_STRENGTH:
        raise AccountError("Passordet er for lett å gjette: vanlige passord, tastaturrekker («qwerty»), tallrekker, "
                           "gjentakelser og årstid med årstall («Sommer2026!») prøves først. Bruk gjerne tre eller fire "
                           "ord som ikke hører sammen, f.eks. «fjell-kaffe-sykkel-bok».")


MIN_STRENGTH = 3
"""zxcvbn's score (0–4) a chosen password needs: 3 is «safely unguessable» against throttled online guessing."""
_COMMON_NO = ["passord", "sommer", "vinter", "høst", "host", "vår", "var", "skole", "skolen", "skolemiljo",
              "skolemiljø", "rektor", "kommune", "elev", "elever", "lærer", "laerer", "velkommen", "hemmelig", "norge",
              "fotball", "hallo", "januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
              "oktober", "november", "desember", "mandag", "fredag", "admin", "bruker", "skolesjef", "fau", "forelder"]
"""Norwegian words guessers try first, which zxcvbn's English lists lack: «Sommer2026!» scored 3 without them."""


_SEPARATORS = re.compile(r"[\s._-]+")


def _refuse_the_name(password: str, brukernavn: str) -> None:
    """The whole name (its dots or none), or the name's parts with only digits and signs around them, are the first
    things a guesser tries. A password that merely shares a word with the name («karianne-…» for kari.skolesjef,
    anything with «rektor» for ola.rektor) is not: refusing it pushed people to shorter, weaker passwords."""
    lowered = password.casefold()
    name = brukernavn.casefold()
    if name in lowered or _SEPARATORS.sub("", name) in _SEPARATORS.sub("", lowered):
        raise AccountError("Passordet kan ikke inneholde brukernavnet.")
    parts = sorted((p for p in _SEPARATORS.split(name) if len(p) >= 3), key=len, reverse=True)
    rest = lowered
    for part in parts:
        rest = rest.replace(part, "")
    if rest != lowered and sum(c.isalpha() for c in rest) < _OWN_LETTERS:
        raise AccountError("Passordet kan ikke være brukernavnet eller en del av det med bare tall og tegn i tillegg. "
                           "Legg til egne ord.")


_OWN_LETTERS = 4
"""Letters a password needs besides the name's parts: «nordli2026!» is the name, «nordli-fjell-kaffe» is not."""


def _same_email(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().casefold() == b.strip().casefold()


def _other_admins(accounts: dict[str, Account], brukernavn: str) -> list[Account]:
    """Administrators left when `brukernavn` is gone. A demo administrator does not count for a real one: demo
    accounts do not work against real data."""
    gone = accounts[brukernavn]
    return [a for name, a in accounts.items() if name != brukernavn and a.rolle == "admin" and (gone.demo or not a.demo)]


_LAST_ADMIN = ("Det må finnes minst én administrator for å styre brukerne fra dashbordet. Legg til en ny "
               "administrator først («skolemiljo bruker legg-til NAVN --rolle admin»).")


def add(path: Path, account: Account, password: str | None, *, replace: bool = False,
        keep_password: bool = False) -> Account:
    """Save a new account. An existing name is changed only with `replace=True`, so a typo in a new user's name
    cannot silently take over someone else's role and password; `keep_password` (with `replace`) keeps its password."""
    if not _USERNAME.match(account.brukernavn):
        raise AccountError("Brukernavnet må ha 2–64 tegn: små bokstaver a–z, tall, punktum, bindestrek eller understrek.")
    if account.rolle not in ROLES:
        raise AccountError(f"Ukjent rolle «{account.rolle}». Roller: {', '.join(ROLES)}.")
    if account.rolle in ("skoleeier", "rektor", "fau") and not account.kommuner:
        raise AccountError("Rollen trenger minst én kommune (--kommune NNNN).")
    if account.rolle in ("rektor", "fau") and not account.skoler:
        raise AccountError("Rektor og FAU trenger skolen sin (--skole ORGNR).")
    for k in account.kommuner:
        if not re.fullmatch(r"\d{4}", k):
            raise AccountError(f"Kommunenummeret «{k}» må ha 4 siffer.")
    for s in account.skoler:
        if not re.fullmatch(r"\d{9}", s):
            raise AccountError(f"Organisasjonsnummeret «{s}» må ha 9 siffer.")
    epost = (account.epost or "").strip() or None
    if epost is not None and not _EMAIL.match(epost):
        raise AccountError(f"«{epost}» ser ikke ut som en e-postadresse (navn@domene.no).")
    accounts = load(path)
    old = accounts.get(account.brukernavn)
    kept = old.passord_hash if keep_password and old is not None and replace else None
    if keep_password and kept is None:
        if old is None:
            raise AccountError(f"Det finnes ingen bruker «{account.brukernavn}», så det er ikke noe passord å beholde. "
                               "Uten --behold-passord spørres det om et passord for den nye brukeren.")
        raise AccountError(f"«{account.brukernavn}» har " + ("ikke noe passord å beholde (brukeren logger inn med "
                                                             "Feide/Entra ID)." if replace else
                                                             "et passord, men det beholdes bare med --erstatt."))
    if password is None and kept is None and not epost:
        raise AccountError("Brukeren trenger et passord eller en e-postadresse for innlogging med Feide/Entra ID.")
    if old is not None and not replace:
        raise AccountError(
            f"Brukeren «{account.brukernavn}» finnes allerede ({old.rolle}). For å endre rolle, skoler eller passord: "
            f"«skolemiljo bruker legg-til {account.brukernavn} … --erstatt». For å slette: "
            f"«skolemiljo bruker fjern {account.brukernavn}».")
    if old is not None and old.rolle == "admin" and account.rolle != "admin" and not _other_admins(accounts, old.brukernavn):
        raise AccountError(f"«{old.brukernavn}» er den eneste administratoren. {_LAST_ADMIN}")
    if epost is not None:
        # The OIDC login finds the account by its e-mail address: two accounts with one address would make the role
        # depend on the order of the file.
        for other in accounts.values():
            if other.brukernavn != account.brukernavn and _same_email(other.epost, epost):
                raise AccountError(f"E-postadressen «{epost}» brukes allerede av «{other.brukernavn}». To brukere kan "
                                   "ikke ha samme e-postadresse.")
    hashed = kept
    if password is not None:
        check_password_strength(password, account.brukernavn)
        hashed = _hasher.hash(password)
    accounts[account.brukernavn] = Account(**{**account.__dict__, "epost": epost, "passord_hash": hashed})
    save(path, accounts)
    return accounts[account.brukernavn]


def describe_change(old: Account, new: Account) -> str:
    """What a replacing `add` changed, in words for the person who ran it ("" when nothing)."""
    changes = []
    for key, label in (("rolle", "rolle"), ("kommuner", "kommuner"), ("skoler", "skoler"), ("epost", "e-post"),
                       ("navn", "navn")):
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            show = [", ".join(v) if isinstance(v, tuple) else v for v in (before, after)]
            changes.append(f"{label}: {show[0] or '–'} → {show[1] or '–'}")
    if bool(old.passord_hash) != bool(new.passord_hash):
        changes.append("passord fjernet" if old.passord_hash else "passord satt")
    elif new.passord_hash and new.passord_hash != old.passord_hash:  # `--behold-passord` keeps the hash itself
        changes.append("nytt passord")
    return "; ".join(changes)


def remove(path: Path, brukernavn: str) -> Account:
    """Delete an account; returns it, so the audit log gets the stored name and not the name as typed."""
    accounts = load(path)
    key = brukernavn.strip().lower()
    if key not in accounts:
        raise AccountError(f"Fant ingen bruker «{brukernavn.strip()}».")
    gone = accounts[key]
    if gone.rolle == "admin" and not _other_admins(accounts, key):
        raise AccountError(f"«{key}» er den eneste administratoren og kan ikke fjernes. {_LAST_ADMIN}")
    del accounts[key]
    save(path, accounts)
    return gone


class Throttle:
    """Wrong passwords per user name and address: MAX_FAILURES in a row from one address lock the name there for
    LOCK_SECONDS, and MAX_FAILURES_ALL from all addresses together lock it everywhere.

    Kept in the dashboard process (one process serves every session), so it is shared by all browsers. An attempt is
    counted when it starts (`attempt`), before its hash is checked: guesses sent in parallel from many tabs were all
    checked, 26 of 40 before the lock took. Counting per address keeps someone who types five wrong passwords for
    «admin» from locking the administrator out of their own office (an address None counts as one address).
    """

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str | None], list[float]] = {}

    def _left(self, times: list[float], limit: int, now: float) -> float:
        recent = [t for t in times if t + LOCK_SECONDS > now]
        return recent[-1] + LOCK_SECONDS - now if len(recent) >= limit else 0.0

    def attempt(self, brukernavn: str, client: str | None = None) -> float:
        """Seconds the name is locked for this address (and nothing counted), or 0.0 with this attempt counted as a
        failure until `succeeded` says otherwise."""
        with self._lock:
            now = self._clock()
            mine = self._failures.setdefault((brukernavn, client), [])
            everyone = [t for (name, _c), times in self._failures.items() if name == brukernavn for t in times]
            left = max(self._left(mine, MAX_FAILURES, now), self._left(everyone, MAX_FAILURES_ALL, now))
            if not left:
                mine[:] = [t for t in mine if t + LOCK_SECONDS > now] + [now]
            if len(self._failures) > _KEPT_KEYS:  # names typed at random must not grow it without end
                self._failures = {k: v for k, v in self._failures.items() if v and v[-1] + LOCK_SECONDS > now}
            return left

    def succeeded(self, brukernavn: str, client: str | None = None) -> None:
        with self._lock:
            self._failures.pop((brukernavn, client), None)


_KEPT_KEYS = 10_000
THROTTLE = Throttle()


@dataclass(frozen=True)
class LoginResult:
    account: Account | None
    melding: str


def authenticate(
    path: Path, brukernavn: str, password: str, *, demo_warehouse: bool, throttle: Throttle = THROTTLE,
    client: str | None = None,
) -> LoginResult:
    """Check a user name and password (`client`: the address it came from, for the throttle). The message never says
    which of the two was wrong."""
    brukernavn = brukernavn.strip().lower()
    wrong = LoginResult(None, "Feil brukernavn eller passord.")
    left = throttle.attempt(brukernavn, client)
    if left:
        return LoginResult(None, f"For mange feil forsøk. Prøv igjen om {int(left // 60) + 1} minutter.")
    account = load(path).get(brukernavn)
    try:
        _hasher.verify(account.passord_hash if account and account.passord_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return wrong
    if account is None or not account.passord_hash:
        return wrong
    if account.demo and not demo_warehouse:
        return LoginResult(None, "Demokontoer virker bare mot demolageret.")
    throttle.succeeded(brukernavn, client)
    return LoginResult(account, "")


def known_name(path: Path, typed: str) -> str | None:
    """The user name typed at a failed login, if an account has it; None if not. The audit log records only a
    real user name: a password typed in the name field (or put there by a password manager) was logged as typed."""
    name = typed.strip().lower()
    return name if name in load(path) else None


def account_for_email(path: Path, email: str | None) -> Account | None:
    """Map an OpenID Connect identity (Feide, Entra ID) to an account by its e-mail address. An address held by two
    accounts (a file from before that was refused, or edited by hand) logs in as neither: which role is right is for
    an administrator to say, not the order of the file."""
    if not email or not email.strip():
        return None
    found = [a for a in load(path).values() if _same_email(a.epost, email) and not a.demo]
    return found[0] if len(found) == 1 else None


_audit_lock = threading.Lock()


def _os_user() -> str:
    """Who ran a command, as the operating system knows them; marked so it is not taken for a dashboard user."""
    try:
        name = getpass.getuser()
    except Exception:  # no login name and no passwd entry (a container started with an unknown uid)
        name = ""
    return f"os:{name or 'ukjent'}"


def audit(db: Path, hendelse: str, bruker: str | None, detalj: str = "") -> None:
    """Append one line to the audit log: logins (ok and failed), uploads, exports, account changes. With no
    dashboard user (a command line), the operating-system user who ran it is recorded instead."""
    if bruker is None:
        bruker = _os_user()
    line = json.dumps(
        {"tid": dt.datetime.now().isoformat(timespec="seconds"), "hendelse": hendelse, "bruker": bruker,
         "detalj": detalj},
        ensure_ascii=False,
    )
    path = audit_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _audit_lock, open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def scrub_audit(db: Path, quoting: re.Pattern[str], replacement: str) -> int:
    """Cut from the audit log's details what `quoting` matches (a reader's message that quoted a file's rows), the
    rest of each line kept as it was. Returns how many lines changed. Rewritten whole, readable by its owner only."""
    path = audit_path(db)
    if not path.exists():
        return 0
    changed = 0
    with _audit_lock:
        lines = path.read_text(encoding="utf-8").splitlines()
        out = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                out.append(line)
                continue
            detail = entry.get("detalj") or ""
            if isinstance(detail, str) and quoting.search(detail):
                entry["detalj"] = quoting.sub(replacement, detail)
                line = json.dumps(entry, ensure_ascii=False)
                changed += 1
            out.append(line)
        if changed:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".revisjon-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("\n".join(out) + "\n")
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
    return changed


def read_audit(db: Path, limit: int = 500) -> list[dict]:
    path = audit_path(db)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(line) for line in reversed(lines) if line.strip()]


DEMO_ACCOUNTS = [
    # (user name, password, role, kommuner, skoler) – demo only, refused against a real warehouse.
    ("skolesjef", "demo-skolesjef", "skoleeier", ("9901", "9902"), ()),
    ("rektor.nordli", "demo-rektor-nordli", "rektor", ("9901",), ("NORDLI",)),
    ("fau.nordli", "demo-fau-nordli", "fau", ("9901",), ("NORDLI",)),
    ("admin", "demo-administrator", "admin", ("9901", "9902"), ()),
]


def ensure_demo_accounts(path: Path, nordli_orgnr: str) -> list[tuple[str, str, str]]:
    """Create the demo accounts (marked demo) if missing; return (user, password, role) to print: the demo accounts
    only. A name a real account holds is left to it, and not printed with the demo's password (that login failed)."""
    accounts = load(path)
    for name, password, role, kommuner, skoler in DEMO_ACCOUNTS:
        if name in accounts:
            continue
        skoler = tuple(nordli_orgnr if s == "NORDLI" else s for s in skoler)
        accounts[name] = Account(name, role, kommuner, skoler, demo=True, navn=f"Demo: {ROLES[role].split(' (')[0]}",
                                 passord_hash=_hasher.hash(password))
    save(path, accounts)
    return [(name, password, role) for name, password, role, _, _ in DEMO_ACCOUNTS if accounts[name].demo]
