"""`atd ingest mqtt`: run an MQTT ingest worker (see atd.telemetry.mqtt)."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.core.management.base import BaseCommand

from atd.telemetry.management.worker_command import add_idle_exit, say_ready, stop_on_signals
from atd.telemetry.mqtt import IngestWorker


class Command(BaseCommand):
    help = "Subscribe to <topic root>/+/telemetry (QoS 1, shared subscription) and ingest."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--client-id",
            default=os.environ.get("ATD_MQTT_CLIENT_ID") or f"atd-ingest-{socket.gethostname()}",
            help="stable per worker: the broker keeps this worker's session across restarts",
        )
        parser.add_argument("--group", default=None, help="shared-subscription group")
        parser.add_argument("--url", default=None, help="mqtt://host:port")
        parser.add_argument(
            "--topic-root", default=None, help="default ATD_MQTT_TOPIC_ROOT (atd/devices)"
        )
        parser.add_argument("--batch", type=int, default=None, help="messages per transaction")
        add_idle_exit(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        worker = IngestWorker(
            client_id=opts["client_id"],
            group=opts["group"],
            url=opts["url"],
            batch_size=opts["batch"],
            on_ready=say_ready,
            topic_root=opts["topic_root"],
        )

        stop_on_signals(worker)
        stats = worker.run(idle_exit_s=opts["idle_exit"])
        # Every message is accounted for: its records were stored as new, were already stored
        # (duplicates change nothing), or were rejected and kept as dead letters.
        self.stdout.write(
            f"ingested {stats.records} new record(s) from {stats.messages} message(s); "
            f"{stats.duplicates} duplicate record(s), {stats.rejected} record(s) rejected and "
            f"{stats.dead_lettered} message(s) refused whole (dead letters), "
            f"{stats.parked} parked"
        )
