"""Entry point: `streamlit run dashboard/app.py`. Sets up the page, the demo banner and the navigation."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# Streamlit runs this file as a script; make the repository importable without installing.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import auth, ui  # noqa: E402
from dashboard.viewer import ROLE_LABELS  # noqa: E402

PAGES = Path(__file__).parent / "views"

st.set_page_config(page_title="Skolemiljø – skoleeiers oversikt", page_icon=":material/school:", layout="wide")

viewer = auth.current()
if viewer is None:
    # Nothing but the login page is reachable without logging in.
    st.navigation([st.Page(auth.login_page, title="Logg inn", icon=":material/login:", url_path="logg-inn")]).run()
    st.stop()

pages = [
    st.Page(PAGES / "oversikt.py", title="Oversikt", icon=":material/home:", default=True),
    st.Page(PAGES / "elevundersokelsen.py", title="Elevundersøkelsen", icon=":material/monitoring:", url_path="elevundersokelsen"),
    st.Page(PAGES / "ungdata.py", title="Ungdata", icon=":material/groups:", url_path="ungdata"),
]
pages.append(st.Page(PAGES / "programmer.py", title="Programmer og plan", icon=":material/checklist:",
                     url_path="programmer"))
if viewer.sees_case_counts:
    pages.append(st.Page(PAGES / "saker.py", title="Saker (kap. 12)", icon=":material/gavel:", url_path="saker"))
if viewer.sees_team_meetings:
    pages.append(st.Page(PAGES / "team.py", title="Arbeidslag og elevtjeneste", icon=":material/diversity_3:", url_path="team"))
if viewer.role in ("skoleeier", "admin"):
    pages.append(
        st.Page(PAGES / "datakvalitet.py", title="Datakvalitet", icon=":material/fact_check:", url_path="datakvalitet")
    )
if viewer.role == "admin":
    pages.append(st.Page(PAGES / "admin.py", title="Brukere og revisjon", icon=":material/admin_panel_settings:",
                         url_path="admin"))
navigation = st.navigation(pages)
with st.sidebar:
    st.caption(f"Innlogget: **{viewer.brukernavn}** ({ROLE_LABELS.get(viewer.role, viewer.role)})")
    st.button("Logg ut", on_click=auth.logout, icon=":material/logout:")
ui.header()
navigation.run()
