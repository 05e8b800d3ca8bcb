"""Delivery through the plugin's hook to a real push service on 127.0.0.1: the body decrypts
(RFC 8291) to the payload, the headers say TTL and Urgency, the VAPID token (RFC 8292)
verifies with the key the browser was given, and each answer becomes the right outcome."""

from __future__ import annotations

import json
import time

import pytest
from py_vapid import Vapid02
from sieuapp.sdk import DeliveryOutcome

from .local_push import b64url, message, refused_endpoint, unb64url

PUBLIC_KEY_URL = "/m/webpush/vapid-public-key"


def jwt_claims(authorization: str) -> tuple[dict, str]:
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    payload = parts["t"].split(".")[1]
    return json.loads(unb64url(payload)), parts["k"]


def test_the_message_arrives_encrypted_and_signed(
    deliver, configured, push_service, subscriber, anonymous_client
):
    endpoint = push_service.endpoint(201)
    sent = message(
        subscriber.subscription(endpoint),
        urgency="high",
        ttl=1800,
        data={"report_id": 42},
    )

    outcomes = deliver([sent])

    assert [o.status for o in outcomes] == [DeliveryOutcome.SENT]
    assert outcomes[0].message_id == "d-1"
    [received] = push_service.received
    assert outcomes[0].detail == f"{push_service.origin}/message/1"
    assert endpoint.endswith(received.path)
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == "1800"
    assert received.headers["urgency"] == "high"
    assert json.loads(subscriber.decrypt(received.body)) == {
        "title": sent.title,
        "body": sent.body,
        "link": sent.link,
        "kind": "report.status_changed",
        "critical": False,
        "data": {"report_id": 42},
    }
    # Nobody else can read it: the ciphertext does not contain the text.
    assert sent.body.encode() not in received.body

    authorization = received.headers["authorization"]
    claims, key = jwt_claims(authorization)
    assert key == anonymous_client.get(PUBLIC_KEY_URL).get_json()["publicKey"]
    assert Vapid02.verify(authorization) is True
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == "mailto:ioc@hue.gov.vn"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600


def test_a_forged_token_does_not_verify(deliver, configured, push_service, subscriber):
    deliver([message(subscriber.subscription(push_service.endpoint()))])
    authorization = push_service.received[0].headers["authorization"]
    claims, key = jwt_claims(authorization)
    token = authorization.split("t=", 1)[1].split(",", 1)[0]
    header, _payload, signature = token.split(".")
    forged_claims = {**claims, "aud": "https://attacker.example"}
    forged_payload = b64url(json.dumps(forged_claims).encode())
    forged = f"vapid t={header}.{forged_payload}.{signature},k={key}"
    assert Vapid02.verify(forged) is False


def test_critical_alerts_go_out_urgent_with_a_topic(deliver, configured, push_service, subscriber):
    address = subscriber.subscription(push_service.endpoint())
    first = message(address, id="a-1", kind="alert.alert", critical=True, data={"thread_id": "t-9"})
    update = message(address, id="a-2", kind="alert.update", data={"thread_id": "t-9"})
    other = message(address, id="a-3", kind="alert.alert", data={"thread_id": "t-10"})

    outcomes = deliver([first, update, other])

    assert [o.status for o in outcomes] == ["sent", "sent", "sent"]
    one, two, three = push_service.received
    assert one.headers["urgency"] == "high"
    assert json.loads(subscriber.decrypt(one.body))["critical"] is True
    assert one.headers["topic"] == two.headers["topic"] != three.headers["topic"]
    assert len(one.headers["topic"]) == 32


def test_other_messages_have_no_topic(deliver, configured, push_service, subscriber):
    # Only alert threads replace each other; two report updates must both arrive.
    address = subscriber.subscription(push_service.endpoint())
    deliver([message(address, data={"thread_id": "t-9"})])
    assert "topic" not in push_service.received[0].headers


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (202, DeliveryOutcome.SENT),
        (410, DeliveryOutcome.GONE),
        (404, DeliveryOutcome.GONE),
        (429, DeliveryOutcome.RETRY),
        (503, DeliveryOutcome.RETRY),
        (500, DeliveryOutcome.RETRY),
        (400, DeliveryOutcome.FAILED),
        (403, DeliveryOutcome.FAILED),
        (413, DeliveryOutcome.FAILED),
    ],
)
def test_each_answer_becomes_an_outcome(
    deliver, configured, push_service, subscriber, status, expected
):
    [outcome] = deliver([message(subscriber.subscription(push_service.endpoint(status)))])
    assert outcome.status == expected
    assert outcome.detail.startswith(f"HTTP {status}")
    assert len(push_service.received) == 1


def test_a_batch_answers_each_message_in_order(deliver, configured, push_service, subscriber):
    statuses = [201, 410, 503, 400, 201]
    messages = [
        message(subscriber.subscription(push_service.endpoint(s)), id=f"m-{i}")
        for i, s in enumerate(statuses)
    ]
    outcomes = deliver(messages)
    assert [o.message_id for o in outcomes] == [f"m-{i}" for i in range(5)]
    assert [o.status for o in outcomes] == ["sent", "gone", "retry", "failed", "sent"]


def test_connection_refused_is_retried(deliver, configured, subscriber):
    [outcome] = deliver([message(subscriber.subscription(refused_endpoint()))])
    assert outcome.status == DeliveryOutcome.RETRY
    assert outcome.detail == "could not connect to the push service"


@pytest.mark.parametrize(
    "address",
    [
        pytest.param({"email": "a@b.vn"}, id="not-a-subscription"),
        pytest.param({"endpoint": "ftp://127.0.0.1/x", "keys": {}}, id="no-keys"),
        pytest.param(
            {"endpoint": "http://push.example.com/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
            id="plain-http",
        ),
    ],
)
def test_a_bad_address_fails_without_a_request(deliver, configured, push_service, address):
    [outcome] = deliver([message(address)])
    assert outcome.status == DeliveryOutcome.FAILED
    assert outcome.detail.startswith("invalid subscription")
    assert push_service.received == []


def test_keys_that_are_not_a_point_fail(deliver, configured, push_service):
    address = {
        "endpoint": push_service.endpoint(),
        "keys": {"p256dh": "BAAAAAAA" * 11, "auth": "c2VjcmV0c2VjcmV0c2VjcmV0"},
    }
    [outcome] = deliver([message(address)])
    assert outcome.status == DeliveryOutcome.FAILED
    assert outcome.detail == "invalid subscription keys"
    assert push_service.received == []


def test_details_never_hold_the_key_or_token(
    deliver, configured, push_service, subscriber, vapid_pair
):
    statuses = [201, 410, 503, 400]
    messages = [message(subscriber.subscription(push_service.endpoint(s))) for s in statuses]
    messages.append(message(subscriber.subscription(refused_endpoint())))
    outcomes = deliver(messages)
    tokens = [
        r.headers["authorization"].split("t=", 1)[1].split(",")[0] for r in push_service.received
    ]
    pem_body = "".join(vapid_pair[0].splitlines()[1:-1])
    for outcome in outcomes:
        assert pem_body[:40] not in outcome.detail
        assert subscriber.subscription("x")["keys"]["auth"] not in outcome.detail
        for token in tokens:
            assert token.split(".")[2] not in outcome.detail


def test_without_a_key_nothing_is_sent_and_it_is_retried_later(deliver, push_service, subscriber):
    [outcome] = deliver([message(subscriber.subscription(push_service.endpoint()))])
    assert outcome.status == DeliveryOutcome.RETRY
    assert push_service.received == []
