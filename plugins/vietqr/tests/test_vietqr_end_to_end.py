"""Through the platform's HTTP APIs alone: the province asks a citizen to pay a fee, the citizen
chooses VietQR and gets the code (whose picture carries the payload the API gave), and the bank
connector's signed notification of the transfer settles it. Replayed, tampered, unsigned and
wrong-amount notifications change nothing; a transfer naming no payment of ours is kept for
the province to reconcile."""

from __future__ import annotations

import time
import uuid

import pytest

from .conftest import CONFIG, NOTIFY_URL, signed
from .qr_reading import png_modules, read_symbol, svg_modules

PAYEE = "ubnd-hue"
AMOUNT = 150000


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture
def citizen_id(citizen_client) -> str:
    return citizen_client.get("/api/v1/me").get_json()["id"]


@pytest.fixture
def new_payment(admin_client, citizen_id):
    def create(amount: int = AMOUNT, payer_id: str | None = None) -> str:
        response = admin_client.post(
            "/api/v1/payments",
            json={
                "amount": amount,
                "purpose": {"vi": "Lệ phí cấp bản sao", "en": "Copy certificate fee"},
                "payee": PAYEE,
                "payer_id": payer_id or citizen_id,
            },
            headers=_key(),
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    return create


def checkout(client, payment_id: str) -> dict:
    response = client.post(
        f"/api/v1/payments/{payment_id}/checkout", json={"provider": "vietqr"}, headers=_key()
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def payment_of(client, payment_id: str) -> dict:
    response = client.get(f"/api/v1/payments/{payment_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def notify(client, body: dict, **signing):
    raw, headers = signed(body, **signing)
    return client.post(NOTIFY_URL, data=raw, headers=headers)


def credit(payment_id: str, amount: int = AMOUNT, reference: str = "FT25084123456789") -> dict:
    # As a bank writes it on the statement: its own reference first, upper case, dots.
    return {
        "reference": reference,
        "amount": amount,
        "content": f"MBVCB.9127364510.{payment_id}.CT tu 0905123456 NGUYEN VAN AN",
        "direction": "in",
        "account_number": "0011001932418",
        "booked_at": "2025-03-25T14:02:37+07:00",
    }


def test_vietqr_is_offered_once_configured(citizen_client, configure_plugin):
    def names():
        response = citizen_client.get("/api/v1/payments/providers")
        assert response.status_code == 200
        return {p["name"]: p for p in response.get_json()}

    assert "vietqr" not in names()
    assert configure_plugin(CONFIG).status_code == 200
    offered = names()["vietqr"]
    assert (offered["kind"], offered["refunds"]) == ("qr", False)


def test_a_citizen_pays_a_fee_by_vietqr(anonymous_client, citizen_client, configured, new_payment):
    payment_id = new_payment()
    started = checkout(citizen_client, payment_id)
    payload = started["qr_payload"]
    assert payment_id in payload and "0011001932418" in payload
    assert payment_id in started["instructions"]
    assert payment_of(citizen_client, payment_id)["status"] == "processing"

    png = citizen_client.get(f"/m/vietqr/payments/{payment_id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert "no-store" in png.headers["Cache-Control"]
    assert read_symbol(png_modules(png.data, 8, 4))["text"] == payload
    svg = citizen_client.get(f"/m/vietqr/payments/{payment_id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert read_symbol(svg_modules(svg.data, 4))["text"] == payload

    answer = notify(anonymous_client, credit(payment_id))

    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {
        "matched": True,
        "payment_id": payment_id,
        "outcome": "applied",
        "status": "succeeded",
        "reference": "FT25084123456789",
    }
    paid = payment_of(citizen_client, payment_id)
    assert (paid["status"], paid["provider"], paid["provider_ref"]) == (
        "succeeded",
        "vietqr",
        "FT25084123456789",
    )
    # Paid: the code is not shown again, so it cannot be paid twice.
    assert citizen_client.get(f"/m/vietqr/payments/{payment_id}/qr.png").status_code == 409


def test_a_replayed_notification_changes_nothing(
    anonymous_client, citizen_client, configured, new_payment
):
    payment_id = new_payment()
    checkout(citizen_client, payment_id)
    raw, headers = signed(credit(payment_id))
    assert anonymous_client.post(NOTIFY_URL, data=raw, headers=headers).status_code == 200
    before = payment_of(citizen_client, payment_id)

    again = anonymous_client.post(NOTIFY_URL, data=raw, headers=headers)

    assert again.status_code == 200
    assert again.get_json()["outcome"] == "already_settled"
    assert payment_of(citizen_client, payment_id) == before


@pytest.mark.parametrize("forgery", ["unsigned", "tampered", "other-secret", "stale"])
def test_a_forged_notification_changes_nothing(
    anonymous_client, citizen_client, configured, new_payment, forgery
):
    payment_id = new_payment()
    checkout(citizen_client, payment_id)
    raw, headers = signed(
        credit(payment_id),
        **({"secret": "f" * 64} if forgery == "other-secret" else {}),
        **({"at": time.time() - 600} if forgery == "stale" else {}),
    )
    if forgery == "unsigned":
        headers = {"Content-Type": "application/json"}
    if forgery == "tampered":
        raw = raw.replace(b"FT25084123456789", b"FT00000000000000")

    response = anonymous_client.post(NOTIFY_URL, data=raw, headers=headers)

    assert response.status_code == 401
    assert payment_of(citizen_client, payment_id)["status"] == "processing"


def test_a_wrong_amount_is_recorded_not_applied(
    anonymous_client, citizen_client, configured, new_payment
):
    payment_id = new_payment()
    checkout(citizen_client, payment_id)

    short = notify(anonymous_client, credit(payment_id, amount=AMOUNT - 1000, reference="FT1"))

    assert short.status_code == 200
    assert short.get_json()["outcome"] == "amount_mismatch"
    assert payment_of(citizen_client, payment_id)["status"] == "processing"
    # The payer then sends the right amount: that one settles it.
    right = notify(anonymous_client, credit(payment_id, reference="FT2"))
    assert right.get_json()["outcome"] == "applied"


def test_a_transfer_naming_no_payment_of_ours_is_kept_for_the_province(
    anonymous_client, admin_client, citizen_client, configured, new_payment
):
    never_started = new_payment()  # exists, but the payer never chose VietQR for it
    for content in ("hoc phi con NGUYEN VAN BINH", f"{never_started}", "PAY00000000000000000"):
        body = {**credit(never_started), "content": content}
        answer = notify(anonymous_client, body)
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["matched"] is False
        assert answer.get_json()["reason"] == "no_payment"
    assert payment_of(citizen_client, never_started)["status"] == "requires_payment_method"
    entries = admin_client.get(
        "/api/v1/admin/audit", query_string={"action": "vietqr.transfer_unmatched"}
    ).get_json()["entries"]
    assert len(entries) == 3
    assert {e["after"]["content"] for e in entries} >= {"hoc phi con NGUYEN VAN BINH"}


def test_a_transfer_naming_two_payments_is_left_to_a_person(
    anonymous_client, citizen_client, configured, new_payment
):
    first, second = new_payment(), new_payment(amount=AMOUNT)
    checkout(citizen_client, first)
    checkout(citizen_client, second)

    answer = notify(anonymous_client, {**credit(first), "content": f"{first} {second}"})

    assert answer.get_json()["reason"] == "ambiguous"
    assert sorted(answer.get_json()["payment_ids"]) == sorted([first, second])
    assert payment_of(citizen_client, first)["status"] == "processing"
    assert payment_of(citizen_client, second)["status"] == "processing"


def test_only_the_payer_sees_the_code(
    anonymous_client, official_client, citizen_client, configured, new_payment
):
    payment_id = new_payment()
    checkout(citizen_client, payment_id)
    for kind in ("png", "svg"):
        url = f"/m/vietqr/payments/{payment_id}/qr.{kind}"
        assert citizen_client.get(url).status_code == 200
        assert official_client.get(url).status_code == 404
        assert anonymous_client.get(url).status_code == 401
    assert citizen_client.get("/m/vietqr/payments/PAY00000000000000000/qr.png").status_code == 404
    assert citizen_client.get("/m/vietqr/payments/not-an-id/qr.png").status_code == 404


def test_no_code_before_the_payer_chooses_vietqr(citizen_client, configured, new_payment):
    # Until the payer picks VietQR the plugin is not one of the payment's providers: the host
    # does not show it the payment at all.
    payment_id = new_payment()
    response = citizen_client.get(f"/m/vietqr/payments/{payment_id}/qr.png")
    assert response.status_code == 404
