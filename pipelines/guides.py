"""The user guides in docs/, by the titles the dashboard's «Hjelp» page lists them under.

Messages that send a user to a guide name it as the dashboard shows it and as the file a command-line user opens.
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
GUIDES = {
    "rapporter": ("Rapporter", "rapporter.md"),
    "skoleregister": ("Skoleregisteret", "skoleregister.md"),
    "mal-saker": ("Mal for saker (kap. 12)", "mal-saker.md"),
    "mal-teammoter": ("Mal for møtelogg", "mal-teammoter.md"),
    "mal-programstatus": ("Mal for programstatus", "mal-programstatus.md"),
    "plan": ("Kommunens plan (YAML)", "plan.md"),
    "formater": ("Filformater som leses", "formater.md"),
}
"""key (the page's ?dok=) → (title, file in docs/), in the order the page lists them: what every role uses first
(the reports), the file formats' technical details last."""


def where(key: str) -> str:
    """«Hjelp» → «Mal for saker (kap. 12)» i dashbordet (docs/mal-saker.md)"""
    title, file = GUIDES[key]
    return f"«Hjelp» → «{title}» i dashbordet (docs/{file})"


DEVELOPERS = r"`pipelines[./]|DuckDB|^Se også `mart\.|^Demodata: `"
"""A paragraph for the developers (code paths, DuckDB's readers, the demo's scripts): not on the Hjelp page."""


def text(key: str) -> str:
    """A guide as the dashboard shows it: without the English paragraphs for developers (they start «*English») and
    the section for the command line («## Fra kommandolinjen»), headings in Norwegian only («## Vern / Protection» →
    «## Vern»), no code paths in parentheses, and links to the other guides as their titles (the page lists them)."""
    _, file = GUIDES[key]
    raw = (DOCS_DIR / file).read_text(encoding="utf-8")
    # «Fra kommandolinjen», the warehouse's columns («I lageret») and how PDFs are printed are for whoever runs the
    # server: the page's readers use the page.
    raw = re.sub(r"\n## (?:Fra kommandolinjen|I lageret|PDF og Chromium)[^\n]*\n.*?(?=\n## |\Z)", "\n", raw,
                 flags=re.DOTALL)
    paragraphs = [p for p in re.split(r"\n\s*\n", raw)
                  if not p.lstrip().startswith("*English") and not re.search(DEVELOPERS, p, re.MULTILINE)]
    body = "\n\n".join(paragraphs)
    body = re.sub(r"^(#+ .+?) / .+$", r"\1", body, flags=re.MULTILINE)
    body = re.sub(r"^(#+ .+?) \((?:`mart\.[^`]*`|Great Expectations)\)", r"\1", body, flags=re.MULTILINE)
    body = re.sub(r" ?\(`(?:pipelines|dashboard|tests|bench)/[^`]*`(?:; ([^)]*))?\)", lambda m: f" ({m.group(1)})" if m.group(1) else "", body)
    titles = {f: t for t, f in GUIDES.values()}
    return re.sub(r"\[([^\]]+)\]\(([\w-]+\.md)\)",
                  lambda m: f"«{titles[m.group(2)]}»" if m.group(2) in titles else m.group(1), body)
