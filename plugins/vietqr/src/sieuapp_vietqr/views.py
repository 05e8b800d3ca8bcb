"""HTTP routes, mounted by the host at ``/m/vietqr``. The module is public (the bank connector
has no account), so each view decides who may call it: the codes only the payment's payer,
the notification only a request signed with the tenant's secret."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from sieuapp.sdk import PaymentInfo, Services, Settlement
from sieuapp.sdk.errors import Conflict, InvalidInput, NotFound, Unauthorized

from . import checkout, images, notification
from .about import PROVIDER
from .configuration import is_configured
from .reference import PAYMENT_ID, candidates, normalize

NO_SUCH_PAYMENT = "No such payment of yours."
#: Kept in the records of a transfer; a bank's content rarely needs more to be recognized.
DETAIL_CONTENT = 120


def _aware(moment: datetime) -> datetime:
    # The host hands out aware UTC datetimes; a naive one is read as UTC rather than crash.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def make_blueprint(services: Services) -> Blueprint:
    bp = Blueprint("vietqr", __name__)

    def awaited(payment_id: str) -> tuple[PaymentInfo, dict[str, Any]]:
        """The caller's payment that waits for a VietQR transfer, and the configuration."""
        user = services.identity.require()
        if not PAYMENT_ID.match(payment_id):
            raise NotFound(NO_SUCH_PAYMENT)
        try:
            payment = services.payments.get(payment_id)
        except NotFound:
            raise NotFound(NO_SUCH_PAYMENT) from None
        # Another person's payment looks exactly like one that does not exist.
        if payment.payer_id != user.id:
            raise NotFound(NO_SUCH_PAYMENT)
        config = services.config.get()
        expired = _aware(payment.expires_at) <= datetime.now(UTC)
        if (
            payment.provider != PROVIDER.name
            or payment.status != "processing"
            or expired
            or not is_configured(config)
        ):
            # A code for a payment already paid (or not paid this way) would take the money
            # twice or for nothing: no code is shown once it is not awaited.
            raise Conflict(
                "This payment is not waiting for a VietQR transfer.",
                {"payment": [f"status {payment.status}, provider {payment.provider}"]},
            )
        return payment, config

    def image(data: bytes, mimetype: str) -> Response:
        response = Response(data, mimetype=mimetype)
        # The code is the caller's own and stops being valid once paid: never cached.
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @bp.get("/payments/<payment_id>/qr.png")
    def qr_png(payment_id: str) -> Response:
        payment, config = awaited(payment_id)
        return image(images.png(checkout.payload_for(config, payment)), "image/png")

    @bp.get("/payments/<payment_id>/qr.svg")
    def qr_svg(payment_id: str) -> Response:
        payment, config = awaited(payment_id)
        return image(images.svg(checkout.payload_for(config, payment)), "image/svg+xml")

    @bp.post("/notify")
    def notify() -> Response:
        config = services.config.get()
        secret = config.get("notify_secret")
        if not is_configured(config) or not secret:
            # 503, not 4xx: the connector keeps the transaction and retries, and it is
            # matched once the province finishes the configuration.
            abort(503, description="VietQR is not configured for this province yet.")
        if (request.content_length or 0) > notification.MAX_BODY:
            abort(413)
        body = request.get_data(cache=True)
        if len(body) > notification.MAX_BODY:
            abort(413)
        try:
            notification.verify(secret, request.headers, body, time.time())
        except notification.BadSignature as exc:
            raise Unauthorized(f"The notification is not signed: {exc}.") from None
        try:
            event = notification.parse(body)
        except notification.BadBody as exc:
            raise InvalidInput("The notification is invalid.", exc.errors) from None
        return jsonify(settle(event, config))

    def unmatched(event: notification.Notification, reason: str, **extra: Any) -> dict[str, Any]:
        # Money that reached the account but no payment: the province reconciles it by hand
        # (or refunds it), so it goes to the audit log with what the bank said.
        if reason not in ("not_a_credit", "other_account"):
            services.audit.record(
                "transfer_unmatched",
                target=event.reference,
                after={
                    "reason": reason,
                    "amount": event.amount,
                    "content": event.content[:DETAIL_CONTENT],
                    "booked_at": event.booked_at,
                    **extra,
                },
            )
        return {"matched": False, "reason": reason, "reference": event.reference, **extra}

    def settle(event: notification.Notification, config: dict[str, Any]) -> dict[str, Any]:
        if event.direction != "in":
            return unmatched(event, "not_a_credit")
        if event.account_number is not None and normalize(event.account_number) != normalize(
            config["account_number"]
        ):
            # A connector may watch several accounts of the province; others are not ours.
            return unmatched(event, "other_account")
        found = []
        for payment_id in candidates(event.content):
            try:
                found.append(services.payments.get(payment_id))
            except NotFound:
                continue
        if not found:
            return unmatched(event, "no_payment")
        if len(found) > 1:
            # Two payments named in one transfer: which one was paid is for a person to say.
            return unmatched(event, "ambiguous", payment_ids=[p.id for p in found])
        payment = found[0]
        detail = f"bank transfer {event.reference}"
        if event.booked_at:
            detail += f" booked {event.booked_at}"
        detail += f": {event.content[:DETAIL_CONTENT]}"
        result = services.payments.settle(
            payment.id,
            amount=event.amount,
            succeeded=True,
            provider_ref=event.reference,
            detail=detail,
        )
        answer: dict[str, Any] = {
            "matched": result.outcome != Settlement.NOT_FOUND,
            "payment_id": payment.id,
            "outcome": result.outcome,
            "reference": event.reference,
        }
        if result.payment is not None:
            answer["status"] = result.payment.status
        return answer

    return bp
