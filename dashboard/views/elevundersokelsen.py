"""Elevundersøkelsen: trends by school and trinn against the municipality, the county and the nation; school ×
indicator; table."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import queries, ui
from dashboard.charts import heatmap_reference, school_indicator_heatmap, trend_chart
from dashboard.labels import KJONN, NO_COUNT_CAPTION, NO_COUNT_NOTE, trinn_label

st.title("Elevundersøkelsen")
viewer = ui.viewer()

picked = ui.pick_kommune()
if picked is None:
    st.stop()
kommunenr, kommune = picked

indicators = queries.indikatorer(viewer)
if indicators.is_empty():
    st.warning("Ingen resultater fra Elevundersøkelsen er lastet inn ennå.")
    st.stop()
schools = queries.skoler(viewer, kommunenr=kommunenr)
ind_names = dict(zip(indicators["indikator_kode"], indicators["indikator"], strict=True))
ind_maal = dict(zip(indicators["indikator_kode"], indicators["maal"], strict=True))

c1, c2, c3 = st.columns([2, 1, 1])
codes = indicators["indikator_kode"].to_list()
default_code = "EUIndeks_1379" if "EUIndeks_1379" in codes else codes[0]
indikator_kode = c1.selectbox("Indikator", codes, index=codes.index(default_code), format_func=ind_names.get, placeholder="Velg")
# An export chosen per trinn has no «Alle trinn»: the page opens on the first trinn with data, not on «no data».
given = queries.eu_trinn(viewer, kommunenr=kommunenr)["trinn"].to_list()
trinn_choices = [None, 5, 6, 7, 8, 9, 10]
first = None if not given or None in given else given[0]
trinn = c2.selectbox("Trinn", trinn_choices, index=trinn_choices.index(first) if first in trinn_choices else 0,
                     format_func=trinn_label, placeholder="Velg")
kjonn = c3.selectbox("Kjønn", list(KJONN), format_func=KJONN.get, placeholder="Velg")

school_names = dict(zip(schools["orgnr"], schools["navn"], strict=True))
if trinn is not None:
    fits = schools.filter(
        pl.col("trinn_fra").is_null() | ((pl.col("trinn_fra") <= trinn) & (pl.col("trinn_til") >= trinn))
    )["orgnr"].to_list()
else:
    fits = schools["orgnr"].to_list()
chosen = st.multiselect(
    "Skoler", fits, default=fits if len(fits) <= 6 else fits[:4], format_func=lambda o: school_names.get(o, o),
    placeholder="Velg én eller flere skoler",
    help="Kommunens, fylkets og landets tall vises som referanse når de finnes i filene som er lest inn.",
    select_all=False,  # Streamlit's «Select all» is English, and every school at once is a chart nobody reads
)

tab_trend, tab_heat, tab_table = st.tabs(["Utvikling over tid", "Skoler × indikatorer", "Tabell"])

trend = queries.eu_trend(
    viewer, kommunenr=kommunenr, orgnr=tuple(chosen), trinn=trinn, kjonn=kjonn, indikator_kode=indikator_kode,
    fylke=True,
)
maal = ind_maal[indikator_kode]
with tab_trend:
    if trend.is_empty() and indikator_kode == "deltakelse" and kjonn != "alle":
        st.info("Deltakelse finnes bare for jenter og gutter samlet: Udir oppgir ikke hvor mange jenter og hvor mange "
                "gutter som svarte. Velg «Alle kjønn» under Kjønn for å se deltakelsen.")
    elif trend.is_empty() and given and trinn not in given:
        st.info(f"Filene fra Elevundersøkelsen har ingen tall for {trinn_label(trinn).lower()} i {kommune}; de har tall "
                f"for {', '.join(trinn_label(t).lower() for t in given)}. Velg et av dem under Trinn.")
    elif trend.is_empty():
        st.info("Ingen data for dette utvalget.")
    else:
        # In rektormøte mode only named schools get a marker: «Skole A: Mitt valg starter» would name Skole A.
        unnamed = sorted(dict(viewer.pseudonyms))
        starts = queries.program_starts(viewer, kommunenr=kommunenr).filter(
            pl.col("orgnr").is_in(chosen) & ~pl.col("orgnr").is_in(unnamed))
        markers = [(r["start"], f"{school_names.get(r['orgnr'], r['orgnr'])}: {r['program_navn']} starter")
                   for r in starts.iter_rows(named=True)]
        ui.chart(
            trend_chart(trend, title=f"{ind_names[indikator_kode]} – {trinn_label(trinn).lower()}, {KJONN[kjonn].lower()}",
                        maal=maal, markers=markers))
        if markers:
            st.caption(
                "Stiplede loddrette linjer viser skoleåret en skole begynte å innføre et program (fra skolenes "
                "rapporter). Det gir grunnlag for å drøfte før og etter, men er ikke bevis for at programmet virker: "
                "mye annet endrer seg også fra år til år."
            )
        # A line that stops or starts because a school closed or opened (a merger: one stops, one starts) is said.
        changed = schools.filter(pl.col("orgnr").is_in(chosen) & ~pl.col("orgnr").is_in(unnamed)
                                 & (pl.col("nedlagt").is_not_null() | pl.col("opprettet").is_not_null()))
        if not changed.is_empty():
            said = [f"{navn} " + "; ".join(
                ([f"opprettet {opened:%d.%m.%Y}"] if opened else []) + ([f"nedlagt fra {closed:%d.%m.%Y}"] if closed else []))
                for navn, closed, opened in changed.select("navn", "nedlagt", "opprettet").sort("navn").iter_rows()]
            st.caption("Ifølge skoleregisteret: " + ", ".join(said) + ". En skoles linje følger organisasjonsnummeret: "
                       "den slutter når skolen legges ned, og en ny skole (også en sammenslått) har sin egen linje.")
        if trend.filter(pl.col("enhet_niva").is_in(["kommune", "fylke", "nasjonalt"])).is_empty():
            st.caption("Kommunens, fylkets og landets tall for dette utvalget finnes ikke i filene som er lest inn; "
                       "bare skolene vises.")
        # Every share but participation is a bullying share, whatever its code (Udir's, or a Skoleporten name's).
        bullying = maal == "andel" and indikator_kode != "deltakelse"
        if indikator_kode == "deltakelse":
            st.caption("Andel av elevene som svarte på undersøkelsen. Jo flere som svarer, jo sikrere er tallene.")
        elif bullying:
            st.caption(f"{ind_names[indikator_kode]}: andel elever som blir mobbet 2–3 ganger i måneden eller "
                       "oftere. Lavere er bedre.")
        else:
            st.caption("Snitt på en skala fra 1 til 5. Høyere er bedre.")
        if trend["skoleaar_start"].min() < 2013:
            st.caption("Resultater fra før 2013-14 kan ikke sammenlignes med senere år (Udir endret undersøkelsen).")
        if bullying and trend["skoleaar_start"].min() < 2016:
            st.caption("Mobbeindikatoren ble definert på nytt i 2016-17; tidligere tall er ikke sammenlignbare.")
        ui.hidden_note(trend)


def colour_note(reference: str | None, colours: str) -> str:
    """What a heatmap's colours compare with, in words: never «avstand til landet» where the nation has no figure."""
    selection = trinn_label(trinn).lower() + ("" if kjonn == "alle" else f" ({KJONN[kjonn].lower()})")
    if reference == "nasjonalt":
        return f"Fargen viser avstand til landet: {colours}."
    if reference == "kommune":
        return f"Landet har ingen tall for {selection}; fargen viser avstand til kommunen: {colours}."
    return (f"Verken landet eller kommunen har tall for {selection}, så cellene er ikke farget: skolenes tall "
            "sammenlignes bare med hverandre.")


years = queries.skoleaar(viewer)
with tab_heat:
    year_list = years["skoleaar"].to_list()
    year = st.selectbox("Skoleår", year_list, index=len(year_list) - 1, key="heat_year", placeholder="Velg")
    latest = queries.eu_latest_by_school(viewer, kommunenr=kommunenr, skoleaar=year, trinn=trinn, kjonn=kjonn,
                                         orgnr=tuple(chosen))
    if latest.filter(pl.col("enhet_niva") == "skole").is_empty():
        st.info("Ingen skoleresultater for dette skoleåret og utvalget.")
    else:
        fig: go.Figure = school_indicator_heatmap(latest, maal="snitt")
        ui.chart(fig, exported=True)
        st.caption(colour_note(heatmap_reference(latest, maal="snitt"), "blått er bedre, rødt er svakere") + " "
                   "«skjult» er vernet: for få svar, eller skjult så en liten gruppes tall ikke kan regnes ut av "
                   "det (pek på ruten for å se hvorfor) – tallet vises ikke og regnes ikke ut.")
        if latest.filter(pl.col("maal") == "andel").height:
            ui.chart(school_indicator_heatmap(latest, maal="andel"), exported=True)
            st.caption("Mobbing i prosent. " + colour_note(
                heatmap_reference(latest, maal="andel"), "rødt er høyere (svakere), blått er lavere (bedre)"))

with tab_table:
    table = trend.select(
        pl.col("skoleaar").alias("Skoleår"),
        pl.col("enhet_navn").alias("Enhet"),
        pl.col("indikator").alias("Indikator"),
        # Whose values: read without them, a 7. trinn's 13,4 % passed for the whole school's.
        pl.when(pl.col("trinn").is_null()).then(pl.lit("Alle trinn"))
        .otherwise(pl.format("{}. trinn", pl.col("trinn"))).alias("Trinn"),
        pl.col("kjonn").replace_strict(KJONN, default=pl.col("kjonn")).alias("Kjønn"),
        pl.col("verdi").round(1).alias("Verdi"),
        pl.col("antall_besvart").alias("Antall svar"),
        # A value shown with «–» for its answers said nothing of why (the old Skoleporten files give no count)
        pl.when(pl.col("skjult_grunn").is_null() & pl.col("verdi").is_not_null() & pl.col("antall_besvart").is_null())
        .then(pl.lit(NO_COUNT_NOTE)).otherwise(pl.col("skjult_grunn").fill_null("")).alias("Merknad"),
    )
    if viewer.pseudonyms:
        # On the shared screen a school's number of answers is near its known number of pupils: «Skole C, 342 svar»
        # is the ungdomsskole, whatever its letter.
        table = table.drop("Antall svar")
    ui.table(table, "Utvikling over tid")
    if (table["Merknad"] == NO_COUNT_NOTE).any():
        st.caption(NO_COUNT_CAPTION)
    if viewer.pseudonyms:
        st.caption("Antall svar vises ikke i rektormøtemodus: det ville vist hvilken skole hver bokstav er.")

ui.export_tables("Elevundersøkelsen", f"elevundersokelsen_{kommunenr}")
