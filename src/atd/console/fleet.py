"""The live fleet map: the last position of every participant in the caller's caseload (the
office's for a supervisor), coloured ok / no signal / alert. The page is static; its script
polls the JSON and clusters dense dots itself. Positions are personal data: every JSON read is
audited with the participant ids it returns."""

from __future__ import annotations

import gc
from datetime import timedelta
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.gzip import gzip_page

from atd.alerts.selectors import participant_ids_with_open_alerts
from atd.console.rules import fleet_state_seconds
from atd.core import clock
from atd.core.audit import audit_record
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope, scope_for
from atd.people.selectors import office_list, participant_names_in_scope
from atd.telemetry.selectors import fleet_rows

STATES = ("ok", "no_signal", "alert")


def _no_signal_limits() -> dict[str, timedelta]:
    return {
        "gps_ankle": timedelta(minutes=settings.ATD_NO_SIGNAL_MINUTES_GPS_ANKLE),
        "wrist": timedelta(minutes=settings.ATD_NO_SIGNAL_MINUTES_WRIST),
        "smartphone": timedelta(minutes=settings.ATD_NO_SIGNAL_MINUTES_SMARTPHONE),
    }


@login_required
def fleet_map(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    offices = [
        {"name": o.name, "lat": o.latitude, "lon": o.longitude}
        for o in office_list()
        if o.latitude is not None
        and o.longitude is not None
        and (scope.role == Role.ADMIN or o.pk == scope.office_id)
    ]
    return render(
        request,
        "console/fleet_map.html",
        {
            "offices": offices,
            "poll_seconds": settings.ATD_CONSOLE_POLL_SECONDS,
            "tile_url": settings.ATD_MAP_TILE_URL,
            "whole_office": scope.role in (Role.SUPERVISOR, Role.ADMIN),
        },
    )


@gzip_page  # ~0.5 MB of rows for an office, every few seconds; no secret in the body
@login_required
def fleet_positions(request: HttpRequest) -> HttpResponse:
    """[participant id, lat, lon, state, minutes since the fix, name] per participant.

    A supervisor polls a whole office's (~10,000) every few seconds, so the reads are lean: one
    query of plain tuples with the fix's age computed by the database, one scoped query of the
    sealed names (each opened once per process: people.name_cache), and compact JSON (gzipped
    when the browser accepts it). A name may be "" (a record without one): the page then
    labels the dot by its id."""
    scope = scope_for(request, STAFF_CASE_ROLES)
    # The garbage collector is held off while the ~40,000 short-lived rows, tuples and lists of
    # an office's answer exist: they would trigger full collections of the whole process (up to
    # ~200 ms, the page's slowest polls), yet they hold no cycle and are all freed by reference
    # counting when _positions_json returns, so the collector's allocation count falls back and
    # nothing is left for it. Process-wide for that moment; only re-enabled if it was enabled.
    collecting = gc.isenabled()
    gc.disable()
    try:
        answer = _positions_json(request, scope)
    finally:
        if collecting:
            gc.enable()
    return HttpResponse(answer, content_type="application/json")


def _positions_json(request: HttpRequest, scope: Scope) -> bytes:
    now = clock.now()
    points = fleet_rows(scope, now=now)
    alerting = participant_ids_with_open_alerts(scope)
    names = participant_names_in_scope(scope)
    limits = {kind: limit.total_seconds() for kind, limit in _no_signal_limits().items()}
    default_limit = max(limits.values())
    rows: list[list[Any]] = []
    counts = dict.fromkeys(STATES, 0)
    for participant_id, lat, lon, age_s, kind in points:
        name = names.get(participant_id)
        if name is None:
            continue  # left scope between the two reads
        state = fleet_state_seconds(
            open_alert=participant_id in alerting,
            fix_age_s=age_s,
            no_signal_after_s=limits.get(kind, default_limit),
        )
        counts[state] += 1
        rows.append([participant_id, lat, lon, state, int(age_s // 60), name])
    audit_record(
        actor=request.user,
        action="fleet.read",
        object_type="participant",
        object_ids=sorted(row[0] for row in rows),
        reason="fleet map",
    )
    body = {
        "at": now.isoformat(),
        "participant_url": reverse("console:participant_detail", args=[0])[:-2],
        "counts": counts,
        "points": rows,
    }
    # orjson: compact UTF-8 like json.dumps(ensure_ascii=False, separators=(",", ":")), in a
    # tenth of the time for an office's 10,000 rows.
    return orjson.dumps(body)
