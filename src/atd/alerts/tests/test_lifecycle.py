"""Alert lifecycle: open -> acknowledged -> resolved (disposition + note), reopen with reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from atd.alerts.models import Alert, AlertTransition
from atd.alerts.services import (
    AlertSignal,
    alert_acknowledge,
    alert_acknowledge_for_participant,
    alert_raise_many,
    alert_reopen,
    alert_resolve,
)
from atd.alerts.types import AlertKind
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.testing.world import World


def raise_alert(
    world: World, kind: str = "strap_tamper", who: str = "officer_a", ref: str = ""
) -> Alert:
    result = alert_raise_many(
        actor=SYSTEM,
        signals=[
            AlertSignal(
                kind=AlertKind(kind),
                occurred_at=clock.now(),
                source="test",
                source_ref=ref or f"{who}-{kind}",
                participant_id=world.participants[who].pk,
            )
        ],
    )
    return Alert.objects.get(pk=(result.created + result.updated)[0])


def officer(world: World) -> tuple[Any, Scope]:
    user = world.users["case_officer"]
    return user, Scope.for_user(user)


@pytest.mark.django_db
def test_officer_acknowledges_then_resolves_with_disposition_and_note(world: World) -> None:
    alert = raise_alert(world)
    user, scope = officer(world)
    alert_acknowledge(actor=user, scope=scope, alert_id=alert.pk)
    resolved = alert_resolve(
        actor=user,
        scope=scope,
        alert_id=alert.pk,
        disposition="device_fault",
        note="strap replaced",
    )
    assert resolved.status == "resolved"
    assert resolved.disposition == "device_fault"
    assert resolved.acknowledged_by_id == user.pk
    steps = list(AlertTransition.objects.filter(alert=alert).values_list("action", flat=True))
    assert steps == ["acknowledge", "resolve"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"alert.acknowledge", "alert.resolve"} <= actions


@pytest.mark.django_db
def test_resolving_without_disposition_or_note_is_refused(world: World) -> None:
    alert = raise_alert(world)
    user, scope = officer(world)
    with pytest.raises(ValidationFailed):
        alert_resolve(actor=user, scope=scope, alert_id=alert.pk, disposition="", note="x")
    with pytest.raises(ValidationFailed):
        alert_resolve(actor=user, scope=scope, alert_id=alert.pk, disposition="other", note="")
    assert Alert.objects.get(pk=alert.pk).status == "open"


@pytest.mark.django_db
def test_acknowledging_an_acknowledged_alert_is_a_conflict(world: World) -> None:
    alert = raise_alert(world)
    user, scope = officer(world)
    alert_acknowledge(actor=user, scope=scope, alert_id=alert.pk)
    with pytest.raises(Conflict):
        alert_acknowledge(actor=user, scope=scope, alert_id=alert.pk)


@pytest.mark.django_db
def test_reopen_needs_a_reason_and_restarts_the_sla(world: World) -> None:
    alert = raise_alert(world)
    user, scope = officer(world)
    alert_resolve(actor=user, scope=scope, alert_id=alert.pk, disposition="other", note="n")
    later = clock.now() + timedelta(hours=2)
    with clock.frozen_at(later):
        with pytest.raises(ValidationFailed):
            alert_reopen(actor=user, scope=scope, alert_id=alert.pk, reason=" ")
        reopened = alert_reopen(
            actor=user, scope=scope, alert_id=alert.pk, reason="strap cut again"
        )
    assert reopened.status == "open"
    assert reopened.ack_due_at == later + timedelta(minutes=15)
    assert reopened.escalation_level == 0
    # Notes are encrypted at rest (ADR 0021): read through the model, compared in Python.
    assert "strap cut again" in AlertTransition.objects.filter(
        alert=alert, action="reopen"
    ).values_list("note", flat=True)


@pytest.mark.django_db
def test_reopen_is_refused_while_a_newer_alert_of_that_kind_is_open(world: World) -> None:
    old = raise_alert(world, ref="a")
    user, scope = officer(world)
    alert_resolve(actor=user, scope=scope, alert_id=old.pk, disposition="other", note="n")
    raise_alert(world, ref="b")
    with pytest.raises(Conflict):
        alert_reopen(actor=user, scope=scope, alert_id=old.pk, reason="again")


@pytest.mark.django_db
def test_bulk_acknowledge_touches_only_that_participants_open_alerts(world: World) -> None:
    a1 = raise_alert(world, "strap_tamper")
    a2 = raise_alert(world, "battery_low")
    other = raise_alert(world, "strap_tamper", who="specialist_a")
    user = world.users["supervisor"]
    ids = alert_acknowledge_for_participant(
        actor=user,
        scope=Scope.for_user(user),
        participant_id=world.participants["officer_a"].pk,
        note="called participant",
    )
    assert sorted(ids) == sorted([a1.pk, a2.pk])
    assert Alert.objects.get(pk=other.pk).status == "open"
    assert AuditEntry.objects.filter(action="alert.acknowledge").count() == 1


@pytest.mark.django_db
def test_an_officer_cannot_act_on_another_caseloads_alert(world: World) -> None:
    alert = raise_alert(world, who="office_b")
    user, scope = officer(world)
    with pytest.raises(NotFound):
        alert_acknowledge(actor=user, scope=scope, alert_id=alert.pk)


@pytest.mark.django_db
def test_an_auditor_may_not_acknowledge(world: World) -> None:
    alert = raise_alert(world)
    auditor = world.users["auditor"]
    with pytest.raises(Forbidden):
        alert_acknowledge(actor=auditor, scope=Scope.for_user(auditor), alert_id=alert.pk)


@pytest.mark.django_db
def test_reassigning_a_case_moves_its_alerts_to_the_new_officer(world: World) -> None:
    from atd.people.services import case_reassign

    alert = raise_alert(world)
    sup = world.users["supervisor"]
    case_reassign(
        actor=sup,
        scope=Scope.for_user(sup),
        case_id=world.cases["officer_a"].pk,
        officer_id=world.users["contractor_specialist"].pk,
        reason="balancing",
    )
    specialist = world.users["contractor_specialist"]
    alert_acknowledge(actor=specialist, scope=Scope.for_user(specialist), alert_id=alert.pk)
    user, scope = officer(world)
    with pytest.raises(NotFound):
        alert_resolve(actor=user, scope=scope, alert_id=alert.pk, disposition="other", note="x")


@pytest.mark.django_db
def test_reassigned_case_alerts_are_rerouted_to_the_new_officer(world: World) -> None:
    from atd.alerts.services.routing import alert_routing_sync
    from atd.people.services import case_reassign

    alert = raise_alert(world)
    sup = world.users["supervisor"]
    case_reassign(
        actor=sup,
        scope=Scope.for_user(sup),
        case_id=world.cases["officer_a"].pk,
        officer_id=world.users["contractor_specialist"].pk,
        reason="balancing",
    )
    assert alert_routing_sync() == 1
    assert Alert.objects.get(pk=alert.pk).officer_id == world.users["contractor_specialist"].pk
    assert alert_routing_sync() == 0
