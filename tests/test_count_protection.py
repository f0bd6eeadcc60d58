"""Small case counts are never shown and cannot be recovered from the totals beside them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.privacy import SMALL_COUNT_LABEL, protect_counts
from tests.conftest import query

tables = st.integers(1, 6).flatmap(
    lambda cols: st.lists(st.lists(st.integers(0, 30), min_size=cols, max_size=cols), min_size=1, max_size=6)
)


def _full(cells):
    full = [[*row, sum(row)] for row in cells]
    full.append([sum(col) for col in zip(*cells, strict=True)] + [sum(map(sum, cells))])
    return full


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_count_from_one_to_four_is_shown_anywhere_including_totals(cells):
    text, hidden = protect_counts(cells)
    full = _full(cells)
    for r, row in enumerate(full):
        for c, value in enumerate(row):
            if 0 < value < 5:
                assert hidden[r][c] and text[r][c] != str(value)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_hidden_cell_is_alone_in_its_row_or_column(cells):
    """If a row or column had one hidden cell, total minus the shown cells would reveal it."""
    _, hidden = protect_counts(cells)
    n_rows, n_cols = len(hidden), len(hidden[0])
    for r in range(n_rows):
        assert sum(hidden[r]) != 1
    for c in range(n_cols):
        assert sum(hidden[r][c] for r in range(n_rows)) != 1


@settings(max_examples=200, deadline=None)
@given(tables)
def test_shown_cells_keep_their_true_values(cells):
    text, hidden = protect_counts(cells)
    full = _full(cells)
    for r, row in enumerate(full):
        for c, value in enumerate(row):
            if not hidden[r][c]:
                assert text[r][c] == str(value)


def test_a_single_small_cell_is_shown_as_a_range_and_a_neighbour_is_hidden_too():
    text, hidden = protect_counts([[2, 10], [7, 9]])
    assert text[0][0] == SMALL_COUNT_LABEL
    assert sum(hidden[0]) >= 2 and sum(row[0] for row in hidden) >= 2


def _attack(text, full, min_count=5, known_rows=frozenset()):
    """What a reader can work out: the smallest and largest value of each hidden cell, by integer programming.

    The reader knows every shown number, that rows and columns add up to their totals, that «1–4» is 1 to 4, and
    that «skjult» is some whole number, 0 or more (the page says it may be any number); and `known_rows` exactly (a
    rektor's own school). Written apart from the code under test, which audits with a linear programme.
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    n_rows, n_cols = len(full) - 1, len(full[0]) - 1
    cells = [(r, c) for r in range(n_rows + 1) for c in range(n_cols + 1)
             if text[r][c] in (SMALL_COUNT_LABEL, "skjult") and r not in known_rows]
    idx = {p: i for i, p in enumerate(cells)}
    rows_a, rhs = [], []
    for line in [[(r, c) for c in range(n_cols + 1)] for r in range(n_rows + 1)] + \
                [[(r, c) for r in range(n_rows + 1)] for c in range(n_cols + 1)]:
        *parts, total = line
        a, known = np.zeros(len(cells)), 0
        for p in parts:
            if p in idx:
                a[idx[p]] += 1
            else:
                known += full[p[0]][p[1]]
        if total in idx:
            a[idx[total]] -= 1
        else:
            known -= full[total[0]][total[1]]
        rows_a.append(a)
        rhs.append(-known)
    small = [text[r][c] == SMALL_COUNT_LABEL for r, c in cells]
    bounds = Bounds([1 if s else 0 for s in small], [min_count - 1 if s else np.inf for s in small])
    constraints = LinearConstraint(np.array(rows_a), rhs, rhs)
    out = {}
    for p in cells:
        goal = np.zeros(len(cells))
        goal[idx[p]] = 1
        low = milp(goal, constraints=constraints, integrality=np.ones(len(cells)), bounds=bounds)
        high = milp(-goal, constraints=constraints, integrality=np.ones(len(cells)), bounds=bounds)
        out[p] = (round(low.fun), round(-high.fun) if high.status == 0 else float("inf"))  # else unbounded
    return out


small_tables = st.integers(2, 5).flatmap(
    lambda cols: st.lists(st.lists(st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 8, 12, 30]), min_size=cols,
                                   max_size=cols), min_size=2, max_size=6)
)


@settings(max_examples=150, deadline=None)
@given(small_tables)
def test_no_small_count_can_be_worked_out_from_the_shown_numbers_and_the_labels(cells):
    """Several rows and columns together, and what «1–4» and «skjult» say, must still leave each small count open."""
    text, _ = protect_counts(cells)
    full = _full(cells)
    for (r, c), (low, high) in _attack(text, full).items():
        if 0 < full[r][c] < 5:
            assert low < high, f"cell {(r, c)} = {full[r][c]} follows from the table:\n{text}"


def test_small_counts_whose_sum_the_totals_give_are_not_given_away():
    """The rektor's Saker page showed a school's «1–4» cells whose sum the totals gave as 3, so each was 1. In small:
    two «1–4» beside a shown 5 in a row totalling 7 add up to 2, so both are 1."""
    cells = [[0, 0, 0], [1, 1, 5]]
    text, _ = protect_counts(cells)
    full = _full(cells)
    assert all(low < high for (r, c), (low, high) in _attack(text, full).items() if 0 < full[r][c] < 5), text


@settings(max_examples=100, deadline=None)
@given(small_tables)
def test_a_reader_who_knows_any_one_schools_counts_cannot_work_out_another_schools_small_count(cells):
    """Every rektor knows the own school's exact counts, and the same protected table goes to every rektor, FAU and
    report: with any one row known, the small counts of the other rows must stay open."""
    text, _ = protect_counts(cells)
    full = _full(cells)
    for known in range(len(cells)):
        for (r, c), (low, high) in _attack(text, full, known_rows=frozenset({known})).items():
            if 0 < full[r][c] < 5:
                assert low < high, f"cell {(r, c)} = {full[r][c]} follows from the table and row {known}:\n{text}"


@settings(max_examples=60, deadline=None)
@given(small_tables.filter(lambda cells: len(cells) >= 3))
def test_a_rektor_of_two_schools_who_knows_both_cannot_work_out_a_third_schools_small_count(cells):
    group = frozenset({0, 1})
    text, _ = protect_counts(cells, groups=(group,))
    full = _full(cells)
    for (r, c), (low, high) in _attack(text, full, known_rows=group).items():
        if 0 < full[r][c] < 5:
            assert low < high, f"cell {(r, c)} = {full[r][c]} follows from the table and rows 0 and 1:\n{text}"


def test_the_table_a_rektor_meeting_or_report_shows_gives_no_other_schools_count_to_any_rektor(demo_db, monkeypatch):
    """A reviewer read the rektormøte screen as Elvetun's rektor: with Elvetun's own counts known, the PPT column's
    two «1–4» had to be 4 and 4 (and then Fjellvik barneskole's serious cases 2). Every demo table, every school."""
    import streamlit as st

    from dashboard import queries
    from dashboard.viewer import Viewer

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    checked = 0
    for kommunenr in ("9901", "9902"):
        owner = Viewer(role="skoleeier", kommuner=frozenset({kommunenr}), brukernavn="s")
        meeting = Viewer(role="rektor", kommuner=frozenset({kommunenr}), brukernavn="r", protected=True)
        for year in ("2024-25", "2025-26"):
            truth = queries.saker_oversikt(owner, kommunenr=kommunenr, skoleaar=year)
            shown = queries.saker_oversikt(meeting, kommunenr=kommunenr, skoleaar=year)
            assert shown["orgnr"].to_list() == truth["orgnr"].to_list()
            columns = [c for c in truth.columns if c not in ("orgnr", "skole")]
            full = [[int(v) for v in row] for row in truth.select(columns).iter_rows()]
            text = [list(row) for row in shown.select(columns).iter_rows()]
            for known in range(len(full) - 1):
                for (r, c), (low, high) in _attack(text, full, known_rows=frozenset({known})).items():
                    assert not 0 < full[r][c] < 5 or low < high, (kommunenr, year, known, (r, c), text)
                    checked += 1
    assert checked > 50


def test_a_rektor_given_a_second_school_changes_the_protected_table_at_once_not_at_the_next_load(demo_db, tmp_path,
                                                                                                 monkeypatch):
    """The shared protected table is safe against every rektor of several schools in the users file. Query results
    were cached by the warehouse's version alone: a rektor granted a second school saw the table worked out without
    that pair until the next file was loaded."""
    import itertools

    import streamlit as st

    from dashboard import queries
    from dashboard.viewer import Viewer
    from pipelines import accounts

    users = tmp_path / "brukere.yaml"
    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    monkeypatch.setenv("SKOLEMILJO_USERS", str(users))
    meeting = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="s", protected=True)

    def table(pair: tuple[str, ...] | None, *, fresh: bool) -> list[tuple]:
        if pair:
            accounts.save(users, {"rektor.to": accounts.Account("rektor.to", "rektor", ("9901",), pair)})
        else:
            users.unlink(missing_ok=True)
        if fresh:
            st.cache_data.clear()
        return queries.saker_oversikt(meeting, kommunenr="9901", skoleaar="2025-26").rows()

    alone = table(None, fresh=True)
    schools = query(demo_db, "SELECT orgnr FROM mart.skoler WHERE kommunenr = '9901' ORDER BY orgnr")
    # A pair whose joint knowledge makes the table hide more (most pairs do not change it).
    pair, together = next((p, t) for p in itertools.combinations([o for (o,) in schools], 2)
                          if (t := table(p, fresh=True)) != alone)
    assert table(None, fresh=True) == alone
    assert table(pair, fresh=False) == together  # the cached answer follows the users file


def _month_snapshots(demo_db, tmp_path, last_months):
    """Copies of the demo warehouse as it stood when the case reports reached each month (later months removed)."""
    import shutil

    import duckdb

    out = {}
    for last in last_months:
        db = tmp_path / f"til_{last}" / "skolemiljo.duckdb"
        db.parent.mkdir()
        shutil.copy(demo_db, db)
        with duckdb.connect(str(db)) as con:
            con.execute("DELETE FROM core.saker WHERE periode > ?", [last])
        out[last] = db
    return out


def test_protected_case_summaries_cover_whole_school_years_so_two_visits_a_month_apart_tell_nothing(
    demo_db, tmp_path, monkeypatch
):
    """A rektor who looked at the other schools' «1–4» in April and again in May could subtract the two windows (and
    the FAU report's «so far» totals) and find one school's single bekymringsmelding in May. At the protected level
    the summary is now a complete school year, the same on every visit until the next year is complete."""
    import datetime as dt

    import streamlit as st

    from dashboard import queries
    from dashboard.viewer import Viewer

    rektor = Viewer(role="rektor", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="r")
    snapshots = _month_snapshots(demo_db, tmp_path, [dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1)])
    seen = {}
    for last, db in snapshots.items():
        monkeypatch.setenv("SKOLEMILJO_DB", str(db))
        st.cache_data.clear()
        year = queries.saker_complete_year(rektor, kommunenr="9901")["skoleaar"].to_list()
        seen[last] = (year, queries.saker_oversikt(rektor, kommunenr="9901"))
        assert queries.saker_oversikt(rektor, kommunenr="9901", skoleaar="2026-27").is_empty()  # under way
    september, october = seen[dt.date(2026, 9, 1)], seen[dt.date(2026, 10, 1)]
    assert september[0] == october[0] == ["2025-26"]
    assert september[1].equals(october[1])  # a month later, the same table: nothing to subtract
    august_year, august = seen[dt.date(2026, 8, 1)]
    assert august_year == ["2024-25"]  # 2025-26 had not been complete for a month yet
    monkeypatch.setenv("SKOLEMILJO_DB", str(snapshots[dt.date(2026, 10, 1)]))
    assert august.equals(queries.saker_oversikt(rektor, kommunenr="9901", skoleaar="2024-25"))
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="s")
    assert not queries.saker_oversikt(owner, kommunenr="9901", skoleaar="2026-27").is_empty()  # full detail: any


def test_a_report_for_a_school_year_under_way_holds_no_case_or_team_case_counts_and_says_why(demo_db, monkeypatch):
    from dashboard.reports import content
    from dashboard.viewer import Viewer

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    fau = Viewer(role="fau", kommuner=frozenset({"9901"}), skoler=frozenset({"990012008"}), brukernavn="f")
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="s")
    for requester, mottaker, orgnr in [(fau, "fau", "990012008"), (owner, "kommunestyre", None)]:
        report = content.build(requester, content.Request("9901", "2026-27", mottaker, orgnr=orgnr))
        text = " ".join(p for s in report.sections for p in [*s.paragraphs, *s.notes])
        assert "Skoleåret 2026-27 er ikke avsluttet" in text and "Siste avsluttede skoleår er 2025-26." in text
        titles = [t.title for s in report.sections for t in s.tables]
        assert not any("saker" in t.lower() for t in titles), titles
    assert "Saker drøftet i teamene: Skoleåret 2026-27 er ikke avsluttet" in text  # the kommunestyre report's


def _safe(text, full):
    """No line with one hidden cell the reader does not know, and no small count pinned (`_attack`), for anyone or a
    reader who knows one school's row. `text` and `full` include the total row and column."""
    n_rows, n_cols = len(full), len(full[0])
    lines = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    lines += [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    for known in [frozenset(), *(frozenset({r}) for r in range(n_rows - 1))]:
        if any(sum(text[r][c] in (SMALL_COUNT_LABEL, "skjult") and r not in known for r, c in line) == 1
               for line in lines):
            return False
        if any(0 < full[r][c] < 5 and low == high
               for (r, c), (low, high) in _attack(text, full, known_rows=known).items()):
            return False
    return True


def test_the_municipality_totals_are_shown_when_no_small_count_follows_from_them(demo_db, monkeypatch):
    """A reviewer found every figure of Fjellvik's «Kommunen i alt» for 2024-25 hidden but two «1–4» (aktivitetsplaner
    in all, 108, too), so the council's report had no year before to compare with: the audit had hidden a cell beside
    each of the three small municipality totals in one round, where one was enough. The municipality's aktivitetsplaner
    and its sum now show, every small count stays open to an exact solver (for anyone, and for each school's rektor),
    and each municipality total still hidden that is not small could not be shown."""
    import streamlit as st

    from dashboard import queries
    from dashboard.viewer import Viewer

    monkeypatch.setenv("SKOLEMILJO_DB", str(demo_db))
    st.cache_data.clear()
    owner = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="s")
    report = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="s", protected=True)
    for year in ("2024-25", "2025-26"):
        truth = queries.saker_oversikt(owner, kommunenr="9901", skoleaar=year)
        shown = queries.saker_oversikt(report, kommunenr="9901", skoleaar=year)
        columns = [c for c in truth.columns if c not in ("orgnr", "skole")]
        full = [[int(v) for v in row] for row in truth.select(columns).iter_rows()]
        text = [list(row) for row in shown.select(columns).iter_rows()]
        municipality = len(full) - 1
        plans, in_all = columns.index("Aktivitetsplan (§ 12-4)"), len(columns) - 1
        assert full[municipality][plans] >= 5 and full[municipality][in_all] >= 5
        assert text[municipality][plans] == str(full[municipality][plans]), (year, text[municipality])
        assert text[municipality][in_all] == str(full[municipality][in_all]), (year, text[municipality])
        assert _safe(text, full), (year, text)
        for c, label in enumerate(text[municipality]):
            if label == "skjult" and not 0 < full[municipality][c] < 5:
                trial = [list(row) for row in text]
                trial[municipality][c] = str(full[municipality][c])
                assert not _safe(trial, full), (year, columns[c], "could have been shown")
