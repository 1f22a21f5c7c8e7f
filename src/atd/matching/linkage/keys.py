"""Blocking keys of the enrolled population, and a feed batch's candidates selected by key.

A feed batch of 1,000 bookings must not read 4.5 million participants. Every blocking rule is
a conjunction of equalities between a booking column and a participant column (blocking.py),
so the participants a batch's rules can reach are exactly those whose keys equal a booking's
keys under some rule. BlockingKey holds one row per name of every active participant (their
own and each alias): the participant side of every rule's columns, indexed, and the rest of
the name row's linkage features, so a batch's candidates are read from this one table by key
— never from the people tables, never everyone.

A batch: its own keys go into a temporary table; for every rule, each booking's key is looked
up with one bounded index-only read of the participant ids sharing it (`LIMIT cap + 1`), which
gives at once the per-key cap (blocking.py: a key shared by more names than its tier's cap does
not block), each wide rule's pair count without building a pair, and the reach of the rules the
plan keeps; the candidates' name rows come back in one read.

Exactly the pairs of a run against everyone, with exactly the same scores:
- the cap and the wide rules' pair counts (which decide which wide rules run) are counted here
  against the whole key table, and that plan (with the bookings' cap columns) is handed to the
  engine — recounting against the candidates alone would admit rules the full run leaves out;
- every candidate participant is loaded whole (all their names); a pair no rule produces is
  never scored, so the extra rows change nothing;
- term-frequency adjustments (given names, surnames) are computed by Splink over left + right;
  here the same counts come from the key table (all enrolled names) plus the batch, divided
  the same way, and are registered as Splink's lookup tables; the input size that decides which
  levels keep an adjustment (model._without_tf) is the full one."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from atd.core.fieldcrypt import blind_index, encrypt_bytes, sealed_opener
from atd.matching import selectors
from atd.matching.linkage.blocking import (
    ALL_RULES,
    WIDE_RULES,
    BlockingPlan,
    KeyCaps,
    Rule,
    blocking_plan,
    cap_column,
)
from atd.matching.linkage.features import COLUMNS
from atd.matching.linkage.rows import participant_rows
from atd.matching.models import BlockingKey, BlockingKeyCount
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
# The rest of a name row's linkage features (features.COLUMNS): sealed together with the clear
# values of the keys in `features`, so that a candidate is read from this table alone. The two
# lists are space-joined.
FEATURE_COLUMNS = (
    "given_first",
    "surnames_joined",
    "surname_tokens",
    "surname_phons",
    "dob_swapped",
    "sex",
    "street",
)
LIST_COLUMNS = ("surname_tokens", "surname_phons")
STORED_COLUMNS = (*KEY_COLUMNS, *FEATURE_COLUMNS)
TF_COLUMNS = ("given_fold", "surnames_sorted")
# Booking-side columns the rules use (the left side of each equality).
LEFT_COLUMNS = tuple(sorted({a for rule in ALL_RULES for a, _ in rule}))
LEFT_TABLE = "atd_link_batch_keys"
CHUNK = 2000
REBUILD_RANGE = 20_000


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Every key is stored and compared as a keyed blind index (ADR 0021): the table holds no name,
# date of birth or address in clear, yet equal keys still join. One kind for every column, as a
# rule may compare two different columns (a surname with the other surname).
KEY_KIND = "blocking-key"
FEATURE_CONTEXT = "matching_blockingkey.features"
SEP = "\x1f"  # no feature holds a control character (folded names, ISO dates, sex, digits)


def keyed(value: Any) -> str | None:
    return None if value is None else _keyed(str(value), settings.ATD_INDEX_KEY_ID)


@lru_cache(maxsize=1 << 18)
def _keyed(value: str, key_id: str) -> str | None:
    """Names, dates and places repeat across millions of rows: each is keyed once (the cache is
    per index key: a rotated key keys afresh)."""
    return blind_index(value, kind=KEY_KIND) or None


def _sealed(row: dict[str, Any]) -> bytes:
    """The clear values of the stored columns, one sealed blob ("" is NULL: no feature is an
    empty string)."""
    parts = []
    for column in STORED_COLUMNS:
        value = row[column]
        if column in LIST_COLUMNS:
            value = " ".join(value) if value else None
        parts.append("" if value is None else str(value))
    return encrypt_bytes(SEP.join(parts).encode("utf-8"), context=FEATURE_CONTEXT)


def _stored_row(r: dict[str, Any]) -> tuple[Any, ...]:
    return (
        r["participant_id"],
        r["alias_id"],
        *(keyed(r[c]) for c in KEY_COLUMNS),
        _sealed(r),
    )


WRITE_COLUMNS = ("participant_id", "alias_id", *KEY_COLUMNS, "features")


def _key_rows(rows: list[dict[str, Any]]) -> list[BlockingKey]:
    return [BlockingKey(**dict(zip(WRITE_COLUMNS, _stored_row(r), strict=True))) for r in rows]


def _keys_write(rows: list[dict[str, Any]]) -> None:
    """Insert key rows: COPY on PostgreSQL (a rebuild writes millions), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        BlockingKey.objects.bulk_create(_key_rows(rows), batch_size=CHUNK)
        return
    table = BlockingKey._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY ... FROM STDIN
        with raw.copy(f"COPY {table} ({', '.join(WRITE_COLUMNS)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(_stored_row(r))


TOTAL = "total"


def _counted(rows: Iterable[tuple[Any, ...]], sign: int) -> Counter[tuple[str, str]]:
    """The count changes of key rows given as (given_fold, surnames_sorted) tuples."""
    delta: Counter[tuple[str, str]] = Counter()
    for values in rows:
        delta[(TOTAL, "*")] += sign
        for column, value in zip(TF_COLUMNS, values, strict=True):
            if value is not None:  # (a stored key: the blind index)
                delta[(column, value)] += sign
                delta[(TOTAL, column)] += sign
    return delta


def _counts_apply(delta: Counter[tuple[str, str]]) -> None:
    changes = [(c, v, n) for (c, v), n in delta.items() if n]
    if not changes:
        return
    table = BlockingKeyCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (column_name, value, n) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (column_name, value) DO UPDATE SET n = {table}.n + excluded.n",
            sorted(changes),  # one lock order for concurrent writers
        )


def _tf_values(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(keyed(r[c]) for c in TF_COLUMNS) for r in rows]


def blocking_keys_refresh(participant_ids: Iterable[int]) -> int:
    """Recompute the keys of these participants from the people tables (a participant with no
    open case has none). Runs inside the caller's transaction: the people write that changed a
    name, an alias, an address or a case status, so the keys never lag the record."""
    ids = sorted({int(i) for i in participant_ids})
    written = 0
    with transaction.atomic():
        for chunk in _chunks(ids, CHUNK):
            old = BlockingKey.objects.filter(participant_id__in=chunk)
            delta = _counted(old.values_list(*TF_COLUMNS), -1)
            old.delete()
            rows = participant_rows(selectors.participants_for_linkage(participant_ids=chunk))
            _keys_write(rows)
            delta.update(_counted(_tf_values(rows), 1))  # (update keeps negatives; + drops them)
            _counts_apply(delta)
            written += len(rows)
    return written


def _keys_from(after_id: int, *, progress: Any = None, count: bool = True) -> int:
    """Keys of every participant above `after_id`, id range by id range (bounded memory);
    their term-frequency counts too unless the caller recounts the whole table after."""
    top = people_selectors.participant_max_id()
    written = 0
    for after in range(after_id, top, REBUILD_RANGE):
        until = min(after + REBUILD_RANGE, top)
        rows = participant_rows(selectors.participants_for_linkage(after_id=after, until_id=until))
        _keys_write(rows)
        if count:
            _counts_apply(_counted(_tf_values(rows), 1))
        written += len(rows)
        if progress is not None:
            progress(until, top)
    return written


def blocking_keys_rebuild(*, progress: Any = None) -> int:
    """The whole table from the people tables, id range by id range (`atd match
    --rebuild-keys`; after a bulk load that bypassed the people services)."""
    BlockingKey.objects.all().delete()
    written = _keys_from(0, progress=progress, count=False)
    _counts_recount()
    return written


def _counts_recount() -> None:
    """The counts table from the key table, in one statement per kind (after a rebuild)."""
    counts, keys = BlockingKeyCount._meta.db_table, BlockingKey._meta.db_table
    BlockingKeyCount.objects.all().delete()
    selects = [f"SELECT '{TOTAL}', '*', count(*) FROM {keys}"]  # noqa: S608 - fixed names
    for column in TF_COLUMNS:
        selects.append(f"SELECT '{TOTAL}', '{column}', count({column}) FROM {keys}")  # noqa: S608
        selects.append(
            f"SELECT '{column}', {column}, count(*) FROM {keys} "  # noqa: S608
            f"WHERE {column} IS NOT NULL GROUP BY {column}"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {counts} (column_name, value, n) {' UNION ALL '.join(selects)}"  # noqa: S608
        )


def blocking_keys_catch_up() -> int:
    """Participants newer than every key row (enrolled by a path that bypassed the hook, e.g. a
    bulk load, or all of them after a migration emptied the table): their keys, before a batch
    selects candidates. One indexed MAX when none."""
    keyed = BlockingKey.objects.order_by("-participant_id").values_list("participant_id", flat=True)
    last = keyed.first() or 0
    if people_selectors.participant_max_id() <= last:
        return 0
    return _keys_from(last)


# --- a batch's candidates ------------------------------------------------------------------


def _rule_join(rule: Rule) -> str:
    return " AND ".join(f"l.{a} = r.{b}" for a, b in rule)


def _load_left(cursor: Any, left: list[dict[str, Any]]) -> None:
    columns = ", ".join(f"{c} text" for c in LEFT_COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS {LEFT_TABLE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {LEFT_TABLE} (i integer, {columns})")
    marks = ", ".join(["%s"] * (len(LEFT_COLUMNS) + 1))
    cursor.executemany(
        f"INSERT INTO {LEFT_TABLE} (i, {', '.join(LEFT_COLUMNS)}) VALUES ({marks})",  # noqa: S608
        [(i, *(keyed(row[c]) for c in LEFT_COLUMNS)) for i, row in enumerate(left)],
    )
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {LEFT_TABLE}")  # a temp table has no statistics otherwise


def _key_counts(cursor: Any, rule: Rule, key_max_rows: int) -> dict[int, int]:
    """For each booking with a full key under `rule`: how many enrolled names share it (the
    exact count; used for a rule without a cap)."""
    table = BlockingKey._meta.db_table
    match = " AND ".join(f"r.{b} = l.{a}" for a, b in rule)
    not_null = " AND ".join(f"l.{a} IS NOT NULL" for a, _ in rule)
    cursor.execute(
        f"SELECT l.i, (SELECT count(*) FROM {table} r WHERE {match}) "  # noqa: S608
        f"FROM {LEFT_TABLE} l WHERE {not_null}"
    )
    return {int(i): int(n) for i, n in cursor.fetchall() if n}


def _key_reach(
    cursor: Any,
    rule: Rule,
    key_max_rows: int,
    *,
    source: str = f"{LEFT_TABLE} l",
    params: list[Any] | None = None,
) -> dict[int, list[int]]:
    """For each booking with a full key under `rule`: the participant ids of the enrolled names
    that share it, up to `key_max_rows + 1` of them (enough to tell "over the cap"; all of them
    below it) — the count and the reach in one bounded index-only read per booking. The
    bookings' keys come from the temporary table, or from `source` (arrays, _reach_parallel)."""
    table = BlockingKey._meta.db_table
    match = " AND ".join(f"r.{b} = l.{a}" for a, b in rule)
    limit = int(key_max_rows) + 1
    not_null = " AND ".join(f"l.{a} IS NOT NULL" for a, _ in rule)
    inner = f"SELECT r.participant_id FROM {table} r WHERE {match} LIMIT {limit}"  # noqa: S608
    if connection.vendor == "postgresql":
        found = f"ARRAY({inner})"
    else:
        found = f"(SELECT group_concat(participant_id) FROM ({inner}))"  # noqa: S608
    cursor.execute(f"SELECT l.i, {found} FROM {source} WHERE {not_null}", params or [])  # noqa: S608
    out: dict[int, list[int]] = {}
    for i, ids in cursor.fetchall():
        if isinstance(ids, str):
            ids = [int(pid) for pid in ids.split(",")]
        if ids:
            out[int(i)] = list(ids)
    return out


def _parallel_readers() -> int:
    """How many connections read the rules' keys at once: PostgreSQL outside a transaction
    only (the readers' own connections must see what this one sees: committed rows)."""
    readers = int(settings.ATD_MATCHING_KEY_READERS)
    if readers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return readers


def _reach_parallel(
    left: list[dict[str, Any]], jobs: list[tuple[Rule, int]], readers: int
) -> dict[Rule, dict[int, list[int]]]:
    """_key_reach for many rules on `readers` connections at once: each probe is an index
    descent, and on a cold cache each is a disk read, so several in flight overlap their waits
    (a batch after a restart: 6.9 s of probes on one connection). The bookings' keys are sent as
    arrays (a temporary table is one connection's)."""
    order = list(range(len(left)))
    keyed_columns = {c: [keyed(row[c]) for row in left] for c in LEFT_COLUMNS}

    def one(job: tuple[Rule, int]) -> tuple[Rule, dict[int, list[int]]]:
        rule, cap = job
        columns = sorted({a for a, _ in rule})
        arrays = ", ".join(["%s::text[]"] * len(columns))
        source = f"unnest(%s::int[], {arrays}) AS l(i, {', '.join(columns)})"
        params = [order, *(keyed_columns[c] for c in columns)]
        try:  # this thread's own connection, closed when the rule is read
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                return rule, _key_reach(cursor, rule, cap, source=source, params=params)
        finally:
            connections[DEFAULT_DB_ALIAS].close()

    with ThreadPoolExecutor(max_workers=readers, thread_name_prefix="atd-keys") as pool:
        return dict(pool.map(one, jobs))


def _fetch_pg(raw_connection: Any, select: str, participant_ids: list[int]) -> list[Any]:
    """The key rows of these participants, one query. Integers from our own reach are sent as
    one array literal (psycopg's list dumper costs more than the query for 100,000 ids), on a
    server-binding psycopg cursor (Django's binds client-side) so that the results come in
    binary: the sealed blobs do not travel as hex text."""
    import psycopg

    literal = "{" + ",".join(str(int(i)) for i in participant_ids) + "}"
    with psycopg.Cursor(raw_connection) as raw:
        raw.execute(select + "WHERE participant_id = ANY(%s::bigint[])", [literal], binary=True)
        return raw.fetchall()


def _read_candidates(cursor: Any, participant_ids: list[int]) -> pd.DataFrame:
    """Every name row of these participants as the engine's right input — participant_rows'
    columns and values — opened from the sealed features and built column by column (a batch
    can reach a hundred thousand names). PostgreSQL: one query; elsewhere: chunked reads."""
    table = BlockingKey._meta.db_table
    select = f"SELECT participant_id, alias_id, features FROM {table} "  # noqa: S608
    rows: list[tuple[Any, ...]] = []
    if connection.vendor == "postgresql":
        if participant_ids:
            connection.ensure_connection()
            rows = _fetch_pg(connection.connection, select, participant_ids)
    else:
        for chunk in _chunks(participant_ids, 900):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(select + f"WHERE participant_id IN ({marks})", chunk)
            rows.extend(cursor.fetchall())
    return _candidate_frame(rows)


def _candidate_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """(participant_id, alias_id, sealed features) rows as the engine's right input, built in
    Arrow: the only per-row Python work is opening each blob; splitting, the NULLs and the name
    lists are vectorised (a batch reaches ~150,000 name rows: 0.9 s here against 3.4 s as Python
    lists), and DuckDB scans the Arrow-backed columns without converting Python objects."""
    open_sealed = sealed_opener(FEATURE_CONTEXT)
    width = len(STORED_COLUMNS)
    clear = pa.array([open_sealed(features) for _, _, features in rows], pa.binary())
    parts = pc.split_pattern(clear.cast(pa.string()), SEP)
    if len(parts) and pc.min(pc.list_value_length(parts)).as_py() != width:
        raise ValueError("a sealed key row does not hold every linkage feature")
    cells = parts.flatten()
    at = np.arange(len(cells), dtype=np.int64).reshape(-1, width)
    out: dict[str, Any] = {}
    for j, column in enumerate(STORED_COLUMNS):
        values = cells.take(pa.array(at[:, j]))
        # "" is NULL (no feature is an empty string)
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        if column in LIST_COLUMNS:
            values = pc.split_pattern(values, " ")
        out[column] = values
    out["dob_year"] = out["dob_year"].cast(pa.int64())
    pids = pa.array([pid for pid, _, _ in rows], pa.int64())
    aliases = pa.array([alias for _, alias, _ in rows], pa.int64())
    out["participant_id"] = pids
    out["alias_id"] = aliases
    out["unique_id"] = pc.if_else(
        pc.is_null(aliases),
        pc.binary_join_element_wise("p", pids.cast(pa.string()), ""),
        pc.binary_join_element_wise("a", aliases.cast(pa.string()), ""),
    )
    out["booking_id"] = pa.nulls(len(rows), pa.int64())
    return pd.DataFrame({c: pd.arrays.ArrowExtensionArray(out[c]) for c in COLUMNS})


def _tf_lookup(
    cursor: Any, left: list[dict[str, Any]], right: pd.DataFrame, totals: dict[str, int]
) -> dict[str, dict[Any, float]]:
    table = BlockingKeyCount._meta.db_table
    lookup: dict[str, dict[Any, float]] = {}
    for column in TF_COLUMNS:
        counts = Counter(r[column] for r in left if r[column] is not None)
        total = int(totals[column]) + sum(counts.values())
        values = sorted(
            {r[column] for r in left if r[column] is not None}
            | {v for v in right[column].dropna().unique()}
        )
        clear_of = {keyed(v): v for v in values}  # the counts are kept by blind index
        for chunk in _chunks(sorted(k for k in clear_of if k is not None), 900):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT value, n FROM {table} "  # noqa: S608
                f"WHERE column_name = %s AND value IN ({marks})",
                [column, *chunk],
            )
            for value, n in cursor.fetchall():
                counts[clear_of[value]] += int(n)
        # Splink: cast(count(*) as float8) / count(col) over left + right (term_frequencies.py)
        lookup[column] = {value: float(counts[value]) / total for value in values if total}
    return lookup


def _totals(cursor: Any) -> dict[str, int]:
    """Name rows in all ("*") and each term-frequency column's non-null rows."""
    table = BlockingKeyCount._meta.db_table
    cursor.execute(
        f"SELECT value, n FROM {table} WHERE column_name = %s",  # noqa: S608
        [TOTAL],
    )
    return {"*": 0, **{c: 0 for c in TF_COLUMNS}, **{v: int(n) for v, n in cursor.fetchall()}}


@dataclass
class FeedCandidates:
    """What a batch's rules reach: its candidates' name rows (participant_rows' shape), the
    bookings with their cap columns, the blocking plan and the population in name rows."""

    left: list[dict[str, Any]]
    right: pd.DataFrame
    plan: BlockingPlan
    population: int
    participants: int
    tf_totals: dict[str, int]  # non-null values of each term-frequency column, all enrolled
    seconds: dict[str, float] = field(default_factory=dict)  # by phase, for the run's log


def feed_candidates(
    left: list[dict[str, Any]],
    *,
    wide_max_pairs: int,
    key_caps: KeyCaps,
    wide_pairs_per_record: int = 0,
) -> FeedCandidates:
    """The name rows of the participants the batch's rules reach under the per-key cap, and the
    plan (the cap and the wide rules counted against everyone)."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    blocking_keys_catch_up()
    table = BlockingKey._meta.db_table
    with connection.cursor() as cursor:
        _load_left(cursor, left)
        seconds["keys"] = time.perf_counter() - started
        pairs: dict[Rule, int] = {}
        capped: list[tuple[Rule, int]] = []
        over: dict[Rule, set[int]] = {}
        readers = _parallel_readers()
        reach: dict[Rule, dict[int, list[int]]] = {}
        if readers > 1:
            capped_rules = [(r, key_caps.of(r)) for r in ALL_RULES if key_caps.of(r) > 0]
            reach = _reach_parallel(left, capped_rules, readers)
        for rule in ALL_RULES:
            cap = key_caps.of(rule)
            if cap > 0:
                if rule not in reach:
                    reach[rule] = _key_reach(cursor, rule, cap)
                counts = {i: len(ids) for i, ids in reach[rule].items()}
            else:  # no cap: counted exactly here, joined below only if the plan runs it
                counts = _key_counts(cursor, rule, cap)
            over[rule] = {i for i, n in counts.items() if cap > 0 and n > cap}
            pairs[rule] = sum(n for i, n in counts.items() if i not in over[rule])
            if over[rule]:
                capped.append((rule, len(over[rule])))
        wide = {r: pairs[r] for r in WIDE_RULES} if wide_max_pairs > 0 else {}
        plan = blocking_plan(
            wide,
            wide_max_pairs=wide_max_pairs,
            capped=tuple(capped),
            records=len(left),
            wide_pairs_per_record=wide_pairs_per_record,
        )
        seconds["counts"] = time.perf_counter() - started - seconds["keys"]
        reached: set[int] = set()
        for rule in plan.rules:
            if rule in reach:  # bookings over the cap are left out of the rule
                for i, ids in reach[rule].items():
                    if i not in over[rule]:
                        reached.update(ids)
                continue
            cursor.execute(
                f"SELECT r.participant_id FROM {LEFT_TABLE} l JOIN {table} r "  # noqa: S608
                f"ON {_rule_join(rule)}"
            )
            reached.update(pid for (pid,) in cursor.fetchall())
        seconds["reach"] = time.perf_counter() - started - sum(seconds.values())
        right = _read_candidates(cursor, sorted(reached))
        seconds["read"] = time.perf_counter() - started - sum(seconds.values())
        totals = _totals(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {LEFT_TABLE}")
    in_plan = {r for r, _ in plan.capped}
    left = [
        {**row, **{cap_column(r): int(i not in over[r]) for r in in_plan}}
        for i, row in enumerate(left)
    ]
    return FeedCandidates(
        left=left,
        right=right,
        plan=plan,
        population=totals["*"],
        participants=len(reached),
        tf_totals={c: totals[c] for c in TF_COLUMNS},
        seconds=seconds,
    )


def feed_tf_lookup(
    left: list[dict[str, Any]], found: FeedCandidates
) -> dict[str, dict[Any, float]]:
    with connection.cursor() as cursor:
        return _tf_lookup(cursor, left, found.right, found.tf_totals)
