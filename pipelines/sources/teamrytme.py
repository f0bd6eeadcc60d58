"""The expected meeting rhythm per team and municipality: `kommunenr;team;moter_per_maaned`."""

from __future__ import annotations

import polars as pl

from pipelines.parsing import number, unparseable
from pipelines.quality import teammoter as quality
from pipelines.sources.base import (
    Known,
    Source,
    SourceResult,
    digits,
    raise_on_bad,
    require_columns,
    with_row_numbers,
)
from pipelines.sources.teammoter import team_expr
from pipelines.templates.teammoter import TEAMS, normalise_header
from pipelines.warehouse import store

LABEL = "Forventet møterytme per team"
SCHEMA: dict[str, pl.DataType] = {
    "rad": pl.Int64,
    "kommunenr": pl.String,
    "team": pl.String,
    "moter_per_maaned": pl.Float64,
}
HEADER_ALIASES = {
    "kommunenr": "kommunenr",
    "kommunenummer": "kommunenr",
    "team": "team",
    "moter per maaned": "moter_per_maaned",
    "møter per måned": "moter_per_maaned",
    "forventede møter per måned": "moter_per_maaned",
}


def _fields(columns: list[str]) -> dict[str, str]:
    """The user's header → field, for the headers this format knows."""
    found = {c: HEADER_ALIASES.get(normalise_header(c)) for c in columns}
    return {c: f for c, f in found.items() if f}


def detect(columns: list[str]) -> bool:
    """Exactly the three columns (a meeting log or a register has more and other ones)."""
    fields = _fields(columns)
    return set(fields.values()) == {"kommunenr", "team", "moter_per_maaned"} and len(columns) == 3


def read(table: pl.DataFrame, known: Known) -> SourceResult:
    fields = _fields(table.columns)
    t = table.rename(fields)
    require_columns(t, ["kommunenr", "team", "moter_per_maaned"], LABEL.lower())
    shown = {f: c for c, f in fields.items()}
    t = with_row_numbers(t).with_columns(
        digits("kommunenr", 4).replace("", None).alias("kommunenr"),
        team_expr("team").alias("_team"),
    )
    raise_on_bad(t, ~pl.col("kommunenr").str.contains(r"^\d{4}$").fill_null(True),
                 "Kommunenummeret må ha 4 siffer (eller stå tomt for standard i alle kommuner)", shown["kommunenr"])
    raise_on_bad(t, pl.col("_team").is_null(),
                 "Ukjent team (bruk " + ", ".join(f"«{c}»" for c in TEAMS) + ")", shown["team"])
    raise_on_bad(t, unparseable("moter_per_maaned") | number("moter_per_maaned").is_null(),
                 "Antall møter per måned må være et tall, f.eks. 1 eller 0,5", shown["moter_per_maaned"])
    out = t.select(
        "rad", "kommunenr", pl.col("_team").alias("team"), number("moter_per_maaned").alias("moter_per_maaned")
    ).cast(SCHEMA)
    return SourceResult(source="teamrytme", frame=out, rows_in=table.height)


SOURCE = Source(
    name="teamrytme",
    label=LABEL,
    detect=detect,
    read=read,
    validate=quality.validate_rytme,
    load=lambda con, frame, batch: store.replace_by_key(con, "core.teamrytme", frame, quality.RYTME_KEY, batch),
    needs_register=True,
    owner_data=True,
    table="core.teamrytme",
    key=quality.RYTME_KEY,
)
