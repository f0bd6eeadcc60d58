"""Small-number protection of survey values: what every page shows goes through here."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.privacy import REASON_SOURCE, protect_survey
from dashboard.viewer import Viewer


def _rows(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"enhet_niva": pl.String, "verdi": pl.Float64, "standardavvik": pl.Float64,
                "antall_besvart": pl.Int32, "skjermet": pl.Boolean},
        orient="row",
    )


def test_value_suppressed_by_udir_stays_hidden_for_everyone_with_its_reason():
    out = protect_survey(_rows(("skole", None, None, None, True)), Viewer(min_respondents=0))
    assert out["verdi"][0] is None
    assert out["skjult_grunn"][0] == REASON_SOURCE


PROTECTED = Viewer(protected=True)


def test_fewer_than_ten_respondents_are_hidden_at_the_protected_level_and_ten_are_shown():
    out = protect_survey(_rows(("skole", 4.2, 0.8, 9, False), ("skole", 4.4, 0.7, 10, False)), PROTECTED)
    assert out["verdi"].to_list() == [None, 4.4]
    assert out["standardavvik"].to_list() == [None, 0.7]
    assert out["skjult_grunn"][0] == "Skjult: færre enn 10 svar"
    assert out["skjult_grunn"][1] is None


def test_threshold_is_configurable_per_viewer():
    frame = _rows(("skole", 4.2, 0.8, 12, False))
    assert protect_survey(frame, Viewer(min_respondents=15, protected=True))["verdi"][0] is None
    assert protect_survey(frame, Viewer(min_respondents=10, protected=True))["verdi"][0] == 4.2


def _school_rows(*rows: tuple) -> pl.DataFrame:
    return _rows(*[r[1:] for r in rows]).with_columns(pl.Series("orgnr", [r[0] for r in rows]))


def test_full_detail_for_skoleeier_and_own_school_protected_level_for_the_others():
    frame = _school_rows(("990012001", "skole", 4.2, 0.8, 7, False), ("990013004", "skole", 3.9, 0.8, 6, False),
                         ("990013004", "skole", None, None, None, True))
    owner = protect_survey(frame, Viewer(role="skoleeier"))
    assert owner["verdi"].to_list() == [4.2, 3.9, None]  # the source's own suppression holds for everyone
    rektor = protect_survey(frame, Viewer(role="rektor", skoler=frozenset({"990012001"})))
    assert rektor["verdi"].to_list() == [4.2, None, None]
    fau = protect_survey(frame, Viewer(role="fau", skoler=frozenset({"990012001"})))
    assert fau["verdi"].to_list() == [None, None, None]
    meeting = protect_survey(frame, Viewer(role="skoleeier", protected=True))
    assert meeting["verdi"].to_list() == [None, None, None]


def test_missing_value_is_explained_not_shown_as_zero():
    out = protect_survey(_rows(("kommune", None, None, 40, False)), Viewer())
    assert out["verdi"][0] is None
    assert out["skjult_grunn"][0] == "Ingen data"


def _shares(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"andel": pl.Float64, "antall_svar": pl.Int32, "skjermet": pl.Boolean, "flagg": pl.Int32},
        orient="row",
    )


def test_fhi_flags_hide_the_share_and_say_why():
    from dashboard.privacy import protect_share

    out = protect_share(
        _shares((None, None, True, 3), (None, None, False, 1), (None, None, False, 2), (None, None, False, 4),
                (12.5, 300, False, 0)),
        Viewer(),
    )
    assert out["andel"].to_list() == [None, None, None, None, 12.5]
    reasons = out["skjult_grunn"].to_list()
    assert "Anonymisert" in reasons[0] and "Manglende" in reasons[1]
    assert "beregnes" in reasons[2] and "Ikke tilgjengelig" in reasons[3] and reasons[4] is None


def test_ungdata_share_with_few_answers_is_hidden_and_withheld_share_stays_hidden():
    from dashboard.privacy import protect_share

    out = protect_share(_shares((30.0, 8, False, None), (None, None, True, None), (25.0, None, False, None)), PROTECTED)
    assert out["andel"].to_list() == [None, None, 25.0]
    assert out["skjult_grunn"][0] == "Skjult: færre enn 10 svar"
    assert out["skjult_grunn"][1].startswith("Holdt tilbake")


def test_an_fhi_age_group_hidden_for_few_answers_does_not_follow_from_all_ages_and_the_other_group():
    """FHI's ALDER, read as age groups: «13-15 år» (8 answers) was hidden while «16-19 år» (80,0 % of 50) and all ages
    (77,6 % of 58) were shown: (77,6 · 58 − 80 · 50) / 8 = 62,6 %, 5 of 8."""
    from dashboard.privacy import REASON_SECONDARY, protect_share

    frame = pl.DataFrame(
        [("kommunehelsa", "kommune", "9901", "2021–2023", "trives", t, "alle", a, n, False, 0)
         for t, a, n in (("13-15 år", 62.5, 8), ("16-19 år", 80.0, 50), ("alle", 77.6, 58))],
        schema={"kilde": pl.String, "geo_niva": pl.String, "geo": pl.String, "periode": pl.String,
                "indikator_kode": pl.String, "trinn": pl.String, "kjonn": pl.String, "andel": pl.Float64,
                "antall_svar": pl.Int32, "skjermet": pl.Boolean, "flagg": pl.Int32},
        orient="row",
    )
    out = protect_share(frame, PROTECTED)
    assert out["andel"].to_list()[0] is None
    assert out["andel"].null_count() >= 2, out  # the young group is not alone hidden among the ages
    assert REASON_SECONDARY in out["skjult_grunn"].to_list()


def test_a_municipality_can_raise_its_own_threshold_but_never_below_ten():
    from dashboard.viewer import thresholds_from

    default, per = thresholds_from({"min_svar": "8", "min_svar:9901": "15", "min_svar:9902": "x"})
    assert default == 10 and dict(per) == {"9901": 15, "9902": 2**63 - 1}  # unreadable: hides all, not 10
    frame = _rows(("skole", 4.2, 0.8, 12, False), ("skole", 4.0, 0.8, 12, False)).with_columns(
        pl.Series("kommunenr", ["9901", "9902"]))
    out = protect_survey(frame, Viewer(protected=True, min_respondents=default, thresholds=per))
    assert out["verdi"].to_list() == [None, None]
    out = protect_survey(frame, Viewer(protected=True, min_respondents=default, thresholds=(("9901", 15),)))
    assert out["verdi"].to_list() == [None, 4.0]
    assert out["skjult_grunn"][0] == "Skjult: færre enn 15 svar"


def test_the_threshold_command_stores_the_setting_and_refuses_less_than_ten(tmp_path):
    import duckdb

    from pipelines.cli import main as cli

    db = tmp_path / "skolemiljo.duckdb"
    assert cli(["--db", str(db), "init"]) == 0
    assert cli(["--db", str(db), "innstilling", "min-svar", "15", "--kommune", "9901"]) == 0
    assert cli(["--db", str(db), "innstilling", "min-svar", "5"]) == 1
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT nokkel, verdi FROM meta.innstilling WHERE nokkel LIKE 'min_svar%'").fetchall() == [
        ("min_svar:9901", "15")]
    con.close()


def _with_unpublished(marked: pl.DataFrame, **unknown: bool) -> pl.DataFrame:
    """`marked` with the municipality's trinn Udir does not publish (the demo's 9901 has 7. and 10. only) as hidden
    rows of unknown value (with the flags `unknown` gives them): its all trinn is every trinn together, not 7. and
    10. alone."""
    keys = ["skoleaar", "indikator_kode", "kommunenr", "trinn", "kjonn"]
    unpublished = (marked.filter(pl.col("orgnr").is_not_null() & pl.col("trinn").is_not_null()).select(keys).unique()
                   .join(marked.filter(pl.col("orgnr").is_null()).select(keys), on=keys, how="anti", nulls_equal=True)
                   .with_columns(pl.lit(True).alias("_skjult"), *(pl.lit(v).alias(k) for k, v in unknown.items())))
    return pl.concat([marked, unpublished], how="diagonal_relaxed")


def _lines_with_one_hidden(cube: pl.DataFrame, hidden: pl.DataFrame, viewer: Viewer, known: str | None) -> list[tuple]:
    """Lines (schools and their municipality, jenter/gutter and alle, the trinn and all trinn) where exactly one hidden
    value is left once a reader who knows school `known` exactly (its rektor) takes its values away, and it is one
    hidden for few answers or by Udir: that one would follow from the others and their answer counts. (A lone value
    hidden only to protect another may follow; `_solved_by_the_lines` checks that it gives nothing away.) Hidden as
    for anyone at the protected level."""
    from dashboard.privacy import SURVEY_CELL, threshold_expr

    marked = cube.join(hidden.with_columns(pl.lit(True).alias("_sek")), on=SURVEY_CELL, how="left", nulls_equal=True)
    marked = marked.with_columns(
        (
            pl.col("skjermet")
            | (pl.col("antall_besvart") < threshold_expr(marked, viewer))
            | pl.col("_sek").fill_null(False)
        ).alias("_skjult"),
        (pl.col("orgnr") == known if known else pl.lit(False)).fill_null(False).alias("_kjent"),
        (pl.col("skjermet") | (pl.col("antall_besvart") < threshold_expr(marked, viewer))).fill_null(False)
        .alias("_hemmelig"),
    )
    marked = _with_unpublished(marked, _kjent=False, _hemmelig=False)
    base = ["skoleaar", "indikator_kode"]
    found = []
    for keys, total in ((base + ["trinn", "kjonn"], pl.col("orgnr").is_null()),
                        (base + ["orgnr", "trinn"], pl.col("kjonn") == "alle"),
                        (base + ["orgnr", "kjonn"], pl.col("trinn").is_null())):
        lonely = (
            marked.group_by(keys)
            .agg(pl.len().alias("n"), (pl.col("_skjult") & ~pl.col("_kjent")).sum().alias("h"),
                 (pl.col("_skjult") & ~pl.col("_kjent") & pl.col("_hemmelig")).sum().alias("hemmelig"),
                 (~pl.col("_skjult") & ~pl.col("_kjent")).sum().alias("vist"), total.sum().alias("total"))
            # a line is its members and its total (no municipal row for a trinn Udir does not publish: no line)
            .filter((pl.col("n") > 1) & (pl.col("total") == 1) & (pl.col("h") == 1) & (pl.col("hemmelig") == 1)
                    & (pl.col("vist") > 0))
            .drop("total")
        )
        found += lonely.rows()
    return found


@pytest.mark.parametrize("min_svar", [10, 15, 25, 60])
def test_no_survey_value_hidden_for_few_answers_follows_from_the_values_shown_beside_it(demo_db_master, min_svar):
    """A reviewer worked out Elvetun's hidden participation (8 of 9, 88,9 %) from the municipality's 95,5 % of 128 and
    Fjellvik ungdomsskole's 96,0 % of 120. Secondary suppression now hides one more value in every such line, also
    when a municipality raises its threshold, and also for a rektor who knows the own school's values exactly (a
    later reviewer found 84 lines at threshold 15 where that left one other school's value alone)."""
    import duckdb

    from dashboard.privacy import secondary_survey

    with duckdb.connect(str(demo_db_master), read_only=True) as con:
        cube = con.sql(
            "SELECT skoleaar, indikator_kode, kommunenr, orgnr, trinn, kjonn, antall_besvart, skjermet "
            "FROM mart.elevundersokelsen WHERE kommunenr = '9901' AND enhet_niva IN ('skole', 'kommune')"
        ).pl()
    schools = [None, *sorted(cube["orgnr"].drop_nulls().unique())]
    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), min_respondents=min_svar)
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), min_respondents=min_svar)
    hidden = secondary_survey(cube, rektor)
    assert hidden.equals(secondary_survey(cube, fau))  # the same for every reader at the protected level
    assert not hidden.is_empty()  # the demo has small groups: there is something to protect
    for known in schools:
        assert _lines_with_one_hidden(cube, hidden, rektor, known) == [], known
    # without it, values would follow, and with the old rule (nobody knows a school) too, for some rektor
    assert _lines_with_one_hidden(cube, hidden.clear(), rektor, None) != []
    if min_svar == 15:
        lone = _one_reader_rule(cube, rektor)
        assert any(_lines_with_one_hidden(cube, lone, rektor, known) for known in schools)


def _one_reader_rule(cube: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """The secondary suppression as it was, safe only for a reader who knows no school: what the test above would
    catch."""
    from dashboard.privacy import SURVEY_CELL, _more_to_hide, _primary_hidden, public

    rows = cube.with_columns(
        _primary_hidden(cube, public(viewer)).alias("_skjult"), pl.col("skjermet").alias("_kilden"),
        pl.col("antall_besvart").fill_null(0).alias("_n"),
    ).with_row_index("_i")
    base = ["skoleaar", "indikator_kode"]
    lines = [(base + ["trinn", "kjonn"], None), (base + ["orgnr", "trinn"], None), (base + ["orgnr", "kjonn"], None)]
    return rows.filter(pl.col("_i").is_in(_more_to_hide(rows, lines))).select(SURVEY_CELL)


def _survey_lines(cells: list[dict]) -> list[tuple[int, list[int]]]:
    """The lines of one school year and indicator, as (total, its line with the total) by position in `cells`: the
    municipality and its schools, alle and jenter + gutter, all trinn and the trinn."""
    found = []
    for a, b, total in (("trinn", "kjonn", "orgnr"), ("orgnr", "trinn", "kjonn"), ("orgnr", "kjonn", "trinn")):
        lines: dict[tuple, list[int]] = {}
        for k, c in enumerate(cells):
            lines.setdefault((c[a], c[b]), []).append(k)
        for members in lines.values():
            heads = [k for k in members if cells[k][total] in (None, "alle")]
            if len(heads) == 1 and len(members) > 1:
                found.append((heads[0], members))
    return found


def _solved_by_the_lines(cube: pl.DataFrame, hidden: pl.DataFrame, viewer: Viewer, known: str | None,
                         udir: bool = False, also: frozenset[tuple] = frozenset()) -> list[tuple]:
    """The values hidden for few answers that a reader who knows school `known` exactly works out by solving all the
    lines' equations at once, as a reviewer did: each line's total times its answers is the sum of its members'
    (the municipality and its schools, alle and jenter + gutter, all trinn and the trinn), and a value is worked out
    when the equations' null space in the unknown values is zero in its place. The whole school year and indicator
    at once, with numpy's SVD: no shortcut shared with the code under test. With `udir`, the values Udir hid; `also`
    adds cells (orgnr, trinn, kjonn) to ask about."""
    import numpy as np

    from dashboard.privacy import SURVEY_CELL, threshold_expr

    marked = cube.join(hidden.with_columns(pl.lit(True).alias("_sek")), on=SURVEY_CELL, how="left", nulls_equal=True)
    few = pl.col("antall_besvart") < threshold_expr(marked, viewer)
    marked = marked.with_columns((pl.col("skjermet") | few | pl.col("_sek").fill_null(False)).alias("_skjult"),
                                 ((pl.col("skjermet") if udir else few & ~pl.col("skjermet"))
                                  | pl.concat_str([pl.col("orgnr").fill_null("-"),
                                                   pl.col("trinn").cast(pl.String).fill_null("-"), pl.col("kjonn")],
                                                  separator="|").is_in([f"{o or '-'}|{t or '-'}|{k}" for o, t, k in also])
                                  ).fill_null(False).alias("_liten"))
    def fixed(cells: list[dict], unknown: list[int]) -> set[int]:
        column = {k: j for j, k in enumerate(unknown)}
        equations = []
        for head, members in _survey_lines(cells):
            row = np.zeros(len(unknown))
            for k in members:
                if k in column:
                    row[column[k]] += 1.0 if k == head else -1.0
            equations.append(row)
        matrix = np.array(equations) if equations else np.zeros((1, len(unknown)))
        _u, singular, vt = np.linalg.svd(matrix)
        null = vt[int((singular > 1e-9).sum()):]
        return {k for k in unknown if null.shape[0] == 0 or np.abs(null[:, column[k]]).max() < 1e-6}

    marked = _with_unpublished(marked, _liten=False)
    solved = []
    for _key, part in marked.group_by("skoleaar", "indikator_kode"):
        cells = part.to_dicts()
        own = [k for k, c in enumerate(cells) if known is not None and c["orgnr"] == known]
        unknown = [k for k, c in enumerate(cells) if c["_skjult"] and k not in own]
        if not any(cells[k]["_liten"] for k in unknown):
            continue
        # What the reader's own school gives away by itself (a municipality's 10. trinn when theirs is the only
        # school with one) is theirs to know: only what the values shown add counts.
        theirs = fixed(cells, [k for k in range(len(cells)) if k not in own]) if own else set()
        solved += [(cells[k]["skoleaar"], cells[k]["indikator_kode"], cells[k]["orgnr"], cells[k]["trinn"],
                    cells[k]["kjonn"]) for k in fixed(cells, unknown) if cells[k]["_liten"] and k not in theirs]
    return solved


def test_no_value_udir_hid_follows_from_the_values_shown_beside_it(demo_db_master):
    """A FAU member worked out Elvetun's 10. trinn, «Skjermet av Udir» (8 answers, 4 of them girls), as Fjellvik's
    10. trinn less Fjellvik ungdomsskole's, answers and all, for every indicator and year: Udir's own secondary
    suppression hid the other kjønn, not the municipality's row beside the schools'. A value Udir hid is now
    protected as one hidden for few answers is, for a reader who knows no school and for each school's rektor."""
    import duckdb

    from dashboard.privacy import secondary_survey

    with duckdb.connect(str(demo_db_master), read_only=True) as con:
        cube = con.sql(
            "SELECT skoleaar, indikator_kode, kommunenr, orgnr, trinn, kjonn, antall_besvart, skjermet "
            "FROM mart.elevundersokelsen WHERE kommunenr = '9901' AND enhet_niva IN ('skole', 'kommune')"
        ).pl()
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({"990015007"}))
    hidden = secondary_survey(cube, fau)
    elvetun = ("2024-25", "EUIndeks_1398", "990016003", 10, "jenter")
    assert elvetun in _solved_by_the_lines(cube, hidden.clear(), fau, None, udir=True)  # as the reviewer found
    for known in [None, *sorted(cube["orgnr"].drop_nulls().unique())]:
        assert _solved_by_the_lines(cube, hidden, fau, known, udir=True) == [], known
    # What goes is the municipality's 10. trinn, not the own school's: across schools the municipality's value is
    # hidden first, and no secret follows from the school's 10. trinn once it is.
    cells = set(hidden.filter(pl.col("skoleaar") == "2024-25", pl.col("indikator_kode") == "EUIndeks_1398",
                              pl.col("trinn") == 10).select("orgnr", "kjonn").rows())
    assert (None, "alle") in cells and ("990015007", "alle") not in cells


def test_the_municipality_s_all_trinn_is_not_read_as_its_published_trinn_alone():
    """Udir publishes a municipality's 7. and 10. trinn and all trinn, and its schools' every trinn. Read as a line,
    «all trinn = 10. trinn» gave the 10. trinn away once it was hidden, and the municipality's all trinn went too,
    though its 8. and 9. trinn stand in it unpublished."""
    from dashboard.privacy import secondary_survey

    answers = {("S1", 8): 40, ("S1", 9): 42, ("S1", 10): 41, ("S2", 8): 20, ("S2", 9): 22, ("S2", 10): 6}
    rows = [(o, t, n) for (o, t), n in answers.items()]
    rows += [(o, None, sum(n for (s, _t), n in answers.items() if s == o)) for o in ("S1", "S2")]
    rows += [(None, 10, answers[("S1", 10)] + answers[("S2", 10)]), (None, None, sum(answers.values()))]
    cube = pl.DataFrame(
        [("2025-26", "EUIndeks_1379", "9909", o, t, "alle", n, False) for o, t, n in rows],
        schema={"skoleaar": pl.String, "indikator_kode": pl.String, "kommunenr": pl.String, "orgnr": pl.String,
                "trinn": pl.Int32, "kjonn": pl.String, "antall_besvart": pl.Int32, "skjermet": pl.Boolean},
        orient="row",
    )
    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset())
    hidden = set(secondary_survey(cube, viewer).select("orgnr", "trinn").rows())
    assert (None, 10) in hidden  # the lone S2 10. trinn's line: the municipality's value goes first
    assert (None, None) not in hidden and ("S1", 10) not in hidden
    for known in (None, "S1", "S2"):
        assert _solved_by_the_lines(cube, pl.DataFrame([{"skoleaar": "2025-26", "indikator_kode": "EUIndeks_1379",
                                                         "kommunenr": "9909", "orgnr": o, "trinn": t, "kjonn": "alle"}
                                                        for o, t in hidden], schema_overrides={"trinn": pl.Int32}),
                                    viewer, known) == [], known


def test_a_value_at_the_end_of_its_scale_above_a_hidden_one_is_hidden_too_and_cannot_be_worked_out():
    """A reviewer read 10. trinn jenter and gutter, hidden for 14 and 12 answers, as 0 %: «alle» beside them was
    0,0 %, and a share of 0 % is 0 % in every part of it. Such a value stands for the hidden ones, and is protected as
    they are (here also from the municipality less the other school)."""
    from dashboard.privacy import secondary_survey

    def table(s1_gutter: int) -> pl.DataFrame:
        rows = []
        for o, nj, ng, bj, bg in (("S1", 14, 12, 0, s1_gutter), ("S2", 30, 30, 2, 1), (None, 44, 42, 2, 1 + s1_gutter)):
            for t in (10, None):
                for k, n, b in (("jenter", nj, bj), ("gutter", ng, bg), ("alle", nj + ng, bj + bg)):
                    rows.append(("2024-25", "EUSpm_1398_3", "9909", o, t, k, n, False, round(100 * b / n, 1), "andel"))
        return pl.DataFrame(rows, orient="row", schema={
            "skoleaar": pl.String, "indikator_kode": pl.String, "kommunenr": pl.String, "orgnr": pl.String,
            "trinn": pl.Int32, "kjonn": pl.String, "antall_besvart": pl.Int32, "skjermet": pl.Boolean,
            "verdi": pl.Float64, "maal": pl.String})

    cube = table(0)
    fau = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset({"S2"}), min_respondents=15)
    hidden = secondary_survey(cube, fau)
    cells = set(hidden.select("orgnr", "trinn", "kjonn").rows())
    assert {("S1", 10, "alle"), ("S1", None, "alle")} <= cells, cells
    edge = frozenset({("S1", 10, "alle"), ("S1", None, "alle")})
    for known in (None, "S1", "S2"):
        assert _solved_by_the_lines(cube, hidden, fau, known, also=edge) == [], known
    # with one of S1's gutter bullied instead («alle» at 3,8 %), nothing more than before is hidden for it
    assert ("S1", None, "alle") not in set(secondary_survey(table(1), fau).select("orgnr", "trinn", "kjonn").rows())


def _pupils_of_the_hidden(cube: pl.DataFrame, hidden: pl.DataFrame, viewer: Viewer) -> dict[tuple, tuple[int, int]]:
    """The fewest and most pupils each share hidden for few answers can stand for, to anyone: the shares shown times
    their answers are whole pupils, a hidden group has between none and all of its answers, and each line's total is
    its members together (the municipality and its schools, alle and jenter + gutter, all trinn and the trinn).
    scipy's integer solver, one school year and indicator at a time; nothing from the code under test."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    from dashboard.privacy import SURVEY_CELL, threshold_expr

    marked = cube.join(hidden.with_columns(pl.lit(True).alias("_sek")), on=SURVEY_CELL, how="left", nulls_equal=True)
    few = (pl.col("antall_besvart") < threshold_expr(marked, viewer)).fill_null(False)
    marked = marked.with_columns((pl.col("skjermet") | few | pl.col("_sek").fill_null(False)).alias("_skjult"),
                                 (few & ~pl.col("skjermet")).alias("_liten"))
    found = {}
    for _key, part in marked.group_by("skoleaar", "indikator_kode"):
        cells = part.to_dicts()
        unknown = [k for k, c in enumerate(cells) if c["_skjult"]]
        column = {k: j for j, k in enumerate(unknown)}
        rows, rhs = [], []
        for head, members in _survey_lines(cells):
            row, right = np.zeros(len(unknown)), 0.0
            for k in members:
                sign = 1.0 if k == head else -1.0
                if k in column:
                    row[column[k]] += sign
                else:
                    right -= sign * round(cells[k]["verdi"] * cells[k]["antall_besvart"] / 100)
            if row.any():
                rows.append(row)
                rhs.append(right)
        constraints = [LinearConstraint(np.array(rows), rhs, rhs)] if rows else []
        bounds = Bounds(np.zeros(len(unknown)), np.array([cells[k]["antall_besvart"] for k in unknown], dtype=float))
        for k in unknown:
            if not cells[k]["_liten"]:
                continue
            ends = []
            for sign in (1, -1):
                goal = np.zeros(len(unknown))
                goal[column[k]] = sign
                ends.append(round(sign * milp(goal, constraints=constraints, integrality=np.ones(len(unknown)),
                                              bounds=bounds).fun))
            found[(cells[k]["orgnr"], cells[k]["trinn"], cells[k]["kjonn"])] = (ends[0], ends[1])
    return found


def test_a_hidden_share_is_not_pinned_by_a_group_having_between_none_and_all_of_its_answers_eu():
    """S1's 8. trinn bullied none of 45 and 9. trinn 3 of 47, and all three trinn 3 of 100: hide the 8. trinn to
    protect the 10. (8 answers) from the line, and the two hidden trinn still have 3 − 3 = 0 pupils between them, 10.
    trinn at 0 % as surely as if it were shown. Now it can stand for at least two numbers of pupils."""
    from dashboard.privacy import secondary_survey

    counts = {("S1", 8): (45, 0), ("S1", 9): (47, 3), ("S1", 10): (8, 0), ("S2", 8): (60, 4), ("S2", 9): (62, 3),
              ("S2", 10): (58, 5)}
    for o in ("S1", "S2"):
        counts[(o, None)] = tuple(sum(counts[(o, t)][j] for t in (8, 9, 10)) for j in (0, 1))
    for t in (8, 9, 10, None):
        counts[(None, t)] = tuple(counts[("S1", t)][j] + counts[("S2", t)][j] for j in (0, 1))
    cube = pl.DataFrame([("2024-25", "EUIndeks_1398", "9909", o, t, "alle", n, False, round(100 * b / n, 1), "andel")
                         for (o, t), (n, b) in counts.items()], orient="row", schema={
        "skoleaar": pl.String, "indikator_kode": pl.String, "kommunenr": pl.String, "orgnr": pl.String,
        "trinn": pl.Int32, "kjonn": pl.String, "antall_besvart": pl.Int32, "skjermet": pl.Boolean,
        "verdi": pl.Float64, "maal": pl.String})
    fau = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset({"S2"}), min_respondents=10)
    hidden = secondary_survey(cube, fau)
    pupils = _pupils_of_the_hidden(cube, hidden, fau)
    assert ("S1", 10, "alle") in pupils
    for cell, (fewest, most) in pupils.items():
        assert most > fewest, (cell, fewest, most, hidden)
    assert _solved_by_the_lines(cube, hidden, fau, None) == []


def test_no_hidden_survey_value_follows_from_several_lines_together():
    """A reviewer built a municipality where every line had two or more hidden values, so the line-by-line rule hid
    nothing more, and solved the lines together: S1's 7. trinn, «Skjult: færre enn 10 svar», came out as 3 of 8
    pupils bullied. It joined two blocks of hidden values. Now the equations themselves are checked."""
    from dashboard.privacy import secondary_survey

    cells = {(o, t): (60 + 3 * t, 4) if o == "S7" else (24 + t % 3, 2) for o in [f"S{k}" for k in range(1, 8)]
             for t in range(5, 10)}
    for o, t, n, b in [("S1", 5, 8, 1), ("S1", 6, 9, 0), ("S2", 5, 7, 0), ("S2", 6, 6, 1), ("S3", 5, 9, 2),
                       ("S3", 6, 8, 0), ("S4", 8, 7, 1), ("S4", 9, 9, 0), ("S5", 8, 8, 2), ("S5", 9, 6, 0),
                       ("S6", 8, 9, 1), ("S6", 9, 7, 1), ("S4", 7, 9, 1), ("S5", 7, 8, 0), ("S1", 7, 8, 3)]:
        cells[(o, t)] = (n, b)
    totals: dict[tuple, list[int]] = {}
    for (o, t), (n, b) in cells.items():
        for key in ((o, None), (None, t), (None, None)):
            totals.setdefault(key, [0, 0])
            totals[key][0] += n
            totals[key][1] += b
    rows = [(o, t, n, 100 * b / n) for (o, t), (n, b) in [*cells.items(), *((k, tuple(v)) for k, v in totals.items())]]
    cube = pl.DataFrame(
        [("2025-26", "EUIndeks_1398", "9909", o, t, "alle", n, False) for o, t, n, _share in rows],
        schema={"skoleaar": pl.String, "indikator_kode": pl.String, "kommunenr": pl.String, "orgnr": pl.String,
                "trinn": pl.Int32, "kjonn": pl.String, "antall_besvart": pl.Int32, "skjermet": pl.Boolean},
        orient="row",
    )
    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset({"S7"}))
    hidden = secondary_survey(cube, viewer)
    assert _solved_by_the_lines(cube, hidden.clear(), viewer, None) != []  # the bridge, without more hidden
    for known in [None, *sorted(cells_o for cells_o, _t in cells)]:
        assert _solved_by_the_lines(cube, hidden, viewer, known) == [], known


def _random_municipality(seed: int) -> tuple[pl.DataFrame, int]:
    """A consistent municipality of 1–5 schools (pupils per school × trinn × kjønn; the municipality, «alle» and all
    trinn as sums, as Udir publishes them), with a few values Udir hid itself, and a threshold of 10, 15 or 20."""
    import random

    rng = random.Random(seed)
    answers: dict[tuple, int] = {}
    for school in range(rng.randint(1, 5)):
        low = rng.choice([5, 5, 8])
        for trinn in range(low, (rng.choice([7, 10]) if low == 5 else 10) + 1):
            for kjonn in ("jenter", "gutter"):
                n = rng.choice([0, rng.randint(1, 9), rng.randint(1, 25), rng.randint(5, 40)])
                for key in [(o, t, k) for o in (f"S{school}", None) for t in (trinn, None) for k in (kjonn, "alle")]:
                    answers[key] = answers.get(key, 0) + n
    rows = [("2024-25", "EUIndeks_1398", "9909", o, t, k, n, n < 5 and rng.random() < 0.5)
            for (o, t, k), n in answers.items() if n]
    cube = pl.DataFrame(rows, orient="row", schema={
        "skoleaar": pl.String, "indikator_kode": pl.String, "kommunenr": pl.String, "orgnr": pl.String,
        "trinn": pl.Int32, "kjonn": pl.String, "antall_besvart": pl.Int32, "skjermet": pl.Boolean})
    return cube, rng.choice([10, 15, 20])


def test_no_hidden_survey_value_is_solved_in_random_municipalities():
    """A reviewer's random municipalities: where the lines pinned a value and its own lines had nothing left to
    hide, it was left solvable (seed 56: 14,3 %, 1 of 7 pupils bullied, «Skjult: færre enn 15 svar»)."""
    from dashboard.privacy import secondary_survey

    for seed in range(50, 80):
        cube, threshold = _random_municipality(seed)
        viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset(), min_respondents=threshold)
        hidden = secondary_survey(cube, viewer)
        for known in [None, *sorted(cube["orgnr"].drop_nulls().unique())]:
            assert _solved_by_the_lines(cube, hidden, viewer, known) == [], (seed, known)


def test_a_rektors_own_school_giving_the_municipality_away_hides_nothing_more():
    """In a municipality whose one school has 10. trinn, the municipality's 10. trinn is that school's: its rektor
    knows it from their own values. The audit hid the municipality's figures and their neighbours for that, and the
    report said they were hidden «fordi for få har svart»."""
    from dashboard.privacy import secondary_survey

    rows = [("2024-25", "EUIndeks_1398", "9909", o, t, k, n, False)
            for o in ("S1", None) for t, k, n in ((10, "jenter", 6), (10, "gutter", 30), (10, "alle", 36),
                                                  (None, "jenter", 6), (None, "gutter", 30), (None, "alle", 36))]
    cube = pl.DataFrame(rows, orient="row", schema={
        "skoleaar": pl.String, "indikator_kode": pl.String, "kommunenr": pl.String, "orgnr": pl.String,
        "trinn": pl.Int32, "kjonn": pl.String, "antall_besvart": pl.Int32, "skjermet": pl.Boolean})
    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), skoler=frozenset())
    hidden = secondary_survey(cube, viewer)
    # the jenter (6 answers) are hidden at both levels, and the gutter beside them so that «alle» gives nothing away;
    # «alle» itself stays: the audit hid the municipality's «alle» too, for the rektor of its one school
    assert sorted(hidden.select("orgnr", "trinn", "kjonn").rows(), key=str) == sorted(
        [(o, t, "gutter") for o in ("S1", None) for t in (10, None)], key=str), hidden
    for known in (None, "S1"):
        assert _solved_by_the_lines(cube, hidden, viewer, known) == [], known


@pytest.mark.parametrize("kommunenr", ["9901", "9902"])
@pytest.mark.parametrize("min_svar", [15, 20, 30])
def test_no_survey_value_hidden_for_few_answers_is_solved_from_the_demos_lines(demo_db_master, kommunenr, min_svar):
    """At a raised threshold the line-by-line rule left values that the lines together give away (9902 at min-svar
    30, for a reader who knows no school's values or one school's)."""
    import duckdb

    from dashboard.privacy import secondary_survey

    with duckdb.connect(str(demo_db_master), read_only=True) as con:
        cube = con.sql(
            "SELECT skoleaar, indikator_kode, kommunenr, orgnr, trinn, kjonn, antall_besvart, skjermet "
            "FROM mart.elevundersokelsen WHERE kommunenr = ? AND enhet_niva IN ('skole', 'kommune')", params=[kommunenr]
        ).pl()
    viewer = Viewer(role="fau", kommuner=frozenset({kommunenr}), skoler=frozenset(), min_respondents=min_svar)
    hidden = secondary_survey(cube, viewer)
    for known in [None, *sorted(cube["orgnr"].drop_nulls().unique())]:
        assert _solved_by_the_lines(cube, hidden, viewer, known) == [], (known, min_svar)


def test_the_reviewers_participation_example_can_no_longer_be_worked_out_and_every_query_hides_alike(
    demo_db_master, monkeypatch
):
    from dashboard import queries

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="r")
    table = queries.eu_latest_by_school(rektor, kommunenr="9901", skoleaar="2025-26", trinn=10, kjonn="alle").filter(
        (pl.col("indikator_kode") == "deltakelse") & (pl.col("enhet_niva") != "nasjonalt")
    )
    shown = table.filter(pl.col("verdi").is_not_null())
    assert table.height - shown.height >= 2, table  # Elvetun is not hidden alone
    assert "Skjult: kunne ellers regnes ut fra tallene som vises" in table["skjult_grunn"].to_list()
    trend = queries.eu_trend(rektor, kommunenr="9901", orgnr=tuple(table["orgnr"].drop_nulls()), trinn=10,
                             kjonn="alle", indikator_kode="deltakelse").filter(pl.col("skoleaar") == "2025-26")
    same = ["orgnr", "verdi", "skjult_grunn"]
    assert trend.filter(pl.col("enhet_niva") != "nasjonalt").select(same).sort("orgnr").equals(table.select(same).sort("orgnr"))


@pytest.mark.parametrize("min_svar", [10, 12, 14, 30])
def test_no_ungdata_share_hidden_for_few_answers_follows_from_alle_or_the_other_trinn(demo_db_master, monkeypatch,
                                                                                    min_svar):
    """«alle» is jenter and gutter together and «8-10» the three trinn: with the answer counts shown, one share hidden
    by the app in such a line would follow from the rest. (One withheld by the source is the source's to protect.)"""
    from dashboard import queries
    from dashboard.privacy import REASON_MISSING, REASON_SECONDARY, SPAN_TRINN

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db_master))
    secondary = 0
    for kommunenr in ("9901", "9902"):
        viewer = Viewer(role="skoleeier", kommuner=frozenset({kommunenr}), protected=True, min_respondents=min_svar)
        shares = queries.ungdata(viewer, kommunenr=kommunenr).with_columns(
            (pl.col("skjult_grunn").is_not_null() & (pl.col("skjult_grunn") != REASON_MISSING)).alias("skjult"),
            ((pl.col("flagg").fill_null(0) != 0) | pl.col("skjermet")).alias("kilden"),
        )
        secondary += shares.filter(pl.col("skjult_grunn") == REASON_SECONDARY).height
        base = ["kilde", "geo_niva", "geo", "periode", "indikator_kode"]
        for keys, part in ((base + ["trinn"], shares), (base + ["kjonn"], shares.filter(pl.col("trinn").is_in(SPAN_TRINN)))):
            lonely = (
                part.group_by(keys)
                .agg(pl.len().alias("n"), pl.col("skjult").sum().alias("h"), (pl.col("skjult") & pl.col("kilden")).sum().alias("k"))
                .filter((pl.col("n") > 1) & (pl.col("h") == 1) & (pl.col("k") == 0))
            )
            assert lonely.is_empty(), (kommunenr, keys, lonely)
    if min_svar in (12, 14):
        assert secondary > 0  # a threshold between the demo's group sizes leaves lone hidden shares to protect


def test_a_value_without_an_answer_count_is_hidden_where_the_municipality_hides_more_than_udir():
    """Skoleporten gave no answer counts: Udir's own rule (nothing from fewer than 10) was all that protected its
    values, and a municipality that hides fewer than 15 showed every FAU a school's value from 12 pupils."""
    frame = _school_rows(("990012001", "skole", 4.2, None, None, False), ("990013004", "skole", 3.9, None, None, False),
                         ("990013004", "skole", None, None, None, False)).with_columns(pl.lit("9901").alias("kommunenr"))
    at_udirs = protect_survey(frame, Viewer(role="fau", skoler=frozenset({"990012001"})))
    assert at_udirs["verdi"].to_list() == [4.2, 3.9, None]
    stricter = (("9901", 15),)
    fau = protect_survey(frame, Viewer(role="fau", skoler=frozenset({"990012001"}), thresholds=stricter))
    assert fau["verdi"].to_list() == [None, None, None]
    assert fau["skjult_grunn"].to_list() == ["Skjult: kilden oppga ikke antall svar, og kommunen skjuler færre enn 15 "
                                             "svar"] * 2 + ["Ingen data"]
    rektor = protect_survey(frame, Viewer(role="rektor", skoler=frozenset({"990012001"}), thresholds=stricter))
    assert rektor["verdi"].to_list() == [4.2, None, None]  # the own school in full
    owner = protect_survey(frame, Viewer(role="skoleeier", thresholds=stricter))
    assert owner["verdi"].to_list() == [4.2, 3.9, None]


def test_the_fau_page_hides_skoleporten_years_only_where_the_municipality_hides_more_than_udir(demo_db, monkeypatch):
    """The demo's 2019-20 comes from Skoleporten, without answer counts: the FAU's own school is shown that year at the
    threshold of 10 and hidden at 15, with the municipality, while the nation's published figure stays."""
    import streamlit as st

    from dashboard import queries
    from pipelines.cli import main as cli

    nordli = "990012008"
    assert cli(["--db", str(demo_db), "innstilling", "min-svar", "15", "--kommune", "9901"]) == 0
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()

    def year_2019(threshold: int) -> dict[str, tuple]:
        fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="fau.nordli",
                     thresholds=(("9901", threshold),))
        trend = queries.eu_trend(fau, kommunenr="9901", orgnr=(nordli,), indikator_kode="EUIndeks_1379", trinn=7)
        return {r["enhet_niva"]: (r["verdi"], r["skjult_grunn"]) for r in trend.filter(
            pl.col("skoleaar") == "2019-20").iter_rows(named=True)}

    shown, hidden = year_2019(10), year_2019(15)
    assert shown["skole"][0] is not None and shown["skole"][1] is None, shown
    assert hidden["skole"] == (None, "Skjult: kilden oppga ikke antall svar, og kommunen skjuler færre enn 15 svar")
    assert hidden["kommune"][0] is None and hidden["nasjonalt"] == shown["nasjonalt"] and shown["nasjonalt"][0]
    # The same where 15 is everyone's threshold, not the municipality's own: the nation's figure is as published
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({nordli}), brukernavn="fau.nordli",
                 min_respondents=15)
    everyone = queries.eu_trend(fau, kommunenr="9901", orgnr=(nordli,), indikator_kode="EUIndeks_1379", trinn=7)
    year = {r["enhet_niva"]: (r["verdi"], r["skjult_grunn"]) for r in everyone.filter(
        pl.col("skoleaar") == "2019-20").iter_rows(named=True)}
    assert year["nasjonalt"] == shown["nasjonalt"] and year["skole"] == hidden["skole"], year
