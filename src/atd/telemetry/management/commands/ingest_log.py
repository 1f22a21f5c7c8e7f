"""`atd ingest log`: drain the durable device log into the database (atd.telemetry.devicelog)."""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from atd.telemetry.devicelog import LogIngestWorker, log_config
from atd.telemetry.management.worker_command import add_idle_exit, say_ready, stop_on_signals


class Command(BaseCommand):
    help = "Pull device messages from the JetStream log, ingest them, then acknowledge."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--index", type=int, default=0, help="this worker's number, from 0")
        parser.add_argument("--count", type=int, default=1, help="how many workers share the log")
        parser.add_argument("--batch", type=int, default=10_000, help="messages per transaction")
        parser.add_argument("--max-wait", type=float, default=0.1, help="seconds to fill a batch")
        parser.add_argument(
            "--linger",
            type=float,
            default=None,
            help="seconds to wait for more once a fetch brought something "
            "(default ATD_INGEST_LINGER_MS)",
        )
        parser.add_argument("--url", default=None, help="nats://host:port[,nats://...]")
        add_idle_exit(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        overrides = {"url": opts["url"]} if opts["url"] else {}
        cfg = log_config(**overrides)
        if cfg is None:
            raise CommandError("ATD_NATS_URL is not set: there is no log to drain")

        linger = (
            opts["linger"] if opts["linger"] is not None else settings.ATD_INGEST_LINGER_MS / 1000
        )
        if not 0 <= linger <= 10:  # also refuses NaN; inf would never process a batch
            raise CommandError("--linger must be between 0 and 10 seconds")
        worker = LogIngestWorker(
            cfg,
            index=opts["index"],
            count=opts["count"],
            batch_size=opts["batch"],
            max_wait_s=opts["max_wait"],
            linger_s=linger,
            on_ready=say_ready,
        )

        stop_on_signals(worker)
        asyncio.run(worker.run(idle_exit_s=opts["idle_exit"]))
        s = worker.stats
        self.stdout.write(
            f"partitions {s.partitions}: {s.messages} message(s) in {s.batches} batch(es), "
            f"{s.records} new record(s), {s.duplicates} duplicate(s), "
            f"{s.dead_letters} dead letter(s)"
        )
