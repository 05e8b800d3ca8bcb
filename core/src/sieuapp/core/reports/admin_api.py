"""The province admin's side of the report pipeline: the category catalog, routing rules, ward and
commune boundaries and the holiday calendar. The IOC reads it all; only admins change it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sieuapp.sdk import Role
from sieuapp.sdk._reports import ATTRIBUTE_CODE, CATEGORY_CODE, DATATYPES
from sieuapp.sdk.errors import Conflict, InvalidInput, NotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..audit.log import record as audit
from ..clock import ZONE
from ..db import current_session
from ..identity.principal import Principal, require_principal, requires_role
from ..tenancy.context import current_tenant
from ..tenancy.models import AdministrativeUnit, Organization
from . import geo
from .catalog import category_attributes, keyword_list, keywords_text, search_name
from .models import Holiday, ReportAttribute, ReportCategory, RoutingRule, UnitBoundary
from .routing import route

blp = Blueprint(
    "reports_admin",
    __name__,
    url_prefix="/api/v1",
    description="Report categories, routing, boundaries and holidays",
)

READERS = (Role.PROVINCE_ADMIN.value, Role.IOC_OPERATOR.value)
WRITERS = (Role.PROVINCE_ADMIN.value,)
#: What a province may change in a category a plugin contributes; the rest is the plugin's.
PLUGIN_EDITABLE = frozenset({"organization", "deadline_days", "active"})
MAX_FEATURES = 500
SECURITY = [{"bearer": []}]

F = TypeVar("F", bound=Callable[..., Any])


def _actor() -> Principal:
    return require_principal(*READERS)


def _record(
    session: Session, action: str, target: str, before: Any = None, after: Any = None
) -> None:
    principal = _actor()
    audit(
        session,
        action,
        tenant_id=current_tenant().id,
        actor_id=principal.user_id,
        actor_label=principal.username,
        target=target,
        before=before,
        after=after,
    )


# -- schemas ------------------------------------------------------------------------------------


class AdminChoice(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(load_default="", validate=validate.Length(max=200))


class AdminQuestion(Schema):
    code = fields.String(required=True, validate=validate.Regexp(ATTRIBUTE_CODE))
    datatype = fields.String(required=True, validate=validate.OneOf(DATATYPES))
    required = fields.Boolean(load_default=False)
    variable = fields.Boolean(load_default=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    description_en = fields.String(load_default="", validate=validate.Length(max=2000))
    datatype_description = fields.String(load_default="", validate=validate.Length(max=300))
    values = fields.List(fields.Nested(AdminChoice), load_default=list)

    @validates_schema
    def _values_fit_datatype(self, data: dict[str, Any], **_: Any) -> None:
        values = data.get("values") or []
        if str(data.get("datatype", "")).endswith("valuelist"):
            if not values:
                raise ValidationError("A list question needs at least one value.", "values")
            keys = [v["key"] for v in values]
            if len(keys) != len(set(keys)):
                raise ValidationError("Value keys must be unique.", "values")
        elif values:
            raise ValidationError("Only list questions take values.", "values")


class AdminQuestionOut(AdminQuestion):
    order = fields.Integer()


class AdminCategoryPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    name_en = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=5000))
    description_en = fields.String(validate=validate.Length(max=5000))
    group = fields.String(validate=validate.Length(max=100))
    group_en = fields.String(validate=validate.Length(max=100))
    keywords = fields.List(fields.String(validate=validate.Length(min=1, max=40)))
    organization = fields.String(allow_none=True, metadata={"description": "organization code"})
    route_to_commune = fields.Boolean()
    deadline_days = fields.Integer(validate=validate.Range(1, 90))
    reminder_days = fields.Integer(validate=validate.Range(0, 30))
    duplicate_radius_m = fields.Integer(validate=validate.Range(0, 5000))
    dispute_days = fields.Integer(validate=validate.Range(0, 90))
    active = fields.Boolean()
    questions = fields.List(
        fields.Nested(AdminQuestion), metadata={"description": "replaces every question"}
    )

    @validates_schema
    def _unique_questions(self, data: dict[str, Any], **_: Any) -> None:
        codes = [q["code"] for q in data.get("questions") or []]
        if len(codes) != len(set(codes)):
            raise ValidationError("Question codes must be unique.", "questions")


class AdminCategoryIn(AdminCategoryPatch):
    code = fields.String(required=True, validate=validate.Regexp(CATEGORY_CODE))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))


class AdminCategoryOut(Schema):
    code = fields.String()
    source = fields.String()
    name = fields.String()
    name_en = fields.String()
    description = fields.String()
    description_en = fields.String()
    group = fields.String()
    group_en = fields.String()
    keywords = fields.List(fields.String())
    organization = fields.String(allow_none=True)
    route_to_commune = fields.Boolean()
    deadline_days = fields.Integer()
    reminder_days = fields.Integer()
    duplicate_radius_m = fields.Integer()
    dispute_days = fields.Integer()
    active = fields.Boolean()
    questions = fields.List(fields.Nested(AdminQuestionOut))


class RoutingRuleIn(Schema):
    category = fields.String(required=True, validate=validate.Length(min=1, max=64))
    unit_code = fields.String(
        load_default=None, allow_none=True, metadata={"description": "null: the whole province"}
    )
    organization = fields.String(
        load_default=None, allow_none=True, metadata={"description": "null: the IOC decides"}
    )
    to_commune = fields.Boolean(load_default=False)


class RoutingRuleQuery(Schema):
    category = fields.String()


class RoutingRuleOut(Schema):
    id = fields.Integer()
    category = fields.String()
    unit_code = fields.String(allow_none=True)
    organization = fields.String(allow_none=True)
    to_commune = fields.Boolean()


class RoutingResolveQuery(Schema):
    category = fields.String(required=True)
    unit_code = fields.String(load_default=None)


class RoutingResolveOut(Schema):
    organization = fields.String(allow_none=True)


class BoundariesIn(Schema):
    type = fields.String(required=True, validate=validate.Equal("FeatureCollection"))
    features = fields.List(
        fields.Dict(), required=True, validate=validate.Length(min=1, max=MAX_FEATURES)
    )


class BoundaryOut(Schema):
    unit_code = fields.String()
    name = fields.String()
    bbox = fields.List(fields.Float(), metadata={"description": "[west, south, east, north]"})
    updated_at = fields.DateTime()


class BoundaryLocateQuery(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))


class BoundaryLocateOut(Schema):
    unit_code = fields.String(allow_none=True)


class HolidayYearQuery(Schema):
    year = fields.Integer(validate=validate.Range(2000, 2100))


class HolidayIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(load_default="", validate=validate.Length(max=200))
    working = fields.Boolean(
        load_default=False, metadata={"description": "true: a weekend day worked in compensation"}
    )


class HolidayOut(Schema):
    day = fields.Date()
    name = fields.String()
    name_en = fields.String()
    working = fields.Boolean()


# -- categories ---------------------------------------------------------------------------------


def _org_codes(session: Session, tenant_id: int) -> dict[int, str]:
    return dict(
        session.execute(
            select(Organization.id, Organization.code).where(Organization.tenant_id == tenant_id)
        ).all()
    )


def _question_view(a: ReportAttribute) -> dict[str, Any]:
    return {
        "code": a.code,
        "datatype": a.datatype,
        "required": a.required,
        "variable": a.variable,
        "order": a.order,
        "description": a.description,
        "description_en": a.description_en,
        "datatype_description": a.datatype_description,
        "values": list(a.values or []),
    }


def _category_view(
    c: ReportCategory, attributes: list[ReportAttribute], orgs: dict[int, str]
) -> dict[str, Any]:
    return {
        "code": c.code,
        "source": c.source,
        "name": c.name,
        "name_en": c.name_en,
        "description": c.description,
        "description_en": c.description_en,
        "group": c.group_name,
        "group_en": c.group_name_en,
        "keywords": keyword_list(c.keywords),
        "organization": orgs.get(c.organization_id) if c.organization_id else None,
        "route_to_commune": c.route_to_commune,
        "deadline_days": c.deadline_days,
        "reminder_days": c.reminder_days,
        "duplicate_radius_m": c.duplicate_radius_m,
        "dispute_days": c.dispute_days,
        "active": c.active,
        "questions": [_question_view(a) for a in attributes],
    }


def _category(session: Session, tenant_id: int, code: str) -> ReportCategory:
    category = session.scalar(
        select(ReportCategory).where(
            ReportCategory.tenant_id == tenant_id, ReportCategory.code == code
        )
    )
    if category is None:
        raise NotFound(f"No report category {code!r}.")
    return category


def _organization_id(session: Session, tenant_id: int, code: str | None, field: str) -> int | None:
    if code is None:
        return None
    org_id = session.scalar(
        select(Organization.id).where(
            Organization.tenant_id == tenant_id,
            Organization.code == code,
            Organization.active.is_(True),
        )
    )
    if org_id is None:
        raise InvalidInput(
            "Unknown organization.", {field: [f"No active organization {code!r} in this province."]}
        )
    return org_id


def _replace_questions(session: Session, category: ReportCategory, questions: list[dict]) -> None:
    for old in category_attributes(session, category.id):
        session.delete(old)
    session.flush()
    for order, q in enumerate(questions, start=1):
        session.add(
            ReportAttribute(
                category_id=category.id,
                code=q["code"],
                datatype=q["datatype"],
                required=q["required"],
                variable=q["variable"],
                order=order,
                description=q["description"],
                description_en=q["description_en"],
                datatype_description=q["datatype_description"],
                values=[dict(v) for v in q["values"]],
            )
        )


def _apply(
    session: Session, tenant_id: int, category: ReportCategory, body: dict[str, Any]
) -> None:
    deadline = body.get("deadline_days", category.deadline_days)
    reminder = body.get("reminder_days", category.reminder_days)
    if reminder >= deadline:
        field = "reminder_days" if "reminder_days" in body else "deadline_days"
        raise InvalidInput(
            "The reminder must come before the deadline.",
            {field: [f"reminder_days ({reminder}) must be less than deadline_days ({deadline})."]},
        )
    if "organization" in body:
        category.organization_id = _organization_id(
            session, tenant_id, body["organization"], "organization"
        )
    simple = {
        "name": "name",
        "name_en": "name_en",
        "description": "description",
        "description_en": "description_en",
        "group": "group_name",
        "group_en": "group_name_en",
        "route_to_commune": "route_to_commune",
        "deadline_days": "deadline_days",
        "reminder_days": "reminder_days",
        "duplicate_radius_m": "duplicate_radius_m",
        "dispute_days": "dispute_days",
        "active": "active",
    }
    for key, column in simple.items():
        if key in body:
            setattr(category, column, body[key])
    if "keywords" in body:
        category.keywords = keywords_text(body["keywords"])[:300]
    category.search_name = search_name(category.name, category.name_en, category.keywords)
    if "questions" in body:
        session.flush()
        _replace_questions(session, category, body["questions"])
    session.flush()


def _view_of(session: Session, tenant_id: int, category: ReportCategory) -> dict[str, Any]:
    return _category_view(
        category, category_attributes(session, category.id), _org_codes(session, tenant_id)
    )


@blp.route("/admin/reports/categories")
@blp.response(200, AdminCategoryOut(many=True))
@blp.doc(summary="Every report category, inactive ones too", security=SECURITY)
def list_categories() -> list[dict[str, Any]]:
    require_principal(*READERS)
    tenant_id = current_tenant().id
    session = current_session()
    categories = session.scalars(
        select(ReportCategory)
        .where(ReportCategory.tenant_id == tenant_id)
        .order_by(ReportCategory.group_name, ReportCategory.code)
    ).all()
    by_category: dict[int, list[ReportAttribute]] = {c.id: [] for c in categories}
    for attribute in session.scalars(
        select(ReportAttribute)
        .where(ReportAttribute.category_id.in_(by_category))
        .order_by(ReportAttribute.order, ReportAttribute.id)
    ):
        by_category[attribute.category_id].append(attribute)
    orgs = _org_codes(session, tenant_id)
    return [_category_view(c, by_category[c.id], orgs) for c in categories]


@blp.route("/admin/reports/categories/<code>")
@blp.response(200, AdminCategoryOut)
@blp.doc(summary="One report category", security=SECURITY)
def get_category(code: str) -> dict[str, Any]:
    require_principal(*READERS)
    tenant_id = current_tenant().id
    session = current_session()
    return _view_of(session, tenant_id, _category(session, tenant_id, code))


@blp.route("/admin/reports/categories", methods=["POST"])
@requires_role(*WRITERS)
@blp.arguments(AdminCategoryIn)
@blp.response(201, AdminCategoryOut)
@blp.doc(summary="Add a category to the province's catalog", security=SECURITY)
def create_category(body: dict[str, Any]) -> dict[str, Any]:
    tenant_id = current_tenant().id
    session = current_session()
    if session.scalar(
        select(ReportCategory.id).where(
            ReportCategory.tenant_id == tenant_id, ReportCategory.code == body["code"]
        )
    ):
        raise Conflict("This code is used already.", {"code": ["Already used in this province."]})
    category = ReportCategory(tenant_id=tenant_id, code=body["code"], source="core")
    defaults = {
        "description": "",
        "description_en": "",
        "group": "",
        "group_en": "",
        "keywords": [],
        "organization": None,
        "route_to_commune": False,
        "deadline_days": 5,
        "reminder_days": 1,
        "duplicate_radius_m": 100,
        "dispute_days": 7,
        "active": True,
        "questions": [],
    }
    body = {**defaults, **body}
    category.name, category.name_en = body["name"], body["name_en"]
    session.add(category)
    _apply(session, tenant_id, category, body)
    view = _view_of(session, tenant_id, category)
    _record(session, "report_category.created", f"report_category:{category.code}", after=view)
    return view


@blp.route("/admin/reports/categories/<code>", methods=["PATCH"])
@requires_role(*WRITERS)
@blp.arguments(AdminCategoryPatch)
@blp.response(200, AdminCategoryOut)
@blp.doc(
    summary="Change a category",
    description="Only the fields given change; `questions` replaces them all. In a category a "
    "plugin contributes, only `organization`, `deadline_days` and `active` may change.",
    security=SECURITY,
)
def update_category(body: dict[str, Any], code: str) -> dict[str, Any]:
    tenant_id = current_tenant().id
    session = current_session()
    category = _category(session, tenant_id, code)
    if category.source != "core":
        refused = sorted(set(body) - PLUGIN_EDITABLE)
        if refused:
            message = (
                f"Set by the module {category.source!r}; here only organization, deadline_days "
                "and active can be changed."
            )
            raise InvalidInput(
                "This category belongs to a module.", {f: [message] for f in refused}
            )
    before = _view_of(session, tenant_id, category)
    _apply(session, tenant_id, category, body)
    after = _view_of(session, tenant_id, category)
    _record(session, "report_category.updated", f"report_category:{code}", before, after)
    return after


# -- routing rules ------------------------------------------------------------------------------


def _rule_view(rule: RoutingRule, category_code: str, orgs: dict[int, str]) -> dict[str, Any]:
    return {
        "id": rule.id,
        "category": category_code,
        "unit_code": rule.unit_code,
        "organization": orgs.get(rule.organization_id) if rule.organization_id else None,
        "to_commune": rule.to_commune,
    }


def _unit_exists(session: Session, tenant_id: int, code: str) -> bool:
    return (
        session.scalar(
            select(AdministrativeUnit.id).where(
                AdministrativeUnit.tenant_id == tenant_id, AdministrativeUnit.code == code
            )
        )
        is not None
    )


@blp.route("/admin/reports/routing")
@blp.arguments(RoutingRuleQuery, location="query")
@blp.response(200, RoutingRuleOut(many=True))
@blp.doc(summary="Routing rules, most specific first", security=SECURITY)
def list_rules(query: dict[str, Any]) -> list[dict[str, Any]]:
    require_principal(*READERS)
    tenant_id = current_tenant().id
    session = current_session()
    condition = [RoutingRule.tenant_id == tenant_id]
    if query.get("category"):
        condition.append(ReportCategory.code == query["category"])
    rows = session.execute(
        select(RoutingRule, ReportCategory.code)
        .join(ReportCategory, ReportCategory.id == RoutingRule.category_id)
        .where(*condition)
        .order_by(ReportCategory.code, RoutingRule.unit_code.is_(None), RoutingRule.unit_code)
    ).all()
    orgs = _org_codes(session, tenant_id)
    return [_rule_view(rule, code, orgs) for rule, code in rows]


@blp.route("/admin/reports/routing", methods=["PUT"])
@requires_role(*WRITERS)
@blp.arguments(RoutingRuleIn)
@blp.response(200, RoutingRuleOut)
@blp.doc(
    summary="Set where a category's reports go, in one ward or commune or everywhere",
    description="`organization` names the handler; `to_commune` sends them to the committee of "
    "the report's commune; neither leaves them to the IOC.",
    security=SECURITY,
)
def set_rule(body: dict[str, Any]) -> dict[str, Any]:
    tenant_id = current_tenant().id
    session = current_session()
    if body["to_commune"] and body["organization"]:
        raise InvalidInput(
            "Choose one target.",
            {"organization": ["Give an organization or to_commune, not both."]},
        )
    category = session.scalar(
        select(ReportCategory).where(
            ReportCategory.tenant_id == tenant_id, ReportCategory.code == body["category"]
        )
    )
    if category is None:
        raise InvalidInput(
            "Unknown category.", {"category": [f"No report category {body['category']!r}."]}
        )
    unit_code = body["unit_code"]
    if unit_code is not None and not _unit_exists(session, tenant_id, unit_code):
        raise InvalidInput(
            "Unknown unit.", {"unit_code": [f"No ward or commune {unit_code!r} in this province."]}
        )
    org_id = _organization_id(session, tenant_id, body["organization"], "organization")
    rule = session.scalar(
        select(RoutingRule).where(
            RoutingRule.tenant_id == tenant_id,
            RoutingRule.category_id == category.id,
            RoutingRule.unit_code.is_(None)
            if unit_code is None
            else RoutingRule.unit_code == unit_code,
        )
    )
    orgs = _org_codes(session, tenant_id)
    before = _rule_view(rule, category.code, orgs) if rule is not None else None
    if rule is None:
        rule = RoutingRule(tenant_id=tenant_id, category_id=category.id, unit_code=unit_code)
        session.add(rule)
    rule.organization_id = org_id
    rule.to_commune = body["to_commune"]
    session.flush()
    after = _rule_view(rule, category.code, orgs)
    _record(
        session, "report_routing.set", f"routing:{category.code}/{unit_code or '*'}", before, after
    )
    return after


@blp.route("/admin/reports/routing/<int:rule_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Remove a routing rule", security=SECURITY)
def delete_rule(rule_id: int) -> None:
    require_principal(*WRITERS)
    tenant_id = current_tenant().id
    session = current_session()
    rule = session.get(RoutingRule, rule_id)
    if rule is None or rule.tenant_id != tenant_id:
        raise NotFound("No such routing rule.")
    code = session.scalar(select(ReportCategory.code).where(ReportCategory.id == rule.category_id))
    before = _rule_view(rule, code or "", _org_codes(session, tenant_id))
    session.delete(rule)
    _record(session, "report_routing.deleted", f"routing:{code}/{rule.unit_code or '*'}", before)


@blp.route("/admin/reports/routing/resolve")
@blp.arguments(RoutingResolveQuery, location="query")
@blp.response(200, RoutingResolveOut)
@blp.doc(summary="Where a report of a category in a unit would go now", security=SECURITY)
def resolve_route(query: dict[str, Any]) -> dict[str, Any]:
    require_principal(*READERS)
    tenant_id = current_tenant().id
    session = current_session()
    category = _category(session, tenant_id, query["category"])
    org_id = route(session, tenant_id, category, query["unit_code"])
    return {"organization": _org_codes(session, tenant_id).get(org_id) if org_id else None}


# -- boundaries ---------------------------------------------------------------------------------


def _boundary_view(b: UnitBoundary, names: dict[str, str]) -> dict[str, Any]:
    return {
        "unit_code": b.unit_code,
        "name": names.get(b.unit_code, ""),
        "bbox": [b.min_lon, b.min_lat, b.max_lon, b.max_lat],
        "updated_at": b.updated_at,
    }


def _unit_names(session: Session, tenant_id: int) -> dict[str, str]:
    return dict(
        session.execute(
            select(AdministrativeUnit.code, AdministrativeUnit.name).where(
                AdministrativeUnit.tenant_id == tenant_id
            )
        ).all()
    )


def _feature_problems(
    i: int, feature: dict[str, Any], names: dict[str, str], seen: set[str]
) -> dict[str, list[str]]:
    where = f"features[{i}]"
    if feature.get("type") != "Feature":
        return {f"{where}.type": ["Must be 'Feature'."]}
    found: dict[str, list[str]] = {}
    properties = feature.get("properties")
    code = properties.get("code") if isinstance(properties, dict) else None
    if not isinstance(code, str) or not code:
        found[f"{where}.properties.code"] = ["The code of a ward or commune is needed."]
    elif code not in names:
        found[f"{where}.properties.code"] = [f"No ward or commune {code!r} in this province."]
    elif code in seen:
        found[f"{where}.properties.code"] = [f"{code!r} appears twice in this upload."]
    else:
        seen.add(code)
    problems = geo.geometry_problems(feature.get("geometry"))
    if problems:
        found[f"{where}.geometry"] = problems
    return found


@blp.route("/admin/reports/boundaries", methods=["PUT"])
@requires_role(*WRITERS)
@blp.arguments(BoundariesIn)
@blp.response(200, BoundaryOut(many=True))
@blp.doc(
    summary="Load ward and commune outlines",
    description="A GeoJSON FeatureCollection (WGS 84) of Polygon or MultiPolygon features whose "
    "`properties.code` is a unit code. All or nothing: one bad feature changes nothing.",
    security=SECURITY,
)
def put_boundaries(body: dict[str, Any]) -> list[dict[str, Any]]:
    tenant_id = current_tenant().id
    session = current_session()
    names = _unit_names(session, tenant_id)
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, feature in enumerate(body["features"]):
        errors.update(_feature_problems(i, feature, names, seen))
    if errors:
        raise InvalidInput("Some features are invalid; nothing was changed.", errors)
    existing = {
        b.unit_code: b
        for b in session.scalars(
            select(UnitBoundary).where(
                UnitBoundary.tenant_id == tenant_id, UnitBoundary.unit_code.in_(seen)
            )
        )
    }
    saved: list[UnitBoundary] = []
    for feature in body["features"]:
        code, geometry = feature["properties"]["code"], feature["geometry"]
        geometry = {"type": geometry["type"], "coordinates": geometry["coordinates"]}
        min_lat, min_lon, max_lat, max_lon = geo.bounding_box(geometry)
        boundary = existing.get(code)
        before = None
        if boundary is None:
            boundary = UnitBoundary(tenant_id=tenant_id, unit_code=code)
            session.add(boundary)
        else:
            before = {
                "bbox": [boundary.min_lon, boundary.min_lat, boundary.max_lon, boundary.max_lat]
            }
        boundary.geometry = geometry
        boundary.min_lat, boundary.min_lon = min_lat, min_lon
        boundary.max_lat, boundary.max_lon = max_lat, max_lon
        boundary.updated_at = clock.now()
        saved.append(boundary)
        _record(
            session,
            "unit_boundary.set",
            f"boundary:{code}",
            before,
            {"bbox": [min_lon, min_lat, max_lon, max_lat], "type": geometry["type"]},
        )
    session.flush()
    return [_boundary_view(b, names) for b in saved]


@blp.route("/admin/reports/boundaries")
@blp.response(200, BoundaryOut(many=True))
@blp.doc(summary="Units with an outline, and their bounding boxes", security=SECURITY)
def list_boundaries() -> list[dict[str, Any]]:
    require_principal(*READERS)
    tenant_id = current_tenant().id
    session = current_session()
    names = _unit_names(session, tenant_id)
    rows = session.scalars(
        select(UnitBoundary)
        .where(UnitBoundary.tenant_id == tenant_id)
        .order_by(UnitBoundary.unit_code)
    )
    return [_boundary_view(b, names) for b in rows]


@blp.route("/admin/reports/boundaries/locate")
@blp.arguments(BoundaryLocateQuery, location="query")
@blp.response(200, BoundaryLocateOut)
@blp.doc(summary="The unit whose outline holds a point", security=SECURITY)
def locate(query: dict[str, Any]) -> dict[str, Any]:
    require_principal(*READERS)
    tenant_id = current_tenant().id
    return {"unit_code": geo.locate_unit(current_session(), tenant_id, query["lat"], query["lon"])}


def _boundary(session: Session, tenant_id: int, code: str) -> UnitBoundary:
    boundary = session.scalar(
        select(UnitBoundary).where(
            UnitBoundary.tenant_id == tenant_id, UnitBoundary.unit_code == code
        )
    )
    if boundary is None:
        raise NotFound(f"No outline for unit {code!r}.")
    return boundary


@blp.route("/admin/reports/boundaries/<code>")
@blp.doc(summary="A unit's outline as a GeoJSON Feature", security=SECURITY)
def get_boundary(code: str) -> dict[str, Any]:
    require_principal(*READERS)
    tenant_id = current_tenant().id
    session = current_session()
    boundary = _boundary(session, tenant_id, code)
    return {
        "type": "Feature",
        "properties": {"code": code, "name": _unit_names(session, tenant_id).get(code, "")},
        "bbox": [boundary.min_lon, boundary.min_lat, boundary.max_lon, boundary.max_lat],
        "geometry": boundary.geometry,
    }


@blp.route("/admin/reports/boundaries/<code>", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Remove a unit's outline", security=SECURITY)
def delete_boundary(code: str) -> None:
    require_principal(*WRITERS)
    tenant_id = current_tenant().id
    session = current_session()
    boundary = _boundary(session, tenant_id, code)
    before = {"bbox": [boundary.min_lon, boundary.min_lat, boundary.max_lon, boundary.max_lat]}
    session.delete(boundary)
    _record(session, "unit_boundary.deleted", f"boundary:{code}", before)


# -- holidays -----------------------------------------------------------------------------------


def _holiday_view(h: Holiday) -> dict[str, Any]:
    return {"day": h.day, "name": h.name, "name_en": h.name_en, "working": h.working}


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            "Bad date.", {"day": [f"{value!r} is not a date (YYYY-MM-DD)."]}
        ) from exc


@blp.route("/admin/reports/holidays")
@blp.arguments(HolidayYearQuery, location="query")
@blp.response(200, HolidayOut(many=True))
@blp.doc(
    summary="Days off and weekend days worked, in one year (this one by default)",
    security=SECURITY,
)
def list_holidays(query: dict[str, Any]) -> list[Holiday]:
    require_principal(*READERS)
    year = query.get("year") or clock.now().astimezone(ZONE).year
    return list(
        current_session().scalars(
            select(Holiday)
            .where(
                Holiday.tenant_id == current_tenant().id,
                Holiday.day >= date(year, 1, 1),
                Holiday.day <= date(year, 12, 31),
            )
            .order_by(Holiday.day)
        )
    )


@blp.route("/admin/reports/holidays/<day>", methods=["PUT"])
@requires_role(*WRITERS)
@blp.arguments(HolidayIn)
@blp.response(200, HolidayOut)
@blp.doc(
    summary="Mark a day off, or a weekend day worked in compensation (`working`)",
    security=SECURITY,
)
def put_holiday(body: dict[str, Any], day: str) -> dict[str, Any]:
    when = _day(day)
    if body["working"] and when.weekday() < 5:
        raise InvalidInput(
            "Only a weekend day can be worked in compensation.",
            {"working": [f"{when.isoformat()} is a weekday; it is worked anyway."]},
        )
    tenant_id = current_tenant().id
    session = current_session()
    holiday = session.scalar(
        select(Holiday).where(Holiday.tenant_id == tenant_id, Holiday.day == when)
    )
    before = _holiday_view(holiday) if holiday is not None else None
    if holiday is None:
        holiday = Holiday(tenant_id=tenant_id, day=when)
        session.add(holiday)
    holiday.name, holiday.name_en, holiday.working = body["name"], body["name_en"], body["working"]
    session.flush()
    after = _holiday_view(holiday)
    _record(
        session,
        "report_holiday.set",
        f"holiday:{when.isoformat()}",
        _jsonable(before),
        _jsonable(after),
    )
    return after


@blp.route("/admin/reports/holidays/<day>", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Make a day ordinary again", security=SECURITY)
def delete_holiday(day: str) -> None:
    require_principal(*WRITERS)
    when = _day(day)
    tenant_id = current_tenant().id
    session = current_session()
    holiday = session.scalar(
        select(Holiday).where(Holiday.tenant_id == tenant_id, Holiday.day == when)
    )
    if holiday is None:
        raise NotFound(f"{when.isoformat()} is not in the holiday calendar.")
    before = _jsonable(_holiday_view(holiday))
    session.delete(holiday)
    _record(session, "report_holiday.deleted", f"holiday:{when.isoformat()}", before)


def _jsonable(view: dict[str, Any] | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in view.items()}
