"""A province with two taxi firms operating in the app, their fares, cars and drivers, set up
through the platform's HTTP APIs only, as the province and the firms would."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

PASSWORD = "Taxi-driver-2026!"
#: Huế: the Citadel's Ngọ Môn gate, and the railway station about 3 km south.
NGO_MON = {"lat": 16.4677, "lon": 107.5790}
GA_HUE = {"lat": 16.4563, "lon": 107.5780}
#: Mai Linh's published fares for Huế, 2026 (opening fare for the first km, then by band).
MAI_LINH_4 = {
    "opening_fare": 12_000,
    "opening_km": 1,
    "bands": [{"up_to_km": 30, "per_km": 15_600}, {"up_to_km": None, "per_km": 12_600}],
    "waiting_per_minute": 1_000,
}
MAI_LINH_7 = {
    "opening_fare": 14_000,
    "opening_km": 1,
    "bands": [{"up_to_km": 30, "per_km": 17_200}, {"up_to_km": None, "per_km": 14_100}],
    "waiting_per_minute": 1_200,
}
THANH_CONG_4 = {
    "opening_fare": 11_000,
    "opening_km": 0.7,
    "bands": [{"up_to_km": 25, "per_km": 16_000}, {"up_to_km": None, "per_km": 13_000}],
    "waiting_per_minute": 900,
}


@pytest.fixture
def sieuapp_plugins() -> list[str]:
    return ["taxi"]


def near(point: dict[str, float], north_m: float = 0, east_m: float = 0) -> dict[str, float]:
    """A point some metres north and east of ``point`` (good enough over a few km)."""
    return {"lat": point["lat"] + north_m / 111_195, "lon": point["lon"] + east_m / 106_700}


@dataclass
class Driver:
    user_id: str
    driver_id: int
    vehicle_id: int
    client: Any

    def online(self, at: dict[str, float]) -> Any:
        return self.client.post(
            "/m/taxi/driver/online", json={"vehicle_id": self.vehicle_id, "position": at}
        )

    def state(self) -> dict[str, Any]:
        response = self.client.get("/m/taxi/driver")
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@dataclass
class Province:
    platform: Any
    admin: Any
    partner: Any
    other_partner: Any
    citizen: Any
    drivers: dict[str, Driver]

    def client_for(self, username: str) -> Any:
        token = self.admin.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        ).get_json()["access_token"]
        client = self.platform.client(None)
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client


def create_user(admin: Any, username: str, roles: list[dict[str, Any]] | None = None) -> str:
    made = admin.post(
        "/api/v1/admin/users",
        json={
            "username": username,
            "password": PASSWORD,
            "full_name": f"Tài xế {username}",
            "email": None,
            "phone": "0905111222",
            "roles": roles or [],
        },
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def grant(client: Any, *scopes: str) -> None:
    answer = client.post("/api/v1/me/consents/taxi", json={"scopes": list(scopes)})
    assert answer.status_code == 200, answer.get_json()


@pytest.fixture
def province(
    sieuapp_platform: Any,
    admin_client: Any,
    partner_client: Any,
    citizen_client: Any,
    configure_plugin: Callable[[dict[str, Any]], Any],
) -> Province:
    """Mai Linh (the seeded partner, whose staff is ``partner_client``) and Thành Công, a second
    firm the province adds; both operate taxis in the app with four drivers between them."""
    made = admin_client.post(
        "/api/v1/admin/organizations",
        json={
            "code": "thanh-cong-hue",
            "kind": "partner",
            "name": "Taxi Thành Công Huế",
        },
    )
    assert made.status_code == 201, made.get_json()
    configured = configure_plugin(
        {"firms": ["mai-linh-hue", "thanh-cong-hue"], "offer_timeout_seconds": 15}
    )
    assert configured.status_code == 200, configured.get_json()
    create_user(
        admin_client, "tc-staff", [{"role": "partner_staff", "organization": "thanh-cong-hue"}]
    )
    result = Province(sieuapp_platform, admin_client, partner_client, None, citizen_client, {})
    result.other_partner = result.client_for("tc-staff")
    for firm_client, tariffs in (
        (partner_client, (MAI_LINH_4, MAI_LINH_7)),
        (result.other_partner, (THANH_CONG_4,)),
    ):
        for seats, tariff in zip((4, 7), tariffs, strict=False):
            put = firm_client.put(f"/m/taxi/firm/tariffs/{seats}", json=tariff)
            assert put.status_code == 200, put.get_json()
    plates = {"an": ("75A-123.45", 4), "binh": ("75A-234.56", 4), "chi": ("75A-345.67", 7)}
    for name, (plate, seats) in plates.items():
        result.drivers[name] = _driver(result, partner_client, name, plate, seats)
    result.drivers["dung"] = _driver(result, result.other_partner, "dung", "75B-456.78", 4)
    grant(citizen_client, "location", "notify", "phone")
    return result


def _driver(province: Province, firm: Any, name: str, plate: str, seats: int) -> Driver:
    username = f"driver-{name}-{secrets.token_hex(2)}"
    user_id = create_user(province.admin, username)
    car = firm.post("/m/taxi/firm/vehicles", json={"plate": plate, "seats": seats})
    assert car.status_code == 201, car.get_json()
    registered = firm.post(
        "/m/taxi/firm/drivers",
        json={"user_id": user_id, "name": f"Tài xế {name}", "phone": "0905 123 456"},
    )
    assert registered.status_code == 201, registered.get_json()
    client = province.client_for(username)
    grant(client, "location", "notify")
    return Driver(user_id, registered.get_json()["id"], car.get_json()["id"], client)
