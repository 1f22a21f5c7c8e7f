"""The map's JSON endpoint. Reading a track is a read of personal data: every call is audited,
and a period starting more than 7 days ago needs a stated reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.dateparse import parse_date, parse_datetime

from atd.console.track import track_data
from atd.core import clock
from atd.core.audit import audit_batch, audit_record
from atd.core.errors import NotFound
from atd.core.scope import STAFF_CASE_ROLES, scope_for
from atd.people.selectors import participant_get_in_scope
from atd.telemetry.selectors import (
    TRACK_MAX_SPAN,
    TRACK_RECENT,
    ReasonRequired,
    track_read_reason,
)

RECENT = TRACK_RECENT
MAX_SPAN = TRACK_MAX_SPAN


def _moment(value: str, *, end_of_day: bool = False) -> datetime | None:
    """A datetime, or a date: its start (From), or with `end_of_day` its end (To, inclusive)."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
        day = parse_date(value) if parsed is None else None
    except ValueError:
        return None
    if parsed is not None:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if day is None:
        return None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start + timedelta(days=1) if end_of_day else start


@login_required
@audit_batch()
def participant_track(request: HttpRequest, participant_id: int) -> JsonResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    try:
        participant_get_in_scope(scope=scope, participant_id=participant_id)
    except NotFound:
        raise Http404 from None
    now = clock.now()
    since = _moment(request.GET.get("since", "")) or now - RECENT
    until = min(_moment(request.GET.get("until", ""), end_of_day=True) or now, now)
    if until <= since:
        return JsonResponse(
            {"error": "bad_period", "detail": "the To date must be on or after the From date"},
            status=400,
        )
    if until - since > MAX_SPAN:
        return JsonResponse(
            {"error": "bad_period", "detail": "choose a period of at most 31 days"}, status=400
        )
    try:
        reason = track_read_reason(
            actor=request.user,
            participant_id=participant_id,
            since=since,
            reason=request.GET.get("reason"),
            action="track.read",
        )
    except ReasonRequired as exc:
        return JsonResponse({"error": "reason_required", "detail": exc.detail}, status=400)
    audit_record(
        actor=request.user,
        action="track.read",
        object_type="participant",
        object_ids=[participant_id],
        reason=reason,
    )
    # The map draws a thinned track; full=1 returns every fix of the period (same audit).
    return JsonResponse(
        track_data(
            scope=scope,
            participant_id=participant_id,
            since=since,
            until=until,
            actor=request.user,
            full=request.GET.get("full") == "1",
        )
    )
