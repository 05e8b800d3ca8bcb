"""Second-factor endpoints: answering the login challenge, and enrolling or removing TOTP."""

from __future__ import annotations

from typing import Any

from flask.blueprints import BlueprintSetupState
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk.errors import Unauthorized

from .._runtime import runtime_of
from ..db import current_session
from ..tenancy.context import current_tenant
from . import accounts, mfa
from .api import TokenOut
from .models import User
from .principal import accepts_enrolment_token, own_account_only, require_principal

blp = Blueprint(
    "mfa", __name__, url_prefix="/api/v1", description="Two-factor authentication (TOTP)"
)


@blp.record_once
def _check_settings(state: BlueprintSetupState) -> None:
    # At app creation, so that a misspelt SIEUAPP_MFA_ROLES stops the start, not a sign-in.
    mfa.check_roles(runtime_of(state.app).settings.mfa_roles)


class CodeIn(Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=6, max=40),
        metadata={"description": "a 6-digit TOTP code, or a recovery code"},
    )


class ChallengeIn(CodeIn):
    mfa_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class StatusOut(Schema):
    totp = fields.Boolean(metadata={"description": "TOTP is on"})
    required = fields.Boolean(metadata={"description": "the caller's roles here require it"})
    recovery_codes_left = fields.Integer()


class EnrolmentOut(Schema):
    secret = fields.String(metadata={"description": "base32, for typing into the app"})
    otpauth_uri = fields.String(metadata={"description": "for a QR code"})


class RecoveryCodesOut(Schema):
    recovery_codes = fields.List(
        fields.String(), metadata={"description": "single use; shown only this once"}
    )


def _user(user_id: str) -> User:
    user = current_session().get(User, user_id)
    if user is None:
        raise Unauthorized("Sign in first.")
    return user


@blp.route("/auth/mfa", methods=["POST"])
@blp.arguments(ChallengeIn)
@blp.response(200, TokenOut)
@blp.doc(summary="Answer the login challenge with a TOTP or recovery code; returns a token")
def answer_challenge(body: dict[str, Any]) -> dict[str, Any]:
    session = current_session()
    tenant = current_tenant()
    user, method = mfa.redeem_challenge(session, body["mfa_token"], body["code"], tenant.id)
    ttl = runtime_of().settings.access_token_ttl
    return accounts.signed_in(session, user, tenant.id, ttl, how={"mfa": method})


@blp.route("/me/mfa")
@blp.response(200, StatusOut)
@blp.doc(summary="The caller's second factor", security=[{"bearer": []}])
@accepts_enrolment_token
@own_account_only
def status() -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    return {
        "totp": mfa.is_enrolled(session, principal.user_id),
        "required": mfa.requires_mfa(session, principal.user_id, principal.tenant_id),
        "recovery_codes_left": mfa.recovery_codes_left(session, principal.user_id),
    }


@blp.route("/me/mfa/totp", methods=["POST"])
@blp.response(201, EnrolmentOut)
@blp.doc(summary="Start TOTP enrolment: a new secret to add to an app", security=[{"bearer": []}])
@accepts_enrolment_token
@own_account_only
def start() -> dict[str, Any]:
    principal = require_principal()
    tenant = current_tenant()
    secret, uri = mfa.start_enrolment(
        current_session(), _user(principal.user_id), tenant.name or tenant.slug
    )
    return {"secret": secret, "otpauth_uri": uri}


@blp.route("/me/mfa/totp/confirm", methods=["POST"])
@blp.arguments(CodeIn)
@blp.response(200, RecoveryCodesOut)
@blp.doc(
    summary="Finish enrolment with a code from the app; returns recovery codes, once",
    security=[{"bearer": []}],
)
@accepts_enrolment_token
@own_account_only
def confirm(body: dict[str, Any]) -> dict[str, Any]:
    principal = require_principal()
    codes = mfa.confirm_enrolment(
        current_session(), _user(principal.user_id), body["code"], principal.tenant_id
    )
    return {"recovery_codes": codes}


@blp.route("/me/mfa/totp", methods=["DELETE"])
@blp.arguments(CodeIn)
@blp.response(204)
@blp.doc(summary="Turn TOTP off, with a current code", security=[{"bearer": []}])
@own_account_only
def remove(body: dict[str, Any]) -> None:
    principal = require_principal()
    mfa.disable(current_session(), _user(principal.user_id), body["code"], principal.tenant_id)
