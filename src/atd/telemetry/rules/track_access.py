"""Who may read how far back into a participant's track without saying why: the one rule the
console's map and the API share (a read past the recent window needs a stated reason)."""

from __future__ import annotations

from datetime import datetime, timedelta

# Reading the last week is routine supervision; anything older is a look into the past
# (a court request, an investigation) and needs a reason that the audit log keeps.
TRACK_RECENT = timedelta(days=7)
# Clock skew and the time a page takes to load: a "last 7 days" read stays routine.
TRACK_RECENT_GRACE = timedelta(minutes=5)
# The longest period one read may cover.
TRACK_MAX_SPAN = timedelta(days=31)
TRACK_REASON_MAX = 500
ROUTINE_REASON = "last 7 days"
REFUSED_REASON = "older than 7 days without a reason"


def track_reason_required(*, since: datetime, now: datetime) -> bool:
    """True when a read starting at `since` reaches past the recent window."""
    return since < now - TRACK_RECENT - TRACK_RECENT_GRACE


def track_reason_clean(reason: str | None) -> str:
    """The stated reason as the audit log keeps it: trimmed and bounded."""
    return (reason or "").strip()[:TRACK_REASON_MAX]
