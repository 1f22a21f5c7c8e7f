"""Writes of scheduling: capacity, one appointment at a time, and the automatic scheduler."""

from atd.scheduling.services.booking import (
    appointment_book,
    appointment_cancel,
    appointment_record_outcome,
    appointment_reschedule,
    appointments_release_on_move,
)
from atd.scheduling.services.capacity import (
    capacity_set,
    holiday_remove,
    holiday_set,
    staffing_set,
)
from atd.scheduling.services.reminders import appointment_reminders_enqueue
from atd.scheduling.services.scheduler import (
    SchedulerRun,
    appointments_schedule_all,
    appointments_schedule_office,
    obligations_book,
    obligations_book_many,
)

__all__ = [
    "SchedulerRun",
    "appointment_book",
    "appointment_cancel",
    "appointment_record_outcome",
    "appointment_reminders_enqueue",
    "appointment_reschedule",
    "appointments_release_on_move",
    "appointments_schedule_all",
    "appointments_schedule_office",
    "capacity_set",
    "holiday_remove",
    "holiday_set",
    "obligations_book",
    "obligations_book_many",
    "staffing_set",
]
