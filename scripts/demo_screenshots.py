"""Re-take the screenshots in docs/screenshots/ from a running demo's synthetic data, in Chromium.

    ATD_VAR_DIR=var .venv/bin/atd demo --port 8137 &      # seeded and running
    ATD_VAR_DIR=var .venv/bin/python scripts/demo_screenshots.py --url http://127.0.0.1:8137

It signs in through the real pages (password, then the TOTP code read from the demo's own
database, as /demo/codes shows it), at 1280 px (desktop), 820 px (tablet) and 393 px (phone),
and writes one PNG a page. It also reports any page wider than its window (sideways scroll).
Synthetic data only; it needs ATD_DEMO (the demo's database, the same ATD_VAR_DIR)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 393, "height": 852}


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
    os.environ.setdefault("ATD_DEMO", "1")
    # The TOTP codes are read while Playwright's sync API runs its event loop in this thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()


def _code(username: str) -> str:
    from atd.simulate.views import demo_totp_codes

    for name, _role, code in demo_totp_codes():
        if name == username:
            return code.replace(" ", "")
    raise SystemExit(f"no TOTP authenticator for {username}")


def _participant() -> tuple[int, str]:
    from atd.people.models import Participant

    p = Participant.objects.filter(user__isnull=False).order_by("pk").first()
    if p is None or p.user is None:
        raise SystemExit("no participant with a portal account: is the demo seeded?")
    return p.pk, p.user.username


def _busiest_participant(officer: str) -> int:
    """The officer's participant with the most alerts (the fullest page)."""
    from django.db.models import Count

    from atd.alerts.models import Alert
    from atd.people.models import Case

    mine = Case.objects.filter(officer__username=officer, status="active").values_list(
        "participant_id", flat=True
    )
    top = (
        Alert.objects.filter(participant_id__in=mine)
        .values("participant_id")
        .annotate(n=Count("id"))
        .order_by("-n", "participant_id")
        .first()
    )
    if top is None:
        raise SystemExit(f"{officer} has no participant with alerts")
    return int(top["participant_id"])


def _sign_in(page: Any, url: str, username: str, password: str, *, staff: bool) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if staff:
        page.wait_for_url("**/2fa/authenticate/**")
        page.fill("input[name=code]", _code(username))
        page.click("button[type=submit]")
        page.wait_for_url(lambda u: "/accounts/" not in u)


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--only", nargs="*", help="file names to take (default: all)")
    opts = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    _django()
    from playwright.sync_api import sync_playwright

    from atd.simulate.demo import DEMO_PASSWORD

    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    url = opts.url.rstrip("/")
    _pid, participant = _participant()
    officer, supervisor = "officer_hou_1", "supervisor_hou"
    pid = _busiest_participant(officer)
    problems: list[str] = []

    def shot(page: Any, name: str) -> None:
        if opts.only and name not in opts.only:
            return
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / name), full_page=True)
        wide = _overflow(page)
        print(f"{name}: {page.url} {page.viewport_size['width']} px wide window, overflow {wide}")
        if wide > 1:
            problems.append(f"{name}: {wide} px wider than the window")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=opts.chromium, args=ARGS)

        # The officer: dashboard, alert queue (desktop and phone), a participant page.
        ctx = browser.new_context(viewport=DESKTOP)
        page = ctx.new_page()
        _sign_in(page, url, officer, DEMO_PASSWORD, staff=True)
        page.goto(f"{url}/")
        shot(page, "dashboard.png")
        page.goto(f"{url}/alerts/")
        shot(page, "queue.png")
        page.locator("#select-all").check()
        page.locator("#bulk-note").fill("checked on the night shift")
        shot(page, "queue-bulk-selection.png")
        page.locator("#select-all").uncheck()
        page.goto(f"{url}/participants/{pid}/")
        page.wait_for_selector("#track-status:not(:has-text('Loading'))")
        shot(page, "participant.png")
        device = page.locator("#devices a[href*='/devices/']").first
        if device.count():
            device.click()
            shot(page, "device-page.png")
            page.set_viewport_size(PHONE)
            shot(page, "device-page-phone.png")
        page.set_viewport_size(PHONE)
        page.goto(f"{url}/participants/{pid}/")
        page.wait_for_selector("#track-status:not(:has-text('Loading'))")
        shot(page, "participant-phone.png")
        page.goto(f"{url}/alerts/")
        shot(page, "queue-phone.png")
        ctx.close()

        # The supervisor: dashboard (desktop and tablet), escalations, the fleet map.
        ctx = browser.new_context(viewport=DESKTOP)
        page = ctx.new_page()
        _sign_in(page, url, supervisor, DEMO_PASSWORD, staff=True)
        page.goto(f"{url}/")
        shot(page, "dashboard-supervisor.png")
        if page.locator("#escalated-alerts").count():
            page.locator("#escalated-alerts").scroll_into_view_if_needed()
            shot(page, "escalation.png")
        page.goto(f"{url}/map/")
        page.wait_for_timeout(2000)
        shot(page, "fleet-map.png")
        page.set_viewport_size(PHONE)
        page.goto(f"{url}/map/")
        page.wait_for_timeout(2000)
        shot(page, "fleet-map-phone.png")
        page.set_viewport_size(TABLET)
        page.goto(f"{url}/")
        shot(page, "dashboard-tablet.png")
        ctx.close()

        # The participant's portal on a phone, in Spanish.
        ctx = browser.new_context(viewport=PHONE, locale="es-ES", is_mobile=True, has_touch=True)
        page = ctx.new_page()
        _sign_in(page, url, participant, DEMO_PASSWORD, staff=False)
        page.goto(f"{url}/portal/")
        if page.locator("#lang-select").count():
            page.select_option("#lang-select", "es")
            page.locator("#lang-select").evaluate("s => s.form.submit()")
            page.wait_for_load_state("networkidle")
        page.goto(f"{url}/portal/")
        shot(page, "portal-es-phone.png")
        ctx.close()
        browser.close()
    for problem in problems:
        print("OVERFLOW", problem)


if __name__ == "__main__":
    main()
