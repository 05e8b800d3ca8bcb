"""The demo's payments: VNPay pointed at the simulator next to the demo and VietQR at a
fictional account, a fee to pay and a bill paid at the counter; a second run adds nothing and
a province's own VNPay settings are never overwritten."""

from __future__ import annotations

import pytest
from sieuapp.core.demo.instance import seed
from sieuapp.core.demo.payments import TMN_CODE
from sieuapp.core.payments import ledger

from .reports_support import tenant_id


@pytest.fixture
def demo(make_platform):
    platform = make_platform(plugins=["vnpay", "vietqr"])
    report = seed(platform.app, "127.0.0.1", 8200)
    return platform, report


def config_of(platform, plugin_id: str) -> dict:
    plugins = platform.client("province_admin").get("/api/v1/admin/plugins").get_json()
    [found] = [p for p in plugins["plugins"] if p["id"] == plugin_id]
    return found["state"]["config"]


def test_the_demo_can_be_paid_with_every_provider(demo):
    platform, report = demo
    assert sorted(report.payment_providers) == ["vietqr", "vnpay"]
    assert report.payments_created == 2
    offered = platform.client("citizen").get("/api/v1/payments/providers").get_json()
    assert {p["name"] for p in offered} == {"counter", "vietqr", "vnpay"}
    config = config_of(platform, "vnpay")
    assert config["values"]["payment_url"] == "http://127.0.0.1:8201/paymentv2/vpcpay.html"
    assert config["secrets_set"] == ["hash_secret"]
    assert "hash_secret" not in config["values"]
    mine = platform.client("citizen").get("/api/v1/me/payments").get_json()["payments"]
    assert sorted(p["status"] for p in mine) == ["requires_payment_method", "succeeded"]
    with platform.context() as session:
        hue = tenant_id(session)
        assert ledger.imbalance(session, hue) == 0
        assert ledger.balance(session, hue, "payee:huewaco") == -287_500


def test_a_second_run_adds_nothing_and_keeps_a_provinces_own_settings(demo):
    platform, _ = demo
    admin = platform.client("province_admin")
    url = "/api/v1/admin/plugins/vnpay/config"
    own = {**config_of(platform, "vnpay")["values"], "tmn_code": "HUE00001"}
    own = {k: v for k, v in own.items() if v is not None}
    answer = admin.put(url, json={**own, "hash_secret": "real-merchant-secret-0123456789"})
    assert answer.status_code == 200, answer.get_json()
    again = seed(platform.app, "127.0.0.1", 9000)
    assert again.payments_created == 0
    assert "vnpay" not in again.payment_providers
    kept = config_of(platform, "vnpay")["values"]
    assert (kept["tmn_code"], kept["payment_url"]) == ("HUE00001", own["payment_url"])
    assert TMN_CODE != "HUE00001"
