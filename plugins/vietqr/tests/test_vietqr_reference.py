"""The transfer content is the payment id, and the id is found again in what banks make of it."""

from __future__ import annotations

import pytest
from sieuapp_vietqr.reference import (
    UnsupportedPaymentId,
    candidates,
    normalize,
    transfer_content,
)

ID = "PAY01HZX5K9M2Q7R8T4V"
OTHER = "PAY7Q2M9K4T8R1V5X3ZA"


def test_the_content_is_the_payment_id():
    assert transfer_content(ID) == ID


@pytest.mark.parametrize(
    "payment_id",
    [
        "pay_01hzx5k9m2q7r8t4vabc",  # the SDK docstring's shape: banks upper-case and strip _
        "pay01hzx5k9m2q7r8t4v",  # lower case would come back upper-cased
        "PAY01HZX5K9M2Q7R8T4",  # 16 characters
        "PAY01HZX5K9M2Q7R8T4VW",  # 18
        "PAY01HZX5K9M2Q7R8TUV",  # U is not in Crockford's alphabet
        "PAY-1HZX5K9M2Q7R8T4V",
        "",
        None,
    ],
)
def test_an_id_a_bank_could_change_is_refused(payment_id):
    with pytest.raises(UnsupportedPaymentId, match="payment.id"):
        transfer_content(payment_id)


@pytest.mark.parametrize(
    "content",
    [
        ID,
        ID.lower(),
        f"MBVCB.3278907687.{ID}.CT tu 0011001932418 NGUYEN VAN AN toi 0011001932418",
        f"IBFT {ID}",
        f"{ID} FT24123456789",  # glued on once separators are stripped: "...T4VFT2412..."
        f"{ID}FT24123456789",
        "PAY 01HZ-X5K9 M2Q7.R8T4V",  # spaces and punctuation inside the id
        "Thanh toán pay01hzx5k9m2q7r8t4v cho Sở Tư pháp",
        "PAY01HZX5K9M2Q7R8T4V PAY01HZX5K9M2Q7R8T4V",  # the same id twice is one candidate
        "PAYO1HZX5K9M2Q7R8T4V",  # O typed for 0 (Crockford reads it as 0)
        "PAY01HZX5K9M2Q7R8T4V".replace("1", "l"),  # l typed for 1
    ],
)
def test_the_id_is_found_in_what_banks_write(content):
    assert candidates(content) == [ID]


def test_every_id_in_a_content_is_a_candidate_in_order():
    assert candidates(f"{OTHER} va {ID}") == [OTHER, ID]
    # A window that starts inside the first id is a candidate too; the host knows none of them.
    assert candidates("PAYPAY01HZX5K9M2Q7R8T4V")[-1] == ID


@pytest.mark.parametrize(
    "content",
    [
        "",
        "chuyen tien hoc phi",
        ID[:-1],  # cut short by the bank
        "PAY01HZX5K9M2Q7R8TUV",  # U has no reading
        "PAYMENT",
    ],
)
def test_no_candidate_without_a_whole_id(content):
    assert candidates(content) == []


def test_normalize():
    assert normalize("Đà Nẵng - pay_01.ab") == "DANANGPAY01AB"
    assert normalize("Ｐａｙ１") == "PAY1"  # full-width forms, as some keyboards type them
