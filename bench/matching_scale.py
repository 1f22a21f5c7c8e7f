"""Matching at scale: 1,000,000 booking records against 4,500,000 participants, one machine.

This run links directly in DuckDB on generated data; it does NOT go through the Django tables
(loading 5.5 million rows through the ORM would measure the ORM). It uses the same linkage
model as production (`atd.matching.linkage`: comparisons, EM training, and the same blocking
plan: core rules always, wide rules only when their exact pair count fits the production
budget — at full size none of the wide rules on generated columns does, and the run prints
which were left out and their counts)
and the same name keys (`atd.matching.rules`), applied through vocabulary tables: every name
and each of its variants (ASCII form, typos) gets its features computed once in Python, and
the 5.5 million rows are assembled from them in SQL.

Population: names drawn from `atd.matching.synthetic` (common surnames far more often), two
surnames, compound given names. Feed: 20% of bookings are participants recorded with the
usual distortions (ASCII, surname order swapped or one dropped, typos, date of birth typos or
day/month swapped); the rest are other people. The model is EM-trained on a sample of about
100,000 participants (1/45 at full scale) and then
scores the full inputs. Timed: generation + training + scoring (everything). Peak memory is the
process's maximum resident set (DuckDB runs in-process). Baseline, same run: an exact join on
(name, surnames, date of birth) in DuckDB over the same tables; ratio = seconds / baseline.
`BENCH_SCALE=small`: 10,000 x 45,000.
Last line: `matching_scale feed=<int> participants=<int> seconds=<float> peak_rss_mb=<float>`.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from atd.matching.rules import REVIEW_THRESHOLD_PERMILLE  # noqa: E402 (pure: no Django)

SMALL = os.environ.get("BENCH_SCALE", "full") == "small"
FEED = 10_000 if SMALL else 1_000_000
PARTICIPANTS = 45_000 if SMALL else 4_500_000
LINKED_SHARE = 0.2
# The production queue threshold (ADR 0011) unless the environment says otherwise.
THRESHOLD = (
    int(os.environ.get("ATD_MATCHING_REVIEW_THRESHOLD_PERMILLE", REVIEW_THRESHOLD_PERMILLE)) / 1000
)
MEMORY_LIMIT = os.environ.get("ATD_BENCH_DUCKDB_MEMORY", "8GB")
# The production budget for wide blocking rules (settings.ATD_MATCHING_WIDE_BLOCK_MAX_PAIRS).
WIDE_MAX_PAIRS = int(os.environ.get("ATD_MATCHING_WIDE_BLOCK_MAX_PAIRS", "2000000"))


def vocabulary() -> tuple[list[tuple], list[tuple], list[float]]:
    """(id, base, variant kind, fold, first, phon, phons) for given names and surnames."""
    from atd.matching.rules import name_phonetic, name_tokens
    from atd.matching.synthetic import (
        _SURNAME_WEIGHTS,
        COMPOUND,
        GIVEN_F,
        GIVEN_M,
        SURNAMES,
        _typo,
        ascii_fold,
    )

    rng = random.Random(5)  # noqa: S311 - synthetic data
    given = [*GIVEN_F, *GIVEN_M, *COMPOUND]

    def rows(words: list[str]) -> list[tuple]:
        out = []
        for base, word in enumerate(words):
            for kind, text in enumerate(
                [word, ascii_fold(word), _typo(rng, word), _typo(rng, ascii_fold(word))]
            ):
                tokens = name_tokens(text) or ["x"]
                out.append(
                    (
                        base * 4 + kind,
                        base,
                        kind,
                        " ".join(tokens),
                        tokens[0],
                        name_phonetic(tokens[0]),
                        [name_phonetic(t) for t in tokens],
                    )
                )
        return out

    return rows(given), rows(SURNAMES), list(_SURNAME_WEIGHTS)


def build(con: object, n_given: int, n_surnames: int, weights: list[float]) -> None:
    """participants(pid, g, s1, s2, dob, sex, postcode) and bookings(bid, pid_true, ...)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(9)
    p = np.array(weights) / sum(weights)
    n = PARTICIPANTS
    people = pd.DataFrame(
        {
            "pid": np.arange(1, n + 1),
            "g": rng.integers(0, n_given, n) * 4,
            "s1": rng.choice(n_surnames, n, p=p) * 4,
            "s2": rng.choice(n_surnames, n, p=p) * 4,
            "dob": rng.integers(0, 365 * 50, n),
            "sex": rng.choice(["F", "M"], n),
            "postcode": rng.integers(10000, 99999, n),
        }
    )
    m = FEED
    linked = int(m * LINKED_SHARE)
    truth = rng.choice(n, linked, replace=False)
    base = people.iloc[truth].reset_index(drop=True)
    others = pd.DataFrame(
        {
            "pid": np.zeros(m - linked, dtype=int),
            "g": rng.integers(0, n_given, m - linked) * 4,
            "s1": rng.choice(n_surnames, m - linked, p=p) * 4,
            "s2": rng.choice(n_surnames, m - linked, p=p) * 4,
            "dob": rng.integers(0, 365 * 50, m - linked),
            "sex": rng.choice(["F", "M"], m - linked),
            "postcode": rng.integers(10000, 99999, m - linked),
        }
    )
    # Distortions of the linked records: the variant index (ASCII 0.5, typo 0.1) and the rest.
    r = rng.random((linked, 6))
    variant = np.where(r[:, 0] < 0.1, 2, np.where(r[:, 0] < 0.55, 1, 0))
    base["g"] = base["g"] + variant
    base["s1"] = base["s1"] + np.where(r[:, 1] < 0.08, 3, variant.clip(0, 1))
    base["s2"] = base["s2"] + variant.clip(0, 1)
    swap = r[:, 2] < 0.15
    base.loc[swap, ["s1", "s2"]] = base.loc[swap, ["s2", "s1"]].to_numpy()
    base.loc[r[:, 3] < 0.2, "s2"] = -1
    base.loc[r[:, 4] < 0.04, "dob"] += rng.choice([-10, -1, 1, 10], int((r[:, 4] < 0.04).sum()))
    base.loc[r[:, 5] < 0.5, "postcode"] = 0
    bookings = pd.concat([base, others], ignore_index=True)
    bookings.insert(0, "bid", np.arange(1, m + 1))
    con.register("people_df", people)  # type: ignore[attr-defined]
    con.register("bookings_df", bookings)  # type: ignore[attr-defined]


FEATURES_SQL = """
CREATE OR REPLACE TABLE {out} AS
SELECT
  '{prefix}' || t.{id} AS unique_id,
  {booking_id} AS booking_id,
  {participant_id} AS participant_id,
  CAST(NULL AS BIGINT) AS alias_id,
  g.fold AS given_fold, g.first AS given_first, g.phon AS given_phon,
  substr(g.first, 1, 1) AS given_init,
  array_to_string(list_sort(st.tokens), ' ') AS surnames_sorted,
  array_to_string(st.tokens, ' ') AS surnames_joined,
  st.tokens AS surname_tokens,
  st.phons AS surname_phons,
  s1.phon AS sp1,
  coalesce(s2.phon, s1.phon) AS sp2,
  array_to_string(list_sort(list_concat(g.phons, st.phons)), ' ') AS name_key,
  strftime(d.dob, '%Y-%m-%d') AS dob,
  CASE WHEN day(d.dob) <= 12 AND day(d.dob) <> month(d.dob)
       THEN strftime(make_date(year(d.dob), day(d.dob), month(d.dob)), '%Y-%m-%d') END
    AS dob_swapped,
  year(d.dob) AS dob_year,
  strftime(d.dob, '%m-%d') AS dob_md,
  strftime(d.dob, '%Y-%m') AS dob_ym,
  strftime(d.dob, '%Y-%d') AS dob_yd,
  t.sex AS sex,
  CASE WHEN t.postcode > 0 THEN CAST(t.postcode AS VARCHAR) END AS postcode,
  CAST(NULL AS VARCHAR) AS city,
  CAST(NULL AS VARCHAR) AS street,
  CAST(NULL AS VARCHAR) AS street_name
FROM {src} t
JOIN given g ON g.id = t.g
JOIN surname s1 ON s1.id = t.s1
LEFT JOIN surname s2 ON s2.id = t.s2
CROSS JOIN LATERAL (SELECT DATE '1955-01-01' + CAST(t.dob AS INTEGER) AS dob) d
CROSS JOIN LATERAL (
  SELECT CASE WHEN s2.id IS NULL THEN [s1.fold] ELSE [s1.fold, s2.fold] END AS tokens,
         CASE WHEN s2.id IS NULL THEN [s1.phon] ELSE [s1.phon, s2.phon] END AS phons
) st
{where}
"""


def features(con: object, *, src: str, out: str, prefix: str, side: str, where: str = "") -> None:
    con.execute(  # type: ignore[attr-defined]
        FEATURES_SQL.format(
            out=out,
            src=src,
            prefix=prefix,
            id="bid" if side == "b" else "pid",
            booking_id="t.bid" if side == "b" else "CAST(NULL AS BIGINT)",
            participant_id="t.pid" if side == "p" else "CAST(NULL AS BIGINT)",
            where=where,
        )
    )


def main() -> None:
    import duckdb
    import pandas as pd

    from atd.matching.linkage.blocking import CORE_RULES, rule_sql
    from atd.matching.linkage.model import LinkageEngine

    start = time.perf_counter()
    con = duckdb.connect()
    # DuckDB takes 80% of RAM by default; cap it (spilling to disk beyond) so the run stays
    # inside the 12 GB target on a shared machine (8 GB: the 6 GB of the first run spilled
    # ~12 GB of blocked pairs to disk).
    spill = tempfile.mkdtemp(prefix="atd-bench-matching-scale-")
    con.execute(f"SET memory_limit='{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory='{spill}'")
    con.execute("SET preserve_insertion_order=false")
    given, surnames, weights = vocabulary()
    cols = ["id", "base", "kind", "fold", "first", "phon", "phons"]
    con.register("given_df", pd.DataFrame(given, columns=cols))
    con.register("surname_df", pd.DataFrame(surnames, columns=cols))
    con.execute("CREATE TABLE given AS SELECT * FROM given_df")
    con.execute("CREATE TABLE surname AS SELECT * FROM surname_df")
    build(con, len(given) // 4, len(surnames) // 4, weights)
    features(con, src="bookings_df", out="bookings", prefix="b", side="b")
    features(con, src="people_df", out="participants", prefix="p", side="p")
    con.execute("CREATE TABLE truth AS SELECT bid, pid FROM bookings_df WHERE pid > 0")
    t_build = time.perf_counter() - start
    print(f"generated {FEED} bookings and {PARTICIPANTS} participants in {t_build:.1f}s")

    # EM training on a sample of about 100,000 participants and the bookings that point at
    # them (1/45 at full scale; everything at BENCH_SCALE=small).
    k = max(1, PARTICIPANTS // 100_000)
    sample = f"pid % {k} = 0"
    features(
        con,
        src="people_df",
        out="participants_train",
        prefix="p",
        side="p",
        where=f"WHERE t.{sample}",
    )
    features(
        con,
        src="bookings_df",
        out="bookings_train",
        prefix="b",
        side="b",
        where=f"WHERE (t.pid > 0 AND t.{sample}) OR (t.pid = 0 AND t.bid % {k} = 0)",
    )
    trainer = LinkageEngine("bookings_train", "participants_train", connection=con)
    model = trainer.train(max_pairs=2e6)
    t_train = time.perf_counter() - start - t_build
    print(f"EM training on a 1/{k} sample: {t_train:.1f}s")

    engine = LinkageEngine(
        "bookings", "participants", model, connection=con, wide_max_pairs=WIDE_MAX_PAIRS
    )
    assert engine.plan is not None
    print(
        f"blocking: {len(engine.plan.rules)} rules ({len(CORE_RULES)} core); wide rules left "
        f"out (pairs): {[(rule_sql(r), n) for r, n in engine.plan.wide_skipped]}; bookings over "
        f"the per-key cap: {[(rule_sql(r), n) for r, n in engine.plan.capped]}"
    )
    scored = engine.predict_table(threshold=THRESHOLD)
    t_link = time.perf_counter() - start - t_build - t_train
    pairs = con.execute(
        f"SELECT booking_id_l, participant_id_r FROM {scored.physical_name}"
    ).fetchall()
    seconds = time.perf_counter() - start
    true = set(con.execute("SELECT bid, pid FROM truth").fetchall())
    tp = len(set(pairs) & true)
    precision = tp / len(pairs) if pairs else 1.0
    recall = tp / len(true) if true else 1.0
    print(
        f"scored {len(pairs)} pairs >= {THRESHOLD} in {t_link:.1f}s; precision {precision:.4f} "
        f"recall {recall:.4f} against {len(true)} true links"
    )
    base_start = time.perf_counter()
    exact = con.execute(
        "SELECT count(*) FROM bookings b JOIN participants p ON b.given_fold = p.given_fold "
        "AND b.surnames_sorted = p.surnames_sorted AND b.dob = p.dob"
    ).fetchone()[0]
    baseline = time.perf_counter() - base_start
    print(
        f"baseline exact join: {exact} pairs in {baseline:.1f}s; "
        f"ratio {seconds / baseline if baseline else float('inf'):.1f}x"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"matching_scale feed={FEED} participants={PARTICIPANTS} seconds={seconds:.1f} "
        f"peak_rss_mb={peak:.1f}"
    )


if __name__ == "__main__":
    main()
