"""What goes into a report: sections of narrative, tables and charts, read through the query layer as the recipient.

A report is built with the *recipient's* viewer, not the requester's: the kommunestyre report is a public document
(published with the council papers), so it is read at the protected level, like FAU. Every number therefore passes
through `queries.enforce` and `privacy` exactly as on the pages; nothing here computes a value the recipient could
not see on screen.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field, replace

import plotly.graph_objects as go
import polars as pl

from dashboard import labels, queries
from dashboard.charts import LAYOUT, PALETTE, month_label, trend_chart, unlogged_months
from dashboard.export import Table
from dashboard.labels import (
    KILDE,
    column_numbers_text,
    format_value,
    missing_reports,
    month_spans,
    months_back,
    names_text,
    number_text,
)
from dashboard.privacy import (
    REASON_MISSING,
    REASON_SECONDARY,
    REASON_SOURCE,
    REASON_UNKNOWN_COUNT,
    SECONDARY_LABEL,
    SMALL_COUNT_LABEL,
    fewer_than,
)
from dashboard.viewer import Viewer, pseudonyms_for
from pipelines.errors import counted
from pipelines.warehouse.published import school_year_window

RECIPIENTS = {"kommunestyre": "Kommunestyret", "fau": "FAU", "rektormote": "Rektormøtet"}
FORMATS = {"pdf": "PDF", "html": "HTML", "xlsx": "Excel (XLSX)"}

EU_HEADLINE = ("EUIndeks_1379", "EUIndeks_1381", "EUIndeks_1391", "EUIndeks_1398", "EUSpm_1398_2", "EUSpm_1398_3",
               "deltakelse")
"""Elevundersøkelsen's indicators a report shows, in this order (those the files have)."""
EU_SCHOOL_COLUMNS = ("EUIndeks_1379", "EUIndeks_1381", "EUIndeks_1398", "deltakelse")
TRIVSEL, MOBBING = "EUIndeks_1379", "EUIndeks_1398"


MISSING_ASSESSMENT = {
    False: "Utkast: skoleeiers vurdering er ikke skrevet ennå.",
    True: "Skolen og skoleeier har ikke skrevet en kommentar.",
}
"""What a report says where the assessment (FAU: the comment) is empty, keyed by «is it the FAU report»."""


class ReportError(Exception):
    """A report cannot be made as asked; the message is Norwegian and says why."""


@dataclass(frozen=True)
class Request:
    kommunenr: str
    skoleaar: str
    mottaker: str
    orgnr: str | None = None
    """FAU: the school the report is about (None: the municipality)."""
    vurdering: str = ""
    """The skoleeier's own assessment, placed in the report as written."""
    anonymiser: bool = False
    """Rektormøte: schools as «Skole A, B, …»."""


@dataclass
class Chart:
    title: str
    figure: go.Figure
    height: int = 320


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    kommune: str
    kommunenr: str
    skoleaar: str
    mottaker: str
    laget: dt.datetime
    laget_av: str | None
    vern: str
    demo: bool
    sections: list[Section]
    skole: str | None = None  # a report on one school: its name, in the file's name too
    anonymisert: bool = False  # a rektormøte report with the schools as letters: in the file's name too


    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    @property
    def file_stem(self) -> str:
        def slug(text: str) -> str:
            return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(str.maketrans("æøå", "eoa"))).strip("-")

        # Each school's FAU report its own name: the same name for every school's saved one over the other.
        unit = f"{slug(self.kommune)}_{slug(self.skole)}" if self.skole else slug(self.kommune)
        # The anonymised rektormøte report apart from the named one: saved under one name, one replaced the other,
        # or the one with the names went up on the shared screen.
        return f"rapport_{self.mottaker}_{unit}_{self.skoleaar}" + ("_anonymisert" if self.anonymisert else "")


# ---------------------------------------------------------------- who may ask, and as whom the report reads


def check_school_year(text: str) -> int:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text or "")
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ReportError(f"Ugyldig skoleår «{text}». Skriv det som 2024-25.")
    start = int(match[1])
    today = labels._today()
    now = today.year if today.month >= 8 else today.year - 1
    if start > now:  # a report on a year not begun was written whole, every section «ingen tall»
        raise ReportError(f"Skoleåret {text} har ikke begynt ennå (nå er det {now}-{(now + 1) % 100:02d}).")
    return start


def refusal(requester: Viewer, req: Request) -> str | None:
    """Why the requester may not have this report, or None when they may."""
    if req.mottaker not in RECIPIENTS:
        return f"Ukjent mottaker «{req.mottaker}». Velg kommunestyre, fau eller rektormote."
    if not requester.sees_kommune(req.kommunenr):
        return f"Du har ikke tilgang til kommune {req.kommunenr}."
    if requester.role in ("skoleeier", "admin"):
        return None
    if req.mottaker != "fau":
        return "Bare skoleeier kan lage rapporten til kommunestyret og rektormøtet."
    if requester.role == "rektor" and req.orgnr not in requester.skoler:
        return "Som rektor kan du lage FAU-rapporten for din egen skole."
    if requester.role == "fau" and req.orgnr is not None and req.orgnr not in requester.skoler:
        return "Som FAU-medlem kan du lage rapporten for din egen skole eller for kommunen."
    return None


def recipient_viewer(requester: Viewer, req: Request, schools: pl.DataFrame) -> Viewer:
    """The viewer the report is read as: always the protected level, within the requester's scope and thresholds."""
    base = replace(requester, kommuner=frozenset({req.kommunenr}), protected=True, pseudonyms=())
    if req.mottaker == "fau":
        return replace(base, role="fau", skoler=frozenset({req.orgnr}) if req.orgnr else frozenset())
    base = replace(base, role="skoleeier", skoler=frozenset())
    if req.mottaker == "rektormote" and req.anonymiser:
        rows = queries.meeting_schools(base, kommunenr=req.kommunenr)
        # A random order each time: a seed anyone can guess (the date printed on the report) would let a reader
        # with the code and the public school register match the letters to the schools.
        base = replace(base, pseudonyms=pseudonyms_for(rows, set(), seed=secrets.randbits(32)))
    return base


def protection_text(viewer: Viewer, kommunenr: str) -> str:
    """The report's protection rule, with the municipality's own threshold (`innstilling min-svar N --kommune`): a
    public document stated the default 10 while its tables hid by the municipality's 30."""
    return (
        f"Rapporten er på vernet nivå: verdier fra spørreundersøkelser med {fewer_than(viewer.threshold_for(kommunenr))} "
        "er skjult, og det samme gjelder verdier kilden selv har skjermet. Antall saker fra 1 til 4 vises som "
        f"«{SMALL_COUNT_LABEL}», og et tall som ellers kunne regnes ut fra summene, vises som «{SECONDARY_LABEL}». "
        "Rapporten inneholder ingen opplysninger om enkeltelever."
    )


# ---------------------------------------------------------------- building


def build(requester: Viewer, req: Request) -> Report:
    """The report for `req`, read through the query layer as its recipient. Raises ReportError with a reason."""
    start = check_school_year(req.skoleaar)
    reason = refusal(requester, req)
    if reason:
        raise ReportError(reason)
    komm = queries.kommuner(requester)
    names = dict(komm.select("kommunenr", "kommune").iter_rows())
    if req.kommunenr not in names:
        raise ReportError(f"Fant ingen data for kommune {req.kommunenr}.")
    kommune = names[req.kommunenr]
    schools = queries.skoler(requester, kommunenr=req.kommunenr)
    school_name = None
    if req.orgnr is not None:
        match = schools.filter(pl.col("orgnr") == req.orgnr)
        if match.is_empty():
            raise ReportError(f"Fant ingen skole med organisasjonsnummer {req.orgnr} i {kommune}.")
        school_name = match["navn"][0]
    viewer = recipient_viewer(requester, req, schools)
    ctx = _Context(viewer, req, kommune, school_name, start)
    settings = dict(queries.settings(requester).iter_rows())

    if req.mottaker == "kommunestyre":
        title = f"Læringsmiljøet i skolene i {kommune} kommune"
        subtitle = f"Orientering til kommunestyret om skoleåret {req.skoleaar} (opplæringslova § 17-12)"
        sections = [ctx.intro_kommunestyre(), ctx.elevundersokelsen(), ctx.ungdata(), ctx.saker(), ctx.team(),
                    ctx.programmer(), ctx.vurdering(), ctx.kilder()]
    elif req.mottaker == "fau":
        unit = school_name or f"skolene i {kommune} kommune"
        title = f"Skolemiljøet ved {unit}" if school_name else f"Skolemiljøet i {kommune} kommune"
        subtitle = f"Til FAU – skoleåret {req.skoleaar}"
        # «Skolens og skoleeiers kommentar» is theirs to write: a report an FAU member makes has no such section.
        sections = [ctx.intro_fau(unit), ctx.elevundersokelsen(), ctx.ungdata(), ctx.saker(), ctx.programmer(),
                    ctx.vurdering() if requester.role != "fau" else None, ctx.kilder(without=TEAM_SOURCES)]
    else:
        title = f"Skolene i {kommune} side om side"
        subtitle = f"Grunnlag for rektormøtet – skoleåret {req.skoleaar}"
        def chapter() -> _Context:
            """Letters drawn anew for each chapter, as each page of the shared screen draws its own: one set for the
            whole document let a reader tie a letter's school type (elevtjeneste: an ungdomsskole; a MOT gap:
            8.–10. trinn) in one table to its survey values and case counts in another."""
            return replace(ctx, viewer=recipient_viewer(requester, req, schools)) if req.anonymiser else ctx

        # No Ungdata chapter (docs/rapporter.md): its files are no source of this report
        sections = [ctx.intro_rektormote(), chapter().elevundersokelsen(), chapter().saker(), chapter().team(),
                    chapter().programmer(), ctx.vurdering(), ctx.kilder(without=UNGDATA_SOURCES)]
    return Report(
        title=title, subtitle=subtitle, kommune=kommune, kommunenr=req.kommunenr, skoleaar=req.skoleaar,
        mottaker=req.mottaker, laget=dt.datetime.now().replace(microsecond=0), laget_av=requester.brukernavn,
        vern=protection_text(viewer, req.kommunenr), demo=settings.get("demo") == "ja",
        sections=[s for s in sections if s is not None], skole=school_name if req.mottaker == "fau" else None,
        anonymisert=req.mottaker == "rektormote" and req.anonymiser,
    )


def previous_year(start: int) -> str:
    return f"{start - 1}-{start % 100:02d}"


def largest_difference(gaps: list[tuple[str, float, float]]) -> tuple[str, float, float, str] | None:
    """Of (indicator, own share, nation's share), the one furthest from the nation as the shares are shown (one
    decimal), with «høyere» or «lavere»; None when every pair shows the same. A council report said «14,2 % mot
    14,2 % (lavere)», and called a difference of 0 the largest."""
    shown = [(name, value, ref, round(float(f"{value:.1f}") - float(f"{ref:.1f}"), 1)) for name, value, ref in gaps]
    if not shown:
        return None
    name, value, ref, gap = max(shown, key=lambda g: abs(g[3]))
    return None if gap == 0 else (name, value, ref, "høyere" if gap > 0 else "lavere")


def _num(value: float | None, maal: str, reason: str | None = "skjult") -> str:
    """A value as shown; without one, «skjult» when it is hidden, «–» when there is none."""
    if value is not None:
        return format_value(value, maal)
    return "–" if reason is None or reason == REASON_MISSING else "skjult"


def _hidden_why(reason: str | None) -> str:
    """Why a headline figure is not in the report, as its hiding reason says: it read «skjult fordi for få har svart»
    also where the value was hidden so that a small group's could not be worked out, or never published."""
    if reason is None or reason == REASON_MISSING:
        return "ikke publisert"
    if reason == REASON_SOURCE:
        return "skjermet av Udir fordi for få har svart"
    if reason == REASON_SECONDARY:
        return "skjult fordi en liten gruppes tall ellers kunne regnes ut av det"
    if reason.startswith(REASON_UNKNOWN_COUNT.split("{", 1)[0]):
        return "skjult fordi kilden ikke oppga hvor mange som har svart"
    return "skjult fordi for få har svart"


def _shown(pair: tuple[float | None, str | None], maal: str) -> str:
    return _num(pair[0], maal, pair[1])


def _change(now: float | None, before: float | None, maal: str) -> str:
    if now is None or before is None:
        return "–"
    if round(now - before, 1) == 0:  # as the dashboard says it, not «+0,0»
        return "uendret"
    unit = " pp" if maal == "andel" else ""
    return f"{now - before:+.1f}{unit}".replace(".", ",").replace("-", "−")


@dataclass
class _Context:
    viewer: Viewer
    req: Request
    kommune: str
    school: str | None
    start: int

    @property
    def year(self) -> str:
        return self.req.skoleaar

    @property
    def before(self) -> str:
        return previous_year(self.start)

    @property
    def scope_text(self) -> str:
        return self.school or f"{self.kommune} kommune"

    # -------------------------------------------------------- introductions

    def intro_kommunestyre(self) -> Section:
        return Section("Om rapporten", [
            f"Kommunestyret skal minst én gang i året få informasjon om læringsmiljøet i skolene "
            f"(opplæringslova § 17-12). Denne rapporten samler det skoleeier vet om skoleåret {self.year}: hvordan "
            "elevene svarer i Elevundersøkelsen og Ungdata, hvor mange saker skolene har hatt etter kapittel 12 "
            "(retten til et trygt og godt skolemiljø), hvordan teamene rundt elevene arbeider, og om de "
            "forebyggende programmene er på plass slik kommunens plan krever.",
            "Rapporten vil bli offentlig sammen med sakspapirene. Derfor er alle tall på samme vernede nivå som "
            "for FAU, slik at ingen enkeltelev kan kjennes igjen.",
        ])

    def intro_fau(self, unit: str) -> Section:
        return Section("Om denne oversikten", [
            f"Denne oversikten er laget for foreldrerådets arbeidsutvalg (FAU) og viser hvordan elevene ved {unit} "
            f"har det på skolen, slik det kommer fram i undersøkelser og rapporter for skoleåret {self.year}.",
            "Tallene er samlet for mange elever. Er en gruppe for liten til at svarene kan vises uten at noen kan "
            "kjennes igjen, står det «skjult» i stedet for et tall.",
        ])

    def intro_rektormote(self) -> Section:
        named = ("Skolene vises med bokstav (Skole A, B, …), trukket på nytt i hvert kapittel: Skole A i ett kapittel "
                 "er ikke nødvendigvis Skole A i et annet." if self.req.anonymiser else "Skolene vises med navn.")
        return Section("Om grunnlaget", [
            f"Skolene i {self.kommune} side om side for skoleåret {self.year}, på vernet nivå. {named}",
        ])

    # -------------------------------------------------------- Elevundersøkelsen

    def elevundersokelsen(self) -> Section:
        section = Section("Elevundersøkelsen")
        now = queries.eu_latest_by_school(self.viewer, kommunenr=self.req.kommunenr, skoleaar=self.year)
        before = queries.eu_latest_by_school(self.viewer, kommunenr=self.req.kommunenr, skoleaar=self.before)
        if now.filter(pl.col("enhet_niva") == "kommune").is_empty():
            # Years before Udir's all-trinn exports (Skoleporten's 7. and 10. trinn) hold results per trinn only.
            per_trinn = [t for t in range(5, 11) if not queries.eu_latest_by_school(
                self.viewer, kommunenr=self.req.kommunenr, skoleaar=self.year, trinn=t,
            ).filter(pl.col("enhet_niva") == "kommune").is_empty()]
            if per_trinn:
                shown = [f"{t}." for t in per_trinn]
                listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " og " + shown[-1]
                section.paragraphs.append(
                    f"For {self.year} er resultatene fra Elevundersøkelsen lest inn bare per trinn ({listed} trinn), "
                    "ikke for alle trinn samlet, som denne rapporten sammenligner. Siden «Elevundersøkelsen» viser "
                    "dem når trinnet velges.")
            else:
                section.paragraphs.append(f"Det er ikke lest inn resultater fra Elevundersøkelsen for {self.year}.")
            return section

        def value(frame: pl.DataFrame, level: str, code: str) -> tuple[float | None, str | None]:
            rows = frame.filter((pl.col("enhet_niva") == level) & (pl.col("indikator_kode") == code))
            if level == "skole":
                rows = rows.filter(pl.col("orgnr") == self.req.orgnr)
            if rows.is_empty():
                return None, None
            return rows["verdi"][0], rows["skjult_grunn"][0]

        level = "skole" if self.school else "kommune"
        codes = [c for c in EU_HEADLINE if c in set(now["indikator_kode"])]
        names = dict(now.select("indikator_kode", "indikator").unique().iter_rows())
        maal = dict(now.select("indikator_kode", "maal").unique().iter_rows())
        rows = []
        for code in codes:
            v_now, v_before = value(now, level, code), value(before, level, code)
            row = {
                "Indikator": names[code],
                f"{self.year}": _shown(v_now, maal[code]),
                f"{self.before}": _shown(v_before, maal[code]),
                "Endring": _change(v_now[0], v_before[0], maal[code]),
            }
            if self.school:
                row[f"Kommunen {self.year}"] = _shown(value(now, "kommune", code), maal[code])
            row[f"Landet {self.year}"] = _shown(value(now, "nasjonalt", code), maal[code])
            rows.append(row)
        section.tables.append(Table(f"Elevundersøkelsen – {self.scope_text}", pl.DataFrame(rows)))

        (trivsel, trivsel_why), trivsel_before = value(now, level, TRIVSEL), value(before, level, TRIVSEL)[0]
        nation_trivsel = value(now, "nasjonalt", TRIVSEL)[0]
        (mobbing, mobbing_why), mobbing_before = value(now, level, MOBBING), value(before, level, MOBBING)[0]
        nation_mobbing = value(now, "nasjonalt", MOBBING)[0]
        where = f"ved {self.school}" if self.school else f"i {self.kommune}"
        if trivsel is not None:
            section.paragraphs.append(
                f"Elevene {where} svarte i snitt {_num(trivsel, 'snitt')} på trivsel (skala 1–5, der 5 er best) i "
                f"{self.year}" + (f", mot {_num(trivsel_before, 'snitt')} året før" if trivsel_before is not None else "")
                + (f". Snittet for landet var {_num(nation_trivsel, 'snitt')}." if nation_trivsel is not None else ".")
            )
        else:
            section.paragraphs.append(f"Trivselstallet {where} for {self.year} er {_hidden_why(trivsel_why)}.")
        if mobbing is not None:
            section.paragraphs.append(
                f"{_num(mobbing, 'andel')} av elevene {where} oppga at de ble mobbet på skolen to–tre ganger i måneden "
                "eller oftere" + (f" ({_num(mobbing_before, 'andel')} året før)" if mobbing_before is not None else "")
                + (f". I landet var andelen {_num(nation_mobbing, 'andel')}." if nation_mobbing is not None else ".")
            )
        elif codes and MOBBING in codes:
            section.paragraphs.append(f"Andelen som oppgir mobbing {where} i {self.year} er {_hidden_why(mobbing_why)}.")
        section.paragraphs.extend(self._how_to_read(codes, names, maal))

        # The rektormøte compares the schools; the kommunestyre and FAU see their unit against the municipality.
        orgnr = (self.req.orgnr,) if self.req.orgnr else ()
        if self.req.mottaker == "rektormote":
            orgnr = tuple(sorted(set(now.filter(pl.col("enhet_niva") == "skole")["orgnr"].drop_nulls())))
        for code, title in ((TRIVSEL, "Trivsel over tid"), (MOBBING, "Mobbing på skolen over tid")):
            if code not in codes:
                continue
            trend = queries.eu_trend(self.viewer, kommunenr=self.req.kommunenr, orgnr=orgnr, indikator_kode=code)
            # Up to the report's own year: a 2025-26 report drew a 2026-27 point that another file had brought.
            trend = trend.filter(pl.col("skoleaar") <= self.year)
            if not trend.is_empty():
                section.charts.append(Chart(title, trend_chart(trend, title=title, maal=maal[code])))

        if self.req.mottaker != "fau":
            section.tables.append(self._schools_table(now, names, maal))
        # The school values this report shows, hidden: the schools table's columns (the own school's headline
        # figures in an FAU report). Counted over every indicator, Sjøbygd's note said 17 where the table had 6.
        shown = now.filter((pl.col("enhet_niva") == "skole") & pl.col("indikator_kode").is_in(
            list(EU_SCHOOL_COLUMNS) if self.req.mottaker != "fau" else codes))
        if self.req.mottaker == "fau":  # the own school's figures; none in a report on the whole municipality
            shown = shown.filter(pl.col("orgnr") == self.req.orgnr) if self.req.orgnr else shown.clear()
        hidden = shown.filter(pl.col("skjult_grunn").is_not_null() & (pl.col("skjult_grunn") != REASON_MISSING))
        if hidden.height:
            section.notes.append(
                f"{counted(hidden.height, 'skoleverdi', 'skoleverdier')} for {self.year} er skjult (for få svar, "
                "skjermet av Udir, eller fordi de ellers kunne regnes ut fra tallene som vises) og vises som "
                "«skjult»; de regnes aldri ut fra andre tall."
            )
        return section

    def _how_to_read(self, codes: list[str], names: dict, maal: dict) -> list[str]:
        """What a council member needs to read the tables: who answered, the scales, «pp» and «Deltakelse»."""
        where = f"ved {self.school}" if self.school else f"i {self.kommune}"
        out = [
            f"Tallene gjelder elevene {where} som svarte, alle trinn samlet. Elevundersøkelsen er for 5.–10. trinn: "
            "den er obligatorisk på 7. og 10. trinn, og frivillig på 5., 6., 8. og 9. trinn."
        ]
        indices = [names[c] for c in codes if maal[c] == "snitt"]
        shares = [names[c] for c in codes if maal[c] == "andel" and c != "deltakelse"]
        parts = []
        if indices:
            listed = ", ".join(f"«{n}»" for n in indices[:-1]) + (" og " if len(indices) > 1 else "") + f"«{indices[-1]}»"
            parts.append(f"{listed} er snitt på en skala fra 1 til 5, der høyere er bedre.")
        if shares:
            parts.append("Mobbetallene er andelen av elevene, i prosent, som svarte at de ble mobbet to–tre ganger i "
                         "måneden eller oftere; lavere er bedre.")
        if "deltakelse" in codes:
            parts.append(f"«{names['deltakelse']}» er andelen av elevene som ble invitert, som svarte: jo flere som "
                         "svarer, jo sikrere er tallene.")
        if shares or "deltakelse" in codes:
            parts.append("Endring i en andel står i prosentpoeng (pp): fra 8,0 % til 8,2 % er +0,2 pp.")
        if self.req.mottaker != "fau" and not self.viewer.pseudonyms:
            parts.append("«Antall svar» i tabellen over skolene er hvor mange elever som svarte; få svar gir usikre tall.")
        return out + ([" ".join(parts)] if parts else [])

    def _schools_table(self, now: pl.DataFrame, names: dict, maal: dict) -> Table:
        codes = [c for c in EU_SCHOOL_COLUMNS if c in names]
        schools = now.filter(pl.col("enhet_niva") == "skole")
        lookup = {(r["enhet_navn"], r["indikator_kode"]): (r["verdi"], r["skjult_grunn"])
                  for r in schools.iter_rows(named=True)}
        # How many answered, as the Elevundersøkelsen page shows it: 17 answers at Haugen are less sure than 342. Not
        # with the schools as letters: a school's number of answers is near its known number of pupils.
        answers = dict(
            schools.filter(pl.col("indikator_kode").is_in(codes)).group_by("enhet_navn")
            .agg(pl.col("antall_besvart").max()).iter_rows()
        ) if not self.viewer.pseudonyms else {}
        rows = [
            {"Skole": name, **{names[c]: _shown(lookup.get((name, c), (None, None)), maal[c]) for c in codes},
             **({"Antall svar": number_text(answers.get(name))} if answers else {})}
            for name in sorted(set(schools["enhet_navn"]))
        ]
        frame = pl.DataFrame(rows) if rows else pl.DataFrame(schema={"Skole": pl.String})
        return Table(f"Skolene {self.year}", frame)

    # -------------------------------------------------------- Ungdata

    def ungdata(self) -> Section | None:
        section = Section("Ungdata (ungdomstrinnet)")
        # A wave's last year: FHI's three-year averages are stored by their first (2022 for «2022–2024»).
        data = queries.ungdata(self.viewer, kommunenr=self.req.kommunenr).with_columns(
            pl.col("periode").str.slice(-4).cast(pl.Int32, strict=False).fill_null(pl.col("aar")).alias("_slutt"))
        own = data.filter((pl.col("geo_niva") == "kommune") & (pl.col("kjonn") == "alle"))
        if own.is_empty():
            section.paragraphs.append(f"Det er ikke lest inn resultater fra Ungdata for {self.kommune}.")
            return section
        source = "ungdata" if (own["kilde"] == "ungdata").any() else "kommunehelsa"
        own = own.filter(pl.col("kilde") == source)
        # Ungdomstrinnet when the file has it; else all of them (an FHI table by age), else its first group.
        trinn = next((t for t in ("8-10", "alle") if (own["trinn"] == t).any()), own["trinn"].sort()[0])
        group_text = {"8-10": "ungdomstrinnet", "alle": "alle aldre og trinn i tabellen"}.get(
            trinn, trinn.replace("-", "–") if trinn.endswith(" år") else f"{trinn}. trinn")
        if trinn != "8-10":
            section.title = "Ungdata"
        # Waves up to the spring of the report's school year: a 2019-20 report does not quote the 2024 survey, nor a
        # 2022-23 report FHI's 2022–2024 average.
        own = own.filter((pl.col("trinn") == trinn) & (pl.col("_slutt") <= int(self.year[:4]) + 1))
        if own.is_empty():
            section.paragraphs.append(f"Det finnes ingen Ungdata-resultater for {self.kommune} fra før skoleåret "
                                      f"{self.year} var omme.")
            return section
        waves = sorted(set(own["aar"]))
        latest, earlier = waves[-1], (waves[-2] if len(waves) > 1 else None)
        nation = data.filter((pl.col("geo_niva") == "nasjonalt") & (pl.col("kjonn") == "alle")
                             & (pl.col("trinn") == trinn))
        period = own.filter(pl.col("aar") == latest)["periode"][0]
        latest_end = own.filter(pl.col("aar") == latest)["_slutt"].max()

        def share(frame: pl.DataFrame, code: str, year: int | None) -> tuple[float | None, str | None]:
            rows = frame.filter((pl.col("indikator_kode") == code) & (pl.col("aar") == year))
            return (rows["andel"][0], rows["skjult_grunn"][0]) if rows.height else (None, None)

        def nation_row(code: str) -> dict | None:
            rows = nation.filter((pl.col("indikator_kode") == code) & (pl.col("_slutt") <= latest_end)).sort("_slutt")
            return rows.row(-1, named=True) if rows.height else None

        def nation_share(code: str) -> tuple[float | None, str | None]:
            row = nation_row(code)
            return (row["andel"], row["skjult_grunn"]) if row else (None, None)

        # The nation may come from another source than the municipality (FHI's three-year averages): say which.
        used = [r for r in map(nation_row, own["indikator_kode"].unique().to_list()) if r]
        nation_label = "Landet"
        if used:
            first = used[0]
            source_text = "FHI, treårssnitt" if first["kilde"] == "kommunehelsa" else "Ungdata"
            nation_label = f"Landet ({source_text} {first['periode']})"

        names = dict(own.select("indikator_kode", "indikator").unique().iter_rows())
        codes = sorted(names, key=names.get)
        rows = []
        for code in codes:
            rows.append({
                "Indikator": names[code], f"{self.kommune} {period}": _shown(share(own, code, latest), "andel"),
                **({f"{self.kommune} {earlier}": _shown(share(own, code, earlier), "andel")} if earlier else {}),
                nation_label: _shown(nation_share(code), "andel"),
            })
        section.tables.append(Table("Ungdata", pl.DataFrame(rows)))
        # A «–» for the nation beside the municipality's share read as hidden, or as a mistake; it is a figure the
        # warehouse has no national counterpart for (FHI's tables cover some of Ungdata's indicators)
        no_nation = [names[c] for c in codes if nation_row(c) is None]
        if no_nation:
            section.notes.append(
                "«–» for landet: lageret har ikke landstall for " + names_text([f"«{n}»" for n in no_nation]) + ".")
        section.paragraphs.append(
            f"Siste Ungdata-tall for {self.kommune} er fra {period} og gjelder {group_text}. "
            "Ungdata spør om mer enn skolen: fritid, helse og forholdet til foreldre og venner."
        )
        gaps = [(names[c], share(own, c, latest)[0], nation_share(c)[0]) for c in codes]
        gaps = [g for g in gaps if g[1] is not None and g[2] is not None]
        largest = largest_difference(gaps)
        if gaps and largest is None:
            section.paragraphs.append(f"{self.kommune} har de samme andelene som landet, slik de vises med én "
                                      "desimal, for alle indikatorene som kan sammenlignes.")
        if largest is not None:
            name, value, ref, direction = largest
            nation_source = nation_label.removeprefix('Landet (').rstrip(')')
            if used and used[0]["kilde"] != source:  # two kinds of figure: each named, and the reader warned
                own_source = f"Ungdata {period}" if source == "ungdata" else f"FHI, treårssnitt {period}"
                averaged = "landets" if used[0]["kilde"] == "kommunehelsa" else "kommunens"
                section.paragraphs.append(
                    f"Størst forskjell fra landet: «{name}» – {_num(value, 'andel')} i {self.kommune} ({own_source}) "
                    f"mot {_num(ref, 'andel')} i landet ({nation_source}); {direction}, men tallene er ikke helt "
                    f"sammenlignbare: {averaged} er et snitt over tre år."
                )
            else:
                section.paragraphs.append(
                    f"Størst forskjell fra landet: «{name}» – {_num(value, 'andel')} i {self.kommune} mot "
                    f"{_num(ref, 'andel')} i landet ({direction}; {nation_source})."
                )
        traces = []
        labels = [names[c] for c in codes]
        series = ((self.kommune, [share(own, c, latest) for c in codes]), (nation_label, [nation_share(c) for c in codes]))
        for i, (unit, pairs) in enumerate(series):
            traces.append(go.Bar(y=labels, x=[v for v, _ in pairs], name=unit, orientation="h", marker_color=PALETTE[i],
                                 text=[_shown(p, "andel") for p in pairs], textposition="outside", cliponaxis=False))
        top = max([v for _, pairs in series for v, _ in pairs if v is not None] or [10])
        fig = go.Figure(data=traces)
        fig.update_layout(barmode="group", **LAYOUT, plot_bgcolor="white", yaxis=dict(BAR_LABELS),
                          xaxis=dict(title="Andel (%)", range=[0, top * 1.18], gridcolor="#e6e6e6"))
        section.charts.append(Chart(f"Ungdata {period}: {self.kommune} og landet", fig, height=120 + 46 * len(rows)))
        return section

    # -------------------------------------------------------- kap. 12

    def _no_counts(self, what: str, complete_year) -> str:
        """Why a count table is missing: no reports for the year, or a year not yet complete (see `_protected_year`)."""
        complete = complete_year(self.viewer, kommunenr=self.req.kommunenr)["skoleaar"].to_list()
        if complete and self.year <= complete[0]:
            return f"Det er ikke lest inn {what} for skoleåret {self.year}."
        latest = f" Siste avsluttede skoleår er {complete[0]}." if complete else ""
        return (
            f"Skoleåret {self.year} er ikke avsluttet, og rapporten viser bare hele skoleår: tall som vokser måned for "
            "måned, kunne trekkes fra hverandre og vise hver nye måneds små tall. Skoleåret tas med når rapportene har "
            f"nådd september etter det.{latest}"
        )

    def saker(self) -> Section:
        section = Section("Saker om skolemiljøet (opplæringslova kapittel 12)")
        now = queries.saker_oversikt(self.viewer, kommunenr=self.req.kommunenr, skoleaar=self.year)
        before = queries.saker_oversikt(self.viewer, kommunenr=self.req.kommunenr, skoleaar=self.before)
        if now.is_empty():
            section.paragraphs.append(self._no_counts("saksrapporter", queries.saker_complete_year))
            return section
        section.tables.append(Table(f"Nye saker {self.year}", now.drop("orgnr").rename({"skole": "Skole"})))
        total = now.filter(pl.col("orgnr").is_null()).row(0, named=True)
        total_before = before.filter(pl.col("orgnr").is_null()).row(0, named=True) if before.height else {}
        plans = "Aktivitetsplan (§ 12-4)"
        if plans in total and total[plans] != SECONDARY_LABEL:
            was = total_before.get(plans)
            section.paragraphs.append(
                f"I skoleåret {self.year} ble det laget {total[plans]} nye aktivitetsplaner etter § 12-4 ved skolene "
                f"i {self.kommune}" + (f" ({was} året før)." if was and was != SECONDARY_LABEL else ".")
                + " En aktivitetsplan lages når en elev ikke har det trygt og godt på skolen."
            )
        section.paragraphs.append(
            (f"Til sammen {total['I alt']} nye saker av alle typene i tabellen. " if total["I alt"] != SECONDARY_LABEL
             else f"Kommunens sum for {self.year} er skjult: noen sakstyper har 1–4 saker i kommunen, og summen "
                  "ville sammen med de andre tallene vist hvor mange. ")
            + "Tallene er antall saker, ikke antall elever: samme elev kan ha mer enn én sak."
        )
        if self.school:
            section.notes.append("Tabellen viser egen skole og kommunen samlet.")
        unreported = missing_reports(queries.saker_rapportering_aar(self.viewer, kommunenr=self.req.kommunenr,
                                                                    skoleaar=self.year))
        if unreported:
            section.notes.append("Rapporter mangler, og tallene kan være for lave («–»: ingen rapport for "
                                 f"skoleåret): {'; '.join(unreported)}.")
        columns = [c for c in now.columns if c not in ("orgnr", "skole", "I alt")]
        traces = []
        for i, (label, row) in enumerate(((self.before, total_before), (self.year, total))):
            if not row:
                continue
            values = [int(row[c]) if str(row.get(c, "")).isdigit() else None for c in columns]
            if all(v is None for v in values):  # a year with every figure hidden draws no bars: say so instead
                section.notes.append(f"Kommunens tall for {label} er skjult for å verne små tall og er ikke i figuren.")
                continue
            text = [row.get(c) if row.get(c) is not None else "–" for c in columns]
            traces.append(go.Bar(y=columns, x=values, name=label, text=text, textposition="outside",
                                 orientation="h", marker_color=PALETTE[i], cliponaxis=False))
        fig = go.Figure(data=traces)
        fig.update_layout(barmode="group", **LAYOUT, plot_bgcolor="white", yaxis=dict(BAR_LABELS),
                          xaxis=dict(title="Nye saker i kommunen", rangemode="tozero", gridcolor="#e6e6e6"))
        section.charts.append(Chart("Nye saker i kommunen, etter type", fig, height=140 + 52 * len(columns)))
        section.notes.append(f"«{SMALL_COUNT_LABEL}» og «{SECONDARY_LABEL}» har ingen søyle i figuren.")
        return section

    # -------------------------------------------------------- arbeidslag and elevtjeneste

    def team(self) -> Section | None:
        from pipelines.templates.teammoter import TEAMS

        section = Section("Arbeidslag og elevtjeneste")
        meetings = queries.team_moter_oversikt(self.viewer, kommunenr=self.req.kommunenr, skoleaar=self.year)
        if meetings.is_empty():
            section.paragraphs.append(f"Det er ikke lest inn møtelogger for skoleåret {self.year}.")
            return section
        teams = [t for t in TEAMS if t in set(meetings["team"])]
        start, end = school_year_window(self.year)
        last = meetings["til"].max()
        section.paragraphs.append(f"Møtene er telt fra {start:%d.%m.%Y} til og med {last:%d.%m.%Y}, siste loggede møte.")
        # A year under way stops at the last logged meeting: months that have ended since, with nothing logged from
        # any school, are in no expected count, and «100 %» would stand if every school stopped logging.
        ended = min(months_back(labels._today().replace(day=1), 1), dt.date(end.year, 6, 1))
        if unlogged := unlogged_months(last, ended):
            section.paragraphs.append(
                f"Ingen skole har logget møter etter {last:%d.%m.%Y}: andelen av forventet møter gjelder bare til og med "
                f"{month_label(last)}, og {month_spans(unlogged)} er ikke med.")
        for team in teams:
            part = meetings.filter(pl.col("team") == team)
            held, expected = int(part["moter"].sum()), part["forventet"].drop_nulls().sum()
            schools_text = counted(part.height, "skole", "skoler")
            if expected:
                on_track = part.filter(pl.col("prosent_av_forventet") >= 90).height
                section.paragraphs.append(
                    f"{TEAMS[team]}: {schools_text} holdt til sammen {counted(held, 'møte', 'møter')} av {int(expected)} forventet "
                    f"etter kommunens møterytme ({round(100 * held / expected)} %); {on_track} av {schools_text} "
                    "holdt minst 90 % av møtene."
                )
            else:
                section.paragraphs.append(f"{TEAMS[team]}: {counted(held, 'møte', 'møter')} ved {schools_text}.")
        schools = meetings.select("orgnr", "skole").unique().sort("skole")
        cell = {(r["orgnr"], r["team"]): r for r in meetings.iter_rows(named=True)}
        rows = []
        for orgnr, skole in schools.iter_rows():
            row = {"Skole": skole}
            for team in teams:
                r = cell.get((orgnr, team))
                row[f"{TEAMS[team]}: møter"] = (
                    "–" if r is None else f"{r['moter']} av {r['forventet']}" if r["forventet"] else str(r["moter"])
                )
            rows.append(row)
        section.tables.append(Table(f"Møter holdt {self.year} (av forventet)", pl.DataFrame(rows)))
        cases = queries.team_saker_oversikt(self.viewer, kommunenr=self.req.kommunenr, skoleaar=self.year)
        if not cases.is_empty():
            section.tables.append(Table(f"Saker drøftet {self.year}", cases.drop("orgnr").rename({"skole": "Skole"})))
            section.notes.append("«Saker drøftet» teller drøftinger i teamene, med samtykke eller anonymt – ikke elever.")
        else:
            section.notes.append("Saker drøftet i teamene: " + self._no_counts("møtelogger", queries.team_complete_year))
        return section

    # -------------------------------------------------------- programmes and the plan

    def programmer(self) -> Section:
        section = Section("Forebyggende programmer og kommunens plan")
        plans = queries.planer(self.viewer, kommunenr=self.req.kommunenr)
        if plans.is_empty():
            section.paragraphs.append(f"Kommunens plan for skolemiljøet er ikke lest inn for {self.kommune}.")
            return section
        plan = plan_in_force(plans, self.year)
        if plan is None:
            current = plans.row(0, named=True)
            section.paragraphs.append(
                f"Ingen plan for skolemiljøet gjaldt i skoleåret {self.year}. Kommunens plan «{current['tittel']}» "
                f"{'gjaldt' if current['gyldig_til'] < dt.date.today() else 'gjelder'} "
                f"{current['gyldig_fra']:%d.%m.%Y}–{current['gyldig_til']:%d.%m.%Y}."
            )
            return section
        section.paragraphs.append(
            f"Kommunens plan: «{plan['tittel']}», "
            f"{'gjaldt' if plan['gyldig_til'] < dt.date.today() else 'gjeldende'} "
            f"{plan['gyldig_fra']:%d.%m.%Y}–{plan['gyldig_til']:%d.%m.%Y}."
        )
        status = queries.programstatus(self.viewer, kommunenr=self.req.kommunenr).filter(
            (pl.col("plan_id") == plan["plan_id"]) & (pl.col("skoleaar") == self.year) & pl.col("planlagt")
        )
        if self.req.mottaker == "fau" and not self.school:
            # The whole municipality for FAU: summed over the schools, whose rows an FAU reader does not see.
            counts = queries.programstatus_by_programme(
                self.viewer, kommunenr=self.req.kommunenr, plan_id=plan["plan_id"], skoleaar=self.year
            )
        else:
            counts = status.group_by("program_navn").agg(
                pl.col("trinn").min().alias("trinn_fra"), pl.col("trinn").max().alias("trinn_til"),
                pl.len().alias("planlagt"), (pl.col("vurdering") == "oppfylt").sum().alias("oppfylt"),
                (pl.col("vurdering") == "ikke_oppfylt").sum().alias("ikke_oppfylt"),
                (pl.col("vurdering") == "ukjent").sum().alias("ukjent"),
            ).sort("program_navn")
        if counts.is_empty():
            section.paragraphs.append(f"Planen har ingen programkrav for skoleåret {self.year}.")
        else:
            summary = counts.select(
                pl.col("program_navn").alias("Program"),
                pl.format("{}.–{}.", "trinn_fra", "trinn_til").alias("Trinn"),
                pl.col("planlagt").cast(pl.Int64).alias("Skole og trinn i planen"),
                pl.col("oppfylt").cast(pl.Int64).alias("Krav oppfylt"),
                pl.col("ikke_oppfylt").cast(pl.Int64).alias("Krav ikke oppfylt"),
                pl.col("ukjent").cast(pl.Int64).alias("Ikke rapportert"),
            )
            section.tables.append(Table(f"Programmer {self.year}", summary))
            # Cells of school × trinn, as the Programmer page counts them: the table's rows are per programme, and a
            # trinn with two programmes stands under each.
            cells = dict(
                queries.programstatus_cells(self.viewer, kommunenr=self.req.kommunenr, plan_id=plan["plan_id"],
                                            skoleaar=self.year).iter_rows()
                if self.req.mottaker == "fau" and not self.school
                else queries.cell_verdicts(status).group_by("vurdering").len().iter_rows()
            )
            met, total, unknown = cells.get("oppfylt", 0), sum(cells.values()), cells.get("ukjent", 0)
            section.paragraphs.append(
                f"I {self.year} oppfylte {met} av {total} "
                + ("trinn" if self.school else "kombinasjoner av skole og trinn")
                + " kravene i planen"
                + (f"; {unknown} er ikke rapportert." if unknown else ".")
            )
            if total < int(summary["Skole og trinn i planen"].sum()):
                section.notes.append("Et trinn med to programmer står i tabellen under hvert av dem, og regnes som "
                                     "oppfylt bare når kravene til begge er oppfylt.")
            gaps = (
                queries.gaps_by_trinn(status.filter(pl.col("vurdering") != "oppfylt"))
                .sort("skole", "program_navn")
                .select(pl.col("skole").alias("Skole"), pl.col("program_navn").alias("Program"), "Trinn", "Hva mangler")
            )
            if gaps.height:
                section.tables.append(Table(f"Mangler mot planen {self.year}", gaps))
            section.charts.append(Chart("Programmene mot planen", _programme_chart(summary), height=140 + 60 * summary.height))
        if self.req.mottaker != "fau" or not self.school:
            actions = queries.plantiltak(self.viewer, kommunenr=self.req.kommunenr).filter(
                pl.col("plan_id") == plan["plan_id"]
            )
            # Deadlines as they stood when the school year ended (a 2024-25 report does not call a deadline of
            # 30.09.2026 overdue); while the year runs, as they stand today, as on the Programmer page.
            end = school_year_window(self.year)[1]
            on = min(end, dt.date.today())
            overdue = actions.filter((pl.col("frist") < on) & (pl.col("status") != "fullfort"))
            if not actions.height:
                section.paragraphs.append("Planen har ingen tiltaksrader.")
            elif on < end:
                section.paragraphs.append(f"Tiltaksplanen har {actions.height} tiltak; {overdue.height} har passert "
                                          "fristen uten å være fullført.")
            else:
                section.paragraphs.append(
                    f"Tiltaksplanen har {actions.height} tiltak; ved utgangen av skoleåret "
                    f"({end - dt.timedelta(days=1):%d.%m.%Y}) hadde {overdue.height} passert fristen uten å være fullført."
                )
            if overdue.height:
                status_label = {"ikke_startet": "Ikke startet", "pagar": "Pågår", "fullfort": "Fullført"}
                section.tables.append(Table("Tiltak på overtid", overdue.select(
                    pl.col("tiltak").alias("Tiltak"), pl.col("ansvarlig").alias("Ansvarlig"),
                    pl.col("frist").dt.strftime("%d.%m.%Y").alias("Frist"),
                    pl.col("status").replace_strict(status_label, default=pl.col("status")).alias("Status"),
                )))
        return section

    # -------------------------------------------------------- assessment and sources

    def vurdering(self) -> Section:
        title = "Skoleeiers vurdering" if self.req.mottaker != "fau" else "Skolens og skoleeiers kommentar"
        # A blank line starts a new paragraph; a single line break stays one (a list of measures, «- punkt»), drawn
        # by the template. A file from Windows breaks lines with «\r\n».
        text = self.req.vurdering.replace("\r\n", "\n").replace("\r", "\n").strip()
        if text:
            return Section(title, [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()])
        # The report speaks to its readers, not to the tool's user: no instructions here (the page and the CLI say
        # how to add it).
        return Section(title, notes=[MISSING_ASSESSMENT[self.req.mottaker == "fau"]])

    def kilder(self, without: tuple[str, ...] = ()) -> Section:
        """The files the report's figures come from; `without`: sources of content the report does not have (the FAU
        report listed the teams' meeting logs, which FAU may not see)."""
        section = Section("Kilder og datakvalitet")
        files = queries.kilder(self.viewer, kommunenr=self.req.kommunenr, skoleaar=self.year)
        files = files.filter(~pl.col("kilde").is_in(list(without)))
        if files.is_empty():
            section.paragraphs.append("Ingen filer er lest inn.")
            return section
        warnings = int(files["advarsler"].fill_null(0).sum())
        first, last = f"{files['ferdig'].min():%d.%m.%Y}", f"{files['ferdig'].max():%d.%m.%Y}"
        section.paragraphs.append(
            f"Tallene kommer fra {counted(files.height, 'fil', 'filer')}, kontrollert og lest inn "
            + (f"{first}. " if first == last else f"mellom {first} og {last}. ")
            + (f"Kontrollene ga {counted(warnings, 'advarsel', 'advarsler')} om enkeltrader; ingen "
               "fil ble stoppet av dem." if warnings else "Kontrollene ga ingen advarsler.")
        )
        # A source, its number of files and when: never a file's name, which may name a pupil, in a document that
        # leaves the house.
        per_source = (
            files.group_by("kilde")
            .agg(
                pl.len().alias("Filer"),
                pl.col("ferdig").max().dt.strftime("%d.%m.%Y").alias("Sist lest inn"),
                pl.col("rader_lastet").sum().alias("_rader"),  # every municipality's: a national file
                pl.col("advarsler").fill_null(0).sum().alias("Advarsler"),
            )
            .with_columns(pl.col("kilde").replace_strict(KILDE, default=pl.col("kilde")).alias("Kilde"))
            .sort("Kilde")
        )
        # «10 440», as every other count in the report (it read «10440»): a row per source, written in Python
        per_source = per_source.with_columns(
            pl.Series("Rader i filene", column_numbers_text(per_source["_rader"].to_list()), dtype=pl.String)
        ).select("Kilde", "Filer", "Sist lest inn", "Rader i filene", "Advarsler")
        section.tables.append(Table("Kilder", per_source))
        return section


BAR_LABELS = dict(autorange="reversed", ticklabelstandoff=8)
"""The label axis of a report's horizontal bars: the first category at the top, and the labels kept off the axis line
(«Aktivitetsplan (§ 12-4)» ended on it, its «)» touching the line, in the PDF)."""
TEAM_SOURCES = ("teammoter", "teamrytme")
"""The teams' meeting logs and expected rhythm: for the owner and the schools, not in the FAU report."""
UNGDATA_SOURCES = ("ungdata_tabell", "ungdata_fhi")
"""Ungdata's files: the rektormøte report has no Ungdata chapter, and listed them among its sources."""


def plan_in_force(plans: pl.DataFrame, skoleaar: str) -> dict | None:
    """The plan that applied in the school year: of those in force some time in it, the last to begin (a plan replaced
    during the year gives way to its successor). None when none did: a 2022-23 report must not judge the schools
    against, or count the actions of, a plan in force from 2024."""
    start, end = school_year_window(skoleaar)
    applied = plans.filter((pl.col("gyldig_fra") < end) & (pl.col("gyldig_til") >= start))
    return applied.sort("gyldig_fra").row(-1, named=True) if applied.height else None


PROGRAMME_BARS = (("Krav oppfylt", "#2a9d55"), ("Krav ikke oppfylt", "#7f1d15"), ("Ikke rapportert", "#d9d9d9"))
"""The programme chart's segments and colours: a middle, a dark and a light grey when the report is printed in black
and white. The former red (#c0392b) came out as nearly the green's grey, and «3 | 3» on the MOT bar could not be told
apart. (Not hatching: Plotly's SVG export points a pattern at the page's address, and the PDF drew the bar empty.)"""


def _programme_chart(summary: pl.DataFrame) -> go.Figure:
    traces = []
    for column, colour in PROGRAMME_BARS:
        traces.append(go.Bar(y=summary["Program"].to_list(), x=summary[column].to_list(), name=column, orientation="h",
                             marker_color=colour, text=summary[column].to_list(), textposition="inside"))
    fig = go.Figure(data=traces)
    fig.update_layout(barmode="stack", **LAYOUT, plot_bgcolor="white", yaxis=dict(BAR_LABELS),
                      xaxis=dict(title="Skole og trinn", gridcolor="#e6e6e6"))
    return fig
