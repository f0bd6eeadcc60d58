"""Great Expectations suites for the teams' meeting log and the expected meeting rhythm."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.quality.suites import (
    KEY_REPEATED,
    E,
    headed,
    municipality_of_known_schools,
    outside,
    repeated,
    rule,
    run_suite,
    unique_key_rule,
)
from pipelines.quality.verdict import Verdict
from pipelines.templates import CLOSED, closed_school
from pipelines.templates.teammoter import COUNTS, FIRST_DATE, HEADERS, PROFESSIONS, TEAMS

FUTURE = "dato__fram_i_tid"
MEETING_COLUMNS = ["rad", "orgnr", "kommunenr", "team", "dato", "varighet_min", *COUNTS, *PROFESSIONS]
KEY = ["orgnr", "team", "dato"]
RYTME_KEY = ["kommunenr", "team"]
"""One row per key: the files are loaded by them, and the suites hold the files to them."""
DERIVED = [KEY_REPEATED, "aar", FUTURE, "helg", "uten_saker", "henvist_over_saker", "et_uten_ppt_og_helse", "orgnr__ukjent",
           CLOSED]
RHYTHM_COLUMNS = ["rad", "kommunenr", "team", "moter_per_maaned", "kommunenr__ukjent", KEY_REPEATED]


def prepare(frame: pl.DataFrame, known_orgnr: list[str], today: dt.date | None = None,
            register: pl.DataFrame | None = None) -> pl.DataFrame:
    """Adds the derived columns the suite checks, computed in polars; a meeting on or after the day its school closed
    by `register` (the register's rows with `nedlagt`)."""
    today = today or dt.date.today()
    cases = pl.col("saker_med_samtykke") + pl.col("saker_anonyme")
    referrals = pl.col("henvisninger_ppt") + pl.col("henvisninger_barnevern") + pl.col("henvisninger_helse")
    return closed_school(frame, register, pl.col("dato")).with_columns(
        pl.col("dato").dt.year().alias("aar"),
        # The date itself as the example (it read «Eksempler: -11», days from today).
        pl.when(pl.col("dato") > pl.lit(today)).then(pl.col("dato").dt.strftime("%d.%m.%Y")).alias(FUTURE),
        # The date and its day as the example («15.11.2026 (lørdag)»; the warning named only the rows)
        pl.when(pl.col("dato").dt.weekday() >= 6).then(pl.format(
            "{} ({})", pl.col("dato").dt.strftime("%d.%m.%Y"),
            pl.when(pl.col("dato").dt.weekday() == 6).then(pl.lit("lørdag")).otherwise(pl.lit("søndag")))).alias("helg"),
        (cases == 0).alias("uten_saker"),
        (referrals > cases).alias("henvist_over_saker"),
        # Elevtjeneste meetings only (null for other teams, which GX then leaves out of «mostly»).
        pl.when(pl.col("team") == "elevtjeneste")
        .then(~pl.col("til_stede_ppt") & ~pl.col("til_stede_helsesykepleier"))
        .otherwise(None).alias("et_uten_ppt_og_helse"),
        outside("orgnr", known_orgnr),
        repeated(KEY),
    ).with_columns(municipality_of_known_schools())


def meeting_expectations() -> list:
    counts = list(COUNTS)
    rules = [
        rule(E.ExpectTableColumnsToMatchSet(column_set=MEETING_COLUMNS + DERIVED, exact_match=True),
             "Tabellen har ikke de forventede kolonnene."),
        *[rule(E.ExpectColumnValuesToNotBeNull(column=c), "Et tallfelt er tomt (skriv 0 når det ikke var noen).")
          for c in counts],
        *[rule(E.ExpectColumnValuesToBeInTypeList(column=c, type_list=["int32", "int64", "Int32", "Int64"]),
               "Antall må være hele tall.") for c in counts],
        *[rule(E.ExpectColumnValuesToBeBetween(column=c, min_value=0), "Antall kan ikke være negativt.")
          for c in counts],
        *[rule(E.ExpectColumnValuesToBeInSet(column=c, value_set=[True, False]), "Til stede må være ja eller nei.")
          for c in PROFESSIONS],
        rule(E.ExpectColumnValuesToMatchRegex(column="orgnr", regex=r"^\d{9}$"),
             "Organisasjonsnummeret må ha 9 siffer."),
        rule(E.ExpectColumnValuesToBeNull(column="orgnr__ukjent"),
             "Skolen står ikke i skoleregisteret; last inn registeret eller rett organisasjonsnummeret.",
             kolonne="orgnr"),
        rule(E.ExpectColumnValuesToNotBeNull(column="kommunenr"), "Skolens kommune er ukjent (mangler i registeret).",
             kolonne="orgnr"),
        rule(E.ExpectColumnValuesToBeInSet(column="team", value_set=list(TEAMS)), "Ukjent team.", quote=False),
        rule(E.ExpectColumnValuesToNotBeNull(column="dato"), "Datoen mangler."),
        unique_key_rule("skole, team, dato", "Samme skole, team og dato står flere ganger i filen."),
        rule(E.ExpectColumnValuesToBeNull(column=FUTURE), "Møtedatoen ligger fram i tid.", kolonne="dato"),
        rule(E.ExpectColumnValuesToBeBetween(column="aar", min_value=FIRST_DATE.year),
             f"Møtedatoen er før {FIRST_DATE.year}; sjekk årstallet.", kolonne="dato"),
        rule(E.ExpectColumnValuesToBeBetween(column="varighet_min", min_value=1, max_value=600),
             "Varigheten må være mellom 1 og 600 minutter."),
        # The reader skips such rows when they record nothing (the template's rows).
        rule(E.ExpectColumnValuesToBeNull(column=CLOSED),
             "Møter på en dag skolen ikke var i drift ifølge skoleregisteret (på eller etter dagen den ble nedlagt, "
             "eller før den ble opprettet). Fjern radene, eller rett datoen i skoleregisteret.", kolonne="orgnr, dato"),
        rule(E.ExpectColumnValuesToBeNull(column="helg"),
             "Møter på lørdag eller søndag: sjekk datoen.", warning=True, kolonne="dato"),
        rule(E.ExpectColumnValuesToBeInSet(column="uten_saker", value_set=[False]),
             "Møter uten saker og uten anonyme drøftinger: sjekk at tallene er fylt ut.",
             warning=True, kolonne="saker_med_samtykke, saker_anonyme"),
        rule(E.ExpectColumnValuesToBeInSet(column="henvist_over_saker", value_set=[False]),
             "Flere henvisninger enn saker drøftet i samme møte.", warning=True,
             kolonne="henvisninger_ppt, henvisninger_barnevern, henvisninger_helse"),
        rule(E.ExpectColumnValuesToBeInSet(column="et_uten_ppt_og_helse", value_set=[False], mostly=0.8),
             "Mer enn hvert femte møte i elevtjenesten var uten både PPT og helsesykepleier.",
             warning=True, kolonne="til_stede_ppt, til_stede_helsesykepleier", quote=False),  # «Eksempler: True»
    ]
    # Named as the template heads them («Dato», «Varighet (minutter)»): the findings said «dato», «varighet_min».
    return headed(rules, HEADERS)


def validate(frame: pl.DataFrame, known, today: dt.date | None = None) -> Verdict:
    """The meeting log against its suite; `known` is a `Known` (its schools give the orgnr list)."""
    orgnr = sorted(known.schools["orgnr"].to_list()) if known is not None else []
    register = known.register_rows if known is not None else None
    return run_suite("teammoter", prepare(frame, orgnr, today, register), meeting_expectations())


def rhythm_expectations() -> list:
    return [
        rule(E.ExpectTableColumnsToMatchSet(column_set=RHYTHM_COLUMNS, exact_match=True),
             "Tabellen har ikke de forventede kolonnene."),
        rule(E.ExpectColumnValuesToBeInSet(column="team", value_set=list(TEAMS)), "Ukjent team.", quote=False),
        rule(E.ExpectColumnValuesToBeNull(column="kommunenr__ukjent"),
             "Kommunen står ikke i skoleregisteret."),
        unique_key_rule("kommune, team", "Samme kommune og team står flere ganger."),
        rule(E.ExpectColumnValuesToNotBeNull(column="moter_per_maaned"), "Antall møter per måned mangler."),
        rule(E.ExpectColumnValuesToBeBetween(column="moter_per_maaned", min_value=0, max_value=31),
             "Antall møter per måned må ligge mellom 0 og 31."),
        rule(E.ExpectColumnValuesToBeBetween(column="moter_per_maaned", max_value=8),
             "Mer enn 8 møter per måned er uvanlig; sjekk tallet.", warning=True),
    ]


def validate_rytme(frame: pl.DataFrame, known) -> Verdict:
    """The rhythm file against its suite (known kommunenr from the school register)."""
    kommuner = sorted(set(known.schools["kommunenr"].drop_nulls().to_list())) if known is not None else []
    # An empty kommunenr is the default for every municipality: compared as a known value.
    checked = frame.with_columns(pl.col("kommunenr").fill_null("standard"))
    checked = checked.with_columns(outside("kommunenr", [*kommuner, "standard"]), repeated(RYTME_KEY))
    return run_suite("teamrytme", checked, rhythm_expectations())
