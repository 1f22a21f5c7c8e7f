"""Synthetic test images for identity review: shapes drawn with Pillow, never a photograph of
a person. `avatar` draws a simple face-like figure in a colour of the caller's choosing."""

from __future__ import annotations

import base64
import io

from PIL import ExifTags, Image, ImageDraw


def avatar(
    colour: tuple[int, int, int] = (70, 130, 180),
    *,
    fmt: str = "JPEG",
    size: int = 240,
    gps: bool = False,
) -> bytes:
    """A flat-colour avatar (head, eyes, mouth as shapes); `gps=True` embeds EXIF with a
    camera name and a GPS position, as a phone would."""
    img = Image.new("RGB", (size, size), (235, 238, 242))
    d = ImageDraw.Draw(img)
    d.ellipse((size * 0.2, size * 0.12, size * 0.8, size * 0.72), fill=colour)
    d.rectangle((size * 0.15, size * 0.75, size * 0.85, size), fill=colour)
    for x in (0.38, 0.62):
        d.ellipse((size * (x - 0.05), size * 0.32, size * (x + 0.05), size * 0.42), fill="white")
    d.arc((size * 0.38, size * 0.45, size * 0.62, size * 0.6), 20, 160, fill="white", width=4)
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "SyntheticCam"
        g = exif.get_ifd(ExifTags.IFD.GPSInfo)
        g[ExifTags.GPS.GPSLatitudeRef] = "N"
        g[ExifTags.GPS.GPSLatitude] = (41.0, 52.0, 43.0)
        g[ExifTags.GPS.GPSLongitudeRef] = "W"
        g[ExifTags.GPS.GPSLongitude] = (87.0, 37.0, 47.0)
        img.save(out, fmt, exif=exif)
    else:
        img.save(out, fmt)
    return out.getvalue()


def data_url(content: bytes, content_type: str = "image/jpeg") -> str:
    return f"data:{content_type};base64,{base64.b64encode(content).decode()}"
