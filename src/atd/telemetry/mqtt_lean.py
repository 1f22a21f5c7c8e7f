"""A paho-mqtt client with a lean path for QoS 1 PUBLISH in and PUBACK out (the MQTT bridge's).

Why: profiled under `bench/fleet.py`, the bridge spent about four fifths of its CPU in paho's
per-message path, not in its own work: every PUBLISH built an MQTT 5 `Properties` object
(about half the bridge's time, even for the empty property block devices send), an
`MQTTMessage` with a `threading.Condition`, walked the topic-filter trie for per-topic
callbacks the bridge never registers, read the socket three or more times (the fixed header
byte by byte), and every PUBACK was its own `send()`. Here:

- the socket is read in large chunks and paho's small reads are served from that buffer;
- a QoS 1 PUBLISH is decoded by hand into a `DeliveredMessage` (an `MQTTMessage` without its
  publish-tracking machinery) and handed straight to `on_message`; its properties are skipped
  after their length is checked (the bridge never used them: it forwards topic and payload);
- `acks_send` queues the PUBACKs of a whole batch as one write, in paho's own output queue
  (so they never interleave with a packet paho is half-way through sending).

Everything else (connect, subscribe, keepalive, reconnect, QoS 0 and 2, MQTT 3) is paho's
own code. What a PUBACK means does not change: the caller sends it after the append.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.exception import MalformedPacket

RECV_CHUNK = 256 * 1024
_PUBACK = struct.Struct("!BBH")  # PUBACK, remaining length 2, packet id (success, MQTT 3 and 5)


class DeliveredMessage(mqtt.MQTTMessage):
    """A received QoS 1 message: mid, topic, payload, qos, dup and retain, nothing else (no
    `info`, no `properties`). An MQTTMessage, so code typed for paho's messages takes it."""

    __slots__ = ()

    def __init__(self, mid: int, topic: bytes, payload: bytes, qos: int, dup: bool, retain: bool):
        # Deliberately not MQTTMessage.__init__: its MQTTMessageInfo (a Condition, for
        # tracking outgoing publishes) is most of a received message's cost and is never used.
        self.mid = mid
        self._topic = topic
        self.payload = payload
        self.qos = qos
        self.dup = dup
        self.retain = retain
        self.timestamp = 0.0


class LeanClient(mqtt.Client):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rbuf = b""
        self._rpos = 0
        self._rsock: Any = None

    def buffered(self) -> int:
        """Bytes read from the socket and not yet parsed."""
        return len(self._rbuf) - self._rpos if self._sock is self._rsock else 0

    def _sock_recv(self, bufsize: int) -> bytes:
        # Same contract as paho's: up to `bufsize` bytes, b"" at end of stream, BlockingIOError
        # when nothing is there. Bytes of a previous connection are never served: the buffer
        # belongs to the socket object it was read from.
        if self._sock is not self._rsock:
            self._rbuf, self._rpos, self._rsock = b"", 0, self._sock
        if self._rpos >= len(self._rbuf):
            data = super()._sock_recv(RECV_CHUNK)
            if not data:
                return data
            self._rbuf, self._rpos = data, 0
        start = self._rpos
        self._rpos = min(start + bufsize, len(self._rbuf))
        return self._rbuf[start : self._rpos]

    def _handle_publish(self) -> MQTTErrorCode:
        header = self._in_packet["command"]
        qos = (header & 0x06) >> 1
        if qos != 1:
            return super()._handle_publish()
        message = publish_decode(
            header, self._in_packet["packet"], v5=self._protocol == mqtt.MQTTv5
        )
        if not self._manual_ack:
            self.on_message(self, self._userdata, message)  # type: ignore[misc]
            return self._send_puback(message.mid)
        self.on_message(self, self._userdata, message)  # type: ignore[misc]
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def acks_send(self, mids: Iterable[int]) -> MQTTErrorCode:
        """PUBACK each of `mids` (QoS 1 messages received with manual_ack), as one write."""
        packet = b"".join([_PUBACK.pack(mqtt.PUBACK, 2, mid) for mid in mids])
        if not packet:
            return MQTTErrorCode.MQTT_ERR_SUCCESS
        # One entry of paho's output queue holding many PUBACKs: paho writes it like any
        # packet (resuming a partial write) and does nothing else for a PUBACK once written.
        return self._packet_queue(mqtt.PUBACK, packet, 0, 0)


def publish_decode(header: int, packet: bytes | bytearray, *, v5: bool) -> DeliveredMessage:
    """A PUBLISH's variable header and payload (what follows the fixed header). Raises
    MalformedPacket, which paho's reader turns into a protocol error (disconnect), as it does
    for a packet its own decoder refuses."""
    n = len(packet)
    if n < 2:
        raise MalformedPacket("PUBLISH too short")
    pos = 2 + ((packet[0] << 8) | packet[1])
    qos = (header & 0x06) >> 1
    if pos > n:
        raise MalformedPacket("PUBLISH topic longer than the packet")
    topic = bytes(packet[2:pos])
    mid = 0
    if qos:
        if pos + 2 > n:
            raise MalformedPacket("PUBLISH without its packet id")
        mid = (packet[pos] << 8) | packet[pos + 1]
        pos += 2
    if v5:
        length, mult = 0, 1
        for _ in range(4):  # a variable byte integer is at most 4 bytes
            if pos >= n:
                raise MalformedPacket("PUBLISH properties cut short")
            byte = packet[pos]
            pos += 1
            length += (byte & 0x7F) * mult
            mult *= 128
            if not byte & 0x80:
                break
        else:
            raise MalformedPacket("PUBLISH properties length over 4 bytes")
        pos += length
        if pos > n:
            raise MalformedPacket("PUBLISH properties longer than the packet")
    return DeliveredMessage(
        mid, topic, bytes(packet[pos:]), qos, bool(header & 0x08), bool(header & 0x01)
    )
