"""The one place that decides which survey values a viewer may see; every query passes its rows through here."""

from __future__ import annotations

import polars as pl

from dashboard.viewer import Viewer

REASON_SOURCE = "Skjermet av Udir (for få svar)"
REASON_FEW = "Skjult: færre enn {n} svar"
REASON_MISSING = "Ingen data"
REASON_SECONDARY = "Skjult: kunne ellers regnes ut fra tallene som vises"

SURVEY_CELL = ["skoleaar", "indikator_kode", "kommunenr", "orgnr", "trinn", "kjonn"]
"""A survey value's place: `orgnr` null is the municipality's own row (the nation's has no `kommunenr`), `trinn`
null all trinn."""


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


def _too_few(frame: pl.DataFrame, viewer: Viewer, answers: str = "antall_besvart") -> pl.Expr:
    """Rows seen at the protected level with fewer answers than the municipality's threshold."""
    n = pl.col(answers)
    return protected_rows(frame, viewer) & n.is_not_null() & (n < threshold_expr(frame, viewer))


def _primary_hidden(frame: pl.DataFrame, viewer: Viewer) -> pl.Expr:
    """The rows `protect_survey` hides on their own: hidden by the source, or too few answers at the protected level."""
    return pl.col("skjermet") | _too_few(frame, viewer)


def secondary_survey(cube: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """The survey values to hide as well, so that no value hidden for few answers follows from those shown.

    `cube` is every row of one municipality (its own rows and its schools', every trinn and kjønn). A municipality's
    value is its schools' pupils together, «alle» is jenter and gutter together, and «all trinn» is the trinn
    together: with the answer counts shown, a line of such values with one hidden member gives it away (the
    municipality's share less the other schools'). While some line has exactly one hidden value the viewer does not
    know, the smallest other value of that line that the viewer does not see in full is hidden too, as Udir does for
    its own suppression. A line whose one hidden value was hidden by Udir is Udir's (it published the rest). Rows the
    viewer sees in full (a rektor's own school) count as known. Returns the `SURVEY_CELL` keys to hide.
    """
    if cube.is_empty():
        return cube.select(SURVEY_CELL)
    rows = cube.with_columns(
        _primary_hidden(cube, viewer).alias("_skjult"),
        pl.col("skjermet").alias("_kilden"),
        (~protected_rows(cube, viewer)).alias("_kjent"),
        pl.col("antall_besvart").fill_null(0).alias("_n"),
    ).with_row_index("_i")
    base = ["skoleaar", "indikator_kode"]
    lines = [(base + ["trinn", "kjonn"], None), (base + ["orgnr", "trinn"], None), (base + ["orgnr", "kjonn"], None)]
    added = _more_to_hide(rows, lines)
    return rows.filter(pl.col("_i").is_in(sorted(added))).select(SURVEY_CELL)


def _more_to_hide(rows: pl.DataFrame, lines: list[tuple[list[str], pl.Expr | None]]) -> list[int]:
    """The secondary suppression itself: which more rows (`_i`) to hide so that no line has a lone hidden value.

    `rows` has `_i`, `_skjult` (hidden on its own), `_kilden` (hidden by the source), `_kjent` (seen in full by the
    viewer) and `_n` (answers). A line is the rows sharing `keys` (among those `where` picks). While a line has exactly
    one hidden value the viewer does not know, hidden by us and not by the source, the other value of it with the
    fewest answers that the viewer does not know is hidden too; until no line changes.
    """
    unknown_hidden = pl.col("_skjult") & ~pl.col("_kjent")
    added: list[int] = []
    while True:  # a value hidden in one kind of line can be the lone hidden value of a line of another kind
        before = len(added)
        for keys, where in lines:
            part = rows if where is None else rows.filter(where)
            at_risk = (
                part.group_by(keys)
                .agg(pl.len().alias("_medlemmer"), unknown_hidden.sum().alias("_ukjente"),
                     (unknown_hidden & pl.col("_kilden")).sum().alias("_fra_kilden"))
                .filter((pl.col("_medlemmer") > 1) & (pl.col("_ukjente") == 1) & (pl.col("_fra_kilden") == 0))
                .select(keys)
            )
            if at_risk.is_empty():
                continue
            picks = (
                part.filter(~pl.col("_skjult") & ~pl.col("_kjent"))
                .join(at_risk, on=keys, nulls_equal=True)
                .sort("_n", "_i")
                .group_by(keys, maintain_order=True)
                .agg(pl.col("_i").first())["_i"]
                .to_list()
            )
            if picks:
                added += picks
                rows = rows.with_columns(pl.col("_skjult") | pl.col("_i").is_in(picks))
        if len(added) == before:
            return added


def protect_survey(frame: pl.DataFrame, viewer: Viewer, secondary: pl.DataFrame | None = None) -> pl.DataFrame:
    """Null out values the viewer may not see and say why in `skjult_grunn`.

    Source-suppressed values stay hidden for everyone, and nothing is ever re-derived from totals. At the
    protected level (see `Viewer`), values with fewer than `viewer.min_respondents` respondents are hidden too.
    Where the source published no respondent count (old Skoleporten files), the source's own suppression is what
    protects the value. `secondary` (from `secondary_survey`) names the values hidden so that no hidden one can be
    worked out from those shown.
    """
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("skjult_grunn"))
    limit = threshold_expr(frame, viewer)
    few = pl.format("Skjult: færre enn {} svar", limit)
    if secondary is not None and not secondary.is_empty():
        frame = frame.join(secondary.with_columns(pl.lit(True).alias("_sekundaer")), on=SURVEY_CELL, how="left",
                           nulls_equal=True, maintain_order="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Boolean).alias("_sekundaer"))
    reason = (
        pl.when(pl.col("skjermet"))
        .then(pl.lit(REASON_SOURCE))
        .when(_too_few(frame, viewer))
        .then(few)
        .when(pl.col("_sekundaer").fill_null(False))
        .then(pl.lit(REASON_SECONDARY))
        .when(pl.col("verdi").is_null())
        .then(pl.lit(REASON_MISSING))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    out = frame.with_columns(reason.alias("skjult_grunn")).drop("_sekundaer")
    out = out.with_columns(
        pl.when(pl.col("skjult_grunn").is_not_null()).then(None).otherwise(pl.col("verdi")).alias("verdi"),
    )
    if "standardavvik" in out.columns:
        out = out.with_columns(
            pl.when(pl.col("skjult_grunn").is_not_null()).then(None).otherwise(pl.col("standardavvik")).alias("standardavvik")
        )
    return out


FHI_FLAG_REASON = {
    1: "Manglende data hos kilden",
    2: "Kan ikke beregnes (for lite grunnlag)",
    3: "Anonymisert av kilden (for få svar)",
    4: "Ikke tilgjengelig hos kilden",
}
"""FHI's flags (SPVFLAGG 1–4, shown in their tables as «..», «.», «:» and «-») in words."""


def protect_share(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """The same rule for Ungdata shares: source-anonymised stays hidden, fewer than N answers is hidden.

    Expects `andel`, `antall_svar`, `skjermet` and `flagg` (FHI's flag, may be null).
    """
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("skjult_grunn"))
    limit = threshold_expr(frame, viewer)
    few = pl.format("Skjult: færre enn {} svar", limit)
    flag = pl.col("flagg")
    reason = (
        pl.when(flag.is_not_null() & (flag != 0))
        .then(flag.replace_strict(FHI_FLAG_REASON, default="Ikke publisert", return_dtype=pl.String))
        .when(pl.col("skjermet"))
        .then(pl.lit("Holdt tilbake av kilden (for få svar)"))
        .when(_too_few(frame, viewer, "antall_svar"))
        .then(few)
        .when(pl.col("andel").is_null())
        .then(pl.lit(REASON_MISSING))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    out = frame.with_columns(reason.alias("skjult_grunn"))
    if not viewer.full_detail_everywhere:  # only the protected level hides shares for few answers
        out = _secondary_shares(out, source=(flag.is_not_null() & (flag != 0)) | pl.col("skjermet"))
    return out.with_columns(
        pl.when(pl.col("skjult_grunn").is_not_null()).then(None).otherwise(pl.col("andel")).alias("andel")
    )


SPAN_TRINN = ["8", "9", "10", "8-10"]
"""Ungdata's trinn whose answers add up: 8.–10. trinn is 8., 9. and 10. together."""


def _secondary_shares(frame: pl.DataFrame, source: pl.Expr) -> pl.DataFrame:
    """Ungdata's secondary suppression: «alle» is jenter and gutter together, «8-10» the three trinn together, so with
    the answer counts shown one share hidden for few answers would follow from the others of its line.

    The frame is the whole municipality (and its county and the nation), so every page hides alike.
    """
    base = ["kilde", "geo_niva", "geo", "periode", "indikator_kode"]
    if not {*base, "trinn", "kjonn"} <= set(frame.columns):  # no lines to give a value away
        return frame
    rows = frame.with_columns(
        (pl.col("skjult_grunn").is_not_null() & (pl.col("skjult_grunn") != REASON_MISSING)).alias("_skjult"),
        source.fill_null(False).alias("_kilden"),
        pl.lit(False).alias("_kjent"),
        pl.col("antall_svar").fill_null(0).alias("_n"),
    ).with_row_index("_i")
    added = _more_to_hide(rows, [(base + ["trinn"], None), (base + ["kjonn"], pl.col("trinn").is_in(SPAN_TRINN))])
    return rows.with_columns(
        pl.when(pl.col("_i").is_in(added)).then(pl.lit(REASON_SECONDARY)).otherwise(pl.col("skjult_grunn"))
        .alias("skjult_grunn")
    ).drop("_i", "_skjult", "_kilden", "_kjent", "_n")


SMALL_COUNT_LABEL = "1–4"
SECONDARY_LABEL = "skjult"


def protect_counts(
    cells: list[list[int]], min_count: int = 5, known_rows: frozenset[int] = frozenset()
) -> tuple[list[list[str]], list[list[bool]]]:
    """Small-number protection for a table of counts with its row and column totals.

    `cells` is rows × columns of non-negative counts. Returns the text to show for the table
    extended with a total column and a total row (so (r+1) × (c+1)), and which of those cells are
    hidden. Counts from 1 to `min_count - 1` show as "1–4" (primary suppression). Then, while
    any row or column (totals included) has exactly one hidden cell, the smallest other cell of
    that line is hidden too ("skjult"), so no hidden value equals a shown total minus shown cells; and an audit
    (`_pinned_cells`) makes sure no small count follows from several lines together either.

    `known_rows` are rows the viewer knows exactly from elsewhere (a rektor's own school, shown in full below the
    table): they are still shown protected, but count as known when hiding and auditing the others.
    """
    n_rows, n_cols = len(cells), len(cells[0]) if cells else 0
    full = [[*row, sum(row)] for row in cells]
    full.append([sum(cells[r][c] for r in range(n_rows)) for c in range(n_cols)] + [sum(map(sum, cells))])
    hidden = [[0 < v < min_count for v in row] for row in full]
    secondary = [[False] * (n_cols + 1) for _ in range(n_rows + 1)]

    def unknown(r: int, c: int) -> bool:
        return hidden[r][c] and r not in known_rows

    def hide_more(line) -> bool:
        candidates = [p for p in line if not hidden[p[0]][p[1]] and p[0] not in known_rows]
        if not candidates:
            return False
        r, c = min(candidates, key=lambda p: (full[p[0]][p[1]] == 0, full[p[0]][p[1]], p))
        hidden[r][c] = True
        secondary[r][c] = True
        return True

    while True:
        changed = True
        while changed:
            changed = False
            for line in _lines(n_rows, n_cols):
                if sum(unknown(r, c) for r, c in line) == 1:
                    changed = hide_more(line) or changed
        # One hidden cell per line is the easy case; several lines together can still pin a value (three «1–4»
        # cells whose sum the totals give as 3 are 1 each). The audit finds such a cell, and a cell beside it goes.
        seen = [[unknown(r, c) for c in range(n_cols + 1)] for r in range(n_rows + 1)]
        pinned = _pinned_cells(full, seen, secondary, min_count)
        if not pinned:
            break
        progress = False
        for r, c in pinned:
            row = [(r, cc) for cc in range(n_cols + 1)]
            col = [(rr, c) for rr in range(n_rows + 1)]
            if hide_more(row) or hide_more(col):
                progress = True
            elif not secondary[r][c]:
                # Its lines are hidden already: «1–4» itself gives it away (four such cells adding up to «1–4» are
                # 1 each). Shown as «skjult», it no longer says it is at least 1.
                secondary[r][c] = progress = True
        everywhere = [(rr, cc) for rr in range(n_rows + 1) for cc in range(n_cols + 1)]
        if not progress and not hide_more(everywhere):
            break  # nothing is shown any more
    text = [
        [
            (SECONDARY_LABEL if secondary[r][c] else SMALL_COUNT_LABEL) if hidden[r][c] else str(full[r][c])
            for c in range(n_cols + 1)
        ]
        for r in range(n_rows + 1)
    ]
    return text, hidden


def _lines(n_rows: int, n_cols: int) -> list[list[tuple[int, int]]]:
    """Each row and column of a table with totals: the cells that add up to its total, and the total's place last."""
    rows = [[(r, c) for c in range(n_cols + 1)] for r in range(n_rows + 1)]
    return rows + [[(r, c) for r in range(n_rows + 1)] for c in range(n_cols + 1)]


def _pinned_cells(
    full: list[list[int]], hidden: list[list[bool]], secondary: list[list[bool]], min_count: int
) -> list[tuple[int, int]]:
    """The hidden cells holding 1 to `min_count` − 1 whose value follows from what the table shows.

    What a reader knows is written as equations: each row and column of `full` adds up to its total, shown cells
    are their numbers, a «1–4» cell lies between 1 and `min_count` − 1, a «skjult» cell is 0 or more. A cell is
    given away when every solution has it at its true value. Linear programmes find solutions that move as many
    cells as possible at once (pushing the sum of the undecided ones up, then down); a cell that moves in any
    solution is safe. Those that never moved are then tried one by one. (Row and column sums make the programme's
    corners whole numbers, so these bounds are exact.) A national municipality's 170 × 8 table takes a few LPs.
    """
    n_rows, n_cols = len(full) - 1, len(full[0]) - 1
    unknown = [(r, c) for r in range(n_rows + 1) for c in range(n_cols + 1) if hidden[r][c]]
    small = [i for i, (r, c) in enumerate(unknown) if 0 < full[r][c] < min_count]  # whatever it is labelled
    if not small:
        return []
    # Imported only when a table hides something: the dashboard starts without scipy.
    import numpy as np
    from scipy.optimize import linprog

    index = {p: i for i, p in enumerate(unknown)}
    a_eq, b_eq = [], []
    for line in _lines(n_rows, n_cols):
        *parts, total = line
        coef, known = np.zeros(len(unknown)), 0.0
        for p in parts:
            if p in index:
                coef[index[p]] += 1
            else:
                known += full[p[0]][p[1]]
        if total in index:
            coef[index[total]] -= 1
        else:
            known -= full[total[0]][total[1]]
        if coef.any():
            a_eq.append(coef)
            b_eq.append(-known)
    bounds = [(0, None) if secondary[r][c] else (1, min_count - 1) for r, c in unknown]
    true = np.array([full[r][c] for r, c in unknown], dtype=float)

    def solve(goal):
        found = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        return found.x if found.status == 0 else found.status  # 3: unbounded, so the cell is anything but fixed

    undecided = set(small)
    moved = True
    while moved and undecided:
        moved = False
        for sign in (-1, 1):  # push the undecided cells' sum up, then down
            goal = np.zeros(len(unknown))
            goal[list(undecided)] = sign
            x = solve(goal)
            if not isinstance(x, int):
                away = {i for i in undecided if abs(x[i] - true[i]) > 0.5}
                undecided -= away
                moved = moved or bool(away)
    pinned = []
    while undecided:  # each alone, up and down; any other cell a solution moves is safe too
        i = min(undecided)
        undecided.discard(i)
        for sign in (-1, 1):
            goal = np.zeros(len(unknown))
            goal[i] = sign
            x = solve(goal)
            if isinstance(x, int):
                if x == 3:
                    break
                continue
            undecided -= {j for j in undecided if abs(x[j] - true[j]) > 0.5}
            if abs(x[i] - true[i]) > 0.5:
                break
        else:
            pinned.append(unknown[i])
    return pinned
