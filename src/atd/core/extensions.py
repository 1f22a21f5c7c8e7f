"""Extension points: apps plug pages, cards, periodic jobs and demo steps in without the
console, the scheduler or the demo knowing them by name (core imports no app).

Apps register in their AppConfig.ready(). Each registry keeps insertion order, sorted by `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class ParticipantPanel:
    """A section of the officer's participant page. `context(request, scope, participant_id)`
    returns the template context (it must apply scope and audit its own reads), or None to
    hide the panel."""

    name: str
    template: str
    context: Callable[[Any, Any, int], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class DashboardCard:
    name: str
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100


class JobQueue(StrEnum):
    """Queues by urgency. `atd worker --queue-name paging` workers are reserved for paging, so
    a long batch job never delays a page; priorities order the queues for workers taking all."""

    PAGING = "paging"  # notification delivery, escalation, no-signal, missed check-ins
    DEFAULT = "default"
    BATCH = "batch"  # long jobs: appointment run, matching, report refresh, retention


@dataclass(frozen=True)
class PeriodicJob:
    """Fired once per `every` across all `atd worker` replicas and run as a task on `queue`
    (ADR 0015), retried `attempts` times with backoff. Jobs must be restart-safe: they derive
    what to do from stored state (e.g. windows closed and not yet marked), never from ticks.
    Long jobs report progress with `atd.core.jobs.progress.job_progress(done, total)`.

    One line registers one: `register_periodic_job(PeriodicJob("app.thing", every=timedelta(
    minutes=5), run=thing_job, queue=JobQueue.BATCH))`."""

    name: str
    every: timedelta
    run: Callable[[], Any]
    queue: JobQueue = JobQueue.DEFAULT
    attempts: int = 3


@dataclass(frozen=True)
class DemoStep:
    """`seed(ctx)` adds an app's synthetic data to the demo; `processes()` names extra long-running
    commands (argv lists for `atd ...`) that `make demo` starts beside the web server."""

    name: str
    seed: Callable[[dict[str, Any]], None]
    order: int = 100
    processes: Callable[[], list[list[str]]] = field(default=lambda: [])


@dataclass(frozen=True)
class PortalSection:
    """A section of the participant's portal home. `context(request, scope)` returns the
    template context for the signed-in participant (scope.participant_id), or None to hide."""

    name: str
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class TimelineItem:
    at: Any  # aware datetime
    kind: str  # e.g. "checkin", "alert", "plan_change", "device_event", "court", "review"
    title: str
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class TimelineSource:
    """`items(scope, participant_id, since)` returns TimelineItems for the participant page's
    single timeline; it must apply scope (the page has already audited the read)."""

    name: str
    items: Callable[[Any, int, Any], list[TimelineItem]]


participant_panels: list[ParticipantPanel] = []
portal_sections: list[PortalSection] = []
timeline_sources: list[TimelineSource] = []
dashboard_cards: list[DashboardCard] = []
nav_links: list[NavLink] = []
periodic_jobs: list[PeriodicJob] = []
demo_steps: list[DemoStep] = []


@dataclass(frozen=True)
class OfficeMoveHook:
    """Run inside the transaction that moves a case to another office (people's
    `case_reassign`), as `run(actor=..., participant_id=..., from_office_id=...,
    to_office_id=..., reason=...)`: an app lets go of what it holds at the old office (e.g.
    the scheduler's future bookings there), so the new office's own runs take over."""

    name: str
    run: Callable[..., Any]


office_move_hooks: list[OfficeMoveHook] = []


@dataclass(frozen=True)
class AlertAside:
    """A section beside an alert's own evidence on the alert page, from the app that owns the
    data (e.g. checkins: the participant's recent check-ins), so alerts need not import the
    apps that raise alerts. `context(scope, actor, participant_id)` returns the template
    context (it must apply scope and audit its own reads), or None to hide the section."""

    name: str
    template: str
    context: Callable[[Any, Any, int], dict[str, Any] | None]
    order: int = 100


alert_asides: list[AlertAside] = []


def register_alert_aside(aside: AlertAside) -> None:
    _add(alert_asides, aside)


def register_office_move_hook(hook: OfficeMoveHook) -> None:
    _add(office_move_hooks, hook)


@dataclass(frozen=True)
class ParticipantChangeHook:
    """Run inside the transaction of a people write that changes what identifies a participant
    or whether they are enrolled (intake, an alias, an address, a case's status), as
    `run(participant_ids=[...])`: e.g. matching recomputes their blocking keys, so a feed batch
    finds them by key the moment the write commits."""

    name: str
    run: Callable[..., Any]


participant_change_hooks: list[ParticipantChangeHook] = []


def register_participant_change_hook(hook: ParticipantChangeHook) -> None:
    _add(participant_change_hooks, hook)


def participants_changed(participant_ids: list[int]) -> None:
    """Called by people's services; runs every registered hook in the caller's transaction."""
    if participant_ids:
        for hook in participant_change_hooks:
            hook.run(participant_ids=participant_ids)


def _add(registry: list[Any], item: Any) -> None:
    if any(existing.name == item.name for existing in registry if hasattr(existing, "name")):
        return  # ready() can run twice in some test set-ups
    registry.append(item)


def register_participant_panel(panel: ParticipantPanel) -> None:
    _add(participant_panels, panel)


def register_portal_section(section: PortalSection) -> None:
    _add(portal_sections, section)


def register_timeline_source(source: TimelineSource) -> None:
    _add(timeline_sources, source)


def register_dashboard_card(card: DashboardCard) -> None:
    _add(dashboard_cards, card)


def register_nav_link(link: NavLink) -> None:
    if link not in nav_links:
        nav_links.append(link)


def register_periodic_job(job: PeriodicJob) -> None:
    _add(periodic_jobs, job)


def periodic_job_named(name: str) -> PeriodicJob:
    for job in periodic_jobs:
        if job.name == name:
            return job
    raise LookupError(f"no periodic job named {name!r} is registered")


def register_demo_step(step: DemoStep) -> None:
    _add(demo_steps, step)


def ordered(registry: list[Any]) -> list[Any]:
    return sorted(registry, key=lambda item: getattr(item, "order", 100))


@dataclass(frozen=True)
class DeviceSilence:
    """An assigned phone or tracker that has stopped reporting, as telemetry's no-signal scan
    saw it: the device's last report (battery, charging) and the kind's silence threshold."""

    device_id: int
    participant_id: int
    kind: str
    serial: str
    last_contact_at: datetime
    threshold: timedelta
    battery: int | None = None
    battery_level: str | None = None
    charging: bool | None = None


@dataclass(frozen=True)
class SilenceHook:
    """Telemetry's no-signal scan hands the silences of classified device kinds (phones and
    trackers; ankle monitors keep their no-signal alert) to the registered hook, as
    `run(silences=[DeviceSilence, ...], now=datetime)`, in the scan's transaction: checkins
    sorts technical silences from non-compliance (the graduated response). Telemetry sits
    beside checkins in the layers, so it cannot call checkins' services itself."""

    name: str
    run: Callable[..., Any]


silence_hooks: list[SilenceHook] = []


def register_silence_hook(hook: SilenceHook) -> None:
    _add(silence_hooks, hook)


def device_silences_report(silences: list[DeviceSilence], *, now: datetime) -> bool:
    """Runs the registered silence hooks; False when none is registered (the caller then
    raises its plain no-signal alerts, so no silence goes unseen)."""
    if not silence_hooks:
        return False
    for hook in silence_hooks:
        hook.run(silences=silences, now=now)
    return True


# Legal holds are placed in telemetry (positions) and keep other evidence too, e.g. checkins'
# photos; checkins and telemetry are siblings that never import each other, so telemetry
# registers its reader here. `reader()` returns the ids of participants under an active hold.
_legal_hold_readers: list[Callable[[], set[int]]] = []


def register_legal_hold_reader(reader: Callable[[], set[int]]) -> None:
    _legal_hold_readers[:] = [reader]


def legal_hold_participant_ids() -> set[int]:
    """Participants under an active legal hold; none registered: none known."""
    if not _legal_hold_readers:
        return set()
    return set(_legal_hold_readers[0]())
