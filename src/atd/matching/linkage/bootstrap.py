"""The bootstrap linkage model: EM-trained on a synthetic population of known shape, stored
when there is too little real data for EM to converge (a new install, the demo), until
`matching_link --train` retrains on real data."""

from __future__ import annotations

from typing import Any

from atd.matching.linkage.model import LinkageEngine
from atd.matching.synthetic import feature_rows, synthetic_set


def model_from_synthetic(*, participants: int = 1500, seed: int = 3) -> dict[str, Any]:
    """The model's Splink settings, trained on `participants` synthetic people (a quarter of
    them with a linked booking, some near misses and unrelated bookings)."""
    s = synthetic_set(
        participants=participants,
        linked=participants // 4,
        near_misses=participants // 20,
        unrelated=participants // 6,
        seed=seed,
    )
    left, right = feature_rows(s)
    return LinkageEngine(left, right).train(max_pairs=2e5)
