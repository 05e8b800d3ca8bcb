"""Open311 GeoReport v2 (with servicerequestupdates) over the report pipeline.

Every resource ends in ``.xml`` or ``.json``. ``jurisdiction_id`` is a tenant's slug; without
it the host name picks the tenant, as for the rest of the platform. Only reports the IOC made
public are read here, never who reported them. See docs/open311.md."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import PlatformError
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ... import clock
from ... import errors as api_errors
from ..._runtime import runtime_of
from ...clock import ZONE
from ...db import current_session
from ...tenancy.context import current_tenant, load_tenant, resolve_request_tenant, slug_from_host
from ...tenancy.models import Organization
from ...web.i18n import request_language
from ...web.markers import tenantless
from ...web.nul import nul_field
from ..access import Actor
from ..lifecycle import FINAL_STATES, STATUS_TEXT, transition
from ..models import (
    Open311Client,
    Report,
    ReportAttribute,
    ReportCategory,
    ReportEvent,
    ReportPhoto,
)
from ..photos import public_url
from ..submit import create_report
from . import clients
from .errors import Open311Error, error_response, from_platform
from .render import FORMATS, render, w3c

blp = Blueprint("open311", __name__, url_prefix="/open311/v2")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: The spec's longest span of a query by date, and its default when no date is given.
MAX_SPAN = timedelta(days=90)
#: The spec's default limit ("first 1000 requests"), and the most a page may hold.
PAGE_SIZE = 1000
#: The spec's limit on a description.
DESCRIPTION_MAX = 4000
LIST_MAX = 1000

#: Our names for the fields ``create_report`` checks, as the Open311 caller knows them.
FIELDS = {
    "category_code": "service_code",
    "lat": "lat",
    "lon": "long",
    "location": "lat & long, address_string or address_id",
    "address": "address_string",
    "unit_code": "address_id",
    "contact_name": "first_name/last_name",
    "contact_email": "email",
    "contact_phone": "phone",
    "description": "description",
    "media_url": "media_url",
    "channel": "api_key",
}
UPDATE_FIELDS = {"note": "description"}

_W3C = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)

SERVICE_NOTICE = LocalizedText(
    "Thời hạn xử lý: {days} ngày làm việc kể từ khi chuyển đến đơn vị xử lý.",
    "To be handled within {days} working days of reaching the organization in charge.",
)
MERGED_NOTE = LocalizedText(
    "Trùng với phản ánh {id}; theo dõi phản ánh đó.",
    "A duplicate of request {id}; follow that one.",
)
CONTACT = LocalizedText(
    "{name}: Trung tâm Giám sát, điều hành đô thị thông minh (IOC).",
    "{name}: the Intelligent Operations Centre (IOC).",
)
KEY_SERVICE = LocalizedText(
    "Quản trị viên của tỉnh cấp api_key cho ứng dụng qua {url}.",
    "The province's administrator issues api_keys to apps through {url}.",
)


# -- the request cycle ------------------------------------------------------------------------


View = Callable[..., Response]


def _route(rule: str, methods: Sequence[str] = ("GET",)) -> Callable[[View], View]:
    """A resource ``rule`` + ``.<fmt>``: the format checked, the tenant resolved from
    ``jurisdiction_id``, and every refusal answered in the spec's error format."""

    def register(view: View) -> View:
        @functools.wraps(view)
        def run(fmt: str, **kwargs: Any) -> Response:
            if fmt not in FORMATS:
                return _unknown_format(fmt)
            g.open311_format = fmt
            try:
                _refuse_nul()
                _resolve_tenant()
                return view(fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc)
            except PlatformError as exc:
                return error_response(fmt, from_platform(exc))

        endpoint = tenantless(run)
        blp.add_url_rule(f"{rule}.<fmt>", view_func=endpoint, methods=list(methods))
        return endpoint

    return register


def _unknown_format(fmt: str) -> Response:
    # XML is the one format the spec requires, so an unknown one is answered in it.
    return error_response(
        "xml",
        Open311Error(400, f"format: '{fmt}' is not served; end the URL in .xml or .json."),
    )


def _guess_format() -> str:
    return "json" if request.path.endswith(".json") else "xml"


@blp.route("/<path:rest>", methods=["GET", "POST"])
@tenantless
def unknown_resource(rest: str) -> Response:
    if request.method == "POST" and _read_only(request.path):
        response = error_response(
            _guess_format(), Open311Error(405, "method: POST is not allowed here; use GET.")
        )
        response.headers["Allow"] = "GET, HEAD"
        return response
    return error_response(
        _guess_format(), Open311Error(404, f"No resource '{rest}' in GeoReport v2 here.")
    )


def _read_only(path: str) -> bool:
    """Whether ``path`` is one of the resources that are only read (this catch-all takes POSTs
    so that an unknown resource gets the spec's 404, which hides the routing's 405)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _ = adapter.match(path, method="GET")
    except HTTPException:
        return False
    return endpoint != f"{blp.name}.unknown_resource"


@blp.app_errorhandler(MethodNotAllowed)
def _method_not_allowed(exc: MethodNotAllowed) -> Response:
    # Routing refuses the method before any view of this blueprint runs; elsewhere the
    # platform's own error format stays.
    if not request.path.startswith(f"{blp.url_prefix}/"):
        return api_errors.handle_http_exception(exc)
    response = error_response(
        _guess_format(), Open311Error(405, f"method: {request.method} is not allowed here.")
    )
    if exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _refuse_nul() -> None:
    # No text column can store a NUL (PostgreSQL refuses it outright).
    found = nul_field()
    if found is not None:
        raise Open311Error(400, f"{found.replace(chr(0), '')}: contains a NUL character.")


def _resolve_tenant() -> None:
    jurisdiction = (request.values.get("jurisdiction_id") or "").strip()
    if not jurisdiction:
        try:
            resolve_request_tenant(runtime_of())
        except NotFound as exc:
            raise Open311Error(
                400, "jurisdiction_id was not provided, and this host name serves none."
            ) from exc
        return
    slug = jurisdiction.lower()
    if "." in slug:
        # The spec suggests a jurisdiction's domain name: ``hue.example.vn`` is ``hue``.
        slug = slug_from_host(slug, runtime_of().settings.base_domain, "")
    tenant = load_tenant(slug) if slug else None
    if tenant is None:
        raise Open311Error(404, f"jurisdiction_id not found: '{jurisdiction}'.")
    g.tenant = tenant


def _language() -> str:
    locale = (request.values.get("locale") or "").strip().lower()
    if locale.startswith("en"):
        return "en"
    if locale.startswith("vi"):
        return "vi"
    return request_language()


def _pick(vi: str | None, en: str | None, language: str) -> str:
    return (en or vi or "") if language == "en" else (vi or "")


def _param(name: str) -> str | None:
    value = request.values.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _client(session: Session, *, required: bool) -> Open311Client | None:
    api_key = _param("api_key")
    if api_key is None:
        if required:
            raise Open311Error(403, "api_key was not provided.")
        return None
    client = clients.authenticate(session, current_tenant().id, api_key)
    if client is None:
        raise Open311Error(403, "api_key is invalid or revoked.")
    return client


# -- parameters -------------------------------------------------------------------------------


def parse_w3c(name: str, raw: str) -> datetime:
    """A w3 datetime (``2025-01-31T00:00:00Z``, ``…+07:00``, or a bare date taken as the
    province's midnight) as aware UTC."""
    # An unencoded '+' in a query string arrives as a space.
    text = raw.strip().replace(" ", "+")
    if not _W3C.match(text):
        raise Open311Error(
            400, f"{name}: '{raw}' is not a w3 datetime such as 2025-01-31T00:00:00+07:00."
        )
    try:
        if "T" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(ZONE)
        parts = [int(p) for p in text.split("-")] + [1, 1]
        day = date(parts[0], parts[1], parts[2])
    except ValueError as exc:
        raise Open311Error(400, f"{name}: '{raw}' is not a real date and time.") from exc
    return datetime.combine(day, time(), ZONE)


def _date_range() -> tuple[datetime, datetime]:
    start_raw, end_raw = _param("start_date"), _param("end_date")
    start = parse_w3c("start_date", start_raw) if start_raw else None
    end = parse_w3c("end_date", end_raw) if end_raw else None
    if start is None and end is None:
        end = clock.now()
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date: comes before start_date.")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date/end_date: the range may not span more than 90 days.")
    return start, end


def _paging() -> tuple[int, int]:
    page = _positive("page", 1, None)
    size = _positive("page_size", PAGE_SIZE, PAGE_SIZE)
    return page, size


def _positive(name: str, default: int, most: int | None) -> int:
    raw = _param(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or (most is not None and int(raw) > most):
        limit = f"1 to {most}" if most is not None else "1 or more"
        raise Open311Error(400, f"{name}: '{raw}' is not a whole number from {limit}.")
    return int(raw)


def _list(name: str) -> list[str]:
    raw = _param(name)
    if raw is None:
        return []
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if len(items) > LIST_MAX:
        raise Open311Error(400, f"{name}: at most {LIST_MAX} values.")
    return items


def _ids(name: str) -> list[int]:
    ids = []
    for item in _list(name):
        if not item.isdigit() or len(item) > 12:
            raise Open311Error(400, f"{name}: '{item}' is not a service request id.")
        ids.append(int(item))
    return ids


# -- discovery and services ---------------------------------------------------------------------


@_route("/discovery")
def discovery(fmt: str) -> Response:
    session = current_session()
    tenant = current_tenant()
    language = _language()
    changed = session.scalar(
        select(func.max(ReportCategory.updated_at)).where(ReportCategory.tenant_id == tenant.id)
    )
    changeset = w3c(changed) or w3c(datetime(2025, 1, 1, tzinfo=ZONE))
    base = request.host_url.rstrip("/")
    body = {
        "changeset": changeset,
        "contact": CONTACT.get(language).format(name=tenant.name),
        "key_service": KEY_SERVICE.get(language).format(url=f"{base}/api/v1/admin/open311/clients"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}{blp.url_prefix}",
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


def _categories(session: Session, tenant_id: int) -> list[ReportCategory]:
    return list(
        session.scalars(
            select(ReportCategory)
            .where(ReportCategory.tenant_id == tenant_id, ReportCategory.active.is_(True))
            .order_by(ReportCategory.group_name, ReportCategory.name, ReportCategory.code)
        )
    )


@_route("/services")
def services(fmt: str) -> Response:
    session = current_session()
    tenant_id = current_tenant().id
    language = _language()
    asking = set(
        session.scalars(
            select(ReportAttribute.category_id)
            .join(ReportCategory, ReportCategory.id == ReportAttribute.category_id)
            .where(ReportCategory.tenant_id == tenant_id)
            .distinct()
        )
    )
    body = [
        {
            "service_code": c.code,
            "service_name": _pick(c.name, c.name_en, language),
            "description": _pick(c.description, c.description_en, language),
            "metadata": c.id in asking,
            "type": "realtime",
            "keywords": c.keywords,
            "group": _pick(c.group_name, c.group_name_en, language),
        }
        for c in _categories(session, tenant_id)
    ]
    return render(fmt, "services", body)


def _category(session: Session, code: str) -> ReportCategory:
    category = session.scalar(
        select(ReportCategory).where(
            ReportCategory.tenant_id == current_tenant().id,
            ReportCategory.code == code,
            ReportCategory.active.is_(True),
        )
    )
    if category is None:
        raise Open311Error(404, f"service_code not found: '{code}'.")
    return category


@_route("/services/<code>")
def service_definition(fmt: str, code: str) -> Response:
    session = current_session()
    language = _language()
    category = _category(session, code)
    rows = session.scalars(
        select(ReportAttribute)
        .where(ReportAttribute.category_id == category.id)
        .order_by(ReportAttribute.order, ReportAttribute.id)
    )
    attributes = []
    for a in rows:
        item: dict[str, Any] = {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description or None,
            "order": a.order,
            "description": _pick(a.description, a.description_en, language),
        }
        if a.datatype in ("singlevaluelist", "multivaluelist"):
            item["values"] = [
                {"key": v.get("key"), "name": _pick(v.get("name"), v.get("name_en"), language)}
                for v in a.values or []
            ]
        attributes.append(item)
    body = {"service_code": category.code, "attributes": attributes}
    return render(fmt, "service_definition", body)


# -- service requests -------------------------------------------------------------------------


def open311_status(status: str) -> str:
    return "closed" if status in FINAL_STATES else "open"


def _visible(client: Open311Client | None) -> ColumnElement[bool]:
    """Public reports, and those the calling client submitted (to follow its own)."""
    if client is None:
        return Report.public.is_(True)
    return or_(Report.public.is_(True), Report.open311_client_id == client.id)


def _status_notes(report: Report, dismissals: dict[int, str], language: str) -> str | None:
    if report.status == "merged" and report.merged_into_id is not None:
        return MERGED_NOTE.get(language).format(id=report.merged_into_id)
    if report.status in ("resolved", "closed") and report.answer:
        return report.answer
    if report.status == "dismissed" and report.id in dismissals:
        return dismissals[report.id]
    text = STATUS_TEXT.get(report.status)
    return text.get(language) if text is not None else None


def requests_view(session: Session, reports: Sequence[Report], language: str) -> list[dict]:
    """The spec's ``request`` for each report: nothing about who reported it."""
    if not reports:
        return []
    ids = [r.id for r in reports]
    categories = {
        c.id: c
        for c in session.scalars(
            select(ReportCategory).where(ReportCategory.id.in_({r.category_id for r in reports}))
        )
    }
    org_ids = {r.organization_id for r in reports if r.organization_id is not None}
    organizations = (
        {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(org_ids)))}
        if org_ids
        else {}
    )
    first_photos: dict[int, ReportPhoto] = {}
    for photo in session.scalars(
        select(ReportPhoto).where(ReportPhoto.report_id.in_(ids)).order_by(ReportPhoto.id)
    ):
        assert photo.report_id is not None
        first_photos.setdefault(photo.report_id, photo)
    dismissals: dict[int, str] = {}
    dismissed = [r.id for r in reports if r.status == "dismissed"]
    if dismissed:
        for event in session.scalars(
            select(ReportEvent)
            .where(
                ReportEvent.report_id.in_(dismissed),
                ReportEvent.action == "dismiss",
                ReportEvent.public.is_(True),
                ReportEvent.note.is_not(None),
            )
            .order_by(ReportEvent.at, ReportEvent.id)
        ):
            dismissals[event.report_id] = event.note or ""
    base = request.host_url.rstrip("/")
    answer = []
    for report in reports:
        category = categories[report.category_id]
        org = organizations.get(report.organization_id) if report.organization_id else None
        photo = first_photos.get(report.id)
        media = base + public_url(report, photo) if photo is not None else report.media_url
        status = open311_status(report.status)
        answer.append(
            {
                "service_request_id": report.id,
                "status": status,
                "status_notes": _status_notes(report, dismissals, language),
                "service_name": _pick(category.name, category.name_en, language),
                "service_code": category.code,
                "description": report.description,
                "agency_responsible": _pick(org.name, org.name_en, language) if org else None,
                "service_notice": SERVICE_NOTICE.get(language).format(days=category.deadline_days),
                "requested_datetime": w3c(report.submitted_at),
                "updated_datetime": w3c(report.updated_at),
                "expected_datetime": w3c(report.deadline_at) if status == "open" else None,
                "address": report.address,
                "address_id": report.unit_code,
                "zipcode": None,
                "lat": report.lat,
                "long": report.lon,
                "media_url": media,
            }
        )
    return answer


def _query_requests(session: Session, client: Open311Client | None) -> Select:
    tenant_id = current_tenant().id
    statement = select(Report).where(Report.tenant_id == tenant_id, _visible(client))
    ids = _ids("service_request_id")
    if ids:
        # The spec: a list of ids overrides every other argument.
        return statement.where(Report.id.in_(ids)).order_by(Report.id)
    codes = _list("service_code")
    if codes:
        statement = statement.where(
            Report.category_id.in_(
                select(ReportCategory.id).where(
                    ReportCategory.tenant_id == tenant_id, ReportCategory.code.in_(codes)
                )
            )
        )
    statuses = set(_list("status"))
    wrong = sorted(statuses - {"open", "closed"})
    if wrong:
        raise Open311Error(400, f"status: '{wrong[0]}' is neither open nor closed.")
    if statuses == {"open"}:
        statement = statement.where(Report.status.not_in(FINAL_STATES))
    elif statuses == {"closed"}:
        statement = statement.where(Report.status.in_(FINAL_STATES))
    start, end = _date_range()
    statement = statement.where(Report.submitted_at >= start, Report.submitted_at <= end)
    page, size = _paging()
    return (
        statement.order_by(Report.submitted_at.desc(), Report.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )


@_route("/requests", methods=("GET", "POST"))
def service_requests(fmt: str) -> Response:
    if request.method == "POST":
        return _post_request(fmt)
    session = current_session()
    client = _client(session, required=False)
    reports = session.scalars(_query_requests(session, client)).all()
    return render(fmt, "service_requests", requests_view(session, reports, _language()))


@_route("/requests/<request_id>")
def service_request(fmt: str, request_id: str) -> Response:
    session = current_session()
    client = _client(session, required=False)
    report = None
    if request_id.isdigit() and len(request_id) <= 12:
        report = session.scalar(
            select(Report).where(
                Report.tenant_id == current_tenant().id,
                Report.id == int(request_id),
                _visible(client),
            )
        )
    if report is None:
        raise Open311Error(404, f"service_request_id not found: '{request_id}'.")
    return render(fmt, "service_requests", requests_view(session, [report], _language()))


@_route("/tokens/<token>")
def token(fmt: str, token: str) -> Response:
    session = current_session()
    report_id = session.scalar(
        select(Report.id).where(Report.tenant_id == current_tenant().id, Report.token == token)
    )
    if report_id is None:
        raise Open311Error(404, f"token not found: '{token}'.")
    return render(fmt, "service_requests", [{"service_request_id": report_id, "token": token}])


def _attributes() -> dict[str, Any]:
    """``attribute[code]=v`` and, for a multivaluelist, ``attribute[code][]=v1&…``."""
    answers: dict[str, Any] = {}
    for key in request.form:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        code, many = match.group(1), match.group(2)
        values = [v for v in request.form.getlist(key)]
        if many:
            answers.setdefault(code, [])
            if isinstance(answers[code], list):
                answers[code].extend(values)
        else:
            answers[code] = values[0] if len(values) == 1 else values
    return answers


def _post_request(fmt: str) -> Response:
    session = current_session()
    tenant_id = current_tenant().id
    client = _client(session, required=True)
    assert client is not None
    code = _param("service_code")
    if code is None:
        raise Open311Error(400, "service_code was not provided.")
    category = _category(session, code)
    lat, lon = _param("lat"), _param("long")
    if (lat is None) != (lon is None):
        missing = "long" if lon is None else "lat"
        raise Open311Error(400, f"{missing}: lat and long must be sent together.")
    description = request.values.get("description") or ""
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, f"description: at most {DESCRIPTION_MAX} characters.")
    name = " ".join(filter(None, (_param("last_name"), _param("first_name")))) or None
    actor = Actor(user_id=None, label=f"open311:{client.name}"[:120], open311_client_id=client.id)
    try:
        report = create_report(
            session,
            tenant_id,
            actor,
            category_code=category.code,
            description=description,
            channel="open311",
            lat=lat,
            lon=lon,
            address=_param("address_string"),
            unit_code=_param("address_id"),
            contact_name=name,
            contact_email=_param("email"),
            contact_phone=_param("phone"),
            attributes=_attributes(),
            media_url=_param("media_url"),
            open311_client_id=client.id,
            fields=FIELDS,
        )
    except PlatformError as exc:
        raise from_platform(exc, FIELDS) from exc
    # A realtime service answers the id itself; the spec says no token then.
    body = [
        {
            "service_request_id": report.id,
            "service_notice": SERVICE_NOTICE.get(_language()).format(days=category.deadline_days),
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", body)


# -- service request updates ------------------------------------------------------------------


def _updates_view(rows: Iterable[tuple[ReportEvent, Report]], language: str) -> list[dict]:
    answer = []
    for event, report in rows:
        text = STATUS_TEXT.get(event.to_status)
        answer.append(
            {
                "update_id": event.id,
                "service_request_id": report.id,
                "status": open311_status(event.to_status),
                "updated_datetime": w3c(event.at),
                "description": event.note or (text.get(language) if text else None),
                "media_url": (event.data or {}).get("media_url"),
            }
        )
    return answer


@_route("/servicerequestupdates", methods=("GET", "POST"))
def service_request_updates(fmt: str) -> Response:
    if request.method == "POST":
        return _post_update(fmt)
    session = current_session()
    tenant_id = current_tenant().id
    client = _client(session, required=False)
    statement = (
        select(ReportEvent, Report)
        .join(Report, Report.id == ReportEvent.report_id)
        .where(
            ReportEvent.tenant_id == tenant_id,
            Report.tenant_id == tenant_id,
            ReportEvent.public.is_(True),
            _visible(client),
        )
    )
    ids = _ids("service_request_id")
    if ids:
        statement = statement.where(Report.id.in_(ids))
    else:
        start, end = _date_range()
        statement = statement.where(and_(ReportEvent.at >= start, ReportEvent.at <= end))
    page, size = _paging()
    rows = session.execute(
        statement.order_by(ReportEvent.at, ReportEvent.id).offset((page - 1) * size).limit(size)
    )
    pairs = [(event, report) for event, report in rows]
    return render(fmt, "service_request_updates", _updates_view(pairs, _language()))


def _update_answer(fmt: str, event: ReportEvent) -> Response:
    return render(fmt, "service_request_updates", [{"update_id": event.id}])


def _replayed(session: Session, client: Open311Client, update_id: str) -> ReportEvent | None:
    return session.scalar(
        select(ReportEvent).where(
            ReportEvent.open311_client_id == client.id, ReportEvent.external_id == update_id
        )
    )


def _post_update(fmt: str) -> Response:
    session = current_session()
    tenant_id = current_tenant().id
    client = _client(session, required=True)
    assert client is not None
    if client.organization_id is None:
        raise Open311Error(
            403, "api_key: this client acts for no organization, so it may not post updates."
        )
    update_id = _param("update_id")
    if update_id is None:
        raise Open311Error(400, "update_id was not provided.")
    if len(update_id) > 100:
        raise Open311Error(400, "update_id: at most 100 characters.")
    raw_id = _param("service_request_id")
    if raw_id is None:
        raise Open311Error(400, "service_request_id was not provided.")
    status = (_param("status") or "").lower()
    if not status:
        raise Open311Error(400, "status was not provided.")
    if status not in ("open", "closed"):
        raise Open311Error(400, f"status: '{status}' is neither open nor closed.")
    raw_time = _param("updated_datetime")
    updated = parse_w3c("updated_datetime", raw_time) if raw_time else None
    description = (request.values.get("description") or "").strip() or None
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, f"description: at most {DESCRIPTION_MAX} characters.")
    media_url = _param("media_url")
    if media_url is not None and (len(media_url) > 500 or not _URL.match(media_url)):
        raise Open311Error(400, "media_url: not an http(s) URL of at most 500 characters.")

    report = None
    if raw_id.isdigit() and len(raw_id) <= 12:
        report = session.scalar(
            select(Report).where(Report.tenant_id == tenant_id, Report.id == int(raw_id))
        )
    if report is None:
        raise Open311Error(404, f"service_request_id not found: '{raw_id}'.")
    earlier = _replayed(session, client, update_id)
    if earlier is not None:
        if earlier.report_id != report.id:
            raise Open311Error(
                400, f"update_id: '{update_id}' was used for request {earlier.report_id}."
            )
        return _update_answer(fmt, earlier)
    if report.organization_id != client.organization_id:
        raise Open311Error(
            403, f"service_request_id: request {report.id} is not with this client's organization."
        )
    org = session.get(Organization, client.organization_id)
    role = "partner_staff" if org is not None and org.kind == "partner" else "official"
    actor = Actor(
        user_id=None,
        label=f"open311:{client.name}"[:120],
        roles=frozenset({role}),
        organization_ids=frozenset({client.organization_id}),
        open311_client_id=client.id,
    )
    data = {
        key: value
        for key, value in (
            ("updated_datetime", updated.isoformat() if updated else None),
            ("media_url", media_url),
        )
        if value is not None
    }
    action, public = _update_action(report, status, description)
    try:
        event = transition(
            session,
            report,
            action,
            actor,
            note=description,
            public=public,
            external_id=update_id,
            data=data,
        )
        session.flush()
    except IntegrityError:
        # The same update posted twice at once: the first one wins, the second is its echo.
        session.rollback()
        earlier = _replayed(session, client, update_id)
        if earlier is None:
            raise
        return _update_answer(fmt, earlier)
    except PlatformError as exc:
        raise from_platform(exc, UPDATE_FIELDS) from exc
    return _update_answer(fmt, event)


def _update_action(report: Report, status: str, description: str | None) -> tuple[str, bool | None]:
    """The lifecycle step an update stands for: ``closed`` resolves (the description is the
    public answer); ``open`` starts the work, or is a public note while it goes on."""
    closed = report.status in FINAL_STATES
    if status == "closed":
        if not closed:
            return "resolve", None
        if description is None:
            raise Open311Error(400, f"status: request {report.id} is closed already.")
        return "comment", True
    if closed:
        raise Open311Error(
            400, f"status: request {report.id} is closed; an update cannot reopen it."
        )
    if report.status == "assigned":
        return "start", None
    return "comment", True
