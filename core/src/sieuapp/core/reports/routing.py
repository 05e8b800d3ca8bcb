"""Which organization handles a report: the most specific rule that names an active one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tenancy.models import Organization
from .models import ReportCategory, RoutingRule

#: A rule or category pointing nowhere usable falls through to the next, less specific, level.
_FALL_THROUGH = object()


def commune_organization(session: Session, tenant_id: int, unit_code: str | None) -> int | None:
    """The active people's committee governing ``unit_code``."""
    if not unit_code:
        return None
    return session.scalar(
        select(Organization.id)
        .where(
            Organization.tenant_id == tenant_id,
            Organization.kind == "commune",
            Organization.unit_code == unit_code,
            Organization.active.is_(True),
        )
        .order_by(Organization.id)
        .limit(1)
    )


def _active(session: Session, tenant_id: int, organization_id: int | None) -> int | None:
    if organization_id is None:
        return None
    return session.scalar(
        select(Organization.id).where(
            Organization.id == organization_id,
            Organization.tenant_id == tenant_id,
            Organization.active.is_(True),
        )
    )


def _rule_target(
    session: Session, tenant_id: int, rule: RoutingRule, unit_code: str | None
) -> int | None | object:
    if rule.to_commune:
        return commune_organization(session, tenant_id, unit_code) or _FALL_THROUGH
    if rule.organization_id is None:
        # A rule naming nobody is an admin's explicit "the IOC decides here".
        return None
    return _active(session, tenant_id, rule.organization_id) or _FALL_THROUGH


def route(
    session: Session, tenant_id: int, category: ReportCategory, unit_code: str | None
) -> int | None:
    """The organization for a report of ``category`` in ``unit_code``, or None for the IOC.

    In order: the category's rule for that unit, its province-wide rule, the commune's committee
    when the category goes to communes, the category's own organization. Inactive organizations
    (and communes without a committee) are passed over."""
    rules = {
        rule.unit_code: rule
        for rule in session.scalars(
            select(RoutingRule).where(
                RoutingRule.tenant_id == tenant_id, RoutingRule.category_id == category.id
            )
        )
    }
    for key in (unit_code, None) if unit_code else (None,):
        rule = rules.get(key)
        if rule is None:
            continue
        target = _rule_target(session, tenant_id, rule, unit_code)
        if target is not _FALL_THROUGH:
            return target  # type: ignore[return-value]
    if category.route_to_commune:
        commune = commune_organization(session, tenant_id, unit_code)
        if commune is not None:
            return commune
    return _active(session, tenant_id, category.organization_id)
