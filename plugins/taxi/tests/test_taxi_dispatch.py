"""Matching and offers: the nearest fresh driver of the right car and firm; a decline or a
silent driver passes the ride to the next; nobody left cancels it as the provider's."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from .conftest import GA_HUE, NGO_MON, near


def request(citizen, **extra):
    answer = citizen.post("/m/taxi/rides", json={"pickup": NGO_MON, "dropoff": GA_HUE, **extra})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_decline_passes_the_ride_to_the_next_nearest(province):
    an, binh = province.drivers["an"], province.drivers["binh"]
    an.online(near(NGO_MON, north_m=100))
    binh.online(near(NGO_MON, north_m=800))
    ride = request(province.citizen)
    first = an.state()["offer"]
    declined = an.client.post(f"/m/taxi/driver/offers/{first['id']}/decline")
    assert declined.status_code == 200 and declined.get_json()["status"] == "available"
    second = binh.state()["offer"]
    assert second["ride_id"] == ride["id"]
    # The first driver is not asked again, and cannot take it back.
    assert an.state()["offer"] is None
    assert an.client.post(f"/m/taxi/driver/offers/{first['id']}/accept").status_code == 404


def silent_driver_then_another(province, configure_plugin):
    configure_plugin({"firms": ["mai-linh-hue", "thanh-cong-hue"], "offer_timeout_seconds": 5})
    an, dung = province.drivers["an"], province.drivers["dung"]
    an.online(near(NGO_MON, east_m=100))
    dung.online(near(NGO_MON, east_m=1500))
    ride = request(province.citizen)
    offer = an.state()["offer"]
    assert offer is not None and dung.state()["offer"] is None
    time.sleep(5.2)
    return an, dung, ride, offer


def test_an_unanswered_offer_times_out_to_the_next_driver_by_its_task(province, configure_plugin):
    an, dung, ride, offer = silent_driver_then_another(province, configure_plugin)
    # The delayed task queued with the offer is due: the platform's worker runs it.
    assert province.platform.run_tasks() >= 1
    assert dung.state()["offer"]["ride_id"] == ride["id"]
    assert an.client.post(f"/m/taxi/driver/offers/{offer['id']}/accept").status_code == 404


def test_a_read_of_the_ride_falls_through_when_no_worker_ran(province, configure_plugin):
    an, dung, ride, offer = silent_driver_then_another(province, configure_plugin)
    # No task ran; the rider's next look at the ride passes it on all the same.
    assert province.citizen.get(f"/m/taxi/rides/{ride['id']}").get_json()["state"] == "requested"
    assert dung.state()["offer"]["ride_id"] == ride["id"]
    assert an.state()["status"] == "available"
    late = an.client.post(f"/m/taxi/driver/offers/{offer['id']}/accept")
    assert late.status_code == 404


def test_nobody_near_cancels_as_the_provider(province):
    far = province.drivers["an"]
    far.online(near(NGO_MON, north_m=9000))  # outside the 3 km radius
    ride = request(province.citizen)
    assert (ride["state"], ride["cancelled_by"], ride["cancel_reason"]) == (
        "cancelled",
        "provider",
        "no_driver_available",
    )
    assert far.state()["offer"] is None
    inbox = province.citizen.get("/api/v1/me/notifications").get_json()["notifications"]
    assert inbox[0]["kind"] == "taxi.no_driver"
    # The rider may ask again at once.
    assert (
        province.citizen.post(
            "/m/taxi/rides", json={"pickup": NGO_MON, "dropoff": GA_HUE}
        ).status_code
        == 201
    )


def test_car_size_and_firm_are_respected(province):
    an, chi, dung = province.drivers["an"], province.drivers["chi"], province.drivers["dung"]
    chi.online(near(NGO_MON, north_m=50))  # 7 seats, nearest
    dung.online(near(NGO_MON, north_m=100))  # Thành Công
    an.online(near(NGO_MON, north_m=700))
    ride = request(province.citizen, seats=4, firm="mai-linh-hue")
    assert an.state()["offer"]["ride_id"] == ride["id"]
    assert chi.state()["offer"] is None and dung.state()["offer"] is None


def test_an_old_batch_of_positions_does_not_move_the_driver(province):
    an = province.drivers["an"]
    an.online(near(NGO_MON, north_m=100))
    old = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    # A batch from a phone that lost its signal arrives late: it is older than what we have.
    sent = an.client.post(
        "/m/taxi/driver/locations", json={"points": [{**near(NGO_MON, 5000), "at": old}]}
    )
    assert sent.get_json()["accepted"] == 0
    ride = request(province.citizen)
    assert an.state()["offer"]["distance_m"] < 150 and an.state()["offer"]["ride_id"] == ride["id"]


def test_one_ride_at_a_time_per_rider_and_the_rider_may_cancel(province):
    an = province.drivers["an"]
    an.online(near(NGO_MON, north_m=100))
    ride = request(province.citizen)
    again = province.citizen.post("/m/taxi/rides", json={"pickup": NGO_MON, "dropoff": GA_HUE})
    assert again.status_code == 409 and again.get_json()["errors"]["ride_id"] == [ride["id"]]
    cancelled = province.citizen.post(
        f"/m/taxi/rides/{ride['id']}/cancel", json={"reason": "changed_mind"}
    )
    assert cancelled.status_code == 200
    assert (cancelled.get_json()["state"], cancelled.get_json()["cancelled_by"]) == (
        "cancelled",
        "passenger",
    )
    # The offer is withdrawn and the driver free.
    assert an.state()["offer"] is None and an.state()["status"] == "available"


def test_a_rider_who_cancels_after_acceptance_frees_and_tells_the_driver(province):
    an = province.drivers["an"]
    an.online(near(NGO_MON, north_m=100))
    ride = request(province.citizen)
    an.client.post(f"/m/taxi/driver/offers/{an.state()['offer']['id']}/accept")
    assert an.state()["status"] == "busy"
    province.citizen.post(f"/m/taxi/rides/{ride['id']}/cancel", json={"reason": "driver_too_far"})
    assert an.state()["status"] == "available"
    inbox = an.client.get("/api/v1/me/notifications").get_json()["notifications"]
    assert inbox[0]["kind"] == "taxi.cancelled_by_rider"


def test_the_fare_follows_the_tariff_quoted_not_one_published_mid_ride(province):
    an = province.drivers["an"]
    an.online(near(NGO_MON, north_m=100))
    ride = request(province.citizen)
    an.client.post(f"/m/taxi/driver/offers/{an.state()['offer']['id']}/accept")
    steps = f"/m/taxi/driver/rides/{ride['id']}"
    an.client.post(f"{steps}/arrived")
    an.client.post(f"{steps}/start")
    doubled = {
        "opening_fare": 24_000,
        "bands": [{"up_to_km": None, "per_km": 31_200}],
        "waiting_per_minute": 2_000,
    }
    assert province.partner.put("/m/taxi/firm/tariffs/4", json=doubled).status_code == 200
    ended = an.client.post(f"{steps}/end", json={"distance_m": 2000}).get_json()
    assert ended["fare"] == 28_000  # 12,000 + 15,600 for the second km, as quoted


def test_drivers_cannot_skip_steps_or_touch_another_drivers_ride(province):
    an, binh = province.drivers["an"], province.drivers["binh"]
    an.online(near(NGO_MON, north_m=100))
    binh.online(near(NGO_MON, north_m=2000))
    ride = request(province.citizen)
    an.client.post(f"/m/taxi/driver/offers/{an.state()['offer']['id']}/accept")
    steps = f"/m/taxi/driver/rides/{ride['id']}"
    skipped = an.client.post(f"{steps}/start")
    assert skipped.status_code == 409 and skipped.get_json()["errors"]["state"] == ["reserved"]
    assert binh.client.post(f"{steps}/arrived").status_code == 404
    assert (
        province.citizen.post(f"/m/taxi/rides/{ride['id']}/rating", json={"stars": 5}).status_code
        == 409
    )
    # Going offline mid-ride is refused.
    assert an.client.post("/m/taxi/driver/offline").status_code == 409
    assert an.client.post(f"{steps}/cancel", json={"reason": "bored"}).status_code == 422
