"""The dashboard's script, served by `streamlit run dashboard/server.py`. Sets up the page, the demo banner and the
navigation."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path

# pandas whole before any page: Plotly looks it up in sys.modules, and a page drawing a chart while another thread
# was still importing it failed with «partially initialized module 'pandas'».
import pandas  # noqa: F401
import polars as pl
import streamlit as st

# Streamlit runs this file as a script; make the repository importable without installing.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import auth, labels, queries, secondary, sessions, ui  # noqa: E402
from dashboard.viewer import ROLE_LABELS  # noqa: E402
from pipelines.warehouse.connection import WarehouseBusy, keep_private  # noqa: E402

PAGES = Path(__file__).parent / "views"

keep_private()  # uploads, the archive and the audit log the server writes: for its own user only
# Also in `dashboard/.streamlit/config.toml`, which Streamlit reads as this script's own wherever the server starts;
# set here as well, so that a server started with other settings still shows no stack trace, lets tables leave only
# through the audited export and has no developer menu. (The browser gets these at the start of a run: the first run
# of a fresh server, which is the login page, still has the file's.)
st.set_option("client.showErrorDetails", "none")
st.set_option("client.disableDataExport", True)
st.set_option("client.toolbarMode", "minimal")  # no developer menu (clear cache, rerun) for anyone

SITE = "Skolemiljø"
st.set_page_config(page_title=f"{SITE} – skoleeiers oversikt", page_icon=":material/school:", layout="wide")

# Streamlit's page says `lang="en"`, and a screen reader read the Norwegian text with English pronunciation; its
# widgets' names for a screen reader and its own dialogs are English (`labels.ARIA_NORWEGIAN`, `DIALOG_NORWEGIAN`),
# put in Norwegian as they appear.
LANGUAGE_SCRIPT = """<script>
document.documentElement.lang = 'nb';
(() => {
  const names = Object.entries(NAMES);
  const texts = TEXTS;
  const rename = () => {
    document.querySelectorAll('[aria-label]').forEach(element => {
      const name = element.getAttribute('aria-label');
      for (const [english, norwegian] of names) {
        if (english.endsWith(' ') ? name.startsWith(english) : name === english) {
          element.setAttribute('aria-label', norwegian + name.slice(english.length));
          return;
        }
      }
    });
    document.querySelectorAll('[role="dialog"] *, [role="listbox"] *, [role="tooltip"] *, [data-baseweb="popover"] *, '
                              + '[data-testid="stSkipToContent"]')
      .forEach(element => {
      const text = element.textContent.trim();
      if (element.childElementCount === 0 && Object.hasOwn(texts, text)) element.textContent = texts[text];
    });
  };
  rename();
  if (!window.skolemiljoNames) {
    window.skolemiljoNames = new MutationObserver(rename);
    window.skolemiljoNames.observe(document.body, {subtree: true, childList: true, attributes: true,
                                                   attributeFilter: ['aria-label']});
  }
})();
</script>""".replace("NAMES", json.dumps(labels.ARIA_NORWEGIAN)).replace("TEXTS", json.dumps(labels.DIALOG_NORWEGIAN))


def page_title(navigation) -> None:
    """The browser's title names the page («Saker (kap. 12) – Skolemiljø»), so a screen reader and the tab list say
    which page is open and that a link led somewhere; the document is marked as Norwegian bokmål."""
    st.set_page_config(page_title=f"{navigation.title} – {SITE}")
    st.html(LANGUAGE_SCRIPT, unsafe_allow_javascript=True)


# Set to 1 (the tests do) and a failing page raises as Streamlit would, instead of `run_page`'s message. (A bare
# string here would be drawn on every page: Streamlit's «magic».)
SHOW_ERRORS = "SKOLEMILJO_VIS_FEIL"
LOG = logging.getLogger("skolemiljo.dashboard")


def run_page(navigation) -> None:
    """Run the chosen page; if it fails, say so in Norwegian and write the trace to the server's log.

    Streamlit's own message for an error it hides is English («This app has encountered an error …»). What the page
    drew before the error stays; `st.stop` and reruns are not errors (they are not `Exception`s) and pass through.
    """
    try:
        navigation.run()
    except WarehouseBusy:  # a query waited a minute for an ingest's lock
        st.error(auth.BUSY)
    except Exception:
        if os.environ.get(SHOW_ERRORS) == "1":
            raise
        when = dt.datetime.now().strftime("%d.%m.%Y kl. %H:%M:%S")
        LOG.exception("Siden «%s» feilet %s", navigation.url_path or "oversikt", when)
        st.error(
            f"**Noe gikk galt da siden ble laget** ({when}). Prøv igjen om litt. Skjer det igjen, gi beskjed til den "
            "som drifter skolemiljo og oppgi tidspunktet: feilen er skrevet i serverens logg.",
            icon=":material/error:",
        )


def meeting_kommune(viewer, schools: pl.DataFrame) -> str | None:
    """The municipality a rektormøte is for, asked of an owner of several (the first by default); None for a joint
    meeting of all of them, or when there is only one."""
    if viewer.kommuner is None or len(viewer.kommuner) < 2:
        return None
    kommuner = dict(schools.select("kommunenr", "kommune").unique("kommunenr").sort("kommune").iter_rows())
    if len(kommuner) < 2:
        return None
    return st.selectbox("Kommune", [*kommuner, None], key="rektormote_kommune_valg", placeholder="Velg",
                        format_func=lambda k: f"{kommuner[k]} ({k})" if k else "Alle mine kommuner (felles møte)",
                        help="Rektorene i møtet ser bare denne kommunens tall.")


def main() -> None:
    if sessions.served:  # the real server (not a test's AppTest): its worker works out the protection before it is asked
        try:
            secondary.prepare_in_background(queries.warehouse())
        except OSError:
            LOG.exception("Kunne ikke starte forberedelsen av skjermingen")
    try:
        viewer = auth.current()
    except WarehouseBusy:  # its thresholds could not be read: no page without them
        st.error(auth.BUSY)
        st.stop()
    if viewer is None:
        # Nothing but the login page is reachable without logging in.
        login = st.navigation([st.Page(auth.login_page, title="Logg inn", icon=":material/login:", url_path="logg-inn")])
        page_title(login)
        login.run()
        st.stop()
    try:
        behind = queries.schema_behind()
    except WarehouseBusy:  # an ingest holds it: the pages say so themselves
        behind = None
    if behind:  # an upgrade without `skolemiljo init`: no page, nor the menu, can read the warehouse
        # The server's paths and commands are the administrator's: the others are told who can put it right.
        st.error(behind if viewer.role in ("admin", "skoleeier") else
                 "Dashbordet er oppgradert, men lageret med tallene er ikke det ennå. Administrator må oppgradere det "
                 "før sidene kan vises.")
        st.button("Logg ut", on_click=auth.logout, icon=":material/logout:")
        st.stop()
    meeting = ui.meeting_over_reload(viewer)

    pages = [
        st.Page(PAGES / "oversikt.py", title="Oversikt", icon=":material/home:", default=True),
        st.Page(PAGES / "elevundersokelsen.py", title="Elevundersøkelsen", icon=":material/monitoring:", url_path="elevundersokelsen"),
        st.Page(PAGES / "ungdata.py", title="Ungdata", icon=":material/groups:", url_path="ungdata"),
    ]
    pages.append(st.Page(PAGES / "programmer.py", title="Programmer og plan", icon=":material/checklist:",
                         url_path="programmer"))
    pages.append(st.Page(PAGES / "saker.py", title="Saker (kap. 12)", icon=":material/gavel:", url_path="saker"))
    if viewer.sees_team_meetings and not meeting:
        pages.append(st.Page(PAGES / "team.py", title="Arbeidslag og elevtjeneste", icon=":material/diversity_3:", url_path="team"))
    if not meeting:
        pages.append(st.Page(PAGES / "rapporter.py", title="Rapporter", icon=":material/description:", url_path="rapporter"))
    if viewer.role in ("skoleeier", "admin") and not meeting:
        pages.append(
            st.Page(PAGES / "datakvalitet.py", title="Datakvalitet", icon=":material/fact_check:", url_path="datakvalitet")
        )
    if viewer.loads_files and not meeting:
        pages.append(st.Page(PAGES / "importer.py", title="Importer filer", icon=":material/upload_file:", url_path="importer"))
    if not meeting:
        pages.append(st.Page(PAGES / "hjelp.py", title="Hjelp", icon=":material/help:", url_path="hjelp"))
    if viewer.role == "admin" and not meeting:
        pages.append(st.Page(PAGES / "admin.py", title="Brukere og revisjon", icon=":material/admin_panel_settings:",
                             url_path="admin"))
    # In rektormøte mode the sidebar is hidden; the pages move to a menu along the top.
    navigation = st.navigation(pages, position="top" if meeting else "sidebar")
    with st.sidebar:
        auth.hand_out_cookie()
        st.caption(f"Innlogget: **{viewer.brukernavn}** ({ROLE_LABELS.get(viewer.role, viewer.role)})")
        st.button("Logg ut", on_click=auth.logout, icon=":material/logout:")
        if viewer.role in ("skoleeier", "admin") and not meeting:
            with st.expander("Rektormøtemodus", icon=":material/co_present:"):
                st.caption("For felles skjerm: vernet nivå, stor skrift, skolenavn skjult unntatt dem du velger.")
                schools = queries.skoler(viewer)
                kommunenr = meeting_kommune(viewer, schools)
                if kommunenr:
                    schools = schools.filter(pl.col("kommunenr") == kommunenr)
                named = st.multiselect("Vis navnet på", schools["orgnr"].to_list(), placeholder="Velg skoler (valgfritt)",
                                       select_all=False,  # English, and naming every school defeats the mode
                                       format_func=dict(zip(schools["orgnr"], schools["navn"], strict=True)).get)
                st.button("Start rektormøtemodus", on_click=ui.start_meeting, args=(named, kommunenr), type="primary")
    page_title(navigation)
    st.session_state[ui.PAGE_KEY] = navigation.url_path
    ui.forget_tables()
    ui.header()
    run_page(navigation)
    ui.settle_heap()  # once, after the first page drawn to its end: what the libraries keep is loaded by then


with queries.one_connection_per_run():  # the run's cache misses share one connection to the warehouse
    main()
