"""The one door for photo bytes of checkins (check-in photos and enrolment photos): what is
written into a `data` column and what is read back out of one. Encryption at rest wraps these
two functions and nothing else has to change."""

from __future__ import annotations

from typing import Any


def photo_data_for_storage(content: bytes) -> bytes:
    """The bytes to store in a photo row's `data` column for this (already cleaned) image."""
    return content


def photo_data_read(row: Any) -> bytes:
    """The image bytes of a CheckinPhoto or EnrolmentPhoto row."""
    return bytes(row.data)
