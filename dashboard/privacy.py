"""The one place that decides which survey values a viewer may see; every query passes its rows through here."""

from __future__ import annotations

import dataclasses
import math

import polars as pl

from dashboard.viewer import Viewer

REASON_SOURCE = "Skjermet av Udir (for få svar)"
REASON_FEW = "Skjult: færre enn {n} svar"
REASON_MISSING = "Ingen data"
REASON_SECONDARY = "Skjult: kunne ellers regnes ut fra tallene som vises"
REASON_UNKNOWN_COUNT = "Skjult: kilden oppga ikke antall svar, og kommunen skjuler {few}"

UDIR_MIN_RESPONDENTS = 10
"""Udir publishes no Elevundersøkelsen result from fewer than 10 pupils (Skoleporten did not either): a value whose
source gave no answer count (an old Skoleporten file) is protected by that alone where the threshold is 10, and by
nothing where a municipality set it higher (`_count_unknown`)."""

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


MAX_THRESHOLD = 2**63 - 1
"""The largest threshold a row can carry (Int64): more than any count of answers, so every value at the protected
level is hidden."""


UNREADABLE = "terskelen for små grupper kan ikke leses, og alle verdier er skjult til den er rettet"
"""What a reader is told of a threshold no one could read (`viewer.thresholds_from` keeps it as exactly
`MAX_THRESHOLD`; a readable one is at most one less), instead of a 19-digit number."""


def fewer_than(n: int) -> str:
    """«færre enn 10 svar», as the protection rule is stated to readers; for an unreadable threshold, what it is."""
    return f"et hvilket som helst antall svar ({UNREADABLE})" if n == MAX_THRESHOLD else f"færre enn {n} svar"


def few_reason(n: int) -> str:
    return f"Skjult: {UNREADABLE}" if n == MAX_THRESHOLD else REASON_FEW.format(n=n)


def row_threshold(value: object) -> int:
    """A threshold as the rows are compared with it. Fails closed: a setting that is not a whole number, or too large
    for a row (99999999999999999999 once became null and hid nothing), hides everything."""
    if isinstance(value, bool) or not isinstance(value, int):
        return MAX_THRESHOLD
    return min(value, MAX_THRESHOLD)


def threshold_expr(frame: pl.DataFrame, viewer: Viewer) -> pl.Expr:
    """Each row's threshold: its municipality's own setting, else the viewer's default (see `row_threshold`)."""
    default = row_threshold(viewer.min_respondents)
    if not viewer.thresholds or "kommunenr" not in frame.columns:
        return pl.lit(default, dtype=pl.Int64)
    own = {k: row_threshold(v) for k, v in viewer.thresholds}
    return pl.col("kommunenr").replace_strict(own, default=default, return_dtype=pl.Int64).fill_null(MAX_THRESHOLD)


def _said_per_municipality(frame: pl.DataFrame, viewer: Viewer, said) -> pl.Expr:
    """Each row's text `said(threshold setting)`: its municipality's own setting, else the viewer's default."""
    if not viewer.thresholds or "kommunenr" not in frame.columns:
        return pl.lit(said(viewer.min_respondents))
    own = {k: said(v) for k, v in viewer.thresholds}
    return pl.col("kommunenr").replace_strict(own, default=said(viewer.min_respondents), return_dtype=pl.String)


def _few_reason(frame: pl.DataFrame, viewer: Viewer) -> pl.Expr:
    """«Skjult: færre enn N svar» with N as the setting says it (not the capped number the rows are compared with)."""
    return _said_per_municipality(frame, viewer, few_reason)


def _too_few(frame: pl.DataFrame, viewer: Viewer, answers: str = "antall_besvart") -> pl.Expr:
    """Rows seen at the protected level with fewer answers than the municipality's threshold."""
    n = pl.col(answers)
    return protected_rows(frame, viewer) & n.is_not_null() & (n < threshold_expr(frame, viewer))


def _count_unknown(frame: pl.DataFrame, viewer: Viewer) -> pl.Expr:
    """Survey values seen at the protected level whose source gave no answer count, where the municipality hides more
    than Udir does (`UDIR_MIN_RESPONDENTS`): a Skoleporten value from 12 pupils was shown to every FAU of a
    municipality that hides fewer than 15. Fails closed: the count could be anything from Udir's 10 up."""
    # A cube for the secondary suppression has no values: there, what the source did not hide is published
    published = pl.col("verdi").is_not_null() if "verdi" in frame.columns else ~pl.col("skjermet")
    # The county's and the nation's figures stay as published (tens of thousands of pupils, counted or not)
    local = (pl.col("enhet_niva").is_in(["skole", "kommune"]) if "enhet_niva" in frame.columns
             else pl.col("kommunenr").is_not_null() if "kommunenr" in frame.columns else pl.lit(True))
    return (protected_rows(frame, viewer) & pl.col("antall_besvart").is_null() & published & local
            & (threshold_expr(frame, viewer) > UDIR_MIN_RESPONDENTS))


def _unknown_reason(frame: pl.DataFrame, viewer: Viewer) -> pl.Expr:
    """`REASON_UNKNOWN_COUNT` with the municipality's threshold, as `_few_reason` gives it."""
    def said(setting: object) -> str:
        n = row_threshold(setting)
        return few_reason(n) if n == MAX_THRESHOLD else REASON_UNKNOWN_COUNT.format(few=fewer_than(n))

    return _said_per_municipality(frame, viewer, said)


def _primary_hidden(frame: pl.DataFrame, viewer: Viewer) -> pl.Expr:
    """The rows `protect_survey` hides on their own: hidden by the source, too few answers at the protected level, or
    an unknown number of them where the municipality hides more than Udir."""
    return pl.col("skjermet") | _too_few(frame, viewer) | _count_unknown(frame, viewer)


def public(viewer: Viewer) -> Viewer:
    """The viewer as anyone at the protected level: what the secondary suppression is worked out for, the same for
    every rektor, FAU member and report (a rektor's own school is shown in full on top of it)."""
    return dataclasses.replace(viewer, role="fau", skoler=frozenset(), protected=True, brukernavn="", pseudonyms=())


def secondary_survey(cube: pl.DataFrame, viewer: Viewer, groups: tuple[frozenset[str], ...] = ()) -> pl.DataFrame:
    """The survey values to hide as well, so that no value hidden for few answers follows from those shown.

    `cube` is every row of one municipality (its own rows and its schools', every trinn and kjønn). A municipality's
    value is its schools' pupils together, «alle» is jenter and gutter together, and «all trinn» is the trinn
    together: with the answer counts shown, a line of such values with one hidden member gives it away (the
    municipality's share less the other schools'). While some line has exactly one hidden value the reader does not
    know, the smallest other value of that line is hidden too, as Udir does for its own suppression. A value Udir
    hid is protected the same way: Udir's secondary suppression does not run along every line the pages put side by
    side (a FAU member took Elvetun's 10. trinn, «Skjermet av Udir», as the municipality's 10. trinn less the own
    school's, answers and all). Worked out for everyone at the protected
    level alike (`public`), and safe also for a reader who knows one school's values (every rektor knows the own
    school's) or the schools of one of `groups` together (a rektor of several). Returns the `SURVEY_CELL` keys to hide.
    """
    if cube.is_empty():
        return cube.select(SURVEY_CELL)
    anyone = public(viewer)
    cube = cube.with_columns(pl.lit(False).alias("_uten_rad"), _primary_hidden(cube, anyone).alias("_hemmelig"))
    cube = cube.with_columns(_at_the_edge_above_a_secret(cube).alias("_grense"))
    cube = cube.with_columns(pl.col("_hemmelig") | pl.col("_grense"))
    unpublished = _unpublished_municipal_rows(cube)
    rows = pl.concat([cube, unpublished], how="diagonal_relaxed").with_columns(
        (pl.col("_hemmelig").fill_null(False) | pl.col("_uten_rad")).alias("_skjult"),
        # Udir's hidden values are protected as ours are; a line whose lone unknown is an unpublished row gives no
        # value away (`_more_to_hide` reads `_kilden` so), and for a reader who knows a school, neither does one whose
        # lone unknown is a value hidden only to protect others (a rektor who works out the municipality's 10. trinn
        # from the own school's learns no secret by it; hiding the other school's for it hid the FAU's own 10. trinn).
        pl.col("_uten_rad").alias("_kilden"),
        (~pl.col("_hemmelig").fill_null(False) | pl.col("_uten_rad")).alias("_kilden_kjent"),
        pl.col("antall_besvart").fill_null(0).alias("_n"),
    ).with_row_index("_i")
    base = ["skoleaar", "indikator_kode"]
    lines = [(base + ["trinn", "kjonn"], None), (base + ["orgnr", "trinn"], None), (base + ["orgnr", "kjonn"], None)]
    targets = rows.filter(pl.col("_skjult") & ~pl.col("_uten_rad"))["_i"].to_list()
    # Across the schools of one trinn, the municipality's trinn goes first: hidden, it leaves every school's value
    # shown, where the next smallest school's, hidden, was then alone on that school's own lines and took more with
    # it (a FAU member lost the own school's 10. trinn to a small school beside it). Not the municipality's all trinn:
    # the figure the kommunestyre is told.
    first = pl.col("orgnr").is_null() & pl.col("trinn").is_not_null()
    added = _more_to_hide(rows, lines, school="orgnr", groups=groups, first=first)
    rows = rows.with_columns(pl.col("_skjult") | pl.col("_i").is_in(added))
    added += _solvable_hidden(rows, set(targets), groups)
    return rows.filter((pl.col("_i").is_in(sorted(added)) | pl.col("_grense").fill_null(False))
                       & ~pl.col("_uten_rad")).select(SURVEY_CELL)


def _at_the_edge_above_a_secret(cube: pl.DataFrame) -> pl.Expr:
    """The shown values at the end of their scale (0 or 100 %, an average of 1 or 5, as the page rounds them) that
    stand above a hidden value (`_hemmelig`): its school or municipality, its all trinn, its «alle». Every pupil in
    them answered alike, so every part of them did too: a reviewer read 10. trinn jenter and gutter, hidden for 14 and
    12 answers, as 0 % from «alle» at 0,0 %. They are protected as the hidden value is (an expression over `cube`,
    which must hold `verdi` and `maal`; without them, nothing)."""
    if not {"verdi", "maal"} <= set(cube.columns):
        return pl.lit(False)
    value = pl.col("verdi").round(1)
    edge = pl.col("verdi").is_not_null() & pl.when(pl.col("maal") == "andel").then(
        (value <= 0) | (value >= 100)).otherwise((value <= 1) | (value >= 5))
    return _above_a_secret(
        cube, edge & ~pl.col("_hemmelig"), pl.col("_hemmelig"), ["skoleaar", "indikator_kode"], ["orgnr", "trinn", "kjonn"],
        (pl.col("orgnr").is_null() | (pl.col("orgnr") == pl.col("orgnr_under")).fill_null(False))
        & (pl.col("trinn").is_null() | (pl.col("trinn") == pl.col("trinn_under")).fill_null(False))
        & ((pl.col("kjonn") == "alle") | (pl.col("kjonn") == pl.col("kjonn_under"))),
    )


def _above_a_secret(frame: pl.DataFrame, edge: pl.Expr, secret: pl.Expr, keys: list[str], cell: list[str],
                    above: pl.Expr) -> pl.Expr:
    """An expression over `frame`: the rows `edge` picks that stand `above` (over the columns of a row and those of a
    `secret` one of the same `keys`, suffixed `_under`) some secret row."""
    tops = frame.with_row_index("_rad").filter(edge).select("_rad", *keys, *cell)
    secrets = frame.filter(secret).select(*keys, *cell)
    if tops.is_empty() or secrets.is_empty():
        return pl.lit(False)
    found = tops.join(secrets, on=keys, suffix="_under", nulls_equal=True).filter(above)["_rad"].unique()
    return pl.int_range(pl.len()).is_in(found.implode())


def _unpublished_municipal_rows(cube: pl.DataFrame) -> pl.DataFrame:
    """The municipality's trinn that Udir does not publish (its rows are 7. and 10. trinn and all trinn, its schools'
    every trinn), as rows of unknown value: the municipality's all trinn is all its trinn together, not 7. and 10.
    alone. Without them that line read «all trinn = 7. + 10.», which no reader can use, and hid values for it."""
    schools = cube.filter(pl.col("orgnr").is_not_null() & pl.col("trinn").is_not_null())
    own = cube.filter(pl.col("orgnr").is_null())
    keys = ["skoleaar", "indikator_kode", "kommunenr", "trinn", "kjonn"]
    return (
        schools.select(keys).unique()
        .join(own.select(keys), on=keys, how="anti", nulls_equal=True)
        .with_columns(pl.lit(None, dtype=cube.schema["orgnr"]).alias("orgnr"), pl.lit(True).alias("skjermet"),
                      pl.lit(True).alias("_uten_rad"))
    )


SURVEY_LINES = (("trinn", "kjonn", "orgnr"), ("orgnr", "trinn", "kjonn"), ("orgnr", "kjonn", "trinn"))
"""A survey line: the rows sharing the first two columns (within one school year and indicator), whose total is the
row with the third column «all» (the municipality: no orgnr; both kjønn: `alle`; all trinn: no trinn)."""


def _solvable_hidden(rows: pl.DataFrame, targets: set[int], groups: tuple[frozenset[str], ...]) -> list[int]:
    """More rows (`_i`) to hide so that no value hidden for few answers (`targets`) follows from the lines together.

    Each line says: the total's answers × value equal the sum of its members' (a share times its answers is a number
    of pupils; a mean times its answers a sum of scores), and the answer counts are shown. `_more_to_hide` makes sure
    no line has a lone hidden value; hidden values that are two or more in every line can still be pinned by several
    lines together (a value joining two blocks of hidden ones, found by a reviewer solving the equations). A hidden
    value is pinned exactly when every solution of the lines' equations in the unknown values gives it the same
    value: when the null space of those equations is zero in its place. While one is, the shown value with the
    fewest answers on one of its lines is hidden too. Checked for a reader who knows no school's values, one
    school's, or those of one of `groups`, as `_more_to_hide` is: a reader who knows some values has the null space
    that is zero in their places.
    """
    if not targets:
        return []
    import numpy as np  # only where a municipality has values hidden for few answers: most have none
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _audit(rows, targets, groups, np)


def _audit(rows: pl.DataFrame, targets: set[int], groups: tuple[frozenset[str], ...], np) -> list[int]:
    """`_solvable_hidden`, one school year and indicator at a time."""
    cubes = rows.filter(pl.col("_i").is_in(sorted(targets))).select("skoleaar", "indikator_kode").unique()
    part = rows.join(cubes, on=["skoleaar", "indikator_kode"], nulls_equal=True)
    added: list[int] = []
    bounded = {"verdi", "maal"} <= set(rows.columns)
    for _cube, cube in part.group_by(["skoleaar", "indikator_kode"], maintain_order=True):
        cells = cube.select("_i", "orgnr", "trinn", "kjonn", "_skjult", "_n", "_uten_rad",
                            *(("verdi", "maal") if bounded else ())).to_dicts()
        by_i = {c["_i"]: c for c in cells}
        lines: list[tuple[int, list[int]]] = []  # (total, members)
        for a, b, total_col in SURVEY_LINES:
            members: dict[tuple, list[int]] = {}
            for c in cells:
                members.setdefault((c[a], c[b]), []).append(c["_i"])
            for grouped in members.values():
                totals = [i for i in grouped if by_i[i][total_col] in (None, "alle")]
                if len(totals) == 1 and len(grouped) > 1:
                    lines.append((totals[0], [i for i in grouped if i != totals[0]]))
        here = _hide_until_unpinned(cells, lines, targets, groups, np)
        if bounded and cells[0]["maal"] in SCALES:
            # Udir gives no answers for the values it hid; the lines give them, to a reader too
            answers = {c["_i"]: c["_n"] or None for c in cells}
            least = _infer_answers(answers, lines, {c["_i"]: c["kjonn"] for c in cells},
                                   frozenset(c["_i"] for c in cells if c["_uten_rad"]))
            cells = [{**c, "_n": answers[c["_i"]] or 0, "_n_minst": least.get(c["_i"])} for c in cells]
            schools = sorted({c["orgnr"] for c in cells if c["orgnr"] is not None})
            readers = [frozenset(), *(frozenset({o}) for o in schools), *(g for g in groups if len(g) > 1)]
            here += _hide_until_bounded(cells, lines, targets, here, readers, cells[0]["maal"], "verdi",
                                       exact=True)  # shares: by linear programming (a mean's bounds: carried)
        added += here
    return added


def _hide_until_unpinned(cells: list[dict], lines: list[tuple[int, list[int]]], targets: set[int],
                         groups: tuple[frozenset[str], ...], np) -> list[int]:
    """The audit of one table (`cells`: `_i`, `orgnr`, `_skjult`, `_n`; `lines`: (total, members) by `_i`): hides
    shown values (`_next_to_hide`) until no target is pinned for any reader."""
    by_i = {c["_i"]: c for c in cells}
    hidden = {c["_i"] for c in cells if c["_skjult"]}
    added: list[int] = []
    on_line: dict[int, list[int]] = {}
    for total, members in lines:
        for i in (total, *members):
            on_line.setdefault(i, []).extend((total, *members))
    schools = {c["orgnr"] for c in cells if c["orgnr"] is not None}  # a value hidden later is its school's too
    readers = [frozenset()] + [frozenset({o}) for o in sorted(schools)] + [g for g in groups if len(g) > 1]
    # Per reader, the targets their own school's values give away by themselves (a municipality's 10. trinn where
    # theirs is its only school with one): theirs to know, and no value hidden can change that.
    own: dict[frozenset[str], set[int]] = {frozenset(): set()}
    every: list = []  # the null space with every value unknown, worked out once, narrowed per reader
    while True:
        picks: set[int] = set()
        for reader, pinned in _pinned_values(sorted(hidden), lines, targets, readers, by_i, np):
            if reader not in own:
                if not every:
                    every.append(_null_space([c["_i"] for c in cells], lines, np))
                place, null = every[0]
                known = [place[i] for i in place if by_i[i]["orgnr"] in reader]
                ask = [i for i in place if i in targets and by_i[i]["orgnr"] not in reader]
                fixed = _narrowed(null, known, [place[i] for i in ask], np)
                own[reader] = {i for i, f in zip(ask, fixed, strict=True) if f}
            for t in sorted(set(pinned) - own[reader]):
                pick = _next_to_hide(t, on_line, hidden, by_i, reader)
                if pick is not None:
                    picks.add(pick)
        if not picks:
            break
        hidden |= picks
        added += sorted(picks)
    return added


def _next_to_hide(t: int, on_line: dict[int, list[int]], hidden: set[int], by_i: dict[int, dict],
                  reader: frozenset[str]) -> int | None:
    """The shown value to hide for a pinned `t`: the fewest answers on one of its lines, or, when those are all hidden
    or the reader's, on a line of the hidden values it is tied to (a reviewer found one left solvable when its own
    lines had nothing left to hide)."""
    seen, queue = {t}, [t]
    for i in queue:
        shown = [j for j in on_line.get(i, []) if j not in hidden and by_i[j]["orgnr"] not in reader]
        if shown:
            return min(shown, key=lambda j: (by_i[j]["_n"], j))
        for j in on_line.get(i, []):
            if j not in seen and j in hidden and by_i[j]["orgnr"] not in reader:
                seen.add(j)
                queue.append(j)
    return None


def _null_space(unknown: list[int], lines: list[tuple[int, list[int]]], np) -> tuple[dict[int, int], object]:
    """(column of each unknown value, a basis of the null space of the `lines`' equations in the `unknown` values)."""
    place = {i: k for k, i in enumerate(unknown)}
    touching = [(total, members) for total, members in lines
                if total in place or any(m in place for m in members)]
    if not touching:
        return place, np.eye(len(unknown))
    matrix = np.zeros((len(touching), len(unknown)))
    for r, (total, members) in enumerate(touching):
        for i in (total, *members):
            if i in place:
                matrix[r, place[i]] += 1.0 if i == total else -1.0
    values, vectors = np.linalg.eigh(matrix.T @ matrix)  # its null space is the equations' null space
    return place, vectors[:, values < 1e-8 * max(1.0, values.max())]


def _narrowed(null, known: list[int], ask: list[int], np):
    """Which of the `ask` unknowns are fixed (a boolean each) once the `known` ones are known too: those whose row of
    the null space basis lies in the span of the known ones' rows (every solution that is zero where the reader
    knows is then zero there). Only the rows asked about are worked out: a municipality of 150 schools has 150
    readers."""
    if not null.shape[1]:
        return np.ones(len(ask), dtype=bool)
    rows = null[ask, :]
    if known:
        _u, singular, vt = np.linalg.svd(null[known, :], full_matrices=False)
        basis = vt[: int((singular > 1e-9).sum())]
        rows = rows - (rows @ basis.T) @ basis
    return np.abs(rows).max(axis=1) < 1e-6


def _pinned_values(
    unknown: list[int], lines: list[tuple[int, list[int]]], targets: set[int], readers: list[frozenset[str]],
    by_i: dict[int, dict], np,
) -> list[tuple[frozenset[str], list[int]]]:
    """For each reader, the `targets` the `lines`' equations fix among the values the reader does not know: one
    connected block of `unknown` values (sharing lines) at a time, by the null space of its equations (a line with
    no unknown says nothing about them), narrowed for a reader to the solutions that are zero where they know."""
    unknown_set = set(unknown)
    line_unknowns = [[i for i in (total, *members) if i in unknown_set] for total, members in lines]
    parent = {i: i for i in unknown}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for members in line_unknowns:
        for i in members[1:]:
            parent[root(i)] = root(members[0])
    blocks: dict[int, list[int]] = {}
    for i in unknown:
        blocks.setdefault(root(i), []).append(i)
    block_of = {i: block for block in blocks.values() for i in block}
    found: list[tuple[frozenset[str], list[int]]] = []
    for block in blocks.values():
        asked = [i for i in block if i in targets]
        if not asked:
            continue
        place, null = _null_space(block, [lines[k] for k, members in enumerate(line_unknowns)
                                          if members and members[0] in block_of and block_of[members[0]] is block], np)
        for reader in readers:
            known = [place[i] for i in block if by_i[i]["orgnr"] in reader]
            if reader and not known:
                continue  # the same as for anyone
            ask = [i for i in asked if by_i[i]["orgnr"] not in reader]
            fixed = _narrowed(null, known, [place[i] for i in ask], np)
            pinned = [i for i, f in zip(ask, fixed, strict=True) if f]
            if pinned:
                found.append((reader, pinned))
    return found


def _more_to_hide(
    rows: pl.DataFrame, lines: list[tuple[list[str], pl.Expr | None]], school: str | None = None,
    groups: tuple[frozenset[str], ...] = (), first: pl.Expr | None = None,
) -> list[int]:
    """The secondary suppression itself: which more rows (`_i`) to hide so that no line has a lone hidden value.

    `rows` has `_i`, `_skjult` (hidden on its own), `_kilden` (hidden by the source) and `_n` (answers). A line is the
    rows sharing `keys` (among those `where` picks). While a line has exactly one hidden value the reader does not
    know, hidden by us and not by the source, the other value of it with the fewest answers is hidden too; until no
    line changes. With `school`, a reader may know one school's values (so a line of schools with two hidden values,
    one of them the reader's own, has one left), or those of the schools in one of `groups`. The rows `first` picks
    are hidden before the others of a line, whatever their answers. Where `rows` has `_kilden_kjent`, it stands for
    `_kilden` for a reader who knows a school: the values hidden only to protect others, which such a reader may
    work out where it gives no secret away (`_solvable_hidden` checks that).
    """
    first = pl.col("_i") < 0 if first is None else first
    readers = [pl.lit(False)] + [pl.col(school).is_in(sorted(g)).fill_null(False) for g in groups]
    knower = "_kilden_kjent" if "_kilden_kjent" in rows.columns else "_kilden"
    added: list[int] = []
    while True:  # a value hidden in one kind of line can be the lone hidden value of a line of another kind
        before = len(added)
        for keys, where in lines:
            for i, known in enumerate(readers):
                part = (rows if where is None else rows.filter(where)).with_columns(known.alias("_kjent"))
                as_knower = part.with_columns(pl.col(knower).alias("_kilden"))  # what a school's reader counts
                at_risk = _lone_hidden(part if i == 0 else as_knower, keys)
                if school and i == 0:
                    at_risk = pl.concat([at_risk, _lone_but_one_school(as_knower, keys, school)]).unique()
                if at_risk.is_empty():
                    continue
                picks = (
                    part.filter(~pl.col("_skjult") & ~pl.col("_kjent"))
                    .join(at_risk, on=keys, nulls_equal=True)
                    .sort(~first.fill_null(False), "_n", "_i")
                    .group_by(keys, maintain_order=True)
                    .agg(pl.col("_i").first())["_i"]
                    .to_list()
                )
                if picks:
                    added += picks
                    rows = rows.with_columns(pl.col("_skjult") | pl.col("_i").is_in(picks))
        if len(added) == before:
            return added


def _lone_hidden(part: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """The lines (`keys`) with more than one member and exactly one hidden value the reader does not know (`_kjent`),
    hidden by us, not by the source."""
    unknown_hidden = pl.col("_skjult") & ~pl.col("_kjent")
    return (
        part.group_by(keys)
        .agg(pl.len().alias("_medlemmer"), unknown_hidden.sum().alias("_ukjente"),
             (unknown_hidden & pl.col("_kilden")).sum().alias("_fra_kilden"))
        .filter((pl.col("_medlemmer") > 1) & (pl.col("_ukjente") == 1) & (pl.col("_fra_kilden") == 0))
        .select(keys)
    )


def _lone_but_one_school(part: pl.DataFrame, keys: list[str], school: str) -> pl.DataFrame:
    """The lines with exactly one hidden value (ours, not the source's) besides those of some one school."""
    if school in keys:  # a line within one school: its reader knows all of it
        return part.select(keys).clear()
    per = part.group_by([*keys, school]).agg(
        pl.col("_skjult").sum().alias("_h"), (pl.col("_skjult") & pl.col("_kilden")).sum().alias("_s")
    )
    line = per.group_by(keys).agg(pl.col("_h").sum().alias("_alle_h"), pl.col("_s").sum().alias("_alle_s"))
    return (
        per.join(line, on=keys, nulls_equal=True)
        .filter(pl.col(school).is_not_null() & (pl.col("_h") > 0) & (pl.col("_alle_h") - pl.col("_h") == 1)
                & (pl.col("_alle_s") - pl.col("_s") == 0))
        .select(keys)
        .unique()
    )


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
    few = _few_reason(frame, viewer)
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
        .when(_count_unknown(frame, viewer))
        .then(_unknown_reason(frame, viewer))
        .when(pl.col("_sekundaer").fill_null(False) & protected_rows(frame, viewer))  # own school: in full
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
    few = _few_reason(frame, viewer)
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
        # `_svar`: the answers, also those the source left out where its lines give them (`_with_inferred_answers`)
        out = _secondary_shares(out, source=(flag.is_not_null() & (flag != 0)) | pl.col("skjermet"),
                                few=_too_few(frame, viewer, "_svar"))
    return out.with_columns(
        pl.when(pl.col("skjult_grunn").is_not_null()).then(None).otherwise(pl.col("andel")).alias("andel")
    )


SPAN_TRINN = ["8", "9", "10", "8-10"]
"""Ungdata's trinn whose answers add up: 8.–10. trinn is 8., 9. and 10. together."""


def _secondary_shares(frame: pl.DataFrame, source: pl.Expr, few: pl.Expr | None = None) -> pl.DataFrame:
    """Ungdata's secondary suppression: «alle» is jenter and gutter together, «8-10» the three trinn together, and all
    ages FHI's age groups together (`13-15 år`, `16-18 år`), so with the answer counts shown one share hidden for few
    answers would follow from the others of its line, or from several lines together (`_solvable_shares`).

    The frame is the whole municipality (and its county and the nation), so every page hides alike. A share the
    source withheld is protected too when its answers are `few` (under the municipality's threshold): it would have
    been hidden here anyway, and the page must not be where it can be worked out (FHI's groups of 8–9 answers were
    each solvable from «alle» and the other kjønn at the default threshold of 10). So is one FHI gave no answer count
    for, where its lines give it (`_with_inferred_answers`; `few` may read them as `_svar`).
    """
    base = ["kilde", "geo_niva", "geo", "periode", "indikator_kode"]
    if not {*base, "trinn", "kjonn"} <= set(frame.columns):  # no lines to give a value away
        return frame
    rows = _with_inferred_answers(frame.with_row_index("_i"), base).with_columns(
        (pl.col("skjult_grunn").is_not_null() & (pl.col("skjult_grunn") != REASON_MISSING)).alias("_skjult"),
        source.fill_null(False).alias("_kilden"),
        pl.col("_svar").fill_null(0).alias("_n"),
        # Withheld without answers that a line gives (two of them in a line), or given only as at most (`_n_minst`:
        # «alle» less the other kjønn also counts those who gave none): fail closed, as few. A reviewer read them as
        # 0 % under «alle» at 0,0 % while nothing took them for groups of few answers.
        ((few if few is not None else pl.lit(False)).fill_null(False)
         | (source.fill_null(False) & (pl.col("_svar").is_null() | pl.col("_n_minst").is_not_null())
            & (few is not None))
         ).alias("_few"),
    )
    age = pl.col("trinn").str.ends_with(" år") | (pl.col("trinn") == "alle")  # FHI's ALDER: age groups and all ages
    secret = pl.col("_skjult") & (~pl.col("_kilden") | pl.col("_few"))
    # A share shown at 0 or 100 % (as the page rounds it) over a secret one gives it away: every pupil in it answered
    # alike, so every part of it did too. It is hidden, and protected as the secret is.
    share = pl.col("andel").round(1)
    edge = ~pl.col("_skjult") & pl.col("andel").is_not_null() & ((share <= 0) | (share >= 100))
    rows = rows.with_columns(_above_a_secret(
        rows, edge, secret, base, ["trinn", "kjonn"],
        ((pl.col("trinn") == pl.col("trinn_under")) | ((pl.col("trinn") == "8-10") & pl.col("trinn_under").is_in(SPAN_TRINN))
         | ((pl.col("trinn") == "alle") & pl.col("trinn_under").str.ends_with(" år")))
        & ((pl.col("kjonn") == "alle") | (pl.col("kjonn") == pl.col("kjonn_under"))),
    ).alias("_grense")).with_columns(pl.col("_skjult") | pl.col("_grense"))
    targets = set(rows.filter(secret)["_i"].to_list())
    lines = [(base + ["trinn"], None), (base + ["kjonn"], pl.col("trinn").is_in(SPAN_TRINN)), (base + ["kjonn"], age)]
    added: list[int] = []
    while True:  # a share hidden for the lines together can be the lone hidden one of another line: again, until none
        added += _more_to_hide(rows.with_columns(pl.col("_skjult") | pl.col("_i").is_in(added)), lines)
        more = _solvable_shares(rows.with_columns(pl.col("_skjult") | pl.col("_i").is_in(added)), targets, base)
        if not more:
            break
        added += more
    return rows.with_columns(
        pl.when(pl.col("_i").is_in(added) | pl.col("_grense")).then(pl.lit(REASON_SECONDARY))
        .otherwise(pl.col("skjult_grunn")).alias("skjult_grunn")
    ).drop("_i", "_skjult", "_kilden", "_n", "_few", "_grense", "_svar", "_n_minst")


def _solvable_shares(rows: pl.DataFrame, targets: set[int], base: list[str]) -> list[int]:
    """More shares (`_i`) to hide so that none hidden for few answers (`targets`) follows from the lines together.

    `_more_to_hide` leaves a line alone when its one hidden share is the source's, and counts the source's as unknown
    in its other lines; but the source's share follows from its own line, and then from it ours: a reviewer worked
    out 8. trinn jenter and gutter (10 answers each, threshold 12) from the 8.–10. totals once 9. trinn gutter and
    10. trinn jenter, withheld by FHI, came out of «alle». So, as `_solvable_hidden` does for Elevundersøkelsen, the
    lines' equations are solved together with every share not shown (the source's and missing ones too) unknown.
    """
    if not targets:
        return []
    import numpy as np  # only where a municipality has shares hidden for few answers
    from threadpoolctl import threadpool_limits

    rows, same = _same_pupils(rows, base)
    cubes = rows.filter(pl.col("_i").is_in(sorted(targets))).select("_klynge").unique()
    part = rows.join(cubes, on="_klynge").with_columns(
        (pl.col("_skjult") | pl.col("skjult_grunn").is_not_null()).alias("_skjult"),  # «Ingen data» is unknown too
        pl.lit(None, dtype=pl.String).alias("orgnr"),  # no school's shares: no reader knows some of them
    )
    added: list[int] = []
    with threadpool_limits(limits=1, user_api="blas"):
        for _cube, cube in part.group_by("_klynge", maintain_order=True):
            cells = cube.select("_i", "orgnr", "trinn", "kjonn", "_skjult", "_n", "_n_minst", "andel").to_dicts()
            ids = set(cube["_i"].to_list())
            lines = [line for _table, table in cube.group_by(base, maintain_order=True)
                     for line in _share_lines(table.select("_i", "trinn", "kjonn").to_dicts())]
            lines += [(total, members) for total, members in same if total in ids]
            here = _needed(cells, lines, targets, _hide_until_unpinned(cells, lines, targets, (), np), np)
            added += here + _hide_until_bounded(cells, lines, targets, here, exact=True)
    return added


def _same_pupils(rows: pl.DataFrame, base: list[str]) -> tuple[pl.DataFrame, list[tuple[int, list[int]]]]:
    """`rows` with `_klynge`, the tables (`base`) that must be protected together, and the lines between them: FHI's
    figure for a period («kommunehelsa», 2022–2024) whose answers are those of the municipality's own Ungdata surveys
    in it (`ungdata`, 2024) is those surveys' pupils together, group for group. A reviewer took 8.–10. trinn, hidden
    in the survey's table to protect 10. trinn, from FHI's table beside it, where it was shown, and 10. trinn with
    it."""
    table = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in base], separator="|")
    rows = rows.with_columns(table.alias("_klynge"))
    if "aar" not in rows.columns or "ungdata" not in rows["kilde"].to_list() or \
            "kommunehelsa" not in rows["kilde"].to_list():
        return rows, []
    group = ["geo_niva", "geo", "indikator_kode", "trinn", "kjonn"]
    fhi = rows.filter(pl.col("kilde") == "kommunehelsa").select(
        "_i", "_klynge", *group, "aar", pl.col("periode").str.extract(r"(\d{4})\D*$").cast(pl.Int64).alias("_til"),
        pl.col("_svar").alias("_n"))
    surveys = rows.filter(pl.col("kilde") == "ungdata").select(
        pl.col("_i").alias("_j"), pl.col("_klynge").alias("_klynge_j"), *group, pl.col("aar").alias("_aar"),
        pl.col("_svar").alias("_n_j"))
    linked = (
        fhi.join(surveys, on=group, nulls_equal=True)
        .filter(pl.col("_aar").is_between(pl.col("aar"), pl.col("_til").fill_null(pl.col("aar"))))
        .group_by("_i", "_klynge").agg(pl.col("_j"), pl.col("_klynge_j"), pl.col("_n_j").sum().alias("_sum"),
                                       pl.col("_n_j").null_count().alias("_uten"), pl.col("_n").first())
        .filter((pl.col("_uten") == 0) & (pl.col("_n") == pl.col("_sum")))
    )
    if linked.is_empty():
        return rows, []
    parent: dict[str, str] = {}

    def root(k: str) -> str:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    for own, others in linked.select("_klynge", "_klynge_j").iter_rows():
        for other in others:
            parent[root(other)] = root(own)
    tables = rows["_klynge"].unique().to_list()
    return (rows.with_columns(pl.col("_klynge").replace({t: root(t) for t in tables})),
            [(i, js) for i, js in linked.select("_i", "_j").iter_rows()])


def _with_inferred_answers(rows: pl.DataFrame, base: list[str]) -> pl.DataFrame:
    """`rows` (with `_i`) and `_svar`: the answers, also where FHI left the count out (its anonymised groups come
    without NEVNER) but a line gives it: «alle» less the other kjønn. A reviewer read gutter's 8 answers so, and
    their share from the shares beside it, while nothing took the group for one of few answers."""
    answers = dict(zip(rows["_i"].to_list(), rows["antall_svar"].to_list(), strict=True))
    missing = rows.filter(pl.col("antall_svar").is_null()).select(base).unique()
    least: dict[int, int] = {}
    for _table, table in rows.join(missing, on=base, nulls_equal=True).group_by(base):
        cells = table.select("_i", "trinn", "kjonn").to_dicts()
        least |= _infer_answers(answers, _share_lines(cells), {c["_i"]: c["kjonn"] for c in cells})
    ids = rows["_i"].to_list()
    return rows.with_columns(pl.Series("_svar", [answers[i] for i in ids], dtype=pl.Int64),
                             pl.Series("_n_minst", [least.get(i) for i in ids], dtype=pl.Int64))


def _infer_answers(answers: dict[int, int | None], lines: list[tuple[int, list[int]]],
                   kjonn: dict[int, str | None], virtual: frozenset[int] = frozenset()) -> dict[int, int]:
    """Fills in the answers (by `_i`, None where not given) that the lines give, as a reader would: each line's
    total is its members together, and «alle» also counts the pupils who gave no kjønn (a line of kjønn, `kjonn` by
    `_i`, has them as one more member of 0 answers or more). Each count not given is carried as a least and a most
    (a row given has 1 answer or more; `virtual`, a row no one published, none or more) from line to line until
    they settle: a reviewer had Udir's hidden 8. and 9. trinn gutter, each at most «alle» less jenter, pinned by the
    school's gutter together. Where they settle at one number, that is the count; where only the most is finite, it
    is filled in and returned with the least (an «at most»); where no line bounds it, it stays None. (The count of
    Udir's hidden 9. trinn gutter, taken for all 5 answers of «alle» where 3 gave no kjønn, put 30 answers into the
    school's line of 27 gutter, which was then dropped as one that does not add up.)"""
    import numpy as np

    ids = sorted({i for total, members in lines for i in (total, *members)})
    place = {i: k for k, i in enumerate(ids)}
    given = np.array([answers.get(i) is not None for i in ids], dtype=bool)
    low = np.array([answers[i] if answers.get(i) is not None else (0 if i in virtual else 1) for i in ids], float)
    high = np.array([answers[i] if answers.get(i) is not None else np.inf for i in ids], float)
    flat: list[list[int]] = []
    for total, members in lines:
        at = [place[i] for i in (total, *members)]
        if kjonn.get(total) == "alle" and all(kjonn.get(m) != "alle" for m in members):
            low, high = np.append(low, 0.0), np.append(high, np.inf)  # those who gave no kjønn
            at.append(len(low) - 1)
        elif given[at].all():
            continue  # given, all of it (a line whose counts do not add up says nothing here)
        flat.append(at)
    # every line at once per round, as `_Settled._settle` does
    entry = np.array([k for at in flat for k in at], dtype=int)
    line = np.array([j for j, at in enumerate(flat) for _k in at], dtype=int)
    head = np.array([m == 0 for at in flat for m in range(len(at))], dtype=bool)
    for _round in range(200):
        before_low, before_high = low, high
        low, high = _carried(low, high, entry[head], entry[~head], line[~head], len(flat))
        if (low > high).any():  # counts that cannot all hold (a row Udir left out): they would only climb
            break
        if np.array_equal(before_low, low) and np.array_equal(before_high, high):
            break
    least: dict[int, int] = {}
    for i in ids:
        k = place[i]
        if given[k] or not np.isfinite(high[k]) or low[k] > high[k]:
            continue  # given, unbounded, or lines that cannot all hold
        answers[i] = int(high[k])
        if low[k] < high[k]:
            least[i] = int(low[k])
    return least


def _carried(low, high, totals, member, member_of, lines: int):
    """One round of carrying bounds along lines, every line at once: a total is at least its members' least
    together and at most their most; a member at least the total's least less the others' most, at most the total's
    most less the others' least. `totals` per line, `member` (positions) with `member_of` (their line). New arrays."""
    import numpy as np

    member_low, member_high = low[member], high[member]
    endless = np.isinf(member_high)
    sum_low = np.bincount(member_of, weights=member_low, minlength=lines)
    n_endless = np.bincount(member_of, weights=endless, minlength=lines)
    finite_high = np.bincount(member_of, weights=np.where(endless, 0.0, member_high), minlength=lines)
    others_high = np.where(n_endless[member_of] - endless > 0, np.inf,
                           finite_high[member_of] - np.where(endless, 0.0, member_high))
    new_low, new_high = low.copy(), high.copy()
    np.maximum.at(new_low, totals, sum_low)
    np.minimum.at(new_high, totals, np.where(n_endless > 0, np.inf, finite_high))
    with np.errstate(invalid="ignore"):  # an endless total less endless others: no bound
        np.maximum.at(new_low, member, low[totals][member_of] - others_high)
        np.minimum.at(new_high, member, high[totals][member_of] - (sum_low[member_of] - member_low))
    return new_low, new_high


SCALES = {"andel": (0.0, 1.0, 0.01, True), "snitt": (1.0, 5.0, 1.0, False)}
"""Per answer, what a value adds to its line's total at least and at most (a pupil in a share: 0 or 1; a score: 1 to
5), the value's unit per answer (a share is in per cent), and whether the sums are whole numbers (pupils)."""


def _hide_until_bounded(cells: list[dict], lines: list[tuple[int, list[int]]], targets: set[int], added: list[int],
                        readers: list[frozenset[str]] | None = None, maal: str = "andel", value: str = "andel",
                        exact: bool = False) -> list[int]:
    """More values to hide, after `added`, until no target is pinned by the bounds (`_Bounds`): every group has
    between none and all of its answers, and a reader knows that too. A share of 0 or 100 % beside hidden ones, a
    total less the shares shown of its line that leaves 0 (8.–10. trinn jenter 4 of 40, 10. trinn 4 of 20: 8. trinn 0
    of 8), or all of the answers, pins them, where the equations alone (`_hide_until_unpinned`) leave them free. The
    shown value with the fewest answers on a pinned one's lines goes, until none is. For each of `readers` as well
    (they know their schools' values, `orgnr`), less what those alone give away. `exact`: shares by linear
    programming (`_Settled.pinned`, `_Witnesses`), which sees all that the bounds carried line by line would and
    more: two values whose sum several lines fix together."""
    by_i = {c["_i"]: c for c in cells}
    hidden = {c["_i"] for c in cells if c["_skjult"]} | set(added)
    here = {t for t in targets if t in by_i}
    on_line: dict[int, list[int]] = {}
    for total, members in lines:
        for i in (total, *members):
            on_line.setdefault(i, []).extend((total, *members))
    own: dict[frozenset[str], set[int]] = {}
    of_school: dict[str, set[int]] = {}  # the values a school's reader knows
    for c in cells:
        if c["orgnr"] is not None and c[value] is not None:
            of_school.setdefault(c["orgnr"], set()).add(c["_i"])
    bounds = _Bounds(cells, lines, maal, value)
    if not bounds.as_known().consistent:
        lines = bounds.holding(lines)
        bounds = _Bounds(cells, lines, maal, value)
    # Hiding more never pins more: a reader's targets found free stay free, and only those pinned are asked again (a
    # municipality of 30 schools: 14 000 readings of the bounds, 8 s), unless the lines could not all hold. And the
    # picks for one reader are hidden before the next is read.
    still: dict[frozenset[str], set[int]] = {}
    everything = None  # the bounds with every value hidden: what a reader's own values alone give away
    more: list[int] = []
    while True:
        anyone = bounds.settled(hidden)
        picks: set[int] = set()
        for reader in readers or [frozenset()]:
            theirs = set().union(*(of_school.get(o, set()) for o in reader))
            knows = theirs & hidden
            if reader and not knows:
                continue  # knows nothing that anyone does not
            asked = still.get(reader, {t for t in here & hidden if by_i[t]["orgnr"] not in reader})
            if not asked:
                continue
            pinned = anyone.pinned(asked, knows, exact)
            if pinned is None:  # the lines cannot all hold: nothing read, and nothing known to stay free
                continue
            if pinned and reader not in own:  # what the reader's own values give away, whatever else is hidden
                if reader and everything is None:  # bounds of its own: witnesses there hold nowhere else
                    everything = _Bounds(cells, lines, maal, value).settled(set(by_i))
                # asked of those pinned only: the reader is asked again only about those (`still`)
                own[reader] = (everything.pinned(pinned, theirs, exact) or set()) if reader else set()
            still[reader] = pinned - own.get(reader, set())
            for t in sorted(still[reader]):
                if (pick := _next_to_hide(t, on_line, hidden, by_i, reader)) is not None:
                    picks.add(pick)
            if picks:
                break  # hidden at once: the next readers are read with them (anyone's pins are every reader's)
        if not picks:
            return more
        hidden |= picks
        more += sorted(picks)


class _Bounds:
    """The least and most each value of a table can add to its lines (a share's pupils, a mean's sum of scores), to a
    reader who sees the values not hidden (to one decimal: times the answers, a number of pupils within a fraction)
    and knows that a hidden group has between none and all of its answers (`SCALES`). A line whose answers do not add
    up (FHI's «alle» counts those who gave no kjønn) has the rest as one more member; one whose members have more
    answers than its total is no equation. The lines and the values' own bounds are laid out once (`settled` reads
    them for one set of hidden values); with numpy, every line at once per round."""

    def __init__(self, cells: list[dict], lines: list[tuple[int, list[int]]], maal: str, value: str) -> None:
        import numpy as np

        self.np = np
        self.least, self.most, self.unit, self.whole = SCALES[maal]
        self.ids = [c["_i"] for c in cells]
        numbers: dict[str, int] = {}  # each school's number: a rektor knows its values
        self.owner = np.array([-1 if c.get("orgnr") is None else numbers.setdefault(c["orgnr"], len(numbers))
                               for c in cells], dtype=int)
        self.place = {i: k for k, i in enumerate(self.ids)}
        n = np.array([c["_n"] or 0 for c in cells], dtype=float)
        self.values = np.array([np.nan if c[value] is None else c[value] for c in cells], dtype=float)
        self.lines: list[list[int]] = []  # positions, total first; a rest is a position after the cells
        self.origin: list[int] = []  # each one's place in `lines`
        rests: list[tuple[float, float]] = []
        # answers known only as between a least and a most (`_infer_answers`): `n` is the most; their lines
        self.counted: list[tuple[list[int], int | None]] = []  # (positions, total first; the rest's, if any)
        n_least = np.array([c["_n"] or 0 if c.get("_n_minst") is None else c["_n_minst"] for c in cells], dtype=float)
        for number, (total, members) in enumerate(lines):
            at = [self.place[i] for i in (total, *members)]
            rest = n[at[0]] - n[at[1:]].sum()
            counted = bool((n[at] > 0).all())
            if counted and (n_least[at] < n[at]).any():  # as the counts settled: a rest only in a line of kjønn
                rest_at = None
                if cells[at[0]].get("kjonn") == "alle" and all(cells[k].get("kjonn") != "alle" for k in at[1:]):
                    rests.append((self.least * max(0.0, n_least[at[0]] - n[at[1:]].sum()),
                                  self.most * (n[at[0]] - n_least[at[1:]].sum())))
                    rest_at = len(cells) + len(rests) - 1
                    at.append(rest_at)
                self.lines.append(at)
                self.origin.append(number)
                self.counted.append((at[:-1] if rest_at is not None else at, rest_at))
                continue
            if counted and rest < 0:
                continue
            if rest > 0 or not counted:  # answers unknown: any rest
                rests.append((self.least * rest, self.most * rest) if counted else (0.0, np.inf))
                at.append(len(cells) + len(rests) - 1)
            self.lines.append(at)
            self.origin.append(number)
        self.n = np.concatenate([n, np.zeros(len(rests))])
        self.n_least = np.concatenate([n_least, np.zeros(len(rests))])
        self.free_low = np.concatenate([self.least * n_least, [r[0] for r in rests]])
        self.free_high = np.concatenate([np.where(n > 0, self.most * n, np.inf), [r[1] for r in rests]])
        with np.errstate(invalid="ignore"):
            shown_low, shown_high = self._as_shown(np.arange(len(cells)))
            exact_low, exact_high = self._rounded(shown_low, shown_high)
        inexact = ~np.isnan(self.values) & (n > 0) & ((exact_low != shown_low) | (exact_high != shown_high))
        self.inexact = np.concatenate([inexact, np.zeros(len(rests), dtype=bool)])  # no whole number of pupils gives
        readable = ~np.isnan(self.values) & (n > 0)
        self.shown_low = np.concatenate([np.where(readable, shown_low, self.least * n_least),
                                         [r[0] for r in rests]])
        self.shown_high = np.concatenate([np.where(readable, shown_high, self.free_high[:len(cells)]),
                                          [r[1] for r in rests]])
        self.readable = np.concatenate([readable, np.zeros(len(rests), dtype=bool)])
        self.witnesses: _Witnesses | None = None  # built when first asked (`_Settled.pinned`, `exact`)
        # the lines flat: each entry's position, its line, and whether it is the line's total
        self.flat = np.array([k for at in self.lines for k in at], dtype=int)
        self.line_of = np.array([j for j, at in enumerate(self.lines) for _k in at], dtype=int)
        self.is_total = np.array([m == 0 for at in self.lines for m in range(len(at))], dtype=bool)

    def _as_shown(self, at):
        """The bounds of the values at `at` as shown: to one decimal, times the answers (whole pupils for a share).
        A share that no whole number of pupils gives (12,0 % of 30: 3,6; counted over fewer than those who answered
        the survey, perhaps) keeps its bounds as they are: rounded, it had none, and left its table unchecked."""
        np, n, v = self.np, self.n[at], self.values[at]
        low = np.maximum(self.least * n, (v - 0.05) * n * self.unit)
        high = np.minimum(self.most * n, (v + 0.05) * n * self.unit)
        whole_low, whole_high = self._rounded(low, high)
        with np.errstate(invalid="ignore"):
            none = whole_low > whole_high
        return np.where(none, low, whole_low), np.where(none, high, whole_high)

    def _rounded(self, low, high, inexact=None):
        """`low` and `high` to whole pupils (a share), but where `inexact` (a share no whole number gives)."""
        if not self.whole:
            return low, high
        np = self.np
        with np.errstate(invalid="ignore"):
            whole_low = np.where(np.isfinite(low), np.ceil(low - 1e-9), low)
            whole_high = np.where(np.isfinite(high), np.floor(high + 1e-9), high)
        if inexact is None:
            return whole_low, whole_high
        return np.where(inexact, low, whole_low), np.where(inexact, high, whole_high)

    def _known(self):
        """The bounds as we know every value (ours hidden too): shown where there is a value, free where not."""
        np = self.np
        return (np.where(self.readable, self.shown_low, self.free_low),
                np.where(self.readable, self.shown_high, self.free_high))

    def as_known(self) -> _Settled:
        """The bounds as we know every value, carried along every line, shown or not."""
        return _Settled(self, *self._known(), self.flat[self.is_total], self.flat[~self.is_total],
                        self.line_of[~self.is_total])

    def holding(self, lines: list[tuple[int, list[int]]]) -> list[tuple[int, list[int]]]:
        """`lines` (those this table was laid out with) less the fewest that cannot hold with the values as we
        know them: a published value that does not add up (a school's all trinn at 13,3 % where its one trinn is
        10,0 %) left the whole table without a solution, and so without a check (a reviewer then read three hidden
        10. trinn as 0 %). A reader cannot use a line that does not hold either. By a linear program with a slack
        on each line, the least slack in all."""
        from scipy.optimize import linprog
        from scipy.sparse import csr_matrix

        np = self.np
        size, count = len(self.n), len(self.lines)
        low, high = self._known()
        rows, cols, vals = [], [], []
        for j, at in enumerate(self.lines):
            rows += [j] * (len(at) + 2)
            cols += [*at, size + 2 * j, size + 2 * j + 1]
            vals += [1.0] + [-1.0] * (len(at) - 1) + [1.0, -1.0]
        matrix = csr_matrix((vals, (rows, cols)), shape=(count, size + 2 * count))
        limits = [(lo, None if np.isinf(hi) else hi) for lo, hi in zip(low, high, strict=True)]
        result = linprog(np.concatenate([np.zeros(size), np.ones(2 * count)]), A_eq=matrix, b_eq=np.zeros(count),
                         bounds=limits + [(0, None)] * (2 * count), method="highs")
        if result.status != 0:
            return lines
        slack = result.x[size::2] + result.x[size + 1::2]
        dropped = {self.origin[j] for j in range(count) if slack[j] > 1e-6}
        return [line for number, line in enumerate(lines) if number not in dropped]

    def settled(self, hidden: set[int]) -> _Settled:
        """The bounds to a reader who sees every value but `hidden`, carried along the lines with a hidden value (a
        line of values shown says nothing more) until they settle."""
        np = self.np
        size = len(self.n)
        secret = np.zeros(size, dtype=bool)
        secret[[self.place[i] for i in hidden if i in self.place]] = True
        known = self.readable & ~secret  # a rest is never shown
        low = np.where(known, self.shown_low, self.free_low)
        high = np.where(known, self.shown_high, self.free_high)
        active = np.bincount(self.line_of, weights=secret[self.flat], minlength=len(self.lines)) > 0
        entries = active[self.line_of]
        numbered = np.cumsum(active) - 1  # the active lines numbered from 0
        return _Settled(self, low, high, self.flat[entries & self.is_total], self.flat[entries & ~self.is_total],
                        numbered[self.line_of[entries & ~self.is_total]])


class _Settled:
    """`_Bounds` for one set of hidden values: `pinned` says which values they, and a reader's own, give away. The
    lines with a hidden value are `totals` and `member` (positions), each member's line `member_of`."""

    def __init__(self, bounds: _Bounds, low, high, totals, member, member_of) -> None:
        self.bounds, self.low, self.high = bounds, low, high
        self.totals, self.member, self.member_of = totals, member, member_of
        self.consistent = self._settle(self.low, self.high)

    def _settle(self, low, high) -> bool:
        """Narrows `low` and `high` (in place) by the lines until nothing narrows; False if they cannot all hold."""
        np, whole = self.bounds.np, self.bounds.whole
        if not len(self.totals):
            return True
        lines = len(self.totals)
        settled = 1e-9 if whole else 0.05  # sums of scores narrow by ever smaller steps around a loop of lines
        for _round in range(200):
            new_low, new_high = _carried(low, high, self.totals, self.member, self.member_of, lines)
            new_low, new_high = self.bounds._rounded(new_low, new_high, self.bounds.inexact)
            new_low, new_high = np.maximum(new_low, low), np.minimum(new_high, high)
            if (new_low > new_high + 1e-9).any():
                return False
            narrowed = (new_low > low + settled).any() or (new_high < high - settled).any()
            low[:], high[:] = new_low, new_high
            if not narrowed:
                break
        return True

    def pinned(self, asked: set[int], knows: set[int] = frozenset(), exact: bool = False) -> set[int] | None:
        """The `asked` values that the bounds pin for a reader who also `knows` those values: of a share, when only
        one whole number of pupils fits (without its answers, only none); of a mean, when it is known to a tenth, as
        the page would show it. Carrying bounds along lines sees one value at a time: two hidden values whose sum
        the lines fix at 0 (a reviewer's «alle» less jenter, less the rest) stay free to it. `exact` also asks a
        linear program for a share's least and most (`_Witnesses`), as the reviewer did; for a reader, instead of
        carrying their bounds along the lines, which the program does better. None: the lines cannot
        all hold, and no value can be read from them."""
        b = self.bounds
        np = b.np
        if not self.consistent:
            return None
        low, high = self.low, self.high
        programmed = exact and b.whole  # the program sees all that carrying the bounds would, and more
        schools: list[int] = []
        if knows:
            at = np.array([b.place[i] for i in knows], dtype=int)
            low, high = low.copy(), high.copy()
            known_low, known_high = b._as_shown(at)
            low[at], high[at] = np.maximum(low[at], known_low), np.minimum(high[at], known_high)
            schools = sorted({int(o) for o in b.owner[at] if o >= 0})
            if not programmed and not self._settle(low, high):
                return None
        ids = [t for t in asked if t in b.place]
        at = np.array([b.place[t] for t in ids], dtype=int)
        found = {t for t, fixed in zip(ids, self._fixed(at, low[at], high[at]), strict=True) if fixed}
        if programmed and len(self.totals) and (rest := [t for t in asked - found if t in b.place]):
            if b.witnesses is None:
                b.witnesses = _Witnesses(b, b.owner)
            pinned = b.witnesses.pinned(low, high, [b.place[t] for t in rest], schools, (self.low, self.high))
            if pinned is None:
                return None
            found |= {t for t, fixed in zip(rest, pinned, strict=True) if fixed}
        return found

    def _fixed(self, at, low, high):
        """Whether the values at `at` are pinned by `low` and `high` (arrays alike)."""
        n = self.bounds.n[at]
        if self.bounds.whole:
            return (high <= low) & ((n > 0) | (high == 0))
        return (n > 0) & (high - low < 0.1 * n)


class _Witnesses:
    """Every line of one table of shares (`_Bounds`) as a linear program, and the points where all of them hold that
    its solutions gave: witnesses. A share is free to a reader when two witnesses that reader cannot tell from the
    truth have pupils a whole pupil or more apart; pinned when the program's least and most, in the reader's
    bounds, round to one whole number. That is the reviewer's attack (an «alle» that counts pupils without kjønn,
    a rektor who takes the municipality less the own school over several lines), which carrying bounds along lines
    (`_Settled`) does not always see.

    A witness is kept as the pupils of each value and the schools whose values hidden by us it moved from the truth:
    a rektor knows those of the own school, so only the witnesses that left them alone are theirs. The program draws
    every such value a little towards the truth (`PULL`), so a witness moves as few schools as the lines allow, and
    serves nearly every reader: a municipality of 20 schools asks thousands of questions, reader by reader, and most
    are answered by witnesses kept. Hiding more only widens the bounds, so a witness stays one (the bounds with every
    value hidden have witnesses of their own). The program has only the values that can move (hidden, not pinned by
    the bounds) and is built again when more can; solved by HiGHS, warm-started from one objective to the next."""

    PULL = 1e-4
    """What one pupil moved away from a value a reader may know costs against one gained in the share asked about: a
    solution is a least or a most all the same, unless more than 10 000 pupils must move per pupil."""
    KEPT = 400

    def __init__(self, bounds: _Bounds, owner) -> None:
        np = self.np = bounds.np
        self.bounds, self.lines = bounds, bounds.lines
        size = self.size = len(bounds.n)
        cells = len(bounds.values)
        self.truth = np.full(size, np.nan)  # a share's pupils, where we know them (shown or hidden by us)
        self.truth[:cells] = np.where(bounds.readable[:cells], (bounds.shown_low + bounds.shown_high)[:cells] / 2,
                                      np.nan)
        self.owner = np.full(size, -1)
        self.owner[:cells] = owner
        self.schools = int(self.owner.max()) + 1
        self.kept = np.empty((self.KEPT, size))
        self.moved = np.zeros((self.KEPT, self.schools), dtype=bool)
        self.count = 0
        self.movable = None  # the program's values, as a mask

    def _build(self, low, high) -> None:
        """The program for the values that can move in these bounds (anyone's): the others are numbers. A value a
        reader may know is the truth plus a distance above less one below (each pulled at `PULL`), the others are
        columns of their own, and so are the answers known only as between a least and a most (`_Bounds.counted`:
        Udir's hidden groups, those who gave no kjønn), which have lines of their own (a reviewer's 5. and 8. trinn
        jenter had 7 answers together, and «alle» less gutter for each)."""
        import highspy
        from scipy.sparse import csc_matrix

        np, b = self.np, self.bounds
        movable = high - low > 1e-9
        self.movable, self.fixed = movable, low.copy()
        columns = np.flatnonzero(movable)
        self.pulled = columns[(self.owner[columns] >= 0) & ~np.isnan(self.truth[columns])]
        pulled = np.zeros(self.size, dtype=bool)
        pulled[self.pulled] = True
        column = np.full(self.size, -1)  # a value's column; a pulled one's distance above, below is the next
        widths = np.where(pulled[columns], 2, 1)
        column[columns] = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(int)
        width = int(widths.sum())
        extra_low, extra_high = [], []  # the answers' columns
        count_of: dict[int, int] = {}

        def count(k: int) -> int:
            if k not in count_of:
                count_of[k] = width + len(extra_low)
                extra_low.append(b.n_least[k])
                extra_high.append(b.n[k] if k < len(b.values) else np.inf)
            return count_of[k]

        entries: list[tuple[int, int, float]] = []
        row_low: list[float] = []
        row_high: list[float] = []

        def row(terms: list[tuple[int, float, bool]], least: float, most: float) -> None:
            """sum of terms within least and most; a term is (position or column, coefficient, a column?)."""
            constant, inside = 0.0, []
            for k, v, is_column in terms:
                if is_column:
                    inside.append((k, v))
                elif column[k] < 0:
                    constant += v * low[k]
                elif pulled[k]:
                    constant += v * self.truth[k]
                    inside += [(int(column[k]), v), (int(column[k]) + 1, -v)]
                else:
                    inside.append((int(column[k]), v))
            if not inside:
                return
            entries.extend((len(row_low), c, v) for c, v in inside)
            row_low.append(least - constant)
            row_high.append(most - constant)

        for at in self.lines:
            row([(at[0], 1.0, False), *((k, -1.0, False) for k in at[1:])], 0.0, 0.0)
        inf = highspy.kHighsInf
        for at, rest in b.counted:  # the answers' own line, and each group's pupils within its answers
            members = [*at[1:], *([rest] if rest is not None else [])]
            terms = [(count(k), -1.0, True) if b.n_least[k] < b.n[k] or k == rest else None for k in members]
            given = sum(b.n[k] for k, term in zip(members, terms, strict=True) if term is None)
            head = (count(at[0]), 1.0, True) if b.n_least[at[0]] < b.n[at[0]] else None
            row([t for t in (head, *terms) if t is not None], given - (0 if head else b.n[at[0]]),
                given - (0 if head else b.n[at[0]]))
            for k in (at[0], *members):
                if k in count_of:
                    row([(k, 1.0, False), (count_of[k], -b.most, True)], -inf, 0.0)
                    if b.least:
                        row([(k, 1.0, False), (count_of[k], -b.least, True)], 0.0, inf)
        size = width + len(extra_low)
        rows_, cols_, vals_ = zip(*entries, strict=True) if entries else ((), (), ())
        matrix = csc_matrix((vals_, (rows_, cols_)), shape=(len(row_low), size))
        self.inf = inf
        cost = np.zeros(width)
        cost[column[self.pulled]] = self.PULL
        cost[column[self.pulled] + 1] = self.PULL
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = size, len(row_low)
        lp.col_cost_ = np.concatenate([cost, np.zeros(len(extra_low))])
        lp.col_lower_ = np.concatenate([np.zeros(width), np.array(extra_low, dtype=float)])
        lp.col_upper_ = np.concatenate([np.full(width, inf),
                                        np.where(np.isinf(extra_high), inf, np.array(extra_high, dtype=float))])
        lp.row_lower_ = np.where(np.isinf(row_low), -inf, np.array(row_low, dtype=float))
        lp.row_upper_ = np.where(np.isinf(row_high), inf, np.array(row_high, dtype=float))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
        # the core class: the package's own prints a banner on stdout, once per process (the CLI's output too)
        self.highs = getattr(getattr(highspy, "_core", None), "_Highs", highspy.Highs)()
        self.highs.setOptionValue("output_flag", False)
        self.highs.passModel(lp)
        self.optimal, self.infeasible_status = highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible
        self.column, self.is_pulled = column, pulled
        self.plain = columns[~pulled[columns]]  # the values that are columns of their own
        self.indices = np.arange(width, dtype=np.int32)

    def _bounds_of(self, low, high):
        """The columns' bounds for a reader's `low` and `high`: a pulled value's distances above and below."""
        np = self.np
        lower, upper = np.zeros(len(self.indices)), np.zeros(len(self.indices))
        plain, pulled = self.plain, self.pulled
        lower[self.column[plain]] = low[plain]
        upper[self.column[plain]] = np.where(np.isinf(high[plain]), self.inf, high[plain])
        truth = self.truth[pulled]
        upper[self.column[pulled]] = np.where(np.isinf(high[pulled]), self.inf, np.maximum(0.0, high[pulled] - truth))
        upper[self.column[pulled] + 1] = np.maximum(0.0, truth - low[pulled])
        return lower, upper

    def _objective(self, ks, signs) -> None:
        """Sets the costs of the values at positions `ks` to `signs` (0: none), on top of the pull."""
        np = self.np
        cols, costs = [], []
        for k, sign in zip(ks, signs, strict=True):
            c = int(self.column[k])
            if self.is_pulled[k]:
                cols += [c, c + 1]
                costs += [self.PULL + sign, self.PULL - sign]
            else:
                cols.append(c)
                costs.append(sign)
        self.highs.changeColsCost(len(cols), np.array(cols, dtype=np.int32), np.array(costs, dtype=float))

    def pinned(self, low, high, at: list[int], knows: list[int], anyone) -> list[bool] | None:
        """For the shares at positions `at`, whether they are pinned to a reader whose bounds are `low` and `high` and
        who knows the values of the schools `knows` (owner numbers), where `anyone` are everyone's bounds (`low`,
        `high`): by the witnesses kept, then by a few programs that push every share still in doubt up or down at
        random, and the rest by a program of their own for the least and the most. Unbounded, or lines that cannot
        all hold in these bounds: not pinned (nothing read); None if the lines cannot hold."""
        np = self.np
        at = np.asarray(at, dtype=int)
        kept = min(self.count, self.KEPT)
        theirs = ~self.moved[:kept][:, knows].any(axis=1) if knows else np.ones(kept, dtype=bool)
        seen = self.kept[:kept][theirs][:, at]
        truth = self.truth[at]  # the truth itself is a witness to every reader
        self.least = np.fmin(seen.min(axis=0), truth) if len(seen) else truth.copy()
        self.most = np.fmax(seen.max(axis=0), truth) if len(seen) else truth.copy()
        self.knows, self.infeasible = knows, False
        doubt = np.flatnonzero(~self._free())
        result = np.zeros(len(at), dtype=bool)
        if not len(doubt):
            return result.tolist()
        movable = anyone[1] - anyone[0] > 1e-9
        if self.movable is None or not np.array_equal(movable, self.movable):
            self._build(*anyone)
        h = self.highs
        outside = self.column[at[doubt]] < 0  # pinned in everyone's bounds (`_Settled` finds those first)
        result[doubt[outside]] = True
        doubt = doubt[~outside]
        h.changeColsBounds(len(self.indices), self.indices, *self._bounds_of(low, high))
        random = np.random.default_rng(len(doubt))
        while len(doubt) >= 4:  # each round frees half of those in doubt, or more, or is the last
            signs = random.choice([-1.0, 1.0], size=len(doubt))
            for direction in (1.0, -1.0):
                self._objective(at[doubt], direction * signs)
                self._run(at)
            self._objective(at[doubt], np.zeros(len(doubt)))
            left = doubt[~self._free()[doubt]]
            if len(left) > len(doubt) / 2:
                doubt = left
                break
            doubt = left
        for j in doubt:
            k = int(at[j])
            ends = {}
            # the way with more room from the truth first: one program frees most
            ways = (-1.0, 1.0) if high[k] - self.truth[k] > self.truth[k] - low[k] else (1.0, -1.0)
            for sign in ways:
                if self._free()[j]:
                    break
                self._objective([k], [sign])
                point = self._run(at)
                self._objective([k], [0.0])
                if point is None:
                    break
                ends[sign] = point[k]
            if len(ends) == 2:  # the least (sign 1) and the most
                result[j] = math.ceil(ends[1.0] - 1e-6) >= math.floor(ends[-1.0] + 1e-6)
        return None if self.infeasible else result.tolist()

    def _free(self):
        """Per share asked, whether its witnesses so far are a whole pupil or more apart."""
        np = self.np
        with np.errstate(invalid="ignore"):
            return np.ceil(self.least - 1e-6) < np.floor(self.most + 1e-6)

    def _run(self, at):
        """Solves the program as it stands, keeps its solution as a witness, and widens what is seen of `at`."""
        np, h = self.np, self.highs
        h.run()
        status = h.getModelStatus()
        if status != self.optimal:
            self.infeasible |= status == self.infeasible_status
            return None
        point = self.fixed.copy()
        values = np.array(h.getSolution().col_value[: len(self.indices)])
        point[self.plain] = values[self.column[self.plain]]
        at_ = self.column[self.pulled]
        point[self.pulled] = self.truth[self.pulled] + values[at_] - values[at_ + 1]
        slot = self.count % self.KEPT  # the oldest goes
        self.kept[slot] = point
        away = np.abs(point[self.pulled] - self.truth[self.pulled]) > 1e-6
        self.moved[slot] = np.bincount(self.owner[self.pulled], weights=away, minlength=self.schools) > 0
        self.count += 1
        if not self.knows or not self.moved[slot][self.knows].any():
            self.least, self.most = np.fmin(self.least, point[at]), np.fmax(self.most, point[at])
        return point


def _needed(cells: list[dict], lines: list[tuple[int, list[int]]], targets: set[int], added: list[int], np) -> list[int]:
    """`added` without the shares that protect nothing once the later ones are hidden: the search hides one share at
    a time, and an early pick can end up alone hidden on a line, where anyone works it out again (the demo's 10. trinn
    jenter, hidden for 9. trinn jenter, which 8. trinn then protected). Each is shown again, latest first, while no
    target is pinned without it."""
    by_i = {c["_i"]: c for c in cells}
    hidden = {c["_i"] for c in cells if c["_skjult"]} | set(added)
    kept = list(added)
    for i in reversed(added):
        trial = hidden - {i}
        if not any(pinned for _reader, pinned in _pinned_values(sorted(trial), lines, targets, [frozenset()], by_i, np)):
            hidden = trial
            kept.remove(i)
    return kept


def _share_lines(cells: list[dict]) -> list[tuple[int, list[int]]]:
    """Ungdata's lines as (total, members) by `_i`: «alle» and the kjønn of each trinn, «8-10» and the three trinn of
    each kjønn, all ages («alle») and FHI's age groups of each kjønn."""
    by_trinn: dict[str, list[dict]] = {}
    by_span: dict[str, list[dict]] = {}
    by_age: dict[str, list[dict]] = {}
    for c in cells:
        trinn = c["trinn"] or ""
        by_trinn.setdefault(trinn, []).append(c)
        if trinn in SPAN_TRINN:
            by_span.setdefault(c["kjonn"], []).append(c)
        if trinn == "alle" or trinn.endswith(" år"):
            by_age.setdefault(c["kjonn"], []).append(c)
    lines: list[tuple[int, list[int]]] = []
    for groups, column, total in ((by_trinn, "kjonn", "alle"), (by_span, "trinn", "8-10"), (by_age, "trinn", "alle")):
        for grouped in groups.values():
            totals = [c["_i"] for c in grouped if c[column] == total]
            if len(totals) == 1 and len(grouped) > 1:
                lines.append((totals[0], [c["_i"] for c in grouped if c["_i"] != totals[0]]))
    return lines


SMALL_COUNT_LABEL = "1–4"
SECONDARY_LABEL = "skjult"


def protect_counts(
    cells: list[list[int]], min_count: int = 5, groups: tuple[frozenset[int], ...] = ()
) -> tuple[list[list[str]], list[list[bool]]]:
    """Small-number protection for a table of counts with its row and column totals.

    `cells` is rows × columns of non-negative counts. Returns the text to show for the table
    extended with a total column and a total row (so (r+1) × (c+1)), and which of those cells are
    hidden. Counts from 1 to `min_count - 1` show as "1–4" (primary suppression). Then, while
    any row or column (totals included) has exactly one hidden cell, the smallest other cell of
    that line is hidden too ("skjult"), so no hidden value equals a shown total minus shown cells; and an audit
    (`_pinned_cells`) makes sure no small count follows from several lines together either. Last, a total hidden on
    the way in the municipality's row is shown again when the table stays as safe without it (the largest first).

    All of that holds also for a reader who knows one row exactly: every rektor knows the own school's counts, and
    the same protected table is shown to every rektor, FAU and report reader (a table protected for one reader only
    gives the others' hidden cells away to that reader). `groups` are rows one reader knows together (a rektor of
    several schools); each row alone is always assumed known to someone.
    """
    n_rows, n_cols = len(cells), len(cells[0]) if cells else 0
    full = [[*row, sum(row)] for row in cells]
    full.append([sum(cells[r][c] for r in range(n_rows)) for c in range(n_cols)] + [sum(map(sum, cells))])
    hidden = [[0 < v < min_count for v in row] for row in full]
    secondary = [[False] * (n_cols + 1) for _ in range(n_rows + 1)]
    several = [g for g in groups if len(g) > 1]

    def readers(hidden_rows: set[int]) -> list[frozenset[int]]:
        """What readers may know that matters here: nothing, one of these rows, or a group touching them."""
        return [frozenset(), *(frozenset({r}) for r in sorted(hidden_rows) if r < n_rows),
                *(g for g in several if g & hidden_rows)]

    def lone_for(line) -> frozenset[int] | None:
        """The first reader for whom `line` has exactly one hidden cell they do not know (it would follow from the
        line's others), or None."""
        at = [p for p in line if hidden[p[0]][p[1]]]
        return next((known for known in readers({r for r, _ in at}) if sum(r not in known for r, _ in at) == 1), None)

    def hide_more(line, known: frozenset[int]) -> bool:
        candidates = [p for p in line if not hidden[p[0]][p[1]] and p[0] not in known]
        if not candidates:
            return False
        r, c = min(candidates, key=lambda p: (full[p[0]][p[1]] == 0, full[p[0]][p[1]], p))
        hidden[r][c] = True
        secondary[r][c] = True
        return True

    everywhere = [(r, c) for r in range(n_rows + 1) for c in range(n_cols + 1)]
    while True:
        changed = True
        while changed:  # the easy case first: a line with one hidden cell the reader does not know
            changed = False
            for line in _lines(n_rows, n_cols):
                if (known := lone_for(line)) is not None:
                    changed = hide_more(line, known) or changed
        # Several lines together can still pin a value (three «1–4» cells whose sum the totals give as 3 are 1
        # each); the audit finds every such cell, for every reader, and a cell beside it goes.
        pinned = _pinned_cells(full, hidden, secondary, min_count, several)
        if not pinned:
            break
        progress = False
        for (r, c), known in pinned:
            row = [(r, cc) for cc in range(n_cols + 1)]
            col = [(rr, c) for rr in range(n_rows + 1)]
            if hide_more(row, known) or hide_more(col, known):
                progress = True
            elif not secondary[r][c]:
                # Its lines are hidden already: «1–4» itself gives it away (four such cells adding up to «1–4» are
                # 1 each). Shown as «skjult», it no longer says it is at least 1.
                secondary[r][c] = progress = True
        if not progress and not hide_more(everywhere, pinned[0][1]):
            break  # nothing is shown any more
    # The audit hides a cell beside every pinned cell of a round at once, and the later picks can make the earlier
    # ones needless: a reviewer found Fjellvik's «Kommunen i alt» for 2024-25 hidden (108 aktivitetsplaner, 140 in
    # all), picked in the round that also hid the 17 beside the three small municipality totals, which that one pick
    # already left open. So the municipality's totals are shown again where they can be, the largest first: each
    # while no line gets a lone hidden cell for any reader and the audit still finds nothing. Only cells hidden above
    # are shown again, and no label changes: a reader who saw the table as it was before learns nothing more from the
    # two together than from this one. (The schools' «I alt» too would cost an audit each: 0.13 → 0.5 s for 170
    # schools.)
    for r, c in sorted(((n_rows, c) for c in range(n_cols + 1) if hidden[n_rows][c]
                        and not 0 < full[n_rows][c] < min_count), key=lambda p: (-full[p[0]][p[1]], p)):
        hidden[r][c] = secondary[r][c] = False
        lines = ([(r, cc) for cc in range(n_cols + 1)], [(rr, c) for rr in range(n_rows + 1)])
        if any(lone_for(line) is not None for line in lines) or _pinned_cells(full, hidden, secondary, min_count,
                                                                                several):
            hidden[r][c] = secondary[r][c] = True
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
    full: list[list[int]], hidden: list[list[bool]], secondary: list[list[bool]], min_count: int,
    groups: list[frozenset[int]] = (),
) -> list[tuple[tuple[int, int], frozenset[int]]]:
    """The hidden cells holding 1 to `min_count` − 1 whose value follows from what the table shows, each with the
    rows a reader must know for it to follow (none, one row, or one of `groups`).

    A reader knows every shown number, that each row and column adds up to its total, that a «1–4» cell lies
    between 1 and `min_count` − 1 and a «skjult» cell is 0 or more, and perhaps the rows of one school exactly.
    Another table the reader cannot tell from the true one differs from it by a sum of cycles: cells around a
    closed path through rows and columns, each one up or down by one in turn (a total row or column counted the
    other way), every cell with room for its step. (Any such difference splits into cycles whose steps go the same
    way as its own and are no larger, so each cycle alone fits too.) A cell is therefore open exactly when a cycle
    of unknown hidden cells runs through it: a search in a graph of rows and columns, no linear programme, and exact.
    For a reader who knows a row, the cycles through that row are closed to them.
    """
    n, m = len(full), len(full[0])
    f = [1] * (n - 1) + [-1]  # the total row is subtracted in its column's sum
    e = [1] * (m - 1) + [-1]  # the total column is subtracted in its row's sum
    # Nodes: rows 0..n-1, columns n..n+m-1. A step «+1» on cell (x, y) changes its count by f[x]·e[y]; the edge
    # row → column is that step, column → row the step «−1». (With those signs every cycle keeps every sum.)
    out_edges: list[set[int]] = [set() for _ in range(n + m)]
    small = []
    for x in range(n):
        for y in range(m):
            if not hidden[x][y]:
                continue
            v, sign = full[x][y], f[x] * e[y]
            low, high = (0, None) if secondary[x][y] else (1, min_count - 1)
            up, down = (high is None or v + 1 <= high), v - 1 >= low
            if up if sign > 0 else down:
                out_edges[x].add(n + y)
            if down if sign > 0 else up:
                out_edges[n + y].add(x)
            if 0 < v < min_count:
                small.append((x, y))

    def cycle_rows(x: int, y: int, banned: frozenset[int]) -> set[int] | None:
        """The rows of a cycle through (x, y) avoiding the `banned` rows, or None when there is none."""
        for start, goal in ((n + y, x), (x, n + y)):  # the step +1 (back from the column), then −1
            if start not in out_edges[goal]:
                continue  # no room for that step on (x, y) itself
            came = {start: -1}
            queue = [start]
            for node in queue:
                if node == goal:
                    break
                for nxt in out_edges[node]:
                    if nxt in came or nxt in banned or (node == start and nxt == goal):  # not (x, y) back again
                        continue
                    came[nxt] = node
                    queue.append(nxt)
            if goal in came:
                rows, node = set(), goal
                while node != -1:
                    if node < n:
                        rows.add(node)
                    node = came[node]
                return rows
        return None

    pinned = []
    for x, y in small:
        rows = cycle_rows(x, y, frozenset())
        if rows is None:
            pinned.append(((x, y), frozenset()))
            continue
        # A reader who knows a row on this cycle needs another cycle; one that knows no row on it has this one.
        for r in sorted(rows - {x, n - 1}):
            if cycle_rows(x, y, frozenset({r})) is None:
                pinned.append(((x, y), frozenset({r})))
                break
        else:
            for g in groups:
                if x not in g and g & rows and cycle_rows(x, y, g) is None:
                    pinned.append(((x, y), g))
                    break
    return pinned
