"""What a province configures: the account payers transfer to, how its bank is named to them,
and the secret its bank connector signs notifications with. Every field may be left empty so
the module can be enabled before the bank has opened the account; the ``vietqr`` provider is
offered once all of them are set."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk import SECRET
from sieuapp.sdk.config import described, required_together, visible_ascii

from .payload import ACCOUNT, BIN, CARD, MAX_ACCOUNT, SERVICE_CODES, TO_ACCOUNT, TO_CARD

#: What must be set before payers are offered VietQR.
REQUIRED = ("bank_bin", "bank_name", "account_number", "account_name", "notify_secret")
#: 256 bits written as hex is 64 characters; 32 is the least we accept from a console.
MIN_SECRET = 32


def _printable(value: str) -> None:
    if not value.isprintable() or value != value.strip():
        raise ValidationError("Must be printable, without leading or trailing spaces.")


class VietQRConfig(Schema):
    bank_bin = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(BIN, error="Must be the bank's 6-digit BIN, e.g. 970436."),
        metadata=described(
            "Mã BIN ngân hàng",
            "Bank BIN",
            "6 chữ số do Ngân hàng Nhà nước cấp cho ngân hàng nhận tiền, ví dụ 970436.",
            "The 6 digits the State Bank assigns the receiving bank, e.g. 970436.",
        ),
    )
    bank_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=2, max=100), _printable],
        metadata=described(
            "Tên ngân hàng",
            "Bank name",
            "Tên người nộp tiền nhận ra, ví dụ Vietcombank.",
            "The name payers know the bank by, e.g. Vietcombank.",
        ),
    )
    account_number = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            ACCOUNT, error=f"Must be 1-{MAX_ACCOUNT} letters and digits, without spaces or dots."
        ),
        metadata=described(
            "Số tài khoản (hoặc số thẻ)",
            "Account (or card) number",
            "Tài khoản chuyên thu của đơn vị nhận tiền, viết liền.",
            "The payee's collection account, without spaces.",
        ),
    )
    account_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=2, max=100), _printable],
        metadata=described(
            "Tên chủ tài khoản",
            "Account holder",
            "Đúng như ngân hàng hiển thị khi chuyển khoản, để người nộp đối chiếu.",
            "Exactly as the bank shows it on a transfer, so payers can check it.",
        ),
    )
    service_code = fields.String(
        load_default=TO_ACCOUNT,
        validate=validate.OneOf(
            SERVICE_CODES, error=f"Must be {TO_ACCOUNT} (to an account) or {TO_CARD} (to a card)."
        ),
        metadata=described(
            "Loại chuyển khoản",
            "Transfer to",
            f"{TO_ACCOUNT}: đến tài khoản; {TO_CARD}: đến số thẻ.",
            f"{TO_ACCOUNT}: to an account; {TO_CARD}: to a card number.",
        ),
    )
    notify_secret = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=MIN_SECRET, max=512), visible_ascii],
        metadata={
            **SECRET,
            **described(
                "Khóa ký thông báo",
                "Notification signing secret",
                "Bộ kết nối ngân hàng dùng khóa này ký mỗi thông báo giao dịch (HMAC-SHA256); "
                "không bao giờ được hiển thị lại sau khi lưu.",
                "The bank connector signs each transaction notification with it (HMAC-SHA256); "
                "never shown again once saved.",
            ),
        },
    )

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        number = data.get("account_number")
        if data.get("service_code") == TO_CARD and number and not CARD.match(number):
            raise ValidationError(
                {"account_number": [f"A card number is 16-19 digits ({TO_CARD})."]}
            )
        required_together(data, *REQUIRED)


def is_configured(config: dict[str, Any]) -> bool:
    """True when the stored configuration is enough to take payments."""
    return all(config.get(name) for name in REQUIRED)
