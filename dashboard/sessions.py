"""Signed session cookies, so a local-account login survives a page reload (OIDC keeps its own via `st.login`).

A token names the user and when it was issued, with a random nonce, signed (HMAC-SHA256) with a key kept beside
the warehouse (mode 0600). It is valid for `TTL_SECONDS`, and never after the user logs out: logging out records
the time, and every token issued before it is refused. An open session is held to the same rules on every page it
draws (`still_valid`), and to the account as the users file has it now (`dashboard.auth.current`).
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


def cookie_script(token: str | None, secure: bool) -> str:
    """JavaScript that sets (or, with None, deletes) the session cookie in the browser."""
    flags = "; path=/; SameSite=Strict" + ("; Secure" if secure else "")
    value = f"{COOKIE}={token}; max-age={TTL_SECONDS}" if token else f"{COOKIE}=; max-age=0"
    return f"<script>document.cookie = {json.dumps(value + flags)};</script>"
