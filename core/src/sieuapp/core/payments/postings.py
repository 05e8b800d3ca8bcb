"""The ledger transfers a payment's capture and refunds post: the money arrives from the payer
through the provider's clearing account and goes to the payee; a refund reverses both steps.
Transfer ids are named after what caused them, so posting one again writes nothing."""

from __future__ import annotations

from .ledger import Leg, clearing_account, fees_account, payee_account, payer_account
from .models import Payment, Refund

Transfers = list[tuple[str, list[Leg]]]


def capture(payment: Payment, payee: str, provider: str) -> Transfers:
    """The payee is owed the whole amount; a provider's fee is the platform's expense, kept by
    the provider out of what it holds for us."""
    payer = payer_account(payment.payer_id)
    amount = payment.amount
    transfers = [
        (f"{payment.id}:in", [Leg(clearing_account(provider), amount), Leg(payer, -amount)]),
        (f"{payment.id}:pay", [Leg(payer, amount), Leg(payee_account(payee), -amount)]),
    ]
    if payment.fee:
        fee = payment.fee
        transfers.append(
            (
                f"{payment.id}:fee",
                [Leg(fees_account(provider), fee), Leg(clearing_account(provider), -fee)],
            )
        )
    return transfers


def refund(payment: Payment, back: Refund, payee: str, provider: str) -> Transfers:
    payer = payer_account(payment.payer_id)
    amount = back.amount
    return [
        (f"{back.id}:back", [Leg(payee_account(payee), amount), Leg(payer, -amount)]),
        (f"{back.id}:out", [Leg(payer, amount), Leg(clearing_account(provider), -amount)]),
    ]
