"""Historical Skoleporten downloads (2007–2022): Elevundersøkelsen rows matched to the register by school name."""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from pipelines.parsing import is_suppressed, number, unparseable
from pipelines.sources.base import (
    EU_SCHEMA,
    SourceResult,
    kjonn_expr,
    raise_on_bad,
    require_columns,
    school_year_expr,
    trinn_expr,
    with_row_numbers,
)

LABEL = "en Skoleporten-fil"
COLUMNS = [
    "Enhetsnavn", "Skoletype", "Vurderingsområde", "Statistikk", "Indikator/delskår",
    "Periode", "Eierform", "Trinn", "Kjønn", "Verdi", "Måleenhet",
]
SURVEY_AREA = "læringsmiljø"
NATIONAL_NAMES = {"nasjonalt", "norge", "hele landet", "landet"}


AMBIGUOUS = "tvetydig"
"""`classify`'s level for a name several schools in the register share."""


def detect(columns: list[str]) -> bool:
    return {"Enhetsnavn", "Vurderingsområde", "Indikator/delskår"} <= set(columns)


def normalise_name(name: str | None) -> str:
    """Case, accents of whitespace and the `skole`/`skule` suffix do not decide a match."""
    if not name:
        return ""
    text = unicodedata.normalize("NFC", name).lower().strip()
    text = re.sub(r"[\s\-–_.,]+", " ", text)
    text = re.sub(r"skule\b", "skole", text)
    text = re.sub(r"\s*(skole|kommune)$", "", text).strip()
    return text


def slug(text: str) -> str:
    ascii_text = (
        text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    )
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")


def read(
    table: pl.DataFrame,
    schools: pl.DataFrame,
    indicator_codes: dict[str, str],
) -> SourceResult:
    """`schools` has orgnr, navn, kommunenr, kommune; `indicator_codes` maps known names to Udir codes."""
    require_columns(table, COLUMNS, LABEL)
    rows_in = table.height
    t = with_row_numbers(table)
    skipped: dict[str, int] = {}
    notes: list[str] = []

    area = t["Vurderingsområde"].str.strip_chars().str.to_lowercase()
    other = t.filter(area != SURVEY_AREA)
    if other.height:
        for name, count in other.group_by("Vurderingsområde").len().sort("Vurderingsområde").iter_rows():
            skipped[f"andre vurderingsområder: {name}"] = int(count)
    t = t.filter(area == SURVEY_AREA)

    school_by_name: dict[str, tuple[str, str]] = {}
    ambiguous: set[str] = set()  # a name two schools in the register share: which one is meant cannot be known
    for o, n, k in schools.select("orgnr", "navn", "kommunenr").iter_rows():
        key = normalise_name(n)
        if key in school_by_name and school_by_name[key][0] != o:
            ambiguous.add(key)
        school_by_name[key] = (o, k)
    kommune_by_name = {normalise_name(n): k for k, n in schools.select("kommunenr", "kommune").unique().iter_rows() if n}

    def classify(name: str) -> tuple[str | None, str | None, str | None]:
        key = normalise_name(name)
        raw = (name or "").strip().lower()
        if raw in NATIONAL_NAMES:
            return "nasjonalt", None, None
        if raw.endswith("kommune") and key in kommune_by_name:
            return "kommune", None, kommune_by_name[key]
        if key in ambiguous:
            return AMBIGUOUS, None, None
        if key in school_by_name:
            orgnr, kommunenr = school_by_name[key]
            return "skole", orgnr, kommunenr
        if key in kommune_by_name:
            return "kommune", None, kommune_by_name[key]
        if raw.endswith("fylke") or raw.endswith("fylkeskommune"):
            return "fylke", None, None
        return None, None, None

    names = t["Enhetsnavn"].unique().to_list()
    mapping = {n: classify(n) for n in names}
    unit = pl.DataFrame(
        {
            "Enhetsnavn": list(mapping),
            "enhet_niva": [v[0] for v in mapping.values()],
            "orgnr": [v[1] for v in mapping.values()],
            "kommunenr": [v[2] for v in mapping.values()],
        },
        schema={"Enhetsnavn": pl.String, "enhet_niva": pl.String, "orgnr": pl.String, "kommunenr": pl.String},
    )
    t = t.join(unit, on="Enhetsnavn", how="left")
    shared = t.filter(pl.col("enhet_niva") == AMBIGUOUS)
    if shared.height:
        skipped["skolenavn som flere skoler i skoleregisteret har"] = shared.height
        notes.append("Flere skoler i skoleregisteret heter " + ", ".join(sorted(shared["Enhetsnavn"].unique().to_list())[:20])
                     + "; radene deres er ikke lest inn (Skoleporten-filene har bare navnet)")
        t = t.filter(pl.col("enhet_niva") != AMBIGUOUS)
    unknown = t.filter(pl.col("enhet_niva").is_null())
    if unknown.height:
        skipped["enhetsnavn som ikke finnes i skoleregisteret"] = unknown.height
        missing = sorted(unknown["Enhetsnavn"].fill_null("(uten navn)").unique().to_list())
        notes.append("Fant ikke i skoleregisteret: " + ", ".join(missing[:20]) + (" …" if len(missing) > 20 else ""))
    t = t.filter(pl.col("enhet_niva").is_not_null())

    year_label, year_start = school_year_expr("Periode")
    trinn, trinn_ok = trinn_expr("Trinn")
    unit_text = pl.col("Måleenhet").str.strip_chars().str.to_lowercase()
    name = pl.col("Indikator/delskår").str.strip_chars()
    t = t.with_columns(
        year_label.alias("skoleaar"),
        year_start.alias("skoleaar_start"),
        trinn.alias("trinn"),
        trinn_ok.alias("_trinn_ok"),
        kjonn_expr("Kjønn").alias("kjonn"),
        name.alias("indikator"),
        pl.when(unit_text.str.contains("prosent|andel|%") | name.str.to_lowercase().str.contains("mobb"))
        .then(pl.lit("andel")).otherwise(pl.lit("snitt")).alias("maal"),
    )
    raise_on_bad(t, pl.col("skoleaar").is_null(), "Perioden må være på formen 2019-2020", "Periode")
    raise_on_bad(t, ~pl.col("_trinn_ok"), "Ukjent trinn (forventet f.eks. «Trinn 7»)", "Trinn")
    raise_on_bad(t, pl.col("kjonn").is_null(), "Ukjent kjønn (forventet Begge kjønn, Jenter eller Gutter)", "Kjønn")
    raise_on_bad(t, unparseable("Verdi"), "Verdien er ikke et tall, «*», «..» eller «.»", "Verdi")

    codes = {k.lower(): v for k, v in indicator_codes.items()}
    ind_names = t["indikator"].unique().to_list()
    code_map = pl.DataFrame(
        {"indikator": ind_names, "indikator_kode": [codes.get(n.lower(), "SP_" + slug(n)) for n in ind_names]},
        schema={"indikator": pl.String, "indikator_kode": pl.String},
    )
    t = t.join(code_map, on="indikator", how="left")
    level = pl.col("enhet_niva")
    skjermet = is_suppressed("Verdi")
    out = t.select(
        pl.col("rad"),
        pl.col("skoleaar"),
        pl.col("skoleaar_start"),
        level,
        pl.when(level == "skole").then(pl.col("orgnr"))
        .when(level == "kommune").then(pl.col("kommunenr"))
        .when(level == "fylke").then(pl.col("Enhetsnavn").str.strip_chars())
        .otherwise(pl.lit("0")).alias("enhet_id"),
        pl.col("orgnr"),
        pl.col("kommunenr"),
        pl.lit(None, dtype=pl.String).alias("fylkekode"),
        # Skoleporten says «Fjellvik kommune» where Udir's tables say «Fjellvik»: one name for one municipality.
        pl.when(level == "kommune").then(pl.col("Enhetsnavn").str.strip_chars().str.replace(r"(?i)\s+kommune$", ""))
        .otherwise(pl.col("Enhetsnavn").str.strip_chars()).alias("enhet_navn"),
        pl.col("trinn"),
        pl.col("kjonn"),
        pl.col("indikator_kode"),
        pl.col("indikator"),
        pl.col("maal"),
        pl.when(skjermet).then(None).otherwise(number("Verdi")).alias("verdi"),
        pl.lit(None, dtype=pl.Float64).alias("standardavvik"),
        pl.lit(None, dtype=pl.Int32).alias("antall_besvart"),
        skjermet.alias("skjermet"),
    ).cast(EU_SCHEMA)
    return SourceResult(source="skoleporten", frame=out, rows_in=rows_in, skipped=skipped, notes=notes)
