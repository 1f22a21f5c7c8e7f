"""Issue 19 in Chromium: a participant asks (in Spanish, on a 360 px phone) to end monitoring or
to leave the program; an officer decides with reasons; only the eligible are offered the appeal
form; a departure request from the portal becomes a DepartureCase with a task, and its status
shows in the portal."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from atd.core import clock
from atd.core.scope import Scope
from atd.court.models import DepartureCase
from atd.people.selectors import case_get_in_scope
from atd.portal.tests.test_browser import playwright_browser  # noqa: F401
from atd.reviews.models import ReviewAppeal, ReviewRequest
from atd.supervision import selectors as supervision_selectors
from atd.supervision.services import plan_set
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-outcomes")
PHONE = {"width": 360, "height": 780}
WAIT_MS = 30_000


def _cookie(user: Any, live_server: Any) -> list[dict[str, str]]:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return [
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    ]


def _phone_es(playwright_browser: Any, live_server: Any, user: Any) -> Any:  # noqa: F811
    p, browser = playwright_browser
    device = dict(p.devices["Pixel 7"])
    device.pop("default_browser_type", None)
    device["viewport"] = PHONE
    device["screen"] = PHONE
    context = browser.new_context(**device, locale="es-MX")
    context.add_cookies(_cookie(user, live_server))
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return page


def _desk(playwright_browser: Any, live_server: Any, user: Any) -> Any:  # noqa: F811
    _p, browser = playwright_browser
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(_cookie(user, live_server))
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return page


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 360 px phone"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _on_wrist(world: World) -> int:
    pid = world.participants["officer_a"].pk
    with clock.frozen_at(clock.now() - timedelta(days=200)):
        plan_set(
            actor=world.user("case_officer"),
            scope=Scope.for_user(world.user("case_officer")),
            participant_id=pid,
            technology="wrist",
            cadence_days=7,
            checkin_mode="remote",
            start_date=date.today() - timedelta(days=200),
            reason="release conditions",
        )
    return pid


def test_leaving_the_program_asked_in_spanish_on_a_phone_and_decided_with_reasons(
    world: World,
    live_server: Any,
    playwright_browser: Any,  # noqa: F811
) -> None:
    pid = _on_wrist(world)
    phone = _phone_es(playwright_browser, live_server, world.users["participant"])
    phone.goto(f"{live_server.url}/reviews/request/")
    assert "¿Qué pide?" in phone.locator("body").inner_text()
    _fits(phone)
    phone.get_by_label("Salir del programa").check()
    phone.get_by_label("Entiendo que mis obligaciones ante la corte siguen vigentes.").check()
    _shot(phone, "portal-leave-request-es-360")
    phone.get_by_role("button", name="Enviar mi solicitud").click()
    phone.wait_for_url(f"{live_server.url}/portal/")
    home = phone.locator("body").inner_text()
    assert "Salir del programa" in home and "En espera de una decisión" in home
    _fits(phone)
    review = ReviewRequest.objects.get(participant_id=pid)
    assert review.kind == "leave_program" and review.court_obligations_acknowledged

    officer = _desk(playwright_browser, live_server, world.user("case_officer"))
    officer.goto(f"{live_server.url}/reviews/{review.pk}/")
    assert "Eligible: all 2 rules hold." in officer.locator("#recommendation-summary").inner_text()
    officer.locator("textarea[name=text]").fill("")
    officer.get_by_role("button", name="Record decision").click()
    # The browser refuses an empty explanation (required): nothing is decided.
    review.refresh_from_db()
    assert review.status == "pending"
    officer.locator("textarea[name=text]").fill("You chose to leave; your hearings stay.")
    officer.get_by_role("button", name="Record decision").click()
    officer.wait_for_selector("text=left the program")
    _shot(officer, "console-leave-decided")
    review.refresh_from_db()
    assert review.status == "approved" and review.reason_text.startswith("You chose")
    case = case_get_in_scope(scope=Scope.system(), case_id=review.case_id)
    assert (case.status, case.closure_reason) == ("closed", "left_program")
    assert supervision_selectors.plan_current(pid) is None

    phone.goto(f"{live_server.url}/reviews/{review.pk}/letter/")
    letter = phone.locator("body").inner_text()
    assert "salió del programa de supervisión" in letter and "audiencias" in letter
    _fits(phone)
    _shot(phone, "portal-leave-letter-es-360")


def test_end_monitoring_denied_with_reasons_and_the_appeal_goes_to_someone_else(
    world: World,
    live_server: Any,
    playwright_browser: Any,  # noqa: F811
) -> None:
    _on_wrist(world)
    phone = _phone_es(playwright_browser, live_server, world.users["participant"])
    phone.goto(f"{live_server.url}/reviews/request/")
    phone.get_by_label("Terminar el monitoreo electrónico (los reportes continúan)").check()
    phone.get_by_role("button", name="Enviar mi solicitud").click()
    phone.wait_for_url(f"{live_server.url}/portal/")
    review = ReviewRequest.objects.get(kind="end_monitoring")

    officer = _desk(playwright_browser, live_server, world.user("case_officer"))
    officer.goto(f"{live_server.url}/reviews/{review.pk}/")
    officer.get_by_label("Deny").check()
    officer.locator("select[name=reason]").select_option("missed_checkins")
    officer.locator("textarea[name=text]").fill("Please ask again after two clean months.")
    officer.get_by_role("button", name="Record decision").click()
    officer.wait_for_selector("text=Decided")
    review.refresh_from_db()
    assert review.status == "denied"

    # The participant is eligible to appeal: the form is offered, in Spanish, and works.
    phone.goto(f"{live_server.url}/portal/")
    assert phone.locator("form.appeal-form").count() == 1
    _fits(phone)
    _shot(phone, "portal-appeal-offered-es-360")
    phone.get_by_role("button", name="Enviar mi apelación").click()
    phone.wait_for_url(f"{live_server.url}/portal/")
    assert ReviewAppeal.objects.filter(request=review).count() == 1
    assert phone.locator("form.appeal-form").count() == 0  # already appealed: no second form

    # The officer who decided is offered neither a second filing nor the decision.
    officer.goto(f"{live_server.url}/reviews/{review.pk}/")
    assert officer.locator("#appeal-decide-form").count() == 0
    assert officer.locator("#appeal-file-form").count() == 0
    supervisor = _desk(playwright_browser, live_server, world.user("supervisor"))
    supervisor.goto(f"{live_server.url}/reviews/{review.pk}/")
    assert supervisor.locator("#appeal-decide-form").count() == 1
    _shot(supervisor, "console-appeal-supervisor")


def test_a_departure_request_from_the_portal_becomes_a_case_with_a_task(
    world: World,
    live_server: Any,
    playwright_browser: Any,  # noqa: F811
) -> None:
    phone = _phone_es(playwright_browser, live_server, world.users["participant"])
    phone.goto(f"{live_server.url}/portal/")
    assert "Ayuda para salir del país" in phone.locator("body").inner_text()
    phone.get_by_role("link", name="Pedir ayuda para la salida").click()
    phone.get_by_label("Necesito un documento de viaje (pasaporte o documento consular)").check()
    _fits(phone)
    _shot(phone, "portal-departure-request-es-360")
    phone.get_by_role("button", name="Enviar mi solicitud").click()
    phone.wait_for_url(f"{live_server.url}/portal/")
    assert (
        "Recibida: su oficial se pondrá en contacto con usted" in phone.locator("body").inner_text()
    )
    row = DepartureCase.objects.get()
    assert row.requested_via == "portal" and row.task_due_at and row.task_done_at is None

    officer = _desk(playwright_browser, live_server, world.user("case_officer"))
    officer.goto(f"{live_server.url}/")
    assert "Departure requests to answer" in officer.locator("body").inner_text()
    officer.goto(f"{live_server.url}/participants/{row.participant_id}/")
    form = officer.locator(f"form[action='/court/departures/{row.pk}/']")
    form.locator("select[name=travel_document_status]").select_option("requested")
    form.get_by_role("button", name="Update").click()
    officer.wait_for_load_state()
    row.refresh_from_db()
    assert row.travel_document_status == "requested" and row.task_done_at is not None

    phone.goto(f"{live_server.url}/portal/")
    assert "Documento de viaje solicitado al consulado" in phone.locator("body").inner_text()
    _fits(phone)
    _shot(phone, "portal-departure-status-es-360")
