"""Oversikt: the latest key figures per municipality, against last year and the nation."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboard import attention, queries, ui
from dashboard.labels import NO_VALUE, format_value, plain
from dashboard.privacy import REASON_MISSING

st.title("Oversikt")
viewer = ui.viewer()
st.write("Siste tall fra Elevundersøkelsen for hver kommune, sammenlignet med året før og med landet"
         + (", og det du bør følge opp." if attention.enabled(viewer) else "."))
figures = queries.key_figures(viewer)
komm = queries.kommuner(viewer)


def go_to(item: attention.Item, kommunenr: str | None = None) -> None:
    """A line that opens the page showing `item`, with its municipality chosen there."""
    if st.button(plain(item.text), key=f"oppfolging_{kommunenr}_{item.text}", icon=item.icon, type="tertiary"):
        if kommunenr:
            st.session_state["kommune"] = kommunenr  # the pages' municipality picker (`ui.pick_kommune`)
        for key, value in item.choices:
            st.session_state[key] = value
        st.switch_page(item.page)


def follow_up(kommunenr: str) -> None:
    if not attention.enabled(viewer):
        return
    found = attention.items(viewer, kommunenr)
    st.markdown("**Å følge opp** <small>(klikk for å åpne siden)</small>", unsafe_allow_html=True)
    if not found and viewer.full_detail_everywhere:
        st.caption("Ingenting å følge opp: skolene har rapportert saker for alle månedene, ingen nye saker etter § 12-5 "
                   "eller hos Statsforvalteren siste tre måneder, og planen er fulgt så langt skolene har rapportert.")
    elif not found:
        st.caption("Ingenting å følge opp for skolen: sakene er rapportert for alle månedene, ingen nye saker etter "
                   "§ 12-5 eller hos Statsforvalteren siste tre måneder, og planens krav er oppfylt så langt skolen har "
                   "rapportert.")
    for item in found:
        go_to(item, kommunenr)


def without_survey(kommuner: list[str], said: bool = False) -> None:
    """Municipalities with no Elevundersøkelsen results yet still get their follow-up (a first file may have failed);
    `said`: the page has said already that none has results."""
    for kommunenr in kommuner[:CARDS_AT_MOST]:
        with st.container(border=True):
            st.subheader(names[kommunenr])
            if not said:
                st.caption("Ingen resultater fra Elevundersøkelsen ennå.")
            follow_up(kommunenr)


names = dict(zip(komm["kommunenr"], komm["kommune"], strict=True))
CARDS_AT_MOST = 6  # more municipalities (a county governor, a national body): one table, cards for the one chosen
refused = attention.refused_files(viewer)
if refused:
    go_to(refused)
if viewer.kommuner == frozenset():  # an administrator of users only: no figure is theirs to see
    st.warning(ui.NO_KOMMUNE)
    st.stop()
if figures.is_empty():
    per_trinn = [k for k in sorted(names, key=lambda k: names[k]) if not queries.eu_trinn(viewer, kommunenr=k).is_empty()]
    if per_trinn:  # an export chosen per trinn: loaded, but without the «Alle trinn» the cards show
        st.warning(f"Resultatene fra Elevundersøkelsen for {', '.join(names[k] for k in per_trinn)} er lastet inn per "
                   "trinn, uten tall for alle trinn samlet, som Oversikt viser. Se dem per trinn på siden "
                   "«Elevundersøkelsen», eller last ned eksporten fra statistikkbanken med «Alle trinn» også.")
    elif not names:  # an empty warehouse: where to begin
        ui.say_empty_warehouse()
    else:
        st.warning("Ingen resultater fra Elevundersøkelsen er lastet inn ennå.")
    if attention.enabled(viewer):
        without_survey(sorted(names, key=lambda k: names[k]), said=not per_trinn)
    st.stop()

order = [k for k in queries.KEY_FIGURES if k in set(figures["indikator_kode"])]
# Each indicator's name and measure from the municipalities' rows: a unit with no row in a year (a school new this
# year) must still be headed «Trivsel», never by the code.
indicator_of = {r["indikator_kode"]: (r["indikator"], r["maal"])
                for r in figures.select("indikator_kode", "indikator", "maal").unique("indikator_kode").iter_rows(named=True)}

# Which unit a row is of: a school by orgnr (Udir names it as it was called that year, see `queries._EU_NAMED`), a
# municipality by kommunenr.
UNIT = pl.coalesce("orgnr", "kommunenr", "enhet_navn")


def hidden_text(reason: str | None) -> str:
    """What stands for a value not shown: «skjult» only where it is withheld to protect a small group (Udir's screening
    or our threshold), «–» where there is no data, as the reports say it."""
    return NO_VALUE if reason is None or reason == REASON_MISSING else "skjult"


def value_of(frame: pl.DataFrame, code: str, year: int) -> tuple[float | None, str | None]:
    row = frame.filter((pl.col("indikator_kode") == code) & (pl.col("skoleaar_start") == year))
    if row.is_empty():
        return None, REASON_MISSING
    r = row.row(0, named=True)
    return r["verdi"], r["skjult_grunn"]


def unit_names(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per unit (`_enhet`) with the name of its latest year, the name it goes by now."""
    return (frame.with_columns(UNIT.alias("_enhet")).sort("skoleaar_start", descending=True)
            .unique("_enhet", keep="first").select("_enhet", "enhet_navn"))


def school_table(frame: pl.DataFrame, label: str = "Skole", split: bool = False) -> pl.DataFrame:
    """One row per unit (school or municipality): value and change for each headline indicator, hidden values said
    as such. `split`: the change in a column of its own («Trivsel, endring»), for the Excel export, where «4,2 (+0,1)»
    in one cell was text that could not be summed or sorted."""
    latest, previous = frame["skoleaar_start"].max(), frame["skoleaar_start"].max() - 1
    frame = frame.with_columns(UNIT.alias("_enhet"))
    # The nation (no orgnr, no kommunenr) last, after the municipality, on every sheet: «Landet» sorted before
    # «Sjøbygd kommune» and after «Fjellvik kommune», and the sheets could not be laid side by side.
    out = unit_names(frame.filter(pl.col("skoleaar_start") == latest)).sort(
        pl.col("_enhet").is_in(frame.filter(pl.col("enhet_niva") == "nasjonalt")["_enhet"].implode()), "enhet_navn",
        "_enhet")
    for code in queries.KEY_FIGURES:
        part = frame.filter(pl.col("indikator_kode") == code)
        if part.is_empty():
            continue
        name, maal = part["indikator"][0], part["maal"][0]
        now = part.filter(pl.col("skoleaar_start") == latest).select(
            "_enhet", pl.col("verdi").alias("_nå"), pl.col("skjult_grunn").alias("_grunn")
        )
        before = part.filter(pl.col("skoleaar_start") == previous).select("_enhet", pl.col("verdi").alias("_før"))
        unit = " %" if maal == "andel" else ""
        value_text = pl.col("_nå").round(1).cast(pl.String).str.replace(".", ",", literal=True) + unit
        change = (pl.col("_nå") - pl.col("_før")).round(1)
        # As the cards above say it: «uendret», a real minus sign, and percentage points for a share.
        change_text = (
            # In the export's own column a number, which Excel shows as «uendret» (`export.typed`): the text in a
            # column of numbers could not be summed or sorted with them.
            pl.when(change == 0).then(pl.lit(("+0,0" + (" pp" if maal == "andel" else "")) if split else "uendret"))
            .otherwise(
                pl.when(change > 0).then(pl.lit("+")).otherwise(pl.lit("\u2212"))
                + change.abs().cast(pl.String).str.replace(".", ",", literal=True)
                + pl.lit(" pp" if maal == "andel" else "")
            )
        )
        shown = (
            pl.when(pl.col("_nå").is_null() & pl.col("_grunn").is_not_null() & (pl.col("_grunn") != REASON_MISSING))
            .then(pl.lit("skjult"))
            .when(pl.col("_nå").is_null())
            .then(pl.lit(NO_VALUE))
        )
        columns = (
            [shown.otherwise(value_text).alias(name),
             pl.when(pl.col("_nå").is_not_null()).then(change_text).alias(f"{name}, endring")]
            if split else
            [shown.when(change.is_null()).then(value_text)
             .otherwise(value_text + pl.lit(" (") + change_text + pl.lit(")")).alias(name)]
        )
        out = (
            out.join(now, on="_enhet", how="left")
            .join(before, on="_enhet", how="left")
            .with_columns(*columns)
            .drop("_nå", "_før", "_grunn")
        )
    return out.drop("_enhet").rename({"enhet_navn": label})


national = figures.filter(pl.col("enhet_niva") == "nasjonalt")


def metrics(unit: pl.DataFrame, year: int) -> None:
    """The headline indicators of one unit (a municipality, a school) in `year`, with the change and the nation
    beside them."""
    cols = st.columns(len(order))
    for col, code in zip(cols, order, strict=True):
        name, maal = indicator_of[code]
        value, reason = value_of(unit, code, year)
        before, _ = value_of(unit, code, year - 1)
        nat, _ = value_of(national, code, year)
        delta = None
        unchanged, fell = False, False
        lower_is_better = maal == "andel" and code != "deltakelse"
        if value is not None and before is not None:
            diff = value - before
            unchanged = round(diff, 1) == 0  # no green arrow up for «+0,0»
            fell = diff < 0
            # The minus sign of the tables below and the reports («−2,5 pp»), not a hyphen. Better or worse said in
            # words as well: the chip's red and green alone told a colour-blind reader nothing, and the arrow gives
            # only the direction (up is bad for mobbing, good for trivsel).
            delta = ("uendret" if unchanged else (f"{diff:+.1f}" + (" pp" if maal == "andel" else "")).replace(
                ".", ",").replace("-", "\u2212")) + " fra året før" + (
                "" if unchanged else " (bedre)" if fell == lower_is_better else " (verre)")
        col.metric(
            name,
            format_value(value, maal) if value is not None else hidden_text(reason),
            delta=delta,
            # Said outright: Streamlit reads a fall only from a leading hyphen, and took «−» for a rise.
            delta_color="off" if unchanged else ("green" if fell == lower_is_better else "red"),
            delta_arrow="off" if unchanged else ("down" if fell else "up"),
            help=(reason or "") + (f" Landet: {format_value(nat, maal)}." if nat is not None else ""),
        )
        if nat is not None:
            col.caption(f"Landet: {format_value(nat, maal)}")


def running(kommunenr: str, year: int) -> str:
    """The municipality's schools that ran the school year starting `year` (still running on 1 September): counting
    the register's schools said «7 skoler» where three were closed and four ran."""
    # From the municipality's list of when its schools ran, for every role (FAU's register is its own school only).
    dates = komm.filter(pl.col("kommunenr") == kommunenr)["i_drift"].explode().struct.unnest()
    n = dates.filter(queries.open_on(queries.year_begun(dt.date(year, 8, 1)))).height if dates.width else 0
    return f"{n} {'skole' if n == 1 else 'skoler'} i drift"


def card(kommunenr: str) -> None:
    own = figures.filter((pl.col("enhet_niva") == "kommune") & (pl.col("kommunenr") == kommunenr))
    # Each municipality's own latest year: another's newer file must not leave this card without its change.
    year = own["skoleaar_start"].max()
    year_label = own.filter(pl.col("skoleaar_start") == year)["skoleaar"].first() or "–"
    per_school = queries.school_key_figures(viewer, kommunenr=kommunenr)
    # A rektor's or an FAU's front page leads with the own school, then the municipality to compare with: the
    # school's figures used to sit folded away under the municipality's.
    mine = (per_school.filter(pl.col("orgnr").is_in(sorted(viewer.skoler))) if viewer.role in ("rektor", "fau")
            else per_school.clear())
    with st.container(border=True):
        st.subheader(plain(names[kommunenr]))
        st.caption(f"{running(kommunenr, year)} · skoleåret {year_label} · alle trinn, alle kjønn")
        # One block per school (orgnr), under its current name, with both its years in it.
        for orgnr, school in unit_names(mine).sort("enhet_navn").iter_rows():
            st.markdown(f"**{plain(school)}**")  # a survey file's name, as written: never a link or markup
            metrics(mine.filter(pl.col("orgnr") == orgnr), year)
        if not mine.is_empty():
            name = names[kommunenr]
            st.markdown(f"**{plain(name if name.lower().endswith('kommune') else name + ' kommune')}**")
        metrics(own, year)

        follow_up(kommunenr)
        if not per_school.is_empty():
            shown = unit_names(per_school)["enhet_navn"].to_list()
            # FAU sees its own school only: the heading says so rather than promising the municipality's schools.
            heading = (f"{shown[0]} – siste skoleår" if viewer.role == "fau" and len(shown) == 1
                       else "Skolene i kommunen – siste skoleår")
            with st.expander(f"{heading} (endring fra året før i parentes)"):
                # The export says which year, with the municipality and the nation to compare with, and each
                # value and change a number of its own.
                compared = pl.concat([own, national], how="diagonal_relaxed").with_columns(
                    pl.when(pl.col("enhet_niva") == "nasjonalt").then(pl.lit("Landet"))
                    .when(pl.col("enhet_navn").str.to_lowercase().str.ends_with("kommune")).then("enhet_navn")
                    .otherwise(pl.col("enhet_navn") + pl.lit(" kommune")).alias("enhet_navn"))
                exported = pl.concat([school_table(per_school, split=True), school_table(compared, split=True)],
                                     how="diagonal_relaxed")
                ui.table(school_table(per_school), f"Skolene i {names[kommunenr]} {year_label}", exported=exported)
                ui.hidden_note(per_school.filter(pl.col("skoleaar_start") == per_school["skoleaar_start"].max()))


reported = set(figures.filter(pl.col("enhet_niva") == "kommune")["kommunenr"])
with_data = [k for k in sorted(names, key=lambda k: names[k]) if k in reported]
if len(with_data) <= CARDS_AT_MOST:
    for kommunenr in with_data:
        card(kommunenr)
    if attention.enabled(viewer):
        without_survey([k for k in sorted(names, key=lambda k: names[k]) if k not in reported])
else:
    st.subheader(f"{len(with_data)} kommuner")
    st.caption("Siste to skoleår, alle trinn, alle kjønn; endring fra året før i parentes. Velg en kommune under for "
               "detaljer og skolene.")
    ui.table(school_table(figures.filter(pl.col("enhet_niva") == "kommune"), "Kommune"), "Kommunene")
    card(st.selectbox("Vis detaljer for", with_data, format_func=lambda k: f"{names[k]} ({k})", key="oversikt_kommune", placeholder="Velg"))

ui.export_tables("Oversikt", "oversikt")
