"""Console pages of devices: the office inventory, one device with its health and history,
shipments and their receipt by serial, and the assign / swap / return actions used from the
device page and the participant page. Thin adapters over devices' selectors and services."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from atd.core.audit import audit_batch, audit_record
from atd.core.errors import DomainError, NotFound
from atd.core.params import int_or_none, page_param
from atd.core.roles import Role
from atd.core.scope import Scope, scope_for
from atd.devices import selectors, services
from atd.devices.access import FITTING_ROLES, INVENTORY_ROLES, VIEW_ROLES
from atd.devices.choices import CredentialMode, DeviceKind, DeviceStatus, ShipmentStatus
from atd.devices.rules import phone_report_interval_s, tracker_setup
from atd.devices.selectors import device_health
from atd.devices.services import RETURN_CONDITIONS
from atd.devices.setup_qr import setup_qr_data_uri
from atd.people.selectors import (
    office_list,
    participant_exists_in_scope,
    participant_id_for_a_number,
    participant_labels_in_scope,
    participant_preferred_language,
)
from atd.supervision.selectors import plan_spec_current

PAGE = 50
MAX_SERIALS = 2000
# Serials as a scanner or a person types them: one per line, or separated by spaces/commas.
SERIAL_SPLIT = re.compile(r"[\s,;]+")
# Where tracker apps send (telemetry's OsmAnd door; devices may not import telemetry).
OSMAND_PATH = "/api/telemetry/osmand"
STATUS_CHANGES = ("refurbished", "lost", "damaged", "retired", "in_stock", "received")


T = TypeVar("T")


def _problem(exc: DomainError) -> str:
    return "; ".join(e.reason for e in exc.errors) or str(exc.detail or exc)


def _act(request: HttpRequest, refused: str, action: Callable[[], T]) -> T | None:
    """Run a service call of a device action: out of scope is the 404 page; a refusal is a
    message (`refused`: what did not happen, e.g. "Not assigned") and None."""
    try:
        return action()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, f"{refused}: {_problem(exc)}")
        return None


def _next(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page the form was on (a local path only), else `fallback`."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


@login_required
@audit_batch()
def inventory(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, VIEW_ROLES)
    g = request.GET
    filters = selectors.DeviceFilters(
        status=g.get("status", "") if g.get("status") in DeviceStatus.values else "",
        kind=g.get("kind", "") if g.get("kind") in DeviceKind.values else "",
        q=g.get("q", "").strip()[:64],
        office_id=int_or_none(g.get("office")) if scope.role == Role.ADMIN else None,
        available=g.get("available") == "1",
    )
    page_no = page_param(request, page_size=PAGE)
    items, total = selectors.device_inventory(
        scope=scope, filters=filters, offset=(page_no - 1) * PAGE, limit=PAGE
    )
    wearers = participant_labels_in_scope(
        scope=scope, participant_ids=[d.participant_id for d in items if d.participant_id]
    )
    if wearers:
        audit_record(
            actor=request.user,
            action="device.list",
            object_type="participant",
            object_ids=sorted(wearers),
            reason="device inventory",
        )
    health = device_health([d.pk for d in items])
    counts = selectors.device_status_counts(scope, filters.office_id)
    offices = {o.pk: o.name for o in office_list()}
    statuses = dict(DeviceStatus.choices)
    kinds = dict(DeviceKind.choices)
    rows = [
        {
            "d": d,
            "kind_label": kinds.get(d.kind, d.kind),
            "status_label": statuses.get(d.status, d.status),
            "office_name": offices.get(d.office_id, "Warehouse") if d.office_id else "Warehouse",
            "wearer": wearers.get(d.participant_id) if d.participant_id else None,
            "wearer_hidden": bool(d.participant_id) and d.participant_id not in wearers,
            "health": health.get(d.pk),
        }
        for d in items
    ]
    query = g.copy()
    query.pop("page", None)
    return render(
        request,
        "devices/inventory.html",
        {
            "rows": rows,
            "total": total,
            "page": page_no,
            "pages": max((total + PAGE - 1) // PAGE, 1),
            "filters": filters,
            "statuses": DeviceStatus.choices,
            "kinds": DeviceKind.choices,
            "counts": [(v, label, counts.get(v, 0)) for v, label in DeviceStatus.choices],
            "offices": list(office_list()) if scope.role == Role.ADMIN else [],
            "office_name": offices.get(scope.office_id or 0, ""),
            "query": query.urlencode(),
            "can_manage": scope.role in INVENTORY_ROLES,
        },
    )


@login_required
@audit_batch()
def device_detail(request: HttpRequest, device_id: int) -> HttpResponse:
    scope = scope_for(request, VIEW_ROLES)
    try:
        device = selectors.device_get_in_scope(scope=scope, device_id=device_id)
    except NotFound:
        raise Http404 from None
    assignments = selectors.device_assignments(device.pk)
    labels = participant_labels_in_scope(
        scope=scope, participant_ids=[a.participant_id for a in assignments]
    )
    audit_record(
        actor=request.user,
        action="device.read",
        object_type="device",
        object_ids=[device.pk],
        reason=f"participants {', '.join(str(i) for i in sorted(labels))}" if labels else "",
    )
    wearer = labels.get(device.participant_id) if device.participant_id else None
    spares = (
        selectors.devices_available(scope=scope, office_id=device.office_id, kind=device.kind)
        if device.participant_id and wearer
        else []
    )
    offices = {o.pk: o.name for o in office_list()}
    return render(
        request,
        "devices/device_detail.html",
        {
            "d": device,
            "kind_label": DeviceKind(device.kind).label,
            "status_label": DeviceStatus(device.status).label,
            "office_name": offices.get(device.office_id or 0, "Warehouse"),
            "health": device_health([device.pk]).get(device.pk),
            "history": selectors.device_history(device.pk),
            "assignments": [(a, labels.get(a.participant_id)) for a in assignments],
            "wearer": wearer,
            "wearer_hidden": bool(device.participant_id) and wearer is None,
            "spares": [s for s in spares if s.pk != device.pk],
            "conditions": list(RETURN_CONDITIONS),
            "status_changes": STATUS_CHANGES,
            "can_fit": scope.role in FITTING_ROLES,
            "can_manage": scope.role in INVENTORY_ROLES,
        },
    )


def _participant_from_post(request: HttpRequest, scope: Scope) -> int | None:
    pid = int_or_none(request.POST.get("participant_id"))
    if pid is not None:
        return pid
    a_number = request.POST.get("a_number", "")
    return participant_id_for_a_number(scope=scope, a_number=a_number) if a_number else None


@login_required
@require_POST
def device_assign_chosen(request: HttpRequest) -> HttpResponse:
    """The participant page's assign form: the device is chosen from the office's shelf."""
    device_id = int_or_none(request.POST.get("device_id"))
    if device_id is None:
        scope_for(request, FITTING_ROLES)
        messages.error(request, "Not assigned: choose a device.")
        return _next(request, reverse("devices:inventory"))
    return _assign(request, device_id)


@login_required
@require_POST
def device_assign(request: HttpRequest, device_id: int) -> HttpResponse:
    return _assign(request, device_id)


def _assign(request: HttpRequest, device_id: int) -> HttpResponse:
    scope = scope_for(request, FITTING_ROLES)
    back = reverse("devices:detail", args=[device_id])
    participant_id = _participant_from_post(request, scope)
    if participant_id is None:
        messages.error(request, "Not assigned: no participant in your caseload has that A-number.")
        return _next(request, back)
    device = _act(
        request,
        "Not assigned",
        lambda: services.device_assign(
            actor=request.user, scope=scope, device_id=device_id, participant_id=participant_id
        ),
    )
    if device is None:
        return _next(request, back)
    messages.success(request, f"Device {device.serial} assigned.")
    return _next(request, back)


@login_required
@require_POST
def device_return(request: HttpRequest, assigned_device_id: int) -> HttpResponse:
    device_id = assigned_device_id
    scope = scope_for(request, FITTING_ROLES)
    back = reverse("devices:detail", args=[device_id])
    device = _act(
        request,
        "Not returned",
        lambda: services.device_return(
            actor=request.user,
            scope=scope,
            device_id=device_id,
            condition=request.POST.get("condition", "ok"),
            reason=request.POST.get("reason", "").strip()[:300],
        ),
    )
    if device is None:
        return _next(request, back)
    messages.success(request, f"Device {device.serial} returned ({device.get_status_display()}).")
    return _next(request, back)


@login_required
@require_POST
def device_swap(request: HttpRequest, assigned_device_id: int) -> HttpResponse:
    device_id = assigned_device_id
    scope = scope_for(request, FITTING_ROLES)
    back = reverse("devices:detail", args=[device_id])
    new_id = int_or_none(request.POST.get("new_device_id"))
    if new_id is None:
        messages.error(request, "Not swapped: choose the replacement device.")
        return _next(request, back)
    device = _act(
        request,
        "Not swapped",
        lambda: services.device_swap(
            actor=request.user,
            scope=scope,
            old_device_id=device_id,
            new_device_id=new_id,
            condition=request.POST.get("condition", "ok"),
            reason=request.POST.get("reason", "").strip()[:300],
        ),
    )
    if device is None:
        return _next(request, back)
    messages.success(request, f"Swapped: device {device.serial} is now worn.")
    return _next(request, reverse("devices:detail", args=[device.pk]))


@login_required
@require_POST
def device_status(request: HttpRequest, device_id: int) -> HttpResponse:
    scope = scope_for(request, INVENTORY_ROLES)
    to_status = request.POST.get("to_status", "")
    changed = _act(
        request,
        "Not changed",
        lambda: services.device_status_change(
            actor=request.user,
            scope=scope,
            device_id=device_id,
            to_status=to_status,
            reason=request.POST.get("reason", "").strip()[:300],
        ),
    )
    if changed is not None:
        messages.success(request, "Device state changed.")
    return redirect("devices:detail", device_id)


@login_required
def shipment_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, VIEW_ROLES)
    status = request.GET.get("status", "")
    qs = selectors.shipment_queryset_in_scope(scope).order_by("-shipped_at", "-id")
    if status in ShipmentStatus.values:
        qs = qs.filter(status=status)
    offices = {o.pk: o.name for o in office_list()}
    return render(
        request,
        "devices/shipment_list.html",
        {
            "rows": [(s, offices.get(s.office_id, "")) for s in qs[:200]],
            "statuses": ShipmentStatus.choices,
            "status": status,
        },
    )


def serials_from_text(text: str) -> list[str]:
    """The serials a scanner or a person typed, in order, each once, blanks dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in SERIAL_SPLIT.split(text):
        serial = raw.strip()[:64]
        if serial and serial not in seen:
            seen.add(serial)
            out.append(serial)
    return out


@login_required
def shipment_detail(request: HttpRequest, shipment_id: int) -> HttpResponse:
    scope = scope_for(request, VIEW_ROLES)
    try:
        shipment = selectors.shipment_get_in_scope(scope=scope, shipment_id=shipment_id)
    except NotFound:
        raise Http404 from None
    typed = ""
    if request.method == "POST":
        if scope.role not in INVENTORY_ROLES:
            raise PermissionDenied
        typed = request.POST.get("serials", "")[:200_000]
        serials = serials_from_text(typed)
        if not serials:
            messages.error(request, "Scan or type at least one serial.")
        elif len(serials) > MAX_SERIALS:
            messages.error(request, f"At most {MAX_SERIALS} serials at once.")
        else:
            before = shipment.received_count
            try:
                shipment = services.shipment_receive(
                    actor=request.user, shipment_id=shipment.pk, serials=serials
                )
            except DomainError as exc:
                messages.error(request, f"Nothing received: {_problem(exc)}")
            else:
                new = shipment.received_count - before
                again = len(serials) - new
                note = f" ({again} already received)" if again else ""
                messages.success(request, f"{new} device(s) received{note}.")
                return redirect("devices:shipment", shipment.pk)
    return render(
        request,
        "devices/shipment_detail.html",
        {
            "s": shipment,
            "office_name": {o.pk: o.name for o in office_list()}.get(shipment.office_id, ""),
            "lines": selectors.shipment_lines(shipment.pk),
            "can_receive": scope.role in INVENTORY_ROLES
            and shipment.status != ShipmentStatus.RECEIVED,
            "typed": typed,
        },
    )


# --- phone tracking enrolment ------------------------------------------------------------------


@login_required
@require_POST
def phone_enrol(request: HttpRequest) -> HttpResponse:
    """The participant page's "Enrol phone for tracking" button: a new tracker identifier, then
    the set-up page with its QR code (the identifier travels in no URL)."""
    scope = scope_for(request, FITTING_ROLES)
    participant_id = int_or_none(request.POST.get("participant_id"))
    if participant_id is None:
        raise Http404
    try:
        enrolment = services.phone_tracking_enrol(
            actor=request.user, scope=scope, participant_id=participant_id
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, f"Phone not enrolled: {_problem(exc)}")
        return _next(request, reverse("devices:inventory"))
    if enrolment.reissued:
        messages.success(
            request, "The phone has a new tracker identifier; the old one no longer works."
        )
    return redirect("devices:phone_setup", phone_device_id=enrolment.device_id)


@login_required
def phone_setup(request: HttpRequest, phone_device_id: int) -> HttpResponse:
    """The QR code and the steps to set up Traccar Client on the participant's phone. Shows the
    identifier, which is the phone's credential: audited, never cached, never in a URL."""
    scope = scope_for(request, FITTING_ROLES)
    try:
        device = selectors.device_get_in_scope(scope=scope, device_id=phone_device_id)
    except NotFound:
        raise Http404 from None
    participant_id = device.participant_id
    if (
        device.credential_mode != CredentialMode.IDENTIFIER
        or participant_id is None
        or not participant_exists_in_scope(scope=scope, participant_id=participant_id)
    ):
        raise Http404
    plan = plan_spec_current(participant_id)
    server_url = settings.ATD_TRACKER_URL or request.build_absolute_uri(OSMAND_PATH)
    setup = tracker_setup(
        server_url=server_url,
        identifier=device.serial,
        interval_s=phone_report_interval_s(plan.technology if plan else ""),
    )
    audit_record(
        actor=request.user,
        action="device.phone_setup_read",
        object_type="device",
        object_ids=[device.pk],
        reason=f"participant {participant_id}: tracker set-up QR shown",
    )
    language = participant_preferred_language(participant_id=participant_id)
    if language not in {code for code, _ in settings.LANGUAGES}:
        language = "en"
    response = render(
        request,
        "devices/phone_setup.html",
        {
            "d": device,
            "setup": setup,
            "qr": setup_qr_data_uri(setup.link),
            "interval_min": max(setup.interval_s // 60, 1),
            "participant_id": participant_id,
            "language": language,
            "plan_label": (plan.technology.replace("_", " ") if plan else "no plan"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
