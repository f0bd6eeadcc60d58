"""What every reader returns, and the small normalisers the readers share."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.errors import IngestError, PersonDataError, Problems
from pipelines.parsing import blank_row_positions

# The canonical Elevundersøkelsen frame, shared by the Udir export and Skoleporten readers.
EU_KEY = ["enhet_niva", "enhet_id", "skoleaar", "trinn", "kjonn", "indikator_kode"]
"""One Elevundersøkelsen value per key: a newer delivery of the same key replaces the older."""

EU_SCHEMA: dict[str, pl.DataType] = {
    "rad": pl.Int64,
    "skoleaar": pl.String,
    "skoleaar_start": pl.Int32,
    "enhet_niva": pl.String,
    "enhet_id": pl.String,
    "orgnr": pl.String,
    "kommunenr": pl.String,
    "fylkekode": pl.String,
    "enhet_navn": pl.String,
    "trinn": pl.Int8,
    "kjonn": pl.String,
    "indikator_kode": pl.String,
    "indikator": pl.String,
    "maal": pl.String,
    "verdi": pl.Float64,
    "standardavvik": pl.Float64,
    "antall_besvart": pl.Int32,
    "skjermet": pl.Boolean,
}

REGISTER_SCHEMA: dict[str, pl.DataType] = {
    "rad": pl.Int64,
    "orgnr": pl.String,
    "navn": pl.String,
    "kommunenr": pl.String,
    "kommune": pl.String,
    "trinn_fra": pl.Int8,
    "trinn_til": pl.Int8,
    "elevtall": pl.Int32,
    "skoleaar": pl.String,
    "nedlagt": pl.Date,  # the first day a closed school no longer runs; null while it runs
    "opprettet": pl.Date,  # the first day a school opened since runs (`skoleregister.with_openings`); null: always ran
}


@dataclass
class SourceResult:
    """One file read into one canonical frame, with what was left out and why."""

    source: str
    frame: pl.DataFrame
    rows_in: int
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # about rows a user should look at: counted as warnings
    info: list[str] = field(default_factory=list)  # what the file held («2 programmer, 3 tiltak»): said, not counted
    after_load: list[Callable[[duckdb.DuckDBPyConnection, str], list]] = field(default_factory=list)
    """Checks of this file against the warehouse, run as `Source.after_load` is, after it: the ones only the reader
    can tell the file needs (a whole Udir export speaks for the groups it leaves out; one page of it does not)."""
    previewed: list[Callable[..., list]] = field(default_factory=list)
    """Those of `after_load` that read the warehouse only, run in the preview too (with `loaded=False`): the preview
    of survey results loaded before the register said nothing of it; «Last inn skoleregisteret … først» came after."""
    refused: Exception | None = None
    """A refusal the reader found that is given only after the check of whose municipalities the file changes: a
    file for another municipality is refused as that, whatever else is wrong with it (`pipelines.ingest.check_file`)."""
    checked_beside: bool = False
    """`refused` names rows the frame has left out: the rest of the file is checked too, and said with it."""
    headings: dict[str, str] = field(default_factory=dict)
    """The file's own column for a field of the frame, where a reader maps them per file («RATE» for «andel» in an
    FHI table): the quality findings name those (`pipelines.quality.suites.file_headings`)."""


@dataclass(frozen=True)
class Known:
    """What the warehouse already holds that readers and suites compare a file with."""

    schools: pl.DataFrame  # orgnr, navn, kommunenr, kommune, trinn_fra, trinn_til, elevtall
    indicator_codes: Mapping[str, str]  # read lazily by `pipelines.ingest.known`
    register: Any  # pipelines.quality.suites.RegisterFacts (typed loosely: GX stays out of the dashboard)
    db: Path | None = None  # the warehouse being loaded, for checks against more than the register (plans)
    register_rows: pl.DataFrame | None = None  # core.skole as loaded (`pipelines.ingest.kommuner_touched`)
    plan_owners: Mapping[str, str] = field(default_factory=dict)  # plan_id → kommunenr of the plans loaded
    plans: tuple[tuple, ...] = ()  # (plan_id, kommunenr, tittel, gyldig_fra, gyldig_til) of the plans loaded
    demo: bool = False  # a demo warehouse (`skolemiljo demo`): it takes only the demo's fictional municipalities


@dataclass(frozen=True)
class Source:
    """One input format: how to recognise, read, check and load it (see pipelines/registry.py)."""

    name: str
    label: str
    detect: Callable[[list[str]], bool]
    read: Callable[[pl.DataFrame, Known], SourceResult]
    validate: Callable[[pl.DataFrame, Known], Any]  # -> pipelines.quality.verdict.Verdict
    load: Callable[[duckdb.DuckDBPyConnection, pl.DataFrame, str], int]
    needs_register: bool = False
    table: str | None = None  # the table `load` replaces rows in by `key` (None: not known, previews say «ukjent»)
    key: list[str] | None = None
    replaces: list[str] | None = None
    """Part of `key` a delivery speaks for whole (`store.replace_by_key`): earlier rows sharing it go, whatever the
    rest of their key. None: a row replaces only the row with its whole key."""
    replaces_text: str = ""
    """`replaces` in words, for the messages: «skolens måned og sakstype»."""
    replaces_example: str = ""
    """What a delivery typically removes that way, for the preview."""
    owner_data: bool = False
    """The school owner's own records about its schools (case counts, meetings, plans, programme status). Every
    file may change only the municipalities a skoleeier has (`pipelines.ingest.outside_scope`); in these a row with
    no kommunenr is a default for all of them (the meeting rhythm), which only an administrator may set."""
    after_load: Callable[[duckdb.DuckDBPyConnection, str], list] | None = None
    """Checks of the file against the warehouse as it will be, run in the load's transaction before the commit
    (`con`, batch_id) -> findings (warnings): what the file alone cannot show, e.g. a month against the month before."""
    before_load: Callable[[duckdb.DuckDBPyConnection, str], list] | None = None
    """Checks of the file against the warehouse as it is, before its rows replace anything: (`con`, the name of a
    relation holding the file's rows) -> findings (warnings). The preview runs them as well, so that what a load
    would overwrite is said before anything is loaded (a template's zeros over another school's report)."""
    load_while_checking: bool = True
    """False when `validate` reads the warehouse itself: the process cannot open a reading connection while the
    ingest holds its loading one open (see `pipelines.ingest.Loading`)."""


def require_columns(table: pl.DataFrame, needed: list[str], label: str) -> None:
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise IngestError(
            f"Filen ligner på {label}, men mangler kolonnene: {', '.join(missing)}."
        )


MONTH_NAMES = ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"]
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "mai": 5, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "okt": 10, "oct": 10, "nov": 11, "des": 12, "dec": 12,
}
"""A month's name as written in a file, by its first three letters (Norwegian and English)."""


def month_label(expr: pl.Expr) -> pl.Expr:
    """A date → «sep 2025», in Polars (no Python per row: see `slug`)."""
    names = pl.lit(pl.Series(MONTH_NAMES))
    return pl.format("{} {}", names.gather(expr.dt.month().cast(pl.Int64) - 1), expr.dt.year())


def slug(expr: pl.Expr, *, fold_accents: bool = False) -> pl.Expr:
    """«Zippys venner» → `zippys_venner`: lower case, æ/ø/å spelt out, every other run of signs one «_».

    `fold_accents` keeps the letter of an accented one («é» → «e») and drops what has no ASCII form. Written in
    Polars, never as a Python function per value: a Python callback inside a Polars query can deadlock the
    dashboard's server when another session converts a frame at the same moment (pola-rs/polars#26821).
    """
    text = expr.str.strip_chars().str.to_lowercase()
    for old, new in (("æ", "ae"), ("ø", "o"), ("å", "a")):
        text = text.str.replace_all(old, new, literal=True)
    if fold_accents:
        text = text.str.normalize("NFKD").str.replace_all(r"[^\x00-\x7F]", "")
    return text.str.replace_all(r"[^a-zA-Z0-9]+" if fold_accents else r"[^a-z0-9]+", "_").str.strip_chars("_")


def rows_from(frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    """A reader's frame with its data row numbers moved to where the rows stand in the file as Excel shows it.

    `first_row` is the number of the first row under the header (`pipelines.parsing.Sheet.first_row`).
    """
    if first_row == 1 or "rad" not in frame.columns:
        return frame
    return frame.with_columns(pl.col("rad") + (first_row - 1))


def per_value(frame: pl.DataFrame, column: str, **derived: pl.Expr) -> pl.DataFrame:
    """Adds columns that depend on `column` alone, computed once per distinct value and joined back.

    A national export repeats a handful of texts («7. trinn», «Jenter», «2024-25», «4,1») hundreds of thousands
    of times; parsing each distinct text once and joining is several times faster than parsing every cell.
    """
    distinct = frame.select(pl.col(column).unique()).with_columns(**derived)
    # Only the column itself is joined, and the derived columns set beside the frame: joining the whole frame
    # copies every other column too (a national case-count file: 11 → 7 ms a call, eight calls).
    # The distinct values are unique, so the join keeps the frame's rows and order one for one.
    looked_up = frame.select(column).join(distinct, on=column, how="left", nulls_equal=True, maintain_order="left")
    # A column of the same name is replaced, as `with_columns` would.
    return frame.drop(list(derived), strict=False).hstack(looked_up.drop(column))


def per_value_test(frame: pl.DataFrame, column: str, test: pl.Expr) -> pl.Expr:
    """`test` (an expression on `column` alone) for every row, worked out once per distinct value of the column.

    The answer comes back as membership in the values that pass, which is cheaper than a join when only a yes or
    no is wanted (blank cells, say, in every column of a national log: 75 → 24 ms).
    """
    distinct = frame.select(pl.col(column).unique())
    hits = distinct.filter(test.fill_null(False))[column]
    return pl.col(column).is_in(hits.drop_nulls().implode()).fill_null(False) | (
        pl.col(column).is_null() & pl.lit(hits.null_count() > 0)
    )


def with_row_numbers(table: pl.DataFrame) -> pl.DataFrame:
    """Data row numbers (1 is the first row after the header), without the empty rows (see `rows_from`).

    An empty row among the data (a blank line, bare separators, a row emptied in Excel) is not a row to refuse or
    load; it is numbered first, so every row after it keeps the number it has in the file. `check_file` counts them.
    """
    numbered = table.with_row_index("rad", offset=1).with_columns(pl.col("rad").cast(pl.Int64))
    blank = blank_row_positions(table)
    if blank.is_empty():
        return numbered
    return numbered.filter(~pl.col("rad").is_in((blank.cast(pl.Int64) + 1).implode()))


_SCHOOL_YEAR = re.compile(r"^\s*(\d{4})\s*[-/–]\s*(\d{2}|\d{4})\s*$")


def school_year_expr(col: str) -> tuple[pl.Expr, pl.Expr]:
    """`2024-25`, `2024-2025`, `2024/25` → (`2024-25`, 2024); anything else → nulls."""
    text = pl.col(col).str.strip_chars()
    start = text.str.extract(r"^(\d{4})\s*[-/–]\s*(?:\d{2}|\d{4})$", 1).cast(pl.Int32, strict=False)
    label = pl.format("{}-{}", start, ((start + 1) % 100).cast(pl.String).str.zfill(2))
    return label, start


def first_bad_row(frame: pl.DataFrame, bad: pl.Expr) -> int | None:
    hit = frame.filter(bad).select("rad").head(1)
    return None if hit.is_empty() else int(hit.item())


_PROBLEMS: ContextVar[list[IngestError] | None] = ContextVar("problems", default=None)
_BAD_ROWS: ContextVar[set[int] | None] = ContextVar("bad_rows", default=None)


def raise_on_bad(frame: pl.DataFrame, bad: pl.Expr, message: str, column: str, quote: str | None = None) -> None:
    """Refuse the file at the first row where `bad` holds, naming row and column, and with `quote` (a column of
    `frame`) the cell as it stands («2024-13»: a user shown only the rule had to find what broke it). Inside
    `every_problem`, the refusal is noted and the reader goes on, so that one message names every kind of mistake in
    the file."""
    bad_rows = frame.filter(bad)
    if bad_rows.is_empty():
        return
    first = int(bad_rows["rad"][0])
    more = f" ({bad_rows.height} rader i alt)" if bad_rows.height > 1 else ""
    cell = bad_rows[quote][0] if quote is not None and quote in bad_rows.columns else None
    said = f"; i filen står «{str(cell).strip()[:40]}»" if cell is not None and str(cell).strip() else ""
    error = IngestError(message + said + more, row=first, column=column)
    found = _PROBLEMS.get()
    if found is None:
        raise error
    if not any((e.row, e.column) == (first, column) for e in found):  # a cell said once: «not a number», not «empty»
        found.append(error)
    rows = _BAD_ROWS.get()
    if rows is not None:
        rows.update(bad_rows["rad"].to_list())


class every_problem:  # noqa: N801  (used as a `with` statement, like contextlib's)
    """Run a reader, noting each `raise_on_bad` refusal instead of stopping at the first; on leaving, refuse the file
    naming all of them (`Problems`). A step after a noted problem that fails on the bad values (or refuses the file
    itself) adds nothing a user could act on first: the problems noted are what is said.

    `hold`: a reader that gets to its end despite the problems is not refused here; the refusal is kept (`refusal`)
    with the rows it names (`bad_rows`, as the reader numbers them), so that the caller can check the other rows
    too and say everything at once (`pipelines.ingest.read_source`)."""

    def __init__(self, hold: bool = False) -> None:
        self.hold = hold
        self.refusal: IngestError | None = None
        self.bad_rows: set[int] = set()

    def __enter__(self) -> every_problem:
        self._token = _PROBLEMS.set([])
        self._rows = _BAD_ROWS.set(self.bad_rows)
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        found = _PROBLEMS.get() or []
        _PROBLEMS.reset(self._token)
        _BAD_ROWS.reset(self._rows)
        if isinstance(exc, PersonDataError) or not found:
            return False
        if exc is None and self.hold:
            self.refusal = found[0] if len(found) == 1 else Problems(found)
            return False
        if isinstance(exc, IngestError) and not isinstance(exc, Problems) and str(exc) not in map(str, found):
            found.append(exc)
        raise (found[0] if len(found) == 1 else Problems(found)) from exc


def digits(col: str, width: int) -> pl.Expr:
    """Codes that Excel may have stripped of leading zeros, padded back to `width` digits."""
    text = pl.col(col).str.strip_chars().str.replace_all(r"\s", "")
    return (
        pl.when(text.str.contains(r"^\d+$") & (text.str.len_chars() < width))
        .then(text.str.zfill(width))
        .otherwise(text)
    )


def kjonn_expr(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars().str.to_lowercase()
    return (
        pl.when(text.is_in(["alle kjønn", "begge kjønn", "alle", "begge", "0", "kjønn samlet"]))
        .then(pl.lit("alle"))
        .when(text.is_in(["jenter", "jente", "kvinner", "2"]))
        .then(pl.lit("jenter"))
        .when(text.is_in(["gutter", "gutt", "menn", "1"]))
        .then(pl.lit("gutter"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def trinn_expr(col: str) -> tuple[pl.Expr, pl.Expr]:
    """`7. trinn`, `Trinn 7`, `7` → 7; `Alle trinn` → null. Returns (trinn, recognised)."""
    text = pl.col(col).str.strip_chars().str.to_lowercase()
    number = text.str.extract(r"^(?:trinn\s*)?(\d{1,2})\.?\s*(?:trinn)?$", 1).cast(pl.Int8, strict=False)
    recognised = number.is_not_null() | text.is_in(["alle trinn", "alle"])
    return number, recognised


def maal_for(table_kind: str, name_col: str) -> pl.Expr:
    """Bullying and participation are shares (0–100 %); the indices are means on 1–5."""
    if table_kind in ("mobbing", "deltakelse"):
        return pl.lit("andel")
    return (
        pl.when(pl.col(name_col).str.to_lowercase().str.contains("mobb"))
        .then(pl.lit("andel"))
        .otherwise(pl.lit("snitt"))
    )


def empty_eu_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=EU_SCHEMA)


def header_key(name: str, aliases: dict[str, str] | None = None) -> str:
    """A template header in one comparable form: `Måned ` → `maaned`, `Åpne ved månedsslutt` → `aapne_ved_…`."""
    text = name.strip().strip("\ufeff").lower()
    for old, new in (("æ", "ae"), ("ø", "o"), ("å", "aa")):
        text = text.replace(old, new)
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return (aliases or {}).get(text, text)


def refuse_unknown_columns(table: pl.DataFrame, unknown: list[str], label: str) -> None:
    """The owner's templates take counts and codes only. A column the template does not have, with anything in it,
    may hold names or notes about pupils: the file is refused and not kept, rather than the column quietly dropped.
    (Empty extra columns, as Excel leaves them, are fine.)"""
    filled = [
        c for c in unknown
        if table.get_column(c).cast(pl.String).str.strip_chars().fill_null("").ne("").any()
    ]
    if filled:
        named = ", ".join(f"«{c}»" for c in filled)
        raise PersonDataError(
            f"Filen har {'kolonner' if len(filled) > 1 else 'en kolonne'} som ikke hører til {label}: {named}. "
            "Malen tar bare imot tall og koder – fritekst kan inneholde personopplysninger. Fjern "
            f"{'kolonnene' if len(filled) > 1 else 'kolonnen'} og les inn filen på nytt. Ingenting fra filen er "
            "lastet eller tatt vare på."
        )


def template_table(
    table: pl.DataFrame, normalise: Callable[[str], str], required: list[str], optional: list[str], label: str,
    doc: str,
) -> pl.DataFrame:
    """A filled-in template as text columns under their canonical names, with row numbers.

    Refuses two headers that mean the same, and names the missing required columns and the template's document.
    """
    renamed = {c: normalise(c) for c in table.columns}
    if len(set(renamed.values())) < len(renamed):
        raise IngestError("To kolonner har samme navn (etter at store/små bokstaver og æøå er jevnet ut).")
    t = table.rename(renamed)
    missing = [c for c in required if c not in t.columns]
    if missing:
        raise IngestError(f"Filen ligner på {label}, men mangler kolonnene: {', '.join(missing)}. Se {doc}.")
    refuse_unknown_columns(table, [c for c, n in renamed.items() if n not in required and n not in optional], label)
    t = t.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in optional if c not in t.columns)
    return with_row_numbers(t.with_columns(pl.col(c).cast(pl.String) for c in t.columns))


def normalise_name(name: str | None) -> str:
    """Case, accents of whitespace and the `skole`/`skule` suffix do not decide a match."""
    if not name:
        return ""
    text = unicodedata.normalize("NFC", name).lower().strip()
    text = re.sub(r"[\s\-–_.,]+", " ", text)
    text = re.sub(r"skule\b", "skole", text)
    text = re.sub(r"\s*(skole|kommune)$", "", text).strip()
    return text


def _unique_keys(pairs: list[tuple[str, str]]) -> dict[str, str | None]:
    """key → orgnr, or None for a key two schools share (which one was meant cannot be known)."""
    out: dict[str, str | None] = {}
    for key, orgnr in pairs:
        out[key] = orgnr if out.get(key, orgnr) == orgnr else None
    return out


class _RegisterNames:
    """The register's school names as `orgnr_or_school_name` matches them: as written (case and spaces aside), and
    normalised (`normalise_name`); a name two schools share maps to None."""

    def __init__(self, known: Known) -> None:
        register = [(navn, normalise_name(navn), orgnr)
                    for navn, orgnr in known.schools.select("navn", "orgnr").unique().rows()]
        self.exact = _unique_keys([(navn.strip().lower(), orgnr) for navn, _, orgnr in register])
        self.loose = _unique_keys([(normal, orgnr) for _, normal, orgnr in register])
        self.names_of = {normal: navn for navn, normal, _ in register}

    def resolve(self, skole: str) -> str | None:
        key = skole.strip().lower()
        return self.exact[key] if key in self.exact else self.loose.get(normalise_name(skole))


def orgnr_or_school_name(t: pl.DataFrame, known: Known) -> pl.DataFrame:
    """`orgnr` from the file, or looked up from the `skole` name in the register: the name as written first (case and
    spaces aside), then as Skoleporten's names are matched (`normalise_name`: «Sjøbygd skole» finds «Sjøbygd skule»).
    A name two schools share, either way, resolves to neither. A row with neither is refused, with the register's
    nearest name when one is close and unique (the file's own text is not quoted: it may be anything, and others read
    the log)."""
    # Each distinct (orgnr, skole) pair is resolved once and joined back: a national file names 2 900 schools
    # seventy times each. Only a name without an orgnr beside it is looked up, and the register's names are prepared
    # only for that: a file with the orgnr on every row never needs them (a national meeting log: 45 → 15 ms).
    pairs = t.select("orgnr", "skole").unique().with_columns(digits("orgnr", 9).alias("_orgnr"))
    # A school's name where its number belongs (a clerk's slip in the template) is looked up as a name too; when the
    # register has no such school, the cell stays as written, for the checks to refuse (whatever the name column says:
    # a cell that is neither a number nor a school may be anything, a pupil's name too).
    worded = pl.col("_orgnr").str.contains(r"[^\W\d_]").fill_null(False)
    by_name = pl.concat([pairs.filter(pl.col("_orgnr").is_null())["skole"], pairs.filter(worded)["orgnr"]]
                        ).drop_nulls().unique().to_list()
    names = _RegisterNames(known) if by_name else None
    if names:
        found = {skole: names.resolve(skole) for skole in by_name}

        def looked_up(col: str) -> pl.Expr:
            return pl.col(col).replace_strict(found, default=None, return_dtype=pl.String)

        pairs = pairs.with_columns(
            pl.when(worded).then(pl.coalesce(looked_up("orgnr"), "_orgnr"))
            .otherwise(pl.coalesce("_orgnr", looked_up("skole"))).alias("_orgnr")
        )
    t = (
        t.join(pairs, on=["orgnr", "skole"], how="left", nulls_equal=True, maintain_order="left")
        .with_columns(pl.col("_orgnr").alias("orgnr"))
        .drop("_orgnr")
    )
    missing = pl.col("orgnr").is_null() | (pl.col("orgnr") == "")
    hint = ""
    first = t.filter(missing & pl.col("skole").is_not_null()).head(1)
    if not first.is_empty():
        names = names or _RegisterNames(known)
        written = normalise_name(first["skole"][0])
        close = [k for k in difflib.get_close_matches(written, list(names.names_of), n=3, cutoff=0.75) if k != written]
        if written in names.loose:  # the register has the name, for more than one school
            hint = "; flere skoler i registeret har det navnet, så bruk organisasjonsnummeret"
        elif close and names.loose.get(close[0]):
            hint = f"; nærmeste navn i registeret: «{names.names_of[close[0]]}»"
    raise_on_bad(t, missing,
                 "Organisasjonsnummeret mangler (og skolenavnet finnes ikke i skoleregisteret, eller flere skoler "
                 f"der har det navnet{hint})", "orgnr")
    return t
