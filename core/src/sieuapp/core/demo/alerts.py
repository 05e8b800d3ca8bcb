"""The demo's government alert: a flood warning on the Hương River over the riverside wards of
Huế, composed and published through the real pipeline (``compose.new_draft`` and
``publishing.publish``: targets, audit entry, fan-out), so that the inbox, the public API and
the CAP feed show something. Idempotent: while the warning is current nothing is added; once
it has expired a later run sends an Update with a new expiry in the same thread."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..alerts import areas, compose, publishing, rules
from ..alerts.models import Alert, UserArea
from ..identity.models import User
from ..tenancy.models import AdministrativeUnit

HEADLINE = "Cảnh báo lũ trên sông Hương"
HEADLINE_EN = "Flood warning on the Huong River"
#: How long the warning stays in effect after the run that sends it.
LASTS = timedelta(hours=24)
#: Riverside wards, by their names in the 2025 structure; codes are read from the tenant.
RIVERSIDE = (
    "Phường Kim Long",
    "Phường Hương An",
    "Phường Phú Xuân",
    "Phường Thuận Hóa",
    "Phường Vỹ Dạ",
)
#: The demo citizen's home, so that their inbox shows the warning.
CITIZEN_HOME = "Phường Kim Long"
#: Who sends it: the IOC operator watches and warns.
SENDER_ACCOUNT = "ioc"
CITIZEN_ACCOUNT = "citizen"

#: A strip along the river from Hương An down past Vỹ Dạ, CAP order [lat, lon], closed.
RIVER_STRIP = [
    [16.458, 107.525],
    [16.461, 107.555],
    [16.462, 107.585],
    [16.468, 107.610],
    [16.480, 107.610],
    [16.476, 107.585],
    [16.474, 107.555],
    [16.470, 107.525],
    [16.458, 107.525],
]

TEXTS: dict[str, Any] = {
    "category": ["Met", "Safety"],
    "event": "Lũ",
    "event_en": "Flood",
    "response_type": ["Prepare", "Evacuate"],
    "urgency": "Immediate",
    "severity": "Severe",
    "certainty": "Likely",
    "sender_name": "Ban Chỉ huy Phòng thủ dân sự thành phố Huế",
    "headline": HEADLINE,
    "headline_en": HEADLINE_EN,
    "description": (
        "Mực nước sông Hương tại trạm Kim Long đang ở mức 3,2 m, trên báo động 2 là 1,2 m, "
        "và tiếp tục lên. Trong 12 giờ tới mực nước có thể vượt báo động 3 (3,5 m), gây ngập "
        "sâu các khu dân cư ven sông thuộc các phường Kim Long, Hương An, Phú Xuân, Thuận Hóa "
        "và Vỹ Dạ."
    ),
    "description_en": (
        "The Huong River at the Kim Long gauging station stands at 3.2 m, 1.2 m above alarm "
        "level 2, and is still rising. Within the next 12 hours it may pass alarm level 3 "
        "(3.5 m) and flood the riverside neighbourhoods of Kim Long, Huong An, Phu Xuan, "
        "Thuan Hoa and Vy Da wards."
    ),
    "instruction": (
        "Di chuyển người già, trẻ em, tài sản và phương tiện lên vùng cao hoặc nơi trú tránh "
        "của phường. Không đi qua các đoạn đường ngập, ngầm tràn; không vớt củi, đánh bắt "
        "trên sông. Theo dõi thông báo của chính quyền địa phương. Cần hỗ trợ khẩn cấp, gọi "
        "đường dây nóng 1900 1075."
    ),
    "instruction_en": (
        "Move elderly people, children, belongings and vehicles to higher ground or to your "
        "ward's shelter. Do not cross flooded roads or spillways; do not collect driftwood or "
        "fish on the river. Follow the announcements of the local authorities. For emergency "
        "help call the hotline 1900 1075."
    ),
    "contact": "Đường dây nóng / Hotline 1900 1075",
}


def _units(session: Session, tenant_id: int, names: tuple[str, ...]) -> dict[str, str]:
    """Unit codes by name, for the names the tenant has."""
    rows = session.execute(
        select(AdministrativeUnit.name, AdministrativeUnit.code).where(
            AdministrativeUnit.tenant_id == tenant_id, AdministrativeUnit.name.in_(names)
        )
    )
    return {name: code for name, code in rows}


def _user_id(session: Session, username: str) -> str | None:
    return session.scalar(select(User.id).where(User.username == username))


def warning_data(session: Session, tenant_id: int) -> dict[str, Any]:
    """The composer data of the warning, expiring ``LASTS`` from now."""
    found = _units(session, tenant_id, RIVERSIDE)
    expires = clock.now().replace(microsecond=0) + LASTS
    return {
        **TEXTS,
        "expires": rules.cap_time(expires),
        "areas": [
            {
                "area_desc": "Các phường ven sông Hương: "
                + ", ".join(n.removeprefix("Phường ") for n in RIVERSIDE if n in found),
                "area_desc_en": "Riverside wards of the Huong River",
                "polygons": [RIVER_STRIP],
                "communes": [found[n] for n in RIVERSIDE if n in found],
            }
        ],
    }


def _place_citizen(session: Session, tenant_id: int) -> None:
    """The demo citizen's home ward, unless they chose one themselves."""
    citizen = _user_id(session, CITIZEN_ACCOUNT)
    code = _units(session, tenant_id, (CITIZEN_HOME,)).get(CITIZEN_HOME)
    if citizen is None or code is None:
        return
    has_home = session.scalar(
        select(UserArea.id).where(
            UserArea.tenant_id == tenant_id,
            UserArea.user_id == citizen,
            UserArea.kind == areas.HOME,
        )
    )
    if has_home is None:
        areas.set_home(session, tenant_id, citizen, code)


def _latest(session: Session, tenant_id: int) -> Alert | None:
    """The current message (a Cancel included) of the demo warning, if it was ever sent."""
    return session.scalar(
        select(Alert)
        .where(
            Alert.tenant_id == tenant_id,
            Alert.headline == HEADLINE,
            Alert.state == "published",
        )
        .order_by(Alert.sent.desc(), Alert.id.desc())
        .limit(1)
    )


def seed_alert(session: Session, tenant_id: int) -> bool:
    """Send the demo flood warning unless one is in effect; returns whether one was sent."""
    _place_citizen(session, tenant_id)
    actor = _user_id(session, SENDER_ACCOUNT)
    latest = _latest(session, tenant_id)
    in_effect = latest is not None and (latest.expires is None or latest.expires > clock.now())
    if in_effect:
        # A warning the operator cancelled stays cancelled until it would have expired.
        return False
    if latest is not None and latest.msg_type != "Cancel":
        # Same thread, new expiry: an operator would extend a warning by an Update too.
        expires = warning_data(session, tenant_id)["expires"]
        publishing.update(session, latest, {"expires": expires}, actor)
        return True
    draft = compose.new_draft(
        session, tenant_id, warning_data(session, tenant_id), created_by=actor
    )
    publishing.publish(session, draft, actor)
    return True
