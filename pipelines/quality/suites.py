"""Great Expectations 1.x suites, one per canonical source frame, and the runner that turns results into a Verdict."""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import polars as pl

from pipelines.quality.verdict import Finding, Verdict
from pipelines.sources.base import EU_SCHEMA, REGISTER_SCHEMA

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
logging.getLogger("great_expectations").setLevel(logging.ERROR)

import great_expectations as gx  # noqa: E402  (after the analytics switch)
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

E = gx.expectations
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class RegisterFacts:
    """What the warehouse already knows, for the checks that compare a file with the register."""

    orgnr: frozenset[str]
    kommunenr: frozenset[str]
    trinn_range: dict[str, tuple[int, int]]  # orgnr → (fra, til) where the register says


@lru_cache(maxsize=1)
def _context():
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_pandas("skolemiljo")
    return ctx, source


def rule(expectation, melding: str, *, warning: bool = False):
    """An expectation with its Norwegian message; critical (rejects the file) unless `warning`."""
    expectation.severity = "warning" if warning else "critical"
    expectation.meta = {"melding": melding}
    return expectation


def eu_expectations(facts: RegisterFacts) -> list:
    this_year = dt.date.today().year
    key = ["enhet_niva", "enhet_id", "skoleaar", "trinn_key", "kjonn", "indikator_kode"]
    rules = [
        rule(E.ExpectTableColumnsToMatchSet(column_set=list(EU_SCHEMA) + list(EU_DERIVED), exact_match=True),
              "Tabellen har ikke de forventede kolonnene."),
        rule(E.ExpectColumnValuesToBeOfType(column="verdi", type_="float64"), "Verdiene er ikke tall."),
        rule(E.ExpectColumnValuesToBeBetween(column="verdi__snitt", min_value=1, max_value=5),
              "Indeksverdier (snitt) må ligge mellom 1 og 5."),
        rule(E.ExpectColumnValuesToBeBetween(column="verdi__andel", min_value=0, max_value=100),
              "Andeler må ligge mellom 0 og 100 %."),
        rule(E.ExpectColumnValuesToBeNull(column="verdi__skjermet"),
              "En skjermet (prikket) verdi har likevel et tall."),
        rule(E.ExpectColumnValuesToBeBetween(column="antall_besvart", min_value=0), "Antall besvart kan ikke være negativt."),
        rule(E.ExpectColumnValuesToBeBetween(column="standardavvik", min_value=0, max_value=4),
              "Standardavviket ligger utenfor 0–4.", warning=True),
        rule(E.ExpectColumnValuesToBeBetween(column="skoleaar_start", min_value=2000, max_value=this_year + 1),
              f"Skoleåret er ikke plausibelt (forventet fra 2000-01 til {this_year}-{(this_year + 1) % 100:02d})."),
        rule(E.ExpectColumnValuesToBeBetween(column="trinn", min_value=5, max_value=10),
              "Elevundersøkelsen i grunnskolen gjelder 5.–10. trinn."),
        rule(E.ExpectColumnValuesToBeInSet(column="kjonn", value_set=["alle", "jenter", "gutter"]), "Ukjent kjønn."),
        rule(E.ExpectColumnValuesToBeInSet(column="enhet_niva", value_set=["skole", "kommune", "fylke", "nasjonalt"]),
              "Ukjent enhetsnivå."),
        rule(E.ExpectColumnValuesToNotBeNull(column="indikator_kode"), "Indikatoren mangler kode."),
        rule(E.ExpectColumnValuesToMatchRegex(column="orgnr__skole", regex=r"^\d{9}$"),
              "Organisasjonsnummeret må ha 9 siffer."),
        rule(E.ExpectColumnValuesToMatchRegex(column="kommunenr__enhet", regex=r"^\d{4}$"),
              "Kommunenummeret må ha 4 siffer."),
        rule(E.ExpectCompoundColumnsToBeUnique(column_list=key),
              "Samme enhet, skoleår, trinn, kjønn og indikator står flere ganger i filen."),
        rule(E.ExpectColumnValuesToBeInSet(column="orgnr__skole", value_set=sorted(facts.orgnr) or ["-"]),
              "Skoler som ikke står i skoleregisteret blir registrert fra filen (trinn ukjent til registeret sier noe annet).",
              warning=True),
        rule(E.ExpectColumnValuesToBeInSet(column="kommunenr__skole", value_set=sorted(facts.kommunenr) or ["-"]),
              "Skoler i kommuner som ikke står i skoleregisteret.", warning=True),
        rule(E.ExpectColumnValuesToBeInSet(column="trinn_i_omfang", value_set=[True]),
              "Resultater for trinn skolen ikke har ifølge skoleregisteret.", warning=True),
    ]
    return rules


def register_expectations() -> list:
    return [
        rule(E.ExpectTableColumnsToMatchSet(column_set=list(REGISTER_SCHEMA), exact_match=True),
              "Tabellen har ikke de forventede kolonnene."),
        rule(E.ExpectColumnValuesToMatchRegex(column="orgnr", regex=r"^\d{9}$"), "Organisasjonsnummeret må ha 9 siffer."),
        rule(E.ExpectColumnValuesToBeUnique(column="orgnr"), "Samme organisasjonsnummer står flere ganger."),
        rule(E.ExpectColumnValuesToMatchRegex(column="kommunenr", regex=r"^\d{4}$"), "Kommunenummeret må ha 4 siffer."),
        rule(E.ExpectColumnValuesToNotBeNull(column="navn"), "Skolen mangler navn."),
        rule(E.ExpectColumnValuesToBeBetween(column="trinn_fra", min_value=1, max_value=13), "Trinn må være 1–13."),
        rule(E.ExpectColumnValuesToBeBetween(column="trinn_til", min_value=1, max_value=13), "Trinn må være 1–13."),
        rule(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="trinn_til", column_B="trinn_fra", or_equal=True),
              "Siste trinn er lavere enn første trinn."),
        rule(E.ExpectColumnValuesToBeBetween(column="elevtall", min_value=0), "Elevtallet kan ikke være negativt."),
        rule(E.ExpectColumnValuesToBeBetween(column="elevtall", min_value=0, max_value=2500),
              "Uvanlig høyt elevtall (over 2 500).", warning=True),
        rule(E.ExpectColumnValuesToBeUnique(column="navn"),
              "To skoler har samme navn; historiske Skoleporten-filer kan da ikke knyttes sikkert.", warning=True),
    ]


def prepare_eu(frame: pl.DataFrame, facts: RegisterFacts) -> pl.DataFrame:
    """Adds the derived columns the suite checks: a null-safe key and trinn-vs-register."""
    ranges = pl.DataFrame(
        {
            "orgnr": list(facts.trinn_range),
            "_fra": [r[0] for r in facts.trinn_range.values()],
            "_til": [r[1] for r in facts.trinn_range.values()],
        },
        schema={"orgnr": pl.String, "_fra": pl.Int8, "_til": pl.Int8},
    )
    joined = frame.join(ranges, on="orgnr", how="left")
    in_range = (
        pl.when(pl.col("trinn").is_null() | pl.col("_fra").is_null())
        .then(pl.lit(True))
        .otherwise((pl.col("trinn") >= pl.col("_fra")) & (pl.col("trinn") <= pl.col("_til")))
    )
    school = pl.col("enhet_niva") == "skole"
    return joined.with_columns(
        pl.col("trinn").fill_null(0).alias("trinn_key"),
        in_range.alias("trinn_i_omfang"),
        only("verdi", pl.col("maal") == "snitt", "snitt"),
        only("verdi", pl.col("maal") == "andel", "andel"),
        only("verdi", pl.col("skjermet"), "skjermet"),
        only("orgnr", school, "skole"),
        only("kommunenr", pl.col("enhet_niva").is_in(["skole", "kommune"]), "enhet"),
        only("kommunenr", school, "skole"),
    ).drop("_fra", "_til")


EU_DERIVED = ("trinn_key", "trinn_i_omfang", "verdi__snitt", "verdi__andel", "verdi__skjermet", "orgnr__skole",
              "kommunenr__enhet", "kommunenr__skole")


def only(column: str, condition: pl.Expr, name: str) -> pl.Expr:
    """`column` where `condition` holds, else null: a check on it covers just those rows (GX skips nulls).

    Cheaper than GX's `row_condition`, which re-runs a pandas query for every metric of every expectation.
    Findings name the original column (see `shown_column`).
    """
    return pl.when(condition.fill_null(False)).then(pl.col(column)).otherwise(None).alias(f"{column}__{name}")


def shown_column(column: str | None) -> str | None:
    """The column a user knows: «verdi» for the derived «verdi__snitt»."""
    return column.split("__", 1)[0] if column else column


def _example(value: object) -> str:
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values())
    return str(value)


def run_suite(name: str, frame: pl.DataFrame, expectations: list) -> Verdict:
    """Validate a frame with Great Expectations and return findings with the user's row numbers."""
    ctx, source = _context()
    pdf: pd.DataFrame = frame.to_pandas()
    asset_name = f"{name}-{id(frame)}"
    asset = source.add_dataframe_asset(asset_name)
    try:
        batch = asset.add_batch_definition_whole_dataframe("hele").get_batch(batch_parameters={"dataframe": pdf})
        suite = gx.ExpectationSuite(name=asset_name, expectations=expectations)
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    finally:
        source.delete_asset(asset_name)
    rows = frame["rad"].to_list() if "rad" in frame.columns else None
    findings = []
    for res in result.results:
        cfg = res.expectation_config
        column = shown_column(cfg.kwargs.get("column") or cfg.kwargs.get("column_A"))
        if cfg.kwargs.get("column_list"):
            column = ", ".join(cfg.kwargs["column_list"])
        severity = "advarsel" if str(cfg.severity).lower().endswith("warning") else "kritisk"
        details = res.result or {}
        count = details.get("unexpected_count")
        examples = None
        message = cfg.meta.get("melding", cfg.type)
        raised = (res.exception_info or {}).get("raised_exception") if isinstance(res.exception_info, dict) else False
        if raised:
            message += " (kontrollen kunne ikke kjøres: " + str(res.exception_info.get("exception_message"))[:200] + ")"
        if not res.success and count:
            idx = details.get("unexpected_index_list") or []
            row_numbers = []
            for i in idx[:MAX_EXAMPLES]:
                pos = i if isinstance(i, int) else (i.get("index") if isinstance(i, dict) else None)
                if rows is not None and isinstance(pos, int) and pos < len(rows):
                    row_numbers.append(rows[pos])
            values = [_example(v) for v in (details.get("partial_unexpected_list") or [])[:MAX_EXAMPLES]]
            examples = "; ".join(values)[:300] if values else None
            where = f" Rader: {', '.join(map(str, row_numbers))}" if row_numbers else ""
            if count > len(row_numbers) and row_numbers:
                where += f" (og {count - len(row_numbers)} til)"
            col_text = f" Kolonne «{column}»." if column else ""
            message = f"{message}{col_text}{where}{'.' if where else ''} Eksempler: {examples}." if examples else f"{message}{col_text}{where}"
        findings.append(
            Finding(
                forventning=cfg.type,
                kolonne=column,
                alvorlighet=severity,
                ok=bool(res.success),
                antall_avvik=int(count) if count is not None else None,
                eksempler=examples,
                melding=message.strip(),
            )
        )
    return Verdict(findings)


def validate_eu(frame: pl.DataFrame, facts: RegisterFacts) -> Verdict:
    return run_suite("elevundersokelsen", prepare_eu(frame, facts), eu_expectations(facts))


def validate_register(frame: pl.DataFrame) -> Verdict:
    return run_suite("skoleregister", frame, register_expectations())
