"""Who the caller is to the taxi service: a rider, a firm's staff, a driver or the province;
and which firms operate here. Every view starts with one of these."""

from __future__ import annotations

from typing import Any

from flask import request
from sieuapp.sdk import Organization, Role, Services, UserInfo
from sieuapp.sdk.errors import Forbidden, NotFound, PlatformError
from sqlalchemy import select

from . import texts
from .about import LOCATION_PURPOSE, LOCATION_SCOPE, TaxiConfig
from .models import Driver
from .texts import say

PROVINCE_ROLES = (Role.PROVINCE_ADMIN, Role.IOC_OPERATOR)


class ConsentRequired(PlatformError):
    """The user has not let the plugin use what this step needs; the app asks in place
    (``POST /api/v1/me/consents/taxi``) with the purpose, then retries."""

    status = 403
    code = "consent_required"


def settings(services: Services) -> dict[str, Any]:
    """The province's configuration with every default filled in."""
    return {**TaxiConfig().load({}), **(services.config.get() or {})}


def firms(services: Services) -> dict[str, Organization]:
    """The configured firms that are active partner organizations of the tenant, by code."""
    wanted = settings(services)["firms"]
    partners = {o.code: o for o in services.tenancy.organizations("partner")}
    return {code: partners[code] for code in wanted if code in partners}


def require_location(user: UserInfo) -> None:
    if LOCATION_SCOPE not in user.scopes:
        raise ConsentRequired(
            say(texts.CONSENT, purpose=say(LOCATION_PURPOSE)), {"scope": [LOCATION_SCOPE]}
        )


def staff_firm(services: Services) -> tuple[UserInfo, str]:
    """The signed-in partner staff and the firm they act for (``?firm=`` when several)."""
    user = services.identity.require(Role.PARTNER_STAFF)
    mine = sorted(set(firms(services)) & user.organizations)
    if not mine:
        raise Forbidden(say(texts.NOT_STAFF))
    asked = request.args.get("firm")
    if asked is not None:
        if asked not in mine:
            raise Forbidden(say(texts.NOT_STAFF))
        return user, asked
    if len(mine) > 1:
        raise Forbidden(say(texts.WHICH_FIRM), {"firm": [say(texts.WHICH_FIRM)]})
    return user, mine[0]


def driver(services: Services, *, lock: bool = False) -> Driver:
    """The signed-in user's driver record, in a firm that still operates here."""
    user = services.identity.require()
    query = select(Driver).where(
        Driver.tenant_id == services.tenancy.current().id,
        Driver.user_id == user.id,
        Driver.active.is_(True),
    )
    found = services.db.session.scalar(query.with_for_update() if lock else query)
    if found is None or found.firm not in firms(services):
        raise NotFound(say(texts.NOT_DRIVER))
    return found


def province(services: Services) -> UserInfo:
    return services.identity.require(*PROVINCE_ROLES)
