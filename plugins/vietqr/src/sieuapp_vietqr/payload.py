"""The text a VietQR code carries, written and read.

A VietQR payload is an EMVCo Merchant-Presented Mode QR payload (EMV QRCPS-MPM) profiled by
NAPAS for its 24/7 interbank transfer service (NAPAS247): a run of data objects, each a
two-digit ID, a two-digit length and the value, some of them templates holding data objects
of their own. What this module writes, in this order:

====  =======================================  ==============================================
ID    data object                              value
====  =======================================  ==============================================
00    Payload Format Indicator                 ``01``
01    Point of Initiation Method               ``11`` static (reusable), ``12`` dynamic (one
                                               payment): dynamic when an amount is set
38    Merchant Account Information (NAPAS)     00 GUID ``A000000727``; 01 beneficiary
                                               organization (00 acquirer BIN, 01 account or
                                               card number); 02 service code
53    Transaction Currency                     ``704`` (ISO 4217 đồng)
54    Transaction Amount                       whole đồng, only when set
58    Country Code                             ``VN``
59    Merchant Name                            only when given: a transfer to an account
                                               does not need it, the payer's bank looks the
                                               holder up through NAPAS
60    Merchant City                            only when given, as 59
62    Additional Data Field Template           08 Purpose of Transaction: the transfer
                                               content, only when set
63    CRC                                      CRC-16/CCITT-FALSE over everything before it,
                                               ``6304`` included
====  =======================================  ==============================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .crc import checksum

#: NAPAS's globally unique identifier in ID 38 (an EMVCo-registered application identifier).
NAPAS_GUID = "A000000727"
#: Service codes of ID 38.02: a 24/7 transfer to an account, or to a card.
TO_ACCOUNT = "QRIBFTTA"
TO_CARD = "QRIBFTTC"
SERVICE_CODES = (TO_ACCOUNT, TO_CARD)

PAYLOAD_FORMAT = "01"
STATIC = "11"
DYNAMIC = "12"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"

#: Field lengths from the specifications: the account (Merchant ID / Consumer ID) is at most
#: 19 characters, each Additional Data object (the purpose among them) at most 25, the
#: merchant name 25 and the city 15; an amount at most 13 characters.
MAX_ACCOUNT = 19
MAX_PURPOSE = 25
MAX_NAME = 25
MAX_CITY = 15
MAX_AMOUNT_DIGITS = 13

BIN = re.compile(r"^[0-9]{6}$")
ACCOUNT = re.compile(r"^[A-Za-z0-9]{1,19}$")
CARD = re.compile(r"^[0-9]{16,19}$")
DIGITS = re.compile(r"^[0-9]+$")
TAG = re.compile(r"^[0-9]{2}$")


class PayloadError(ValueError):
    """A value that cannot be written into, or read out of, a VietQR payload."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class VietQR:
    """A transfer as a VietQR code asks for it."""

    bank_bin: str
    account_number: str
    service_code: str = TO_ACCOUNT
    #: Whole đồng; None leaves the payer to type it (a static code).
    amount: int | None = None
    #: The transfer content (Purpose of Transaction), unaccented.
    purpose: str | None = None
    merchant_name: str | None = None
    merchant_city: str | None = None

    @property
    def initiation(self) -> str:
        return DYNAMIC if self.amount is not None else STATIC


@dataclass(frozen=True)
class Decoded:
    """A payload read back: the transfer, and what else it said."""

    vietqr: VietQR
    #: ``11`` or ``12`` as written (a payload may omit it: then None).
    initiation: str | None
    #: The checksum as written; it matched the payload or decoding would have failed.
    crc: str
    #: Every data object under the root, by ID, as written (templates unparsed).
    tags: dict[str, str]


def _is_ans(value: str) -> bool:
    # EMVCo's "ans" format: the printable characters of the Common Character Set (0x20-0x7E).
    return all(" " <= c <= "~" for c in value)


def _check_text(field: str, value: str | None, limit: int) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value:
        raise PayloadError(field, "must be a non-empty string (or None to leave it out)")
    if not _is_ans(value):
        raise PayloadError(
            field, f"{value!r} must be unaccented: letters, digits, spaces and ASCII punctuation"
        )
    if value != value.strip():
        # Banks trim the content they pass on; a payload must say what the bank will keep.
        raise PayloadError(field, f"{value!r} must not start or end with a space")
    if len(value) > limit:
        raise PayloadError(field, f"{value!r} is {len(value)} characters, at most {limit}")


def validate(qr: VietQR) -> None:
    """Raise ``PayloadError`` naming the first field that cannot be written."""
    if not isinstance(qr.bank_bin, str) or not BIN.match(qr.bank_bin):
        raise PayloadError("bank_bin", f"{qr.bank_bin!r} must be the bank's 6-digit BIN")
    if qr.service_code not in SERVICE_CODES:
        raise PayloadError("service_code", f"{qr.service_code!r} must be {TO_ACCOUNT} or {TO_CARD}")
    number = qr.account_number
    if qr.service_code == TO_CARD:
        if not isinstance(number, str) or not CARD.match(number):
            raise PayloadError(
                "account_number", f"{number!r} must be a card number of 16-19 digits"
            )
    elif not isinstance(number, str) or not ACCOUNT.match(number):
        raise PayloadError(
            "account_number",
            f"{number!r} must be 1-{MAX_ACCOUNT} letters and digits, without spaces or dots",
        )
    amount = qr.amount
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            raise PayloadError("amount", f"{amount!r} must be a whole number of đồng above 0")
        if len(str(amount)) > MAX_AMOUNT_DIGITS:
            raise PayloadError("amount", f"{amount} has more than {MAX_AMOUNT_DIGITS} digits")
    _check_text("purpose", qr.purpose, MAX_PURPOSE)
    _check_text("merchant_name", qr.merchant_name, MAX_NAME)
    _check_text("merchant_city", qr.merchant_city, MAX_CITY)


def tlv(tag: str, value: str) -> str:
    """One data object: ID, two-digit length, value."""
    if not TAG.match(tag):
        raise PayloadError("tag", f"{tag!r} must be two digits")
    if not 1 <= len(value) <= 99:
        raise PayloadError(f"tag {tag}", f"a value of {len(value)} characters does not fit 1-99")
    return f"{tag}{len(value):02d}{value}"


def encode(qr: VietQR) -> str:
    """The payload for ``qr``, checksum included; ``PayloadError`` names a bad field."""
    validate(qr)
    beneficiary = tlv("00", qr.bank_bin) + tlv("01", qr.account_number)
    account = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", qr.service_code)
    parts = [
        tlv("00", PAYLOAD_FORMAT),
        tlv("01", qr.initiation),
        tlv("38", account),
        tlv("53", CURRENCY_VND),
    ]
    if qr.amount is not None:
        parts.append(tlv("54", str(qr.amount)))
    parts.append(tlv("58", COUNTRY_VN))
    if qr.merchant_name is not None:
        parts.append(tlv("59", qr.merchant_name))
    if qr.merchant_city is not None:
        parts.append(tlv("60", qr.merchant_city))
    if qr.purpose is not None:
        parts.append(tlv("62", tlv("08", qr.purpose)))
    body = "".join(parts) + "6304"
    return body + checksum(body)


def read_objects(text: str, where: str) -> dict[str, str]:
    """The data objects of ``text`` by ID; ``where`` names the template in errors."""
    found: dict[str, str] = {}
    position = 0
    while position < len(text):
        head = text[position : position + 4]
        if len(head) < 4 or not DIGITS.match(head):
            raise PayloadError(where, f"expected an ID and a length at character {position}")
        tag, length = head[:2], int(head[2:])
        start = position + 4
        value = text[start : start + length]
        if length == 0 or len(value) < length:
            raise PayloadError(
                where, f"data object {tag} says {length} characters, {len(value)} are left"
            )
        if tag in found:
            raise PayloadError(where, f"data object {tag} appears twice")
        found[tag] = value
        position = start + length
    return found


def decode(payload: str) -> Decoded:
    """Read a VietQR payload back and check it, CRC first; ``PayloadError`` says what is wrong."""
    if not isinstance(payload, str) or len(payload) < 8:
        raise PayloadError("payload", "too short to be an EMVCo QR payload")
    if payload[-8:-4] != "6304":
        raise PayloadError("crc", "the payload must end with the CRC object 63 (6304 and 4 digits)")
    written = payload[-4:]
    expected = checksum(payload[:-4])
    if written.upper() != expected:
        raise PayloadError(
            "crc", f"{written!r} does not match the payload, which sums to {expected}"
        )
    tags = read_objects(payload, "payload")
    if next(iter(tags)) != "00" or tags["00"] != PAYLOAD_FORMAT:
        raise PayloadError("payload_format", "the payload must start with 000201")
    initiation = tags.get("01")
    if initiation is not None and initiation not in (STATIC, DYNAMIC):
        raise PayloadError("initiation", f"{initiation!r} must be {STATIC} or {DYNAMIC}")
    if "38" not in tags:
        raise PayloadError("merchant_account", "no NAPAS account (data object 38): not a VietQR")
    account = read_objects(tags["38"], "merchant_account")
    if account.get("00") != NAPAS_GUID:
        raise PayloadError("merchant_account", f"the GUID must be {NAPAS_GUID}")
    if "01" not in account:
        raise PayloadError("merchant_account", "no beneficiary organization (38.01)")
    beneficiary = read_objects(account["01"], "beneficiary")
    if tags.get("53") != CURRENCY_VND:
        raise PayloadError("currency", f"{tags.get('53')!r} must be {CURRENCY_VND} (đồng)")
    if tags.get("58") != COUNTRY_VN:
        raise PayloadError("country", f"{tags.get('58')!r} must be {COUNTRY_VN}")
    amount = None
    if "54" in tags:
        if not DIGITS.match(tags["54"]):
            raise PayloadError("amount", f"{tags['54']!r} must be whole đồng")
        amount = int(tags["54"])
    additional = read_objects(tags["62"], "additional_data") if "62" in tags else {}
    qr = VietQR(
        bank_bin=beneficiary.get("00", ""),
        account_number=beneficiary.get("01", ""),
        service_code=account.get("02", ""),
        amount=amount,
        purpose=additional.get("08"),
        merchant_name=tags.get("59"),
        merchant_city=tags.get("60"),
    )
    # The same rules as writing: a payload from a bank is held to what we would emit.
    validate(qr)
    return Decoded(vietqr=qr, initiation=initiation, crc=written, tags=tags)
