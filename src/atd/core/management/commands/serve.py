"""`atd serve`: the web server (uvicorn, ASGI)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Start the web server"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        uvicorn.run(
            "atd.config.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="info",
            # Forwarded headers are believed only from ATD_TRUSTED_PROXIES, and that is decided
            # in one place for every server: core.middleware.RequestContextMiddleware. uvicorn
            # itself must not rewrite the client address from them.
            proxy_headers=False,
        )
