"""Turns the bytes users bring into text and string tables: encodings, BOM, `sep=`, separators, Norwegian numbers."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import itertools
import json
import os
import re
from dataclasses import dataclass

import duckdb
import orjson
import polars as pl

from pipelines.errors import IngestError, PersonDataError

SUPPRESSED_MARKERS = ("*", ":", "..")
"""Values a publisher uses to say "hidden on purpose" (Udir `*`, FHI `:`, Skoleporten `..`)."""

MISSING_MARKERS = ("", ".", "-")
"""Values that mean "no data", which is not the same as hidden."""

_SPACES = ("\u00a0", "\u202f", "\u2009", " ")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    utf8: bytes | None = None
    """The file's own bytes when they are `text` in UTF-8 (after a BOM): a reader may use them instead of encoding
    `text` again (110 ms for a national file). None when decoding changed anything (Windows-1252, line ends)."""


def decode(raw: bytes) -> DecodedText:
    """UTF-8 (with or without BOM) when it decodes, else Windows-1252; line ends made `\\n`.

    UTF-16 with its BOM, as Excel's «Unicode-tekst» saves a sheet (tab-separated), is read as the text it is.
    """
    replaced = False
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")
        if "\x00" in text:
            raise IngestError("Filen ser ut til å være binær (inneholder NUL-tegn), ikke tekst, CSV eller JSON.")
        return DecodedText(text=text.replace("\r\n", "\n").replace("\r", "\n"), encoding="utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:  # a BOM says UTF-8: a broken character (a file cut short) is not Windows-1252
            text, replaced = raw.decode("utf-8-sig", errors="replace"), True
    else:
        try:
            text = raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
            encoding = "cp1252"
    # NUL and CR are single bytes in both encodings: looked for in the bytes, a national file is 113 MB of text.
    if b"\x00" in raw:
        raise IngestError("Filen ser ut til å være binær (inneholder NUL-tegn), ikke tekst, CSV eller JSON.")
    if b"\r" in raw:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return DecodedText(text=text, encoding=encoding)
    return DecodedText(text=text, encoding=encoding,
                       utf8=raw if encoding.startswith("utf-8") and not replaced else None)


def sep_line(text: str) -> tuple[str | None, int]:
    """Excel's optional first line `sep=;` names the separator; return it and where the table starts.

    An index, not the rest of the text: a copy of a national file's text costs 60 ms each time.
    """
    end = text.find("\n")
    stripped = (text if end < 0 else text[:end]).strip().strip('"')
    if stripped.lower().startswith("sep=") and len(stripped) == 5:
        return stripped[4], len(text) if end < 0 else end + 1
    return None, 0


_BLANK_LINES = re.compile(r"(?:[ \t;,\r]*\n)*")
"""Lines above a header with nothing in them: empty, or only spaces and separators (cells Excel once held)."""
_NOT_SPACE = re.compile(r"\S")


MAX_HEADER_CHARS = 100_000
"""A header line longer than this is not a table's header (the longest real export header is about 700)."""


def sniff_separator(header_line: str) -> str:
    """The separator that splits the header into the most fields (`;`, tab or `,`)."""
    if len(header_line) > MAX_HEADER_CHARS:
        raise IngestError(
            f"Første linje i filen er {len(header_line) // 1024} KB lang – det er ikke en overskriftsrad. "
            "Er det riktig fil, og er den lagret som CSV med én rad per linje?"
        )
    counts = {sep: len(next(csv.reader([header_line], delimiter=sep))) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda s: counts[s])
    if counts[best] < 2:
        raise IngestError(
            "Filen ser ikke ut som en tabell: fant ikke skilletegn i overskriftsraden (prøvde semikolon, tabulator og "
            "komma). Last inn filen slik den kom fra Udir eller FHI, eller en av kommunens maler."
        )
    return best


@dataclass(frozen=True)
class Sheet:
    """A file read as a table of strings, and the number its first data row has where the user looks at the file.

    The readers number data rows from 1; `pipelines.ingest.check_file` moves their numbers by `first_row` − 1, so
    that a message names the row a user finds in Excel.
    """

    table: pl.DataFrame
    first_row: int = 2
    """Excel's number of the first row under the header: 2 when the header is the top row, further down below
    title rows (XLSX) or blank lines (CSV). A `sep=` line is not counted: Excel reads it and does not show it.
    1 for JSON, which nobody reads as rows: its objects count from 1."""
    spreadsheet: bool = False
    """Rows a person may have edited (CSV, XLSX): checked for a header pasted again or a totals row
    (`refuse_headers_and_totals`) once the file's format is known, so that the refusal is logged under its source
    and its municipalities, and a corrected file of the source puts it right on Oversikt."""


def read_csv_text(text: str, utf8: bytes | None = None) -> pl.DataFrame:
    """A CSV text as a table of strings (see `read_csv_sheet`)."""
    return read_csv_sheet(text, utf8).table


def read_csv_sheet(text: str, utf8: bytes | None = None) -> Sheet:
    """A CSV text as a table of strings; the header names are stripped of spaces and quotes.

    `utf8`: the same text as UTF-8 bytes, maybe after a BOM (`DecodedText.utf8`), read instead of encoding `text`.
    """
    sep, after_sep = sep_line(text)
    start = _BLANK_LINES.match(text, after_sep).end()
    if _NOT_SPACE.search(text, start) is None:
        raise IngestError("Filen er tom.")
    start = _below_title_lines(text, start)
    # Excel shows the blank lines (and title lines) above the header as rows; it hides the `sep=` line.
    header_row = text.count("\n", after_sep, start) + 1
    end = text.find("\n", start)
    header_line = text[start:] if end < 0 else text[start:end]
    sep = sep or sniff_separator(header_line)
    # Bytes: Polars reads them directly (a StringIO costs it 2–3 × more).
    skip = len(text[:start].encode("utf-8"))
    if utf8 is None:
        body = text.encode("utf-8")
    else:
        body = utf8
        skip += 3 if utf8.startswith(b"\xef\xbb\xbf") else 0
    if skip:
        body = body[skip:]
    try:
        df = pl.read_csv(
            body,
            separator=sep,
            infer_schema=False,
            quote_char='"',
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        # Polars' own message quotes the rows it could not read, which may be anybody's: a name, a fødselsnummer
        # (the file was never checked for them). The user is told where, by row number, and never what.
        raise IngestError(
            f"Filen kunne ikke leses som CSV med skilletegn «{_sep_name(sep)}»: {_csv_trouble(body, sep, header_row)}"
        ) from exc
    df = df.rename({c: c.strip().strip("\ufeff").strip('"') for c in df.columns})
    table = without_trailing_blank_rows(df.with_columns(pl.all().str.strip_chars()))
    return Sheet(table, header_row + 1, spreadsheet=True)


TOTALS = ("sum", "summen", "sum alle", "totalt", "total", "totalsum", "i alt")
"""What the first filled cell of a totals row says: a row Excel users add under their rows, not a row of data."""


def refuse_headers_and_totals(table: pl.DataFrame, first_row: int) -> None:
    """Refuse a table with the header row again among its rows (two sheets pasted together) or a totals row
    («Sum», «Totalt», «I alt» in its first filled cell, with cells left empty), naming the row as Excel shows it
    (`first_row`: the number of the first data row). Read as data, such a row was refused for its columns one by one
    («Organisasjonsnummeret mangler (rad 50)»), and nothing said what the row was.

    Only the rows whose first cell is the first heading, empty, or a word of `TOTALS` are looked at, and of them only
    those whose first filled cell is one of these, one by one: a national file is one column's scan."""
    named = [i for i, c in enumerate(table.columns) if c.strip() and not re.fullmatch(r"kolonne_\d+|_duplicated_\d+", c)]
    if not named or table.is_empty():
        return
    heading = _spaced(table.columns[0])
    cells = table.to_series(0)
    # Each distinct first cell looked at once: a national file repeats a few thousand (70 → 5 ms for 200 000 rows).
    first = pl.col("v").str.strip_chars().str.to_lowercase()
    suspect = pl.DataFrame({"v": cells.unique()}).filter(
        first.is_null() | (first == "") | first.is_in([*TOTALS, heading]) | first.str.strip_chars(":").is_in(TOTALS)
    )["v"]
    if suspect.is_empty():
        return
    positions = (cells.is_in(suspect.drop_nulls()).fill_null(False) | (cells.is_null() & suspect.has_nulls())).arg_true()
    # Of those with an empty first cell (a file named by school, not orgnr, has it on every row): a totals word first.
    lead = pl.coalesce(pl.when(pl.nth(i).str.strip_chars() != "").then(pl.nth(i).str.strip_chars().str.to_lowercase())
                       for i in range(table.width))
    positions = positions.filter(table[positions].select(
        lead.is_in([*TOTALS, heading]) | lead.str.strip_chars(":").is_in(TOTALS)).to_series().fill_null(False))
    found: list[str] = []
    for pos, cells in zip(positions, table[positions].iter_rows(), strict=True):
        text = [_spaced(c) if c is not None else "" for c in cells]
        if sum(1 for i in named if text[i] == _spaced(table.columns[i])) == len(named) >= 2:
            found.append(f"Rad {first_row + pos} ser ut som en ny overskriftsrad (to ark limt sammen?): slett den")
            continue
        filled = next((c for c in text if c), "")
        if filled.rstrip(":").strip() in TOTALS and "" in text:
            word = next(c.strip() for c in cells if c and c.strip())
            found.append(f"Rad {first_row + pos} ser ut som en sumrad («{word}»): slett den, summene regnes ut av "
                         "radene")
    if found:
        more = f" (og {len(found) - 3} rader til av samme slag)" if len(found) > 3 else ""
        raise IngestError("; ".join(found[:3]) + more + ".")


def _spaced(text: str) -> str:
    """A cell or heading compared as a user sees it: case and runs of spaces aside."""
    return " ".join(text.split()).lower()


MAX_TITLE_LINES = 5


def _filled_fields(line: str) -> int:
    """The non-empty fields of a line split by its separator: semicolon or tab when it has one (a title written
    «Saksrapport, november 2026;;;;» is one field), else comma."""
    seps = [sep for sep in (";", "\t") if sep in line] or [","]
    return max(sum(1 for f in next(csv.reader([line], delimiter=sep), []) if f.strip()) for sep in seps)


def _below_title_lines(text: str, start: int) -> int:
    """Where the header starts, below title lines («Saksrapport oktober 2026;;;;», or a small form such as
    «Saksrapport;Fjellvik kommune;;;;»), as a sheet with a title saved as CSV has them: the first line a format
    recognises as its header, else the first line with two or more filled cells, as in an XLSX (`read_xlsx_sheet`).
    A title line was said «mangler overskriftsraden» of a header one line further down. A title is not data, but it
    is checked for a fødselsnummer like the rest of the file."""
    from pipelines.quality.person_data import holds_fodselsnummer

    at = start
    passed: list[tuple[int, str]] = []
    header = None
    for _ in range(MAX_TITLE_LINES):
        end = text.find("\n", at)
        if end < 0:
            break
        line = text[at:end]
        if len(line) > MAX_HEADER_CHARS:  # not a title: said of as the header (`sniff_separator`)
            header = at if header is None else header
            break
        if _filled_fields(line) >= 2:
            if _recognised(_csv_header(line)):
                header = at
                break
            header = at if header is None else header
        passed.append((at, line))
        at = _BLANK_LINES.match(text, end + 1).end()
        if _NOT_SPACE.search(text, at) is None:
            break
    header = start if header is None else header
    if any(holds_fodselsnummer(line) for where, line in passed if where < header):
        raise PersonDataError("Tittellinjen over overskriftene inneholder noe som ser ut som et fødselsnummer. "
                              "Lageret tar ikke imot personopplysninger; ingenting fra filen er lastet eller tatt "
                              "vare på.")
    return header


def _csv_header(line: str) -> list[str]:
    """A CSV line's fields as `read_csv_sheet` names the columns, split by the separator that gives the most."""
    fields = max((next(csv.reader([line], delimiter=sep), []) for sep in (";", "\t", ",")), key=len)
    return [f.strip().strip('"') for f in fields]


def _recognised(columns: list[str]) -> bool:
    """Whether a format the product reads takes `columns` for its header (`pipelines.registry`)."""
    from pipelines import registry

    return any(source.detect(columns) for source in registry.SOURCES)


def _csv_trouble(body: bytes, sep: str, header_row: int) -> str:
    """Where a CSV that Polars refused goes wrong, as a row number Excel shows (`header_row`: the header's) and
    what to do; never the row's content. Only read for a file that failed, so Python's slower reader will do.
    Rows are counted as records, as Excel shows them: a quoted line break stays inside its row."""
    reader = csv.reader(io.StringIO(body.decode("utf-8", errors="replace"), newline=""), delimiter=sep,
                        quotechar='"', strict=True)
    row = header_row
    try:
        width = len(next(reader))
        for fields in reader:
            row += 1
            if len(fields) > width:
                return (f"rad {row} har {len(fields)} felt, men overskriftsraden har {width}. "
                        f"Sjekk skilletegnene i den raden, eller sett anførselstegn (\") rundt et felt med "
                        f"{_sep_name(sep)} i.")
    except csv.Error as exc:  # Python's own words (English) only choose which Norwegian one to say
        if "field limit" in str(exc):
            return f"rad {row + 1} har et felt på over {csv.field_size_limit() // 1000} 000 tegn."
        if "end of data" in str(exc) or "EOF" in str(exc):
            return (f"et anførselstegn (\") i rad {row + 1} lukkes ikke, så resten av filen blir ett felt. "
                    "Fjern det, eller sett anførselstegn rundt hele feltet.")
        return (f"et anførselstegn (\") i rad {row + 1} står inne i et felt. Sett anførselstegn rundt hele feltet "
                "(og to anførselstegn for ett inne i det), eller fjern det.")
    return "sjekk at alle rader har like mange felt som overskriftsraden, og at anførselstegn (\") står parvis."


def _blank(table: pl.DataFrame, width: int | None = None) -> pl.Expr:
    """True for a row whose first `width` cells (all by default) are empty: null, or text of nothing but spaces.

    Columns are taken by place: a header may be «*» or look like a pattern, which `pl.col` would expand.
    """
    dtypes = table.dtypes[:width]
    return pl.all_horizontal(
        pl.nth(i).is_null() | (pl.nth(i).str.strip_chars() == "") if dtype == pl.String else pl.nth(i).is_null()
        for i, dtype in enumerate(dtypes)
    )


def blank_row_positions(table: pl.DataFrame) -> pl.Series:
    """The positions (from 0) of the rows that hold nothing: every cell empty or blank.

    Looks at every cell only of the rows whose first cell is empty, so a national file is one column's scan.
    """
    if not table.width or table.is_empty():
        return pl.Series("pos", [], dtype=pl.UInt32)
    candidates = table.select(_blank(table, 1)).to_series().arg_true()
    if candidates.is_empty():
        return candidates.alias("pos")
    return candidates.filter(table[candidates].select(_blank(table)).to_series()).alias("pos")


def without_trailing_blank_rows(table: pl.DataFrame) -> pl.DataFrame:
    """The table without the rows at its end that hold nothing (every cell empty or blank).

    A blank line at the end of a CSV, or a line of bare separators where Excel saved cells that once held
    something, is not a row of data: it would be refused as one («Organisasjonsnummeret mangler (rad 651)»).
    Only trailing rows go, so every other row keeps its number; an empty row among the data is left out by the
    readers once rows are numbered (`blank_row_positions`). Looks at the end only.
    """
    if not table.width:
        return table
    blank = _blank(table)
    look = 16
    while True:
        tail = table.tail(look)
        filled = tail.select(~blank).to_series().arg_true()
        if filled.len():
            return table.head(table.height - tail.height + int(filled[-1]) + 1)
        if tail.height == table.height:
            return table.clear()
        look *= 4


def read_json_text(text: str) -> pl.DataFrame:
    """An export-API page (a JSON array of flat objects) as a table of strings."""
    with _no_gc():
        return _read_json(text)


class NotUtf8Json(ValueError):
    """The bytes are not valid UTF-8 JSON as they stand (decode them first, or they are not JSON)."""


def read_json_bytes(raw: bytes) -> pl.DataFrame:
    """`read_json_text` straight from UTF-8 bytes; raises NotUtf8Json when they do not parse as they are."""
    table = read_export_json(raw) if len(raw) >= DUCKDB_JSON_MIN_BYTES else None
    if table is not None:
        return table
    return read_json_objects(raw)


DUCKDB_JSON_MIN_BYTES = 8 * 1024 * 1024
"""From this size DuckDB reads an export page faster than Python does (it pays about 40 ms to start)."""
JSON_SAMPLE_ROWS = 2048
"""Objects DuckDB looks at to find the columns and their types (`read_export_json`)."""


def read_export_json(raw: bytes) -> pl.DataFrame | None:
    """The export API's own shape read by DuckDB's JSON reader, or None for any other shape.

    The export is one array of flat objects, all with the same keys and text values. Parsing it into Python objects
    first (`read_json_objects`) takes 1.7 s for a 150 MB page, DuckDB 0.6 s. DuckDB is asked only what it cannot get
    wrong: the columns it found must be the first object's keys, every column text (a column null throughout the
    sample, which DuckDB would type as NULL and empty, is not), and a key it did not see in the sample stops it. On
    anything else, or any error, the general reader reads the file or says in Norwegian what is wrong with it.
    """
    if not hasattr(os, "memfd_create") or not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return None
    if not raw.rstrip(b" \t\r\n").endswith(b"]"):
        return None  # DuckDB reads the rows of a page cut off after a comma and stops there, without a word
    fd = os.memfd_create("skolemiljo-json")  # the bytes as a file DuckDB can open, in memory
    try:
        with os.fdopen(os.dup(fd), "wb") as file:
            file.write(raw)
        path = f"/proc/self/fd/{fd}"
        with duckdb.connect() as con:
            keys = con.sql(f"SELECT json_keys(json) FROM read_json_objects('{path}', format='array') LIMIT 1").fetchall()
            rel = con.sql(f"SELECT * FROM read_json('{path}', format='array', sample_size={JSON_SAMPLE_ROWS})")
            if not keys or keys[0][0] != rel.columns or any(str(t) != "VARCHAR" for t in rel.types):
                return None  # (JSON, a mix of text and numbers, is text in Polars: only DuckDB's types tell)
            table = rel.pl()
    except (duckdb.Error, UnicodeDecodeError):  # a byte that is not UTF-8 in a key: DuckDB's Python side raises
        return None
    finally:
        os.close(fd)
    if table.is_empty():
        return None
    return table.with_columns(pl.all().str.strip_chars())


def read_json_objects(raw: bytes) -> pl.DataFrame:
    """Any JSON array (or an object holding one array) of objects, through Python objects.

    An array of flat objects whose every value is text (the export API's own shape) is read by Polars in one pass
    instead (a 7 MB page of table 151: 110 → 73 ms).
    """
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    flat = _flat_text_table(raw)
    if flat is not None:
        return flat
    with _no_gc():
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise NotUtf8Json(str(exc)) from exc
        return _table_of(data)


def _flat_text_table(raw: bytes) -> pl.DataFrame | None:
    """The array of flat text-valued objects `raw` holds, read by Polars; None for anything else.

    Numbers, booleans, nested values, a column of nulls only, an array inside an object, an empty array, broken
    JSON, and rows whose keys differ from the first row's (Polars would give the columns in an order of its own)
    are all left to the Python path, which reads or explains them as it always has. Every row's keys count
    (`infer_schema_length=None`), so a key that first appears late is not lost.
    """
    start = raw.find(b"{")
    end = raw.find(b"}", start)
    try:  # the first object alone, for the order of its keys (a «}» inside one of its texts: not this path)
        first = orjson.loads(raw[start:end + 1]) if 0 <= start < end else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(first, dict) or raw[:start].strip() != b"[":
        return None
    try:
        table = pl.read_json(raw, infer_schema_length=None)
    except (pl.exceptions.PolarsError, ValueError, pl.exceptions.PanicException):
        return None
    if table.is_empty() or any(dtype != pl.String for dtype in table.dtypes) or table.columns != list(first):
        return None
    return table.with_columns(pl.all().str.strip_chars())


@contextlib.contextmanager
def _no_gc():
    """Millions of small objects at once: Python's cycle collector would walk them again and again (≈ 30 %)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read_json(text: str) -> pl.DataFrame:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        try:  # orjson refuses what the standard allows (integers over 64 bits, say); the standard says where
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if _cut_off(text, exc):
                raise IngestError(
                    "Filen slutter midt i innholdet: den ser ut til å være kuttet av, for eksempel en nedlasting som "
                    f"ble avbrutt (den stopper på linje {exc.lineno}). Last den ned på nytt og last inn den nye."
                ) from exc
            raise IngestError(f"Filen er ikke gyldig JSON (linje {exc.lineno}, kolonne {exc.colno}): den kan være "
                              "skadet eller en annen filtype med navnet .json.") from exc
    return _table_of(data)


def _cut_off(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether the JSON stops before its end (a download cut off), not wrong somewhere inside: the parser ran out of
    text, or a string it began never ends. A skolesjef read «linje 11767, kolonne 22» and had nothing to act on."""
    end = len(text.rstrip())
    return exc.pos >= end - 1 or (exc.msg.startswith("Unterminated string") and '"' not in text[exc.pos + 1:])


def _table_of(data: object) -> pl.DataFrame:
    if isinstance(data, dict):
        # Some saved pages wrap the array; take the one list of objects inside.
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise IngestError("JSON-filen må være en liste med rader (slik eksport-API-et leverer).")
        data = lists[0]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise IngestError("JSON-filen må være en liste med rader (slik eksport-API-et leverer).")
    if not data:
        raise IngestError("JSON-filen inneholder ingen rader.")
    columns = list(dict.fromkeys(itertools.chain.from_iterable(data)))
    schema = {c: pl.String for c in columns}
    try:  # flat values: Polars turns numbers and booleans into text itself
        return pl.from_dicts(data, schema=schema).with_columns(pl.all().str.strip_chars())
    except (pl.exceptions.PolarsError, TypeError, ValueError, OverflowError):
        pass  # nested objects or lists in a cell: each value as text, one by one
    values = {
        col: [_as_text(row.get(col)) for row in data]
        for col in columns
    }
    return pl.DataFrame(values, schema=schema)


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    if isinstance(value, dict | list):  # as JSON text, the way DuckDB's reader gives it (`read_export_json`)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value).strip()


def _sep_name(sep: str) -> str:
    return {";": "semikolon", ",": "komma", "\t": "tabulator"}.get(sep, sep)


def is_suppressed(col: str) -> pl.Expr:
    """True where the publisher hid the value on purpose."""
    return pl.col(col).str.strip_chars().is_in(list(SUPPRESSED_MARKERS)).fill_null(False)


def number(col: str) -> pl.Expr:
    """The one Norwegian number parser: `4,1`, `5 943` (space/no-break space), `-0,5`, `1.234,5`.

    Suppression markers and missing markers give null; use `is_suppressed` to tell them apart.
    Text that is none of these also gives null; `unparseable` finds it for error messages.
    """
    cleaned = pl.col(col).str.strip_chars()
    for space in _SPACES:
        cleaned = cleaned.str.replace_all(space, "", literal=True)
    # "1.234,5": dots are thousands separators when a comma is the decimal mark.
    cleaned = (
        pl.when(cleaned.str.contains(",", literal=True))
        .then(cleaned.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(cleaned)
    )
    return cleaned.cast(pl.Float64, strict=False)


_THOUSANDS_GROUPS = r"^-?[1-9]\d{0,2}(?:\.\d{3})+$|^-?[1-9]\d{0,2}(?:,\d{3})+$"
"""«1.987», «54.000», «1,987»: thousands groups as Excel in another locale (or a `#.##0` cell) writes them."""


def count(col: str) -> pl.Expr:
    """A column that can only hold whole counts (answers, respondents): `number`, except that «1.987» or «1,987»
    is 1987. In a count it cannot be a decimal, and read as one it was rounded to 2, which hid the group as
    «færre enn 10 svar». A count that is still not whole is for the reader to refuse (`not_whole`), never to round.
    """
    cleaned = pl.col(col).str.strip_chars()
    for space in _SPACES:
        cleaned = cleaned.str.replace_all(space, "", literal=True)
    return (
        pl.when(cleaned.str.contains(_THOUSANDS_GROUPS))
        .then(cleaned.str.replace_all(r"[.,]", "").cast(pl.Float64, strict=False))
        .otherwise(number(col))
    )


COUNT_NOT_WHOLE = "Antallet må være et helt tall (f.eks. 1987 eller 1 987), ikke et tall med desimaler"


def not_whole(col: str) -> pl.Expr:
    """True where a count column (`count`) holds a number with decimals left, such as «1987,5»."""
    value = count(col)
    return (value != value.round(0)).fill_null(False)


def unparseable(col: str) -> pl.Expr:
    """True where the cell has text that is neither a number nor a known marker."""
    raw = pl.col(col).str.strip_chars()
    known = raw.is_null() | raw.is_in(list(SUPPRESSED_MARKERS) + list(MISSING_MARKERS))
    return (~known) & number(col).is_null()


def parse_python_number(text: str | None) -> float | None:
    """The same rules for one value, for places outside a frame."""
    return pl.DataFrame({"v": [text]}, schema={"v": pl.String}).select(number("v")).item()


MAX_XLSX_UNPACKED = 200 * 1024 * 1024
"""An XLSX is a zip; refuse one that would unpack to more than this (a zip bomb or not a template)."""


def read_xlsx(raw: bytes, sheet: str | None = None) -> pl.DataFrame:
    """An XLSX file as a table of strings (see `read_xlsx_sheet`)."""
    return read_xlsx_sheet(raw, sheet).table


def _scales_percent(number_format: str | None) -> bool:
    """Whether Excel shows a number × 100 with «%» (`0%`, `0.0 %`), not a «%» written as text after it (`0" %"`,
    `0\\%`): only the first stores 85 % as 0.85."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format or "")


def _lost_zero_fodselsnummer(value: object) -> bool:
    """A fødselsnummer typed into Excel as a number: born on the 1st to the 9th, it loses its leading 0 and stands
    as 10 digits (05031210099 → 5031210099), which the check for 11 digits did not see."""
    from pipelines.quality.person_data import lost_zero

    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 10**9 <= value < 10**10 and lost_zero(str(value))


def _other_sheets(book, data_sheet: str, text, header: list[str] | None) -> tuple[tuple[str, str] | None, list[str]]:
    """What the sheets beside the data sheet hold: (sheet, cell) of a fødselsnummer on any of them (the guide, the
    code lists, a rektor's own notes: only the data sheet is read, but the whole file is archived), and the sheets
    headed as the data sheet is (November's rows on a sheet of their own, which would be left out unseen). The
    unpacked size is already limited."""
    from openpyxl.utils import get_column_letter

    from pipelines.quality.person_data import holds_fodselsnummer

    same_header: list[str] = []
    wanted = [h.strip().lower() for h in header] if header else None
    for other in book.worksheets:
        if other.title == data_sheet:
            continue
        headed = False
        for r, values in enumerate(other.iter_rows(values_only=True), start=1):
            cells = [text(value) for value in values]
            for c, cell in enumerate(cells, start=1):  # a number that lost its leading 0 too (as text, 10 digits)
                if cell and any(ch.isdigit() for ch in cell) and holds_fodselsnummer(cell):
                    return (other.title, f"{get_column_letter(c)}{r}"), same_header
            if not headed and sum(1 for cell in cells if cell) >= 2:
                headed = True
                filled = [cell.strip().lower() for cell in cells if cell]
                if wanted and filled == [h for h in wanted if not h.startswith("kolonne_")]:
                    same_header.append(other.title)
    return None, same_header


HEADER_WITHIN = 30
"""A data sheet's header is among its first rows; a sheet without one there is a cover sheet or notes."""


def _has_header(ws) -> bool:
    """Whether one of the sheet's first rows has two or more filled cells (a streamed look: a sheet is read once)."""
    return any(sum(1 for v in row if v is not None and str(v).strip()) >= 2
               for row in ws.iter_rows(max_row=HEADER_WITHIN, values_only=True))


def _header_at(rows: list[list[str | None]]) -> int | None:
    """Which of a sheet's first rows is its header: the first a format recognises (below a title, or a small form
    such as «Skole:» | «Fjellvik kommune»), else the first with two or more filled cells; None when none has."""
    headed = (i for i, cells in enumerate(rows) if sum(1 for c in cells if c) >= 2)
    first = next(headed, None)
    for i in itertools.chain([first], headed):
        if i is None or i >= HEADER_WITHIN:
            break
        if _recognised([c or f"kolonne_{n + 1}" for n, c in enumerate(rows[i])]):
            return i
    return first


def _fodselsnummer_above(sheet: str, rows: list[list[str | None]]) -> tuple[str, str] | None:
    """(sheet, cell) of a fødselsnummer in the title rows above the header: they are not read, but they are kept."""
    from openpyxl.utils import get_column_letter

    from pipelines.quality.person_data import holds_fodselsnummer

    for r, cells in enumerate(rows, start=1):
        for c, cell in enumerate(cells, start=1):
            if cell and any(ch.isdigit() for ch in cell) and holds_fodselsnummer(cell):
                return sheet, f"{get_column_letter(c)}{r}"
    return None


def _template_sheets() -> set[str]:
    """The data sheets of the product's templates, in lower case («saker», «møter», «programstatus»)."""
    from pipelines.templates import programstatus, saker, teammoter

    return {m.DATA_SHEET.lower() for m in (programstatus, saker, teammoter)}


def read_xlsx_sheet(raw: bytes, sheet: str | None = None) -> Sheet:
    """The product's XLSX templates read back as a table of strings.

    The data sheet is `sheet`, else a template's data sheet («Saker», «Møter», «Programstatus»), else the first sheet
    whose name is not an instruction sheet ("Veiledning", "Koder", "Lister") and has a header: the first row a format
    recognises (`_header_at`), else the first row with two or more filled cells.
    """
    import datetime as dt
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    # A damaged zip can also claim a version or a compression zipfile does not know (NotImplementedError), or end
    # inside a header (EOFError): the same answer.
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        raise IngestError("Filen har endelsen .xlsx, men er ikke en gyldig Excel-fil.") from exc
    if unpacked > MAX_XLSX_UNPACKED:
        raise IngestError(
            f"Excel-filen pakker seg ut til {unpacked // (1024 * 1024)} MB, mer enn grensen på "
            f"{MAX_XLSX_UNPACKED // (1024 * 1024)} MB. Bruk malen, eller lagre som CSV."
        )
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        # not `exc`: openpyxl's message may quote the file's content
        raise IngestError("Excel-filen kunne ikke leses; den kan være skadet eller passordbeskyttet. Åpne den i Excel "
                          "og lagre den på nytt, eller lagre arket som CSV.") from exc
    skip = {"veiledning", "koder", "lister", "instruksjon"}
    names = [n for n in book.sheetnames if n.strip().lower() not in skip]
    # A template's own data sheet first, wherever the user put it (a «Forside» added in front of «Saker»)
    names.sort(key=lambda n: n.strip().lower() not in _template_sheets())
    if sheet:
        names = [n for n in book.sheetnames if n == sheet]
    if not names:
        raise IngestError("Fant ikke noe dataark i Excel-filen.")
    if len(names) > 1:  # a cover sheet of a title and a line or two in front of the data: the first with a header
        names.sort(key=lambda n: not _has_header(book[n]))
    ws = book[names[0]]

    def text(value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def shown(cell) -> str | None:
        """The cell as the user sees it where it matters: «85 %» typed in Excel is stored as 0.85 in a cell formatted
        as a percentage, and read as 0.85 it was a share of 0.85 % (a programme's staff trained, an Ungdata share)."""
        value = getattr(cell, "value", None)
        if isinstance(value, int | float) and not isinstance(value, bool) and _scales_percent(
                getattr(cell, "number_format", None)):
            return text(round(value * 100, 10))
        return text(value)

    header: list[str] | None = None
    header_row = 1
    rows: list[list[str | None]] = []
    found: tuple[str, str] | None = None
    more_data: list[str] = []
    try:
        # The sheet is read as a stream: a damaged sheet only shows itself here, row by row. Empty rows come too
        # (openpyxl fills the gaps), so the count is Excel's.
        sheet_rows: list[list[str | None]] = []
        for number, row in enumerate(ws.iter_rows(), start=1):
            lost_zero = next((c for c, cell in enumerate(row, start=1)
                              if _lost_zero_fodselsnummer(getattr(cell, "value", None))), None)
            if lost_zero is not None:
                from openpyxl.utils import get_column_letter

                found = (ws.title, f"{get_column_letter(lost_zero)}{number}")
                break
            sheet_rows.append([shown(cell) for cell in row])
        at = None if found else _header_at(sheet_rows)
        if at is not None:
            found = _fodselsnummer_above(ws.title, sheet_rows[:at])
            header = [c or f"kolonne_{i + 1}" for i, c in enumerate(sheet_rows[at])]
            header_row = at + 1
            # Every row, empty ones too, so that each keeps its place: the readers leave empty rows out after
            # numbering them (`blank_row_positions`), and an error names the row the user sees.
            rows = [(cells + [None] * len(header))[: len(header)] for cells in sheet_rows[at + 1:]]
        if found is None:
            found, more_data = _other_sheets(book, ws.title, text, header)
    except Exception as exc:  # openpyxl and the XML parser raise many kinds for a damaged sheet
        raise IngestError(
            f"Excel-filen er skadet eller ufullstendig og kan ikke leses ({type(exc).__name__}). "
            "Åpne den i Excel og lagre på nytt, eller lagre som CSV."
        ) from exc
    finally:
        book.close()
    if found:
        raise PersonDataError(
            f"Arket «{found[0]}», celle {found[1]}, inneholder noe som ser ut som et fødselsnummer. Lageret tar ikke "
            "imot personopplysninger; ingenting fra filen er lastet eller tatt vare på."
        )
    if more_data:
        named = ", ".join(f"«{n}»" for n in [ws.title, *more_data])
        raise IngestError(
            f"Excel-filen har rader med samme overskrifter på flere ark ({named}), men bare ett ark leses: resten ville "
            "blitt borte uten at du fikk vite det. Samle radene på ett ark, eller lagre hvert ark som en egen fil."
        )
    if header is not None and len(set(header)) < len(header):
        twice = sorted({h for h in header if header.count(h) > 1})
        raise IngestError(f"Overskriftsraden har samme kolonnenavn flere ganger: {', '.join(twice)}.")
    if header is None:
        raise IngestError("Excel-filen har ingen overskriftsrad" + (
            "." if len(names) < 2 else f" på noen av arkene ({', '.join(f'«{n}»' for n in names)})."))
    # Columns without a heading at the right edge are Excel's empty columns, unless something is written in them:
    # then they stay (as «kolonne_N»), so the person-data check and the templates' column check see them.
    while header and header[-1].startswith("kolonne_") and not any(r[len(header) - 1] for r in rows):
        header.pop()
        rows = [r[: len(header)] for r in rows]
    table = without_trailing_blank_rows(pl.DataFrame(rows, schema={h: pl.String for h in header}, orient="row"))
    return Sheet(table, header_row + 1, spreadsheet=True)
