"""The webhook API: who manages which endpoints, the secret shown once, input refused with the
field named and nothing written, deliveries listed and redelivered."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.identity import accounts
from sieuapp.core.identity.models import User
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.testing import Platform
from sieuapp.core.webhooks.models import WebhookDelivery, WebhookEndpoint
from sieuapp.sdk import Role
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from .me_support import other_tenant_client
from .reports_support import make_member, tenant_id
from .support import install_clock
from .webhooks_support import (
    OTHER_PARTNER_ORG,
    PAID,
    PARTNER_ORG,
    REFUNDED,
    Receiver,
    counts,
    create_endpoint,
    publish_event,
    rows,
    run_due,
    running_receiver,
)

ENDPOINTS = "/api/v1/webhooks/endpoints"
PAYMENT = {"transfer_id": "T-2001", "amount": 99000}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def platform(make_platform: Any) -> Platform:
    return make_platform(plugins=[], webhook_allow_local=True)


@pytest.fixture
def partner(platform: Platform) -> Any:
    return platform.client(Role.PARTNER_STAFF)


@pytest.fixture
def admin(platform: Platform) -> Any:
    return platform.client(Role.PROVINCE_ADMIN)


def client_of(platform: Platform, username: str) -> Any:
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == username))
        secret, _ = accounts.issue_token(session, user, tenant_id(session), 3600)
    client = platform.client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def test_partner_staff_register_an_endpoint_and_see_its_secret_once(
    platform, partner, receiver, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    made = partner.post(
        ENDPOINTS,
        json={
            "url": receiver.url(),
            "event_types": [PAID, REFUNDED, PAID],
            "description": "Kế toán Mai Linh",
        },
    )
    assert made.status_code == 201, made.json
    assert made.headers["Cache-Control"] == "no-store"
    body = made.json
    secret = body["secret"]
    assert secret.startswith("whsec_")
    assert body["organization"] == PARTNER_ORG and body["enabled"] is True
    assert body["event_types"] == [PAID, REFUNDED]
    endpoint_id = body["id"]

    # Everything that could show it afterwards: the endpoint, the list, a change, a rotation,
    # a delivery, the audit log, the database, the logs.
    publish_event(platform, PAYMENT)
    (delivery,) = rows(platform, WebhookDelivery)
    answers = [
        partner.get(f"{ENDPOINTS}/{endpoint_id}"),
        partner.get(ENDPOINTS),
        platform.client(Role.PROVINCE_ADMIN).get(ENDPOINTS),
        partner.patch(f"{ENDPOINTS}/{endpoint_id}", json={"description": "Kế toán"}),
        partner.get(f"{ENDPOINTS}/{endpoint_id}/deliveries"),
        partner.get(f"{ENDPOINTS}/{endpoint_id}/deliveries/{delivery.id}"),
        partner.post(f"{ENDPOINTS}/{endpoint_id}/secret/rotate"),
        platform.client(Role.PROVINCE_ADMIN).get("/api/v1/admin/audit?page_size=500"),
    ]
    assert all(a.status_code == 200 for a in answers), [a.json for a in answers]
    assert "secret" not in answers[0].json
    assert all("secret" not in e for e in answers[1].json["endpoints"])
    key = secret.removeprefix("whsec_")
    for answer in answers:
        assert key not in answer.get_data(as_text=True)
    new_secret = answers[6].json["secret"]
    for answer in (partner.get(f"{ENDPOINTS}/{endpoint_id}"), partner.get(ENDPOINTS)):
        assert new_secret.removeprefix("whsec_") not in answer.get_data(as_text=True)
    with platform.context() as session:
        stored = session.get(WebhookEndpoint, endpoint_id)
        held = [stored.secret, stored.previous_secret]
        held += [str(a.before) + str(a.after) for a in session.scalars(select(AuditEntry))]
        held += [str(m.payload) for m in session.scalars(select(OutboxMessage))]
    for value in held:
        assert key not in value and new_secret.removeprefix("whsec_") not in value
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "webhook" in logged  # the sending was logged, by ids
    assert key not in logged and new_secret.removeprefix("whsec_") not in logged
    assert receiver.url() not in logged  # a URL may carry the receiver's own token


def test_bad_input_is_refused_naming_the_field_and_writes_nothing(platform, partner, admin) -> None:
    cases: list[tuple[Any, dict[str, Any], str]] = [
        (partner, {"url": "http://partner.example/hooks", "event_types": [PAID]}, "url"),
        (partner, {"url": "https://u:p@partner.example/", "event_types": [PAID]}, "url"),
        (partner, {"url": "not a url", "event_types": [PAID]}, "url"),
        (partner, {"event_types": [PAID]}, "url"),
        (partner, {"url": "https://partner.example/", "event_types": []}, "event_types"),
        (partner, {"url": "https://partner.example/"}, "event_types"),
        (
            partner,
            {"url": "https://partner.example/", "event_types": [PAID, "payment.nope"]},
            "event_types[1]",
        ),
        (partner, {"url": "https://partner.example/", "event_types": "x"}, "event_types"),
        (
            partner,
            {"url": "https://partner.example/", "event_types": [PAID], "secret": "whsec_x"},
            "secret",
        ),
        (
            partner,
            {"url": "https://partner.example/", "event_types": [PAID], "description": "x" * 501},
            "description",
        ),
        (
            partner,
            {"url": "https://partner.example/", "event_types": [PAID], "organization": "vnpt-hue"},
            "organization",
        ),
        (
            partner,
            {"url": "https://partner.example/", "event_types": [PAID], "organization": "nope"},
            "organization",
        ),
        # The admin manages every organization, so says which one.
        (admin, {"url": "https://partner.example/", "event_types": [PAID]}, "organization"),
    ]
    before = counts(platform)
    audits = len(rows(platform, AuditEntry))
    for client, body, field in cases:
        answer = client.post(ENDPOINTS, json=body)
        assert answer.status_code == 422, (body, answer.json)
        assert answer.json["code"] == "invalid_input"
        assert field in answer.json["errors"], (body, answer.json)
    assert counts(platform) == before
    assert len(rows(platform, AuditEntry)) == audits

    # Both wrong at once: both named.
    answer = admin.post(ENDPOINTS, json={"url": "ftp://x", "event_types": ["a.b"]})
    assert {"organization", "url", "event_types[0]"} <= set(answer.json["errors"])

    endpoint = create_endpoint(partner, "https://partner.example/hooks")
    before = counts(platform)
    audits = len(rows(platform, AuditEntry))
    for body, field in [
        ({"url": "https://127.0.0.1.nip.io@10.0.0.1/"}, "url"),
        ({"event_types": ["nope.nope"]}, "event_types[0]"),
        ({"enabled": "perhaps"}, "enabled"),
        ({"secret": "whsec_x"}, "secret"),
    ]:
        answer = partner.patch(f"{ENDPOINTS}/{endpoint['id']}", json=body)
        assert answer.status_code == 422 and field in answer.json["errors"], answer.json
    assert counts(platform) == before
    assert len(rows(platform, AuditEntry)) == audits
    (row,) = rows(platform, WebhookEndpoint)
    assert row.url == "https://partner.example/hooks" and row.event_types == [PAID]


def test_local_and_private_urls_are_refused_unless_the_setting_allows_them(make_platform) -> None:
    strict = make_platform(plugins=[])
    partner = strict.client(Role.PARTNER_STAFF)
    for url in ("http://127.0.0.1:8080/hooks", "https://localhost/hooks", "https://[::1]/x"):
        answer = partner.post(ENDPOINTS, json={"url": url, "event_types": [PAID]})
        assert answer.status_code == 422 and "url" in answer.json["errors"], answer.json
        assert "SIEUAPP_WEBHOOK_ALLOW_LOCAL" in answer.json["errors"]["url"][0]
    for url in ("https://10.0.0.1/hooks", "https://169.254.169.254/latest/meta-data"):
        answer = partner.post(ENDPOINTS, json={"url": url, "event_types": [PAID]})
        assert answer.status_code == 422, answer.json
        assert "not a public address" in answer.json["errors"]["url"][0]
    assert counts(strict)["webhook_endpoints"] == 0
    assert create_endpoint(partner, "https://hooks.partner.example/sieuapp")["id"]


def test_roles_are_checked_before_anything_is_read(platform, partner) -> None:
    endpoint = create_endpoint(partner, "https://partner.example/hooks")
    path = f"{ENDPOINTS}/{endpoint['id']}"
    calls = [
        ("get", ENDPOINTS, None),
        ("post", ENDPOINTS, {"url": "bad"}),
        ("get", path, None),
        ("patch", path, {"url": "bad"}),
        ("delete", path, None),
        ("post", f"{path}/secret/rotate", None),
        ("get", f"{path}/deliveries?status=nonsense", None),
        ("get", "/api/v1/webhooks/event-types", None),
    ]
    before = counts(platform)
    for role, status in (
        (None, 401),
        (Role.CITIZEN, 403),
        (Role.OFFICIAL, 403),
        (Role.IOC_OPERATOR, 403),
    ):
        client = platform.client(role)
        for method, url, body in calls:
            answer = getattr(client, method)(url, json=body)
            assert answer.status_code == status, (role, method, url, answer.json)
    assert counts(platform) == before

    # A partner role tied to no organization manages nothing.
    with platform.context() as session:
        user = accounts.create_user(session, "loose-partner", None, "Không Tổ Chức")
        accounts.assign_role(session, user, tenant_id(session), Role.PARTNER_STAFF, None)
    loose = client_of(platform, "loose-partner")
    assert loose.get(ENDPOINTS).status_code == 403
    assert loose.get(path).status_code == 403


def test_an_organizations_endpoints_are_its_own_and_the_admins(platform, partner, admin) -> None:
    mine = create_endpoint(partner, "https://partner.example/mai-linh")
    theirs = create_endpoint(admin, "https://vnpt.example/hooks", organization=OTHER_PARTNER_ORG)
    assert theirs["organization"] == OTHER_PARTNER_ORG
    with platform.context() as session:
        make_member(session, "vnpt-staff", OTHER_PARTNER_ORG, Role.PARTNER_STAFF.value)
    vnpt = client_of(platform, "vnpt-staff")

    assert [e["id"] for e in partner.get(ENDPOINTS).json["endpoints"]] == [mine["id"]]
    assert [e["id"] for e in vnpt.get(ENDPOINTS).json["endpoints"]] == [theirs["id"]]
    assert {e["id"] for e in admin.get(ENDPOINTS).json["endpoints"]} == {mine["id"], theirs["id"]}
    only = admin.get(f"{ENDPOINTS}?organization={OTHER_PARTNER_ORG}").json
    assert only["total"] == 1 and only["endpoints"][0]["id"] == theirs["id"]

    before = counts(platform)
    other = f"{ENDPOINTS}/{theirs['id']}"
    for method, url, body in [
        ("get", other, None),
        ("patch", other, {"enabled": False}),
        ("delete", other, None),
        ("post", f"{other}/secret/rotate", None),
        ("get", f"{other}/deliveries", None),
    ]:
        answer = getattr(partner, method)(url, json=body)
        assert answer.status_code == 404 and answer.json["code"] == "not_found", answer.json
    assert counts(platform) == before
    # The admin manages any endpoint of the tenant.
    changed = admin.patch(other, json={"enabled": False, "event_types": [REFUNDED]})
    assert changed.status_code == 200
    assert (changed.json["enabled"], changed.json["event_types"]) == (False, [REFUNDED])
    assert admin.delete(f"{ENDPOINTS}/{mine['id']}").status_code == 204
    assert partner.get(f"{ENDPOINTS}/{mine['id']}").status_code == 404


def test_another_tenant_sees_none_of_this_tenants_endpoints(platform, partner) -> None:
    endpoint = create_endpoint(partner, "https://partner.example/hooks")
    elsewhere = other_tenant_client(platform, Role.PROVINCE_ADMIN)
    assert elsewhere.get(ENDPOINTS).json["endpoints"] == []
    path = f"{ENDPOINTS}/{endpoint['id']}"
    assert elsewhere.get(path).status_code == 404
    assert elsewhere.patch(path, json={"enabled": False}).status_code == 404
    assert elsewhere.post(f"{path}/secret/rotate").status_code == 404
    assert elsewhere.delete(path).status_code == 404
    # Nor registers one for an organization of Huế.
    answer = elsewhere.post(
        ENDPOINTS,
        json={"url": "https://x.example/", "event_types": [PAID], "organization": PARTNER_ORG},
    )
    assert answer.status_code == 422 and "organization" in answer.json["errors"]
    # A Huế token does not work on Đà Nẵng's host at all.
    assert platform.client(Role.PROVINCE_ADMIN, tenant="dn").get(ENDPOINTS).status_code == 401
    (row,) = rows(platform, WebhookEndpoint)
    assert row.enabled is True


def test_changes_removals_and_rotations_are_audited_without_secrets(platform, partner) -> None:
    endpoint = create_endpoint(partner, "https://partner.example/hooks")
    path = f"{ENDPOINTS}/{endpoint['id']}"
    partner.patch(path, json={"url": "https://partner.example/v2", "event_types": [REFUNDED]})
    partner.patch(path, json={})  # no change, no entry
    partner.post(f"{path}/secret/rotate")
    assert partner.delete(path).status_code == 204
    entries = rows(platform, AuditEntry, AuditEntry.action.like("webhook_%"))
    assert [e.action for e in entries] == [
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.deleted",
    ]
    user = platform.users[Role.PARTNER_STAFF]
    assert {(e.actor_id, e.target) for e in entries} == {
        (user.id, f"webhook_endpoint:{endpoint['id']}")
    }
    updated = entries[1]
    assert updated.before == {"url": "https://partner.example/hooks", "event_types": [PAID]}
    assert updated.after == {"url": "https://partner.example/v2", "event_types": [REFUNDED]}
    assert rows(platform, WebhookEndpoint) == []


def test_event_types_are_listed_in_the_callers_language(platform, partner) -> None:
    english = partner.get("/api/v1/webhooks/event-types", headers={"Accept-Language": "en"})
    found = {e["type"]: e["description"] for e in english.json["event_types"]}
    assert found[PAID] == "Paid (test)"
    vietnamese = partner.get("/api/v1/webhooks/event-types")
    assert {e["type"]: e["description"] for e in vietnamese.json["event_types"]}[PAID] == (
        "Đã thanh toán (thử)"
    )


def test_deliveries_are_listed_and_one_is_redelivered_with_the_same_id(
    platform, partner, receiver, monkeypatch
) -> None:
    clock = install_clock(monkeypatch)
    endpoint = create_endpoint(partner, receiver.url())
    path = f"{ENDPOINTS}/{endpoint['id']}"
    receiver.answers = [200, 500]
    first = publish_event(platform, PAYMENT)
    clock.advance(1)
    second = publish_event(platform, {**PAYMENT, "transfer_id": "T-2002"})

    listed = partner.get(f"{path}/deliveries").json
    assert listed["total"] == 2
    newest, oldest = listed["deliveries"]
    assert (newest["event_id"], newest["status"], newest["attempts"]) == (second, "pending", 1)
    assert newest["last_status_code"] == 500 and newest["next_attempt_at"] is not None
    assert (oldest["event_id"], oldest["status"], oldest["last_status_code"]) == (
        first,
        "delivered",
        200,
    )
    assert oldest["event_type"] == PAID and oldest["next_attempt_at"] is None
    failed_only = partner.get(f"{path}/deliveries?status=pending").json
    assert [d["event_id"] for d in failed_only["deliveries"]] == [second]
    assert partner.get(f"{path}/deliveries?status=nonsense").status_code == 422

    detail = partner.get(f"{path}/deliveries/{newest['id']}").json
    assert detail["payload"]["data"]["transfer_id"] == "T-2002"
    assert [a["status_code"] for a in detail["attempt_log"]] == [500]

    # The delivered one is sent again on request: same webhook-id, fresh signature.
    again = partner.post(f"{path}/deliveries/{oldest['id']}/redeliver")
    assert again.status_code == 202, again.json
    run_due(platform)
    resent = receiver.requests[-1]
    assert resent.headers["webhook-id"] == first
    assert Webhook(endpoint["secret"]).verify(resent.body, resent.headers)["type"] == PAID
    detail = partner.get(f"{path}/deliveries/{oldest['id']}").json
    assert (detail["status"], detail["attempts"]) == ("delivered", 2)
    redelivered = rows(platform, AuditEntry, AuditEntry.action == "webhook_delivery.redelivered")
    assert [e.target for e in redelivered] == [f"webhook_delivery:{oldest['id']}"]

    # Another endpoint's delivery id is not found through this one.
    other = create_endpoint(partner, receiver.url("/other"))
    assert partner.get(f"{ENDPOINTS}/{other['id']}/deliveries/{oldest['id']}").status_code == 404
    assert (
        partner.post(f"{ENDPOINTS}/{other['id']}/deliveries/{oldest['id']}/redeliver").status_code
        == 404
    )
    # A disabled endpoint is not redelivered to.
    partner.patch(path, json={"enabled": False})
    refused = partner.post(f"{path}/deliveries/{oldest['id']}/redeliver")
    assert refused.status_code == 409 and refused.json["code"] == "conflict"


def test_the_openapi_description_lists_the_webhook_routes(platform) -> None:
    paths = platform.client().get("/api/openapi.json").json["paths"]
    for route in (
        "/api/v1/webhooks/event-types",
        "/api/v1/webhooks/endpoints",
        "/api/v1/webhooks/endpoints/{endpoint_id}",
        "/api/v1/webhooks/endpoints/{endpoint_id}/secret/rotate",
        "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries",
        "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}",
        "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    ):
        assert route in paths
