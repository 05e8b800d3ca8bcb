"""Fares from a firm's tariff, and a tariff refused field by field when it is wrong."""

from __future__ import annotations

import pytest
from sieuapp_taxi.tariffs import Band, Fares

from .conftest import MAI_LINH_4

TARIFF = Fares(12_000, 1.0, (Band(30, 15_600), Band(None, 12_600)), 1_000)


@pytest.mark.parametrize(
    ("metres", "waiting_s", "fare"),
    [
        (0, 0, 12_000),  # the opening fare covers the first km
        (1_000, 0, 12_000),
        (2_000, 0, 28_000),  # 27,600 rounds to 28,000
        (30_000, 0, 464_000),  # 12,000 + 29 × 15,600 = 464,400
        (40_000, 0, 590_000),  # + 10 × 12,600 = 590,400
        (1_000, 300, 17_000),  # five minutes of waiting
    ],
)
def test_price_by_band_and_waiting(metres, waiting_s, fare):
    assert TARIFF.price(metres, waiting_s) == fare


def test_a_firm_publishes_and_reads_its_tariffs(province):
    listed = province.partner.get("/m/taxi/firm/tariffs").get_json()["tariffs"]
    assert [t["seats"] for t in listed] == [4, 7]
    assert listed[0]["bands"] == MAI_LINH_4["bands"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**MAI_LINH_4, "opening_fare": -1}, "opening_fare"),
        ({**MAI_LINH_4, "opening_fare": "12000"}, "opening_fare"),
        ({**MAI_LINH_4, "bands": []}, "bands"),
        ({**MAI_LINH_4, "bands": [{"up_to_km": 30, "per_km": 15_600}]}, "bands[0].up_to_km"),
        (
            {
                **MAI_LINH_4,
                "bands": [{"up_to_km": 0.5, "per_km": 1}, {"up_to_km": None, "per_km": 1}],
            },
            "bands[0].up_to_km",
        ),
        ({**MAI_LINH_4, "bands": [{"up_to_km": None, "per_km": 0}]}, "bands[0].per_km"),
        ({**MAI_LINH_4, "opening_km": 50}, "opening_km"),
        ({**MAI_LINH_4, "surge": 2}, "surge"),
    ],
)
def test_a_wrong_tariff_is_refused_naming_the_field_and_changes_nothing(province, body, field):
    before = province.partner.get("/m/taxi/firm/tariffs").get_json()
    answer = province.partner.put("/m/taxi/firm/tariffs/4", json=body)
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]
    assert province.partner.get("/m/taxi/firm/tariffs").get_json() == before


def test_only_a_firms_staff_manage_its_fleet(province, citizen_client, official_client):
    for client in (citizen_client, official_client):
        assert client.put("/m/taxi/firm/tariffs/4", json=MAI_LINH_4).status_code == 403
        assert client.get("/m/taxi/firm/vehicles").status_code == 403
    # Each firm sees its own cars only.
    mine = province.partner.get("/m/taxi/firm/vehicles").get_json()["vehicles"]
    theirs = province.other_partner.get("/m/taxi/firm/vehicles").get_json()["vehicles"]
    assert {v["firm"] for v in mine} == {"mai-linh-hue"} and len(mine) == 3
    assert {v["firm"] for v in theirs} == {"thanh-cong-hue"}
    other_car = theirs[0]["id"]
    assert (
        province.partner.patch(
            f"/m/taxi/firm/vehicles/{other_car}", json={"active": False}
        ).status_code
        == 404
    )
