"""The ``send_sms`` and ``verify_identity`` hooks, answered by real plugins loaded through entry
points, and ``services.identity.require_level`` in a plugin's route."""

from __future__ import annotations

import logging
import sys
from datetime import date

import pytest
from sieuapp.core.identity.assurance.models import IdentityVerification, PhoneVerification
from sieuapp.core.plugins.models import ModuleState
from sieuapp.core.plugins.synthetic import plugin_source
from sieuapp.sdk import TenantInfo
from sqlalchemy import select

from .assurance_helpers import AN, Clock, install_clock, sent_code, user_row, write_registry

REQUEST = "/api/v1/me/phone/verification"
CONFIRM = "/api/v1/me/phone/verification/confirm"
VERIFY = "/api/v1/me/identity/verification"

#: An SMS gateway plugin; the test sets ``MODE`` on the imported module.
GATEWAY = """
SENT = []
MODE = "send"


@hookimpl
def send_sms(phone, message, tenant):
    if MODE == "raise":
        raise ConnectionError("gateway down")
    if MODE == "pass":
        return None
    if MODE == "fail":
        return False
    if MODE == "wrong":
        return "ok"
    SENT.append((phone, message, tenant))
    return True
"""

#: A national ID registry plugin; ``ANSWER`` picks its answer.
REGISTRY = """
from sieuapp.sdk import IdentityCheck

CALLS = []
ANSWER = "match"


@hookimpl
def verify_identity(national_id, full_name, birthdate, tenant, services):
    CALLS.append((national_id, full_name, birthdate, tenant, services.plugin_id))
    if ANSWER == "raise":
        raise TimeoutError("registry slow")
    if ANSWER == "none":
        return None
    if ANSWER == "unknown":
        return IdentityCheck.unknown("record under review")
    if ANSWER == "wrong":
        return {"matched": True}
    if ANSWER == "no":
        return IdentityCheck.not_matched("tx-2")
    return IdentityCheck.matched("tx-1")
"""

#: A service whose actions need a level.
GUARDED = """
@hookimpl(specname="routes")
def guarded_routes(services):
    bp = Blueprint("guarded", __name__)

    @bp.post("/permit")
    def permit():
        user = services.identity.require_level(2)
        return {"id": user.id, "level": user.assurance_level}

    @bp.get("/me")
    def me():
        user = services.identity.require()
        return {"level": user.assurance_level}

    return bp
"""


def without_routes(plugin_id: str, extra: str) -> str:
    base = plugin_source(plugin_id, roles=("citizen",))
    return base.split("@hookimpl\ndef routes")[0] + extra


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return install_clock(monkeypatch)


@pytest.fixture
def plugins(synthetic):
    synthetic("gateway", plugin_source("gateway", extra=GATEWAY))
    synthetic("registry", plugin_source("registry", extra=REGISTRY))
    synthetic("guarded", without_routes("guarded", GUARDED))
    return synthetic


def module(plugin_id: str):
    return sys.modules[f"sieuapp_synthetic_{plugin_id}"]


def failures(platform, plugin_id: str) -> tuple[int, str | None]:
    with platform.context() as session:
        state = session.scalar(select(ModuleState).where(ModuleState.plugin_id == plugin_id))
        return state.failure_count, state.last_failure


@pytest.fixture
def platform(make_platform, plugins, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    return make_platform(
        plugins=["gateway", "registry", "guarded"],
        entry_points=plugins.entry_points(),
        identity_registry_file=str(write_registry(tmp_path)),
    )


def level1(platform, clock) -> None:
    client = platform.client("citizen")
    assert client.post(REQUEST, json={"phone": "0905123456"}).status_code == 202
    code = module("gateway").SENT[-1][1].split("la ")[1][:6]
    assert client.post(CONFIRM, json={"code": code}).status_code == 200
    clock.advance(3600)


# -- send_sms -----------------------------------------------------------------------------


def test_a_plugin_sends_the_code(platform, clock, caplog) -> None:
    gateway = module("gateway")
    client = platform.client("citizen")
    assert client.post(REQUEST, json={"phone": "0905 123 456"}).status_code == 202
    ((phone, message, tenant),) = gateway.SENT
    assert phone == "+84905123456"
    assert isinstance(tenant, TenantInfo) and tenant.slug == "hue"
    code = message.split("la ")[1][:6]
    assert code.isdigit() and code not in caplog.text  # nothing in the log
    assert client.post(CONFIRM, json={"code": code}).status_code == 200
    assert user_row(platform, "citizen").assurance_level == 1


def test_a_plugin_that_passes_leaves_it_to_the_development_sender(
    make_platform, plugins, clock, caplog
) -> None:
    platform = make_platform(
        plugins=["gateway"], entry_points=plugins.entry_points(), sms_development_log=True
    )
    caplog.set_level(logging.WARNING, logger="sieuapp.sms")
    module("gateway").MODE = "pass"
    client = platform.client("citizen")
    assert client.post(REQUEST, json={"phone": "0905123456"}).status_code == 202
    assert module("gateway").SENT == []
    assert client.post(CONFIRM, json={"code": sent_code(caplog)}).status_code == 200


def test_a_plugin_that_cannot_send_is_a_503(platform, clock) -> None:
    module("gateway").MODE = "fail"
    answer = platform.client("citizen").post(REQUEST, json={"phone": "0905123456"})
    assert answer.status_code == 503 and answer.json["code"] == "sms_unavailable"
    with platform.context() as session:
        assert session.scalars(select(PhoneVerification)).all() == []
    assert failures(platform, "gateway") == (0, None)  # it answered; it did not fail


def test_a_sender_that_raises_is_contained_and_counted(platform, clock, caplog) -> None:
    module("gateway").MODE = "raise"
    answer = platform.client("citizen").post(REQUEST, json={"phone": "0905123456"})
    assert answer.status_code == 503 and answer.json["code"] == "sms_unavailable"
    count, last = failures(platform, "gateway")
    assert count == 1 and last == "hook 'send_sms': ConnectionError: gateway down"
    assert "gateway down" not in answer.get_data(as_text=True)


def test_a_sender_that_raises_falls_back_to_the_development_sender(
    make_platform, plugins, clock, caplog
) -> None:
    platform = make_platform(
        plugins=["gateway"], entry_points=plugins.entry_points(), sms_development_log=True
    )
    caplog.set_level(logging.WARNING, logger="sieuapp.sms")
    module("gateway").MODE = "wrong"  # "ok" is not a bool: a failure of the plugin
    client = platform.client("citizen")
    assert client.post(REQUEST, json={"phone": "0905123456"}).status_code == 202
    assert failures(platform, "gateway")[1] == "hook 'send_sms': returned str, not bool"
    assert client.post(CONFIRM, json={"code": sent_code(caplog)}).status_code == 200


def test_a_disabled_sender_is_not_asked(platform, clock) -> None:
    platform.disable("gateway")
    answer = platform.client("citizen").post(REQUEST, json={"phone": "0905123456"})
    assert answer.status_code == 503
    assert module("gateway").SENT == []


# -- verify_identity ----------------------------------------------------------------------


def test_a_plugin_verifies_the_identity(platform, clock) -> None:
    level1(platform, clock)
    typed = {**AN, "national_id": "046 090 123 456", "full_name": " Nguyễn  Văn An "}
    answer = platform.client("citizen").post(VERIFY, json=typed)
    assert answer.status_code == 200, answer.json
    assert answer.json["identity"]["provider"] == "registry"
    ((number, name, birthdate, tenant, plugin_id),) = module("registry").CALLS
    assert (number, name, birthdate) == ("046090123456", "Nguyễn Văn An", date(1990, 5, 17))
    assert tenant.slug == "hue" and plugin_id == "registry"
    with platform.context() as session:
        row = session.scalar(select(IdentityVerification))
        assert (row.provider, row.reference) == ("registry", "tx-1")


def test_a_plugin_that_finds_no_match_is_final(platform, clock) -> None:
    level1(platform, clock)
    module("registry").ANSWER = "no"
    # The registry file would match, but the plugin answered first.
    answer = platform.client("citizen").post(VERIFY, json=AN)
    assert answer.status_code == 422
    assert user_row(platform, "citizen").assurance_level == 1


def test_a_provider_that_cannot_tell_is_a_503_and_not_counted(platform, clock, caplog) -> None:
    level1(platform, clock)
    module("registry").ANSWER = "unknown"
    answer = platform.client("citizen").post(VERIFY, json=AN)
    assert answer.status_code == 503 and answer.json["code"] == "verification_unavailable"
    assert "record under review" in caplog.text
    assert user_row(platform, "citizen").assurance_level == 1


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("raise", "hook 'verify_identity': TimeoutError: registry slow"),
        ("wrong", "hook 'verify_identity': returned dict, not IdentityCheck"),
    ],
)
def test_a_failing_provider_is_contained_and_the_next_one_asked(platform, clock, mode, error):
    level1(platform, clock)
    module("registry").ANSWER = mode
    answer = platform.client("citizen").post(VERIFY, json=AN)
    assert answer.status_code == 200, answer.json
    assert answer.json["identity"]["provider"] == "registry_file"
    assert failures(platform, "registry") == (1, error)


def test_a_plugin_that_passes_leaves_it_to_the_registry_file(platform, clock) -> None:
    level1(platform, clock)
    module("registry").ANSWER = "none"
    answer = platform.client("citizen").post(VERIFY, json=AN)
    assert answer.json["identity"]["provider"] == "registry_file"


# -- require_level ------------------------------------------------------------------------


def test_a_plugin_can_require_a_level(platform, clock) -> None:
    client = platform.client("citizen")
    refused = client.post("/m/guarded/permit")
    assert refused.status_code == 403
    assert refused.json["code"] == "forbidden"
    assert "mức 2" in refused.json["message"]
    assert "/account/verify/identity" in refused.json["message"]
    assert "assurance_level" in refused.json["errors"]
    english = client.post("/m/guarded/permit", headers={"Accept-Language": "en"})
    assert "(level 2)" in english.json["message"]

    level1(platform, clock)
    assert client.get("/m/guarded/me").json == {"level": 1}
    assert client.post("/m/guarded/permit").status_code == 403
    assert client.post(VERIFY, json=AN).status_code == 200
    allowed = client.post("/m/guarded/permit")
    assert allowed.status_code == 200
    assert allowed.json == {"id": platform.users["citizen"].id, "level": 2}


def test_require_level_refuses_anonymous_callers(platform) -> None:
    answer = platform.client().post("/m/guarded/permit")
    assert answer.status_code == 401
