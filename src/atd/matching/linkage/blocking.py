"""Blocking: which pairs are scored at all. Equi-joins only, so they scale, in two tiers.

A pair no rule produces is never scored, so blocking sets the ceiling on recall; every pair a
rule produces costs scoring time. The cost of a rule depends on the size and the name
distribution of the inputs: born on the same day with the same first surname is a handful of
pairs for a feed batch of a thousand bookings and ~9 million for a million bookings against
4.5 million participants with the population's common surnames. So:

- CORE rules always run. They tolerate one error per record (a typo in a name or in the date,
  a day/month swap, surnames in the other order or one dropped, given/family swapped).
- WIDE rules run when their own comparison count (counted exactly, before any pair is built)
  is at most `wide_max_pairs`: they reach records with two errors at once (a typo in the
  given name's first letter and a swapped surname; a date typo and a dropped surname; a
  missing or unreadable date of birth). Feed batches of everyday size get all of them; a bulk
  load of a million bookings gets the core only (and is told which were left out).

Every rule is written as (booking column, participant column) equalities, so the same rule is
Splink SQL (`rule_sql`) and a count query (`rule_count_sql`) on either backend.
"""

from __future__ import annotations

from dataclasses import dataclass

Rule = tuple[tuple[str, str], ...]


def _r(*pairs: str) -> Rule:
    """'dob' means l.dob = r.dob; 'sp1=sp2' means l.sp1 = r.sp2."""
    out = []
    for p in pairs:
        left, _, right = p.partition("=")
        out.append((left, right or left))
    return tuple(out)


CORE_RULES: tuple[Rule, ...] = (
    _r("dob", "given_phon"),
    # A given-name typo: the first surname and the given name's first letter still agree.
    _r("dob", "sp1", "given_init"),
    _r("dob", "sp1=sp2", "given_init"),
    _r("dob", "sp2=sp1", "given_init"),
    # Order-free name key: given/family swaps, surnames in either order.
    _r("name_key", "dob_year"),
    _r("dob_swapped=dob", "sp1"),
    # Given/family swapped and a date error (a typo or day/month swap): both crosswise keys and
    # the birth year (the swap drops the second surname, so the name key differs).
    _r("given_phon=sp1", "sp1=given_phon", "dob_year"),
    _r("dob", "given_phon=sp1"),
    _r("dob", "sp1=given_phon"),
    # A typo in the day, the month or the year: the names and two of the three parts agree.
    _r("given_phon", "sp1", "sp2", "dob_md"),
    _r("given_phon", "sp1", "sp2", "dob_ym"),
    _r("given_phon", "sp1", "sp2", "dob_yd"),
    # The same address recorded on both sides (names or date badly mistyped); the street by
    # its name, without the house number (a number dropped or mistyped still blocks).
    _r("postcode", "given_phon", "sp1"),
    _r("postcode", "dob"),
    _r("postcode", "street_name"),
    _r("city", "street_name"),
    _r("postcode", "given_phon"),
    _r("postcode", "sp1"),
    _r("city", "given_phon", "sp1"),
)

WIDE_RULES: tuple[Rule, ...] = (
    # The core rules without their narrowing column.
    _r("dob", "sp1"),
    _r("dob", "sp1=sp2"),
    _r("dob", "sp2=sp1"),
    _r("given_phon", "sp1", "dob_md"),
    _r("given_phon", "sp1", "dob_ym"),
    _r("given_phon", "sp1", "dob_yd"),
    # Two errors at once, or no usable date of birth.
    _r("dob"),
    _r("given_phon", "sp1"),
    _r("name_key"),
    _r("postcode"),
    _r("street_name"),
    _r("city", "sp1"),
    _r("city", "given_phon"),
)


def rule_sql(rule: Rule) -> str:
    return " AND ".join(f"l.{a} = r.{b}" for a, b in rule)


def rule_count_sql(rule: Rule, left_table: str, right_table: str) -> str:
    """The exact number of pairs the rule produces, from two group-bys (no pair is built)."""
    keys_l = ", ".join(f"{a} AS k{i}" for i, (a, _) in enumerate(rule))
    keys_r = ", ".join(f"{b} AS k{i}" for i, (_, b) in enumerate(rule))
    groups = ", ".join(f"k{i}" for i in range(len(rule)))
    not_null_l = " AND ".join(f"{a} IS NOT NULL" for a, _ in rule)
    not_null_r = " AND ".join(f"{b} IS NOT NULL" for _, b in rule)
    on = " AND ".join(f"x.k{i} = y.k{i}" for i in range(len(rule)))
    # Column names come from the fixed rule tables above, table names from the backend.
    x = f"SELECT {keys_l}, count(*) AS n FROM {left_table} WHERE {not_null_l} "  # noqa: S608
    y = f"SELECT {keys_r}, count(*) AS n FROM {right_table} WHERE {not_null_r} "  # noqa: S608
    join = f"FROM x JOIN y ON {on}"
    return f"WITH x AS ({x} GROUP BY {groups}), y AS ({y} GROUP BY {groups}) " + (
        "SELECT coalesce(sum(x.n * y.n), 0) " + join
    )


@dataclass(frozen=True)
class BlockingPlan:
    rules: tuple[Rule, ...]
    wide_skipped: tuple[tuple[Rule, int], ...]  # (rule, pairs it would have produced)


def blocking_plan(wide_counts: dict[Rule, int], *, wide_max_pairs: int) -> BlockingPlan:
    """Core rules, then each wide rule whose count fits the budget. Pure."""
    chosen = [r for r in WIDE_RULES if wide_counts.get(r, wide_max_pairs + 1) <= wide_max_pairs]
    skipped = tuple((r, wide_counts[r]) for r in WIDE_RULES if r not in chosen and r in wide_counts)
    return BlockingPlan(rules=(*CORE_RULES, *chosen), wide_skipped=skipped)
