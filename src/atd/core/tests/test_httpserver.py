"""core.httpserver: a response's head goes out with its first body bytes, and nothing is held
back: not a streamed response's head, not what is pending when the connection closes."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import time
from typing import Any

import pytest

from atd.core.httpserver import JOIN_MAX, CoalescingHttpToolsProtocol, CoalescingTransport

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.extra = {"peername": ("127.0.0.1", 1)}

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def writelines(self, chunks: Any) -> None:
        self.writes.append(b"".join(chunks))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.extra.get(name, default)


def wrapped() -> tuple[CoalescingTransport, FakeTransport, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    fake = FakeTransport()
    return CoalescingTransport(fake, loop), fake, loop  # type: ignore[arg-type]


def turn(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0))


def test_head_and_body_leave_in_one_write() -> None:
    t, fake, loop = wrapped()
    t.write(HEAD)
    assert fake.writes == []
    t.write(b"OK")
    assert fake.writes == [HEAD + b"OK"]
    turn(loop)  # the scheduled flush finds nothing held
    assert fake.writes == [HEAD + b"OK"]
    loop.close()


def test_a_head_alone_leaves_at_the_next_turn_of_the_loop() -> None:
    t, fake, loop = wrapped()
    t.write(HEAD)
    turn(loop)
    assert fake.writes == [HEAD]
    t.write(b"OK")  # a later body is written as it comes
    assert fake.writes == [HEAD, b"OK"]
    loop.close()


def test_what_is_not_a_head_is_never_held() -> None:
    t, fake, loop = wrapped()
    for data in (b"5\r\nhello\r\n", b"HTTP/1.1 200 OK\r\n", b"\r\n\r\n", b""):
        t.write(data)
    assert fake.writes == [b"5\r\nhello\r\n", b"HTTP/1.1 200 OK\r\n", b"\r\n\r\n", b""]
    loop.close()


def test_close_sends_the_held_head_first_and_abort_drops_it() -> None:
    t, fake, loop = wrapped()
    t.write(HEAD)
    t.close()
    assert fake.writes == [HEAD] and fake.closed
    t2, fake2, _ = wrapped()
    t2.write(HEAD)
    t2.abort()
    assert fake2.writes == [] and fake2.closed
    loop.close()


def test_a_large_body_goes_with_the_head_without_being_joined_and_other_calls_pass_through() -> (
    None
):
    t, fake, loop = wrapped()
    body = b"x" * (JOIN_MAX + 1)
    t.write(HEAD)
    t.write(body)
    assert fake.writes == [HEAD + body]  # one writelines call (the fake joins to record it)
    assert t.get_extra_info("peername") == ("127.0.0.1", 1)
    t.write(HEAD)
    t.writelines([b"a", b"b"])  # writelines sends the held head first
    assert fake.writes[-2:] == [HEAD, b"ab"]
    loop.close()


# --- a real uvicorn server with the protocol ------------------------------------------------


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await asyncio.sleep(1.0)  # the client must have the head and "first" by now
        await send({"type": "http.response.body", "body": b"last"})
        return
    body = b"x" * (JOIN_MAX * 3) if scope["path"] == "/big" else b"OK"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


@pytest.fixture(params=["asyncio", "uvloop"])
def server(request: pytest.FixtureRequest) -> Any:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        loop=request.param,  # atd serve runs uvloop, whose transports are not asyncio's
        http=CoalescingHttpToolsProtocol,
        lifespan="off",
        log_level="warning",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield port
    srv.should_exit = True
    thread.join(timeout=10)


def test_a_real_server_answers_keep_alive_head_large_and_streamed_responses(server: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    for _ in range(3):  # one connection, several answers
        conn.request("GET", "/api/telemetry/osmand?id=x")
        answer = conn.getresponse()
        assert (answer.status, answer.read()) == (200, b"OK")
    conn.request("HEAD", "/")
    answer = conn.getresponse()
    assert answer.status == 200 and answer.getheader("content-length") == "2"
    assert answer.read() == b""
    conn.request("POST", "/big", body=b"a=1", headers={"content-type": "text/plain"})
    answer = conn.getresponse()
    assert answer.read() == b"x" * (JOIN_MAX * 3)
    conn.close()

    # A streamed answer: its head and first chunk arrive while the app still waits.
    raw = socket.create_connection(("127.0.0.1", server), timeout=5)
    raw.sendall(b"GET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
    started = time.monotonic()
    got = b""
    while b"first" not in got:
        got += raw.recv(4096)
    assert time.monotonic() - started < 0.8
    assert got.startswith(b"HTTP/1.1 200 OK")
    while not got.endswith(b"0\r\n\r\n"):
        got += raw.recv(4096)
    assert b"last" in got
    raw.close()
