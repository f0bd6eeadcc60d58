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
