"""The payload fits what every push service takes (4096 octets encrypted): a long Vietnamese
body is cut between letters, never inside one, and still decrypts to valid JSON."""

from __future__ import annotations

import json
import unicodedata

from sieuapp.sdk import DeliveryOutcome
from sieuapp_webpush.payload import MAX_PLAINTEXT, MAX_RECORD, build

from .local_push import message

#: Decomposed on purpose (NFD): a cut must not strand a tone mark from its vowel.
LONG_BODY = unicodedata.normalize(
    "NFD", "Mưa lớn kéo dài gây ngập úng tại các phường ven sông Hương. " * 120
)


def test_a_long_vietnamese_body_is_trimmed_to_a_valid_payload(
    deliver, configured, push_service, subscriber
):
    sent = message(subscriber.subscription(push_service.endpoint()), body=LONG_BODY)

    [outcome] = deliver([sent])

    assert outcome.status == DeliveryOutcome.SENT
    [received] = push_service.received
    assert len(received.body) <= MAX_RECORD
    plaintext = subscriber.decrypt(received.body)
    document = json.loads(plaintext.decode("utf-8"))  # strict: fails on a broken sequence
    body = document["body"]
    assert body.endswith("…")
    assert len(plaintext) > MAX_PLAINTEXT - 8  # trimmed to fit, not emptied
    assert unicodedata.normalize("NFC", LONG_BODY).startswith(body[:-1])
    assert not unicodedata.combining(body[-2])
    assert document["title"] == sent.title  # the title is kept whole while the body gives way


def test_a_short_message_is_left_as_it_is():
    sent = message({}, body="Nước đã rút.")
    assert json.loads(build(sent))["body"] == "Nước đã rút."


def test_the_title_gives_way_when_the_body_is_not_enough():
    sent = message({}, title="Cảnh báo " * 600, body="ngắn")
    document = json.loads(build(sent))
    assert len(build(sent)) <= MAX_PLAINTEXT
    assert document["title"].endswith("…")
    assert document["body"] == "…"


def test_data_that_cannot_fit_fails_the_message(deliver, configured, push_service, subscriber):
    sent = message(subscriber.subscription(push_service.endpoint()), data={"x": "y" * 5000})
    [outcome] = deliver([sent])
    assert outcome.status == DeliveryOutcome.FAILED
    assert "octets" in outcome.detail
    assert push_service.received == []
