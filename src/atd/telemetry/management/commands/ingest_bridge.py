"""`atd ingest bridge`: MQTT broker -> the JetStream device log (atd.telemetry.bridge)."""

from __future__ import annotations

import os
import signal
import socket
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from atd.telemetry.bridge import MqttBridge
from atd.telemetry.devicelog import log_config


class Command(BaseCommand):
    help = "Subscribe to atd/devices/+/telemetry and append each message to the device log."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--client-id",
            default=os.environ.get("ATD_MQTT_CLIENT_ID") or f"atd-bridge-{socket.gethostname()}",
            help="stable per bridge: the broker keeps its session across restarts",
        )
        parser.add_argument("--group", default="atd-bridge", help="shared-subscription group")
        parser.add_argument("--url", default=None, help="mqtt://host:port")
        parser.add_argument("--batch", type=int, default=2000, help="messages per append")
        parser.add_argument(
            "--idle-exit", type=float, default=None, help="exit after N idle seconds"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        cfg = log_config()
        if cfg is None:
            raise CommandError("ATD_NATS_URL is not set: use `atd ingest mqtt` without a log")

        def ready() -> None:
            sys.stdout.write("ready\n")
            sys.stdout.flush()

        bridge = MqttBridge(
            cfg,
            client_id=opts["client_id"],
            group=opts["group"],
            url=opts["url"],
            batch_size=opts["batch"],
            on_ready=ready,
        )

        def stop(signum: int, frame: Any) -> None:
            bridge.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            bridge.run(idle_exit_s=opts["idle_exit"])
        finally:
            bridge.close()
        self.stdout.write(
            f"appended {bridge.appended} message(s) to the log ({bridge.repeats} repeat(s))"
        )
