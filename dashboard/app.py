"""Entry point: `streamlit run dashboard/app.py`. Sets up the page, the demo banner and the navigation."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# Streamlit runs this file as a script; make the repository importable without installing.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import ui  # noqa: E402

PAGES = Path(__file__).parent / "views"

st.set_page_config(page_title="Skolemiljø – skoleeiers oversikt", page_icon=":material/school:", layout="wide")

navigation = st.navigation(
    [
        st.Page(PAGES / "oversikt.py", title="Oversikt", icon=":material/home:", default=True),
        st.Page(PAGES / "elevundersokelsen.py", title="Elevundersøkelsen", icon=":material/monitoring:", url_path="elevundersokelsen"),
        st.Page(PAGES / "ungdata.py", title="Ungdata", icon=":material/groups:", url_path="ungdata"),
        st.Page(PAGES / "saker.py", title="Saker (kap. 12)", icon=":material/gavel:", url_path="saker"),
        st.Page(PAGES / "team.py", title="Arbeidslag og elevtjeneste", icon=":material/diversity_3:", url_path="team"),
        st.Page(PAGES / "datakvalitet.py", title="Datakvalitet", icon=":material/fact_check:", url_path="datakvalitet"),
    ]
)
ui.header()
navigation.run()
