"""Two small plugins written against the SDK for the payment tests: ``shop`` sells something
through ``services.payments`` and hears the outcome through the hooks; ``bankx`` is a provider
whose gateway is the test itself (it posts the gateway's word to ``/m/bankx/notify``)."""

from __future__ import annotations

from typing import Any

from sieuapp.core.identity import consent
from sieuapp.core.testing import Platform

from .reports_support import tenant_id

SHOP = """
from flask import Blueprint, jsonify, request
from sieuapp.sdk import FrontendEntry, Manifest, Scope, hookimpl, text

CALLS = []


@hookimpl
def manifest():
    return Manifest(
        id="shop",
        name=text("Cửa hàng", "Shop"),
        description=text("Bán vé", "Sells tickets"),
        sdk_api=">=1.4,<2",
        scopes=(Scope("profile", text("Để xuất hóa đơn", "To bill you")),),
        frontend=FrontendEntry(route="/buy", icon="cart", category="other"),
        roles=("citizen",),
    )


def _view(payment):
    return {"id": payment.id, "status": payment.status, "amount": payment.amount,
            "refunded": payment.refunded, "payee": payment.payee, "plugin": payment.plugin_id}


@hookimpl
def routes(services):
    bp = Blueprint("shop", __name__)

    @bp.post("/buy")
    def buy():
        body = request.get_json()
        payment = services.payments.create(
            body["amount"],
            text(body.get("vi", "Vé xe buýt"), body.get("en", "Bus ticket")),
            body.get("payee", "mai-linh-hue"),
            payer_id=body.get("payer_id"),
            metadata=body.get("metadata"),
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return jsonify(_view(payment)), 201

    @bp.get("/payments/<payment_id>")
    def get(payment_id):
        return jsonify(_view(services.payments.get(payment_id)))

    @bp.post("/payments/<payment_id>/cancel")
    def cancel(payment_id):
        return jsonify(_view(services.payments.cancel(payment_id)))

    @bp.post("/payments/<payment_id>/refund")
    def refund(payment_id):
        body = request.get_json()
        payment = services.payments.refund(
            payment_id, body.get("amount"), body["reason"],
            idempotency_key=request.headers["Idempotency-Key"],
        )
        return jsonify(_view(payment)), 202

    return bp


@hookimpl
def payment_succeeded(payment):
    CALLS.append(("succeeded", payment.id, payment.status))


@hookimpl
def payment_failed(payment):
    CALLS.append(("failed", payment.id, payment.status))


@hookimpl
def payment_refunded(payment, amount):
    CALLS.append(("refunded", payment.id, amount))
"""

BANKX = """
from flask import Blueprint, jsonify, request
from sieuapp.sdk import (
    Checkout, Manifest, PaymentProvider, ProviderTransaction, RefundResult, hookimpl, text,
)
from datetime import datetime, timezone

#: The gateway's own book: payment id -> its transactions, whatever the platform heard.
BOOK = {}
STATE = {"refunds": "ok"}
REFUNDS = []


@hookimpl
def manifest():
    return Manifest(
        id="bankx",
        name=text("Ngân hàng X", "Bank X"),
        description=text("Cổng thanh toán thử", "A test gateway"),
        sdk_api=">=1.4,<2",
        frontend=None,
        roles=("anonymous",),
    )


@hookimpl
def payment_providers():
    return [PaymentProvider("bankx", text("Ngân hàng X", "Bank X"), "redirect", refunds=True)]


@hookimpl
def start_payment(provider, payment, return_url, client_ip, language):
    return Checkout(
        redirect_url=f"https://bankx.test/pay?ref={payment.id}&amount={payment.amount}"
        f"&lang={language}&back={return_url}"
    )


def book(payment_id, ref, amount, kind="payment", ok=True):
    BOOK.setdefault(payment_id, []).append(
        ProviderTransaction(payment_id, ref, amount, kind, ok, datetime.now(timezone.utc))
    )


@hookimpl
def refund_payment(provider, payment, amount, refund_id, reason):
    if STATE["refunds"] == "crash":
        raise ConnectionError("bankx is down")
    if STATE["refunds"] != "ok":
        return RefundResult(False, detail="declined by bankx")
    REFUNDS.append((payment.id, amount, refund_id))
    book(payment.id, "R-" + refund_id, amount, "refund")
    return RefundResult(True, "R-" + refund_id)


@hookimpl
def provider_transactions(provider, payments):
    return [t for p in payments for t in BOOK.get(p.id, [])]


@hookimpl
def routes(services):
    bp = Blueprint("bankx", __name__)

    @bp.post("/notify")
    def notify():
        body = request.get_json()
        settled = services.payments.settle(
            body["payment"], amount=body["amount"], succeeded=body.get("ok", True),
            provider_ref=body.get("ref", "BX-1"), detail=body.get("detail", ""),
            fee=body.get("fee", 0),
        )
        return jsonify(outcome=settled.outcome,
                       status=settled.payment.status if settled.payment else None)

    return bp
"""


def shop_platform(make_platform: Any, synthetic: Any, **settings: Any) -> Platform:
    """A platform with ``shop`` and ``bankx`` installed and enabled for ``hue``."""
    synthetic("shop", SHOP)
    synthetic("bankx", BANKX)
    return make_platform(
        plugins=["shop", "bankx"], entry_points=synthetic.entry_points(), **settings
    )


def plugin(plugin_id: str) -> Any:
    import sys

    return sys.modules[f"sieuapp_synthetic_{plugin_id}"]


def grant(platform: Platform, role: str = "citizen", plugin_id: str = "shop") -> None:
    """The user lets the plugin in (consents to its scopes), as the consent screen does."""
    with platform.context() as session:
        consent.grant(session, platform.users[role].id, tenant_id(session), plugin_id, ["profile"])


def buy(client, amount: int = 150_000, key: str | None = None, **body: Any) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/m/shop/buy", json={"amount": amount, **body}, headers=headers)


def pay(platform: Platform, client, payment_id: str, **notify: Any) -> Any:
    """The payer chooses bankx, and bankx says it was paid."""
    started = client.post(f"/api/v1/payments/{payment_id}/checkout", json={"provider": "bankx"})
    assert started.status_code == 200, started.get_json()
    gateway = platform.client(None)
    body = {"payment": payment_id, "amount": started.get_json()["payment"]["amount"], **notify}
    return gateway.post("/m/bankx/notify", json=body)
