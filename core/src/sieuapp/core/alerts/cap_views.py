"""The public CAP documents: the Atom feed of current alerts and each alert's CAP XML.

Anyone may read them, as CAP intends: the tenant is the request's host, as everywhere. Only
public messages that were sent (published, or since superseded by an update) are served; a
draft is answered 404 like an identifier that does not exist."""

from __future__ import annotations

from flask import Blueprint, Response, request
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import NotFound
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..db import current_session
from ..tenancy.context import current_tenant
from ..web.i18n import request_language
from . import cap_xml, feed
from .models import Alert
from .publishing import current_alerts

blp = Blueprint("cap", __name__, url_prefix="/cap")

#: States of a message that was sent; a draft never leaves the platform.
SENT_STATES = ("published", "superseded")
#: Aggregators poll; a minute keeps the load flat without delaying an alert much.
MAX_AGE = 60
FEED_TITLE = LocalizedText("Cảnh báo của {name}", "Alerts of {name}")
NO_ALERT = LocalizedText("Không có cảnh báo này.", "No such alert.")


@blp.get("/feed.atom")
def atom_feed() -> Response:
    """The current alerts as Atom 1.0, newest first."""
    tenant = current_tenant()
    now = clock.now()
    alerts = current_alerts(current_session(), tenant.id, now)
    language = request_language()
    updated = max((a.updated_at for a in alerts), default=now)
    body = feed.build(
        alerts,
        base_url=request.host_url,
        title=FEED_TITLE.get(language).format(name=tenant.name),
        author=tenant.name,
        updated=updated,
        english=language == "en",
    )
    response = Response(body, content_type=f"{feed.MEDIA_TYPE}; charset=utf-8")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Vary"] = "Accept-Language"
    return response


@blp.get("/alerts/<identifier>.xml")
def cap_document(identifier: str) -> Response:
    """One sent message as CAP 1.2 XML (both languages in it), with validators for caching."""
    alert = current_session().scalar(
        select(Alert)
        .options(selectinload(Alert.areas))
        .where(
            Alert.tenant_id == current_tenant().id,
            Alert.identifier == identifier,
            Alert.state.in_(SENT_STATES),
            # A restricted or private message is for its addressees, not for the public web.
            Alert.scope == "Public",
        )
    )
    if alert is None:
        raise NotFound(NO_ALERT.get(request_language()))
    response = Response(cap_xml.to_xml(alert), content_type=f"{cap_xml.MEDIA_TYPE}; charset=utf-8")
    response.set_etag(f"{alert.id}-{alert.version}")
    response.last_modified = alert.updated_at
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response.make_conditional(request)
