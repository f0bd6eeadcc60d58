"""The teams' meeting log (the product's own template, docs/mal-teammoter.md): one row per meeting."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.errors import IngestError
from pipelines.parsing import number, unparseable
from pipelines.quality import teammoter as quality
from pipelines.sources.base import (
    MONTHS,
    Known,
    Source,
    SourceResult,
    orgnr_or_school_name,
    per_value,
    per_value_test,
    raise_on_bad,
    refuse_unknown_columns,
    with_row_numbers,
)
from pipelines.templates import CLOSED, closed_school, skip_closed
from pipelines.templates.teammoter import (
    COUNTS,
    HEADERS,
    NO,
    PROFESSIONS,
    TEAM_ALIASES,
    TEAMS,
    YES,
    field_of,
)
from pipelines.warehouse import store

LABEL = "Møtelogg for arbeidslag og elevtjeneste"

SCHEMA: dict[str, pl.DataType] = {
    "rad": pl.Int64,
    "orgnr": pl.String,
    "kommunenr": pl.String,
    "team": pl.String,
    "dato": pl.Date,
    "varighet_min": pl.Int32,
    **{c: pl.Int32 for c in COUNTS},
    **{c: pl.Boolean for c in PROFESSIONS},
}
MARKERS = {"team", "dato", "saker_med_samtykke", "saker_anonyme"}


def detect(columns: list[str]) -> bool:
    fields = {field_of(c) for c in columns}
    return fields >= MARKERS and bool({"orgnr", "skole"} & fields)


def date_expr(col: str) -> pl.Expr:
    """`2025-09-14`, `2025-09-14T00:00:00`, `14.09.2025` (also with a time after it, as Excel writes a date and time),
    `14.9.25`, `14/9/2025`, `14. sep. 2025`, `14 september 2025`, Excel serial `45914` → Date."""
    text = pl.col(col).str.strip_chars()
    iso = text.str.extract_groups(r"^(?<y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})(?:[T ][\d:.]*)?$")
    nor = text.str.extract_groups(
        r"^(?<d>\d{1,2})[./-](?<m>\d{1,2})[./-](?<y>\d{4}|\d{2})(?:\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$")
    named = text.str.to_lowercase().str.extract_groups(
        r"^(?<d>\d{1,2})\.?\s*(?<m>[a-zæøå]{3})[a-zæøå]*\.?\s*(?<y>\d{4})$")
    named = pl.struct(named.struct.field("d").alias("d"),
                      named.struct.field("m").replace_strict(MONTHS, default=None, return_dtype=pl.String).alias("m"),
                      named.struct.field("y").alias("y"))

    def padded(parts: pl.Expr) -> pl.Expr:
        year = parts.struct.field("y")
        year = pl.when(year.str.len_chars() == 2).then(pl.lit("20") + year).otherwise(year)
        return pl.concat_str(
            year, pl.lit("-"), parts.struct.field("m").str.zfill(2), pl.lit("-"), parts.struct.field("d").str.zfill(2)
        ).str.to_date("%Y-%m-%d", strict=False)

    serial = text.str.extract(r"^(\d{5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    from_serial = pl.lit(dt.date(1899, 12, 30)) + pl.duration(days=serial)
    excel = pl.when(serial.is_between(20000, 80000)).then(from_serial.cast(pl.Date))
    return pl.coalesce(padded(iso), padded(nor), padded(named), excel)


def flag_expr(col: str) -> pl.Expr:
    """ja/nei, x/blank, 1/0, true/false → Boolean; anything else → null (a bad value)."""
    text = pl.col(col).str.strip_chars().str.to_lowercase().fill_null("")
    return pl.when(text.is_in(YES)).then(pl.lit(True)).when(text.is_in(NO)).then(pl.lit(False)).otherwise(None)


def team_expr(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ")
    return text.replace_strict(TEAM_ALIASES, default=None, return_dtype=pl.String)


def read(table: pl.DataFrame, known: Known) -> SourceResult:
    headers = {c: field_of(c) for c in table.columns}
    shown = {f: c for c, f in headers.items() if f}  # field → the user's header, for messages
    needed = ["team", "dato", *COUNTS, *PROFESSIONS]
    missing = [HEADERS[f] for f in needed if f not in shown]
    if not ({"orgnr", "skole"} & set(shown)):
        missing.insert(0, HEADERS["orgnr"])
    if missing:
        raise IngestError(f"Filen ligner på {LABEL.lower()}, men mangler kolonnene: {', '.join(missing)}.")
    refuse_unknown_columns(table, [c for c, f in headers.items() if f is None], LABEL.lower())
    # Numbered before the columns are picked: a row is left out as empty only when all of it is.
    t = with_row_numbers(table).select("rad", *shown.values()).rename({c: f for f, c in shown.items()})
    for f in ("orgnr", "skole", "varighet_min"):
        if f not in t.columns:
            t = t.with_columns(pl.lit(None, dtype=pl.String).alias(f))
    rows_in = t.height

    # Template rows with only the school filled in are not meetings.
    content = [f for f in ("team", "dato", "varighet_min", *COUNTS) if f in t.columns]
    empty = pl.all_horizontal(
        *[per_value_test(t, f, pl.col(f).str.strip_chars().fill_null("") == "") for f in content],
        *[per_value_test(t, f, flag_expr(f).fill_null(True).not_()) for f in PROFESSIONS],
    )
    skipped: dict[str, int] = {}
    n_empty = t.select(empty.sum()).item()
    if n_empty:
        skipped["rader uten møte (bare skolen fylt ut)"] = n_empty
        t = t.filter(~empty)
    if t.is_empty():
        raise IngestError("Malen er ikke fylt ut: ingen rader har team, dato eller tall. Skriv én rad per møte.")

    # The school by orgnr, else by name as the case counts find it (`orgnr_or_school_name`)
    t = orgnr_or_school_name(t.with_columns(pl.col("orgnr").str.replace_all(r"\s", "").replace("", None)), known)
    t = t.join(known.schools.select("orgnr", "kommunenr"), on="orgnr", how="left").sort("rad")
    raise_on_bad(t, ~pl.col("orgnr").str.contains(r"^\d{9}$"), "Organisasjonsnummeret må ha 9 siffer",
                 shown.get("orgnr", "orgnr"))

    def blank(f: str) -> pl.Expr:
        return pl.col(f).str.strip_chars().fill_null("") == ""

    def not_whole(f: str) -> pl.Expr:
        return unparseable(f) | (number(f) != number(f).round(0))

    # Each distinct text is parsed once (`per_value`): a municipality's log repeats the same few hundred values.
    t = per_value(t, "team", _team=team_expr("team"), _team_tom=blank("team"))
    t = per_value(t, "dato", _dato=date_expr("dato"), _dato_tom=blank("dato"))
    for f in [*COUNTS, "varighet_min"]:
        plain = t.get_column(f).cast(pl.Int64, strict=False)
        if not plain.null_count():  # every cell a whole number as it stands («3», «60»): nothing to parse or refuse
            t = t.with_columns(pl.lit(False).alias(f"_{f}_tom"), pl.lit(False).alias(f"_{f}_feil"),
                               plain.alias(f"_{f}_tall"))
            continue
        t = per_value(t, f, **{f"_{f}_tom": blank(f), f"_{f}_feil": not_whole(f), f"_{f}_tall": number(f)})
    for f in PROFESSIONS:
        t = per_value(t, f, **{f"_{f}_flagg": flag_expr(f)})
    raise_on_bad(t, pl.col("_team_tom"), "Teamet mangler", shown["team"])
    # Each blank cell is said once, as missing: not also as unknown or unreadable (`every_problem` names them all)
    raise_on_bad(t, pl.col("_team").is_null() & ~pl.col("_team_tom"),
                 "Ukjent team (bruk " + ", ".join(f"«{v}»" for v in TEAMS.values()) + ")", shown["team"], quote="team")
    raise_on_bad(t, pl.col("_dato_tom"), "Datoen mangler", shown["dato"])
    raise_on_bad(t, pl.col("_dato").is_null() & ~pl.col("_dato_tom"),
                 "Datoen kan ikke leses (skriv f.eks. 14.09.2025 eller 2025-09-14)", shown["dato"], quote="dato")
    for f in COUNTS:
        raise_on_bad(t, pl.col(f"_{f}_tom"), "Tallet mangler: skriv 0 når det ikke var noen", shown[f])
        raise_on_bad(t, pl.col(f"_{f}_feil"), "Verdien er ikke et helt tall", shown[f], quote=f)
    raise_on_bad(t, pl.col("_varighet_min_feil"), "Varigheten må være hele minutter",
                 shown.get("varighet_min", "varighet_min"), quote="varighet_min")
    for f in PROFESSIONS:
        raise_on_bad(t, pl.col(f"_{f}_flagg").is_null(), "Skriv ja eller nei (x/tom og 1/0 går også)", shown[f], quote=f)

    out = t.select(
        pl.col("rad"),
        pl.col("orgnr"),
        pl.col("kommunenr"),
        pl.col("_team").alias("team"),
        pl.col("_dato").alias("dato"),
        pl.col("_varighet_min_tall").cast(pl.Int32, strict=False).alias("varighet_min"),
        *[pl.col(f"_{f}_tall").cast(pl.Int32, strict=False).alias(f) for f in COUNTS],
        *[pl.col(f"_{f}_flagg").alias(f) for f in PROFESSIONS],
    ).cast(SCHEMA)
    # A meeting on or after the day its school closed is a wrong school or date, for the suite to refuse; unless each
    # such row records nothing (zeros, no duration, nobody present), which is skipped.
    nothing = pl.all_horizontal(*[pl.col(c) == 0 for c in COUNTS], pl.col("varighet_min").is_null(),
                                *[~pl.col(c) for c in PROFESSIONS])
    out = skip_closed(closed_school(out, known.register_rows, pl.col("dato")), nothing, skipped).drop(CLOSED)
    return SourceResult(source="teammoter", frame=out, rows_in=rows_in, skipped=skipped)


REPLACES = ["orgnr", "team", "month(dato)"]
"""What a delivery speaks for whole: a school's month of one team. A meeting whose date was corrected in a new
delivery of the log would otherwise stay under its old date beside the new one, and count twice (nothing else can
remove it). A month is sent whole, as the case counts are (docs/mal-teammoter.md)."""

SOURCE = Source(
    name="teammoter",
    label=LABEL,
    detect=detect,
    read=read,
    validate=quality.validate,
    load=lambda con, frame, batch: store.replace_by_key(con, "core.teammoter", frame, quality.KEY, batch,
                                                        period="month(dato)", replaces=REPLACES),
    needs_register=True,
    owner_data=True,
    table="core.teammoter",
    key=quality.KEY,
    replaces=REPLACES,
    replaces_text="skolens team og måned",
    replaces_example="et møte under en dato filen har rettet",
)
