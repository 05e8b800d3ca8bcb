"""What citizens may report here: the active categories and the questions each asks."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk.errors import NotFound
from sqlalchemy import select

from ..db import current_session
from ..tenancy.context import current_tenant
from ..text import fold
from ..web.i18n import request_language
from .catalog import category_attributes, category_view, find_category
from .models import ReportAttribute, ReportCategory

blp = Blueprint(
    "reports_catalog",
    __name__,
    url_prefix="/api/v1",
    description="Report categories and their questions (texts in the Accept-Language)",
)


class CatalogQuery(Schema):
    q = fields.String(
        validate=validate.Length(max=100), metadata={"description": "accents optional"}
    )


class CatalogChoiceOut(Schema):
    key = fields.String()
    name = fields.String()
    name_vi = fields.String()
    name_en = fields.String()


class CatalogQuestionOut(Schema):
    code = fields.String()
    datatype = fields.String()
    required = fields.Boolean()
    variable = fields.Boolean()
    order = fields.Integer()
    description = fields.String()
    description_vi = fields.String()
    description_en = fields.String()
    datatype_description = fields.String()
    values = fields.List(fields.Nested(CatalogChoiceOut))


class CatalogCategoryOut(Schema):
    code = fields.String()
    name = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    description = fields.String()
    group = fields.String()
    keywords = fields.List(fields.String())
    source = fields.String()
    deadline_days = fields.Integer(metadata={"description": "working days to handle it"})
    duplicate_radius_m = fields.Integer()
    questions = fields.List(fields.Nested(CatalogQuestionOut))


@blp.route("/reports/categories")
@blp.arguments(CatalogQuery, location="query")
@blp.response(200, CatalogCategoryOut(many=True))
@blp.doc(summary="What can be reported, with the questions each category asks")
def categories(query: dict[str, Any]) -> list[dict[str, Any]]:
    session = current_session()
    condition = [ReportCategory.tenant_id == current_tenant().id, ReportCategory.active.is_(True)]
    for word in fold(query.get("q") or "").split():
        condition.append(ReportCategory.search_name.contains(word, autoescape=True))
    rows = session.scalars(
        select(ReportCategory)
        .where(*condition)
        .order_by(ReportCategory.group_name, ReportCategory.name)
    ).all()
    by_category: dict[int, list[ReportAttribute]] = {c.id: [] for c in rows}
    if by_category:
        for attribute in session.scalars(
            select(ReportAttribute).where(ReportAttribute.category_id.in_(by_category))
        ):
            by_category[attribute.category_id].append(attribute)
    language = request_language()
    return [category_view(c, by_category[c.id], language) for c in rows]


@blp.route("/reports/categories/<code>")
@blp.response(200, CatalogCategoryOut)
@blp.doc(summary="One category and its questions")
def category(code: str) -> dict[str, Any]:
    session = current_session()
    found = find_category(session, current_tenant().id, code)
    if found is None:
        raise NotFound(f"No report category {code!r}.")
    return category_view(found, category_attributes(session, found.id), request_language())
