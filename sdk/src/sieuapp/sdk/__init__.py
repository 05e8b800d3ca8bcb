"""sieuapp SDK: the contract between a service plugin and the sieuapp host."""

from ._manifest import FrontendEntry, Manifest, Scope
from ._reports import ReportCategory, ReportChoice, ReportInfo, ReportQuestion
from ._results import Erasure, Health, IdentityCheck
from ._roles import ALL_ROLES, Role
from ._services import (
    AuditService,
    ConfigService,
    DatabaseService,
    IdentityService,
    Organization,
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
API_VERSION = "1.2"

#: Marks a config field whose value the host never returns: ``fields.String(metadata=SECRET)``.
SECRET = {"secret": True}

__all__ = [
    "ALL_ROLES",
    "API_VERSION",
    "LANGUAGES",
    "SECRET",
    "AuditService",
    "ConfigService",
    "DatabaseService",
    "Erasure",
    "FrontendEntry",
    "Health",
    "IdentityCheck",
    "IdentityService",
    "LocalizedText",
    "Manifest",
    "Organization",
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
    "UserInfo",
    "hookimpl",
    "text",
]
