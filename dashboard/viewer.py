"""Who is looking: the one object every query receives, carrying scope and protection level."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import random
from dataclasses import dataclass

MIN_RESPONDENTS = 10
"""Survey values with fewer respondents than this are hidden at the protected level (never lower than the source's
own rule, which always applies)."""

ROLE_LABELS = {"skoleeier": "Skoleeier", "rektor": "Rektor", "fau": "FAU", "admin": "Administrator"}


@dataclass(frozen=True)
class Viewer:
    """A viewer's role, the municipalities they may see (None: all), their own schools and protection level.

    - skoleeier, admin: every school in their municipalities, full detail.
    - rektor: own school(s) in full detail; other schools of the municipality at the protected level; no case
      counts or team meetings of other schools.
    - fau: own school and the municipality, protected level only; no team meetings; case counts only as the
      protected summary of the own school and the municipality (`queries.saker_oversikt`), no monthly detail.
    - `protected` (rektormøte mode) puts everything at the protected level, whatever the role.
    """

    role: str = "skoleeier"
    kommuner: frozenset[str] | None = None
    skoler: frozenset[str] = frozenset()
    min_respondents: int = MIN_RESPONDENTS
    brukernavn: str = ""
    protected: bool = False
    pseudonyms: tuple[tuple[str, str], ...] = ()
    """Rektormøte mode: (orgnr, «Skole A») for schools shown without their name."""
    thresholds: tuple[tuple[str, int], ...] = ()
    """(kommunenr, n): a municipality's own threshold, from the setting `min_svar:<kommunenr>` (never below 10)."""

    @functools.cached_property
    def cache_key(self) -> str:
        """Every field, sets sorted: what the query cache hashes instead of the viewer itself.

        Streamlit's own hashing walks the sets value by value: 3.5 ms a cached call for an owner of all 356
        municipalities, and a page makes 10–20 such calls on every run. Built from `dataclasses.fields`, so a field
        added later is part of the key (two viewers that differ in anything must never share a cached answer).
        """
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            parts.append((f.name, tuple(sorted(value)) if isinstance(value, (set, frozenset)) else value))
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()

    def threshold_for(self, kommunenr: str | None) -> int:
        return dict(self.thresholds).get(kommunenr or "", self.min_respondents)

    def sees_kommune(self, kommunenr: str | None) -> bool:
        return self.kommuner is None or kommunenr in self.kommuner

    def sees_school(self, orgnr: str | None) -> bool:
        """FAU sees only its own school; the others see every school of their municipalities."""
        return self.role != "fau" or orgnr is None or orgnr in self.skoler

    @property
    def full_detail_everywhere(self) -> bool:
        return self.role in ("skoleeier", "admin") and not self.protected

    def full_detail_schools(self) -> frozenset[str] | None:
        """Schools whose values this viewer sees in full detail; None means every school in scope."""
        if self.full_detail_everywhere:
            return None
        if self.role == "rektor" and not self.protected:
            return self.skoler
        return frozenset()

    @property
    def loads_files(self) -> bool:
        """Whether «Importer filer» is this viewer's page (the menu, and every text or link that sends one there)."""
        return self.role in ("skoleeier", "admin")

    @property
    def changes_files_of(self) -> frozenset[str] | None:
        """The municipalities whose numbers this viewer's uploads and withdrawals may change: a skoleeier's own; None
        (any) for an administrator (`pipelines.ingest.outside_scope`). An owner of no municipality may change none."""
        return None if self.role == "admin" else self.kommuner

    @property
    def sees_case_counts(self) -> bool:
        return self.role != "fau"

    @property
    def sees_team_meetings(self) -> bool:
        return self.role != "fau"


def thresholds_from(settings: dict[str, str]) -> tuple[int, tuple[tuple[str, int], ...]]:
    """The default and per-municipality thresholds from the warehouse settings, never below MIN_RESPONDENTS."""

    def value(text: str) -> int:
        from dashboard.privacy import MAX_THRESHOLD  # privacy imports this module

        try:
            return min(max(MIN_RESPONDENTS, int(text)), MAX_THRESHOLD - 1)  # MAX_THRESHOLD: unreadable
        except ValueError:  # fail closed: a setting no one can read hides everything, it does not fall back to 10
            return MAX_THRESHOLD

    default = value(settings.get("min_svar", str(MIN_RESPONDENTS)))
    per = tuple(sorted((k.split(":", 1)[1], value(v)) for k, v in settings.items() if k.startswith("min_svar:")))
    return default, per


def pseudonyms_for(
    schools: list[tuple[str, str, str]], named: set[str], seed: int = 0
) -> tuple[tuple[str, str], ...]:
    """«Skole A», «Skole B», … per municipality for every school not in `named` (orgnr).

    The letters follow a shuffled order (from `seed`), not the names, so «Skole A» is not simply the first school
    in the alphabet.
    """
    out = []
    by_kommune: dict[str, list[tuple[str, str]]] = {}
    for orgnr, navn, kommunenr in schools:
        by_kommune.setdefault(kommunenr, []).append((navn, orgnr))
    rng = random.Random(seed)
    for members in by_kommune.values():
        letters = iter(_letters())
        ordered = sorted(members)
        rng.shuffle(ordered)
        for _, orgnr in ordered:
            if orgnr not in named:
                out.append((orgnr, f"Skole {next(letters)}"))
    return tuple(sorted(out))


def _letters():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ"
    yield from alphabet
    for first in alphabet:
        for second in alphabet:
            yield first + second


DEMO_VIEWER = Viewer()
"""A skoleeier for every municipality: used by tests and benchmarks, never handed out by the login."""
