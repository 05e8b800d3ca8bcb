"""Publishing and sending end to end: a real HTTP receiver on loopback gets our requests and
checks them with the official Standard Webhooks library; retries, 410, rollback, duplicates,
rotation and the address policy at send time."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.tasks.models import OutboxMessage
from sieuapp.core.tasks.outbox import PENDING_KEY
from sieuapp.core.testing import Platform
from sieuapp.core.webhooks import event_id_for, publish
from sieuapp.core.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from sieuapp.core.webhooks.sending import MAX_ATTEMPTS, deliver
from sieuapp.sdk import Role
from standardwebhooks.webhooks import Webhook

from .reports_support import org_id, tenant_id
from .support import install_clock
from .webhooks_support import (
    OTHER_PARTNER_ORG,
    PAID,
    REFUNDED,
    Receiver,
    counts,
    create_endpoint,
    publish_event,
    rows,
    run_due,
    running_receiver,
    settle,
)

PAYMENT = {"transfer_id": "T-1001", "amount": 150000, "currency": "VND", "payer": "Nguyễn Văn An"}


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


def headers_of(received: Any) -> dict[str, str]:
    return {k: v for k, v in received.headers.items() if k.startswith("webhook-")}


def signed_with(secret: str, received: Any) -> bool:
    """The request carries a signature of ``secret`` for its own id, timestamp and body, made
    by the official library; for tests whose platform clock is moved away from real time,
    where ``verify`` would refuse the timestamp as too old or too new."""
    moment = datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(received.headers["webhook-id"], moment, received.body)
    return expected in received.headers["webhook-signature"].split(" ")


def test_a_published_event_reaches_the_receiver_signed_as_the_library_verifies(
    platform, partner, receiver
) -> None:
    endpoint = create_endpoint(partner, receiver.url("/hooks/sieuapp?source=hue"))
    event_id = publish_event(platform, PAYMENT)

    (received,) = receiver.requests
    assert received.method == "POST" and received.path == "/hooks/sieuapp?source=hue"
    assert received.headers["content-type"] == "application/json"
    assert received.headers["webhook-id"] == event_id and event_id.startswith("msg_")
    payload = Webhook(endpoint["secret"]).verify(received.body, received.headers)
    assert payload["type"] == PAID and payload["data"] == PAYMENT
    assert datetime.fromisoformat(payload["timestamp"]).tzinfo is not None
    assert payload["timestamp"].endswith("Z")
    # The body is minified UTF-8, as stored and signed.
    assert received.body == json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )
    # Another endpoint's secret does not verify it.
    other = create_endpoint(partner, receiver.url("/other"))
    with pytest.raises(Exception, match="signature"):
        Webhook(other["secret"]).verify(received.body, received.headers)

    (delivery,) = rows(platform, WebhookDelivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None


def test_only_enabled_endpoints_of_the_organization_subscribed_to_the_type_receive_it(
    platform, partner, receiver
) -> None:
    create_endpoint(partner, receiver.url("/paid"), event_types=[PAID])
    create_endpoint(partner, receiver.url("/both"), event_types=[REFUNDED, PAID])
    create_endpoint(partner, receiver.url("/refunds"), event_types=[REFUNDED])
    create_endpoint(partner, receiver.url("/off"), event_types=[PAID], enabled=False)
    admin = platform.client(Role.PROVINCE_ADMIN)
    create_endpoint(admin, receiver.url("/vnpt"), organization=OTHER_PARTNER_ORG)

    publish_event(platform, PAYMENT)
    assert sorted(r.path for r in receiver.requests) == ["/both", "/paid"]


def test_retries_back_off_on_the_schedule_with_the_same_webhook_id_until_accepted(
    platform, partner, receiver, monkeypatch
) -> None:
    clock = install_clock(monkeypatch)
    start = clock.now
    endpoint = create_endpoint(partner, receiver.url())
    receiver.answers = [500, (503, {"Retry-After": "1"}), 200]
    event_id = publish_event(platform, PAYMENT)

    (delivery,) = rows(platform, WebhookDelivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    wait = (delivery.next_attempt_at - start).total_seconds()
    assert 5 <= wait <= 5.5
    # Not due yet: the sweep sends nothing.
    run_due(platform)
    assert len(receiver.requests) == 1

    clock.advance(wait)
    run_due(platform)
    (delivery,) = rows(platform, WebhookDelivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 2, 503)
    # Retry-After asked for less than the schedule's 5 minutes: the schedule wins.
    second_wait = (delivery.next_attempt_at - clock.now).total_seconds()
    assert 300 <= second_wait <= 330

    clock.advance(second_wait)
    run_due(platform)
    (delivery,) = rows(platform, WebhookDelivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)

    assert len(receiver.requests) == 3
    assert {r.headers["webhook-id"] for r in receiver.requests} == {event_id}
    assert len({r.body for r in receiver.requests}) == 1
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.requests]
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] >= 305
    assert all(signed_with(endpoint["secret"], r) for r in receiver.requests)
    attempts = rows(platform, WebhookAttempt)
    assert sorted(a.status_code for a in attempts) == [200, 500, 503]


def test_a_delivery_gives_up_after_the_last_attempt_of_the_schedule(
    platform, partner, receiver, monkeypatch
) -> None:
    clock = install_clock(monkeypatch)
    create_endpoint(partner, receiver.url())
    receiver.answers = [500] * 20
    publish_event(platform, PAYMENT)
    for _ in range(MAX_ATTEMPTS + 3):
        clock.advance(27 * 3600)
        run_due(platform)
    (delivery,) = rows(platform, WebhookDelivery)
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert delivery.last_error == f"gave up after {MAX_ATTEMPTS} attempts: HTTP 500"
    assert len(receiver.requests) == MAX_ATTEMPTS == 10


def test_410_gone_disables_the_endpoint_and_what_waits_for_it_is_cancelled(
    platform, partner, receiver, monkeypatch
) -> None:
    clock = install_clock(monkeypatch)
    endpoint = create_endpoint(partner, receiver.url())
    receiver.answers = [500, 410]
    first = publish_event(platform, PAYMENT)
    publish_event(platform, {**PAYMENT, "transfer_id": "T-1002"})
    assert len(receiver.requests) == 2

    (row,) = rows(platform, WebhookEndpoint)
    assert row.enabled is False and "410 Gone" in row.disabled_reason
    by_event = {d.event_id: d for d in rows(platform, WebhookDelivery)}
    events = {e.id: e.message_id for e in rows(platform, WebhookEvent)}
    statuses = {events[k]: (v.status, v.last_status_code) for k, v in by_event.items()}
    assert statuses[first] == ("pending", 500)
    assert [s for k, s in statuses.items() if k != first] == [("failed", 410)]

    clock.advance(3600)
    run_due(platform)
    publish_event(platform, {**PAYMENT, "transfer_id": "T-1003"})
    assert len(receiver.requests) == 2
    cancelled = [d for d in rows(platform, WebhookDelivery) if d.status == "cancelled"]
    assert [events[d.event_id] for d in cancelled] == [first]
    (disabled,) = rows(platform, AuditEntry, AuditEntry.action == "webhook_endpoint.disabled")
    assert disabled.target == f"webhook_endpoint:{endpoint['id']}"

    shown = partner.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}").json
    assert shown["enabled"] is False and "410 Gone" in shown["disabled_reason"]
    # Enabled again by a person: the reason goes.
    again = partner.patch(f"/api/v1/webhooks/endpoints/{endpoint['id']}", json={"enabled": True})
    assert again.status_code == 200 and again.json["disabled_reason"] is None


def test_a_rolled_back_transaction_publishes_nothing(platform, partner, receiver) -> None:
    create_endpoint(partner, receiver.url())
    before = counts(platform)
    with pytest.raises(RuntimeError), platform.context() as session:
        publish(session, tenant_id(session), org_id(session, "mai-linh-hue"), PAID, PAYMENT)
        raise RuntimeError("the payment failed to commit")
    platform.run_tasks()
    run_due(platform)
    assert counts(platform) == before
    assert receiver.requests == []


def test_publishing_an_event_id_again_delivers_once(platform, partner, receiver) -> None:
    create_endpoint(partner, receiver.url())
    event_id = event_id_for(PAID, "T-1001")
    assert event_id == event_id_for(PAID, "T-1001") != event_id_for(PAID, "T-1002")

    assert publish_event(platform, PAYMENT, event_id=event_id) == event_id
    assert publish_event(platform, PAYMENT, event_id=event_id) == event_id
    with platform.context() as session:
        tenant, org = tenant_id(session), org_id(session, "mai-linh-hue")
        assert publish(session, tenant, org, PAID, PAYMENT, event_id=event_id) == event_id
        assert publish(session, tenant, org, PAID, PAYMENT, event_id=event_id) == event_id
        # The id of another type is a caller's mistake, refused before anything is written.
        with pytest.raises(ValueError, match="was published as"):
            publish(session, tenant, org, REFUNDED, PAYMENT, event_id=event_id)
    platform.run_tasks()
    run_due(platform)

    assert [r.headers["webhook-id"] for r in receiver.requests] == [event_id]
    assert len(rows(platform, WebhookEvent)) == 1
    assert len(rows(platform, WebhookDelivery)) == 1


def test_the_same_event_id_in_two_tenants_or_organizations_is_two_events(
    platform, partner, receiver
) -> None:
    admin = platform.client(Role.PROVINCE_ADMIN)
    create_endpoint(partner, receiver.url("/mai-linh"))
    create_endpoint(admin, receiver.url("/vnpt"), organization=OTHER_PARTNER_ORG)
    event_id = event_id_for(PAID, "shared")
    publish_event(platform, PAYMENT, event_id=event_id)
    publish_event(platform, PAYMENT, event_id=event_id, org=OTHER_PARTNER_ORG)
    assert sorted(r.path for r in receiver.requests) == ["/mai-linh", "/vnpt"]


def test_publishing_refuses_what_cannot_be_sent_before_writing_anything(
    platform, partner, receiver
) -> None:
    create_endpoint(partner, receiver.url())
    before = counts(platform)
    with platform.context() as session:
        tenant, org = tenant_id(session), org_id(session, "mai-linh-hue")
        with pytest.raises(LookupError):
            publish(session, tenant, org, "webhook_test.never_registered", PAYMENT)
        with pytest.raises(LookupError):
            publish(session, tenant, 10**6, PAID, PAYMENT)
        for bad in ("T-1001", "msg_a.b", "msg_", "msg_" + "x" * 61):
            with pytest.raises(ValueError):
                publish(session, tenant, org, PAID, PAYMENT, event_id=bad)
        with pytest.raises(TypeError):
            publish(session, tenant, org, PAID, {"when": datetime.now(UTC)})
        with pytest.raises(ValueError):
            publish(session, tenant, org, PAID, {"blob": "x" * 70000})
    assert counts(platform) == before


def test_rotation_signs_with_both_secrets_until_the_grace_period_ends(
    platform, partner, receiver, monkeypatch
) -> None:
    clock = install_clock(monkeypatch)
    endpoint = create_endpoint(partner, receiver.url())
    old = endpoint["secret"]
    rotated = partner.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/secret/rotate")
    assert rotated.status_code == 200, rotated.json
    new = rotated.json["secret"]
    assert new != old and new.startswith("whsec_")
    expires = datetime.fromisoformat(rotated.json["previous_secret_expires_at"])
    assert expires == clock.now + timedelta(seconds=86400)

    publish_event(platform, PAYMENT)
    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    # Each receiver verifies with the secret it holds, with the official library.
    assert Webhook(old).verify(during.body, during.headers)["data"] == PAYMENT
    assert Webhook(new).verify(during.body, during.headers)["data"] == PAYMENT

    clock.advance(86400 + 1)
    publish_event(platform, {**PAYMENT, "transfer_id": "T-1002"})
    after = receiver.requests[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert signed_with(new, after) and not signed_with(old, after)


def test_redirects_are_not_followed(platform, partner, receiver) -> None:
    create_endpoint(partner, receiver.url("/moved"))
    receiver.answers = [(301, {"Location": receiver.url("/new-home")})]
    publish_event(platform, PAYMENT)
    assert [r.path for r in receiver.requests] == ["/moved"]
    (delivery,) = rows(platform, WebhookDelivery)
    assert (delivery.status, delivery.last_status_code) == ("pending", 301)


def test_an_endpoint_that_does_not_answer_is_retried_with_the_reason(
    platform, partner, receiver
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    create_endpoint(partner, f"http://127.0.0.1:{closed_port}/hooks")
    publish_event(platform, PAYMENT)
    (delivery,) = rows(platform, WebhookDelivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error == "connection refused"
    (attempt,) = rows(platform, WebhookAttempt)
    assert attempt.error == "connection refused" and attempt.status_code is None


def test_a_name_resolving_to_a_private_address_is_never_connected_to(
    make_platform, monkeypatch
) -> None:
    platform = make_platform(plugins=[])  # the production policy: public https only
    partner = platform.client(Role.PARTNER_STAFF)
    create_endpoint(partner, "https://hooks.partner.example/sieuapp")
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.partner.example":
            # A DNS answer pointing inside our network (or rebinding to it after registration).
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443))]
        return real_getaddrinfo(host, *args, **kwargs)

    def no_connection(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"connected to {args[0]!r}")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(socket, "create_connection", no_connection)
    publish_event(platform, PAYMENT)
    (delivery,) = rows(platform, WebhookDelivery)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error.startswith("blocked: the host resolves to 10.0.0.5")


def test_the_outbox_holds_ids_only_and_each_delivery_has_its_task(
    platform, partner, receiver
) -> None:
    create_endpoint(partner, receiver.url("/a"))
    create_endpoint(partner, receiver.url("/b"))
    publish_event(platform, PAYMENT)
    tasks = rows(platform, OutboxMessage, OutboxMessage.task == "webhooks.deliver")
    deliveries = rows(platform, WebhookDelivery)
    assert sorted(t.payload["id"] for t in tasks) == sorted(d.id for d in deliveries)
    assert {t.status for t in tasks} == {"done"}


def test_a_task_run_twice_sends_once(platform, partner, receiver) -> None:
    create_endpoint(partner, receiver.url())
    publish_event(platform, PAYMENT)
    (delivery,) = rows(platform, WebhookDelivery)
    with platform.context() as session:
        assert deliver(session, [delivery.id]) == 0
    run_due(platform)
    settle(platform)
    assert len(receiver.requests) == 1


def test_the_sweep_sends_a_delivery_whose_task_was_lost(platform, partner, receiver) -> None:
    create_endpoint(partner, receiver.url())
    with platform.context() as session:
        publish(session, tenant_id(session), org_id(session, "mai-linh-hue"), PAID, PAYMENT)
        # The process dies between commit and dispatch: the task never runs.
        session.info.pop(PENDING_KEY, None)
    assert receiver.requests == []
    run_due(platform)
    assert len(receiver.requests) == 1
    (delivery,) = rows(platform, WebhookDelivery)
    assert delivery.status == "delivered"
