"""The hooks as the host calls them: the manifest, the provider offered once configured, the
checkout a payer is shown, and health."""

from __future__ import annotations

import pytest
from sieuapp.sdk import Checkout, PaymentProvider, Role
from sieuapp_vietqr import manifest
from sieuapp_vietqr.payload import decode

from .conftest import CONFIG, payment


def test_the_manifest_is_valid():
    found = manifest()
    assert found.problems() == []
    assert found.id == "vietqr"
    assert found.frontend is None
    assert found.roles == (Role.ANONYMOUS,)


def test_the_provider_and_health_follow_the_configuration(call_hook, configure_plugin):
    assert call_hook("payment_providers") == []
    health = call_hook("health")
    assert health.ok is False and "notify_secret" in health.detail

    assert configure_plugin(CONFIG).status_code == 200

    [provider] = call_hook("payment_providers")
    assert provider == PaymentProvider("vietqr", provider.label, kind="qr", refunds=False)
    assert provider.problems() == []
    assert provider.label.vi and provider.label.en
    assert call_hook("health").ok is True


def start(call_hook, info, provider="vietqr"):
    return call_hook(
        "start_payment",
        provider=provider,
        payment=info,
        return_url="https://hue.sieuapp.test/payments/done",
        client_ip="203.0.113.7",
        language="vi",
    )


def test_the_checkout_is_a_vietqr_for_this_payment(call_hook, configured):
    info = payment()
    checkout = start(call_hook, info)

    assert isinstance(checkout, Checkout)
    assert checkout.redirect_url is None
    decoded = decode(checkout.qr_payload)
    assert decoded.initiation == "12"
    assert decoded.vietqr.bank_bin == "970436"
    assert decoded.vietqr.account_number == "0011001932418"
    assert decoded.vietqr.service_code == "QRIBFTTA"
    assert decoded.vietqr.amount == 150000
    assert decoded.vietqr.purpose == info.id


def test_the_instructions_name_everything_needed_to_pay_by_hand(call_hook, configured):
    info = payment(amount=1250000)
    instructions = start(call_hook, info).instructions
    for words, amount in ((instructions.vi, "1.250.000 ₫"), (instructions.en, "1,250,000 VND")):
        for needed in ("Vietcombank", "0011001932418", "UBND THANH PHO HUE", info.id, amount):
            assert needed in words, (needed, words)
    assert "nội dung" in instructions.vi and "transfer content" in instructions.en


def test_a_card_is_named_a_card(call_hook, configure_plugin):
    card = {**CONFIG, "service_code": "QRIBFTTC", "account_number": "9704366614528888"}
    assert configure_plugin(card).status_code == 200
    checkout = start(call_hook, payment())
    assert decode(checkout.qr_payload).vietqr.service_code == "QRIBFTTC"
    assert "số thẻ 9704366614528888" in checkout.instructions.vi
    assert "card number 9704366614528888" in checkout.instructions.en


def test_another_providers_payment_is_not_ours(call_hook, configured):
    assert start(call_hook, payment(), provider="vnpay") is None


def test_unconfigured_start_is_refused(call_hook, configure_plugin):
    assert configure_plugin({}).status_code == 200
    with pytest.raises(Exception, match="not available"):
        start(call_hook, payment())


def test_an_id_a_bank_would_change_is_refused_rather_than_never_matched(call_hook, configured):
    with pytest.raises(Exception, match="payment.id"):
        start(call_hook, payment(id="pay_01hzx5k9m2q7r8t4vabc"))
