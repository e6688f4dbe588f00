"""QR codes as PNG images (segno), for check-in codes and verification addresses."""

import io

import segno


def png(text: str, *, scale: int = 8) -> bytes:
    """A PNG of the QR code carrying ``text`` (error correction M, with its quiet zone)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
