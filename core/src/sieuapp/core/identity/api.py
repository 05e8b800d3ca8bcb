"""Password sign-in for the first-party app, the caller's own account, and role management."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import Role
from sieuapp.sdk.errors import InvalidInput, NotFound
from sqlalchemy import select

from .._runtime import runtime_of
from ..audit.log import record as audit
from ..db import current_session
from ..errors import error_response
from ..tenancy.context import current_tenant
from ..tenancy.models import Organization
from ..web.i18n import request_language
from . import accounts, mfa, throttle
from .models import RoleAssignment, User
from .principal import Principal, require_principal

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="Accounts and sign-in")


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=120))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    # Second factor (identity/mfa.py): a challenge instead of a token, or an enrolment-only token.
    scope = fields.String()
    mfa_required = fields.Boolean()
    mfa_token = fields.String(metadata={"description": "answer it at POST /api/v1/auth/mfa"})
    mfa_enrollment_required = fields.Boolean()


class RoleOut(Schema):
    id = fields.Integer()
    role = fields.String()
    organization = fields.String(allow_none=True)


class ActingOut(Schema):
    id = fields.String()
    username = fields.String()


class MeOut(Schema):
    id = fields.String()
    username = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.String())
    tenant = fields.String()
    acting = fields.Nested(
        ActingOut,
        allow_none=True,
        metadata={"description": "the authorized agent acting for this user (delegation), or null"},
    )


class RoleIn(Schema):
    role = fields.String(required=True, validate=validate.OneOf(sorted(accounts.ASSIGNABLE_ROLES)))
    organization = fields.String(load_default=None, metadata={"description": "organization code"})


class UserIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=3, max=120))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=8, max=1024)
    )
    full_name = fields.String(load_default="", validate=validate.Length(max=200))
    email = fields.Email(load_default=None)
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^\+?[0-9]{9,15}$"))
    roles = fields.List(fields.Nested(RoleIn), load_default=list)


class UserOut(Schema):
    id = fields.String()
    username = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.Nested(RoleOut))


@blp.route("/auth/login", methods=["POST"])
@blp.arguments(LoginIn)
@blp.response(200, TokenOut)
@blp.alt_response(401, description="Wrong username or password")
@blp.alt_response(
    429,
    description="Too many failed attempts on this username or from this address: nothing was "
    "checked; try again after Retry-After seconds",
    headers={"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
)
@blp.doc(summary="Sign in with username and password; returns a bearer token for this tenant")
def login(body: dict[str, Any]) -> dict[str, Any] | Response:
    session = current_session()
    tenant = current_tenant()
    try:
        user = throttle.sign_in(
            session,
            body["username"],
            body["password"],
            tenant_id=tenant.id,
            address=request.remote_addr,
            policy=throttle.policy(),
            language=request_language(),
        )
    except throttle.LockedOut as exc:
        response = error_response(exc.status, exc.code, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    ttl = runtime_of().settings.access_token_ttl
    # -- second factor (identity/mfa.py): officials and admins get a challenge, or an
    # enrolment-only token, instead of a full token. --
    if (pending := mfa.login_step(session, user, tenant.id, ttl)) is not None:
        return pending
    # -- end second factor --
    return accounts.signed_in(session, user, tenant.id, ttl)


@blp.route("/auth/logout", methods=["POST"])
@blp.response(204)
@blp.doc(summary="Revoke the bearer token of this request", security=[{"bearer": []}])
def logout() -> None:
    principal = require_principal()
    token = request.headers["Authorization"].split(" ", 1)[1].strip()
    session = current_session()
    accounts.revoke_token(session, token)
    audit(
        session,
        "auth.token_revoked",
        tenant_id=principal.tenant_id,
        actor_id=principal.user_id,
        actor_label=principal.username,
    )


@blp.route("/me")
@blp.response(200, MeOut)
@blp.doc(summary="The signed-in caller", security=[{"bearer": []}])
def me() -> dict[str, Any]:
    principal = require_principal()
    return {
        "id": principal.user_id,
        "username": principal.username,
        "full_name": principal.full_name,
        "roles": sorted(principal.roles),
        "tenant": current_tenant().slug,
        "acting": (
            {"id": principal.actor_id, "username": principal.actor_username}
            if principal.actor_id
            else None
        ),
    }


def _user_view(user: User, tenant_id: int) -> dict[str, Any]:
    session = current_session()
    rows = session.execute(
        select(RoleAssignment.id, RoleAssignment.role, Organization.code)
        .outerjoin(Organization, Organization.id == RoleAssignment.organization_id)
        .where(RoleAssignment.user_id == user.id, RoleAssignment.tenant_id == tenant_id)
        .order_by(RoleAssignment.id)
    ).all()
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "roles": [{"id": i, "role": r, "organization": o} for i, r, o in rows],
    }


def _organization_id(code: str | None, tenant_id: int) -> int | None:
    if code is None:
        return None
    org_id = current_session().scalar(
        select(Organization.id).where(
            Organization.tenant_id == tenant_id, Organization.code == code
        )
    )
    if org_id is None:
        raise InvalidInput(
            "Unknown organization.", {"organization": [f"No organization {code!r}."]}
        )
    return org_id


@blp.route("/admin/users")
@blp.response(200, UserOut(many=True))
@blp.doc(summary="Users holding a role in this tenant", security=[{"bearer": []}])
def list_users() -> list[dict[str, Any]]:
    require_principal(Role.PROVINCE_ADMIN.value)
    tenant = current_tenant()
    users = current_session().scalars(
        select(User)
        .where(
            User.id.in_(select(RoleAssignment.user_id).where(RoleAssignment.tenant_id == tenant.id))
        )
        .order_by(User.username)
    )
    return [_user_view(u, tenant.id) for u in users]


@blp.route("/admin/users", methods=["POST"])
@blp.arguments(UserIn)
@blp.response(201, UserOut)
@blp.doc(summary="Create an account, with roles in this tenant", security=[{"bearer": []}])
def create_user(body: dict[str, Any]) -> dict[str, Any]:
    admin = require_principal(Role.PROVINCE_ADMIN.value)
    tenant = current_tenant()
    session = current_session()
    # Resolve everything that can be wrong before writing anything.
    org_ids = [_organization_id(r["organization"], tenant.id) for r in body["roles"]]
    user = accounts.create_user(
        session, body["username"], body["password"], body["full_name"], body["email"], body["phone"]
    )
    for role, org_id in zip(body["roles"], org_ids, strict=True):
        accounts.assign_role(session, user, tenant.id, role["role"], org_id, admin.user_id)
    view = _user_view(user, tenant.id)
    audit(
        session,
        "user.created",
        tenant_id=tenant.id,
        actor_id=admin.user_id,
        actor_label=admin.username,
        target=user.id,
        after=view,
    )
    return view


def _change_roles(user: User, action: str, change: Callable[[Principal], None]) -> dict[str, Any]:
    """Apply ``change`` as the signed-in admin, audited with the user's roles before and after."""
    admin = require_principal(Role.PROVINCE_ADMIN.value)
    tenant = current_tenant()
    session = current_session()
    before = _user_view(user, tenant.id)
    change(admin)
    session.flush()
    after = _user_view(user, tenant.id)
    audit(
        session,
        action,
        tenant_id=tenant.id,
        actor_id=admin.user_id,
        actor_label=admin.username,
        target=user.id,
        before=before,
        after=after,
    )
    return after


@blp.route("/admin/users/<user_id>/roles", methods=["POST"])
@blp.arguments(RoleIn)
@blp.response(200, UserOut)
@blp.doc(summary="Grant a role in this tenant", security=[{"bearer": []}])
def grant_role(body: dict[str, Any], user_id: str) -> dict[str, Any]:
    require_principal(Role.PROVINCE_ADMIN.value)
    tenant = current_tenant()
    session = current_session()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    org_id = _organization_id(body["organization"], tenant.id)

    def grant(admin: Principal) -> None:
        accounts.assign_role(session, user, tenant.id, body["role"], org_id, admin.user_id)

    return _change_roles(user, "role.granted", grant)


@blp.route("/admin/users/<user_id>/roles/<int:assignment_id>", methods=["DELETE"])
@blp.response(200, UserOut)
@blp.doc(summary="Withdraw a role in this tenant", security=[{"bearer": []}])
def withdraw_role(user_id: str, assignment_id: int) -> dict[str, Any]:
    require_principal(Role.PROVINCE_ADMIN.value)
    session = current_session()
    assignment = session.get(RoleAssignment, assignment_id)
    if (
        assignment is None
        or assignment.user_id != user_id
        or assignment.tenant_id != current_tenant().id
    ):
        raise NotFound("No such role assignment.")
    return _change_roles(
        assignment.user, "role.withdrawn", lambda _admin: session.delete(assignment)
    )
