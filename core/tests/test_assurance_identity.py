"""Level 2: identity verified against a national ID record (the built-in registry file)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.demo.assurance import REGISTRY_FILE
from sieuapp.core.demo.instance import demo_settings
from sieuapp.core.identity.assurance import levels, national_id, registry_file
from sieuapp.core.identity.assurance.models import IdentityVerification
from sieuapp.core.identity.models import User
from sieuapp.core.settings import Settings
from sqlalchemy import select

from .assurance_helpers import (
    AN,
    BINH,
    Clock,
    install_clock,
    user_row,
    verify_phone,
    write_registry,
)

VERIFY = "/api/v1/me/identity/verification"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch)


@pytest.fixture
def platform(make_platform, tmp_path):
    return make_platform(
        plugins=[],
        sms_development_log=True,
        identity_registry_file=str(write_registry(tmp_path)),
    )


@pytest.fixture
def level1(platform, caplog, clock):
    """The citizen, at level 1."""
    verify_phone(platform, caplog, clock)
    return platform.client("citizen")


def entries(platform, action: str) -> list[AuditEntry]:
    with platform.context() as session:
        found = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        session.expunge_all()
        return found


def verifications(platform) -> list[IdentityVerification]:
    with platform.context() as session:
        found = list(session.scalars(select(IdentityVerification)))
        session.expunge_all()
        return found


# -- the number's form --------------------------------------------------------------------


def test_the_number_encodes_birth_province_century_sex_and_year() -> None:
    assert national_id.problems("046090123456", date(1990, 5, 17)) == []
    assert national_id.problems("079301000222", date(2001, 1, 1)) == []  # 3: a woman, 2000s
    assert national_id.birth_year("001192000000") == 1992
    assert national_id.problems("04609012345", None) == [national_id.NOT_TWELVE_DIGITS]
    assert national_id.problems("04609012345a", None) == [national_id.NOT_TWELVE_DIGITS]
    assert national_id.problems("０４６０９０１２３４５６", None) == [national_id.NOT_TWELVE_DIGITS]
    # 003, 097 and 100 are no province of Circular 07/2016's Appendix I.
    for code in ("003", "097", "100"):
        assert national_id.problems(f"{code}090123456", None) == [national_id.UNKNOWN_PROVINCE]
    assert national_id.problems("046290123456", date(1990, 5, 17)) == [national_id.WRONG_BIRTH_YEAR]
    assert len(national_id.BIRTH_PROVINCES) == 63
    assert national_id.masked("046090123456") == "046*******56"


# -- the happy path -----------------------------------------------------------------------


def test_a_matching_record_takes_a_level_1_user_to_level_2(platform, level1, clock) -> None:
    answer = level1.post(VERIFY, json=AN)
    assert answer.status_code == 200, answer.json
    assert answer.json["level"] == 2 and answer.json["acr"] == "urn:sieuapp:loa:2"
    assert answer.json["identity"] == {
        "verified_at": clock.now.isoformat(),
        "national_id": "046*******56",
        "provider": "registry_file",
    }
    assert AN["national_id"] not in answer.get_data(as_text=True)

    (row,) = verifications(platform)
    assert (row.national_id, row.full_name, row.birthdate.isoformat()) == (
        AN["national_id"],
        AN["full_name"],
        AN["birthdate"],
    )
    assert row.provider == "registry_file" and row.trust_framework == "vn_eid"
    assert row.reference.startswith("registry.json@") and row.reference.endswith("#1")
    assert user_row(platform, "citizen").assurance_level == 2

    (entry,) = entries(platform, "assurance.identity_verified")
    assert entry.target == platform.users["citizen"].id
    assert entry.before == {"level": 1}
    assert entry.after["national_id"] == "046*******56" and entry.after["level"] == 2
    assert AN["national_id"] not in json.dumps([entry.before, entry.after])


def test_names_match_whatever_the_keyboard_did_to_them(platform, level1) -> None:
    typed = unicodedata.normalize("NFD", "  nguyễn   VĂN an ")
    answer = level1.post(VERIFY, json={**AN, "full_name": typed, "national_id": "046 090 123 456"})
    assert answer.status_code == 200, answer.json
    assert verifications(platform)[0].full_name == unicodedata.normalize("NFC", "nguyễn VĂN an")


def test_verified_claims_follow_oidc_for_identity_assurance(platform, level1, clock) -> None:
    level1.post(VERIFY, json=AN)
    with platform.context() as session:
        user = session.get(User, platform.users["citizen"].id)
        claims = levels.verified_claims(session, user)
        row = session.scalar(select(IdentityVerification))
    assert claims == {
        "verification": {
            "trust_framework": "vn_eid",
            "time": "2026-11-23T09:00:00Z",
            "verification_process": f"sieuapp-idv-{row.id}",
            "evidence": [
                {
                    "type": "document",
                    "check_details": [
                        {
                            "check_method": "data",
                            "time": "2026-11-23T09:00:00Z",
                            "check_id": row.reference,
                        }
                    ],
                    "document_details": {
                        "type": "idcard",
                        "issuer": {"name": "Bộ Công an", "country_code": "VNM"},
                    },
                }
            ],
        },
        "claims": {"name": "Nguyễn Văn An", "birthdate": "1990-05-17"},
    }


def test_no_verified_claims_below_level_2(platform, level1) -> None:
    with platform.context() as session:
        user = session.get(User, platform.users["citizen"].id)
        assert levels.verified_claims(session, user) is None
        # A row without the level (the level was taken away) releases nothing either.
        session.add(
            IdentityVerification(
                user_id=user.id,
                national_id=AN["national_id"],
                full_name=AN["full_name"],
                birthdate=date(1990, 5, 17),
                provider="registry_file",
                trust_framework="vn_eid",
            )
        )
        session.flush()
        assert levels.verified_claims(session, user) is None


def test_acr_values_and_levels() -> None:
    assert levels.level_of("urn:sieuapp:loa:2") == 2
    assert levels.level_of("urn:sieuapp:loa:9") == 0
    assert levels.level_of(None) == 0
    for level, acr in enumerate(levels.ACR_VALUES):
        assert levels.acr_for(User(assurance_level=level)) == acr
        assert levels.level_of(acr) == level


# -- unhappy paths ------------------------------------------------------------------------


def test_level_2_before_level_1_is_refused(platform, clock) -> None:
    answer = platform.client("citizen").post(VERIFY, json=AN)
    assert answer.status_code == 403
    assert answer.json["code"] == "forbidden"
    assert "/account/verify/phone" in answer.json["message"]
    assert "assurance_level" in answer.json["errors"]
    assert verifications(platform) == []
    assert entries(platform, "assurance.identity_failed") == []


def test_signing_in_is_needed(platform) -> None:
    assert platform.client().post(VERIFY, json=AN).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"national_id": "04609012345"}, "national_id"),
        ({"national_id": "04609012345x"}, "national_id"),
        ({"national_id": "003090123456"}, "national_id"),  # no such province code
        ({"national_id": "046290123456"}, "national_id"),  # 2090 is not the year of birth
        ({"birthdate": "1990-02-30"}, "birthdate"),
        ({"birthdate": "2099-01-01", "national_id": "046299123456"}, "birthdate"),
        ({"birthdate": "1899-12-31"}, "birthdate"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": ""}, "full_name"),
    ],
)
def test_an_invalid_request_is_refused_naming_the_field(platform, level1, change, field) -> None:
    answer = level1.post(VERIFY, json={**AN, **change})
    assert answer.status_code == 422, answer.json
    assert answer.json["code"] == "invalid_input"
    assert field in answer.json["errors"]
    assert user_row(platform, "citizen").assurance_level == 1
    assert verifications(platform) == []
    assert entries(platform, "assurance.identity_failed") == []  # not a probe of the registry


def test_missing_fields_are_each_named(platform, level1) -> None:
    answer = level1.post(VERIFY, json={})
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"national_id", "full_name", "birthdate"}


def test_the_field_messages_are_in_the_callers_language(platform, level1) -> None:
    vi = level1.post(VERIFY, json={**AN, "national_id": "123"})
    en = level1.post(VERIFY, json={**AN, "national_id": "123"}, headers={"Accept-Language": "en"})
    assert vi.json["errors"]["national_id"] == ["Số CCCD phải gồm đúng 12 chữ số."]
    assert en.json["errors"]["national_id"] == ["The CCCD number must be exactly 12 digits."]


@pytest.mark.parametrize(
    "change",
    [
        {"full_name": "Nguyễn Văn Anh"},
        {"full_name": "Nguyen Van An"},  # accents make a different name
        {"birthdate": "1990-05-18"},
        {"national_id": "046090123457"},  # no such record
    ],
)
def test_a_record_that_does_not_match_is_refused_and_counted(platform, level1, change) -> None:
    answer = level1.post(VERIFY, json={**AN, **change})
    assert answer.status_code == 422, answer.json
    assert answer.json["message"] == (
        "Không có hồ sơ căn cước nào khớp với số, họ tên và ngày sinh này."
    )
    assert list(answer.json["errors"]) == ["_request"]
    assert user_row(platform, "citizen").assurance_level == 1
    assert verifications(platform) == []
    (failed,) = entries(platform, "assurance.identity_failed")
    assert failed.after["national_id"].startswith("046*******")
    assert (AN | change)["national_id"] not in json.dumps(failed.after)


def test_failed_verifications_are_limited_per_day(platform, level1, clock) -> None:
    wrong = {**AN, "birthdate": "1990-05-18"}
    for _ in range(5):
        assert level1.post(VERIFY, json=wrong).status_code == 422
        clock.advance(60)
    refused = level1.post(VERIFY, json=AN)  # even the right data, until the day has passed
    assert refused.status_code == 429
    assert refused.json["code"] == "too_many_requests"
    assert refused.headers["Retry-After"] == str(24 * 3600 - 300)
    assert user_row(platform, "citizen").assurance_level == 1
    clock.advance(24 * 3600 - 300)
    assert level1.post(VERIFY, json=AN).status_code == 200


def test_one_number_verifies_one_account(platform, level1, caplog, clock) -> None:
    assert level1.post(VERIFY, json=AN).status_code == 200
    verify_phone(platform, caplog, clock, role="official", phone="0912345678")
    other = platform.client("official").post(VERIFY, json=AN)
    assert other.status_code == 409
    assert list(other.json["errors"]) == ["national_id"]
    assert user_row(platform, "official").assurance_level == 1
    assert len(entries(platform, "assurance.identity_failed")) == 1
    # Someone else's record is fine.
    assert platform.client("official").post(VERIFY, json=BINH).status_code == 200


def test_without_a_provider_verification_is_a_503(make_platform, caplog, monkeypatch) -> None:
    clock = install_clock(monkeypatch)
    platform = make_platform(plugins=[], sms_development_log=True)
    verify_phone(platform, caplog, clock)
    answer = platform.client("citizen").post(VERIFY, json=AN)
    assert answer.status_code == 503
    assert answer.json["code"] == "verification_unavailable"
    assert entries(platform, "assurance.identity_failed") == []  # not the citizen's fault


def test_an_unreadable_registry_is_a_503_not_a_mismatch(
    make_platform, caplog, monkeypatch, tmp_path
) -> None:
    clock = install_clock(monkeypatch)
    broken = tmp_path / "broken.csv"
    broken.write_text("national_id,full_name,birthdate\n046090123456,Nguyễn Văn An,17/05/1990\n")
    platform = make_platform(
        plugins=[], sms_development_log=True, identity_registry_file=str(broken)
    )
    verify_phone(platform, caplog, clock)
    answer = platform.client("citizen").post(VERIFY, json=AN)
    assert answer.status_code == 503
    assert "record 1" in caplog.text
    assert entries(platform, "assurance.identity_failed") == []


def test_a_csv_registry_works_too(make_platform, caplog, monkeypatch, tmp_path) -> None:
    clock = install_clock(monkeypatch)
    registry = tmp_path / "registry.csv"
    registry.write_text(
        "national_id,full_name,birthdate\n046090123456,Nguyễn Văn An,1990-05-17\n",
        encoding="utf-8",
    )
    platform = make_platform(
        plugins=[], sms_development_log=True, identity_registry_file=str(registry)
    )
    verify_phone(platform, caplog, clock)
    assert platform.client("citizen").post(VERIFY, json=AN).status_code == 200


def test_the_demo_turns_the_providers_on_with_sound_fictional_records(tmp_path, monkeypatch):
    assert Settings().sms_development_log is False and Settings().identity_registry_file == ""
    for name in ("SIEUAPP_SMS_DEVELOPMENT_LOG", "SIEUAPP_IDENTITY_REGISTRY_FILE"):
        monkeypatch.delenv(name, raising=False)
    settings = demo_settings(tmp_path / "demo")
    assert settings.sms_development_log is True
    assert Path(settings.identity_registry_file) == REGISTRY_FILE
    records = registry_file.read(REGISTRY_FILE)
    assert len(records) >= 3
    assert all(national_id.problems(r.national_id, r.birthdate) == [] for r in records)
    assert "FICTIONAL" in REGISTRY_FILE.read_text(encoding="utf-8")
    # The environment wins over the demo's choice.
    monkeypatch.setenv("SIEUAPP_SMS_DEVELOPMENT_LOG", "0")
    assert demo_settings(tmp_path / "demo").sms_development_log is False
