"""The public alerts API behind the app's banner: current real alerts of the host's province,
in the caller's language, filtered by commune or point; bad filters are a 422 naming them."""

from __future__ import annotations

from .cap_support import (
    INSIDE,
    OUTSIDE,
    RING,
    add_tenant,
    area,
    cancel_alert,
    communes,
    data,
    make_alert,
)

URL = "/api/v1/public/alerts"


def headlines(platform, query: str = "", language: str = "vi", tenant: str | None = None):
    answer = platform.client(tenant=tenant).get(URL + query, headers={"Accept-Language": language})
    assert answer.status_code == 200, answer.json
    return [item["headline"] for item in answer.json["items"]]


def test_current_real_alerts_in_the_callers_language(platform):
    make_alert(platform, data(headline="Lũ A", headline_en="Flood A"))
    make_alert(platform, data(headline="Nháp", headline_en="Draft"), publish=False)
    make_alert(platform, data(headline="Diễn tập", headline_en="Drill", status="Exercise"))
    make_alert(platform, data(headline="Riêng", scope="Restricted", restriction="IOC"))
    assert headlines(platform) == ["Lũ A"]
    assert headlines(platform, language="en") == ["Flood A"]
    item = platform.client().get(URL).json["items"][0]
    assert item["cap_url"].endswith(".xml") and item["sent"].endswith("+07:00")
    assert platform.client().get(item["cap_url"]).status_code == 200
    assert "created_by" not in item and "id" not in item


def test_a_cancelled_alert_shows_its_cancellation(platform):
    alert_id = make_alert(platform, data(headline="Lũ B", expires="2099-01-01T00:00:00+07:00"))
    cancel_alert(platform, alert_id)
    answer = platform.client().get(URL).json["items"]
    assert [i["msg_type"] for i in answer] == ["Cancel"]


def test_filter_by_commune(platform):
    with platform.context() as session:
        first, second = communes(session)
    make_alert(platform, data(area(communes=[first]), headline="Xã 1"))
    make_alert(platform, data(area(communes=[second]), headline="Xã 2"))
    assert headlines(platform, f"?unit={first}") == ["Xã 1"]
    assert sorted(headlines(platform)) == ["Xã 1", "Xã 2"]
    assert headlines(platform, "?unit=00000") == []


def test_filter_by_point(platform):
    make_alert(platform, data(area(polygons=[RING]), headline="Vùng"))
    lat, lon = INSIDE
    assert headlines(platform, f"?lat={lat}&lon={lon}") == ["Vùng"]
    lat, lon = OUTSIDE
    assert headlines(platform, f"?lat={lat}&lon={lon}") == []


def test_bad_filters_are_named(platform):
    client = platform.client()
    for query, field in (
        ("?lat=16.4", "lon"),
        ("?lat=100&lon=107", "lat"),
        ("?lat=abc&lon=107", "lat"),
        ("?unit=12345678901", "unit"),
        ("?unit=1&lat=1&lon=1", "unit"),
    ):
        answer = client.get(URL + query)
        assert answer.status_code == 422, query
        assert field in answer.json["errors"], (query, answer.json)


def test_another_provinces_alerts_are_not_shown(platform):
    add_tenant(platform)
    make_alert(platform, data(headline="Đà Nẵng"), slug="danang")
    make_alert(platform, data(headline="Huế"))
    assert headlines(platform) == ["Huế"]
    assert headlines(platform, tenant="danang") == ["Đà Nẵng"]
