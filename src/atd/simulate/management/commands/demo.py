"""`atd demo` (make demo): migrate, seed synthetic data once, then run the whole system —
web server, job workers (paging and general) and every process an app registered — until Ctrl-C."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from atd.core.extensions import demo_steps, ordered
from atd.people.models import Office, Participant


class Command(BaseCommand):
    help = "Seed synthetic data and run the whole system at http://127.0.0.1:8000"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, default=2000)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--seed-only", action="store_true", help="seed and exit (no servers)")

    def handle(self, *args: Any, **options: Any) -> None:
        from atd.simulate.demo import (
            DEMO_PASSWORD,
            demo_participant_account,
            demo_run_steps,
            demo_seed_foundation,
        )

        call_command("migrate", verbosity=0)
        if not Office.objects.exists():
            self.stdout.write(f"demo: seeding {options['participants']} synthetic participants ...")
            started = time.monotonic()
            ctx = demo_seed_foundation(participants=options["participants"])
            username, a_number = demo_participant_account(ctx)
            ctx["participant_login"] = (username, a_number)
            demo_run_steps(ctx, self.stdout.write)
            key_file = settings.VAR_DIR / "demo_api_key"
            key_file.write_text(ctx["api_key"])
            key_file.chmod(0o600)
            self.stdout.write(f"demo: seeded in {time.monotonic() - started:.1f} s")
        else:
            self.stdout.write(
                "demo: database already seeded (delete var/atd.sqlite3 to start over)"
            )
        self._print_logins(DEMO_PASSWORD, options["port"])
        if options["seed_only"]:
            return
        self._run(options["port"])

    def _print_logins(self, password: str, port: int) -> None:
        site = f"http://127.0.0.1:{port}"
        participant = Participant.objects.filter(user__isnull=False).order_by("pk").first()
        key_file = settings.VAR_DIR / "demo_api_key"
        lines = [
            "",
            "=" * 72,
            f" atd demo — synthetic data only — {site}",
            "=" * 72,
            f" Password for every demo login: {password}",
            " Staff sign-in then asks for a one-time code (TOTP): open",
            f"   {site}/demo/codes  or run  .venv/bin/atd demo-codes",
            "",
            "  case officer              officer_hou_1   (caseload in Houston)",
            "  contractor case specialist specialist_hou",
            "  supervisor                supervisor_hou  (the whole Houston office)",
            "  records analyst           analyst         (intake and review queues)",
            "  auditor                   auditor         (audit log)",
            "  admin                     admin           (/admin/)",
        ]
        if participant is not None and participant.user is not None:
            lines.append(
                f"  participant (portal)      {participant.user.username}  -> {site}/portal/"
            )
        if key_file.exists():
            lines.append(f"  intake API key (X-API-Key): {key_file.read_text().strip()}")
        lines += ["=" * 72, ""]
        self.stdout.write("\n".join(lines))

    def _outbox_env(self, env: dict[str, str], port: int) -> list[str] | None:
        """Points SMS and e-mail at the demo's own local provider and SMTP server (a child
        process), unless the operator set ATD_SMS_GATEWAY or ATD_EMAIL_HOST themselves: every
        text and e-mail the demo sends lands in the console's Demo outbox (/demo/outbox)."""
        if os.environ.get("ATD_SMS_GATEWAY") or os.environ.get("ATD_EMAIL_HOST"):
            return None
        sms_port, smtp_port = _free_port(), _free_port()
        env.update(
            ATD_SMS_GATEWAY="http",
            ATD_SMS_URL=f"http://127.0.0.1:{sms_port}/2010-04-01/Accounts/ACdemo/Messages.json",
            ATD_SMS_ACCOUNT="ACdemo",
            ATD_SMS_TOKEN=secrets.token_hex(16),
            ATD_SMS_FROM="+12025550100",
            ATD_SMS_CALLBACK_BASE=f"http://127.0.0.1:{port}",
            ATD_EMAIL_HOST="127.0.0.1",
            ATD_EMAIL_PORT=str(smtp_port),
            ATD_EMAIL_TLS="0",
            ATD_DEMO_OUTBOX=str(settings.VAR_DIR / "demo_outbox.jsonl"),
        )
        self.stdout.write(
            f"demo: texts go to a local SMS provider (port {sms_port}), e-mail to a local SMTP "
            f"server (port {smtp_port}); see them at http://127.0.0.1:{port}/demo/outbox"
        )
        return ["--sms-port", str(sms_port), "--smtp-port", str(smtp_port)]

    def _run(self, port: int) -> None:
        atd = [sys.executable, "-m", "atd.cli"]
        env = dict(os.environ, ATD_DEMO="1", ATD_HTTPS="0")
        # The demo phone reports to this server, on whichever port it was given.
        env.setdefault("ATD_TRACKER_URL", f"http://127.0.0.1:{port}/api/telemetry/osmand")
        outbox = self._outbox_env(env, port)
        commands = [
            ("web", [*atd, "serve", "--port", str(port)]),
            # Two job workers (ADR 0015): one reserved for paging, one for every queue; both
            # fire periodic jobs, and the firing table lets each period fire once.
            ("worker:paging", [*atd, "worker", "--queue-name", "paging"]),
            ("worker", [*atd, "worker", "--queue-name", "*"]),
        ]
        if outbox is not None:
            commands.insert(0, ("outbox", [*atd, "manage", "demo_outbox", *outbox]))
        for step in ordered(demo_steps):
            for argv in step.processes():
                commands.append((f"{step.name}:{' '.join(argv)}", [*atd, *argv]))
        children = DemoChildren(env=env, say=self.stderr.write)
        for name, argv in commands:
            self.stdout.write(f"demo: starting {name}")
            children.start(name, argv)

        def stop(*_: Any) -> None:
            children.stop_all()
            sys.exit(0)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"demo: running at http://127.0.0.1:{port} — Ctrl-C stops everything")
        while True:
            time.sleep(1)
            children.supervise(time.monotonic())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DemoChildren:
    """The demo's processes. A child that exits is restarted, with a log line, instead of
    ending the demo; one that keeps crashing is restarted ever more slowly (1, 2, 4 ... 30 s),
    and quickly again once it has stayed up for a minute."""

    def __init__(self, *, env: dict[str, str], say: Callable[[str], Any]) -> None:
        self.env = env
        self.say = say
        self.argv: dict[str, list[str]] = {}
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.restart_at: dict[str, float] = {}
        self.last_exit: dict[str, float] = {}
        self.streak: dict[str, int] = {}

    def start(self, name: str, argv: list[str]) -> None:
        self.argv[name] = argv
        self.running[name] = subprocess.Popen(argv, env=self.env)  # noqa: S603 (our own CLI)

    def supervise(self, now: float) -> None:
        for name, child in list(self.running.items()):
            code = child.poll()
            if code is None:
                continue
            del self.running[name]
            recent = now - self.last_exit.get(name, -1e9) < 60
            self.streak[name] = self.streak.get(name, 0) + 1 if recent else 0
            self.last_exit[name] = now
            delay = float(min(30, 2 ** self.streak[name]))
            self.restart_at[name] = now + delay
            self.say(f"demo: {name} exited with {code}; restarting it in {delay:.0f} s")
        for name, when in list(self.restart_at.items()):
            if now >= when:
                del self.restart_at[name]
                self.say(f"demo: restarting {name}")
                self.start(name, self.argv[name])

    def stop_all(self) -> None:
        for child in self.running.values():
            if child.poll() is None:
                child.terminate()
        for child in self.running.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
