"""Programme status reports (the product's own template, docs/mal-programstatus.md) into the canonical frame."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from pipelines import guides
from pipelines.errors import IngestError
from pipelines.parsing import number, unparseable
from pipelines.quality.programstatus import KEY, validate
from pipelines.sources.base import (
    Known,
    Source,
    SourceResult,
    header_key,
    orgnr_or_school_name,
    raise_on_bad,
    school_year_expr,
    slug,
    template_table,
)
from pipelines.templates import CLOSED, closed_school, skip_closed, year_day
from pipelines.templates.programstatus import COUNT_HEADERS, STATUS_HINT
from pipelines.warehouse import store

STATUS_SCHEMA: dict[str, pl.DataType] = {
    "rad": pl.Int64,
    "orgnr": pl.String,
    "kommunenr": pl.String,
    "skoleaar": pl.String,
    "skoleaar_start": pl.Int32,
    "program": pl.String,
    "trinn_fra": pl.Int32,
    "trinn_til": pl.Int32,
    "status": pl.String,
    "koordinator": pl.Boolean,
    "andel_ansatte_kurset": pl.Float64,
    "okter_holdt": pl.Int32,
    "gruppemoter_holdt": pl.Int32,
    "storste_gruppe": pl.Int32,
    "skolemiljoutvalg_moter": pl.Int32,
    "sist_revidert": pl.Date,
    "fase": pl.Int32,
}
LABEL = "Programstatus (skolens rapport om forebyggende programmer)"
REQUIRED = ["skoleaar", "orgnr", "program", "status"]
OPTIONAL = ["skole", "trinn", "koordinator", "andel_ansatte_kurset", "sist_revidert", *COUNT_HEADERS]
ALIASES = {
    "organisasjonsnummer": "orgnr", "skolenavn": "skole", "skolear": "skoleaar", "programkode": "program",
    "koordinator_ja_nei": "koordinator", "andel_kurset": "andel_ansatte_kurset", "okter": "okter_holdt",
    "gruppemoter": "gruppemoter_holdt", "skolemiljoutvalg": "skolemiljoutvalg_moter", "siste_revisjon": "sist_revidert",
    "storste_gruppe_antall": "storste_gruppe",
}
STATUS_WORDS = {
    "ikke startet": "ikke_startet", "ikke_startet": "ikke_startet", "innføring": "innforing", "innforing": "innforing",
    "innføringsfase": "innforing", "drift": "drift", "i drift": "drift", "avsluttet": "avsluttet",
}
REPORTED = ["status", "trinn", "koordinator", "andel_ansatte_kurset", "sist_revidert", *COUNT_HEADERS]
"""What a school reports on a row; the rest (school year, school, programme) the template fills in for it."""
GUIDE = f"se {guides.where('mal-programstatus')}"
"""Where a refusal sends the school: the guide says what each column takes."""
YES = ["ja", "j", "yes", "x", "1", "true", "sann"]
NO = ["nei", "n", "no", "0", "false", "usann"]


def normalise_header(name: str) -> str:
    text = header_key(name).replace("skolemiljoeutvalg", "skolemiljoutvalg")
    return ALIASES.get(text, text)


def detect(columns: list[str]) -> bool:
    return {"skoleaar", "orgnr", "program", "status"} <= {normalise_header(c) for c in columns}


def code(value: str) -> str:
    """«Zippys venner» → zippys_venner, the way plan codes are written (`slug` in Polars)."""
    text = value.strip().lower()
    for old, new in (("æ", "ae"), ("ø", "o"), ("å", "a")):
        text = text.replace(old, new)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def plan_programmes(db: Path | None) -> pl.DataFrame | None:
    """kommunenr, program, program_navn, first and last school year for every programme in the loaded plans."""
    if db is None or not db.exists():
        return None
    from pipelines.warehouse.connection import connect

    with connect(db, read_only=True) as con:
        return con.sql(
            "SELECT p.kommunenr, pp.program, pp.program_navn, core.skoleaar_start(p.gyldig_fra) AS fra_aar, "
            "core.skoleaar_start(p.gyldig_til) AS til_aar FROM core.plan_program pp JOIN core.plan p USING (plan_id)"
        ).pl()


def _date_expr(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars().str.replace(r"[ T]00:00:00(\.0+)?$", "")
    return pl.coalesce(
        text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        text.str.strptime(pl.Date, "%d.%m.%Y", strict=False),
    )


def read(table: pl.DataFrame, known: Known) -> SourceResult:
    t = template_table(table, normalise_header, REQUIRED, OPTIONAL, LABEL, guides.where("mal-programstatus"))
    rows_in = t.height

    def is_blank(col: str) -> pl.Expr:
        return pl.col(col).str.strip_chars().fill_null("") == ""

    # The template comes with a row per school and programme of the plan, and a school reports on those it runs: the
    # rows it left as they came (no status, nothing else) refused the whole file as «Ukjent status».
    empty = pl.all_horizontal(*[is_blank(c) for c in REPORTED])
    skipped: dict[str, int] = {}
    n_empty = t.select(empty.sum()).item()
    if n_empty:
        skipped["tomme rader (bare skole og program fylt ut, uten status)"] = n_empty
        t = t.filter(~empty)
    if t.is_empty():
        raise IngestError("Malen er ikke fylt ut: ingen rader har status eller andre opplysninger. Skriv status for "
                          f"hvert program skolen rapporterer på ({GUIDE}).")
    t = orgnr_or_school_name(t, known)
    label, start = school_year_expr("skoleaar")
    t = t.with_columns(label.alias("skoleaar"), start.alias("skoleaar_start"))
    raise_on_bad(t, pl.col("skoleaar_start").is_null(), f"Skoleåret må skrives som 2025-26 ({GUIDE})", "skoleaar")

    raise_on_bad(t, pl.col("program").str.strip_chars().fill_null("") == "", f"Programmet mangler ({GUIDE})", "program")
    plans = plan_programmes(known.db)
    by_name = {} if plans is None else {code(n): c for n, c in plans.select("program_navn", "program").iter_rows()}
    t = t.with_columns(slug(pl.col("program")).replace(by_name).alias("program"))

    trinn = pl.col("trinn").str.strip_chars().str.to_lowercase().str.replace_all(r"trinn|\.", "").str.strip_chars()
    blank = trinn.is_null() | trinn.is_in(["", "alle", "-"])
    parts = trinn.str.extract_groups(r"^(\d{1,2})\s*(?:[-–]\s*(\d{1,2}))?$")
    fra = parts.struct.field("1").cast(pl.Int32, strict=False)
    til = pl.coalesce(parts.struct.field("2").cast(pl.Int32, strict=False), fra)
    t = t.with_columns(
        pl.when(blank).then(None).otherwise(fra).alias("trinn_fra"),
        pl.when(blank).then(None).otherwise(til).alias("trinn_til"),
    )
    raise_on_bad(t, ~blank & (pl.col("trinn_fra").is_null() | ~pl.col("trinn_fra").is_between(1, 13)
                              | ~pl.col("trinn_til").is_between(1, 13) | (pl.col("trinn_til") < pl.col("trinn_fra"))),
                 f"Trinn må være ett trinn (5), et område (1-4) eller tomt for alle trinnene i planen ({GUIDE})",
                 "trinn")

    status = pl.col("status").str.strip_chars().str.to_lowercase()
    t = t.with_columns(status.replace_strict(STATUS_WORDS, default=None, return_dtype=pl.String).alias("_status"))
    # Each blank cell is said once, as missing: not also as unknown
    raise_on_bad(t, is_blank("status"), f"Status mangler; velg {STATUS_HINT} ({GUIDE})", "status")
    raise_on_bad(t, pl.col("_status").is_null() & ~is_blank("status"), f"Ukjent status; bruk {STATUS_HINT} ({GUIDE})",
                 "status")
    t = t.with_columns(pl.col("_status").alias("status"))

    coordinator = pl.col("koordinator").str.strip_chars().str.to_lowercase()
    t = t.with_columns(
        pl.when(coordinator.is_in(YES)).then(True).when(coordinator.is_in(NO)).then(False).otherwise(None)
        .alias("_koordinator"))
    raise_on_bad(t, coordinator.is_not_null() & (coordinator != "") & pl.col("_koordinator").is_null(),
                 f"Koordinator skal besvares med ja eller nei – skriv aldri navn ({GUIDE})", "koordinator")
    t = t.with_columns(pl.col("_koordinator").alias("koordinator"),
                       pl.col("andel_ansatte_kurset").str.replace_all("%", "").alias("andel_ansatte_kurset"))

    raise_on_bad(t, unparseable("andel_ansatte_kurset"), f"Andelen er ikke et tall (skriv prosent 0–100; {GUIDE})",
                 "andel_ansatte_kurset")
    t = t.with_columns(number("andel_ansatte_kurset").alias("andel_ansatte_kurset"))
    # 0,85 is 85 % written as a fraction (a CSV from a cell formatted as percent): read as 0,85 %, it failed the plan's
    # «minst 80 %». Under 1 % of the staff on the course is no share a school reports.
    raise_on_bad(t, pl.col("andel_ansatte_kurset").is_between(0, 1, closed="none"),
                 "Andelen ser ut til å være skrevet som brøk (f.eks. 0,85); skriv den i prosent (85)",
                 "andel_ansatte_kurset")
    for header in COUNT_HEADERS:
        value = number(header)
        raise_on_bad(t, unparseable(header), "Verdien er ikke et tall", header)
        raise_on_bad(t, value != value.round(0), "Antallet må være et helt tall", header)
        raise_on_bad(t, value.abs() > 100_000, "Urimelig stort antall", header)
        t = t.with_columns(value.cast(pl.Int32).alias(header))

    revised = pl.col("sist_revidert").str.strip_chars()
    t = t.with_columns(_date_expr("sist_revidert").alias("_revidert"))
    raise_on_bad(t, revised.is_not_null() & (revised != "") & pl.col("_revidert").is_null(),
                 f"Datoen må skrives som 2024-05-15 (eller 15.05.2024; {GUIDE})", "sist_revidert")
    t = t.with_columns(pl.col("_revidert").alias("sist_revidert"))

    kommuner = known.schools.select("orgnr", pl.col("kommunenr").alias("kommunenr")).unique("orgnr")
    out = t.join(kommuner, on="orgnr", how="left", maintain_order="left").select(list(STATUS_SCHEMA)).cast(STATUS_SCHEMA)
    # A report for a school year its school never began (closed by 1 September) is the suite's to refuse, unless each
    # such row reports nothing: not started, no coordinator, no numbers or date. Those are skipped.
    nothing = pl.all_horizontal(
        pl.col("status") == "ikke_startet", ~pl.col("koordinator").fill_null(False), pl.col("sist_revidert").is_null(),
        *[pl.col(c).fill_null(0) == 0 for c in ["andel_ansatte_kurset", *COUNT_HEADERS]])
    out = closed_school(out, known.register_rows, year_day(pl.col("skoleaar_start")))
    out = skip_closed(out, nothing, skipped).drop(CLOSED)
    return SourceResult(source="programstatus", frame=out, rows_in=rows_in, skipped=skipped)


def load(con, frame: pl.DataFrame, batch_id: str) -> int:
    return store.replace_by_key(con, "core.programstatus", frame, KEY, batch_id, period="skoleaar")


SOURCE = Source(name="programstatus", label=LABEL, detect=detect, read=read,
                validate=lambda frame, known: validate(frame, known, plan_programmes(known.db)), load=load,
                needs_register=True, owner_data=True, table="core.programstatus", key=KEY,
                load_while_checking=False)
