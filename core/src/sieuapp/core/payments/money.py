"""Amounts of đồng as people read them: ``150.000 ₫``, and in words for a receipt."""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")


def money(amount: int) -> str:
    """Vietnamese groups thousands with dots."""
    return f"{amount:,}".replace(",", ".") + " ₫"


def _group(number: int, leading: bool) -> list[str]:
    """Three digits; a group after the first reads its zero hundreds (``không trăm``)."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if hundreds or not leading:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 5 and tens >= 1:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def in_words(amount: int) -> str:
    """``150000`` → ``Một trăm năm mươi nghìn đồng``, as a Vietnamese receipt writes it."""
    if amount < 0:
        raise ValueError("an amount in words must not be negative")
    if amount == 0:
        return "Không đồng"
    groups: list[int] = []
    while amount:
        groups.append(amount % 1000)
        amount //= 1000
    if len(groups) > len(SCALES):
        raise ValueError("amount too large to write in words")
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        if groups[index] == 0:
            continue
        words += _group(groups[index], leading=not words)
        if SCALES[index]:
            words.append(SCALES[index])
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:] + " đồng"
