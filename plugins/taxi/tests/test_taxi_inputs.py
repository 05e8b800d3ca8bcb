"""Bad input is refused in the platform's error format, naming each field, writing nothing."""

from __future__ import annotations

import pytest

from .conftest import GA_HUE, NGO_MON


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"pickup", "dropoff"}),
        ({"pickup": {"lat": 95, "lon": 107.5}, "dropoff": GA_HUE}, {"pickup.lat"}),
        ({"pickup": NGO_MON, "dropoff": {"lat": 16.4, "lon": "x"}}, {"dropoff.lon"}),
        ({"pickup": NGO_MON, "dropoff": NGO_MON}, {"dropoff"}),
        ({"pickup": NGO_MON, "dropoff": {"lat": 10.77, "lon": 106.70}}, {"dropoff"}),
        ({"pickup": NGO_MON, "dropoff": GA_HUE, "seats": 5}, {"seats"}),
        ({"pickup": NGO_MON, "dropoff": GA_HUE, "firm": "vnpt-hue"}, {"firm"}),
        ({"pickup": NGO_MON, "dropoff": GA_HUE, "passengers": 5}, {"passengers"}),
        ({"pickup": NGO_MON, "dropoff": GA_HUE, "seats": 7, "firm": "thanh-cong-hue"}, {"seats"}),
        ({"pickup": NGO_MON, "dropoff": GA_HUE, "tip": 1}, {"tip"}),
    ],
)
def test_a_bad_ride_request_names_its_fields_and_writes_nothing(province, body, fields):
    answer = province.citizen.post("/m/taxi/rides", json=body)
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["code"] == "invalid_input"
    assert set(answer.get_json()["errors"]) == fields
    assert province.citizen.get("/m/taxi/rides").get_json()["rides"] == []


def test_messages_are_vietnamese_first_and_english_on_request(province):
    body = {"pickup": NGO_MON, "dropoff": GA_HUE, "seats": 5}
    vi = province.citizen.post("/m/taxi/estimate", json=body).get_json()
    en = province.citizen.post(
        "/m/taxi/estimate", json=body, headers={"Accept-Language": "en"}
    ).get_json()
    assert vi["errors"]["seats"] == ["Xe 4 hoặc 7 chỗ."]
    assert en["errors"]["seats"] == ["4 or 7 seats."]


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"plate": "ABC", "seats": 4}, "plate", 422),
        ({"plate": "75A-999.99", "seats": 5}, "seats", 422),
        ({"plate": "75a 123 45", "seats": 4}, "plate", 409),  # the same car, typed differently
    ],
)
def test_vehicles_are_checked(province, body, field, status):
    answer = province.partner.post("/m/taxi/firm/vehicles", json=body)
    assert answer.status_code == status
    assert field in answer.get_json()["errors"]


def test_drivers_are_checked(province):
    an = province.drivers["an"]
    again = province.other_partner.post(
        "/m/taxi/firm/drivers", json={"user_id": an.user_id, "name": "An", "phone": "0905123456"}
    )
    assert again.status_code == 409 and "user_id" in again.get_json()["errors"]
    bad = province.partner.post(
        "/m/taxi/firm/drivers", json={"user_id": "nobody", "name": "", "phone": "12"}
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"user_id", "name", "phone"}


def test_driver_positions_are_checked_point_by_point(province):
    an = province.drivers["an"]
    assert an.client.post("/m/taxi/driver/locations", json={"points": [NGO_MON]}).status_code == 409
    an.online(NGO_MON)
    bad = an.client.post(
        "/m/taxi/driver/locations",
        json={
            "points": [
                NGO_MON,
                {"lat": 16.4, "lon": 200},
                {**NGO_MON, "at": "2099-01-01T00:00:00+07:00"},
            ]
        },
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"points[1].lon", "points[2].at"}
    assert an.client.post("/m/taxi/driver/locations", json={"points": []}).status_code == 422
    # A car already driven by someone else cannot be taken.
    binh = province.drivers["binh"]
    taken = binh.client.post(
        "/m/taxi/driver/online", json={"vehicle_id": an.vehicle_id, "position": NGO_MON}
    )
    assert taken.status_code == 409
    not_ours = binh.client.post(
        "/m/taxi/driver/online",
        json={"vehicle_id": province.drivers["dung"].vehicle_id, "position": NGO_MON},
    )
    assert not_ours.status_code == 422 and "vehicle_id" in not_ours.get_json()["errors"]


def test_only_drivers_use_the_driver_api(province, citizen_client):
    assert citizen_client.get("/m/taxi/driver").status_code == 404
    assert citizen_client.post("/m/taxi/driver/online", json={}).status_code == 404
