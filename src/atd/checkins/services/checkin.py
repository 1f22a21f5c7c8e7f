"""Check-ins: remote submissions from the portal, technical attempts, in-person records.

Every submission carries the client's idempotency key; (participant, key) is unique, so a
retried or re-queued submission returns the first receipt and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertEvidence, AlertKind
from atd.checkins.choices import CheckinKind, CheckinStatus, WindowSource, WindowStatus
from atd.checkins.ladder_rules import MissSource
from atd.checkins.models import Checkin, CheckinPhoto, CheckinWindow
from atd.checkins.photo_store import photo_data_for_storage
from atd.checkins.rules import (
    Fix,
    LocationStatus,
    PriorPoint,
    checkin_satisfies,
    delivered_late,
    idempotency_key_is_valid,
    location_verdict,
    plausibility_flags,
    receipt_code_format,
)
from atd.checkins.services.ladder import MissInput, ladder_misses_record
from atd.checkins.services.windows import window_matching
from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import FieldError, ValidationFailed
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.core.uploads import image_clean
from atd.people.selectors import case_get_in_scope, participant_get_in_scope
from atd.people.services import (
    address_change,
    case_change_status,
    participant_phone_change,
    phone_normalize,
)
from atd.people.types import AddressInput

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
ATTEMPT_REASONS = {"server_error", "network", "location_service"}


@dataclass(frozen=True)
class CheckinInput:
    idempotency_key: str
    captured_at: datetime
    fix: Fix | None = None
    location_error: str | None = None
    questionnaire: dict[str, Any] = field(default_factory=dict)
    photo_data_url: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class CheckinResult:
    checkin: Checkin
    created: bool


def _receipt() -> str:
    return receipt_code_format(secrets.randbits(40))


def _photo_decode(data_url: str) -> tuple[str, bytes]:
    """'data:image/jpeg;base64,...' -> (type, bytes); a bad photo is a clear 422, before
    anything is stored."""
    head, _, payload = data_url.partition(",")
    content_type = head.removeprefix("data:").removesuffix(";base64")
    if not head.startswith("data:") or content_type not in PHOTO_TYPES:
        raise ValidationFailed(errors=[FieldError("photo", "must be a JPEG, PNG or WebP image")])
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(errors=[FieldError("photo", "is not valid base64")]) from None
    if len(raw) > settings.ATD_CHECKIN_PHOTO_MAX_BYTES:
        raise ValidationFailed(errors=[FieldError("photo", "is too large")])
    # Really an image, and stored without its metadata (EXIF GPS, camera serial).
    clean = image_clean(raw, field="photo")
    return clean.content_type, clean.content


@dataclass(frozen=True)
class QuestionnaireChanges:
    """Contact changes a questionnaire reports, applied by the people app in the check-in's
    own transaction."""

    address: AddressInput | None = None
    phone: str | None = None


def _questionnaire_clean(raw: dict[str, Any]) -> tuple[dict[str, Any], QuestionnaireChanges]:
    """Keeps the known answers, trimmed. Address and phone changes are returned separately:
    they run the people app's services in the same transaction. A phone number that fails
    validation is kept on the check-in with the reason (`phone_new_problem`) for the officer,
    and changes nothing: the check-in itself is never refused for it (it may be a queued,
    offline one that cannot be corrected any more)."""
    out: dict[str, Any] = {}
    address = None
    phone = None
    for key in ("phone_new", "employment", "employer", "travel_planned", "travel_detail"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = value.strip()[:300]
        elif isinstance(value, bool):
            out[key] = value
    if "phone_new" in out:
        try:
            phone = phone_normalize(str(out["phone_new"]))
            out["phone_new"] = phone
        except ValueError as exc:
            out["phone_new_problem"] = str(exc)
    addr = raw.get("address_new")
    if isinstance(addr, dict) and str(addr.get("line1", "")).strip():
        parts = {k: str(addr.get(k, "")).strip()[:200] for k in AddressInput.__annotations__}
        parts["country"] = parts.get("country") or "US"
        address = AddressInput(**parts)
        out["address_new"] = parts
    return out, QuestionnaireChanges(address=address, phone=phone)


def _priors(participant_id: int, before: datetime, scope: Scope) -> list[PriorPoint]:
    rows = (
        Checkin.objects.filter(
            participant_id=participant_id, latitude__isnull=False, fix_at__lt=before
        )
        .order_by("-fix_at")
        .values_list("latitude", "longitude", "fix_at", "accuracy_m")[:5]
    )
    priors = [
        PriorPoint("checkin", float(lat or 0), float(lon or 0), at, acc or 0.0)
        for lat, lon, at, acc in rows
        if at is not None
    ]
    device = _device_last_position(participant_id, scope)
    if device is not None and device.at < before:
        priors.insert(0, device)
    return priors


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def _device_last_position(participant_id: int, scope: Scope) -> PriorPoint | None:
    """The participant's last device position from the telemetry app, looked up by name so
    the check-in path works whether or not telemetry is installed: either
    `position_last_for_participant(participant_id)` or `last_positions_in_scope(scope)` (a
    queryset of rows with lat/lon/fix_time/accuracy_m)."""
    try:
        module = importlib.import_module("atd.telemetry.selectors")
    except ModuleNotFoundError:
        return None
    pos = None
    reader = getattr(module, "position_last_for_participant", None)
    if reader is not None:
        pos = reader(participant_id)
    else:
        in_scope = getattr(module, "last_positions_in_scope", None)
        if in_scope is not None:
            pos = in_scope(scope).filter(participant_id=participant_id).first()
    if pos is None:
        return None
    lat, lon = _attr(pos, "latitude", "lat"), _attr(pos, "longitude", "lon")
    at = _attr(pos, "at", "fix_time")
    if lat is None or lon is None or at is None:
        return None
    return PriorPoint("device", float(lat), float(lon), at, float(_attr(pos, "accuracy_m") or 0))


def _existing(participant_id: int, key: str) -> Checkin | None:
    return Checkin.objects.filter(participant_id=participant_id, idempotency_key=key).first()


def _insert(checkin: Checkin) -> tuple[Checkin, bool]:
    """Inserts, or returns the row a concurrent retry inserted first (the unique key decides,
    not a check-then-insert)."""
    for _ in range(3):
        checkin.receipt_code = _receipt()
        try:
            with transaction.atomic():
                checkin.save()
            return checkin, True
        except IntegrityError:
            other = _existing(checkin.participant_id, checkin.idempotency_key)
            if other is not None:
                return other, False
            # else: a receipt code collision; try another code
    raise IntegrityError("could not allocate a receipt code")


def _windows_update(
    checkin: Checkin, *, kind: str, counts: bool, completed: list[CheckinWindow] | None = None
) -> CheckinWindow | None:
    """Moves the windows this check-in concerns out of `open`: completed when it counts,
    attempted when it is a technical attempt or was captured in time but delivered late.
    Returns the window the check-in is filed under; `completed` collects the windows it
    completed."""
    windows = window_matching(checkin.participant_id, checkin.received_at)
    late = False
    if not windows and checkin.captured_at < checkin.received_at:
        windows = [
            w
            for w in window_matching(checkin.participant_id, checkin.captured_at)
            if delivered_late(
                captured_at=checkin.captured_at,
                received_at=checkin.received_at,
                closes_at=w.closes_at,
            )
        ]
        late = bool(windows)
    primary = None
    for w in windows:
        if not checkin_satisfies(window_mode=w.mode, checkin_kind=kind):
            continue
        primary = primary or w
        if counts and not late:
            new, allowed = (
                WindowStatus.COMPLETED,
                [
                    WindowStatus.OPEN,
                    WindowStatus.ATTEMPTED,
                    WindowStatus.MISSED,
                ],
            )
        else:
            new, allowed = WindowStatus.ATTEMPTED, [WindowStatus.OPEN, WindowStatus.MISSED]
        CheckinWindow.objects.filter(pk=w.pk, status__in=allowed).update(status=new)
        if completed is not None and new == WindowStatus.COMPLETED:
            completed.append(w)
    if late:
        checkin.flags = [*checkin.flags, {"kind": "delivered_late"}]
    return primary


def _check_key(key: str) -> None:
    if not idempotency_key_is_valid(key):
        raise ValidationFailed(
            errors=[FieldError("idempotency_key", "8-64 letters, digits or dashes")]
        )


@transaction.atomic
def checkin_remote_submit(*, actor: Any, scope: Scope, data: CheckinInput) -> CheckinResult:
    """A participant's own check-in from the portal. Without a usable location fix it is
    stored as location unverified and opens a follow-up alert: never rejected, never lost."""
    scope.require(Role.PARTICIPANT)
    participant = participant_get_in_scope(scope=scope, participant_id=scope.participant_id or -1)
    _check_key(data.idempotency_key)
    existing = _existing(participant.pk, data.idempotency_key)
    if existing is not None:
        return CheckinResult(existing, created=False)
    now = clock.now()
    # A device clock far in the future is not trusted; the server time stands in.
    captured_at = min(data.captured_at, now)
    if captured_at < now - timedelta(days=30):
        raise ValidationFailed(errors=[FieldError("captured_at", "is more than 30 days old")])
    photo = _photo_decode(data.photo_data_url) if data.photo_data_url else None
    answers, changes = _questionnaire_clean(data.questionnaire)
    status, reason = location_verdict(
        data.fix,
        data.location_error,
        max_accuracy_m=settings.ATD_CHECKIN_MAX_ACCURACY_M,
        captured_at=captured_at,
        max_fix_age=timedelta(minutes=settings.ATD_CHECKIN_MAX_FIX_AGE_MINUTES),
    )
    fix = data.fix
    flags: list[dict[str, Any]] = []
    if fix is not None and status == LocationStatus.VERIFIED:
        flags = plausibility_flags(
            fix,
            _priors(participant.pk, fix.at, scope),
            max_speed_kmh=settings.ATD_CHECKIN_MAX_SPEED_KMH,
        )
    checkin = Checkin(
        participant=participant,
        kind=CheckinKind.REMOTE,
        status=CheckinStatus.COMPLETED,
        idempotency_key=data.idempotency_key,
        captured_at=captured_at,
        received_at=now,
        location_status=status,
        unverified_reason=reason,
        latitude=fix.lat if fix else None,
        longitude=fix.lon if fix else None,
        accuracy_m=fix.accuracy_m if fix else None,
        fix_at=fix.at if fix else None,
        flags=flags,
        questionnaire=answers,
        user_agent=data.user_agent[:300],
    )
    checkin.window = _windows_update(checkin, kind=CheckinKind.REMOTE, counts=True)
    checkin, created = _insert(checkin)
    if not created:
        return CheckinResult(checkin, created=False)
    if photo is not None:
        CheckinPhoto.objects.create(
            checkin=checkin,
            content_type=photo[0],
            size_bytes=len(photo[1]),
            sha256=hashlib.sha256(photo[1]).hexdigest(),
            data=photo_data_for_storage(photo[1]),
            created_at=now,
        )
    if changes.address is not None:
        address_change(
            actor=actor,
            scope=scope,
            participant_id=participant.pk,
            address=changes.address,
            reason=f"reported by the participant at check-in {checkin.receipt_code}",
        )
    if changes.phone is not None:
        participant_phone_change(
            actor=actor,
            scope=scope,
            participant_id=participant.pk,
            phone=changes.phone,
            reason=f"reported by the participant at check-in {checkin.receipt_code}",
        )
    _signals_raise(actor, checkin)
    audit_record(
        actor=actor,
        action="checkin.submit",
        object_type="participant",
        object_ids=[participant.pk],
        reason=f"{checkin.receipt_code} location={status}{' ' + reason if reason else ''}",
    )
    return CheckinResult(checkin, created=True)


def _signals_raise(actor: Any, checkin: Checkin) -> None:
    signals = []
    evidence = AlertEvidence(
        facts={
            "checkin_id": checkin.pk,
            "receipt_code": checkin.receipt_code,
            "latitude": checkin.latitude,
            "longitude": checkin.longitude,
            "accuracy_m": checkin.accuracy_m,
        }
    )
    if checkin.location_status == LocationStatus.UNVERIFIED:
        signals.append(
            AlertSignal(
                kind=AlertKind.LOCATION_UNVERIFIED,
                occurred_at=checkin.received_at,
                source="checkins",
                source_ref=f"checkin:{checkin.pk}",
                participant_id=checkin.participant_id,
                detail={"reason": checkin.unverified_reason, "checkin_id": checkin.pk},
                evidence=evidence,
                title="Check-in location unverified: follow up",
            )
        )
    plausibility = [f for f in checkin.flags if f.get("kind") != "delivered_late"]
    if plausibility:
        signals.append(
            AlertSignal(
                kind=AlertKind.CHECKIN_PLAUSIBILITY,
                occurred_at=checkin.received_at,
                source="checkins",
                source_ref=f"checkin:{checkin.pk}",
                participant_id=checkin.participant_id,
                detail={"flags": plausibility, "checkin_id": checkin.pk},
                evidence=evidence,
                severity="low",
                title="Check-in plausibility flag (for review, not a violation)",
            )
        )
    if signals:
        alert_raise_many(actor=actor, signals=signals)
    if checkin.location_status == LocationStatus.UNVERIFIED:
        # Counts on the graduated response unless the officer marks it technical.
        ladder_misses_record(
            actor=actor,
            misses=[
                MissInput(
                    participant_id=checkin.participant_id,
                    ref=f"checkin:{checkin.pk}",
                    source=MissSource.UNVERIFIED_CHECKIN,
                    occurred_at=checkin.received_at,
                )
            ],
        )


def _first_report_record(
    actor: Any, scope: Scope, checkin: Checkin, completed: list[CheckinWindow]
) -> None:
    """A first report made in person moves its case from "pending first report" to active,
    in the same transaction (one system of record)."""
    for w in completed:
        if w.source != WindowSource.FIRST_REPORT or w.case_id is None:
            continue
        case = case_get_in_scope(scope=scope, case_id=w.case_id)
        if case.status == "pending_first_report":
            case_change_status(
                actor=actor,
                scope=scope,
                case_id=case.pk,
                to_status="active",
                reason=f"first report made in person, check-in {checkin.receipt_code}",
            )


@transaction.atomic
def checkin_attempt_record(
    *,
    actor: Any,
    scope: Scope,
    idempotency_key: str,
    captured_at: datetime,
    reason: str,
    user_agent: str = "",
) -> CheckinResult:
    """A check-in that failed for technical reasons (server error, no network, location
    service failure). It is never non-compliance: the window shows `attempted`, the
    participant gets a receipt."""
    scope.require(Role.PARTICIPANT)
    participant = participant_get_in_scope(scope=scope, participant_id=scope.participant_id or -1)
    _check_key(idempotency_key)
    if reason not in ATTEMPT_REASONS:
        raise ValidationFailed(
            errors=[FieldError("reason", f"one of {', '.join(sorted(ATTEMPT_REASONS))}")]
        )
    existing = _existing(participant.pk, idempotency_key)
    if existing is not None:
        return CheckinResult(existing, created=False)
    now = clock.now()
    checkin = Checkin(
        participant=participant,
        kind=CheckinKind.REMOTE,
        status=CheckinStatus.ATTEMPTED,
        attempt_reason=reason,
        idempotency_key=idempotency_key,
        captured_at=min(captured_at, now),
        received_at=now,
        location_status=LocationStatus.UNVERIFIED,
        unverified_reason="",
        user_agent=user_agent[:300],
    )
    checkin.window = _windows_update(checkin, kind=CheckinKind.REMOTE, counts=False)
    checkin, created = _insert(checkin)
    if created:
        audit_record(
            actor=actor,
            action="checkin.attempt",
            object_type="participant",
            object_ids=[participant.pk],
            reason=f"{checkin.receipt_code} {reason}",
        )
    return CheckinResult(checkin, created=created)


@transaction.atomic
def checkin_in_person_record(
    *, actor: Any, scope: Scope, participant_id: int, idempotency_key: str, note: str = ""
) -> CheckinResult:
    """An officer records that the participant reported at the office."""
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    _check_key(idempotency_key)
    existing = _existing(participant.pk, idempotency_key)
    if existing is not None:
        return CheckinResult(existing, created=False)
    now = clock.now()
    who = actor_for(actor)
    checkin = Checkin(
        participant=participant,
        kind=CheckinKind.IN_PERSON,
        status=CheckinStatus.COMPLETED,
        idempotency_key=idempotency_key,
        captured_at=now,
        received_at=now,
        location_status=LocationStatus.IN_PERSON,
        recorded_by_id=who.id,
        recorded_by_label=who.label,
        note=note.strip()[:500],
    )
    done: list[CheckinWindow] = []
    checkin.window = _windows_update(
        checkin, kind=CheckinKind.IN_PERSON, counts=True, completed=done
    )
    checkin, created = _insert(checkin)
    if created:
        _first_report_record(actor, scope, checkin, done)
        audit_record(
            actor=actor,
            action="checkin.in_person",
            object_type="participant",
            object_ids=[participant.pk],
            reason=checkin.receipt_code,
        )
    return CheckinResult(checkin, created=created)
