"""Decoding of release files: CSV (with a header row) and JSON (an array or NDJSON)."""

from __future__ import annotations

from typing import Any

from atd.core.errors import ValidationFailed
from atd.core.uploads import csv_records, delivery_format_guess, delivery_text, json_document


def release_rows_decode(content: bytes, *, fmt: str) -> list[dict[str, Any]]:
    """Returns one dict per record; a file that cannot be read at all is one clear error."""
    text = delivery_text(content, noun="file")
    if fmt == "csv":
        return csv_records(text, key_column="a_number")
    if fmt in {"json", "ndjson"}:
        stripped = text.strip()
        # A one-line JSON object is one record; an object over several lines is read as NDJSON.
        one = stripped.startswith("{") and fmt == "json" and "\n" not in stripped
        data = json_document(stripped, whole=stripped.startswith("[") or one)
        if one:
            data = [data]
        if isinstance(data, dict) and isinstance(data.get("records"), list):
            data = data["records"]
        if not isinstance(data, list):
            raise ValidationFailed(detail="JSON must be an array of records")
        return data
    raise ValidationFailed(detail=f"unknown format {fmt!r}: use csv, json or ndjson")


def release_format_guess(filename: str) -> str:
    return delivery_format_guess(filename)
