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
