"""Per-firm figures for the province and for each firm: demand, what became of it, money,
how riders judged it and how long they waited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import request
from sieuapp.sdk import Services
from sieuapp.sdk.errors import InvalidInput
from sqlalchemy import select

from . import texts
from .access import firms
from .models import Ride, utcnow
from .texts import say


def period() -> tuple[date, date]:
    """``from`` and ``to`` (inclusive dates, UTC); the last 30 days by default."""
    today = utcnow().date()
    errors: dict[str, list[str]] = {}
    found = {}
    for name, default in (("from", today - timedelta(days=29)), ("to", today)):
        raw = request.args.get(name)
        try:
            found[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[name] = [say(texts.DATE)]
    if not errors and found["from"] > found["to"]:
        errors["from"] = [say(texts.DATE)]
    if errors:
        raise InvalidInput(say(texts.INVALID), errors)
    return found["from"], found["to"]


def figures(services: Services, only: str | None = None) -> dict[str, Any]:
    start, end = period()
    operating = firms(services)
    wanted = [only] if only else list(operating)
    rows = services.db.session.scalars(
        select(Ride).where(
            Ride.tenant_id == services.tenancy.current().id,
            Ride.requested_at >= datetime.combine(start, datetime.min.time(), UTC),
            Ride.requested_at < datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC),
        )
    ).all()
    unserved = [r for r in rows if r.firm is None]
    result = []
    for code in wanted:
        mine = [r for r in rows if r.firm == code]
        done = [r for r in mine if r.state == "completed"]
        rated = [r.rating for r in done if r.rating is not None]
        waits = [
            (r.arrived_at - r.reserved_at).total_seconds()
            for r in mine
            if r.arrived_at is not None and r.reserved_at is not None
        ]
        cancelled = {
            who: sum(1 for r in mine if r.cancelled_by == who) for who in ("passenger", "driver")
        }
        result.append(
            {
                "firm": code,
                "name": operating[code].name if code in operating else code,
                "accepted": len(mine),
                "completed": len(done),
                "cancelled": cancelled,
                "completion_rate": round(len(done) / len(mine), 3) if mine else None,
                "revenue": sum(r.fare or 0 for r in done if r.paid_at is not None),
                "paid_in_app": sum(1 for r in done if r.paid_at and r.payment_method == "platform"),
                "paid_cash": sum(1 for r in done if r.paid_at and r.payment_method == "cash"),
                "unpaid": sum(1 for r in done if r.paid_at is None),
                "ratings": len(rated),
                "average_rating": round(sum(rated) / len(rated), 2) if rated else None,
                "complaints": sum(1 for r in mine if r.complaint_report_id is not None),
                "average_pickup_s": round(sum(waits) / len(waits)) if waits else None,
                "distance_m": sum(r.trip_m for r in done),
            }
        )
    shown: dict[str, Any] = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "currency": "VND",
        "firms": result,
    }
    if only is None:
        # Demand nobody served is the province's question, not a firm's.
        shown["requested"] = len(rows)
        shown["no_driver_found"] = sum(
            1 for r in unserved if r.cancel_reason == "no_driver_available"
        )
        shown["cancelled_before_pickup"] = sum(1 for r in unserved if r.cancelled_by == "passenger")
    return shown
