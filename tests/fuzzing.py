"""Malformed versions of real files, for the readers' fuzz tests: each mutation is one way files go wrong in practice."""

from __future__ import annotations

import io
import json
import random
import zipfile

MUTATIONS = (
    "truncate", "latin1", "utf16", "comma", "tab", "shuffle_columns", "drop_column", "stars", "huge_numbers",
    "empty", "only_header", "long_line", "garbage", "duplicate_header", "blank_cells", "negative",
)


def _is_json(raw: bytes) -> bool:
    return raw.lstrip()[:1] in (b"[", b"{")


def _csv_lines(raw: bytes) -> tuple[list[str], str, str]:
    text = raw.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    sep = ";" if lines and lines[0].count(";") >= lines[0].count(",") else ","
    return lines, sep, text


def mutate(raw: bytes, kind: str, rng: random.Random) -> bytes:
    """`raw` (a CSV or JSON export) broken in the way `kind` names."""
    if kind == "truncate":
        return raw[: rng.randrange(1, max(2, len(raw)))]
    if kind == "latin1":
        return raw.decode("utf-8", errors="replace").encode("latin-1", errors="replace")
    if kind == "utf16":
        return raw.decode("utf-8", errors="replace").encode("utf-16")
    if kind == "empty":
        return b""
    if kind == "long_line":
        return b"x" * (10 * 1024 * 1024)
    if kind == "garbage":
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
    if _is_json(raw):
        return _mutate_json(raw, kind, rng)
    return _mutate_csv(raw, kind, rng)


def _mutate_json(raw: bytes, kind: str, rng: random.Random) -> bytes:
    rows = json.loads(raw)
    if not isinstance(rows, list) or not rows:
        return raw
    keys = list(rows[0])
    if kind == "only_header":
        rows = []
    elif kind in ("drop_column", "shuffle_columns", "duplicate_header"):
        victim = rng.choice(keys)
        if kind == "drop_column":
            rows = [{k: v for k, v in r.items() if k != victim} for r in rows]
        elif kind == "shuffle_columns":
            order = keys[:]
            rng.shuffle(order)
            rows = [{k: r.get(k) for k in order} for r in rows]
        else:
            rows = [{**r, victim.upper(): r.get(victim)} for r in rows]
    else:
        for r in rows:
            key = rng.choice(keys)
            r[key] = {"stars": "*", "huge_numbers": "9" * rng.choice((20, 400)), "blank_cells": "",
                      "negative": "-" + str(r.get(key) or 1), "comma": str(r.get(key)).replace(",", ".")}.get(kind, r[key])
    return json.dumps(rows, ensure_ascii=False).encode()


def _mutate_csv(raw: bytes, kind: str, rng: random.Random) -> bytes:
    lines, sep, text = _csv_lines(raw)
    if not lines:
        return raw
    cells = [line.split(sep) for line in lines]
    width = len(cells[0])
    if kind == "comma":
        return "\n".join(",".join(c) for c in cells).encode()
    if kind == "tab":
        return "\n".join("\t".join(c) for c in cells).encode()
    if kind == "only_header":
        return (lines[0] + "\n").encode()
    if kind in ("shuffle_columns", "drop_column", "duplicate_header") and width > 1:
        order = list(range(width))
        if kind == "shuffle_columns":
            rng.shuffle(order)
        elif kind == "drop_column":
            order.pop(rng.randrange(width))
        else:
            order.append(rng.randrange(width))
        cells = [[c[i] if i < len(c) else "" for i in order] for c in cells]
        return "\n".join(sep.join(c) for c in cells).encode()
    for row in cells[1:]:
        if not row:
            continue
        i = rng.randrange(len(row))
        row[i] = {"stars": "*", "huge_numbers": "9" * rng.choice((20, 400)), "blank_cells": "",
                  "negative": "-" + row[i]}.get(kind, row[i])
    return "\n".join(sep.join(c) for c in cells).encode()


def zip_bomb() -> bytes:
    """An «XLSX» whose one sheet inflates to about 1 GB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"0" * (1024 * 1024)
            for _ in range(1024):
                f.write(chunk)
    return out.getvalue()
