"""JSON as devices send it: decoding of request bodies and MQTT payloads."""

from __future__ import annotations

import json
from typing import Any

import orjson


def json_loads(body: bytes | str) -> Any:
    """orjson (several times faster on a 10,000-record body); a body it refuses but Python's
    json reads (NaN or Infinity literals) falls back to json, so such a record is still
    rejected on its own with its reason instead of failing the whole batch."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)
