"""What the notification and alert modules hold about a user: how and where they want to be
reached, where they get alerts for, which alerts they read and what was delivered to them.

The inbox itself is exported and erased with the reports (``reports/personal_data.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sieuapp.sdk import LocalizedText
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...alerts.models import AlertRead, UserArea
from ...notifications.models import (
    Delivery,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
)
from ...tenancy.models import Tenant

T = LocalizedText

#: What erasure removes here, by category (merged into ``erasure.ERASED``).
ERASED: dict[str, LocalizedText] = {
    "notification_settings": T(
        "Giờ yên lặng, bản tin hằng ngày và các kênh bạn chọn cho từng dịch vụ",
        "Your quiet hours, daily digest and the channels you chose for each service",
    ),
    "push_subscriptions": T(
        "Các trình duyệt đăng ký nhận thông báo đẩy", "The browsers registered for push messages"
    ),
    "alert_areas": T(
        "Phường, xã nơi bạn ở và vị trí hiện tại bạn đã chia sẻ để nhận cảnh báo",
        "Your home ward or commune and the location you shared to receive alerts",
    ),
    "alert_reads": T("Các cảnh báo bạn đã đọc", "The alerts you read"),
    "deliveries": T(
        "Lịch sử gửi thông báo đến bạn qua từng kênh",
        "The record of messages delivered to you on each channel",
    ),
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_notification_data(session: Session, user_id: str) -> dict[str, Any]:
    """The user's rows of these modules, in every tenant; push keys never (they let anyone
    encrypt messages to the browser), nor the endpoint's secret path."""
    slug = {tid: name for tid, name in session.execute(select(Tenant.id, Tenant.slug))}

    def owned(model: Any) -> list[Any]:
        key = model.id if hasattr(model, "id") else model.alert_id
        return list(session.scalars(select(model).where(model.user_id == user_id).order_by(key)))

    return {
        "notification_settings": [
            {
                "tenant": slug.get(s.tenant_id),
                "quiet_start_minute": s.quiet_start,
                "quiet_end_minute": s.quiet_end,
                "digest": s.digest,
                "digest_hour": s.digest_hour,
                "digest_sent_until": _iso(s.digest_sent_until),
            }
            for s in owned(NotificationSettings)
        ],
        "notification_preferences": [
            {
                "tenant": slug.get(p.tenant_id),
                "module": p.module,
                "channel": p.channel,
                "enabled": p.enabled,
            }
            for p in owned(NotificationPreference)
        ],
        "push_subscriptions": [
            {
                "tenant": slug.get(p.tenant_id),
                "push_service": urlsplit(p.endpoint).hostname,
                "user_agent": p.user_agent,
                "created_at": _iso(p.created_at),
                "last_sent_at": _iso(p.last_sent_at),
            }
            for p in owned(PushSubscription)
        ],
        "alert_areas": [
            {
                "tenant": slug.get(a.tenant_id),
                "kind": a.kind,
                "unit_code": a.unit_code,
                "lat": a.lat,
                "lon": a.lon,
                "updated_at": _iso(a.updated_at),
            }
            for a in owned(UserArea)
        ],
        "alert_reads": [
            {"alert_id": r.alert_id, "read_at": _iso(r.read_at)} for r in owned(AlertRead)
        ],
        "deliveries": [
            {
                "tenant": slug.get(d.tenant_id),
                "channel": d.channel,
                "notification_id": d.notification_id,
                "alert_id": d.alert_id,
                "status": d.status,
                "attempts": d.attempts,
                "created_at": _iso(d.created_at),
                "sent_at": _iso(d.sent_at),
            }
            for d in session.scalars(
                select(Delivery)
                .where(Delivery.user_id == user_id)
                .order_by(Delivery.created_at, Delivery.id)
            )
        ],
    }


def erase_notification_data(session: Session, user_id: str) -> dict[str, int]:
    """Delete the user's rows of these modules; counts by category of :data:`ERASED`."""

    def gone(model: Any) -> int:
        return max(session.execute(delete(model).where(model.user_id == user_id)).rowcount or 0, 0)

    # Deliveries first: they point at the subscriptions.
    deliveries = gone(Delivery)
    return {
        "notification_settings": gone(NotificationSettings) + gone(NotificationPreference),
        "push_subscriptions": gone(PushSubscription),
        "alert_areas": gone(UserArea),
        "alert_reads": gone(AlertRead),
        "deliveries": deliveries,
    }
