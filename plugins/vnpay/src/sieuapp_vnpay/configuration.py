"""What a province configures: the merchant's terminal code and hash secret VNPay issued, and
where VNPay's payment page and merchant web API are (the sandbox by default). Code and secret
are optional so the plugin can be enabled before the contract is signed; it offers its provider
once both are set."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk import SECRET
from sieuapp.sdk.config import (
    described,
    https_url,
    required_together,
    timeout_field,
    visible_ascii,
)

SANDBOX_PAYMENT_URL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
SANDBOX_API_URL = "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"


def _no_query(value: str) -> None:
    # The signed parameters are the whole query; VNPay would not sign anything else.
    if urlsplit(value).query:
        raise ValidationError("Must not carry a query string.")


class VnpayConfig(Schema):
    tmn_code = fields.String(
        load_default=None,
        allow_none=True,
        # vnp_TmnCode: Alphanumeric[8].
        validate=validate.Regexp(r"^[A-Za-z0-9]{8}$", error="Must be 8 letters or digits."),
        metadata=described(
            "Mã website (vnp_TmnCode)",
            "Terminal code (vnp_TmnCode)",
            "Mã 8 ký tự VNPAY cấp cho website của đơn vị.",
            "The 8-character code VNPay issued for this merchant's website.",
        ),
    )
    hash_secret = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=8, max=256), visible_ascii],
        metadata={
            **SECRET,
            **described(
                "Chuỗi bí mật (vnp_HashSecret)",
                "Hash secret (vnp_HashSecret)",
                "Dùng để ký và kiểm tra mọi thông điệp; không bao giờ được hiển thị lại.",
                "Signs and checks every message; never shown again once saved.",
            ),
        },
    )
    payment_url = fields.String(
        load_default=SANDBOX_PAYMENT_URL,
        validate=[validate.Length(max=2000), https_url, _no_query],
        metadata=described(
            "Địa chỉ trang thanh toán",
            "Payment page URL",
            "Môi trường thử nghiệm (sandbox) theo mặc định; xem README cho môi trường thật.",
            "VNPay's sandbox by default; see the README for production.",
        ),
    )
    api_url = fields.String(
        load_default=SANDBOX_API_URL,
        validate=[validate.Length(max=2000), https_url, _no_query],
        metadata=described(
            "Địa chỉ API giao dịch",
            "Transaction API URL",
            "Dùng để hoàn tiền và tra cứu giao dịch (refund, querydr).",
            "Used for refunds and transaction queries (refund, querydr).",
        ),
    )
    order_type = fields.String(
        load_default="other",
        validate=validate.Regexp(
            r"^[A-Za-z0-9_-]{1,100}$", error="Must be 1-100 letters, digits, '_' or '-'."
        ),
        metadata=described(
            "Loại hàng hóa (vnp_OrderType)",
            "Order type (vnp_OrderType)",
            "Mã danh mục hàng hóa theo VNPAY, ví dụ billpayment; mặc định other.",
            "VNPay's goods category code, e.g. billpayment; other by default.",
        ),
    )
    bank_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9]{3,20}$", error="Must be 3-20 letters or digits, e.g. VNPAYQR."
        ),
        metadata=described(
            "Phương thức thanh toán (vnp_BankCode)",
            "Payment method (vnp_BankCode)",
            "Để trống để người dân tự chọn trên trang VNPAY; VNPAYQR, VNBANK hoặc INTCARD "
            "để chọn sẵn.",
            "Leave empty for the payer to choose on VNPay's page; VNPAYQR, VNBANK or INTCARD "
            "to choose for them.",
        ),
    )
    fee_percent = fields.Float(
        load_default=0.0,
        validate=validate.Range(min=0, max=10),
        metadata=described(
            "Phí VNPAY (%)",
            "VNPay's fee (%)",
            "Tỷ lệ phí trong hợp đồng với VNPAY (ví dụ 1,1); ghi vào sổ cái là chi phí của nền "
            "tảng, đơn vị thụ hưởng vẫn được ghi nhận đủ số tiền.",
            "The fee rate in the contract with VNPay (for example 1.1); the ledger books it as "
            "the platform's cost, the payee is still owed the whole amount.",
        ),
    )
    timeout_seconds = timeout_field("API của VNPAY", "VNPay's API")

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        required_together(data, "tmn_code", "hash_secret")


def is_configured(config: dict[str, Any]) -> bool:
    """True when the stored configuration is enough to take payments."""
    return bool(config.get("tmn_code") and config.get("hash_secret"))
