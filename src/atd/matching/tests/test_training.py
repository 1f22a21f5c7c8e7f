"""EM training learns name agreement from the same pairs scoring keeps: one row per
(booking, participant), the participant's best-agreeing name row."""

from __future__ import annotations

from datetime import date

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
