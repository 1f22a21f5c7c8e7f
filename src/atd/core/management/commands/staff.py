"""`atd staff create USERNAME --role ROLE [--office CODE]`: create a staff account (MFA is then
enrolled by the user at first sign-in; the console refuses them until they do)."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from atd.core.actors import Actor
from atd.core.audit import audit_record
from atd.core.roles import STAFF_ROLES


class Command(BaseCommand):
    help = "Create a staff account"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=sorted(STAFF_ROLES))
        create.add_argument("--office-id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        password = getpass.getpass("password: ")
        user = get_user_model()(
            username=options["username"], role=options["role"], office_id=options["office_id"]
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        user.set_password(password)
        user.is_staff = user.is_superuser = options["role"] == "admin"
        user.save()
        audit_record(
            actor=Actor(id=None, label="cli", role="admin"),
            action="user.create",
            object_type="user",
            object_ids=[user.pk],
        )
        self.stdout.write(
            f"staff user {user.username} created; they enrol a second factor at first sign-in"
        )
