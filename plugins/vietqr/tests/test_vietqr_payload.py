"""The VietQR payload, checked against published values: the CRC's standard check value and
payloads printed by public VietQR libraries, reproduced byte for byte and read back.

Sources of the published payloads:
- ``xuannghia/vietnam-qr-pay`` (npm ``vietnam-qr-pay``), README.md, sections "VietQR Tĩnh",
  "VietQR Động", "Decode mã QR" and "build() method";
- ``subiz/vietqr`` (Go), vietqr_test.go, ``TestQR`` (account numbers with letters, and a
  purpose of exactly 25 characters).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sieuapp_vietqr.crc import checksum, crc16_ccitt_false
from sieuapp_vietqr.payload import (
    DYNAMIC,
    STATIC,
    TO_CARD,
    PayloadError,
    VietQR,
    decode,
    encode,
    read_objects,
)

ACB = "970416"


def test_crc_check_value():
    # The catalogue value of CRC-16/CCITT-FALSE (a.k.a. CRC-16/IBM-3740): "123456789" → 0x29B1.
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert checksum("123456789") == "29B1"
    assert crc16_ccitt_false(b"") == 0xFFFF


def test_crc_is_four_upper_case_digits_even_when_small():
    # Some libraries print the CRC with %X and drop leading zeros; EMVCo wants four digits.
    sums = {checksum(str(n)) for n in range(3000)}
    assert all(len(s) == 4 and s == s.upper() for s in sums)
    assert any(s.startswith("0") for s in sums)


PUBLISHED = [
    pytest.param(
        VietQR(ACB, "257678859"),
        "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA"
        "53037045802VN6304AE9F",
        id="vietnam-qr-pay-static",
    ),
    pytest.param(
        VietQR(ACB, "257678859", amount=10000, purpose="Chuyen tien"),
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
        "53037045405100005802VN62150811Chuyen tien630453E6",
        id="vietnam-qr-pay-dynamic",
    ),
    pytest.param(
        VietQR(ACB, "257678859", amount=1000, purpose="Chuyen tien"),
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
        "5303704540410005802VN62150811Chuyen tien6304BBB8",
        id="vietnam-qr-pay-decode",
    ),
    pytest.param(
        VietQR(ACB, "257678859", amount=999999, purpose="Cam on nhe"),
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
        "530370454069999995802VN62140810Cam on nhe6304E786",
        id="vietnam-qr-pay-build",
    ),
    pytest.param(
        VietQR("970423", "0099999999"),
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA"
        "53037045802VN6304CBB4",
        id="subiz-static",
    ),
    pytest.param(
        VietQR("970422", "0023457923442", amount=40123, purpose="test text string"),
        "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
        "53037045405401235802VN62200816test text string6304D9C6",
        id="subiz-dynamic",
    ),
    pytest.param(
        VietQR("970422", "0023457923442ASDFLJ", amount=40123, purpose="chuyen khoan alsdkf laksj"),
        "00020101021238630010A0000007270133000697042201190023457923442ASDFLJ0208QRIBFTTA"
        "53037045405401235802VN62290825chuyen khoan alsdkf laksj6304E5DB",
        id="subiz-longest-account-and-purpose",
    ),
]


@pytest.mark.parametrize(("qr", "published"), PUBLISHED)
def test_published_payloads_are_reproduced_byte_for_byte(qr, published):
    assert encode(qr) == published


@pytest.mark.parametrize(("qr", "published"), PUBLISHED)
def test_published_payloads_are_read_back(qr, published):
    decoded = decode(published)
    assert decoded.vietqr == qr
    assert decoded.initiation == (DYNAMIC if qr.amount else STATIC)
    assert decoded.crc == published[-4:]
    assert decoded.tags["53"] == "704" and decoded.tags["58"] == "VN"


def test_a_wallet_payload_with_objects_we_do_not_write_is_read():
    # vietnam-qr-pay README, "MoMo": a reference label (62.05) and an unreserved ID 80.
    published = (
        "00020101021138620010A00000072701320006970454011899MM24011M348750800208QRIBFTTA"
        "53037045802VN62190515MOMOW2W3487508080030466304EBC8"
    )
    decoded = decode(published)
    assert decoded.vietqr == VietQR("970454", "99MM24011M34875080")
    assert decoded.tags["80"] == "046"
    assert read_objects(decoded.tags["62"], "additional_data") == {"05": "MOMOW2W34875080"}


def test_the_structure_of_a_dynamic_payload():
    payload = encode(
        VietQR("970436", "0011001932418", amount=150000, purpose="PAY01HZX5K9M2Q7R8T4V")
    )
    tags = read_objects(payload, "payload")
    assert list(tags) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert tags["01"] == "12"
    account = read_objects(tags["38"], "merchant_account")
    assert account == {"00": "A000000727", "01": "000697043601130011001932418", "02": "QRIBFTTA"}
    assert read_objects(account["01"], "beneficiary") == {"00": "970436", "01": "0011001932418"}
    assert tags["54"] == "150000"
    assert read_objects(tags["62"], "additional_data") == {"08": "PAY01HZX5K9M2Q7R8T4V"}
    assert payload.endswith("6304" + checksum(payload[:-4]))


def test_name_city_and_card_are_written_when_given():
    qr = VietQR(
        "970436",
        "9704366614528888",
        service_code=TO_CARD,
        amount=5000,
        merchant_name="UBND THANH PHO HUE",
        merchant_city="HUE",
    )
    payload = encode(qr)
    tags = read_objects(payload, "payload")
    assert tags["59"] == "UBND THANH PHO HUE" and tags["60"] == "HUE"
    assert "0208QRIBFTTC" in tags["38"]
    assert decode(payload).vietqr == qr


BAD = [
    pytest.param({"bank_bin": "97043"}, "bank_bin", id="bin-five-digits"),
    pytest.param({"bank_bin": "97043a"}, "bank_bin", id="bin-letter"),
    pytest.param({"bank_bin": 970436}, "bank_bin", id="bin-not-text"),
    pytest.param({"account_number": ""}, "account_number", id="account-empty"),
    pytest.param({"account_number": "0011 0019"}, "account_number", id="account-space"),
    pytest.param({"account_number": "0011.001"}, "account_number", id="account-dot"),
    pytest.param({"account_number": "1" * 20}, "account_number", id="account-too-long"),
    pytest.param({"account_number": "Đ123"}, "account_number", id="account-accented"),
    pytest.param({"service_code": "QRPUSH"}, "service_code", id="merchant-service"),
    pytest.param(
        {"service_code": TO_CARD, "account_number": "0011001932418"},
        "account_number",
        id="card-too-short",
    ),
    pytest.param({"amount": 0}, "amount", id="amount-zero"),
    pytest.param({"amount": -5}, "amount", id="amount-negative"),
    pytest.param({"amount": 1500.5}, "amount", id="amount-fraction"),
    pytest.param({"amount": True}, "amount", id="amount-boolean"),
    pytest.param({"amount": 10**13}, "amount", id="amount-14-digits"),
    pytest.param({"purpose": "x" * 26}, "purpose", id="purpose-26"),
    pytest.param({"purpose": "Chuyển tiền"}, "purpose", id="purpose-accented"),
    pytest.param({"purpose": "tab\there"}, "purpose", id="purpose-control"),
    pytest.param({"purpose": " padded"}, "purpose", id="purpose-leading-space"),
    pytest.param({"purpose": ""}, "purpose", id="purpose-empty"),
    pytest.param({"merchant_name": "N" * 26}, "merchant_name", id="name-26"),
    pytest.param({"merchant_city": "Thành phố Huế"}, "merchant_city", id="city-accented"),
    pytest.param({"merchant_city": "C" * 16}, "merchant_city", id="city-16"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_input_names_the_field(change, field):
    base = {"bank_bin": "970436", "account_number": "0011001932418", "amount": 1000}
    with pytest.raises(PayloadError) as raised:
        encode(VietQR(**{**base, **change}))
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")


def test_limits_are_inclusive():
    longest = VietQR("970436", "1" * 19, amount=10**13 - 1, purpose="p" * 25)
    assert decode(encode(longest)).vietqr == longest
    assert decode(encode(VietQR("970436", "1", amount=1))).vietqr.amount == 1


DYNAMIC_PAYLOAD = (
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
    "53037045405100005802VN62150811Chuyen tien630453E6"
)


def _resum(body: str) -> str:
    """``body`` (ending in 6304) with a correct CRC: the structure is what is under test."""
    return body + checksum(body)


BROKEN = [
    pytest.param(DYNAMIC_PAYLOAD[:-1] + "7", "crc", id="crc-wrong"),
    pytest.param(DYNAMIC_PAYLOAD.replace("10000", "90000"), "crc", id="amount-tampered"),
    pytest.param(DYNAMIC_PAYLOAD[:-8], "crc", id="no-crc"),
    pytest.param("0002", "payload", id="too-short"),
    pytest.param(_resum("000201010212380" + "6304"), "payload", id="length-overruns"),
    pytest.param(_resum("000201000201" + "6304"), "payload", id="object-twice"),
    pytest.param(_resum("0002020102125303704" + "5802VN6304"), "payload_format", id="format-02"),
    pytest.param(_resum("000201010213" + "5303704" + "5802VN6304"), "initiation", id="init-13"),
    pytest.param(_resum("000201010212" + "5303704" + "5802VN6304"), "merchant_account", id="no-38"),
    pytest.param(
        # A VNPay merchant QR (vietnam-qr-pay README, "VNPay"): ID 26, not NAPAS's 38.
        "00020101021126280010A0000007750110010531314453037045408210900005802VN5910CELLPHONES"
        "62600312CPSHN ONLINE0517021908061613127850705ONLHN0810CellphoneS63047685",
        "merchant_account",
        id="vnpay-merchant-qr",
    ),
    pytest.param(
        _resum(DYNAMIC_PAYLOAD[:-8].replace("5303704", "5303840") + "6304"),
        "currency",
        id="dollars",
    ),
    pytest.param(
        _resum(DYNAMIC_PAYLOAD[:-8].replace("5802VN", "5802TH") + "6304"),
        "country",
        id="thailand",
    ),
    pytest.param(
        _resum(DYNAMIC_PAYLOAD[:-8].replace("540510000", "54051E+03") + "6304"),
        "amount",
        id="amount-not-digits",
    ),
    pytest.param(
        _resum(DYNAMIC_PAYLOAD[:-8].replace("0010A000000727", "0010A000000775") + "6304"),
        "merchant_account",
        id="other-guid",
    ),
    pytest.param(
        _resum(DYNAMIC_PAYLOAD[:-8].replace("0006970416", "0006970X16") + "6304"),
        "bank_bin",
        id="bin-letter",
    ),
]


@pytest.mark.parametrize(("payload", "field"), BROKEN)
def test_the_parser_refuses_and_names_what_is_wrong(payload, field):
    with pytest.raises(PayloadError) as raised:
        decode(payload)
    assert raised.value.field == field, str(raised.value)


def test_the_checksum_covers_its_own_id():
    # The CRC is computed over the payload *including* "6304"; leaving it out sums differently.
    body = DYNAMIC_PAYLOAD[:-8]
    assert checksum(body + "6304") == DYNAMIC_PAYLOAD[-4:]
    assert checksum(body) != DYNAMIC_PAYLOAD[-4:]


def test_a_lower_case_checksum_from_a_bank_is_accepted():
    lowered = DYNAMIC_PAYLOAD[:-4] + DYNAMIC_PAYLOAD[-4:].lower()
    assert decode(lowered).vietqr.amount == 10000


def test_the_readme_example_is_what_the_plugin_writes():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    qr = VietQR("970436", "0011001932418", amount=150000, purpose="PAY01HZX5K9M2Q7R8T4V")
    assert f"`{encode(qr)}`" in readme
