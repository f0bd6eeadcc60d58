"""One file in: archive it, detect its format, read, check for person data, validate with GX, load whole or not at all.

`preview_file` runs the same checks (`check_file`) on a file without archiving, logging or loading anything, and says
what a load would change: the dashboard's import page shows it before the user chooses to load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import re
import secrets
import zipfile
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines import accounts, guides, parsing, registry
from pipelines.errors import DEMO_WAREHOUSE, IngestError, PersonDataError, Problems, counted
from pipelines.quality.person_data import find_person_data, name_without_fodselsnummer
from pipelines.quality.verdict import Finding, Verdict
from pipelines.registry import Known, Source
from pipelines.sources.base import SourceResult, every_problem, rows_from
from pipelines.warehouse import published, store
from pipelines.warehouse.connection import connect
from pipelines.warehouse.migrations import migrate
from pipelines.warehouse.store import loaded_when

SOURCES = registry.BY_NAME  # name → Source, kept for callers that list the source names
YAML_COLUMN = "plan_yaml"

Progress = Callable[[str], None]
NO_ROWS = "Filen har en overskriftsrad, men ingen rader med data."
"""A known file's header with no rows under it."""

STAGES = ["leser", "ser etter personopplysninger", "leser kilden", "kontrollerer", "laster inn"]
"""The stages `ingest_file` reports to its `progress` callback, in order (the third is «leser <kildens navn>»)."""
SAMPLE_ROWS = 20


@dataclass
class Outcome:
    """What happened to one file, as `skolemiljo ingest` and the dashboard report it."""

    path: Path
    result: str  # lastet | avvist | allerede_lastet (| klar: accepted by `ingest_file(refusal_only=True)`)
    source: str | None = None
    batch_id: str | None = None
    rows_in: int = 0
    rows_loaded: int = 0
    rows_skipped: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def new_batch_id(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%f")[:-3] + "-" + secrets.token_hex(3)


def replaced_since(con, batch_id: str) -> str:
    """For a file sent again: how many of the rows it loaded later files have replaced since, and how to get them back.

    The same file twice changes nothing; a clerk who sends the original again after a wrong correction was told only
    that, while the warehouse kept the correction. Empty when nothing was replaced (or it cannot be told).
    """
    row = con.execute("SELECT kilde, rader_lastet FROM core.ingest_log WHERE batch_id = ? AND resultat = 'lastet'",
                      [batch_id]).fetchone()
    source = registry.BY_NAME.get(row[0]) if row else None
    if source is None or not source.table or not row[1]:
        return ""
    try:
        kept = con.execute(f"SELECT count(*) FROM {source.table} WHERE batch_id = ?", [batch_id]).fetchone()[0]
    except duckdb.Error:  # a table without batch_id: not told
        return ""
    gone = row[1] - kept
    if gone <= 0:
        return ""
    return (f" Senere filer har siden erstattet {gone} av de {row[1]} radene den ga. Vil du ha filens tall tilbake, "
            "lagre den som en ny fil (for eksempel med en tom linje til slutt), så lastes den som en ny leveranse.")


def archive_folder(db: Path) -> Path:
    """Where the files users gave are kept, next to the warehouse."""
    return db.parent / "arkiv"


def archive_path(sha256: str, db: Path, suffix: str) -> Path:
    return archive_folder(db) / sha256[:2] / f"{sha256}{suffix.lower()}"


def archive(raw: bytes, sha256: str, db: Path, suffix: str) -> Path:
    """Keep every file a user gave us, by content hash, next to the warehouse."""
    target = archive_path(sha256, db, suffix)
    if not archive_folder(db).exists():  # a new archive holds only files checked by today's person-data rules
        _mark_checked(db)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(raw)
        os.replace(tmp, target)
    return target


def read_table(raw: bytes, filename: str) -> pl.DataFrame:
    """Bytes → a table of strings, JSON or CSV decided by content, not only by name (see `read_sheet`)."""
    return read_sheet(raw, filename).table


READABLE = "Filer som kan leses: CSV (også lagret som .txt), JSON, Excel (.xlsx) og YAML (kommunens plan)."


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of Office's old container: Word and PowerPoint 97–2003, .xls, and an encrypted .xlsx."""


def _document_kind(raw: bytes, filename: str) -> str | None:
    """«en PDF-fil», «et Word-dokument» …: a document, not a table, named as such (a PDF read as «Fant ikke
    skilletegn», a .docx as a damaged Excel file to open in Excel)."""
    if raw.startswith(b"%PDF"):
        return "en PDF-fil"
    name = filename.lower()
    if raw.startswith(OLE) and name.endswith((".doc", ".ppt")):
        return "et Word-dokument" if name.endswith(".doc") else "en PowerPoint-presentasjon"
    if raw.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
        except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError, OSError):
            return None  # a damaged zip: the workbook reader says so (`parsing.read_xlsx_sheet`)
        if any(n.startswith("word/") for n in names):
            return "et Word-dokument"
        if any(n.startswith("ppt/") for n in names):
            return "en PowerPoint-presentasjon"
        if "mimetype" in names and not any(n.startswith("xl/") for n in names):
            return "et OpenDocument-dokument"
    return None


def read_sheet(raw: bytes, filename: str) -> parsing.Sheet:
    """Bytes → a table of strings and where its first data row stands in the file, as Excel numbers rows."""
    if kind := _document_kind(raw, filename):
        raise IngestError(f"Filen er {kind}, ikke en tabell, og kan ikke leses. Last ned eller lagre tallene som CSV "
                          f"eller Excel. {READABLE}")
    if raw.startswith(b"PK\x03\x04"):
        return parsing.read_xlsx_sheet(raw)
    if filename.lower().endswith(".xls"):
        raise IngestError("Gamle .xls-filer kan ikke leses; lagre som .xlsx eller CSV (semikolon).")
    if raw.startswith(OLE):  # Office's old container: what a password-protected .xlsx is, whatever its name
        raise IngestError("Filen er en passordbeskyttet (kryptert) Excel-fil, eller en gammel .xls med et annet navn, og "
                          "kan ikke leses. Fjern passordet i Excel (Fil → Info → Beskytt arbeidsbok → Krypter med "
                          "passord, og tøm feltet) og lagre som .xlsx, eller lagre som CSV (semikolon).")
    if raw.lstrip()[:1] in (b"[", b"{") and not filename.lower().endswith((".yaml", ".yml")):
        try:  # JSON in UTF-8, the export API's own: parsed from the bytes (decoding 150 MB to text first costs 0.3 s)
            return parsing.Sheet(parsing.read_json_bytes(raw), first_row=1)
        except parsing.NotUtf8Json:
            pass  # another encoding or broken JSON: the text path below finds the encoding and says what is wrong
    if filename.lower().endswith((".xlsx", ".xlsm")) and raw.strip():
        try:  # an Excel name on a file that is no workbook: a CSV renamed loads as the CSV it is; anything else is
            return _text_sheet(raw, filename)  # told it is not a valid Excel file, not about CSV separators
        except IngestError as exc:
            raise IngestError(f"Filen har endelsen {Path(filename).suffix.lower()}, men er ikke en gyldig Excel-fil, "
                              "og den kan heller ikke leses som en tabell i tekst (CSV). Åpne den i Excel og lagre "
                              f"på nytt som .xlsx, eller lagre som CSV (semikolon). {READABLE}") from exc
    return _text_sheet(raw, filename)


def _text_sheet(raw: bytes, filename: str) -> parsing.Sheet:
    """A CSV, JSON or YAML file's table (see `read_sheet`)."""
    decoded = parsing.decode(raw)
    text = decoded.text
    stripped = text.lstrip()
    if not stripped:
        raise IngestError("Filen er tom.")
    if filename.lower().endswith((".yaml", ".yml")):  # a plan file: one cell holding the text (pipelines/sources/plan.py)
        return parsing.Sheet(pl.DataFrame({YAML_COLUMN: [text]}), first_row=1)
    if stripped[0] in "[{":
        return parsing.Sheet(parsing.read_json_text(text), first_row=1)
    return parsing.read_csv_sheet(text, decoded.utf8)


def detect(table: pl.DataFrame) -> Source:
    columns = table.columns
    for source in registry.SOURCES:
        if source.detect(columns):
            return source
    if any(re.fullmatch(r"\s*(\d{9}|\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2})\s*", c) or "_duplicated_" in c
           for c in columns):
        # An orgnr or a date where a column's name should be, or the same name twice: the first row is data. (A year,
        # «2024» or «2021-22», heads a wide statistics table.) Not quoted: a row of data may be anything (a pupil's
        # name), and the log is read by others than the one who loaded it.
        raise IngestError(
            "Filen ser ut til å mangle overskriftsraden: den første raden har tall eller datoer der kolonnenavnene "
            f"skal stå. Legg inn overskriftene slik malen eller formatet har dem (se {guides.where('formater')})."
        )
    shown = ", ".join(re.sub(r"_duplicated_\d+$", "", c) for c in columns[:8]) + (" …" if len(columns) > 8 else "")
    raise IngestError(
        f"Kjenner ikke igjen formatet. Kolonnene er: {shown}. Kjente formater: "
        + "; ".join(registry.labels().values())
        + f". Se {guides.where('formater')}."
    )


CLOSE_ENOUGH = 3
"""A format a file lacks at most this many columns of is named when the file is not recognised (`closest_format`)."""


def _missing(table: pl.DataFrame, spec: Source, facts: Known) -> list[str] | None:
    """The columns `spec`'s reader says `table` lacks, or None when it says something else (or reads it)."""
    try:
        read_source(table, spec, facts)
    except IngestError as exc:
        found = re.search(r"mangler kolonnene: ([^.]+)\.", str(exc))
        return [c.strip() for c in found[1].split(",")] if found else None
    except Exception:  # noqa: BLE001 (a reader given another format's file may fail any way: not this one)
        return None
    return None


def closest_format(table: pl.DataFrame, facts: Known) -> str:
    """« Nærmest: Skoleregister, som mangler kolonnene trinn_fra, trinn_til.» for a file no format recognised, or "".

    Its reader, as `--source` would run it, says which columns it lacks; the upload page has no `--source`, and a
    register headed «Fra;Til» was told only «Kjenner ikke igjen formatet» and a list of twelve formats. A format is
    named when the file has most of its columns and lacks at most `CLOSE_ENOUGH`."""
    best: tuple[int, str, list[str]] | None = None
    for spec in registry.SOURCES:
        missing = _missing(table, spec, facts)
        needed = _missing(pl.DataFrame({"_": ["x"]}), spec, facts)
        if not missing or not needed or len(missing) > CLOSE_ENOUGH:
            continue
        shared = len(needed) - len(missing)
        if shared > len(missing) and (best is None or shared > best[0]):
            best = (shared, spec.label, missing)
    if best is None:
        return ""
    _, label, missing = best
    return f" Nærmest: {label}, som mangler {'kolonnen' if len(missing) == 1 else 'kolonnene'} {', '.join(missing)}."


class _IndicatorCodes(Mapping[str, str]):
    """The warehouse's indicator names → codes, read when a reader first asks (only Skoleporten files do).

    The query scans every survey row (6.7 million at national scale), so the other sources do not pay for it.
    """

    def __init__(self, db: Path) -> None:
        self._db = db
        self._codes: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._codes is None:
            with connect(self._db, read_only=True) as con:
                self._codes = store.indicator_codes(con)
        return self._codes

    def __getitem__(self, key: str) -> str:
        return self._load()[key]

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def known(db: Path) -> Known:
    with connect(db, read_only=True) as con:
        return known_in(con, db)


def known_in(con, db: Path) -> Known:
    """What the readers and suites need from the warehouse, read on an open connection."""
    return Known(
        schools=store.schools(con),
        indicator_codes=_IndicatorCodes(db),
        register=store.register_facts(con),
        db=db,
        register_rows=con.sql(f"SELECT {', '.join(REGISTER_COMPARED)} FROM core.skole").pl(),
        plan_owners=dict(con.execute("SELECT plan_id, kommunenr FROM core.plan").fetchall()),
        plans=tuple(con.execute("SELECT plan_id, kommunenr, tittel, gyldig_fra, gyldig_til FROM core.plan").fetchall()),
        demo=store.is_demo(con),
    )


REGISTER_COMPARED = ["orgnr", "navn", "kommunenr", "kommune", "trinn_fra", "trinn_til", "elevtall", "skoleaar",
                     "nedlagt", "opprettet"]
"""What a school register row says about a school: a row that says the same as the warehouse changes nothing."""


def read_source(table: pl.DataFrame, source: Source, facts: Known) -> SourceResult:
    if source.needs_register and facts.schools.is_empty():
        raise IngestError(f"{source.label} knyttes til skolene via navn: last inn skoleregisteret først.")
    with every_problem(hold=True) as noted:
        result = source.read(table, facts)
    if noted.refusal is not None:
        # The rows the reader refused go; the rest are checked as any file's are, and the refusal is said with what
        # those checks find (`check_file`): a user who fixed a word in a number column was then told of a month in
        # the future, one upload later.
        result.frame = result.frame.filter(~pl.col("rad").is_in(sorted(noted.bad_rows)))
        result.refused = noted.refusal if result.refused is None else together(result.refused, noted.refusal)
        result.checked_beside = True
    return result


def together(*refusals: Exception) -> IngestError:
    """One refusal naming every problem of `refusals` (each an `IngestError`, or a `Problems` of several)."""
    problems = [p for r in refusals for p in (r.problems if isinstance(r, Problems) else [r])]
    return problems[0] if len(problems) == 1 else Problems(problems)


def _validate(spec: Source, result: SourceResult, facts: Known) -> Verdict:
    """The source's suite on the frame a reader made, its findings naming the file's own columns (`headings`)."""
    from pipelines.quality.suites import file_headings

    with file_headings(result.headings):
        return spec.validate(result.frame, facts)


@dataclass
class Checked:
    """A file read and checked but not loaded: the steps `ingest_file` and `preview_file` share."""

    rows_in: int = 0
    source: Source | None = None
    result: SourceResult | None = None
    verdict: Verdict | None = None
    error: str | None = None  # why the file would be (or was) rejected; None: it may be loaded
    person_data: bool = False  # rejected because it holds, or may hold, data about persons: not to be kept
    unread: bool = False  # refused before its content could be read, so never checked for person data: not kept
    kommuner: list[str] | None = None  # the municipalities its rows belong to, once read (`kommuner_of`)


def _person_finding(person: str | None) -> Finding:
    return Finding(
        forventning="ingen_personopplysninger", kolonne=None, alvorlighet="kritisk", ok=person is None,
        antall_avvik=0 if person is None else 1, eksempler=None,
        melding=person or "Ingen personopplysninger (fødselsnummer, navn, fødselsdato, elev-id) i filen.",
    )


def check_file(
    raw: bytes, filename: str, db: Path, source: str | None, say: Progress, facts: Known | None = None,
    on_read: Callable[[Source, SourceResult], None] | None = None, reading: Future | None = None,
    validate: bool = True, scope: frozenset[str] | None = None,
) -> Checked:
    """Read, look for person data, detect the format, read the source and run its GX suite. Writes nothing.

    `facts` is what the warehouse knows (schools, register), read here when the caller has not already.
    `on_read` hears of the frame as soon as it is read, before it is checked (`ingest_file` starts loading it).
    `reading` is `read_sheet` of the file already under way on another thread (`ingest_file`); its error is this one's.
    `scope` is the municipalities the uploader may load the owner's own records for (None: any, see `outside_scope`).
    Every row a message names is numbered as Excel shows the file (`parsing.Sheet.first_row`).
    """
    out = Checked(unread=True)
    try:
        if name_without_fodselsnummer(filename) != filename:  # the name is logged, shown and archived beside it
            raise PersonDataError("Filnavnet inneholder et fødselsnummer. Gi filen et navn uten personopplysninger "
                                  "(f.eks. «saker_oktober.csv») og last den inn på nytt.")
        say("leser")
        sheet = reading.result() if reading else read_sheet(raw, filename)
        table = sheet.table
        out.rows_in = table.height
        say("ser etter personopplysninger")
        person = find_person_data(table, first_row=sheet.first_row)
        out.unread = False
        person_check = _person_finding(person)
        if person:
            out.verdict = Verdict([person_check])
            raise PersonDataError(person)
        if not table.width:  # the JSON reader's «[]»: no header to know the file by
            raise IngestError(NO_ROWS)
        if source and source not in registry.BY_NAME:
            raise IngestError(f"Ukjent kilde «{source}». Kjente kilder: {', '.join(registry.BY_NAME)}.")
        try:
            spec = registry.BY_NAME[source] if source else detect(table)
        except IngestError as exc:  # not recognised: the format it comes closest to, and what it lacks for it
            facts = facts or known(db)
            raise IngestError(f"{exc}{closest_format(table, facts)}") from exc
        # A header and nothing under it, once the header is known: a note of three lines was told it had «en
        # overskriftsrad, men ingen rader med data», not that it was no file of a known kind
        if table.is_empty():
            raise IngestError(NO_ROWS)
        out.source = spec
        say("leser " + spec.label)
        facts = facts or known(db)
        if spec.owner_data:  # a file its reader refuses still belongs to them
            out.kommuner = schools_named_in(table, facts)
        if sheet.spreadsheet:
            parsing.refuse_headers_and_totals(table, sheet.first_row)
        try:
            out.result = read_source(table, spec, facts)
        except IngestError as exc:
            raise exc.rows_from(sheet.first_row) from exc
        out.result.frame = rows_from(out.result.frame, sheet.first_row)
        touched = kommuner_touched(spec, out.result.frame, facts)
        # The log names every municipality the file would change, so that its owner sees an attempt on Datakvalitet.
        # A file whose reader refused rows (`read_source`) is logged under their schools' municipalities too: the rows
        # are gone from the frame, and a Sjøbygd file refused for its one row was logged under none.
        named = set(out.kommuner or []) if out.result.checked_beside else set()
        out.kommuner = sorted(named | set(kommuner_of(out.result.frame, facts))
                              | {t for t in touched if t != ALL_KOMMUNER and not t.startswith(UNKNOWN_SCHOOL)})
        if refused := outside_scope(spec, touched, scope, facts, out.result.frame):  # before anything is loaded
            raise IngestError(refused)
        if facts.demo and (refused := outside_demo(touched)):  # the upload page as well as the command line
            raise IngestError(refused)
        if isinstance(out.result.refused, IngestError):  # found by the reader, said after whose rows these are
            refusal = out.result.refused.rows_from(sheet.first_row)
            if out.result.checked_beside and validate and not out.result.frame.is_empty():
                say("kontrollerer resten av filen")
                also = _validate(spec, out.result, facts).failures
                if also:
                    raise IngestError(f"{str(refusal).rstrip('.')}. Kvalitetskontrollen fant også: "
                                      + " ".join(f.melding for f in also)) from out.result.refused
            raise refusal
        if blank := parsing.blank_row_positions(table).len():  # the readers leave them out (`with_row_numbers`)
            out.result.skipped = {("tom rad" if blank == 1 else "tomme rader"): blank, **out.result.skipped}
        if on_read:
            on_read(spec, out.result)
        if not validate:  # `rescan_archive` asks only whether the file may be kept
            return out
        say("kontrollerer")
        out.verdict = _validate(spec, out.result, facts)
        out.verdict.findings.insert(0, person_check)
        if out.verdict.rejected:
            raise IngestError("Kvalitetskontrollen stoppet filen: " + " ".join(f.melding for f in out.verdict.failures))
    except IngestError as exc:
        out.error = str(exc)
        out.person_data = isinstance(exc, PersonDataError)
    except Exception as exc:  # a reader bug must still reach the user as a reason, never as a stack trace
        import traceback

        traceback.print_exc()
        out.error = f"{UNEXPECTED} ({type(exc).__name__}). Kontroller at filen er en eksport i et kjent format (se {guides.where('formater')})."
    return out


def schools_named_in(table: pl.DataFrame, facts: Known) -> list[str]:
    """The municipalities of the register's schools whose orgnr stands in an orgnr column of a file as read: a file its
    reader refuses (a word where a number should be) is logged under them, so that their owners see it on
    Datakvalitet and a file for another municipality does not put the refusal right on Oversikt."""
    if table.is_empty():
        return []
    if YAML_COLUMN in table.columns:  # a plan names its municipality itself: a refused plan is its owner's to see
        text = " ".join(table[YAML_COLUMN].drop_nulls().to_list())
        return sorted(set(re.findall(r"(?m)^\s*kommunenr\s*:\s*[\"']?(\d{4})\b", text)))
    if facts.schools.is_empty():
        return []
    register = facts.schools.select("orgnr", "kommunenr")
    columns = [c for c, t in table.schema.items() if t == pl.String and "org" in c.lower()]  # orgnr, Organisasjons…
    found = pl.concat([table.select(pl.col(c).str.strip_chars().alias("orgnr")).unique() for c in columns]
                      or [pl.DataFrame({"orgnr": []}, schema={"orgnr": pl.String})])
    return sorted(found.join(register, on="orgnr")["kommunenr"].drop_nulls().unique().to_list())


def kommuner_of(frame: pl.DataFrame, facts: Known) -> list[str]:
    """The municipalities a read file's rows belong to: its own `kommunenr`, else its schools' in the register."""
    if "kommunenr" in frame.columns:
        found = frame["kommunenr"]
    elif "orgnr" in frame.columns:
        found = frame.select("orgnr").join(facts.schools.select("orgnr", "kommunenr"), on="orgnr")["kommunenr"]
    else:
        return []
    return sorted(found.drop_nulls().unique().to_list())


ALL_KOMMUNER = "*"
"""In `kommuner_touched`: a row of the owner's records with no kommunenr, a default for every municipality."""
UNKNOWN_SCHOOL = "?"
"""In `kommuner_touched`, before an orgnr: a school of the owner's records that the register does not know, so
neither does anyone which municipality its rows are for."""


def kommuner_touched(spec: Source, frame: pl.DataFrame, facts: Known) -> set[str]:
    """Every municipality whose rows loading `frame` may add, change or remove.

    - the file's own kommunenr, and the register's kommunenr of each school it names (a file cannot put another
      municipality's school under its own number);
    - the school register: only rows that change what the warehouse says (new schools, or a school's name, number,
      municipality, trinn or pupils), with both the old and the new municipality;
    - a plan: also the municipality of a plan loaded before under the same plan_id, which loading replaces;
    - the owner's records: a row with no kommunenr stands for all (`ALL_KOMMUNER`). In public statistics such a row
      is the fylke's or the nation's, not a municipality's, and changes none.
    """
    if spec.name == "skoleregister" and facts.register_rows is not None and "orgnr" in frame.columns:
        old = facts.register_rows
        compared = [c for c in REGISTER_COMPARED if c in frame.columns]
        frame = frame.select(compared).join(old.select(compared), on=compared, how="anti", nulls_equal=True)
        moved_from = old.join(frame.select("orgnr"), on="orgnr", how="semi")["kommunenr"]
        touched = set(moved_from.drop_nulls().to_list())
    else:
        touched = set()
    if "kommunenr" in frame.columns:
        numbers = frame["kommunenr"]
        if spec.owner_data and numbers.null_count():
            # A school's row gets its kommunenr from the register: without one, the school is not in it.
            unknown = (frame.filter(pl.col("kommunenr").is_null() & pl.col("orgnr").is_not_null())["orgnr"]
                       if "orgnr" in frame.columns else pl.Series(dtype=pl.String))
            touched |= {UNKNOWN_SCHOOL + o for o in unknown.unique().sort().to_list()}
            if unknown.len() < numbers.null_count():
                touched.add(ALL_KOMMUNER)
        touched |= set(numbers.drop_nulls().unique().to_list())
    if "orgnr" in frame.columns and spec.name != "skoleregister":
        named = frame.select(pl.col("orgnr").drop_nulls().unique())
        touched |= set(facts.schools.join(named, on="orgnr", how="semi")["kommunenr"].drop_nulls().to_list())
    if "plan_id" in frame.columns and facts.plan_owners:
        touched |= {facts.plan_owners[p] for p in frame["plan_id"].drop_nulls().to_list() if p in facts.plan_owners}
    return touched


def outside_demo(touched: set[str]) -> str | None:
    """Why a demo warehouse refuses a file, or None: it would change a municipality other than the demo's fictional
    ones («?orgnr»: a school the demo's register does not have). Its demo accounts' passwords are published in the
    README (the demo administrator would see the real figures), and every page calls its figures fictional."""
    from pipelines.demo import KOMMUNER

    # A school the register does not have is the suite's to name, with its rows («står ikke i skoleregisteret»): in
    # the demo, where new users try their files first, it was told apart only as «not a demo municipality».
    foreign = sorted(t for t in touched if t != ALL_KOMMUNER and t not in KOMMUNER and not t.startswith(UNKNOWN_SCHOOL))
    if not foreign:
        return None
    demo = " og ".join(f"{k} {name}" for k, name in KOMMUNER.items())
    shown = ", ".join(f"kommune {f}" for f in foreign[:5]) + (" med flere" if len(foreign) > 5 else "")
    return f"Filen har data for {shown}; demolageret har bare demokommunene ({demo}). {DEMO_WAREHOUSE}"


def outside_scope(
    spec: Source, touched: set[str], scope: frozenset[str] | None, facts: Known, frame: pl.DataFrame | None = None,
) -> str | None:
    """Why a skoleeier may not load this file, or None: it would change another municipality's rows.

    Loads replace what is there by key: a skoleeier of one municipality could otherwise overwrite another's case
    counts, plan or survey results, or move a school into their own municipality through the register. A file of
    a whole country is for an administrator, or an owner of every municipality, to load. `frame` is the file as
    read: the message names the schools and rows that belong to the other municipalities (`_rows_of`).
    """
    if scope is None:
        return None
    outside = sorted(touched - scope)
    if not outside:
        return None
    if unknown := [t.removeprefix(UNKNOWN_SCHOOL) for t in outside if t.startswith(UNKNOWN_SCHOOL)]:
        # Only a real organisation number is quoted: the column may hold anything (a pupil's name), and the log too.
        numbers = [o for o in unknown if re.fullmatch(r"\d{9}", o)]
        other = len(unknown) - len(numbers)
        listed = ", ".join(numbers[:5]) + (f" og {len(numbers) - 5} til" if len(numbers) > 5 else "")
        named = " og ".join(part for part in (
            f"organisasjonsnummer {listed}" if numbers else "",
            f"{other} {'verdi' if other == 1 else 'verdier'} i orgnr-kolonnen som ikke er et organisasjonsnummer "
            "(9 siffer)" if other else "",
        ) if part)
        return (f"Filen har skoler som ikke står i skoleregisteret ({named}), så det er ikke kjent hvilken kommune "
                f"radene gjelder{_unknown_rows(frame)}. Skriv skolens organisasjonsnummer (9 siffer) slik det står i "
                "skoleregisteret, eller la orgnr stå tomt og skriv skolens navn i kolonnen «skole». Står skolen ikke "
                "i registeret, må en administrator laste inn et skoleregister der den står.")
    if ALL_KOMMUNER in outside:
        return (f"Filen har rader uten kommunenummer, som gjelder alle kommuner. {spec.label} kan du bare laste inn "
                "for egne kommuner: skriv kommunenummeret på hver rad, eller be en administrator om å laste inn filen.")
    names = dict(facts.schools.select("kommunenr", "kommune").unique("kommunenr").iter_rows())
    shown = [f"{k} {names[k]}" if names.get(k) else k for k in outside]
    listed = ", ".join(shown[:5]) + (f" og {len(shown) - 5} til" if len(shown) > 5 else "")
    return (
        f"Filen ville endre data for {'kommune' if len(outside) == 1 else 'kommunene'} {listed}, som du ikke har "
        f"tilgang til. {spec.label} kan du bare laste inn for egne kommuner: be en administrator om å laste inn "
        f"filen, eller fjern radene for de andre kommunene.{_rows_of(frame, facts, outside)}"
    )


MAX_ROWS_NAMED = 5


def _unknown_rows(frame: pl.DataFrame | None) -> str:
    """« (rad 5, 6 og 7)»: the rows of schools the register does not know (`kommuner_touched`), as Excel numbers them."""
    if frame is None or not {"orgnr", "rad", "kommunenr"} <= set(frame.columns):
        return ""
    rows = frame.filter(pl.col("kommunenr").is_null() & pl.col("orgnr").is_not_null())["rad"].sort()
    if rows.is_empty():
        return ""
    shown = [str(r) for r in rows.head(MAX_ROWS_NAMED).to_list()]
    listed = (", ".join(shown[:-1]) + f" og {shown[-1]}") if len(shown) > 1 else shown[0]
    more = f", og {rows.len() - len(shown)} rader til" if rows.len() > len(shown) else ""
    return f" (rad {listed}{more})"


def _rows_of(frame: pl.DataFrame | None, facts: Known, kommuner: list[str]) -> str:
    """« Det gjelder Nordli skole (12 rader, fra rad 14), …»: the schools of `kommuner` in the file, by first row.

    A skoleeier sent a joint file for two municipalities was told only which municipality to remove, and had to
    find its rows by hand. Empty for a file without schools and row numbers (a plan, a public statistic).
    """
    if frame is None or not {"orgnr", "rad"} <= set(frame.columns):
        return ""
    register = facts.schools.select("orgnr", pl.col("kommunenr").alias("_kommunenr"), pl.col("navn").alias("_navn"))
    own = pl.col("kommunenr") if "kommunenr" in frame.columns else pl.lit(None, dtype=pl.String)
    schools = (
        frame.select("orgnr", "rad", own.alias("kommunenr"))
        .join(register.unique("orgnr"), on="orgnr", how="left")
        .filter(pl.coalesce("kommunenr", "_kommunenr").is_in(kommuner) & pl.col("_navn").is_not_null())
        .group_by("orgnr").agg(pl.col("_navn").first(), pl.len().alias("n"), pl.col("rad").min().alias("fra"))
        .sort("fra")
    )
    if schools.is_empty():
        return ""
    # Only schools the register names: an unknown «orgnr» may hold anything, a pupil's name too.
    named = [f"{navn} ({counted(n)}, fra rad {fra})" for _orgnr, navn, n, fra in schools.head(5).iter_rows()]
    more = f" og {schools.height - 5} skoler til" if schools.height > 5 else ""
    return f" Det gjelder {', '.join(named)}{more}."


UNEXPECTED = "Filen kunne ikke leses på grunn av en uventet feil i innlesingen"
WRITE_CONFLICT = ("Noen endret de samme tallene i lageret i samme øyeblikk (for eksempel publiserte rettelser for "
                  "skoleåret); ingenting er lastet. Last inn filen på nytt.")
"""The start of the message for an error no reader foresaw (the fuzz tests make sure none is left)."""


def ingest_file(
    path: Path, db: Path, *, source: str | None = None, progress: Progress | None = None, user: str | None = None,
    scope: frozenset[str] | None = None, refusal_only: bool = False,
) -> Outcome:
    """Load one file whole or not at all. Never raises for a bad file: the outcome says why.

    `scope`: the municipalities `user` may load the owner's own records for (None: any; see `outside_scope`).
    `refusal_only`: log the file if the checks refuse it, as a load would, but never load it: the outcome is
    «klar» when the checks accept it (the upload page logs a file its preview stopped; the user loads with a click).

    Three helper threads: one parses the file while the warehouse is opened and asked what it knows (on the
    national warehouse that is 40 ms, a case-count file's parse 50 ms); one archives the file while it is read and
    checked (a national file is 150 MB to write; nothing is logged until the archive is on disk); one puts the rows
    into the warehouse while GX checks them (`Loading`).
    """
    raw = path.read_bytes()
    pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="innlasting")
    try:
        reading = pool.submit(read_sheet, raw, path.name)
        sha = hashlib.sha256(raw).hexdigest()
        archiving = pool.submit(archive, raw, sha, db, path.suffix)
        outcome = _ingest(raw, sha, path, db, source, progress or (lambda _stage: None), archiving, pool, reading, user,
                          scope, refusal_only)
        if outcome.result == "klar":  # nothing logged: the copy archived meanwhile is not kept either
            archiving.result()
            _unlink_unlogged(sha, db, path.suffix)
        return outcome
    finally:
        # Every path waits for the archive and the load it started; only a parse that is no longer wanted (the file
        # was loaded before) may still run, and the answer does not wait for it.
        pool.shutdown(wait=False, cancel_futures=True)


_ALREADY = "allerede_lastet"


def _unlink_unlogged(sha: str, db: Path, suffix: str) -> None:
    """Remove an archived copy no row of the load log names (a file checked but neither loaded nor refused)."""
    with connect(db, read_only=True) as con:
        named = con.execute("SELECT count(*) FROM core.ingest_log WHERE sha256 = ? AND arkivfil IS NOT NULL",
                            [sha]).fetchall()[0][0]
    if not named:
        copy = archive_path(sha, db, suffix)
        copy.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # its folder too, unless other files share it
            copy.parent.rmdir()


def before_load(con, check, frame: pl.DataFrame) -> list[Finding]:
    """`Source.before_load` of a file's rows, on `con` as the warehouse is before they replace anything."""
    if check is None:
        return []
    con.register("fil_rader", frame.drop("rad", strict=False).to_arrow())
    try:
        return check(con, "fil_rader")
    finally:
        con.unregister("fil_rader")


class Loading:
    """A checked frame put into the warehouse in an open transaction, kept or dropped when the verdict is known.

    Started on a second thread as soon as the file is read (`start`): DuckDB inserts on one core while Great
    Expectations, which is Python, checks on the other. Nothing is visible to anyone until the verdict commits the
    rows together with the log row, and a rejected file is rolled back, so «whole or not at all» still holds. A
    load that fails counts only if the verdict would keep the file (GX explains a bad file better than DuckDB).
    """

    def __init__(self, db: Path, sha: str, batch_id: str, load, frame: pl.DataFrame, before=None) -> None:
        self._db, self._sha, self._batch_id, self._load, self._frame = db, sha, batch_id, load, frame
        self._before = before  # `Source.before_load`
        self.before: list[Finding] = []  # what it found, for the verdict
        self._then: Future = Future()
        self._running: Future | None = None

    def start(self, pool: ThreadPoolExecutor) -> None:
        self._running = pool.submit(self._run)

    @property
    def started(self) -> bool:
        return self._running is not None

    def finish(self, then: Callable[[object, int | str | Exception], Outcome]) -> Outcome:
        """Runs `then(con, state)` with the transaction open; `state` is rows loaded, `_ALREADY` or the load's error.

        `then` commits or rolls back; whatever it leaves open is rolled back.
        """
        self._then.set_result(then)
        return self._running.result() if self._running else self._run()

    def abandon(self) -> None:
        """Roll back: the ingest stopped before a verdict (the thread must not wait for one that never comes)."""
        if not self._then.done():
            self._then.set_result(lambda _con, _state: None)
        if self._running:
            self._running.exception()  # waits; an error that mattered was raised by `finish`

    def _run(self):
        with connect(self._db, read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                if store.loaded_batch(con, self._sha):
                    state = _ALREADY
                else:
                    self.before = before_load(con, self._before, self._frame)
                    state = self._load(con, self._frame, self._batch_id)
            except Exception as exc:  # noqa: BLE001 (kept for the verdict to judge)
                state = exc
                con.execute("ROLLBACK")
                con.execute("BEGIN TRANSACTION")
            try:
                return self._then.result()(con, state)
            finally:
                with contextlib.suppress(duckdb.TransactionException):  # unless `then` committed or rolled back
                    con.execute("ROLLBACK")


def _ingest(
    raw: bytes, sha: str, path: Path, db: Path, source: str | None, say: Progress, archiving: Future,
    pool: ThreadPoolExecutor, reading: Future, user: str | None = None, scope: frozenset[str] | None = None,
    refusal_only: bool = False,
) -> Outcome:
    started = dt.datetime.now()
    entry = store.LogEntry(
        batch_id=new_batch_id(started), kilde=source, filnavn=name_without_fodselsnummer(path.name), sha256=sha,
        arkivfil=str(archive_path(sha, db, path.suffix)), startet=started, resultat="avvist", lastet_av=user,
    )
    batch_id = entry.batch_id

    def log_only(con, verdict: Verdict | None = None) -> None:
        archiving.result()  # the log names the archived file: it must be there (and a failure to write it, raised)
        store.write_log_only(con, entry, verdict)

    def commit(con, verdict: Verdict, loaded: int) -> int:
        archiving.result()
        return store.commit_batch(con, entry, verdict, loaded)

    db.parent.mkdir(parents=True, exist_ok=True)
    with connect(db, read_only=False) as con:
        migrate(con)
        earlier = store.loaded_batch(con, sha)
        if earlier:
            entry.resultat = "allerede_lastet"
            entry.melding = f"Filen er allerede lastet ({loaded_when(earlier)}); ingenting er endret.{replaced_since(con, earlier)}"
            # The source and municipalities the file was loaded as: not a `--source` typed this time (a case file sent
            # again as «skoleregister» was logged as the register's).
            entry.kommuner, entry.kilde = con.execute(
                "SELECT kommuner, kilde FROM core.ingest_log WHERE batch_id = ?", [earlier]).fetchall()[0]
            removed = con.execute(  # its copy was deleted by `rescan_archive`: not kept again either
                "SELECT count(*) FROM core.ingest_log WHERE sha256 = ? AND resultat = 'lastet' AND arkivfil IS NULL",
                [sha],
            ).fetchall()[0][0]
            if removed:
                entry.arkivfil = None
            try:
                log_only(con)
            finally:
                if removed:
                    archive_path(sha, db, path.suffix).unlink(missing_ok=True)
            return Outcome(path, "allerede_lastet", source=entry.kilde, batch_id=earlier, message=entry.melding)
        facts = known_in(con, db)

    loading: Loading | None = None

    def start_loading(spec: Source, result: SourceResult) -> None:
        nonlocal loading
        loading = Loading(db, sha, batch_id, spec.load, result.frame, spec.before_load)
        if spec.load_while_checking:
            loading.start(pool)

    try:
        checked = check_file(raw, path.name, db, source, say, facts, on_read=start_loading, reading=reading,
                             scope=scope)
        if refusal_only and checked.error is None:
            return Outcome(path, "klar", source=checked.source.name if checked.source else source,
                           rows_in=checked.rows_in)
        return _keep_or_drop(checked, entry, path, db, loading, log_only, commit, say)
    finally:
        if loading:
            loading.abandon()


def _keep_or_drop(
    checked: Checked, entry: store.LogEntry, path: Path, db: Path, loading: Loading | None, log_only, commit,
    say: Progress,
) -> Outcome:
    """The verdict decides: commit the loaded rows with the log, or log only why the file was rejected."""
    entry.rader_inn = checked.rows_in
    # A file refused before it was read belongs to no municipality that can be named: its row in the log is for the
    # one who loaded it and the administrator (NULL, see `dashboard.queries._log_scope`), not for every skoleeier.
    entry.kommuner = None if checked.unread else checked.kommuner or []
    if checked.source:
        entry.kilde = checked.source.name
    if checked.result:
        entry.rader_hoppet_over = sum(checked.result.skipped.values())
    verdict, result = checked.verdict, checked.result
    batch_id = entry.batch_id
    if checked.error is not None:
        entry.resultat = "avvist"
        entry.rader_avvist = entry.rader_inn
        entry.melding = checked.error

        def drop(con, _state) -> None:
            con.execute("ROLLBACK")
            log_only(con, verdict)

        not_kept = checked.person_data or checked.unread
        if not_kept:  # the log keeps why; the file itself is not kept
            entry.arkivfil = None
        if checked.unread and not checked.person_data:  # a fødselsnummer on another sheet: said as that
            entry.melding += (" Filen er ikke tatt vare på: innholdet kunne ikke leses, og dermed heller ikke "
                              "kontrolleres for personopplysninger.")
        try:
            if loading and loading.started:
                loading.finish(drop)
            else:
                with connect(db, read_only=False) as con:
                    log_only(con, verdict)
        finally:  # even when the log could not be written
            if not_kept:
                archive_path(entry.sha256, db, path.suffix).unlink(missing_ok=True)
        return Outcome(
            path, "avvist", source=entry.kilde, batch_id=batch_id, rows_in=entry.rader_inn, message=checked.error
        )
    assert verdict is not None and result is not None and loading is not None

    skipped_text = _skipped_text(result)
    entry.advarsler = len(verdict.warnings) + len(result.notes)
    # Rows of schools the register does not know are refused, not skipped: each row is counted once, as
    # rader_inn = rader_lastet + rader_hoppet_over + rader_avvist.
    entry.rader_avvist = sum(n for reason, n in result.skipped.items() if "registeret" in reason)
    entry.rader_hoppet_over -= entry.rader_avvist
    say("laster inn")

    def keep(con, state) -> Outcome:
        removed = store.REMOVED.pop(batch_id, 0)  # whatever the outcome: nothing left behind for a file not loaded
        replaced = store.REPLACED.pop(batch_id, 0)
        built_in = store.BUILT_IN_REPLACED.pop(batch_id, 0)
        replaced_from = store.REPLACED_FROM.pop(batch_id, [])
        if isinstance(state, duckdb.TransactionException):  # a «publish» wrote this year's marker at that moment
            con.execute("ROLLBACK")
            entry.resultat = "avvist"
            entry.melding = WRITE_CONFLICT
            log_only(con, verdict)
            return Outcome(path, "avvist", source=entry.kilde, batch_id=batch_id, rows_in=entry.rader_inn,
                           message=WRITE_CONFLICT)
        if isinstance(state, Exception):
            raise state
        if state == _ALREADY:  # another process got there first
            con.execute("ROLLBACK")
            entry.resultat = "allerede_lastet"
            entry.melding = "Filen ble lastet av en annen prosess samtidig; ingenting er endret."
            log_only(con)
            return Outcome(path, "allerede_lastet", source=entry.kilde, message=entry.melding)
        entry.resultat = "lastet"
        if checked.source and checked.source.name in store.WITHDRAWABLE:  # whether it can be withdrawn (`withdraw`)
            entry.rader_erstattet = removed + replaced + built_in
            entry.erstattet_fra = replaced_from
        verdict.findings.extend(loading.before)
        entry.advarsler += sum(1 for f in loading.before if not f.ok)
        checks = [checked.source.after_load] if checked.source and checked.source.after_load else []
        checks += checked.result.after_load if checked.result else []  # those only the reader can tell this file needs
        if checks:
            try:
                found = [f for check in checks for f in check(con, batch_id)]
            except duckdb.Error as exc:  # the transaction is lost with it: nothing loaded, and the log says why
                con.execute("ROLLBACK")
                entry.resultat = "avvist"
                entry.melding = (f"Innlastingen ble avbrutt da filen ble kontrollert mot tallene i lageret "
                                 f"({type(exc).__name__}); ingenting er endret. Prøv igjen.")
                log_only(con, verdict)
                return Outcome(path, "avvist", source=entry.kilde, batch_id=batch_id, rows_in=entry.rader_inn,
                               message=entry.melding)
            verdict.findings.extend(found)
            entry.advarsler += sum(1 for f in found if not f.ok)
        parts = [f"{counted(result.frame.height)} lastet"]
        if replaced:  # a correction, or the same rows again: not a new delivery
            parts[0] += (f"; {replaced} av dem erstatter {'en rad' if replaced == 1 else 'rader'} med samme nøkkel som "
                         "var lest inn før")
        if built_in:
            parts[0] += f"; {built_in} av dem gjelder i stedet for {store.BUILT_IN[checked.source.table]}"
        if skipped_text:
            parts.append(f"Hoppet over: {skipped_text}")
        held = held_back(con, batch_id)
        if removed:
            scope = checked.source.replaces_text if checked.source else ""
            parts.append(f"{counted(removed, 'eldre rad', 'eldre rader')} er fjernet: filen ga {scope} på nytt uten "
                         + ("den" if removed == 1 else "dem"))
        parts += result.info + held + result.notes
        parts += [f.melding for f in verdict.warnings]
        entry.melding = ". ".join(p.rstrip(".") for p in parts) + "."
        loaded = commit(con, verdict, state)
        return Outcome(
            path, "lastet", source=entry.kilde, batch_id=batch_id, rows_in=entry.rader_inn,
            rows_loaded=loaded, rows_skipped=entry.rader_hoppet_over, message=entry.melding,
            warnings=[f.melding for f in verdict.warnings], notes=result.info + held + result.notes,
        )

    return loading.finish(keep)


HELD_BACK_PAGES = published.PAGES


def held_back(con, batch_id: str) -> list[str]:
    """What the file changed in school years published at the protected level, said where the loader reads it.

    Rektorer, FAU and the reports keep seeing such a year as published until a skoleeier publishes the corrections
    on the page (`pipelines.warehouse.published`); from the command line nothing said so, and the change seemed lost.
    """
    rows = con.execute(
        "SELECT kilde, kommunenr, skoleaar_start FROM core.publisert WHERE siste_batch = ? ORDER BY ALL", [batch_id]
    ).fetchall()
    if not rows:
        return []
    years = ", ".join(f"{published.school_year_label(start)} ({kommunenr})" for _, kommunenr, start in rows)
    page = HELD_BACK_PAGES.get(rows[0][0], rows[0][0])
    return [f"Filen endrer publiserte skoleår: {years}. Rektorer, FAU og rapportene ser tallene som publisert til "
            f"skoleeier trykker «Publiser rettelsene» på siden «{page}»"]


def _skipped_text(result: SourceResult) -> str:
    return "; ".join(f"{n} {reason}" for reason, n in result.skipped.items())


@dataclass
class Preview:
    """What `ingest_file` would do with a file, found without archiving, logging or loading anything."""

    path: Path
    result: str  # klar | avvist | allerede_lastet
    message: str = ""
    source: str | None = None
    source_label: str | None = None
    rows_in: int = 0
    rows_to_load: int = 0
    rows_skipped: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    critical: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    table: str | None = None
    key: list[str] | None = None
    rows_new: int | None = None  # None: «ukjent» (the source does not say which key it replaces by)
    rows_replaced: int | None = None
    rows_removed: int = 0  # earlier rows the file's rows do not replace one for one, but that go (`Source.replaces`)
    replaces_text: str = ""  # `Source.replaces_text` and `replaces_example`
    replaces_example: str = ""
    sample: pl.DataFrame | None = None  # the first SAMPLE_ROWS rows that would load
    names: dict[str, str] = field(default_factory=dict)  # the register's name of each orgnr and kommunenr in `sample`
    earlier_batch: str | None = None  # the batch that already loaded the same file

    @property
    def changes(self) -> str:
        """The change in words, as the import page shows it."""
        if self.result != "klar":
            return "Ingen endring."
        if self.rows_new is None or self.rows_replaced is None:
            return f"{counted(self.rows_to_load)} lastes inn; hvor mange som er nye og hvor mange som erstatter: ukjent."
        text = (f"{counted(self.rows_new, 'ny rad', 'nye rader')}, {self.rows_replaced} "
                f"{'erstatter en rad' if self.rows_replaced == 1 else 'erstatter rader'} som finnes fra før")
        if self.rows_removed:
            text += (f"; {counted(self.rows_removed, 'eldre rad', 'eldre rader')} fjernes: filen gir "
                     f"{self.replaces_text} på nytt, og det den ikke har med, går"
                     + (f" (f.eks. {self.replaces_example})" if self.replaces_example else ""))
        return text + "."


def count_changes(db: Path, table: str | None, key: list[str] | None, frame: pl.DataFrame,
                  replaces: list[str] | None = None) -> tuple[int, int, int] | None:
    """(new, replacing, removed) rows, comparing `frame`'s key with `table` read-only; None when not known.

    `removed`: rows of the table that share `replaces` with a row of the file but no whole key (see `Source.replaces`).
    """
    if not table or not key or any(k not in frame.columns for k in key) or not db.exists():
        return None
    keys = frame.select(key)
    with connect(db, read_only=True) as con:
        con.register("preview_keys", keys.to_arrow())
        try:
            replacing = con.execute(  # a built-in row (`store.BUILT_IN`) was not read in: its key is new
                f"SELECT count(*) FROM preview_keys AS n WHERE EXISTS (SELECT 1 FROM {table} AS old "
                f"WHERE {store.same_key(key)}{' AND old.batch_id IS NOT NULL' if table in store.BUILT_IN else ''})"
            ).fetchall()[0][0]
            removed = store.removed_without_replacement(con, table, "preview_keys", key, replaces) if replaces else 0
        finally:
            con.unregister("preview_keys")
    return frame.height - int(replacing), int(replacing), int(removed)


def names_in(db: Path, sample: pl.DataFrame) -> dict[str, str]:
    """The register's name of each school (orgnr, and a plan's list of schools) and municipality (kommunenr) a
    preview's rows give by number, a county by Udir's name for it, and a programme by a plan's name for it, so the
    rows read as the user knows them: «Sjøbygd skule», not 990023018; «Olweusprogrammet», not olweus."""
    def values(column: str) -> list[str]:
        if column not in sample.columns:
            return []
        col = sample[column]
        return (col.explode() if isinstance(col.dtype, pl.List) else col).drop_nulls().unique().to_list()

    orgnr, areas, programmes = values("orgnr") + values("skoler"), values("kommunenr") + values("geo"), values("program")
    if not (orgnr or areas or programmes):
        return {}
    counties = [a for a in areas if len(a) == 2]
    asked = [  # each only when the rows have such codes (a county's looks through the survey results)
        ("SELECT orgnr, navn FROM core.skole WHERE orgnr IN (SELECT unnest(?))", orgnr),
        ("SELECT kommunenr, any_value(kommune) FROM core.skole WHERE kommunenr IN (SELECT unnest(?)) "
         "AND kommune IS NOT NULL GROUP BY kommunenr", areas),
        # a county FHI gives by code only, as Udir's files name it (the pages do the same)
        ("SELECT fylkekode, any_value(enhet_navn) FROM core.eu_resultat WHERE enhet_niva = 'fylke' "
         "AND fylkekode IN (SELECT unnest(?)) GROUP BY fylkekode", counties),
        ("SELECT program, any_value(program_navn) FROM core.plan_program WHERE program IN (SELECT unnest(?)) "
         "GROUP BY program", programmes),
    ]
    found: list[tuple] = []
    with connect(db, read_only=True) as con:
        for sql, codes in asked:
            if codes:
                found += con.execute(sql, [codes]).fetchall()
    return {code: name for code, name in found if name}


def preview_file(path: Path, db: Path, *, source: str | None = None, scope: frozenset[str] | None = None) -> Preview:
    """Check a file as `ingest_file` would and say what loading it would change. Archives, logs and writes nothing."""
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    if not db.exists():
        return Preview(path, "avvist", message="Fant ikke lageret. Kjør «skolemiljo init» først.")
    with connect(db, read_only=True) as con:
        earlier = store.loaded_batch(con, sha)
        since = replaced_since(con, earlier) if earlier else ""
    if earlier:
        return Preview(
            path, "allerede_lastet", earlier_batch=earlier,
            message=f"Filen er allerede lastet ({loaded_when(earlier)}); å laste den igjen endrer ingenting.{since}",
        )
    checked = check_file(raw, path.name, db, source, lambda _stage: None, scope=scope)
    verdict = checked.verdict or Verdict()
    out = Preview(
        path, "avvist" if checked.error is not None else "klar", message=checked.error or "",
        source=checked.source.name if checked.source else source,
        source_label=checked.source.label if checked.source else None,
        rows_in=checked.rows_in, findings=list(verdict.findings),
        critical=[f.melding for f in verdict.failures], warnings=[f.melding for f in verdict.warnings],
    )
    if checked.source:
        out.table, out.key = checked.source.table, checked.source.key
        out.replaces_text, out.replaces_example = checked.source.replaces_text, checked.source.replaces_example
    if checked.result:
        out.skipped = dict(checked.result.skipped)
        out.rows_skipped = sum(checked.result.skipped.values())
        out.notes = checked.result.info + checked.result.notes
    if checked.error is not None or checked.result is None or checked.source is None:
        return out
    frame = checked.result.frame
    out.rows_to_load = frame.height
    out.sample = frame.head(SAMPLE_ROWS)
    out.names = names_in(db, out.sample)
    changes = count_changes(db, out.table, out.key, frame, checked.source.replaces)
    if changes:
        out.rows_new, out.rows_replaced, out.rows_removed = changes
    if checked.source.before_load or checked.result.previewed:  # what the load would do, said before it is done
        with connect(db, read_only=True) as con:
            found = before_load(con, checked.source.before_load, frame)
            found += [f for check in checked.result.previewed for f in check(con, "", loaded=False)]
        out.findings += found
        out.warnings += [f.melding for f in found if not f.ok]
    parts = [f"{counted(frame.height)} kan lastes inn"]
    if skipped := _skipped_text(checked.result):
        parts.append(f"Hoppes over: {skipped}")
    out.message = ". ".join(parts) + "."
    return out


PERSON_RULES = 4
"""The version of the person-data rules (`find_person_data`, the XLSX sheets, the templates' unknown columns).

Raise it when the rules find more: files archived under older rules are then checked again (`rescan_archive`).
Version 2 (December 2026): a fødselsnummer inside text or on another sheet, and free text in the templates.
Version 3 (December 2026): a file refused before it could be read is not kept, as it was never checked.
Version 4 (December 2026): a fødselsnummer Excel stored as a number, its leading 0 lost (ten digits)."""

PERSON_RULES_FILE = ".personregler"


@dataclass
class Removed:
    """An archived file the person-data rules now refuse, taken out of the archive."""

    filnavn: str
    sha256: str
    reason: str


def archive_checked_with(db: Path) -> int:
    """The person-data rules the archive was last checked with (0: never, or an archive older than the check)."""
    try:
        return int((archive_folder(db) / PERSON_RULES_FILE).read_text().strip())
    except (OSError, ValueError):
        return 0


def _mark_checked(db: Path) -> None:
    """Every file in the archive is one today's person-data rules accept."""
    archive_folder(db).mkdir(parents=True, exist_ok=True)
    (archive_folder(db) / PERSON_RULES_FILE).write_text(f"{PERSON_RULES}\n")


def archive_needs_rescan(db: Path) -> bool:
    """Whether files in the archive were kept under older person-data rules than today's."""
    return archive_checked_with(db) < PERSON_RULES and any(archive_folder(db).glob("??/*"))


def rescan_archive(db: Path, say: Callable[[str], None] = lambda _text: None) -> list[Removed]:
    """Check every archived file with today's person-data rules; delete those they refuse, and say so in the log.

    A file loaded before a rule existed is in the archive as it was given: a fødselsnummer in a comment column, say.
    The rows loaded from it are the warehouse's own columns and stay; only the raw copy goes. The log's rows for the
    file lose their `arkivfil` and gain a line saying why. Files the rules still accept are not touched.
    """
    folder = archive_folder(db)
    with connect(db, read_only=True) as con:
        logged = {
            sha: (name, kilde)
            for sha, name, kilde in con.execute(
                "SELECT sha256, arg_max(filnavn, startet), arg_max(kilde, startet) FILTER (WHERE resultat = 'lastet') "
                "FROM core.ingest_log GROUP BY sha256"
            ).fetchall()
        }
        facts = known_in(con, db)
    removed: list[Removed] = []
    files = sorted(p for p in folder.glob("??/*") if p.is_file() and not p.name.endswith(".tmp"))
    for i, path in enumerate(files, 1):
        sha = path.stem
        name, kilde = logged.get(sha, (path.name, None))
        say(f"{i} av {len(files)}: {name}")
        checked = check_file(path.read_bytes(), name, db, kilde, lambda _stage: None, facts, validate=False)
        if checked.person_data:
            removed.append(Removed(name, sha, checked.error or ""))
        elif checked.unread and kilde is None:  # refused unread (kept before version 3): never checked
            removed.append(Removed(name, sha, "Innholdet kan ikke leses, og dermed heller ikke kontrolleres for "
                                              "personopplysninger."))
    if removed:
        today = dt.date.today().strftime("%d.%m.%Y")
        with connect(db, read_only=False) as con:
            for r in removed:
                con.execute(
                    "UPDATE core.ingest_log SET arkivfil = NULL, melding = concat_ws(' ', melding, ?) WHERE sha256 = ?",
                    [f"Arkivkopien ble slettet {today}: reglene for personopplysninger stopper nå filen. {r.reason}",
                     r.sha256],
                )
        for r in removed:
            for path in folder.glob(f"{r.sha256[:2]}/{r.sha256}*"):
                path.unlink(missing_ok=True)
    # The audit log kept the first 300 characters of an upload's reason: before rules 3, Polars' or openpyxl's own
    # message, quoting the rows it could not read.
    accounts.scrub_audit(db, READER_QUOTED, r"\1: (meldingen siterte filens innhold og er fjernet)")
    _mark_checked(db)
    return removed


READER_QUOTED = re.compile(
    r"(Filen kunne ikke leses som CSV med skilletegn «[^»]*»|Excel-filen kunne ikke leses): "
    r"(?!rad \d|et anførselstegn|sjekk at|den kan være).*",
    re.DOTALL,
)
"""A refusal's reason as the versions before rules 3 wrote it: the reader's own words, which quote the file."""
