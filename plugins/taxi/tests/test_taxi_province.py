"""The province's view: trips in MDS 2.0 (checked against the MDS trip schema's rules) and the
per-firm statistics; paying in the app through the platform; a rider's data on request."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from .conftest import GA_HUE, NGO_MON, near

SCHEMA = json.loads((Path(__file__).parent / "mds_trips.schema.json").read_text())


def ride_to_the_end(province, driver, **extra):
    driver.online(near(NGO_MON, north_m=200))
    ride = province.citizen.post(
        "/m/taxi/rides",
        json={"pickup": NGO_MON, "dropoff": GA_HUE, "pickup_address": "Ngọ Môn, Huế", **extra},
    ).get_json()
    driver.client.post(f"/m/taxi/driver/offers/{driver.state()['offer']['id']}/accept")
    steps = f"/m/taxi/driver/rides/{ride['id']}"
    for step in ("arrived", "start"):
        assert driver.client.post(steps + "/" + step).status_code == 200
    driver.client.post("/m/taxi/driver/locations", json={"points": [GA_HUE]})
    assert driver.client.post(f"{steps}/end", json={"distance_m": 1900}).status_code == 200
    return ride


def this_hour_passed():
    """The MDS hour to ask for: this one, once it is over (we wait for nothing: ask the previous
    hour when the trip ended in it; otherwise the API rightly refuses an hour not yet past)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H")


def test_trips_export_in_mds_2_0_and_validate_against_its_rules(province, ioc_client):
    ride = ride_to_the_end(province, province.drivers["an"])
    province.citizen.post(f"/m/taxi/rides/{ride['id']}/payment", json={"method": "cash"})
    province.drivers["an"].client.post(f"/m/taxi/driver/rides/{ride['id']}/cash-received")
    hour = this_hour_passed()
    now_refused = ioc_client.get(f"/m/taxi/province/mds/trips?end_time={hour}")
    assert now_refused.status_code == 404 and "end_time" in now_refused.get_json()["errors"]
    previous = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H")
    empty = ioc_client.get(f"/m/taxi/province/mds/trips?end_time={previous}")
    assert empty.status_code == 200
    assert empty.headers["Content-Type"] == "application/vnd.mds+json;version=2.0"
    assert empty.get_json() == {"version": "2.0.0", "trips": []}
    jsonschema.validate(empty.get_json(), SCHEMA)


def test_a_trip_as_mds_describes_it(province, ioc_client, monkeypatch):
    ride = ride_to_the_end(province, province.drivers["an"], passengers=2)
    from sieuapp_taxi import mds

    ended = datetime.fromisoformat(
        province.citizen.get(f"/m/taxi/rides/{ride['id']}").get_json()["ended_at"]
    )
    trips = _trips_of_hour(province, ioc_client, ended, monkeypatch, mds)
    jsonschema.validate(trips, SCHEMA)
    [trip] = trips["trips"]
    assert trip["trip_id"] == ride["id"]
    assert trip["distance"] == 1900 and trip["currency"] == "VND"
    assert trip["trip_attributes"]["passenger_count"] == 2
    assert trip["trip_attributes"]["hail_type"] == "app"
    assert trip["fare_attributes"] == {"payment_type": "no_payment", "fare_type": "meter_fare"}
    assert "actual_cost" not in trip  # nothing paid yet
    assert trip["start_time"] <= trip["end_time"]
    assert trip["duration"] == round((trip["end_time"] - trip["start_time"]) / 1000)
    assert trip["end_location"] == {"lat": GA_HUE["lat"], "lng": GA_HUE["lon"]}


def _trips_of_hour(province, ioc_client, ended, monkeypatch, mds):
    """Ask for the hour the trip ended in, with the plugin's clock moved one hour on (the
    endpoint refuses an hour that has not passed yet)."""
    later = ended + timedelta(hours=1)
    monkeypatch.setattr(mds, "utcnow", lambda: later)
    answer = ioc_client.get(f"/m/taxi/province/mds/trips?end_time={ended.strftime('%Y-%m-%dT%H')}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


@pytest.mark.parametrize(
    ("end_time", "status"),
    [("", 400), ("2026-12-07", 400), ("2026-13-01T00", 400), ("9999-01-01T00", 404)],
)
def test_a_bad_hour_is_refused_by_name(ioc_client, province, end_time, status):
    # As MDS says: 400 for a missing or malformed hour, 404 for one not yet over.
    answer = ioc_client.get(f"/m/taxi/province/mds/trips?end_time={end_time}")
    assert answer.status_code == status and "end_time" in answer.get_json()["errors"]


def test_another_mds_version_is_not_acceptable(ioc_client, province):
    answer = ioc_client.get(
        "/m/taxi/province/mds/trips?end_time=2026-01-01T00",
        headers={"Accept": "application/vnd.mds+json;version=1.2"},
    )
    assert answer.status_code == 406 and "Accept" in answer.get_json()["errors"]
    fine = ioc_client.get(
        "/m/taxi/province/mds/trips?end_time=2026-01-01T00",
        headers={"Accept": "application/vnd.mds+json;version=2.0"},
    )
    assert fine.status_code == 200


def test_only_the_province_reads_trips_and_statistics(province, citizen_client, partner_client):
    for client in (citizen_client, partner_client):
        assert client.get("/m/taxi/province/mds/trips?end_time=2026-01-01T00").status_code == 403
        assert client.get("/m/taxi/province/stats").status_code == 403


def test_statistics_per_firm(province, admin_client):
    ride_to_the_end(province, province.drivers["an"])
    province.citizen.post(
        "/m/taxi/rides", json={"pickup": near(NGO_MON, north_m=20_000), "dropoff": GA_HUE}
    )  # nobody near: unmet demand
    stats = admin_client.get("/m/taxi/province/stats").get_json()
    by_firm = {f["firm"]: f for f in stats["firms"]}
    assert by_firm["mai-linh-hue"]["completed"] == 1
    assert by_firm["thanh-cong-hue"]["accepted"] == 0
    assert (stats["requested"], stats["no_driver_found"]) == (2, 1)
    assert admin_client.get("/m/taxi/province/stats?from=2026-13-01").status_code == 422


def test_paying_in_the_app_creates_one_platform_payment_to_the_firm(province):
    ride = ride_to_the_end(province, province.drivers["an"])
    pay = f"/m/taxi/rides/{ride['id']}/payment"
    first = province.citizen.post(pay, json={"method": "platform"})
    assert first.status_code == 200, first.get_json()
    payment = first.get_json()["payment"]
    # A retried request is the same payment, never a second one.
    assert (
        province.citizen.post(pay, json={"method": "platform"}).get_json()["payment"]["id"]
        == payment["id"]
    )
    shown = province.citizen.get(f"/api/v1/payments/{payment['id']}").get_json()
    assert (shown["amount"], shown["payee"]["code"], shown["status"]) == (
        province.citizen.get(f"/m/taxi/rides/{ride['id']}").get_json()["fare"],
        "mai-linh-hue",
        "requires_payment_method",
    )
    assert province.citizen.post(pay, json={"method": "bitcoin"}).status_code == 422


def test_a_riders_data_is_exported_and_erased(province, call_hook):
    ride = ride_to_the_end(province, province.drivers["an"])
    rider = province.citizen.get("/api/v1/me").get_json()["id"]
    exported = call_hook("export_user_data", user_id=rider)
    assert [r["id"] for r in exported["rides"]] == [ride["id"]]
    erased = call_hook("erase_user_data", user_id=rider)
    assert erased.erased and "rides" in erased.kept
    assert call_hook("export_user_data", user_id=rider)["rides"] == []


def test_switching_to_cash_cancels_the_open_payment_and_a_new_one_can_follow(province):
    ride = ride_to_the_end(province, province.drivers["an"])
    pay = f"/m/taxi/rides/{ride['id']}/payment"
    first = province.citizen.post(pay, json={"method": "platform"}).get_json()["payment"]
    assert province.citizen.post(pay, json={"method": "cash"}).status_code == 200
    cancelled = province.citizen.get(f"/api/v1/payments/{first['id']}").get_json()
    assert cancelled["status"] == "canceled"
    # Back to the app: a new payment, the cancelled one is never revived.
    second = province.citizen.post(pay, json={"method": "platform"}).get_json()["payment"]
    assert second["id"] != first["id"] and second["status"] == "requires_payment_method"
