"""Writes for notices: a Notice to Report or to Appear issued, served, reported on."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.court import rules
from atd.court.choices import NoticeKind, ServiceMethod
from atd.court.models import Notice
from atd.court.services.summary import case_ids_in_scope, case_summary_refresh
from atd.people import services as people_services
from atd.people.selectors import case_get_in_scope


def _report_by_days() -> int:
    return int(getattr(settings, "ATD_REPORT_BY_DAYS", 60))


def _notice_for_update(scope: Scope, notice_id: int) -> Notice:
    case_ids = case_ids_in_scope(scope)
    notice = Notice.objects.select_for_update().filter(pk=notice_id, case_id__in=case_ids).first()
    if notice is None:
        raise NotFound()
    return notice


@transaction.atomic
def notice_issue(
    *,
    actor: Any,
    scope: Scope,
    case_id: int,
    kind: str,
    issued_on: date,
    report_by: date | None = None,
    served_on: date | None = None,
    service_method: str = "",
) -> Notice:
    """Records a Notice to Report or to Appear. A Notice to Report without a printed date gets
    the configured report-by deadline counted from release."""
    scope.require(*STAFF_CASE_ROLES)
    case = case_get_in_scope(scope=scope, case_id=case_id)
    errors = []
    if kind not in NoticeKind.values:
        errors.append(FieldError("kind", "must be ntr or nta"))
    if served_on is not None and served_on < issued_on:
        errors.append(FieldError("served_on", "a notice cannot be served before it is issued"))
    if served_on is not None and service_method not in ServiceMethod.values:
        errors.append(FieldError("service_method", "say how the notice was served"))
    if errors:
        raise ValidationFailed(errors=errors)
    if kind == NoticeKind.NOTICE_TO_REPORT and report_by is None:
        report_by = rules.report_by_default(case.release_date, _report_by_days())
    now = clock.now()
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                participant_id=case.participant_id,
                case=case,
                kind=kind,
                issued_on=issued_on,
                report_by=report_by if kind == NoticeKind.NOTICE_TO_REPORT else None,
                served_on=served_on,
                service_method=service_method if served_on else "",
                served_recorded_at=now if served_on else None,
                recorded_at=now,
                recorded_by=actor_for(actor).label,
            )
    except IntegrityError:
        raise Conflict(detail="this notice is already recorded for the case") from None
    case_summary_refresh([case.pk])
    audit_record(
        actor=actor, action="court.notice_issue", object_type="notice", object_ids=[notice.pk]
    )
    return notice


@transaction.atomic
def notice_serve(
    *, actor: Any, scope: Scope, notice_id: int, served_on: date, service_method: str
) -> Notice:
    scope.require(*STAFF_CASE_ROLES)
    notice = _notice_for_update(scope, notice_id)
    errors = []
    if served_on < notice.issued_on:
        errors.append(FieldError("served_on", "a notice cannot be served before it is issued"))
    if served_on > clock.now().date():
        errors.append(FieldError("served_on", "service cannot be recorded in the future"))
    if service_method not in ServiceMethod.values:
        errors.append(FieldError("service_method", "unknown service method"))
    if errors:
        raise ValidationFailed(errors=errors)
    if notice.served_on is not None:
        raise Conflict(detail="the notice is already served")
    notice.served_on = served_on
    notice.service_method = service_method
    notice.served_recorded_at = clock.now()
    notice.save(update_fields=["served_on", "service_method", "served_recorded_at"])
    case_summary_refresh([notice.case_id])
    audit_record(
        actor=actor, action="court.notice_serve", object_type="notice", object_ids=[notice.pk]
    )
    return notice


@transaction.atomic
def notice_report_record(*, actor: Any, scope: Scope, notice_id: int, reported_on: date) -> Notice:
    """The person reported as the Notice to Report asked; a case still waiting for its first
    report becomes active in the same transaction."""
    scope.require(*STAFF_CASE_ROLES)
    notice = _notice_for_update(scope, notice_id)
    if notice.kind != NoticeKind.NOTICE_TO_REPORT:
        raise ValidationFailed(detail="only a Notice to Report is reported on")
    if reported_on > clock.now().date():
        raise ValidationFailed(
            errors=[FieldError("reported_on", "a report cannot be in the future")]
        )
    if notice.reported_on is not None:
        raise Conflict(detail="the report is already recorded")
    notice.reported_on = reported_on
    notice.reported_recorded_at = clock.now()
    notice.save(update_fields=["reported_on", "reported_recorded_at"])
    case = case_get_in_scope(scope=scope, case_id=notice.case_id)
    if case.status == "pending_first_report":
        people_services.case_change_status(
            actor=actor,
            scope=scope,
            case_id=case.pk,
            to_status="active",
            reason=f"reported on {reported_on.isoformat()} as the Notice to Report asked",
        )
    case_summary_refresh([notice.case_id])
    audit_record(
        actor=actor, action="court.notice_report", object_type="notice", object_ids=[notice.pk]
    )
    return notice
