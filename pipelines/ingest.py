"""One file in: archive it, detect its format, read, check for person data, validate with GX, load whole or not at all."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines import parsing, registry
from pipelines.errors import IngestError
from pipelines.quality.person_data import find_person_data
from pipelines.quality.verdict import Finding, Verdict
from pipelines.registry import Known, Source
from pipelines.sources.base import SourceResult
from pipelines.warehouse import store
from pipelines.warehouse.connection import connect

SOURCES = registry.BY_NAME  # name → Source, kept for callers that list the source names
YAML_COLUMN = "plan_yaml"

Progress = Callable[[str], None]


@dataclass
class Outcome:
    """What happened to one file, as `skolemiljo ingest` and the dashboard report it."""

    path: Path
    result: str  # lastet | avvist | allerede_lastet
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


def archive(raw: bytes, sha256: str, db: Path, suffix: str) -> Path:
    """Keep every file a user gave us, by content hash, next to the warehouse."""
    folder = db.parent / "arkiv" / sha256[:2]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256}{suffix.lower()}"
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(raw)
        os.replace(tmp, target)
    return target


def read_table(raw: bytes, filename: str) -> pl.DataFrame:
    """Bytes → a table of strings, JSON or CSV decided by content, not only by name."""
    if raw.startswith(b"PK\x03\x04"):
        return parsing.read_xlsx(raw)
    if filename.lower().endswith(".xls"):
        raise IngestError("Gamle .xls-filer kan ikke leses; lagre som .xlsx eller CSV (semikolon).")
    text = parsing.decode(raw).text
    stripped = text.lstrip()
    if not stripped:
        raise IngestError("Filen er tom.")
    if filename.lower().endswith((".yaml", ".yml")):  # a plan file: one cell holding the text (pipelines/sources/plan.py)
        return pl.DataFrame({YAML_COLUMN: [text]})
    if stripped[0] in "[{":
        return parsing.read_json_text(text)
    return parsing.read_csv_text(text)


def detect(table: pl.DataFrame) -> Source:
    columns = table.columns
    for source in registry.SOURCES:
        if source.detect(columns):
            return source
    shown = ", ".join(columns[:8]) + (" …" if len(columns) > 8 else "")
    raise IngestError(
        f"Kjenner ikke igjen formatet. Kolonnene er: {shown}. Kjente formater: "
        + "; ".join(registry.labels().values())
        + ". Se docs/formater.md."
    )


def known(db: Path) -> Known:
    with connect(db, read_only=True) as con:
        return Known(
            schools=store.schools(con),
            indicator_codes=store.indicator_codes(con),
            register=store.register_facts(con),
            db=db,
        )


def read_source(table: pl.DataFrame, source: Source, facts: Known) -> SourceResult:
    if source.needs_register and facts.schools.is_empty():
        raise IngestError(f"{source.label} knyttes til skolene via navn: last inn skoleregisteret først.")
    return source.read(table, facts)


def ingest_file(path: Path, db: Path, *, source: str | None = None, progress: Progress | None = None) -> Outcome:
    """Load one file whole or not at all. Never raises for a bad file: the outcome says why."""
    say = progress or (lambda _stage: None)
    started = dt.datetime.now()
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    batch_id = new_batch_id(started)
    archived = archive(raw, sha, db, path.suffix)
    entry = store.LogEntry(
        batch_id=batch_id, kilde=source, filnavn=path.name, sha256=sha,
        arkivfil=str(archived), startet=started, resultat="avvist",
    )
    store.init(db)

    with connect(db, read_only=True) as con:
        earlier = store.loaded_batch(con, sha)
    if earlier:
        entry.resultat = "allerede_lastet"
        entry.melding = f"Filen er allerede lastet (innlasting {earlier}); ingenting er endret."
        with connect(db, read_only=False) as con:
            store.write_log_only(con, entry)
        return Outcome(path, "allerede_lastet", batch_id=earlier, message=entry.melding)

    verdict: Verdict | None = None
    result: SourceResult | None = None
    try:
        say("leser")
        table = read_table(raw, path.name)
        entry.rader_inn = table.height
        say("ser etter personopplysninger")
        person = find_person_data(table)
        person_check = Finding(
            forventning="ingen_personopplysninger", kolonne=None, alvorlighet="kritisk", ok=person is None,
            antall_avvik=0 if person is None else 1, eksempler=None,
            melding=person or "Ingen personopplysninger (fødselsnummer, navn, fødselsdato, elev-id) i filen.",
        )
        if person:
            verdict = Verdict([person_check])
            raise IngestError(person)
        if source and source not in registry.BY_NAME:
            raise IngestError(f"Ukjent kilde «{source}». Kjente kilder: {', '.join(registry.BY_NAME)}.")
        spec = registry.BY_NAME[source] if source else detect(table)
        entry.kilde = spec.name
        say("leser " + spec.label)
        facts = known(db)
        result = read_source(table, spec, facts)
        entry.rader_hoppet_over = sum(result.skipped.values())
        say("kontrollerer (Great Expectations)")
        verdict = spec.validate(result.frame, facts)
        verdict.findings.insert(0, person_check)
        if verdict.rejected:
            raise IngestError("Kvalitetskontrollen stoppet filen: " + " ".join(f.melding for f in verdict.failures))
    except IngestError as exc:
        entry.resultat = "avvist"
        entry.rader_avvist = entry.rader_inn
        entry.melding = str(exc)
        with connect(db, read_only=False) as con:
            store.write_log_only(con, entry, verdict)
        return Outcome(path, "avvist", source=entry.kilde, batch_id=batch_id, rows_in=entry.rader_inn, message=str(exc))

    skipped_text = "; ".join(f"{n} {reason}" for reason, n in result.skipped.items())
    entry.advarsler = len(verdict.warnings) + len(result.notes)
    entry.rader_avvist = sum(n for reason, n in result.skipped.items() if "registeret" in reason)
    say("laster inn")
    with connect(db, read_only=False) as con:
        if store.loaded_batch(con, sha):  # another process got there first
            entry.resultat = "allerede_lastet"
            entry.melding = "Filen ble lastet av en annen prosess samtidig; ingenting er endret."
            store.write_log_only(con, entry)
            return Outcome(path, "allerede_lastet", source=entry.kilde, message=entry.melding)
        entry.resultat = "lastet"
        parts = [f"{result.frame.height} rader lastet"]
        if skipped_text:
            parts.append(f"hoppet over: {skipped_text}")
        parts += result.notes
        parts += [f.melding for f in verdict.warnings]
        entry.melding = ". ".join(p.rstrip(".") for p in parts) + "."
        loaded = store.write_batch(con, entry, verdict, spec.load, result.frame)
    return Outcome(
        path, "lastet", source=entry.kilde, batch_id=batch_id, rows_in=entry.rader_inn,
        rows_loaded=loaded, rows_skipped=entry.rader_hoppet_over, message=entry.melding,
        warnings=[f.melding for f in verdict.warnings], notes=result.notes,
    )
