"""What the two Ungdata readers share: the canonical frame, indicator codes, trinn and period normalisers, the loader."""

from __future__ import annotations

import unicodedata

import duckdb
import polars as pl

from pipelines.sources.base import slug
from pipelines.warehouse import store

UNGDATA_SCHEMA: dict[str, pl.DataType] = {
    "rad": pl.Int64,
    "kilde": pl.String,
    "geo_niva": pl.String,
    "geo": pl.String,
    "kommunenr": pl.String,
    "aar": pl.Int32,
    "periode": pl.String,
    "trinn": pl.String,
    "kjonn": pl.String,
    "indikator_kode": pl.String,
    "indikator": pl.String,
    "andel": pl.Float64,
    "antall_svar": pl.Int32,
    "skjermet": pl.Boolean,
    "flagg": pl.Int8,
}

UNGDATA_KEY = ["kilde", "geo_niva", "geo", "periode", "trinn", "kjonn", "indikator_kode"]

# FHI's SPVFLAGG: why a value is absent. The symbols are what csv2 files and the web tables print.
FLAG_SYMBOLS = {"..": 1, ".": 2, ":": 3, "-": 4}
FLAG_TEXT = {
    0: "verdi finnes",
    1: "manglende data",
    2: "kan ikke beregnes",
    3: "anonymisert (for få svar)",
    4: "ikke tilgjengelig",
}


def indicator_code(name: str) -> str:
    """A stable lower-case ASCII code from an indicator's name: «Trives på skolen» → `trives_pa_skolen`."""
    text = name.strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = []
    for ch in text:
        out.append(ch if ch.isalnum() else "_")
    return "_".join(part for part in "".join(out).split("_") if part)


def code_expr(col: str) -> pl.Expr:
    """`indicator_code` in Polars."""
    return slug(pl.col(col), fold_accents=True)


def trinn_text(col: str) -> pl.Expr:
    """`8`, `8. trinn`, `8.-10. trinn`, `8_10`, `Ungdomstrinn`, `VG1`, `Alle` → `8`, `8-10`, `VG1`, `alle`; else null."""
    text = (
        pl.col(col).str.strip_chars().str.to_lowercase()
        .str.replace_all(r"\.", "").str.replace_all(r"\s*trinn(et)?\s*", " ").str.strip_chars()
        .str.replace_all(r"\s*[-–_]\s*", "-")
    )
    single = text.str.extract(r"^(\d{1,2})$", 1)
    span = text.str.extract(r"^(\d{1,2}-\d{1,2})$", 1)
    vg = text.str.extract(r"^(vg ?\d(?:-vg ?\d)?)$", 1).str.replace_all(" ", "").str.to_uppercase()
    return (
        pl.when(single.is_not_null()).then(single)
        .when(span.is_not_null()).then(span)
        .when(vg.is_not_null()).then(vg)
        .when(text.is_in(["ungdoms", "ungdomstrinn", "ungdomstrinnet", "ungdomsskole", "ungdomsskolen"]))
        .then(pl.lit("8-10"))
        .when(text.is_in(["vgs", "videregående", "videregående skole", "videregaende"])).then(pl.lit("VG1-VG3"))
        .when(text.is_in(["alle", "alle trinn", "totalt", "i alt", "0"])).then(pl.lit("alle"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def age_text(col: str) -> pl.Expr:
    """FHI's ALDER: `13_15` or `13-15 år` → `13-15 år`, `15` → `15 år`, all ages (`0_120`, `alle aldre`) → `alle`;
    a school level (`ungdomstrinn`, `vgs`) as `trinn_text` reads it; else null. An age group is not a trinn, so it
    keeps its «år»: the pages then say «13–15 år», not «13.–15. trinn»."""
    text = (
        pl.col(col).str.strip_chars().str.to_lowercase()
        .str.replace(r"\s*år$", "").str.replace_all(r"\s*[-–_]\s*", "-")
    )
    span = text.str.extract_groups(r"^(?<lo>\d{1,3})-(?<hi>\d{1,3})$")
    single = text.str.extract(r"^(\d{1,3})$", 1)
    all_ages = (span.struct.field("lo") == "0") & (span.struct.field("hi").str.len_chars() == 3)
    return (
        pl.when(all_ages | text.is_in(["alle", "alle aldre", "i alt", "totalt"])).then(pl.lit("alle"))
        .when(span.struct.field("lo").is_not_null()).then(pl.format("{} år", text))
        .when(single.is_not_null()).then(pl.format("{} år", single))
        .otherwise(trinn_text(col))
    )


def period_exprs(col: str) -> tuple[pl.Expr, pl.Expr]:
    """`2023` → (2023, `2023`); pooled `2021_2023` or `2021-2023` → (2021, `2021–2023`)."""
    text = pl.col(col).str.strip_chars()
    first = text.str.extract(r"^(\d{4})(?:\s*[_\-–]\s*\d{4})?$", 1).cast(pl.Int32, strict=False)
    last = text.str.extract(r"^\d{4}\s*[_\-–]\s*(\d{4})$", 1)
    label = pl.when(last.is_not_null()).then(pl.format("{}–{}", first, last)).otherwise(first.cast(pl.String))
    return first, label


def load(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, batch_id: str) -> int:
    """A newer delivery for the same source, place, period, trinn, kjønn and indicator replaces the older one."""
    return store.replace_by_key(con, "core.ungdata", frame, UNGDATA_KEY, batch_id, period="periode")
