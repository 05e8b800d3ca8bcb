"""The account page (identity/pages/account.py): details, assurance level, second factor,
consents with a revoke button each, and links to the other account pages."""

from __future__ import annotations

import re

import pytest
from sieuapp.core.identity import consent
from sieuapp.core.identity.federation.models import FederatedIdentity
from sieuapp.core.identity.models import Consent, User
from sieuapp.core.tenancy.context import current_tenant
from sqlalchemy import select

from .pages_helpers import csrf, html, log_in, post_form, with_passwords


@pytest.fixture
def platform(make_platform, synthetic):
    synthetic("taxi")
    platform = make_platform(plugins=["taxi"], entry_points=synthetic.entry_points())
    return with_passwords(platform)


def grant(platform, username: str, plugin_id: str, scopes: list[str]) -> str:
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == username))
        consent.grant(session, user.id, current_tenant().id, plugin_id, scopes, actor_id=user.id)
        return user.id


def test_anyone_not_signed_in_is_sent_to_sign_in_and_back(platform):
    response = platform.client().get("/account?tab=x")
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login?next=%2Faccount%3Ftab%3Dx"


def test_a_bearer_token_is_not_a_browser_login(platform):
    assert platform.client("citizen").get("/account").status_code == 303


def test_the_page_shows_the_account(platform):
    client = platform.client()
    log_in(client, "citizen")
    page = html(client.get("/account"))
    assert "<h1>Nguyễn Văn An</h1>" in page
    assert '<dd id="username">citizen</dd>' in page
    assert "Mức 0: tài khoản tự đăng ký, chưa xác minh." in page
    for link in (
        "/account/verify/phone",
        "/account/verify/identity",
        "/account/data",
        "/account/delegations",
    ):
        assert f'href="{link}"' in page
    assert 'id="mfa-status">Đang tắt.' in page
    assert 'action="/auth/logout"' in page


def test_the_level_and_its_links_follow_the_user(platform):
    with platform.context() as session:
        session.scalar(select(User).where(User.username == "citizen")).assurance_level = 2
    client = platform.client()
    log_in(client, "citizen", lang="en")
    page = html(client.get("/account?lang=en"))
    assert "Level 2: your identity is verified" in page
    assert 'href="/account/verify/phone"' not in page
    assert 'href="/account/verify/identity"' not in page


def test_consents_are_listed_and_revoked(platform):
    user_id = grant(platform, "citizen", "taxi", ["openid", "profile"])
    client = platform.client()
    log_in(client, "citizen")
    page = html(client.get("/account"))
    assert 'action="/account/consents/taxi/revoke"' in page
    assert consent.STANDARD_SCOPES["openid"].vi in page
    token = csrf(client, "/account")
    response = client.post("/account/consents/taxi/revoke", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/account?revoked=taxi"
    page = html(client.get(response.headers["Location"]))
    assert 'action="/account/consents/taxi/revoke"' not in page
    assert "Đã thu hồi quyền truy cập" in page
    with platform.context() as session:
        row = session.scalar(select(Consent).where(Consent.user_id == user_id))
        assert row.revoked_at is not None


def test_revoking_needs_the_csrf_token_and_a_login(platform):
    user_id = grant(platform, "citizen", "taxi", ["openid"])
    client = platform.client()
    log_in(client, "citizen")
    assert client.post("/account/consents/taxi/revoke", data={}).status_code == 403
    stranger = platform.client()
    token = csrf(stranger)
    response = stranger.post("/account/consents/taxi/revoke", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith("/auth/login")
    with platform.context() as session:
        assert session.scalar(select(Consent).where(Consent.user_id == user_id)).revoked_at is None


def test_one_user_cannot_revoke_anothers_consent(platform):
    user_id = grant(platform, "official", "taxi", ["openid"])
    client = platform.client()
    log_in(client, "citizen")
    response = post_form(
        client, "/account/consents/taxi/revoke", csrf_token=csrf(client, "/account")
    )
    assert response.status_code == 404
    assert "Không có quyền truy cập nào để thu hồi." in html(response)
    with platform.context() as session:
        assert session.scalar(select(Consent).where(Consent.user_id == user_id)).revoked_at is None


def test_signing_out_from_the_account_page(platform):
    client = platform.client()
    log_in(client, "citizen")
    page = html(client.get("/account"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/account").status_code == 303


def test_linked_providers_are_listed_with_an_unlink_form(platform):
    with platform.context() as session:
        user = session.scalar(select(User).where(User.username == "citizen"))
        session.add(
            FederatedIdentity(
                user_id=user.id, provider="vneid", issuer="https://vneid.example", subject="s-1"
            )
        )
    client = platform.client()
    log_in(client, "citizen")
    page = html(client.get("/account"))
    linked = page[page.index('id="linked"') :]
    assert "<strong>vneid</strong>" in linked
    # The user has a password, so the link is not the only way in: it may be removed.
    assert 'action="/auth/federation/unlink"' in linked
    assert 'name="link_id"' in linked
