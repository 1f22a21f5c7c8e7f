"""A local HTTP server that plays an SMS provider for tests: it takes messages as the real REST
API does (form POST, basic auth, a message id back), fails or stalls on demand, and posts
signed callbacks (delivery states, replies) to the application like the provider would."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlencode
from urllib.request import Request, urlopen

from atd.alerts.channels.sms.http import INBOUND_PATH, STATUS_PATH, callback_signature


@dataclass
class ProviderAnswer:
    status: int = 201
    body: dict[str, Any] | None = None
    delay_s: float = 0.0


@dataclass
class ReceivedMessage:
    path: str
    fields: dict[str, str]
    authorized: bool


@dataclass
class FakeSmsProvider:
    account: str = "AC0123456789"
    token: str = "provider-token"
    received: list[ReceivedMessage] = field(default_factory=list)
    answers: deque[ProviderAnswer] = field(default_factory=deque)

    def __post_init__(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
                fields = dict(parse_qsl(self.rfile.read(length).decode()))
                expected = base64.b64encode(f"{provider.account}:{provider.token}".encode())
                authorized = self.headers.get("Authorization") == f"Basic {expected.decode()}"
                provider.received.append(ReceivedMessage(self.path, fields, authorized))
                answer = provider.answers.popleft() if provider.answers else ProviderAnswer()
                if answer.delay_s:
                    time.sleep(answer.delay_s)
                if not authorized:
                    answer = ProviderAnswer(401, {"message": "Authenticate"})
                body = answer.body
                if body is None:
                    body = {"sid": f"SM{len(provider.received):032d}", "status": "queued"}
                raw = json.dumps(body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:  # the client gave up (a timeout test): nothing to answer
                    pass

            def log_message(self, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/2010-04-01/Accounts/{self.account}/Messages.json"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def post_callback(
        self, base_url: str, path: str, fields: dict[str, str], *, sign: bool = True
    ) -> int:
        """Posts a callback to the application as the provider does; returns the HTTP status."""
        url = base_url.rstrip("/") + path
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if sign:
            headers["X-Twilio-Signature"] = callback_signature(self.token, url, fields)
        request = Request(url, data=urlencode(fields).encode(), method="POST", headers=headers)  # noqa: S310 - loopback test server
        try:
            with urlopen(request, timeout=10) as answer:  # noqa: S310
                return int(answer.status)
        except HTTPError as exc:
            return exc.code

    def report_status(self, base_url: str, sid: str, status: str, **extra: str) -> int:
        return self.post_callback(
            base_url, STATUS_PATH, {"MessageSid": sid, "MessageStatus": status, **extra}
        )

    def reply(self, base_url: str, sender: str, body: str) -> int:
        fields = {"MessageSid": f"SMreply{len(body)}", "From": sender, "Body": body}
        return self.post_callback(base_url, INBOUND_PATH, fields)
