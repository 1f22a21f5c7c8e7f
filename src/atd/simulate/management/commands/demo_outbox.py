"""`atd manage demo_outbox`: the demo's local SMS provider and SMTP server (one process, run by
`atd demo`), writing what they receive to ATD_DEMO_OUTBOX for the console's Demo outbox."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from atd.simulate.outbox import OutboxFile, sms_provider_server, smtp_server_start


class Command(BaseCommand):
    help = "Run the demo's local SMS provider and SMTP server (demo only)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sms-port", type=int, required=True)
        parser.add_argument("--smtp-port", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ATD_DEMO or not settings.ATD_DEMO_OUTBOX:
            raise CommandError("demo only: needs ATD_DEMO=1 and ATD_DEMO_OUTBOX")
        outbox = OutboxFile(Path(settings.ATD_DEMO_OUTBOX))
        stop_smtp = smtp_server_start(port=options["smtp_port"], outbox=outbox)
        server = sms_provider_server(
            port=options["sms_port"],
            account=settings.ATD_SMS_ACCOUNT,
            token=settings.ATD_SMS_TOKEN,
            outbox=outbox,
        )

        def stop(*_: Any) -> None:
            stop_smtp()
            server.server_close()
            sys.exit(0)

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(
            f"demo outbox: SMS provider on 127.0.0.1:{options['sms_port']}, "
            f"SMTP on 127.0.0.1:{options['smtp_port']}, writing {settings.ATD_DEMO_OUTBOX}"
        )
        try:
            server.serve_forever()
        finally:
            stop_smtp()
