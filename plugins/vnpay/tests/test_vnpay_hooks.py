"""The hooks as the host calls them: the provider appears once VNPay is set up, a checkout is a
payment URL VNPay's page takes, and refunds and transaction queries reach the gateway."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sieuapp.sdk import Checkout, ProviderTransaction, RefundResult
from sieuapp_vnpay.about import PROVIDER
from sieuapp_vnpay.signing import verify

from .conftest import HASH_SECRET, TMN_CODE, gateway_config, payment, query_of

BACK = "http://hue.sieuapp.test/app/payments/done?tab=1"


def start(call_hook, info=None, return_url=BACK, language="vi", provider="vnpay"):
    return call_hook(
        "start_payment",
        provider=provider,
        payment=info or payment(),
        return_url=return_url,
        client_ip="203.113.1.2",
        language=language,
    )


def test_the_provider_and_health_follow_the_configuration(
    call_hook, configure_plugin, gateway, citizen_client
):
    assert call_hook("payment_providers") == []
    assert call_hook("health").ok is False
    names = [p["name"] for p in citizen_client.get("/api/v1/payments/providers").get_json()]
    assert "vnpay" not in names

    assert configure_plugin(gateway_config(gateway)).status_code == 200

    assert call_hook("payment_providers") == [PROVIDER]
    assert PROVIDER.problems() == []
    assert call_hook("health").ok is True
    offered = citizen_client.get("/api/v1/payments/providers", headers={"Accept-Language": "en"})
    [vnpay] = [p for p in offered.get_json() if p["name"] == "vnpay"]
    assert vnpay == {
        "name": "vnpay",
        "label": PROVIDER.label.en,
        "kind": "redirect",
        "refunds": True,
    }


@pytest.mark.parametrize(("language", "locale"), [("vi", "vn"), ("en", "en")])
def test_a_checkout_is_a_signed_payment_url_of_api_2_1_0(call_hook, configured, language, locale):
    created = datetime(2025, 5, 21, 2, 18, 6, tzinfo=UTC)
    info = payment(created_at=created, expires_at=created + timedelta(days=3650))

    checkout = start(call_hook, info, language=language)

    assert isinstance(checkout, Checkout)
    assert checkout.redirect_url.startswith(configured.payment_url + "?")
    params = query_of(checkout.redirect_url)
    assert verify(params, HASH_SECRET)
    return_url = params.pop("vnp_ReturnUrl")
    params.pop("vnp_SecureHash")
    assert params == {
        "vnp_Version": "2.1.0",
        "vnp_Command": "pay",
        "vnp_TmnCode": TMN_CODE,
        "vnp_Amount": "15000000",
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": info.id,
        "vnp_OrderInfo": (
            f"Le phi doi giay phep lai xe Da Nang {info.id}"
            if language == "vi"
            else f"Driving licence renewal fee {info.id}"
        ),
        "vnp_OrderType": "billpayment",
        "vnp_Locale": locale,
        "vnp_IpAddr": "203.113.1.2",
        # GMT+7: 02:18:06 UTC is 09:18:06 in Vietnam.
        "vnp_CreateDate": "20250521091806",
        "vnp_ExpireDate": (info.expires_at + timedelta(hours=7)).strftime("%Y%m%d%H%M%S"),
    }
    assert return_url.startswith("http://hue.sieuapp.test/m/vnpay/return?t=")
    assert len(return_url) <= 255
    # VNPay's page takes it.
    page = requests.get(checkout.redirect_url, timeout=5)
    assert page.status_code == 200 and "Error.html" not in page.url
    assert configured.orders[info.id].params["vnp_Amount"] == "15000000"


def test_a_configured_payment_method_is_sent(call_hook, configure_plugin, gateway):
    assert configure_plugin(gateway_config(gateway, bank_code="VNPAYQR")).status_code == 200
    assert query_of(start(call_hook).redirect_url)["vnp_BankCode"] == "VNPAYQR"


def test_other_providers_are_not_ours(call_hook, configured):
    assert start(call_hook, provider="vietqr") is None
    other = payment(provider="vietqr", provider_ref="1")
    assert (
        call_hook(
            "refund_payment",
            provider="vietqr",
            payment=other,
            amount=1,
            refund_id="RFD1",
            reason="x",
        )
        is None
    )
    assert call_hook("provider_transactions", provider="vietqr", payments=[other]) == []
    assert configured.api_requests == []


@pytest.mark.parametrize(
    "return_url",
    [
        "https://evil.example/steal",
        "http://hue.sieuapp.test.evil.example/x",
        "//evil.example/x",
        "/\\evil.example/x",
    ],
)
def test_the_payer_is_never_sent_off_the_host(sieuapp_platform, call_hook, configured, return_url):
    # The host checks its return URLs too; this holds even if one slipped through.
    request = sieuapp_platform.app.test_request_context("/", base_url="http://hue.sieuapp.test/")
    with request, pytest.raises(Exception, match="return_url"):
        start(call_hook, return_url=return_url)


def test_in_a_request_the_payer_comes_back_to_the_requests_host(
    sieuapp_platform, call_hook, configured
):
    with sieuapp_platform.app.test_request_context("/", base_url="https://hue.example.vn/"):
        checkout = start(call_hook, return_url="/app/payments/done")
    assert query_of(checkout.redirect_url)["vnp_ReturnUrl"].startswith(
        "https://hue.example.vn/m/vnpay/return?t="
    )


def test_outside_a_request_the_return_url_must_say_where(call_hook, configured):
    with pytest.raises(Exception, match="return_url: must be an absolute URL"):
        start(call_hook, return_url="/app/payments/done")


@pytest.mark.parametrize("amount", [4_999, 1_000_000_000])
def test_an_amount_vnpay_does_not_take_is_refused_to_the_payer_not_counted(
    sieuapp_platform, citizen_client, admin_client, configured, amount
):
    made = admin_client.post(
        "/api/v1/payments",
        json={
            "amount": amount,
            "purpose": {"vi": "Lệ phí", "en": "Fee"},
            "payee": "ubnd-hue",
            "payer_id": sieuapp_platform.users["citizen"].id,
        },
    )
    assert made.status_code == 201, made.get_json()
    answer = citizen_client.post(
        f"/api/v1/payments/{made.get_json()['id']}/checkout", json={"provider": "vnpay"}
    )
    assert answer.status_code == 422
    assert "amount" in answer.get_json()["errors"]
    modules = admin_client.get("/api/v1/admin/plugins").get_json()["plugins"]
    [vnpay] = [m for m in modules if m["id"] == "vnpay"]
    assert (vnpay["state"]["failure_count"], vnpay["state"]["enabled"]) == (0, True)


def test_a_return_url_too_long_for_vnpay_is_refused(call_hook, configured):
    with pytest.raises(Exception, match="return_url: too long"):
        start(call_hook, return_url="http://hue.sieuapp.test/" + "a" * 200)


def paid(call_hook, gateway, **overrides):
    """A payment started through the hook, opened at VNPay and paid there."""
    info = payment(**overrides)
    requests.get(start(call_hook, info).redirect_url, timeout=5)
    number = query_of(gateway.pay(info.id))["vnp_TransactionNo"]
    # The same payment as it was opened: its creation time is VNPay's vnp_CreateDate.
    return replace(info, status="succeeded", provider_ref=number)


def test_refunds_through_the_hook(call_hook, configured):
    info = paid(call_hook, configured)

    def refund(amount, refund_id, refunded=0):
        return call_hook(
            "refund_payment",
            provider="vnpay",
            payment=payment(**{**info.__dict__, "refunded": refunded}),
            amount=amount,
            refund_id=refund_id,
            reason="Hồ sơ bị hủy",
        )

    first = refund(50_000, "RFD0000000000000000001")
    assert isinstance(first, RefundResult) and first.succeeded, first.detail
    assert refund(100_001, "RFD0000000000000000002", refunded=50_000).succeeded is False
    assert refund(100_000, "RFD0000000000000000003", refunded=50_000).succeeded
    assert configured.orders[info.id].transaction.refunded == 15_000_000
    assert [r["vnp_TransactionType"] for r in configured.api_requests] == ["03", "03", "03"]


def test_a_refund_when_vnpay_is_not_set_up_fails_with_the_reason(call_hook):
    result = call_hook(
        "refund_payment",
        provider="vnpay",
        payment=payment(provider_ref="1"),
        amount=1,
        refund_id="RFD1",
        reason="x",
    )
    assert result == RefundResult(False, detail="not configured: set tmn_code and hash_secret")


def test_transactions_for_reconciliation(call_hook, configured):
    info = paid(call_hook, configured)
    never = payment(id="PAY3333333333333333333")
    requests.get(start(call_hook, never).redirect_url, timeout=5)

    found = call_hook("provider_transactions", provider="vnpay", payments=[info, never])

    assert found == [
        ProviderTransaction(
            payment_id=info.id,
            provider_ref=info.provider_ref,
            amount=150_000,
            kind="payment",
            succeeded=True,
            at=found[0].at,
        )
    ]
    assert abs(found[0].at - datetime.now(UTC)) < timedelta(minutes=1)


def test_transactions_cannot_be_listed_when_vnpay_cannot_be_asked(
    call_hook, configure_plugin, gateway
):
    with pytest.raises(Exception, match="not configured"):
        call_hook("provider_transactions", provider="vnpay", payments=[payment()])
    down = gateway_config(gateway, api_url="http://127.0.0.1:9/merchant_webapi/api/transaction")
    assert configure_plugin(down).status_code == 200
    with pytest.raises(Exception, match="cannot reach VNPay"):
        call_hook("provider_transactions", provider="vnpay", payments=[payment()])
