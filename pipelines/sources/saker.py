"""Case counts under opplæringslova kap. 12 (the product's own template, docs/mal-saker.md) into the canonical frame."""

from __future__ import annotations

import re

import polars as pl

from pipelines import guides
from pipelines.parsing import number, unparseable
from pipelines.quality.saker import KEY, before_warehouse, validate
from pipelines.sources.base import (
    MONTHS,
    Known,
    Source,
    SourceResult,
    header_key,
    orgnr_or_school_name,
    per_value,
    raise_on_bad,
    template_table,
)
from pipelines.templates import CLOSED, closed_school, month_day, skip_closed
from pipelines.templates.saker import OLD_PARAGRAPHS, SAKSTYPER, SHOWN, UTFALL
from pipelines.warehouse import store

SAKER_SCHEMA: dict[str, pl.DataType] = {
    "rad": pl.Int64,
    "orgnr": pl.String,
    "kommunenr": pl.String,
    "periode": pl.Date,
    "trinn": pl.Int8,
    "sakstype": pl.String,
    "utfall": pl.String,
    "nye": pl.Int32,
    "avsluttet": pl.Int32,
    "apne_ved_slutt": pl.Int32,
    "evaluering_over_frist": pl.Int32,
}
COUNTS = {  # canonical column ← template header
    "nye": "nye",
    "avsluttet": "avsluttet",
    "apne_ved_slutt": "apne_ved_maanedsslutt",
    "evaluering_over_frist": "evaluering_over_frist",
}
LABEL = "Saker etter kapittel 12 (skolens rapport)"

# Header spellings people use, after normalising (lower case, æøå → ae/o/aa, spaces → _).
ALIASES = {
    "organisasjonsnummer": "orgnr",
    "skolenavn": "skole",
    "maned": "maaned",
    "periode": "maaned",
    "antall_nye": "nye",
    "nye_saker": "nye",
    "avsluttede": "avsluttet",
    "avsluttet_saker": "avsluttet",
    "avsluttede_saker": "avsluttet",
    "apne_ved_slutt": "apne_ved_maanedsslutt",
    "apne_ved_manedsslutt": "apne_ved_maanedsslutt",
    "apne": "apne_ved_maanedsslutt",
    # «Åpne ved månedsslutt», as the guide and a clerk write it: å → aa in both words.
    "aapne_ved_maanedsslutt": "apne_ved_maanedsslutt",
    "aapne_ved_slutt": "apne_ved_maanedsslutt",
    "aapne": "apne_ved_maanedsslutt",
    "evaluering_forfalt": "evaluering_over_frist",
}
REQUIRED = ["orgnr", "maaned", "sakstype"] + list(COUNTS.values())

def normalise_header(name: str) -> str:
    return header_key(name, ALIASES)


def detect(columns: list[str]) -> bool:
    names = {normalise_header(c) for c in columns}
    return {"orgnr", "maaned", "sakstype", "nye"} <= names


def _lookup(codes: dict[str, str]) -> dict[str, str]:
    """Code, label, label without the paragraph reference, label with the old one («Aktivitetsplan (§ 9 A-4)», as
    the guide names the duties) and with both, as the template's guide (docs/mal-saker.md) lists them («Aktivitetsplan
    (§ 12-4, tidl. § 9 A-4)»; all lower case) → code."""
    table: dict[str, str] = {}
    for code, label in codes.items():
        bare = re.sub(r"\s*\(.*\)\s*$", "", label)
        old = []
        if code in OLD_PARAGRAPHS:
            old.append(f"{bare} ({OLD_PARAGRAPHS[code]})")
            if label != bare:
                old.append(f"{label[:-1]}, tidl. {OLD_PARAGRAPHS[code]})")
        for text in (code, label, bare, *old):
            table[text.strip().lower()] = code
    return table


def code_expr(col: str, codes: dict[str, str]) -> pl.Expr:
    """A code or its label → the code; anything else is kept (lower case) for the suite to name."""
    text = pl.col(col).str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ")
    text = pl.when(text == "").then(None).otherwise(text)
    return text.replace(_lookup(codes))


def month_expr(col: str) -> pl.Expr:
    """`2025-09`, `2025-09-01`, `09.2025`, `01.09.2025`, `sep 2025`, `september 2025`, `sep.25` → first of month."""
    text = pl.col(col).str.strip_chars().str.to_lowercase()
    iso = text.str.extract_groups(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:[ t].*)?$")
    mmyyyy = text.str.extract_groups(r"^(?:\d{1,2}[./-])?(\d{1,2})[./-](\d{4})$")
    named = text.str.extract_groups(r"^([a-zæøå]{3})[a-zæøå]*\.?[\s.\-]*(\d{4}|\d{2})$")
    named_month = named.struct.field("1").replace_strict(MONTHS, default=None, return_dtype=pl.Int32)
    named_year = named.struct.field("2").cast(pl.Int32, strict=False)
    named_year = pl.when(named_year < 100).then(named_year + 2000).otherwise(named_year)
    year = pl.coalesce(
        iso.struct.field("1").cast(pl.Int32, strict=False),
        mmyyyy.struct.field("2").cast(pl.Int32, strict=False),
        named_year,
    )
    month = pl.coalesce(
        iso.struct.field("2").cast(pl.Int32, strict=False),
        mmyyyy.struct.field("1").cast(pl.Int32, strict=False),
        named_month,
    )
    ok = month.is_between(1, 12) & year.is_between(1900, 2999)
    return pl.when(ok).then(pl.date(year.clip(1900, 2999), month.clip(1, 12), 1)).otherwise(None)


def read(table: pl.DataFrame, known: Known) -> SourceResult:
    t = template_table(table, normalise_header, REQUIRED, ["skole", "trinn", "utfall"], LABEL, guides.where("mal-saker"))
    rows_in = t.height
    t = orgnr_or_school_name(t, known)

    trinn_text = pl.col("trinn").str.strip_chars().str.to_lowercase()
    trinn_blank = trinn_text.is_null() | trinn_text.is_in(["", "alle", "alle trinn", "-"])
    trinn_number = trinn_text.str.extract(r"^(?:trinn\s*)?(\d{1,2})\.?\s*(?:trinn)?$", 1).cast(pl.Int8, strict=False)
    # Each distinct text is parsed once (`per_value`): a national report repeats a few hundred values.
    t = per_value(t, "maaned", periode=month_expr("maaned"))
    t = per_value(t, "trinn", _trinn=pl.when(trinn_blank).then(None).otherwise(trinn_number),
                  _trinn_bad=~trinn_blank & (trinn_number.is_null() | ~trinn_number.is_between(1, 13)))
    t = per_value(t, "sakstype", _sakstype=code_expr("sakstype", SAKSTYPER))
    t = per_value(t, "utfall", _utfall=code_expr("utfall", UTFALL))
    t = t.drop("trinn", "sakstype", "utfall").rename({"_trinn": "trinn", "_sakstype": "sakstype", "_utfall": "utfall"})
    raise_on_bad(t, pl.col("periode").is_null(),
                 "Måneden må skrives som 2025-09 (også 09.2025, 2025-09-01 eller «sep 2025» godtas)", SHOWN["maaned"],
                 quote="maaned")
    raise_on_bad(t, pl.col("_trinn_bad"), "Trinn må være et tall fra 1 til 13, eller tomt for alle trinn",
                 SHOWN["trinn"], quote="trinn")
    raise_on_bad(t, pl.col("sakstype").is_null(), "Sakstypen mangler", SHOWN["sakstype"])
    for canonical, header in COUNTS.items():
        plain = t.get_column(header).cast(pl.Int64, strict=False)  # «3», «0»: nothing to parse or refuse
        if not plain.null_count() and (plain.abs().max() or 0) <= 1_000_000:
            # Every cell a whole number as it stands: the column needs none of the reading below (a national file's
            # four columns: 36 → 4 ms).
            t = t.with_columns(plain.cast(pl.Int32).alias(canonical))
            continue
        value = number(header)
        t = per_value(t, header, **{
            "_tall": value, "_feil": unparseable(header), "_tom": value.is_null(), "_brok": value != value.round(0),
            "_stort": value.abs() > 1_000_000,
        })
        shown = SHOWN[header]  # as the template heads it
        raise_on_bad(t, pl.col("_feil"), "Verdien er ikke et tall", shown, quote=header)
        raise_on_bad(t, pl.col("_tom"), "Tom celle: skriv 0 når det ikke er noe å melde", shown)
        raise_on_bad(t, pl.col("_brok"), "Antall saker må være et helt tall", shown, quote=header)
        raise_on_bad(t, pl.col("_stort"), "Urimelig stort antall", shown, quote=header)
        t = t.with_columns(pl.col("_tall").cast(pl.Int32).alias(canonical)).drop("_tall", "_feil", "_tom", "_brok",
                                                                                   "_stort")

    kommuner = known.schools.select("orgnr", pl.col("kommunenr").alias("_kommunenr")).unique("orgnr")
    t = t.join(kommuner, on="orgnr", how="left", maintain_order="left").with_columns(pl.col("_kommunenr").alias("kommunenr"))
    out = t.select(list(SAKER_SCHEMA)).cast(SAKER_SCHEMA)
    # The template's zeros for a school closed before the month (a template made before the register said so): not
    # its report. A count there is the suite's to refuse.
    skipped: dict[str, int] = {}
    out = closed_school(out, known.register_rows, month_day(pl.col("periode")))
    out = skip_closed(out, pl.all_horizontal(pl.col(c) == 0 for c in COUNTS), skipped).drop(CLOSED)
    return SourceResult(source="saker", frame=out, rows_in=rows_in, skipped=skipped)


REPLACES = ["orgnr", "periode", "sakstype"]
"""What a delivery speaks for whole: a school's month of one sakstype, all trinn and utfall. A corrected month given
per trinn (or with a new utfall) would otherwise leave the old all-trinn (or under_behandling) row beside it, and the
cases would count twice."""


def load(con, frame: pl.DataFrame, batch_id: str) -> int:
    return store.replace_by_key(con, "core.saker", frame, KEY, batch_id, period="periode", replaces=REPLACES)


SOURCE = Source(
    name="saker",
    label=LABEL,
    detect=detect,
    read=read,
    validate=validate,
    load=load,
    needs_register=True,
    owner_data=True,
    table="core.saker",
    key=KEY,
    replaces=REPLACES,
    before_load=before_warehouse,
    replaces_text="skolens måned og sakstype",
    replaces_example="raden for alle trinn når filen gir tallene per trinn, eller et trinn filen ikke lenger har",
)
