"""Who may see and act on a payment: its payer, the payee organization's staff, the province.

A payment someone may not see answers 404, as if it did not exist: ids carry no hint.
"""

from __future__ import annotations

from sieuapp.sdk import Role
from sieuapp.sdk.errors import NotFound
from sqlalchemy.orm import Session

from ..identity.principal import Principal
from .models import Payment

#: Roles that act for a payee organization they belong to.
STAFF_ROLES = (Role.OFFICIAL.value, Role.PARTNER_STAFF.value, Role.IOC_OPERATOR.value)
ADMIN = Role.PROVINCE_ADMIN.value
NO_PAYMENT = "No such payment."


def staff_orgs(principal: Principal) -> set[int]:
    """The organizations the caller may take and refund payments for."""
    return {org for role, org in principal.organizations if role in STAFF_ROLES}


def is_admin(principal: Principal) -> bool:
    return principal.has_role(ADMIN)


def manages(principal: Principal, payment: Payment) -> bool:
    return payment.tenant_id == principal.tenant_id and (
        is_admin(principal) or payment.payee_id in staff_orgs(principal)
    )


def sees(principal: Principal, payment: Payment) -> bool:
    return payment.tenant_id == principal.tenant_id and (
        payment.payer_id == principal.user_id or manages(principal, payment)
    )


def visible(session: Session, principal: Principal, payment_id: str) -> Payment:
    payment = session.get(Payment, payment_id) if len(payment_id) <= 20 else None
    if payment is None or not sees(principal, payment):
        raise NotFound(NO_PAYMENT)
    return payment


def managed(session: Session, principal: Principal, payment_id: str) -> Payment:
    payment = visible(session, principal, payment_id)
    if not manages(principal, payment):
        raise NotFound(NO_PAYMENT)
    return payment
