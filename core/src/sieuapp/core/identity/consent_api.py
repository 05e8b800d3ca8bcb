"""The caller's own consents: what each service may read, and taking it back."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput, NotFound

from .._runtime import runtime_of
from ..db import current_session
from ..plugins._states import read_states
from ..web.i18n import request_language
from . import consent
from .principal import own_account_only, require_principal

blp = Blueprint("consents", __name__, url_prefix="/api/v1", description="Your consents")

NO_MODULE = LocalizedText(
    "Dịch vụ này chưa được bật ở tỉnh của bạn.", "This service is not enabled in your province."
)
UNDECLARED_SCOPE = LocalizedText(
    "Dịch vụ này không xin quyền {scope}.", "This service does not ask for {scope}."
)

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


class ConsentIn(Schema):
    scopes = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=20),
    )


@blp.route("/me/consents/<plugin_id>", methods=["POST"])
@blp.arguments(ConsentIn)
@blp.response(200, ConsentOut)
@blp.alt_response(404, description="No such service is enabled here")
@blp.alt_response(422, description="A scope the service does not declare (named in `scopes`)")
@blp.doc(
    summary="Let a service read what it asks for, when the app asks you in place",
    description="The in-app consent prompt: `scopes` are among those the module's manifest "
    "declares, each shown with its purpose before you agree. Adds to what you granted before.",
    security=[{"bearer": []}],
)
@own_account_only
def grant_my_consent(body: dict[str, Any], plugin_id: str) -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    language = request_language()
    # Only a module the province has switched on: a consent to something the citizen
    # cannot see would be a consent they never understood.
    state = read_states(session, principal.tenant_id).get(plugin_id)
    manifest = runtime_of().host.manifest(plugin_id)
    if state is None or not state.enabled or manifest is None:
        raise NotFound(NO_MODULE.get(language))
    declared = {s.name for s in manifest.scopes}
    unknown = [s for s in body["scopes"] if s not in declared]
    if unknown:
        raise InvalidInput(
            UNDECLARED_SCOPE.get(language).format(scope=unknown[0]),
            {"scopes": [UNDECLARED_SCOPE.get(language).format(scope=s) for s in unknown]},
        )
    consent.grant(
        session,
        principal.user_id,
        principal.tenant_id,
        plugin_id,
        body["scopes"],
        actor_id=principal.actor_id,
    )
    session.flush()
    mine = consent.list_consents(session, principal.user_id, principal.tenant_id, language)
    return next(c for c in mine if c["plugin_id"] == plugin_id)


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
