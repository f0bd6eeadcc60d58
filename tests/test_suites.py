"""The GX runner checks distinct values, but what a user reads is counted in rows of their file."""

from __future__ import annotations

import polars as pl

from pipelines.quality.suites import E, compact, repeated, rule, run_suite, unique_key_rule


def _frame(kjonn: list[str | None], **more) -> pl.DataFrame:
    return pl.DataFrame({"rad": list(range(1, len(kjonn) + 1)), "kjonn": kjonn, **more})


def test_a_bad_value_repeated_in_many_rows_is_counted_and_located_by_row():
    kjonn = ["alle", "jenter", "gutter"] * 400
    for row in (10, 500, 999):
        kjonn[row - 1] = "ukjent"
    verdict = run_suite("t", _frame(kjonn), [
        rule(E.ExpectColumnValuesToBeInSet(column="kjonn", value_set=["alle", "jenter", "gutter"]), "Ukjent kjønn."),
    ])
    [finding] = verdict.findings
    assert not finding.ok and verdict.rejected
    assert finding.antall_avvik == 3
    assert "Rader: 10, 500, 999." in finding.melding
    assert finding.eksempler == "ukjent"


def test_only_the_first_five_rows_are_named_and_the_rest_counted():
    kjonn = ["alle"] * 100 + ["x"] * 7 + ["y"] * 3
    [finding] = run_suite("t", _frame(kjonn), [
        rule(E.ExpectColumnValuesToBeInSet(column="kjonn", value_set=["alle"]), "Ukjent kjønn."),
    ]).findings
    assert finding.antall_avvik == 10
    assert "Rader: 101, 102, 103, 104, 105 (og 5 til)." in finding.melding


def test_missing_values_are_counted_by_row_for_a_not_null_rule():
    kjonn = ["alle"] * 50 + [None] * 4
    [finding] = run_suite("t", _frame(kjonn), [
        rule(E.ExpectColumnValuesToNotBeNull(column="kjonn"), "Kjønn mangler."),
    ]).findings
    assert not finding.ok and finding.antall_avvik == 4
    assert "Rader: 51, 52, 53, 54." in finding.melding


def test_a_share_rule_is_judged_on_rows_not_on_distinct_values():
    """«mostly» is a share of rows: 1 of 10 true passes at 80 %, 3 of 10 does not (on distinct values both fail)."""
    rules = [rule(E.ExpectColumnValuesToBeInSet(column="flagg", value_set=[False], mostly=0.8), "For mange.",
                  warning=True)]
    few = run_suite("t", _frame(["alle"] * 10, flagg=[True] + [False] * 9), rules)
    many = run_suite("t", _frame(["alle"] * 10, flagg=[True] * 3 + [False] * 7), rules)
    assert few.findings[0].ok
    assert not many.findings[0].ok and many.warnings and not many.rejected


def test_a_pair_rule_sees_each_pair_of_values_and_counts_rows():
    frame = _frame(["alle"] * 6, fra=[1, 1, 8, 1, 8, 5], til=[7, 7, 7, 7, 7, 10])
    [finding] = run_suite("t", frame, [
        rule(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="til", column_B="fra", or_equal=True), "Til før fra."),
    ]).findings
    assert not finding.ok and finding.antall_avvik == 2
    assert "Rader: 3, 5." in finding.melding


def test_repeated_keys_are_counted_by_row_and_named_by_key():
    """Every row of a repeated key is counted (as GX's compound-unique counted), and the key is the example."""
    frame = _frame(["alle", "jenter", "alle", "gutter", None, None], aar=[2024, 2024, 2024, 2025, 2025, 2025])
    [finding] = run_suite("t", frame.with_columns(repeated(["kjonn", "aar"])), [
        unique_key_rule("kjønn, år", "To like."),
    ]).findings
    assert not finding.ok and finding.antall_avvik == 4
    assert "Rader: 1, 3, 5, 6." in finding.melding
    assert finding.kolonne == "kjønn, år"
    assert finding.eksempler == "alle 2024; – 2025"


def test_a_file_without_repeated_keys_passes_the_key_rule():
    frame = _frame(["alle", "jenter", "gutter", None], aar=[2024] * 4)
    [finding] = run_suite("t", frame.with_columns(repeated(["kjonn", "aar"])), [
        unique_key_rule("kjønn, år", "To like."),
    ]).findings
    assert finding.ok and finding.antall_avvik == 0


def test_the_compact_frame_holds_each_checked_value_once_and_keeps_every_column():
    kjonn = ["alle", "jenter", "gutter"] * 1000
    frame = _frame(kjonn, verdi=[4.1, 3.9] * 1500)
    small, distinct = compact(frame, [E.ExpectColumnValuesToBeInSet(column="kjonn", value_set=["alle"]),
                                      E.ExpectColumnValuesToBeBetween(column="verdi", min_value=1, max_value=5)])
    assert small.columns == frame.columns and small.schema == frame.schema
    assert small.height == 3
    assert set(small["kjonn"]) == {"alle", "jenter", "gutter"} and set(small["verdi"]) == {4.1, 3.9}
    assert distinct["kjonn"].frame["_antall"].to_list() == [1000, 1000, 1000]


def test_each_finding_belongs_to_its_own_rule_whatever_order_gx_answers_in():
    """GX orders its results its own way; a failure must never be reported under a neighbouring rule."""
    frame = _frame(["alle"] * 4, a=[1, 2, 3, 4], b=[1, -5, 3, 4], c=[7, 7, 7, 7])
    rules = [rule(E.ExpectColumnValuesToNotBeNull(column=c), f"{c} mangler.") for c in "abc"]
    rules += [rule(E.ExpectColumnValuesToBeBetween(column=c, min_value=0), f"{c} negativ.") for c in "abc"]
    findings = run_suite("t", frame, rules).findings
    assert [f.melding.split(".")[0] for f in findings] == [r.meta["melding"].rstrip(".") for r in rules]
    failed = [f for f in findings if not f.ok]
    assert len(failed) == 1 and failed[0].kolonne == "b" and failed[0].melding.startswith("b negativ.")
    assert "Rader: 2." in failed[0].melding
    assert all(f.antall_avvik == 0 for f in findings if f.ok)


def _mixed_rules() -> list:
    rules = [rule(E.ExpectColumnValuesToNotBeNull(column=c), f"{c} mangler.") for c in "abc"]
    rules += [rule(E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=9), f"{c} utenfor.") for c in "abc"]
    rules += [rule(E.ExpectColumnValuesToBeInSet(column="kjonn", value_set=["alle", "jenter"]), "Ukjent kjønn."),
              rule(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="c", column_B="a", or_equal=True), "c før a."),
              rule(E.ExpectColumnValuesToBeInSet(column="a", value_set=[1, 2], mostly=0.5), "For mange.", warning=True)]
    return rules


def _mixed_frame() -> pl.DataFrame:
    return _frame(["alle", "jenter", "gutter", None] * 5, a=[1, 2, 3, None] * 5, b=[1, -5, 30, 4] * 5,
                  c=[7, 7, 0, 7] * 5)


def test_gx_builds_each_expectations_configuration_once_per_validation(monkeypatch):
    """GX asks an expectation for its configuration some 45 times a rule and rebuilds it each time (half of its
    time); the runner keeps the first. The verdict is the one GX gives when it rebuilds every time."""
    from great_expectations.expectations.expectation import Expectation

    from pipelines.quality import suites

    build = suites._BUILD_CONFIGURATION
    builds = []

    def counted(self):
        builds.append(self)
        return build.fget(self)

    monkeypatch.setattr(suites, "_BUILD_CONFIGURATION", property(counted))
    kept = run_suite("t", _mixed_frame(), _mixed_rules())
    kept_builds = len(builds)
    builds.clear()
    monkeypatch.setattr(Expectation, "configuration", suites._BUILD_CONFIGURATION)
    rebuilt = run_suite("t", _mixed_frame(), _mixed_rules())
    # GX makes its own copies of each rule (about 15 in one validation); without keeping, some 150 builds a rule.
    assert 0 < kept_builds <= 20 * len(_mixed_rules()) < len(builds) / 4
    assert kept.findings == rebuilt.findings
    assert [f.ok for f in kept.findings] == [False, True, True, True, False, True, False, False, True]

    # Outside a validation nothing is kept: an expectation changed afterwards says so.
    exp = E.ExpectColumnValuesToBeNull(column="a")
    assert exp.configuration.kwargs["column"] == "a"
    exp.column = "b"
    assert exp.configuration.kwargs["column"] == "b"
    assert isinstance(Expectation.__dict__["configuration"], property)


def test_configurations_kept_in_one_thread_are_not_seen_in_another():
    """Two uploads validate at once in the dashboard: one thread's kept configurations are not another's."""
    import threading

    from pipelines.quality import suites

    exp = E.ExpectColumnValuesToBeNull(column="a")
    inside, go_on = threading.Event(), threading.Event()
    seen = {}

    def validating():
        with suites._configurations_kept():
            seen["inside"] = exp.configuration.kwargs["column"]
            inside.set()
            go_on.wait(5)
            seen["still"] = exp.configuration.kwargs["column"]

    worker = threading.Thread(target=validating)
    worker.start()
    inside.wait(5)
    exp.column = "b"
    seen["other thread"] = exp.configuration.kwargs["column"]
    go_on.set()
    worker.join(5)
    assert seen == {"inside": "a", "still": "a", "other thread": "b"}
