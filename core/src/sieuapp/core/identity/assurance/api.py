"""The caller's assurance level, and the phone and identity verifications that raise it."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk.errors import Unauthorized

from ...db import current_session
from ...errors import error_response
from ...web.i18n import request_language
from ..models import User
from ..principal import Principal, own_account_only, require_principal
from . import identity, phone
from .errors import RetryLater
from .status import assurance_view

blp = Blueprint(
    "assurance",
    __name__,
    url_prefix="/api/v1",
    description="Assurance levels (eKYC): phone and identity verification",
)
BEARER = [{"bearer": []}]
RETRY_AFTER = {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}}


@blp.errorhandler(RetryLater)
def _retry_later(exc: RetryLater) -> Response:
    response = error_response(exc.status, exc.code, exc.message, exc.errors)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


class PhoneNumberIn(Schema):
    phone = fields.String(
        required=True,
        validate=validate.Length(min=1, max=30),
        metadata={"description": "a Vietnamese mobile number, e.g. 0905 123 456 or +84905123456"},
    )


class PhoneCodeSentOut(Schema):
    phone = fields.String(metadata={"description": "the number in E.164 form"})
    expires_in = fields.Integer(metadata={"description": "seconds the code stays valid"})
    resend_after = fields.Integer(metadata={"description": "seconds before a new code may be sent"})


class PhoneCodeIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))


class IdentityCheckIn(Schema):
    national_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=30),
        metadata={"description": "the 12-digit CCCD number"},
    )
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    birthdate = fields.Date(required=True, metadata={"description": "YYYY-MM-DD"})


class VerifiedIdentityOut(Schema):
    verified_at = fields.DateTime()
    national_id = fields.String(metadata={"description": "masked: province code, last 2 digits"})
    provider = fields.String()


class PendingPhoneOut(Schema):
    phone = fields.String()
    expires_at = fields.DateTime()


class AssuranceOut(Schema):
    level = fields.Integer(metadata={"description": "0 self-registered, 1 phone, 2 identity"})
    acr = fields.String()
    phone = fields.String(allow_none=True)
    phone_verified_at = fields.DateTime(allow_none=True)
    identity = fields.Nested(VerifiedIdentityOut, allow_none=True)
    pending_phone_verification = fields.Nested(PendingPhoneOut, allow_none=True)


def _caller() -> tuple[Principal, User]:
    principal = require_principal()
    user = current_session().get(User, principal.user_id)
    if user is None:
        raise Unauthorized("Sign in first.")
    return principal, user


@blp.route("/me/assurance")
@blp.response(200, AssuranceOut)
@blp.doc(summary="The caller's assurance level and verifications", security=BEARER)
def status() -> dict[str, Any]:
    _, user = _caller()
    return assurance_view(current_session(), user)


@blp.route("/me/phone/verification", methods=["POST"])
@blp.arguments(PhoneNumberIn)
@blp.response(202, PhoneCodeSentOut)
@blp.alt_response(409, description="This number is already verified for the caller")
@blp.alt_response(429, description="A code was sent too recently", headers=RETRY_AFTER)
@blp.alt_response(503, description="No SMS sender is available (`sms_unavailable`)")
@blp.doc(summary="Send a one-time code to a Vietnamese mobile number", security=BEARER)
@own_account_only
def request_phone_code(body: dict[str, Any]) -> dict[str, Any]:
    _, user = _caller()
    sent = phone.request_code(current_session(), user, body["phone"], request_language())
    return {"phone": sent.phone, "expires_in": sent.expires_in, "resend_after": sent.resend_after}


@blp.route("/me/phone/verification/confirm", methods=["POST"])
@blp.arguments(PhoneCodeIn)
@blp.response(200, AssuranceOut)
@blp.alt_response(409, description="No code is waiting, or it expired")
@blp.alt_response(422, description="The code is wrong")
@blp.alt_response(429, description="Too many wrong codes: ask for a new one", headers=RETRY_AFTER)
@blp.doc(summary="Confirm the code: the number is verified, the caller at level 1", security=BEARER)
@own_account_only
def confirm_phone_code(body: dict[str, Any]) -> dict[str, Any]:
    principal, user = _caller()
    session = current_session()
    phone.confirm_code(
        session,
        user,
        body["code"],
        principal.tenant_id,
        request_language(),
    )
    return assurance_view(session, user)


@blp.route("/me/identity/verification", methods=["POST"])
@blp.arguments(IdentityCheckIn)
@blp.response(200, AssuranceOut)
@blp.alt_response(403, description="The caller is not at level 1 yet")
@blp.alt_response(409, description="The number is verified for another account")
@blp.alt_response(422, description="Invalid number, or no record matches")
@blp.alt_response(429, description="Too many failed verifications", headers=RETRY_AFTER)
@blp.alt_response(503, description="No verification provider can tell (`verification_unavailable`)")
@blp.doc(summary="Verify the caller's identity against a national ID record", security=BEARER)
@own_account_only
def verify_identity(body: dict[str, Any]) -> dict[str, Any]:
    principal, user = _caller()
    session = current_session()
    identity.verify(
        session,
        user,
        raw_national_id=body["national_id"],
        full_name=body["full_name"],
        birthdate=body["birthdate"],
        tenant_id=principal.tenant_id,
        language=request_language(),
    )
    return assurance_view(session, user)
