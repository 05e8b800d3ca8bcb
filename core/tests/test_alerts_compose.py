"""Composing alerts: CAP 1.2's rules, the tenant's units, and nothing written on bad input."""

from __future__ import annotations

from typing import Any

import pytest
from sieuapp.core.alerts import rules
from sieuapp.core.alerts.compose import new_draft
from sieuapp.core.alerts.geometry import UNIT_GEOCODE
from sieuapp.core.alerts.models import Alert, AlertArea
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.tenancy.models import Tenant
from sieuapp.sdk.errors import InvalidInput
from sqlalchemy import func, select

from .alerts_support import PHU_XUAN, PROVINCE, alert_data, square


def counts(platform) -> tuple[int, int, int]:
    with platform.context() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Alert, AlertArea, AuditEntry)
        )


def area(**changes: Any) -> list[dict[str, Any]]:
    return [{"area_desc": "Vùng", **changes}]


BAD: list[tuple[dict[str, Any], str]] = [
    ({"status": "actual"}, "status"),
    ({"scope": "Everyone"}, "scope"),
    ({"category": ["Weather"]}, "category[0]"),
    ({"category": []}, "category"),
    ({"response_type": ["Run"]}, "response_type[0]"),
    ({"urgency": "Now"}, "urgency"),
    ({"severity": "Bad"}, "severity"),
    ({"certainty": "Sure"}, "certainty"),
    ({"scope": "Restricted"}, "restriction"),
    ({"restriction": "officials"}, "restriction"),
    ({"scope": "Private"}, "addresses"),
    ({"addresses": "a@b.vn"}, "addresses"),
    ({"expires": "2026-03-02T09:00:00"}, "expires"),
    ({"expires": "2026-03-02T09:00:00.5+07:00"}, "expires"),
    ({"onset": "tomorrow"}, "onset"),
    (
        {"effective": "2026-03-02T10:00:00+07:00", "expires": "2026-03-02T09:00:00+07:00"},
        "expires",
    ),
    ({"onset": "2026-03-03T10:00:00+07:00", "expires": "2026-03-02T09:00:00+07:00"}, "expires"),
    ({"areas": []}, "areas"),
    ({"areas": area()}, "areas[0]"),
    ({"areas": area(area_desc="", communes=[PHU_XUAN])}, "areas[0].area_desc"),
    ({"areas": area(communes=["99999"])}, "areas[0].communes[0]"),
    (
        {"areas": area(geocodes=[{"valueName": UNIT_GEOCODE, "value": "00001"}])},
        "areas[0].geocodes[0].value",
    ),
    ({"areas": area(polygons=[square(16.4, 107.5, 0.1)[:-1]])}, "areas[0].polygons[0]"),
    (
        {"areas": area(polygons=[[[16.4, 107.5], [16.5, 107.5], [16.5, 107.6], [16.4, 107.6]]])},
        "areas[0].polygons[0]",
    ),
    (
        {"areas": area(polygons=[[[16.4, 107.5], [16.5, 107.5], [16.4, 107.5]]])},
        "areas[0].polygons[0]",
    ),
    (
        {"areas": area(polygons=[[[96.4, 107.5], [16.5, 107.5], [16.5, 107.6], [96.4, 107.5]]])},
        "areas[0].polygons[0][0]",
    ),
    (
        {"areas": area(polygons=[[[16.4, 207.5], [16.5, 107.5], [16.5, 107.6], [16.4, 207.5]]])},
        "areas[0].polygons[0][0]",
    ),
    (
        {"areas": area(circles=[{"lat": 16.4, "lon": 107.5, "radius_km": -1}])},
        "areas[0].circles[0].radius_km",
    ),
    ({"areas": area(circles=[{"lat": 91, "lon": 107.5, "radius_km": 1}])}, "areas[0].circles[0]"),
    ({"areas": area(communes=[PHU_XUAN], ceiling=100)}, "areas[0].ceiling"),
    ({"areas": area(communes=[PHU_XUAN], altitude=200, ceiling=100)}, "areas[0].ceiling"),
    ({"event": ""}, "event"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("changes", "field"), BAD, ids=[f for _, f in BAD])
def test_a_bad_alert_is_refused_naming_the_field_and_nothing_is_written(platform, changes, field):
    before = counts(platform)
    response = platform.client("ioc_operator").post("/api/v1/alerts", json=alert_data(**changes))
    assert response.status_code == 422, response.json
    assert response.json["code"] == "invalid_input"
    assert field in response.json["errors"], response.json["errors"]
    assert counts(platform) == before


def test_a_draft_is_composed_with_a_cap_safe_identifier_and_the_tenant_as_sender(platform):
    before = counts(platform)
    data = alert_data(
        areas=[
            {
                "area_desc": "Ven sông",
                "area_desc_en": "Riverside",
                "polygons": [square(16.46, 107.50, 0.02)],
                "circles": [{"lat": 16.47, "lon": 107.51, "radius_km": 1.5}],
                "communes": [PHU_XUAN],
                "geocodes": [{"valueName": "SAME", "value": "12345"}],
            }
        ]
    )
    response = platform.client("ioc_operator").post("/api/v1/alerts", json=data)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["state"] == "draft" and body["msg_type"] == "Alert" and body["sent"] is None
    assert body["identifier"].startswith("vn.hue.")
    assert not rules.FORBIDDEN.search(body["identifier"])
    assert body["sender"] == "hue.sieuapp.test"
    shown = body["alert"]["areas"][0]
    assert shown["communes"] == [PHU_XUAN]
    assert shown["geocodes"] == [{"valueName": "SAME", "value": "12345"}]
    assert shown["circles"] == [{"lat": 16.47, "lon": 107.51, "radius_km": 1.5}]
    assert body["alert"]["category"] == ["Met", "Safety"]
    assert counts(platform) == (before[0] + 1, before[1] + 1, before[2] + 1)
    with platform.context() as session:
        stored = session.get(Alert, body["id"])
        assert stored.category == "Met Safety"
        assert stored.areas[0].geocodes[-1] == {"valueName": UNIT_GEOCODE, "value": PHU_XUAN}
        assert stored.expires.isoformat() == "2098-12-31T17:00:00+00:00"


def test_the_province_code_is_a_valid_commune_for_the_whole_province(platform):
    response = platform.client("ioc_operator").post(
        "/api/v1/alerts", json=alert_data(areas=area(communes=[PROVINCE]))
    )
    assert response.status_code == 201, response.json


def test_a_commune_of_another_province_is_refused(platform):
    with platform.context() as session:
        from sieuapp.core.tenancy.provinces import create_tenant

        create_tenant(session, "danang", 48)
        hue = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
        with pytest.raises(InvalidInput) as caught:
            new_draft(session, hue, alert_data(areas=area(communes=["48"])), created_by=None)
        assert "areas[0].communes[0]" in caught.value.errors


def test_identifiers_are_unique_per_draft(platform):
    client = platform.client("ioc_operator")
    first = client.post("/api/v1/alerts", json=alert_data()).json["identifier"]
    second = client.post("/api/v1/alerts", json=alert_data()).json["identifier"]
    assert first != second


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"identifier": "vn hue 1"}, "identifier"),
        ({"identifier": "vn,hue"}, "identifier"),
        ({"identifier": "vn<hue"}, "identifier"),
        ({"sender": "a&b"}, "sender"),
        ({"msg_type": "Update"}, "references"),
        ({"msg_type": "Cancel", "references": "hue,vn.1"}, "references"),
        ({"msg_type": "Update", "references": "hue,vn.1,2026-03-02T09:00:00"}, "references"),
        ({"msg_type": "Notice"}, "msg_type"),
        ({"sent": "2026-03-02T09:00:00.123+07:00"}, "sent"),
    ],
)
def test_message_rules(message, field):
    assert field in rules.problems({**alert_data(), **message})


def test_a_valid_message_has_no_problems():
    message = {
        "identifier": "vn.hue.20260302.1",
        "sender": "hue.sieuapp.vn",
        "sent": "2026-03-02T09:00:00+07:00",
        "msg_type": "Update",
        "references": "hue.sieuapp.vn,vn.hue.20260302.0,2026-03-02T08:00:00+07:00",
    }
    assert rules.problems({**alert_data(), **message}) == {}
