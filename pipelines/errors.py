"""The one exception a user sees when a file cannot be read or loaded; its text is Norwegian."""

from __future__ import annotations


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
        return IngestError(self.reason, row=self.row + first_row - 1, column=self.column)
