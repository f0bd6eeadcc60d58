"""Saker (kap. 12): case counts per school and month, per 100 pupils, backlog, § 12-5 and Statsforvalteren, seasonality."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import labels, queries, ui
from dashboard.charts import (
    LAYOUT,
    cached_figure,
    count_axis,
    month_axis,
    month_label,
    month_range,
    school_line,
    school_month_heatmap,
)
from dashboard.labels import (
    NO_VALUE,
    breakable,
    decimals_needed,
    due_month,
    finished_month,
    missing_reports,
    month_spans,
    months_back,
    names_text,
    number_text,
    trinn_label,
    unbroken_sections,
)
from pipelines.sources.base import month_label as month_text
from pipelines.templates.saker import SAKSTYPER, UTFALL
from pipelines.warehouse.published import school_year_label

WHOLE_YEARS = (
    "På vernet nivå vises bare hele skoleår, fra rapportene har nådd september etter skoleåret: tall som vokser "
    "måned for måned, kunne trekkes fra hverandre og vise hver nye måneds små tall."
)

st.title("Saker etter opplæringslova kapittel 12")
st.caption("Tidligere kapittel 9 A. Tallene er antall saker per skole og måned – aldri personer.")
viewer = ui.viewer()
picked = ui.pick_kommune()
if picked is None:
    st.stop()
kommunenr, kommune = picked

if not viewer.full_detail_everywhere:
    complete = queries.saker_complete_year(viewer, kommunenr=kommunenr)["skoleaar"].to_list()
    summary = queries.saker_oversikt(viewer, kommunenr=kommunenr)
    title = f"Nye saker skoleåret {complete[0]}" if complete else "Nye saker"
    st.subheader(f"{title} – vernet nivå")
    if summary.is_empty():
        st.info(f"Ingen avsluttede skoleår med saksrapporter for {kommune} ennå. {WHOLE_YEARS}")
    else:
        # «§ 12-4» kept on one line in the headings (they wrapped as «(§ / 12-4)» on the shared screen).
        shown = summary.drop("orgnr").rename({"skole": "Skole"}).rename(unbroken_sections)
        ui.table(shown, title, as_table=True, index="Skole")
        st.caption(
            "Tall fra 1 til 4 vises som «1–4». «skjult» er et tall som er skjult for at de små tallene ikke skal kunne "
            "regnes ut fra summene i rader og kolonner; det kan være hvilket som helst tall, også 0 eller 1–4. "
            + WHOLE_YEARS
        )
        unreported = missing_reports(queries.saker_rapportering_aar(viewer, kommunenr=kommunenr))
        dash = any(set(row) == {NO_VALUE} for row in summary.drop("orgnr", "skole").iter_rows())
        if unreported:
            st.warning(
                "**Rapporter mangler**, og tallene kan være for lave. "
                + ("«–» betyr at skolen ikke har rapportert noe for skoleåret. " if dash else "")
                + f"Mangler: {'; '.join(unreported)}."
            )
        # FAU sees its own school's row only: how many other schools are missing is said in numbers.
        others = (queries.saker_rapportering_antall(viewer, kommunenr=kommunenr).to_dicts() or [{"skoler": 0}])[0]
        if viewer.role == "fau" and others["skoler"] > len(unreported):
            st.warning(f"**Kommunens sum mangler rapporter** fra {others['skoler']} "
                       f"{'skole' if others['skoler'] == 1 else 'skoler'} for til sammen {others['skolemaaneder']} "
                       f"{'skolemåned' if others['skolemaaneder'] == 1 else 'skolemåneder'}, og kan være for lav.")
        if viewer.role == "fau":
            st.caption("Mange «1–4» og «skjult» betyr at sakene er få; det er ikke et tegn på at rapporter mangler.")
        elif viewer.role == "rektor" and not viewer.protected:
            st.caption("Tabellen er vernet for alle skoler, også din egen. Under ser du din egen skole i full detalj: "
                       "de siste 12 månedene, og så hver måned i rapportene.")
    if viewer.role != "rektor" or viewer.protected:
        ui.export_tables("Saker (kap. 12)", f"saker_{kommunenr}")
        st.stop()
    st.divider()
    st.subheader("Egen skole i full detalj")

ui.held_back_notice("saker", kommunenr)
data = queries.saker_per_month(viewer, kommunenr=kommunenr)
schools = queries.skoler(viewer, kommunenr=kommunenr)
if data.is_empty():
    st.info(f"Ingen saksrapporter for {kommune} ennå. Last ned malen under, fyll den ut og les den inn.")
    ui.download_template("saksrapportering", "saker", schools, f"saker_mal_{kommunenr}")
    st.stop()

# The page ends with the newest month that is over: a month under way, sent by one school with a warning, made
# «Åpne planer, des 2026» that school's figure alone, and every other school «missing» a month not yet ended.
over = finished_month()
unfinished = data.filter(pl.col("periode") > over)["periode"].unique().sort().to_list()
held_back = bool(unfinished) and data["periode"].min() <= over
if held_back:  # the charts and tables too: the month under way is not shown
    data = data.filter(pl.col("periode") <= over)
last = data["periode"].max()
year_ago = dt.date(last.year - 1, last.month, 1) + dt.timedelta(days=32)
year_ago = year_ago.replace(day=1)
recent = data.filter(pl.col("periode") >= year_ago)


def total(frame: pl.DataFrame, sakstype: str, column: str = "nye") -> int:
    return int(frame.filter(pl.col("sakstype") == sakstype)[column].sum() or 0)


st.subheader(f"Siste 12 måneder ({month_label(year_ago)}–{month_label(last)})")
if held_back:
    st.caption(f"Rapporter for {month_spans(unfinished)} er lest inn, men er ikke med før måneden er over.")
# Up to the municipality's newest report: a rektor whose school is behind the others is told so. A month is missing
# only once it is due (the 10th of the month after): one school reporting early does not make the others late.
due = due_month()
newest = min(queries.saker_siste_maaned(viewer, kommunenr=kommunenr)["siste"].max() or last, max(last, over))
asked = queries.saker_rapportering(viewer, kommunenr=kommunenr, fra=year_ago, til=max(newest, last))
later = asked.select("skole", pl.col("mangler").list.filter((pl.element() > last) & (pl.element() <= due)))
coverage = asked.with_columns(pl.col("mangler").list.filter(pl.element() <= min(last, due)))
unreported = missing_reports(coverage)
# Asked from the municipality's first report (a school that began in October had not been asked for the year before)
began = coverage["forste"].max() if coverage.height else None
first_asked = max(year_ago, began) if began is not None else year_ago
months_asked = sum(1 for d in month_range([first_asked, min(last, due)]) if d.month != 7)  # a month not due is not asked
if unreported:
    missing = sum(len(m) for m in coverage["mangler"])
    st.warning(
        f"**Rapporter mangler for {missing} {'skolemåned' if missing == 1 else 'skolemåneder'}**, og tallene på siden "
        f"kan være for lave: {'; '.join(unreported)}. Malen ligger under «Mal for rapportering» nederst."
    )
# Months due by today that no school has reported: the page's own window ends with the newest report, and a
# municipality whose reports stopped in June read «Alle de 4 skolene har rapportert» in December.
overdue = [m for m in month_range([months_back(max(newest, last), -1), due]) if m.month != 7] if due > max(newest, last) \
    else []
if overdue:
    st.warning(f"**Ingen skole har rapportert saker for {month_spans(overdue)} ennå.** Rapporten for en måned ventes "
               f"innen den 10. i måneden etter; tallene under går til og med {month_label(last)}.")
for skole, months in later.filter(pl.col("mangler").list.len() > 0).iter_rows():
    st.warning(f"**{labels.plain(skole)} har ikke rapportert for {month_spans(months)} ennå.** Andre skoler i kommunen har "
               f"rapportert til og med {month_label(newest)}; tallene under går til og med {month_label(last)}.")
if not unreported and not overdue and later["mangler"].list.len().sum() == 0 and coverage.height:
    since = f" siden kommunens første rapport ({month_label(first_asked)})" if first_asked > year_ago else ""
    st.caption(f"{'Skolen' if coverage.height == 1 else f'Alle de {coverage.height} skolene'} har rapportert for "
               + ("den ene skolemåneden" if months_asked == 1 else f"alle de {months_asked} skolemånedene")
               + f"{since} (juli regnes ikke med).")
reported_last = asked.filter(~pl.col("mangler").list.contains(last)).height  # due or not: who has sent it
latest_month = data.filter(pl.col("periode") == last)
c = st.columns(5)
# Five side by side: at 1024 pixels the labels wrap (`ui.narrow_screens`), at a compound's joint and never in «§ 12-5».
c[0].metric(breakable("Nye aktivitetsplaner"), total(recent, "aktivitetsplan"), help="Aktivitetsplaner etter § 12-4.")
c[1].metric("Alvorlige til skoleeier", total(recent, "alvorlig_melding_skoleeier"),
            help="Alvorlige saker som rektor har meldt til skoleeier (§ 12-4).")
c[2].metric(breakable("Skjerpet plikt (§ 12-5)"), total(recent, "skjerpet_aktivitetsplikt"),
            help="Saker der noen som arbeider på skolen har krenket en elev. Skal varsles rektor straks.")
c[3].metric(breakable("Nye hos Statsforvalteren"), total(recent, "statsforvalter"), help="Saker meldt etter § 12-6.")
c[4].metric(f"Åpne planer, {month_label(last)}", total(latest_month, "aktivitetsplan", "apne_ved_slutt"),
            help=f"Aktivitetsplaner som er åpne ved utgangen av {month_label(last)}. Av dem har "
                 f"{total(latest_month, 'aktivitetsplan', 'evaluering_over_frist')} evaluering over frist."
                 + (f" Bare {reported_last} av {coverage.height} skoler har rapportert for {month_label(last)}."
                    if reported_last < coverage.height else ""))
if last > due and reported_last < coverage.height:  # sent early by some: the figure is theirs alone, said openly
    st.caption(f"Bare {reported_last} av {coverage.height} skoler har rapportert for {month_label(last)} så langt "
               f"(fristen er den 10. i måneden etter); tallene for {month_label(last)} gjelder bare dem.")

sf = queries.statsforvalter_cases(viewer, kommunenr=kommunenr)
by_school = (
    recent.filter(pl.col("sakstype") == "skjerpet_aktivitetsplikt").group_by("skole").agg(pl.col("nye").sum())
    .filter(pl.col("nye") > 0).sort("nye", descending=True)
)
if not sf.is_empty() or not by_school.is_empty():
    with st.container(border=True, key="card-saker-12-5"):
        # The rektor reads it of the own school: «skoleeiers oppmerksomhet» spoke to someone else.
        st.markdown("**§ 12-5 og Statsforvalteren – saker som krever "
                    + ("oppfølging**" if viewer.role == "rektor" else "skoleeiers oppmerksomhet**"))
        # One list above the other: the outcome texts are long («Avgjort: Brudd på aktivitetsplikten»), and side by
        # side at 1024 pixels the grid cut them.
        st.write("Skjerpet aktivitetsplikt (§\u00a012-5, tidl. §\u00a09\u00a0A-5), siste 12 måneder:")
        if by_school.is_empty():
            st.caption("Ingen nye saker siste 12 måneder.")
        else:
            ui.table(by_school.rename({"skole": "Skole", "nye": "Nye saker"}), "Skjerpet aktivitetsplikt")
        st.write("Saker hos Statsforvalteren (§\u00a012-6, tidl. §\u00a09\u00a0A-6), alle måneder i filene:")
        outcome = pl.col("utfall").replace_strict(UTFALL, default=pl.col("utfall"))
        new_text = pl.when(pl.col("nye") > 0).then(pl.format("Ny sak ({})", pl.col("nye")))
        decided_text = pl.when(pl.col("avgjort") > 0).then(pl.format("Avgjort: {}", outcome))
        # A case can be filed and decided in the same month: say both.
        event = pl.concat_str([new_text, decided_text], separator="; ", ignore_nulls=True)
        ui.table(
            sf.select(
                month_text(pl.col("periode")).alias("Måned"),
                pl.col("skole").alias("Skole"),
                event.alias("Hendelse"),
            ),
            "Statsforvalteren",
        )

# The figures above are the last 12 months of the whole municipality; the charts are every month reported (a heading
# «Siste 12 måneder» stood over 27 months of heatmap), for the schools, trinn and months picked here.
heading = st.empty()
c1, c2, c3 = st.columns([2, 1, 1])
# The choices are those of every school, trinn and month, whatever is picked: a choice is kept when another changes.
types = [t for t in SAKSTYPER if t in set(data["sakstype"])]
sakstype = c1.selectbox("Sakstype", types, format_func=SAKSTYPER.get, placeholder="Velg")
by_trinn = queries.saker_trinn(viewer, kommunenr=kommunenr)
trinn = None
if not by_trinn.is_empty():
    trinn_choices = [None, *by_trinn["trinn"].unique().sort().to_list()]
    trinn = c2.selectbox("Trinn", trinn_choices, format_func=trinn_label, placeholder="Velg",
                         help="Bare skoler som rapporterer per trinn, kan vises for ett trinn.")
school_names = dict(data.select("orgnr", "skole").unique().sort("skole").iter_rows())
months = month_range(data["periode"].to_list())
if trinn is not None:
    data = queries.saker_per_month(viewer, kommunenr=kommunenr, trinn=trinn).filter(pl.col("periode") <= over)
chosen = list(school_names)
if len(school_names) > 1:
    chosen = st.multiselect("Skoler", list(school_names), default=list(school_names), format_func=school_names.get,
                            placeholder="Velg én eller flere skoler", select_all=False)
first_month, last_month = months[0], months[-1]
if len(months) > 1:
    first_month, last_month = st.select_slider("Periode", months, value=(months[0], months[-1]),
                                               format_func=month_label)
data = data.filter(pl.col("orgnr").is_in(chosen) & pl.col("periode").is_between(first_month, last_month))
shown_period = f"{month_label(first_month)}–{month_label(last_month)}" if first_month != last_month \
    else month_label(first_month)
heading.subheader(f"Måned for måned ({shown_period})")
trinn_text = trinn_label(trinn).lower()  # «9. trinn», «alle trinn»
whole: list[str] = []
if trinn is not None:
    whole = sorted({school_names[o] for o in chosen} - set(by_trinn.filter(pl.col("trinn") == trinn)["skole"]))
    if whole:
        st.caption(f"Bare skoler som rapporterer per trinn, er med for {trinn_text}. "
                   f"{names_text(whole)} rapporterer for hele skolen og er ikke med.")
everyone = len(chosen) == len(school_names)
# What the export's «Utvalg» says: the schools by name wherever «alle» could be read as the municipality's (a rektor's
# one school; one trinn, which only some schools report), and that the page's other tables are not this choice.
table_title = "Saker per skole og måned" + (f", {trinn_text}" if trinn is not None else "")
included = [school_names[o] for o in chosen if school_names[o] not in whole]
if not included:
    schools_text = "ingen"
elif len(school_names) == 1:
    schools_text = included[0]
elif everyone and not whole:
    schools_text = f"alle {len(included)} med saksrapporter"
else:
    schools_text = names_text(included) + (f" (ikke {names_text(whole)}, som rapporterer for hele skolen)"
                                           if whole else "")
selection = (f"Tabellen «{table_title}»: alle sakstyper · Skoler: {schools_text} · "
             f"Trinn: {trinn_text if trinn is not None else 'alle'} · Periode: {shown_period}. "
             "De andre tabellene er som på siden, uten dette utvalget.")
ui.remember(
    data.select(
        pl.col("skole").alias("Skole"), pl.col("periode").alias("Måned"),
        pl.col("sakstype").replace_strict(SAKSTYPER, default=pl.col("sakstype")).alias("Sakstype"),
        pl.col("nye").alias("Nye"), pl.col("avsluttet").alias("Avsluttet"),
        pl.col("apne_ved_slutt").alias("Åpne ved månedsslutt"), pl.col("evaluering_over_frist").alias("Evaluering over frist"),
    ),
    table_title,
)
# Every month is divided by the pupils of its school year's register; a year without one, by the nearest before it
# (before the first register: the first), which is said. With one register for every month, that one is named.
used = data.select(
    pl.when(pl.col("periode").dt.month() >= 8).then(pl.col("periode").dt.year())
    .otherwise(pl.col("periode").dt.year() - 1).alias("aar"), "elevtall_aar",
).drop_nulls().unique().sort("aar", "elevtall_aar")
borrowed: dict[int, list[int]] = {}
for year, register in used.iter_rows():
    if year != register:
        borrowed.setdefault(register, []).append(year)
if used["elevtall_aar"].n_unique() == 1:
    pupils_from = f"skoleregisteret ({school_year_label(used['elevtall_aar'][0])}) for alle måneder"
else:
    pupils_from = "skoleregisteret for hvert skoleår" + (" (" + "; ".join(
        f"for {names_text([school_year_label(y) for y in years])}: registeret for {school_year_label(register)}"
        for register, years in sorted(borrowed.items())) + ")" if borrowed else "")
if trinn is None:
    per100 = c3.toggle("Per 100 elever", value=True, help=f"Elevtall fra {pupils_from}.")
else:  # the register has no pupils per trinn
    per100 = c3.toggle("Per 100 elever", value=False, disabled=True,
                       help="Skoleregisteret har elevtall for hele skolen, ikke for hvert trinn.")
part = data.filter(pl.col("sakstype") == sakstype)
nothing_picked = ("Ingen skole er valgt. Velg minst én skole under Skoler." if not chosen else
                  f"Ingen rapporter om «{SAKSTYPER[sakstype]}» for dette utvalget. Velg flere skoler"
                  + (", et annet trinn" if trinn is not None else "") + " eller en lengre periode.")


def per_pupils(column: str, per100: bool) -> pl.Expr:
    return (pl.col(column) * 100 / pl.col("elevtall")).round(2) if per100 else pl.col(column).cast(pl.Float64)


@cached_figure
def line_chart(frame: pl.DataFrame, column: str, title: str, y_title: str, per100: bool) -> go.Figure:
    traces = []
    names = frame.select("skole").unique().sort("skole")["skole"].to_list()
    # One number of decimals for the whole chart, so its table under it does not read «1,4» above «0,98».
    decimals = decimals_needed(frame.select(per_pupils(column, per100)).to_series().to_list())
    for i, school in enumerate(names):
        rows = frame.filter(pl.col("skole") == school).sort("periode")
        y = rows.select(per_pupils(column, per100)).to_series()
        line, marker = school_line(i, len(names))
        traces.append(go.Scatter(
            x=rows["periode"].to_list(), y=y.to_list(), name=school, mode="lines+markers", line=line, marker=marker,
            text=[number_text(v, decimals) for v in y], customdata=[month_label(d) for d in rows["periode"]],
            hovertemplate="%{fullData.name}<br>%{customdata}: %{text}<extra></extra>",
        ))
    fig = go.Figure(data=traces)
    fig.update_layout(
        title=dict(text=title, font=dict(size=18)), **LAYOUT, height=430, plot_bgcolor="white",
        yaxis=dict(title=y_title, rangemode="tozero", gridcolor="#e6e6e6",
                   **({} if per100 else count_axis(frame[column].to_list()))),
        xaxis=month_axis(frame["periode"].to_list()), legend=dict(orientation="h", y=-0.18), margin=dict(b=90),
    )
    return fig


unit = " per 100 elever" if per100 else ""
of_trinn = f", {trinn_text}" if trinn is not None else ""
tab_new, tab_backlog, tab_season, tab_template = st.tabs(
    ["Nye saker per måned", "Åpne saker og frister", "Sesongmønster", "Mal for rapportering"]
)
with tab_new:
    if part.is_empty():
        st.info(nothing_picked)
    else:
        cells = part.with_columns(per_pupils("nye", per100).alias("farge"), pl.col("periode").alias("maned"))
        ui.chart(
            school_month_heatmap(
                cells, value="farge", text="nye", title=f"{SAKSTYPER[sakstype]}: nye saker per skole og måned{of_trinn}",
                colorbar="per 100<br>elever" if per100 else "antall", hover="%{text} nye saker",
            ))
        st.caption(
            "Tallet i ruten er antall nye saker. Fargen viser " + (f"antall per 100 elever (elevtall fra {pupils_from}), så "
                                                                    "små og store skoler kan sammenlignes." if per100
                                                                    else "antallet.")
        )
with tab_backlog:
    if part.is_empty():
        st.info(nothing_picked)
    else:
        ui.chart(line_chart(part, "apne_ved_slutt", f"Åpne ved månedsslutt{unit}{of_trinn}", f"Åpne saker{unit}", per100))
        ui.chart(line_chart(part, "evaluering_over_frist", f"Evaluering over frist (antall){of_trinn}", "Antall", False))
        st.caption("En økende restanse av åpne saker eller evalueringer over frist er et tegn på at skolen trenger støtte.")
with tab_season:
    if part.is_empty():
        st.info(nothing_picked)
    else:
        counted = part.filter(pl.col("elevtall").is_not_null()) if per100 else part
        season = (
            counted.with_columns(
                pl.when(pl.col("periode").dt.month() >= 8).then(pl.col("periode").dt.year())
                .otherwise(pl.col("periode").dt.year() - 1).alias("start"),
                ((pl.col("periode").dt.month() + 4) % 12).alias("pos"),
            )
            .group_by("start", "pos").agg(pl.col("nye").sum(), pl.col("elevtall").sum())
            .with_columns(
                ((pl.col("nye") * 100 / pl.col("elevtall")).round(2) if per100 else pl.col("nye")).alias("y")
            )
            .sort("start", "pos")
        )
        order = ["aug", "sep", "okt", "nov", "des", "jan", "feb", "mar", "apr", "mai", "jun", "jul"]
        traces = []
        starts = season.select("start").unique().sort("start")["start"].to_list()
        decimals = decimals_needed(season["y"].to_list())  # one for the chart, as in `line_chart`
        for i, start in enumerate(starts):
            rows = season.filter(pl.col("start") == start)
            line, marker = school_line(i, len(starts))  # each year its own marker shape, not its colour alone
            traces.append(go.Scatter(x=[order[p] for p in rows["pos"]], y=rows["y"].to_list(), mode="lines+markers",
                                     name=f"{start}-{(start + 1) % 100:02d}", line=line, marker=marker,
                                     text=[number_text(v, decimals) for v in rows["y"]],
                                     hovertemplate="%{fullData.name}, %{x}: %{text}<extra></extra>"))
        names = part["skole"].unique().to_list()
        where = f"ved {names[0]}" if len(names) == 1 else "i kommunen" if everyone else "ved de valgte skolene"
        fig = go.Figure(data=traces)
        fig.update_layout(title=dict(text=f"{SAKSTYPER[sakstype]}: nye saker{unit} {where} per måned i skoleåret{of_trinn}",
                                     font=dict(size=18)),
                          **LAYOUT, height=420, plot_bgcolor="white", xaxis=dict(categoryorder="array", categoryarray=order),
                          yaxis=dict(title=f"Nye saker{unit}", rangemode="tozero", gridcolor="#e6e6e6",
                                     **({} if per100 else count_axis(season["y"].to_list()))),
                          legend=dict(orientation="h", y=-0.15))
        ui.chart(fig)
        if per100 and counted.height < part.height:
            st.caption("Skoler uten elevtall i skoleregisteret er ikke med når tallene vises per 100 elever.")
with tab_template:
    st.write(
        "Skolene rapporterer én rad per skole, måned og sakstype (og eventuelt trinn). Har skolen ingenting å "
        "melde, skrives 0. Ingen navn eller personopplysninger."
    )
    ui.help_link("Veiledning: mal for saker", "mal-saker")
    ui.download_template("saksrapportering", "saker", schools, f"saker_mal_{kommunenr}")

ui.export_tables("Saker (kap. 12)", f"saker_{kommunenr}", selection=selection)
