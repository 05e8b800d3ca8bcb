from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk import Role
from sqlalchemy import and_, or_, select

from ..db import current_session
from ..db.paging import paged
from ..identity.models import User
from ..identity.principal import require_principal
from ..tenancy.context import current_tenant
from .models import AuditEntry

blp = Blueprint("audit", __name__, url_prefix="/api/v1/admin", description="Audit log")


#: Actions written before anyone is signed in, labelled with the username typed.
ANONYMOUS_ACTIONS = ("auth.login_failed", "auth.locked")


class AuditQuery(Schema):
    action = fields.String(validate=validate.Length(max=80))
    actor = fields.String(validate=validate.Length(max=32), metadata={"description": "user id"})
    target = fields.String(validate=validate.Length(max=200))
    user = fields.String(
        validate=validate.Length(min=1, max=32),
        metadata={
            "description": "user id: entries where the user acted, was acted for under a "
            "delegation, or was the target"
        },
    )
    plugin = fields.String(validate=validate.Length(max=40))
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))

    @validates_schema
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("Must not be after 'until'.", "since")


class AuditOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.String(allow_none=True)
    actor_label = fields.String()
    on_behalf_of = fields.String(allow_none=True)
    plugin_id = fields.String(allow_none=True)
    action = fields.String()
    target = fields.String(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    ip = fields.String(allow_none=True)


class AuditPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    entries = fields.List(fields.Nested(AuditOut))


@blp.route("/audit")
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditPage)
@blp.doc(summary="This tenant's audit log, newest first", security=[{"bearer": []}])
def audit_log(query: dict[str, Any]) -> dict[str, Any]:
    require_principal(Role.PROVINCE_ADMIN.value)
    condition = [AuditEntry.tenant_id == current_tenant().id]
    for key, column in (
        ("action", AuditEntry.action),
        ("actor", AuditEntry.actor_id),
        ("target", AuditEntry.target),
        ("plugin", AuditEntry.plugin_id),
    ):
        if key in query:
            condition.append(column == query[key])
    if "user" in query:
        condition.append(_about_user(query["user"]))
    if "since" in query:
        condition.append(AuditEntry.at >= query["since"])
    if "until" in query:
        condition.append(AuditEntry.at <= query["until"])
    order = (AuditEntry.at.desc(), AuditEntry.id.desc())
    page, entries = paged(current_session(), AuditEntry, condition, order, query)
    return {**page, "entries": entries}


def _about_user(user_id: str) -> Any:
    """Entries about one user: as actor, as the citizen an agent acted for, or as target
    (written ``user:<id>`` or, by older call sites, the bare id)."""
    about = [
        AuditEntry.actor_id == user_id,
        AuditEntry.on_behalf_of == user_id,
        AuditEntry.target.in_((user_id, f"user:{user_id}")),
    ]
    username = current_session().scalar(select(User.username).where(User.id == user_id))
    if username is not None:
        # A failed sign-in knows only the username typed, not whose account it is.
        about.append(
            and_(
                AuditEntry.actor_id.is_(None),
                AuditEntry.action.in_(ANONYMOUS_ACTIONS),
                AuditEntry.actor_label == username,
            )
        )
    return or_(*about)
