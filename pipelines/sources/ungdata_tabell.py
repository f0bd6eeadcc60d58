"""Ungdata, the municipal results table (the report tables a municipality receives from NOVA):
`kommunenr; aar; trinn; kjonn; indikator; andel; antall_svar`, one row per municipality × year × trinn × kjønn × indicator."""

from __future__ import annotations

import polars as pl

from pipelines.errors import IngestError
from pipelines.parsing import COUNT_NOT_WHOLE, count, is_suppressed, not_whole, number, unparseable
from pipelines.quality import ungdata as quality
from pipelines.sources.base import (
    Known,
    Source,
    SourceResult,
    digits,
    header_key,
    kjonn_expr,
    raise_on_bad,
    require_columns,
    with_row_numbers,
)
from pipelines.sources.ungdata_base import (
    UNGDATA_KEY,
    UNGDATA_SCHEMA,
    code_expr,
    load,
    period_exprs,
    trinn_text,
)

COLUMNS = ["kommunenr", "aar", "trinn", "kjonn", "indikator", "andel", "antall_svar"]
NATION = ["0", "00", "000", "0000", "norge", "landet", "hele landet", "nasjonalt"]
"""How a results table names the nation in `kommunenr` (a 0 Excel kept, or written out)."""
LABEL = "Ungdata – kommunens resultattabell"


NAMES = {"kommune", "kommunenavn", "fylke", "fylkesnavn", "fylkenr", "fylkesnr"}
"""Columns beside the table's own that only name what its codes say: left out without a word."""
ALIASES = {"antall": "antall_svar", "antall_besvart": "antall_svar", "n": "antall_svar", "ar": "aar"}


def _header(name: str) -> str:
    """«Antall svar» → `antall_svar`, «Kjønn» → `kjonn`, «År» → `aar`: the table's headers as Excel users write them."""
    return header_key(name, ALIASES)


def _lower(table: pl.DataFrame) -> pl.DataFrame:
    names = {c: _header(c) for c in table.columns}
    for name in set(names.values()):
        same = [c for c, n in names.items() if n == name]
        if len(same) > 1:  # «N» and «Antall svar», «År» and «aar»: which one is meant cannot be told
            raise IngestError(f"Kolonnene {' og '.join(f'«{c}»' for c in same)} betyr begge «{name}». "
                              "Behold én av dem.")
    return table.rename(names)


def detect(columns: list[str]) -> bool:
    cols = {_header(c) for c in columns}
    return {"kommunenr", "aar", "trinn", "kjonn", "indikator", "andel"} <= cols


def read(table: pl.DataFrame, known: Known) -> SourceResult:
    t = _lower(table)
    # A column with values the table does not have (a misspelt «antall svar (n)», say) is said, not dropped unseen.
    unused = [original for original, c in zip(table.columns, t.columns, strict=True)
              if c not in COLUMNS and c not in NAMES
              and t.get_column(c).cast(pl.String).str.strip_chars().fill_null("").ne("").any()]
    counted = "antall_svar" in t.columns
    if not counted:
        t = t.with_columns(pl.lit(None, dtype=pl.String).alias("antall_svar"))
    require_columns(t, COLUMNS, LABEL)
    t = with_row_numbers(t)
    aar, periode = period_exprs("aar")
    t = t.with_columns(
        aar.alias("_aar"), periode.alias("periode"), trinn_text("trinn").alias("_trinn"),
        kjonn_expr("kjonn").alias("_kjonn"), pl.col("indikator").str.strip_chars().alias("_indikator"),
        digits("kommunenr", 4).alias("_kommunenr"),
        # NOVA's reports give the nation beside the municipality: «Norge», «Hele landet» or 0 in kommunenr.
        pl.col("kommunenr").str.strip_chars().str.to_lowercase().is_in(NATION).fill_null(False).alias("_landet"),
    )
    raise_on_bad(t, pl.col("_aar").is_null(), "Året må være et årstall (2024) eller en periode (2021_2023)", "aar")
    raise_on_bad(t, pl.col("_trinn").is_null(), "Ukjent trinn (forventet f.eks. 8, 9, 10, 8-10 eller VG1)", "trinn")
    raise_on_bad(t, pl.col("_kjonn").is_null(), "Ukjent kjønn (forventet alle, jenter eller gutter)", "kjonn")
    raise_on_bad(t, pl.col("_indikator").fill_null("") == "", "Indikatoren mangler", "indikator")
    raise_on_bad(t, ~pl.col("_landet") & ~pl.col("_kommunenr").str.contains(r"^\d{4}$").fill_null(False),
                 "Kommunenummeret må ha 4 siffer (eller 0 / «Norge» for landet)", "kommunenr")
    # Excel saves a cell formatted as percent as «86,5 %» in a CSV: the share in percent, as the table holds it.
    t = t.with_columns(pl.col("andel").str.strip_chars().str.replace(r"\s*%$", ""))
    for col in ("andel", "antall_svar"):
        raise_on_bad(t, unparseable(col), "Verdien er ikke et tall, «*» eller tom", col)
    raise_on_bad(t, not_whole("antall_svar"), COUNT_NOT_WHOLE, "antall_svar")
    _refuse_fractions(t)
    hidden = is_suppressed("andel")
    out = t.select(
        pl.col("rad"),
        pl.lit("ungdata").alias("kilde"),
        pl.when(pl.col("_landet")).then(pl.lit("nasjonalt")).otherwise(pl.lit("kommune")).alias("geo_niva"),
        pl.when(pl.col("_landet")).then(pl.lit("0")).otherwise(pl.col("_kommunenr")).alias("geo"),
        pl.when(pl.col("_landet")).then(None).otherwise(pl.col("_kommunenr")).alias("kommunenr"),
        pl.col("_aar").alias("aar"),
        pl.col("periode"),
        pl.col("_trinn").alias("trinn"),
        pl.col("_kjonn").alias("kjonn"),
        code_expr("_indikator").alias("indikator_kode"),
        pl.col("_indikator").alias("indikator"),
        pl.when(hidden).then(None).otherwise(number("andel")).alias("andel"),
        count("antall_svar").cast(pl.Int32, strict=False).alias("antall_svar"),
        hidden.alias("skjermet"),
        pl.when(hidden).then(pl.lit(3)).when(number("andel").is_null()).then(pl.lit(1)).otherwise(pl.lit(0))
        .cast(pl.Int8).alias("flagg"),
    ).cast(UNGDATA_SCHEMA)
    notes = [f"{'Kolonnen' if len(unused) == 1 else 'Kolonnene'} {', '.join(f'«{c}»' for c in unused)} er ikke lest: "
             f"tabellen bruker bare {', '.join(COLUMNS)}."] if unused else []
    # A table without its answer counts loaded as if nothing were amiss (review): the dashboard cannot hide a share
    # of few answers it cannot count, and only those the source marked «*» stay hidden.
    if out.height and out["antall_svar"].null_count() == out.height:
        notes.append(("Filen har ingen kolonne «antall_svar»" if not counted else "Kolonnen «antall_svar» er tom")
                     + ": uten antall svar kan dashbordet ikke skjule andeler med få svar, og bare andelene kilden har "
                     "skjermet («*») er skjult. Legg inn antall svar hvis rapporten har dem, og last filen på nytt.")
    return SourceResult(source="ungdata_tabell", frame=out, rows_in=table.height, notes=notes)


def _refuse_fractions(t: pl.DataFrame) -> None:
    """A table whose every share is 1 or less (and not all 0) was written as fractions, 0,797 for 79,7 %: loaded, it
    showed «Trives på skolen» as 0,8 %. Refused, saying what to write instead."""
    shares = t.select(number("andel")).to_series().drop_nulls()
    if shares.is_empty() or shares.max() > 1 or shares.max() == 0:
        return
    example = shares.filter(shares > 0)[0]
    raise IngestError(
        f"Andelene ser ut til å være skrevet som brøk ({_comma(example)}): alle er 1 eller mindre. Skriv dem i "
        f"prosent ({_comma(example * 100)}), slik tabellen har dem", column="andel")


def _comma(value: float) -> str:
    return f"{round(value, 6):g}".replace(".", ",")


SOURCE = Source(
    name="ungdata_tabell",
    label=LABEL,
    detect=detect,
    read=read,
    validate=quality.validate,
    load=load,
    table="core.ungdata",
    key=UNGDATA_KEY,
)

__all__ = ["SOURCE", "detect", "read"]
