"""Decoding of feed deliveries: CSV with a header row, JSON arrays / {"records": [...]} / NDJSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from atd.core.errors import ValidationFailed


def feed_rows_decode(content: bytes, *, fmt: str) -> list[Any]:
    """One item per record; a delivery that cannot be read at all is one clear error."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(detail="the delivery is not UTF-8 text") from None
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        fields = [(f or "").strip() for f in reader.fieldnames or []]
        if "booking_id" not in fields:
            raise ValidationFailed(
                detail="the CSV file needs a header row with a booking_id column"
            )
        return [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    if fmt in {"json", "ndjson"}:
        stripped = text.strip()
        try:
            if stripped.startswith("[") or (stripped.startswith("{") and fmt == "json"):
                data = json.loads(stripped)
            else:
                data = [json.loads(line) for line in stripped.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValidationFailed(detail=f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
        if isinstance(data, dict):
            data = data["records"] if isinstance(data.get("records"), list) else [data]
        if not isinstance(data, list):
            raise ValidationFailed(detail="JSON must be an array of records")
        return data
    raise ValidationFailed(detail=f"unknown format {fmt!r}: use csv, json or ndjson")


def feed_format_guess(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    return "json"
