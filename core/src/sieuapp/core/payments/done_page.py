"""Where a payer's browser lands after a gateway's page: what became of the payment, in their
language. The id is unguessable and the page says only the state and the amount, so it needs no
sign-in (the browser back from the gateway may have none); the gateway's own word on the way back
is not trusted, the payment's row is."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from ..db import current_session
from ..identity.browser import render_page
from ..tenancy.context import current_tenant
from .ids import PAYMENT_PREFIX, looks_like
from .models import Payment
from .money import money

blp = Blueprint("payment_pages", __name__)

STATES = {
    "succeeded": (
        ("Thanh toán thành công", "Payment succeeded"),
        ("Đơn vị thụ hưởng đã nhận được khoản thanh toán.", "The payee has received it."),
    ),
    "processing": (
        ("Đang chờ xác nhận", "Waiting for confirmation"),
        (
            "Cổng thanh toán chưa báo kết quả; hãy tải lại trang này sau ít phút.",
            "The gateway has not reported yet; reload this page in a moment.",
        ),
    ),
    "requires_payment_method": (
        ("Chưa thanh toán", "Not paid yet"),
        ("Bạn chưa bị trừ tiền.", "You have not been charged."),
    ),
    "failed": (
        ("Thanh toán không thành công", "Payment failed"),
        ("Bạn chưa bị trừ tiền cho khoản này.", "You were not charged for it."),
    ),
    "canceled": (
        ("Đã hủy", "Canceled"),
        ("Khoản thanh toán đã bị hủy hoặc hết hạn.", "The payment was canceled or expired."),
    ),
}


@blp.route("/payments/<payment_id>/done")
def done(payment_id: str) -> Response:
    payment = (
        current_session().get(Payment, payment_id)
        if looks_like(payment_id, PAYMENT_PREFIX)
        else None
    )
    if payment is None or payment.tenant_id != current_tenant().id:
        abort(404)
    headline, detail = STATES[payment.status]
    return render_page(
        "payments/done.html",
        headline=headline,
        detail=detail,
        payment_id=payment.id,
        amount=money(payment.amount),
    )
