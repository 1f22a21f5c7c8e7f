"""What an upload delivers (release files, booking feeds, staff-taken photos): an uploaded file or
the request body, read once, under one size cap, with its format; an image is checked to be one
and re-encoded without its metadata (`image_clean`).

Django caps a request body (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams an uploaded file to disk
whatever its size, so the file is read here with `ATD_UPLOAD_MAX_BYTES` as the bound: a larger
file is refused whole (413) rather than read into memory or cut short into a half-record."""

from __future__ import annotations

import csv
import io
import json
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from atd.core.errors import DomainError, FieldError, ValidationFailed


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
        content = upload_bytes_read(upload)
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


def upload_bytes_read(upload: Any, *, cap: int | None = None, hint: str = "split it") -> bytes:
    """An uploaded file's bytes, read at most once past the cap (the site-wide
    ATD_UPLOAD_MAX_BYTES, or a smaller `cap` a kind of upload sets): a larger file is refused
    whole (413), never read into memory."""
    limit = min(upload_max_bytes(), cap) if cap is not None else upload_max_bytes()
    content: bytes = upload.read(limit + 1)
    if len(content) > limit:
        raise UploadTooLarge(detail=f"a file holds at most {limit} bytes; {hint}")
    return content


# --- images ---------------------------------------------------------------------------------
# A photo is decoded by Pillow (bounded: a pixel cap before decoding, so a small file that
# claims a huge canvas is refused rather than expanded in memory) and re-encoded from its pixels
# alone: EXIF (GPS position, camera serial, time), XMP, comments and ICC data do not survive,
# and bytes that only pretend to be an image (a polyglot) are not what gets stored.

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
IMAGE_MAX_PIXELS = 40_000_000  # e.g. 8000 x 5000: more than any phone camera gives
IMAGE_MAX_SIDE = 2000  # stored photos are scaled down to this (for review on a screen)


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    width: int
    height: int


def image_clean(content: bytes, *, field: str = "photo") -> CleanImage:
    """The image in `content` (JPEG, PNG or WebP), upright, at most IMAGE_MAX_SIDE pixels a
    side, re-encoded in its own format without any metadata. Anything else is one clear 422."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(errors=[FieldError(field, message)])

    if not content:
        raise refuse("is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(content))
            fmt = probe.format or ""
            if fmt not in IMAGE_FORMATS:
                raise refuse("must be a JPEG, PNG or WebP image")
            width, height = probe.size
            if width < 1 or height < 1 or width * height > IMAGE_MAX_PIXELS:
                raise refuse("has too many pixels")
            probe.verify()  # checksums and structure, without decoding the pixels
            image: Image.Image = Image.open(io.BytesIO(content))
            image.load()
            image = ImageOps.exif_transpose(image) or image
    except ValidationFailed:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ):
        raise refuse("is not a readable image") from None
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if fmt == "JPEG" and image.mode == "RGBA":
        image = image.convert("RGB")
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    # A new image from the pixels only: nothing of the original's info dict (exif, icc_profile,
    # comments, XMP) can be carried into the output by the encoder.
    pixels = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        pixels.save(out, "JPEG", quality=88)
    elif fmt == "PNG":
        pixels.save(out, "PNG", optimize=False)
    else:
        pixels.save(out, "WEBP", quality=88)
    return CleanImage(
        content=out.getvalue(),
        content_type=IMAGE_FORMATS[fmt],
        width=pixels.size[0],
        height=pixels.size[1],
    )


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
