"""What alerts plugs into the shared extension points (called from AlertsConfig.ready)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from atd.core.extensions import (
    DemoStep,
    JobQueue,
    NavLink,
    ParticipantPanel,
    PeriodicJob,
    TimelineSource,
    register_demo_step,
    register_nav_link,
    register_participant_panel,
    register_periodic_job,
    register_timeline_source,
)
from atd.core.roles import Role

PAGING = JobQueue.PAGING


def _escalate() -> Any:
    from atd.alerts.services.escalation import alert_escalate_due

    return alert_escalate_due()


def _deliver() -> Any:
    from atd.alerts.services.delivery import notification_deliver_due

    return notification_deliver_due()


def _reroute() -> Any:
    from atd.alerts.services.routing import alert_routing_sync

    return alert_routing_sync()


def _timeline(scope: Any, participant_id: int, since: Any) -> list[Any]:
    from atd.alerts.selectors import alert_timeline_items

    return alert_timeline_items(scope, participant_id, since)


def _messages_panel(request: Any, scope: Any, participant_id: int) -> dict[str, Any]:
    from atd.alerts.selectors import participant_messages_read

    return {
        "messages": participant_messages_read(
            scope=scope, actor=request.user, participant_id=participant_id
        )
    }


def _demo(ctx: dict[str, Any]) -> None:
    from atd.alerts.demo import alerts_demo_seed

    alerts_demo_seed(ctx)


def _account_name_attack(
    sender: Any,
    *,
    username: str,
    failures: int,
    addresses: list[str],
    period: int,
    at: Any,
    **kwargs: Any,
) -> None:
    """An attack on one account name (core.auth_adapter): an alert with no participant or
    office, so only admins see it; one per account and cool-off period."""
    from atd.alerts.choices import AlertKind
    from atd.alerts.services.raising import AlertSignal, alert_raise
    from atd.alerts.types import AlertEvidence, JsonValue
    from atd.core.actors import SYSTEM

    facts: dict[str, JsonValue] = {
        "username": username,
        "failures": failures,
        "addresses": [str(a) for a in addresses[:20]],
    }
    alert_raise(
        actor=SYSTEM,
        signal=AlertSignal(
            kind=AlertKind.LOGIN_ATTACK,
            occurred_at=at,
            source="auth",
            source_ref=f"{username}:{period}",
            detail=facts,
            evidence=AlertEvidence(facts=facts),
            title="Failed sign-ins on one account from many addresses",
        ),
    )


def register_all() -> None:
    from atd.core.auth_adapter import account_name_attack

    account_name_attack.connect(_account_name_attack, dispatch_uid="alerts.account_name_attack")
    # After people (and telemetry/check-ins) have seeded participants.
    register_demo_step(DemoStep("alerts", seed=_demo, order=500))
    register_periodic_job(
        PeriodicJob("alerts.escalate", every=timedelta(minutes=1), run=_escalate, queue=PAGING)
    )
    register_periodic_job(
        PeriodicJob(
            "alerts.deliver_notifications", every=timedelta(seconds=15), run=_deliver, queue=PAGING
        )
    )
    register_periodic_job(PeriodicJob("alerts.reroute", every=timedelta(minutes=1), run=_reroute))
    register_timeline_source(TimelineSource("alerts", items=_timeline))
    register_participant_panel(
        ParticipantPanel(
            name="messages",
            template="alerts/participant_messages.html",
            context=_messages_panel,
            order=85,
        )
    )
    register_nav_link(
        NavLink(
            label="Alert queue",
            url_name="alerts:queue",
            roles=frozenset(
                {Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN}
            ),
            order=10,
        )
    )
    register_nav_link(
        NavLink(
            label="Officers",
            url_name="console:officers",
            roles=frozenset({Role.SUPERVISOR, Role.ADMIN}),
            order=11,
        )
    )
    register_nav_link(
        NavLink(
            label="My alert settings",
            url_name="alerts:preferences",
            roles=frozenset(
                {Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN}
            ),
            order=90,
        )
    )
