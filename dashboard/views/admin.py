"""Brukere og revisjon: the accounts (never their hashes) and the audit log of logins, uploads and exports."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import queries, ui
from dashboard.viewer import ROLE_LABELS
from pipelines import accounts

viewer = ui.viewer()
if viewer.role != "admin":
    st.warning("Denne siden er bare for administrator.")
    st.stop()

st.title("Brukere og revisjon")
db = queries.warehouse()
users = accounts.load(accounts.users_path(db))
st.subheader("Brukere")
st.caption("Endres med «skolemiljo bruker legg-til …» og «skolemiljo bruker fjern …» på serveren. Passord lagres bare "
           "som argon2-hasher.")
ui.table(
    pl.DataFrame(
        [
            {
                "Brukernavn": a.brukernavn,
                "Rolle": ROLE_LABELS.get(a.rolle, a.rolle) + (" (demo)" if a.demo else ""),
                "Kommuner": ", ".join(a.kommuner),
                "Skoler": ", ".join(a.skoler),
                "Innlogging": " + ".join(x for x in ("passord" if a.passord_hash else "", "Feide/Entra ID" if a.epost
                                                                                          else "") if x),
            }
            for a in users.values()
        ],
        schema=["Brukernavn", "Rolle", "Kommuner", "Skoler", "Innlogging"],
        orient="row",
    ),
    "Brukere",
)
st.subheader("Revisjonslogg")
st.caption("Innlogginger (vellykkede og mislykkede), utlogginger, opplastinger og endringer av brukere – nyeste først.")
events = accounts.read_audit(db)
EVENT_LABELS = {
    "innlogging_ok": "Innlogging", "innlogging_feilet": "Mislykket innlogging", "utlogging": "Utlogging",
    "bruker_lagt_til": "Bruker lagt til/endret", "bruker_fjernet": "Bruker fjernet", "opplasting": "Opplasting", "eksport": "Nedlasting",
}
ui.table(
    pl.DataFrame(
        [{"Tid": e["tid"].replace("T", " "), "Hendelse": EVENT_LABELS.get(e["hendelse"], e["hendelse"]),
          "Bruker": e.get("bruker") or "", "Detalj": e.get("detalj") or ""} for e in events],
        schema=["Tid", "Hendelse", "Bruker", "Detalj"],
        orient="row",
    ),
    "Revisjonslogg",
)

ui.export_tables("Brukere og revisjon", "brukere_og_revisjon")
