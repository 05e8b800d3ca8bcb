"""Paying for a ride: through the platform's payments (the rider checks out with any provider
the province offers; the firm is the payee) or in cash to the driver."""

from __future__ import annotations

from typing import Any

from sieuapp.sdk import PaymentInfo, Services
from sieuapp.sdk.errors import Conflict
from sqlalchemy import select

from . import texts
from .inputs import Body
from .models import Ride, utcnow
from .texts import say

OPEN = ("requires_payment_method", "processing")


def pay(services: Services, ride: Ride) -> dict[str, Any]:
    body = Body({"method"})
    method = body.choice("method", ("platform", "cash"))
    body.check()
    if ride.state != "completed":
        message = say(texts.RIDE_STATE, state=ride.state, action="pay")
        raise Conflict(message, {"state": [ride.state]})
    current = services.payments.get(ride.payment_id) if ride.payment_id is not None else None
    # Paid in the app though the platform's word has not reached us yet counts as paid too.
    if ride.paid_at is not None or (current is not None and current.status == "succeeded"):
        raise Conflict(say(texts.ALREADY_PAID), {"method": [say(texts.ALREADY_PAID)]})
    if method == "cash":
        if current is not None and current.status in OPEN:
            # Never both: the in-app payment the rider started is cancelled (Conflict if it
            # is paid at this very moment, and then the ride is paid).
            services.payments.cancel(current.id)
        ride.payment_method = "cash"
        return {"method": "cash", "payment": None}
    assert ride.fare is not None and ride.firm is not None
    if current is not None:
        if current.status in OPEN:
            ride.payment_method = "platform"
            return {"method": "platform", "payment": _shown(current)}
        ride.payment_attempt += 1  # the last one failed or was cancelled: a new one
    payment = services.payments.create(
        ride.fare,
        texts.fill(texts.PAYMENT_PURPOSE, firm=ride.firm, ride=ride.id[:8]),
        ride.firm,
        metadata={"ride_id": ride.id},
        # One payment per attempt, however often the app retries the request.
        idempotency_key=f"taxi:{ride.id}:{ride.payment_attempt}",
    )
    ride.payment_method, ride.payment_id = "platform", payment.id
    return {"method": "platform", "payment": _shown(payment)}


def _shown(payment: PaymentInfo) -> dict[str, Any]:
    return {
        "id": payment.id,
        "amount": payment.amount,
        "status": payment.status,
        "checkout_url": f"/api/v1/payments/{payment.id}/checkout",
    }


def paid(services: Services, payment: PaymentInfo) -> None:
    """``payment_succeeded``: the ride the payment was for is paid."""
    ride_id = payment.metadata.get("ride_id")
    ride = services.db.session.scalar(select(Ride).where(Ride.id == ride_id).with_for_update())
    if ride is None or ride.paid_at is not None:
        return
    ride.payment_method, ride.payment_id = "platform", payment.id
    ride.paid_at = payment.paid_at or utcnow()


def cash_received(services: Services, ride: Ride) -> None:
    if ride.payment_method != "cash" or ride.state != "completed":
        raise Conflict(say(texts.NOT_CASH), {"method": [ride.payment_method or ""]})
    if ride.paid_at is None:
        ride.paid_at = utcnow()
