"""The caller's own consents: what each service may read, and taking it back."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import NotFound

from ..db import current_session
from ..web.i18n import request_language
from . import consent
from .principal import own_account_only, require_principal

blp = Blueprint("consents", __name__, url_prefix="/api/v1", description="Your consents")

NO_CONSENT = LocalizedText(
    "Bạn chưa cho phép dịch vụ này truy cập thông tin nào.",
    "You have not given this service access to anything.",
)


class ConsentScopeOut(Schema):
    name = fields.String()
    purpose = fields.String(allow_none=True)


class ConsentOut(Schema):
    plugin_id = fields.String(metadata={"description": "the plugin, or a partner's client id"})
    plugin_name = fields.String()
    scopes = fields.List(fields.Nested(ConsentScopeOut))
    granted_at = fields.DateTime()


class ConsentsOut(Schema):
    language = fields.String()
    consents = fields.List(fields.Nested(ConsentOut))


@blp.route("/me/consents")
@blp.response(200, ConsentsOut)
@blp.doc(
    summary="The services you gave access to, with what and why",
    description="Names and purposes in the language of Accept-Language (vi by default).",
    security=[{"bearer": []}],
)
@own_account_only
def list_my_consents() -> tuple[dict[str, Any], int, dict[str, str]]:
    principal = require_principal()
    language = request_language()
    body = {
        "language": language,
        "consents": consent.list_consents(
            current_session(), principal.user_id, principal.tenant_id, language
        ),
    }
    return body, 200, {"Content-Language": language, "Vary": "Accept-Language, Authorization"}


@blp.route("/me/consents/<plugin_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, description="You have no consent for this service")
@blp.doc(
    summary="Withdraw your consent for a service",
    description="Revokes every access and refresh token you hold from that service's clients "
    "in this tenant; its next request with one of them is answered 401.",
    security=[{"bearer": []}],
)
@own_account_only
def revoke_my_consent(plugin_id: str) -> None:
    principal = require_principal()
    revoked = consent.revoke(
        current_session(),
        principal.user_id,
        principal.tenant_id,
        plugin_id,
        actor_id=principal.actor_id,
    )
    if not revoked:
        raise NotFound(NO_CONSENT.get(request_language()))
