"""The plugin's manifest and the provider it offers."""

from __future__ import annotations

from sieuapp.sdk import Manifest, PaymentProvider, Role, text

from .configuration import VnpayConfig

PLUGIN_ID = "vnpay"

PROVIDER = PaymentProvider(
    name="vnpay",
    label=text("VNPAY (mã QR, thẻ ATM, thẻ quốc tế)", "VNPAY (QR code, ATM card, credit card)"),
    kind="redirect",
    refunds=True,
)

MANIFEST = Manifest(
    id=PLUGIN_ID,
    name=text("Cổng thanh toán VNPAY", "VNPAY payment gateway"),
    description=text(
        "Thanh toán phí, lệ phí và hóa đơn qua cổng VNPAY: mã QR, thẻ ATM nội địa, thẻ quốc tế.",
        "Pays fees and bills through VNPay's gateway: QR code, domestic ATM card, credit card.",
    ),
    sdk_api=">=1.4,<2",
    # The host hands over each payment; the plugin reads nothing of the payer.
    scopes=(),
    config_schema=VnpayConfig,
    # A way to pay, not a module citizens open.
    frontend=None,
    # VNPay's gateway calls the IPN without signing in, and the payer's browser comes back to
    # the return route with whatever session it has: the routes check VNPay's signature instead.
    roles=(Role.ANONYMOUS,),
)
