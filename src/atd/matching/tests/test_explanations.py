"""A scored pair's explanation (the reviewer's waterfall) is built from the model once per
engine, not by Splink's per-pair SQL parsing; it must say exactly what Splink's own waterfall
says, for every pair."""

from __future__ import annotations

from typing import Any

from splink.internals.waterfall_chart import record_to_waterfall_data

from atd.matching.linkage.model import LinkageEngine, pairs_scored
from atd.matching.synthetic import feature_rows, synthetic_set
from atd.matching.tests.conftest import trained_settings


def _splink_steps(engine: LinkageEngine, row: dict[str, Any]) -> list[tuple[Any, ...]]:
    steps = record_to_waterfall_data(row, engine.linker._settings_obj, hide_details=True)
    return [
        (
            s["column_name"],
            s.get("label_for_charts"),
            round(float(s.get("log2_bayes_factor") or 0.0), 9),
            bool(s.get("term_frequency_adjustment")),
        )
        for s in steps
        if s["column_name"] not in ("Prior", "Final score")
    ]


def test_explanations_match_splinks_waterfall_for_every_pair() -> None:
    s = synthetic_set(participants=600, linked=150, near_misses=40, unrelated=100, seed=11)
    left, right = feature_rows(s)
    engine = LinkageEngine(left, right, trained_settings())
    frame = engine.predict(threshold=0.5)
    rows = frame.to_dict("records")
    assert len(rows) > 100
    for row in rows:
        ours = [
            (
                s["column_name"],
                s.get("label_for_charts"),
                round(float(s.get("log2_bayes_factor") or 0.0), 9),
                bool(s.get("term_frequency_adjustment")),
            )
            for s in engine._waterfall(row)
        ]
        assert ours == _splink_steps(engine, row)
    # Some pair shows a term-frequency step (the path with its own weight column).
    levels = {step["level"] for pair in pairs_scored(engine, frame) for step in pair.explanation}
    assert any(level.startswith("Term freq adjustment") for level in levels)
