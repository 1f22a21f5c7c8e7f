"""Writes of checkins: submitting check-ins and attempts, recording in-person check-ins,
generating windows and closing them (missed check-ins), identity review (identity.py)."""

from atd.checkins.services.checkin import (
    CheckinInput,
    CheckinResult,
    checkin_attempt_record,
    checkin_in_person_record,
    checkin_remote_submit,
)
from atd.checkins.services.identity import (
    PhotoPurgeResult,
    enrolment_photo_record,
    identity_follow_up_close,
    identity_photos_purge,
    identity_verdict_record,
)
from atd.checkins.services.ladder import (
    MissInput,
    ladder_miss_mark_technical,
    ladder_misses_record,
    ladder_policy_delete,
    ladder_policy_save,
    ladder_silences_process,
    ladder_task_complete,
)
from atd.checkins.services.reminders import window_reminders_enqueue
from atd.checkins.services.windows import (
    SYSTEM_SCOPE,
    WindowCloseResult,
    windows_close_due,
    windows_generate,
)

__all__ = [
    "SYSTEM_SCOPE",
    "CheckinInput",
    "CheckinResult",
    "MissInput",
    "PhotoPurgeResult",
    "WindowCloseResult",
    "checkin_attempt_record",
    "checkin_in_person_record",
    "checkin_remote_submit",
    "ladder_miss_mark_technical",
    "ladder_misses_record",
    "ladder_policy_delete",
    "ladder_policy_save",
    "ladder_silences_process",
    "ladder_task_complete",
    "enrolment_photo_record",
    "identity_follow_up_close",
    "identity_photos_purge",
    "identity_verdict_record",
    "window_reminders_enqueue",
    "windows_close_due",
    "windows_generate",
]
