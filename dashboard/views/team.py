"""Arbeidslag og elevtjeneste: meetings against the expected rhythm, cases, referrals and who actually attends."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import labels, queries, ui
from dashboard.charts import (
    LAYOUT,
    PALETTE,
    cached_figure,
    count_axis,
    month_label,
    school_line,
    school_month_heatmap,
    unlogged_months,
)
from dashboard.labels import decimals_needed, month_spans, months_back, number_text
from pipelines.templates.teammoter import PROFESSIONS, TEAMS
from pipelines.warehouse.published import school_year_label

st.title("Arbeidslag og elevtjeneste")
st.caption(
    "Møtene i de tverrfaglige teamene rundt elevene: hvor ofte de møtes, hvor mange saker de drøfter, "
    "hvor de henviser, og hvem som faktisk er til stede."
)
viewer = ui.viewer()
picked = ui.pick_kommune()
if picked is None:
    st.stop()
kommunenr, kommune = picked
schools = queries.skoler(viewer, kommunenr=kommunenr)
meetings = queries.team_meetings(viewer, kommunenr=kommunenr)
if meetings.is_empty():
    st.info(f"Ingen møtelogger for {kommune} ennå. Last ned malen, fyll den ut og les den inn.")
    ui.download_template("møtelogg", "teammoter", schools, f"teammoter_mal_{kommunenr}")
    st.stop()
ui.held_back_notice("teammoter", kommunenr)

rhythm = dict(queries.team_rhythm(viewer, kommunenr=kommunenr).iter_rows())
teams = [t for t in TEAMS if t in set(meetings["team"])]
c1, c2 = st.columns([1, 2])
if st.session_state.get("team") not in teams:  # «Å følge opp» on Oversikt may open the page on a team
    st.session_state.pop("team", None)
team = c1.selectbox("Team", teams, format_func=TEAMS.get, key="team", placeholder="Velg")
part = meetings.filter(pl.col("team") == team)
first, last = part["dato"].min(), part["dato"].max()
# Schools are closed in July: that month expects no meetings, and a school year has eleven months with school.
SCHOOL_MONTHS = 11
months = queries.school_months(first, last)  # the month under way for the part of it gone
expected_per_month = rhythm.get(team)
rhythm_text = number_text(expected_per_month, decimals_needed([expected_per_month], 1)) if expected_per_month else ""
per_month = f"{rhythm_text} {'møte' if expected_per_month == 1 else 'møter'} per måned"  # the caption's and the export's
# A rektor's log is the own school's only: its period ends at the school's last meeting, which the municipality's
# (the skolesjef's, with every school) may pass. Said whose, so the two do not read as the same period differing.
own = viewer.role == "rektor"
whose = f"møteloggen til {', '.join(sorted(set(part['skole'])))}" if own else f"møteloggen for {kommune}"
c2.write("")
c2.caption(
    f"Periode i {whose}: {first:%d.%m.%Y}–{last:%d.%m.%Y} ({number_text(months, decimals_needed([months], 1))} måneder med "
    + ("skole, juli regnes ikke). " if months == int(months) else "skole, juli regnes ikke, og denne måneden til og "
       "med i dag). ")
    + (f"Forventet rytme i {kommune}: {per_month}." if expected_per_month
       else "Ingen forventet møterytme er satt for dette teamet.")
)
# The period ends with the last logged meeting (as in the reports): months that have ended since are in no school's
# expected meetings, so a municipality whose schools all stopped logging would still read 100 %.
ended = months_back(labels._today().replace(day=1), 1)
unlogged = unlogged_months(last, ended)
if unlogged:
    who = f"{', '.join(labels.plain(s) for s in sorted(set(part['skole'])))} har ikke" if own else "Ingen skole har"
    st.warning(f"**{who} logget møter for {TEAMS[team].lower()} etter {last:%d.%m.%Y}.** Andelen av "
               f"forventet møter gjelder derfor bare til og med {month_label(last)}; {month_spans(unlogged)} er ikke "
               "med.",
               icon=":material/event_busy:")

cases = pl.col("saker_med_samtykke") + pl.col("saker_anonyme")
summary = (
    part.group_by("skole")
    .agg(
        pl.len().alias("moter"),
        cases.sum().alias("saker"),
        pl.col("saker_anonyme").sum().alias("anonyme"),
        pl.col("henvisninger_ppt").sum().alias("ppt"),
        pl.col("henvisninger_barnevern").sum().alias("barnevern"),
        pl.col("henvisninger_helse").sum().alias("helse"),
        *[pl.col(c).mean().alias(c) for c in PROFESSIONS],
    )
    .sort("skole")
)
# A school closed or opened in the period (the register's «nedlagt», «opprettet») is measured over the months it ran.
open_months = {name: ran for name, closed, opened
               in schools.filter(pl.col("nedlagt").is_not_null() | pl.col("opprettet").is_not_null())
               .select("navn", "nedlagt", "opprettet").iter_rows()
               if (ran := queries.months_open(first, last, closed, opened)) > 0}
period = pl.col("skole").replace_strict(open_months, default=months, return_dtype=pl.Float64)
# Each school year of the period by its own register (trinn, pupils), and the months of it each school ran.
by_year = queries.with_months_open(queries.skoler_per_aar(viewer, kommunenr=kommunenr, fra=first, til=last), first, last)
ran = by_year.filter(pl.col("maaneder") > 0)
# Pupils × months: a school year's months count its own pupils, so a school that has grown is not read against today's
# pupils for the years before (for a whole period with one register: the pupils × the period's months, as before).
pupil_months = dict(ran.group_by("navn").agg(
    pl.when(pl.col("elevtall").is_not_null().all()).then((pl.col("elevtall") * pl.col("maaneder")).sum())
).iter_rows())
table = summary.select(
    pl.col("skole").alias("Skole"),
    pl.col("moter").alias("Møter"),
    *(
        [(pl.col("moter") * 100 / (expected_per_month * period)).round(0).cast(pl.Int32).alias("Av forventet %")]
        if expected_per_month else []
    ),
    # Discussions, not cases: the log counts a case again at every meeting that takes it up (Holmen skule read «198
    # saker» per 100 pupils a year).
    (pl.col("saker") / pl.col("moter")).round(1).alias("Drøftinger/møte"),
    # Per school year (11 months with school), so a period of any length reads the same way.
    (pl.col("saker") * 100 * SCHOOL_MONTHS
     / pl.col("skole").replace_strict(pupil_months, default=None, return_dtype=pl.Float64)).round(1)
    .alias("Drøftinger/100 el./år"),
    (pl.col("anonyme") * 100 / pl.col("saker")).round(0).alias("Anonyme %"),
    # One column for the referrals, by service under «Henvisninger»: with a column for each the table ran past the
    # page's edge at 1280 pixels, and «Til helse» could only be scrolled to.
    pl.sum_horizontal("ppt", "barnevern", "helse").alias("Henvist"),
)
# Short headers so the whole table fits a screen; what each means is one hover away.
# The professions as column labels in a column's width at 1024 pixels (the hover keeps the whole word).
ATTENDANCE_TICKS = {"Helsesykepleier": "Helse-<br>sykepleier", "Barnevern": "Barne-<br>vern",
                    "Psykisk helse og rus": "Psykisk<br>helse<br>og rus", "Karriereveileder": "Karriere-<br>veileder",
                    "Sosiallærer": "Sosial-<br>lærer"}

HEADER_HELP = {
    "Møter": "Møter holdt i perioden.",
    "Av forventet %": "Møter holdt i prosent av forventet rytme over perioden.",
    "Drøftinger/møte": "Drøftinger per møte, med samtykke og anonymt. Det er drøftinger, ikke saker: en sak som "
                       "drøftes på tre møter teller tre ganger.",
    "Drøftinger/100 el./år": "Drøftinger per 100 elever, regnet om til ett skoleår (11 måneder med skole); elevtall "
                             "fra skoleregisteret for hvert skoleår. En sak som drøftes på tre møter teller tre ganger.",
    "Anonyme %": "Andel av drøftingene som var anonyme.",
    "Henvist": "Nye henvisninger fra teammøtene i perioden (møteloggen) til PPT, barnevernet og helsetjenester til "
               "sammen; fordelt etter tjeneste under «Henvisninger». Sakene med henvisning til PPT på siden Saker (kap. "
               "12) er skolens saker etter opplæringsloven, ikke møtene: tallene teller ulike ting.",
}
# One row (a rektor's own school) is no comparison: «Skolene side om side» promised the rektor schools it cannot see.
one = table.height == 1
heading = ("Din skole" if one else "Dine skoler side om side") if own else ("Skolen" if one else "Skolene side om side")
st.subheader(heading)
ui.table(table, heading,
         column_config={k: st.column_config.Column(help=v) for k, v in HEADER_HELP.items() if k in table.columns})
st.caption(("Tallene gjelder perioden som står over tabellen." if one else
            "Samme mål for alle skoler, over samme periode"
            + (" (en nedlagt skole over månedene den var i drift)." if open_months else "."))
           + " Hvem som er til stede på møtene, står under «Hvem er til stede», og hvor elevene er henvist, under "
             "«Henvisninger».")
# A school with no meeting in the log is no row above: said, so that a school that logs nothing is seen. Only the
# schools that should have the team (`queries.team_expected`, as the reports count): the elevtjeneste belongs to the
# ungdomstrinn, a ressursteam to the schools without one. Each school year of the period by its own register, and
# only the years a school ran in the period: a 1.–10. school become 1.–7. should have had its elevtjeneste before, and
# a school closed before the period began, or opened after it ended, is asked for no meetings in it.
expected_years = ran.filter(queries.team_expected(team))
silent = sorted(set(expected_years["navn"]) - set(summary["skole"]))
# How many schools should have the team, in the period's last school year and, where it differed, the years before.
counts = (ran.group_by("skoleaar_start").agg(pl.len().alias("skoler"))
          .join(expected_years.group_by("skoleaar_start").agg(pl.len().alias("har")), on="skoleaar_start", how="left")
          .with_columns(pl.col("har").fill_null(0)).sort("skoleaar_start"))
latest = counts.row(-1, named=True) if counts.height else {"har": 0, "skoler": schools.height, "skoleaar_start": None}
earlier: dict[tuple[int, int], list[str]] = {}
for year, total, having in counts.head(-1).select("skoleaar_start", "skoler", "har").iter_rows():
    if (having, total) != (latest["har"], latest["skoler"]):
        earlier.setdefault((having, total), []).append(school_year_label(year))
in_year = (f" i {school_year_label(latest['skoleaar_start'])} ("
           + "; ".join(f"i {labels.names_text(years)}: {having} av {total}" for (having, total), years in earlier.items())
           + ", etter skoleregisteret for hvert skoleår)") if earlier else ""
if team == "elevtjeneste":
    st.caption(f"Elevtjenesten hører til ungdomstrinnet: {latest['har']} av {latest['skoler']} skoler i "
               f"{kommune} har 8.–10. trinn{in_year}.")
elif team == "ressursteam":
    st.caption(f"Ressursteamet hører til skoler uten ungdomstrinn (de andre har elevtjeneste): "
               f"{latest['har']} av {latest['skoler']} skoler i {kommune} har ikke ungdomstrinn{in_year}.")
if silent and viewer.role in ("skoleeier", "admin"):  # a rektor's log is the own school's only
    st.warning(f"Ingen møter i loggen for {TEAMS[team].lower()} i perioden: {', '.join(map(labels.plain, silent))}.",
               icon=":material/event_busy:")

# The three figures below are built once per data and choice (`cached_figure`): Plotly validates every property as a
# figure is built, and the page's warm run drew them anew on every click (0.23 s warm at national scale).
@cached_figure
def attendance_chart(summary: pl.DataFrame) -> go.Figure:
    z = [[None if v is None else round(v * 100) for v in summary[c].to_list()] for c in PROFESSIONS]
    fig = go.Figure(go.Heatmap(
        z=list(map(list, zip(*z, strict=True))), x=list(PROFESSIONS.values()), y=summary["skole"].to_list(),
        colorscale="Blues", zmin=0, zmax=100, texttemplate="%{z} %", textfont=dict(size=14), showscale=False,
        hovertemplate="%{y}<br>%{x}: til stede på %{z} % av møtene<extra></extra>", xgap=2, ygap=2,
    ))
    fig.update_layout(title=dict(text="Andel møter der yrkesgruppen var til stede", font=dict(size=18)), **LAYOUT,
                      height=max(280, 50 * summary.height + 180),
                      # Level labels under the columns, on up to two lines: slanted over them they ran into the title
                      # and each other on a 1024-pixel screen.
                      xaxis=dict(side="bottom", tickangle=0, tickvals=list(PROFESSIONS.values()),
                                 ticktext=[ATTENDANCE_TICKS.get(v, v) for v in PROFESSIONS.values()]),
                      yaxis=dict(autorange="reversed"))
    return fig


@cached_figure
def ppt_chart(term: pl.DataFrame) -> go.Figure:
    order = term.select("termin_nr", "termin").unique().sort("termin_nr")["termin"].to_list()
    traces = []
    names = term.select("skole").unique().sort("skole")["skole"].to_list()
    for i, school in enumerate(names):  # colour and marker shape: one colour alone a deuteranope could not tell
        rows = term.filter(pl.col("skole") == school)
        line, marker = school_line(i, len(names))
        traces.append(go.Scatter(
            x=rows["termin"].to_list(), y=rows["ppt"].to_list(), name=school, mode="lines+markers",
            customdata=rows["moter"].to_list(), line=line, marker=marker,
            hovertemplate="%{fullData.name}, %{x}: PPT til stede på %{y} % av %{customdata} møter<extra></extra>",
        ))
    fig = go.Figure(data=traces)
    fig.update_layout(title=dict(text="PPT til stede per halvår (% av møtene)", font=dict(size=18)), **LAYOUT,
                      height=400, plot_bgcolor="white", yaxis=dict(range=[0, 105], gridcolor="#e6e6e6", title="%"),
                      xaxis=dict(type="category", categoryorder="array", categoryarray=order),
                      legend=dict(orientation="h", y=-0.18))
    return fig


@cached_figure
def referral_chart(summary: pl.DataFrame) -> go.Figure:
    traces = []
    for i, (col, label) in enumerate([("ppt", "PPT"), ("barnevern", "Barnevern"), ("helse", "Helse")]):
        traces.append(go.Bar(x=summary["skole"].to_list(), y=summary[col].to_list(), name=label, marker_color=PALETTE[i]))
    fig = go.Figure(data=traces)
    fig.update_layout(barmode="stack", title=dict(text="Nye henvisninger i perioden, etter tjeneste", font=dict(size=18)),
                      **LAYOUT, height=420, plot_bgcolor="white",
                      yaxis=dict(title="Henvisninger", gridcolor="#e6e6e6", **count_axis(summary.select(
                          pl.sum_horizontal("ppt", "barnevern", "helse")).to_series().to_list())),
                      legend=dict(orientation="h", y=-0.2))
    return fig


tab_rhythm, tab_attend, tab_flow = st.tabs(["Møter per måned", "Hvem er til stede", "Henvisninger"])
with tab_rhythm:
    monthly = (
        part.with_columns(pl.col("dato").dt.truncate("1mo").alias("maned")).group_by("skole", "maned").len()
        .with_columns((pl.col("len") / (expected_per_month or 1)).alias("farge"))
    )
    ui.chart(
        school_month_heatmap(
            monthly, value="farge", text="len", title=f"{TEAMS[team]}: møter holdt per måned",
            colorbar="andel av<br>forventet" if expected_per_month else "møter", hover="%{text} møter",
            zmin=0, zmax=1.5 if expected_per_month else None,
        ), exported=True)
    st.caption("En tom rute betyr at ingen møter er registrert den måneden." + (
        f" Forventet: {rhythm_text} per måned." if expected_per_month else ""))
with tab_attend:
    fig = attendance_chart(summary.select("skole", *PROFESSIONS))
    ui.chart(fig, exported=True)
    # Per school term (høst: Aug–Dec, vår: Jan–Jun): enough meetings per point to show a real change.
    term = (
        part.filter(pl.col("dato").dt.month() != 7)
        .with_columns(
            pl.when(pl.col("dato").dt.month() >= 8)
            .then(pl.col("dato").dt.year() * 2 + 1).otherwise(pl.col("dato").dt.year() * 2).alias("termin_nr"),
        )
        .group_by("skole", "termin_nr")
        .agg((pl.col("til_stede_ppt").mean() * 100).round(0).alias("ppt"), pl.len().alias("moter"))
        .with_columns(
            pl.format("{} {}", pl.when(pl.col("termin_nr") % 2 == 1).then(pl.lit("høst")).otherwise(pl.lit("vår")),
                      pl.col("termin_nr") // 2).alias("termin")
        )
        .sort("termin_nr", "skole")  # in one order every run: the figure's cache knows the frame by its content
    )
    fig = ppt_chart(term)
    ui.chart(fig, exported=True)
with tab_flow:
    fig = referral_chart(summary.select("skole", "ppt", "barnevern", "helse"))
    ui.chart(fig, exported=True)
    consent = part.select(pl.col("saker_med_samtykke").sum(), pl.col("saker_anonyme").sum()).row(0)
    if sum(consent):
        st.caption(
            f"Drøftinger i perioden: {consent[0]} med samtykke og {consent[1]} anonyme "
            f"({round(100 * consent[1] / sum(consent))} % anonyme)."
        )

st.divider()
ui.download_template("møtelogg", "teammoter", schools, f"teammoter_mal_{kommunenr}")
ui.export_tables("Arbeidslag og elevtjeneste", f"team_{kommunenr}", selection=(
    f"Team: {TEAMS[team]} · Periode: {first:%d.%m.%Y}–{last:%d.%m.%Y} · "
    + (f"Forventet rytme: {per_month}" if expected_per_month else "Ingen forventet møterytme satt")))
