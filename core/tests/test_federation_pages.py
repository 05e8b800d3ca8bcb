"""Federated sign-in pages against an external OpenID Provider served over real HTTP on loopback:
the small, strict one in ``federation_provider``, standing for a provider we do not run, such as
VNeID; ``test_federation_two_instances`` uses our own provider instead."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.identity.assurance.models import IdentityVerification
from sieuapp.core.identity.federation import discovery
from sieuapp.core.identity.federation.flow import FLOW_COOKIE
from sieuapp.core.identity.federation.models import FederatedIdentity
from sieuapp.core.identity.models import User
from sqlalchemy import func, select

from .federation_provider import CLIENT_ID, CLIENT_SECRET, Provider, provider_setting
from .pages_helpers import hidden, html, log_in, with_passwords
from .support import free_port


@pytest.fixture
def idp() -> Iterator[Provider]:
    discovery.clear_caches()
    with Provider() as provider:
        yield provider
    discovery.clear_caches()


@pytest.fixture
def platform(make_platform, idp):
    return with_passwords(make_platform(plugins=[], federation_providers=provider_setting(idp)))


def go_to_provider(client, next_url: str = "/account") -> str:
    """Start at our page; returns the provider's redirect back to our callback."""
    started = client.get(f"/auth/federation/vneid?{urlencode({'next': next_url})}")
    assert started.status_code == 303, html(started)
    at_provider = requests.get(started.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    return at_provider.headers["Location"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def sign_in_at_provider(client, next_url: str = "/account"):
    return client.get(path_of(go_to_provider(client, next_url)))


def count(platform, model) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(model))


def actions(platform) -> list[str]:
    with platform.context() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# -- the first sign-in: a choice, then a new account -------------------------------------------


def test_start_sends_a_standard_authorization_request(platform, idp):
    started = platform.client().get("/auth/federation/vneid?next=/account/data")
    assert started.status_code == 303
    url = urlsplit(started.headers["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{idp.issuer}/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://hue.sieuapp.test/auth/federation/vneid/callback"
    assert query["scope"] == "openid profile phone"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert CLIENT_SECRET not in started.headers["Location"]
    cookie = started.headers["Set-Cookie"]
    assert query["state"] not in cookie and query["nonce"] not in cookie  # encrypted
    assert (
        cookie.startswith(f"{FLOW_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    )


def test_an_unknown_provider_is_a_404_page(platform):
    page = platform.client().get("/auth/federation/nope?lang=en")
    assert page.status_code == 404
    assert "There is no such identity provider." in html(page)


def test_first_sign_in_offers_the_choice_then_makes_an_account(platform, idp):
    client = platform.client()
    back = sign_in_at_provider(client, next_url="/account/data")
    assert back.status_code == 303 and back.headers["Location"] == "/auth/federation/link"
    assert count(platform, FederatedIdentity) == 0
    pending = next(c for c in back.headers.getlist("Set-Cookie") if "sieuapp_fed_pending=" in c)
    assert "84905111222" not in pending and "Hoa" not in pending  # encrypted
    choice = client.get("/auth/federation/link")
    page = html(choice)
    assert choice.status_code == 200
    assert "VNeID (thử nghiệm)" in page and "Trương Thị Hoa" in page
    assert "/auth/login?next=%2Fauth%2Ffederation%2Flink" in page
    assert hidden(page, "username") == "hoa"

    made = client.post(
        "/auth/federation/register",
        data={"csrf_token": hidden(page, "csrf_token"), "username": "hoa", "full_name": ""},
    )
    assert made.status_code == 303 and made.headers["Location"] == "/account/data"
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == "hoa"))
        assert user.full_name == "Trương Thị Hoa"
        assert user.password_hash is None
        assert user.phone == "+84905111222" and user.phone_verified_at is not None
        # acr level 2 but no identity record (verified_claims) handed over: level 1 only.
        assert user.assurance_level == 1
        link = session.scalar(select(FederatedIdentity))
        assert (link.user_id, link.issuer, link.subject) == (user.id, idp.issuer, "vneid-0001")
    assert actions(platform)[-3:] == ["federation.linked", "assurance.phone_verified", "auth.login"]
    assert client.get("/account").status_code == 200
    assert "Trương Thị Hoa" in html(client.get("/account"))


def test_the_choice_page_refuses_a_taken_username_in_the_page_language(platform, idp):
    client = platform.client()
    sign_in_at_provider(client)
    page = html(client.get("/auth/federation/link?lang=en"))
    refused = client.post(
        "/auth/federation/register",
        data={"csrf_token": hidden(page, "csrf_token"), "username": "citizen", "lang": "en"},
    )
    assert refused.status_code == 400
    assert "This username is taken." in html(refused)
    assert count(platform, FederatedIdentity) == 0
    without_csrf = client.post("/auth/federation/register", data={"username": "hoa2"})
    assert without_csrf.status_code == 403
    assert count(platform, FederatedIdentity) == 0


def test_signing_in_to_an_existing_account_links_it_then_the_link_signs_in(platform, idp):
    client = platform.client()
    sign_in_at_provider(client, next_url="/account/data")
    signed = log_in(client, "citizen", next="/auth/federation/link")
    assert signed.status_code == 303 and signed.headers["Location"] == "/auth/federation/link"
    linked = client.get("/auth/federation/link")
    assert linked.status_code == 303 and linked.headers["Location"] == "/account/data"
    with platform.context() as session:
        link = session.scalar(select(FederatedIdentity))
        assert link.user_id == platform.users["citizen"].id
        citizen = session.get(User, link.user_id)
        assert citizen.assurance_level == 1 and citizen.phone_verified_at is not None
    cleared = linked.headers.getlist("Set-Cookie")
    assert any(c.startswith("sieuapp_fed_pending=;") for c in cleared)

    # A second round, in a fresh browser: the link signs in directly.
    fresh = platform.client()
    assert fresh.get("/account").status_code != 200
    again = sign_in_at_provider(fresh, next_url="/account")
    assert again.status_code == 303 and again.headers["Location"] == "/account"
    assert fresh.get("/account").status_code == 200
    assert count(platform, FederatedIdentity) == 1
    with platform.context() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "auth.login").order_by(AuditEntry.id)
        ).all()[-1]
        assert entry.after["amr"] == ["fed"] and entry.actor_id == platform.users["citizen"].id
        assert session.scalar(select(FederatedIdentity)).last_login_at is not None


def test_a_signed_in_user_links_at_once(platform, idp):
    client = platform.client()
    log_in(client, "citizen")
    # ``next`` must stay on this site: anything else goes to the account page.
    back = sign_in_at_provider(client, next_url="https://evil.example/phish")
    assert back.status_code == 303 and back.headers["Location"] == "/account"
    with platform.context() as session:
        assert session.scalar(select(FederatedIdentity)).user_id == platform.users["citizen"].id


def test_an_external_account_linked_to_someone_else_is_refused(platform, idp):
    first = platform.client()
    log_in(first, "citizen")
    sign_in_at_provider(first)
    other = platform.client()
    log_in(other, "partner")
    refused = sign_in_at_provider(other)
    assert refused.status_code == 409
    assert "đã được liên kết với một tài khoản khác" in html(refused)
    with platform.context() as session:
        assert [r.user_id for r in session.scalars(select(FederatedIdentity))] == [
            platform.users["citizen"].id
        ]


def test_an_account_linked_meanwhile_is_not_made_twice(platform, idp):
    waiting = platform.client()
    sign_in_at_provider(waiting)
    page = html(waiting.get("/auth/federation/link"))
    other = platform.client()
    log_in(other, "citizen")
    sign_in_at_provider(other)  # the same external account, linked to the citizen
    refused = waiting.post(
        "/auth/federation/register",
        data={"csrf_token": hidden(page, "csrf_token"), "username": "hoa", "full_name": "Hoa"},
    )
    assert refused.status_code == 409
    with platform.context() as session:
        assert session.scalar(select(User).where(User.username == "hoa")) is None
    assert count(platform, FederatedIdentity) == 1


def test_a_disabled_account_does_not_sign_in_through_its_link(platform, idp):
    client = platform.client()
    log_in(client, "citizen")
    sign_in_at_provider(client)
    with platform.context() as session:
        session.get(User, platform.users["citizen"].id).active = False
    before = actions(platform)
    fresh = platform.client()
    refused = sign_in_at_provider(fresh)
    assert refused.status_code == 403 and "bị khóa" in html(refused)
    assert actions(platform) == before


# -- assurance --------------------------------------------------------------------------------


def test_verified_claims_with_a_cccd_raise_to_level_two(platform, idp):
    idp.userinfo["verified_claims"] = {
        "verification": {
            "trust_framework": "vn_cccd",
            "evidence": [
                {"type": "document", "document_details": {"document_number": "046090001234"}}
            ],
        },
        "claims": {"name": "Trương Thị Hoa", "birthdate": "1990-04-30"},
    }
    client = platform.client()
    log_in(client, "citizen")
    sign_in_at_provider(client)
    with platform.context() as session:
        citizen = session.get(User, platform.users["citizen"].id)
        assert citizen.assurance_level == 2
        record = session.scalar(select(IdentityVerification))
        assert (record.national_id, record.provider) == ("046090001234", "federation:vneid")
    assert "assurance.identity_verified" in actions(platform)


def test_an_acr_the_provider_does_not_map_raises_nothing(platform, idp):
    idp.acr = "urn:vneid:level0"
    client = platform.client()
    log_in(client, "citizen")
    sign_in_at_provider(client)
    with platform.context() as session:
        citizen = session.get(User, platform.users["citizen"].id)
        assert citizen.assurance_level == 0 and citizen.phone_verified_at is None
    assert count(platform, FederatedIdentity) == 1


# -- unhappy paths: each shows a page and changes nothing ---------------------------------------


def assert_nothing_changed(platform, client, before: list[str]) -> None:
    assert count(platform, FederatedIdentity) == 0
    assert actions(platform) == before
    assert client.get("/account").status_code != 200


def test_access_denied_shows_a_page_in_both_languages(platform, idp):
    idp.deny = True
    before = actions(platform)
    client = platform.client()
    back = client.get(path_of(go_to_provider(client)) + "&lang=en")
    assert back.status_code == 400
    assert "You did not allow sharing your information" in html(back)
    assert any(c.startswith(f"{FLOW_COOKIE}=;") for c in back.headers.getlist("Set-Cookie"))
    # Vietnamese by default (a fresh browser: the first one remembers the English it picked).
    vietnamese = platform.client()
    vi = vietnamese.get(path_of(go_to_provider(vietnamese)))
    assert "Bạn đã không cho phép chia sẻ thông tin" in html(vi)
    assert idp.token_requests == 0
    assert_nothing_changed(platform, client, before)


def test_a_tampered_state_is_refused(platform, idp):
    before = actions(platform)
    client = platform.client()
    url = go_to_provider(client)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = query["state"][:-2] + "xx"
    refused = client.get(f"{parts.path}?{urlencode(query)}")
    assert refused.status_code == 400
    assert "không khớp với yêu cầu" in html(refused)
    assert idp.token_requests == 0
    # The flow is spent: the genuine answer afterwards is refused too.
    assert client.get(path_of(url)).status_code == 400
    assert_nothing_changed(platform, client, before)


def test_a_forged_flow_cookie_is_refused(platform, idp):
    before = actions(platform)
    client = platform.client()
    url = go_to_provider(client)
    client.set_cookie(
        FLOW_COOKIE, "gAAAAAforged", domain="hue.sieuapp.test", path="/auth/federation"
    )
    refused = client.get(path_of(url))
    assert refused.status_code == 400 and idp.token_requests == 0
    assert_nothing_changed(platform, client, before)


def test_a_callback_without_a_flow_is_refused(platform, idp):
    before = actions(platform)
    url = go_to_provider(platform.client())
    stranger = platform.client()
    refused = stranger.get(path_of(url))
    assert refused.status_code == 400 and "hết hạn" in html(refused)
    assert_nothing_changed(platform, stranger, before)


@pytest.mark.parametrize(
    "tamper",
    [
        {"nonce": "another-nonce"},
        {"iss": "http://127.0.0.1:1"},
        {"aud": "another-client"},
        {"exp": int(time.time()) - 3600},
    ],
    ids=["nonce", "issuer", "audience", "expired"],
)
def test_a_bad_id_token_is_refused(platform, idp, tamper):
    idp.tamper = tamper
    before = actions(platform)
    client = platform.client()
    refused = sign_in_at_provider(client)
    assert refused.status_code == 400
    assert "Không xác minh được thông tin định danh" in html(refused)
    assert idp.token_requests == 1
    assert_nothing_changed(platform, client, before)


def test_an_id_token_signed_by_an_unpublished_key_is_refused(platform, idp):
    idp.sign_with = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
    before = actions(platform)
    client = platform.client()
    assert sign_in_at_provider(client).status_code == 400
    assert_nothing_changed(platform, client, before)


def test_a_missing_or_foreign_iss_parameter_is_refused(platform, idp):
    """RFC 9207: the provider promised ``iss``; an answer without it may come from another."""
    before = actions(platform)
    idp.send_iss = False
    client = platform.client()
    assert sign_in_at_provider(client).status_code == 400
    idp.send_iss = True
    url = go_to_provider(client)
    forged = url.replace(urlencode({"iss": idp.issuer}), urlencode({"iss": "http://evil.test"}))
    assert forged != url
    assert client.get(path_of(forged)).status_code == 400
    assert idp.token_requests == 0
    assert_nothing_changed(platform, client, before)


def test_a_provider_that_is_down_gives_a_clear_page(make_platform, caplog):
    discovery.clear_caches()
    down = SimpleNamespace(issuer=f"http://127.0.0.1:{free_port()}")  # nothing listens there
    platform = make_platform(plugins=[], federation_providers=provider_setting(down))
    page = platform.client().get("/auth/federation/vneid?lang=en")
    assert page.status_code == 502
    assert "The identity provider is not answering right now." in html(page)
    assert CLIENT_SECRET not in html(page) and CLIENT_SECRET not in caplog.text
    assert "vneid unavailable" in caplog.text


def test_metadata_and_keys_are_cached_for_the_configured_time(platform, idp, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(discovery, "clock", lambda: now[0])
    for _ in range(2):
        sign_in_at_provider(platform.client())
    documents = [p for p in idp.fetched if p in {"/.well-known/openid-configuration", "/jwks"}]
    assert documents == ["/.well-known/openid-configuration", "/jwks"]
    now[0] += 3600  # SIEUAPP_FEDERATION_METADATA_TTL's default
    sign_in_at_provider(platform.client())
    documents = [p for p in idp.fetched if p in {"/.well-known/openid-configuration", "/jwks"}]
    assert documents == ["/.well-known/openid-configuration", "/jwks"] * 2


def test_a_rotated_key_is_fetched_when_an_id_token_names_it(platform, idp, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(discovery, "clock", lambda: now[0])
    sign_in_at_provider(platform.client())
    idp.key = RSAKey.generate_key(2048, parameters={"kid": "idp-2", "use": "sig"})
    now[0] += discovery.KEY_REFRESH_INTERVAL
    client = platform.client()
    assert sign_in_at_provider(client).status_code == 303
    assert idp.fetched.count("/jwks") == 2


# -- unlinking ---------------------------------------------------------------------------------


def link_citizen(platform) -> tuple[Any, int]:
    client = platform.client()
    log_in(client, "citizen")
    sign_in_at_provider(client)
    with platform.context() as session:
        return client, session.scalar(select(FederatedIdentity.id))


def account_csrf(client) -> str:
    return hidden(html(client.get("/account")), "csrf_token")


def test_unlink_needs_the_form_token_and_the_owner(platform, idp):
    client, link_id = link_citizen(platform)
    page = html(client.get("/account"))
    assert "VNeID (thử nghiệm)" in page and hidden(page, "link_id") == str(link_id)
    assert client.post("/auth/federation/unlink", data={"link_id": link_id}).status_code == 403
    other = platform.client()
    log_in(other, "partner")
    stolen = other.post(
        "/auth/federation/unlink", data={"link_id": link_id, "csrf_token": account_csrf(other)}
    )
    assert stolen.status_code == 404
    assert count(platform, FederatedIdentity) == 1
    done = client.post(
        "/auth/federation/unlink", data={"link_id": link_id, "csrf_token": account_csrf(client)}
    )
    assert done.status_code == 303 and done.headers["Location"] == "/account"
    assert count(platform, FederatedIdentity) == 0
    assert actions(platform)[-1] == "federation.unlinked"


def test_the_last_way_to_sign_in_cannot_be_unlinked(platform, idp):
    client, link_id = link_citizen(platform)
    with platform.context() as session:
        session.get(User, platform.users["citizen"].id).password_hash = None
    assert 'name="link_id"' not in html(client.get("/account"))  # no button to offer
    refused = client.post(
        "/auth/federation/unlink",
        data={"link_id": link_id, "csrf_token": account_csrf(client), "lang": "en"},
    )
    assert refused.status_code == 409
    assert "no way left to sign in" in html(refused)
    assert count(platform, FederatedIdentity) == 1


def test_linked_providers_lists_links_for_the_account_page(platform, idp):
    from sieuapp.core.identity.federation.links import linked_providers

    link_citizen(platform)
    with platform.context() as session:
        (item,) = linked_providers(session, platform.users["citizen"].id)
        assert item["provider"] == "vneid" and item["name"].en == "VNeID (test)"
        assert item["can_unlink"] is True and item["unlink_url"] == "/auth/federation/unlink"
        user = session.get(User, platform.users["citizen"].id)
        user.password_hash = None
    with platform.context() as session:
        assert linked_providers(session, platform.users["citizen"].id)[0]["can_unlink"] is False
        assert linked_providers(session, platform.users["official"].id) == []
