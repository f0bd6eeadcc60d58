"""Hjelp: the user guides (file formats, the plan, the templates, the reports), so a message's «se Hjelp» leads here."""

from __future__ import annotations

import re

import streamlit as st

from dashboard import ui
from pipelines.guides import GUIDES, text

_HEADING = re.compile(r"^(#{1,5}) ", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def under_the_title(guide: str) -> str:
    """The guide with every heading one level down: its «# Rapporter» was a second h1 beside the page's «Hjelp», and
    a screen reader's list of headings had two top levels. A code block's «#» lines are left as they are."""
    parts, end = [], 0
    for block in _FENCE.finditer(guide):
        parts += [_HEADING.sub(r"#\1 ", guide[end:block.start()]), block.group(0)]
        end = block.end()
    return "".join([*parts, _HEADING.sub(r"#\1 ", guide[end:])])

st.title("Hjelp")
keys = ui.guides_for(ui.viewer())  # FAU: the reports' guide, not the upload guides
asked = st.query_params.get("dok")
# The guide asked for in the address on the way in, then the reader's own choice: a box whose `index` followed the
# address was a new box on each rerun, and every second choice snapped back to the guide before.
if st.session_state.get("hjelp_dok") not in keys:
    st.session_state["hjelp_dok"] = asked if asked in keys else keys[0]
chosen = st.selectbox("Veiledning", keys, key="hjelp_dok", format_func=lambda k: GUIDES[k][0], placeholder="Velg")
st.query_params["dok"] = chosen  # the address names the guide on screen, so it can be passed on
# The guides' tables list column names in long code spans: let them wrap inside the page instead of running off it.
st.markdown("<style>[data-testid='stMarkdownContainer'] table {table-layout: fixed; width: 100%;} "
            "[data-testid='stMarkdownContainer'] td code {overflow-wrap: anywhere;}</style>", unsafe_allow_html=True)
st.markdown(under_the_title(text(chosen)))
