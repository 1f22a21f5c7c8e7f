"""Decoding of release files: CSV (with a header row) and JSON (an array or NDJSON)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from atd.core.errors import ValidationFailed


def release_rows_decode(content: bytes, *, fmt: str) -> list[dict[str, Any]]:
    """Returns one dict per record; a file that cannot be read at all is one clear error."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(detail="the file is not UTF-8 text") from None
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "a_number" not in [f.strip() for f in reader.fieldnames]:
            raise ValidationFailed(detail="the CSV file needs a header row with an a_number column")
        return [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    if fmt in {"json", "ndjson"}:
        stripped = text.strip()
        try:
            if stripped.startswith("["):
                data = json.loads(stripped)
            elif stripped.startswith("{") and fmt == "json" and "\n" not in stripped:
                data = [json.loads(stripped)]
            else:
                data = [json.loads(line) for line in stripped.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValidationFailed(detail=f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
        if isinstance(data, dict) and isinstance(data.get("records"), list):
            data = data["records"]
        if not isinstance(data, list):
            raise ValidationFailed(detail="JSON must be an array of records")
        return data
    raise ValidationFailed(detail=f"unknown format {fmt!r}: use csv, json or ndjson")


def release_format_guess(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".ndjson") or lower.endswith(".jsonl"):
        return "ndjson"
    return "json"
