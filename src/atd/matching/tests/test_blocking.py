"""Blocking: core rules always, wide rules only when their exact pair count fits the budget."""

from __future__ import annotations

import duckdb
import pandas as pd

from atd.matching.linkage.blocking import (
    CORE_RULES,
    WIDE_RULES,
    blocking_plan,
    rule_count_sql,
    rule_sql,
)


def test_a_wide_rule_runs_only_when_its_pairs_fit_the_budget() -> None:
    small, big = WIDE_RULES[0], WIDE_RULES[1]
    counts = {r: 10 for r in WIDE_RULES} | {big: 5_000}
    plan = blocking_plan(counts, wide_max_pairs=1_000)
    assert plan.rules[: len(CORE_RULES)] == CORE_RULES
    assert small in plan.rules
    assert big not in plan.rules
    assert plan.wide_skipped == ((big, 5_000),)


def test_with_no_budget_only_the_core_rules_run() -> None:
    plan = blocking_plan({r: 1 for r in WIDE_RULES}, wide_max_pairs=0)
    assert plan.rules == CORE_RULES


def test_the_pair_count_of_a_rule_is_exact() -> None:
    left = pd.DataFrame({"dob": ["1980-01-02", "1980-01-02", None, "1990-05-05"]})
    right = pd.DataFrame({"dob": ["1980-01-02", "1980-01-02", "1980-01-02", None, "1990-05-05"]})
    rule = (("dob", "dob"),)
    con = duckdb.connect()
    con.register("l_in", left)
    con.register("r_in", right)
    brute = sum(1 for a in left.dob for b in right.dob if a is not None and a == b)
    assert con.execute(rule_count_sql(rule, "l_in", "r_in")).fetchall()[0][0] == brute == 7


def test_a_cross_column_rule_compares_the_named_columns() -> None:
    rule = next(r for r in CORE_RULES if ("sp1", "sp2") in r)
    assert "l.sp1 = r.sp2" in rule_sql(rule)


def test_the_per_key_cap_is_the_same_on_frames_and_on_duckdb_tables() -> None:
    """The scale path (inputs already in DuckDB) caps exactly as the in-memory path does."""
    import duckdb
    import pandas as pd

    from atd.matching.linkage.blocking import ALL_RULES, KeyCaps, cap_column
    from atd.matching.linkage.model import _caps_frames, _caps_tables, _frame

    def row(uid: str, dob: str | None, city: str, street: str) -> dict[str, object]:
        return {"unique_id": uid, "dob": dob, "city": city, "street_name": street}

    right = _frame(
        pd.DataFrame(
            [row(f"p{i}", "1980-01-01", "houston", "main st") for i in range(5)]
            + [row("p9", "1990-02-02", "houston", "oak st")]
        ).reindex(columns=list(_frame([]).columns))
    )
    left = _frame(
        pd.DataFrame(
            [
                row("b1", "1980-01-01", "houston", "main st"),  # crowded date and street
                row("b2", "1990-02-02", "houston", "oak st"),  # rare
                row("b3", None, "houston", "main st"),  # no date: not over the date cap
            ]
        ).reindex(columns=list(_frame([]).columns))
    )
    caps = KeyCaps(core=3, wide=3, address=3)
    lf, _, capped_frames = _caps_frames(left, right, caps)
    con = duckdb.connect()
    con.register("lv", left)
    con.register("rv", right)
    con.execute("CREATE TABLE l AS SELECT * FROM lv")
    con.execute("CREATE TABLE r AS SELECT * FROM rv")
    lt, rt, capped_tables = _caps_tables(con, "l", "r", caps)
    assert capped_frames == capped_tables
    dob_rule, street_rule = (("dob", "dob"),), (("city", "city"), ("street_name", "street_name"))
    assert dict(capped_frames) == {
        dob_rule: 1,
        street_rule: 2,
        (("street_name", "street_name"),): 2,
    }
    for rule in (dob_rule, street_rule):
        column = cap_column(rule)
        from_sql = con.execute(f"SELECT {column} FROM {lt} ORDER BY unique_id").fetchall()  # noqa: S608
        assert [v for (v,) in from_sql] == list(lf.sort_values("unique_id")[column])
    assert {cap_column(r) for r, _ in capped_tables} <= set(
        con.execute(f"SELECT * FROM {rt} LIMIT 0").df().columns  # noqa: S608
    )
    assert len(ALL_RULES) == len(set(ALL_RULES))


def test_a_wide_rule_averaging_too_many_pairs_per_booking_is_left_out() -> None:
    """One date of birth among millions: every key is under the cap, yet the rule compares each
    booking with hundreds of people. The per-booking budget leaves it out (and says so)."""
    dob = (("dob", "dob"),)
    counts = dict.fromkeys(WIDE_RULES, 10) | {dob: 243_000}
    plan = blocking_plan(counts, wide_max_pairs=2_000_000, records=1_000, wide_pairs_per_record=200)
    assert dob not in plan.rules and dict(plan.wide_skipped) == {dob: 243_000}
    bigger = blocking_plan(
        counts, wide_max_pairs=2_000_000, records=9_000, wide_pairs_per_record=200
    )
    assert dob in bigger.rules  # 27 per booking
    off = blocking_plan(counts, wide_max_pairs=2_000_000, records=1_000, wide_pairs_per_record=0)
    assert dob in off.rules
