"""The caller's personal data: export it all as JSON, or erase the account."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.blueprints import BlueprintSetupState
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk.errors import Unauthorized

from ..._runtime import runtime_of
from ...db import current_session
from ...errors import error_response
from ...tenancy.context import current_tenant
from ...web.i18n import request_language
from .. import throttle
from ..models import User
from ..principal import own_account_only, require_principal
from . import erasure, requests

blp = Blueprint(
    "personal_data",
    __name__,
    url_prefix="/api/v1",
    description="Your personal data: export and erasure",
)


@blp.record_once
def _register_tasks(state: BlueprintSetupState) -> None:
    runtime_of(state.app).task_registry.register(erasure.RETRY_TASK, erasure.retry_plugin)


class ExportQuery(Schema):
    download = fields.Boolean(
        load_default=False, metadata={"description": "answer as a file to save"}
    )


class ErasureIn(Schema):
    password = fields.String(load_default=None, load_only=True, validate=validate.Length(max=1024))
    confirm = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "the caller's username, typed again"},
    )


class BilingualOut(Schema):
    vi = fields.String()
    en = fields.String()


class ErasedOut(Schema):
    category = fields.String()
    source = fields.String(metadata={"description": "core, or the plugin id"})
    tenant = fields.String(allow_none=True)
    what = fields.Nested(BilingualOut)
    count = fields.Integer()


class KeptOut(ErasedOut):
    reason = fields.Nested(BilingualOut)


class ErasurePendingOut(Schema):
    source = fields.String()
    tenant = fields.String()
    message = fields.String()


class ErasureOut(Schema):
    message = fields.String()
    erased = fields.List(fields.Nested(ErasedOut))
    kept = fields.List(fields.Nested(KeptOut))
    pending = fields.List(
        fields.Nested(ErasurePendingOut),
        metadata={"description": "plugins that could not erase now; retried from the outbox"},
    )


def _user(user_id: str) -> User:
    user = current_session().get(User, user_id)
    if user is None:
        raise Unauthorized("Sign in first.")
    return user


@blp.route("/me/data")
@blp.arguments(ExportQuery, location="query")
@blp.response(200)
@blp.doc(
    summary="Everything held about the caller, core and plugins, as JSON",
    security=[{"bearer": []}],
)
def export_data(query: dict[str, Any]) -> Response:
    principal = require_principal()
    user = _user(principal.user_id)
    answer = requests.exported(current_session(), user, current_tenant().id, request_language())
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    if query["download"]:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="sieuapp-data-{user.id}.json"'
        )
    return response


@blp.route("/me/erasure", methods=["POST"])
@blp.arguments(ErasureIn)
@blp.response(200, ErasureOut)
@blp.alt_response(401, description="Wrong password")
@blp.alt_response(429, description="Too many wrong passwords: try again after Retry-After")
@blp.doc(
    summary="Erase the caller's account and data; what the law keeps is listed with the reason",
    security=[{"bearer": []}],
)
@own_account_only
def erase_account(body: dict[str, Any]) -> dict[str, Any] | Response:
    principal = require_principal()
    session = current_session()
    user = _user(principal.user_id)
    language = request_language()
    tenant_id = current_tenant().id
    requests.check_confirmation(user, body["confirm"], language)
    try:
        requests.check_password(session, user, body["password"], tenant_id, language)
    except throttle.LockedOut as exc:
        response = error_response(exc.status, exc.code, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return requests.erased(session, user, tenant_id, language)
