"""`atd crypto status|rotate-key|reencrypt`: field encryption keys (ADR 0021).

rotate-key adds a new field key (the old ones stay, so what they sealed still opens);
reencrypt seals every value not sealed under the current key with it (run it after a rotation,
once every process uses the new key); status counts the stored values per key id."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from atd.config.env import keyring_append
from atd.core.fieldcrypt import (
    current_field_key_id,
    key_usage,
    models_with_encrypted_fields,
    reencrypt_model,
)


class Command(BaseCommand):
    help = "Field encryption: status, rotate-key, reencrypt"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "rotate-key", "reencrypt"])

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "rotate-key":
            path = Path(settings.ATD_FIELD_KEY_FILE)
            if os.environ.get("ATD_FIELD_KEYS"):
                raise CommandError(
                    "the field keys come from ATD_FIELD_KEYS: add id:secret at its end (keep the"
                    " old keys), restart, then run `atd crypto reencrypt`"
                )
            key_id = keyring_append(path)
            self.stdout.write(
                f"added field key {key_id} to {path}; restart atd's processes to seal with it,"
                " then run `atd crypto reencrypt` (older keys stay so old values still open)"
            )
            return
        current = current_field_key_id()
        for model in models_with_encrypted_fields():
            label = model._meta.label
            if action == "reencrypt":
                count = reencrypt_model(model)
                self.stdout.write(f"{label}: {count} value(s) sealed with key {current}")
            else:
                usage = key_usage(model)
                words = ", ".join(f"{k}: {n}" for k, n in sorted(usage.items())) or "empty"
                self.stdout.write(f"{label}: {words}")
        if action == "status":
            self.stdout.write(f"current field key: {current}")
