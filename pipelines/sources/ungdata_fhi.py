"""Ungdata via FHI: Kommunehelsa statistikkbank / FHI Statistikk Open API CSV.

Columns vary per table, so they are mapped by name: GEO (kommune 4 digits, fylke 2, `0` the nation), AAR (a year or a
pooled range like `2021_2023`), KJONN (`0` samlet, `1` gutter, `2` jenter, or labels), TRINN or else ALDER (an age
group, kept as one in the trinn column), an indicator dimension, and the measure either wide (RATE / MEIS / ANDEL,
TELLER, NEVNER) or long (MEASURE_TYPE + value). SPVFLAGG or `flag` says why a value is absent: 0 value, 1 `..`
missing, 2 `.` cannot be computed, 3 `:` anonymised, 4 `-` not available.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from pipelines.errors import IngestError
from pipelines.parsing import number, unparseable
from pipelines.quality import ungdata as quality
from pipelines.sources.base import (
    Known,
    Source,
    SourceResult,
    kjonn_expr,
    raise_on_bad,
    with_row_numbers,
)
from pipelines.sources.ungdata_base import (
    FLAG_SYMBOLS,
    UNGDATA_KEY,
    UNGDATA_SCHEMA,
    age_text,
    code_expr,
    load,
    period_exprs,
    trinn_text,
)

LABEL = "Ungdata – FHI Kommunehelsa / Open API"

# canonical role → accepted column names, normalised (upper case ASCII letters and digits only)
NAMES = {
    "geo": ["GEO", "GEOGRAFI", "GEOKODE", "STED"],
    "aar": ["AAR", "AR", "PERIODE", "TID", "YEAR"],
    "kjonn": ["KJONN", "KJOENN", "SEX"],
    "trinn": ["TRINN", "KLASSETRINN", "SKOLETRINN"],
    "alder": ["ALDER", "ALDERSGRUPPE", "AGE"],
    "indikator": ["INDIKATOR", "UNGDATAINDIKATOR", "SPORSMAL", "TEMA", "INDICATOR"],
    "measure_type": ["MEASURETYPE", "MALTALL", "MAALTALL"],
    "value": ["VALUE", "VERDI"],
    "andel": ["RATE", "MEIS", "ANDEL", "PROSENT"],
    "teller": ["TELLER"],
    "nevner": ["NEVNER", "ANTALLSVAR"],
    "flagg": ["SPVFLAGG", "FLAG", "FLAGG"],
}
SHARE_MEASURES = ["RATE", "MEIS", "ANDEL", "PROSENT"]
# A needed dimension → its name in the message, and what the user can do about it.
MISSING = {
    "geo": ("GEO", "Ta med geografi (GEO) når du laster ned tabellen."),
    "aar": ("AAR", "Ta med år (AAR) når du laster ned tabellen."),
    "kjonn": ("KJONN", "Ta med kjønn (KJONN) når du laster ned tabellen, eller legg til en kolonne KJONN med 0 "
                       "(kjønn samlet) hvis tallene gjelder begge kjønn."),
    "indikator": ("INDIKATOR (eller TEMA/SPORSMAL)", "Ta med indikatoren når du laster ned tabellen, eller legg til "
                                                    "indikatoren som egen kolonne."),
}
NATION_NAMES = ["0", "hele landet", "landet", "norge", "nasjonalt"]


def _norm(name: str) -> str:
    text = name.strip().upper().replace("Æ", "AE").replace("Ø", "O").replace("Å", "A")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]", "", text)


def _find(columns: list[str]) -> dict[str, str]:
    """role → the file's own column name, the first accepted name in priority order."""
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
    found = {}
    for role, names in NAMES.items():
        for n in names:
            if n in by_norm:
                found[role] = by_norm[n]
                break
    return found


def detect(columns: list[str]) -> bool:
    """GEO, AAR and a measure, with KJONN or the indicator: a table missing one of those two is still FHI's, so
    `read` can say which dimension to add rather than «Kjenner ikke igjen formatet»."""
    found = set(_find(columns))
    has_measure = bool({"andel", "teller", "nevner", "flagg", "measure_type"} & found)
    return {"geo", "aar"} <= found and has_measure and bool({"kjonn", "indikator"} & found)


def _long_to_wide(
    t: pl.DataFrame, cols: dict[str, str], skipped: dict[str, int],
) -> tuple[pl.DataFrame, dict[str, str], dict[str, str]]:
    """MEASURE_TYPE + value rows → one row with the share (or TELLER, to divide by NEVNER) and the number of answers.
    Also how the file shows the columns made («RATE» for `_andel`: the value column of the RATE rows)."""
    if "value" not in cols:
        raise IngestError("Filen har MEASURE_TYPE, men ingen verdikolonne (value/verdi).")
    kind = pl.col(cols["measure_type"]).str.strip_chars().str.to_uppercase()
    present = set(t.select(kind.unique()).to_series().drop_nulls().to_list())
    share = next((m for m in SHARE_MEASURES if m in present), None)
    base = share or ("TELLER" if {"TELLER", "NEVNER"} <= present else None)
    if base is None:
        raise IngestError(
            f"Fant ikke noe andelsmål i MEASURE_TYPE (forventet {', '.join(SHARE_MEASURES)} eller både TELLER og "
            f"NEVNER; fant {', '.join(sorted(present)) or 'ingen'})."
        )
    # Checked here, on the rows as they stand in the file: after the join a NEVNER value sits on its RATE row.
    raise_on_bad(t.filter(kind.is_in([base, "NEVNER"])), unparseable(cols["value"]),
                 "Verdien er ikke et tall eller et kjent flagg", cols["value"])
    dims = [cols[r] for r in ("geo", "aar", "kjonn", "trinn", "alder", "indikator") if r in cols]
    role = "andel" if share else "teller"
    shown = {f"_{role}": f"{cols['value']} ({base})", "_nevner": f"{cols['value']} (NEVNER)"}
    rows = t.filter(kind == base).rename({cols["value"]: f"_{role}"})
    out_cols = dict(cols)
    out_cols[role] = f"_{role}"
    out_cols.pop("measure_type")
    out_cols.pop("value")
    if "NEVNER" in present:
        nevner = t.filter(kind == "NEVNER")
        # Also here, where the row is the NEVNER row's own: the suite sees the number on its share's row (a reviewer
        # was sent to row 3, a RATE row, for -380 answers in row 5). Said once, it is not said again there.
        negative = number(cols["value"]) < 0
        raise_on_bad(nevner, negative, "Antall svar kan ikke være negativt", shown["_nevner"])
        nevner = nevner.select(*dims, pl.when(negative).then(None).otherwise(pl.col(cols["value"])).alias("_nevner"))
        # Each row of the file is accounted for (rader inn = lastet + hoppet over): a NEVNER row becomes the number
        # of answers on its share's row; one with no share beside it has nowhere to go, and is said so.
        joined = nevner.join(rows.select(dims), on=dims, how="semi", nulls_equal=True).height
        if joined:
            skipped["NEVNER-rader (antall svar), lagt til raden med andelen"] = joined
        if nevner.height > joined:
            skipped[f"NEVNER-rader uten {base}-rad for samme sted, år, kjønn, trinn og indikator"] = (
                nevner.height - joined)
        rows = rows.join(nevner, on=dims, how="left", nulls_equal=True)
        out_cols["nevner"] = "_nevner"
    others = t.filter(~kind.is_in([base, "NEVNER"])).height
    if others:
        skipped["andre måltall (f.eks. TELLER)"] = others
    return rows.drop(cols["measure_type"]), out_cols, shown


def _kommune_names(known: Known) -> dict[str, str]:
    """csv2 files name the place instead of coding it: kommune names from the register, lower-case → kommunenr."""
    if known.schools.is_empty():
        return {}
    pairs = known.schools.select("kommunenr", "kommune").drop_nulls().unique().iter_rows()
    return {kommune.strip().lower(): kommunenr for kommunenr, kommune in pairs}


def read(table: pl.DataFrame, known: Known) -> SourceResult:
    cols = _find(table.columns)
    missing = [r for r in ("geo", "aar", "kjonn", "indikator") if r not in cols]
    if missing:
        raise IngestError(
            "Filen ligner på en Ungdata-tabell fra FHI, men mangler "
            + ("dimensjonen " if len(missing) == 1 else "dimensjonene ")
            + ", ".join(MISSING[m][0] for m in missing) + ". "
            + " ".join(MISSING[m][1] for m in missing)
        )
    t = with_row_numbers(table)
    skipped: dict[str, int] = {}
    long = "measure_type" in cols
    shown: dict[str, str] = {}
    if long:
        t, cols, shown = _long_to_wide(t, cols, skipped)
    if "andel" not in cols and not {"teller", "nevner"} <= set(cols):
        raise IngestError("Filen har verken andel (RATE/MEIS) eller både TELLER og NEVNER, så andelen kan ikke leses.")
    for role in ("andel", "teller", "nevner"):
        if role in cols and not long:
            raise_on_bad(t, unparseable(cols[role]), "Verdien er ikke et tall eller et kjent flagg", cols[role])

    # The flag: its own column when there is one, else read from a symbol in the value cell.
    value_col = cols.get("andel") or cols["teller"]
    if "flagg" in cols:
        raw_flag = pl.col(cols["flagg"]).str.strip_chars()
        flag = (
            pl.when(raw_flag.str.contains(r"^[0-4]$")).then(raw_flag.cast(pl.Int8, strict=False))
            .when(raw_flag.is_in(list(FLAG_SYMBOLS))).then(raw_flag.replace_strict(FLAG_SYMBOLS, default=None))
            .when(raw_flag.is_null() | (raw_flag == "")).then(pl.lit(0))
            .otherwise(pl.lit(None))
        ).cast(pl.Int8)
    else:
        cell = pl.col(value_col).str.strip_chars()
        flag = (
            pl.when(cell.is_in(list(FLAG_SYMBOLS))).then(cell.replace_strict(FLAG_SYMBOLS, default=None))
            .when(number(value_col).is_null()).then(pl.lit(1))
            .otherwise(pl.lit(0))
        ).cast(pl.Int8)
    share = number(cols["andel"]) if "andel" in cols else number(cols["teller"]) * 100 / number(cols["nevner"])
    answers = number(cols["nevner"]).round(0).cast(pl.Int32, strict=False) if "nevner" in cols else pl.lit(None)

    kommune_names = _kommune_names(known)
    geo_raw = pl.col(cols["geo"]).str.strip_chars()
    geo_code = geo_raw.str.extract(r"^(\d{1,4})\b", 1)
    geo = (
        pl.when(geo_code.is_not_null()).then(geo_code)
        .when(geo_raw.str.to_lowercase().is_in(NATION_NAMES)).then(pl.lit("0"))
        .otherwise(geo_raw.str.to_lowercase().replace_strict(kommune_names, default=None))
    )
    # Codes that lost a leading zero in Excel: 3 digits is a kommune (0301), 1 digit other than 0 a fylke (03).
    geo = (
        pl.when(geo.str.len_chars() == 3).then(geo.str.zfill(4))
        .when((geo.str.len_chars() == 1) & (geo != "0")).then(geo.str.zfill(2))
        .otherwise(geo)
    )
    aar, periode = period_exprs(cols["aar"])
    if "trinn" in cols:
        group = trinn_text(cols["trinn"])
    elif "alder" in cols:
        group = age_text(cols["alder"])
    else:
        group = pl.lit("alle")
    t = t.with_columns(
        geo.alias("_geo"), aar.alias("_aar"), periode.alias("_periode"),
        group.alias("_trinn"),
        kjonn_expr(cols["kjonn"]).alias("_kjonn"),
        pl.col(cols["indikator"]).str.strip_chars().alias("_indikator"),
        flag.alias("_flagg"),
    )
    raise_on_bad(t, pl.col("_geo").is_null(), "Ukjent geografi (forventet kommunenummer, fylkesnummer eller 0)",
                 cols["geo"])
    raise_on_bad(t, pl.col("_aar").is_null(), "Året må være et årstall (2024) eller en periode (2021_2023)",
                 cols["aar"])
    if "trinn" in cols:
        raise_on_bad(t, pl.col("_trinn").is_null(), "Ukjent trinn (forventet f.eks. 8-10, ungdomstrinn eller VG1)",
                     cols["trinn"])
    elif "alder" in cols:
        raise_on_bad(t, pl.col("_trinn").is_null(), "Ukjent alder (forventet f.eks. 13_15, 0_120 eller ungdomstrinn)",
                     cols["alder"])
    raise_on_bad(t, pl.col("_kjonn").is_null(), "Ukjent kjønn (forventet 0, 1, 2 eller kjønn samlet/menn/kvinner)",
                 cols["kjonn"])
    raise_on_bad(t, pl.col("_indikator").fill_null("") == "", "Indikatoren mangler", cols["indikator"])
    if "flagg" in cols:
        raise_on_bad(t, pl.col("_flagg").is_null(), "Ukjent flagg (forventet 0–4 eller .., ., :, -)", cols["flagg"])

    level = (
        pl.when(pl.col("_geo") == "0").then(pl.lit("nasjonalt"))
        .when(pl.col("_geo").str.len_chars() == 2).then(pl.lit("fylke"))
        .otherwise(pl.lit("kommune"))
    )
    has_value = pl.col("_flagg") == 0
    out = t.select(
        pl.col("rad"),
        pl.lit("kommunehelsa").alias("kilde"),
        level.alias("geo_niva"),
        pl.col("_geo").alias("geo"),
        pl.when(level == "kommune").then(pl.col("_geo")).otherwise(None).alias("kommunenr"),
        pl.col("_aar").alias("aar"),
        pl.col("_periode").alias("periode"),
        pl.col("_trinn").alias("trinn"),
        pl.col("_kjonn").alias("kjonn"),
        code_expr("_indikator").alias("indikator_kode"),
        pl.col("_indikator").alias("indikator"),
        pl.when(has_value).then(share).otherwise(None).alias("andel"),
        answers.alias("antall_svar"),
        (pl.col("_flagg") == 3).alias("skjermet"),
        pl.col("_flagg").alias("flagg"),
    ).cast(UNGDATA_SCHEMA)
    return SourceResult(source="ungdata_fhi", frame=out, rows_in=table.height, skipped=skipped,
                        headings=_headings(cols, shown))


def _headings(cols: dict[str, str], shown: dict[str, str]) -> dict[str, str]:
    """Each field of the frame → the file's column it was read from, for the quality findings (`SourceResult`): FHI
    names its columns per table (RATE or MEIS, SPVFLAGG, TRINN or ALDER), and a finding read «Kolonne «andel»»."""
    def name(role: str) -> str | None:
        return shown.get(cols[role], cols[role]) if role in cols else None

    share = name("andel") or f"{name('teller')} / {name('nevner')}"
    by_field = {
        "geo_niva": name("geo"), "geo": name("geo"), "kommunenr": name("geo"), "aar": name("aar"),
        "periode": name("aar"), "trinn": name("trinn") or name("alder"), "kjonn": name("kjonn"),
        "indikator": name("indikator"), "indikator_kode": name("indikator"), "andel": share,
        "antall_svar": name("nevner"), "flagg": name("flagg") or share, "skjermet": name("flagg") or share,
    }
    return {field: column for field, column in by_field.items() if column}


SOURCE = Source(name="ungdata_fhi", label=LABEL, detect=detect, read=read, validate=quality.validate, load=load,
                table="core.ungdata", key=UNGDATA_KEY)
