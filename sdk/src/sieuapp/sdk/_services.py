"""What the host hands a plugin. Plugins program against these protocols, never against
``sieuapp.core``; the host's implementations are scoped to the plugin, the request's tenant
and the user's consent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ._payments import PaymentInfo, Settlement
    from ._reports import ReportInfo
    from ._text import LocalizedText


@dataclass(frozen=True)
class TenantInfo:
    """The province a request belongs to."""

    id: int
    slug: str
    name: str
    province_code: int | None = None


@dataclass(frozen=True)
class UserInfo:
    """A user as a plugin may see them: claims only for the scopes the user granted it."""

    id: str
    roles: frozenset[str]
    claims: Mapping[str, Any] = field(default_factory=dict)
    #: Scopes this user granted this plugin.
    scopes: frozenset[str] = frozenset()
    #: 0 self-registered, 1 phone verified, 2 identity verified (eKYC against a national ID).
    assurance_level: int = 0
    #: Codes of the tenant's active organizations the user holds a role in (SDK API 1.5):
    #: a partner's staff act for their company through this.
    organizations: frozenset[str] = frozenset()

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class Unit:
    """An administrative unit (province, ward, commune, special zone)."""

    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class Organization:
    """An agency, the IOC, a commune's people's committee or a partner company."""

    id: int
    code: str
    kind: str
    name: str


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    content_type: str


class IdentityService(Protocol):
    def current_user(self) -> UserInfo | None:
        """The caller, or None when anonymous."""

    def require(self, *roles: str) -> UserInfo:
        """The caller, who must be signed in and (if given) hold one of ``roles``."""

    def user(self, user_id: str) -> UserInfo | None:
        """Another user, as far as they consented to this plugin."""

    def require_level(self, level: int) -> UserInfo:
        """The caller, signed in and verified to at least assurance ``level`` (0, 1 or 2)."""


class TenancyService(Protocol):
    def current(self) -> TenantInfo:
        """The request's tenant."""

    def units(self) -> list[Unit]:
        """The tenant's administrative units below the province."""

    def organizations(self, kind: str | None = None) -> list[Organization]:
        """The tenant's organizations, optionally of one kind."""


class ConfigService(Protocol):
    def get(self) -> dict[str, Any]:
        """This plugin's validated configuration for the request's tenant (secrets included)."""


class AuditService(Protocol):
    def record(
        self,
        action: str,
        target: str | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Write an audit entry attributed to the caller, this plugin and the tenant."""


class StorageService(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> StoredFile:
        """Store bytes under ``key`` in this plugin's space for the tenant."""

    def get(self, key: str) -> bytes:
        """Read what was stored under ``key``; raises ``NotFound``."""

    def delete(self, key: str) -> bool:
        """Delete ``key``; True when something was there."""


class TaskService(Protocol):
    def register(self, name: str, function: Callable[..., Any]) -> None:
        """Make ``function(payload, services)`` runnable as the task ``<plugin id>.<name>``."""

    def enqueue(self, name: str, payload: Mapping[str, Any], delay: float = 0) -> str:
        """Queue a task; it runs only if the current transaction commits. Returns its id."""


class DatabaseService(Protocol):
    @property
    def session(self) -> Session:
        """The SQLAlchemy session of the current unit of work, committed by the host."""


class ReportsService(Protocol):
    def get(self, report_id: int) -> ReportInfo:
        """A report routed to an organization this plugin handles; raises ``NotFound`` otherwise."""

    def update(
        self,
        report_id: int,
        status: str,
        note: str,
        *,
        update_id: str | None = None,
    ) -> ReportInfo:
        """Move a report this plugin handles to ``in_progress``, ``info_requested``, ``resolved``
        (``note`` is the public answer) or ``rejected`` (``note`` is the reason); a repeated
        ``update_id`` is answered with the report, not applied twice."""

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
        """File a report as the caller in one of this plugin's own categories; the pipeline
        routes it to the category's organization (SDK API 1.5)."""


class NotifyService(Protocol):
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
        """Put a message in the user's inbox and deliver it on the channels they chose; False
        (and nothing sent) when the user has not granted this plugin the ``notify`` scope."""


class PaymentsService(Protocol):
    def create(
        self,
        amount: int,
        purpose: LocalizedText,
        payee: str,
        *,
        payer_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        expires_in: int = 900,
    ) -> PaymentInfo:
        """Ask ``payer_id`` (default: the caller) to pay ``amount`` đồng to the organization
        ``payee``; the same ``idempotency_key`` returns the first payment, never a second."""

    def get(self, payment_id: str) -> PaymentInfo:
        """A payment this plugin created or settles; raises ``NotFound`` otherwise."""

    def cancel(self, payment_id: str) -> PaymentInfo:
        """Cancel a payment of this plugin's that has not been paid; ``Conflict`` otherwise."""

    def refund(
        self, payment_id: str, amount: int | None, reason: str, *, idempotency_key: str
    ) -> PaymentInfo:
        """Return ``amount`` (default: all that is left) of a payment this plugin created, through
        the provider that took it; a repeated ``idempotency_key`` refunds once."""

    def settle(
        self,
        payment_id: str,
        *,
        amount: int,
        succeeded: bool,
        provider_ref: str,
        detail: str = "",
        fee: int = 0,
    ) -> Settlement:
        """For provider plugins: record what the gateway said of a payment sent to this plugin's
        provider, and the ``fee`` it keeps of a success. Safe to call again with the same word:
        it is applied once."""


class Services(Protocol):
    """Everything the host gives one plugin."""

    plugin_id: str
    identity: IdentityService
    tenancy: TenancyService
    config: ConfigService
    audit: AuditService
    storage: StorageService
    tasks: TaskService
    db: DatabaseService
    reports: ReportsService
    notify: NotifyService
    payments: PaymentsService
