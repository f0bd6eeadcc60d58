"""No Ungdata share hidden for few answers can be worked out from the shares shown, by solving the lines together."""

from __future__ import annotations

import random

import numpy as np
import polars as pl

from dashboard.viewer import Viewer
from pipelines.cli import main as cli
from tests.conftest import query

SCHEMA = {"kilde": pl.String, "geo_niva": pl.String, "geo": pl.String, "kommunenr": pl.String, "periode": pl.String,
          "indikator_kode": pl.String, "trinn": pl.String, "kjonn": pl.String, "andel": pl.Float64,
          "antall_svar": pl.Int32, "skjermet": pl.Boolean, "flagg": pl.Int32}


def _table(answers: dict[tuple[str, str], int], withheld: set[tuple[str, str]], seed: int = 0,
           yes: dict[tuple[str, str], int] | None = None) -> pl.DataFrame:
    """One municipality's Ungdata table as FHI publishes it: jenter and gutter per trinn, «alle» and «8-10» their
    sums (the shares weighted by the answers), the `withheld` groups anonymised by the source (flag 3). The pupils
    who said yes are random (from `seed`) where `yes` does not give them."""
    rng, answers = random.Random(seed), dict(answers)
    yes = {key: rng.randint(0, n) for key, n in answers.items()} | (yes or {})
    for kjonn in ("jenter", "gutter"):
        for counts in (answers, yes):
            counts[("8-10", kjonn)] = sum(counts[(t, kjonn)] for t in ("8", "9", "10"))
    for trinn in ("8", "9", "10", "8-10"):
        for counts in (answers, yes):
            counts[(trinn, "alle")] = counts[(trinn, "jenter")] + counts[(trinn, "gutter")]
    rows = [("ungdata", "kommune", "9909", "9909", "2024", "trives", t, k,
             None if (t, k) in withheld else 100 * yes[(t, k)] / n, n, False, 3 if (t, k) in withheld else 0)
            for (t, k), n in answers.items()]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _solved(shares: pl.DataFrame, protected=None) -> list[tuple]:
    """The shares hidden for few answers that a reader works out from those shown and the answer counts by solving
    every line at once (alle = jenter + gutter per trinn; 8-10 = 8 + 9 + 10 per kjønn; answers × share is a number
    of pupils): those where the null space of the equations in the unknown shares is zero. Each table (source,
    place, period, indicator) by itself, with numpy's SVD and nothing from the code under test."""
    solved = []
    for table, part in shares.group_by("kilde", "geo_niva", "geo", "periode", "indikator_kode"):
        cells = {(c["trinn"], c["kjonn"]): c for c in part.to_dicts()}
        unknown = [key for key, c in cells.items() if c["andel"] is None]
        column = {key: j for j, key in enumerate(unknown)}
        lines = [((t, "alle"), [(t, "jenter"), (t, "gutter")]) for t in ("8", "9", "10", "8-10")]
        lines += [(("8-10", k), [("8", k), ("9", k), ("10", k)]) for k in ("alle", "jenter", "gutter")]
        equations = []
        for total, members in lines:
            if total not in cells or any(m not in cells for m in members):
                continue
            row = np.zeros(len(unknown))
            for key, sign in [(total, 1.0), *((m, -1.0) for m in members)]:
                if key in column:
                    row[column[key]] += sign * (cells[key]["antall_svar"] or 1)
            equations.append(row)
        if not unknown:
            continue
        matrix = np.array(equations) if equations else np.zeros((1, len(unknown)))
        _u, singular, vt = np.linalg.svd(matrix)
        null = vt[int((singular > 1e-9).sum()):]
        guarded = protected or (lambda cell: (cell["skjult_grunn"] or "").startswith("Skjult: færre"))
        solved += [(*table, *key) for key in unknown if guarded(cells[key])
                   and (null.shape[0] == 0 or np.abs(null[:, column[key]]).max() < 1e-6)]
    return solved


FAU = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset({"S1"}), min_respondents=12)


def test_a_share_hidden_for_few_answers_cannot_be_worked_out_through_shares_the_source_withheld():
    """The reviewer's shape: 10. trinn jenter and 9. trinn gutter withheld by FHI are each alone in their trinn, so
    they follow from «alle»; with them, the 8.–10. totals gave 8. trinn jenter and gutter (10 answers each, hidden
    for fewer than 12). Enough more is hidden now that neither follows, and the page says why."""
    from dashboard.privacy import REASON_SECONDARY, protect_share

    answers = {("8", "jenter"): 10, ("8", "gutter"): 10, ("9", "jenter"): 14, ("9", "gutter"): 9,
               ("10", "jenter"): 8, ("10", "gutter"): 14}
    out = protect_share(_table(answers, {("9", "gutter"), ("10", "jenter")}), FAU)
    reasons = dict(zip(out.select("trinn", "kjonn").rows(), out["skjult_grunn"], strict=True))
    assert reasons[("8", "jenter")] == reasons[("8", "gutter")] == "Skjult: færre enn 12 svar"
    assert REASON_SECONDARY in reasons.values(), reasons
    assert _solved(out) == []
    assert out["andel"].null_count() <= 6, out  # not everything: the fewest more, as the line rule hides


def test_no_share_hidden_for_few_answers_is_solved_in_random_ungdata_tables():
    """Random municipalities with small groups, some withheld by the source as FHI does: whatever the chains
    through the source's shares, the lines together pin none of the shares hidden for few answers."""
    from dashboard.privacy import protect_share

    for seed in range(40):
        rng = random.Random(seed)
        answers = {(t, k): rng.choice([rng.randint(5, 9), rng.randint(8, 16), rng.randint(10, 40)])
                   for t in ("8", "9", "10") for k in ("jenter", "gutter")}
        withheld = {key for key, n in answers.items() if n < 10 and rng.random() < 0.7}
        viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(),
                        min_respondents=rng.choice([10, 12, 14, 16]))
        out = protect_share(_table(answers, withheld, seed), viewer)
        assert _solved(out) == [], (seed, out)


def _reviewers_chain(table: pl.DataFrame) -> dict[tuple[str, str], float | None]:
    """The reviewer's steps, with the answer counts: 10. trinn jenter and 9. trinn gutter from «alle» and the other
    kjønn, then 8. trinn jenter and gutter from the 8.–10. totals. None where a share it needs is not shown."""
    share = {(r["trinn"], r["kjonn"]): r["andel"] for r in table.iter_rows(named=True)}
    n = {(r["trinn"], r["kjonn"]): r["antall_svar"] for r in table.iter_rows(named=True)}

    def rest(total: tuple, known: list[tuple], unknown: tuple) -> float | None:
        if share[total] is None or any(share[k] is None for k in known):
            return None
        return (n[total] * share[total] - sum(n[k] * share[k] for k in known)) / n[unknown]

    for key, total, known in ((("10", "jenter"), ("10", "alle"), [("10", "gutter")]),
                              (("9", "gutter"), ("9", "alle"), [("9", "jenter")])):
        share[key] = share[key] if share[key] is not None else rest(total, known, key)
    return {(t, k): rest(("8-10", k), [("9", k), ("10", k)], (t, k)) for t, k in (("8", "jenter"), ("8", "gutter"))}


def test_fau_at_holmen_cannot_work_out_8_trinn_from_the_ungdata_page_at_min_svar_12(demo_db, warehouse):
    """The reviewer's case: FAU for Holmen skule, Sjøbygd 9902 at `min-svar 12`, «Fornøyd med foreldrene» 2024 by
    trinn and kjønn. 8. trinn jenter and gutter (10 answers each) followed exactly from the shares shown through the
    two the source withheld; now the chain stops, and nothing hidden for few answers in the municipality is solved."""
    from dashboard import queries
    from dashboard.viewer import thresholds_from

    assert cli(["--db", str(demo_db), "innstilling", "min-svar", "12", "--kommune", "9902"]) == 0
    default, per = thresholds_from(dict(query(demo_db, "SELECT nokkel, verdi FROM meta.innstilling")))
    [(holmen,)] = query(demo_db, "SELECT orgnr FROM core.skole WHERE navn = 'Holmen skule'")
    fau = Viewer(role="fau", kommuner=frozenset({"9902"}), skoler=frozenset({holmen}), min_respondents=default,
                 thresholds=per, brukernavn="fau.holmen")
    shares = queries.ungdata(fau, kommunenr="9902").filter(pl.col("geo_niva") == "kommune")
    table = shares.filter((pl.col("indikator_kode") == "fornoyd_med_foreldrene") & (pl.col("periode") == "2024"))
    reasons = dict(zip(table.select("trinn", "kjonn").rows(), table["skjult_grunn"], strict=True))
    assert reasons[("8", "jenter")] == reasons[("8", "gutter")] == "Skjult: færre enn 12 svar"
    assert _reviewers_chain(table) == {("8", "jenter"): None, ("8", "gutter"): None}
    assert _solved(shares) == []


def test_a_share_the_source_withheld_for_fewer_answers_than_the_threshold_cannot_be_worked_out():
    """FHI withheld 10. trinn jenter (8 answers): alone hidden in its trinn, it followed from «alle» and gutter at the
    default threshold of 10 (13 such shares in the demo). Under the municipality's threshold it would have been
    hidden here anyway, so the page must not give it away; a withheld group of many answers is the source's own."""
    from dashboard.privacy import protect_share

    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset({"S1"}), min_respondents=10)
    answers = {("8", "jenter"): 30, ("8", "gutter"): 31, ("9", "jenter"): 28, ("9", "gutter"): 33,
               ("10", "jenter"): 8, ("10", "gutter"): 29}
    out = protect_share(_table(answers, {("10", "jenter")}), viewer)
    few = _solved(out, protected=lambda cell: cell["antall_svar"] < 10)
    assert few == [] and out.filter(pl.col("andel").is_null()).height > 1
    many = protect_share(_table({**answers, ("10", "jenter"): 25}, {("10", "jenter")}), viewer)
    assert many.filter(pl.col("andel").is_null()).height == 1  # a large withheld group hides nothing more



def test_a_share_at_0_or_100_percent_over_a_hidden_one_is_hidden_too_and_cannot_be_worked_out():
    """Elevundersøkelsen's bounds case on the Ungdata page: 8. trinn «alle» at 0,0 % says that the 8. trinn jenter
    hidden for 8 answers are at 0 % too, and so does «8-10» jenter at 0,0 %. Such a share is hidden, and protected as
    the hidden one is (from the 8.–10. totals too); at 1,5 % beside it, nothing more is hidden for it."""
    from dashboard.privacy import REASON_SECONDARY, protect_share

    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=10)
    answers = {("8", "jenter"): 8, ("8", "gutter"): 30, ("9", "jenter"): 28, ("9", "gutter"): 33,
               ("10", "jenter"): 25, ("10", "gutter"): 29}
    nobody = {("8", "jenter"): 0, ("8", "gutter"): 0, ("9", "jenter"): 0, ("10", "jenter"): 0,
              ("9", "gutter"): 5, ("10", "gutter"): 7}
    out = protect_share(_table(answers, set(), yes=nobody), viewer)
    reasons = dict(zip(out.select("trinn", "kjonn").rows(), out["skjult_grunn"], strict=True))
    assert reasons[("8", "jenter")] == "Skjult: færre enn 10 svar"
    assert reasons[("8", "alle")] == reasons[("8-10", "jenter")] == REASON_SECONDARY, reasons
    shown = out.filter(pl.col("andel").is_not_null())
    assert shown.filter(pl.col("andel").is_in([0.0, 100.0]) & pl.col("kjonn").is_in(["jenter", "alle"])
                        & pl.col("trinn").is_in(["8", "8-10"])).is_empty(), shown
    edge = {("8", "alle"), ("8-10", "jenter")}
    assert _solved(out, protected=lambda cell: cell["antall_svar"] < 10 or (cell["trinn"], cell["kjonn"]) in edge) == []
    some = protect_share(_table(answers, set(), yes=nobody | {("8", "gutter"): 1, ("9", "jenter"): 1}), viewer)
    assert some.filter(pl.col("trinn").is_in(["8", "8-10"]) & (pl.col("kjonn") == "alle"))["andel"].null_count() <= 1


def _pupils(shares: pl.DataFrame, answers: dict[tuple[str, str], int]) -> dict[tuple[str, str], tuple[int, int]]:
    """The fewest and most pupils each hidden share of one table can stand for, to a reader who knows that a group
    has between none and all of its answers (`answers`: every group's, as the lines give them, also where the table
    leaves them out), and the shares shown times their answers (whole pupils): scipy's integer solver over the lines,
    nothing from the code under test."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    cells = {(c["trinn"], c["kjonn"]): c for c in shares.to_dicts()}
    hidden = [key for key, c in cells.items() if c["andel"] is None]
    known = {key: round(c["andel"] * answers[key] / 100) for key, c in cells.items() if c["andel"] is not None}
    column = {key: j for j, key in enumerate(hidden)}
    ages = sorted({t for t, _k in cells if t.endswith(" år")})
    lines = [((t, "alle"), [(t, "jenter"), (t, "gutter")]) for t in {t for t, _k in cells}]
    lines += [(("8-10", k), [("8", k), ("9", k), ("10", k)]) for k in ("alle", "jenter", "gutter")]
    lines += [(("alle", k), [(t, k) for t in ages]) for k in ("alle", "jenter", "gutter") if ages]
    rows, rhs, rests = [], [], []
    for total, members in lines:
        if total not in cells or any(m not in cells for m in members):
            continue
        row, right = np.zeros(len(hidden)), 0.0
        for key, sign in [(total, 1), *((m, -1) for m in members)]:
            if key in column:
                row[column[key]] += sign
            else:
                right -= sign * known[key]
        rows.append(row)
        rhs.append(right)
        # «alle» counting those who gave no kjønn: the rest is one more unknown member, none to all of them
        rests.append(max(0, answers[total] - sum(answers[m] for m in members)))
    size = len(hidden) + len(rows)
    matrix = np.zeros((len(rows), size))
    for r, row in enumerate(rows):
        matrix[r, :len(hidden)] = row
        matrix[r, len(hidden) + r] = -1.0
    constraints = [LinearConstraint(matrix, rhs, rhs)] if rows else []
    bounds = Bounds(np.zeros(size), np.array([answers[key] for key in hidden] + rests, dtype=float))
    found = {}
    for key in hidden:
        ends = []
        for sign in (1, -1):
            goal = np.zeros(size)
            goal[column[key]] = sign
            result = milp(goal, constraints=constraints, integrality=np.ones(size), bounds=bounds)
            ends.append(round(sign * result.fun))
        found[key] = (ends[0], ends[1])
    return found


def _few(shares: pl.DataFrame, key: tuple[str, str]) -> bool:
    """Whether the share of (trinn, kjønn) is hidden for few answers: what the protection is for."""
    reason = shares.filter((pl.col("trinn") == key[0]) & (pl.col("kjonn") == key[1]))["skjult_grunn"][0]
    return (reason or "").startswith("Skjult: færre")


def _age_table(answers: dict[tuple[str, str], int], yes: dict[tuple[str, str], int]) -> pl.DataFrame:
    """FHI's table by age group (13–15 and 16–18 år), «alle» its sum, as `_table` is by trinn."""
    answers, yes = dict(answers), dict(yes)
    for counts in (answers, yes):
        for k in ("jenter", "gutter"):
            counts[("alle", k)] = counts[("13-15 år", k)] + counts[("16-18 år", k)]
        for t in ("13-15 år", "16-18 år", "alle"):
            counts[(t, "alle")] = counts[(t, "jenter")] + counts[(t, "gutter")]
    rows = [("kommunehelsa", "kommune", "9909", "9909", "2022–2024", "trives", t, k, 100 * yes[(t, k)] / n, n,
             False, 0) for (t, k), n in answers.items()]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row"), answers


def test_a_hidden_share_is_not_pinned_by_a_group_having_between_none_and_all_of_its_answers():
    """The reviewer's two cases. 8.–10. trinn jenter 4 of 40 and 10. trinn 4 of 20 leave none for 8. and 9. trinn:
    8. trinn jenter (8 answers) at 0 %, though no share shown was 0 %. And «16–18 år» at 100 % makes its jenter,
    hidden only to protect others, 20 of 20, and then 13–15 år jenter = 29 − 20 = 9 of 10. Now each hidden share
    hidden for few answers can stand for at least two numbers of pupils."""
    from dashboard.privacy import protect_share

    answers = {("8", "jenter"): 8, ("8", "gutter"): 15, ("9", "jenter"): 12, ("9", "gutter"): 14,
               ("10", "jenter"): 20, ("10", "gutter"): 16}
    yes = {("8", "jenter"): 0, ("8", "gutter"): 3, ("9", "jenter"): 0, ("9", "gutter"): 2, ("10", "jenter"): 4,
           ("10", "gutter"): 5}
    table = _table(answers, set(), yes=yes)
    out = protect_share(table, Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=10))
    counts = dict(zip(table.select("trinn", "kjonn").rows(), table["antall_svar"], strict=True))
    assert out.filter((pl.col("trinn") == "8") & (pl.col("kjonn") == "jenter"))["skjult_grunn"][0] == \
        "Skjult: færre enn 10 svar"
    for key, (fewest, most) in _pupils(out, counts).items():
        if _few(out, key):
            assert most > fewest, (key, fewest, most, out)

    ages, counts = _age_table({("13-15 år", "jenter"): 10, ("13-15 år", "gutter"): 18, ("16-18 år", "jenter"): 20,
                               ("16-18 år", "gutter"): 26},
                              {("13-15 år", "jenter"): 9, ("13-15 år", "gutter"): 17, ("16-18 år", "jenter"): 20,
                               ("16-18 år", "gutter"): 26})
    out = protect_share(ages, Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=12))
    assert out.filter((pl.col("trinn") == "13-15 år") & (pl.col("kjonn") == "jenter"))["andel"][0] is None
    for key, (fewest, most) in _pupils(out, counts).items():
        if _few(out, key):
            assert most > fewest, (key, fewest, most, out)


def test_a_share_the_source_withheld_without_its_answers_counts_as_few_when_its_line_gives_them():
    """FHI leaves NEVNER empty on its anonymised rows. Gutter's answers were still «alle» less jenter's (20 − 12 =
    8), and their share (5 − 2) / 8 = 37,5 %: the group was never taken for one of few answers. Now it is, and
    jenter's share is hidden. «alle» also counts the pupils who gave no kjønn, so 42 answers less jenter's 12 says
    only that gutter had at most 30: FHI withheld them, and they too count as few (fail closed)."""
    from dashboard.privacy import REASON_SECONDARY, protect_share

    def table(alle: tuple[float, int], jenter: tuple[float, int]) -> pl.DataFrame:
        return pl.DataFrame([
            ("kommunehelsa", "kommune", "9909", "9909", "2022–2024", "trives", "8-10", k, share, n, False, 0)
            for k, (share, n) in (("alle", alle), ("jenter", jenter))
        ] + [("kommunehelsa", "kommune", "9909", "9909", "2022–2024", "trives", "8-10", "gutter", None, None, False,
              3)], schema=SCHEMA, orient="row")

    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=10)
    out = protect_share(table((25.0, 20), (100 * 2 / 12, 12)), viewer)
    reasons = dict(zip(out["kjonn"], out["skjult_grunn"], strict=True))
    assert reasons["jenter"] == REASON_SECONDARY, out
    many = protect_share(table((10.0, 42), (100 * 2 / 12, 12)), viewer)
    assert dict(zip(many["kjonn"], many["skjult_grunn"], strict=True))["jenter"] == REASON_SECONDARY, many


def test_a_share_hidden_in_the_survey_s_table_is_not_given_away_by_fhi_s_table_of_the_same_pupils():
    """The reviewer's case: the municipality's one survey in 2022–2024 is FHI's figure for the period, group for
    group (the same answers). The survey's table hid 8.–10. trinn to protect 10. trinn gutter (2 of 10); FHI's table
    showed it, and 10. trinn followed: 3 − 0 − 1 = 2. Both tables are now protected together."""
    from dashboard.privacy import protect_share

    answers = {("8", "jenter"): 13, ("8", "gutter"): 27, ("9", "jenter"): 28, ("9", "gutter"): 25,
               ("10", "jenter"): 10, ("10", "gutter"): 10}
    yes = {("8", "jenter"): 0, ("8", "gutter"): 0, ("9", "jenter"): 0, ("9", "gutter"): 1, ("10", "jenter"): 0,
           ("10", "gutter"): 2}
    survey = _table(answers, set(), yes=yes).with_columns(pl.lit(2024).alias("aar"))
    fhi = survey.filter(pl.col("trinn") == "8-10").with_columns(
        pl.lit("kommunehelsa").alias("kilde"), pl.lit("2022–2024").alias("periode"), pl.lit(2022).alias("aar"))
    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=12)
    both = protect_share(pl.concat([survey, fhi]), viewer)
    shown_by_fhi = {r["kjonn"]: r["andel"] for r in both.filter(pl.col("kilde") == "kommunehelsa").to_dicts()}
    read = both.filter(pl.col("kilde") == "ungdata").with_columns(  # the reader puts FHI's shares in the gaps
        pl.when((pl.col("trinn") == "8-10") & pl.col("andel").is_null())
        .then(pl.col("kjonn").replace_strict(shown_by_fhi, return_dtype=pl.Float64)).otherwise(pl.col("andel"))
        .alias("andel"))
    counts = dict(zip(survey.select("trinn", "kjonn").rows(), survey["antall_svar"], strict=True))
    assert _few(read, ("10", "gutter"))
    for key, (fewest, most) in _pupils(read, counts).items():
        if _few(read, key):
            assert most > fewest, (key, fewest, most, both)


def _rows(answers: dict[tuple[str, str], int], yes: dict[tuple[str, str], int], without_kjonn: dict[str, int],
          withheld: set[tuple[str, str]] = frozenset(), uncounted: bool = False) -> pl.DataFrame:
    """As `_table`, with «alle» counting `without_kjonn` pupils per trinn (none of them said yes) beside jenter and
    gutter, as FHI's «alle» does, and the `withheld` groups without their answers when `uncounted`."""
    answers, yes = dict(answers), dict(yes)
    for t in ("8", "9", "10"):
        answers[(t, "alle")] = answers[(t, "jenter")] + answers[(t, "gutter")] + without_kjonn.get(t, 0)
        yes[(t, "alle")] = yes[(t, "jenter")] + yes[(t, "gutter")]
    for counts in (answers, yes):
        for k in ("jenter", "gutter", "alle"):
            counts[("8-10", k)] = sum(counts[(t, k)] for t in ("8", "9", "10"))
    rows = [("ungdata", "kommune", "9909", "9909", "2024", "trives", t, k,
             None if (t, k) in withheld else 100 * yes[(t, k)] / n, None if (t, k) in withheld and uncounted else n,
             False, 3 if (t, k) in withheld else 0) for (t, k), n in answers.items()]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row"), answers


def test_two_hidden_shares_whose_sum_the_lines_leave_at_none_are_hidden_further():
    """A reviewer's case (threshold 20): «alle» less 9. trinn left 3 pupils to 8. and 10. trinn, and so did jenter;
    «alle» is jenter, gutter and those who gave no kjønn, so 8. and 10. trinn gutter had none between them: both 0 of
    7, though each line alone left them free. Now no share hidden for few answers can stand for one number only."""
    from dashboard.privacy import protect_share

    table, counts = _rows({("8", "jenter"): 5, ("8", "gutter"): 7, ("9", "jenter"): 32, ("9", "gutter"): 54,
                           ("10", "jenter"): 27, ("10", "gutter"): 7},
                          {("8", "jenter"): 2, ("8", "gutter"): 0, ("9", "jenter"): 1, ("9", "gutter"): 1,
                           ("10", "jenter"): 1, ("10", "gutter"): 0}, {"8": 1, "9": 1, "10": 2})
    out = protect_share(table, Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=20))
    assert _few(out, ("8", "gutter")) and _few(out, ("10", "gutter"))
    for key, (fewest, most) in _pupils(out, counts).items():
        if _few(out, key):
            assert most > fewest, (key, fewest, most, out)


def test_groups_the_source_withheld_without_answers_are_protected_as_few():
    """FHI withheld 8. and 10. trinn jenter and gutter with no answer counts; no one line gave a count, so none was
    taken for a group of few answers, and «10. trinn alle» at 0,0 % of 14 said both were 0 %. Now such groups are
    taken for few (failing closed) and the shares around them are hidden as for any other."""
    from dashboard.privacy import protect_share

    withheld = {("8", "jenter"), ("8", "gutter"), ("10", "jenter"), ("10", "gutter")}
    table, counts = _rows({("8", "jenter"): 4, ("8", "gutter"): 4, ("9", "jenter"): 10, ("9", "gutter"): 23,
                           ("10", "jenter"): 6, ("10", "gutter"): 8}, dict.fromkeys(
                          [(t, k) for t in ("8", "9", "10") for k in ("jenter", "gutter")], 0), {}, withheld, True)
    out = protect_share(table, Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=10))
    assert out.filter((pl.col("trinn") == "10") & (pl.col("kjonn") == "alle"))["andel"][0] is None, out
    for key, (fewest, most) in _pupils(out, counts).items():
        if key in withheld:
            assert most > fewest, (key, fewest, most, out)
