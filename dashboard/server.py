"""The server: `streamlit run dashboard/server.py`. The dashboard (`app.py`), with the route that sets its session cookie.

Streamlit's script talks to the browser over a WebSocket, which cannot set a cookie; a cookie set by the page's own
script can be read by any script on the page. So a login hands the page a single-use code (`dashboard.sessions`),
and this route answers it with the cookie, HttpOnly, SameSite=Strict, and Secure when the page came over HTTPS.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Streamlit runs this file from its own directory; make the repository importable without installing.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import queries, sessions  # noqa: E402


def session_cookie(request: Request) -> Response:
    """Set the session cookie for a login's code, or remove (`sessions.REMOVE`) a cookie that no longer logs anyone
    in; 403 for anything else. A valid cookie is never removed: a tab left on the login page (its session ended, or
    opened before the login) would otherwise log out the newer login of another tab."""
    value = request.headers.get(sessions.HANDOVER_HEADER)
    answer = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if value == sessions.REMOVE:
        held = request.cookies.get(sessions.COOKIE)
        if held is None or sessions.verify(queries.warehouse(), held) is not None:
            return answer
        token = None
    else:
        client = sessions.client_address(request.client.host if request.client else None)
        token = sessions.take(value, client) if value else None
        if token is not None and sessions.verify(queries.warehouse(), token) is None:
            token = None  # logged out (in another tab) since the code was handed out
        if token is None:
            return Response("Ukjent eller brukt kode.", status_code=403, media_type="text/plain; charset=utf-8",
                            headers={"Cache-Control": "no-store"})
    secure = sessions.is_https(str(request.url), request.headers.get("X-Forwarded-Proto"))
    answer.set_cookie(sessions.COOKIE, token or "", max_age=sessions.seconds_left(token) if token else 0, path="/",
                      secure=secure, httponly=True, samesite="strict")
    return answer


sessions.served = True
app = st.App(
    "app.py",
    routes=[Route(sessions.handover_path(st.get_option("server.baseUrlPath")), session_cookie, methods=["POST"])],
)
