"""The product's own reporting templates (XLSX with drop-down lists, and CSV), one module per template.

Here: which schools a report is asked of. A school the register marks as closed (`nedlagt`, the first day it no
longer runs) is asked for nothing from that day, in the templates offered and in the files read back
(docs/mal-saker.md): the same days as the dashboard's expected reports (`dashboard.queries.open_on`).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

REPORT_DAY = 15
"""A school reports for a month it still ran on the 15th of (as the page «Saker» asks for its months)."""


REPORT_DUE_DAY = 10
"""A school's case report for a month is due by this day of the month after (docs/mal-saker.md)."""


def due_month(today: dt.date) -> dt.date:
    """The newest month whose case reports are due by `today`: last month from the 11th, else the month before (July,
    with no school, gives way to June)."""
    index = today.year * 12 + today.month - 1 - (1 if today.day > REPORT_DUE_DAY else 2)
    month = dt.date(index // 12, index % 12 + 1, 1)
    return dt.date(month.year, 6, 1) if month.month == 7 else month


def month_day(month: pl.Expr) -> pl.Expr:
    """The day a school must still run on to report for `month` (its first day): the 15th."""
    return month + pl.duration(days=REPORT_DAY - 1)


def year_day(start_year: pl.Expr) -> pl.Expr:
    """The day a school must still run on to report for the school year starting in `start_year`: 1 September, as a
    school counts for the plan's year (migration 011); one closed in August never began the year."""
    return pl.date(start_year, 9, 1)


def ran_on(day: dt.date | pl.Expr, opened: bool = True) -> pl.Expr:
    """A school that ran on `day`, by the register's `nedlagt` (null while it runs) and, with `opened`, its
    `opprettet` (null: it always ran)."""
    still = pl.col("nedlagt").is_null() | (pl.col("nedlagt") > day)
    return still & (pl.col("opprettet").is_null() | (pl.col("opprettet") <= day)) if opened else still


def asked(schools: pl.DataFrame, day: dt.date | pl.Expr) -> pl.DataFrame:
    """The schools a template for `day` lists: not one closed by then, nor one not yet opened (every school when the
    register's dates are not given)."""
    if "nedlagt" not in schools.columns:
        return schools
    return schools.filter(ran_on(day, opened="opprettet" in schools.columns))


CLOSED = "nedlagt_skole"
"""A report's derived column: «Haugen skole (nedlagt fra 01.08.2026)» on a row for a time after its school closed,
«Nybygda skule (i drift fra 01.08.2026)» on one for a time before it opened."""


def closed_school(frame: pl.DataFrame, register: pl.DataFrame | None, day: pl.Expr) -> pl.DataFrame:
    """`frame` (with `orgnr`) with `CLOSED`: the school and its closing (or opening) date where the register (orgnr,
    navn, nedlagt, opprettet) says it did not run on `day`, an expression on the frame's columns; else null."""
    changed = None if register is None else register.filter(pl.col("nedlagt").is_not_null()
                                                            | pl.col("opprettet").is_not_null())
    if changed is None or changed.is_empty():  # most registers: no join that copies every row
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias(CLOSED))
    looked_up = frame.select("orgnr", day.alias("_dag")).join(
        changed.select("orgnr", "navn", "nedlagt", "opprettet").unique("orgnr"), on="orgnr", how="left",
        maintain_order="left")
    text = (pl.when(~ran_on(pl.col("_dag"), opened=False))
            .then(pl.format("{} (nedlagt fra {})", "navn", pl.col("nedlagt").dt.strftime("%d.%m.%Y")))
            .when(~ran_on(pl.col("_dag")))
            .then(pl.format("{} (i drift fra {})", "navn", pl.col("opprettet").dt.strftime("%d.%m.%Y"))))
    return frame.with_columns(looked_up.select(text.alias(CLOSED)).to_series())


def skip_closed(frame: pl.DataFrame, nothing: pl.Expr, skipped: dict[str, int]) -> pl.DataFrame:
    """`frame` without its rows for a time their school did not run (`CLOSED`: after it closed, before it opened)
    when every one of them reports `nothing` (zeros, as the template came): noted in `skipped`. Otherwise the rows
    stay, for the suite to refuse: a count for such a time is a wrong school or date, and loading it would put cases
    where no school ran."""
    after = pl.col(CLOSED).is_not_null()
    found = frame.filter(after)
    if found.is_empty() or not found.select(nothing.fill_null(False).all()).item():
        return frame
    schools = "; ".join(found[CLOSED].unique(maintain_order=True).to_list())
    rows = "rad" if found.height == 1 else "rader"
    skipped[f"{rows} med bare nuller for skoler som ikke var i drift da ({schools})"] = found.height
    return frame.filter(~after)
