"""`atd manage simulate_phone [--once | --live]`: the demo's enrolled phone reporting as
Traccar Client does (OsmAnd GET over HTTP to the server's tracker URL)."""

from __future__ import annotations

import random
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from atd.core import clock
from atd.simulate.phone import (
    DEFAULT_URL,
    PhoneWalk,
    demo_phone_load,
    phone_report_send,
    traccar_client_query,
)


class Command(BaseCommand):
    help = "Send the demo phone's reports as Traccar Client does (OsmAnd GET)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default=settings.ATD_TRACKER_URL or DEFAULT_URL)
        parser.add_argument("--live", action="store_true", help="keep reporting until stopped")
        parser.add_argument(
            "--interval", type=float, default=20.0, help="seconds between reports (demo pace)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        phone = demo_phone_load()
        if phone is None:
            raise CommandError("no demo phone: run `atd demo --seed-only` first")
        walk = PhoneWalk(home=phone.home, rng=random.Random(phone.device_id))  # noqa: S311
        while True:
            now = clock.now()
            query = traccar_client_query(
                identifier=phone.identifier, at=now, **walk.step(now, opts["interval"])
            )
            status = phone_report_send(opts["url"], query)
            if status != 200:
                # The server may still be starting: say so (without the identifier) and retry.
                self.stderr.write(f"simulate_phone: report answered {status or 'no connection'}")
            if not opts["live"]:
                return
            time.sleep(opts["interval"])
