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
        parser.add_argument(
            "--access-log", action="store_true", help="log every request (off: devices send many)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import copy

        import uvicorn
        from uvicorn.config import LOGGING_CONFIG

        # The access log never shows a device credential sent in a query string (an enrolled
        # phone's identifier, OsmAnd's key): passed as log_config so every worker has it.
        log_config = copy.deepcopy(LOGGING_CONFIG)
        log_config.setdefault("filters", {})["query_credentials_redacted"] = {
            "()": "atd.core.log_filters.QueryCredentialsRedacted"
        }
        log_config["handlers"]["access"]["filters"] = ["query_credentials_redacted"]

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
            # uvloop and httptools (C event loop and HTTP parser): measured in
            # docs/benchmarks.md against the pure-Python defaults on the device door; each
            # answer's head and body in one write (core.httpserver).
            loop="uvloop",
            http="atd.core.httpserver:CoalescingHttpToolsProtocol",
            access_log=options["access_log"],
            log_config=log_config,
            # A device door keeps many idle keep-alive connections from trackers.
            timeout_keep_alive=30,
            backlog=4096,
        )
