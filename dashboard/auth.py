"""Logging in: local accounts (argon2 hashes in the users file) or OpenID Connect through Streamlit's `st.login`.

The session holds a `Viewer` once the login succeeded; until then app.py offers nothing but the login page.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

import streamlit as st

from dashboard import queries, sessions
from dashboard.viewer import Viewer, thresholds_from
from pipelines import accounts
from pipelines.warehouse.connection import WarehouseBusy, data_version

SESSION_KEY = "viewer"
BUSY = "Lageret er opptatt med en innlasting akkurat nå. Vent litt og prøv igjen."
NEW_COOKIE_KEY = "_ny_okt"
"""A token to hand the browser as a cookie on the next page drawn (a rerun would drop an element drawn now)."""


LOGIN_KEY = "_innlogget"
"""(brukernavn, ms) of the login the session holds: by password, by OIDC, or the first of a session cookie."""

ENDED_KEY = "_okt_avsluttet"
ENDED = ("Økten er avsluttet: du har logget ut i en annen fane eller nettleser, arbeidsdagen på 8 timer er over, "
         "eller brukeren din er fjernet. Logg inn igjen.")

THRESHOLDS_KEY = "_terskler_fra"
"""The warehouse version the session's thresholds were read at (`current` reads them again when it changes)."""


def _thresholds() -> tuple[int, tuple[tuple[str, int], ...]]:
    """The default and per-municipality thresholds (`min-svar`) from the warehouse. With no warehouse yet, the
    defaults; a warehouse that cannot be read raises (`WarehouseBusy`): a session never starts with less protection
    than the owner set."""
    if not queries.warehouse().exists():
        return thresholds_from({})
    return thresholds_from(dict(queries.settings(Viewer(kommuner=frozenset())).iter_rows()))


def viewer_for(account: accounts.Account) -> Viewer:
    default, per_kommune = _thresholds()
    st.session_state[THRESHOLDS_KEY] = data_version(queries.warehouse())
    return Viewer(
        role=account.rolle,
        kommuner=frozenset(account.kommuner) if account.kommuner else frozenset(),
        skoler=frozenset(account.skoler),
        brukernavn=account.brukernavn,
        min_respondents=default,
        thresholds=per_kommune,
    )


def current() -> Viewer | None:
    """The session's viewer; in a new session (a reload, a new tab) restored from a valid session cookie.

    When the warehouse has changed since the thresholds were read (an owner raised `min-svar`), they are read
    again, so an open session follows the new setting from its next click.
    """
    viewer = st.session_state.get(SESSION_KEY)
    if viewer is None:
        viewer = _from_cookie()
        if viewer is not None:
            st.session_state[SESSION_KEY] = viewer
        return viewer
    if LOGIN_KEY in st.session_state:
        viewer = _still_logged_in(viewer)
        if viewer is None:
            return None
    if THRESHOLDS_KEY in st.session_state and st.session_state[THRESHOLDS_KEY] != (
        version := data_version(queries.warehouse())
    ):
        default, per_kommune = _thresholds()
        viewer = dataclasses.replace(viewer, min_respondents=default, thresholds=per_kommune)
        st.session_state[SESSION_KEY] = viewer
        st.session_state[THRESHOLDS_KEY] = version
    return viewer


def _still_logged_in(viewer: Viewer) -> Viewer | None:
    """The open session's viewer as its account stands now; None (and the session ended) after a logout in any
    browser, past the login's working day, or when the account is gone. A changed role, municipality or school
    applies from the next click: a rektor moved to another school no longer sees the old one in detail."""
    db = queries.warehouse()
    brukernavn, logged_in = st.session_state[LOGIN_KEY]
    account = _accounts(db).get(brukernavn)
    if account is None or not sessions.still_valid(db, brukernavn, logged_in):
        end_session()
        st.session_state[ENDED_KEY] = ENDED
        if getattr(st, "user", None) is not None and st.user.get("is_logged_in"):
            st.logout()  # an OIDC login would otherwise be taken up again by the login page
        return None
    if (account.rolle, frozenset(account.kommuner), frozenset(account.skoler)) != (
            viewer.role, viewer.kommuner, viewer.skoler):
        viewer = viewer_for(account)
        st.session_state[SESSION_KEY] = viewer
    return viewer


def _accounts(db) -> dict[str, accounts.Account]:
    """The users file as last read well (`accounts.load_kept`); with no good reading at all, no account holds."""
    try:
        return accounts.load_kept(accounts.users_path(db))
    except Exception:  # noqa: BLE001 (a users file that never read: every session ends, none crashes)
        import traceback

        traceback.print_exc()
        return {}


REMOVE_COOKIE_KEY = "_slett_okt"
"""The session's login has ended: the login page has the server remove the browser's cookie (if no longer valid)."""


def end_session() -> None:
    """Forget the session's login; the login page then has the server remove the cookie, which a tab that logged in
    by password holds without its session knowing (its connection was opened before the cookie was set)."""
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(LOGIN_KEY, None)
    st.session_state[REMOVE_COOKIE_KEY] = True


def _from_cookie() -> Viewer | None:
    try:
        token = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no browser request behind this session (tests, bare mode)
        return None
    db = queries.warehouse()
    name = sessions.verify(db, token)
    if name is None:
        return None
    account = _accounts(db).get(name)  # as last read well, as an open session reads it
    if account is None or (account.demo and not _demo_warehouse()):
        return None
    issued = sessions.issued_at(token)
    if _first_resume_in_a_while((account.brukernavn, issued)):
        accounts.audit(db, "innlogging_ok", account.brukernavn, "fortsatt økt (ny fane eller ny innlasting)")
    viewer = viewer_for(account)
    st.session_state[LOGIN_KEY] = (account.brukernavn, issued)
    # The server sets the cookie again, HttpOnly, for the rest of its working day: a cookie that an earlier version
    # wrote from the page's own script (readable by any script there) is replaced at the next reload or new tab.
    st.session_state[NEW_COOKIE_KEY] = token
    return viewer


RESUME_LOGGED_EVERY = 3600.0
"""Seconds: a login's session resumed again within them (a page opened by its address, a reload) is not logged again.
Every one was: nine «Innlogging – fortsatt økt» a minute buried the real logins and uploads in the audit log."""
_RESUMED: dict[tuple[str, object], float] = {}
_RESUMED_LOCK = threading.Lock()


def _first_resume_in_a_while(login: tuple[str, object]) -> bool:
    """Whether this login's resumed session is to be logged: the first time, and then once per
    `RESUME_LOGGED_EVERY` (in this server process)."""
    now = time.monotonic()
    with _RESUMED_LOCK:
        for key in [k for k, t in _RESUMED.items() if now - t > RESUME_LOGGED_EVERY]:
            del _RESUMED[key]
        if login in _RESUMED:
            return False
        _RESUMED[login] = now
        return True


def hand_out_cookie() -> None:
    """Have the browser fetch the session cookie after a password login (drawn once, in the sidebar): the page gets
    a single-use code, and the server's answer to it sets the cookie, which no script on the page can read."""
    token = st.session_state.pop(NEW_COOKIE_KEY, None)
    if token:
        _cookie_fetch(sessions.hand_over(token, _client()))


def _cookie_fetch(code: str | None) -> None:
    """The page fetches the cookie for `code` from the server, or (None) has it removed. Only where the server
    serves the route (`dashboard/server.py`); otherwise a login holds for its tab only."""
    if not sessions.served:
        _warn_no_cookie_route()
        return
    st.html(sessions.handover_script(code, st.get_option("server.baseUrlPath")), unsafe_allow_javascript=True)


_WARNED = threading.Event()


def _warn_no_cookie_route() -> None:
    if not _WARNED.is_set():
        _WARNED.set()
        logging.getLogger("skolemiljo").warning(
            "Dashbordet er startet uten dashboard/server.py: en innlogging varer bare i sin fane (ingen øktcookie). "
            "Start det med «streamlit run dashboard/server.py» (make run gjør det).")


def _client() -> str | None:
    """The address a login came from: the throttle counts wrong passwords per address, and the audit log names it.

    Streamlit's server (uvicorn) reads `X-Forwarded-For` from the proxies `FORWARDED_ALLOW_IPS` names (by default
    one on this machine), from the right, and from no one else: behind a proxy the address is the user's, and a
    guesser who writes the header himself is not believed. Loopback is None (one address)."""
    try:
        return st.context.ip_address
    except Exception:
        return None


def _demo_warehouse() -> bool:
    try:
        return dict(queries.settings(Viewer(kommuner=frozenset())).iter_rows()).get("demo") == "ja"
    except Exception:  # an empty or missing warehouse is not a demo
        return False


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_user() -> Viewer | None:
    """After `st.login`, map the identity to an account through its e-mail address in the users file."""
    user = getattr(st, "user", None)
    if user is None or not user.get("is_logged_in"):
        return None
    db = queries.warehouse()
    account = accounts.account_for_email(accounts.users_path(db), user.get("email"))
    if account is None:
        # Never None: the audit log would then name the server's own user (`accounts.audit`).
        accounts.audit(db, "innlogging_feilet", user.get("email") or "(ingen e-post)",
                       "OIDC: ingen bruker, eller flere, med denne e-postadressen")
        st.error("Du er logget inn, men e-postadressen din er ikke registrert som én bruker her. Kontakt administrator.")
        st.button("Logg ut", on_click=st.logout)
        st.stop()
    # The identity provider's login time, when it says: a login from before a logout elsewhere is not taken up again
    # by a reload (Streamlit's own identity cookie outlives our logout).
    issued = user.get("iat")
    logged_in = int(issued * 1000) if isinstance(issued, int | float) else _now_ms()
    if not sessions.still_valid(db, account.brukernavn, logged_in):
        st.logout()
        return None
    accounts.audit(db, "innlogging_ok", account.brukernavn, "OIDC")
    viewer = viewer_for(account)
    st.session_state[LOGIN_KEY] = (account.brukernavn, logged_in)
    return viewer


def _now_ms() -> int:
    return int(time.time() * 1000)


def login_page() -> None:
    try:
        stale = sessions.COOKIE in st.context.cookies
    except Exception:
        stale = False
    # A cookie that did not log us in (expired, logged out, tampered), or one the ended login left: the server removes
    # it, if it no longer logs anyone in (another tab may hold a newer login).
    if st.session_state.pop(REMOVE_COOKIE_KEY, False) or stale:
        _cookie_fetch(None)
    st.title("Skolemiljø – logg inn")
    st.caption("Skoleeiers oversikt over læringsmiljøet. Innholdet er bare for innloggede brukere.")
    if ended := st.session_state.pop(ENDED_KEY, None):
        st.info(ended)
    oidc = _oidc_user() if _oidc_configured() else None
    if oidc is not None:
        st.session_state[SESSION_KEY] = oidc
        st.rerun()
    db = queries.warehouse()
    with st.form("innlogging"):
        name = st.text_input("Brukernavn", autocomplete="username")
        password = st.text_input("Passord", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Logg inn", type="primary")
    if submitted:
        users = accounts.users_path(db)
        client = _client()
        result = accounts.authenticate(users, name, password, demo_warehouse=_demo_warehouse(), client=client)
        if result.account is None:
            # Only a real user name is written: what was typed may be a password (in the wrong field).
            accounts.audit(db, "innlogging_feilet", accounts.known_name(users, name) or "(ukjent brukernavn)",
                           f"{result.melding} Adresse: {client or 'lokal'}.")
            st.error(result.melding)
        else:
            try:
                viewer = viewer_for(result.account)
            except WarehouseBusy:
                st.error(BUSY)
                st.stop()
            accounts.audit(db, "innlogging_ok", result.account.brukernavn, "passord")
            token = sessions.issue(db, result.account.brukernavn)
            st.session_state[SESSION_KEY] = viewer
            st.session_state[LOGIN_KEY] = (result.account.brukernavn, sessions.issued_at(token))
            st.session_state[NEW_COOKIE_KEY] = token
            st.rerun()
    if _oidc_configured():
        st.divider()
        providers = [k for k, v in st.secrets["auth"].items() if isinstance(v, dict)] or [None]
        for provider in providers:
            label = {"feide": "Feide", "entra": "Microsoft Entra ID", "microsoft": "Microsoft Entra ID"}.get(
                provider or "", "kommunens pålogging"
            )
            st.button(f"Logg inn med {label}", on_click=st.login, args=(provider,) if provider else (),
                      key=f"oidc_{provider}")
    if _demo_warehouse():
        st.info("Dette er demoen med fiktive data. Demokontoene skrives ut av «make run».")


def logout() -> None:
    viewer = current()
    if viewer is not None:
        accounts.audit(queries.warehouse(), "utlogging", viewer.brukernavn)
        sessions.revoke(queries.warehouse(), viewer.brukernavn)
    end_session()
    if getattr(st, "user", None) is not None and st.user.get("is_logged_in"):
        st.logout()
