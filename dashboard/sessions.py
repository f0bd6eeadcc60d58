"""Signed session cookies, so a local-account login survives a page reload (OIDC keeps its own via `st.login`).

A token names the user and when it was issued, with a random nonce, signed (HMAC-SHA256) with a key kept beside
the warehouse (mode 0600). It is valid for `TTL_SECONDS`, and never after the user logs out: logging out records
the time, and every token issued before it is refused. An open session is held to the same rules on every page it
draws (`still_valid`), and to the account as the users file has it now (`dashboard.auth.current`).

The cookie is set by the server, HttpOnly, so that no script on the page can read it: a login hands the browser a
single-use code (`hand_over`), which the page sends back to `dashboard/server.py`'s route (`HANDOVER_PATH`) to get
the cookie in the answer. The token itself never reaches the page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from pathlib import Path

COOKIE = "skolemiljo_okt"
TTL_SECONDS = 8 * 3600
"""A working day: after that the password is asked for again."""


def key_path(db: Path) -> Path:
    return db.parent / ".okt-nokkel"


def logout_path(db: Path) -> Path:
    return db.parent / "utlogginger.json"


def _key(db: Path) -> bytes:
    path = key_path(db)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(tmp, path)  # the first writer wins; a second process keeps the first key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


def _sign(key: bytes, payload: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256).digest()).decode().rstrip("=")


def _ms(now: float | None) -> int:
    return int(1000 * (now if now is not None else time.time()))


def issue(db: Path, brukernavn: str, now: float | None = None) -> str:
    issued = _ms(now)
    payload = f"{brukernavn}|{issued}|{secrets.token_urlsafe(12)}"
    encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{encoded}.{_sign(_key(db), payload)}"


def _logouts(db: Path) -> dict[str, int]:
    try:
        return json.loads(logout_path(db).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def verify(db: Path, token: str | None, now: float | None = None) -> str | None:
    """The user name a valid token was issued to, else None (tampered, expired, or issued before a logout)."""
    if not token or "." not in token or not key_path(db).exists():
        return None
    encoded, signature = token.rsplit(".", 1)
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        brukernavn, issued_text, _ = payload.split("|")
        issued = int(issued_text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(signature, _sign(_key(db), payload)):
        return None
    return brukernavn if still_valid(db, brukernavn, issued, now) else None


def issued_at(token: str) -> int:
    """When a token `verify` accepted was issued (ms since the epoch): the login its session continues."""
    encoded = token.rsplit(".", 1)[0]
    return int(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode().split("|")[1])


def seconds_left(token: str, now: float | None = None) -> int:
    """How long a token `verify` accepted has left of its working day (whole seconds, never below 0): the cookie
    that carries it is kept no longer."""
    return max(0, (issued_at(token) + 1000 * TTL_SECONDS - _ms(now)) // 1000)


def still_valid(db: Path, brukernavn: str, logged_in: int, now: float | None = None) -> bool:
    """Whether a login at `logged_in` (ms) still holds: within `TTL_SECONDS`, and after the user's last logout.

    Asked on every page an open session draws (`dashboard.auth.current`), so that logging out in one browser ends
    the tabs open in another at their next click, not at their next reload."""
    return logged_in <= _ms(now) < logged_in + 1000 * TTL_SECONDS and logged_in > _logouts(db).get(brukernavn, 0)


_REVOKING = threading.Lock()


def revoke(db: Path, brukernavn: str, now: float | None = None) -> None:
    """Logging out ends every session of this user, in every browser (and so does a new password, see the CLI).

    One at a time in this process: two users logging out at once each read the file, and the second write lost the
    first's logout."""
    with _REVOKING:
        logouts = _logouts(db)
        logouts[brukernavn] = max(_ms(now), logouts.get(brukernavn, 0))
        path = logout_path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(logouts), encoding="utf-8")
        os.replace(tmp, path)


HANDOVER_PATH = "/_skolemiljo/okt"
"""The server's route that sets (or removes) the session cookie (`dashboard/server.py`), under `server.baseUrlPath`."""
HANDOVER_HEADER = "X-Skolemiljo-Okt"
"""The code (or `REMOVE`) travels in this header: a page of another site cannot send it without the server's leave
(a header of its own makes the browser ask first, and this server says no), so it cannot log a browser in or out."""
REMOVE = "slett"
HANDOVER_SECONDS = 30.0
"""How long a login's code waits for its page to fetch the cookie (the page does at once; a code is used once)."""

served = False
"""Whether this process serves `HANDOVER_PATH` (set by `dashboard/server.py`). Under `streamlit run dashboard/app.py`
it is not, and a login then holds for its tab only: there is no cookie rather than one that a script could read."""

_HANDOVERS: dict[str, tuple[str, str | None, float]] = {}
_HANDOVER_LOCK = threading.Lock()


def client_address(host: str | None) -> str | None:
    """The address a request came from as `st.context.ip_address` gives it: None on this machine (loopback). Behind
    a proxy that `FORWARDED_ALLOW_IPS` names, uvicorn has put the user's own address in both."""
    return None if host in (None, "127.0.0.1", "::1") else host


def hand_over(token: str, client: str | None) -> str:
    """A single-use code for `token`, good for `HANDOVER_SECONDS` and only from the address that logged in (`client`,
    as `client_address` gives it), that the login's page exchanges for the cookie. A script on the page that caught
    the code could otherwise have sent it from anywhere, and taken the 8-hour login with it."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _HANDOVER_LOCK:
        for stale in [c for c, (_, _, expires) in _HANDOVERS.items() if expires <= now]:
            del _HANDOVERS[stale]
        _HANDOVERS[code] = (token, client, now + HANDOVER_SECONDS)
    return code


def take(code: str, client: str | None) -> str | None:
    """The token a code was handed over for; None for a code unknown, already used, too old, or sent from another
    address than the login's. A code is spent by any try."""
    with _HANDOVER_LOCK:
        token, owner, expires = _HANDOVERS.pop(code, (None, None, 0.0))
    return token if token is not None and owner == client and time.monotonic() < expires else None


def is_https(url: str, forwarded_proto: str | None) -> bool:
    """The page came over HTTPS, to the server or to a proxy in front of it that says so (`X-Forwarded-Proto`): the
    session cookie is then marked Secure. Behind a proxy that handles HTTPS, the server itself sees only http."""
    forwarded = str(forwarded_proto or "").split(",")[0].strip().lower()
    return str(url or "").startswith("https:") or forwarded == "https"


def handover_path(base_url_path: str | None) -> str:
    """`HANDOVER_PATH` under the server's `server.baseUrlPath` (empty, or e.g. «skolemiljo» behind a proxy)."""
    base = str(base_url_path or "").strip("/")
    return (f"/{base}" if base else "") + HANDOVER_PATH


def handover_script(code: str | None, base_url_path: str | None) -> str:
    """JavaScript that fetches the session cookie for a login's code from the server, or with None has it removed."""
    path = handover_path(base_url_path)
    value = code if code is not None else REMOVE
    return ("<script>fetch(" + json.dumps(path) + ", {method: 'POST', credentials: 'same-origin', cache: 'no-store', "
            "headers: {" + json.dumps(HANDOVER_HEADER) + ": " + json.dumps(value) + "}});</script>")
