"""Ungdata: the municipality's indicators over survey waves, by trinn and kjønn, and side by side with Elevundersøkelsen."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import queries, ui
from dashboard.charts import LAYOUT, PALETTE, school_line, trend_chart
from dashboard.labels import KJONN, format_value

st.title("Ungdata")
viewer = ui.viewer()
picked = ui.pick_kommune()
if picked is None:
    st.stop()
kommunenr, kommune = picked

data = queries.ungdata(viewer, kommunenr=kommunenr).with_columns(
    # Place a pooled period (2022–2024) at its last year, so it lines up with the survey wave it ends with.
    pl.col("periode").str.slice(-4).cast(pl.Int32).alias("slutt_aar")
)
own = data.filter(pl.col("geo_niva") == "kommune")
if own.is_empty():
    st.info(
        f"Ingen Ungdata-resultater for {kommune} ennå. Last inn kommunens resultattabell eller en fil fra "
        "FHIs Kommunehelsa-statistikkbank under «Importer filer»." if viewer.role in ("skoleeier", "admin") else
        f"Ingen Ungdata-resultater for {kommune} ennå. Skoleeier leser dem inn når kommunen har fått dem."
    )
    ui.help_link("Veiledning: filformater", "formater")
    st.stop()

SOURCE_LABEL = {"ungdata": "Ungdata-rapporten", "kommunehelsa": "FHI, treårssnitt"}
names = dict(own.select("indikator_kode", "indikator").unique().iter_rows())
codes = sorted(names, key=names.get)
# The indicator applies to the first two tabs; trinn and kjønn only to «Over tid» (the second tab shows them all),
# so they stand in that tab: a filter above every tab that changes nothing on two of them misleads.
code = st.columns([2, 2])[0].selectbox("Indikator", codes, format_func=names.get, placeholder="Velg")


def trinn_order(t: str) -> tuple:
    """8, 9, 10, then spans (8-10), then age groups from the youngest (FHI's ALDER, «13-15 år»), then VG and 'alle'."""
    if t.isdigit():
        return (0, int(t), "")
    if t.endswith(" år"):
        return (2, int(t.split("-")[0].removesuffix(" år")), t)
    return (1, 0, t) if t[0].isdigit() else (3, 0, t)


def trinn_text(t: str) -> str:
    """«8. trinn», «8.–10. trinn», «13–15 år», «VG1», «Alle trinn»: the file's codes as a reader says them."""
    if t == "alle":
        return "Alle trinn"
    if t.endswith(" år"):
        return t.replace("-", "–")
    if t[0].isdigit():
        return ".–".join(t.split("-")) + ". trinn"
    return t


def share_texts(frame: pl.DataFrame) -> list[str]:
    """Each share as the page writes it («8,0 %»), a withheld one as «skjult – why»: «–» elsewhere means no data."""
    return [format_value(v, "andel") if v is not None else f"skjult – {w}"
            for v, w in zip(frame["andel"], frame["skjult_grunn"], strict=True)]


line_label = pl.format(
    "{} ({})",
    pl.when(pl.col("geo_niva") == "kommune").then(pl.lit(kommune))
    .when(pl.col("geo_niva") == "fylke").then(pl.col("geo_navn"))
    .otherwise(pl.lit("Landet")),
    pl.col("kilde").replace_strict(SOURCE_LABEL, default=pl.col("kilde"), return_dtype=pl.String),
)


tab_time, tab_groups, tab_compare = st.tabs(["Over tid", "Etter trinn og kjønn", "Side om side med Elevundersøkelsen"])

with tab_time:
    trinn_options = sorted(own.filter(pl.col("indikator_kode") == code)["trinn"].unique().to_list(), key=trinn_order)
    default_trinn = trinn_options.index("8-10") if "8-10" in trinn_options else 0
    c2, c3, _ = st.columns([1, 1, 2])
    trinn = c2.selectbox("Trinn", trinn_options, index=default_trinn, format_func=trinn_text, placeholder="Velg")
    kjonn = c3.selectbox("Kjønn", list(KJONN), format_func=KJONN.get, key="ungdata_kjonn", placeholder="Velg")
    rows = data.filter((pl.col("indikator_kode") == code) & (pl.col("trinn") == trinn) & (pl.col("kjonn") == kjonn))
    if rows.is_empty():
        st.info("Ingen tall for dette utvalget.")
    else:
        traces = []
        labelled = rows.with_columns(
            line_label.alias("linje")
        )
        lines = labelled.select("linje", "geo_niva").unique().sort("linje")
        for i, (line, level) in enumerate(lines.iter_rows()):
            part = labelled.filter(pl.col("linje") == line).sort("slutt_aar")
            dash = {"nasjonalt": "dot", "fylke": "dash"}.get(level)
            # Told apart by marker shape and dash as well as colour (a colour-blind reader, a washed-out projector).
            look, marker = school_line(i, lines.height)
            traces.append(go.Scatter(
                x=part["slutt_aar"].to_list(), y=part["andel"].to_list(), name=line, mode="lines+markers",
                text=share_texts(part), customdata=part["periode"].to_list(),
                line=dict(width=3, dash=dash, color=look["color"]), marker=dict(symbol=marker["symbol"], size=9),
                hovertemplate="%{fullData.name}<br>%{customdata}: %{text}<extra></extra>",
            ))
        fig = go.Figure(data=traces)
        fig.update_layout(
            # What the pickers above say, in the title too: on the shared screen the room reads the chart, not them
            title=dict(text=f"{names[code]} – {trinn_text(trinn)}, {KJONN[kjonn].lower()}, andel i prosent",
                       font=dict(size=18)), **LAYOUT, height=460,
            yaxis=dict(title="Andel (%)", rangemode="tozero"),
            xaxis=dict(title="Undersøkelsesår (treårssnitt vises ved siste år)", tickformat="d", dtick=1),
            legend=dict(orientation="h", y=-0.15), margin=dict(l=40, r=20, t=60, b=90), plot_bgcolor="white",
        )
        fig.update_yaxes(gridcolor="#e6e6e6")
        # When schools in the municipality began a programme: Ungdata is answered in spring, so a programme
        # introduced in school year 2024-25 is first seen in the 2025 survey.
        # Only programmes on the trinn Ungdata asks (8.–10.), within the survey years shown, once per programme.
        starts = (
            queries.program_starts(viewer, kommunenr=kommunenr)
            .filter(pl.col("trinn_til") >= 8)
            .with_columns((pl.col("start").str.slice(0, 4).cast(pl.Int32) + 1).alias("aar"))
            .filter(pl.col("aar") <= rows["slutt_aar"].max())
            .unique(["program_navn", "aar"], keep="first").sort("aar", "program_navn")
        )
        for i, r in enumerate(starts.iter_rows(named=True)):
            year = r["aar"]
            fig.add_vline(x=year, line=dict(color="#7f6000", width=2, dash="dot"))
            fig.add_annotation(x=year, yref="paper", y=1 - 0.07 * (i % 4), text=f"{r['program_navn']} innføres",
                               showarrow=False, xanchor="left", font=dict(size=12, color="#7f6000"),
                               bgcolor="rgba(255,255,255,0.8)")
        ui.chart(fig, exported=True)
        if not starts.is_empty():
            st.caption(
                "Stiplede linjer: våren etter at en skole i kommunen begynte å innføre et program. Grunnlag for å "
                "drøfte før og etter – ikke bevis for at programmet virker."
            )
        st.caption(
            "Ungdata-rapporten gjelder ett undersøkelsesår. FHIs tall (Kommunehelsa) er treårige gjennomsnitt "
            "(f.eks. 2022–2024) og kan derfor avvike fra kommunens egen rapport for samme år."
        )
        ui.hidden_note(rows.with_columns(pl.lit(kommune).alias("enhet")), label_col="enhet", year_col="periode")

with tab_groups:
    latest = own.filter(pl.col("indikator_kode") == code)
    if latest.is_empty():
        st.info("Ingen tall for denne indikatoren.")
    else:
        wave = latest.sort("aar")["periode"].to_list()[-1]
        kilde = latest.filter(pl.col("periode") == wave)["kilde"][0]
        part = latest.filter((pl.col("periode") == wave) & (pl.col("kilde") == kilde))
        traces = []
        for i, k in enumerate(["alle", "jenter", "gutter"]):
            bars = part.filter(pl.col("kjonn") == k)
            if bars.is_empty():
                continue
            # In trinn order, as the axis: the table under the chart lists the bars as they come («8., 8.–10., 10.»).
            bars = bars[sorted(range(bars.height), key=lambda j, b=bars: trinn_order(b["trinn"][j]))]
            traces.append(go.Bar(
                x=[trinn_text(t) for t in bars["trinn"]], y=bars["andel"].to_list(), name=KJONN[k],
                marker_color=PALETTE[i], textposition="outside",
                text=[format_value(v, "andel") if v is not None else "skjult" for v in bars["andel"]],
            ))
        fig = go.Figure(data=traces)
        fig.update_layout(
            barmode="group", title=dict(text=f"{names[code]} – {wave} ({SOURCE_LABEL.get(kilde, kilde)})", font=dict(size=18)),
            **LAYOUT, height=440, yaxis=dict(title="Andel (%)", rangemode="tozero", hoverformat=".1f"), xaxis=dict(title="Trinn", type="category", categoryorder="array",
                                                                        categoryarray=[trinn_text(t) for t in sorted(part["trinn"].unique(), key=trinn_order)]),
            legend=dict(orientation="h", y=-0.15), plot_bgcolor="white",
        )
        ui.chart(fig, exported=True)
        groups = pl.format("{}, {}", pl.col("trinn").replace_strict({t: trinn_text(t) for t in part["trinn"].unique()}),
                           pl.col("kjonn").replace_strict(KJONN, default=pl.col("kjonn")).str.to_lowercase())
        ui.hidden_note(part.with_columns(groups.alias("gruppe")), label_col="gruppe", year_col="periode")

THEMES = {
    "Mobbing": ("EUIndeks_1398", "mobbet", "Elevundersøkelsen: andel som blir mobbet 2–3 ganger i måneden eller oftere "
                "(høsten, 5.–10. trinn). Ungdata: andel som blir plaget, truet eller utfrosset minst hver 14. dag "
                "(våren, ungdomstrinnet)."),
    "Trivsel på skolen": ("EUIndeks_1379", "trives", "Elevundersøkelsen: indeks fra 1 til 5 (snitt av flere spørsmål). "
                          "Ungdata: andel som er enig i at de trives på skolen."),
}

with tab_compare:
    theme = st.radio("Tema", list(THEMES), horizontal=True,
                     help="Sammenligningen har egne temaer; indikatoren du har valgt over, gjelder de to andre fanene.")
    eu_code, pattern, explanation = THEMES[theme]
    st.info(
        "De to undersøkelsene måler dette på ulike måter, til ulik tid og med ulike spørsmål. "
        "Tallene vises derfor hver for seg og skal ikke leses som samme linje. " + explanation
    )
    left, right = st.columns(2)
    with left:
        match = [c for c in codes if pattern in c]
        if not match:
            st.write("Ingen Ungdata-indikator for dette temaet.")
        else:
            theme_rows = own.filter((pl.col("indikator_kode") == match[0]) & (pl.col("kjonn") == "alle"))
            theme_trinn = sorted(theme_rows["trinn"].unique().to_list(), key=trinn_order)
            theme_level = "8-10" if "8-10" in theme_trinn else theme_trinn[0]
            part = theme_rows.filter(pl.col("trinn") == theme_level)
            traces = []
            kilder = part.select("kilde").unique().sort("kilde")["kilde"].to_list()
            for i, kilde in enumerate(kilder):
                p = part.filter(pl.col("kilde") == kilde).sort("slutt_aar")
                line, marker = school_line(i, len(kilder))
                # The text is what the hover and the table under the chart print, as on «Over tid».
                traces.append(go.Scatter(x=p["slutt_aar"].to_list(), y=p["andel"].to_list(), mode="lines+markers",
                                         name=SOURCE_LABEL.get(kilde, kilde), line=line, marker=marker,
                                         text=share_texts(p), customdata=p["periode"].to_list(),
                                         hovertemplate="%{fullData.name}<br>%{customdata}: %{text}<extra></extra>"))
            fig = go.Figure(data=traces)
            # Two lines: the chart has half the page's width, and Plotly does not wrap a title
            fig.update_layout(title=dict(text=f"Ungdata: {names[match[0]]}<br>{kommune}, {trinn_text(theme_level)}, "
                                              "alle kjønn"), **LAYOUT, height=380,
                              yaxis=dict(title="Andel (%)", rangemode="tozero"), xaxis=dict(tickformat="d", dtick=1),
                              legend=dict(orientation="h", y=-0.2), plot_bgcolor="white")
            ui.chart(fig, exported=True)
    with right:
        eu = queries.eu_trend(viewer, kommunenr=kommunenr, orgnr=(), trinn=None, kjonn="alle", indikator_kode=eu_code)
        if eu.is_empty():
            st.write("Ingen resultater fra Elevundersøkelsen for dette temaet.")
        else:
            maal = eu["maal"][0]
            ui.chart(trend_chart(eu, title=f"Elevundersøkelsen: {eu['indikator'][0]}<br>{kommune}, alle trinn, "
                                           "alle kjønn", maal=maal), exported=True)
ui.export_tables("Ungdata", f"ungdata_{kommunenr}")
