from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sieuapp.sdk import Role
from sieuapp.sdk.errors import Conflict, InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..audit.log import record as audit
from ..db import current_session
from ..identity.principal import require_principal
from ..text import fold
from .context import current_tenant
from .models import AdministrativeUnit, Organization, Tenant

blp = Blueprint("tenancy", __name__, url_prefix="/api/v1", description="The province and its units")

ORG_KINDS = ("agency", "ioc", "commune", "partner")


class TenantOut(Schema):
    slug = fields.String()
    name = fields.String()
    name_en = fields.String()
    province_code = fields.Integer(allow_none=True)


class UnitQuery(Schema):
    q = fields.String(
        validate=validate.Length(max=100), metadata={"description": "accents optional"}
    )
    kind = fields.String(validate=validate.OneOf(["phuong", "xa", "dac_khu"]))


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class OrganizationQuery(Schema):
    kind = fields.String(validate=validate.OneOf(ORG_KINDS))


class OrganizationOut(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String()
    name = fields.String()
    name_en = fields.String()
    parent = fields.String(allow_none=True)
    unit_code = fields.String(allow_none=True)


class OrganizationIn(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_.-]{1,63}$"))
    kind = fields.String(required=True, validate=validate.OneOf(ORG_KINDS))
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    name_en = fields.String(load_default="", validate=validate.Length(max=200))
    parent = fields.String(load_default=None)
    unit_code = fields.String(load_default=None)


@blp.route("/tenant")
@blp.response(200, TenantOut)
@blp.doc(summary="The province this host serves")
def tenant_info() -> Tenant | None:
    return current_session().get(Tenant, current_tenant().id)


@blp.route("/tenant/units")
@blp.arguments(UnitQuery, location="query")
@blp.response(200, UnitOut(many=True))
@blp.doc(summary="Wards and communes; 'q' matches with or without Vietnamese accents")
def units(query: dict[str, Any]) -> Any:
    condition = [AdministrativeUnit.tenant_id == current_tenant().id]
    if query.get("q"):
        condition.append(AdministrativeUnit.search_name.contains(fold(query["q"])))
    if query.get("kind"):
        condition.append(AdministrativeUnit.kind == query["kind"])
    return (
        current_session()
        .scalars(select(AdministrativeUnit).where(*condition).order_by(AdministrativeUnit.name))
        .all()
    )


def _org_view(org: Organization, parent_code: str | None) -> dict[str, Any]:
    return {
        "id": org.id,
        "code": org.code,
        "kind": org.kind,
        "name": org.name,
        "name_en": org.name_en,
        "parent": parent_code,
        "unit_code": org.unit_code,
    }


@blp.route("/tenant/organizations")
@blp.arguments(OrganizationQuery, location="query")
@blp.response(200, OrganizationOut(many=True))
@blp.doc(summary="Agencies, the IOC, commune committees and partner companies")
def organizations(query: dict[str, Any]) -> list[dict[str, Any]]:
    condition = [Organization.tenant_id == current_tenant().id, Organization.active.is_(True)]
    if query.get("kind"):
        condition.append(Organization.kind == query["kind"])
    parent = aliased(Organization)
    rows = current_session().execute(
        select(Organization, parent.code)
        .outerjoin(parent, parent.id == Organization.parent_id)
        .where(*condition)
        .order_by(Organization.name)
    )
    return [_org_view(org, parent_code) for org, parent_code in rows]


@blp.route("/admin/organizations", methods=["POST"])
@blp.arguments(OrganizationIn)
@blp.response(201, OrganizationOut)
@blp.doc(summary="Add an organization to this tenant", security=[{"bearer": []}])
def create_organization(body: dict[str, Any]) -> dict[str, Any]:
    admin = require_principal(Role.PROVINCE_ADMIN.value)
    tenant = current_tenant()
    session = current_session()
    if session.scalar(
        select(Organization.id).where(
            Organization.tenant_id == tenant.id, Organization.code == body["code"]
        )
    ):
        raise Conflict("This code is used already.", {"code": ["Already used in this tenant."]})
    parent_id = None
    if body["parent"]:
        parent_id = session.scalar(
            select(Organization.id).where(
                Organization.tenant_id == tenant.id, Organization.code == body["parent"]
            )
        )
        if parent_id is None:
            raise InvalidInput(
                "Unknown parent.", {"parent": [f"No organization {body['parent']!r}."]}
            )
    if body["unit_code"] and not session.scalar(
        select(AdministrativeUnit.id).where(
            AdministrativeUnit.tenant_id == tenant.id, AdministrativeUnit.code == body["unit_code"]
        )
    ):
        raise InvalidInput(
            "Unknown unit.", {"unit_code": [f"No ward or commune {body['unit_code']!r}."]}
        )
    org = Organization(
        tenant_id=tenant.id,
        code=body["code"],
        kind=body["kind"],
        name=body["name"],
        name_en=body["name_en"],
        parent_id=parent_id,
        unit_code=body["unit_code"],
    )
    session.add(org)
    session.flush()
    view = _org_view(org, body["parent"] if parent_id else None)
    audit(
        session,
        "organization.created",
        tenant_id=tenant.id,
        actor_id=admin.user_id,
        actor_label=admin.username,
        target=org.code,
        after=view,
    )
    return view
