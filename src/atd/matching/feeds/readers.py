"""Decoding of feed deliveries: CSV with a header row, JSON arrays / {"records": [...]} / NDJSON."""

from __future__ import annotations

from typing import Any

from atd.core.errors import ValidationFailed
from atd.core.uploads import csv_records, delivery_format_guess, delivery_text, json_document


def feed_rows_decode(content: bytes, *, fmt: str) -> list[Any]:
    """One item per record; a delivery that cannot be read at all is one clear error."""
    text = delivery_text(content, noun="delivery")
    if fmt == "csv":
        return csv_records(text, key_column="booking_id")
    if fmt in {"json", "ndjson"}:
        stripped = text.strip()
        # A JSON delivery that opens with "{" is one document: a record, or {"records": [...]}.
        whole = stripped.startswith("[") or (stripped.startswith("{") and fmt == "json")
        data = json_document(stripped, whole=whole)
        if isinstance(data, dict):
            data = data["records"] if isinstance(data.get("records"), list) else [data]
        if not isinstance(data, list):
            raise ValidationFailed(detail="JSON must be an array of records")
        return data
    raise ValidationFailed(detail=f"unknown format {fmt!r}: use csv, json or ndjson")


def feed_format_guess(filename: str) -> str:
    return delivery_format_guess(filename)
