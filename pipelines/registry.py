"""Every source format the product reads, in detection order: how to recognise, read, check and load it.

A new format is one reader in `pipelines/sources/`, one suite in `pipelines/quality/`, one loader
in `pipelines/warehouse/`, and one `Source` entry here.
"""

from __future__ import annotations

import importlib

import polars as pl

from pipelines.quality import suites
from pipelines.sources import skoleporten, skoleregister, udir_eksport
from pipelines.sources.base import EU_KEY, Known, Source, SourceResult
from pipelines.warehouse import store

__all__ = ["Known", "Source", "SOURCES", "BY_NAME", "register", "labels"]


def _udir(kind: str, label: str) -> Source:
    return Source(
        name=f"udir_{kind}",
        label=label,
        detect=lambda cols: udir_eksport.detect(cols) == kind,
        read=lambda table, known: udir_eksport.read(table, kind),
        validate=lambda frame, known: suites.validate_eu(frame, known.register, udir_eksport.headings(kind)),
        load=lambda con, frame, batch: store.load_eu(con, frame, batch, "elevundersokelsen"),
        table="core.eu_resultat",
        key=EU_KEY,
    )


def _read_skoleporten(table: pl.DataFrame, known: Known) -> SourceResult:
    return skoleporten.read(table, known.schools, known.indicator_codes)


SOURCES: list[Source] = [
    _udir("indikator", "Elevundersøkelsen – indikatorer (Udir 148)"),
    _udir("mobbing", "Elevundersøkelsen – mobbing (Udir 150)"),
    _udir("deltakelse", "Elevundersøkelsen – deltakelse (Udir 151)"),
    Source(
        name="skoleporten",
        label="Elevundersøkelsen – Skoleporten (historisk)",
        detect=skoleporten.detect,
        read=_read_skoleporten,
        validate=lambda frame, known: suites.validate_eu(frame, known.register, skoleporten.HEADINGS),
        load=lambda con, frame, batch: store.load_eu(con, frame, batch, "skoleporten"),
        needs_register=True,
        table="core.eu_resultat",
        key=EU_KEY,
    ),
    Source(
        name="skoleregister",
        label="Skoleregister",
        detect=skoleregister.detect,
        read=lambda table, known: skoleregister.with_openings(table, skoleregister.with_closed_said(
            skoleregister.with_closures_kept(table, skoleregister.with_missing_said(
                skoleregister.not_before_its_year(skoleregister.not_older(skoleregister.read(table), known)), known),
                known), known), known),
        validate=lambda frame, known: suites.validate_register(frame),
        load=store.load_register,
        table="core.skole",
        key=["orgnr"],
    ),
]

# Source modules that define their own `SOURCE`; they are read before the school register.
PLUGGED = [
    "pipelines.sources.ungdata_fhi",
    "pipelines.sources.ungdata_tabell",
    "pipelines.sources.saker",
    "pipelines.sources.teammoter",
    "pipelines.sources.teamrytme",
    "pipelines.sources.plan",
    "pipelines.sources.programstatus",
]
for _module in PLUGGED:
    try:
        SOURCES.insert(len(SOURCES) - 1, importlib.import_module(_module).SOURCE)
    except ModuleNotFoundError as _exc:
        if _exc.name != _module:  # a missing dependency is a real error; a module not written yet is not
            raise

BY_NAME: dict[str, Source] = {s.name: s for s in SOURCES}


def register(source: Source, *, before: str | None = None) -> None:
    """Add a source format (kept in detection order; `before` puts it ahead of another)."""
    if source.name in BY_NAME:
        SOURCES.remove(BY_NAME[source.name])
    index = next((i for i, s in enumerate(SOURCES) if s.name == before), len(SOURCES)) if before else len(SOURCES)
    SOURCES.insert(index, source)
    BY_NAME[source.name] = source


def labels() -> dict[str, str]:
    return {s.name: s.label for s in SOURCES}
