"""EM training learns name agreement from the same pairs scoring keeps: one row per
(booking, participant), the participant's best-agreeing name row."""

from __future__ import annotations

from datetime import date
from typing import Any

from atd.matching.linkage.features import PersonRecord, person_features
from atd.matching.linkage.model import TRAIN_SKIP, LinkageEngine


def _row(uid: str, given: str, first: str, second: str, **ids: int) -> dict[str, object]:
    return person_features(PersonRecord(uid, given, first, second, date(1980, 5, 17), **ids))  # type: ignore[arg-type]


def test_session_one_leaves_out_the_participants_other_name_rows() -> None:
    left = [
        _row("b1", "Rosa", "Pérez", "Gómez", booking_id=1),  # her own name
        _row("b2", "Ana", "Pérez", "Gómez", booking_id=2),  # the alias
    ]
    right = [
        _row("p7", "Rosa", "Pérez", "Gómez", participant_id=7),
        _row("a3", "Ana", "Pérez", "Gómez", participant_id=7, alias_id=3),
        _row("p8", "Luis", "Díaz", "", participant_id=8),  # one row: nothing to leave out
    ]
    engine = LinkageEngine(left, right)
    rule = engine._dob_rule_best_row()
    skipped = set(engine.db_api._con.execute(f"SELECT l_id, r_id FROM {TRAIN_SKIP}").fetchall())  # noqa: S608
    assert skipped == {("b1", "a3"), ("b2", "p7")}
    assert "given_fold" not in rule and "surname" not in rule  # names stay estimable


def test_a_transliterated_name_recorded_the_other_way_round_is_a_swap() -> None:
    from atd.matching.linkage.model import pairs_scored
    from atd.matching.tests.conftest import trained_settings

    left = [_row("b1", "Shevchenko", "Yousef", "", booking_id=1)]
    right = [_row("p1", "Yusuf", "Shevchenko", "", participant_id=1)] + [
        _row(f"p{i}", "Luis", "Díaz", "Pérez", participant_id=i) for i in range(2, 40)
    ]
    engine = LinkageEngine(left, right, trained_settings())
    (pair,) = [
        p for p in pairs_scored(engine, engine.predict(threshold=0.0)) if p.participant_id == 1
    ]
    given = next(step for step in pair.explanation if step["comparison"] == "given_names")
    assert given["level"] == "given and family names swapped, spelling variant"


def _level(settings: dict[str, Any], comparison: str, label: str) -> dict[str, Any]:
    (c,) = [c for c in settings["comparisons"] if c["output_column_name"] == comparison]
    (level,) = [lv for lv in c["comparison_levels"] if lv.get("label_for_charts") == label]
    return level


def _people(prefix: str, n: int, dob_missing: int = 0) -> list[dict[str, Any]]:
    names = ["Rosa", "Luis", "Ana", "Juan", "Marta"]
    surnames = ["Pérez", "Díaz", "Gómez", "Ruiz", "Soto"]
    rows = []
    for i in range(n):
        key = {"booking_id": i + 1} if prefix == "b" else {"participant_id": i + 1}
        born = None if i < dob_missing else date(1970 + 7 * i, 1 + i, 3 + 5 * i)
        rows.append(
            person_features(
                PersonRecord(
                    f"{prefix}{i}",
                    names[i],
                    surnames[i],
                    "",
                    born,
                    postal_code=f"{10000 + 3333 * i}",
                    **key,  # type: ignore[arg-type]
                )
            )
        )
    return rows


def test_a_level_never_seen_in_u_sampling_gets_u_three_over_the_pairs_sampled() -> None:
    # 3 bookings x 4 participants: every one of the 12 pairs is sampled, and no two people
    # share a date of birth with day and month swapped or a postal code one character apart.
    left, right = _people("b", 3, dob_missing=1), _people("p", 4)
    engine = LinkageEngine(left, right)
    engine.linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    swapped = engine.linker._settings_obj.comparisons[2].comparison_levels[2]
    assert swapped.label_for_charts == "day and month swapped"
    splink_default = swapped.u_probability  # by position: -5..+3 bits, not from the data
    imputed = {(c, label): u for c, label, u in engine._u_never_sampled(1e6)}
    # the date of birth is not null on 2 bookings x 4 participants: 8 pairs sampled
    assert imputed[("date_of_birth", "day and month swapped")] == 3 / 8
    assert splink_default != 3 / 8
    # a policy-fixed m (the address) is not divided by a bound: Splink's default u stays
    assert ("postcode", "postal code one character apart") not in imputed
    stored = engine.model_json()
    assert _level(stored, "date_of_birth", "day and month swapped")["u_probability"] == 0.375
    # ... and the stored model scores with it after a reload
    reloaded = LinkageEngine(left, right, stored)
    level = reloaded.linker._settings_obj.comparisons[2].comparison_levels[2]
    assert level.u_probability == 0.375


def test_a_level_no_em_session_saw_gets_its_m_bounded_by_three_over_the_matches() -> None:
    engine = LinkageEngine(_people("b", 3), _people("p", 4))
    dob = engine.linker._settings_obj.comparisons[2]
    two_digit, other = dob.comparison_levels[4], dob.comparison_levels[5]
    assert (two_digit.label_for_charts, two_digit.m_probability) == ("two-digit difference", 0.02)
    assert other.m_probability == 0.03  # "else": starting m
    sex_agrees = engine.linker._settings_obj.comparisons[3].comparison_levels[1]
    unseen = {
        ("date_of_birth", two_digit.comparison_vector_value): 600.0,  # 3/600 < 0.02: lowered
        ("date_of_birth", other.comparison_vector_value): 60.0,  # 3/60 > 0.03: start stands
        ("sex", sex_agrees.comparison_vector_value): 600.0,  # fixed m: policy, kept
    }
    assert engine._m_never_seen(unseen) == [("date_of_birth", "two-digit difference", 0.005)]
    stored = engine.model_json()
    assert _level(stored, "date_of_birth", "two-digit difference")["m_probability"] == 0.005
    assert _level(stored, "date_of_birth", "All other comparisons")["m_probability"] == 0.03
    assert _level(stored, "sex", "sex agrees")["m_probability"] == 0.95


def test_every_learned_level_of_a_trained_model_has_a_u_from_the_data() -> None:
    from atd.matching.tests.conftest import trained_settings

    for comparison in trained_settings()["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level") or level.get("fix_m_probability"):
                continue
            # Splink leaves a level random sampling never saw without u (scored by default)
            assert level.get("u_probability") is not None, level["label_for_charts"]
