"""Shaping a text for SMS: Vietnamese without diacritics, and the GSM 03.38 arithmetic of how
many parts a text costs, so it can be trimmed to the parts a province pays for."""

from __future__ import annotations

import unicodedata

#: The GSM 03.38 default alphabet (one septet each), without the escape character.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters of the extension table: an escape and a septet, two in all.
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")

#: Characters per part: (a single part, each part of a concatenated text); the rest of a
#: concatenated part is the header that tells the phone how to join them.
GSM_PART = (160, 153)
UCS2_PART = (70, 67)

#: Letters and punctuation NFD does not take apart but that force a text into UCS-2.
PLAIN = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
    }
)


def unaccent(text: str) -> str:
    """``text`` without diacritics: "Đà Nẵng" becomes "Da Nang"."""
    decomposed = unicodedata.normalize("NFD", text.translate(PLAIN))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def is_gsm(text: str) -> bool:
    """True when every character is in the GSM 7-bit alphabet or its extension."""
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def cost(text: str, gsm: bool) -> int:
    """Septets (GSM) or UTF-16 code units (UCS-2) the text takes."""
    if gsm:
        return sum(2 if c in GSM_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def capacity(parts: int, gsm: bool) -> int:
    """How much ``parts`` parts hold."""
    single, multi = GSM_PART if gsm else UCS2_PART
    return single if parts == 1 else multi * parts


def parts(text: str) -> int:
    """How many parts the text is sent as."""
    gsm = is_gsm(text)
    used = cost(text, gsm)
    single, multi = GSM_PART if gsm else UCS2_PART
    return 1 if used <= single else -(-used // multi)


def _cut(text: str, room: int, gsm: bool) -> str:
    kept, used = [], 0
    for c in text:
        used += cost(c, gsm)
        if used > room:
            break
        kept.append(c)
    cut = "".join(kept)
    if len(cut) < len(text):
        # End on a word when one ends close by, so the text does not stop mid-word.
        head, space, _ = cut.rpartition(" ")
        if space and len(cut) - len(head) <= 20:
            cut = head
    return cut.rstrip()


def fit(title: str, body: str, link: str | None, max_parts: int, unaccented: bool) -> str:
    """Title, body and link on their own lines, trimmed to ``max_parts``: the body gives way
    first, as the link is where the whole message is."""

    def clean(value: str | None) -> str:
        value = (value or "").strip()
        return unaccent(value) if unaccented else value

    head, middle, tail = clean(title), clean(body), clean(link)
    full = "\n".join(filter(None, (head, middle, tail)))
    gsm = is_gsm(full)
    budget = capacity(max_parts, gsm)
    if cost(full, gsm) <= budget:
        return full
    ellipsis = "..." if gsm else "…"
    if middle:
        lines = [p for p in (head, tail) if p]
        room = budget - sum(cost(p, gsm) for p in lines) - len(lines) - cost(ellipsis, gsm)
        if room > 0:
            shortened = _cut(middle, room, gsm) + ellipsis
            return "\n".join(filter(None, (head, shortened, tail)))
    return _cut(full, budget - cost(ellipsis, gsm), gsm) + ellipsis
