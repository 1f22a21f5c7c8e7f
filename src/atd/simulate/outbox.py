"""The demo's local SMS provider and SMTP server (`atd demo` runs them as one child process,
`atd manage demo_outbox`) and the reading of what they received for the console's Demo outbox.

Both write each message they take as one JSON line to ATD_DEMO_OUTBOX. The SMS side speaks the
provider shape the http gateway uses (form POST, basic auth, a message id back) and, a moment
later, posts a signed "delivered" status callback to the StatusCallback URL it was given, so the
console shows the message as delivered, as it would with a real provider."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from urllib.request import Request, urlopen

from atd.alerts.channels.sms.http import callback_signature

MAX_LINE_BYTES = 64 * 1024


@dataclass(frozen=True)
class OutboxMessage:
    channel: str  # "sms" or "email"
    at: str  # ISO time it was received
    to: str
    sender: str
    subject: str
    body: str
    ref: str  # the provider's message id (SMS) or the Message-ID (e-mail)


class OutboxFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, **row: str) -> None:
        row = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **row}
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def outbox_read(path: str, *, limit: int = 200) -> list[OutboxMessage]:
    """The latest `limit` messages, newest first; lines that are not whole JSON are skipped."""
    file = Path(path) if path else None
    if file is None or not file.is_file():
        return []
    with file.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - limit * 4096))
        lines = handle.read().splitlines()[-limit:]
    out = []
    for raw in reversed(lines):
        if len(raw) > MAX_LINE_BYTES:
            continue
        try:
            row = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(row, dict):
            continue
        out.append(
            OutboxMessage(
                **{
                    k: str(row.get(k, ""))
                    for k in ("channel", "at", "to", "sender", "subject", "body", "ref")
                }
            )
        )
    return out


def sms_provider_server(
    *, port: int, account: str, token: str, outbox: OutboxFile, delay_s: float = 1.0
) -> ThreadingHTTPServer:
    """The demo's SMS provider on 127.0.0.1:`port` (serve it with serve_forever)."""
    expected = "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode()

    def report(callback: str, sid: str) -> None:
        time.sleep(delay_s)
        fields = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": account}
        request = Request(  # noqa: S310 - the application's own loopback callback URL
            callback,
            data=urlencode(fields).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": callback_signature(token, callback, fields),
            },
        )
        try:
            with urlopen(request, timeout=10):  # noqa: S310
                pass
        except OSError:
            pass  # the web server may be restarting; the message just stays "sent"

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
            fields = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
            if self.headers.get("Authorization") != expected:
                self._answer(401, {"message": "Authenticate"})
                return
            sid = "SM" + uuid.uuid4().hex
            outbox.append(
                channel="sms",
                to=fields.get("To", ""),
                sender=fields.get("From", ""),
                subject="",
                body=fields.get("Body", ""),
                ref=sid,
            )
            self._answer(201, {"sid": sid, "status": "queued"})
            callback = fields.get("StatusCallback", "")
            if callback.startswith(("http://127.0.0.1", "http://localhost")):
                threading.Thread(target=report, args=(callback, sid), daemon=True).start()

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            return None

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


class SmtpOutboxHandler:
    """aiosmtpd handler: each message received is written to the outbox."""

    def __init__(self, outbox: OutboxFile) -> None:
        self.outbox = outbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content)
        body = message.get_payload(decode=True) if not message.is_multipart() else b""
        charset = message.get_content_charset() or "utf-8"
        self.outbox.append(
            channel="email",
            to=", ".join(envelope.rcpt_tos),
            sender=str(envelope.mail_from),
            subject=str(make_header(decode_header(message.get("Subject", "")))),
            body=(body or b"").decode(charset, "replace") if isinstance(body, bytes) else "",
            ref=str(message.get("Message-ID", "")),
        )
        return "250 Message accepted for delivery"


def smtp_server_start(*, port: int, outbox: OutboxFile) -> Callable[[], None]:
    """Starts the demo's SMTP server on 127.0.0.1:`port`; returns its stop function."""
    from aiosmtpd.controller import Controller

    controller = Controller(SmtpOutboxHandler(outbox), hostname="127.0.0.1", port=port)
    controller.start()
    return controller.stop
