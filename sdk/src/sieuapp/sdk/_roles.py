from enum import StrEnum


class Role(StrEnum):
    """Roles a caller can hold in a tenant; a manifest lists the ones that see the module."""

    #: Everyone, signed in or not.
    ANONYMOUS = "anonymous"
    #: Every signed-in person; officials and staff are citizens too.
    CITIZEN = "citizen"
    OFFICIAL = "official"
    IOC_OPERATOR = "ioc_operator"
    PROVINCE_ADMIN = "province_admin"
    PARTNER_STAFF = "partner_staff"


ALL_ROLES: frozenset[str] = frozenset(r.value for r in Role)
