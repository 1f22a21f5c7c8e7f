"""The phone-tracking set-up QR code, drawn on the server as a PNG (no script, no third party
sees the identifier) and handed to the page inline as a data: URI."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage


def setup_qr_png(text: str, *, box_size: int = 8) -> bytes:
    """`text` as a QR code PNG: error correction M (a phone screen or a printout with a glare
    still scans) and the 4-module quiet zone the standard asks for."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4
    )
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(image_factory=PilImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def setup_qr_data_uri(text: str) -> str:
    return "data:image/png;base64," + base64.b64encode(setup_qr_png(text)).decode()
