"""The report API of citizens, handling organizations and the IOC.

What a caller sees of a report depends on who they are: the reporter sees their report, the
IOC everything, the handling organization (and the ones above it) the report without the
reporter's identity when they asked to stay anonymous. A report the caller may not see is
answered 404, as if it did not exist, so that ids cannot be probed.

Agents acting for a citizen under a delegation may submit, answer requests for information,
rate, dispute and follow for the citizen: that is what the citizen asked them to help with, and
the audit log names the agent. None of these views is therefore ``own_account_only``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import Forbidden, InvalidInput, NotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from .._runtime import runtime_of
from ..db import current_session
from ..db.paging import paged
from ..identity.models import User
from ..identity.principal import current_principal, require_principal
from ..tenancy.context import current_tenant
from ..tenancy.models import Organization
from ..text import fold
from ..web.i18n import request_language
from . import access, duplicates, lifecycle, photos, submit
from .access import Actor
from .models import Report, ReportCategory, ReportEvent, ReportFollower, ReportPhoto
from .public_view import status_label
from .search import search_condition

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1",
    description="Citizen reports: submit, follow, rate, dispute; handling organizations' queues",
)

HANDLING_ROLES = (
    Role.OFFICIAL.value,
    Role.PARTNER_STAFF.value,
    Role.IOC_OPERATOR.value,
    Role.PROVINCE_ADMIN.value,
)
#: The steps taken on ``/reports/<id>/actions/<action>``; the reporter's own steps have their
#: own routes, the sweep's are nobody's to call.
HANDLING_ACTIONS = (
    "moderate",
    "dismiss",
    "assign",
    "start",
    "request_info",
    "resolve",
    "reject",
    "close",
    "merge",
    "comment",
)
#: The names the API gives ``create_report``'s fields.
SUBMIT_FIELDS = {"category_code": "category"}

NOT_FOUND = LocalizedText("Không tìm thấy phản ánh.", "No such report.")
NO_FILE = LocalizedText("Hãy chọn một ảnh.", "Choose a photo.")
ORIGINAL_REFUSED = LocalizedText(
    "Chỉ đơn vị xử lý và IOC xem được ảnh gốc.",
    "Only the handling organization and the IOC see the original photo.",
)


# -- schemas -----------------------------------------------------------------------------------


class ReportIn(Schema):
    category = fields.String(required=True, validate=validate.Length(max=64))
    description = fields.String(required=True, validate=validate.Length(max=20000))
    channel = fields.String(
        load_default="app",
        validate=validate.OneOf(("app", "web", "hotline")),
        metadata={"description": "hotline: entered by an IOC operator for a caller"},
    )
    lat = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    lon = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    unit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    anonymous = fields.Boolean(
        load_default=False, metadata={"description": "hide the reporter from all but the IOC"}
    )
    contact_name = fields.String(load_default=None, allow_none=True)
    contact_email = fields.String(load_default=None, allow_none=True)
    contact_phone = fields.String(load_default=None, allow_none=True)
    attributes = fields.Dict(
        keys=fields.String(),
        load_default=None,
        allow_none=True,
        metadata={"description": "answers to the category's questions, by question code"},
    )
    photo_ids = fields.List(
        fields.Integer(strict=True),
        load_default=list,
        validate=validate.Length(max=submit.MAX_PHOTOS),
        metadata={"description": "ids answered by POST /reports/photos"},
    )


class NearbyQuery(Schema):
    category = fields.String(required=True, validate=validate.Length(max=64))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    lon = fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)


class QueueQuery(Schema):
    status = fields.List(
        fields.String(validate=validate.OneOf(lifecycle.STATES)),
        metadata={"description": "repeat for several"},
    )
    category = fields.String(validate=validate.Length(max=64))
    organization = fields.String(
        validate=validate.Length(max=64), metadata={"description": "organization code"}
    )
    overdue = fields.Boolean(metadata={"description": "open and past its deadline"})
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "search"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class PhotoQuery(Schema):
    original = fields.Boolean(load_default=False)


class RateIn(Schema):
    rating = fields.String(required=True, validate=validate.OneOf(lifecycle.RATINGS))


class DisputeIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=lifecycle.NOTE_MAX))


class InfoIn(Schema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=lifecycle.NOTE_MAX))


class ActionIn(Schema):
    note = fields.String(load_default=None, allow_none=True)
    organization = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "organization code (assign)"},
    )
    public = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "moderate: show in the public feed; else: publish the note"},
    )
    into = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "report id (merge)"}
    )


class NamedOut(Schema):
    code = fields.String()
    name = fields.String()


class PersonOut(Schema):
    id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)


class PhotoOut(Schema):
    id = fields.Integer()
    url = fields.String()
    original_url = fields.String(allow_none=True)
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()


class UploadOut(Schema):
    id = fields.Integer()
    content_type = fields.String()
    size = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()


class ReportOut(Schema):
    id = fields.Integer()
    status = fields.String()
    status_label = fields.String()
    category = fields.Nested(NamedOut)
    channel = fields.String()
    description = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    address = fields.String(allow_none=True)
    unit_code = fields.String(allow_none=True)
    attributes = fields.Dict()
    media_url = fields.String(allow_none=True)
    anonymous = fields.Boolean()
    reporter = fields.Nested(PersonOut, allow_none=True)
    contact_name = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    entered_by = fields.String(allow_none=True)
    organization = fields.Nested(NamedOut, allow_none=True)
    public = fields.Boolean()
    answer = fields.String(allow_none=True)
    submitted_at = fields.DateTime()
    moderated_at = fields.DateTime(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    deadline_at = fields.DateTime(allow_none=True)
    reminded_at = fields.DateTime(allow_none=True)
    escalated_at = fields.DateTime(allow_none=True)
    rating = fields.String(allow_none=True)
    disputes = fields.Integer()
    merged_into_id = fields.Integer(allow_none=True)
    updated_at = fields.DateTime()
    photos = fields.List(fields.Nested(PhotoOut))
    following = fields.Boolean()
    viewer = fields.String(metadata={"description": "reporter, handler, ioc or follower"})


class DuplicateOut(Schema):
    id = fields.Integer()
    status = fields.String()
    status_label = fields.String()
    distance_m = fields.Float()
    submitted_at = fields.DateTime()
    description = fields.String(
        allow_none=True, metadata={"description": "shown for public reports only"}
    )
    address = fields.String(allow_none=True)
    following = fields.Boolean()


class SubmittedOut(ReportOut):
    possible_duplicates = fields.List(fields.Nested(DuplicateOut))


class ReportPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    items = fields.List(fields.Nested(ReportOut))


class EventOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    to_status_label = fields.String(metadata={"description": "The status reached, in words"})
    actor = fields.String(allow_none=True)
    organization = fields.Nested(NamedOut, allow_none=True)
    note = fields.String(allow_none=True)
    public = fields.Boolean()


class FollowOut(Schema):
    following = fields.Boolean()


# -- helpers -----------------------------------------------------------------------------------


def _actor() -> Actor:
    return access.actor_of(require_principal())


def _not_found() -> NotFound:
    return NotFound(NOT_FOUND.get(request_language()))


def _report(session: Session, report_id: int) -> Report:
    report = session.scalar(
        select(Report).where(Report.id == report_id, Report.tenant_id == current_tenant().id)
    )
    if report is None:
        raise _not_found()
    return report


def _visible(session: Session, actor: Actor, report_id: int) -> Report:
    report = _report(session, report_id)
    if not access.can_view(session, actor, report):
        raise _not_found()
    return report


def _pick(vi: str, en: str, language: str) -> str:
    return en if language == "en" and en else vi


def _named(code: str, name: str, name_en: str, language: str) -> dict[str, str]:
    return {"code": code, "name": _pick(name, name_en, language)}


def _organization(session: Session, org_id: int | None, language: str) -> dict[str, str] | None:
    org = session.get(Organization, org_id) if org_id is not None else None
    return None if org is None else _named(org.code, org.name, org.name_en, language)


def _is_handler_side(session: Session, actor: Actor, report: Report) -> bool:
    """The IOC, or a member of the organization handling it or of one above it."""
    if access.is_ioc(actor):
        return True
    return report.organization_id is not None and report.organization_id in access.handled_org_ids(
        session, actor
    )


def _viewer(session: Session, actor: Actor, report: Report) -> str:
    if access.is_ioc(actor):
        return "ioc"
    if _is_handler_side(session, actor, report):
        return "handler"
    if access.is_reporter(actor, report):
        return "reporter"
    return "follower"


def _following(session: Session, actor: Actor, report: Report) -> bool:
    if actor.user_id is None:
        return False
    return session.get(ReportFollower, (report.id, actor.user_id)) is not None


def report_view(session: Session, actor: Actor, report: Report, language: str) -> dict[str, Any]:
    """The report as ``actor`` (who may view it) sees it."""
    viewer = _viewer(session, actor, report)
    category = session.get(ReportCategory, report.category_id)
    officials = viewer in ("ioc", "handler")
    identity = access.may_see_reporter(actor, report) and viewer != "follower"
    reporter = None
    if identity and report.reporter_id is not None:
        user = session.get(User, report.reporter_id)
        reporter = {"id": report.reporter_id, "name": user.full_name if user else None}
    status_text = lifecycle.STATUS_TEXT.get(report.status)
    return {
        "id": report.id,
        "status": report.status,
        "status_label": status_text.get(language) if status_text else report.status,
        "category": _named(category.code, category.name, category.name_en, language)
        if category
        else None,
        "channel": report.channel,
        "description": report.description,
        "lat": report.lat,
        "lon": report.lon,
        "address": report.address,
        "unit_code": report.unit_code,
        "attributes": dict(report.attributes or {}),
        "media_url": report.media_url,
        "anonymous": report.anonymous,
        "reporter": reporter,
        "contact_name": report.contact_name if identity else None,
        "contact_email": report.contact_email if identity else None,
        "contact_phone": report.contact_phone if identity else None,
        "entered_by": report.entered_by if viewer == "ioc" else None,
        "organization": _organization(session, report.organization_id, language),
        "public": report.public,
        "answer": report.answer,
        "submitted_at": report.submitted_at,
        "moderated_at": report.moderated_at,
        "assigned_at": report.assigned_at,
        "resolved_at": report.resolved_at,
        "closed_at": report.closed_at,
        "deadline_at": report.deadline_at,
        "reminded_at": report.reminded_at if officials else None,
        "escalated_at": report.escalated_at if officials else None,
        "rating": report.rating,
        "disputes": report.disputes,
        "merged_into_id": report.merged_into_id,
        "updated_at": report.updated_at,
        "photos": [
            {
                "id": p.id,
                "url": photos.public_url(report, p),
                "original_url": f"{photos.public_url(report, p)}?original=1" if officials else None,
                "content_type": p.content_type,
                "width": p.width,
                "height": p.height,
            }
            for p in photos.report_photos(session, report)
        ],
        "following": _following(session, actor, report),
        "viewer": viewer,
    }


def _duplicate_views(
    session: Session,
    actor: Actor,
    category: ReportCategory,
    lat: float,
    lon: float,
    language: str,
    exclude_id: int | None = None,
) -> list[dict[str, Any]]:
    found = duplicates.nearby_open(
        session,
        current_tenant().id,
        category.id,
        lat,
        lon,
        category.duplicate_radius_m,
        exclude_id=exclude_id,
    )
    views = []
    for report, distance in found:
        # Another citizen's words stay private until the IOC has moderated them.
        shown = report.public or access.can_view(session, actor, report)
        status_text = lifecycle.STATUS_TEXT.get(report.status)
        views.append(
            {
                "id": report.id,
                "status": report.status,
                "status_label": status_text.get(language) if status_text else report.status,
                "distance_m": round(distance, 1),
                "submitted_at": report.submitted_at,
                "description": report.description if shown else None,
                "address": report.address if shown else None,
                "following": _following(session, actor, report),
            }
        )
    return views


def _renamed(exc: InvalidInput, names: Mapping[str, str]) -> InvalidInput:
    return InvalidInput(exc.message, {names.get(k, k): v for k, v in exc.errors.items()})


# -- photos ------------------------------------------------------------------------------------


@blp.route("/reports/photos", methods=["POST"])
@blp.response(201, UploadOut)
@blp.alt_response(422, description="Not a JPEG, PNG or WebP; over 8 MB or 40 megapixels")
@blp.doc(
    summary="Upload a photo (multipart field `file`) to send with a report within a day",
    security=[{"bearer": []}],
)
def upload_photo() -> ReportPhoto:
    principal = require_principal()
    language = request_language()
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput(NO_FILE.get(language), {"file": [NO_FILE.en]})
    # One byte over the limit is enough to refuse; the rest is never read.
    data = upload.stream.read(photos.MAX_BYTES + 1)
    return photos.upload(
        current_session(),
        runtime_of().files,
        current_tenant().id,
        principal.user_id,
        data,
        language,
    )


@blp.route("/reports/<int:report_id>/photos/<int:photo_id>")
@blp.arguments(PhotoQuery, location="query")
@blp.response(200)
@blp.doc(
    summary="A report's photo: the public copy, or with original=1 the original (officials)",
    responses={"200": {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
def photo(query: dict[str, Any], report_id: int, photo_id: int) -> Response:
    session = current_session()
    principal = current_principal()
    actor = access.actor_of(principal) if principal is not None else None
    report = _report(session, report_id)
    visible = actor is not None and access.can_view(session, actor, report)
    published = report.public and report.status != "dismissed"
    if not (visible or (published and not query["original"])):
        raise _not_found()
    picture = session.scalar(
        select(ReportPhoto).where(
            ReportPhoto.id == photo_id,
            ReportPhoto.report_id == report.id,
            ReportPhoto.tenant_id == report.tenant_id,
        )
    )
    if picture is None:
        raise _not_found()
    if query["original"]:
        assert actor is not None
        if not _is_handler_side(session, actor, report):
            language = request_language()
            raise Forbidden(ORIGINAL_REFUSED.get(language), {"original": [ORIGINAL_REFUSED.en]})
    data = photos.read(runtime_of().files, picture, original=query["original"])
    response = Response(data, mimetype=picture.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = (
        "public, max-age=3600" if published and not query["original"] else "private, no-store"
    )
    return response


# -- citizens ----------------------------------------------------------------------------------


@blp.route("/reports/nearby")
@blp.arguments(NearbyQuery, location="query")
@blp.response(200, DuplicateOut(many=True))
@blp.doc(
    summary="Open reports of the category near a place, to follow instead of reporting again",
    security=[{"bearer": []}],
)
def nearby(query: dict[str, Any]) -> list[dict[str, Any]]:
    actor = _actor()
    session = current_session()
    category = session.scalar(
        select(ReportCategory).where(
            ReportCategory.tenant_id == current_tenant().id,
            ReportCategory.code == query["category"],
            ReportCategory.active.is_(True),
        )
    )
    if category is None:
        raise InvalidInput(
            "Unknown category.", {"category": [f"No category {query['category']!r} here."]}
        )
    return _duplicate_views(
        session, actor, category, query["lat"], query["lon"], request_language()
    )


@blp.route("/reports", methods=["POST"])
@blp.arguments(ReportIn)
@blp.response(201, SubmittedOut)
@blp.doc(
    summary="Submit a report; the answer offers open reports nearby that may be the same",
    description="Channel `hotline` is for an IOC operator entering a caller's report; it needs "
    "the caller's name or phone.",
    security=[{"bearer": []}],
)
def create(body: dict[str, Any]) -> dict[str, Any]:
    actor = _actor()
    session = current_session()
    language = request_language()
    report = submit.create_report(
        session,
        current_tenant().id,
        actor,
        category_code=body["category"],
        description=body["description"],
        channel=body["channel"],
        lat=body["lat"],
        lon=body["lon"],
        address=body["address"],
        unit_code=body["unit_code"],
        anonymous=body["anonymous"],
        contact_name=body["contact_name"],
        contact_email=body["contact_email"],
        contact_phone=body["contact_phone"],
        attributes=body["attributes"],
        photo_ids=body["photo_ids"],
        fields=SUBMIT_FIELDS,
    )
    view = report_view(session, actor, report, language)
    category = session.get(ReportCategory, report.category_id)
    view["possible_duplicates"] = (
        _duplicate_views(
            session, actor, category, report.lat, report.lon, language, exclude_id=report.id
        )
        if category is not None and report.lat is not None and report.lon is not None
        else []
    )
    return view


def _page(
    session: Session, actor: Actor, condition: list[Any], query: dict[str, Any], order: Any
) -> dict[str, Any]:
    page, rows = paged(session, Report, condition, order, query)
    language = request_language()
    return {**page, "items": [report_view(session, actor, r, language) for r in rows]}


@blp.route("/reports/mine")
@blp.arguments(PageQuery, location="query")
@blp.response(200, ReportPage)
@blp.doc(summary="The caller's own reports, newest first", security=[{"bearer": []}])
def mine(query: dict[str, Any]) -> dict[str, Any]:
    actor = _actor()
    condition = [Report.tenant_id == current_tenant().id, Report.reporter_id == actor.user_id]
    return _page(
        current_session(), actor, condition, query, (Report.submitted_at.desc(), Report.id.desc())
    )


@blp.route("/reports/<int:report_id>")
@blp.response(200, ReportOut)
@blp.doc(summary="One report, as the caller may see it", security=[{"bearer": []}])
def get_report(report_id: int) -> dict[str, Any]:
    actor = _actor()
    session = current_session()
    report = _visible(session, actor, report_id)
    return report_view(session, actor, report, request_language())


@blp.route("/reports/<int:report_id>/history")
@blp.response(200, EventOut(many=True))
@blp.doc(
    summary="A report's steps: all of them for officials, the public ones for its reporter",
    security=[{"bearer": []}],
)
def history(report_id: int) -> list[dict[str, Any]]:
    actor = _actor()
    session = current_session()
    report = _visible(session, actor, report_id)
    language = request_language()
    officials = _is_handler_side(session, actor, report)
    condition = [ReportEvent.report_id == report.id, ReportEvent.tenant_id == report.tenant_id]
    if not officials:
        # A reporter also sees what passed between them and the organization; a follower
        # (a merged report's reporter) only the public steps and their own.
        shown = ReportEvent.public.is_(True) | (ReportEvent.actor_id == actor.user_id)
        if access.is_reporter(actor, report):
            shown = shown | (ReportEvent.action == "request_info")
        condition.append(shown)
    events = session.scalars(
        select(ReportEvent).where(*condition).order_by(ReportEvent.at, ReportEvent.id)
    ).all()
    return [
        {
            "id": e.id,
            "at": e.at,
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "to_status_label": status_label(e.to_status, language),
            # Citizens deal with the organization, not with the official who took the step.
            "actor": e.actor_label
            if officials or (e.actor_id is not None and e.actor_id == actor.user_id)
            else None,
            "organization": _organization(session, e.organization_id, language),
            "note": e.note,
            "public": e.public,
        }
        for e in events
    ]


def _reporter_step(report_id: int, action: str, **kwargs: Any) -> dict[str, Any]:
    actor = _actor()
    session = current_session()
    report = _visible(session, actor, report_id)
    lifecycle.transition(session, report, action, actor, **kwargs)
    return report_view(session, actor, report, request_language())


@blp.route("/reports/<int:report_id>/rate", methods=["POST"])
@blp.arguments(RateIn)
@blp.response(200, ReportOut)
@blp.doc(summary="The reporter rates the handling of a resolved report", security=[{"bearer": []}])
def rate(body: dict[str, Any], report_id: int) -> dict[str, Any]:
    """An agent may rate for the citizen: it is the citizen's answer, passed on by their helper."""
    return _reporter_step(report_id, "rate", rating=body["rating"])


@blp.route("/reports/<int:report_id>/dispute", methods=["POST"])
@blp.arguments(DisputeIn)
@blp.response(200, ReportOut)
@blp.doc(
    summary="The reporter, not satisfied, disputes a closed report within the category's window",
    security=[{"bearer": []}],
)
def dispute(body: dict[str, Any], report_id: int) -> dict[str, Any]:
    """An agent may dispute for the citizen, as a relative would by phone; the audit names them."""
    try:
        return _reporter_step(report_id, "dispute", note=body["reason"])
    except InvalidInput as exc:
        raise _renamed(exc, {"note": "reason"}) from exc


@blp.route("/reports/<int:report_id>/info", methods=["POST"])
@blp.arguments(InfoIn)
@blp.response(200, ReportOut)
@blp.doc(
    summary="The reporter answers the organization's request for information",
    security=[{"bearer": []}],
)
def provide_info(body: dict[str, Any], report_id: int) -> dict[str, Any]:
    """An agent may answer for the citizen."""
    try:
        return _reporter_step(report_id, "provide_info", note=body["message"])
    except InvalidInput as exc:
        raise _renamed(exc, {"note": "message"}) from exc


@blp.route("/reports/<int:report_id>/follow", methods=["POST", "DELETE"])
@blp.response(200, FollowOut)
@blp.doc(
    summary="Follow (POST) or stop following (DELETE) a public report's updates",
    security=[{"bearer": []}],
)
def follow(report_id: int) -> dict[str, bool]:
    actor = _actor()
    session = current_session()
    report = _report(session, report_id)
    viewable = access.can_view(session, actor, report)
    # Following makes a report viewable: one not yet public cannot be followed into view.
    published = report.public and report.status != "dismissed"
    if not (viewable or published):
        raise _not_found()
    assert actor.user_id is not None
    row = session.get(ReportFollower, (report.id, actor.user_id))
    if request.method == "DELETE":
        if row is not None:
            session.delete(row)
            session.flush()
        return {"following": False}
    if row is None:
        session.add(
            ReportFollower(report_id=report.id, user_id=actor.user_id, created_at=clock.now())
        )
        session.flush()
    return {"following": True}


# -- organizations and the IOC -----------------------------------------------------------------


def _organization_id(session: Session, code: str, field: str) -> int:
    org_id = session.scalar(
        select(Organization.id).where(
            Organization.tenant_id == current_tenant().id, Organization.code == code
        )
    )
    if org_id is None:
        raise InvalidInput("Unknown organization.", {field: [f"No organization {code!r} here."]})
    return org_id


@blp.route("/reports/queue")
@blp.arguments(QueueQuery, location="query")
@blp.response(200, ReportPage)
@blp.doc(
    summary="Reports routed to the caller's organizations and those below them (the IOC: all)",
    security=[{"bearer": []}],
)
def queue(query: dict[str, Any]) -> dict[str, Any]:
    require_principal(*HANDLING_ROLES)
    actor = _actor()
    session = current_session()
    tenant_id = current_tenant().id
    condition: list[Any] = [access.queue_condition(session, actor, tenant_id)]
    if query.get("status"):
        condition.append(Report.status.in_(query["status"]))
    if query.get("category"):
        category_id = session.scalar(
            select(ReportCategory.id).where(
                ReportCategory.tenant_id == tenant_id, ReportCategory.code == query["category"]
            )
        )
        if category_id is None:
            raise InvalidInput(
                "Unknown category.", {"category": [f"No category {query['category']!r} here."]}
            )
        condition.append(Report.category_id == category_id)
    if query.get("organization"):
        condition.append(
            Report.organization_id
            == _organization_id(session, query["organization"], "organization")
        )
    if "overdue" in query:
        late = Report.deadline_at.is_not(None) & (Report.deadline_at < clock.now())
        late = late & Report.status.in_(lifecycle.OPEN_STATES)
        condition.append(late if query["overdue"] else ~late)
    if query.get("q") and fold(query["q"]).strip():
        condition.append(search_condition(query["q"]))
    order = (Report.submitted_at.desc(), Report.id.desc())
    return _page(session, actor, condition, query, order)


@blp.route("/reports/<int:report_id>/actions/<action>", methods=["POST"])
@blp.arguments(ActionIn)
@blp.response(200, ReportOut)
@blp.alt_response(409, description="The report's status does not allow this step")
@blp.doc(
    summary="Take a handling step: " + ", ".join(HANDLING_ACTIONS),
    security=[{"bearer": []}],
)
def act(body: dict[str, Any], report_id: int, action: str) -> dict[str, Any]:
    require_principal(*HANDLING_ROLES)
    if action not in HANDLING_ACTIONS:
        raise NotFound(
            f"No action {action!r}.", {"action": [f"One of {', '.join(HANDLING_ACTIONS)}."]}
        )
    actor = _actor()
    session = current_session()
    report = _visible(session, actor, report_id)
    organization_id = (
        _organization_id(session, body["organization"], "organization")
        if body["organization"]
        else None
    )
    into = None
    if body["into"] is not None:
        into = session.scalar(
            select(Report).where(Report.id == body["into"], Report.tenant_id == report.tenant_id)
        )
        if into is None:
            raise InvalidInput("Unknown report.", {"into": [f"No report {body['into']}."]})
    try:
        lifecycle.transition(
            session,
            report,
            action,
            actor,
            note=body["note"],
            organization_id=organization_id,
            public=body["public"],
            into=into,
        )
    except InvalidInput as exc:
        raise _renamed(exc, {"organization_id": "organization"}) from exc
    return report_view(session, actor, report, request_language())
