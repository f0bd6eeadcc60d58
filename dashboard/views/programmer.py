"""Programmer og plan: are the programmes the plan requires in place on every school and trinn, run as the plan asks,
and are the plan's own actions on time?"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import labels, queries, ui
from dashboard.attention import PROGRAMME_YEAR_KEY
from dashboard.charts import LAYOUT, cell_label, month_axis

st.title("Programmer og plan")
st.caption(
    "Om de universelle programmene som kommunens plan krever, er på plass på hver skole og hvert trinn, om de "
    "drives slik planen sier, og om tiltakene i planen er i rute."
)
viewer = ui.viewer()
picked = ui.pick_kommune()
if picked is None:
    st.stop()
kommunenr, kommune = picked

plans = queries.planer(viewer, kommunenr=kommunenr)
if plans.is_empty():
    st.info(
        f"Ingen plan for {kommune} er lest inn ennå. Skoleeier skriver planen som en YAML-fil og leser den inn "
        "under «Importer filer»." if viewer.role in ("skoleeier", "admin") else
        f"Ingen plan for {kommune} er lest inn ennå. Skoleeier leser den inn."
    )
    ui.help_link("Veiledning: kommunens plan", "plan")
    st.stop()
plan = plans.row(0, named=True)
status = queries.programstatus(viewer, kommunenr=kommunenr).filter(pl.col("plan_id") == plan["plan_id"])
actions = queries.plantiltak(viewer, kommunenr=kommunenr).filter(pl.col("plan_id") == plan["plan_id"])

with st.container(border=True, key="card-plan"):
    st.markdown(f"**{labels.plain(plan['tittel'])}**  \nGjelder {plan['gyldig_fra']:%d.%m.%Y}–{plan['gyldig_til']:%d.%m.%Y}.")
    review = plan.get("gjennomgang_tekst")
    if review:
        who = f" (ansvarlig: {plan['gjennomgang_ansvarlig']})" if plan.get("gjennomgang_ansvarlig") else ""
        start = plan.get("neste_gjennomgang_fra")
        if plan.get("gjennomgang_naa"):
            st.warning(f"Den årlige gjennomgangen av planen skal gjøres nå: {review}{who}.", icon=":material/event:")
        elif start is not None and (start - dt.date.today()).days <= 60:
            st.info(f"Påminnelse: årlig gjennomgang av planen i {review}{who}, fra {start:%d.%m.%Y}.",
                    icon=":material/event:")
        else:
            st.caption(f"Årlig gjennomgang: {review}{who}" + (f", neste fra {start:%d.%m.%Y}." if start else "."))

STATE = {"oppfylt": 2, "ukjent": 1, "ikke_oppfylt": 0}
# Each cell says its state in a sign as well as a colour: red and green alone are lost on a colour-blind reader and
# on a grey printout. (A comment: Streamlit's magic would print a bare string on the page.)
MARK = {"oppfylt": "✓", "ikke_oppfylt": "✗", "ukjent": "?"}
STATE_TEXT = {"oppfylt": "Krav oppfylt", "ikke_oppfylt": "Krav ikke oppfylt", "ukjent": "Ukjent (ikke rapportert)"}
STATUS_TEXT = {"ikke_startet": "ikke startet", "innforing": "innføring", "drift": "i drift", "avsluttet": "avsluttet",
               "ukjent": "ikke rapportert"}



def describe(r: dict) -> str:
    """A programme's line in a cell's hover: its name and status, the verdict, and what is missing (or required)."""
    why = r["avvik"] or (r["krav_tekst"] if r["vurdering"] == "oppfylt" else "")
    return (f"{r['program_navn']}, {STATUS_TEXT.get(r['status'], r['status'])}<br>"
            f"{STATE_TEXT.get(r['vurdering'], r['vurdering'])}" + (f"<br>{why}" if why else ""))


tab_matrix, tab_gaps, tab_actions = st.tabs(["Skoler og trinn", "Mangler", "Tiltaksplanen"])

with tab_matrix:
    if status.is_empty():
        st.info("Planen dekker ingen skoler i skoleregisteret ennå.")
    else:
        years = status.select("skoleaar", "skoleaar_start").unique().sort("skoleaar_start")["skoleaar"].to_list()
        reported = status.filter(pl.col("rapportert"))["skoleaar"].unique().to_list()
        # The last year with reports, unless the page was opened on a year («Å følge opp» on Oversikt: «Programmer
        # 2026-27: … ikke rapportert» opened on 2025-26's mostly green grid) or one was picked here before
        if st.session_state.get(PROGRAMME_YEAR_KEY) not in years:
            st.session_state[PROGRAMME_YEAR_KEY] = max(reported, key=years.index) if reported else years[-1]
        year = st.select_slider("Skoleår", years, key=PROGRAMME_YEAR_KEY,
                                help="Standard er det siste skoleåret skolene har rapportert for.")
        part = status.filter((pl.col("skoleaar") == year) & pl.col("planlagt"))
        schools = sorted(part["skole"].unique().to_list())
        trinn = sorted(part["trinn"].unique().to_list())
        # A school may run two programmes on the same trinn (Olweus and a project of its own): a cell holds them all,
        # and is green only when every one meets the plan. Keeping one row per cell hid an unmet requirement behind
        # a met one.
        cells: dict[tuple[str, int], list[dict]] = {}
        for r in part.sort("program_navn").iter_rows(named=True):
            cells.setdefault((r["skole"], r["trinn"]), []).append(r)
        # Characters a cell's line holds: ten trinn leave about 8 on a 1024-pixel screen with the sidebar open.
        width = max(8, 80 // max(len(trinn), 1))
        z, text, hover = [], [], []
        for school in schools:
            zr, tr, hr = [], [], []
            for t in trinn:
                rows = cells.get((school, t))
                if not rows:
                    zr.append(None)
                    tr.append("")
                    hr.append("Ikke i planen for dette trinnet")
                    continue
                zr.append(min(STATE.get(r["vurdering"], 1) for r in rows))
                # Each programme's sign on a line of its own, above its name.
                tr.append("<br>".join(f"{MARK.get(r['vurdering'], '')}<br>{cell_label(r['program_navn'], width)}"
                                      for r in rows))
                hr.append("<br><br>".join(describe(r) for r in rows))
            z.append(zr)
            text.append(tr)
            hover.append(hr)
        lines = max((t.count("<br>") + 1 for row in text for t in row if t), default=1)
        row_px = max(52, 16 * lines + 12)
        fig = go.Figure(go.Heatmap(
            # «5.», the title saying «trinn»: ten «10. trinn» ran together on a 1024-pixel screen, and an axis title
            # «Trinn» stood among the labels, beside the chart's title.
            z=z, x=[f"{t}." for t in trinn], y=schools, text=text, customdata=hover,
            texttemplate="%{text}", textfont=dict(size=12), zmin=0, zmax=2, showscale=False, xgap=3, ygap=3,
            colorscale=[[0, "#e8a0a0"], [0.33, "#e8a0a0"], [0.34, "#d9d9d9"], [0.66, "#d9d9d9"], [0.67, "#93c99a"],
                        [1, "#93c99a"]],
            hovertemplate="%{y}, %{x} trinn<br>%{customdata}<extra></extra>", hoverongaps=False,
        ))
        fig.update_layout(
            title=dict(text=f"Programmer etter planen per skole og trinn, {year}", font=dict(size=18)), **LAYOUT,
            height=160 + row_px * len(schools), yaxis=dict(autorange="reversed"),
            xaxis=dict(side="top", type="category"),
            margin=dict(l=10, r=10, t=90, b=20), plot_bgcolor="white",
        )
        ui.chart(fig)
        states = [v for row in z for v in row if v is not None]
        several = any(len(rows) > 1 for rows in cells.values())
        st.caption(
            f"✓ grønn: kravene i planen er oppfylt ({states.count(2)} av {len(states)} ruter). ✗ rød: ikke oppfylt "
            f"({states.count(0)}). ? grå: ukjent – skolen har ikke rapportert, og da regnes det aldri som "
            f"oppfylt ({states.count(1)}). "
            + ("En rute med flere programmer er grønn bare når alle er oppfylt, og rød når ett ikke er det. "
               if several else "")
            + "Hold pekeren over en rute for å se hva som mangler."
        )

with tab_gaps:
    latest_reported = status.filter(pl.col("rapportert"))["skoleaar_start"].max()
    scope = status.filter(
        pl.col("planlagt") & pl.col("vurdering").is_in(["ikke_oppfylt", "ukjent"])
        & (pl.col("skoleaar_start") == (latest_reported if latest_reported is not None else status["skoleaar_start"].max()))
    )
    if scope.is_empty():
        st.success("Ingen mangler i siste rapporterte skoleår.")
    else:
        gaps = (
            queries.gaps_by_trinn(scope, "avvik_siden", "avvik_antall_aar")
            .sort(["avvik_antall_aar", "skole"], descending=[True, False], nulls_last=True)
        )
        st.write(f"Mangler i {scope['skoleaar'][0]}, de som har stått lengst øverst:")
        ui.table(
            gaps.select(
                pl.col("skole").alias("Skole"), pl.col("program_navn").alias("Program"), "Trinn", "Hva mangler",
                pl.col("avvik_siden").alias("Åpen siden"), pl.col("avvik_antall_aar").alias("Antall skoleår"),
            ),
            "Mangler mot planen",
        )

with tab_actions:
    if actions.is_empty():
        st.info("Planen har ingen tiltaksrader.")
    else:
        overdue = actions.filter(pl.col("forfalt"))
        if overdue.height:
            st.error(f"{overdue.height} tiltak har passert fristen uten å være fullført.", icon=":material/schedule:")
        status_label = {"ikke_startet": "Ikke startet", "pagar": "Pågår", "fullfort": "Fullført"}
        colour = {"ikke_startet": "#8e8e8e", "pagar": "#1f5f8b", "fullfort": "#2a9d55"}
        traces = []
        labels = [f"{r['nr']}. {r['tiltak'][:60]}" for r in actions.iter_rows(named=True)]
        by_deadline = actions.with_columns(pl.Series("etikett", labels)).sort("frist", "nr")["etikett"].to_list()
        first = min(actions["frist"].min(), dt.date.today())
        last = max(actions["frist"].max(), dt.date.today())
        ticks = [dt.date(y, m, 1) for y in range(first.year, last.year + 2) for m in (1, 7)
                 if dt.date(first.year, 1, 1) <= dt.date(y, m, 1) <= dt.date(last.year + 1, 1, 1)]
        for key, name in status_label.items():
            rows = actions.with_columns(pl.Series("etikett", labels)).filter(pl.col("status") == key)
            if rows.is_empty():
                continue
            traces.append(go.Scatter(
                x=rows["frist"].to_list(), y=rows["etikett"].to_list(), mode="markers", name=name,
                marker=dict(size=16, color=colour[key], symbol="circle"),
                customdata=list(zip(rows["ansvarlig"].to_list(), rows["dager_over_frist"].fill_null(0).to_list(),
                                    strict=True)),
                hovertemplate="%{y}<br>Frist %{x|%d.%m.%Y}<br>Ansvarlig: %{customdata[0]}<extra>" + name + "</extra>",
            ))
        if overdue.height:
            # A ring of its own, drawn over the status dot: the legend then shows the status colours plain.
            late = actions.with_columns(pl.Series("etikett", labels)).filter(pl.col("forfalt"))
            traces.append(go.Scatter(
                x=late["frist"].to_list(), y=late["etikett"].to_list(), mode="markers", name="Forfalt",
                marker=dict(size=24, symbol="circle-open", color="#c0392b", line=dict(width=3)),
                customdata=late["dager_over_frist"].to_list(),
                hovertemplate="%{y}<br>%{customdata} dager over fristen<extra>Forfalt</extra>",
            ))
        fig = go.Figure(data=traces)
        fig.add_shape(type="line", x0=dt.date.today(), x1=dt.date.today(), yref="paper", y0=0, y1=1,
                      line=dict(color="#c0392b", dash="dash"))
        # Above the plot, beside the line's top rather than on it.
        fig.add_annotation(x=dt.date.today(), yref="paper", y=1, yanchor="bottom", xanchor="left", xshift=3,
                           text="i dag", showarrow=False, font=dict(color="#c0392b"))
        fig.update_layout(
            title=dict(text="Tiltak etter frist (rød ring: forfalt)", font=dict(size=18)), **LAYOUT,
            height=190 + 40 * actions.height, plot_bgcolor="white",
            # Earliest deadline at the top, as the table below reads.
            yaxis=dict(autorange="reversed", categoryorder="array", categoryarray=by_deadline),
            xaxis=dict(gridcolor="#e6e6e6", **month_axis(ticks, every=1)),
            # The legend at the foot of the figure, under the month labels, whatever the number of rows.
            legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0),
            margin=dict(l=10, r=10, b=80),
        )
        ui.chart(fig)
        ui.table(
            actions.sort("frist", "nr").select(
                pl.col("nr").alias("Nr"), pl.col("tiltak").alias("Tiltak"), pl.col("ansvarlig").alias("Ansvarlig"),
                pl.col("frist").alias("Frist"),
                pl.col("status").replace_strict(status_label, default=pl.col("status")).alias("Status"),
                pl.when(pl.col("forfalt")).then(pl.format("{} dager", pl.col("dager_over_frist")))
                .otherwise(pl.lit("")).alias("Over frist"),
            ),
            # A static table in deadline order: a plan has a handful of measures, and the grid cut the last column
            # («Forfalt (610 dager)» read «Forfalt») at 1024 pixels.
            "Tiltaksplan", as_table=True, index="Nr",
        )

if viewer.role != "fau" and not ui.meeting_mode():  # the template is for the schools and the owner, not for parents
    # nor for the shared screen
    st.divider()
    st.caption("Skolene rapporterer programstatus én eller to ganger i året med malen.")
    ui.help_link("Veiledning: mal for programstatus", "mal-programstatus")
    ui.download_template("programstatus", "programstatus", queries.skoler(viewer, kommunenr=kommunenr),
                         f"programstatus_mal_{kommunenr}", programmes=ui.template_programmes(
                             queries.plan_programmer(viewer, kommunenr=kommunenr, plan_id=plan["plan_id"])))
ui.export_tables("Programmer og plan", f"programmer_{kommunenr}")
