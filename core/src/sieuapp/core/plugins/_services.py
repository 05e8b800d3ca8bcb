"""The host's implementation of ``sieuapp.sdk.Services``, one instance per plugin."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from flask import g, has_request_context
from sieuapp.sdk import (
    NOTIFY_SCOPE,
    LocalizedText,
    Organization,
    ReportInfo,
    StoredFile,
    TenantInfo,
    Unit,
    UserInfo,
)
from sieuapp.sdk.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import record as audit_record
from ..db import current_session
from ..identity import consent
from ..identity.assurance.levels import below_level
from ..identity.claims import released_claims
from ..identity.models import RoleAssignment, User
from ..identity.principal import current_principal
from ..reports.access import Actor
from ..reports.models import Report, ReportEvent
from ..tasks.outbox import enqueue
from ..tenancy.context import current_tenant
from ..tenancy.models import AdministrativeUnit
from ..tenancy.models import Organization as OrganizationRow
from ..web.i18n import request_language
from . import _config

if TYPE_CHECKING:
    from .._runtime import Runtime


class _Identity:
    def __init__(self, plugin_id: str) -> None:
        self.plugin_id = plugin_id

    def _granted(self, user_id: str, tenant_id: int) -> frozenset[str]:
        return consent.granted_scopes(current_session(), user_id, tenant_id, self.plugin_id)

    def _info(self, user: User, roles: frozenset[str], tenant_id: int) -> UserInfo:
        granted = self._granted(user.id, tenant_id)
        return UserInfo(
            id=user.id,
            roles=roles,
            claims=released_claims(user, granted),
            scopes=granted,
            assurance_level=user.assurance_level or 0,
            organizations=_organization_codes(user.id, tenant_id),
        )

    def current_user(self) -> UserInfo | None:
        principal = current_principal()
        if principal is None:
            return None
        user = current_session().get(User, principal.user_id)
        assert user is not None
        return self._info(user, principal.roles, principal.tenant_id)

    def require(self, *roles: str) -> UserInfo:
        user = self.current_user()
        if user is None:
            raise Unauthorized("Sign in first.")
        if roles and not user.has_role(*roles):
            raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
        return user

    def require_level(self, level: int) -> UserInfo:
        user = self.require()
        if user.assurance_level < level:
            language = request_language() if has_request_context() else "vi"
            raise below_level(level, user.assurance_level, language)
        return user

    def user(self, user_id: str) -> UserInfo | None:
        tenant = current_tenant()
        session = current_session()
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None
        roles = frozenset(
            session.scalars(
                select(RoleAssignment.role).where(
                    RoleAssignment.user_id == user_id, RoleAssignment.tenant_id == tenant.id
                )
            )
        ) | {"anonymous", "citizen"}
        return self._info(user, roles, tenant.id)


def _organization_codes(user_id: str, tenant_id: int) -> frozenset[str]:
    return frozenset(
        current_session().scalars(
            select(OrganizationRow.code)
            .join(RoleAssignment, RoleAssignment.organization_id == OrganizationRow.id)
            .where(
                RoleAssignment.user_id == user_id,
                RoleAssignment.tenant_id == tenant_id,
                OrganizationRow.tenant_id == tenant_id,
                OrganizationRow.active.is_(True),
            )
        )
    )


class _Tenancy:
    def current(self) -> TenantInfo:
        return current_tenant().info()

    def units(self) -> list[Unit]:
        rows = current_session().scalars(
            select(AdministrativeUnit)
            .where(AdministrativeUnit.tenant_id == current_tenant().id)
            .order_by(AdministrativeUnit.name)
        )
        return [Unit(code=r.code, name=r.name, kind=r.kind) for r in rows]

    def organizations(self, kind: str | None = None) -> list[Organization]:
        query = select(OrganizationRow).where(
            OrganizationRow.tenant_id == current_tenant().id, OrganizationRow.active.is_(True)
        )
        if kind is not None:
            query = query.where(OrganizationRow.kind == kind)
        rows = current_session().scalars(query.order_by(OrganizationRow.name))
        return [Organization(id=r.id, code=r.code, kind=r.kind, name=r.name) for r in rows]


class _Config:
    def __init__(self, runtime: Runtime, plugin_id: str) -> None:
        self._runtime = runtime
        self._plugin_id = plugin_id
        self._defaults: dict[str, Any] | None = None

    def get(self) -> dict[str, Any]:
        state = self._runtime.tenant_states().get(self._plugin_id)
        if state is None:
            return {}
        if self._defaults is None:
            manifest = self._runtime.host.manifest(self._plugin_id)
            self._defaults = _config.defaults(manifest)[0] if manifest is not None else {}
        # A field added by a newer plugin version has no stored value in tenants configured
        # before it: the schema's default stands in until the province sets one.
        return {**self._defaults, **state.config}


class _Audit:
    def __init__(self, plugin_id: str) -> None:
        self._plugin_id = plugin_id

    def record(
        self, action: str, target: str | None = None, before: Any = None, after: Any = None
    ) -> None:
        principal = current_principal() if "tenant" in g else None
        audit_record(
            current_session(),
            f"{self._plugin_id}.{action}",
            tenant_id=current_tenant().id,
            actor_id=principal.user_id if principal else None,
            actor_label=principal.username if principal else f"plugin:{self._plugin_id}",
            target=target,
            before=before,
            after=after,
            plugin_id=self._plugin_id,
        )


class _Storage:
    def __init__(self, runtime: Runtime, plugin_id: str) -> None:
        self._store = runtime.files
        self._plugin_id = plugin_id

    def _space(self) -> str:
        return f"{current_tenant().slug}/{self._plugin_id}"

    def put(self, key: str, data: bytes, content_type: str) -> StoredFile:
        return self._store.put(self._space(), key, data, content_type)

    def get(self, key: str) -> bytes:
        return self._store.get(self._space(), key)

    def delete(self, key: str) -> bool:
        return self._store.delete(self._space(), key)


class _Tasks:
    def __init__(self, runtime: Runtime, plugin_id: str) -> None:
        self._runtime = runtime
        self._plugin_id = plugin_id

    def register(self, name: str, function: Callable[..., Any]) -> None:
        self._runtime.task_registry.register(f"{self._plugin_id}.{name}", function, self._plugin_id)

    def enqueue(self, name: str, payload: Mapping[str, Any], delay: float = 0) -> str:
        return enqueue(
            current_session(),
            f"{self._plugin_id}.{name}",
            payload,
            tenant_id=current_tenant().id,
            delay=delay,
        )


class _Database:
    @property
    def session(self) -> Session:
        return current_session()


class _Reports:
    """Reports routed to the organizations this plugin's active categories name, in the
    request's (or task's) tenant; any other report does not exist for the plugin."""

    #: The statuses a plugin may move a report to, and the lifecycle action that does it.
    ACTIONS: dict[str, str] = {
        "in_progress": "start",
        "info_requested": "request_info",
        "resolved": "resolve",
        "rejected": "reject",
    }

    def __init__(self, plugin_id: str) -> None:
        self._plugin_id = plugin_id

    def _find(self, report_id: int) -> tuple[Report, set[int]]:
        # The bridge imports the plugin host, which imports this module.
        from ..reports.plugin_bridge import served_org_ids

        session = current_session()
        tenant = current_tenant()
        served = served_org_ids(session, tenant.id, self._plugin_id)
        report = (
            session.get(Report, report_id)
            if isinstance(report_id, int) and not isinstance(report_id, bool)
            else None
        )
        if report is None or report.tenant_id != tenant.id or report.organization_id not in served:
            raise NotFound(f"No report {report_id!r} is handled by plugin {self._plugin_id!r}.")
        return report, served

    def get(self, report_id: int) -> ReportInfo:
        from ..reports.plugin_bridge import report_info

        report, _ = self._find(report_id)
        return report_info(current_session(), report)

    def update(
        self, report_id: int, status: str, note: str, *, update_id: str | None = None
    ) -> ReportInfo:
        from ..reports import lifecycle
        from ..reports.plugin_bridge import report_info

        action = self.ACTIONS.get(status) if isinstance(status, str) else None
        if action is None:
            raise InvalidInput(
                f"A plugin cannot move a report to {status!r}.",
                {"status": [f"One of {', '.join(self.ACTIONS)}."]},
            )
        external_id = None
        if update_id is not None:
            external_id = f"{self._plugin_id}:{update_id}"
            if not isinstance(update_id, str) or not update_id.strip() or len(external_id) > 100:
                raise InvalidInput(
                    "The update_id is not usable.",
                    {"update_id": [f"1 to {99 - len(self._plugin_id)} characters."]},
                )
        session = current_session()
        if external_id is not None:
            # Looked up before the report's organization is checked: an update that rejected
            # the report took it away from this plugin, and its repetition must still answer.
            done = session.scalar(
                select(ReportEvent).where(
                    ReportEvent.tenant_id == current_tenant().id,
                    ReportEvent.plugin_id == self._plugin_id,
                    ReportEvent.external_id == external_id,
                )
            )
            if done is not None:
                if done.report_id != report_id:
                    raise Conflict(
                        f"update_id {update_id!r} was already used for report {done.report_id}.",
                        {"update_id": ["Already used for another report."]},
                    )
                repeated = session.get(Report, done.report_id)
                assert repeated is not None
                return report_info(session, repeated)
        report, served = self._find(report_id)
        actor = Actor(
            user_id=None,
            label=f"plugin:{self._plugin_id}",
            organization_ids=frozenset(served),
            plugin_id=self._plugin_id,
        )
        lifecycle.transition(session, report, action, actor, note=note, external_id=external_id)
        return report_info(session, report)

    def file(
        self,
        category: str,
        description: str,
        *,
        lat: float | None = None,
        lon: float | None = None,
        address: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> ReportInfo:
        from ..reports.access import actor_of
        from ..reports.models import ReportCategory
        from ..reports.plugin_bridge import report_info
        from ..reports.submit import create_report

        principal = current_principal()
        if principal is None:
            raise Unauthorized("Sign in first.")
        session = current_session()
        # Only the plugin's own active categories: a plugin files what its partner handles,
        # never into an agency's queue under the citizen's name.
        own = session.scalar(
            select(ReportCategory.id).where(
                ReportCategory.tenant_id == current_tenant().id,
                ReportCategory.code == category,
                ReportCategory.source == self._plugin_id,
                ReportCategory.active.is_(True),
            )
        )
        if own is None:
            raise InvalidInput(
                f"Plugin {self._plugin_id!r} has no active report category {category!r}.",
                {"category": [f"Not one of plugin {self._plugin_id!r}'s categories."]},
            )
        report = create_report(
            session,
            current_tenant().id,
            actor_of(principal),
            category_code=category,
            description=description,
            channel="app",
            lat=lat,
            lon=lon,
            address=address,
            attributes=dict(attributes or {}),
            fields={"category_code": "category"},
        )
        return report_info(session, report)


class _Notify:
    """Inbox messages and deliveries from a plugin, only to users who allowed it."""

    def __init__(self, runtime: Runtime, plugin_id: str) -> None:
        self._runtime = runtime
        self._plugin_id = plugin_id

    def _declares_scope(self) -> bool:
        manifest = self._runtime.host.manifest(self._plugin_id)
        return manifest is not None and any(s.name == NOTIFY_SCOPE for s in manifest.scopes)

    def send(
        self,
        user_id: str,
        kind: str,
        title: LocalizedText,
        body: LocalizedText,
        *,
        link: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> bool:
        from ..notifications.service import notify

        where = f"plugin {self._plugin_id!r}: services.notify.send"
        if not isinstance(kind, str) or not kind.startswith(f"{self._plugin_id}."):
            raise ValueError(f"{where}: kind {kind!r} must start with {self._plugin_id + '.'!r}")
        for field_name, value in (("title", title), ("body", body)):
            if not isinstance(value, LocalizedText):
                raise ValueError(f"{where}: {field_name} must be LocalizedText(vi=..., en=...)")
            problems = value.problems(field_name)
            if problems:
                raise ValueError(f"{where}: {'; '.join(problems)}")
        if link is not None and (not isinstance(link, str) or len(link) > 300):
            raise ValueError(f"{where}: link must be a string of at most 300 characters")
        tenant = current_tenant()
        session = current_session()
        if not self._declares_scope() or NOTIFY_SCOPE not in consent.granted_scopes(
            session, user_id, tenant.id, self._plugin_id
        ):
            return False
        user = session.get(User, user_id)
        if user is None or not user.active:
            return False
        notify(
            session,
            tenant.id,
            user_id,
            kind,
            title,
            body,
            link,
            dict(data or {}),
            module=self._plugin_id,
        )
        return True


class PluginServices:
    """Everything one plugin may use; scoped to the plugin, the tenant and the user's consent."""

    def __init__(self, runtime: Runtime, plugin_id: str) -> None:
        self.plugin_id = plugin_id
        self.identity = _Identity(plugin_id)
        self.tenancy = _Tenancy()
        self.config = _Config(runtime, plugin_id)
        self.audit = _Audit(plugin_id)
        self.storage = _Storage(runtime, plugin_id)
        self.tasks = _Tasks(runtime, plugin_id)
        self.db = _Database()
        self.reports = _Reports(plugin_id)
        self.notify = _Notify(runtime, plugin_id)
        # Payments reach back into the plugin host (refund and outcome tasks call hooks).
        from ..payments.plugin_service import PluginPayments

        self.payments = PluginPayments(plugin_id)
