"""What the payer reads beside the code: everything needed to make the transfer by hand, for
a payer whose bank app cannot scan it (or who pays from another phone)."""

from __future__ import annotations

from typing import Any

from sieuapp.sdk import LocalizedText, text

from .payload import TO_CARD


def vnd(amount: int, language: str) -> str:
    """``150.000 ₫`` in Vietnamese, ``150,000 VND`` in English."""
    grouped = f"{amount:,}"
    return f"{grouped.replace(',', '.')} ₫" if language == "vi" else f"{grouped} VND"


def for_transfer(config: dict[str, Any], amount: int, content: str) -> LocalizedText:
    """Bank, account, holder, amount and the exact transfer content, in vi and en."""
    card = config.get("service_code") == TO_CARD
    number = config["account_number"]
    bank, holder = config["bank_name"], config["account_name"]
    vi_to = f"số thẻ {number}" if card else f"tài khoản {number}"
    en_to = f"card number {number}" if card else f"account {number}"
    return text(
        f"Quét mã VietQR bằng ứng dụng ngân hàng, hoặc chuyển khoản {vnd(amount, 'vi')} "
        f"đến {vi_to} tại {bank}, chủ tài khoản {holder}, với nội dung chuyển khoản đúng là: "
        f"{content}. Giữ nguyên nội dung này: khoản nộp được xác nhận tự động nhờ nó.",
        f"Scan the VietQR code with your banking app, or transfer {vnd(amount, 'en')} "
        f"to {en_to} at {bank}, account holder {holder}, with exactly this transfer content: "
        f"{content}. Keep the content as it is: it is how the payment is confirmed "
        "automatically.",
    )
