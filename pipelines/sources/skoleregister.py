"""The school register (NSR extract or kept by hand): `orgnr;navn;kommunenr;kommune;trinn_fra;trinn_til;elevtall`.

Optional columns: `skoleaar` (the register's year) and `nedlagt`, the first day a closed school no longer runs (blank
for a school that runs): from then on it is not asked for case reports, team meetings or programme status.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.errors import IngestError
from pipelines.parsing import number, unparseable
from pipelines.sources.base import (
    REGISTER_SCHEMA,
    SourceResult,
    digits,
    header_key,
    raise_on_bad,
    require_columns,
    school_year_expr,
    with_row_numbers,
)
from pipelines.sources.teammoter import date_expr

LABEL = "skoleregisteret"
COLUMNS = ["orgnr", "navn", "kommunenr", "kommune", "trinn_fra", "trinn_til", "elevtall"]
OPTIONAL = ["skoleaar", "nedlagt", "opprettet"]


ALIASES = {
    "organisasjonsnummer": "orgnr", "org_nr": "orgnr", "skolenavn": "navn", "skole": "navn",
    "kommunenummer": "kommunenr", "kommune_nr": "kommunenr", "kommunenavn": "kommune",
    "fra_trinn": "trinn_fra", "forste_trinn": "trinn_fra", "laveste_trinn": "trinn_fra",
    "til_trinn": "trinn_til", "siste_trinn": "trinn_til", "hoyeste_trinn": "trinn_til",
    "antall_elever": "elevtall", "elever": "elevtall", "skolear": "skoleaar",
    "nedlagt_dato": "nedlagt", "dato_nedlagt": "nedlagt", "nedlagt_fra": "nedlagt", "nedleggelsesdato": "nedlagt",
    "nedlagt_fra_dato": "nedlagt",
    "i_drift_fra": "opprettet", "opprettet_dato": "opprettet", "aapnet": "opprettet", "apnet": "opprettet",
}
"""Headers as a register kept by hand is written («Organisasjonsnummer», «Fra trinn», «Antall elever»): refused as
an unknown format, while the meeting log took its Norwegian headers."""


def _names(columns: list[str]) -> dict[str, str]:
    return {c: header_key(c, ALIASES) for c in columns}


def detect(columns: list[str]) -> bool:
    return {"orgnr", "navn", "kommunenr", "trinn_fra"} <= set(_names(columns).values())


def current_school_year(today: dt.date | None = None) -> str:
    """The school year starts in August."""
    today = today or dt.date.today()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def read(table: pl.DataFrame) -> SourceResult:
    names = {c: n for c, n in _names(table.columns).items() if n in (*COLUMNS, *OPTIONAL)}
    for name in sorted(set(names.values())):
        same = [c for c, n in names.items() if n == name]
        if len(same) > 1:
            raise IngestError(f"Kolonnene {' og '.join(f'«{c}»' for c in same)} betyr det samme ({name}) i "
                              f"skoleregisteret: behold én av dem.")
    table = table.rename(names)
    require_columns(table, COLUMNS, LABEL)
    t = with_row_numbers(table)
    if "skoleaar" not in t.columns:
        t = t.with_columns(pl.lit(current_school_year()).alias("skoleaar"))
    for optional in ("nedlagt", "opprettet"):
        if optional not in t.columns:
            t = t.with_columns(pl.lit(None, pl.String).alias(optional))
    year_label, _ = school_year_expr("skoleaar")
    # «1. trinn», «Trinn 7» and «7.» are trinn as every other format writes them (`trinn_expr`).
    t = t.with_columns(pl.col(c).cast(pl.String).str.replace(r"(?i)^\s*(?:trinn\s*)?(\d{1,2})\.?\s*(?:trinn)?\s*$", "$1")
                       for c in ("trinn_fra", "trinn_til"))
    t = t.with_columns(
        # No padding: organisation numbers never start with 0, so an 8-digit one is a typo.
        pl.col("orgnr").str.replace_all(r"\s", "").alias("orgnr"),
        digits("kommunenr", 4).alias("kommunenr"),
        year_label.alias("skoleaar_norm"),
        date_expr("nedlagt").alias("nedlagt_dato"),
        date_expr("opprettet").alias("opprettet_dato"),
    )
    raise_on_bad(t, ~pl.col("orgnr").str.contains(r"^\d{9}$").fill_null(False),
                 "Organisasjonsnummeret må ha 9 siffer", "orgnr")
    raise_on_bad(t, ~pl.col("kommunenr").str.contains(r"^\d{4}$").fill_null(False),
                 "Kommunenummeret må ha 4 siffer", "kommunenr")
    raise_on_bad(t, pl.col("navn").is_null(), "Skolen mangler navn", "navn")
    for col in ("trinn_fra", "trinn_til", "elevtall"):
        raise_on_bad(t, unparseable(col), "Verdien er ikke et heltall", col)
    raise_on_bad(t, pl.col("trinn_fra").is_null(), "Første trinn mangler", "trinn_fra")
    raise_on_bad(t, pl.col("trinn_til").is_null(), "Siste trinn mangler", "trinn_til")
    raise_on_bad(t, pl.col("skoleaar_norm").is_null(), "Skoleåret må være på formen 2024-25", "skoleaar")
    raise_on_bad(t, pl.col("nedlagt_dato").is_null() & (pl.col("nedlagt").cast(pl.String).str.strip_chars() != ""),
                 "Datoen skolen ble nedlagt må være en dato, f.eks. 2026-08-01 eller 01.08.2026 (tom for en skole i "
                 "drift)", "nedlagt")
    raise_on_bad(t, pl.col("opprettet_dato").is_null() & (pl.col("opprettet").cast(pl.String).str.strip_chars() != ""),
                 "Datoen skolen ble opprettet må være en dato, f.eks. 2026-08-01 eller 01.08.2026 (tom for en skole "
                 "som har vært i drift hele tiden)", "opprettet")
    raise_on_bad(t, pl.col("opprettet_dato") >= pl.col("nedlagt_dato"),
                 "Skolen er nedlagt samme dag som eller før den ble opprettet", "opprettet")
    out = t.select(
        pl.col("rad"),
        pl.col("orgnr"),
        pl.col("navn").str.strip_chars(),
        pl.col("kommunenr"),
        pl.col("kommune").str.strip_chars(),
        number("trinn_fra").cast(pl.Int8, strict=False).alias("trinn_fra"),
        number("trinn_til").cast(pl.Int8, strict=False).alias("trinn_til"),
        number("elevtall").cast(pl.Int32, strict=False).alias("elevtall"),
        pl.col("skoleaar_norm").alias("skoleaar"),
        pl.col("nedlagt_dato").alias("nedlagt"),
        pl.col("opprettet_dato").alias("opprettet"),
    ).cast(REGISTER_SCHEMA)
    return SourceResult(source="skoleregister", frame=out, rows_in=table.height)


MAX_NAMED = 6


def not_older(result: SourceResult, known) -> SourceResult:
    """Refuse a register for an older school year than the warehouse has for the same schools: it would put back old
    trinn, pupil counts and names (a 2023-24 register loaded over 2026-27 said only «4 rader lastet», and a school
    that had become 1–7 was again asked for MOT on 8.–10. trinn)."""
    before = known.register_rows
    if before is None or before.is_empty() or "skoleaar" not in before.columns:
        return result
    older = (result.frame.select("rad", "orgnr", "navn", "skoleaar")
             .join(before.select("orgnr", pl.col("skoleaar").alias("_lager")), on="orgnr")
             .filter(pl.col("skoleaar") < pl.col("_lager")).sort("rad"))
    if older.is_empty():
        return result
    first = older.row(0, named=True)
    result.refused = IngestError(
        f"Skoleregisteret er for {first['skoleaar']}, men lageret har registeret for {first['_lager']} for "
        f"{older.height} av skolene (f.eks. {first['navn']}). Et eldre register ville erstatte nyere trinn, elevtall "
        "og navn. Last inn registeret for inneværende skoleår, eller rett skoleåret i kolonnen «skoleaar».",
        row=first["rad"], column="skoleaar")
    return result


def not_before_its_year(result: SourceResult, today: dt.date | None = None) -> SourceResult:
    """Refuse a register for a school year that has not begun. The warehouse holds one register, today's, and every
    page judges the school year under way (and those before it) by it: next year's register, loaded in December
    as municipalities get it in spring, at once asked a school opening next August for this year's programme status,
    and took this year's MOT from a school becoming 1–7 next year. It loads from 1 August, when its year begins."""
    if result.refused is not None or result.frame.is_empty():
        return result
    now = current_school_year(today)
    ahead = result.frame.filter(pl.col("skoleaar") > now).sort("rad")
    if ahead.is_empty():
        return result
    first = ahead.row(0, named=True)
    result.refused = IngestError(
        f"Skoleregisteret er for {first['skoleaar']}, som ikke har begynt (inneværende skoleår er {now}). Sidene "
        f"regner skoleåret som pågår etter registeret, så trinn, elevtall, nye skoler og nedleggelser fra "
        f"{first['skoleaar']} ville gjelde allerede nå. Last det inn fra 1. august {first['skoleaar'][:4]}, eller rett "
        "skoleåret i kolonnen «skoleaar».", row=first["rad"], column="skoleaar")
    return result


def with_missing_said(result: SourceResult, known) -> SourceResult:
    """A school of the file's municipalities in the register before, and not in this file, stays in the register (a
    file may hold only the schools that changed): said, so that a school closed or merged since is seen. It is still
    asked for case reports, meetings and programme status until a register marks it as closed (`nedlagt`)."""
    before = known.register_rows
    if before is None or before.is_empty() or result.frame.is_empty():
        return result
    kommuner = result.frame["kommunenr"].drop_nulls().unique().implode()
    missing = (
        before.filter(pl.col("kommunenr").is_in(kommuner) & pl.col("trinn_fra").is_not_null()
                      & ~pl.col("orgnr").is_in(result.frame["orgnr"].implode()))
        .sort("kommunenr", "navn")
    )
    if missing.is_empty():
        return result
    named = [f"{navn} ({orgnr})" for orgnr, navn in missing.select("orgnr", "navn").head(MAX_NAMED).iter_rows()]
    more = f" og {missing.height - MAX_NAMED} til" if missing.height > MAX_NAMED else ""
    one = missing.height == 1
    result.notes.append(
        f"{'1 skole' if one else f'{missing.height} skoler'} i registeret står ikke i denne filen: "
        f"{', '.join(named)}{more}. {'Den' if one else 'De'} blir stående i registeret og forventes fortsatt å "
        "rapportere saker og møter. Er en skole lagt ned, før den opp i registeret med datoen i kolonnen «nedlagt»."
    )
    return result


def has_closing_column(table: pl.DataFrame) -> bool:
    return "nedlagt" in _names(table.columns).values()


def with_openings(table: pl.DataFrame, result: SourceResult, known) -> SourceResult:
    """When a school opened (`opprettet`, the first day it runs): it is asked for no case reports, meetings or
    programme status before (a school opened by a merger in August 2026 was listed as «ikke rapportert» for 2025-26
    in the public council report, and as missing every month since November 2025).

    From the column when the file has it (a blank cell: the school always ran). Without it, a school the warehouse
    has an opening for keeps it, and a school new to the register, in a register for a later school year than its
    municipality's register before, is taken to have opened with that school year (1 August): a register that only
    adds a school the earlier one lacked, for the same year, says nothing about when it opened. Said in the notes."""
    before = known.register_rows
    if "opprettet" in _names(table.columns).values() or before is None or before.is_empty():
        return _openings_said(result, before)
    held = before.filter(pl.col("trinn_fra").is_not_null())  # the register's schools, not those a survey brought in
    kept = held.select("orgnr", pl.col("opprettet").alias("_kept"))
    newest = held.group_by("kommunenr").agg(pl.col("skoleaar").max().alias("_aar"))
    frame = (result.frame.join(kept, on="orgnr", how="left", maintain_order="left")
             .join(newest, on="kommunenr", how="left", maintain_order="left"))
    new_school = pl.col("orgnr").is_in(held["orgnr"].implode()).not_() & (pl.col("skoleaar") > pl.col("_aar"))
    first_day = pl.date(pl.col("skoleaar").str.slice(0, 4).cast(pl.Int32), 8, 1)
    result.frame = frame.with_columns(
        pl.coalesce("_kept", pl.when(new_school).then(first_day)).alias("opprettet")
    ).drop("_kept", "_aar")
    return _openings_said(result, before)


def _openings_said(result: SourceResult, before: pl.DataFrame | None) -> SourceResult:
    """The schools this file gives an opening the warehouse did not have (said once, when it is new)."""
    opened = result.frame.filter(pl.col("opprettet").is_not_null())
    if before is not None and not before.is_empty():
        opened = opened.join(before.select("orgnr", "opprettet"), on=["orgnr", "opprettet"], how="anti")
    if opened.is_empty():
        return result
    opened = opened.sort("opprettet", "navn")
    named = [f"{navn} (i drift fra {day:%d.%m.%Y})"
             for navn, day in opened.select("navn", "opprettet").head(MAX_NAMED).iter_rows()]
    more = f" og {opened.height - MAX_NAMED} til" if opened.height > MAX_NAMED else ""
    result.notes.append(
        f"{'1 ny skole' if opened.height == 1 else f'{opened.height} nye skoler'}: {', '.join(named)}{more}. "
        "Før den dagen forventes ikke saksrapporter, teammøter eller programstatus. Står datoen feil, før inn riktig "
        "dato i kolonnen «opprettet» (tom: skolen har alltid vært i drift)."
    )
    return result


def with_closures_kept(table: pl.DataFrame, result: SourceResult, known) -> SourceResult:
    """A register without the «nedlagt» column (an ordinary NSR extract) says nothing about closing: a school the
    warehouse has as closed stays closed. Only a blank cell in the column opens it again (`with_closed_said`)."""
    before = known.register_rows
    if has_closing_column(table) or before is None or before.is_empty() or "nedlagt" not in before.columns:
        return result
    kept = before.select("orgnr", pl.col("nedlagt").alias("_kept")).filter(pl.col("_kept").is_not_null())
    if kept.is_empty():
        return result
    result.frame = (result.frame.join(kept, on="orgnr", how="left")
                    .with_columns(pl.col("_kept").alias("nedlagt")).drop("_kept"))
    return result


def with_closed_said(result: SourceResult, known=None) -> SourceResult:
    """The schools the file marks as closed, and from when: they are asked for nothing from that day; and those it
    opens again (a blank «nedlagt» for a school the warehouse had as closed)."""
    before = getattr(known, "register_rows", None)
    if before is not None and not before.is_empty() and "nedlagt" in before.columns:
        reopened = (result.frame.filter(pl.col("nedlagt").is_null())
                    .join(before.filter(pl.col("nedlagt").is_not_null()).select("orgnr"), on="orgnr", how="semi")
                    .sort("navn"))
        if not reopened.is_empty():
            names = reopened["navn"].head(MAX_NAMED).to_list()
            more = f" og {reopened.height - MAX_NAMED} til" if reopened.height > MAX_NAMED else ""
            result.notes.append(
                f"{'1 skole' if reopened.height == 1 else f'{reopened.height} skoler'} som var merket som nedlagt, "
                f"er i drift igjen etter denne filen (tom «nedlagt»): {', '.join(names)}{more}. "
                f"{'Den' if reopened.height == 1 else 'De'} forventes igjen å rapportere.")
    closed = result.frame.filter(pl.col("nedlagt").is_not_null()).sort("nedlagt", "navn")
    if before is not None and not before.is_empty() and "nedlagt" in before.columns:  # said once, when it is new
        closed = closed.join(before.select("orgnr", "nedlagt"), on=["orgnr", "nedlagt"], how="anti")
    if closed.is_empty():
        return result
    named = [f"{navn} (fra {day:%d.%m.%Y})" for navn, day in closed.select("navn", "nedlagt").head(MAX_NAMED).iter_rows()]
    more = f" og {closed.height - MAX_NAMED} til" if closed.height > MAX_NAMED else ""
    result.notes.append(
        f"{'1 skole' if closed.height == 1 else f'{closed.height} skoler'} er merket som nedlagt: {', '.join(named)}"
        f"{more}. Fra den dagen forventes ikke saksrapporter, teammøter eller programstatus; det som er rapportert "
        "før, blir stående."
    )
    return result
