"""The graduated response: records misses (missed windows, unverified check-ins, silent
phones) on the participant's ladder and carries out the rung they reach; the officer's
"technical" verdict and task completion. Rules in `checkins.ladder_rules`.

Each write joins the caller's transaction (the window job's batch, the check-in, the
no-signal scan), so the miss, its tasks, reminders and alerts commit with their cause; a
re-run records nothing twice ((participant, ref) and (miss, kind) are unique)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from atd.alerts.selectors import supervisors_of_office
from atd.alerts.services import AlertSignal, alert_raise_many, notification_enqueue
from atd.alerts.types import AlertEvidence, AlertKind, DeviceHealth
from atd.checkins.ladder_models import (
    LadderMiss,
    LadderPolicy,
    LadderTask,
    LadderTaskKind,
    LadderTaskStatus,
)
from atd.checkins.ladder_rules import (
    DEFAULT_POLICY,
    LadderPolicySpec,
    LastReport,
    MissFact,
    MissSource,
    MissStatus,
    Outage,
    Response,
    Rung,
    SilenceStep,
    SilenceVerdict,
    TechnicalReason,
    ladder_responses,
    ladder_standing,
    silence_classify,
    silence_next_step,
    window_miss_is_technical,
)
from atd.core import clock
from atd.core.actors import SYSTEM, actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.extensions import DeviceSilence
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.people.selectors import (
    case_routing_for_participants,
    office_list,
    participant_ids_in_scope,
    participant_queryset_in_scope,
)
from atd.people.types import CaseRouting
from atd.supervision.selectors import plan_spec_current

SYSTEM_SCOPE = Scope.system()
DEFAULT_TZ = "America/New_York"
REMINDER_LANGUAGES = ("en", "es", "pt", "fr")

TASK_FOR: dict[Response, str] = {
    Response.CALL_TASK: LadderTaskKind.CALL,
    Response.PLAN_REVIEW_TASK: LadderTaskKind.PLAN_REVIEW,
    Response.SILENCE_TASK: LadderTaskKind.SILENCE,
}


# --- policy ----------------------------------------------------------------


def policy_spec_of(row: LadderPolicy) -> LadderPolicySpec:
    return LadderPolicySpec(
        window_weeks=row.window_weeks,
        reminder_at=row.reminder_at,
        call_at=row.call_at,
        review_at=row.review_at,
        silence_task_after=row.silence_task_after,
        coverage_start=row.coverage_start,
        coverage_end=row.coverage_end,
    )


def ladder_policies() -> tuple[LadderPolicySpec, dict[int, LadderPolicySpec]]:
    """(the program default, {office id: the office's own ladder})."""
    default = DEFAULT_POLICY
    by_office: dict[int, LadderPolicySpec] = {}
    for row in LadderPolicy.objects.all():
        if row.office_id is None:
            default = policy_spec_of(row)
        else:
            by_office[row.office_id] = policy_spec_of(row)
    return default, by_office


def ladder_policy_for_office(office_id: int | None) -> LadderPolicySpec:
    default, by_office = ladder_policies()
    return by_office.get(office_id or -1, default)


@transaction.atomic
def ladder_policy_save(*, actor: Any, policy: LadderPolicy) -> LadderPolicy:
    """An admin's edit of an office's (or the program's) ladder: checked, saved, audited."""
    problems = policy_spec_of(policy).problems()
    if problems:
        raise ValidationFailed(errors=[FieldError("ladder", p) for p in problems])
    created = policy.pk is None
    policy.updated_at = clock.now()
    policy.updated_by_label = actor_for(actor).label[:150]
    policy.save()
    spec = policy_spec_of(policy)
    audit_record(
        actor=actor,
        action="checkin_ladder.policy_create" if created else "checkin_ladder.policy_change",
        object_type="ladder_policy",
        object_ids=[policy.pk],
        reason=(
            f"office={policy.office_id or 'default'} weeks={spec.window_weeks} "
            f"rungs={spec.reminder_at}/{spec.call_at}/{spec.review_at} "
            f"silence_task_after={spec.silence_task_after} "
            f"coverage={spec.coverage_start:%H:%M}-{spec.coverage_end:%H:%M}"
        ),
    )
    return policy


@transaction.atomic
def ladder_policy_delete(*, actor: Any, policy_id: int) -> None:
    """Removes an office's ladder (the office falls back to the program default)."""
    row = LadderPolicy.objects.select_for_update().filter(pk=policy_id).first()
    if row is None:
        raise NotFound()
    office = row.office_id
    row.delete()
    audit_record(
        actor=actor,
        action="checkin_ladder.policy_delete",
        object_type="ladder_policy",
        object_ids=[policy_id],
        reason=f"office={office or 'default'}",
    )


# --- recording misses --------------------------------------------------------


@dataclass(frozen=True)
class MissInput:
    """A miss to record. For a window: its opening and closing (an outage overlapping them
    makes it technical)."""

    participant_id: int
    ref: str
    source: MissSource
    occurred_at: datetime
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def _facts(participant_ids: list[int]) -> dict[int, list[MissFact]]:
    out: dict[int, list[MissFact]] = defaultdict(list)
    for m in LadderMiss.objects.filter(participant_id__in=participant_ids):
        out[m.participant_id].append(miss_fact(m))
    return out


def miss_fact(m: LadderMiss) -> MissFact:
    return MissFact(
        ref=m.ref,
        source=MissSource(m.source),
        at=m.occurred_at,
        status=MissStatus(m.status),
        reason=m.reason,
    )


def _outages(participant_ids: list[int]) -> dict[int, list[Outage]]:
    out: dict[int, list[Outage]] = defaultdict(list)
    for m in LadderMiss.objects.filter(
        participant_id__in=participant_ids,
        source=MissSource.DEVICE_SILENCE,
        status=MissStatus.TECHNICAL,
    ):
        out[m.participant_id].append(Outage(start=m.occurred_at, end=m.ended_at))
    return out


def ladder_misses_record(*, actor: Any, misses: list[MissInput]) -> list[LadderMiss]:
    """Records misses and carries out the rung each counted one reaches. A window missed
    while the device was out for a technical reason is recorded as technical. Returns the
    misses recorded now (those recorded before are left as they are)."""
    if not misses:
        return []
    now = clock.now()
    with transaction.atomic():
        pids = sorted({m.participant_id for m in misses})
        outages = _outages(pids)
        have = set(
            LadderMiss.objects.filter(
                participant_id__in=pids, ref__in=[m.ref for m in misses]
            ).values_list("participant_id", "ref")
        )
        rows: list[LadderMiss] = []
        for m in misses:
            if (m.participant_id, m.ref) in have:
                continue
            have.add((m.participant_id, m.ref))
            technical = (
                m.source == MissSource.WINDOW
                and m.opens_at is not None
                and m.closes_at is not None
                and window_miss_is_technical(
                    opens_at=m.opens_at,
                    closes_at=m.closes_at,
                    outages=outages.get(m.participant_id, []),
                )
            )
            rows.append(
                LadderMiss(
                    participant_id=m.participant_id,
                    ref=m.ref[:120],
                    source=m.source,
                    occurred_at=m.occurred_at,
                    status=MissStatus.TECHNICAL if technical else MissStatus.COUNTED,
                    reason=TechnicalReason.DEVICE_OUTAGE if technical else "",
                    created_at=now,
                )
            )
        if not rows:
            return []
        # Unique (participant, ref): a concurrent run that recorded the same miss wins.
        LadderMiss.objects.bulk_create(rows, ignore_conflicts=True)
        stored = list(
            LadderMiss.objects.filter(
                participant_id__in=pids, ref__in=[r.ref for r in rows], rung=0, created_at=now
            ).order_by("occurred_at", "pk")
        )
        _climb(actor, [m for m in stored if m.status == MissStatus.COUNTED], now)
        audit_record(
            actor=actor,
            action="checkin_ladder.miss",
            object_type="ladder_miss",
            object_ids=[m.pk for m in stored],
            reason=", ".join(f"{m.ref}={m.status}" for m in stored)[:500],
        )
    return stored


def _climb(actor: Any, counted: list[LadderMiss], now: datetime) -> None:
    """Sets the rung of each newly counted miss and carries out its responses."""
    if not counted:
        return
    pids = sorted({m.participant_id for m in counted})
    routing = case_routing_for_participants(pids)
    default, by_office = ladder_policies()
    facts = _facts(pids)
    for miss in counted:
        route = routing.get(miss.participant_id)
        policy = by_office.get(route.office_id, default) if route else default
        # The rung as of this miss ("the 3rd within N weeks" of it): a catch-up run that
        # records several misses at once climbs one rung per miss, as if on time.
        standing = ladder_standing(
            facts[miss.participant_id],
            policy=policy,
            now=now if miss.source == MissSource.DEVICE_SILENCE else miss.occurred_at,
        )
        responses = ladder_responses(standing.rung, source=MissSource(miss.source))
        miss.rung = int(standing.rung)
        miss.responses = [str(r) for r in responses]
        LadderMiss.objects.filter(pk=miss.pk).update(rung=miss.rung, responses=miss.responses)
        _respond(actor, miss, responses, route, standing.counted, policy)


def _respond(
    actor: Any,
    miss: LadderMiss,
    responses: tuple[Response, ...],
    route: CaseRouting | None,
    counted: int,
    policy: LadderPolicySpec,
) -> None:
    now = clock.now()
    for response in responses:
        if response == Response.REMIND_PARTICIPANT:
            _remind(miss)
        elif response in TASK_FOR:
            _task_open(miss, TASK_FOR[response], route, now)
        elif response == Response.SUPERVISOR_ALERT:
            _supervisor_alert(actor, miss, route, counted, policy)


def _language(participant_id: int) -> str:
    value = (
        participant_queryset_in_scope(SYSTEM_SCOPE)
        .filter(pk=participant_id)
        .values_list("preferred_language", flat=True)
        .first()
    )
    language = (value or "en").split("-")[0]
    return language if language in REMINDER_LANGUAGES else "en"


def _remind(miss: LadderMiss) -> bool:
    """The participant's reminder, in their language, through the alerts notification outbox
    (its channels and the participant's preferences decide how it is delivered)."""
    language = _language(miss.participant_id)
    with translation.override(language):
        if miss.source == MissSource.DEVICE_SILENCE:
            subject = _("Your phone has stopped sending its location")
            body = _(
                "Your phone has not reported its location for a while. Please check that it "
                "is charged, switched on and that location is turned on for the tracking app. "
                "If something is wrong with the phone, call your officer."
            )
        elif miss.source == MissSource.UNVERIFIED_CHECKIN:
            subject = _("Your check-in location could not be confirmed")
            body = _(
                "We received your check-in but could not confirm your location. Next time, "
                "please allow location access and check in outdoors or near a window. If this "
                "keeps happening, call your officer."
            )
        else:
            subject = _("You missed a check-in")
            body = _(
                "Your check-in window closed without a check-in. Please check in as soon as "
                "you can, or call your officer if something stopped you."
            )
    return notification_enqueue(
        kind="checkin_ladder_reminder",
        subject=subject,
        body=body,
        dedupe_key=f"checkins:ladder-remind:{miss.participant_id}:{miss.ref}",
        participant_id=miss.participant_id,
        language=language,
    )


TASK_TEXT = {
    LadderTaskKind.CALL: "Call the participant about repeated missed check-ins",
    LadderTaskKind.PLAN_REVIEW: "Review the supervision plan: missed check-ins keep recurring",
    LadderTaskKind.SILENCE: "Phone not reporting after a reminder: contact the participant",
}


def _task_open(miss: LadderMiss, kind: str, route: CaseRouting | None, now: datetime) -> None:
    officer_id = route.officer_id if route else None
    try:
        with transaction.atomic():  # a savepoint: (miss, kind) is unique
            task = LadderTask.objects.create(
                participant_id=miss.participant_id,
                miss=miss,
                kind=kind,
                officer_id=officer_id,
                created_at=now,
            )
    except IntegrityError:
        return
    if officer_id is not None:
        notification_enqueue(
            kind="checkin_ladder_task",
            subject=f"Task: {TASK_TEXT[LadderTaskKind(kind)]}"[:200],
            body=f"Participant #{miss.participant_id}: {LadderTaskKind(kind).label}. "
            f"Opened by the graduated response ({miss.get_source_display()}).",
            dedupe_key=f"checkins:ladder-task:{task.pk}",
            user_id=officer_id,
        )


def _supervisor_alert(
    actor: Any,
    miss: LadderMiss,
    route: CaseRouting | None,
    counted: int,
    policy: LadderPolicySpec,
) -> None:
    title = (
        f"Graduated response: {counted} missed check-ins in {policy.window_weeks} weeks, "
        "plan review"
    )
    raised = alert_raise_many(
        actor=actor,
        signals=[
            AlertSignal(
                kind=AlertKind.OTHER,
                occurred_at=miss.occurred_at,
                source="checkins",
                source_ref=f"ladder:{miss.ref}",
                participant_id=miss.participant_id,
                severity="high",
                detail={"ladder_miss_id": miss.pk, "counted": counted, "rung": miss.rung},
                evidence=AlertEvidence(
                    facts={"counted_misses": counted, "window_weeks": policy.window_weeks}
                ),
                title=title,
            )
        ],
    )
    ids = raised.created or raised.updated
    alert_id = ids[0] if ids else None
    for user in supervisors_of_office(route.office_id if route else None):
        notification_enqueue(
            kind="checkin_ladder_supervisor",
            subject=title[:200],
            body=f"Participant #{miss.participant_id} reached the plan-review rung of the "
            "graduated response. A plan-review task is open for the officer.",
            dedupe_key=f"checkins:ladder-sup:{miss.pk}:{user.pk}",
            user_id=user.pk,
            alert_id=alert_id,
        )


# --- silent phones -------------------------------------------------------------


def _office_tz() -> dict[int, str]:
    return {o.pk: o.timezone for o in office_list()}


def _silence_ref(s: DeviceSilence) -> str:
    return f"silence:{s.device_id}:{s.last_contact_at.isoformat()}"


@dataclass
class SilenceRun:
    technical: int = 0
    reminded: int = 0
    counted: int = 0
    ended: int = 0


def ladder_silences_process(*, silences: list[DeviceSilence], now: datetime) -> SilenceRun:
    """The no-signal scan's hook: classifies each silent phone or tracker (low battery then
    silence: likely technical; otherwise, in covered hours, a reminder first and then a
    counted miss with an officer task) and ends the silences no longer reported."""
    run = SilenceRun()
    with transaction.atomic():
        refs = {(s.participant_id, _silence_ref(s)) for s in silences}
        ended = [
            m
            for m in LadderMiss.objects.select_for_update().filter(
                source=MissSource.DEVICE_SILENCE, ended_at__isnull=True
            )
            if (m.participant_id, m.ref) not in refs
        ]
        for m in ended:
            m.ended_at = now
            if m.status == MissStatus.PENDING:
                m.status = MissStatus.RESUMED  # reporting again after the reminder
        LadderMiss.objects.bulk_update(ended, ["ended_at", "status"])
        run.ended = len(ended)
        if silences:
            _silences_classify(silences, now, run)
        if run.ended or run.technical or run.reminded or run.counted:
            audit_record(
                actor=SYSTEM,
                action="checkin_ladder.silence",
                object_type="participant",
                object_ids=sorted(
                    {s.participant_id for s in silences} | {m.participant_id for m in ended}
                ),
                reason=(
                    f"technical={run.technical} reminded={run.reminded} "
                    f"counted={run.counted} ended={run.ended}"
                ),
            )
    return run


def _silences_classify(silences: list[DeviceSilence], now: datetime, run: SilenceRun) -> None:
    pids = sorted({s.participant_id for s in silences})
    routing = case_routing_for_participants(pids)
    default, by_office = ladder_policies()
    office_tz = _office_tz()
    existing = {
        (m.participant_id, m.ref): m
        for m in LadderMiss.objects.select_for_update().filter(
            participant_id__in=pids, ref__in=[_silence_ref(s) for s in silences]
        )
    }
    to_count: list[LadderMiss] = []
    technical_signals: list[AlertSignal] = []
    for s in silences:
        route = routing.get(s.participant_id)
        policy = by_office.get(route.office_id, default) if route else default
        tz = office_tz.get(route.office_id, DEFAULT_TZ) if route else DEFAULT_TZ
        plan = plan_spec_current(s.participant_id)
        verdict = silence_classify(
            last=LastReport(
                at=s.last_contact_at,
                battery=s.battery,
                battery_level=s.battery_level,
                charging=s.charging,
            ),
            now=now,
            threshold=s.threshold,
            plan_tracks=plan is not None and plan.technology == s.kind,
            policy=policy,
            tz=tz,
            low_percent=settings.ATD_BATTERY_LOW_PCT,
        )
        ref = _silence_ref(s)
        row = existing.get((s.participant_id, ref))
        detail = {
            "device_id": s.device_id,
            "serial": s.serial,
            "kind": s.kind,
            "battery": s.battery,
            "battery_level": s.battery_level,
            "charging": s.charging,
        }
        if verdict == SilenceVerdict.LIKELY_TECHNICAL:
            if row is None:
                LadderMiss.objects.create(
                    participant_id=s.participant_id,
                    ref=ref,
                    source=MissSource.DEVICE_SILENCE,
                    occurred_at=s.last_contact_at,
                    status=MissStatus.TECHNICAL,
                    reason=TechnicalReason.LOW_BATTERY,
                    detail=detail,
                    created_at=now,
                )
                run.technical += 1
                technical_signals.append(_technical_signal(s, ref))
            continue
        step = silence_next_step(
            verdict=verdict,
            reminded_at=row.reminded_at if row else None,
            counted=row is not None and row.status != MissStatus.PENDING,
            now=now,
            policy=policy,
        )
        if step == SilenceStep.REMIND and row is None:
            row = LadderMiss.objects.create(
                participant_id=s.participant_id,
                ref=ref,
                source=MissSource.DEVICE_SILENCE,
                occurred_at=s.last_contact_at,
                status=MissStatus.PENDING,
                detail=detail,
                reminded_at=now,
                created_at=now,
            )
            _remind(row)
            run.reminded += 1
        elif step == SilenceStep.COUNT and row is not None:
            row.status = MissStatus.COUNTED
            row.save(update_fields=["status"])
            to_count.append(row)
            run.counted += 1
    if technical_signals:
        alert_raise_many(actor=SYSTEM, signals=technical_signals)
    _climb(SYSTEM, to_count, now)


def _technical_signal(s: DeviceSilence, ref: str) -> AlertSignal:
    """The officer sees a flat phone as what it likely is, at low severity; no ladder step."""
    return AlertSignal(
        kind=AlertKind.NO_SIGNAL,
        occurred_at=s.last_contact_at + s.threshold,
        source="telemetry",
        source_ref=f"no_signal:{s.device_id}:{s.last_contact_at.isoformat()}",
        participant_id=s.participant_id,
        severity="low",
        detail={"device_id": s.device_id, "serial": s.serial, "likely": "technical"},
        evidence=AlertEvidence(
            device=DeviceHealth(
                device_id=s.device_id,
                battery=s.battery,
                battery_level=s.battery_level,
                charging=s.charging,
                last_contact_at=s.last_contact_at,
            )
        ),
        title="Phone not reporting: likely technical (low battery on its last report)",
    )


# --- the officer's actions ---------------------------------------------------------


def _in_scope(scope: Scope, participant_id: int) -> bool:
    return participant_ids_in_scope(scope).filter(pk=participant_id).exists()


def _note(note: str) -> str:
    text = (note or "").replace("\x00", "").strip()
    if not text:
        raise ValidationFailed(errors=[FieldError("note", "say why (required)")])
    if len(text) > 500:
        raise ValidationFailed(errors=[FieldError("note", "at most 500 characters")])
    return text


@transaction.atomic
def ladder_miss_mark_technical(
    *, actor: Any, scope: Scope, participant_id: int, miss_id: int, note: str
) -> LadderMiss:
    """The officer judges a miss technical (e.g. an unverified check-in from a phone whose
    location service failed): it stops counting and the tasks it opened are cancelled."""
    scope.require(*STAFF_CASE_ROLES)
    text = _note(note)
    miss = (
        LadderMiss.objects.select_for_update()
        .filter(pk=miss_id, participant_id=participant_id)
        .first()
    )
    if miss is None or not _in_scope(scope, participant_id):
        raise NotFound()
    if miss.status not in (MissStatus.COUNTED, MissStatus.PENDING):
        raise Conflict(detail=f"this miss is already {miss.get_status_display().lower()}")
    now = clock.now()
    label = actor_for(actor).label[:150]
    previous = miss.status
    miss.status = MissStatus.TECHNICAL
    miss.reason = TechnicalReason.OFFICER_MARKED
    miss.marked_by_label = label
    miss.marked_at = now
    miss.note = text
    miss.save(update_fields=["status", "reason", "marked_by_label", "marked_at", "note"])
    cancelled = LadderTask.objects.filter(miss=miss, status=LadderTaskStatus.OPEN).update(
        status=LadderTaskStatus.CANCELLED, closed_at=now, closed_by_label=label
    )
    audit_record(
        actor=actor,
        action="checkin_ladder.mark_technical",
        object_type="ladder_miss",
        object_ids=[miss.pk],
        reason=f"was {previous}; {cancelled} task(s) cancelled; {text}"[:500],
    )
    return miss


@transaction.atomic
def ladder_task_complete(
    *, actor: Any, scope: Scope, participant_id: int, task_id: int, note: str = ""
) -> LadderTask:
    scope.require(*STAFF_CASE_ROLES)
    task = (
        LadderTask.objects.select_for_update()
        .filter(pk=task_id, participant_id=participant_id)
        .first()
    )
    if task is None or not _in_scope(scope, participant_id):
        raise NotFound()
    if task.status != LadderTaskStatus.OPEN:
        raise Conflict(detail="this task is no longer open")
    text = (note or "").replace("\x00", "").strip()[:500]
    task.status = LadderTaskStatus.DONE
    task.closed_at = clock.now()
    task.closed_by_label = actor_for(actor).label[:150]
    task.note = text
    task.save(update_fields=["status", "closed_at", "closed_by_label", "note"])
    audit_record(
        actor=actor,
        action="checkin_ladder.task_done",
        object_type="ladder_task",
        object_ids=[task.pk],
        reason=f"{task.kind}{': ' + text if text else ''}"[:500],
    )
    return task


def rung_label(rung: int) -> str:
    return {
        Rung.NONE: "No step",
        Rung.REMINDER: "Reminder to the participant",
        Rung.CALL: "Officer call",
        Rung.PLAN_REVIEW: "Plan review and supervisor alert",
    }[Rung(rung)]


def ladder_silences_hook(*, silences: list[DeviceSilence], now: datetime) -> None:
    """The adapter registered with core.extensions for telemetry's no-signal scan."""
    ladder_silences_process(silences=silences, now=now)
