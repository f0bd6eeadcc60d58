"""Signed session cookies, so a local-account login survives a page reload (OIDC keeps its own via `st.login`).

A token names the user and when it was issued, with a random nonce, signed (HMAC-SHA256) with a key kept beside
the warehouse (mode 0600). It is valid for `TTL_SECONDS`, and never after the user logs out: logging out records
the time, and every token issued before it is refused. Changing or removing the account in the users file takes
effect at the next reload, because the account is read again from the file each time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
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
    if not issued <= _ms(now) < issued + 1000 * TTL_SECONDS:
        return None
    if issued <= _logouts(db).get(brukernavn, 0):
        return None
    return brukernavn


def revoke(db: Path, brukernavn: str, now: float | None = None) -> None:
    """Logging out ends every session of this user, in every browser."""
    logouts = _logouts(db)
    logouts[brukernavn] = _ms(now)
    path = logout_path(db)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(logouts), encoding="utf-8")
    os.replace(tmp, path)


def cookie_script(token: str | None, secure: bool) -> str:
    """JavaScript that sets (or, with None, deletes) the session cookie in the browser."""
    flags = "; path=/; SameSite=Strict" + ("; Secure" if secure else "")
    value = f"{COOKIE}={token}; max-age={TTL_SECONDS}" if token else f"{COOKIE}=; max-age=0"
    return f"<script>document.cookie = {json.dumps(value + flags)};</script>"
