"""Periodic jobs of checkins, run by `atd worker` (restart-safe: state-derived)."""

from __future__ import annotations

from atd.checkins.services import window_reminders_enqueue, windows_close_due, windows_generate


def windows_generate_job() -> int:
    return windows_generate()


def windows_close_job() -> int:
    return len(windows_close_due().missed)


def window_reminders_job() -> int:
    return window_reminders_enqueue()
