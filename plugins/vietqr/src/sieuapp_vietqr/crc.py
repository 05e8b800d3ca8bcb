"""The checksum that closes every EMVCo QR payload (ID "63"): CRC-16/CCITT-FALSE, as the
EMVCo Merchant-Presented Mode specification (ISO/IEC 13239, polynomial 0x1021, initial value
0xFFFF, no reflection, no final XOR) and NAPAS's VietQR profile prescribe."""

from __future__ import annotations

POLYNOMIAL = 0x1021
INITIAL = 0xFFFF


def _table() -> tuple[int, ...]:
    # One entry per byte value: the register after shifting that byte through it, so the
    # checksum costs a lookup per byte instead of eight shifts.
    rows = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ POLYNOMIAL) if crc & 0x8000 else crc << 1
        rows.append(crc & 0xFFFF)
    return tuple(rows)


TABLE = _table()


def crc16_ccitt_false(data: bytes) -> int:
    """The CRC-16/CCITT-FALSE of ``data``."""
    crc = INITIAL
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ TABLE[(crc >> 8) ^ byte]
    return crc


def checksum(text: str) -> str:
    """The CRC of ``text`` as EMVCo writes it: four upper-case hexadecimal digits."""
    return f"{crc16_ccitt_false(text.encode('utf-8')):04X}"
