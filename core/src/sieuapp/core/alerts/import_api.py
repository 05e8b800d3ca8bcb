"""Import a CAP 1.2 alert another authority issued (the national weather centre, a dam
operator), as a draft to review or, with ``?publish=true``, sent on at once with its own
``sent`` time. The document is checked against the official schema and the CAP rules first;
every refusal names the element at fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from ..audit.log import record as audit
from ..db import current_session
from ..identity.principal import Principal, require_principal, requires_role
from ..tenancy.context import current_tenant
from ..web.i18n import request_language
from . import cap_xml, compose, publishing, rules
from .feed import cap_href
from .models import Alert

blp = Blueprint(
    "alerts_import", __name__, url_prefix="/api/v1", description="Import a CAP 1.2 alert"
)

IMPORTERS = (Role.IOC_OPERATOR.value, Role.PROVINCE_ADMIN.value)
MEDIA_TYPES = ("application/cap+xml", "application/xml", "text/xml")
#: Message types that carry an alert; Ack and Error answer a system, not the public.
IMPORTED_TYPES = ("Alert", "Update", "Cancel")
INVALID = LocalizedText("Bản tin CAP không hợp lệ.", "The CAP document is not valid.")
WRONG_TYPE = LocalizedText(
    "Chỉ nhập bản tin loại Alert, Update hoặc Cancel.",
    "Only Alert, Update and Cancel messages are imported.",
)
SECURITY = [{"bearer": []}]
F = TypeVar("F", bound=Callable[..., Any])


class ImportQuery(Schema):
    publish = fields.Boolean(
        load_default=False, metadata={"description": "send it on now, keeping its sent time"}
    )


class Imported(Schema):
    id = fields.Integer()
    identifier = fields.String()
    sender = fields.String()
    state = fields.String()
    msg_type = fields.String()
    thread_id = fields.Integer(allow_none=True)
    dropped = fields.List(fields.String(), metadata={"description": "elements not kept"})
    cap_url = fields.String(allow_none=True)


def _body() -> bytes:
    mimetype = (request.mimetype or "").lower()
    if mimetype not in MEDIA_TYPES:
        raise UnsupportedMediaType(f"Send the CAP document as {MEDIA_TYPES[0]}.")
    if (request.content_length or 0) > cap_xml.MAX_BYTES:
        raise RequestEntityTooLarge(f"A CAP document here is at most {cap_xml.MAX_BYTES} bytes.")
    return request.get_data(cache=False)


def _invalid(problems: dict[str, list[str]]) -> InvalidInput:
    return InvalidInput(INVALID.get(request_language()), problems)


def compose_input(data: dict[str, Any]) -> dict[str, Any]:
    """The document's fields the composer takes, absent ones left to its defaults."""
    fields_ = {k: v for k, v in data.items() if k in compose.ALERT_FIELDS and v is not None}
    fields_["areas"] = [
        {k: v for k, v in area.items() if v is not None or k in ("altitude", "ceiling")}
        for area in data["areas"]
    ]
    return fields_


def _previous(session: Session, tenant_id: int, references: str | None) -> Alert | None:
    """The message of this tenant an Update or Cancel replaces: its last reference."""
    if not references:
        return None
    sender, identifier, _ = references.split()[-1].split(",", 2)
    return session.scalar(
        select(Alert).where(
            Alert.tenant_id == tenant_id,
            Alert.sender == sender,
            Alert.identifier == identifier,
        )
    )


def _draft(session: Session, document: cap_xml.CapDocument, principal: Principal) -> Alert:
    data = document.data
    tenant_id = current_tenant().id
    try:
        alert = compose.new_draft(
            session,
            tenant_id,
            compose_input(data),
            created_by=principal.user_id,
            origin="imported",
            identifier=data["identifier"],
            sender=data["sender"],
        )
    except InvalidInput as exc:
        paths: dict[str, list[str]] = {}
        for field, messages in exc.errors.items():
            paths.setdefault(document.element_path(field), []).extend(messages)
        raise _invalid(paths) from exc
    alert.msg_type = data["msg_type"]
    alert.references = data["references"]
    return alert


def _send(session: Session, alert: Alert, sent: str, actor_id: str) -> None:
    previous = _previous(session, alert.tenant_id, alert.references)
    chained = previous is not None and previous.state == "published" and alert.msg_type != "Alert"
    if chained:
        assert previous is not None
        alert.thread_id = previous.thread_id or previous.id
    publishing.publish(session, alert, actor_id, sent=rules.parse_time(sent))
    if chained:
        assert previous is not None
        publishing.supersede(session, previous, alert)


@blp.route("/alerts/import", methods=["POST"])
@requires_role(*IMPORTERS)
@blp.arguments(ImportQuery, location="query")
@blp.response(201, Imported)
@blp.doc(
    security=SECURITY,
    summary="Import a CAP 1.2 document as a draft, or publish it with ?publish=true",
    description="Body: the CAP XML (application/cap+xml or application/xml). 422 lists each "
    "problem by element path (alert/info[1]/area[2]/polygon[1]); 409 when the identifier "
    "is here already. An Update or Cancel published here replaces the message it references "
    "when that one is here. See docs/cap.md.",
)
def import_alert(query: dict[str, Any]) -> dict[str, Any]:
    principal = require_principal(*IMPORTERS)
    body = _body()
    try:
        document = cap_xml.read(body)
    except cap_xml.CapError as exc:
        raise _invalid(exc.problems) from exc
    if document.data["msg_type"] not in IMPORTED_TYPES:
        raise _invalid({"alert/msgType": [WRONG_TYPE.get(request_language())]})
    session = current_session()
    alert = _draft(session, document, principal)
    audit(
        session,
        "alert.imported",
        tenant_id=alert.tenant_id,
        actor_id=principal.user_id,
        actor_label=principal.username,
        target=f"alert:{alert.id}",
        after={
            "identifier": alert.identifier,
            "sender": alert.sender,
            "msg_type": alert.msg_type,
            "dropped": document.dropped,
        },
    )
    if query["publish"]:
        _send(session, alert, document.data["sent"], principal.user_id)
    published = alert.state != "draft"
    return {
        "id": alert.id,
        "identifier": alert.identifier,
        "sender": alert.sender,
        "state": alert.state,
        "msg_type": alert.msg_type,
        "thread_id": alert.thread_id,
        "dropped": document.dropped,
        "cap_url": cap_href(request.host_url, alert) if published else None,
    }
