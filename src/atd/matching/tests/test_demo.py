"""The demo step seeds a model and one linked feed batch, once."""

from __future__ import annotations

from atd.matching.demo import demo_seed
from atd.matching.models import FeedBatch, LinkageModel
from atd.testing.world import World


def test_demo_seed_leaves_a_linked_batch_and_runs_once(world: World) -> None:
    demo_seed({})
    batch = FeedBatch.objects.get()
    assert batch.linked_at is not None and batch.rows_imported > 20
    assert LinkageModel.objects.filter(is_active=True).count() == 1
    demo_seed({})
    assert FeedBatch.objects.count() == 1
