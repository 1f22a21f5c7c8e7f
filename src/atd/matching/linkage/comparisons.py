"""The comparisons of the linkage model, written once for every SQL backend it runs on.

Each comparison is a list of levels (first that applies); each level's weight is learned by EM
(or fixed, see FIXED_M) and shown to the reviewer in the waterfall. The SQL uses a handful of
functions whose names differ between DuckDB and Spark; `SQL_FUNCTIONS` names them per dialect,
so the same levels, in the same order, exist on both backends and a model trained on one scores
on the other (`settings_for_dialect`).
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
from splink.comparison_library import CustomComparison

# Function names per backend. Spark gets damerau_levenshtein from Splink's similarity UDF jar
# and atd_jaro_winkler from linkage/spark.py (DuckDB's exact Jaro-Winkler: the jar's own rounds
# transpositions differently, linkage/similarity.py); arrays_overlap/array_contains/size/instr/try_element_at are Spark
# built-ins. "at" is the 1-based list element, NULL past the end on both.
SQL_FUNCTIONS: dict[str, dict[str, str]] = {
    "duckdb": {
        "jw": "jaro_winkler_similarity",
        "dl": "damerau_levenshtein",
        "has": "list_contains",
        "overlap": "list_has_any",
        "size": "len",
        "at": "list_extract",
    },
    "spark": {
        "jw": "atd_jaro_winkler",
        "dl": "damerau_levenshtein",
        "has": "array_contains",
        "overlap": "arrays_overlap",
        "size": "size",
        "at": "try_element_at",
    },
}


def _contains_words(dialect: str, haystack: str, needle: str) -> str:
    """Every word of `needle` occurs, as whole words, in `haystack` ('ana' is in 'ana maria',
    not in 'juliana'). DuckDB's contains(a, b) and Spark's instr(a, b) > 0 both mean "b occurs
    in a"; padding with spaces makes the match whole-word."""
    a, b = f"concat(' ', {haystack}, ' ')", f"concat(' ', {needle}, ' ')"
    if dialect == "spark":
        return f"instr({a}, {b}) > 0"
    return f"contains({a}, {b})"


def _null(col: str) -> Any:
    return cll.CustomLevel(f"{col}_l IS NULL OR {col}_r IS NULL", "missing").configure(
        is_null_level=True
    )


def _given(d: str) -> CustomComparison:
    f = SQL_FUNCTIONS[d]
    return CustomComparison(
        output_column_name="given_names",
        comparison_levels=[
            _null("given_fold"),
            cll.CustomLevel("given_fold_l = given_fold_r", "given names agree").configure(
                tf_adjustment_column="given_fold", tf_adjustment_weight=1.0
            ),
            cll.CustomLevel(
                f"given_first_l = given_first_r "
                f"OR {_contains_words(d, 'given_fold_l', 'given_fold_r')} "
                f"OR {_contains_words(d, 'given_fold_r', 'given_fold_l')}",
                "compound given name: one part agrees",
            ),
            cll.CustomLevel(
                f"given_phon_l = given_phon_r AND {f['jw']}(given_first_l, given_first_r) >= 0.7",
                "spelling/transliteration variant",
            ),
            cll.CustomLevel(
                f"{f['jw']}(given_fold_l, given_fold_r) >= 0.88 "
                f"OR {f['jw']}(given_first_l, given_first_r) >= 0.88",
                "similar given names (typo)",
            ),
            cll.CustomLevel(f"{f['dl']}(given_fold_l, given_fold_r) <= 1", "one letter apart"),
            cll.CustomLevel(_swapped(d), "given and family names swapped"),
            cll.CustomLevel(_swapped_typo(d), "given and family names swapped, with a typo"),
            cll.CustomLevel(
                _swapped_phonetic(d), "given and family names swapped, spelling variant"
            ),
            cll.ElseLevel(),
        ],
    )


def _swapped_typo(d: str) -> str:
    """Swapped as in `_swapped`, with a typo on either side ('matthe ws, erin' for 'erin
    matthews'): both directions must still hold, each as a close (Jaro-Winkler >= 0.92)
    agreement of one side's given name with the other's surnames or first surname."""
    f = SQL_FUNCTIONS[d]

    def one_way(a: str, b: str) -> str:
        return (
            f"({f['jw']}(given_fold_{a}, surnames_joined_{b}) >= 0.92 "
            f"OR {f['jw']}(given_first_{a}, {f['at']}(surname_tokens_{b}, 1)) >= 0.92)"
        )

    return f"{one_way('l', 'r')} AND {one_way('r', 'l')}"


def _swapped_phonetic(d: str) -> str:
    """Swapped as in `_swapped`, by phonetic key on both sides: a transliterated or misspelt
    name recorded the other way round ('shevchenko, yousef' for 'yusuf shevchenko', 'nonez,
    rosa maria' for 'rosa maria nunez'). Both directions must hold, as for the exact swap."""
    has = SQL_FUNCTIONS[d]["has"]
    return f"{has}(surname_phons_r, given_phon_l) AND {has}(surname_phons_l, given_phon_r)"


def _swapped(d: str) -> str:
    """Given and family names recorded the other way round: BOTH directions must hold (each
    side's given name is among the other's surnames). With either direction alone, a booking
    'Sánchez, José' would get the swap weight twice (given and surname comparisons) against any
    'Juan Sánchez' born that day."""
    has = SQL_FUNCTIONS[d]["has"]
    return f"{has}(surname_tokens_r, given_first_l) AND {has}(surname_tokens_l, given_first_r)"


def _surname(d: str) -> CustomComparison:
    f = SQL_FUNCTIONS[d]
    return CustomComparison(
        output_column_name="surnames",
        comparison_levels=[
            _null("surnames_sorted"),
            cll.CustomLevel(
                "surnames_sorted_l = surnames_sorted_r", "surnames agree (in any order)"
            ).configure(tf_adjustment_column="surnames_sorted", tf_adjustment_weight=1.0),
            cll.CustomLevel(
                f"{f['jw']}(surnames_sorted_l, surnames_sorted_r) >= 0.92 "
                f"OR {f['jw']}(surnames_joined_l, surnames_joined_r) >= 0.92",
                "similar surnames (typo)",
            ),
            cll.CustomLevel(
                f"{f['overlap']}(surname_tokens_l, surname_tokens_r) "
                f"AND ({f['size']}(surname_tokens_l) = 1 OR {f['size']}(surname_tokens_r) = 1)",
                "one surname agrees, the other not recorded",
            ),
            cll.CustomLevel(
                f"{f['overlap']}(surname_tokens_l, surname_tokens_r)",
                "one surname agrees, the other differs",
            ),
            cll.CustomLevel(
                f"{f['overlap']}(surname_phons_l, surname_phons_r)",
                "surname spelling/transliteration variant",
            ),
            cll.CustomLevel(_surname_token_typo(d), "one surname agrees with a typo"),
            # Weighed once, under given names: that level's u is how often two random records
            # agree crosswise in BOTH directions, which already is the surname coincidence too.
            # Weighed here as well, a swap counted that joint coincidence twice and outweighed
            # two exactly agreeing names (FEBRL4: three false matches on swapped names alone).
            cll.CustomLevel(
                f"({_swapped(d)}) OR ({_swapped_typo(d)}) OR ({_swapped_phonetic(d)})",
                "given and family names swapped (weighed under given names)",
            ).configure(is_null_level=True),
            cll.ElseLevel(),
        ],
    )


def _surname_token_typo(d: str) -> str:
    """One of the first two surnames of one side is one edit from one of the other side's
    ('carvaho' against 'carvalho rodriguez': the second surname dropped and the first
    mistyped). The whole-string typo level misses these, and so did every token level."""
    f = SQL_FUNCTIONS[d]
    pairs = [
        f"{f['dl']}({f['at']}(surname_tokens_l, {i}), {f['at']}(surname_tokens_r, {j})) <= 1"
        for i in (1, 2)
        for j in (1, 2)
    ]
    return "(" + " OR ".join(pairs) + ")"


def _dob(d: str) -> CustomComparison:
    f = SQL_FUNCTIONS[d]
    return CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            _null("dob"),
            cll.CustomLevel("dob_l = dob_r", "date of birth agrees"),
            cll.CustomLevel(
                "dob_swapped_l = dob_r OR dob_l = dob_swapped_r", "day and month swapped"
            ),
            cll.CustomLevel(f"{f['dl']}(dob_l, dob_r) <= 1", "one-digit typo"),
            cll.CustomLevel(f"{f['dl']}(dob_l, dob_r) <= 2", "two-digit difference"),
            cll.ElseLevel(),
        ],
    )


def _postcode(d: str) -> CustomComparison:
    f = SQL_FUNCTIONS[d]
    return CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            _null("postcode"),
            cll.CustomLevel("postcode_l = postcode_r", "postal code agrees"),
            # Transposed or mistyped digit: how often random people are one edit apart is
            # estimated from the data (u), so neighbouring codes weigh what they are worth.
            cll.CustomLevel(
                f"{f['dl']}(postcode_l, postcode_r) <= 1", "postal code one character apart"
            ),
            cll.ElseLevel(),
        ],
    )


def _similar_text(d: str, col: str, label: str, threshold: float) -> CustomComparison:
    f = SQL_FUNCTIONS[d]
    return CustomComparison(
        output_column_name=col,
        comparison_levels=[
            _null(col),
            cll.CustomLevel(f"{col}_l = {col}_r", f"{label} agrees"),
            cll.CustomLevel(f"{f['jw']}({col}_l, {col}_r) >= {threshold}", f"similar {label}"),
            cll.ElseLevel(),
        ],
    )


def _street(d: str) -> CustomComparison:
    """The street address with its house number (`street`); `street_name` is the same without
    digits. A record without a house number whose street name agrees gets its own level:
    feeds and registers often leave the number out."""
    f = SQL_FUNCTIONS[d]
    return CustomComparison(
        output_column_name="street",
        comparison_levels=[
            _null("street"),
            cll.CustomLevel("street_l = street_r", "street address agrees"),
            cll.CustomLevel(f"{f['jw']}(street_l, street_r) >= 0.9", "similar street address"),
            cll.CustomLevel(
                "street_name_l = street_name_r "
                "AND (street_l = street_name_l OR street_r = street_name_r)",
                "same street, house number not recorded on one side",
            ),
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


def comparisons_new(dialect: str = "duckdb") -> list[Any]:
    """The comparisons, in order, with their starting (or fixed) m probabilities."""
    comparisons: list[Any] = [
        _given(dialect),
        _surname(dialect),
        _dob(dialect),
        _exact("sex", "sex"),
        _postcode(dialect),
        _similar_text(dialect, "city", "city", 0.88),
        _street(dialect),
    ]
    for comparison in comparisons:
        levels: list[Any] = [lv for lv in comparison._comparison_levels if not _is_null(lv)]
        starting = STARTING_M[str(comparison._output_column_name)]
        fixed = comparison._output_column_name in FIXED_M
        for level, m in zip(levels, starting, strict=True):
            level.configure(m_probability=m, fix_m_probability=fixed)
    return comparisons


def _is_null(level: Any) -> bool:
    return bool(getattr(level, "is_null_level", False))


# Starting m probabilities (share of true matches at each level), used where the data has no
# example of a level for EM to learn from; EM replaces them wherever the level is observed.
# Sex and address are FIXED, not learned: in training data they rarely disagree for true
# matches, so EM drives "disagrees" to a near-certain veto, yet feeds record the place of
# arrest and mistype sex. Names and dates of birth carry the evidence. The fuzzy address levels
# (a postal code one character apart, a similar city or street) get a small fixed share: feeds
# mistype addresses, but an address is weak evidence of identity (households, shelters).
FIXED_M = frozenset({"sex", "postcode", "city", "street"})
STARTING_M = {
    "given_names": [0.80, 0.06, 0.05, 0.04, 0.01, 0.02, 0.01, 0.005, 0.005],
    "surnames": [0.70, 0.05, 0.14, 0.03, 0.03, 0.02, 0.03],
    "date_of_birth": [0.85, 0.04, 0.06, 0.02, 0.03],
    "sex": [0.95, 0.05],
    "postcode": [0.5, 0.05, 0.45],
    "city": [0.6, 0.05, 0.35],
    "street": [0.4, 0.1, 0.05, 0.45],
}
