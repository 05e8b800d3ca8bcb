"""The report state machine: which step may be taken from which state, by whom.

Every step writes a ``ReportEvent`` (the report's public and internal history), an audit entry
``report.<action>`` and, when the status changes, a notification to the report's followers.

Who acts:

* ``ioc`` — the IOC (``ioc_operator``, ``province_admin``): triage, routing, moderation, merging;
  the IOC may also take a handler's steps, standing in for an organization.
* ``handler`` — a member of the organization the report is with now, or a plugin or partner
  system serving it. Members of the organizations above it (supervisors) see the report but do
  not act on it, so that exactly one organization answers for each step.
* ``reporter`` — the citizen who reported it (or an agent acting for them).
* ``platform`` — the deadline sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sieuapp.sdk import LocalizedText, Role
from sieuapp.sdk.errors import Conflict, Forbidden, InvalidInput
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..audit.log import record as audit
from ..clock import ZONE
from ..identity.models import RoleAssignment
from ..notifications.service import notify_many
from ..notifications.templates import render
from ..tenancy.models import Organization
from .access import Actor, is_handler, is_ioc, is_reporter
from .models import Report, ReportCategory, ReportEvent, ReportFollower

STATES: tuple[str, ...] = (
    "submitted",
    "moderated",
    "assigned",
    "in_progress",
    "info_requested",
    "resolved",
    "rejected",
    "closed",
    "merged",
    "dismissed",
)
FINAL_STATES = frozenset({"resolved", "closed", "merged", "dismissed"})
OPEN_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in FINAL_STATES)
#: States in which a report is with an organization and its deadline runs.
HANDLING_STATES: tuple[str, ...] = ("assigned", "in_progress", "info_requested")
RATINGS: tuple[str, ...] = ("satisfied", "accepted", "not_satisfied")
NOTE_MAX = 4000

IOC, HANDLER, REPORTER, PLATFORM = "ioc", "handler", "reporter", "platform"


@dataclass(frozen=True)
class Rule:
    #: States the action may be taken from; None for any state.
    sources: frozenset[str] | None
    #: The state it leads to; None when the status does not change.
    target: str | None
    who: frozenset[str]
    #: The note is required (named ``note`` in the error).
    note: bool = False
    #: Whether the event is shown in the public feed and Open311 updates unless told otherwise.
    public: bool = True


def _rule(
    sources: tuple[str, ...] | None,
    target: str | None,
    who: tuple[str, ...],
    *,
    note: bool = False,
    public: bool = True,
) -> Rule:
    return Rule(
        frozenset(sources) if sources is not None else None, target, frozenset(who), note, public
    )


TRANSITIONS: dict[str, Rule] = {
    "moderate": _rule(("submitted",), "moderated", (IOC,)),
    "dismiss": _rule(("submitted", "moderated", "rejected"), "dismissed", (IOC,), note=True),
    # The IOC re-routes a report from wherever it is being handled too: history keeps each
    # assignment as its own event.
    "assign": _rule(("moderated", "rejected", *HANDLING_STATES), "assigned", (IOC,)),
    "start": _rule(("assigned",), "in_progress", (HANDLER, IOC)),
    # The question and the answer may carry personal details: not public.
    "request_info": _rule(
        ("assigned", "in_progress"), "info_requested", (HANDLER, IOC), note=True, public=False
    ),
    "provide_info": _rule(("info_requested",), "in_progress", (REPORTER,), note=True, public=False),
    "resolve": _rule(HANDLING_STATES, "resolved", (HANDLER, IOC), note=True),
    # Between the organization and the IOC: why it is not theirs.
    "reject": _rule(HANDLING_STATES, "rejected", (HANDLER, IOC), note=True, public=False),
    "rate": _rule(("resolved",), "closed", (REPORTER,)),
    "close": _rule(("resolved",), "closed", (IOC, PLATFORM)),
    "dispute": _rule(("closed",), "assigned", (REPORTER,), note=True, public=False),
    "merge": _rule(OPEN_STATES, "merged", (IOC,)),
    "comment": _rule(None, None, (HANDLER, IOC, REPORTER), note=True, public=False),
    "remind": _rule(HANDLING_STATES, None, (PLATFORM,), public=False),
    "escalate": _rule(HANDLING_STATES, None, (PLATFORM,), public=False),
}
#: ``submitted`` is the event ``open_report`` writes; the others are ``transition``'s actions.
ACTIONS: tuple[str, ...] = ("submitted", *TRANSITIONS)

STATUS_TEXT: dict[str, LocalizedText] = {
    "submitted": LocalizedText("Đã tiếp nhận", "Received"),
    "moderated": LocalizedText("Đã kiểm duyệt", "Moderated"),
    "assigned": LocalizedText("Đã chuyển đơn vị xử lý", "Assigned to an organization"),
    "in_progress": LocalizedText("Đang xử lý", "In progress"),
    "info_requested": LocalizedText("Cần bổ sung thông tin", "More information needed"),
    "resolved": LocalizedText("Đã xử lý", "Resolved"),
    "rejected": LocalizedText("Đang chuyển lại đơn vị khác", "Being re-routed"),
    "closed": LocalizedText("Đã đóng", "Closed"),
    "merged": LocalizedText("Đã gộp vào phản ánh khác", "Merged into another report"),
    "dismissed": LocalizedText("Không xử lý", "Dismissed"),
}

NOT_ALLOWED = LocalizedText(
    "Bạn không có quyền thực hiện bước này với phản ánh.",
    "You may not take this step on this report.",
)
NOTE_REQUIRED = LocalizedText("Hãy nhập nội dung.", "Enter a note.")


def report_link(report: Report) -> str:
    return f"/api/v1/reports/{report.id}"


# -- opening -----------------------------------------------------------------------------------


def open_report(session: Session, report: Report, actor: Actor) -> ReportEvent:
    """Record a report just added and flushed: its first event, its reporter as follower."""
    now = clock.now()
    event = ReportEvent(
        report_id=report.id,
        tenant_id=report.tenant_id,
        at=now,
        action="submitted",
        from_status=None,
        to_status=report.status,
        actor_id=actor.user_id,
        actor_label=actor.label[:120],
        plugin_id=actor.plugin_id,
        organization_id=report.organization_id,
        public=True,
        open311_client_id=actor.open311_client_id,
        data={"channel": report.channel},
    )
    session.add(event)
    if report.reporter_id and session.get(ReportFollower, (report.id, report.reporter_id)) is None:
        session.add(ReportFollower(report_id=report.id, user_id=report.reporter_id, created_at=now))
    audit(
        session,
        "report.submitted",
        tenant_id=report.tenant_id,
        actor_id=actor.user_id,
        actor_label=actor.label,
        target=f"report:{report.id}",
        after={"status": report.status, "channel": report.channel},
        plugin_id=actor.plugin_id,
    )
    if report.reporter_id:
        notify_many(
            session,
            report.tenant_id,
            [report.reporter_id],
            "report.submitted",
            *render(session, report.tenant_id, "report.submitted", {"number": report.id}),
            report_link(report),
            {"report_id": report.id, "status": report.status},
        )
    session.flush()
    return event


# -- transitions -------------------------------------------------------------------------------


def _kinds(actor: Actor, report: Report) -> set[str]:
    kinds: set[str] = set()
    if actor.is_platform:
        kinds.add(PLATFORM)
    if is_ioc(actor):
        kinds.add(IOC)
    if is_handler(actor, report):
        kinds.add(HANDLER)
    if is_reporter(actor, report):
        kinds.add(REPORTER)
    return kinds


def _conflict(report: Report, action: str) -> Conflict:
    return Conflict(
        f"A report that is '{report.status}' cannot take the step '{action}'.",
        {"status": [report.status]},
    )


def _clean_note(note: str | None, required: bool) -> str | None:
    text = (note or "").strip()
    if required and not text:
        raise InvalidInput(NOTE_REQUIRED.en, {"note": [NOTE_REQUIRED.en]})
    if len(text) > NOTE_MAX:
        raise InvalidInput("The note is too long.", {"note": [f"At most {NOTE_MAX} characters."]})
    return text or None


def transition(
    session: Session,
    report: Report,
    action: str,
    actor: Actor,
    *,
    note: str | None = None,
    organization_id: int | None = None,
    rating: str | None = None,
    public: bool | None = None,
    into: Report | None = None,
    external_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> ReportEvent:
    """Take ``action`` on ``report`` for ``actor``; flushed, so that a concurrent change made
    since the report was read is refused here (``Conflict``) rather than at commit."""
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise InvalidInput(
            f"Unknown action '{action}'.", {"action": [f"One of {', '.join(TRANSITIONS)}."]}
        )
    if not _kinds(actor, report) & rule.who:
        raise Forbidden(
            NOT_ALLOWED.en, {"action": [f"'{action}' needs: {', '.join(sorted(rule.who))}."]}
        )
    if rule.sources is not None and report.status not in rule.sources:
        raise _conflict(report, action)
    text = _clean_note(note, rule.note)
    try:
        return _apply(
            session,
            report,
            action,
            rule,
            actor,
            note=text,
            organization_id=organization_id,
            rating=rating,
            public=public,
            into=into,
            external_id=external_id,
            data=dict(data or {}),
        )
    except StaleDataError as exc:
        raise Conflict(
            "The report was changed by someone else meanwhile; reload it and try again.",
            {"version": ["The report changed since it was read."]},
        ) from exc


def _apply(
    session: Session,
    report: Report,
    action: str,
    rule: Rule,
    actor: Actor,
    *,
    note: str | None,
    organization_id: int | None,
    rating: str | None,
    public: bool | None,
    into: Report | None,
    external_id: str | None,
    data: dict[str, Any],
) -> ReportEvent:
    now = clock.now()
    before_status = report.status
    before_org = report.organization_id
    target = rule.target or report.status
    category = session.get(ReportCategory, report.category_id)
    routed = False
    event_org: int | None = None

    # One UPDATE per step: a query in the middle must not flush half of it (and bump the
    # version twice).
    with session.no_autoflush:
        if action == "moderate":
            report.public = public is not False
            report.moderated_at = now
        elif action == "assign":
            org_id = _assignee(session, report, category, organization_id)
            data.setdefault("previous_organization_id", before_org)
            _assign(session, report, category, org_id, now)
            routed = True
        elif action == "resolve":
            report.answer = note
            report.resolved_at = now
        elif action == "reject":
            # Back with the IOC to route elsewhere; the event keeps who turned it down.
            event_org = report.organization_id
            data.setdefault("rejected_by_organization_id", report.organization_id)
            report.organization_id = None
            report.deadline_at = None
        elif action == "rate":
            if rating not in RATINGS:
                raise InvalidInput(
                    "Choose a rating.", {"rating": [f"One of {', '.join(RATINGS)}."]}
                )
            report.rating = rating
            report.rated_at = now
            report.closed_at = now
            data["rating"] = rating
        elif action == "close":
            report.closed_at = now
        elif action == "dispute":
            target = _dispute(session, report, category, now, data)
            routed = report.organization_id is not None
        elif action == "merge":
            _merge(session, report, into, now, data)
        elif action == "remind":
            report.reminded_at = now
            data.setdefault("deadline_at", _iso(report.deadline_at))
        elif action == "escalate":
            report.escalated_at = now
            data.setdefault("deadline_at", _iso(report.deadline_at))

    report.status = target
    report.updated_at = now
    event = ReportEvent(
        report_id=report.id,
        tenant_id=report.tenant_id,
        at=now,
        action=action,
        from_status=before_status,
        to_status=target,
        actor_id=actor.user_id,
        actor_label=actor.label[:120],
        plugin_id=actor.plugin_id,
        organization_id=event_org if event_org is not None else report.organization_id,
        note=note,
        public=_event_public(rule, action, actor, report, public),
        open311_client_id=actor.open311_client_id,
        external_id=external_id,
        data=data,
    )
    session.add(event)
    audit(
        session,
        f"report.{action}",
        tenant_id=report.tenant_id,
        actor_id=actor.user_id,
        actor_label=actor.label,
        target=f"report:{report.id}",
        before={"status": before_status, "organization_id": before_org},
        after={"status": target, "organization_id": report.organization_id, **_audit_extra(data)},
        plugin_id=actor.plugin_id,
    )
    session.flush()
    _tell(session, report, action, actor, before_status, note, category)
    if routed and report.organization_id is not None:
        _report_routed(session, report)
    return event


def _event_public(
    rule: Rule, action: str, actor: Actor, report: Report, public: bool | None
) -> bool:
    # ``public`` on moderation is the report's visibility, not the event's; a reporter's own
    # words may name them, so they are never published.
    if public is None or action == "moderate":
        return rule.public
    return public and not (action == "comment" and is_reporter(actor, report))


def local_day(value: datetime) -> str:
    """The date in the tenant's time zone, as people read a deadline."""
    return value.astimezone(ZONE).date().isoformat()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _audit_extra(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool) or v is None}


def _assignee(
    session: Session, report: Report, category: ReportCategory | None, organization_id: int | None
) -> int:
    if organization_id is None:
        if report.status == "rejected":
            # Routing again would pick the organization that just turned it down.
            raise InvalidInput(
                "Choose the organization to send it to.",
                {"organization_id": ["Required when re-routing a rejected report."]},
            )
        organization_id = report.organization_id
        if organization_id is None and category is not None:
            from .routing import route

            organization_id = route(session, report.tenant_id, category, report.unit_code)
        if organization_id is None:
            raise InvalidInput(
                "No organization handles this report; choose one.",
                {"organization_id": ["No routing rule applies: choose the organization."]},
            )
    org = session.get(Organization, organization_id)
    if org is None or org.tenant_id != report.tenant_id or not org.active:
        raise InvalidInput(
            "Unknown organization.",
            {"organization_id": [f"No active organization {organization_id}."]},
        )
    return org.id


def _assign(
    session: Session,
    report: Report,
    category: ReportCategory | None,
    org_id: int,
    now: datetime,
) -> None:
    from .calendar import add_working_days

    report.organization_id = org_id
    report.assigned_at = now
    days = category.deadline_days if category is not None else 5
    report.deadline_at = add_working_days(session, report.tenant_id, now, days)
    report.reminded_at = None
    report.escalated_at = None


def _dispute(
    session: Session,
    report: Report,
    category: ReportCategory | None,
    now: datetime,
    data: dict[str, Any],
) -> str:
    if report.rating != "not_satisfied":
        raise Conflict(
            "Only a report rated 'not satisfied' can be disputed.",
            {"rating": [f"The report was rated {report.rating or 'by nobody'}."]},
        )
    days = category.dispute_days if category is not None else 7
    if report.closed_at is None or now > report.closed_at + timedelta(days=days):
        raise Conflict(
            "The time to dispute this report has passed.",
            {"status": [f"A report may be disputed within {days} days of closing."]},
        )
    data.update(
        rating=report.rating,
        closed_at=_iso(report.closed_at),
        resolved_at=_iso(report.resolved_at),
        answer=report.answer,
    )
    report.disputes = (report.disputes or 0) + 1
    # Open again: handled and rated anew, so that statistics count the final outcome.
    report.rating = None
    report.rated_at = None
    report.closed_at = None
    report.resolved_at = None
    if report.organization_id is None:
        report.deadline_at = None
        return "moderated"
    _assign(session, report, category, report.organization_id, now)
    return "assigned"


def _merge(
    session: Session, report: Report, into: Report | None, now: datetime, data: dict[str, Any]
) -> None:
    if into is None:
        raise InvalidInput("Choose the report to merge into.", {"into": ["Required."]})
    if into.tenant_id != report.tenant_id:
        raise InvalidInput("Unknown report.", {"into": [f"No report {into.id}."]})
    if into.id == report.id:
        raise InvalidInput(
            "A report cannot be merged into itself.", {"into": ["Choose another report."]}
        )
    if into.status not in OPEN_STATES:
        raise Conflict(
            f"Report {into.id} is '{into.status}': merge into an open report.",
            {"into": [f"Report {into.id} is {into.status}."]},
        )
    report.merged_into_id = into.id
    data["into"] = into.id
    known = set(
        session.scalars(select(ReportFollower.user_id).where(ReportFollower.report_id == into.id))
    )
    followers = session.scalars(
        select(ReportFollower.user_id).where(ReportFollower.report_id == report.id)
    ).all()
    for user_id in followers:
        if user_id not in known:
            session.add(ReportFollower(report_id=into.id, user_id=user_id, created_at=now))
            known.add(user_id)


def _report_routed(session: Session, report: Report) -> None:
    try:
        from . import plugin_bridge
    except ModuleNotFoundError as exc:  # pragma: no cover - only while the bridge is absent
        if exc.name and exc.name.endswith("plugin_bridge"):
            return
        raise
    plugin_bridge.report_routed(session, report)


# -- who is told -------------------------------------------------------------------------------


def members_of(session: Session, tenant_id: int, organization_ids: Any) -> list[str]:
    ids = [o for o in organization_ids if o is not None]
    if not ids:
        return []
    return list(
        dict.fromkeys(
            session.scalars(
                select(RoleAssignment.user_id)
                .where(
                    RoleAssignment.tenant_id == tenant_id,
                    RoleAssignment.organization_id.in_(ids),
                )
                .order_by(RoleAssignment.user_id)
            )
        )
    )


def ioc_users(session: Session, tenant_id: int) -> list[str]:
    return list(
        dict.fromkeys(
            session.scalars(
                select(RoleAssignment.user_id)
                .where(
                    RoleAssignment.tenant_id == tenant_id,
                    RoleAssignment.role == Role.IOC_OPERATOR.value,
                )
                .order_by(RoleAssignment.user_id)
            )
        )
    )


def parent_org_id(session: Session, organization_id: int | None) -> int | None:
    if organization_id is None:
        return None
    org = session.get(Organization, organization_id)
    return org.parent_id if org is not None else None


def followers_of(session: Session, report: Report) -> list[str]:
    return list(
        session.scalars(
            select(ReportFollower.user_id)
            .where(ReportFollower.report_id == report.id)
            .order_by(ReportFollower.user_id)
        )
    )


def _tell(
    session: Session,
    report: Report,
    action: str,
    actor: Actor,
    before_status: str,
    note: str | None,
    category: ReportCategory | None,
) -> None:
    tenant_id = report.tenant_id
    link = report_link(report)
    payload = {"report_id": report.id, "status": report.status, "action": action}

    def others(users: list[str]) -> list[str]:
        return [u for u in users if u != actor.user_id]

    if report.status != before_status:
        template, values = _status_template(report, action, note)
        notify_many(
            session,
            tenant_id,
            others(followers_of(session, report)),
            "report.status_changed",
            *render(session, tenant_id, template, values),
            link,
            payload,
        )
    elif action == "comment" and actor.user_id != report.reporter_id and report.reporter_id:
        notify_many(
            session,
            tenant_id,
            others(followers_of(session, report)),
            "report.comment",
            *render(
                session, tenant_id, "report.comment", {"number": report.id, "note": note or ""}
            ),
            link,
            payload,
        )

    org_users: list[str] = []
    kind = ""
    if action in ("assign", "dispute") and report.organization_id is not None:
        org_users = members_of(session, tenant_id, [report.organization_id])
        if action == "dispute":
            org_users += members_of(
                session, tenant_id, [parent_org_id(session, report.organization_id)]
            )
            kind = "report.disputed"
        else:
            kind = "report.assigned"
    elif action in ("provide_info", "comment") and is_reporter(actor, report):
        org_users = members_of(session, tenant_id, [report.organization_id])
        kind = "report.reporter_replied"
    elif action == "remind":
        org_users = members_of(session, tenant_id, [report.organization_id])
        kind = "report.deadline_near"
    elif action == "escalate":
        org_users = members_of(
            session, tenant_id, [parent_org_id(session, report.organization_id)]
        ) + ioc_users(session, tenant_id)
        kind = "report.overdue"
    elif action == "reject":
        org_users = ioc_users(session, tenant_id)
        kind = "report.rejected"
    if kind:
        deadline = local_day(report.deadline_at) if report.deadline_at else ""
        deadline_note = (
            LocalizedText(f" Hạn xử lý: {deadline}.", f" Deadline: {deadline}.") if deadline else ""
        )
        values = {"number": report.id, "note": note or "", "deadline_note": deadline_note}
        notify_many(
            session,
            tenant_id,
            others(org_users),
            kind,
            *render(session, tenant_id, kind, values),
            link,
            {**payload, "category_id": category.id if category else None},
        )


def _status_template(
    report: Report, action: str, note: str | None
) -> tuple[str, dict[str, object]]:
    """Which wording tells the followers of this status change, and its values."""
    values: dict[str, object] = {"number": report.id, "status": STATUS_TEXT[report.status]}
    if action == "resolve" and note:
        return "report.status_changed.resolved", {**values, "note": note}
    if action == "request_info" and note:
        return "report.status_changed.info_requested", {**values, "note": note}
    if action == "assign" and report.deadline_at is not None:
        return "report.status_changed.assigned", {
            **values,
            "deadline": local_day(report.deadline_at),
        }
    if action == "merge" and report.merged_into_id is not None:
        return "report.status_changed.merged", {**values, "merged_into": report.merged_into_id}
    if action == "dismiss" and note:
        return "report.status_changed.dismissed", {**values, "note": note}
    return "report.status_changed", values
