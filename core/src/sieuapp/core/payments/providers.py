"""Which ways to pay a tenant offers, and starting a payment with one of them.

Plugins offer providers through ``payment_providers`` (VNPay, VietQR); the counter of a service
centre is the platform's own, always there: an official records the cash or card payment taken
in person. The first enabled plugin offering a name serves it, like delivery channels.
"""

from __future__ import annotations

from dataclasses import dataclass

from sieuapp.sdk import Checkout, LocalizedText, PaymentProvider, text
from sieuapp.sdk.errors import Conflict, InvalidInput, PlatformError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .._runtime import runtime_of
from ..db import utcnow
from ..plugins._containment import Failure
from ..plugins._host import HookFailed
from ..tenancy.context import current_tenant
from .intents import OPEN, event, info
from .models import Payment, PaymentAttempt

PROVIDERS_HOOK = "payment_providers"
START_HOOK = "start_payment"
COUNTER = PaymentProvider(
    "counter", text("Nộp tại quầy", "Pay at a service counter"), "counter", refunds=True
)


class ProviderUnavailable(PlatformError):
    status = 503
    code = "provider_unavailable"


@dataclass(frozen=True)
class ProviderEntry:
    """A provider and the plugin serving it (None: the platform's counter)."""

    plugin_id: str | None
    provider: PaymentProvider


def available() -> dict[str, ProviderEntry]:
    """Provider name → who serves it, for the current tenant, asked afresh each time."""
    runtime = runtime_of()
    tenant = current_tenant()
    found: dict[str, ProviderEntry] = {COUNTER.name: ProviderEntry(None, COUNTER)}
    for plugin_id, answer in runtime.host.call_enabled(
        PROVIDERS_HOOK, tenant.id, tenant=tenant.info()
    ):
        if answer is None:
            continue
        values = answer if isinstance(answer, list | tuple) else [answer]
        for value in values:
            problem = (
                f"returned {value!r}, not a PaymentProvider"
                if not isinstance(value, PaymentProvider)
                else "; ".join(value.problems())
            )
            if problem:
                runtime.host._note(Failure(tenant.id, plugin_id, PROVIDERS_HOOK, problem[:500]))
                continue
            found.setdefault(value.name, ProviderEntry(plugin_id, value))
    return found


def entry(name: str) -> ProviderEntry:
    providers = available()
    if name not in providers:
        raise InvalidInput(
            "No such way to pay here.",
            {"provider": [f"One of: {', '.join(sorted(providers))}."]},
        )
    return providers[name]


def _checked(checkout: object, provider: PaymentProvider, plugin_id: str) -> Checkout:
    where = f"plugin {plugin_id!r}: {START_HOOK}"
    if not isinstance(checkout, Checkout):
        raise TypeError(f"{where} returned {checkout!r}, not a Checkout")
    if provider.kind == "redirect" and not (checkout.redirect_url or "").startswith(
        ("https://", "http://")
    ):
        raise TypeError(f"{where}: a redirect provider must give a redirect_url")
    if provider.kind == "qr" and not checkout.qr_payload:
        raise TypeError(f"{where}: a qr provider must give a qr_payload")
    if checkout.qr_image_url is not None and not checkout.qr_image_url.startswith(
        f"/m/{plugin_id}/"
    ):
        raise TypeError(f"{where}: qr_image_url must be a path of the plugin's own routes")
    if checkout.instructions is not None and not isinstance(checkout.instructions, LocalizedText):
        raise TypeError(f"{where}: instructions must be LocalizedText")
    return checkout


def counter_checkout(payment: Payment) -> Checkout:
    return Checkout(
        instructions=text(
            f"Đọc mã {payment.id} cho cán bộ tại quầy của bất kỳ trung tâm phục vụ hành chính "
            "công nào để nộp tiền mặt hoặc thẻ.",
            f"Give the code {payment.id} to the officer at any public service centre's counter "
            "to pay by cash or card.",
        )
    )


def attempt(session: Session, payment: Payment, entry: ProviderEntry) -> PaymentAttempt:
    """The payment's attempt with this provider (one per provider): it may settle the payment."""
    name = entry.provider.name
    found = session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.payment_id == payment.id, PaymentAttempt.provider == name
        )
    )
    if found is None:
        found = PaymentAttempt(payment_id=payment.id, provider=name, plugin_id=entry.plugin_id)
        session.add(found)
        session.flush()
    return found


def start(
    session: Session,
    payment: Payment,
    provider_name: str,
    return_url: str,
    client_ip: str,
    language: str,
) -> Checkout:
    """Begin paying an open payment with ``provider_name``: the attempt is recorded and the
    payment is ``processing`` until the provider settles it."""
    if payment.status not in OPEN:
        raise Conflict(
            f"The payment is {payment.status}; it cannot be paid now.",
            {"status": [payment.status]},
        )
    if payment.expires_at <= utcnow():
        raise Conflict("The payment has expired.", {"expires_at": ["in the past"]})
    chosen = entry(provider_name)
    if chosen.plugin_id is None:
        checkout = counter_checkout(payment)
    else:
        tenant = current_tenant()
        try:
            answer = runtime_of().host.call(
                chosen.plugin_id,
                START_HOOK,
                tenant.id,
                # A provider may refuse a payment it cannot take (an amount outside the
                # gateway's range): the payer is told why, and the plugin is not at fault.
                refusals=(InvalidInput, Conflict),
                provider=provider_name,
                payment=info(session, payment),
                return_url=return_url,
                client_ip=client_ip,
                language=language,
                tenant=tenant.info(),
            )
            checkout = _checked(answer, chosen.provider, chosen.plugin_id)
        except (HookFailed, TypeError) as exc:
            if isinstance(exc, TypeError):
                runtime_of().host._note(
                    Failure(tenant.id, chosen.plugin_id, START_HOOK, str(exc)[:500])
                )
            raise ProviderUnavailable(
                f"{chosen.provider.label.get(language)}: the provider cannot take payments now.",
                {"provider": [provider_name]},
            ) from exc
    row = attempt(session, payment, chosen)
    if checkout.provider_ref:
        row.provider_ref = checkout.provider_ref[:100]
    payment.provider = provider_name
    if chosen.provider.kind != "counter":
        payment.status = "processing"
    event(session, payment, "started", provider=provider_name)
    return checkout
