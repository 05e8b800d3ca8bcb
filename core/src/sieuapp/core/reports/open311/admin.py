"""The province admin's management of Open311 clients and their api_keys."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import InvalidInput, NotFound

from ...db import current_session
from ...errors import flatten_field_errors
from ...identity.principal import Principal, require_principal
from ...web.i18n import request_language
from ..models import Open311Client
from . import clients

blp = Blueprint(
    "open311_admin",
    __name__,
    url_prefix="/api/v1/admin/open311",
    description="Open311 client apps and partner systems: api_keys (province admin)",
)

NO_SUCH_CLIENT = LocalizedText("Không có ứng dụng Open311 này.", "No such Open311 client.")


class ClientOut(Schema):
    id = fields.Integer()
    name = fields.String()
    contact_email = fields.String(allow_none=True)
    organization = fields.String(
        allow_none=True,
        metadata={"description": "code of the organization whose reports it may update"},
    )
    key_prefix = fields.String(metadata={"description": "the key's first characters"})
    created_at = fields.String()
    revoked_at = fields.String(allow_none=True)
    api_key = fields.String(
        metadata={"description": "only in the answer that creates the client; never again"}
    )


class ClientIn(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    contact_email = fields.String(load_default=None, allow_none=True)
    organization = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "organization code: lets the client post servicerequestupdates "
            "for the reports routed to that organization"
        },
    )


def _actor(principal: Principal) -> clients.Actor:
    return clients.Actor(principal.user_id, principal.username)


def _view(client: Open311Client, api_key: str | None = None) -> dict[str, Any]:
    view = clients.client_view(client, clients.organization_code(current_session(), client))
    if api_key is not None:
        view["api_key"] = api_key
    return view


@blp.route("/clients", methods=["POST"])
@blp.response(201, ClientOut)
@blp.doc(
    summary="Register an Open311 client",
    description="Answers the client with `api_key`, shown this once and stored hashed.",
    security=[{"bearer": []}],
    requestBody={"content": {"application/json": {"schema": ClientIn}}},
)
def create_client() -> dict[str, Any]:
    principal = require_principal(Role.PROVINCE_ADMIN.value)
    # Read after the role check, so that a stranger learns nothing from a 422.
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("Send a JSON object.", {"_request": ["Expected a JSON object."]})
    try:
        body = ClientIn().load(data)
    except ValidationError as exc:
        raise InvalidInput("Some fields are invalid.", flatten_field_errors(exc.messages)) from exc
    client, api_key = clients.create_client(
        current_session(),
        principal.tenant_id,
        name=body["name"],
        contact_email=body["contact_email"],
        organization=body["organization"],
        actor=_actor(principal),
    )
    return _view(client, api_key)


@blp.route("/clients")
@blp.response(200, ClientOut(many=True))
@blp.doc(summary="The tenant's Open311 clients (never their keys)", security=[{"bearer": []}])
def list_clients() -> list[dict[str, Any]]:
    principal = require_principal(Role.PROVINCE_ADMIN.value)
    return [_view(c) for c in clients.tenant_clients(current_session(), principal.tenant_id)]


@blp.route("/clients/<int:client_id>/revoke", methods=["POST"])
@blp.response(200, ClientOut)
@blp.doc(summary="Revoke a client's api_key for good", security=[{"bearer": []}])
def revoke_client(client_id: int) -> dict[str, Any]:
    principal = require_principal(Role.PROVINCE_ADMIN.value)
    session = current_session()
    client = clients.tenant_client(session, principal.tenant_id, client_id)
    if client is None:
        raise NotFound(NO_SUCH_CLIENT.get(request_language()))
    clients.revoke(session, client, actor=_actor(principal))
    return _view(client)
