"""What the report lifecycle tests share: a category with known deadlines, reports made with
the models (no API), and actors for the seeded users."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sieuapp.core.identity import accounts
from sieuapp.core.identity.models import RoleAssignment, User
from sieuapp.core.reports import lifecycle
from sieuapp.core.reports.access import Actor
from sieuapp.core.reports.models import Report, ReportCategory
from sieuapp.core.tenancy.models import Organization, Tenant
from sieuapp.sdk import Role
from sqlalchemy import select
from sqlalchemy.orm import Session

#: A Monday morning in Huế (09:00 +07): deadlines count from here.
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def tenant_id(session: Session, slug: str = "hue") -> int:
    return session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def org_id(session: Session, code: str, slug: str = "hue") -> int:
    return session.scalar(
        select(Organization.id).where(
            Organization.code == code, Organization.tenant_id == tenant_id(session, slug)
        )
    )


def make_category(
    session: Session,
    code: str = "test-pothole",
    org_code: str | None = "so-xay-dung",
    **fields: Any,
) -> ReportCategory:
    category = ReportCategory(
        tenant_id=tenant_id(session),
        code=code,
        name="Ổ gà thử nghiệm",
        name_en="Test pothole",
        organization_id=org_id(session, org_code) if org_code else None,
        deadline_days=fields.pop("deadline_days", 3),
        reminder_days=fields.pop("reminder_days", 1),
        dispute_days=fields.pop("dispute_days", 7),
        **fields,
    )
    session.add(category)
    session.flush()
    return category


def user_id(platform: Any, role: str) -> str:
    return platform.users[role].id


def actor_for(session: Session, user: str) -> Actor:
    """The actor of the user with id ``user``, as ``access.actor_of`` makes it for a request."""
    row = session.get(User, user)
    assignments = session.execute(
        select(RoleAssignment.role, RoleAssignment.organization_id).where(
            RoleAssignment.user_id == user, RoleAssignment.tenant_id == tenant_id(session)
        )
    ).all()
    return Actor(
        user_id=user,
        label=row.username,
        roles=frozenset({Role.ANONYMOUS.value, Role.CITIZEN.value} | {r for r, _ in assignments}),
        organization_ids=frozenset(o for _, o in assignments if o is not None),
    )


def role_actor(platform: Any, session: Session, role: str) -> Actor:
    return actor_for(session, user_id(platform, role))


def make_member(
    session: Session, username: str, org_code: str, role: str = Role.OFFICIAL.value
) -> str:
    """A new user holding ``role`` in the organization ``org_code`` (a plain citizen: none);
    returns their id."""
    user = accounts.create_user(session, username, None, username.title())
    if role != Role.CITIZEN.value:
        accounts.assign_role(session, user, tenant_id(session), role, org_id(session, org_code))
    session.flush()
    return user.id


def new_report(
    session: Session,
    category: ReportCategory,
    reporter: str | None,
    *,
    anonymous: bool = False,
    description: str = "Ổ gà lớn trước số 12 Lê Lợi",
) -> Report:
    report = Report(
        tenant_id=category.tenant_id,
        category_id=category.id,
        status="submitted",
        channel="app",
        reporter_id=reporter,
        anonymous=anonymous,
        token=secrets.token_hex(16),
        description=description,
        lat=16.4637,
        lon=107.5909,
        organization_id=category.organization_id,
    )
    session.add(report)
    session.flush()
    actor = actor_for(session, reporter) if reporter else Actor(user_id=None, label="hotline")
    lifecycle.open_report(session, report, actor)
    return report


def assigned_report(
    platform: Any, session: Session, category: ReportCategory, reporter: str | None = None
) -> Report:
    """A report taken by the IOC through moderation to its category's organization."""
    report = new_report(session, category, reporter or user_id(platform, Role.CITIZEN))
    ioc = role_actor(platform, session, Role.IOC_OPERATOR)
    lifecycle.transition(session, report, "moderate", ioc)
    lifecycle.transition(session, report, "assign", ioc)
    return report
