"""The Splink model: comparisons, blocking, EM training, scoring and waterfall explanations.

Django-free on purpose: the service layer feeds it data frames read from the tables, and the
scale benchmark feeds it generated frames directly. DuckDB is the engine (in-process); the same
settings run on Spark through `splink.SparkAPI` (docs/matching.md).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import splink.comparison_level_library as cll
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.comparison_library import CustomComparison
from splink.internals.waterfall_chart import record_to_waterfall_data

from atd.matching.linkage.features import COLUMNS

LEFT = "a_booking"
RIGHT = "b_participant"
log = logging.getLogger(__name__)


def _null(col: str) -> Any:
    return cll.CustomLevel(f"{col}_l IS NULL OR {col}_r IS NULL", "missing").configure(
        is_null_level=True
    )


def _given() -> CustomComparison:
    return CustomComparison(
        output_column_name="given_names",
        comparison_levels=[
            _null("given_fold"),
            cll.CustomLevel("given_fold_l = given_fold_r", "given names agree").configure(
                tf_adjustment_column="given_fold", tf_adjustment_weight=1.0
            ),
            cll.CustomLevel(
                "given_first_l = given_first_r OR contains(given_fold_l, given_fold_r) "
                "OR contains(given_fold_r, given_fold_l)",
                "compound given name: one part agrees",
            ),
            cll.CustomLevel(
                "given_phon_l = given_phon_r "
                "AND jaro_winkler_similarity(given_first_l, given_first_r) >= 0.7",
                "spelling/transliteration variant",
            ),
            cll.CustomLevel(
                "jaro_winkler_similarity(given_fold_l, given_fold_r) >= 0.88",
                "similar given names (typo)",
            ),
            cll.CustomLevel(
                "list_contains(surname_tokens_r, given_first_l) "
                "OR list_contains(surname_tokens_l, given_first_r)",
                "given and family names swapped",
            ),
            cll.ElseLevel(),
        ],
    )


def _surname() -> CustomComparison:
    return CustomComparison(
        output_column_name="surnames",
        comparison_levels=[
            _null("surnames_sorted"),
            cll.CustomLevel(
                "surnames_sorted_l = surnames_sorted_r", "surnames agree (in any order)"
            ).configure(tf_adjustment_column="surnames_sorted", tf_adjustment_weight=1.0),
            cll.CustomLevel(
                "jaro_winkler_similarity(surnames_sorted_l, surnames_sorted_r) >= 0.92 "
                "OR jaro_winkler_similarity(surnames_joined_l, surnames_joined_r) >= 0.92",
                "similar surnames (typo)",
            ),
            cll.CustomLevel(
                "list_has_any(surname_tokens_l, surname_tokens_r) "
                "AND (len(surname_tokens_l) = 1 OR len(surname_tokens_r) = 1)",
                "one surname agrees, the other not recorded",
            ),
            cll.CustomLevel(
                "list_has_any(surname_tokens_l, surname_tokens_r)",
                "one surname agrees, the other differs",
            ),
            cll.CustomLevel(
                "list_has_any(surname_phons_l, surname_phons_r)",
                "surname spelling/transliteration variant",
            ),
            cll.CustomLevel(
                "list_contains(surname_tokens_l, given_first_r) "
                "OR list_contains(surname_tokens_r, given_first_l)",
                "given and family names swapped",
            ),
            cll.ElseLevel(),
        ],
    )


def _dob() -> CustomComparison:
    return CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            _null("dob"),
            cll.CustomLevel("dob_l = dob_r", "date of birth agrees"),
            cll.CustomLevel(
                "dob_swapped_l = dob_r OR dob_l = dob_swapped_r", "day and month swapped"
            ),
            cll.CustomLevel("damerau_levenshtein(dob_l, dob_r) <= 1", "one-digit typo"),
            cll.CustomLevel("damerau_levenshtein(dob_l, dob_r) <= 2", "two-digit difference"),
            cll.ElseLevel(),
        ],
    )


def _exact(col: str, label: str) -> CustomComparison:
    return CustomComparison(
        output_column_name=col,
        comparison_levels=[
            _null(col),
            cll.CustomLevel(f"{col}_l = {col}_r", f"{label} agrees"),
            cll.ElseLevel(),
        ],
    )


def _street() -> CustomComparison:
    return CustomComparison(
        output_column_name="street",
        comparison_levels=[
            _null("street"),
            cll.CustomLevel("street_l = street_r", "street address agrees"),
            cll.CustomLevel(
                "jaro_winkler_similarity(street_l, street_r) >= 0.9", "similar street address"
            ),
            cll.ElseLevel(),
        ],
    )


BLOCKING_RULES: list[Any] = [
    # Each rule is an equi-join (cheap at scale); together they reach the variants the
    # comparisons score: typos in names, typos/swaps in the date, surname order, name swaps.
    block_on("dob", "given_phon"),
    block_on("dob", "sp1"),
    CustomRule("l.dob = r.dob AND l.sp1 = r.sp2"),
    CustomRule("l.dob = r.dob AND l.sp2 = r.sp1"),
    block_on("name_key", "dob_year"),
    CustomRule("l.dob_swapped = r.dob AND l.sp1 = r.sp1"),
    # Given and family names swapped.
    CustomRule("l.dob = r.dob AND l.given_phon = r.sp1"),
    CustomRule("l.dob = r.dob AND l.sp1 = r.given_phon"),
    block_on("given_phon", "sp1", "dob_md"),
    # A typo in the day, the month or the year: the other two parts must agree (a block on the
    # birth year alone is ~10x larger and dominates the cost at 4.5M participants).
    block_on("given_phon", "sp1", "dob_ym"),
    block_on("given_phon", "sp1", "dob_yd"),
    block_on("postcode", "given_phon", "sp1"),
    block_on("postcode", "dob"),
    # The same address recorded on both sides (names or date badly mistyped).
    block_on("postcode", "street"),
    block_on("city", "street"),
    block_on("postcode", "given_phon"),
    block_on("postcode", "sp1"),
    block_on("city", "given_phon", "sp1"),
]


def settings_new() -> SettingsCreator:
    comparisons: list[Any] = [
        _given(),
        _surname(),
        _dob(),
        _exact("sex", "sex"),
        _exact("postcode", "postal code"),
        _exact("city", "city"),
        _street(),
    ]
    for comparison in comparisons:
        levels: list[Any] = [lv for lv in comparison._comparison_levels if not _is_null(lv)]
        starting = STARTING_M[str(comparison._output_column_name)]
        fixed = comparison._output_column_name in FIXED_M
        for level, m in zip(levels, starting, strict=True):
            level.configure(m_probability=m, fix_m_probability=fixed)
    return SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        additional_columns_to_retain=["booking_id", "participant_id", "alias_id"],
        probability_two_random_records_match=1e-5,
    )


def _is_null(level: Any) -> bool:
    return bool(getattr(level, "is_null_level", False))


def _frame(rows: pd.DataFrame | list[dict[str, Any]]) -> pd.DataFrame:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=list(COLUMNS))
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    for col in ("booking_id", "participant_id", "alias_id", "dob_year"):
        frame[col] = frame[col].astype("Int64")
    return frame


# Term frequencies are computed from the rows being compared. Below this many rows they say
# nothing about the population (every name looks common) and would sink true matches, so a
# stored model scores small inputs without its term-frequency adjustments.
TF_MIN_ROWS = 20_000


def _without_tf(settings: dict[str, Any]) -> dict[str, Any]:
    import copy

    out = copy.deepcopy(settings)
    for comparison in out.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            level.pop("tf_adjustment_column", None)
            level.pop("tf_adjustment_weight", None)
    return out


class LinkageEngine:
    """One DuckDB session over a left (bookings) and a right (participants) frame."""

    def __init__(
        self,
        left: pd.DataFrame | list[dict[str, Any]] | str,
        right: pd.DataFrame | list[dict[str, Any]] | str,
        settings: dict[str, Any] | None = None,
        *,
        connection: Any = ":memory:",
    ) -> None:
        """`left`/`right` are rows, data frames, or names of tables already in `connection`
        (the scale path builds its inputs inside DuckDB)."""
        in_memory = not isinstance(left, str) and not isinstance(right, str)
        if settings is not None and in_memory and len(left) + len(right) < TF_MIN_ROWS:
            settings = _without_tf(settings)
        self.db_api = DuckDBAPI(connection)
        self.left = self.db_api.register(
            left if isinstance(left, str) else _frame(left), dataset_display_name=LEFT
        )
        self.right = self.db_api.register(
            right if isinstance(right, str) else _frame(right), dataset_display_name=RIGHT
        )
        self.linker = Linker(
            [self.left, self.right],
            settings if settings is not None else settings_new(),
            log_level=logging.ERROR,
        )

    def train(self, *, max_pairs: float = 2e6, seed: int = 42) -> dict[str, Any]:
        """EM on the data itself: prior from near-certain rules, u by random sampling, m by
        two EM sessions blocked on different fields so every comparison gets estimated."""
        training = self.linker.training
        training.estimate_probability_two_random_records_match(
            [block_on("given_fold", "surnames_sorted", "dob")], recall=0.7
        )
        training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        # Session 1, pairs born the same day: learns how names agree for the same person.
        training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
        # Session 2, same name key and address: learns how dates of birth disagree for the
        # same person. (Blocking on the name alone would not do: common names put many
        # different people in one block and EM would take them for typos in the date.)
        try:
            training.estimate_parameters_using_expectation_maximisation(
                block_on("given_phon", "sp1", "postcode")
            )
        except Exception:  # noqa: BLE001 - no such pairs: the starting values stand
            log.warning("no address-blocked pairs to train dates of birth; starting m used")
        return self.model_json()

    def model_json(self) -> dict[str, Any]:
        return self.linker.misc.save_model_to_json()

    def predict(self, *, threshold: float) -> pd.DataFrame:
        return self.predict_table(threshold=threshold).as_pandas_dataframe()

    def predict_table(self, *, threshold: float) -> Any:
        """The scored pairs as a Splink table (stays in DuckDB: the scale path counts it)."""
        return self.linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )

    def explain(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """The waterfall of one scored pair: prior, then each comparison's level and weight."""
        steps = record_to_waterfall_data(row, self.linker._settings_obj, hide_details=False)
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


# Starting m probabilities (share of true matches at each level), used where the data has no
# example of a level for EM to learn from; EM replaces them wherever the level is observed.
# Sex and address are FIXED, not learned: in training data they rarely disagree for true
# matches, so EM drives "disagrees" to a near-certain veto, yet feeds record the place of
# arrest and mistype sex. Names and dates of birth carry the evidence.
FIXED_M = frozenset({"sex", "postcode", "city", "street"})
STARTING_M = {
    "given_names": [0.80, 0.06, 0.05, 0.04, 0.02, 0.03],
    "surnames": [0.70, 0.05, 0.14, 0.03, 0.03, 0.02, 0.03],
    "date_of_birth": [0.85, 0.04, 0.06, 0.02, 0.03],
    "sex": [0.95, 0.05],
    "postcode": [0.5, 0.5],
    "city": [0.6, 0.4],
    "street": [0.4, 0.1, 0.5],
}
