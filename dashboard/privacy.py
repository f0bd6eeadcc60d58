"""The one place that decides which survey values a viewer may see; every query passes its rows through here."""

from __future__ import annotations

import polars as pl

from dashboard.viewer import Viewer

REASON_SOURCE = "Skjermet av Udir (for få svar)"
REASON_FEW = "Skjult: færre enn {n} svar"
REASON_MISSING = "Ingen data"


def protected_rows(frame: pl.DataFrame, viewer: Viewer) -> pl.Expr:
    """True for rows the viewer sees at the protected level (everything but their full-detail schools)."""
    full = viewer.full_detail_schools()
    if full is None:
        return pl.lit(False)
    if "orgnr" not in frame.columns or not full:
        return pl.lit(True)
    return ~pl.col("orgnr").is_in(sorted(full)).fill_null(False)


def threshold_expr(frame: pl.DataFrame, viewer: Viewer) -> pl.Expr:
    """Each row's threshold: its municipality's own setting, else the viewer's default."""
    if not viewer.thresholds or "kommunenr" not in frame.columns:
        return pl.lit(viewer.min_respondents)
    return pl.col("kommunenr").replace_strict(dict(viewer.thresholds), default=viewer.min_respondents,
                                              return_dtype=pl.Int64)


def protect_survey(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """Null out values the viewer may not see and say why in `skjult_grunn`.

    Source-suppressed values stay hidden for everyone, and nothing is ever re-derived from totals. At the
    protected level (see `Viewer`), values with fewer than `viewer.min_respondents` respondents are hidden too.
    Where the source published no respondent count (old Skoleporten files), the source's own suppression is what
    protects the value.
    """
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("skjult_grunn"))
    limit = threshold_expr(frame, viewer)
    few = pl.format("Skjult: færre enn {} svar", limit)
    n = pl.col("antall_besvart")
    reason = (
        pl.when(pl.col("skjermet"))
        .then(pl.lit(REASON_SOURCE))
        .when(protected_rows(frame, viewer) & n.is_not_null() & (n < limit))
        .then(few)
        .when(pl.col("verdi").is_null())
        .then(pl.lit(REASON_MISSING))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    out = frame.with_columns(reason.alias("skjult_grunn"))
    out = out.with_columns(
        pl.when(pl.col("skjult_grunn").is_not_null()).then(None).otherwise(pl.col("verdi")).alias("verdi"),
    )
    if "standardavvik" in out.columns:
        out = out.with_columns(
            pl.when(pl.col("skjult_grunn").is_not_null()).then(None).otherwise(pl.col("standardavvik")).alias("standardavvik")
        )
    return out


FHI_FLAG_REASON = {
    1: "Manglende data («..»)",
    2: "Kan ikke beregnes («.»)",
    3: "Anonymisert av kilden («:»)",
    4: "Ikke tilgjengelig («-»)",
}


def protect_share(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """The same rule for Ungdata shares: source-anonymised stays hidden, fewer than N answers is hidden.

    Expects `andel`, `antall_svar`, `skjermet` and `flagg` (FHI's flag, may be null).
    """
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("skjult_grunn"))
    limit = threshold_expr(frame, viewer)
    few = pl.format("Skjult: færre enn {} svar", limit)
    n = pl.col("antall_svar")
    flag = pl.col("flagg")
    reason = (
        pl.when(flag.is_not_null() & (flag != 0))
        .then(flag.replace_strict(FHI_FLAG_REASON, default="Ikke publisert", return_dtype=pl.String))
        .when(pl.col("skjermet"))
        .then(pl.lit("Holdt tilbake av kilden (for få svar)"))
        .when(protected_rows(frame, viewer) & n.is_not_null() & (n < limit))
        .then(few)
        .when(pl.col("andel").is_null())
        .then(pl.lit(REASON_MISSING))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    out = frame.with_columns(reason.alias("skjult_grunn"))
    return out.with_columns(
        pl.when(pl.col("skjult_grunn").is_not_null()).then(None).otherwise(pl.col("andel")).alias("andel")
    )


SMALL_COUNT_LABEL = "1–4"
SECONDARY_LABEL = "skjult"


def protect_counts(cells: list[list[int]], min_count: int = 5) -> tuple[list[list[str]], list[list[bool]]]:
    """Small-number protection for a table of counts with its row and column totals.

    `cells` is rows × columns of non-negative counts. Returns the text to show for the table
    extended with a total column and a total row (so (r+1) × (c+1)), and which of those cells are
    hidden. Counts from 1 to `min_count - 1` show as "1–4" (primary suppression). Then, while
    any row or column (totals included) has exactly one hidden cell, the smallest other cell of
    that line is hidden too ("skjult"), so no hidden value equals a shown total minus shown cells.
    """
    n_rows, n_cols = len(cells), len(cells[0]) if cells else 0
    full = [[*row, sum(row)] for row in cells]
    full.append([sum(cells[r][c] for r in range(n_rows)) for c in range(n_cols)] + [sum(map(sum, cells))])
    hidden = [[0 < v < min_count for v in row] for row in full]
    secondary = [[False] * (n_cols + 1) for _ in range(n_rows + 1)]

    def lines():
        # Each line: the cells that add up to its total, and the total's position last.
        for r in range(n_rows + 1):
            yield [(r, c) for c in range(n_cols + 1)]
        for c in range(n_cols + 1):
            yield [(r, c) for r in range(n_rows + 1)]

    changed = True
    while changed:
        changed = False
        for line in lines():
            hidden_here = [p for p in line if hidden[p[0]][p[1]]]
            if len(hidden_here) != 1:
                continue
            candidates = [p for p in line if not hidden[p[0]][p[1]]]
            if not candidates:
                continue
            r, c = min(candidates, key=lambda p: (full[p[0]][p[1]] == 0, full[p[0]][p[1]], p))
            hidden[r][c] = True
            secondary[r][c] = True
            changed = True
    text = [
        [
            (SECONDARY_LABEL if secondary[r][c] else SMALL_COUNT_LABEL) if hidden[r][c] else str(full[r][c])
            for c in range(n_cols + 1)
        ]
        for r in range(n_rows + 1)
    ]
    return text, hidden
