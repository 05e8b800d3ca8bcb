"""Your notification settings, push subscriptions and preferences.

An authorized agent may read them (to explain to the citizen why a message did not come) but
not change them: where and when someone is reached is theirs alone to decide.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput, NotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..db import current_session
from ..errors import generic_message
from ..identity.principal import Principal, own_account_only, require_principal, requires_role
from ..web.i18n import request_language
from . import channels
from .models import NotificationPreference, NotificationSettings, PushSubscription
from .preferences import CORE_MODULES, choices_of, settings_of, wants
from .subscriptions import (
    ENDPOINT_MAX,
    auth_problems,
    endpoint_problems,
    p256dh_problems,
    register,
    remove,
)

blp = Blueprint(
    "notification_settings",
    __name__,
    url_prefix="/api/v1",
    description="Your notification settings, push subscriptions and preferences",
)

SECURITY = [{"bearer": []}]
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MODULE_NAMES = {
    "alerts": LocalizedText("Cảnh báo", "Alerts"),
    "payments": LocalizedText("Thanh toán", "Payments"),
    "reports": LocalizedText("Phản ánh", "Reports"),
    "platform": LocalizedText("Tài khoản và hệ thống", "Account and platform"),
}
NO_SUBSCRIPTION = LocalizedText(
    "Trình duyệt này chưa đăng ký nhận thông báo.", "This browser is not subscribed."
)
UNKNOWN_MODULE = "Unknown module; known: {}."
UNKNOWN_CHANNEL = "Unknown channel; known: {}."
#: The digest hour of a user who never chose one: the column default.
DIGEST_HOUR: int = NotificationSettings.__table__.c.digest_hour.default.arg


class SettingsIn(Schema):
    quiet_start = fields.String(
        allow_none=True, metadata={"description": '"HH:MM" local time, or null with quiet_end'}
    )
    quiet_end = fields.String(allow_none=True, metadata={"description": '"HH:MM" local time'})
    digest = fields.Boolean()
    digest_hour = fields.Integer(validate=validate.Range(min=0, max=23))
    preferences = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Boolean()),
        metadata={"description": "{module: {channel: on}}; the pairs given change"},
    )

    @validates_schema
    def _quiet_hours(self, data: dict[str, Any], **_: Any) -> None:
        given = [name for name in ("quiet_start", "quiet_end") if name in data]
        if len(given) == 1:
            missing = "quiet_end" if given == ["quiet_start"] else "quiet_start"
            raise ValidationError("Give quiet_start and quiet_end together.", missing)
        if given and (data["quiet_start"] is None) != (data["quiet_end"] is None):
            unset = "quiet_start" if data["quiet_start"] is None else "quiet_end"
            raise ValidationError("Set both quiet hours, or clear both.", unset)
        bad = {
            name: ['Must be a local time "HH:MM".']
            for name in given
            if data[name] is not None and not CLOCK.match(data[name])
        }
        if bad:
            raise ValidationError(bad)


class NotificationChoiceOut(Schema):
    id = fields.String()
    name = fields.String()


class SettingsOut(Schema):
    quiet_start = fields.String(allow_none=True)
    quiet_end = fields.String(allow_none=True)
    digest = fields.Boolean()
    digest_hour = fields.Integer()
    modules = fields.List(fields.Nested(NotificationChoiceOut))
    channels = fields.List(fields.Nested(NotificationChoiceOut))
    preferences = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Boolean())
    )


class SubscriptionKeys(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    auth = fields.String(required=True, validate=validate.Length(min=1, max=100))


class SubscriptionIn(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=ENDPOINT_MAX))
    keys = fields.Nested(SubscriptionKeys, required=True)
    expirationTime = fields.Raw(allow_none=True, metadata={"description": "ignored"})

    @validates_schema
    def _usable(self, data: dict[str, Any], **_: Any) -> None:
        found = {"endpoint": endpoint_problems(data["endpoint"])}
        found["keys.p256dh"] = p256dh_problems(data["keys"]["p256dh"])
        found["keys.auth"] = auth_problems(data["keys"]["auth"])
        found = {name: messages for name, messages in found.items() if messages}
        if found:
            raise ValidationError(found)


class EndpointIn(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=ENDPOINT_MAX))


class SubscriptionOut(Schema):
    id = fields.Integer()
    host = fields.String(metadata={"description": "the push service's host"})
    user_agent = fields.String()
    created_at = fields.DateTime()
    last_sent_at = fields.DateTime(allow_none=True)


class SubscriptionList(Schema):
    subscriptions = fields.List(fields.Nested(SubscriptionOut))


def _clock(minutes: int | None) -> str | None:
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str | None) -> int | None:
    if text is None:
        return None
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _modules(language: str) -> list[dict[str, str]]:
    runtime = runtime_of()
    found = [{"id": m, "name": MODULE_NAMES[m].get(language)} for m in CORE_MODULES]
    for plugin_id, state in sorted(runtime.tenant_states().items()):
        manifest = runtime.host.manifest(plugin_id)
        if state.enabled and plugin_id not in CORE_MODULES:
            name = manifest.name.get(language) if manifest is not None else plugin_id
            found.append({"id": plugin_id, "name": name})
    return found


def _channels(tenant_id: int, language: str) -> list[dict[str, str]]:
    offered = channels.available(tenant_id)
    return [
        {"id": name, "name": entry.channel.label.get(language)}
        for name, entry in sorted(offered.items())
    ]


def _view(session: Session, principal: Principal) -> dict[str, Any]:
    language = request_language()
    row = settings_of(session, principal.tenant_id, principal.user_id)
    modules = _modules(language)
    offered = _channels(principal.tenant_id, language)
    choices = choices_of(session, principal.tenant_id, [principal.user_id]).get(
        principal.user_id, {}
    )
    return {
        "quiet_start": _clock(row.quiet_start) if row else None,
        "quiet_end": _clock(row.quiet_end) if row else None,
        "digest": bool(row and row.digest),
        "digest_hour": row.digest_hour if row else DIGEST_HOUR,
        "modules": modules,
        "channels": offered,
        "preferences": {
            m["id"]: {c["id"]: wants(choices, m["id"], c["id"]) for c in offered} for m in modules
        },
    }


def _preference_problems(
    preferences: dict[str, dict[str, bool]], modules: set[str], offered: set[str]
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for module, per_channel in preferences.items():
        if module not in modules:
            found[f"preferences.{module}"] = [UNKNOWN_MODULE.format(", ".join(sorted(modules)))]
            continue
        for channel in per_channel:
            if channel not in offered:
                found[f"preferences.{module}.{channel}"] = [
                    UNKNOWN_CHANNEL.format(", ".join(sorted(offered)) or "none")
                ]
    return found


def _store_preferences(
    session: Session, principal: Principal, preferences: dict[str, dict[str, bool]]
) -> None:
    rows = {
        (row.module, row.channel): row
        for row in session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id == principal.user_id,
                NotificationPreference.tenant_id == principal.tenant_id,
            )
        )
    }
    for module, per_channel in preferences.items():
        for channel, enabled in per_channel.items():
            row = rows.get((module, channel))
            if row is None:
                session.add(
                    NotificationPreference(
                        user_id=principal.user_id,
                        tenant_id=principal.tenant_id,
                        module=module,
                        channel=channel,
                        enabled=enabled,
                    )
                )
            else:
                row.enabled = enabled


@blp.route("/me/notification-settings")
@blp.response(200, SettingsOut)
@blp.doc(
    summary="Your quiet hours, digest and which channels each module may use",
    description="`preferences` holds the effective value of every module × channel, defaults "
    "included; `channels` are those the province offers now.",
    security=SECURITY,
)
def get_settings() -> dict[str, Any]:
    principal = require_principal()
    return _view(current_session(), principal)


@blp.route("/me/notification-settings", methods=["PUT"])
@requires_role()
@blp.arguments(SettingsIn)
@blp.response(200, SettingsOut)
@blp.doc(summary="Change any of your notification settings", security=SECURITY)
@own_account_only
def put_settings(data: dict[str, Any]) -> dict[str, Any]:
    principal = require_principal()
    session = current_session()
    language = request_language()
    preferences = data.get("preferences") or {}
    found = _preference_problems(
        preferences,
        {m["id"] for m in _modules(language)},
        {c["id"] for c in _channels(principal.tenant_id, language)},
    )
    if found:
        raise InvalidInput(generic_message(422, "Some fields are invalid."), found)
    if {"quiet_start", "digest", "digest_hour"} & data.keys():
        row = settings_of(session, principal.tenant_id, principal.user_id)
        if row is None:
            row = NotificationSettings(
                user_id=principal.user_id, tenant_id=principal.tenant_id, digest=False
            )
            session.add(row)
        if "quiet_start" in data:
            row.quiet_start = _minutes(data["quiet_start"])
            row.quiet_end = _minutes(data["quiet_end"])
        if "digest" in data:
            row.digest = data["digest"]
        if "digest_hour" in data:
            row.digest_hour = data["digest_hour"]
    _store_preferences(session, principal, preferences)
    session.flush()
    return _view(session, principal)


def _subscription_view(row: PushSubscription) -> dict[str, Any]:
    # The endpoint is a bearer capability for pushing to the browser: only its host is shown.
    return {
        "id": row.id,
        "host": urlsplit(row.endpoint).hostname or "",
        "user_agent": row.user_agent,
        "created_at": row.created_at,
        "last_sent_at": row.last_sent_at,
    }


@blp.route("/me/push-subscriptions")
@blp.response(200, SubscriptionList)
@blp.doc(summary="The browsers you receive Web Push on", security=SECURITY)
def list_subscriptions() -> dict[str, Any]:
    principal = require_principal()
    rows = current_session().scalars(
        select(PushSubscription)
        .where(
            PushSubscription.user_id == principal.user_id,
            PushSubscription.tenant_id == principal.tenant_id,
        )
        .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
    )
    return {"subscriptions": [_subscription_view(row) for row in rows]}


@blp.route("/me/push-subscriptions", methods=["POST"])
@requires_role()
@blp.arguments(SubscriptionIn)
@blp.response(201, SubscriptionOut)
@blp.alt_response(200, schema=SubscriptionOut, description="The endpoint was known: updated")
@blp.doc(
    summary="Register this browser's PushSubscription (the JSON of subscription.toJSON())",
    security=SECURITY,
)
@own_account_only
def add_subscription(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    principal = require_principal()
    row, created = register(
        current_session(),
        principal.tenant_id,
        principal.user_id,
        data,
        request.headers.get("User-Agent", ""),
    )
    return _subscription_view(row), 201 if created else 200


@blp.route("/me/push-subscriptions", methods=["DELETE"])
@requires_role()
@blp.arguments(EndpointIn)
@blp.response(204)
@blp.alt_response(404, description="You have no subscription at this endpoint")
@blp.doc(summary="Stop Web Push to this browser", security=SECURITY)
@own_account_only
def delete_subscription(data: dict[str, Any]) -> None:
    principal = require_principal()
    if not remove(current_session(), principal.tenant_id, principal.user_id, data["endpoint"]):
        raise NotFound(NO_SUBSCRIPTION.get(request_language()), {"endpoint": [NO_SUBSCRIPTION.en]})
