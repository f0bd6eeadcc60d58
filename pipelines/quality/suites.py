"""Great Expectations 1.x suites, one per canonical source frame, and the runner that turns results into a Verdict."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import polars as pl

from pipelines.quality.verdict import Finding, Verdict
from pipelines.sources.base import EU_KEY, EU_SCHEMA, REGISTER_SCHEMA

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
logging.getLogger("great_expectations").setLevel(logging.ERROR)

import great_expectations as gx  # noqa: E402  (after the analytics switch)
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import pandas_execution_engine as _pandas_engine  # noqa: E402
from great_expectations.expectations.expectation import Expectation  # noqa: E402

E = gx.expectations
MAX_EXAMPLES = 5

# GX hashes every cell of a pandas batch for a fingerprint it only records (`pandas_data_fingerprint`), once when a
# batch is made and again for each validation (three times a suite here); a frame under the threshold is hashed.
if hasattr(_pandas_engine, "HASH_THRESHOLD"):
    _pandas_engine.HASH_THRESHOLD = 0


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


_CONFIGS = threading.local()
_BUILD_CONFIGURATION = Expectation.__dict__.get("configuration")


def _configuration(self):
    """`Expectation.configuration`, built once per expectation object while `_configurations_kept` is on.

    GX builds the configuration afresh (a pydantic `dict()` and a regex over the class name) each time it is asked,
    and one validation asks about 45 times per rule: on a 36-rule suite that is half of GX's time (meeting log
    0.25 → 0.20 s, median). The objects GX asks about are its own copies, made inside the validation and not changed there,
    so one configuration per object is the same answer. Outside a validation, and in other threads, nothing is kept.
    """
    kept = getattr(_CONFIGS, "kept", None)
    if kept is None:
        return _BUILD_CONFIGURATION.fget(self)
    hit = kept.get(id(self))
    if hit is None:
        hit = kept[id(self)] = (self, _BUILD_CONFIGURATION.fget(self))  # the object is held: its id stays its own
    return hit[1]


if isinstance(_BUILD_CONFIGURATION, property):  # a GX that has changed this is used as it is
    Expectation.configuration = property(_configuration, doc=_BUILD_CONFIGURATION.__doc__)


@contextlib.contextmanager
def _configurations_kept():
    """While inside, each expectation object's configuration is built once (see `_configuration`)."""
    outer = getattr(_CONFIGS, "kept", None)
    _CONFIGS.kept = {} if outer is None else outer
    try:
        yield
    finally:
        _CONFIGS.kept = outer


def rule(expectation, melding: str, *, warning: bool = False, kolonne: str | None = None, quote: bool = True):
    """An expectation with its Norwegian message; critical (rejects the file) unless `warning`.

    `kolonne` names the columns a user knows when the expectation checks a derived one (see `repeated`).
    `quote=False`: the findings name the rows, never the values. For a code column of the owner's own records,
    where a value the rule does not know may be free text about a pupil («Aktivitetsplan for Ola 5B»): quoted, it
    would stand in the log that every skoleeier of the municipality reads.
    """
    expectation.severity = "warning" if warning else "critical"
    expectation.meta = {"melding": melding, **({"kolonne": kolonne} if kolonne else {}),
                        **({} if quote else {"sitat": False})}
    return expectation


def headed(rules: list, headings: dict[str, str]) -> list:
    """The rules with their columns (`kolonne`, else the column checked) named as a template heads them: a rektor
    read «apne_ved_maanedsslutt» and «varighet_min», field names the template never showed. A name `headings` lacks
    is kept. A derived column is looked up by the column it is derived from («verdi» for «verdi__snitt»)."""
    for r in rules:
        named = r.meta.get("kolonne") or getattr(r, "column", None)
        if named:
            parts = [part.strip() for part in named.split(",")]
            r.meta["kolonne"] = ", ".join(headings.get(shown_column(part), part) for part in parts)
    return rules


KEY_REPEATED = "nokkel__gjentatt"
"""The derived column a suite's unique-key rule checks (see `repeated`)."""
TRINN_OUTSIDE = "trinn__utenfor_skolen"
"""The derived column holding a trinn its school lacks (see `trinn_outside`)."""


def repeated(key: list[str], name: str = KEY_REPEATED) -> pl.Expr:
    """The key as text on the rows whose key stands more than once in the file, else null; check it is null.

    A unique-key rule then checks distinct values like every other rule (`compact`), and the findings name the
    repeated keys. GX's own compound-unique check hashes every row of the frame in pandas on a second batch.
    Missing values count as equal (rows for all trinn share the key «trinn missing»).
    """
    text = [pl.col(c).cast(pl.String).fill_null("–") for c in key]
    return pl.when(pl.struct(key).is_duplicated()).then(pl.concat_str(text, separator=" ")).otherwise(None).alias(name)


def unique_key_rule(key_shown: str, melding: str, *, warning: bool = False, column: str = KEY_REPEATED,
                    quote: bool = True):
    """The rule that no key of `repeated` stands twice; `key_shown` lists the key columns as a user knows them.
    `quote=False` when a key column may hold free text (see `rule`): the repeated key is named by its rows."""
    return rule(E.ExpectColumnValuesToBeNull(column=column), melding, warning=warning, kolonne=key_shown, quote=quote)


def eu_expectations(facts: RegisterFacts) -> list:
    this_year = dt.date.today().year
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
        unique_key_rule("enhet, skoleår, trinn, kjønn, indikator",
                        "Samme enhet, skoleår, trinn, kjønn og indikator står flere ganger i filen."),
        rule(E.ExpectColumnValuesToBeNull(column="orgnr__ukjent"),
              "Skoler som ikke står i skoleregisteret blir registrert fra filen (trinn ukjent til registeret sier noe annet).",
              warning=True),
        rule(E.ExpectColumnValuesToBeNull(column="kommunenr__ukjent"),
              "Skoler i kommuner som ikke står i skoleregisteret.", warning=True),
        rule(E.ExpectColumnValuesToBeNull(column=TRINN_OUTSIDE),
              "Resultater for trinn skolen ikke har ifølge skoleregisteret.", warning=True, kolonne="trinn"),
    ]
    return rules


NOT_A_NAME = r"[<>\[\]`]|^\s*[=+\-@]"
"""What no school or municipality is named with: HTML and Markdown's link, image and code marks, or a formula's
first character. A name is shown on every page, in the reports and in the templates: a register naming a school
«Haugen ![](https://…)» had every skolesjef's browser fetch that address on Oversikt and Saker, and
«=HYPERLINK(…)» sat in every template."""
NOT_A_NAME_TEXT = ("{what} har tegn som ikke hører hjemme i et navn: «<», «>», «[», «]» eller «`», eller «=», «+», "
                   "«-» eller «@» først (det kan bli en lenke, et bilde eller en formel der navnet vises). Rett navnet "
                   "i filen.")


def register_expectations() -> list:
    return [
        rule(E.ExpectTableColumnsToMatchSet(column_set=list(REGISTER_SCHEMA) + REGISTER_DERIVED, exact_match=True),
              "Tabellen har ikke de forventede kolonnene."),
        rule(E.ExpectColumnValuesToMatchRegex(column="orgnr", regex=r"^\d{9}$"), "Organisasjonsnummeret må ha 9 siffer."),
        unique_key_rule("orgnr", "Samme organisasjonsnummer står flere ganger.", column="orgnr__gjentatt"),
        rule(E.ExpectColumnValuesToMatchRegex(column="kommunenr", regex=r"^\d{4}$"), "Kommunenummeret må ha 4 siffer."),
        rule(E.ExpectColumnValuesToNotBeNull(column="navn"), "Skolen mangler navn."),
        *(rule(E.ExpectColumnValuesToNotMatchRegex(column=col, regex=NOT_A_NAME), NOT_A_NAME_TEXT.format(what=what))
          for col, what in (("navn", "Skolenavnet"), ("kommune", "Kommunenavnet"))),
        rule(E.ExpectColumnValuesToBeBetween(column="trinn_fra", min_value=1, max_value=13), "Trinn må være 1–13."),
        rule(E.ExpectColumnValuesToBeBetween(column="trinn_til", min_value=1, max_value=13), "Trinn må være 1–13."),
        rule(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="trinn_til", column_B="trinn_fra", or_equal=True),
              "Siste trinn er lavere enn første trinn."),
        rule(E.ExpectColumnValuesToBeBetween(column="elevtall", min_value=0), "Elevtallet kan ikke være negativt."),
        rule(E.ExpectColumnValuesToBeBetween(column="elevtall", min_value=0, max_value=2500),
              "Uvanlig høyt elevtall (over 2 500).", warning=True),
        unique_key_rule("navn", "To skoler har samme navn; historiske Skoleporten-filer kan da ikke knyttes sikkert.",
                        warning=True, column="navn__gjentatt"),
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
    school = pl.col("enhet_niva") == "skole"
    return joined.with_columns(
        trinn_outside(pl.col("trinn"), school=pl.col("enhet_navn")),
        only("verdi", pl.col("maal") == "snitt", "snitt"),
        only("verdi", pl.col("maal") == "andel", "andel"),
        only("verdi", pl.col("skjermet"), "skjermet"),
        only("orgnr", school, "skole"),
        only("kommunenr", pl.col("enhet_niva").is_in(["skole", "kommune"]), "enhet"),
        repeated(EU_KEY),
    ).with_columns(
        outside("orgnr__skole", facts.orgnr).alias("orgnr__ukjent"),
        only("kommunenr", school & ~pl.col("kommunenr").is_in(sorted(facts.kommunenr)), "ukjent"),
    ).drop("_fra", "_til")


EU_DERIVED = (KEY_REPEATED, TRINN_OUTSIDE, "verdi__snitt", "verdi__andel", "verdi__skjermet", "orgnr__skole",
              "orgnr__ukjent", "kommunenr__enhet", "kommunenr__ukjent")


def only(column: str, condition: pl.Expr, name: str) -> pl.Expr:
    """`column` where `condition` holds, else null: a check on it covers just those rows (GX skips nulls).

    Cheaper than GX's `row_condition`, which re-runs a pandas query for every metric of every expectation.
    Findings name the original column (see `shown_column`).
    """
    return pl.when(condition.fill_null(False)).then(pl.col(column)).otherwise(None).alias(f"{column}__{name}")


def trinn_outside(first: pl.Expr, last: pl.Expr | None = None, school: pl.Expr | None = None) -> pl.Expr:
    """The trinn a row gives where the register says its school lacks it, with the school's own trinn, else null.

    Needs the register's range joined in as `_fra`/`_til`; rows without either are never outside. The finding's
    examples then tell the user what to write: «Strand barneskule: 9. trinn (skolen har 1.–7.)», not the yes/no of a
    check; `school` names the school (a file of several schools left the user to find which had no 9. trinn).
    """
    last = first if last is None else last
    shown = pl.when(first == last).then(pl.format("{}. trinn", first)).otherwise(
        pl.format("{}.–{}. trinn", first, last))
    if school is not None:
        shown = pl.format("{}: {}", school.fill_null(pl.col("orgnr")), shown)
    inside = first.is_null() | pl.col("_fra").is_null() | ((first >= pl.col("_fra")) & (last <= pl.col("_til")))
    return (
        pl.when(inside).then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.format("{} (skolen har {}.–{}.)", shown, pl.col("_fra"), pl.col("_til")))
        .alias(TRINN_OUTSIDE)
    )


def outside(column: str, allowed, name: str = "ukjent") -> pl.Expr:
    """`column` where its value is not in `allowed` (the register's schools, say), else null; check it is null.

    A set of thousands of values inside an expectation is copied by GX each time it reads the expectation's
    configuration (hundreds of times per run): as a derived column the set is used once, in Polars.
    """
    return only(column, ~pl.col(column).is_in(sorted(allowed)), name)


def municipality_of_known_schools(unknown: str = "orgnr__ukjent") -> pl.Expr:
    """`kommunenr` for the rule that a school's municipality is known, checked for the schools the register has: a
    school it lacks has no municipality either, and was told so twice («finnes ikke i skoleregisteret» and «mangler
    kommunenummer i skoleregisteret»). Said once, as unknown (`outside` gives `unknown`)."""
    return pl.when(pl.col(unknown).is_null()).then(pl.col("kommunenr")).otherwise(pl.lit("ukjent skole")).alias(
        "kommunenr")


def shown_column(column: str | None) -> str | None:
    """The column a user knows: «verdi» for the derived «verdi__snitt»."""
    return column.split("__", 1)[0] if column else column


ROW_LEVEL = {"expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"}
"""Expectations about rows together, not about each value alone: they see every row of the frame."""


def _row_level(expectation) -> bool:
    return expectation.expectation_type in ROW_LEVEL or _mostly(expectation) < 1


def _columns_of(expectation) -> list[str]:
    names = [getattr(expectation, a, None) for a in ("column", "column_A", "column_B")]
    return [n for n in names if n] + list(getattr(expectation, "column_list", None) or [])


@dataclass
class _Distinct:
    """The distinct values (or value pairs) of some columns, with how many rows hold each and the first rows."""

    frame: pl.DataFrame  # the columns + _antall + _rader
    size: int


def _groups(expectations: list) -> list[list[str]]:
    """Columns checked together (a pair expectation) share one set of distinct combinations."""
    groups: list[set[str]] = []
    for exp in expectations:
        cols = set(_columns_of(exp))
        if not cols:
            continue
        touching = [g for g in groups if g & cols]
        merged = cols.union(*touching)
        groups = [g for g in groups if not g & cols] + [merged]
    return [sorted(g) for g in groups]


def compact(frame: pl.DataFrame, expectations: list) -> tuple[pl.DataFrame, dict[str, _Distinct]]:
    """A frame holding each checked column's distinct values once, for the value-by-value expectations.

    A value-by-value expectation (in set, between, regex, null, type, a pair A > B) gives the same verdict for a
    value wherever it stands, so checking each distinct value once is the same check, and on a national file it is
    the difference between 470 000 rows and a few thousand. Each column group is padded to the longest by repeating
    its first value, which no such expectation can tell from the value itself. Counts and row numbers of the
    findings come back from `_Distinct` (see `_map_back`). Expectations about rows together stay on the full frame.
    """
    rad = pl.col("rad") if "rad" in frame.columns else pl.lit(None, dtype=pl.Int64)
    groups = [present for cols in _groups(expectations) if (present := [c for c in cols if c in frame.columns])]
    lazy = frame.lazy()
    found = pl.collect_all([  # one query plan: Polars shares the scan and spreads the groups over the cores
        lazy.group_by(cols, maintain_order=True).agg(pl.len().alias("_antall"), rad.head(MAX_EXAMPLES).alias("_rader"))
        for cols in groups
    ])
    distinct: dict[str, _Distinct] = {}
    for cols, d in zip(groups, found, strict=True):
        for c in cols:
            distinct[c] = _Distinct(d, d.height)
    size = max((d.size for d in distinct.values()), default=min(frame.height, 1))
    if frame.height == 0:
        return frame, distinct

    def padded(n: int) -> list[int]:
        return list(range(n)) + [0] * (size - n)

    columns = []
    for c in frame.columns:
        if c in distinct:
            columns.append(distinct[c].frame[c].gather(padded(distinct[c].size)))
        else:
            columns.append(frame[c].gather([0] * size))
    return pl.DataFrame(columns), distinct


_ASSETS = threading.Lock()


def _batch_definition(name: str):
    """One data asset per suite, kept: adding and removing one makes GX write its whole configuration out as YAML.

    The asset holds no data; each validation hands it its own frame as a batch parameter (uploads in two sessions
    may validate at once).
    """
    _ctx, source = _context()
    with _ASSETS:
        try:
            return source.get_asset(name).get_batch_definition("hele")
        except LookupError:
            return source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("hele")


def _validate(name: str, frame: pl.DataFrame, expectations: list) -> list:
    """One result per expectation, in order: a quick pass/fail first, and the details only for what needs them.

    Asking GX for every failing row of every expectation doubles its work; most checks pass, so those that fail
    (and share rules, whose count the user is told) are run again with the row numbers.
    """
    pdf: pd.DataFrame = frame.to_pandas()
    batch = _batch_definition(name).get_batch(batch_parameters={"dataframe": pdf})

    def run(exps: list, result_format: str) -> list:
        # GX returns results in an order of its own: each expectation carries its place in `meta`.
        suite = gx.ExpectationSuite(name=f"{name}-{result_format}", expectations=exps)
        with _configurations_kept():
            results = batch.validate(suite, result_format={"result_format": result_format}).results
        by_place = {res.expectation_config.meta["plass"]: res for res in results}
        return [by_place[exp.meta["plass"]] for exp in exps]

    for place, exp in enumerate(expectations):
        exp.meta = {**(exp.meta or {}), "plass": place}

    # A share rule («mostly») always reports its count, so it goes straight to the detailed run.
    shares = [i for i, exp in enumerate(expectations) if _mostly(exp) < 1]
    rest = [i for i, exp in enumerate(expectations) if _mostly(exp) == 1]
    results: list = [None] * len(expectations)
    if rest:
        for i, res in zip(rest, run([expectations[i] for i in rest], "BOOLEAN_ONLY"), strict=True):
            results[i] = res
    again = shares + [i for i in rest if not results[i].success]
    if again:
        for i, res in zip(again, run([expectations[i] for i in again], "COMPLETE"), strict=True):
            results[i] = res
    return results


def _mostly(expectation) -> float:
    mostly = getattr(expectation, "mostly", 1)
    return 1 if mostly is None else mostly


MAP_EXPECTATIONS = (gx.expectations.expectation.ColumnMapExpectation,
                    gx.expectations.expectation.ColumnPairMapExpectation,
                    gx.expectations.expectation.MulticolumnMapExpectation)
"""Expectations that look at each row (or value): one that passed with no share rule found no row."""


def _positions(details: dict) -> list[int]:
    out = []
    for i in details.get("unexpected_index_list") or []:
        pos = i if isinstance(i, int) else (i.get("index") if isinstance(i, dict) else None)
        if isinstance(pos, int):
            out.append(pos)
    return out


def _map_back(res, distinct: dict[str, _Distinct]) -> tuple[int | None, list[int], list[str]]:
    """(rows, first row numbers, example values) of a compact result, counted in the user's file."""
    details = res.result or {}
    if details.get("unexpected_count") is None:
        return None, [], []
    kwargs = res.expectation_config.kwargs
    named = [kwargs.get(a) for a in ("column", "column_A", "column_B")] + list(kwargs.get("column_list") or [])
    cols = [c for c in named if c in distinct]
    if not cols:
        return int(details["unexpected_count"]), [], []
    d = distinct[cols[0]]
    hits = sorted({p if p < d.size else 0 for p in _positions(details)})
    picked = d.frame[hits]
    count = int(picked["_antall"].sum()) if hits else 0
    rows = sorted(r for lst in picked["_rader"].to_list() for r in lst if r is not None)[:MAX_EXAMPLES]
    examples = [
        " ".join(_value_text(v) for v in values)
        for values in picked.select(cols).head(MAX_EXAMPLES).iter_rows()
        if any(v is not None for v in values)
    ] if any(d.frame.schema[c] != pl.Boolean for c in cols) else []  # a yes/no check's «False» is no example
    return count, rows, examples


def _value_text(value: object) -> str:
    """A value as a Norwegian reader writes it: «110», not «110.0»; «12,5», not «12.5»."""
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return str(int(value)) if value.is_integer() else f"{value:g}".replace(".", ",")
    return str(value)


def _example(value: object) -> str:
    if isinstance(value, dict):
        return " ".join(_value_text(v) for v in value.values())
    return _value_text(value)


_FILE_HEADINGS: ContextVar[dict[str, str]] = ContextVar("file_headings", default={})  # noqa: B039 (never changed)


@contextlib.contextmanager
def file_headings(headings: dict[str, str]) -> Iterator[None]:
    """Findings made inside name a checked column by the file's own heading for it (`SourceResult.headings`): an FHI
    table read «Kolonne «andel»» of a file whose column is RATE. A column a rule names itself (`kolonne`) is kept."""
    token = _FILE_HEADINGS.set(headings)
    try:
        yield
    finally:
        _FILE_HEADINGS.reset(token)


def run_suite(name: str, frame: pl.DataFrame, expectations: list) -> Verdict:
    """Validate a frame with Great Expectations and return findings with the user's row numbers.

    Value-by-value expectations run on the distinct values (`compact`); row-level ones on the columns they name.
    """
    by_value = [e for e in expectations if not _row_level(e)]
    by_row = [e for e in expectations if _row_level(e)]
    compacted, distinct = compact(frame, by_value)
    results = []
    if by_value:
        results += [(exp, res, distinct) for exp, res in zip(by_value, _validate(name, compacted, by_value), strict=True)]
    if by_row:
        needed = sorted({c for e in by_row for c in _columns_of(e) if c in frame.columns})
        checked = _validate(name, frame.select(needed or frame.columns[:1]), by_row)
        results += [(exp, res, None) for exp, res in zip(by_row, checked, strict=True)]
    rows = frame["rad"].to_list() if "rad" in frame.columns else None
    return Verdict([_finding(exp, res, distinct_of, rows) for exp, res, distinct_of in results])


def _finding(exp, res, distinct: dict[str, _Distinct] | None, rows: list | None) -> Finding:
    cfg = res.expectation_config
    column = shown_column(cfg.kwargs.get("column") or cfg.kwargs.get("column_A"))
    if cfg.kwargs.get("column_list"):
        column = ", ".join(cfg.kwargs["column_list"])
    if "kolonne" in cfg.meta:
        column = cfg.meta["kolonne"]
    elif column and (headings := _FILE_HEADINGS.get()):
        column = ", ".join(headings.get(part, part) for part in column.split(", "))
    severity = "advarsel" if str(cfg.severity).lower().endswith("warning") else "kritisk"
    details = res.result or {}
    message = cfg.meta.get("melding", cfg.type)
    raised = (res.exception_info or {}).get("raised_exception") if isinstance(res.exception_info, dict) else False
    if raised:
        message += " (kontrollen kunne ikke kjøres: " + str(res.exception_info.get("exception_message"))[:200] + ")"
    if distinct is not None:
        count, row_numbers, values = _map_back(res, distinct)
    else:
        count = details.get("unexpected_count")
        row_numbers = [rows[p] for p in _positions(details)[:MAX_EXAMPLES] if rows is not None and p < len(rows)]
        values = [_example(v) for v in (details.get("partial_unexpected_list") or [])[:MAX_EXAMPLES]]
    if count is None and res.success and isinstance(exp, MAP_EXPECTATIONS) and _mostly(exp) == 1:
        count = 0  # passed the quick pass: no row broke it
    examples = None
    if cfg.meta.get("sitat") is False:
        values = []
    if not res.success and count:
        examples = "; ".join(values)[:300] if values else None
        where = f" Rader: {', '.join(map(str, row_numbers))}" if row_numbers else ""
        if count > len(row_numbers) and row_numbers:
            where += f" (og {count - len(row_numbers)} til)"
        col_text = f" {'Kolonnene' if ', ' in column else 'Kolonne'} «{column}»." if column else ""
        message = f"{message}{col_text}{where}{'.' if where else ''}" + (f" Eksempler: {examples}." if examples else "")
    return Finding(
        forventning=cfg.type,
        kolonne=column,
        alvorlighet=severity,
        ok=bool(res.success),
        antall_avvik=int(count) if count is not None else None,
        eksempler=examples,
        melding=message.strip(),
    )


def validate_eu(frame: pl.DataFrame, facts: RegisterFacts, headings: dict[str, str] | None = None) -> Verdict:
    """`headings`: the file's own column for each field the findings name («Organisasjonsnummer» for «orgnr»): a
    skolesjef read «Kolonne «orgnr»» of a Udir export that has no such column."""
    return run_suite("elevundersokelsen", prepare_eu(frame, facts), headed(eu_expectations(facts), headings or {}))


REGISTER_DERIVED = ["orgnr__gjentatt", "navn__gjentatt"]


def validate_register(frame: pl.DataFrame) -> Verdict:
    prepared = frame.with_columns(repeated(["orgnr"], "orgnr__gjentatt"), repeated(["navn"], "navn__gjentatt"))
    return run_suite("skoleregister", prepared, register_expectations())
