"""Fuzz target for the decoders (issue 16), Hypothesis-driven and bounded so it runs in every
test run (ATD_FUZZ_EXAMPLES raises the count for a longer session): whatever the bytes, the
wire decoder raises only PayloadProblem, the record decoders (bulk and per record) only
RecordProblem, and the dead-letter form of anything is JSON that jsonb stores."""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atd.telemetry.rules.columns import records_to_columns
from atd.telemetry.rules.records import (
    RecordProblem,
    osmand_to_record,
    record_decode,
    traccar_json_to_record,
)
from atd.telemetry.rules.storable import dead_letter_form
from atd.telemetry.wire import PayloadProblem, WireLimits, batch_decode

EXAMPLES = int(os.environ.get("ATD_FUZZ_EXAMPLES", "400"))
LIMITS = WireLimits(max_bytes=64 * 1024, max_depth=8, max_records=200)
REASONS = {"malformed", "too_large", "too_deep", "too_many_records"}
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOKENS = [
    "[", "]", "{", "}", ",", ":", '"lat"', '"lon"', '"time"', '"device"', '"attributes"',
    '"records"', '"key"', '"event"', "NaN", "Infinity", "-Infinity", "1e999", "-0", "1" * 30,
    "true", "null", '"\\u0000"', '"\\ud800"', '"\\udfff\\ud800"', '"2026-06-01T00:00:00Z"',
    "1780000000", "41.88", '"strap_open"', "\n", '"²"', '"\\u0000x"',
]  # fmt: skip
SURROGATES = st.sampled_from(["\ud800", "\udfff", "a\ud834"])
TEXT = st.one_of(st.text(max_size=8), SURROGATES, st.just("\x00"))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT, st.just(10**400)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(["lat", "lon", "time", "attributes", "key", "event"]), TEXT),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=20,
)
BODIES = st.one_of(
    st.binary(max_size=2048),
    st.lists(st.sampled_from(TOKENS), max_size=60).map(lambda t: "".join(t).encode()),
    VALUES.map(lambda v: json.dumps(v, allow_nan=True).encode()),
    st.tuples(VALUES, st.integers(0, 200)).map(
        lambda p: json.dumps(p[0], allow_nan=True).encode()[: p[1]]  # cut anywhere
    ),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
)


def assert_storable(value: Any) -> None:
    text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    assert "\x00" not in text
    text.encode("utf-8")  # no unpaired surrogate


def judge_every_record(records: list[Any]) -> None:
    for index, record in enumerate(records):
        try:
            record_decode(index, record, serial="D-1", secret="s")
        except RecordProblem as problem:
            assert problem.reason
        assert_storable(dead_letter_form(record))
    columns, slow = records_to_columns(records, ["D-1"] * len(records), ["s"] * len(records))
    assert len(columns) + len(slow) == len(records)


@FUZZ
@given(body=BODIES, ndjson=st.booleans())
def test_any_bytes_decode_to_records_or_a_named_problem(body: bytes, ndjson: bool) -> None:
    try:
        records = batch_decode(body, ndjson=ndjson, limits=LIMITS)
    except PayloadProblem as problem:
        assert problem.reason in REASONS
        assert_storable(dead_letter_form(body))
        return
    judge_every_record(records)


@FUZZ
@given(value=VALUES)
def test_any_json_value_as_a_traccar_body_or_osmand_parameters(value: Any) -> None:
    if isinstance(value, dict):
        try:
            judge_every_record([traccar_json_to_record(value)])
        except RecordProblem as problem:
            assert problem.reason == "malformed"
        params = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
        judge_every_record([osmand_to_record(params)])
    assert_storable(dead_letter_form(value))
