"""The demo seed (what `make demo` runs) works end to end, every app's demo step included."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from atd.core.audit import audit_verify
from atd.people.models import Case, Office, Participant


@pytest.mark.django_db(transaction=True)
def test_demo_seed_builds_a_working_world(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", "--seed-only", "--participants", "120")
    out = capsys.readouterr().out
    assert "Password for every demo login" in out
    assert Office.objects.count() == 5
    assert Participant.objects.count() == 120
    assert Case.objects.filter(officer__isnull=True).count() == 0
    assert Participant.objects.filter(user__isnull=False).count() == 1
    assert audit_verify().ok
    # Running it again does not seed twice.
    call_command("demo", "--seed-only", "--participants", "120")
    assert Participant.objects.count() == 120
