"""What the database can store from a device, and a storable form of anything for dead letters.

PostgreSQL refuses NUL in text and `\\u0000` in jsonb, psycopg cannot encode an unpaired
surrogate (which Python's json makes from a lone `\\ud800` escape), jsonb refuses NaN and
Infinity, and orjson (which writes the attributes column) refuses integers beyond 64 bits and
more than 255 levels of nesting. A record carrying any of these is refused on its own
(`text_problem`, `json_value_problem`); a dead letter keeps any payload in `dead_letter_form`,
which cannot fail to store.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
RAW_KEEP_BYTES = 64 * 1024  # raw bytes kept per dead letter (the rest is counted, not kept)
DEAD_LETTER_DEPTH = 32
DEAD_LETTER_NODES = 20_000


def text_storable(value: str) -> bool:
    """No NUL and no unpaired surrogate (checked without a regex in the usual ASCII case)."""
    return "\x00" not in value and (value.isascii() or _UNSTORABLE.search(value) is None)


def text_problem(value: Any, name: str) -> str | None:
    if not isinstance(value, str):
        return f"{name} is not text"
    if not text_storable(value):
        return f"{name} holds a NUL or an unpaired surrogate"
    return None


def text_escaped(value: str) -> str:
    """Storable text for a label or detail: NUL and unpaired surrogates as `\\uXXXX` escapes."""
    if text_storable(value):
        return value
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def json_value_problem(
    value: Any, name: str, *, max_depth: int, max_nodes: int = 10_000
) -> str | None:
    """Why a decoded JSON value (a record's attributes) cannot be stored as jsonb, or None.
    Iterative, so no nesting can exhaust the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            return f"{name} holds more than {max_nodes} values"
        kind = type(item)
        if kind is str:
            if not text_storable(item):
                return f"{name} holds a NUL or an unpaired surrogate"
        elif kind is float:
            if not math.isfinite(item):
                return f"{name} holds a number that is not finite"
        elif kind is int:
            if not _INT_MIN <= item <= _INT_MAX:
                return f"{name} holds an integer beyond 64 bits"
        elif kind is dict or kind is list:
            if depth > max_depth:
                return f"{name} is nested deeper than {max_depth} levels"
            if kind is dict:
                for key, sub in item.items():
                    if type(key) is not str or not text_storable(key):
                        return f"{name} has a key with a NUL or an unpaired surrogate"
                    stack.append((sub, depth + 1))
            else:
                stack.extend((sub, depth + 1) for sub in item)
        elif item is not None and kind is not bool:
            return f"{name} holds a {kind.__name__}"
    return None


def raw_form(raw: bytes | str) -> Any:
    """Raw bytes as jsonb can keep them: the text itself when it is storable UTF-8, else
    base64; either way at most RAW_KEEP_BYTES, with the full length noted when cut."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    kept = data[:RAW_KEEP_BYTES]
    out: dict[str, Any] = {}
    try:
        text = kept.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text_storable(text):
        out["raw"] = text
    else:
        out["raw_base64"] = base64.b64encode(kept).decode("ascii")
    if len(data) > len(kept):
        out["raw_bytes"] = len(data)
    return out


def dead_letter_form(payload: Any) -> Any:
    """Any payload as a value jsonb stores and Django's JSONField writes: bytes as `raw_form`;
    a decoded value copied with unstorable text escaped, non-finite numbers and huge integers
    as strings, and anything nested past DEAD_LETTER_DEPTH (or past DEAD_LETTER_NODES values)
    cut and marked. Never raises on content."""
    if isinstance(payload, bytes | bytearray | memoryview):
        return raw_form(bytes(payload))
    raw = getattr(payload, "raw", None)
    if isinstance(raw, bytes):  # an Undecodable part of a payload
        return raw_form(raw)
    budget = [DEAD_LETTER_NODES]

    def copy(value: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            return "…(cut: too many values)"
        kind = type(value)
        if value is None or kind is bool:
            return value
        if kind is str:
            return text_escaped(value)
        if kind is float:
            return value if math.isfinite(value) else repr(value)
        if kind is int:
            return value if _INT_MIN <= value <= _INT_MAX else str(value)[:100]
        if kind is dict or kind is list:
            if depth >= DEAD_LETTER_DEPTH:
                return f"…(cut: nested deeper than {DEAD_LETTER_DEPTH} levels)"
            if kind is dict:
                return {text_escaped(str(k)): copy(v, depth + 1) for k, v in value.items()}
            return [copy(v, depth + 1) for v in value]
        return text_escaped(repr(value)[:1000])

    return copy(payload, 0)
