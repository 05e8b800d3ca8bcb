"""Imports every core model so that the metadata is complete (Alembic, tests)."""

from ..audit.models import AuditEntry
from ..identity.models import (
    Consent,
    MfaChallenge,
    RecoveryCode,
    RoleAssignment,
    Token,
    TotpCredential,
    User,
)
from ..plugins.models import ModuleState
from ..tasks.models import OutboxMessage
from ..tenancy.models import AdministrativeUnit, Organization, Tenant

__all__ = [
    "AdministrativeUnit",
    "AuditEntry",
    "Consent",
    "MfaChallenge",
    "ModuleState",
    "Organization",
    "OutboxMessage",
    "RecoveryCode",
    "RoleAssignment",
    "Tenant",
    "Token",
    "TotpCredential",
    "User",
]
