"""Who may see and act on a report.

Acting and seeing differ on purpose: the members of the organization a report is routed to
(and the IOC) act on it; the members of the organizations above it (its supervisors) see it in
their queue but do not act, so that one organization answers for each step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sieuapp.sdk import Role
from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from ..tenancy.models import Organization
from .models import Report, ReportFollower

if TYPE_CHECKING:
    from ..identity.principal import Principal

#: Roles that triage the whole tenant's reports.
IOC_ROLES = frozenset({Role.IOC_OPERATOR.value, Role.PROVINCE_ADMIN.value})
#: Reports the IOC has not yet sent on: the organization routing proposes does not see them,
#: since the IOC may moderate them away, merge them or send them elsewhere.
AWAITING_IOC = ("submitted", "moderated")
#: The role of the sweep (reminders, escalations, closing unrated reports); no user holds it.
PLATFORM_ROLE = "platform"


@dataclass(frozen=True)
class Actor:
    """Whoever takes a step on a report: a user, a plugin, an Open311 partner or the platform.

    ``organization_ids`` are the organizations the actor acts in: for a user, those they hold a
    role in; for a plugin or a partner system, those it serves (the caller checked that)."""

    user_id: str | None
    label: str
    roles: frozenset[str] = frozenset()
    organization_ids: frozenset[int] = frozenset()
    plugin_id: str | None = None
    open311_client_id: int | None = None

    @classmethod
    def platform(cls) -> Actor:
        return cls(user_id=None, label="platform", roles=frozenset({PLATFORM_ROLE}))

    @property
    def is_platform(self) -> bool:
        return (
            PLATFORM_ROLE in self.roles
            and self.user_id is None
            and self.plugin_id is None
            and self.open311_client_id is None
        )


def actor_of(principal: Principal) -> Actor:
    """The actor for a signed-in caller; an agent acting under a delegation acts as the citizen
    (the audit log names the agent, see ``audit.log.record``)."""
    return Actor(
        user_id=principal.user_id,
        label=principal.username,
        roles=frozenset(principal.roles),
        organization_ids=frozenset(org for _, org in principal.organizations),
    )


def _direct_org_ids(who: Any) -> frozenset[int]:
    if isinstance(who, Actor):
        return who.organization_ids
    return frozenset(org for _, org in getattr(who, "organizations", ()))


def handled_org_ids(session: Session, principal_or_actor: Any) -> set[int]:
    """The organizations whose reports the caller sees: those it is in and every one below them."""
    direct = set(_direct_org_ids(principal_or_actor))
    if not direct:
        return set()
    tenant_ids = set(
        session.scalars(select(Organization.tenant_id).where(Organization.id.in_(direct)))
    )
    if not tenant_ids:
        return set()
    children: dict[int, list[int]] = {}
    rows = session.execute(
        select(Organization.id, Organization.parent_id).where(
            Organization.tenant_id.in_(tenant_ids), Organization.parent_id.is_not(None)
        )
    )
    for org_id, parent_id in rows:
        children.setdefault(parent_id, []).append(org_id)
    seen = set(direct)
    stack = list(direct)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def is_ioc(actor: Actor) -> bool:
    return bool(actor.roles & IOC_ROLES)


def is_reporter(actor: Actor, report: Report) -> bool:
    return actor.user_id is not None and actor.user_id == report.reporter_id


def is_handler(actor: Actor, report: Report) -> bool:
    """A member of the organization the report is with now (not of one above it)."""
    return report.organization_id is not None and report.organization_id in actor.organization_ids


def can_view(session: Session, actor: Actor, report: Report) -> bool:
    if actor.is_platform or is_ioc(actor) or is_reporter(actor, report):
        return True
    if (
        report.organization_id is not None
        and report.status not in AWAITING_IOC
        and report.organization_id in handled_org_ids(session, actor)
    ):
        return True
    if actor.user_id is None:
        return False
    follows = session.get(ReportFollower, (report.id, actor.user_id))
    return follows is not None


def may_see_reporter(actor: Actor, report: Report) -> bool:
    """Whether ``actor``, who may view ``report`` (``can_view``), may see who reported it.

    An anonymous reporter is known to the IOC only (and to themselves): not to the public, and
    not to the handling organization, which answers through the platform."""
    if actor.is_platform or is_ioc(actor) or is_reporter(actor, report):
        return True
    if report.anonymous:
        return False
    return bool(actor.organization_ids) or actor.plugin_id is not None


def queue_condition(session: Session, actor: Actor, tenant_id: int) -> ColumnElement[bool]:
    """Where-clause for the reports ``actor`` may list as an official, partner or the IOC:
    the IOC sees the tenant's reports, others those routed to their organizations or below."""
    tenant = Report.tenant_id == tenant_id
    if actor.is_platform or is_ioc(actor):
        return tenant & true()
    orgs = handled_org_ids(session, actor)
    if not orgs:
        return tenant & false()
    return tenant & Report.organization_id.in_(sorted(orgs)) & Report.status.not_in(AWAITING_IOC)
