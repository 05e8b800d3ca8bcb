"""The receipt of a paid payment: a self-contained page, Vietnamese unless English is asked,
downloaded as a file the payer can keep or print."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import Conflict

from ..clock import ZONE
from ..db import current_session
from ..identity.models import User
from ..identity.principal import require_principal
from ..tenancy.context import current_tenant
from ..tenancy.models import Organization
from . import access
from .money import in_words, money
from .providers import available

blp = Blueprint("payment_receipts", __name__)

WORDS = {
    "title": LocalizedText("BIÊN LAI THANH TOÁN", "PAYMENT RECEIPT"),
    "number": LocalizedText("Số biên lai", "Receipt number"),
    "payee": LocalizedText("Đơn vị thụ hưởng", "Payee"),
    "payer": LocalizedText("Người nộp", "Paid by"),
    "purpose": LocalizedText("Nội dung", "For"),
    "amount": LocalizedText("Số tiền", "Amount"),
    "in_words": LocalizedText("Bằng chữ", "In words (Vietnamese)"),
    "method": LocalizedText("Hình thức thanh toán", "Paid with"),
    "reference": LocalizedText("Mã giao dịch", "Transaction reference"),
    "paid_at": LocalizedText("Thời gian thanh toán", "Paid at"),
    "refunded": LocalizedText("Đã hoàn trả", "Refunded"),
    "note": LocalizedText(
        "Biên lai điện tử do nền tảng siêu ứng dụng của tỉnh lập; giờ Việt Nam (GMT+7).",
        "An electronic receipt issued by the province's super-app platform; Vietnam time (GMT+7).",
    ),
    "walk_in": LocalizedText("Người nộp tại quầy", "Paid in person at a counter"),
}


@blp.route("/api/v1/payments/<payment_id>/receipt")
def receipt(payment_id: str) -> Response:
    principal = require_principal()
    session = current_session()
    payment = access.visible(session, principal, payment_id)
    if payment.status != "succeeded":
        raise Conflict("Only a paid payment has a receipt.", {"status": [payment.status]})
    language = "en" if request.args.get("lang") == "en" else "vi"
    english = language == "en"
    organization = session.get(Organization, payment.payee_id)
    payer = session.get(User, payment.payer_id) if payment.payer_id else None
    provider = available().get(payment.provider or "")
    tenant = current_tenant()
    page = render_template(
        "payments/receipt.html",
        language=language,
        t={key: value.get(language) for key, value in WORDS.items()},
        tenant_name=tenant.name,
        payment=payment,
        payee_name=(organization.name_en or organization.name) if english else organization.name,  # type: ignore[union-attr]
        payee_code=organization.code,  # type: ignore[union-attr]
        payer_name=(payer.full_name or payer.username) if payer else WORDS["walk_in"].get(language),
        purpose=payment.purpose_en if english else payment.purpose,
        amount=money(payment.amount),
        amount_words=in_words(payment.amount),
        method=provider.provider.label.get(language) if provider else payment.provider,
        paid_at=payment.paid_at.astimezone(ZONE).strftime("%H:%M %d/%m/%Y")  # type: ignore[union-attr]
        if payment.paid_at
        else "—",
        refunded=money(payment.refunded) if payment.refunded else None,
    )
    response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="bien-lai-{payment.id}.html"'
    response.headers["Content-Language"] = language
    response.headers["Cache-Control"] = "private, no-store"
    return response
