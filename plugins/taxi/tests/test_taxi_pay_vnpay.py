"""Paying a ride in the app, for real over HTTP: the rider checks out with VNPay (its simulator
on loopback, as a partner tests against a gateway's sandbox), VNPay notifies the platform, and
the platform tells the taxi plugin (``payment_succeeded``) that the ride is paid."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sieuapp_vnpay.simulator import Simulator

from .conftest import GA_HUE, NGO_MON, near

TMN_CODE = "SIEUTAXI"
HASH_SECRET = "Q7ZK2M9XW4RT8YPB3NV6HC1JD5GF0LSA"


@pytest.fixture
def sieuapp_plugins() -> list[str]:
    return ["taxi", "vnpay"]


@pytest.fixture
def vnpay(sieuapp_server_url: str, admin_client: Any) -> Iterator[Simulator]:
    with Simulator(
        TMN_CODE,
        HASH_SECRET,
        ipn_url=f"{sieuapp_server_url}/m/vnpay/ipn",
        ipn_retries=2,
        ipn_retry_interval=0.05,
    ) as simulator:
        configured = admin_client.put(
            "/api/v1/admin/plugins/vnpay/config",
            json={
                "tmn_code": TMN_CODE,
                "hash_secret": HASH_SECRET,
                "payment_url": simulator.payment_url,
                "api_url": simulator.api_url,
                "order_type": "other",
                "timeout_seconds": 5,
            },
        )
        assert configured.status_code == 200, configured.get_json()
        yield simulator


def test_a_ride_paid_with_vnpay_is_marked_paid_by_the_platforms_hook(province, vnpay):
    citizen, an = province.citizen, province.drivers["an"]
    an.online(near(NGO_MON, north_m=200))
    ride = citizen.post("/m/taxi/rides", json={"pickup": NGO_MON, "dropoff": GA_HUE}).get_json()
    an.client.post(f"/m/taxi/driver/offers/{an.state()['offer']['id']}/accept")
    steps = f"/m/taxi/driver/rides/{ride['id']}"
    for step in ("arrived", "start"):
        an.client.post(f"{steps}/{step}")
    an.client.post(f"{steps}/end", json={"distance_m": 2400})
    fare = citizen.get(f"/m/taxi/rides/{ride['id']}").get_json()["fare"]

    started = citizen.post(f"/m/taxi/rides/{ride['id']}/payment", json={"method": "platform"})
    payment = started.get_json()["payment"]
    assert payment["amount"] == fare
    checkout = citizen.post(
        payment["checkout_url"],
        json={"provider": "vnpay", "return_url": "/app/payments/done"},
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    assert checkout.status_code == 200, checkout.get_json()
    page = requests.get(checkout.get_json()["redirect_url"], timeout=5)
    assert page.status_code == 200
    paid = requests.post(
        f"{vnpay.base_url}/paymentv2/complete",
        data={"txn_ref": payment["id"], "action": "pay"},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 303
    [call] = vnpay.ipn_calls
    assert call.rsp_code == "00"
    province.platform.run_tasks()  # the platform's outbox calls the plugin's hook

    shown = citizen.get(f"/m/taxi/rides/{ride['id']}").get_json()
    assert shown["payment"] == {
        "method": "platform",
        "payment_id": payment["id"],
        "paid": True,
        "paid_at": shown["payment"]["paid_at"],
    }
    # Paid once: neither cash nor a second payment can follow.
    assert (
        citizen.post(f"/m/taxi/rides/{ride['id']}/payment", json={"method": "cash"}).status_code
        == 409
    )
    assert (
        citizen.post(f"/m/taxi/rides/{ride['id']}/payment", json={"method": "platform"}).status_code
        == 409
    )
    figures = province.partner.get("/m/taxi/firm/stats").get_json()["firms"][0]
    assert (figures["paid_in_app"], figures["revenue"]) == (1, fare)
