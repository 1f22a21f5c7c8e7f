"""`atd audit verify|checkpoint|rotate-key`: check the keyed audit chain against its signed
checkpoints, sign a checkpoint now, or add a new audit key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from atd.config.env import keyring_append
from atd.core.audit import AuditChainBroken, audit_checkpoint_write, audit_verify
from atd.core.models import AuditChainHead
from atd.core.progress import progress_bar


class Command(BaseCommand):
    help = "Audit log tools: verify, checkpoint, rotate-key"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "rotate-key"])
        parser.add_argument(
            "--checkpoints", type=Path, default=None, help="checkpoint file (default: setting)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            self._checkpoint(options["checkpoints"])
        elif options["action"] == "rotate-key":
            self._rotate_key()
        else:
            self._verify(options["checkpoints"])

    def _verify(self, checkpoints: Path | None) -> None:
        head = AuditChainHead.objects.filter(id=1).first()
        total = head.count if head else 0
        with progress_bar("verifying audit chain", total) as advance:
            result = audit_verify(progress=advance, checkpoints=checkpoints)
        for note in result.notes:
            self.stdout.write(f"note: {note}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"audit chain BROKEN: {len(result.problems)} problem(s) in {result.checked} entries"
            )
        self.stdout.write(f"audit chain OK: {result.checked} entries verified")

    def _checkpoint(self, path: Path | None) -> None:
        try:
            checkpoint = audit_checkpoint_write(path=path)
        except AuditChainBroken as exc:
            raise CommandError(f"no checkpoint signed: the chain is broken: {exc}") from exc
        if checkpoint is None:
            self.stdout.write("no new entries since the last checkpoint")
        else:
            self.stdout.write(
                f"checkpoint signed with key {checkpoint.key_id}: entry {checkpoint.last_id}"
            )

    def _rotate_key(self) -> None:
        path = Path(settings.ATD_AUDIT_KEY_FILE)
        if os.environ.get("ATD_AUDIT_KEYS"):
            raise CommandError(
                "the audit keys come from ATD_AUDIT_KEYS: add id:secret at its end (keep the old"
                " keys) and restart"
            )
        key_id = keyring_append(path)
        self.stdout.write(
            f"added audit key {key_id} to {path}; restart atd's processes to sign with it"
            " (older keys stay for verification)"
        )
