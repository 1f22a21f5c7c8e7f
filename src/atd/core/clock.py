"""The one place time comes from, so tests and simulations can move it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    # django.utils.timezone.now() without its settings lookup (USE_TZ is always on here):
    # this is on every device fix's path at the door.
    return datetime.now(UTC) + _offset


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    global _frozen
    previous = _frozen
    _frozen = moment
    try:
        yield
    finally:
        _frozen = previous


def advance(delta: timedelta) -> None:
    """Moves the clock forward for this process (tests and simulations only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset, _frozen
    _offset = timedelta(0)
    _frozen = None
