"""The QR symbol for a payload, as PNG or SVG, with segno (pure Python: no Pillow)."""

from __future__ import annotations

import io

import segno

#: Level M restores up to 15% of the symbol: enough for a phone screen photographed by
#: another phone, without the size of Q or H. Fixed rather than boosted so every code a
#: province prints has the same, documented level.
ERROR_LEVEL = "M"
#: ISO/IEC 18004 asks for a light margin of four modules around the symbol.
QUIET_ZONE = 4
#: Pixels per module in the PNG: a version 7 symbol (a payment's usual size, 45 modules) with
#: its margin is 53 modules, 424 px.
PNG_SCALE = 8


def symbol(payload: str) -> segno.QRCode:
    """A full-size (never Micro) QR code of ``payload`` at level M, in byte mode.

    Byte mode for every payload: the content is mixed case with spaces, outside the
    alphanumeric mode's upper-case set, and one mode for all keeps the symbol predictable."""
    return segno.make(payload, error=ERROR_LEVEL, boost_error=False, micro=False, mode="byte")


def png(payload: str) -> bytes:
    out = io.BytesIO()
    symbol(payload).save(out, kind="png", scale=PNG_SCALE, border=QUIET_ZONE)
    return out.getvalue()


def svg(payload: str) -> bytes:
    """An SVG sized by its ``viewBox`` (one unit per module), so it scales to its box."""
    out = io.BytesIO()
    symbol(payload).save(
        out,
        kind="svg",
        border=QUIET_ZONE,
        omitsize=True,
        title="VietQR",
        xmldecl=True,
        encoding="utf-8",
    )
    return out.getvalue()
