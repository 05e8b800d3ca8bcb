"""The caller's own inbox.

An authorized agent acting for a citizen may read the inbox (to follow what they filed for the
person) but not mark anything read: the account holder must still see what is new to them.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import NotFound
from sqlalchemy import func, select, update

from .. import clock
from ..db import current_session
from ..db.paging import paged
from ..identity.principal import own_account_only, require_principal
from ..web.i18n import request_language
from .delivery import summary
from .models import Notification

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Your notifications")

NO_NOTIFICATION = LocalizedText("Không có thông báo này.", "No such notification.")


class NotificationQuery(Schema):
    unread = fields.Boolean(metadata={"description": "true: only unread; false: only read"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True)
    data = fields.Raw()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Boolean()


class NotificationPage(Schema):
    language = fields.String()
    total = fields.Integer()
    unread = fields.Integer(metadata={"description": "unread notifications in all pages"})
    page = fields.Integer()
    page_size = fields.Integer()
    notifications = fields.List(fields.Nested(NotificationOut))


class NotificationDetail(NotificationOut):
    deliveries = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        metadata={"description": "{channel: {status: count}}: pending, deferred, sent, ..."},
    )


class ReadAllOut(Schema):
    marked = fields.Integer()


def _mine(user_id: str, tenant_id: int) -> list[Any]:
    return [Notification.user_id == user_id, Notification.tenant_id == tenant_id]


def notification_view(notification: Notification, language: str) -> dict[str, Any]:
    """One notification as the caller reads it, in ``language``."""
    english = language == "en"
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": (notification.title_en or notification.title) if english else notification.title,
        "body": (notification.body_en or notification.body) if english else notification.body,
        "link": notification.link,
        "data": notification.data or {},
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "read": notification.read_at is not None,
    }


@blp.route("/me/notifications")
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, NotificationPage)
@blp.doc(
    summary="Your notifications, newest first",
    description="Titles and bodies in the language of Accept-Language (vi by default).",
    security=[{"bearer": []}],
)
def list_my_notifications(query: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    principal = require_principal()
    language = request_language()
    session = current_session()
    mine = _mine(principal.user_id, principal.tenant_id)
    condition = list(mine)
    if "unread" in query:
        condition.append(
            Notification.read_at.is_(None) if query["unread"] else Notification.read_at.is_not(None)
        )
    unread = session.scalar(
        select(func.count()).select_from(Notification).where(*mine, Notification.read_at.is_(None))
    )
    order = (Notification.created_at.desc(), Notification.id.desc())
    page, rows = paged(session, Notification, condition, order, query)
    body = {
        "language": language,
        **page,
        "unread": unread,
        "notifications": [notification_view(n, language) for n in rows],
    }
    return body, 200, {"Content-Language": language, "Vary": "Accept-Language, Authorization"}


def _one(notification_id: int) -> Notification:
    principal = require_principal()
    notification = current_session().scalar(
        select(Notification).where(
            Notification.id == notification_id, *_mine(principal.user_id, principal.tenant_id)
        )
    )
    if notification is None:
        raise NotFound(NO_NOTIFICATION.get(request_language()))
    return notification


@blp.route("/me/notifications/<int:notification_id>")
@blp.response(200, NotificationDetail)
@blp.alt_response(404, description="Not one of your notifications")
@blp.doc(
    summary="One of your notifications, with how far it got on each channel",
    security=[{"bearer": []}],
)
def get_notification(notification_id: int) -> dict[str, Any]:
    notification = _one(notification_id)
    view = notification_view(notification, request_language())
    return {**view, "deliveries": summary(current_session(), notification_id=notification.id)}


@blp.route("/me/notifications/<int:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationOut)
@blp.alt_response(404, description="Not one of your notifications")
@blp.doc(summary="Mark one of your notifications read", security=[{"bearer": []}])
@own_account_only
def read_notification(notification_id: int) -> dict[str, Any]:
    notification = _one(notification_id)
    if notification.read_at is None:
        notification.read_at = clock.now()
    return notification_view(notification, request_language())


@blp.route("/me/notifications/read-all", methods=["POST"])
@blp.response(200, ReadAllOut)
@blp.doc(summary="Mark all your notifications read", security=[{"bearer": []}])
@own_account_only
def read_all_notifications() -> dict[str, int]:
    principal = require_principal()
    result = current_session().execute(
        update(Notification)
        .where(*_mine(principal.user_id, principal.tenant_id), Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return {"marked": result.rowcount or 0}
