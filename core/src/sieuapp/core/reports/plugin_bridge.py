"""Where plugins meet the report pipeline: the categories they contribute, the reports routed to
the organizations those categories name, and what a plugin sees of a report.

A plugin's categories are rows like the core's, with ``source`` = the plugin id. They are
synchronised from its ``report_categories`` hook when the module is enabled or reconfigured for a
tenant, and deactivated (never deleted: reports point at them) when it is disabled. A category
that is invalid, names an organization the tenant does not have, or takes a code the core or
another plugin owns is not stored; the reason, naming the plugin and the hook, is counted against
the plugin like any failed hook, logged, and audited, and the plugin's other categories are
stored all the same. An unknown organization is not sent to the IOC instead: the plugin means its
partner to handle these reports and would never hear of them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sieuapp.sdk import ReportCategory as CategorySpec
from sieuapp.sdk import ReportInfo, ReportQuestion
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..audit.log import record as audit
from ..db import current_session
from ..plugins._acting import acting_for, savepoint_safe
from ..plugins._containment import Failure, note_outcome
from ..plugins._host import HookFailed
from ..plugins._loader import implements
from ..plugins.models import ModuleState
from ..plugins.task_calls import call_from_task, states_in
from ..tasks.outbox import enqueue
from ..tenancy.context import TenantContext, load_tenant_by_id
from ..tenancy.models import Organization
from .catalog import keywords_text, search_name
from .models import Report, ReportAttribute, ReportCategory

if TYPE_CHECKING:
    from .._runtime import Runtime

log = logging.getLogger("sieuapp.reports")

CATEGORIES_HOOK = "report_categories"
ROUTED_HOOK = "report_routed"
#: The outbox task that tells one plugin of one report routed to an organization it serves.
ROUTED_TASK = "reports.plugin_routed"


# -- acting for a tenant -------------------------------------------------------------------------


# -- categories ----------------------------------------------------------------------------------


def served_org_ids(session: Session, tenant_id: int, plugin_id: str) -> set[int]:
    """The organizations the plugin's active categories name in the tenant."""
    return set(
        session.scalars(
            select(ReportCategory.organization_id).where(
                ReportCategory.tenant_id == tenant_id,
                ReportCategory.source == plugin_id,
                ReportCategory.active.is_(True),
                ReportCategory.organization_id.is_not(None),
            )
        )
    )


def _active_count(session: Session, tenant_id: int, plugin_id: str) -> int:
    return len(
        session.scalars(
            select(ReportCategory.id).where(
                ReportCategory.tenant_id == tenant_id,
                ReportCategory.source == plugin_id,
                ReportCategory.active.is_(True),
            )
        ).all()
    )


def _ask_categories(
    runtime: Runtime, session: Session, tenant: TenantContext, plugin_id: str
) -> list[Any] | None:
    """The hook's answer, or None when it failed (the host recorded why)."""
    # The caller's pending changes first: on SQLite they open the transaction the savepoint
    # needs, and the plugin must see them.
    session.flush()
    savepoint = session.begin_nested() if savepoint_safe(session) else None
    with acting_for(tenant, states_in(session, tenant.id)):
        try:
            answer = runtime.host.call(plugin_id, CATEGORIES_HOOK, tenant.id, tenant=tenant.info())
        except HookFailed:
            if savepoint is not None:
                savepoint.rollback()
            return None
    if savepoint is not None:
        savepoint.commit()
    # None is a forgotten ``return`` far more often than "no categories": changing nothing
    # keeps a slip from deactivating them all.
    if isinstance(answer, str | bytes) or not isinstance(answer, Sequence):
        _record_problems(
            runtime,
            tenant.id,
            plugin_id,
            [f"returned {type(answer).__name__}, not a list of sieuapp.sdk.ReportCategory"],
        )
        return None
    return list(answer)


def _record_problems(runtime: Runtime, tenant_id: int, plugin_id: str, problems: list[str]) -> None:
    note_outcome(
        runtime.sessionmaker,
        runtime.settings.plugin_failure_limit,
        Failure(tenant_id, plugin_id, CATEGORIES_HOOK, "; ".join(problems)),
    )


def sync_plugin_categories(
    runtime: Runtime, session: Session, tenant_id: int, plugin_id: str
) -> int:
    """Store the categories the plugin's ``report_categories`` hook returns for the tenant and
    deactivate those it no longer returns; returns how many of its categories are active.

    A hook that raises changes nothing. Problems never raise: switching a module on must not
    fail because one of its categories is wrong."""
    tenant = load_tenant_by_id(tenant_id)
    if tenant is None or runtime.host.manifest(plugin_id) is None:
        return 0
    if implements(runtime.host.pm, plugin_id, CATEGORIES_HOOK):
        answer = _ask_categories(runtime, session, tenant, plugin_id)
        if answer is None:
            return _active_count(session, tenant_id, plugin_id)
    else:
        answer = []

    problems: list[str] = []
    valid = _valid_specs(session, tenant_id, plugin_id, answer, problems)
    existing = {
        row.code: row
        for row in session.scalars(
            select(ReportCategory).where(
                ReportCategory.tenant_id == tenant_id, ReportCategory.source == plugin_id
            )
        )
    }
    added, changed, deactivated = [], [], []
    for spec, organization_id in valid:
        row = existing.get(spec.code)
        if row is None:
            row = ReportCategory(tenant_id=tenant_id, code=spec.code, source=plugin_id)
            session.add(row)
            added.append(spec.code)
        if _apply_spec(row, spec, organization_id):
            changed.append(spec.code)
        session.flush()
        _sync_attributes(session, row, spec.questions)
    kept = {spec.code for spec, _ in valid}
    for code, row in existing.items():
        if code not in kept and row.active:
            row.active = False
            deactivated.append(code)

    if problems:
        log.error("plugin %r: %s", plugin_id, "; ".join(problems))
        _record_problems(runtime, tenant_id, plugin_id, problems)
    if added or changed or deactivated or problems:
        audit(
            session,
            "reports.plugin_categories",
            tenant_id=tenant_id,
            target=plugin_id,
            after={
                "added": added,
                "changed": [c for c in changed if c not in added],
                "deactivated": deactivated,
                "problems": problems,
            },
            plugin_id=plugin_id,
        )
    session.flush()
    return len(kept)


def _valid_specs(
    session: Session, tenant_id: int, plugin_id: str, answer: list[Any], problems: list[str]
) -> list[tuple[CategorySpec, int | None]]:
    """The categories that can be stored, each with its organization's id; the reasons the
    others cannot go to ``problems``."""
    orgs = {
        code: org_id
        for code, org_id in session.execute(
            select(Organization.code, Organization.id).where(
                Organization.tenant_id == tenant_id, Organization.active.is_(True)
            )
        )
    }
    owners = dict(
        session.execute(
            select(ReportCategory.code, ReportCategory.source).where(
                ReportCategory.tenant_id == tenant_id, ReportCategory.source != plugin_id
            )
        ).all()
    )
    found: list[tuple[CategorySpec, int | None]] = []
    seen: set[str] = set()
    for i, spec in enumerate(answer):
        where = f"category[{i}]"
        if not isinstance(spec, CategorySpec):
            problems.append(f"{where}: must be sieuapp.sdk.ReportCategory, got {spec!r}")
            continue
        where = f"category[{i}] {spec.code!r}"
        own = spec.problems(where)
        if own:
            problems.extend(own)
            continue
        if spec.code in seen:
            problems.append(f"{where}.code: returned twice")
            continue
        seen.add(spec.code)
        owner = owners.get(spec.code)
        if owner is not None:
            holder = "the core catalog" if owner == "core" else f"plugin {owner!r}"
            problems.append(
                f"{where}.code: {spec.code!r} is already used by {holder}; plugin "
                f"{plugin_id!r} cannot take it"
            )
            continue
        organization_id = None
        if spec.organization is not None:
            organization_id = orgs.get(spec.organization)
            if organization_id is None:
                problems.append(
                    f"{where}.organization: this tenant has no organization {spec.organization!r}"
                )
                continue
        found.append((spec, organization_id))
    return found


def _apply_spec(row: ReportCategory, spec: CategorySpec, organization_id: int | None) -> bool:
    """Write ``spec`` onto ``row``; whether anything changed."""
    keywords = keywords_text(spec.keywords)
    group = spec.group
    values: dict[str, Any] = {
        "name": spec.name.vi,
        "name_en": spec.name.en,
        "description": spec.description.vi,
        "description_en": spec.description.en,
        "group_name": group.vi if group is not None else "",
        "group_name_en": group.en if group is not None else "",
        "keywords": keywords,
        "organization_id": organization_id,
        # The plugin names the organization; routing by commune is the core catalog's.
        "route_to_commune": False,
        "deadline_days": spec.deadline_days,
        "duplicate_radius_m": spec.duplicate_radius_m,
        "active": True,
        "search_name": search_name(spec.name.vi, spec.name.en, keywords),
    }
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _sync_attributes(
    session: Session, category: ReportCategory, questions: Sequence[ReportQuestion]
) -> None:
    existing = {
        row.code: row
        for row in session.scalars(
            select(ReportAttribute).where(ReportAttribute.category_id == category.id)
        )
    }
    wanted = {q.code for q in questions}
    # Answers already given stay in the reports' own ``attributes``; the question can go.
    for code, row in existing.items():
        if code not in wanted:
            session.delete(row)
    for order, question in enumerate(questions, start=1):
        row = existing.get(question.code)
        if row is None:
            row = ReportAttribute(category_id=category.id, code=question.code)
            session.add(row)
        row.datatype = question.datatype
        row.required = question.required
        row.variable = question.variable
        row.order = order
        row.description = question.description.vi
        row.description_en = question.description.en
        row.datatype_description = ""
        row.values = [
            {"key": c.key, "name": c.name.vi, "name_en": c.name.en} for c in question.choices
        ]
    session.flush()


def retire_plugin_categories(session: Session, tenant_id: int, plugin_id: str) -> int:
    """Deactivate the plugin's categories in the tenant (their reports stay); how many were
    active."""
    result = session.execute(
        update(ReportCategory)
        .where(
            ReportCategory.tenant_id == tenant_id,
            ReportCategory.source == plugin_id,
            ReportCategory.active.is_(True),
        )
        .values(active=False)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


# -- reports -------------------------------------------------------------------------------------


def report_info(session: Session, report: Report) -> ReportInfo:
    """The report as a plugin sees it: what the handler needs, never who reported it."""
    category = session.get(ReportCategory, report.category_id)
    organization = (
        session.get(Organization, report.organization_id)
        if report.organization_id is not None
        else None
    )
    return ReportInfo(
        id=report.id,
        category=category.code if category is not None else "",
        status=report.status,
        description=report.description,
        organization=organization.code if organization is not None else None,
        submitted_at=report.submitted_at,
        lat=report.lat,
        lon=report.lon,
        address=report.address,
        unit_code=report.unit_code,
        deadline_at=report.deadline_at,
        answer=report.answer,
        attributes=dict(report.attributes or {}),
    )


def serving_plugins(session: Session, report: Report) -> list[str]:
    """Plugins enabled in the report's tenant whose active categories name its organization."""
    if report.organization_id is None:
        return []
    return sorted(
        session.scalars(
            select(ReportCategory.source)
            .join(
                ModuleState,
                (ModuleState.tenant_id == ReportCategory.tenant_id)
                & (ModuleState.plugin_id == ReportCategory.source),
            )
            .where(
                ReportCategory.tenant_id == report.tenant_id,
                ReportCategory.active.is_(True),
                ReportCategory.organization_id == report.organization_id,
                ModuleState.enabled.is_(True),
            )
            .distinct()
        )
    )


def report_routed(session: Session, report: Report) -> None:
    """Queue, for each plugin serving the report's organization, the task that tells it; the
    task runs after this transaction commits, so a plugin never hears of a routing undone."""
    host = runtime_of().host
    for plugin_id in serving_plugins(session, report):
        if host.manifest(plugin_id) is None or not implements(host.pm, plugin_id, ROUTED_HOOK):
            continue
        enqueue(
            session,
            ROUTED_TASK,
            {
                "report_id": report.id,
                "plugin_id": plugin_id,
                "organization_id": report.organization_id,
            },
            tenant_id=report.tenant_id,
        )


def run_plugin_routed(payload: dict[str, Any]) -> None:
    """Outbox task: call one plugin's ``report_routed`` for one report; raising makes the outbox
    retry with back-off."""
    session = current_session()
    plugin_id = payload["plugin_id"]
    report = session.get(Report, payload["report_id"])
    if report is None:
        return
    tenant = load_tenant_by_id(report.tenant_id)
    if tenant is None:
        return

    def still_routed() -> bool:
        # Re-routed meanwhile: the organization it went to is no longer this plugin's.
        return report.organization_id in served_org_ids(session, tenant.id, plugin_id)

    call_from_task(
        session,
        tenant,
        plugin_id,
        ROUTED_HOOK,
        still_routed,
        report=report_info(session, report),
    )


def register_tasks(runtime: Runtime) -> None:
    runtime.task_registry.register(ROUTED_TASK, run_plugin_routed)
