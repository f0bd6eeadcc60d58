"""The Great Expectations suite for Ungdata (both the municipal table and FHI's files)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.quality.suites import (
    KEY_REPEATED,
    E,
    only,
    outside,
    repeated,
    rule,
    run_suite,
    unique_key_rule,
)
from pipelines.quality.verdict import Verdict
from pipelines.sources.base import Known
from pipelines.sources.ungdata_base import UNGDATA_KEY, UNGDATA_SCHEMA


def expectations() -> list:
    this_year = dt.date.today().year
    return [
        rule(E.ExpectTableColumnsToMatchSet(column_set=list(UNGDATA_SCHEMA) + list(DERIVED), exact_match=True),
             "Tabellen har ikke de forventede kolonnene."),
        rule(E.ExpectColumnValuesToBeBetween(column="andel", min_value=0, max_value=100),
             "Andeler må ligge mellom 0 og 100 %."),
        rule(E.ExpectColumnValuesToBeNull(column="andel__flagget"),
             "En verdi som er flagget som manglende eller anonymisert har likevel et tall."),
        rule(E.ExpectColumnValuesToBeInSet(column="andel__mangler", value_set=[False]),
             "Verdien mangler, men flagget sier at den finnes (SPVFLAGG 0)."),
        rule(E.ExpectColumnValuesToBeInSet(column="flagg", value_set=[0, 1, 2, 3, 4]),
             "Ukjent flagg (forventet 0–4)."),
        rule(E.ExpectColumnValuesToBeBetween(column="antall_svar", min_value=0), "Antall svar kan ikke være negativt."),
        rule(E.ExpectColumnValuesToBeNull(column="aar__uplausibel"),
             f"Året er ikke plausibelt for Ungdata ({FIRST_YEAR}–{this_year}; en periode kan ikke slutte senere)."),
        rule(E.ExpectColumnValuesToBeInSet(column="kjonn", value_set=["alle", "jenter", "gutter"]), "Ukjent kjønn."),
        rule(E.ExpectColumnValuesToBeInSet(column="geo_niva", value_set=["kommune", "fylke", "nasjonalt"]),
             "Ukjent geografisk nivå."),
        rule(E.ExpectColumnValuesToMatchRegex(column="kommunenr__kommune", regex=r"^\d{4}$"),
             "Kommunenummeret må ha 4 siffer."),
        unique_key_rule("kilde, sted, periode, trinn, kjønn, indikator",
                        "Samme sted, periode, trinn, kjønn og indikator står flere ganger i filen."),
        rule(E.ExpectColumnValuesToBeNull(column="kommunenr__ukjent"),
             "Tall for kommuner som ikke står i skoleregisteret (lastes, men vises ikke før kommunen er registrert).",
             warning=True),
        rule(E.ExpectColumnValuesToBeBetween(column="antall_svar__publisert", min_value=10),
             "Verdier med færre enn 10 svar er publisert i filen; dashbordet skjuler dem likevel.", warning=True),
    ]


DERIVED = (KEY_REPEATED, "andel__flagget", "andel__mangler", "kommunenr__kommune", "kommunenr__ukjent", "antall_svar__publisert",
           "aar__uplausibel")

FIRST_YEAR = 2010
"""Ungdata began in 2010 (NOVA)."""


def prepare(frame: pl.DataFrame, kommuner: list[str]) -> pl.DataFrame:
    """The columns the suite checks instead of GX row conditions (see `suites.only`)."""
    published = pl.col("flagg") == 0
    # The period as the dashboard writes it («2029–2031»), where its first year is before Ungdata or its last after
    # this year: a finding showed «2029» for the file's «2029_2031», and «2025_2027» passed in 2026.
    last_year = pl.col("periode").str.extract(r"(\d{4})$", 1).cast(pl.Int32, strict=False)
    implausible = (pl.col("aar") < FIRST_YEAR) | (last_year > dt.date.today().year)
    return frame.with_columns(
        pl.when(implausible.fill_null(False)).then(pl.col("periode")).otherwise(None).alias("aar__uplausibel"),
        only("andel", ~published, "flagget"),
        (published & pl.col("andel").is_null()).fill_null(False).alias("andel__mangler"),
        only("kommunenr", pl.col("geo_niva") == "kommune", "kommune"),
        only("antall_svar", published, "publisert"),
        repeated(UNGDATA_KEY),
    ).with_columns(outside("kommunenr__kommune", kommuner).alias("kommunenr__ukjent"))


def validate(frame: pl.DataFrame, known: Known) -> Verdict:
    kommuner = sorted(known.register.kommunenr) if known.register is not None else []
    return run_suite("ungdata", prepare(frame, kommuner), expectations())
