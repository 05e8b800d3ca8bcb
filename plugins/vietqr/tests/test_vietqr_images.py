"""The QR code as PNG and SVG, read back with a reader written apart from segno
(``qr_reading``): the pictures carry the exact payload, at level M, with the quiet zone."""

from __future__ import annotations

import pytest
from sieuapp_vietqr import images
from sieuapp_vietqr.payload import VietQR, encode

from .qr_reading import png_header, png_modules, read_symbol, svg_modules

PAYMENTS = [
    VietQR("970436", "0011001932418", amount=150000, purpose="PAY01HZX5K9M2Q7R8T4V"),
    VietQR("970422", "0023457923442ASDFLJ", amount=10**13 - 1, purpose="p" * 25),
    VietQR("970416", "257678859"),
]


@pytest.mark.parametrize("qr", PAYMENTS, ids=["payment", "longest", "static"])
def test_the_png_carries_the_exact_payload(qr):
    payload = encode(qr)
    data = images.png(payload)

    header = png_header(data)
    modules = png_modules(data, images.PNG_SCALE, images.QUIET_ZONE)
    read = read_symbol(modules)

    assert read["text"] == payload
    assert read["level"] == "M"
    side = (17 + 4 * read["version"] + 2 * images.QUIET_ZONE) * images.PNG_SCALE
    assert (header["width"], header["height"]) == (side, side)
    assert header["compression"] == header["filter"] == header["interlace"] == 0


@pytest.mark.parametrize("qr", PAYMENTS, ids=["payment", "longest", "static"])
def test_the_svg_draws_the_same_symbol(qr):
    payload = encode(qr)
    drawn = svg_modules(images.svg(payload), images.QUIET_ZONE)
    assert drawn == png_modules(images.png(payload), images.PNG_SCALE, images.QUIET_ZONE)
    assert read_symbol(drawn)["text"] == payload


def test_segno_says_the_same():
    payload = encode(PAYMENTS[0])
    symbol = images.symbol(payload)
    assert (symbol.error, symbol.mode, symbol.is_micro) == ("M", "byte", False)
    read = read_symbol([[bool(m) for m in row] for row in symbol.matrix])
    assert (read["version"], read["mask"], read["text"]) == (symbol.version, symbol.mask, payload)


def test_level_m_is_kept_when_a_higher_level_would_fit():
    # segno raises the level by default when the symbol has room for it. VietQR payloads sit
    # near the top of their version's capacity at M, so a short text shows the level is fixed.
    short = "VietQR"
    assert read_symbol(png_modules(images.png(short), images.PNG_SCALE, 4))["level"] == "M"
    assert read_symbol(svg_modules(images.svg(short), images.QUIET_ZONE))["text"] == short


def test_a_different_payload_is_a_different_picture():
    one = encode(PAYMENTS[0])
    two = encode(VietQR("970436", "0011001932418", amount=150001, purpose="PAY01HZX5K9M2Q7R8T4V"))
    assert read_symbol(png_modules(images.png(two), 8, 4))["text"] == two
    assert images.png(one) != images.png(two)


def test_the_svg_is_sized_by_its_viewbox_and_titled():
    svg = images.svg(encode(PAYMENTS[0])).decode()
    assert svg.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "<title>VietQR</title>" in svg
    assert 'width="' not in svg.split(">", 2)[1]  # the <svg> tag: scales to its box
