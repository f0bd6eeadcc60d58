"""A file's quality verdict: the findings of its Great Expectations suite, in Norwegian, with row numbers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    forventning: str
    kolonne: str | None
    alvorlighet: str  # "kritisk" rejects the file; "advarsel" loads with a warning
    ok: bool
    antall_avvik: int | None
    eksempler: str | None
    melding: str


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(not f.ok and f.alvorlighet == "kritisk" for f in self.findings)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok and f.alvorlighet == "kritisk"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok and f.alvorlighet == "advarsel"]

    def summary(self) -> str:
        parts = []
        for f in self.failures + self.warnings:
            parts.append(f.melding)
        return " ".join(parts)
