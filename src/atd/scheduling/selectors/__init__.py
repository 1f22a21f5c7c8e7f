"""Reads of office capacity, appointments, the in-person demand and the backlog horizon.

Offices are visible to staff of that office and to admins; appointments follow the caller's
participant scope. Reads that name participants are audited (`*_read`)."""

from atd.scheduling.selectors.appointments import (
    appointment_get_in_scope,
    appointment_is_upcoming,
    appointment_list_read,
    appointment_queryset_in_scope,
    appointment_read,
    participant_names,
)
from atd.scheduling.selectors.backlog import (
    LateAppointment,
    OfficeBacklog,
    backlog_report,
    late_appointments_read,
)
from atd.scheduling.selectors.demand import OfficeDemand, booked_obligation_keys, office_demand
from atd.scheduling.selectors.offices import (
    OFFICE_READ_ROLES,
    OFFICE_WRITE_ROLES,
    SYSTEM_SCOPE,
    DayOption,
    OfficeCalendar,
    booked_slots,
    capacity_spec,
    day_options,
    free_capacity,
    holidays_upcoming,
    office_calendar,
    office_get,
    office_get_in_scope,
    office_today,
    offices_in_scope,
    scheduling_dates,
    staffing_upcoming,
)

__all__ = [
    "OFFICE_READ_ROLES",
    "OFFICE_WRITE_ROLES",
    "SYSTEM_SCOPE",
    "DayOption",
    "LateAppointment",
    "OfficeBacklog",
    "OfficeCalendar",
    "OfficeDemand",
    "appointment_get_in_scope",
    "appointment_is_upcoming",
    "appointment_list_read",
    "appointment_queryset_in_scope",
    "appointment_read",
    "backlog_report",
    "booked_obligation_keys",
    "booked_slots",
    "capacity_spec",
    "day_options",
    "free_capacity",
    "holidays_upcoming",
    "late_appointments_read",
    "office_calendar",
    "office_demand",
    "office_get",
    "office_get_in_scope",
    "office_today",
    "offices_in_scope",
    "participant_names",
    "scheduling_dates",
    "staffing_upcoming",
]
