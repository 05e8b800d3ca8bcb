"""Imports every core model so that the metadata is complete (Alembic, tests)."""

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
from ..plugins.models import ModuleState
from ..tasks.models import OutboxMessage
from ..tenancy.models import AdministrativeUnit, Organization, Tenant

__all__ = [
    "AdministrativeUnit",
    "AuditEntry",
    "AuthorizationCode",
    "Consent",
    "Delegation",
    "FederatedIdentity",
    "IdentityVerification",
    "MfaChallenge",
    "ModuleState",
    "OAuthClient",
    "Organization",
    "OutboxMessage",
    "PhoneVerification",
    "RecoveryCode",
    "RefreshToken",
    "RoleAssignment",
    "SigningKey",
    "Tenant",
    "Token",
    "TotpCredential",
    "User",
]
