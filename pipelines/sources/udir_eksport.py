"""Elevundersøkelsen from Udir's statistikkbank (export API v2 JSON pages, or the web CSV export):
tables 148 indikator, 150 mobbing and 151 deltakelse, read into the canonical survey frame."""

from __future__ import annotations

import polars as pl

from pipelines.parsing import is_suppressed, number, unparseable
from pipelines.sources.base import (
    EU_SCHEMA,
    SourceResult,
    digits,
    kjonn_expr,
    maal_for,
    raise_on_bad,
    require_columns,
    school_year_expr,
    trinn_expr,
    with_row_numbers,
)

UNIT_COLUMNS = [
    "Skoleaarnavn", "EnhetNivaa", "Nasjonaltkode", "Fylkekode", "Kommunekode",
    "Organisasjonsnummer", "EnhetNavn", "Trinnnavn",
]
QUESTION_COLUMNS = ["Spoersmaalgruppekode", "Spoersmaalgruppe", "Spoersmaalkode", "Spoersmaalnavn"]

KINDS = {
    # kind: (label, the value column, columns that mark the table)
    "indikator": ("Elevundersøkelsen, indikatortabell (148)", "Score", ["Score", "Spoersmaalkode"]),
    "mobbing": ("Elevundersøkelsen, mobbetabell (150)", "AndelMobbet", ["AndelMobbet"]),
    "deltakelse": ("Elevundersøkelsen, deltakelsestabell (151)", "AndelDeltatt", ["AndelDeltatt", "AntallInvitert"]),
}

LEVELS = {"1": "nasjonalt", "2": "fylke", "3": "kommune", "4": "skole"}
ALL_QUESTIONS = "alle spørsmål"


def detect(columns: list[str]) -> str | None:
    """Which Udir table a header belongs to, or None."""
    cols = set(columns)
    if not {"EnhetNivaa", "Skoleaarnavn", "Trinnnavn"} <= cols:
        return None
    for kind, (_, _, markers) in KINDS.items():
        if set(markers) <= cols:
            return kind
    return None


def read(table: pl.DataFrame, kind: str) -> SourceResult:
    label, value_col, _ = KINDS[kind]
    needed = UNIT_COLUMNS + [value_col, "AntallBesvart"]
    if kind != "deltakelse":
        needed += QUESTION_COLUMNS + ["Kjoenn"]
    require_columns(table, needed, label)
    rows_in = table.height
    t = with_row_numbers(table)
    if "Kjoenn" not in t.columns:
        t = t.with_columns(pl.lit("Alle kjønn").alias("Kjoenn"))
    if "Standardavvik" not in t.columns:
        t = t.with_columns(pl.lit(None, dtype=pl.String).alias("Standardavvik"))

    skipped: dict[str, int] = {}
    if kind == "indikator":
        # Question-level rows are detail behind each index; the index rows carry the indicator.
        is_index = t["Spoersmaalnavn"].str.strip_chars().str.to_lowercase() == ALL_QUESTIONS
        n_questions = int((~is_index).sum())
        if n_questions:
            skipped["enkeltspørsmål (ikke indeksrader)"] = n_questions
        t = t.filter(is_index)

    if kind == "deltakelse":
        t = t.with_columns(
            pl.lit("deltakelse").alias("_kode"),
            pl.lit("Deltakelse").alias("_navn"),
        )
    else:
        is_index_row = pl.col("Spoersmaalnavn").str.strip_chars().str.to_lowercase() == ALL_QUESTIONS
        group_code = pl.col("Spoersmaalgruppekode").str.strip_chars()
        question_code = pl.col("Spoersmaalkode").str.strip_chars()
        t = t.with_columns(
            pl.when(is_index_row & ~question_code.str.starts_with("EUIndeks") & group_code.is_not_null())
            .then(group_code)
            .otherwise(question_code)
            .alias("_kode"),
            pl.when(is_index_row)
            .then(pl.col("Spoersmaalgruppe").str.strip_chars())
            .otherwise(pl.col("Spoersmaalnavn").str.strip_chars())
            .alias("_navn"),
        )

    level_text = pl.col("EnhetNivaa").str.strip_chars()
    year_label, year_start = school_year_expr("Skoleaarnavn")
    trinn, trinn_ok = trinn_expr("Trinnnavn")
    t = t.with_columns(
        level_text.replace_strict(LEVELS, default=None).alias("enhet_niva"),
        year_label.alias("skoleaar"),
        year_start.alias("skoleaar_start"),
        trinn.alias("trinn"),
        trinn_ok.alias("_trinn_ok"),
        kjonn_expr("Kjoenn").alias("kjonn"),
        digits("Organisasjonsnummer", 9).alias("orgnr"),
        digits("Kommunekode", 4).alias("kommunenr"),
        digits("Fylkekode", 2).alias("fylkekode"),
    )
    raise_on_bad(t, pl.col("enhet_niva").is_null(), "Ukjent enhetsnivå (forventet 1–4)", "EnhetNivaa")
    raise_on_bad(t, pl.col("skoleaar").is_null(), "Skoleåret må være på formen 2024-25", "Skoleaarnavn")
    raise_on_bad(t, ~pl.col("_trinn_ok"), "Ukjent trinn (forventet f.eks. «7. trinn» eller «Alle trinn»)", "Trinnnavn")
    raise_on_bad(t, pl.col("kjonn").is_null(), "Ukjent kjønn (forventet Alle kjønn, Jenter eller Gutter)", "Kjoenn")
    for col in (value_col, "Standardavvik", "AntallBesvart"):
        raise_on_bad(t, unparseable(col), "Verdien er ikke et tall, «*» eller tom", col)

    level = pl.col("enhet_niva")
    t = t.with_columns(
        pl.when(level == "skole").then(pl.col("orgnr")).otherwise(None).alias("orgnr"),
        pl.when(level.is_in(["skole", "kommune"])).then(pl.col("kommunenr")).otherwise(None).alias("kommunenr"),
        pl.when(level == "nasjonalt").then(None).otherwise(pl.col("fylkekode")).alias("fylkekode"),
    ).with_columns(
        pl.when(level == "skole").then(pl.col("orgnr"))
        .when(level == "kommune").then(pl.col("kommunenr"))
        .when(level == "fylke").then(pl.col("fylkekode"))
        .otherwise(pl.lit("0"))
        .alias("enhet_id"),
    )
    skjermet = is_suppressed(value_col)
    out = t.select(
        pl.col("rad"),
        pl.col("skoleaar"),
        pl.col("skoleaar_start"),
        pl.col("enhet_niva"),
        pl.col("enhet_id"),
        pl.col("orgnr"),
        pl.col("kommunenr"),
        pl.col("fylkekode"),
        pl.col("EnhetNavn").str.strip_chars().alias("enhet_navn"),
        pl.col("trinn"),
        pl.col("kjonn"),
        pl.col("_kode").alias("indikator_kode"),
        pl.col("_navn").alias("indikator"),
        maal_for(kind, "_navn").alias("maal"),
        pl.when(skjermet).then(None).otherwise(number(value_col)).alias("verdi"),
        number("Standardavvik").alias("standardavvik"),
        number("AntallBesvart").round(0).cast(pl.Int32, strict=False).alias("antall_besvart"),
        skjermet.alias("skjermet"),
    ).cast(EU_SCHEMA)
    return SourceResult(source=f"udir_{kind}", frame=out, rows_in=rows_in, skipped=skipped)
