"""Notification templates of the province: its own wording of what the platform tells users."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import InvalidInput, NotFound

from .. import clock
from ..audit.log import record as audit
from ..db import current_session
from ..errors import generic_message
from ..identity.principal import Principal, require_principal, requires_role
from ..tenancy.context import current_tenant
from ..web.i18n import request_language
from .models import NotificationTemplate
from .templates import BODY_MAX, DEFAULTS, TITLE_MAX, Template, override_of, problems

blp = Blueprint(
    "notification_templates",
    __name__,
    url_prefix="/api/v1/admin",
    description="Notification templates of the province",
)

ADMINS = (Role.PROVINCE_ADMIN.value,)
SECURITY = [{"bearer": []}]
NO_KIND = LocalizedText("Không có loại thông báo này.", "No such notification kind.")
PARTS = ("title", "title_en", "body", "body_en")


class TemplateIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    title_en = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    body = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX))
    body_en = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX))

    @validates_schema
    def _not_blank(self, data: dict[str, Any], **_: Any) -> None:
        blank = {part: ["Must not be blank."] for part in PARTS if not data[part].strip()}
        if blank:
            raise ValidationError(blank)


class TextOut(Schema):
    title = fields.String()
    title_en = fields.String()
    body = fields.String()
    body_en = fields.String()


class OverrideOut(TextOut):
    updated_at = fields.DateTime()
    updated_by = fields.String(allow_none=True)


class TemplateOut(Schema):
    kind = fields.String()
    placeholders = fields.Dict(keys=fields.String(), values=fields.String())
    default = fields.Nested(TextOut)
    override = fields.Nested(OverrideOut, allow_none=True)


class TemplateList(Schema):
    templates = fields.List(fields.Nested(TemplateOut))


def _admin() -> Principal:
    return require_principal(*ADMINS)


def _template(kind: str) -> Template:
    template = DEFAULTS.get(kind)
    if template is None:
        raise NotFound(NO_KIND.get(request_language()), {"kind": [NO_KIND.en]})
    return template


def _texts(row: NotificationTemplate) -> dict[str, str]:
    return {part: getattr(row, part) for part in PARTS}


def _view(kind: str, template: Template, row: NotificationTemplate | None) -> dict[str, Any]:
    default = {
        "title": template.title.vi,
        "title_en": template.title.en,
        "body": template.body.vi,
        "body_en": template.body.en,
    }
    override = None
    if row is not None:
        override = {**_texts(row), "updated_at": row.updated_at, "updated_by": row.updated_by}
    return {
        "kind": kind,
        "placeholders": dict(template.placeholders),
        "default": default,
        "override": override,
    }


@blp.route("/notification-templates")
@blp.response(200, TemplateList)
@blp.doc(
    summary="Every notification kind: default text, the province's wording, placeholders",
    security=SECURITY,
)
def list_templates() -> dict[str, Any]:
    _admin()
    session = current_session()
    tenant_id = current_tenant().id
    rows = {
        row.kind: row
        for row in session.query(NotificationTemplate).filter_by(tenant_id=tenant_id).all()
    }
    return {
        "templates": [
            _view(kind, template, rows.get(kind)) for kind, template in sorted(DEFAULTS.items())
        ]
    }


@blp.route("/notification-templates/<string:kind>", methods=["PUT"])
@requires_role(*ADMINS)
@blp.arguments(TemplateIn)
@blp.response(200, TemplateOut)
@blp.alt_response(404, description="No such notification kind")
@blp.doc(summary="Replace the wording of one notification kind", security=SECURITY)
def put_template(data: dict[str, Any], kind: str) -> dict[str, Any]:
    principal = _admin()
    template = _template(kind)
    found = {part: problems(data[part], template.placeholders) for part in PARTS}
    found = {part: messages for part, messages in found.items() if messages}
    if found:
        raise InvalidInput(generic_message(422, "Some fields are invalid."), found)
    session = current_session()
    tenant_id = current_tenant().id
    row = override_of(session, tenant_id, kind)
    before = _texts(row) if row is not None else None
    if row is None:
        row = NotificationTemplate(tenant_id=tenant_id, kind=kind)
        session.add(row)
    for part in PARTS:
        setattr(row, part, data[part])
    row.updated_by = principal.user_id
    row.updated_at = clock.now()
    audit(
        session,
        "notification_template.updated",
        tenant_id=tenant_id,
        actor_id=principal.user_id,
        actor_label=principal.username,
        target=f"notification_template:{kind}",
        before=before,
        after=_texts(row),
    )
    session.flush()
    return _view(kind, template, row)


@blp.route("/notification-templates/<string:kind>", methods=["DELETE"])
@blp.response(200, TemplateOut)
@blp.alt_response(404, description="No such notification kind")
@blp.doc(summary="Go back to the platform's wording of one notification kind", security=SECURITY)
def reset_template(kind: str) -> dict[str, Any]:
    principal = _admin()
    template = _template(kind)
    session = current_session()
    tenant_id = current_tenant().id
    row = override_of(session, tenant_id, kind)
    if row is not None:
        audit(
            session,
            "notification_template.reset",
            tenant_id=tenant_id,
            actor_id=principal.user_id,
            actor_label=principal.username,
            target=f"notification_template:{kind}",
            before=_texts(row),
        )
        session.delete(row)
        session.flush()
    return _view(kind, template, None)
