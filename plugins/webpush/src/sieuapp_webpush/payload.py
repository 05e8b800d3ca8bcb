"""The JSON a push message carries to the service worker, kept within what every push
service accepts: RFC 8030 §7.2 guarantees 4096 octets of encrypted body, and aes128gcm
(RFC 8291) spends 103 of them on its header, the tag and the padding delimiter."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from sieuapp.sdk import OutgoingMessage

MAX_RECORD = 4096
#: 86-octet header (salt 16, record size 4, key id length 1, key id 65) + 16 tag + 1 delimiter.
AES128GCM_OVERHEAD = 86 + 16 + 1
MAX_PLAINTEXT = MAX_RECORD - AES128GCM_OVERHEAD
ELLIPSIS = "…"


class PayloadTooLarge(ValueError):
    """Even with the title and body cut short, the message does not fit."""


def _encode(document: dict[str, Any]) -> bytes:
    # Vietnamese letters take 2-3 octets as UTF-8 but 6-12 as \\u escapes.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def shorten(value: str, length: int) -> str:
    """The first ``length`` characters and an ellipsis, never splitting a letter from its
    combining accent (text is NFC first, so only rare letters still have one)."""
    if len(value) <= length:
        return value
    cut = value[: max(length, 0)]
    while cut and unicodedata.combining(cut[-1]):
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def _fit(document: dict[str, Any], name: str) -> dict[str, Any]:
    """``document`` with ``document[name]`` cut to the longest prefix that fits, or as short
    as it goes when nothing does."""
    text = document[name]
    if len(_encode(document)) <= MAX_PLAINTEXT:
        return document
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(_encode({**document, name: shorten(text, middle)})) <= MAX_PLAINTEXT:
            low = middle
        else:
            high = middle - 1
    return {**document, name: shorten(text, low)}


def build(message: OutgoingMessage) -> bytes:
    """The UTF-8 JSON for ``message``; the body is trimmed first, then the title."""
    document: dict[str, Any] = {
        "title": unicodedata.normalize("NFC", message.title),
        "body": unicodedata.normalize("NFC", message.body),
        "link": message.link,
        "kind": message.kind,
        "critical": bool(message.critical),
        "data": dict(message.data),
    }
    document = _fit(_fit(document, "body"), "title")
    encoded = _encode(document)
    if len(encoded) > MAX_PLAINTEXT:
        raise PayloadTooLarge(
            f"{len(encoded)} octets with the text cut short; the limit is {MAX_PLAINTEXT}"
        )
    return encoded
