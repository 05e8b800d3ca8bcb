"""The payer's browser coming back from VNPay's page: sent on to the host's return URL with the
result when VNPay's signature holds, a small page in the payer's language when it does not, and
never a settled payment: only the IPN settles."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest

from .conftest import open_at_gateway, start


@pytest.fixture
def started(admin_client, citizen_client, configured):
    payment = start(admin_client, citizen_client)
    open_at_gateway(payment)
    return payment


def back(client, location: str, **headers: str):
    """The browser following VNPay's redirect to the platform."""
    parts = urlsplit(location)
    assert parts.netloc == "hue.sieuapp.test"
    return client.get(f"{parts.path}?{parts.query}", headers=headers)


def test_a_paid_payer_is_sent_to_the_host_without_settling(citizen_client, configured, started):
    response = back(citizen_client, configured.pay(started.id))

    assert response.status_code == 303
    assert response.headers["Location"] == "/app/payments/done?vnpay_result=succeeded"
    # The IPN settles; the browser passing by does not.
    payment = citizen_client.get(f"/api/v1/payments/{started.id}").get_json()
    assert payment["status"] == "processing"


def test_a_payer_who_canceled_is_told_so(citizen_client, configured, started):
    response = back(citizen_client, configured.cancel(started.id))
    assert response.headers["Location"] == "/app/payments/done?vnpay_result=canceled"


def test_the_hosts_default_return_url_is_kept(admin_client, citizen_client, configured):
    payment = start(admin_client, citizen_client, return_url=None)
    open_at_gateway(payment)
    response = back(citizen_client, configured.pay(payment.id))
    assert response.headers["Location"] == f"/payments/{payment.id}/done?vnpay_result=succeeded"
    # The host's page reads the payment, not the way back.
    landed = citizen_client.get(response.headers["Location"])
    assert "Đang chờ xác nhận" in landed.get_data(as_text=True)


def test_anyone_may_come_back(anonymous_client, configured, started):
    # The browser may have lost its session at the bank: the signature is the check.
    assert back(anonymous_client, configured.pay(started.id)).status_code == 303


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("vi", "Không xác nhận được kết quả thanh toán"),
        ("en", "The payment result cannot be confirmed"),
    ],
)
def test_a_tampered_return_shows_a_page_in_the_payers_language(
    citizen_client, configured, started, language, title
):
    location = configured.cancel(started.id)
    forged = location.replace("vnp_ResponseCode=24", "vnp_ResponseCode=00")
    assert forged != location

    response = back(citizen_client, forged, **{"Accept-Language": language})

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert title in response.get_data(as_text=True)
    assert f'lang="{language}"' in response.get_data(as_text=True)
    assert "Location" not in response.headers


def test_a_token_of_another_payment_leads_nowhere(
    admin_client, citizen_client, configured, started
):
    other = start(admin_client, citizen_client, return_url="/app/elsewhere")
    open_at_gateway(other)
    theirs = urlsplit(configured.pay(other.id))
    ours = urlsplit(configured.pay(started.id))
    # VNPay's signed result for our payment, with the other payment's way back.
    token = dict(p.split("=", 1) for p in theirs.query.split("&"))["t"]
    query = "&".join(p for p in ours.query.split("&") if not p.startswith("t="))
    response = citizen_client.get(f"{ours.path}?{urlencode({'t': token})}&{query}")
    assert response.status_code == 400
    assert "Liên kết quay lại không còn dùng được" in response.get_data(as_text=True)
