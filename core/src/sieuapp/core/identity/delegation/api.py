"""Delegation endpoints: citizens and officials record consent, agents take tokens to act."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import Forbidden, NotFound, Unauthorized
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..._runtime import runtime_of
from ...db import current_session
from ...tenancy.context import current_tenant
from ..models import User
from ..principal import Principal, own_account_only, require_principal
from . import records
from .models import Delegation

blp = Blueprint(
    "delegation",
    __name__,
    url_prefix="/api/v1",
    description="Delegation: an authorized agent acting for a citizen with the citizen's consent",
)

#: Who may record a delegation from a signed paper form, and see the tenant's delegations.
OFFICIAL_ROLES = (Role.OFFICIAL.value, Role.PROVINCE_ADMIN.value)
NO_SUCH = LocalizedText("Không tìm thấy ủy quyền này.", "No such delegation.")
ONLY_AGENT = LocalizedText(
    "Chỉ người được ủy quyền mới nhận được mã truy cập này.",
    "Only the agent can obtain this access token.",
)


class DelegationIn(Schema):
    agent = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "the agent's username"},
    )
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    scope = fields.String(
        load_default="",
        validate=validate.Length(max=1000),
        metadata={"description": "space-separated scopes the agent's tokens carry at most"},
    )
    expires_at = fields.AwareDateTime(load_default=None)


class RecordedDelegationIn(DelegationIn):
    citizen = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "the citizen's username"},
    )
    evidence = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "the reference of the signed paper form"},
    )


class DelegationPartyOut(Schema):
    id = fields.String()
    username = fields.String(allow_none=True)
    full_name = fields.String(allow_none=True)


class DelegationOut(Schema):
    id = fields.Integer()
    citizen = fields.Nested(DelegationPartyOut)
    agent = fields.Nested(DelegationPartyOut)
    purpose = fields.String()
    scope = fields.String()
    recorded_by = fields.Nested(DelegationPartyOut)
    evidence = fields.String(allow_none=True)
    granted_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    status = fields.String(metadata={"description": "active, revoked or expired"})


class DelegationsOut(Schema):
    given = fields.List(fields.Nested(DelegationOut), metadata={"description": "by the caller"})
    received = fields.List(
        fields.Nested(DelegationOut), metadata={"description": "to the caller, as agent"}
    )


class AgentTokenIn(Schema):
    scope = fields.String(
        load_default=None,
        validate=validate.Length(max=1000),
        metadata={"description": "part of the delegation's scope; all of it when absent"},
    )


class AgentTokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    scope = fields.String()
    acting_for = fields.Nested(DelegationPartyOut)


class DelegationQuery(Schema):
    citizen = fields.String(validate=validate.Length(min=1, max=120))
    agent = fields.String(validate=validate.Length(min=1, max=120))


def _user(principal: Principal) -> User:
    user = current_session().get(User, principal.user_id)
    if user is None:
        raise Unauthorized("Sign in first.")
    return user


def _granted(
    session: Session,
    body: dict[str, Any],
    *,
    citizen: User,
    agent: User,
    recorder: User,
    evidence: str | None = None,
) -> dict[str, Any]:
    """Record the delegation the body describes; its view. The citizen's own grant and an
    official's recording of a paper form differ only in who records it and the evidence."""
    delegation = records.grant(
        session,
        tenant_id=current_tenant().id,
        citizen=citizen,
        agent=agent,
        purpose=body["purpose"],
        scope=body["scope"],
        expires_at=body["expires_at"],
        recorder=recorder,
        evidence=evidence,
    )
    return records.view(session, delegation)


def _in_tenant(delegation_id: int) -> Delegation:
    delegation = current_session().get(Delegation, delegation_id)
    if delegation is None or delegation.tenant_id != current_tenant().id:
        raise NotFound(records.say(NO_SUCH))
    return delegation


@blp.route("/me/delegations")
@blp.response(200, DelegationsOut)
@blp.doc(summary="Delegations the caller gave and received here", security=[{"bearer": []}])
@own_account_only
def my_delegations() -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    tenant_id = current_tenant().id
    return {
        "given": [
            records.view(session, d) for d in records.given(session, tenant_id, principal.user_id)
        ],
        "received": [
            records.view(session, d)
            for d in records.received(session, tenant_id, principal.user_id)
        ],
    }


@blp.route("/me/delegations", methods=["POST"])
@blp.arguments(DelegationIn)
@blp.response(201, DelegationOut)
@blp.doc(summary="Let an agent act for the caller in this tenant", security=[{"bearer": []}])
@own_account_only
def grant(body: dict[str, Any]) -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    citizen = _user(principal)
    agent = records.find_user(session, body["agent"], "agent", records.UNKNOWN_AGENT)
    return _granted(session, body, citizen=citizen, agent=agent, recorder=citizen)


@blp.route("/me/delegations/<int:delegation_id>", methods=["DELETE"])
@blp.response(200, DelegationOut)
@blp.doc(summary="Revoke a delegation the caller gave", security=[{"bearer": []}])
@own_account_only
def revoke(delegation_id: int) -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    delegation = _in_tenant(delegation_id)
    if delegation.citizen_id != principal.user_id:
        raise NotFound(records.say(NO_SUCH))
    records.revoke(session, delegation, _user(principal))
    return records.view(session, delegation)


@blp.route("/me/delegations/<int:delegation_id>/token", methods=["POST"])
@blp.arguments(AgentTokenIn)
@blp.response(200, AgentTokenOut)
@blp.alt_response(409, description="The delegation is revoked or expired")
@blp.doc(
    summary="As the agent: a short-lived access token to act for the citizen",
    security=[{"bearer": []}],
)
@own_account_only
def agent_token(body: dict[str, Any], delegation_id: int) -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    delegation = _in_tenant(delegation_id)
    if principal.user_id not in (delegation.agent_id, delegation.citizen_id):
        raise NotFound(records.say(NO_SUCH))
    if principal.user_id != delegation.agent_id:
        raise Forbidden(records.say(ONLY_AGENT), {"_request": [ONLY_AGENT.en]})
    ttl = runtime_of().settings.delegation_token_ttl
    secret, token, lifetime = records.issue_agent_token(session, delegation, ttl, body["scope"])
    citizen = records.view(session, delegation)["citizen"]
    return {
        "access_token": secret,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": token.scope,
        "acting_for": citizen,
    }


@blp.route("/admin/delegations")
@blp.arguments(DelegationQuery, location="query")
@blp.response(200, DelegationOut(many=True))
@blp.doc(summary="This tenant's delegations (officials)", security=[{"bearer": []}])
@own_account_only
def tenant_delegations(query: dict[str, Any]) -> list[dict[str, Any]]:
    require_principal(*OFFICIAL_ROLES)
    session = current_session()
    condition = [Delegation.tenant_id == current_tenant().id]
    for key, column in (("citizen", Delegation.citizen_id), ("agent", Delegation.agent_id)):
        if key in query:
            condition.append(
                column.in_(select(User.id).where(User.username == query[key].strip().lower()))
            )
    rows = session.scalars(select(Delegation).where(*condition).order_by(Delegation.id.desc()))
    return [records.view(session, d) for d in rows]


@blp.route("/admin/delegations", methods=["POST"])
@blp.arguments(RecordedDelegationIn)
@blp.response(201, DelegationOut)
@blp.doc(
    summary="Record a delegation from a citizen's signed paper form (officials)",
    security=[{"bearer": []}],
)
@own_account_only
def record_from_form(body: dict[str, Any]) -> dict[str, Any]:
    principal = require_principal(*OFFICIAL_ROLES)
    session = current_session()
    citizen = records.find_user(session, body["citizen"], "citizen", records.UNKNOWN_CITIZEN)
    agent = records.find_user(session, body["agent"], "agent", records.UNKNOWN_AGENT)
    return _granted(
        session,
        body,
        citizen=citizen,
        agent=agent,
        recorder=_user(principal),
        evidence=body["evidence"].strip(),
    )


@blp.route("/admin/delegations/<int:delegation_id>", methods=["DELETE"])
@blp.response(200, DelegationOut)
@blp.doc(summary="Revoke a delegation the caller recorded (officials)", security=[{"bearer": []}])
@own_account_only
def revoke_recorded(delegation_id: int) -> dict[str, Any]:
    principal = require_principal(*OFFICIAL_ROLES)
    session = current_session()
    delegation = _in_tenant(delegation_id)
    if delegation.recorded_by != principal.user_id:
        message = LocalizedText(
            "Chỉ công dân hoặc cán bộ đã ghi nhận ủy quyền mới thu hồi được.",
            "Only the citizen or the official who recorded it can revoke it.",
        )
        raise Forbidden(records.say(message), {"_request": [message.en]})
    records.revoke(session, delegation, _user(principal))
    return records.view(session, delegation)
