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

A key shared by a crowd is not a block. At 4.5 million enrolled, one city and street name is
shared by thousands of people, one date of birth by ~180, "María García" in one city by
hundreds: a booking keyed that way would be compared with all of them, and a feed batch of a
thousand bookings would score millions of pairs that the key says nothing about. So every rule
has a per-key cap (`KeyCaps`: ATD_MATCHING_BLOCK_KEY_MAX_ROWS for the core rules,
ATD_MATCHING_WIDE_BLOCK_KEY_MAX_ROWS for the wide ones): a booking whose key under
a rule is shared by more than that many enrolled names is not blocked by that rule (its other
rules still run; a rare key under the same rule still blocks). The cap is a property of the
booking and the enrolled population, so a run against everyone and a feed batch's by-key run
apply it identically: it is carried as one 0/1 column per capped rule on the booking side
(`cap_column`), and the rule's SQL asks for it (`rule_sql(rule, capped=True)`). Nothing is
capped where no key is that crowded, so the small data sets of `make bench-matching` block as
before.
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


ALL_RULES: tuple[Rule, ...] = (*CORE_RULES, *WIDE_RULES)


ADDRESS_COLUMNS = frozenset({"postcode", "city", "street_name"})


def address_only(rule: Rule) -> bool:
    """A rule on the address alone (no name, no date): the route for a record whose names and
    date are both badly mistyped."""
    return all(b in ADDRESS_COLUMNS for _, b in rule)


@dataclass(frozen=True)
class KeyCaps:
    """The per-key cap of each kind of rule (0: none). Core rules with a name or a date: a key
    shared by more than `core` names is a common name in a city or on a birthday, not a block.
    Core rules on the address alone get `address`: they are the only route for a record whose
    names and date are both mistyped, and a street's crowd is local. Wide rules (two errors at
    once, fewer columns) get `wide`."""

    core: int = 0
    wide: int = 0
    address: int = 0

    def of(self, rule: Rule) -> int:
        if rule in WIDE_RULES:
            return self.wide
        return self.address if address_only(rule) else self.core


def cap_column(rule: Rule) -> str:
    """The booking-side 0/1 column saying the booking's key under `rule` is within the cap."""
    return f"kcap_{ALL_RULES.index(rule)}"


def rule_sql(rule: Rule, *, capped: bool = False) -> str:
    sql = " AND ".join(f"l.{a} = r.{b}" for a, b in rule)
    return f"l.{cap_column(rule)} = 1 AND {sql}" if capped else sql


def rule_count_sql(rule: Rule, left_table: str, right_table: str, key_max_rows: int = 0) -> str:
    """The exact number of pairs the rule produces, from two group-bys (no pair is built);
    with a per-key cap, the pairs of the keys within it."""
    keys_l = ", ".join(f"{a} AS k{i}" for i, (a, _) in enumerate(rule))
    keys_r = ", ".join(f"{b} AS k{i}" for i, (_, b) in enumerate(rule))
    groups = ", ".join(f"k{i}" for i in range(len(rule)))
    not_null_l = " AND ".join(f"{a} IS NOT NULL" for a, _ in rule)
    not_null_r = " AND ".join(f"{b} IS NOT NULL" for _, b in rule)
    on = " AND ".join(f"x.k{i} = y.k{i}" for i in range(len(rule)))
    # Column names come from the fixed rule tables above, table names from the backend.
    x = f"SELECT {keys_l}, count(*) AS n FROM {left_table} WHERE {not_null_l} "  # noqa: S608
    y = f"SELECT {keys_r}, count(*) AS n FROM {right_table} WHERE {not_null_r} "  # noqa: S608
    join = f"FROM x JOIN y ON {on}" + (f" WHERE y.n <= {int(key_max_rows)}" if key_max_rows else "")
    return f"WITH x AS ({x} GROUP BY {groups}), y AS ({y} GROUP BY {groups}) " + (
        "SELECT coalesce(sum(x.n * y.n), 0) " + join
    )


def rule_over_cap_sql(rule: Rule, left_table: str, right_table: str, key_max_rows: int) -> str:
    """How many left rows have a key under `rule` shared by more than `key_max_rows` right rows."""
    keys_l = ", ".join(f"{a} AS k{i}" for i, (a, _) in enumerate(rule))
    keys_r = ", ".join(f"{b} AS k{i}" for i, (_, b) in enumerate(rule))
    groups = ", ".join(f"k{i}" for i in range(len(rule)))
    not_null_l = " AND ".join(f"{a} IS NOT NULL" for a, _ in rule)
    not_null_r = " AND ".join(f"{b} IS NOT NULL" for _, b in rule)
    on = " AND ".join(f"x.k{i} = y.k{i}" for i in range(len(rule)))
    x = f"SELECT {keys_l}, count(*) AS n FROM {left_table} WHERE {not_null_l} "  # noqa: S608
    y = f"SELECT {keys_r} FROM {right_table} WHERE {not_null_r} "  # noqa: S608
    having = f"HAVING count(*) > {int(key_max_rows)}"
    return (
        f"WITH x AS ({x} GROUP BY {groups}), y AS ({y} GROUP BY {groups} {having}) "  # noqa: S608
        f"SELECT coalesce(sum(x.n), 0) FROM x JOIN y ON {on}"
    )


def rule_capped_select(rule: Rule, right_table: str, key_max_rows: int) -> str:
    """A left-join target: the keys under `rule` shared by more than the cap (columns k0, k1…;
    the caller joins it with `rule_cap_on`)."""
    keys_r = ", ".join(f"{b} AS k{i}" for i, (_, b) in enumerate(rule))
    groups = ", ".join(f"k{i}" for i in range(len(rule)))
    not_null_r = " AND ".join(f"{b} IS NOT NULL" for _, b in rule)
    return (
        f"(SELECT {keys_r} FROM {right_table} WHERE {not_null_r} "  # noqa: S608
        f"GROUP BY {groups} HAVING count(*) > {int(key_max_rows)})"
    )


def rule_cap_on(rule: Rule, left_alias: str, group_alias: str) -> str:
    return " AND ".join(f"{left_alias}.{a} = {group_alias}.k{i}" for i, (a, _) in enumerate(rule))


@dataclass(frozen=True)
class BlockingPlan:
    rules: tuple[Rule, ...]
    wide_skipped: tuple[tuple[Rule, int], ...]  # (rule, pairs it would have produced)
    # Rules some booking's key is over the per-key cap for: their SQL asks for cap_column, and
    # the booking side carries it (how many bookings each left out).
    capped: tuple[tuple[Rule, int], ...] = ()

    def sql(self) -> list[str]:
        """Each chosen rule's SQL, asking for its cap column where it is capped."""
        capped = {r for r, _ in self.capped}
        return [rule_sql(r, capped=r in capped) for r in self.rules]


def blocking_plan(
    wide_counts: dict[Rule, int],
    *,
    wide_max_pairs: int,
    capped: tuple[tuple[Rule, int], ...] = (),
    records: int = 0,
    wide_pairs_per_record: int = 0,
) -> BlockingPlan:
    """Core rules, then each wide rule whose count (after the per-key cap) fits the budget: at
    most `wide_max_pairs`, and at most `wide_pairs_per_record` per booking on average when that
    is set — a wide rule that compares every booking with hundreds of people (one date of birth
    among 4.5 million: ~180 each, every key under the cap) is a scan, not a block. Pure."""
    if wide_pairs_per_record > 0:
        wide_max_pairs = min(wide_max_pairs, wide_pairs_per_record * records)
    chosen = [r for r in WIDE_RULES if wide_counts.get(r, wide_max_pairs + 1) <= wide_max_pairs]
    skipped = tuple((r, wide_counts[r]) for r in WIDE_RULES if r not in chosen and r in wide_counts)
    rules = (*CORE_RULES, *chosen)
    return BlockingPlan(
        rules=rules,
        wide_skipped=skipped,
        capped=tuple((r, n) for r, n in capped if r in rules and n > 0),
    )
