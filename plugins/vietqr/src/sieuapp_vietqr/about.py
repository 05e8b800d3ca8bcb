"""The plugin's manifest and the way to pay it offers."""

from __future__ import annotations

from sieuapp.sdk import Manifest, PaymentProvider, Role, text

from .configuration import VietQRConfig

PLUGIN_ID = "vietqr"

PROVIDER = PaymentProvider(
    name="vietqr",
    label=text("Chuyển khoản VietQR", "Bank transfer (VietQR)"),
    kind="qr",
    # A bank transfer cannot be pulled back through NAPAS: the payee's agency refunds it by
    # a transfer of its own, outside the platform.
    refunds=False,
)

MANIFEST = Manifest(
    id=PLUGIN_ID,
    name=text("Thanh toán VietQR", "VietQR payments"),
    description=text(
        "Nộp tiền bằng chuyển khoản liên ngân hàng 24/7 qua mã VietQR (NAPAS), được xác nhận "
        "tự động khi ngân hàng báo có.",
        "Pay by 24/7 interbank transfer from a VietQR code (NAPAS), confirmed automatically "
        "when the bank reports the credit.",
    ),
    sdk_api=">=1.4,<2",
    scopes=(),
    config_schema=VietQRConfig,
    # A way to pay inside the platform's checkout, not a module citizens open.
    frontend=None,
    # Public routes: a payer fetches the code of their own payment (each view checks who is
    # asking), and the bank connector, which has no account, posts signed notifications.
    roles=(Role.ANONYMOUS,),
)
