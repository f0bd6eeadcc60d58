"""YAML text → plain Python values plus the line of every key and item, so errors can name the line.

Scalars stay strings (pydantic converts them): plain YAML 1.1 would turn `0301` into an octal number
and `8:00` into a sexagesimal one, which is never what a skolesjef meant. Keys are normalised
(lower case, æ → ae, ø → o, å → a) so `årlig_gjennomgang` and `arlig_gjennomgang` mean the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from pipelines.errors import IngestError

Path = tuple[str | int, ...]
_NULLS = {"", "~", "null", "Null", "NULL"}


@dataclass
class Located:
    """The parsed document and, for every path in it, the line (1-based) and the key as the user wrote it."""

    value: object
    lines: dict[Path, int] = field(default_factory=dict)
    keys: dict[Path, str] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that exists (a missing field: its parent)."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def label(self, path: Path) -> str:
        """`programmer → 2 → krav → 1 → minst` with 1-based list positions and the user's own key spelling."""
        parts = []
        for i, part in enumerate(path):
            if isinstance(part, int):
                parts.append(str(part + 1))
            else:
                parts.append(self.keys.get(tuple(path[: i + 1]), str(part)))
        return " → ".join(parts) if parts else "(hele filen)"


def normalise_key(text: str) -> str:
    key = text.strip().lower()
    for old, new in (("æ", "ae"), ("ø", "o"), ("å", "a")):
        key = key.replace(old, new)
    return re.sub(r"[^a-z0-9]+", "_", key).strip("_")


def _convert(node: yaml.Node, path: Path, out: Located) -> object:
    out.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in _NULLS:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), out) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise IngestError(f"Planen er ikke gyldig: linje {key_node.start_mark.line + 1}: en nøkkel må være tekst.")
            key = normalise_key(key_node.value)
            if key in result:
                raise IngestError(
                    f"Planen er ikke gyldig: linje {key_node.start_mark.line + 1}: feltet «{key_node.value}» står to "
                    "ganger i samme avsnitt."
                )
            out.keys[path + (key,)] = key_node.value
            result[key] = _convert(value_node, path + (key,), out)
            out.lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    raise IngestError(f"Planen er ikke gyldig: linje {node.start_mark.line + 1}: ukjent YAML-innhold.")


PROBLEMS = (
    ("found character '\\t'", "en tabulator i innrykket; rykk inn med mellomrom"),
    ("expected <block end>", "innrykket stemmer ikke med linjene over (rykk inn like mye som linjene på samme nivå)"),
    ("mapping values are not allowed", "et kolon der det ikke kan stå (oftest innrykk: linjen er rykket lenger inn "
                                       "enn linjen over; ellers trenger en tekst med kolon anførselstegn rundt seg)"),
    ("could not find expected ':'", "et navn uten kolon etter seg (skriv «navn: verdi»)"),
    ("while scanning a quoted scalar", "et anførselstegn som ikke er lukket"),
    ("found unexpected end of stream", "filen slutter midt i noe, for eksempel et anførselstegn som ikke er lukket"),
    ("expected ',' or ']'", "en liste i [ ] som ikke er lukket"),
    ("expected ',' or '}'", "en liste i { } som ikke er lukket"),
    ("found duplicate anchor", "samme &-navn to ganger"),
    ("found undefined alias", "et *-navn som ikke er definert"),
)
"""PyYAML's English problems, and what they mean in a plan file."""


def _problem(exc: yaml.YAMLError) -> str:
    """PyYAML's problem in Norwegian (its own text is English: a user read «expected <block end>, but found '?'»)."""
    english = " ".join(str(part) for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part)
    return next((norsk for key, norsk in PROBLEMS if key in english), "noe YAML-leseren ikke forstår her")


def load(text: str) -> Located:
    """Parse one YAML document; YAML syntax errors become a Norwegian message with the line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        # An unclosed quote is found where the file ends: its opening is where the user must look.
        opened = "quoted scalar" in str(exc.context or "")
        mark = (exc.context_mark if opened else None) or exc.problem_mark or exc.context_mark
        where = f"linje {mark.line + 1}, kolonne {mark.column + 1}" if mark else "ukjent sted"
        raise IngestError(
            f"Planen er ikke gyldig YAML ({where}): {_problem(exc)}. Sjekk innrykk, kolon og bindestreker."
        ) from exc
    except yaml.YAMLError as exc:
        raise IngestError(f"Planen er ikke gyldig YAML: {_problem(exc)}.") from exc
    if node is None:
        raise IngestError("Planfilen er tom.")
    out = Located(value=None)
    out.value = _convert(node, (), out)
    return out
