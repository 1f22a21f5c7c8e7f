"""uvicorn's httptools protocol, with an answer's status line and headers sent together with
its first body bytes: one socket write (one TCP segment for a small answer) instead of two.

uvicorn writes the head of a response when the app sends `http.response.start` and the body
when it sends `http.response.body`: two `transport.write` calls, each a `send` system call on
uvloop, and two segments the client must read. A device door answers "OK" thousands of times
a second; measured against the constant-200 server of `bench/fleet.py` (same wrk, alternated
three times) this took 32,000–43,700 requests/s to 40,100–52,700. The head is held only until
the next write on the connection or the event loop's next turn (`call_soon`), so a response
whose body comes later (a stream, a slow view) still sends its head at once; closing the
connection sends what is held first. Everything else is the transport's own.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# A body up to this size is joined to the held head (one copy, one write); a larger one goes
# with it in one vectored write (`writelines`), without copying it.
JOIN_MAX = 16 * 1024


class CoalescingTransport:
    """Wraps a transport: the head of a response (a write that starts with "HTTP/" and ends
    with the blank line) waits for the next write or the loop's next turn."""

    __slots__ = ("_transport", "_held", "_loop")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self._loop = loop

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if len(data) <= JOIN_MAX:
                self._transport.write(held + data)
            else:
                self._transport.writelines((held, data))
            return
        if data[:5] == b"HTTP/" and data[-4:] == b"\r\n\r\n":
            self._held = data
            self._loop.call_soon(self.flush)
            return
        self._transport.write(data)

    def writelines(self, chunks: Any) -> None:
        self.flush()
        self._transport.writelines(chunks)

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """`atd serve`'s HTTP protocol (uvicorn's `http=`): httptools with CoalescingTransport."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCPTransport is not an asyncio.Transport subclass: no isinstance check here.
        wrapped = CoalescingTransport(cast(asyncio.Transport, transport), self.loop)
        super().connection_made(cast(asyncio.Transport, wrapped))
