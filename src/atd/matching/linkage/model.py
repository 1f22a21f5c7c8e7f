"""The Splink engine: EM training, scoring and waterfall explanations, on DuckDB or Spark.

Django-free on purpose: the service layer feeds it data frames read from the tables, and the
scale benchmark feeds it generated tables directly. DuckDB is the default engine (in-process);
the same model runs on Spark in local mode or on a cluster (`backend="spark"`, docs/matching.md).
Comparisons are in comparisons.py, blocking in blocking.py.
"""

from __future__ import annotations

import copy
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT

from atd.matching.linkage.blocking import (
    ALL_RULES,
    CORE_RULES,
    WIDE_RULES,
    BlockingPlan,
    KeyCaps,
    Rule,
    blocking_plan,
    cap_column,
    rule_cap_on,
    rule_capped_select,
    rule_count_sql,
    rule_over_cap_sql,
    rule_sql,
)
from atd.matching.linkage.comparisons import comparisons_new
from atd.matching.linkage.features import COLUMNS

LEFT = "a_booking"
RIGHT = "b_participant"
log = logging.getLogger(__name__)


def settings_new(dialect: str = "duckdb") -> SettingsCreator:
    """A fresh (untrained) model. Its prediction blocking rules are the core rules; the rules a
    run actually uses are chosen per run (`LinkageEngine`, blocking.py)."""
    return SettingsCreator(
        link_type="link_only",
        comparisons=comparisons_new(dialect),
        blocking_rules_to_generate_predictions=[CustomRule(rule_sql(r)) for r in CORE_RULES],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        additional_columns_to_retain=["booking_id", "participant_id", "alias_id"],
        probability_two_random_records_match=1e-5,
    )


def settings_for_dialect(stored: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A stored (trained) model rewritten for another SQL backend: the same comparisons and
    levels in the same order, this backend's SQL, the stored m/u, prior and tf settings."""
    if stored.get("sql_dialect") == dialect:
        return stored
    fresh = settings_new(dialect).get_settings(dialect).as_dict()
    out = copy.deepcopy(stored)
    out["sql_dialect"] = dialect
    for comparison, target in zip(out["comparisons"], fresh["comparisons"], strict=True):
        levels = comparison["comparison_levels"]
        for level, new in zip(levels, target["comparison_levels"], strict=True):
            level["sql_condition"] = new["sql_condition"]
    return out


def _frame(rows: pd.DataFrame | list[dict[str, Any]], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    columns = [*COLUMNS, *extra]
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=columns)
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    for col in ("booking_id", "participant_id", "alias_id", "dob_year"):
        frame[col] = frame[col].astype("Int64")
    return frame


# Term frequencies are computed from the rows being compared. The rarest value an input can
# show has a frequency of 1/rows; when that is not well below how often two random records
# agree at the level (its u), the input cannot tell a rare name from a common one (in a test
# input of a few hundred rows every name looks common) and the adjustment would only sink true
# matches. So a level keeps its term-frequency adjustment when 1/rows <= u / TF_RESOLUTION.
# (This replaced a flat 20,000-row minimum, under which every benchmark-sized input - a feed
# batch against 5,000 participants - scored without the adjustment production relies on.)
TF_RESOLUTION = 8.0


def _without_tf(settings: dict[str, Any], rows: int | None = None) -> dict[str, Any]:
    """The settings without the term-frequency adjustments the input is too small for (all of
    them when `rows` is None)."""
    out = copy.deepcopy(settings)
    for comparison in out.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            u = level.get("u_probability")
            if rows is not None and u and 1.0 / max(rows, 1) <= float(u) / TF_RESOLUTION:
                continue
            level.pop("tf_adjustment_column", None)
            level.pop("tf_adjustment_weight", None)
    return out


# Training's list of (booking, participant row) pairs left out of EM session 1 (model.train).
TRAIN_SKIP = "atd_train_skip_rows"

# A wide blocking rule runs when it produces at most this many pairs (blocking.py).
WIDE_MAX_PAIRS = 2_000_000
# A booking is not blocked by a rule whose key it shares with more enrolled names (blocking.py).
KEY_CAPS = KeyCaps(core=100, wide=300, address=1000)
# ... and a wide rule runs when it averages at most this many pairs per booking (blocking.py).
WIDE_PAIRS_PER_RECORD = 200


def _caps_frames(
    left: pd.DataFrame, right: pd.DataFrame, caps: KeyCaps
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[tuple[Rule, int], ...]]:
    """The per-key cap on in-memory inputs: for each rule with a key shared by more than
    its tier's cap of right rows, a 0/1 cap column on the left (1 = within the cap) and a constant
    1 on the right (Splink stacks both inputs, so both carry every column)."""
    capped: list[tuple[Rule, int]] = []
    left, right = left.copy(), right.copy()
    for rule in ALL_RULES:
        if not caps.of(rule):
            continue
        a_cols, b_cols = [a for a, _ in rule], [b for _, b in rule]
        sizes = right[b_cols].dropna().groupby(b_cols).size()
        big = {k if isinstance(k, tuple) else (k,) for k in sizes[sizes > caps.of(rule)].index}
        if not big:
            continue
        within = [
            0 if not any(pd.isna(v) for v in key) and key in big else 1
            for key in left[a_cols].itertuples(index=False, name=None)
        ]
        over = len(within) - sum(within)
        if over:
            left[cap_column(rule)] = within
            right[cap_column(rule)] = 1
            capped.append((rule, over))
    return left, right, tuple(capped)


def _caps_tables(
    con: Any, left: str, right: str, caps: KeyCaps
) -> tuple[str, str, tuple[tuple[Rule, int], ...]]:
    """The per-key cap on inputs that are DuckDB tables (the scale path): new tables with the cap
    columns, computed by group-bys in the database."""
    capped: list[tuple[Rule, int]] = []
    for rule in ALL_RULES:
        if not caps.of(rule):
            continue
        n = int(con.execute(rule_over_cap_sql(rule, left, right, caps.of(rule))).fetchone()[0])
        if n:
            capped.append((rule, n))
    if not capped:
        return left, right, ()
    joins = " ".join(
        f"LEFT JOIN {rule_capped_select(r, right, caps.of(r))} g{i} ON {rule_cap_on(r, 'l', f'g{i}')}"
        for i, (r, _) in enumerate(capped)
    )
    flags = ", ".join(
        f"CASE WHEN g{i}.k0 IS NULL THEN 1 ELSE 0 END AS {cap_column(r)}"
        for i, (r, _) in enumerate(capped)
    )
    ones = ", ".join(f"1 AS {cap_column(r)}" for r, _ in capped)
    con.execute(
        f"CREATE OR REPLACE TABLE {left}_capped AS SELECT l.*, {flags} FROM {left} l {joins}"  # noqa: S608
    )
    con.execute(f"CREATE OR REPLACE TABLE {right}_capped AS SELECT *, {ones} FROM {right}")  # noqa: S608
    return f"{left}_capped", f"{right}_capped", tuple(capped)


class LinkageEngine:
    """One backend session over a left (bookings) and a right (participants) input."""

    def __init__(
        self,
        left: pd.DataFrame | list[dict[str, Any]] | str,
        right: pd.DataFrame | list[dict[str, Any]] | str,
        settings: dict[str, Any] | None = None,
        *,
        connection: Any = ":memory:",
        backend: str = "duckdb",
        spark: Any = None,
        wide_max_pairs: int = WIDE_MAX_PAIRS,
        wide_pairs_per_record: int = WIDE_PAIRS_PER_RECORD,
        key_caps: KeyCaps = KEY_CAPS,
        plan: BlockingPlan | None = None,
        tf_lookup: dict[str, dict[Any, float]] | None = None,
        population_rows: int | None = None,
    ) -> None:
        """`left`/`right` are rows, data frames, or names of tables already in `connection`
        (the scale path builds its inputs inside DuckDB). `backend="spark"` runs on the given
        SparkSession (local mode or a cluster) with the same model."""
        # A feed batch against candidates selected by key (linkage/keys.py) passes the plan, the
        # term frequencies and the size of the whole population, so it scores as a run against
        # everyone would.
        in_memory = not isinstance(left, str) and not isinstance(right, str)
        if settings is not None and in_memory:
            right_rows = len(right) if population_rows is None else population_rows
            settings = _without_tf(settings, len(left) + right_rows)
        self.backend = backend
        # The per-key cap (blocking.py). A by-key feed run hands over the plan and a left input
        # that already carries its cap columns (counted against the key table); the right input
        # (its candidates) gets the constant columns here. A run against everyone counts them.
        capped: tuple[tuple[Rule, int], ...] = ()
        extra: tuple[str, ...] = ()
        if settings is not None and plan is not None and plan.capped:
            extra = tuple(cap_column(r) for r, _ in plan.capped)
            left = left if isinstance(left, str) else _frame(left, extra)
            right = (
                right if isinstance(right, str) else _frame(right).assign(**dict.fromkeys(extra, 1))
            )
        elif (
            settings is not None
            and plan is None
            and (key_caps.core or key_caps.wide or key_caps.address)
        ):
            if isinstance(left, str) and isinstance(right, str):
                left, right, capped = _caps_tables(connection, left, right, key_caps)
            elif not isinstance(left, str) and not isinstance(right, str):
                left, right, capped = _caps_frames(_frame(left), _frame(right), key_caps)
        if backend == "spark":
            from splink.backends.spark import SparkAPI

            # Lineage is broken by persisting in memory, not by writing parquet (local mode:
            # the inputs are one feed batch; a cluster run may prefer parquet checkpoints).
            self.db_api: Any = SparkAPI(
                spark_session=spark, break_lineage_method="persist", num_partitions_on_repartition=2
            )
        else:
            self.db_api = DuckDBAPI(connection)
        self.left = self.db_api.register(
            left if isinstance(left, str) else self._input(left), dataset_display_name=LEFT
        )
        self.right = self.db_api.register(
            right if isinstance(right, str) else self._input(right), dataset_display_name=RIGHT
        )
        self.plan: BlockingPlan | None = None
        model: Any = settings_new(backend)
        if settings is not None:
            model = settings_for_dialect(settings, backend)
            self.plan = (
                plan
                if plan is not None
                else self._blocking_plan(wide_max_pairs, wide_pairs_per_record, key_caps, capped)
            )
            model = dict(model)
            model["blocking_rules_to_generate_predictions"] = [
                {"blocking_rule": sql, "sql_dialect": backend} for sql in self.plan.sql()
            ]
        self.linker = Linker([self.left, self.right], model, log_level=logging.ERROR)
        self._waterfall_cache: dict[Any, Any] = {}
        for column, frequencies in (tf_lookup or {}).items():
            frame = pd.DataFrame(
                {column: list(frequencies), f"tf_{column}": list(frequencies.values())}
            )
            if backend == "spark":
                frame = self.db_api.spark.createDataFrame(frame)  # two plain columns
            registered = self.db_api.register(frame)
            self.linker.table_management.register_term_frequency_lookup(registered, column)

    def _input(self, rows: pd.DataFrame | list[dict[str, Any]]) -> Any:
        frame = _frame(rows)
        if self.backend != "spark":
            return frame
        from atd.matching.linkage.spark import spark_frame

        return spark_frame(self.db_api.spark, frame)

    def _scalar(self, sql: str) -> int:
        if self.backend == "spark":
            return int(self.db_api.spark.sql(sql).collect()[0][0])
        return int(self.db_api._con.execute(sql).fetchall()[0][0])

    def _blocking_plan(
        self,
        wide_max_pairs: int,
        per_record: int,
        caps: KeyCaps,
        capped: tuple[tuple[Rule, int], ...],
    ) -> BlockingPlan:
        left, right = self.left.physical_name, self.right.physical_name
        if wide_max_pairs <= 0:  # core rules only: nothing to count
            return blocking_plan({}, wide_max_pairs=0, capped=capped)
        counts = {r: self._scalar(rule_count_sql(r, left, right, caps.of(r))) for r in WIDE_RULES}
        records = self._scalar(f"SELECT count(*) FROM {left}") if per_record else 0  # noqa: S608
        plan = blocking_plan(
            counts,
            wide_max_pairs=wide_max_pairs,
            capped=capped,
            records=records,
            wide_pairs_per_record=per_record,
        )
        for rule, n in plan.capped:
            log.info("blocking rule %s: %d records over the per-key cap", rule_sql(rule), n)
        for rule, n in plan.wide_skipped:
            log.info("wide blocking rule %s left out: %d pairs", rule_sql(rule), n)
        return plan

    def train(self, *, max_pairs: float = 2e6, seed: int = 42) -> dict[str, Any]:
        """EM on the data itself: prior from near-certain rules, u by random sampling, m by
        two EM sessions blocked on different fields so every comparison gets estimated."""
        training = self.linker.training
        training.estimate_probability_two_random_records_match(
            [block_on("given_fold", "surnames_sorted", "dob")], recall=0.7
        )
        training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        self._u_never_sampled(max_pairs)
        # Session 1, pairs born the same day: learns how names agree for the same person,
        # one row per (booking, participant): the participant's best-agreeing name row.
        unseen: dict[tuple[str, int], float] = {}
        dob_rule = self._dob_rule_best_row()
        self._em_session(CustomRule(dob_rule), dob_rule, unseen)
        # Session 2, same name key and address: learns how dates of birth disagree for the
        # same person. (Blocking on the name alone would not do: common names put many
        # different people in one block and EM would take them for typos in the date.)
        address_rule = ("given_phon", "sp1", "postcode")
        try:
            self._em_session(
                block_on(*address_rule),
                " AND ".join(f"l.{c} = r.{c}" for c in address_rule),
                unseen,
            )
        except Exception:  # noqa: BLE001 - no such pairs: the starting values stand
            log.warning("no address-blocked pairs to train dates of birth; starting m used")
        self._m_never_seen(unseen)
        self._prior_from_model()
        return self.model_json()

    def _em_session(self, rule: Any, sql: str, unseen: dict[tuple[str, int], float]) -> None:
        """One EM session; records, for every level the session had no pair at, how many
        matches the session weighed (its trained share of matches times its pairs)."""
        before = {key: len(cl._trained_m_probabilities) for key, cl in self._levels()}
        session = self.linker.training.estimate_parameters_using_expectation_maximisation(rule)
        share = float(session.core_model_settings.probability_two_random_records_match)
        left, right = self.left.physical_name, self.right.physical_name
        pairs = self._scalar(
            f"SELECT count(*) FROM {left} AS l, {right} AS r WHERE {sql}"  # noqa: S608 - ours
        )
        matches = share * pairs
        # The session hands back new level objects (copies carrying its trained values).
        for key, cl in self._levels():
            added = cl._trained_m_probabilities[before.get(key, 0) :]
            if any(r["probability"] == LEVEL_NOT_OBSERVED_TEXT for r in added):
                unseen[key] = max(unseen.get(key, 0.0), matches)

    def _levels(self) -> list[tuple[tuple[str, int], Any]]:
        """Every non-null level of the current settings, keyed by (comparison, vector value)."""
        return [
            ((c.output_column_name, cl.comparison_vector_value), cl)
            for c in self.linker._settings_obj.comparisons
            for cl in c._comparison_levels_excluding_null
        ]

    def _m_never_seen(self, unseen: dict[tuple[str, int], float]) -> list[tuple[str, str, float]]:
        """m for the levels no EM session saw: at most 3 / n by the rule of three, n the most
        matches one session weighed without meeting the level. Splink leaves such a level at
        its starting m (comparisons.STARTING_M), a guess the data can contradict (FEBRL4:
        "one surname agrees, the other not recorded" stayed at 0.14 - 15.6 bits - in ~4,500
        matches that never showed it, and the surname m summed to 1.17). The starting m
        stands where it is within the bound: the data only lowers a guess, so an unseen
        disagreement level is never softened by a small session. Fixed m (sex, address) are
        policy, untouched. Returns (comparison, level, m) for every m lowered."""
        out = []
        for (name, _), cl in self._levels():
            n = unseen.get((name, cl.comparison_vector_value), 0.0)
            if cl._fix_m_probability or cl._has_estimated_m_values or n < 1:
                continue
            m = 3.0 / n
            if cl.m_probability is not None and cl.m_probability <= m:
                continue
            cl._add_trained_m_probability(m, f"rule of three: not seen in {n:,.0f} matches")
            cl.m_probability = m
            out.append((name, cl.label_for_charts, m))
            log.info(
                "m of %s / %s never seen among %.0f EM matches: %.3g (rule of three)",
                name,
                cl.label_for_charts,
                n,
                m,
            )
        return out

    def _u_never_sampled(self, max_pairs: float) -> list[tuple[str, str, float]]:
        """u for the levels random sampling never saw: the rule of three, u = 3 / n, with n
        the sampled pairs the comparison was not null on (an upper 95% bound for an event
        not seen in n trials). Splink leaves such a level untrained and scores it with a
        default u by the level's position (interpolated -5..+3 bits), which the data
        contradicts: a default u of 0.003 would have shown thousands of times in 2 million
        pairs. The value is added as a trained u, so it is what EM uses, what every later step
        keeps and what the saved model stores. Returns (comparison, level, u).

        Not for a level whose m is fixed by policy (sex, address: comparisons.FIXED_M): its
        weight would be a guessed m over a tiny bound (the synthetic population's "similar
        city", never sampled: 14.7 bits, against 1.85 for an agreeing city; the bootstrap
        model trains on that population). Such a level keeps Splink's default u."""
        left, right = self.left.physical_name, self.right.physical_name
        sides = [
            self._scalar(f"SELECT count(*) FROM {name}")  # noqa: S608 - our own tables
            for name in (left, right)
        ]
        total = float(sides[0]) * float(sides[1])
        if not total:
            return []
        # Splink samples the same share of rows on both sides (estimate_u.py), targeting
        # max_pairs pairs; the share of all pairs compared is its square (n below is the
        # expected count). A comparison with a level at count 0 never meets Splink's minimum
        # count per level, so its u was counted over the whole sample, not an early stop.
        share = min(1.0, max_pairs / total)
        out = []
        for comparison in self.linker._settings_obj.comparisons:
            levels = comparison._comparison_levels_excluding_null
            unseen = [
                cl
                for cl in levels
                if not cl._fix_u_probability
                and not cl._fix_m_probability
                and not cl._has_estimated_u_values
            ]
            if not unseen:
                continue
            n = share * self._pairs_not_null(comparison, left, right, total)
            if n < 1:
                continue
            u = min(1.0, 3.0 / n)
            for cl in unseen:
                cl._add_trained_u_probability(u, f"rule of three: not seen in {n:,.0f} pairs")
                cl.u_probability = u
                out.append((comparison.output_column_name, cl.label_for_charts, u))
                log.info(
                    "u of %s / %s never seen in %.0f random pairs: %.3g (rule of three)",
                    comparison.output_column_name,
                    cl.label_for_charts,
                    n,
                    u,
                )
        return out

    def _pairs_not_null(self, comparison: Any, left: str, right: str, total: float) -> float:
        """All pairs on which the comparison is not null: its null level is `x_l IS NULL OR
        x_r IS NULL` (comparisons._null), so they are the non-null rows of x on each side
        multiplied. A comparison without such a null level counts every pair."""
        for cl in comparison.comparison_levels:
            if not cl.is_null_level:
                continue
            found = re.fullmatch(r"\s*(\w+)_l IS NULL OR \1_r IS NULL\s*", cl.sql_condition, re.I)
            if found:
                col = found.group(1)
                counts = [
                    self._scalar(f"SELECT count({col}) FROM {name}")  # noqa: S608 - ours
                    for name in (left, right)
                ]
                return float(counts[0]) * float(counts[1])
        return total

    def _dob_rule_best_row(self) -> str:
        """Session 1's blocking rule: born the same day, and only the participant's row (own
        name or alias) that agrees best with the booking's names. Scoring keeps the best row per
        (booking, participant) (`pairs_scored`); EM must learn m from the same pairs. Blocked on
        the date alone, a booking of a participant with an alias also pairs with the other row
        (the alias's other given name or other surname), and EM, rightly taking that pair for
        the same person, learned that 7% of true matches have entirely different given names
        (and 7% entirely different surnames) - measured 0.3% and 0.1% on the synthetic set's
        best rows. That put the "else" levels at -3.8 bits instead of about -8 and took the
        probability mass from the agreeing levels. The rows to leave out are listed in a table
        (DuckDB, where training runs) so the rule names no compared column: Splink does not
        estimate a comparison whose columns the training rule uses."""
        if self.backend != "duckdb":
            return "l.dob = r.dob"
        left, right = self.left.physical_name, self.right.physical_name

        def agreement(a: str, b: str) -> str:
            return (
                f"(CASE WHEN {a}.given_fold = {b}.given_fold THEN 2 "
                f"WHEN {a}.given_phon = {b}.given_phon THEN 1 ELSE 0 END"
                f" + 2 * len(list_intersect(coalesce({a}.surname_tokens, []), "
                f"coalesce({b}.surname_tokens, [])))"
                f" + len(list_intersect(coalesce({a}.surname_phons, []), "
                f"coalesce({b}.surname_phons, []))))"
            )

        # Table names come from the backend, columns from features.COLUMNS.
        self.db_api._con.execute(
            f"CREATE OR REPLACE TABLE {TRAIN_SKIP} AS "  # noqa: S608
            f"WITH multi AS (SELECT participant_id FROM {right} WHERE participant_id IS NOT NULL "
            f"GROUP BY participant_id HAVING count(*) > 1), "
            f"pairs AS (SELECT l.unique_id AS l_id, r.unique_id AS r_id, "
            f"r.participant_id AS pid, {agreement('l', 'r')} AS score "
            f"FROM {left} AS l JOIN {right} AS r ON l.dob = r.dob "
            f"WHERE r.participant_id IN (SELECT participant_id FROM multi)), "
            f"ranked AS (SELECT l_id, r_id, row_number() OVER "
            f"(PARTITION BY l_id, pid ORDER BY score DESC, r_id) AS rank FROM pairs) "
            f"SELECT l_id, r_id FROM ranked WHERE rank > 1"
        )
        return (
            f"l.dob = r.dob AND NOT EXISTS (SELECT 1 FROM {TRAIN_SKIP} AS x "  # noqa: S608
            f"WHERE x.l_id = l.unique_id AND x.r_id = r.unique_id)"
        )

    def _prior_from_model(self, *, iterations: int = 50) -> None:
        """Re-estimates the prior (probability that two random records match) with the trained
        m and u: the EM update for the prior alone, lambda = mean match probability over all
        pairs, on the pairs the core blocking rules build (the others count as non-matches).
        The starting estimate assumes a recall of 0.7 for a near-certain deterministic rule,
        a guess; on both benchmark sets it was low by 0.5-0.7 bits, which sank true matches
        with one error just under the queue threshold."""
        settings_obj = self.linker._settings_obj
        prior = float(settings_obj._probability_two_random_records_match)
        table = self.linker.inference.predict(warning_mode="never")
        # Splink's match weight includes the prior; the Bayes factors are recovered below.
        weights = self.db_api._con.execute(
            f"SELECT match_weight FROM {table.physical_name}"  # noqa: S608 - Splink's own table
        ).fetchnumpy()["match_weight"]
        table.drop_table_from_database_and_remove_from_cache()
        sizes = [
            self._scalar(f"SELECT count(*) FROM {side.physical_name}")  # noqa: S608 - ours
            for side in (self.left, self.right)
        ]
        total = float(sizes[0]) * float(sizes[1])
        if not len(weights) or not total:
            return
        bayes = np.exp2(np.asarray(weights, dtype=float) - math.log2(prior / (1 - prior)))
        for _ in range(iterations):
            odds = prior / (1 - prior) * bayes
            new = float(np.sum(odds / (1 + odds))) / total
            if not 0 < new < 1 or abs(new - prior) < 1e-3 * prior:
                prior = new if 0 < new < 1 else prior
                break
            prior = new
        log.info("prior re-estimated from the trained model: %.3g", prior)
        settings_obj._probability_two_random_records_match = prior

    def model_json(self) -> dict[str, Any]:
        return self.linker.misc.save_model_to_json()

    def predict(self, *, threshold: float) -> pd.DataFrame:
        return self.predict_table(threshold=threshold).as_pandas_dataframe()

    def predict_table(self, *, threshold: float) -> Any:
        """The scored pairs as a Splink table (stays in DuckDB: the scale path counts it)."""
        return self.linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )

    def _waterfall_levels(self) -> list[tuple[str, str, str | None, dict[Any, Any]]]:
        """Per comparison, what a waterfall step takes from the model (the same for every pair):
        name, gamma column, tf weight column, and per level its label, weight and tf label.
        Splink's record_to_waterfall_data recomputes these by parsing SQL for every pair
        (~5 ms a pair); the steps below are the ones it gives (test_explanations checks)."""
        if not self._waterfall_cache:
            out = []
            for c in self.linker._settings_obj.comparisons:
                levels: dict[Any, Any] = {}
                for cl in c.comparison_levels:
                    record = cl._as_detailed_record(c._num_levels, c.comparison_levels).as_dict()
                    tf_label = (
                        f"Term freq adjustment on {cl._tf_adjustment_input_column.input_name}"
                        if cl._has_tf_adjustments
                        else None
                    )
                    # Splink takes the first level with a vector value (two can share one).
                    levels.setdefault(
                        record["comparison_vector_value"],
                        (record["label_for_charts"], record["log2_bayes_factor"], tf_label),
                    )
                tf_column = c._mw_tf_adj_column_name if c._has_tf_adjustments else None
                out.append((c.output_column_name, c._gamma_column_name, tf_column, levels))
            self._waterfall_cache["levels"] = out
        return self._waterfall_cache["levels"]

    def _waterfall(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for name, gamma, tf_column, levels in self._waterfall_levels():
            label, weight, tf_label = levels[row[gamma]]
            steps.append(
                {"column_name": name, "label_for_charts": label, "log2_bayes_factor": weight}
            )
            if tf_column is not None:
                tf = {
                    "column_name": "tf_" + name,
                    "term_frequency_adjustment": True,
                    "label_for_charts": label,
                    "log2_bayes_factor": 0.0,
                }
                if tf_label is not None:
                    tf["label_for_charts"] = tf_label
                    tf["log2_bayes_factor"] = row[tf_column]
                steps.append(tf)
        return steps

    def explain(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """The waterfall of one scored pair: prior, then each comparison's level and weight."""
        steps = self._waterfall(row)
        out = []
        for step in steps:
            name = step["column_name"]
            if name in ("Prior", "Final score"):
                continue
            weight = step.get("log2_bayes_factor")
            if step.get("term_frequency_adjustment") and not weight:
                continue
            base = name[3:] if name.startswith("tf_") else name
            column = SHOWN_COLUMN.get(base)
            booking, person = ("l", "r") if row.get("source_dataset_l") == LEFT else ("r", "l")
            out.append(
                {
                    "comparison": name,
                    "level": step.get("label_for_charts") or "",
                    "match_weight": round(float(weight or 0.0), 3),
                    # left = the booking, right = the participant (or alias), as compared.
                    "left": _clean(row.get(f"{column}_{booking}") if column else ""),
                    "right": _clean(row.get(f"{column}_{person}") if column else ""),
                }
            )
        return out


# The one value the reviewer is shown per comparison (the folded form that was compared).
SHOWN_COLUMN = {
    "given_names": "given_fold",
    "surnames": "surnames_joined",
    "date_of_birth": "dob",
    "sex": "sex",
    "postcode": "postcode",
    "city": "city",
    "street": "street",
}


def _clean(value: Any) -> str:
    text = "" if value is None else str(value)
    return "" if text in ("None", "nan", "<NA>") else text[:200]


@dataclass(frozen=True)
class ScoredPair:
    booking_id: int
    participant_id: int
    alias_id: int | None
    probability: float
    match_weight: float
    explanation: list[dict[str, Any]]


def pairs_scored(engine: LinkageEngine, frame: pd.DataFrame) -> list[ScoredPair]:
    """Best pair per (booking, participant): the participant's own name or an alias."""
    best: dict[tuple[int, int], ScoredPair] = {}
    for row in frame.to_dict("records"):
        left_is_booking = row.get("source_dataset_l") == LEFT
        side_b, side_p = ("l", "r") if left_is_booking else ("r", "l")
        booking_id = int(row[f"booking_id_{side_b}"])
        participant_id = int(row[f"participant_id_{side_p}"])
        alias = row.get(f"alias_id_{side_p}")
        alias_id = None if alias is None or pd.isna(alias) else int(alias)
        probability = float(row["match_probability"])
        key = (booking_id, participant_id)
        if key in best and best[key].probability >= probability:
            continue
        best[key] = ScoredPair(
            booking_id=booking_id,
            participant_id=participant_id,
            alias_id=alias_id,
            probability=probability,
            match_weight=float(row["match_weight"]) if not math.isnan(row["match_weight"]) else 0,
            explanation=engine.explain(row),
        )
    return list(best.values())
