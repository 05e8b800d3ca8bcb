"""Imports every core model so that the metadata is complete (Alembic, tests)."""

from ..alerts.models import Alert, AlertArea, AlertRead, AlertTarget, UserArea
from ..audit.models import AuditEntry
from ..identity.assurance.models import IdentityVerification, PhoneVerification
from ..identity.delegation.models import Delegation
from ..identity.federation.models import FederatedIdentity
from ..identity.models import (
    Consent,
    MfaChallenge,
    RecoveryCode,
    RoleAssignment,
    Token,
    TotpCredential,
    User,
)
from ..identity.oidc.models import AuthorizationCode, OAuthClient, RefreshToken, SigningKey
from ..notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    NotificationSettings,
    NotificationTemplate,
    PushSubscription,
)
from ..payments.models import (
    IdempotencyKey,
    LedgerAccount,
    LedgerEntry,
    LedgerTransfer,
    Payment,
    PaymentAttempt,
    PaymentEvent,
    Refund,
)
from ..plugins.models import ModuleState, ModuleUsage
from ..reports.models import (
    Holiday,
    Open311Client,
    Report,
    ReportAttribute,
    ReportCategory,
    ReportEvent,
    ReportFollower,
    ReportPhoto,
    RoutingRule,
    UnitBoundary,
)
from ..tasks.models import OutboxMessage
from ..tenancy.models import AdministrativeUnit, Organization, Tenant
from ..webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "IdempotencyKey",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransfer",
    "Payment",
    "PaymentAttempt",
    "PaymentEvent",
    "Refund",
    "Alert",
    "AlertArea",
    "AlertRead",
    "AlertTarget",
    "Delivery",
    "NotificationPreference",
    "NotificationSettings",
    "NotificationTemplate",
    "PushSubscription",
    "UserArea",
    "AdministrativeUnit",
    "AuditEntry",
    "AuthorizationCode",
    "Consent",
    "Delegation",
    "FederatedIdentity",
    "Holiday",
    "IdentityVerification",
    "MfaChallenge",
    "ModuleState",
    "ModuleUsage",
    "Notification",
    "OAuthClient",
    "Open311Client",
    "Organization",
    "OutboxMessage",
    "PhoneVerification",
    "RecoveryCode",
    "RefreshToken",
    "Report",
    "ReportAttribute",
    "ReportCategory",
    "ReportEvent",
    "ReportFollower",
    "ReportPhoto",
    "RoleAssignment",
    "RoutingRule",
    "SigningKey",
    "Tenant",
    "Token",
    "TotpCredential",
    "UnitBoundary",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
