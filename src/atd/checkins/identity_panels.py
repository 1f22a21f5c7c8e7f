"""What identity review adds to the console: a participant-page panel (enrolment photo, last
verdicts), the nav link, the purge job's entry point."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from atd.checkins import identity_selectors
from atd.checkins.services import identity_photos_purge
from atd.core.roles import Role
from atd.core.scope import Scope

STAFF = {Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN}


def participant_panel_context(
    request: Any, scope: Scope, participant_id: int
) -> dict[str, Any] | None:
    """The enrolment photo's facts and the link to take one; the photo itself loads through
    its audited view (purpose: enrolment check). Hidden from roles that may not see photos."""
    if scope.role not in STAFF:
        return None
    return {
        "enrolment": identity_selectors.enrolment_photo_summary(
            scope=scope, participant_id=participant_id
        ),
        "take_url": reverse("checkins:enrolment_photo", args=[participant_id]),
    }


def identity_photos_purge_job() -> int:
    result = identity_photos_purge()
    return result.checkin_photos + result.enrolment_photos
