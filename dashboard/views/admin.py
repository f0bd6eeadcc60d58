"""Brukere og revisjon: the accounts (never their hashes) and the audit log of logins, uploads and exports."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboard import queries, sessions, ui
from dashboard.labels import plain
from dashboard.viewer import ROLE_LABELS
from pipelines import accounts

viewer = ui.viewer()
if viewer.role != "admin":
    st.warning("Denne siden er bare for administrator.")
    st.stop()

st.title("Brukere og revisjon")
if not sessions.served:
    st.warning("Dashbordet er startet uten øktruten (med «streamlit run dashboard/app.py»): en innlogging varer da bare "
               "i sin fane, og brukerne må logge inn igjen når siden lastes på nytt. Start det med «streamlit run "
               "dashboard/server.py», slik «make run» gjør.", icon=":material/warning:")
db = queries.warehouse()
users = accounts.load(accounts.users_path(db))
# Municipalities and schools by name (with the number, which is what the command line takes).
kommune_names = dict(queries.kommuner(viewer).select("kommunenr", "kommune").iter_rows())
school_names = dict(queries.skoler(viewer).select("orgnr", "navn").iter_rows())


def named(codes, names: dict) -> str:
    return ", ".join(f"{names[c]} ({c})" if c in names else c for c in codes)


st.subheader("Brukere")
st.caption("Endres med «skolemiljo bruker legg-til …» og «skolemiljo bruker fjern …» på serveren. Passord lagres bare "
           "som argon2-hasher.")
ui.table(
    pl.DataFrame(
        [
            {
                "Brukernavn": a.brukernavn,
                "Rolle": ROLE_LABELS.get(a.rolle, a.rolle) + (" (demo)" if a.demo else ""),
                "Kommuner": named(a.kommuner, kommune_names) or "–",
                "Skoler": named(a.skoler, school_names),
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
st.caption("Innlogginger (vellykkede og mislykkede), utlogginger, opplastinger, nedlastinger og rapporter, publiserte "
           "rettelser, endringer av brukere og av terskelen for små grupper, filer trukket tilbake, rader fjernet fordi en "
           "nyere Udir-eksport utelot dem, og arkivfiler slettet fordi de hadde personopplysninger – nyeste først.")
events = accounts.read_audit(db)
EVENT_LABELS = {
    "innlogging_ok": "Innlogging", "innlogging_feilet": "Mislykket innlogging", "utlogging": "Utlogging",
    "bruker_lagt_til": "Bruker lagt til", "bruker_endret": "Bruker endret", "bruker_fjernet": "Bruker fjernet",
    "opplasting": "Opplasting", "eksport": "Nedlasting", "publisert": "Rettelse publisert på vernet nivå",
    "innstilling": "Innstilling endret", "rader_fjernet": "Rader fjernet (utelatt av en nyere Udir-eksport)",
    "arkivfil_slettet": "Arkivfil slettet (personopplysninger)", "fil_trukket_tilbake": "Fil trukket tilbake",
}
ui.table(
    pl.DataFrame(
        [{"Tid": e["tid"], "Hendelse": EVENT_LABELS.get(e["hendelse"], e["hendelse"]),
          "Bruker": e.get("bruker") or "", "Detalj": e.get("detalj") or ""} for e in events],
        schema={"Tid": pl.String, "Hendelse": pl.String, "Bruker": pl.String, "Detalj": pl.String},
        orient="row",
    ).with_columns(pl.col("Tid").str.to_datetime(strict=False)),  # shown as 01.12.2026 10:16, sorted as a time
    "Revisjonslogg",
)


def time_text(when: str) -> str:
    """«05.12.2026 17:00», as the table shows the time."""
    try:
        return dt.datetime.fromisoformat(when).strftime("%d.%m.%Y %H:%M")
    except (TypeError, ValueError):
        return str(when)


# A detail wider than its column (a refused file's reason, say) was cut at the grid's edge, with no other place to
# read it: chosen here, it is shown whole.
cut = [e for e in events if len(e.get("detalj") or "") * ui.CHAR_PIXELS + ui.CELL_PADDING > ui.WIDEST_COLUMN]
if cut:
    chosen = st.selectbox(
        "Les hele detaljen", range(len(cut)), index=None, placeholder=f"Velg en av {len(cut)} hendelser med lang detalj",
        format_func=lambda i: " – ".join(x for x in (
            time_text(cut[i]["tid"]), EVENT_LABELS.get(cut[i]["hendelse"], cut[i]["hendelse"]), cut[i].get("bruker"))
            if x))
    if chosen is not None:
        st.info(plain(cut[chosen]["detalj"]))

ui.export_tables("Brukere og revisjon", "brukere_og_revisjon")
