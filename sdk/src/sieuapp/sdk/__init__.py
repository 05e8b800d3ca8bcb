"""sieuapp SDK: the contract between a service plugin and the sieuapp host."""

from ._manifest import FrontendEntry, Manifest, Scope
from ._notify import (
    ADDRESS_KINDS,
    NOTIFY_SCOPE,
    URGENCIES,
    Channel,
    DeliveryOutcome,
    OutgoingMessage,
)
from ._payments import (
    CURRENCY,
    PAYMENT_STATUSES,
    PROVIDER_KINDS,
    Checkout,
    PaymentInfo,
    PaymentProvider,
    ProviderTransaction,
    RefundResult,
    Settlement,
)
from ._reports import ReportCategory, ReportChoice, ReportInfo, ReportQuestion
from ._results import Erasure, Health, IdentityCheck
from ._roles import ALL_ROLES, Role
from ._services import (
    AuditService,
    ConfigService,
    DatabaseService,
    IdentityService,
    NotifyService,
    Organization,
    PaymentsService,
    ReportsService,
    Services,
    StorageService,
    StoredFile,
    TaskService,
    TenancyService,
    TenantInfo,
    Unit,
    UserInfo,
)
from ._text import LANGUAGES, LocalizedText, text
from .hookspecs import hookimpl

#: The SDK API this distribution defines; plugins state the range they support in ``sdk_api``.
API_VERSION = "1.5"

#: Marks a config field whose value the host never returns: ``fields.String(metadata=SECRET)``.
SECRET = {"secret": True}

__all__ = [
    "Settlement",
    "RefundResult",
    "ProviderTransaction",
    "PaymentsService",
    "PaymentProvider",
    "PaymentInfo",
    "Checkout",
    "PROVIDER_KINDS",
    "PAYMENT_STATUSES",
    "CURRENCY",
    "ADDRESS_KINDS",
    "ALL_ROLES",
    "API_VERSION",
    "LANGUAGES",
    "SECRET",
    "AuditService",
    "Channel",
    "ConfigService",
    "DatabaseService",
    "DeliveryOutcome",
    "Erasure",
    "FrontendEntry",
    "Health",
    "IdentityCheck",
    "IdentityService",
    "LocalizedText",
    "Manifest",
    "NOTIFY_SCOPE",
    "NotifyService",
    "Organization",
    "OutgoingMessage",
    "ReportCategory",
    "ReportChoice",
    "ReportInfo",
    "ReportQuestion",
    "ReportsService",
    "Role",
    "Scope",
    "Services",
    "StorageService",
    "StoredFile",
    "TaskService",
    "TenancyService",
    "TenantInfo",
    "Unit",
    "URGENCIES",
    "UserInfo",
    "hookimpl",
    "text",
]
