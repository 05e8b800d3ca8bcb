"""Alerts for the CAP tests, made through the real compose and publishing functions: each
kind of message CAP carries (polygon, circle, geocodes, two languages, update, cancel)."""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree
from sieuapp.core.alerts import compose, publishing
from sieuapp.core.alerts.models import Alert
from sieuapp.core.db import unit_of_work
from sieuapp.core.tenancy.models import AdministrativeUnit, Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sqlalchemy import func, select
from sqlalchemy.orm import Session

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
#: A ring around Huế's Phú Vang lagoon shore, [lat, lon], closed.
RING = [[16.42, 107.68], [16.52, 107.68], [16.52, 107.80], [16.42, 107.80], [16.42, 107.68]]
INSIDE = (16.47, 107.74)
OUTSIDE = (16.30, 107.50)

BASE: dict[str, Any] = {
    "category": ["Met", "Safety"],
    "event": "Lũ",
    "response_type": ["Evacuate", "Monitor"],
    "urgency": "Immediate",
    "severity": "Severe",
    "certainty": "Likely",
    "sender_name": "Trung tâm IOC Huế",
    "headline": "Cảnh báo lũ trên sông Hương",
    "description": "Mực nước sông Hương đang lên nhanh.",
    "instruction": "Di chuyển đến nơi cao.",
    "web": "https://hue.gov.vn/canh-bao",
    "contact": "1022",
}
ENGLISH: dict[str, Any] = {
    "event_en": "Flood",
    "headline_en": "Flood warning on the Perfume River",
    "description_en": "The Perfume River is rising fast.",
    "instruction_en": "Move to higher ground.",
}


def area(**shape: Any) -> dict[str, Any]:
    return {"area_desc": "Ven biển Phú Vang", "area_desc_en": "Phu Vang coast", **shape}


def data(*areas: dict[str, Any], english: bool = True, **fields: Any) -> dict[str, Any]:
    """Composer input: the base flood warning with ``areas`` (a polygon by default)."""
    return {
        **copy.deepcopy(BASE),
        **(ENGLISH if english else {}),
        "areas": list(areas) or [area(polygons=[RING])],
        **fields,
    }


def tenant_id(session: Session, slug: str = "hue") -> int:
    return session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def communes(session: Session, count: int = 2, slug: str = "hue") -> list[str]:
    return list(
        session.scalars(
            select(AdministrativeUnit.code)
            .where(AdministrativeUnit.tenant_id == tenant_id(session, slug))
            .order_by(AdministrativeUnit.code)
            .limit(count)
        )
    )


def add_tenant(platform: Any, slug: str = "danang", province: int = 48) -> None:
    with unit_of_work(platform.runtime.sessionmaker) as session:
        create_tenant(session, slug, province)


def make_alert(
    platform: Any,
    composed: dict[str, Any],
    *,
    publish: bool = True,
    slug: str = "hue",
    role: str = "ioc_operator",
) -> int:
    """A draft of ``composed`` (published unless asked not to); its id."""
    user_id = platform.users[role].id
    with platform.context(slug) as session:
        alert = compose.new_draft(session, tenant_id(session, slug), composed, created_by=user_id)
        if publish:
            publishing.publish(session, alert, user_id)
        alert_id = alert.id
    platform.run_tasks()
    return alert_id


def update_alert(platform: Any, alert_id: int, changes: dict[str, Any]) -> int:
    user_id = platform.users["ioc_operator"].id
    with platform.context() as session:
        successor = publishing.update(session, session.get(Alert, alert_id), changes, user_id)
        new_id = successor.id
    platform.run_tasks()
    return new_id


def cancel_alert(platform: Any, alert_id: int, note: str = "Nước đã rút.") -> int:
    user_id = platform.users["ioc_operator"].id
    with platform.context() as session:
        successor = publishing.cancel(session, session.get(Alert, alert_id), user_id, note)
        new_id = successor.id
    platform.run_tasks()
    return new_id


def demo_alerts(platform: Any) -> dict[str, int]:
    """One alert of each kind, by name; ``updated`` and ``cancelled`` are the new messages."""
    with platform.context() as session:
        codes = communes(session)
    made = {
        "polygon": make_alert(platform, data(area(polygons=[RING]), english=False)),
        "circle": make_alert(
            platform, data(area(circles=[{"lat": 16.46, "lon": 107.59, "radius_km": 3.5}]))
        ),
        "geocodes": make_alert(
            platform,
            data(area(communes=codes, geocodes=[{"valueName": "EMMA_ID", "value": "VN046"}])),
        ),
        "everything": make_alert(
            platform,
            data(
                area(polygons=[RING], circles=[{"lat": 16.5, "lon": 107.7, "radius_km": 1}]),
                area(communes=codes[:1], altitude=0, ceiling=1500),
                onset="2026-03-02T09:00:00+07:00",
                expires="2099-03-03T09:00:00+07:00",
                note="Bản tin thử nghiệm của tỉnh",
                source="Đài Khí tượng Thủy văn Huế",
            ),
        ),
    }
    original = make_alert(platform, data())
    made["updated"] = update_alert(platform, original, {"severity": "Extreme"})
    to_cancel = make_alert(platform, data())
    made["cancelled"] = cancel_alert(platform, to_cancel)
    made["superseded"] = original
    return made


def count(platform: Any, model: type = Alert) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(model))


def document(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def mutate(xml: bytes, path: str, text: str | None = None, *, remove: bool = False) -> bytes:
    """``xml`` with the element at ``path`` (``info/area/polygon``, first of each) given
    ``text``, or removed."""
    root = etree.fromstring(xml)
    node = root.find("/".join(CAP + step for step in path.split("/")))
    assert node is not None, path
    if remove:
        node.getparent().remove(node)
    else:
        node.text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def insert_after(xml: bytes, path: str, name: str, text: str) -> bytes:
    """``xml`` with a new element ``name`` right after the one at ``path``."""
    root = etree.fromstring(xml)
    node = root.find("/".join(CAP + step for step in path.split("/")))
    assert node is not None, path
    new = etree.Element(CAP + name)
    new.text = text
    node.addnext(new)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
