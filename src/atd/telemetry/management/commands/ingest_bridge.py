"""`atd ingest bridge`: MQTT broker -> the JetStream device log (atd.telemetry.bridge)."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from atd.telemetry.bridge import MqttBridge
from atd.telemetry.devicelog import log_config
from atd.telemetry.management.worker_command import add_idle_exit, say_ready, stop_on_signals


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
        add_idle_exit(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        cfg = log_config()
        if cfg is None:
            raise CommandError("ATD_NATS_URL is not set: use `atd ingest mqtt` without a log")

        bridge = MqttBridge(
            cfg,
            client_id=opts["client_id"],
            group=opts["group"],
            url=opts["url"],
            batch_size=opts["batch"],
            on_ready=say_ready,
        )

        stop_on_signals(bridge)
        try:
            bridge.run(idle_exit_s=opts["idle_exit"])
        finally:
            bridge.close()
        self.stdout.write(
            f"appended {bridge.appended} message(s) to the log ({bridge.repeats} repeat(s))"
        )
