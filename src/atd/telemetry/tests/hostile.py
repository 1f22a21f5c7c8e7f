"""Hypothesis strategies for the ingest doors' property tests: valid records, and hostile
records that must each be refused (with a reason) whatever else is in the batch."""

from __future__ import annotations

import itertools
import json
import math
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from atd.telemetry.rules.records import EVENT_KINDS
from atd.telemetry.tests.conftest import HOME

# Unique event times across every example of a run (stored rows accumulate within a test).
_tick = itertools.count(1)

BAD_TEXT = st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfff", "\x00\ud834", "\udc00z"])
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
WHOLE_PAYLOADS: list[bytes] = [
    b"[" * 200_000,  # nested beyond any decoder's depth
    b"[" * 3000 + b"NaN" + b"]" * 3000,
    b"\xff\xfe\x00garbage",
    b"null",
    b"42",
    b'"just text"',
    b"{nope",
    b"",
]


def next_tick() -> int:
    return next(_tick)


def valid_record(now: datetime, seq: int) -> dict[str, Any]:
    """A plain fix with a time no other example of the run uses (seq = its tick)."""
    return {
        "seq": seq,
        "time": (now - timedelta(seconds=seq)).isoformat(),
        "lat": HOME[0] + (seq % 100) * 1e-5,
        "lon": HOME[1],
        "accuracy": 8,
        "battery": 80,
    }


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def hostile_record(now: datetime) -> st.SearchStrategy[Any]:
    """A record that must be refused on its own: each branch breaks one rule for certain."""
    base = {"seq": -1, "time": (now - timedelta(minutes=1)).isoformat(), "lat": 1.0, "lon": 1.0}

    def with_(**change: Any) -> dict[str, Any]:
        return {**base, **change}

    bad_lat: st.SearchStrategy[Any] = st.one_of(
        NON_FINITE,
        st.floats(min_value=90.0001, max_value=1e308),
        st.sampled_from(["north", "", [], {}, True, None, "1e999", "nan", 10**400]),
    )
    bad_time = st.one_of(
        NON_FINITE,
        st.sampled_from(["nope", "2026-13-01", "²", {}, [], True, 10**400, "9" * 30]),
        st.just((now + timedelta(days=3)).isoformat()),  # future_time
        st.just((now - timedelta(days=400)).isoformat()),  # too_old
    )
    text = st.text(max_size=6)
    return st.one_of(
        bad_lat.map(lambda v: with_(lat=v)),
        bad_lat.map(lambda v: with_(lon=v if not isinstance(v, float) else v * 2)),
        bad_time.map(lambda v: with_(time=v)),
        st.tuples(text, BAD_TEXT).map(lambda p: with_(device=p[0] + p[1])),
        st.tuples(text, BAD_TEXT).map(lambda p: with_(attributes={"note": p[0] + p[1]})),
        BAD_TEXT.map(lambda b: with_(attributes={b: 1})),
        NON_FINITE.map(lambda v: with_(attributes={"snr": v})),
        st.integers(9, 60).map(lambda n: with_(attributes={"deep": _deep(n)})),
        st.sampled_from(["str", 7, [1], True]).map(lambda v: with_(attributes=v)),
        text.filter(lambda t: t not in EVENT_KINDS).map(lambda t: with_(event=t)),
        st.sampled_from([[], {}, 2**64, "x", 1.5e300]).map(lambda v: with_(seq=v)),
        st.sampled_from([{"battery": 101}, {"battery": -1}, {"speed": -2}, {"accuracy": -1}]).map(
            lambda v: with_(**v)
        ),
        st.just(with_(key="not-the-key")),
        st.one_of(
            st.integers(), st.text(max_size=5), st.none(), st.lists(st.integers(), max_size=3)
        ),
    )


def json_body(records: list[Any]) -> bytes:
    """As a careless or hostile client writes it: NaN/Infinity literals, \\ud800 escapes."""
    return json.dumps(records, allow_nan=True).encode()
