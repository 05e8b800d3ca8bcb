"""After a ride: stars and a word for the firm, or a complaint, which is a citizen report in
the firm's category, handled through the platform's report pipeline like any other."""

from __future__ import annotations

from typing import Any

from sieuapp.sdk import ReportCategory, ReportChoice, ReportQuestion, Services, text
from sieuapp.sdk.errors import Conflict

from . import fleet, texts
from .access import firms
from .inputs import Body
from .models import Ride, Vehicle
from .texts import say

COMPLAINT_KINDS = {
    "overcharge": text("Thu sai giá cước", "Overcharged"),
    "rude": text("Thái độ không tốt", "Rude driver"),
    "unsafe_driving": text("Lái xe không an toàn", "Unsafe driving"),
    "route": text("Đi vòng, sai lộ trình", "Took a detour"),
    "lost_item": text("Để quên đồ trên xe", "Item left in the car"),
    "other": text("Khác", "Other"),
}


def category_code(firm: str) -> str:
    return f"taxi.{firm}"


def categories(services: Services) -> list[ReportCategory]:
    """One complaint category per operating firm, routed to the firm itself."""
    kinds = tuple(ReportChoice(k, v) for k, v in COMPLAINT_KINDS.items())
    return [
        ReportCategory(
            code=category_code(code),
            name=texts.fill(texts.COMPLAINT_CATEGORY, firm=org.name),
            description=texts.COMPLAINT_DESCRIPTION,
            organization=code,
            group=texts.TRANSPORT,
            keywords=("taxi", "tài xế", "cước", "xe"),
            deadline_days=3,
            duplicate_radius_m=0,
            questions=(
                ReportQuestion(
                    "kind",
                    "singlevaluelist",
                    text("Sự việc", "What happened"),
                    required=True,
                    choices=kinds,
                ),
                ReportQuestion("plate", "string", text("Biển số xe", "Plate number")),
                ReportQuestion("ride_id", "string", text("Mã chuyến đi", "Ride id")),
            ),
        )
        for code, org in firms(services).items()
    ]


def rate(services: Services, ride: Ride) -> None:
    body = Body({"stars", "comment"})
    stars = body.data.get("stars")
    if isinstance(stars, bool) or stars not in (1, 2, 3, 4, 5):
        body.fail("stars", say(texts.STARS))
    comment = body.text("comment", 1000)
    body.check()
    if ride.state != "completed":
        message = say(texts.RIDE_STATE, state=ride.state, action="rate")
        raise Conflict(message, {"state": [ride.state]})
    if ride.rating is not None:
        raise Conflict(say(texts.ALREADY_RATED), {"stars": [say(texts.ALREADY_RATED)]})
    ride.rating, ride.rating_comment = stars, comment
    services.audit.record("ride.rated", ride.id, None, {"stars": stars, "firm": ride.firm})


def complain(services: Services, ride: Ride) -> dict[str, Any]:
    body = Body({"kind", "description"})
    kind = body.choice("kind", COMPLAINT_KINDS)
    description = body.text("description", 5000, required=True, minimum=3)
    body.check()
    if ride.firm is None:
        message = say(texts.RIDE_STATE, state=ride.state, action="complain")
        raise Conflict(message, {"state": [ride.state]})
    if ride.complaint_report_id is not None:
        message = say(texts.ALREADY_COMPLAINED, report=ride.complaint_report_id)
        raise Conflict(message, {"ride_id": [message]})
    vehicle = services.db.session.get(Vehicle, ride.vehicle_id) if ride.vehicle_id else None
    attributes = {"kind": kind, "ride_id": ride.id}
    if vehicle is not None:
        attributes["plate"] = fleet.shown_plate(vehicle.plate)
    report = services.reports.file(
        category_code(ride.firm),
        description,  # type: ignore[arg-type]
        lat=ride.pickup_lat,
        lon=ride.pickup_lon,
        address=ride.pickup_address,
        attributes=attributes,
    )
    ride.complaint_report_id = report.id
    return {
        "report_id": report.id,
        "status": report.status,
        "organization": report.organization,
        "category": report.category,
    }
