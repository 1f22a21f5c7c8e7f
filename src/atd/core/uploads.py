"""What a bulk-import request delivers (release files, booking feeds): an uploaded file or the
request body, read once, under one size cap, with its format.

Django caps a request body (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams an uploaded file to disk
whatever its size, so the file is read here with `ATD_UPLOAD_MAX_BYTES` as the bound: a larger
file is refused whole (413) rather than read into memory or cut short into a half-record."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from atd.core.errors import DomainError, ValidationFailed


@dataclass
class UploadTooLarge(DomainError):
    status: int = 413
    title: str = "Upload too large"
    type: str = "/problems/upload-too-large"


@dataclass(frozen=True)
class Delivery:
    content: bytes
    name: str  # the uploaded file's name; "" for records in the request body
    fmt: str  # "csv", "json" or "ndjson"


def upload_max_bytes() -> int:
    return int(settings.ATD_UPLOAD_MAX_BYTES)


def delivery_read(request: HttpRequest, upload: Any | None) -> Delivery:
    """The uploaded file (its format from its name: .csv or JSON) when there is one, else the
    request body (its format from the content type). Empty is 422, over the cap 413."""
    if upload is not None:
        cap = upload_max_bytes()
        content = upload.read(cap + 1)
        if len(content) > cap:
            raise UploadTooLarge(detail=f"a file holds at most {cap} bytes; split it")
        name = upload.name or "upload"
        fmt = "csv" if name.lower().endswith(".csv") else "json"
    else:
        content = request.body
        ctype = request.content_type or ""
        fmt = "csv" if "csv" in ctype else "ndjson" if "ndjson" in ctype else "json"
        name = ""
    if not content:
        raise ValidationFailed(detail="the request has no records")
    return Delivery(content=content, name=name, fmt=fmt)


# --- the parts of decoding every kind of delivery shares ----------------------------------
# Each context keeps its own reader (matching/feeds/readers.py, people/intake/readers.py): which
# column a CSV needs and what a lone JSON object means are its own rules.


def delivery_format_guess(filename: str) -> str:
    """A file's format from its name: .csv, .ndjson or .jsonl, else JSON."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    return "json"


def delivery_text(content: bytes, *, noun: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); anything else is one clear error."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(detail=f"the {noun} is not UTF-8 text") from None


def csv_records(text: str, *, key_column: str) -> list[dict[str, Any]]:
    """One dict per row, names and keys stripped; the header row must name `key_column`."""
    reader = csv.DictReader(io.StringIO(text))
    if key_column not in [(f or "").strip() for f in reader.fieldnames or []]:
        raise ValidationFailed(
            detail=f"the CSV file needs a header row with {_article(key_column)} column"
        )
    return [{(k or "").strip(): v for k, v in row.items()} for row in reader]


def json_document(text: str, *, whole: bool) -> Any:
    """The text as one JSON document (`whole`) or as NDJSON (a list, one item per line)."""
    try:
        if whole:
            return json.loads(text)
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise ValidationFailed(detail=f"invalid JSON at line {exc.lineno}: {exc.msg}") from None


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
