"""No Elevundersøkelsen share hidden for few answers (ours or Udir's) can be worked out by a reader who solves every
line together as whole pupils: anyone, or a rektor who knows the own school's values. The attacker is scipy's integer
solver over a model of its own (the pupils who gave no kjønn in «alle», the answers Udir hid as unknowns); nothing
from the code under test."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from dashboard.viewer import Viewer

J, G, A = "jenter", "gutter", "alle"
SCHEMA = {"skoleaar": pl.String, "indikator_kode": pl.String, "kommunenr": pl.String, "orgnr": pl.String,
          "trinn": pl.Int32, "kjonn": pl.String, "antall_besvart": pl.Int32, "skjermet": pl.Boolean,
          "verdi": pl.Float64, "maal": pl.String}
MUNICIPAL_TRINN = (7, 10)
"""The trinn Udir publishes a municipality's own rows for (and all trinn)."""


def _table(pupils: dict[tuple, tuple[int, int]], no_kjonn: dict[tuple, tuple[int, int]], udir: set[tuple]):
    """One municipality's share table as Udir publishes it, from each school's (answers, pupils) per trinn and kjønn
    and those who gave no kjønn (counted in «alle» only); the `udir` cells withheld, answers and all. Returns the
    table and the truth of every cell."""
    truth: dict[tuple, list[int]] = {}
    groups = [((o, t, k), nv) for (o, t, k), nv in pupils.items()] + [((o, t, None), nv) for (o, t), nv in
                                                                       no_kjonn.items()]
    for (o, t, k), (n, yes) in groups:
        for key in [(oo, tt, kk) for oo in (o, None) for tt in (t, None) for kk in ((k, A) if k else (A,))]:
            total = truth.setdefault(key, [0, 0])
            total[0] += n
            total[1] += yes
    rows = []
    for (o, t, k), (n, yes) in truth.items():
        if not n or (o is None and t is not None and t not in MUNICIPAL_TRINN):
            continue
        withheld = (o, t, k) in udir
        rows.append(("2024-25", "EUIndeks_1398", "9909", o, t, k, None if withheld else n, withheld,
                     None if withheld else round(100 * yes / n, 1), "andel"))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row"), {key: tuple(v) for key, v in truth.items()}


def _pupils_to(shown: pl.DataFrame, truth: dict[tuple, tuple[int, int]], reader: str | None):
    """For each share hidden for few answers or by Udir (not the rektor's own school's), the fewest and most pupils it can
    stand for, to a reader who sees `shown` and, as a rektor, the own school's values we hid (not Udir's). Unknowns:
    the pupils of every hidden value, the answers Udir hid, and per «alle» the pupils without kjønn and their answers;
    a group has between none and all of its answers."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    cells = {(r["orgnr"], r["trinn"], r["kjonn"]): r for r in shown.to_dicts()}
    schools = sorted({o for o, _t, _k in cells if o})
    trinn = sorted({t for _o, t, _k in cells if t is not None})
    for t in trinn:  # the municipality's rows Udir does not publish: unknowns, of none or more answers
        for k in (J, G, A):
            if (None, t, k) not in cells and any((o, t, k) in cells for o in schools):
                cells[(None, t, k)] = {"antall_besvart": None, "verdi": None, "skjermet": False, "virtual": True}
    own = {key for key, c in cells.items() if reader and key[0] == reader and not c["skjermet"]}
    var: dict[tuple, int] = {}
    for key, c in cells.items():
        var[("yes", key)] = len(var)
        if c["antall_besvart"] is None:
            var[("n", key)] = len(var)
    alle_lines = [(o, t) for (o, t, k) in cells if k == A]
    for key in alle_lines:
        var[("rest_yes", key)] = len(var)
        var[("rest_n", key)] = len(var)
    size = len(var)
    low, high = np.zeros(size), np.full(size, 1e5)
    rows, lo, hi = [], [], []

    def at_most_all(yes: int, n: int) -> None:
        for bound in ((1.0, -1.0, -np.inf, 0.0),):  # yes - n <= 0
            row = np.zeros(size)
            row[yes], row[n] = bound[0], bound[1]
            rows.append(row)
            lo.append(bound[2])
            hi.append(bound[3])

    for key, c in cells.items():
        j = var[("yes", key)]
        if key in own or c["verdi"] is not None:
            n = c["antall_besvart"]
            yes = truth[key][1] if key in own else None
            if yes is None:
                low[j] = max(0.0, np.ceil((c["verdi"] - 0.05) * n / 100 - 1e-9))
                high[j] = min(float(n), np.floor((c["verdi"] + 0.05) * n / 100 + 1e-9))
            else:
                low[j] = high[j] = yes
        elif ("n", key) in var:
            low[var[("n", key)]] = 0 if c.get("virtual") else 1
            at_most_all(j, var[("n", key)])
        else:
            high[j] = c["antall_besvart"]
    for key in alle_lines:
        at_most_all(var[("rest_yes", key)], var[("rest_n", key)])

    def equal(terms: list[tuple[int, str, tuple]]) -> None:
        row, right = np.zeros(size), 0.0
        for sign, what, key in terms:
            if (what, key) in var:
                row[var[(what, key)]] += sign
            else:  # a count shown
                right -= sign * cells[key]["antall_besvart"]
        rows.append(row)
        lo.append(right)
        hi.append(right)

    for what in ("yes", "n"):
        for t in [*trinn, None]:
            for k in (J, G, A):
                members = [(o, t, k) for o in schools if (o, t, k) in cells]
                if (None, t, k) in cells and members:
                    equal([(1, what, (None, t, k)), *((-1, what, m) for m in members)])
        for o in [*schools, None]:
            for t in [*trinn, None]:
                if (o, t, A) in cells:
                    members = [(o, t, k) for k in (J, G) if (o, t, k) in cells]
                    equal([(1, what, (o, t, A)), *((-1, what, m) for m in members), (-1, "rest_" + what, (o, t))])
            for k in (J, G, A):
                members = [(o, t, k) for t in trinn if (o, t, k) in cells]
                if (o, None, k) in cells and members:
                    equal([(1, what, (o, None, k)), *((-1, what, m) for m in members)])
    constraints = [LinearConstraint(np.array(rows), np.array(lo), np.array(hi))]
    found = {}
    for key, c in cells.items():
        reason = c.get("skjult_grunn") or ""
        if (reader and key[0] == reader) or not (reason.startswith("Skjult: færre") or reason.startswith("Skjermet")):
            continue
        if reader and key[0] is None and {o for (o, t, k), (n, _yes) in truth.items()
                                          if o and n and t == key[1] and k == key[2]} == {reader}:
            continue  # the municipality's pupils are all the rektor's own
        ends = []
        for sign in (1, -1):
            goal = np.zeros(size)
            goal[var[("yes", key)]] = sign
            result = milp(goal, constraints=constraints, integrality=np.ones(size), bounds=Bounds(low, high))
            assert result.status == 0, (key, result.message)
            ends.append(round(sign * result.fun))
        found[key] = tuple(ends)
    return found


REVIEWED = {
    # Anyone: «alle» of S0 counts pupils without kjønn in 5., 6. and 10. trinn; all but S0's 6. trinn jenter said yes.
    "alle_med_ukjent_kjonn": (12, {
        ("S0", 5, J): (19, 15), ("S0", 5, G): (17, 15), ("S0", 6, J): (5, 5), ("S0", 6, G): (30, 30),
        ("S0", 7, J): (4, 4), ("S0", 7, G): (3, 2), ("S0", 8, J): (3, 3), ("S0", 8, G): (4, 4), ("S0", 9, J): (7, 7),
        ("S0", 9, G): (6, 5), ("S0", 10, J): (0, 0), ("S0", 10, G): (15, 15), ("S1", 5, J): (1, 1),
        ("S1", 5, G): (0, 0), ("S1", 6, J): (39, 34), ("S1", 6, G): (40, 37), ("S1", 7, J): (25, 24),
        ("S1", 7, G): (0, 0)},
        {("S0", 5): (2, 2), ("S0", 6): (2, 2), ("S0", 10): (1, 1), ("S1", 6): (3, 3)},
        {("S0", 7, G), ("S0", 7, J), ("S0", 8, G), ("S0", 8, J), ("S1", 5, A), ("S1", 5, J), (None, 7, G)}),
    # A rektor of S2: the municipality's gutter less S2's and S3's leave 1 pupil for S0 and S1, and S1's shown
    # 10. trinn has it; Udir's hidden 9. trinn gutter at S1 have their answers only as «alle» less the rest.
    "rektor_over_flere_linjer": (12, {
        ("S0", 5, J): (9, 0), ("S0", 5, G): (5, 0), ("S0", 6, J): (6, 1), ("S0", 6, G): (29, 0), ("S0", 7, J): (0, 0),
        ("S0", 7, G): (0, 0), ("S1", 8, J): (2, 1), ("S1", 8, G): (0, 0), ("S1", 9, J): (0, 0), ("S1", 9, G): (2, 0),
        ("S1", 10, J): (14, 1), ("S1", 10, G): (25, 1), ("S2", 8, J): (0, 0), ("S2", 8, G): (25, 3),
        ("S2", 9, J): (29, 1), ("S2", 9, G): (0, 0), ("S2", 10, J): (25, 2), ("S2", 10, G): (8, 0),
        ("S3", 5, J): (0, 0), ("S3", 5, G): (0, 0), ("S3", 6, J): (9, 2), ("S3", 6, G): (16, 1), ("S3", 7, J): (2, 0),
        ("S3", 7, G): (5, 0), ("S3", 8, J): (0, 0), ("S3", 8, G): (7, 2), ("S3", 9, J): (9, 0), ("S3", 9, G): (0, 0),
        ("S3", 10, J): (0, 0), ("S3", 10, G): (24, 4)},
        {("S0", 6): (1, 1), ("S1", 9): (3, 0), ("S3", 6): (1, 1), ("S3", 8): (3, 0)},
        {("S1", 8, A), ("S1", 8, J), ("S1", 9, G), ("S3", 7, J), (None, 7, J)}),
    # Anyone: S0's 7. trinn jenter, 8 of 8 (threshold 12), where every «alle» of S0 counts 2 pupils without kjønn.
    "alle_med_ukjent_kjonn_hvert_trinn": (12, {
        ("S0", 5, J): (3, 3), ("S0", 5, G): (14, 12), ("S0", 6, J): (0, 0), ("S0", 6, G): (6, 5), ("S0", 7, J): (8, 8),
        ("S0", 7, G): (25, 21), ("S0", 8, J): (4, 4), ("S0", 8, G): (17, 15), ("S0", 9, J): (16, 15),
        ("S0", 9, G): (12, 12), ("S0", 10, J): (12, 9), ("S0", 10, G): (30, 25), ("S1", 8, J): (2, 2),
        ("S1", 8, G): (0, 0), ("S1", 9, J): (21, 16), ("S1", 9, G): (8, 8), ("S1", 10, J): (0, 0),
        ("S1", 10, G): (8, 7)},
        {("S0", 5): (2, 2), ("S0", 7): (2, 2), ("S0", 8): (2, 2), ("S0", 9): (2, 2), ("S0", 10): (2, 2),
         ("S1", 8): (1, 1), ("S1", 10): (3, 3)},
        {("S0", 5, J), ("S0", 8, J), ("S1", 8, A), ("S1", 8, J)}),
}


@pytest.mark.parametrize("case", sorted(REVIEWED))
def test_no_hidden_share_is_worked_out_by_solving_every_line_as_whole_pupils(case):
    """Two municipalities a reviewer's integer solver broke: anyone pinned S0's 6. trinn jenter (5 of 5) through an
    «alle» that counts pupils without kjønn, and the rektor of S2 pinned S0's 5. trinn gutter (0 of 5) from the
    municipality's gutter, S2's own and S1's shown 10. trinn. Carrying bounds line by line saw neither; now every
    hidden share stands for at least two numbers of pupils, to anyone and to every rektor."""
    from dashboard.privacy import protect_survey, secondary_survey

    threshold, pupils, no_kjonn, udir = REVIEWED[case]
    cube, truth = _table(pupils, no_kjonn, udir)
    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=threshold)
    shown = protect_survey(cube, viewer, secondary_survey(cube, viewer))
    asked = 0
    for reader in (None, *sorted({o for o, _t, _k in pupils})):
        for key, (fewest, most) in _pupils_to(shown, truth, reader).items():
            asked += 1
            assert most > fewest, (case, reader, key, fewest, most, truth[key])
    assert asked > 10


def test_a_published_value_that_does_not_add_up_does_not_switch_the_check_off():
    """A reviewer published D's all trinn at 13,3 % where its one trinn is 10,0 % (30 answers each): the lines had no
    solution, and nothing was checked (so with 12,0 % of 30, which no whole number of pupils gives). B, C and E (5, 6 and 7 answers, 0 % each, hidden) were then the municipality's
    10. trinn (1 of 58) less A's (1 of 40): 0 pupils between them, all three read as 0 %. The line that does not
    hold is left out, and the rest are checked: A's or the municipality's 10. trinn is hidden too."""
    from dashboard.privacy import protect_survey, secondary_survey

    def row(orgnr: str | None, trinn: int | None, n: int, share: float) -> tuple:
        return ("2024-25", "EUIndeks_1398", "9909", orgnr, trinn, A, n, False, share, "andel")

    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=10)
    # D's 7. trinn, D's all trinn, the municipality's 7. trinn and all trinn: as they add up; one that does not; and
    # shares no whole number of pupils gives (12,0 % of 30, 5,2 % of 88)
    for d_7, d_all, m_7, m_all in ((10.0, 10.0, 10.0, 4.5), (10.0, 13.3, 10.0, 4.5), (12.0, 12.0, 12.0, 5.2)):
        cube = pl.DataFrame([
            row("A", 10, 40, 2.5), row("A", None, 40, 2.5), row("B", 10, 5, 0.0), row("B", None, 5, 0.0),
            row("C", 10, 6, 0.0), row("C", None, 6, 0.0), row("E", 10, 7, 0.0), row("E", None, 7, 0.0),
            row("D", 7, 30, d_7), row("D", None, 30, d_all), row(None, 10, 58, 1.7), row(None, 7, 30, m_7),
            row(None, None, 88, m_all),
        ], schema=SCHEMA, orient="row")
        shown = protect_survey(cube, viewer, secondary_survey(cube, viewer))
        tenth = dict(zip(shown.filter(pl.col("trinn") == 10)["orgnr"], shown.filter(pl.col("trinn") == 10)["verdi"],
                         strict=True))
        assert {tenth["B"], tenth["C"], tenth["E"]} == {None}, shown
        assert tenth["A"] is None or tenth[None] is None, (d_7, d_all, shown)
