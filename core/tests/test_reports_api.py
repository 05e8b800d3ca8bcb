"""The report API end to end: a citizen reports, the IOC moderates and assigns, the handling
organization and its supervisor see it, nobody else does, another tenant least of all."""

from __future__ import annotations

from typing import Any

import pytest
from sieuapp.core.db import unit_of_work
from sieuapp.core.identity import accounts
from sieuapp.core.identity.models import User
from sieuapp.core.reports.models import Report
from sieuapp.core.tenancy.models import Organization
from sieuapp.core.tenancy.provinces import create_tenant
from sieuapp.sdk import Role
from sqlalchemy import func, select

from .reports_helpers import LAT, LON, make_category, org_id, tenant_id


def _user_client(platform, username: str, role: str | None, org: str | None, slug: str = "hue"):
    with unit_of_work(platform.runtime.sessionmaker) as session:
        tid = tenant_id(session, slug)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = accounts.create_user(session, username, None, username.title())
        if role is not None:
            accounts.assign_role(
                session, user, tid, role, org_id(session, org, slug) if org else None
            )
        secret, _ = accounts.issue_token(session, user, tid, 3600)
    client = platform.client(tenant=slug)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


@pytest.fixture
def platform(make_platform):
    p = make_platform(plugins=[])
    with p.context() as session:
        make_category(session)
        # Provincial departments answer to the People's Committee, which supervises them.
        department = session.get(Organization, org_id(session, "so-xay-dung"))
        department.parent_id = org_id(session, "ubnd-hue")
        create_tenant(session, "dn", 48)
        session.flush()
        make_category(session, slug="dn", organization=None)
    return p


@pytest.fixture
def clients(platform) -> dict[str, Any]:
    return {
        "citizen": platform.client(Role.CITIZEN),
        "ioc": platform.client(Role.IOC_OPERATOR),
        "official": platform.client(Role.OFFICIAL),
        "partner": platform.client(Role.PARTNER_STAFF),
        "health": _user_client(platform, "yte", Role.OFFICIAL, "so-y-te"),
        "supervisor": _user_client(platform, "ubnd", Role.OFFICIAL, "ubnd-hue"),
        "neighbour": _user_client(platform, "hangxom", None, None),
        "dn_ioc": _user_client(platform, "dn-ioc", Role.IOC_OPERATOR, None, "dn"),
        "dn_citizen": _user_client(platform, "citizen", None, None, "dn"),
    }


BODY = {
    "category": "test-all",
    "description": "Ổ gà sâu giữa đường Lê Duẩn",
    "lat": LAT,
    "lon": LON,
    "address": "Lê Duẩn, Huế",
    "attributes": {"severity": "high"},
    "contact_phone": "0905 111 222",
}


def submitted(client, **changes: Any) -> dict[str, Any]:
    answer = client.post("/api/v1/reports", json={**BODY, **changes})
    assert answer.status_code == 201, answer.json
    return answer.json


def act(client, report_id: int, action: str, **body: Any):
    return client.post(f"/api/v1/reports/{report_id}/actions/{action}", json=body)


def queue_ids(client, **query: Any) -> list[int]:
    answer = client.get("/api/v1/reports/queue", query_string=query)
    assert answer.status_code == 200, answer.json
    return [item["id"] for item in answer.json["items"]]


def report_count(platform) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(Report))


def test_report_goes_from_citizen_to_the_organization_and_back(platform, clients) -> None:
    citizen, ioc, official = clients["citizen"], clients["ioc"], clients["official"]
    report = submitted(citizen)
    rid = report["id"]
    assert report["status"] == "submitted" and report["viewer"] == "reporter"
    assert report["possible_duplicates"] == []
    assert report["reporter"]["id"] == platform.users[Role.CITIZEN].id
    assert report["following"] is True

    assert act(ioc, rid, "moderate").json["status"] == "moderated"
    assigned = act(ioc, rid, "assign")
    assert assigned.status_code == 200, assigned.json
    assert assigned.json["organization"]["code"] == "so-xay-dung"
    assert assigned.json["deadline_at"] is not None

    assert rid in queue_ids(official)
    assert rid in queue_ids(official, status=["assigned", "in_progress"])
    assert rid not in queue_ids(official, status="resolved")
    assert rid in queue_ids(official, q="o ga le duan")
    assert rid in queue_ids(official, q="Ổ GÀ")
    assert rid not in queue_ids(official, q="cay xanh")
    assert rid in queue_ids(official, category="test-all", organization="so-xay-dung")
    assert rid not in queue_ids(official, overdue=True)
    assert rid in queue_ids(clients["supervisor"])
    assert rid in queue_ids(ioc)
    for outsider in ("health", "partner"):
        assert rid not in queue_ids(clients[outsider])
        assert clients[outsider].get(f"/api/v1/reports/{rid}").status_code == 404
        assert act(clients[outsider], rid, "start").status_code == 404

    seen = official.get(f"/api/v1/reports/{rid}").json
    assert seen["viewer"] == "handler" and seen["reporter"]["id"] is not None
    # The supervisor sees, but does not act: one organization answers for each step.
    assert act(clients["supervisor"], rid, "start").status_code == 403

    assert act(official, rid, "start").json["status"] == "in_progress"
    asked = act(official, rid, "request_info", note="Ổ gà ở làn nào?")
    assert asked.json["status"] == "info_requested"
    answered = citizen.post(f"/api/v1/reports/{rid}/info", json={"message": "Làn bên phải"})
    assert answered.status_code == 200 and answered.json["status"] == "in_progress"
    assert act(official, rid, "resolve", note="Đã vá").json["status"] == "resolved"
    rated = citizen.post(f"/api/v1/reports/{rid}/rate", json={"rating": "not_satisfied"})
    assert rated.json["status"] == "closed" and rated.json["rating"] == "not_satisfied"
    disputed = citizen.post(f"/api/v1/reports/{rid}/dispute", json={"reason": "Vẫn còn ổ gà"})
    assert disputed.status_code == 200, disputed.json
    assert disputed.json["status"] == "assigned" and disputed.json["disputes"] == 1

    mine = citizen.get("/api/v1/reports/mine").json
    assert [item["id"] for item in mine["items"]] == [rid] and mine["total"] == 1

    citizen_history = citizen.get(f"/api/v1/reports/{rid}/history").json
    official_history = official.get(f"/api/v1/reports/{rid}/history").json
    actions = [e["action"] for e in official_history]
    assert actions[:4] == ["submitted", "moderate", "assign", "start"]
    assert "dispute" in actions
    assert {"request_info", "provide_info", "dispute"} <= {e["action"] for e in citizen_history}
    # Citizens deal with the organization; who in it took the step is for officials.
    start = next(e for e in citizen_history if e["action"] == "start")
    assert start["actor"] is None and start["organization"]["code"] == "so-xay-dung"
    assert next(e for e in official_history if e["action"] == "start")["actor"] == "official"
    # The status reached, in the caller's words: the app shows the timeline as it comes.
    assert start["to_status"] == "in_progress" and start["to_status_label"] == "Đang xử lý"
    english = citizen.get(f"/api/v1/reports/{rid}/history", headers={"Accept-Language": "en"})
    assert english.json[0]["to_status_label"] == "Received"


def test_reporter_steps_need_the_reporter_and_valid_input(platform, clients) -> None:
    rid = submitted(clients["citizen"])["id"]
    act(clients["ioc"], rid, "moderate")
    # Public now: a neighbour may follow, not rate.
    neighbour = clients["neighbour"]
    assert neighbour.post(f"/api/v1/reports/{rid}/follow").json == {"following": True}
    assert neighbour.get(f"/api/v1/reports/{rid}").json["reporter"] is None
    assert (
        neighbour.post(f"/api/v1/reports/{rid}/rate", json={"rating": "satisfied"}).status_code
        == 403
    )
    assert neighbour.delete(f"/api/v1/reports/{rid}/follow").json == {"following": False}
    bad = clients["citizen"].post(f"/api/v1/reports/{rid}/rate", json={"rating": "great"})
    assert bad.status_code == 422 and "rating" in bad.json["errors"]
    early = clients["citizen"].post(f"/api/v1/reports/{rid}/rate", json={"rating": "satisfied"})
    assert early.status_code == 409
    empty = clients["citizen"].post(f"/api/v1/reports/{rid}/dispute", json={"reason": ""})
    assert empty.status_code == 422 and "reason" in empty.json["errors"]


def test_roles_are_checked_on_every_view(platform, clients) -> None:
    anonymous = platform.client()
    assert anonymous.post("/api/v1/reports", json=BODY).status_code == 401
    assert anonymous.get("/api/v1/reports/mine").status_code == 401
    assert anonymous.get("/api/v1/reports/queue").status_code == 401
    rid = submitted(clients["citizen"])["id"]
    assert anonymous.get(f"/api/v1/reports/{rid}").status_code == 401
    assert clients["citizen"].get("/api/v1/reports/queue").status_code == 403
    assert act(clients["citizen"], rid, "moderate").status_code == 403
    assert act(clients["ioc"], rid, "rate").status_code == 404
    assert act(clients["ioc"], rid, "fly").status_code == 404
    # The organization routing proposes does not see a report before the IOC sends it on...
    assert act(clients["official"], rid, "start").status_code == 404
    assert clients["official"].get(f"/api/v1/reports/{rid}").status_code == 404
    assert rid not in queue_ids(clients["official"])
    # A neighbour may not follow a report the IOC has not published.
    assert clients["neighbour"].post(f"/api/v1/reports/{rid}/follow").status_code == 404
    # Once the IOC sends it on, the organization still may not take the IOC's steps.
    assert act(clients["ioc"], rid, "moderate").status_code == 200
    assert act(clients["ioc"], rid, "assign").status_code == 200
    assert act(clients["official"], rid, "moderate").status_code == 403
    assert act(clients["official"], rid, "start").status_code == 200


def test_bad_input_names_fields_and_writes_nothing(platform, clients) -> None:
    before = report_count(platform)
    answer = clients["citizen"].post(
        "/api/v1/reports", json={**BODY, "category": "nope", "lat": 100, "photo_ids": [1] * 6}
    )
    assert answer.status_code == 422
    assert {"category", "lat", "photo_ids"} & set(answer.json["errors"])
    answer = clients["citizen"].post(
        "/api/v1/reports", json={**BODY, "category": "nope", "lat": 95}
    )
    assert {"category", "lat"} <= set(answer.json["errors"])
    answer = clients["citizen"].post(
        "/api/v1/reports", json={**BODY, "attributes": {"severity": "extreme"}}
    )
    assert "attribute[severity]" in answer.json["errors"]
    rid = submitted(clients["citizen"])["id"]
    act(clients["ioc"], rid, "moderate")
    wrong = act(clients["ioc"], rid, "assign", organization="no-such-org")
    assert wrong.status_code == 422 and "organization" in wrong.json["errors"]
    merge = act(clients["ioc"], rid, "merge", into=999999)
    assert merge.status_code == 422 and "into" in merge.json["errors"]
    assert report_count(platform) == before + 1


def test_hotline_entry_by_the_ioc(platform, clients) -> None:
    hotline = {**BODY, "channel": "hotline", "contact_name": "Bà Lan"}
    refused = clients["citizen"].post("/api/v1/reports", json=hotline)
    assert refused.status_code == 422 and "channel" in refused.json["errors"]
    entered = submitted(clients["ioc"], **{**hotline})
    assert entered["channel"] == "hotline" and entered["reporter"] is None
    assert entered["contact_name"] == "Bà Lan"
    assert clients["ioc"].get("/api/v1/reports/mine").json["total"] == 0


def test_anonymous_reporter_is_hidden_from_the_handler_not_the_ioc(platform, clients) -> None:
    rid = submitted(clients["citizen"], anonymous=True)["id"]
    act(clients["ioc"], rid, "moderate")
    act(clients["ioc"], rid, "assign")
    handler_view = clients["official"].get(f"/api/v1/reports/{rid}").json
    assert handler_view["anonymous"] is True
    assert handler_view["reporter"] is None and handler_view["contact_phone"] is None
    ioc_view = clients["ioc"].get(f"/api/v1/reports/{rid}").json
    assert ioc_view["reporter"]["id"] == platform.users[Role.CITIZEN].id
    assert ioc_view["contact_phone"] == "0905 111 222"
    own = clients["citizen"].get(f"/api/v1/reports/{rid}").json
    assert own["reporter"]["id"] == platform.users[Role.CITIZEN].id
    queued = clients["official"].get("/api/v1/reports/queue").json["items"]
    assert [item["reporter"] for item in queued if item["id"] == rid] == [None]


def test_duplicates_are_offered(platform, clients) -> None:
    first = submitted(clients["citizen"])
    # About 30 m away: within the category's 100 m.
    second = submitted(clients["neighbour"], lat=LAT + 0.0003)
    (offered,) = second["possible_duplicates"]
    assert offered["id"] == first["id"] and 20 < offered["distance_m"] < 50
    # Not moderated yet: another citizen's words are not shown.
    assert offered["description"] is None
    act(clients["ioc"], first["id"], "moderate")
    nearby = clients["neighbour"].get(
        "/api/v1/reports/nearby", query_string={"category": "test-all", "lat": LAT, "lon": LON}
    )
    assert nearby.status_code == 200
    by_id = {item["id"]: item for item in nearby.json}
    assert set(by_id) == {first["id"], second["id"]}
    assert by_id[first["id"]]["description"] == BODY["description"]
    far = clients["neighbour"].get(
        "/api/v1/reports/nearby",
        query_string={"category": "test-all", "lat": LAT + 0.01, "lon": LON},
    )
    assert far.json == []
    unknown = clients["neighbour"].get(
        "/api/v1/reports/nearby", query_string={"category": "nope", "lat": LAT, "lon": LON}
    )
    assert unknown.status_code == 422 and "category" in unknown.json["errors"]
    act(clients["ioc"], second["id"], "moderate")
    merged = act(clients["ioc"], second["id"], "merge", into=first["id"])
    assert merged.status_code == 200 and merged.json["merged_into_id"] == first["id"]


def test_tenants_are_isolated(platform, clients) -> None:
    rid = submitted(clients["citizen"])["id"]
    dn_ioc, dn_citizen = clients["dn_ioc"], clients["dn_citizen"]
    assert dn_citizen.get(f"/api/v1/reports/{rid}").status_code == 404
    assert dn_ioc.get(f"/api/v1/reports/{rid}").status_code == 404
    assert act(dn_ioc, rid, "moderate").status_code == 404
    assert queue_ids(dn_ioc) == []
    assert dn_citizen.get("/api/v1/reports/mine").json["total"] == 0
    # A Huế category is unknown in Đà Nẵng, whose own one of the same code routes to its IOC.
    answer = dn_citizen.post("/api/v1/reports", json={**BODY, "lat": 16.06, "lon": 108.22})
    assert answer.status_code == 201, answer.json
    assert answer.json["organization"] is None and answer.json["possible_duplicates"] == []
    assert rid not in queue_ids(dn_ioc) and answer.json["id"] in queue_ids(dn_ioc)
    assert answer.json["id"] not in queue_ids(clients["ioc"])
    # A Huế token is not valid on Đà Nẵng's host.
    hue_token = clients["citizen"].environ_base["HTTP_AUTHORIZATION"]
    crossing = platform.client(tenant="dn")
    crossing.environ_base["HTTP_AUTHORIZATION"] = hue_token
    assert crossing.get("/api/v1/reports/mine").status_code == 401
    with platform.context() as session:
        assert tenant_id(session, "dn") != tenant_id(session)
