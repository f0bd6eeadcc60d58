"""Rapporter: the kommunestyre, FAU and rektormøte reports in one click, as PDF, HTML or Excel."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import queries, ui
from dashboard.reports import content, render
from pipelines import accounts

st.title("Rapporter")
viewer = ui.viewer()
st.caption(
    "Orienteringen til kommunestyret (opplæringslova § 17-12), oversikten til FAU og grunnlaget for rektormøtet – "
    "med nøkkeltall, figurer og tabeller fylt inn. Alle rapporter er på vernet nivå, slik at de kan deles."
    if viewer.role in ("skoleeier", "admin") else
    "Oversikten til FAU – med nøkkeltall, figurer og tabeller fylt inn, på vernet nivå, slik at den kan deles."
)
picked = ui.pick_kommune()
if picked is None:
    st.stop()
kommunenr, kommune = picked

owner = viewer.role in ("skoleeier", "admin")
recipients = list(content.RECIPIENTS) if owner else ["fau"]
years = queries.rapport_skoleaar(viewer, kommunenr=kommunenr)["skoleaar"].to_list()
if not years:
    st.info(f"Det er ikke lest inn resultater fra Elevundersøkelsen, saksrapporter eller møtelogger for {kommune} ennå, "
            "så det er ingen skoleår å lage rapport for.")
    st.stop()

c1, c2, c3 = st.columns(3)
if len(recipients) > 1:
    mottaker = c1.radio("Mottaker", recipients, format_func=content.RECIPIENTS.get, key="rapport_mottaker")
else:  # one choice is no choice: said, not offered
    mottaker = recipients[0]
    c1.markdown(f"**Mottaker**  \n{content.RECIPIENTS[mottaker]}")
# The newest year of the survey first, when there is one: the council's report is about it (a year of case reports
# alone, the one under way, comes later in the list).
survey_years = queries.skoleaar(viewer)["skoleaar"].to_list()
newest = years.index(survey_years[-1]) if survey_years and survey_years[-1] in years else len(years) - 1
skoleaar = c2.selectbox("Skoleår", years[::-1], index=len(years) - 1 - newest, key="rapport_skoleaar", placeholder="Velg")
fmt = c3.radio("Format", list(content.FORMATS), format_func=content.FORMATS.get, key="rapport_format")

orgnr = None
anonymiser = False
if mottaker == "fau":
    schools = queries.skoler(viewer, kommunenr=kommunenr)
    if viewer.role in ("rektor", "fau"):
        schools = schools.filter(pl.col("orgnr").is_in(sorted(viewer.skoler)))
    # FAU's own school first: that is the report an FAU member comes for; the municipality's is the other choice.
    options: list[str | None] = schools["orgnr"].to_list() + ([None] if viewer.role == "fau" else [])
    if owner:
        options = [None, *options]
    names = dict(zip(schools["orgnr"], schools["navn"], strict=True))
    orgnr = st.selectbox("Gjelder", options, format_func=lambda o: f"Hele {kommune} kommune" if o is None else names[o],
                         key="rapport_skole", placeholder="Velg")
elif mottaker == "rektormote":
    anonymiser = st.checkbox("Vis skolene som «Skole A, B, …»", key="rapport_anonym")

vurdering = ""
if viewer.role != "fau":  # the comment is the school's and the owner's to FAU, not FAU's own (`content.build`)
    vurdering = st.text_area(
        "Skoleeiers vurdering" if mottaker != "fau" else "Kommentar til FAU",
        placeholder="Skriv vurderingen her; den settes inn i rapporten slik den står. Tom linje gir nytt avsnitt.",
        key="rapport_vurdering", height=140,
    )

if viewer.role != "fau" and not vurdering.strip():
    st.caption("Uten vurdering blir rapporten et utkast: der vurderingen skulle stått, står det at den ikke er skrevet."
               if mottaker != "fau" else "Uten kommentar står det i rapporten at ingen kommentar er skrevet.")

request = content.Request(kommunenr=kommunenr, skoleaar=skoleaar, mottaker=mottaker, orgnr=orgnr,
                          vurdering=vurdering, anonymiser=anonymiser)
if st.button("Lag rapport", type="primary", icon=":material/description:"):
    try:
        with st.spinner("Lager rapporten …"):
            report = content.build(viewer, request)
            data = render.render(report, fmt, warm=True)
        st.session_state["rapport"] = (request, fmt, report, data)
    except content.ReportError as exc:
        st.session_state.pop("rapport", None)
        st.error(str(exc))

made = st.session_state.get("rapport")
if made and made[0] == request and made[1] == fmt:
    _, _, report, data = made
    file_name = f"{report.file_stem}.{fmt}"
    st.success(f"**{report.title}** – {report.subtitle}. {len(data) // 1024} KB.", icon=":material/check_circle:")
    st.download_button(
        f"Last ned {content.FORMATS[fmt]}", data, file_name=file_name, mime=render.MIME[fmt], type="primary",
        icon=":material/download:", on_click=accounts.audit,
        args=(queries.warehouse(), "eksport", viewer.brukernavn, file_name),
    )
    with st.expander("Teksten i rapporten", expanded=True):
        for section in report.sections:
            st.markdown(f"**{section.title}**")
            for paragraph in section.paragraphs:
                st.write(paragraph)
            for note in section.notes:
                st.caption(note)
