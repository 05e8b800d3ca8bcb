"""``services.payments``: what a plugin may do with payments, scoped to the plugin.

A plugin sees the payments it created and, as a provider, those it was asked to take; any
other id is ``NotFound``. It bills the caller, or a user who granted it access; a request with
an idempotency key it already used is answered with the first payment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sieuapp.sdk import LocalizedText, PaymentInfo, Settlement
from sieuapp.sdk.errors import Forbidden, NotFound, Unauthorized
from sqlalchemy import select

from ..db import current_session
from ..identity import consent
from ..identity.principal import current_principal
from ..tenancy.context import current_tenant
from . import intents, refunds
from .idempotency import once
from .intents import info
from .models import Payment, PaymentAttempt
from .settlement import settle


class PluginPayments:
    """Payments a plugin asks for, and, for a provider plugin, the gateway's word on them."""

    def __init__(self, plugin_id: str) -> None:
        self._plugin_id = plugin_id

    def _mine(self, payment_id: str, *, settling: bool = False) -> Payment:
        session = current_session()
        payment = (
            session.get(Payment, payment_id)
            if isinstance(payment_id, str) and len(payment_id) <= 20
            else None
        )
        if payment is not None and payment.tenant_id == current_tenant().id:
            if payment.plugin_id == self._plugin_id:
                return payment
            took = session.scalar(
                select(PaymentAttempt.id).where(
                    PaymentAttempt.payment_id == payment.id,
                    PaymentAttempt.plugin_id == self._plugin_id,
                )
            )
            if took is not None:
                return payment
        raise NotFound("No such payment.")

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
        session = current_session()
        tenant = current_tenant()
        caller = current_principal()
        if payer_id is None:
            if caller is None:
                raise Unauthorized("Sign in first.")
            payer_id = caller.user_id
        elif (caller is None or payer_id != caller.user_id) and not consent.granted_scopes(
            session, payer_id, tenant.id, self._plugin_id
        ):
            # Someone else pays: only a user who let this plugin in may be billed by it.
            raise Forbidden(
                f"plugin {self._plugin_id!r}: the payer has not granted this service access."
            )
        request = {
            "amount": amount,
            "purpose": [getattr(purpose, "vi", None), getattr(purpose, "en", None)],
            "payee": payee,
            "payer_id": payer_id,
            "metadata": dict(metadata or {}),
            "expires_in": expires_in,
        }

        def work() -> tuple[int, Any]:
            payment = intents.create(
                session,
                tenant.id,
                amount=amount,
                purpose=purpose,
                payee=payee,
                payer_id=payer_id,
                plugin_id=self._plugin_id,
                metadata=metadata,
                expires_in=expires_in,
                created_by=caller.user_id if caller else None,
            )
            return 201, {"id": payment.id}

        _, answer, _ = once(
            session,
            tenant.id,
            f"plugin:{self._plugin_id}",
            idempotency_key,
            "payments.create",
            request,
            work,
        )
        return self.get(answer["id"])

    def get(self, payment_id: str) -> PaymentInfo:
        return info(current_session(), self._mine(payment_id))

    def cancel(self, payment_id: str) -> PaymentInfo:
        session = current_session()
        payment = self._mine(payment_id)
        if payment.plugin_id != self._plugin_id:
            raise NotFound("No such payment.")
        locked = intents.locked(session, payment.tenant_id, payment.id)
        intents.cancel(session, locked, f"canceled by {self._plugin_id}", None)  # type: ignore[arg-type]
        return intents.info(session, payment)

    def refund(
        self, payment_id: str, amount: int | None, reason: str, *, idempotency_key: str
    ) -> PaymentInfo:
        session = current_session()
        payment = self._mine(payment_id)
        if payment.plugin_id != self._plugin_id:
            raise NotFound("No such payment.")

        def work() -> tuple[int, Any]:
            made = refunds.request(
                session,
                payment.tenant_id,
                payment.id,
                amount,
                reason,
                actor_id=None,
                plugin_id=self._plugin_id,
            )
            return 202, {"refund": made.id}

        once(
            session,
            payment.tenant_id,
            f"plugin:{self._plugin_id}",
            idempotency_key,
            f"payments.refund:{payment.id}",
            {"amount": amount, "reason": reason},
            work,
        )
        return info(session, payment)

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
        where = f"plugin {self._plugin_id!r}: services.payments.settle"
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ValueError(f"{where}: amount must be whole đồng")
        if not isinstance(fee, int) or isinstance(fee, bool) or not 0 <= fee < max(amount, 1):
            raise ValueError(f"{where}: fee must be whole đồng, at least 0 and below the amount")
        return settle(
            current_session(),
            current_tenant().id,
            payment_id,
            plugin_id=self._plugin_id,
            amount=amount,
            succeeded=bool(succeeded),
            provider_ref=provider_ref,
            detail=str(detail)[:300],
            fee=fee,
        )
