"""Reading a QR symbol back without a decoding library: the PNG's pixels and the SVG's path
become a module matrix, and the matrix's format information, mask and codewords become the
text, following ISO/IEC 18004 (an undamaged symbol, byte mode, versions 1-10, levels L/M).

This is written apart from segno on purpose: a test that asked segno what it encoded would
only repeat segno's answer."""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree import ElementTree

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"

# ISO/IEC 18004 Table 9, versions 1-10: error correction codewords per block, and blocks.
ECC_PER_BLOCK = {
    "L": (7, 10, 15, 20, 26, 18, 20, 24, 30, 18),
    "M": (10, 16, 26, 18, 24, 16, 18, 22, 22, 26),
}
BLOCKS = {
    "L": (1, 1, 1, 1, 1, 2, 2, 2, 2, 4),
    "M": (1, 1, 1, 2, 2, 4, 4, 4, 5, 5),
}
# The two bits of the format information that name the level.
LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
FORMAT_MASK = 0b101010000010010


# -- PNG -----------------------------------------------------------------------------------


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks of a PNG, each CRC checked."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG signature"
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in chunk {kind!r}"
        chunks.append((kind, body))
        position += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    return chunks


def png_header(data: bytes) -> dict[str, int]:
    body = png_chunks(data)[0][1]
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    return {
        "width": width,
        "height": height,
        "depth": depth,
        "colour": colour,
        "compression": compression,
        "filter": filtering,
        "interlace": interlace,
    }


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png_pixels(data: bytes) -> list[list[int]]:
    """The pixels of a 1-bit greyscale PNG (as segno writes one): 0 black, 1 white."""
    header = png_header(data)
    assert (header["depth"], header["colour"], header["interlace"]) == (1, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in png_chunks(data) if kind == b"IDAT"))
    stride = (header["width"] + 7) // 8
    rows, previous = [], bytearray(stride)
    for y in range(header["height"]):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, filtered = line[0], bytearray(line[1:])
        for i in range(stride):
            left = filtered[i - 1] if i else 0
            up, corner = previous[i], previous[i - 1] if i else 0
            predictor = (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]
            filtered[i] = (filtered[i] + predictor) & 0xFF
        rows.append([(filtered[x // 8] >> (7 - x % 8)) & 1 for x in range(header["width"])])
        previous = filtered
    return rows


def png_modules(data: bytes, scale: int, border: int) -> list[list[bool]]:
    """The module matrix a PNG shows: dark is True. Each module must be a uniform square and
    the quiet zone all light."""
    pixels = png_pixels(data)
    size = len(pixels) // scale
    assert len(pixels) == size * scale == len(pixels[0])
    cells = [
        [
            {pixels[y * scale + dy][x * scale + dx] for dy in range(scale) for dx in range(scale)}
            for x in range(size)
        ]
        for y in range(size)
    ]
    assert all(len(cell) == 1 for row in cells for cell in row), "a module is not one colour"
    dark = [[cell == {0} for cell in row] for row in cells]
    inner = range(border, size - border)
    for y in range(size):
        for x in range(size):
            if y not in inner or x not in inner:
                assert not dark[y][x], f"quiet zone module ({x}, {y}) is dark"
    return [row[border : size - border] for row in dark[border : size - border]]


# -- SVG -----------------------------------------------------------------------------------


def svg_modules(data: bytes, border: int) -> list[list[bool]]:
    """The module matrix drawn by segno's SVG: one path of horizontal strokes, one per run of
    dark modules, on the middle line of each row, in a viewBox of one unit per module."""
    root = ElementTree.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    x0, y0, width, height = (float(v) for v in root.attrib["viewBox"].split())
    assert (x0, y0) == (0, 0) and width == height
    size = int(width)
    dark = [[False] * size for _ in range(size)]
    [path] = root.iter(f"{SVG_NS}path")
    tokens = re.findall(r"[MmHhVvLlZz]|-?[0-9]*\.?[0-9]+", path.attrib["d"])
    x = y = 0.0
    position = 0
    while position < len(tokens):
        command = tokens[position]
        if command in ("M", "m"):
            dx, dy = float(tokens[position + 1]), float(tokens[position + 2])
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
            position += 3
        elif command == "h":
            run = float(tokens[position + 1])
            assert y % 1 == 0.5 and x % 1 == 0 and run > 0
            for column in range(int(x), int(x + run)):
                dark[int(y)][column] = True
            x += run
            position += 2
        else:
            raise AssertionError(f"unexpected path command {command!r}")
    for row in range(size):
        for column in range(size):
            if min(row, column) < border or max(row, column) >= size - border:
                assert not dark[row][column], "quiet zone is drawn"
    return [row[border : size - border] for row in dark[border : size - border]]


# -- QR ------------------------------------------------------------------------------------


def alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    size = 17 + 4 * version
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    return [6] + [size - 7 - i * step for i in reversed(range(count - 1))]


def function_modules(version: int) -> list[list[bool]]:
    """Where the symbol's fixed patterns and format/version information are: not data."""
    size = 17 + 4 * version
    fixed = [[False] * size for _ in range(size)]

    def mark(top: int, left: int, height: int, width: int) -> None:
        for y in range(top, top + height):
            for x in range(left, left + width):
                fixed[y][x] = True

    mark(0, 0, 9, 9)  # finder, separator and format information, top left
    mark(0, size - 8, 9, 8)  # top right
    mark(size - 8, 0, 8, 9)  # bottom left, with the dark module
    mark(6, 0, 1, size)  # timing patterns
    mark(0, 6, size, 1)
    centres = alignment_centres(version)
    for cy in centres:
        for cx in centres:
            if (cy, cx) in ((6, 6), (6, size - 7), (size - 7, 6)):
                continue
            mark(cy - 2, cx - 2, 5, 5)
    if version >= 7:
        mark(0, size - 11, 6, 3)
        mark(size - 11, 0, 3, 6)
    return fixed


def format_information(modules: list[list[bool]]) -> tuple[str, int]:
    """The error correction level and the mask, from the copy beside the top-left finder."""
    positions = [(y, 8) for y in range(6)] + [(7, 8), (8, 8), (8, 7)]
    positions += [(8, 14 - i) for i in range(9, 15)]
    bits = sum(int(modules[y][x]) << i for i, (y, x) in enumerate(positions)) ^ FORMAT_MASK
    data = bits >> 10
    remainder = data << 10
    for shift in range(14, 9, -1):
        if remainder & (1 << shift):
            remainder ^= 0b10100110111 << (shift - 10)
    assert remainder == bits & 0x3FF, "format information fails its BCH check"
    return LEVELS[data >> 3], data & 0b111


def masked(mask: int, y: int, x: int) -> bool:
    return (
        (x + y) % 2 == 0,
        y % 2 == 0,
        x % 3 == 0,
        (x + y) % 3 == 0,
        (x // 3 + y // 2) % 2 == 0,
        x * y % 2 + x * y % 3 == 0,
        (x * y % 2 + x * y % 3) % 2 == 0,
        ((x + y) % 2 + x * y % 3) % 2 == 0,
    )[mask]


def codewords(modules: list[list[bool]], version: int, mask: int) -> list[int]:
    """Every codeword in placement order: two-module columns from the right, zigzagging."""
    size = len(modules)
    fixed = function_modules(version)
    bits: list[int] = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5  # the vertical timing pattern is skipped
        upward = ((right + 1) & 2) == 0
        for step in range(size):
            y = size - 1 - step if upward else step
            for x in (right, right - 1):
                if not fixed[y][x]:
                    bits.append(int(modules[y][x] ^ masked(mask, y, x)))
        right -= 2
    return [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits) - 7, 8)]


def raw_codewords(version: int) -> int:
    modules = (16 * version + 128) * version + 64
    if version >= 2:
        count = version // 7 + 2
        modules -= (25 * count - 10) * count - 55
        if version >= 7:
            modules -= 36
    return modules // 8


def data_codewords(all_codewords: list[int], version: int, level: str) -> list[int]:
    """The data codewords in order, taken back out of the blocks they were interleaved from."""
    blocks = BLOCKS[level][version - 1]
    ecc = ECC_PER_BLOCK[level][version - 1]
    total = raw_codewords(version)
    short = total // blocks - ecc
    long_blocks = total % blocks
    lengths = [short] * (blocks - long_blocks) + [short + 1] * long_blocks
    parts: list[list[int]] = [[] for _ in range(blocks)]
    stream = iter(all_codewords)
    for i in range(short + 1):
        for block, length in enumerate(lengths):
            if i < length:
                parts[block].append(next(stream))
    return [c for part in parts for c in part]


def read_symbol(modules: list[list[bool]]) -> dict[str, object]:
    """Read an undamaged byte-mode symbol: its version, level, mask and text."""
    size = len(modules)
    version = (size - 17) // 4
    assert size == 17 + 4 * version and 1 <= version <= 10, f"unsupported size {size}"
    level, mask = format_information(modules)
    data = data_codewords(codewords(modules, version, mask), version, level)
    bits = "".join(f"{c:08b}" for c in data)
    mode = bits[:4]
    assert mode == "0100", f"mode indicator {mode} is not byte mode"
    width = 8 if version <= 9 else 16
    count = int(bits[4 : 4 + width], 2)
    start = 4 + width
    payload = bytes(int(bits[start + 8 * i : start + 8 * i + 8], 2) for i in range(count))
    return {"version": version, "level": level, "mask": mask, "text": payload.decode("utf-8")}
