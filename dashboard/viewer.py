"""Who is looking: the one object every query receives, carrying scope and protection level."""

from __future__ import annotations

from dataclasses import dataclass

MIN_RESPONDENTS = 10
"""Survey values with fewer respondents than this are hidden (never lower than the source's own rule)."""


@dataclass(frozen=True)
class Viewer:
    """A viewer's role, the municipalities they may see (None: all) and their protection threshold."""

    role: str = "skoleeier"
    kommuner: frozenset[str] | None = None
    min_respondents: int = MIN_RESPONDENTS

    def sees_kommune(self, kommunenr: str | None) -> bool:
        return self.kommuner is None or kommunenr in self.kommuner


DEMO_VIEWER = Viewer()
"""Demo mode has no login: the viewer is a skoleeier for every municipality in the warehouse."""
