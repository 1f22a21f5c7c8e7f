"""Blocking keys of the enrolled population, and a feed batch's candidates selected by key.

A feed batch of 1,000 bookings must not read 4.5 million participants. Every blocking rule is
a conjunction of equalities between a booking column and a participant column (blocking.py),
so the participants a batch's rules can reach are exactly those whose keys equal a booking's
keys under some rule. The participant side of every rule's columns is kept in BlockingKey (one
row per name: the participant's own and each alias, active participants only), indexed; a batch
puts its own keys in a temporary table and, rule by rule, joins it to BlockingKey through
those indexes.

Exactly the pairs of a run against everyone, with exactly the same scores:
- the wide rules' pair counts (which decide which wide rules run) are counted here against the
  whole key table, and that plan is handed to the engine — recounting against the candidates
  alone would admit rules the full run leaves out;
- every candidate participant is loaded whole (all their names); a pair no rule produces is
  never scored, so the extra rows change nothing;
- term-frequency adjustments (given names, surnames) are computed by Splink over left + right;
  here the same counts come from the key table (all enrolled names) plus the batch, divided
  the same way, and are registered as Splink's lookup tables; the input size that decides which
  levels keep an adjustment (model._without_tf) is the full one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction

from atd.matching import selectors
from atd.matching.linkage.blocking import (
    CORE_RULES,
    WIDE_RULES,
    BlockingPlan,
    Rule,
    blocking_plan,
)
from atd.matching.linkage.rows import participant_rows
from atd.matching.models import BlockingKey
from atd.people import selectors as people_selectors

KEY_COLUMNS = (
    "given_phon",
    "given_init",
    "sp1",
    "sp2",
    "name_key",
    "dob",
    "dob_year",
    "dob_md",
    "dob_ym",
    "dob_yd",
    "postcode",
    "city",
    "street_name",
    "given_fold",
    "surnames_sorted",
)
TF_COLUMNS = ("given_fold", "surnames_sorted")
# Booking-side columns the rules use (the left side of each equality).
LEFT_COLUMNS = tuple(sorted({a for rule in (*CORE_RULES, *WIDE_RULES) for a, _ in rule}))
LEFT_TABLE = "atd_link_batch_keys"
CHUNK = 2000
REBUILD_RANGE = 20_000


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key_rows(rows: list[dict[str, Any]]) -> list[BlockingKey]:
    return [
        BlockingKey(
            participant_id=r["participant_id"],
            alias_id=r["alias_id"],
            **{c: r[c] for c in KEY_COLUMNS},
        )
        for r in rows
    ]


def _keys_write(rows: list[dict[str, Any]]) -> None:
    """Insert key rows: COPY on PostgreSQL (a rebuild writes millions), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        BlockingKey.objects.bulk_create(_key_rows(rows), batch_size=CHUNK)
        return
    columns = ("participant_id", "alias_id", *KEY_COLUMNS)
    table = BlockingKey._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY ... FROM STDIN
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(tuple(r[c] for c in columns))


def blocking_keys_refresh(participant_ids: Iterable[int]) -> int:
    """Recompute the keys of these participants from the people tables (a participant with no
    open case has none). Runs inside the caller's transaction: the people write that changed a
    name, an alias, an address or a case status, so the keys never lag the record."""
    ids = sorted({int(i) for i in participant_ids})
    written = 0
    with transaction.atomic():
        for chunk in _chunks(ids, CHUNK):
            BlockingKey.objects.filter(participant_id__in=chunk).delete()
            rows = participant_rows(selectors.participants_for_linkage(participant_ids=chunk))
            _keys_write(rows)
            written += len(rows)
    return written


def blocking_keys_rebuild(*, progress: Any = None) -> int:
    """The whole table from the people tables, id range by id range (`atd match
    --rebuild-keys`; after a bulk load that bypassed the people services)."""
    top = people_selectors.participant_max_id()
    BlockingKey.objects.all().delete()
    written = 0
    for after in range(0, top, REBUILD_RANGE):
        until = min(after + REBUILD_RANGE, top)
        rows = participant_rows(selectors.participants_for_linkage(after_id=after, until_id=until))
        _keys_write(rows)
        written += len(rows)
        if progress is not None:
            progress(until, top)
    return written


def blocking_keys_catch_up() -> int:
    """Participants newer than every key row (enrolled by a path that bypassed the hook, e.g. a
    bulk load): their keys, before a batch selects candidates. One indexed MAX when none."""
    keyed = BlockingKey.objects.order_by("-participant_id").values_list("participant_id", flat=True)
    last = keyed.first() or 0
    if people_selectors.participant_max_id() <= last:
        return 0
    rows = participant_rows(selectors.participants_for_linkage(after_id=last))
    _keys_write(rows)
    return len(rows)


# --- a batch's candidates ------------------------------------------------------------------


def _rule_join(rule: Rule) -> str:
    return " AND ".join(f"l.{a} = r.{b}" for a, b in rule)


def _load_left(cursor: Any, left: list[dict[str, Any]]) -> None:
    columns = ", ".join(f"{c} {'integer' if c == 'dob_year' else 'text'}" for c in LEFT_COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS {LEFT_TABLE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {LEFT_TABLE} ({columns})")
    marks = ", ".join(["%s"] * len(LEFT_COLUMNS))
    cursor.executemany(
        f"INSERT INTO {LEFT_TABLE} ({', '.join(LEFT_COLUMNS)}) VALUES ({marks})",  # noqa: S608
        [tuple(row[c] for c in LEFT_COLUMNS) for row in left],
    )
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {LEFT_TABLE}")  # a temp table has no statistics otherwise


def _tf_lookup(
    cursor: Any, left: list[dict[str, Any]], right: list[dict[str, Any]]
) -> dict[str, dict[Any, float]]:
    table = BlockingKey._meta.db_table
    cursor.execute(
        f"SELECT {', '.join(f'count({c})' for c in TF_COLUMNS)} FROM {table}"  # noqa: S608
    )
    totals = dict(zip(TF_COLUMNS, cursor.fetchone(), strict=True))
    lookup: dict[str, dict[Any, float]] = {}
    for column in TF_COLUMNS:
        counts = Counter(r[column] for r in left if r[column] is not None)
        total = int(totals[column]) + sum(counts.values())
        values = sorted({r[column] for r in (*left, *right) if r[column] is not None})
        for chunk in _chunks(values, 900):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {column}, count(*) FROM {table} "  # noqa: S608
                f"WHERE {column} IN ({marks}) GROUP BY {column}",
                chunk,
            )
            for value, n in cursor.fetchall():
                counts[value] += int(n)
        # Splink: cast(count(*) as float8) / count(col) over left + right (term_frequencies.py)
        lookup[column] = {value: float(counts[value]) / total for value in values if total}
    return lookup


def feed_candidates(
    left: list[dict[str, Any]], *, wide_max_pairs: int
) -> tuple[list[int], BlockingPlan, int]:
    """The participants the batch's rules can reach, the blocking plan (wide rules counted
    against everyone) and the size of the enrolled population in name rows."""
    blocking_keys_catch_up()
    table = BlockingKey._meta.db_table
    with connection.cursor() as cursor:
        _load_left(cursor, left)
        counts: dict[Rule, int] = {}
        if wide_max_pairs > 0:
            for rule in WIDE_RULES:
                cursor.execute(
                    f"SELECT count(*) FROM {LEFT_TABLE} l JOIN {table} r "  # noqa: S608
                    f"ON {_rule_join(rule)}"
                )
                counts[rule] = int(cursor.fetchone()[0])
        plan = blocking_plan(counts, wide_max_pairs=wide_max_pairs)
        reached: set[int] = set()
        for rule in plan.rules:
            cursor.execute(
                f"SELECT DISTINCT r.participant_id FROM {LEFT_TABLE} l "  # noqa: S608
                f"JOIN {table} r ON {_rule_join(rule)}"
            )
            reached.update(int(pid) for (pid,) in cursor.fetchall())
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        population = int(cursor.fetchone()[0])
        cursor.execute(f"DROP TABLE IF EXISTS {LEFT_TABLE}")
    return sorted(reached), plan, population


def feed_tf_lookup(
    left: list[dict[str, Any]], right: list[dict[str, Any]]
) -> dict[str, dict[Any, float]]:
    with connection.cursor() as cursor:
        return _tf_lookup(cursor, left, right)
