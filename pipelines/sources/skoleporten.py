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
    maal_for,
    normalise_name,
    raise_on_bad,
    require_columns,
    school_year_expr,
    slug,
    trinn_expr,
    with_row_numbers,
)
from pipelines.sources.udir_eksport import municipalities_check

LABEL = "en Skoleporten-fil"
COLUMNS = [
    "Enhetsnavn", "Skoletype", "Vurderingsområde", "Statistikk", "Indikator/delskår",
    "Periode", "Eierform", "Trinn", "Kjønn", "Verdi", "Måleenhet",
]
SURVEY_AREA = "læringsmiljø"
HEADINGS = {
    "verdi": "Verdi", "skoleaar_start": "Periode", "trinn": "Trinn", "kjonn": "Kjønn",
    "indikator_kode": "Indikator/delskår", "orgnr": "Enhetsnavn", "kommunenr": "Enhetsnavn", "enhet_niva": "Enhetsnavn",
}
"""The file's own column of each field the suite's findings name (`suites.validate_eu`): a school and its
municipality are known by their name here."""
NATIONAL_NAMES = {"nasjonalt", "norge", "hele landet", "landet"}


AMBIGUOUS = "tvetydig"
"""`classify`'s level for a name several schools in the register share."""

FYLKER = {
    "østfold": "01", "akershus": "02", "oslo": "03", "hedmark": "04", "oppland": "05", "buskerud": "06",
    "vestfold": "07", "telemark": "08", "aust agder": "09", "vest agder": "10", "rogaland": "11", "hordaland": "12",
    "sogn og fjordane": "14", "møre og romsdal": "15", "sør trøndelag": "16", "nord trøndelag": "17",
    "nordland": "18", "troms": "19", "finnmark": "20", "trøndelag": "50", "viken": "30", "innlandet": "34",
    "vestfold og telemark": "38", "agder": "42", "vestland": "46", "troms og finnmark": "54",
}
"""County name → Udir's Fylkekode, as the counties were named in Skoleporten's years (2007–2022): before 2020, and
from 2020 (Trøndelag from 2018). A county row carries the code, as Udir's rows do, so the two sources' rows for one
county share a key instead of standing side by side («Oslo» and «Oslo fylke»)."""


def _fylkekode(name: str) -> str | None:
    """«Oslo fylke», «Vest-Agder fylkeskommune» → «03», «10»; None for a name not in `FYLKER`."""
    text = re.sub(r"[\s\-–_.,]+", " ", unicodedata.normalize("NFC", name).lower()).strip()
    return FYLKER.get(re.sub(r"\s*fylke(skommune)?$", "", text))


def detect(columns: list[str]) -> bool:
    return {"Enhetsnavn", "Vurderingsområde", "Indikator/delskår"} <= set(columns)


def read(
    table: pl.DataFrame,
    schools: pl.DataFrame,
    indicator_codes: dict[str, str],
) -> SourceResult:
    """`schools` has orgnr, navn, kommunenr, kommune; `indicator_codes` maps known names to Udir codes.

    An indicator's unit is the file's own `Måleenhet` («Snitt», «Prosent»): «Mobbing på skolen» was an index (a mean on
    1–5) until 2016-17 and a share after. A row measured otherwise than the indicator's Udir code is (the old index)
    keeps a code and a name of its own, so it never joins the share's trend line.
    """
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
            "fylkekode": [_fylkekode(n) if v[0] == "fylke" else None for n, v in mapping.items()],
        },
        schema={"Enhetsnavn": pl.String, "enhet_niva": pl.String, "orgnr": pl.String, "kommunenr": pl.String,
                "fylkekode": pl.String},
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
    unit_text = pl.col("Måleenhet").str.strip_chars().str.to_lowercase().fill_null("")
    name = pl.col("Indikator/delskår").str.strip_chars()
    usual = maal_for("indikator", "Indikator/delskår")  # what Udir's tables measure the indicator in
    t = t.with_columns(
        year_label.alias("skoleaar"),
        year_start.alias("skoleaar_start"),
        trinn.alias("trinn"),
        trinn_ok.alias("_trinn_ok"),
        kjonn_expr("Kjønn").alias("kjonn"),
        name.alias("indikator"),
        pl.when(unit_text.str.contains("prosent|andel|%")).then(pl.lit("andel"))
        .when(unit_text.str.contains("snitt|indeks|skala")).then(pl.lit("snitt"))
        .otherwise(usual).alias("maal"),
        usual.alias("_vanlig_maal"),
    )
    raise_on_bad(t, pl.col("skoleaar").is_null(), "Perioden må være på formen 2019-2020", "Periode")
    raise_on_bad(t, ~pl.col("_trinn_ok"), "Ukjent trinn (forventet f.eks. «Trinn 7»)", "Trinn")
    raise_on_bad(t, pl.col("kjonn").is_null(), "Ukjent kjønn (forventet Begge kjønn, Jenter eller Gutter)", "Kjønn")
    raise_on_bad(t, unparseable("Verdi"), "Verdien er ikke et tall, «*», «..» eller «.»", "Verdi")

    codes = {k.lower(): v for k, v in indicator_codes.items()}
    code_map = pl.DataFrame({"_navn": list(codes), "_kode": list(codes.values())},
                            schema={"_navn": pl.String, "_kode": pl.String})
    unusual = pl.col("maal") != pl.col("_vanlig_maal")
    own_code = pl.format("SP_{}", slug(pl.col("indikator")))
    t = t.with_columns(pl.col("indikator").str.to_lowercase().alias("_navn")).join(code_map, on="_navn", how="left")
    t = t.with_columns(
        pl.when(unusual).then(pl.format("{}_{}", own_code, pl.col("maal")))
        .otherwise(pl.coalesce("_kode", own_code)).alias("indikator_kode"),
        pl.when(unusual).then(pl.format("{} ({})", pl.col("indikator"), pl.col("maal").replace_strict(
            {"snitt": "indeks", "andel": "andel"}, return_dtype=pl.String)))
        .otherwise(pl.col("indikator")).alias("indikator"),
    )
    level = pl.col("enhet_niva")
    skjermet = is_suppressed("Verdi")
    out = t.select(
        pl.col("rad"),
        pl.col("skoleaar"),
        pl.col("skoleaar_start"),
        level,
        pl.when(level == "skole").then(pl.col("orgnr"))
        .when(level == "kommune").then(pl.col("kommunenr"))
        .when(level == "fylke").then(pl.coalesce("fylkekode", pl.col("Enhetsnavn").str.strip_chars()))
        .otherwise(pl.lit("0")).alias("enhet_id"),
        pl.col("orgnr"),
        pl.col("kommunenr"),
        pl.col("fylkekode"),
        # Skoleporten says «Fjellvik kommune» and «Oslo fylke» where Udir's tables say «Fjellvik» and «Oslo»: one
        # name for one municipality or county.
        pl.when(level == "kommune").then(pl.col("Enhetsnavn").str.strip_chars().str.replace(r"(?i)\s+kommune$", ""))
        .when(level == "fylke").then(pl.col("Enhetsnavn").str.strip_chars().str.replace(r"(?i)\s+fylke(skommune)?$", ""))
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
    municipalities = municipalities_check(out)
    return SourceResult(source="skoleporten", frame=out, rows_in=rows_in, skipped=skipped, notes=notes,
                        after_load=[municipalities], previewed=[municipalities])
