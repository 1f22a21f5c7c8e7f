"""The bridge's lean paho client: reads what paho reads, refuses what it cannot read, acks in one
write. No broker needed: a fake socket stands in for it."""

from __future__ import annotations

import random
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt import _packet
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.exception import MalformedPacket
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from atd.telemetry.mqtt_lean import LeanClient, publish_decode


def remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def publish_body(topic: bytes, mid: int, payload: bytes, props: Properties | None) -> bytes:
    """A QoS 1 PUBLISH after its fixed header, as a broker sends it."""
    packed = props.pack() if props is not None else b"\x00"
    return len(topic).to_bytes(2, "big") + topic + mid.to_bytes(2, "big") + packed + payload


def publish_packet(topic: bytes, mid: int, payload: bytes, *, dup: bool = False) -> bytes:
    body = publish_body(topic, mid, payload, None)
    return bytes([0x32 | (0x08 if dup else 0)]) + remaining_length(len(body)) + body


def some_properties(draw: Any) -> Properties | None:
    if not draw(st.booleans()):
        return None
    props = Properties(PacketTypes.PUBLISH)
    if draw(st.booleans()):
        props.PayloadFormatIndicator = 1
    if draw(st.booleans()):
        props.MessageExpiryInterval = draw(st.integers(0, 2**32 - 1))
    if draw(st.booleans()):
        # No NUL: paho's own property reader refuses it (MQTT strings exclude U+0000); this
        # client skips properties unread, so one cannot wedge the bridge in a reconnect loop.
        text = st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=300)
        props.UserProperty = ("k", draw(text))
    return props


@settings(max_examples=300, deadline=None)
@given(
    topic=st.text(min_size=1, max_size=80),
    mid=st.integers(1, 65535),
    payload=st.binary(max_size=2000),
    header_bits=st.integers(0, 0x09),
    data=st.data(),
)
def test_publish_decode_reads_what_paho_reads(
    topic: str, mid: int, payload: bytes, header_bits: int, data: Any
) -> None:
    props = some_properties(data.draw)
    header = 0x32 | (header_bits & 0x09)  # QoS 1, any DUP and RETAIN
    body = bytearray(publish_body(topic.encode(), mid, payload, props))
    ours = publish_decode(header, body, v5=True)
    paho = _packet.decode_publish(header, body, mqtt.MQTTv5)
    assert (ours.mid, ours._topic, ours.payload, ours.qos, ours.dup, ours.retain) == (
        paho.mid,
        paho.topic,
        paho.payload,
        paho.qos,
        paho.dup,
        paho.retain,
    )
    assert ours.topic == topic and isinstance(ours, mqtt.MQTTMessage)


@settings(max_examples=500, deadline=None)
@given(body=st.binary(max_size=64), header=st.integers(0x30, 0x3F))
def test_publish_decode_raises_only_malformed_packet_on_hostile_bytes(
    body: bytes, header: int
) -> None:
    try:
        message = publish_decode(header, body, v5=True)
    except MalformedPacket:
        return
    assert len(message.payload) <= len(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00",
        b"\x00\x09abc",  # the topic runs past the packet
        b"\x00\x01a\x00",  # no room for the packet id
        b"\x00\x01a\x00\x01",  # the properties' length is missing
        b"\x00\x01a\x00\x01\xff\xff\xff\xff\x01",  # a length of five bytes
        b"\x00\x01a\x00\x01\x05ab",  # properties longer than the packet
    ],
)
def test_publish_decode_refuses_a_cut_or_lying_packet(body: bytes) -> None:
    with pytest.raises(MalformedPacket):
        publish_decode(0x32, body, v5=True)


class FakeSocket:
    """Hands out the given chunks one recv at a time; records what is sent."""

    def __init__(self, chunks: list[bytes], *, send_at_most: int = 1 << 30) -> None:
        self.chunks = list(chunks)
        self.sent = bytearray()
        self.recvs = 0
        self.send_at_most = send_at_most

    def recv(self, bufsize: int) -> bytes:
        self.recvs += 1
        if not self.chunks:
            raise BlockingIOError
        chunk = self.chunks.pop(0)
        assert len(chunk) <= bufsize
        return chunk

    def close(self) -> None:
        pass

    def send(self, data: bytes) -> int:
        n = min(len(data), self.send_at_most)
        self.sent += data[:n]
        return n


def lean_client() -> tuple[LeanClient, list[mqtt.MQTTMessage]]:
    got: list[mqtt.MQTTMessage] = []
    client = LeanClient(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5, manual_ack=True)
    client.on_message = lambda _c, _u, m: got.append(m)
    return client, got


def read_all(client: LeanClient) -> None:
    while client._packet_read() == 0:
        pass


def test_packets_split_anywhere_across_reads_arrive_whole_and_in_order() -> None:
    rng = random.Random(21)
    payloads = [rng.randbytes(rng.randrange(300)) for _ in range(200)]
    packets = [
        publish_packet(f"atd/devices/d{i % 7}/telemetry".encode(), i + 1, payload)
        for i, payload in enumerate(payloads)
    ]
    stream = b"".join(packets)
    cuts = sorted(rng.sample(range(1, len(stream)), 150))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    client, got = lean_client()
    sock = FakeSocket(chunks)
    client._sock = sock  # type: ignore[assignment]
    read_all(client)
    assert [m.mid for m in got] == list(range(1, 201))
    assert [m.payload for m in got] == payloads
    assert got[3].topic == "atd/devices/d3/telemetry"
    # Buffered: one recv per chunk (plus the one that found nothing), not three per packet.
    assert sock.recvs <= len(chunks) + 1


def test_bytes_buffered_from_a_lost_connection_are_never_served_on_the_next() -> None:
    client, got = lean_client()
    whole = publish_packet(b"atd/devices/a/telemetry", 1, b"old")
    client._sock = FakeSocket([whole + whole[:5]])  # type: ignore[assignment]
    read_all(client)
    assert [m.payload for m in got] == [b"old"]
    # What paho's reconnect does: a fresh socket, and the half-read packet forgotten.
    client._in_packet = {
        "command": 0,
        "have_remaining": 0,
        "remaining_count": [],
        "remaining_mult": 1,
        "remaining_length": 0,
        "packet": bytearray(b""),
        "to_process": 0,
        "pos": 0,
    }
    client._sock = FakeSocket([publish_packet(b"atd/devices/a/telemetry", 2, b"new")])  # type: ignore[assignment]
    read_all(client)
    assert [m.payload for m in got] == [b"old", b"new"]


def test_acks_send_writes_every_puback_as_one_queued_write_even_when_cut() -> None:
    client, _ = lean_client()
    sock = FakeSocket([], send_at_most=5)
    client._sock = sock  # type: ignore[assignment]
    client.acks_send([1, 2, 65535])
    while client.want_write():
        client.loop_write()
    assert bytes(sock.sent) == bytes.fromhex("40020001400200024002ffff")
    client.acks_send([])
    assert bytes(sock.sent) == bytes.fromhex("40020001400200024002ffff")
