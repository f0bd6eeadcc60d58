"""The one exception a user sees when a file cannot be read or loaded; its text is Norwegian."""

from __future__ import annotations

import re

ROW_NUMBERS_TABLE = ("Radnumrene i meldingene er de samme som i Excel: står overskriftene øverst, er første rad med "
                     "data rad 2.")
ROW_NUMBERS_JSON = "I JSON-filer fra Udir er rad 1 det første objektet."
ROW_NUMBERS = f"{ROW_NUMBERS_TABLE} {ROW_NUMBERS_JSON}"
"""Said wherever a message names rows: the user fixing the file finds them by Excel's numbers."""


def row_numbers(filename: str) -> str:
    """`ROW_NUMBERS` for one file: Excel's numbers for a table, the object's for Udir's JSON (a saker workbook was
    told of JSON objects, a JSON export of Excel's header row)."""
    return ("I JSON-filer fra Udir er rad 1 det første objektet i filen." if filename.lower().endswith(".json")
            else ROW_NUMBERS_TABLE)
OLD_ROW_NUMBERS = ("Filer som ble lest inn før radnumrene fulgte Excel (1. desember 2026), har radnumre som teller "
                   "radene med data: der er rad 1 første rad under overskriftene, altså rad 2 i Excel.")
"""Said beside messages logged before migration 005, whose row numbers are one less than Excel's."""


def counted(n: int, one: str = "rad", many: str = "rader") -> str:
    """«1 rad», «2 rader»: a count with its noun in the right number (a user read «1 rader lastet»)."""
    return f"{n} {one if n == 1 else many}"


class IngestError(Exception):
    """A file was refused; `str(err)` is the Norwegian reason, naming row and column when known."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.reason = message
        self.row = row
        self.column = column
        where = []
        if row is not None:
            where.append(f"rad {row}")
        if column is not None:
            where.append(f"kolonne «{column}»")
        text = f"{message} ({', '.join(where)})" if where else message
        super().__init__(text)

    def rows_from(self, first_row: int) -> IngestError:
        """This refusal with its data row (1: the first under the header) named as row `first_row` onwards."""
        if self.row is None or first_row == 1:
            return self
        return type(self)(self.reason, row=self.row + first_row - 1, column=self.column)


_GUIDE = re.compile(r"\s*\((?:se )?(«Hjelp» → «[^»]+» i dashbordet \(docs/[^)]+\))\)")
"""A guide named in a reason, «(se «Hjelp» → «Mal for programstatus» i dashbordet (docs/mal-programstatus.md))»."""


class Problems(IngestError):
    """Several refusals found in one reading of a file, said together: a user with five mistakes in a file was told of
    the first, fixed it, and was told of the next, five times over.

    Said as the user goes through the file: by row, each with its row and column first («rad 3, kolonne «Nye saker»:
    …»), and a guide the reasons point to named once at the end (it stood three times, in double brackets)."""

    MAX_SAID = 6

    def __init__(self, problems: list[IngestError]) -> None:
        self.problems = problems
        ordered = sorted(problems, key=lambda p: (p.row is None, p.row or 0))
        guides = list(dict.fromkeys(m.group(1) for p in ordered for m in _GUIDE.finditer(p.reason)))

        def item(p: IngestError) -> str:
            reason = _GUIDE.sub("", p.reason).rstrip(".") if guides else p.reason.rstrip(".")
            where = ", ".join([*([f"rad {p.row}"] if p.row is not None else []),
                               *([f"kolonne «{p.column}»"] if p.column is not None else [])])
            return f"{where}: {reason}" if where else reason

        said = "; ".join(item(p) for p in ordered[: self.MAX_SAID])
        more = len(problems) - self.MAX_SAID
        text = f"Filen har {len(problems)} feil: {said}" + (f"; og {more} til." if more > 0 else ".")
        if guides:
            text += " Se " + " og ".join(guides) + "."
        super().__init__(text)

    def rows_from(self, first_row: int) -> IngestError:
        return Problems([p.rows_from(first_row) for p in self.problems])


class PersonDataError(IngestError):
    """A file refused because it holds, or may hold, data about persons: it is neither loaded nor kept."""


DEMO_WAREHOUSE = ("Dette lageret er et demolager: demokontoene i det har passord som står offentlig i README, og alle tall "
                  "vises som fiktive. Ekte data og ekte brukere hører hjemme i et eget lager i en egen mappe, siden brukerne, "
                  "revisjonsloggen og arkivet ligger ved siden av lageret (README, «Drift»: "
                  "«skolemiljo --db data/ekte/skolemiljo.duckdb init»).")
"""Why a demo warehouse (`skolemiljo demo`) takes no real files (`pipelines.ingest.outside_demo`) and no new users."""
