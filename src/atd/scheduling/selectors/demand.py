"""The in-person demand of an office: first reports and in-person check-ins due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings

from atd.people import selectors as people
from atd.scheduling import rules
from atd.scheduling.choices import AppointmentStatus
from atd.scheduling.models import Appointment
from atd.scheduling.selectors.offices import SYSTEM_SCOPE
from atd.supervision import selectors as supervision


@dataclass(frozen=True)
class OfficeDemand:
    obligations: list[rules.Obligation]
    compliance_days: dict[int, int]  # participant -> days under supervision (planner input)


def office_demand(office_id: int, today: date) -> OfficeDemand:
    """What the office must see in person: first reports of people who have not reported yet
    and the in-person check-ins of plans with checkin_mode "in_person".

    Plans are read one participant at a time through supervision's public selector (it has
    no bulk reader yet); the bench feeds its own demand straight to the booking service."""
    cases = (
        people.case_queryset_in_scope(SYSTEM_SCOPE)
        .filter(office_id=office_id)
        .exclude(status="closed")
        .values_list("participant_id", "release_date", "status")
    )
    obligations: list[rules.Obligation] = []
    compliance: dict[int, int] = {}
    for participant_id, release_date, status in cases:
        compliance[participant_id] = rules.compliance_days_under_supervision(release_date, today)
        if status == "pending_first_report":
            obligations.append(
                rules.first_report_obligation(
                    participant_id=participant_id,
                    release_date=release_date,
                    today=today,
                    report_by_days=settings.ATD_REPORT_BY_DAYS,
                )
            )
        plan = supervision.plan_current(participant_id)
        if plan is not None and plan.checkin_mode == "in_person":
            obligations.extend(
                rules.checkin_obligations(
                    participant_id=participant_id,
                    plan_start=plan.start_date,
                    cadence_days=plan.cadence_days,
                    today=today,
                    horizon_days=settings.ATD_SCHEDULING_HORIZON_DAYS,
                    grace_before_days=settings.ATD_SCHEDULING_GRACE_BEFORE_DAYS,
                    grace_after_days=settings.ATD_SCHEDULING_GRACE_AFTER_DAYS,
                )
            )
    return OfficeDemand(obligations=obligations, compliance_days=compliance)


def booked_obligation_keys(office_id: int, since: date) -> set[tuple[int, str, date]]:
    rows = Appointment.objects.filter(
        office_id=office_id, status=AppointmentStatus.BOOKED, due_date__gte=since
    ).values_list("participant_id", "kind", "due_date")
    return set(rows.iterator(chunk_size=10_000))
