"""QR codes for pages: a PNG as a data: URI (the CSP's img-src allows data:)."""

import base64
import io
from functools import lru_cache

import qrcode


@lru_cache(maxsize=4096)
def qr_data_uri(text: str, box_size: int = 5) -> str:
    """The QR code of `text`. Drawing one costs ~25 ms of CPU (choosing its mask), and the same
    texts come back on every visit (a volunteer's redemption code, an activity's check-in
    link), so they are kept."""
    image = qrcode.make(text, box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
