"""OAuth clients over HTTP: partners manage their organization's back-ends, the province admin
manages every client of the tenant (plugin clients included)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import Forbidden, InvalidInput, NotFound
from sqlalchemy import select

from .._runtime import runtime_of
from ..db import current_session
from ..errors import flatten_field_errors
from ..tenancy.context import current_tenant
from ..tenancy.models import Organization
from ..web.i18n import request_language
from .oidc import clients
from .oidc.models import OAuthClient
from .principal import Principal, require_principal

blp = Blueprint(
    "oauth_clients", __name__, url_prefix="/api/v1", description="OAuth clients (partners, admins)"
)

PARTNER = Role.PARTNER_STAFF.value
ADMIN = Role.PROVINCE_ADMIN.value
NO_SUCH_CLIENT = LocalizedText("Không có ứng dụng (client) này.", "No such client.")
NO_PARTNER_ORGANIZATION = LocalizedText(
    "Vai trò đối tác của bạn chưa gắn với công ty đối tác nào.",
    "Your partner role is not tied to a partner organization.",
)


class OAuthClientOut(Schema):
    client_id = fields.String()
    kind = fields.String(metadata={"description": "plugin, partner or first_party"})
    name = fields.String()
    plugin_id = fields.String(allow_none=True)
    organization = fields.String(allow_none=True, metadata={"description": "organization code"})
    token_endpoint_auth_method = fields.String()
    redirect_uris = fields.List(fields.String())
    post_logout_redirect_uris = fields.List(fields.String())
    grant_types = fields.List(fields.String())
    scope = fields.String()
    created_at = fields.String()
    secret_rotated_at = fields.String(allow_none=True)
    disabled_at = fields.String(allow_none=True)
    client_secret = fields.String(
        metadata={"description": "only in the answer that creates or rotates it; never again"}
    )


class PartnerClientIn(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    grant_types = fields.List(
        fields.String(),
        load_default=lambda: [clients.CLIENT_CREDENTIALS],
        metadata={
            "description": "client_credentials always; add authorization_code (which brings "
            "refresh_token) for users signing in"
        },
    )
    redirect_uris = fields.List(fields.String(), load_default=list)
    post_logout_redirect_uris = fields.List(fields.String(), load_default=list)
    scope = fields.String(load_default="", validate=validate.Length(max=500))
    token_endpoint_auth_method = fields.String(load_default="client_secret_basic")
    organization = fields.String(
        load_default=None,
        metadata={"description": "organization code; needed only when you are in several"},
    )


class RedirectsIn(Schema):
    redirect_uris = fields.List(fields.String(), load_default=None, allow_none=True)
    post_logout_redirect_uris = fields.List(fields.String(), load_default=None, allow_none=True)


class AdminRedirectsIn(RedirectsIn):
    from_manifest = fields.Boolean(
        load_default=False,
        metadata={"description": "plugin clients: go back to the URIs of the plugin's manifest"},
    )


class AdminClientQuery(Schema):
    kind = fields.String(validate=validate.OneOf(["plugin", "partner", "first_party"]))
    plugin = fields.String()
    organization = fields.String(metadata={"description": "organization code"})


def _body(schema: Schema) -> dict[str, Any]:
    # Read after the role check, so that a stranger learns nothing from a 422.
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("Send a JSON object.", {"_request": ["Expected a JSON object."]})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidInput("Some fields are invalid.", flatten_field_errors(exc.messages)) from exc


def _json_body(schema: type[Schema]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"schema": schema}}}}


def _actor(principal: Principal) -> clients.Actor:
    return clients.Actor(principal.user_id, principal.username)


def _view(client: OAuthClient, secret: str | None = None) -> dict[str, Any]:
    view = clients.client_view(client)
    organization_id = view.pop("organization_id")
    view["organization"] = (
        current_session().scalar(
            select(Organization.code).where(Organization.id == organization_id)
        )
        if organization_id is not None
        else None
    )
    if secret is not None:
        view["client_secret"] = secret
    return view


def _not_found() -> NotFound:
    return NotFound(NO_SUCH_CLIENT.get(request_language()))


# -- partners ------------------------------------------------------------------------------


def _partner() -> tuple[Principal, list[int]]:
    """The caller, with the partner organizations they act for in this tenant."""
    principal = require_principal(PARTNER)
    held = {o for role, o in principal.organizations if role == PARTNER}
    ids = list(
        current_session().scalars(
            select(Organization.id)
            .where(
                Organization.id.in_(held),
                Organization.tenant_id == principal.tenant_id,
                Organization.kind == "partner",
                Organization.active.is_(True),
            )
            .order_by(Organization.id)
        )
    )
    if not ids:
        raise Forbidden(NO_PARTNER_ORGANIZATION.get(request_language()))
    return principal, ids


def _partner_client(client_id: str) -> tuple[Principal, OAuthClient]:
    principal, organizations = _partner()
    client = clients.tenant_client(current_session(), principal.tenant_id, client_id)
    # Another company's client answers as if it did not exist.
    if (
        client is None
        or client.kind != clients.PARTNER
        or client.organization_id not in organizations
    ):
        raise _not_found()
    return principal, client


def _organization_for(code: str | None, organizations: list[int]) -> int:
    if code is None:
        if len(organizations) > 1:
            raise InvalidInput(
                "Say which organization registers the client.",
                {"organization": ["You act for several organizations; give its code."]},
            )
        return organizations[0]
    found = current_session().scalar(
        select(Organization.id).where(
            Organization.code == code,
            Organization.tenant_id == current_tenant().id,
            Organization.id.in_(organizations),
        )
    )
    if found is None:
        raise InvalidInput(
            "Unknown organization.", {"organization": [f"You do not act for {code!r}."]}
        )
    return found


@blp.route("/partner/oauth/clients", methods=["POST"])
@blp.response(201, OAuthClientOut)
@blp.doc(
    summary="Register a back-end client for your partner company",
    description="Answers the client with `client_secret`, shown this once and stored hashed.",
    security=[{"bearer": []}],
    **_json_body(PartnerClientIn),
)
def create_partner_client() -> dict[str, Any]:
    principal, organizations = _partner()
    body = _body(PartnerClientIn())
    organization_id = _organization_for(body["organization"], organizations)
    client, secret = clients.create_partner_client(
        current_session(),
        principal.tenant_id,
        organization_id,
        name=body["name"],
        grant_types=body["grant_types"],
        redirect_uris=body["redirect_uris"],
        post_logout_redirect_uris=body["post_logout_redirect_uris"],
        scope=body["scope"],
        token_endpoint_auth_method=body["token_endpoint_auth_method"],
        actor=_actor(principal),
    )
    return _view(client, secret)


@blp.route("/partner/oauth/clients")
@blp.response(200, OAuthClientOut(many=True))
@blp.doc(summary="Your partner company's clients (never their secrets)", security=[{"bearer": []}])
def list_partner_clients() -> list[dict[str, Any]]:
    principal, organizations = _partner()
    rows = current_session().scalars(
        select(OAuthClient)
        .where(
            OAuthClient.tenant_id == principal.tenant_id,
            OAuthClient.kind == clients.PARTNER,
            OAuthClient.organization_id.in_(organizations),
        )
        .order_by(OAuthClient.created_at, OAuthClient.id)
    )
    return [_view(c) for c in rows]


@blp.route("/partner/oauth/clients/<client_id>")
@blp.response(200, OAuthClientOut)
@blp.doc(summary="One of your company's clients", security=[{"bearer": []}])
def get_partner_client(client_id: str) -> dict[str, Any]:
    return _view(_partner_client(client_id)[1])


@blp.route("/partner/oauth/clients/<client_id>", methods=["PUT"])
@blp.response(200, OAuthClientOut)
@blp.doc(
    summary="Replace a client's redirect URIs (a list left out stays)",
    security=[{"bearer": []}],
    **_json_body(RedirectsIn),
)
def update_partner_client(client_id: str) -> dict[str, Any]:
    principal, client = _partner_client(client_id)
    body = _body(RedirectsIn())
    clients.set_redirect_uris(
        current_session(),
        client,
        body["redirect_uris"],
        body["post_logout_redirect_uris"],
        actor=_actor(principal),
    )
    return _view(client)


@blp.route("/partner/oauth/clients/<client_id>/secret", methods=["POST"])
@blp.response(200, OAuthClientOut)
@blp.doc(
    summary="Rotate a client's secret: the old one stops working now; the new one is shown once",
    security=[{"bearer": []}],
)
def rotate_partner_secret(client_id: str) -> dict[str, Any]:
    principal, client = _partner_client(client_id)
    secret = clients.rotate_secret(current_session(), client, actor=_actor(principal))
    return _view(client, secret)


@blp.route("/partner/oauth/clients/<client_id>/disable", methods=["POST"])
@blp.response(200, OAuthClientOut)
@blp.doc(
    summary="Disable a client and revoke its tokens (only the province can enable it again)",
    security=[{"bearer": []}],
)
def disable_partner_client(client_id: str) -> dict[str, Any]:
    principal, client = _partner_client(client_id)
    clients.disable(current_session(), client, actor=_actor(principal))
    return _view(client)


# -- the province --------------------------------------------------------------------------


def _admin_client(client_id: str) -> tuple[Principal, OAuthClient]:
    principal = require_principal(ADMIN)
    client = clients.tenant_client(current_session(), principal.tenant_id, client_id)
    if client is None:
        raise _not_found()
    return principal, client


@blp.route("/admin/oauth/clients")
@blp.arguments(AdminClientQuery, location="query")
@blp.response(200, OAuthClientOut(many=True))
@blp.doc(
    summary="Every OAuth client of this tenant (never their secrets)", security=[{"bearer": []}]
)
def list_admin_clients(query: dict[str, Any]) -> list[dict[str, Any]]:
    principal = require_principal(ADMIN)
    statement = select(OAuthClient).where(OAuthClient.tenant_id == principal.tenant_id)
    if "kind" in query:
        statement = statement.where(OAuthClient.kind == query["kind"])
    if "plugin" in query:
        statement = statement.where(OAuthClient.plugin_id == query["plugin"])
    if "organization" in query:
        statement = statement.join(
            Organization, Organization.id == OAuthClient.organization_id
        ).where(Organization.code == query["organization"])
    rows = current_session().scalars(statement.order_by(OAuthClient.created_at, OAuthClient.id))
    return [_view(c) for c in rows]


@blp.route("/admin/oauth/clients/<client_id>")
@blp.response(200, OAuthClientOut)
@blp.doc(summary="One client of this tenant", security=[{"bearer": []}])
def get_admin_client(client_id: str) -> dict[str, Any]:
    return _view(_admin_client(client_id)[1])


@blp.route("/admin/oauth/clients/<client_id>", methods=["PUT"])
@blp.response(200, OAuthClientOut)
@blp.doc(
    summary="Set a client's redirect URIs in this tenant",
    description="A list left out stays as it is. For a plugin client this overrides the "
    "plugin's manifest; `from_manifest: true` goes back to the manifest's lists.",
    security=[{"bearer": []}],
    **_json_body(AdminRedirectsIn),
)
def update_admin_client(client_id: str) -> dict[str, Any]:
    principal, client = _admin_client(client_id)
    body = _body(AdminRedirectsIn())
    redirects, logouts = body["redirect_uris"], body["post_logout_redirect_uris"]
    if body["from_manifest"]:
        if redirects is not None or logouts is not None:
            raise InvalidInput(
                "Give the lists or from_manifest, not both.",
                {
                    "from_manifest": [
                        "Cannot be combined with redirect_uris or post_logout_redirect_uris."
                    ]
                },
            )
        manifest = runtime_of().host.manifest(client.plugin_id) if client.plugin_id else None
        if client.kind != clients.PLUGIN or manifest is None:
            raise InvalidInput(
                "This client has no plugin manifest.",
                {"from_manifest": ["Only for the client of a plugin loaded on this platform."]},
            )
        redirects = list(manifest.redirect_uris)
        logouts = list(manifest.post_logout_redirect_uris)
    clients.set_redirect_uris(
        current_session(), client, redirects, logouts, actor=_actor(principal)
    )
    return _view(client)


@blp.route("/admin/oauth/clients/<client_id>/secret", methods=["POST"])
@blp.response(200, OAuthClientOut)
@blp.doc(
    summary="Rotate a client's secret: the old one stops working now; the new one is shown once",
    security=[{"bearer": []}],
)
def rotate_admin_secret(client_id: str) -> dict[str, Any]:
    principal, client = _admin_client(client_id)
    secret = clients.rotate_secret(current_session(), client, actor=_actor(principal))
    return _view(client, secret)


@blp.route("/admin/oauth/clients/<client_id>/disable", methods=["POST"])
@blp.response(200, OAuthClientOut)
@blp.doc(summary="Disable a client and revoke its tokens", security=[{"bearer": []}])
def disable_admin_client(client_id: str) -> dict[str, Any]:
    principal, client = _admin_client(client_id)
    clients.disable(current_session(), client, actor=_actor(principal))
    return _view(client)


@blp.route("/admin/oauth/clients/<client_id>/enable", methods=["POST"])
@blp.response(200, OAuthClientOut)
@blp.doc(
    summary="Accept a disabled client again (tokens revoked when it was disabled stay revoked)",
    security=[{"bearer": []}],
)
def enable_admin_client(client_id: str) -> dict[str, Any]:
    principal, client = _admin_client(client_id)
    clients.enable(current_session(), client, actor=_actor(principal))
    return _view(client)
