"""What the alert tests share: a valid composed alert, boundaries, users placed in communes."""

from __future__ import annotations

import hashlib
from typing import Any

from sieuapp.core.alerts.models import UserArea
from sieuapp.core.identity import accounts
from sieuapp.core.notifications.models import PushSubscription
from sieuapp.core.reports import geo
from sieuapp.core.reports.models import UnitBoundary
from sqlalchemy.orm import Session

PHU_XUAN, VY_DA, THUAN_HOA, AN_CUU = "19768", "19777", "19786", "19815"
PROVINCE = "46"


def square(lat: float, lon: float, size: float) -> list[list[float]]:
    """A closed CAP ring ([lat, lon]) of a square from its south-west corner."""
    return [[lat, lon], [lat, lon + size], [lat + size, lon + size], [lat + size, lon], [lat, lon]]


def boundary(lat: float, lon: float, size: float) -> dict[str, Any]:
    """The GeoJSON ([lon, lat]) of the same square."""
    return {"type": "Polygon", "coordinates": [[[p[1], p[0]] for p in square(lat, lon, size)]]}


#: Four wards side by side along a parallel, 0.02° apart.
WARDS = {
    PHU_XUAN: boundary(16.46, 107.50, 0.02),
    VY_DA: boundary(16.46, 107.52, 0.02),
    THUAN_HOA: boundary(16.46, 107.54, 0.02),
    AN_CUU: boundary(16.46, 107.60, 0.02),
}


def add_boundaries(session: Session, tenant_id: int) -> None:
    for code, geometry in WARDS.items():
        min_lat, min_lon, max_lat, max_lon = geo.bounding_box(geometry)
        session.add(
            UnitBoundary(
                tenant_id=tenant_id,
                unit_code=code,
                geometry=geometry,
                min_lat=min_lat,
                min_lon=min_lon,
                max_lat=max_lat,
                max_lon=max_lon,
            )
        )
    session.flush()


def alert_data(**changes: Any) -> dict[str, Any]:
    """A valid flood warning over Phú Xuân by commune code."""
    data: dict[str, Any] = {
        "category": ["Met", "Safety"],
        "event": "Lũ",
        "event_en": "Flood",
        "response_type": ["Prepare"],
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Likely",
        "headline": "Cảnh báo lũ trên sông Hương",
        "headline_en": "Flood warning on the Perfume River",
        "description": "Mực nước sông Hương đang lên.",
        "instruction": "Di chuyển đồ đạc lên cao.",
        "expires": "2099-01-01T00:00:00+07:00",
        "areas": [{"area_desc": "Phường Phú Xuân", "communes": [PHU_XUAN]}],
    }
    data.update(changes)
    return data


def place_user(
    session: Session,
    tenant_id: int,
    username: str,
    unit_code: str | None,
    *,
    kind: str = "home",
    lat: float | None = None,
    lon: float | None = None,
    push: bool = True,
) -> str:
    """A new citizen with one area and (by default) one push subscription; returns the id."""
    user = accounts.create_user(session, username, None, username.title())
    session.flush()
    session.add(
        UserArea(
            user_id=user.id, tenant_id=tenant_id, kind=kind, unit_code=unit_code, lat=lat, lon=lon
        )
    )
    if push:
        endpoint = f"https://push.example/{username}"
        session.add(
            PushSubscription(
                user_id=user.id,
                tenant_id=tenant_id,
                endpoint=endpoint,
                endpoint_hash=hashlib.sha256(endpoint.encode()).hexdigest(),
                p256dh="BPk" + "A" * 84,
                auth="A" * 22,
            )
        )
    session.flush()
    return user.id
