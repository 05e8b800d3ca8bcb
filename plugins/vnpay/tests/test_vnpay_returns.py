"""The payer's way back: a token that carries the host's return path, bound to the payment,
signed and short-lived; and only paths on the payer's own host."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sieuapp_vnpay import returns

SECRET = "K7QZ2M9XW4RT8YPB3NV6HC1JD5GF0LSA"
PAYMENT = "PAY0K3M7Q9T2W5Y8A1C4E"
EXPIRES = datetime(2025, 5, 21, 2, 30, tzinfo=UTC)


def token(path: str = "/payments/PAY0K3M7Q9T2W5Y8A1C4E?from=app") -> str:
    return returns.issue(SECRET, PAYMENT, path, EXPIRES)


def test_a_token_gives_back_its_path_until_the_grace_ends():
    path = "/payments/PAY0K3M7Q9T2W5Y8A1C4E?from=app#top"
    issued = token(path)
    assert returns.read(SECRET, issued, PAYMENT, EXPIRES) == path
    assert returns.read(SECRET, issued, PAYMENT, EXPIRES + returns.GRACE) == path
    late = EXPIRES + returns.GRACE + timedelta(seconds=1)
    assert returns.read(SECRET, issued, PAYMENT, late) is None


def test_a_token_is_no_good_for_another_payment_or_secret():
    assert returns.read(SECRET, token(), "PAY0000000000000000000", EXPIRES) is None
    assert returns.read("another-secret-0000", token(), PAYMENT, EXPIRES) is None


@pytest.mark.parametrize("part", [0, 1, 2])
def test_changing_any_part_of_a_token_voids_it(part):
    pieces = token().split(".")
    forged_path = returns.issue(SECRET, PAYMENT, "https://evil.example/", EXPIRES).split(".")[0]
    pieces[part] = {0: forged_path, 1: str(int(pieces[1]) + 3600), 2: "A" * 22}[part]
    assert returns.read(SECRET, ".".join(pieces), PAYMENT, EXPIRES) is None


@pytest.mark.parametrize("garbage", ["", "a.b", "a.b.c.d", "!!.1.x", "Zm9v.１２.x", "Zm9v.12.é"])
def test_garbage_is_not_a_token(garbage):
    assert returns.read(SECRET, garbage, PAYMENT, EXPIRES) is None


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/payments/1", "/payments/1"),
        ("/payments/1?x=1#done", "/payments/1?x=1#done"),
        ("https://hue.example.vn/payments/1?x=1", "/payments/1?x=1"),
        ("http://HUE.example.vn/p", "/p"),
    ],
)
def test_return_urls_on_the_payers_host_become_paths(url, path):
    assert returns.local_path(url, "hue.example.vn") == path


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/payments",
        "//evil.example/payments",
        "/\\evil.example/payments",
        "https://hue.example.vn.evil.example/",
        "https://hue.example.vn:8443/p",
        "javascript:alert(1)",
        "payments/1",
        "/pay ments",
        "/pay\nments",
        "",
    ],
)
def test_anything_that_could_leave_the_host_is_refused(url):
    with pytest.raises(ValueError):
        returns.local_path(url, "hue.example.vn")


def test_the_public_root_is_the_requests_or_the_return_urls_origin():
    assert returns.public_root("/p", "https://hue.example.vn/") == "https://hue.example.vn/"
    assert returns.public_root("https://hue.example.vn/a/b?c", None) == "https://hue.example.vn/"
    with pytest.raises(ValueError):
        returns.public_root("/p", None)


@pytest.mark.parametrize(
    ("codes", "outcome"),
    [
        (("00", "00"), "succeeded"),
        (("24", "02"), "canceled"),
        (("51", "02"), "failed"),
        (("00", "01"), "failed"),
        ((None, None), "failed"),
    ],
)
def test_the_result_shown_to_the_payer(codes, outcome):
    params = {"vnp_ResponseCode": codes[0], "vnp_TransactionStatus": codes[1]}
    assert returns.result({k: v for k, v in params.items() if v is not None}) == outcome


def test_the_result_joins_the_paths_query():
    assert returns.with_result("/p", "succeeded") == "/p?vnpay_result=succeeded"
    assert (
        returns.with_result("/p?a=1&vnpay_result=x#f", "failed") == "/p?a=1&vnpay_result=failed#f"
    )
