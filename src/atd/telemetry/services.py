"""Writes for telemetry outside the pipeline: dead-letter replay, retention purge, the
no-signal scan, legal holds. Each is one transaction with one audit entry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertEvidence, AlertKind, DeviceHealth, EvidencePosition
from atd.core import clock
from atd.core.actors import SYSTEM, actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, NotFound
from atd.core.extensions import DeviceSilence, device_silences_report
from atd.core.jobs.progress import job_progress
from atd.core.scope import Scope
from atd.devices.selectors import device_secret_matches, devices_assigned, devices_for_ingest
from atd.people.selectors import participant_get_in_scope
from atd.telemetry.config import telemetry_config
from atd.telemetry.models import DeadLetter, DeviceState, LegalHold, Position
from atd.telemetry.pipeline import (
    IngestResult,
    Submission,
    payload_without_secret,
    pipeline_run,
)
from atd.telemetry.rules.memory import no_signal_since
from atd.telemetry.rules.storable import dead_letter_form, text_escaped

# Dead letters whose replay could let an unauthenticated sender in are never replayed, nor
# those whose kept payload is not the record as sent: text with NUL or unpaired surrogates is
# kept escaped (replaying it would store the escape), and a payload refused whole (too large,
# too deep, a parked message) is not one record.
NOT_REPLAYABLE = frozenset(
    {"bad_credential", "bad_text", "too_large", "too_deep", "too_many_records", "parked"}
)


def telemetry_ingest(
    *,
    actor: Any,
    records: list[Any],
    via: str,
    serial: str | None = None,
    secret: str | None = None,
    trusted: bool = False,
) -> IngestResult:
    """One HTTP batch or OsmAnd report through the pipeline (atomic, audited)."""
    return pipeline_run(
        submissions=[Submission(records, serial, secret, trusted)], via=via, actor=actor
    )


def dead_letter_replay(*, actor: Any, dead_letter_ids: Iterable[int]) -> IngestResult:
    """An admin re-feeds rejected records (e.g. from a device registered since). They run the
    whole pipeline again as trusted input; what is rejected again gets a new dead letter."""
    ids = sorted(set(dead_letter_ids))
    with transaction.atomic():
        letters = list(
            DeadLetter.objects.select_for_update().filter(pk__in=ids, replayed_at__isnull=True)
        )
        if len(letters) != len(ids):
            raise NotFound(detail="dead letter not found or already replayed")
        refused = [d.pk for d in letters if d.reason in NOT_REPLAYABLE]
        if refused:
            raise Conflict(
                detail="dead letters of a wrong credential, unstorable text or a payload "
                f"refused whole are not replayed: {refused}"
            )
        submissions = [
            Submission([d.payload], serial=d.device_serial or None, trusted=True) for d in letters
        ]
        result = pipeline_run(submissions=submissions, via="replay", actor=actor, audit=False)
        rejected_at = {r.index for r in result.rejected}
        now = clock.now()
        label = actor_for(actor).label
        for i, letter in enumerate(letters):
            letter.replayed_at = now
            letter.replayed_by = label[:150]
            letter.replay_outcome = "rejected_again" if i in rejected_at else "accepted"
        DeadLetter.objects.bulk_update(letters, ["replayed_at", "replayed_by", "replay_outcome"])
        audit_record(
            actor=actor,
            action="telemetry.dead_letter_replay",
            object_type="dead_letter",
            object_ids=ids,
            reason=f"{result.accepted} accepted, {len(result.rejected)} rejected again",
        )
    return result


def positions_purge(*, actor: Any = None, now: datetime | None = None, chunk: int = 50_000) -> int:
    """Deletes raw positions older than the retention, except those cited by an alert or under
    a legal hold. Restart-safe: it derives everything from stored rows, so a run that dies
    half-way is finished by the next one."""
    from atd.telemetry.partitions import partitions_drop_expired, positions_partitioned

    now = now or clock.now()
    cutoff = now - telemetry_config().retention
    held = LegalHold.objects.filter(released_at__isnull=True).values("participant_id")
    deleted = 0
    dropped = 0
    if positions_partitioned():
        # PostgreSQL: whole days go at once (their kept rows move to the default partition);
        # the DELETE below then only meets the default partition's old rows.
        dropped, deleted = partitions_drop_expired(cutoff=cutoff)
    with transaction.atomic():
        due = Position.objects.filter(fix_time__lt=cutoff, keep=False).exclude(
            participant_id__in=held
        )
        total = due.count()  # for the progress an admin sees (rows deleted / due)
        job_progress(0, total)
        while True:
            ids = list(due.values_list("id", flat=True)[:chunk])
            if not ids:
                break
            deleted += Position.objects.filter(id__in=ids).delete()[0]
            job_progress(deleted, total)
            if len(ids) < chunk:
                break
        audit_record(
            actor=actor or SYSTEM,
            action="telemetry.purge",
            object_type="position",
            reason=f"{deleted} position(s) before {cutoff.isoformat()} deleted"
            + (f", {dropped} day partition(s) dropped" if dropped else ""),
        )
    return deleted


def no_signal_scan(*, now: datetime | None = None) -> int:
    """Raises no_signal for assigned devices silent longer than their technology's threshold.
    Restart-safe: the alert event is keyed by the device's last contact, so scanning again
    (or after a restart that missed some runs) raises each silence once."""
    now = now or clock.now()
    cfg = telemetry_config()
    assigned = devices_assigned()
    states = {
        s.device_id: s for s in DeviceState.objects.filter(device_id__in=[d.id for d in assigned])
    }
    signals: list[AlertSignal] = []
    classified = set(settings.ATD_SILENCE_CLASSIFIED_KINDS)
    silences: list[DeviceSilence] = []
    for device in assigned:
        state = states.get(device.id)
        if state is None:
            continue  # never heard from: nothing to compare with yet
        threshold = cfg.no_signal.get(device.kind, timedelta(hours=1))
        if not no_signal_since(state.last_contact_at, now=now, threshold=threshold):
            continue
        if device.kind in classified and device.participant_id is not None:
            silences.append(
                DeviceSilence(
                    device_id=device.id,
                    participant_id=device.participant_id,
                    kind=device.kind,
                    serial=device.serial,
                    last_contact_at=state.last_contact_at,
                    threshold=threshold,
                    battery=state.battery,
                    battery_level=state.battery_level,
                    charging=state.charging,
                )
            )
            continue
        signals.append(
            AlertSignal(
                kind=AlertKind.NO_SIGNAL,
                occurred_at=state.last_contact_at + threshold,
                source="telemetry",
                source_ref=f"no_signal:{device.id}:{state.last_contact_at.isoformat()}",
                participant_id=device.participant_id,
                detail={"device_id": device.id, "serial": device.serial},
                evidence=AlertEvidence(
                    device=DeviceHealth(
                        device_id=device.id,
                        battery=state.battery,
                        battery_level=state.battery_level,
                        charging=state.charging,
                        strap_open=state.strap_open,
                        last_contact_at=state.last_contact_at,
                        last_fix_time=state.last_fix_time,
                    ),
                    positions=(
                        EvidencePosition(
                            at=state.last_fix_time, lat=state.last_lat, lon=state.last_lon
                        ),
                    )
                    if state.last_fix_time
                    and state.last_lat is not None
                    and state.last_lon is not None
                    else (),
                ),
            )
        )
    with transaction.atomic():
        # Phones and trackers: checkins tells a flat battery from a participant who stopped
        # reporting (the graduated response); with no hook registered they page as before.
        # The hook also hears an empty list: it ends the silences that are over.
        if not device_silences_report(silences, now=now):
            signals += [_no_signal_signal(s) for s in silences]
        if not signals:
            return 0
        result = alert_raise_many(actor=SYSTEM, signals=signals)
    return len(signals) - result.duplicates


def _no_signal_signal(s: DeviceSilence) -> AlertSignal:
    return AlertSignal(
        kind=AlertKind.NO_SIGNAL,
        occurred_at=s.last_contact_at + s.threshold,
        source="telemetry",
        source_ref=f"no_signal:{s.device_id}:{s.last_contact_at.isoformat()}",
        participant_id=s.participant_id,
        detail={"device_id": s.device_id, "serial": s.serial},
        evidence=AlertEvidence(
            device=DeviceHealth(
                device_id=s.device_id,
                battery=s.battery,
                battery_level=s.battery_level,
                charging=s.charging,
                last_contact_at=s.last_contact_at,
            )
        ),
    )


@transaction.atomic
def legal_hold_place(*, actor: Any, scope: Scope, participant_id: int, reason: str) -> LegalHold:
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    if LegalHold.objects.filter(participant=participant, released_at__isnull=True).exists():
        raise Conflict(detail="a legal hold is already active")
    hold = LegalHold.objects.create(
        participant=participant,
        reason=reason[:300],
        placed_at=clock.now(),
        placed_by=actor_for(actor).label[:150],
    )
    audit_record(
        actor=actor,
        action="telemetry.legal_hold",
        object_type="participant",
        object_ids=[participant.pk],
        reason=reason,
    )
    return hold


@transaction.atomic
def legal_hold_release(*, actor: Any, scope: Scope, participant_id: int, reason: str) -> None:
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    updated = LegalHold.objects.filter(
        Q(participant=participant) & Q(released_at__isnull=True)
    ).update(released_at=clock.now())
    if not updated:
        raise NotFound(detail="no active legal hold")
    audit_record(
        actor=actor,
        action="telemetry.legal_hold_release",
        object_type="participant",
        object_ids=[participant.pk],
        reason=reason,
    )


def device_credential_ok(serial: str, secret: str | None) -> bool:
    device = devices_for_ingest([serial]).get(serial)
    return device is not None and device_secret_matches(device, secret)


def dead_letter_payload(
    *, via: str, reason: str, payload: Any, serial: str = "", detail: str = ""
) -> DeadLetter:
    """Keeps a whole payload that could not be taken apart (undecodable body, a request whose
    device key was wrong, a parked MQTT message). Its own short transaction (the request then
    fails). Accepts anything: raw bytes are kept as text or base64, a decoded value with its
    unstorable parts escaped (rules.storable), so this insert cannot fail on content."""
    if isinstance(payload, list):
        payload = [payload_without_secret(p) for p in payload]
    return DeadLetter.objects.create(
        received_at=clock.now(),
        via=via[:8],
        device_serial=text_escaped(serial)[:64],
        reason=text_escaped(reason)[:32],
        detail=text_escaped(detail)[:300],
        payload=dead_letter_form(payload_without_secret(payload)),
    )


def dead_letters_keep(*, via: str, rows: list[tuple[str, str, str, Any]]) -> None:
    """Keeps records a door refused one by one: (reason, detail, serial, record) each, the
    device secret removed. One short transaction; the records already in the log stay."""
    now = clock.now()
    DeadLetter.objects.bulk_create(
        [
            DeadLetter(
                received_at=now,
                via=via,
                device_serial=serial[:64],
                reason=reason,
                detail=detail[:300],
                payload=payload_without_secret(record),
            )
            for reason, detail, serial, record in rows
        ],
        batch_size=1000,
    )
