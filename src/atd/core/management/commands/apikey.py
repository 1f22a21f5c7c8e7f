"""`atd apikey issue NAME --scope intake` / `atd apikey revoke ID --reason ...`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atd.core.actors import Actor
from atd.core.apikeys import api_key_issue, api_key_revoke
from atd.core.errors import DomainError
from atd.core.models import ApiKey


class Command(BaseCommand):
    help = "Issue or revoke integration API keys"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue")
        issue.add_argument("name")
        issue.add_argument("--scope", action="append", required=True, choices=ApiKey.Scope.values)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("key_id", type=int)
        revoke.add_argument("--reason", required=True)
        sub.add_parser("list")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor(id=None, label="cli", role="admin")
        try:
            if options["action"] == "issue":
                key, plain = api_key_issue(
                    actor=actor, name=options["name"], scopes=options["scope"]
                )
                self.stdout.write(f"key {key.pk} ({', '.join(key.scopes)}): {plain}")
                self.stdout.write("Store it now: only its hash is kept.")
            elif options["action"] == "revoke":
                api_key_revoke(actor=actor, key_id=options["key_id"], reason=options["reason"])
                self.stdout.write(f"key {options['key_id']} revoked")
            else:
                for key in ApiKey.objects.order_by("pk"):
                    state = "revoked" if key.revoked_at else "active"
                    self.stdout.write(
                        f"{key.pk}\t{key.prefix}\t{state}\t{','.join(key.scopes)}\t{key.name}"
                    )
        except (DomainError, ApiKey.DoesNotExist) as exc:
            raise CommandError(str(exc)) from None
