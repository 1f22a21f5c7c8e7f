"""Jaro-Winkler similarity exactly as DuckDB computes it, for the Spark backend.

Splink's Spark jar has its own `jaro_winkler`, and it does not always agree with DuckDB's
`jaro_winkler_similarity`: it counts half transpositions as a fraction where DuckDB (rapidfuzz)
rounds them down, so '3624 pine st' / '4626 pine st' is 0.914 on DuckDB and 0.899 on Spark. One
pair on either side of a level's threshold (0.9 for streets) then scores differently, and the two
backends no longer find the same pairs. The Spark backend therefore registers this function as a
UDF (linkage/spark.py) and the comparisons call it there; a property test checks it against
DuckDB's own function.

Pure, no I/O. Operates on Unicode code points, as DuckDB does.
"""

from __future__ import annotations


def jaro(a: str, b: str) -> float:
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0  # DuckDB: 0 when either is empty, two empty strings included
    if a == b:
        return 1.0
    window = max(la, lb) // 2 - 1
    if window < 0:
        window = 0
    b_used = [False] * lb
    a_matched: list[str] = []
    for i, ch in enumerate(a):
        lo, hi = max(0, i - window), min(lb, i + window + 1)
        for j in range(lo, hi):
            if not b_used[j] and b[j] == ch:
                b_used[j] = True
                a_matched.append(ch)
                break
    common = len(a_matched)
    if not common:
        return 0.0
    b_matched = [b[j] for j in range(lb) if b_used[j]]
    half_transpositions = sum(1 for x, y in zip(a_matched, b_matched, strict=True) if x != y)
    transpositions = half_transpositions // 2
    return (common / la + common / lb + (common - transpositions) / common) / 3.0


def jaro_winkler(a: str | None, b: str | None, prefix_weight: float = 0.1) -> float | None:
    """NULL in, NULL out (as SQL)."""
    if a is None or b is None:
        return None
    sim = jaro(a, b)
    if sim > 0.7:
        prefix = 0
        for x, y in zip(a[:4], b[:4], strict=False):
            if x != y:
                break
            prefix += 1
        sim += prefix * prefix_weight * (1.0 - sim)
    return sim
