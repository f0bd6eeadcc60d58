"""«Å følge opp»: what in a municipality needs the skoleeier (or a rektor, at the own school) now, from the same
queries the pages themselves use, so each role sees only what its pages show it.

Each item names what is wrong and where it is seen, so the Oversikt page leads to the page that shows it in full.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import streamlit as st

from dashboard import queries
from dashboard.labels import (
    due_month,
    finished_month,
    missing_reports,
    month_spans,
    months_back,
    number_text,
)
from dashboard.viewer import Viewer
from pipelines.templates.teammoter import TEAMS
from pipelines.warehouse.connection import data_version
from pipelines.warehouse.published import school_year_label

SAKER, TEAM, PROGRAMMER, DATAKVALITET = "views/saker.py", "views/team.py", "views/programmer.py", "views/datakvalitet.py"
PROGRAMME_YEAR_KEY = "programmer_skoleaar"
"""The Programmer page's Skoleår slider: an item about a school year opens the page on it."""
IMPORTER = "views/importer.py"
HELD_BACK_SOURCE = {"saker": ("saksrapportene", SAKER), "teammoter": ("møteloggen", TEAM)}
REFUSED_DAYS = 30
SHOWN_AT_MOST = 3


@dataclass(frozen=True)
class Item:
    text: str
    page: str
    icon: str
    choices: tuple[tuple[str, str], ...] = ()
    """(widget key, value) the page opens with: which team, say (the municipality is chosen by the caller)."""


def _listed(parts: list[str]) -> str:
    more = len(parts) - SHOWN_AT_MOST
    return "; ".join(parts[:SHOWN_AT_MOST]) + (f" og {more} til" if more > 0 else "")


def _saker(viewer: Viewer, kommunenr: str) -> list[Item]:
    reported = queries.saker_siste_maaned(viewer, kommunenr=kommunenr)["siste"].max()
    if reported is None:
        return [Item("Saker: ingen saksrapporter er lest inn ennå – skolene rapporterer hver måned på malen", SAKER,
                     ":material/assignment_late:")]
    # Missing reports up to the month due by today (the 10th of the month after), not the newest in the warehouse:
    # a municipality whose reports stopped in June read «rapportert for alle månedene» in December, and one school
    # reporting early made every other «missing» a month not yet due.
    due = due_month()
    out = []
    # The twelve months the Saker page counts when a month has been sent early (it ends with the newest month over):
    # Oversikt said 55 missing school months from nov 2025, and the page it led to 50 from des 2025.
    start = months_back(max(due, min(reported, finished_month())), 11)
    coverage = queries.saker_rapportering(viewer, kommunenr=kommunenr, fra=start, til=due)
    missing = sum(len(m) for m in coverage["mangler"])
    if missing:
        out.append(Item(
            f"Saker: rapporter mangler for {missing} {'skolemåned' if missing == 1 else 'skolemåneder'} siste 12 "
            f"måneder – {_listed(missing_reports(coverage))}",
            SAKER, ":material/assignment_late:",
        ))
    # The cases themselves: the newest months reported, however late the reports are, but not a month still under
    # way («ved utgangen av des 2026» on 4 December, from one school's report sent with a warning).
    newest = min(reported, finished_month())
    recent = months_back(newest, 2)
    data = queries.saker_per_month(viewer, kommunenr=kommunenr).filter(pl.col("periode") >= recent)
    new = dict(data.group_by("sakstype").agg(pl.col("nye").sum()).iter_rows())
    parts = []
    if new.get("skjerpet_aktivitetsplikt"):
        n = new["skjerpet_aktivitetsplikt"]
        parts.append(f"{n} {'ny sak' if n == 1 else 'nye saker'} om skjerpet aktivitetsplikt (§ 12-5)")
    if new.get("statsforvalter"):
        n = new["statsforvalter"]
        parts.append(f"{n} {'ny sak' if n == 1 else 'nye saker'} hos Statsforvalteren (§ 12-6)")
    if parts:
        months = [months_back(newest, n) for n in range(3)]
        out.append(Item(f"Saker: {' og '.join(parts)} i {month_spans(months)}", SAKER, ":material/gavel:"))
    # Open plans whose evaluation is overdue at the newest month's end: the Saker page's figure, per school here (a
    # reviewer found 10 of Nordli's 14 open plans overdue with no line about it).
    late = (
        data.filter((pl.col("periode") == newest) & (pl.col("sakstype") == "aktivitetsplan")
                    & (pl.col("evaluering_over_frist") > 0))
        .group_by("skole").agg(pl.col("evaluering_over_frist").sum().alias("n"))
        .sort("n", "skole", descending=[True, False])
    )
    if not late.is_empty():
        n = int(late["n"].sum())
        out.append(Item(
            f"Saker: {n} {'aktivitetsplan' if n == 1 else 'aktivitetsplaner'} med evaluering over frist ved utgangen "
            f"av {month_spans([newest])} – {_listed([f'{skole} {k}' for skole, k in late.iter_rows()])}",
            SAKER, ":material/event_busy:",
        ))
    return out


def _held_back(viewer: Viewer, kommunenr: str) -> list[Item]:
    if not viewer.full_detail_everywhere:
        return []
    held = queries.held_back(viewer, kommunenr=kommunenr)
    return [
        Item(f"Rettelser i {HELD_BACK_SOURCE[kilde][0]} for {school_year_label(start)} er ikke publisert på vernet nivå",
             HELD_BACK_SOURCE[kilde][1], ":material/lock_clock:")
        for kilde, start in held.select("kilde", "skoleaar_start").iter_rows()
        if kilde in HELD_BACK_SOURCE
    ]


TOO_FEW = 0.5
"""A team that held fewer than half of the meetings its municipality expects is followed up."""


def _teams(viewer: Viewer, kommunenr: str) -> list[Item]:
    """Teams that met far less than the municipality's rhythm in the three whole months before the newest logged one
    (which may be under way). Only a school's own teams: a barneskole has no elevtjeneste to miss.

    A school's own teams are those it should have now (`queries.team_expected`, by the register's trinn, as the Team
    page and the reports ask), and any it held in these months (a team of its own choice): Elvetun, 1.–10. once and
    1.–7. now, read «Elevtjeneste … Elvetun skole 0 av 3» for its old logs."""
    if not viewer.sees_team_meetings:
        return []
    meetings = queries.team_meetings(viewer, kommunenr=kommunenr)
    if meetings.is_empty():
        return []
    newest = meetings["dato"].max().replace(day=1)
    # Asked from the municipality's first logged meeting, of every school alike: a municipality that began logging in
    # October had its one logging school counted short for August and September, and the five that logged nothing
    # were not named at all (only pairs in the log were asked)
    first = max(months_back(newest, 3), meetings["dato"].min().replace(day=1))
    last = months_back(newest, 1)
    if first > last:
        return []
    months = queries.school_months(first, last)
    rhythm = dict(queries.team_rhythm(viewer, kommunenr=kommunenr).iter_rows())
    held = meetings.filter(pl.col("dato").is_between(first, newest, closed="left")).group_by("skole", "team").len()
    register = queries.skoler(viewer, kommunenr=kommunenr)
    full = viewer.full_detail_schools()  # a rektor is told of the own school's teams only, as the log is
    seen = register if full is None else register.filter(pl.col("orgnr").is_in(sorted(full)))
    own = pl.concat([seen.filter(queries.team_expected(team)).select(pl.col("navn").alias("skole"),
                                                                      pl.lit(team).alias("team"))
                     for team in TEAMS])
    pairs = (pl.concat([meetings.select("skole", "team"), own]).unique()
             .join(held, on=["skole", "team"], how="left").with_columns(pl.col("len").fill_null(0)))
    # A school closed or opened since (the register's «nedlagt», «opprettet») is asked for the months it ran only.
    changed = register.filter(pl.col("nedlagt").is_not_null() | pl.col("opprettet").is_not_null())
    ran = {navn: queries.months_open(first, last, closed, opened)
           for navn, closed, opened in changed.select("navn", "nedlagt", "opprettet").iter_rows()}
    out = []
    for team, label in TEAMS.items():
        per_month = rhythm.get(team) or 0
        expected = pl.col("skole").replace_strict(ran, default=months, return_dtype=pl.Float64) * per_month
        should_have = register.filter(queries.team_expected(team))["navn"]
        few = (pairs.filter((pl.col("team") == team) & (pl.col("skole").is_in(should_have) | (pl.col("len") > 0)))
               .with_columns(expected.alias("forventet"))
               .filter((pl.col("forventet") > 0) & (pl.col("len") < TOO_FEW * pl.col("forventet"))).sort("skole"))
        if per_month and not few.is_empty():
            schools = [f"{skole} {n} av {number_text(forventet)}"
                       for skole, n, forventet in few.select("skole", "len", "forventet").iter_rows()]
            span = month_spans([m for m in (months_back(newest, n) for n in (3, 2, 1)) if m.month != 7 and m >= first])
            out.append(Item(f"{label}: under halvparten av de forventede møtene i {span} – {_listed(schools)}", TEAM,
                            ":material/groups:", (("team", team),)))
    return out


def _programmes(viewer: Viewer, kommunenr: str) -> list[Item]:
    plans = queries.planer(viewer, kommunenr=kommunenr)
    if plans.is_empty():
        return [Item("Planen: kommunens plan for skolemiljøet er ikke lest inn – programmene kan ikke følges opp mot den",
                     PROGRAMMER, ":material/checklist:")] if viewer.full_detail_everywhere else []
    plan = plans.row(0, named=True)
    out = []
    if plan.get("gjennomgang_naa"):
        out.append(Item(f"Planen: den årlige gjennomgangen skal gjøres nå ({plan['gjennomgang_tekst']})", PROGRAMMER,
                        ":material/event:"))
    status = queries.programstatus(viewer, kommunenr=kommunenr).filter(pl.col("plan_id") == plan["plan_id"])
    # The school year under way (the plan's newest: `mart.programstatus` stops at today's), reported or not. The newest
    # year with a report said nothing when a new plan or a new school year had none yet, and a rektor read that the
    # plan's requirements were met.
    current = status.filter(pl.col("planlagt"))["skoleaar_start"].max()
    own = viewer.full_detail_schools()
    if own is not None:  # a rektor: the own school's
        status = status.filter(pl.col("orgnr").is_in(sorted(own)))
    out += [line for line in [_programme_line(status, current)] if line]
    # Nothing reported yet this year: the last reported year's verdict still stands until its reports come (a new
    # school year read only «48 av 48 … ikke rapportert», and last year's unmet requirements were gone from the page).
    latest = status.filter(pl.col("planlagt") & pl.col("rapportert"))["skoleaar_start"].max()
    if latest is not None and latest != current and status.filter(
            pl.col("rapportert") & (pl.col("skoleaar_start") == current)).is_empty():
        out += [line for line in [_programme_line(status, latest, unmet_only=True)] if line]
    if plan.get("antall_forfalt") and viewer.full_detail_everywhere:
        n = plan["antall_forfalt"]
        out.append(Item(f"Tiltaksplanen: {n} tiltak er ikke fullført innen fristen", PROGRAMMER,
                        ":material/event_busy:"))
    return out


def _programme_line(status: pl.DataFrame, year: int | None, unmet_only: bool = False) -> Item | None:
    """One school year's programme line: the cells whose requirements are not met, and those not reported, with the
    schools not reported named (the ones the skoleeier asks; a rektor's: the own school). `unmet_only`: only a year
    with unmet requirements has a line."""
    # School × trinn, as the Programmer page's matrix counts its cells: programme rows made Sjøbygd, with 10 trinn,
    # «ikke oppfylt for 24 trinn». A rektor's own school: its trinn.
    cells = queries.cell_verdicts(status.filter(pl.col("planlagt") & (pl.col("skoleaar_start") == year)))
    if cells.is_empty():
        return None
    n = dict(cells.group_by("vurdering").len().iter_rows())
    of = f"av {cells.height} " + ("trinn" if cells["orgnr"].n_unique() == 1 else "kombinasjoner av skole og trinn")
    schools = status.select("orgnr", "skole").unique()

    def named(verdict: str) -> str:
        return _listed(cells.filter(pl.col("vurdering") == verdict).join(schools, on="orgnr")["skole"]
                       .unique().sort().to_list())

    silent = named("ukjent")
    # The schools that do not meet the plan are named too: only the silent ones were, and a skolesjef read the one
    # school named (Haugen, not reported) as the one failing the plan (Elvetun, without a MOT coordinator).
    if n.get("ikke_oppfylt") and n.get("ukjent"):
        said = (f"kravene i planen er ikke oppfylt for {n['ikke_oppfylt']} {of} ({named('ikke_oppfylt')}), "
                f"og {n['ukjent']} er ikke rapportert ({silent})")
    elif n.get("ikke_oppfylt"):
        said = f"kravene i planen er ikke oppfylt for {n['ikke_oppfylt']} {of} – {named('ikke_oppfylt')}"
    elif n.get("ukjent") and not unmet_only:
        said = f"{n['ukjent']} {of} er ikke rapportert – {silent}"
    else:
        return None
    # Opened on the year it is about: the page starts on the last year with reports
    return Item(f"Programmer {school_year_label(year)}: {said}", PROGRAMMER, ":material/checklist:",
                ((PROGRAMME_YEAR_KEY, school_year_label(year)),))


def enabled(viewer: Viewer) -> bool:
    """For the skoleeier and admin, and for a rektor about the own school; never for FAU, nor on a rektormøte's
    shared screen."""
    return viewer.full_detail_everywhere or (viewer.role == "rektor" and not viewer.protected)


def items(viewer: Viewer, kommunenr: str) -> list[Item]:
    """What to follow up in the municipality (nothing unless `enabled`)."""
    if not enabled(viewer):
        return []
    return _kept("items", viewer, kommunenr)


def _register(viewer: Viewer, kommunenr: str) -> list[Item]:
    """The municipality's schools known from survey files alone: its register is not loaded (results loaded first,
    as a newcomer does), and Oversikt said nothing of it; only Datakvalitet did. For the skoleeier, who loads it."""
    if not viewer.full_detail_everywhere:
        return []
    schools = queries.skoler(viewer, kommunenr=kommunenr)
    unregistered = queries.schools_without_register(viewer).filter(pl.col("kommunenr") == kommunenr)
    if schools.is_empty() or unregistered.height < schools.height:
        return []
    return [Item("Skoleregisteret er ikke lest inn for kommunen: skolenes trinn og elevtall er ukjent, og saker, møter "
                 "og programmer kan ikke kontrolleres mot dem – last det inn under «Importer filer»", IMPORTER,
                 ":material/domain_add:")]


def _items(viewer: Viewer, kommunenr: str) -> list[Item]:
    return [*_register(viewer, kommunenr), *_saker(viewer, kommunenr), *_teams(viewer, kommunenr),
            *_held_back(viewer, kommunenr), *_programmes(viewer, kommunenr)]


def _kept(what: str, viewer: Viewer, kommunenr: str | None = None):
    """`_items` or `_refused`, kept like the queries they are made from (per warehouse version, viewer and the
    rektors of several schools) and per day (a plan's review and the 30 days move with the date). A warm Oversikt
    then makes one cached call for them instead of eight, each a copy of its frame (a municipality's case months)."""
    db = queries.warehouse()
    return _cached(what, str(db), data_version(db), viewer, kommunenr, tuple(queries.known_together()),
                   dt.date.today())


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs={Viewer: lambda viewer: viewer.cache_key})
def _cached(what: str, db: str, version: tuple[int, int], viewer: Viewer, kommunenr: str | None,
            groups: tuple[frozenset[str], ...], today: dt.date):
    return _items(viewer, kommunenr) if what == "items" else _refused(viewer, today)


def refused_files(viewer: Viewer) -> Item | None:
    """Files refused in the last 30 days and not put right since (see `_refused`)."""
    if not viewer.full_detail_everywhere:  # the ingest log is the skoleeier's
        return None
    return _kept("refused", viewer)


MASKED = "•" * 11
"""A fødselsnummer in a file name as the log keeps it (`pipelines.quality.person_data.name_without_fodselsnummer`)."""


def _refused(viewer: Viewer, today: dt.date) -> Item | None:
    """Files refused in the last 30 days and not put right since, across the viewer's municipalities (one line above
    the municipalities)."""
    since = today - dt.timedelta(days=REFUSED_DAYS)
    log = queries.ingest_log(viewer)
    everywhere = viewer.role == "admin" or viewer.kommuner is None
    mine = sorted(viewer.kommuner or ())

    def ours(row: dict) -> bool:
        """The viewer's own upload, or a file about the viewer's municipalities (a file nothing could be read from is
        on Datakvalitet, but another municipality's upload is not for this front page)."""
        return everywhere or row["lastet_av"] == viewer.brukernavn or bool(set(row["kommuner"] or ()) & set(mine))

    def put_right(row: dict) -> bool:
        """Loaded since (the corrected copy is a new file): a file under the same name by the same person; or, for a
        refused file whose municipalities are known, a file of the same source about one of them (a Fjellvik file
        put no refused Sjøbygd file right); or, when they are not, a file of the same source by the same person. A
        file refused before its format was known has no source to compare: only its name puts it right."""
        def fixes(later: dict) -> bool:
            if later["ferdig"] <= row["ferdig"]:
                return False
            if later["lastet_av"] == row["lastet_av"] and (
                    later["filnavn"] == row["filnavn"] or MASKED in (row["filnavn"] or "")):
                return True  # a name with a fødselsnummer, refused and masked, is loaded under another name
            if row["kilde"] is None or later["kilde"] != row["kilde"]:
                return False
            if row["kommuner"]:
                return bool(set(later["kommuner"] or ()) & set(row["kommuner"]))
            return later["lastet_av"] == row["lastet_av"]

        return any(fixes(later) for later in loaded)

    loaded = log.filter(pl.col("resultat").is_in(["lastet", "allerede_lastet"])).select(
        "kilde", "filnavn", "ferdig", "kommuner", "lastet_av").to_dicts()
    refused = [row for row in log.filter((pl.col("resultat") == "avvist") & (pl.col("ferdig").cast(pl.Date) >= since))
               .sort("ferdig", descending=True).to_dicts() if ours(row) and not put_right(row)]
    if not refused:
        return None
    last = refused[0]
    many = f"{len(refused)} filer er" if len(refused) > 1 else "1 fil er"
    return Item(f"{many} avvist siste {REFUSED_DAYS} dager (sist «{last['filnavn']}», {last['ferdig']:%d.%m.%Y})",
                DATAKVALITET, ":material/block:")
