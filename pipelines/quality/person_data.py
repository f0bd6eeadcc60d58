"""Refuses anything that looks like a person: fødselsnummer (with valid check digits), names, birth dates, pupil ids."""

from __future__ import annotations

import re

import polars as pl

# Column names that only person-level data would have.
_PERSON_COLUMN = re.compile(
    r"(f(ø|o|oe)dsels(nummer|nr|dato)|^fnr$|person(nummer|nr|id)|^f(ø|o)dt$|"
    r"fornavn|etternavn|mellomnavn|elev_?navn|navn_?elev|elev_?id|elevnummer|"
    r"pupil|birth|^ssn$|d_?nummer|^elev$|^elevens?_?navn$)",
    re.IGNORECASE,
)

_ELEVEN_DIGITS = r"^[\s.\-]*(?:\d[\s.\-]*){11}$"
"""A cell that is 11 digits once spaces, dots and dashes are taken out."""
_SIX = r"\d{2}[. ]?\d{2}[. ]?\d{2}"
"""The birth date part, also written as a date («12.03.05», «12 03 05»)."""
_IN_TEXT = r"(?:^[.,]?|\D[.,]|[^\d.,])" + _SIX + r"[\s.\-/]{0,3}\d{5}(?:\D|$)"
"""Eleven digits inside text («Gjelder elev 120305 10087», «12.03.05-10087», across a line break or a no-break
space), as a fødselsnummer is written: 6 + 5. Not after «1234.» or «0,»: a decimal's long fraction is no person."""
_IN_TEXT_PY = re.compile(r"(?<!\d[.,])(?<!\d)(\d{2})[. ]?(\d{2})[. ]?(\d{2})[\s.\-/]{0,3}(\d{5})(?!\d)")
_TEN_DIGITS = r"^\s*\d{10}\s*$"
"""A fødselsnummer Excel stored as a number: born on the 1st to the 9th, it lost its leading 0 (see `lost_zero`)."""
_CANDIDATE = f"{_ELEVEN_DIGITS}|{_IN_TEXT}|{_TEN_DIGITS}"
"""Either, in one pass over a column (a national file's text columns are 4.7 million cells each)."""

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def is_fodselsnummer(text: str) -> bool:
    """11 digits whose two mod-11 check digits are right (also D- and H-numbers)."""
    if len(text) != 11 or not text.isdigit():
        return False
    d = [int(c) for c in text]
    k1 = 11 - sum(w * x for w, x in zip(_W1, d[:9], strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    k2 = 11 - sum(w * x for w, x in zip(_W2, d[:10], strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    if k1 == 10 or k2 == 10:
        return False
    return d[9] == k1 and d[10] == k2


def find_person_data(table: pl.DataFrame, first_row: int = 1) -> str | None:
    """The Norwegian reason the file must be refused, or None when nothing person-like is found.

    `table` is the file as read (all strings, before any normalisation), so nothing slips
    through a reader that would have dropped the column. A row is named from `first_row` (Excel's number of the
    first row under the header, `pipelines.parsing.Sheet.first_row`).
    """
    for col in table.columns:
        if _PERSON_COLUMN.search(col):
            return (
                f"Filen har kolonnen «{col}», som ser ut til å inneholde personopplysninger. "
                "Lageret tar bare imot tall på gruppenivå – ingen navn, fødselsnumre eller "
                "fødselsdatoer. Ingenting fra filen er lastet eller tatt vare på."
            )
    text_columns = [(i, c) for i, c in enumerate(table.columns) if table.schema[c] == pl.String]
    if not text_columns or table.height == 0:
        return None
    # One pass over every text column at once: which hold 11 digits with only spaces, dots or dashes between?
    # Only those columns are then searched row by row for a valid check digit. Columns by position: a file's
    # header can be anything, «*» or «^.*$» too, which `pl.col` would read as a pattern.
    candidates = table.select(
        pl.nth(i).str.contains(_CANDIDATE).any().alias(str(i))
        for i, _ in text_columns
    ).row(0)
    for (_, col), has_candidate in zip(text_columns, candidates, strict=True):
        if not has_candidate:
            continue
        # Series, not columns added to the frame: a file's own column names can never collide with ours.
        cells = table.get_column(col)
        for index in cells.str.contains(_CANDIDATE).fill_null(False).arg_true().to_list():
            if holds_fodselsnummer(cells[index]):
                return (
                    f"Rad {index + first_row}, kolonne «{col}» inneholder noe som ser ut som et fødselsnummer. "
                    "Lageret tar ikke imot personopplysninger; ingenting fra filen er lastet eller tatt vare på."
                )
    return None


def lost_zero(ten: str) -> bool:
    """Ten digits that are a fødselsnummer once the 0 Excel took away is back (05031210099 stored as 5031210099): a
    day from the 1st to the 9th, a real month (also an H-number's, +40) and valid check digits. The date is checked
    too: ten random digits (a timestamp, an id) pass the check digits alone about once in 120."""
    if len(ten) != 10 or not ten.isdigit() or ten[0] == "0":
        return False
    month = int(ten[1:3])
    return (1 <= month <= 12 or 41 <= month <= 52) and is_fodselsnummer("0" + ten)


_IN_NAME = re.compile(r"(?<!\d)(\d{2})[ ._+\-]?(\d{2})[ ._+\-]?(\d{2})[ ._+\-/]{0,3}(\d{5})(?!\d)")
"""A fødselsnummer in a file name: its parts may be joined by what a name is written with («_», «+», «-», «.»)."""


def name_without_fodselsnummer(name: str) -> str:
    """A file name as the logs may keep and show it: a fødselsnummer in it written as «•••••••••••»."""
    return _IN_NAME.sub(lambda m: "•" * 11 if is_fodselsnummer("".join(m.groups())) else m.group(0), name)


def holds_fodselsnummer(text: str) -> bool:
    """True when one cell's text is, or contains, a fødselsnummer with valid check digits (or is one that lost its
    leading 0 in Excel, `lost_zero`)."""
    whole = re.sub(r"[\s.\-]", "", text)
    if len(whole) == 11 and is_fodselsnummer(whole):
        return True
    if len(whole) == 10 and text.strip().isdigit() and lost_zero(whole):
        return True
    return any(is_fodselsnummer("".join(m)) for m in _IN_TEXT_PY.findall(text))
