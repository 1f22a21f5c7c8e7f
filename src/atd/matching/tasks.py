"""Background jobs of matching, run by `atd worker` (restart-safe: they read stored state)."""

from __future__ import annotations

from typing import Any

from atd.matching.linkage import service


def link_new_feed_batches() -> Any:
    """Every feed batch not yet linked, against all active participants."""
    return service.feed_batches_link_pending(actor=None)


def link_new_enrollments() -> Any:
    """Participants enrolled since the last run, against recent feeds (catches up)."""
    return service.enrollments_link_pending(actor=None)
