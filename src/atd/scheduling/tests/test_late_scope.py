"""The office's late list shows only people the caller may see: an officer's own caseload, not
everyone in the office (issue 16, "Why" item 7: 96 people outside one officer's caseload)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from atd.core.models import AuditEntry
from atd.scheduling.models import Appointment
from atd.scheduling.tests.access_matrix import _appointment
from atd.testing.world import World


def _late(world: World, key: str) -> int:
    pk = _appointment(world.participants[key], world.office_a)
    appointment = Appointment.objects.get(pk=pk)
    Appointment.objects.filter(pk=pk).update(
        is_late=True, deadline=appointment.day - timedelta(days=10)
    )
    return world.participants[key].pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("case_officer", {"officer_a"}),
        ("contractor_specialist", {"specialist_a"}),
        ("supervisor", {"officer_a", "specialist_a"}),
        ("admin", {"officer_a", "specialist_a"}),
    ],
)
def test_office_late_list_applies_the_callers_caseload_scope(
    world: World, client_for: Any, role: str, sees: set[str]
) -> None:
    pids = {key: _late(world, key) for key in ("officer_a", "specialist_a")}
    expected = sorted(pids[key] for key in sees)
    response = client_for(role).get(f"/api/scheduling/offices/{world.office_a.pk}/late")
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(i["participant_id"] for i in body["items"]) == expected
    assert body["count"] == len(expected)
    entry = AuditEntry.objects.filter(action="appointment.late_list").latest("id")
    assert entry.object_ids == ",".join(str(p) for p in expected)


@pytest.mark.django_db
def test_office_page_late_list_applies_the_officers_caseload(world: World, client_for: Any) -> None:
    mine = _late(world, "officer_a")
    other = _late(world, "specialist_a")
    page = client_for("case_officer").get(f"/scheduling/offices/{world.office_a.pk}/")
    assert page.status_code == 200
    ids = {i.participant_id for i in page.context["late"]}
    assert ids == {mine}
    assert other not in ids
