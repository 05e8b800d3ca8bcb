"""The payee's back-end hears of its payments through signed webhooks: once per outcome however
often the gateway repeats itself, verified by the official Standard Webhooks library."""

from __future__ import annotations

import json

import pytest
from standardwebhooks.webhooks import Webhook

from .payments_support import buy, pay, shop_platform
from .webhooks_support import create_endpoint, running_receiver, settle

EVENTS = ["payment.succeeded", "payment.failed", "payment.refunded"]


@pytest.fixture
def platform(make_platform, synthetic):
    return shop_platform(make_platform, synthetic, webhook_allow_local=True)


@pytest.fixture
def receiver():
    with running_receiver() as running:
        yield running


def test_the_payee_hears_each_outcome_once_signed(platform, receiver):
    partner = platform.client("partner_staff")
    endpoint = create_endpoint(partner, receiver.url(), event_types=EVENTS)
    citizen = platform.client("citizen")
    paid = buy(citizen, 80_000, metadata={"ticket": "T-1"}).get_json()
    pay(platform, citizen, paid["id"], ref="BX-1")
    # The gateway says it again, twice.
    for _ in range(2):
        platform.client(None).post(
            "/m/bankx/notify", json={"payment": paid["id"], "amount": 80_000, "ref": "BX-1"}
        )
    partner.post(f"/api/v1/payments/{paid['id']}/refunds", json={"amount": 30_000, "reason": "Đổi"})
    declined = buy(citizen, 10_000).get_json()
    pay(platform, citizen, declined["id"], ok=False)
    platform.run_tasks()
    settle(platform)

    verifier = Webhook(endpoint["secret"])
    events = []
    for request in receiver.requests:
        headers = {k.lower(): v for k, v in request.headers.items()}
        events.append(verifier.verify(request.body, headers))
    # Each outcome once; in what order is not promised (Standard Webhooks deliveries are
    # independent: the two payments' events may cross), so the order is not asserted.
    assert sorted((e["type"], e["data"]["id"], e["data"]["moved"]) for e in events) == sorted(
        [
            ("payment.succeeded", paid["id"], 80_000),
            ("payment.refunded", paid["id"], 30_000),
            ("payment.failed", declined["id"], 10_000),
        ]
    )
    succeeded = next(e for e in events if e["type"] == "payment.succeeded")["data"]
    assert (succeeded["payee"], succeeded["provider_ref"], succeeded["metadata"]) == (
        "mai-linh-hue",
        "BX-1",
        {"ticket": "T-1"},
    )
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 3


def test_another_organization_hears_nothing(platform, receiver):
    admin = platform.client("province_admin")
    answer = admin.post(
        "/api/v1/webhooks/endpoints",
        json={"url": receiver.url(), "event_types": EVENTS, "organization": "so-xay-dung"},
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["organization"] == "so-xay-dung"
    citizen = platform.client("citizen")
    pay(platform, citizen, buy(citizen, 5_000).get_json()["id"])
    platform.run_tasks()
    settle(platform)
    assert receiver.requests == []
    assert json.dumps(answer.get_json()).count("whsec_") == 1
