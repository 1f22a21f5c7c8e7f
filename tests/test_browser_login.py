"""A staff member signs in through the real pages in Chromium: password, then a TOTP code, then
the caseload; an out-of-scope participant page answers 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atd.testing.services import require_chromium
from atd.testing.world import PASSWORD, World, mfa_enroll, staff_user, totp_code

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture
def browser() -> Iterator[Any]:
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=path, args=ARGS)
        yield instance
        instance.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_signs_in_with_totp_and_sees_only_their_caseload(
    world: World, live_server: Any, browser: Any
) -> None:
    user = staff_user("browser_officer", "case_officer", world.office_a, mfa=False)
    secret = mfa_enroll(user)
    case = world.cases["officer_a"]
    case.officer = user
    case.save(update_fields=["officer"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/participants/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", "browser_officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/2fa/authenticate/**")
    page.fill("input[name=code]", totp_code(secret))
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/participants/")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Pérez" in rows.first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "caseload.png"))
    response = page.goto(f"{live_server.url}/participants/{world.participants['office_b'].pk}/")
    assert response is not None and response.status == 404
