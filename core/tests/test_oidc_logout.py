"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)."""

from __future__ import annotations

import pytest
from sieuapp.core.audit.models import AuditEntry
from sqlalchemy import func, select

from .oidc_support import (
    LOGOUT_REDIRECT,
    authorize_params,
    hidden_fields,
    pkce,
    query_of,
    register_client,
    sign_in,
    tokens_for,
)
from .support import install_clock


@pytest.fixture
def rp(platform) -> tuple[str, str]:
    return register_client(platform)


def signed_in(client, client_id: str) -> bool:
    """Whether the browser is still signed in, asked the OIDC way (prompt=none)."""
    _, challenge = pkce()
    answer = client.get(
        "/oauth/authorize", query_string=authorize_params(client_id, challenge, prompt="none")
    )
    return query_of(answer.headers["Location"]).get("error") != "login_required"


def logouts(platform) -> int:
    with platform.context() as session:
        return session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "auth.logout")
        )


def test_logout_with_a_hint_returns_to_the_registered_address(platform, rp, browser):
    id_token = tokens_for(platform, browser, *rp)["id_token"]
    assert signed_in(browser, rp[0])
    answer = browser.get(
        "/oauth/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": LOGOUT_REDIRECT,
            "state": "bye",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == LOGOUT_REDIRECT + "?state=bye"
    assert not signed_in(browser, rp[0])
    assert logouts(platform) == 1


def test_an_expired_hint_is_accepted(platform, rp, browser, monkeypatch):
    clock = install_clock(monkeypatch)
    id_token = tokens_for(platform, browser, *rp)["id_token"]
    clock.advance(601)
    answer = browser.get("/oauth/logout", query_string={"id_token_hint": id_token})
    assert answer.status_code == 200
    assert "đã đăng xuất" in answer.text
    assert not signed_in(browser, rp[0])


def test_unregistered_address_is_refused_and_nothing_happens(platform, rp, browser):
    id_token = tokens_for(platform, browser, *rp)["id_token"]
    answer = browser.get(
        "/oauth/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "https://evil.example/",
        },
    )
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert signed_in(browser, rp[0])
    # Without a client the address cannot be checked either.
    bare = browser.get("/oauth/logout", query_string={"post_logout_redirect_uri": LOGOUT_REDIRECT})
    assert bare.status_code == 400
    assert signed_in(browser, rp[0])


def test_client_id_must_match_the_hint(platform, rp, browser):
    id_token = tokens_for(platform, browser, *rp)["id_token"]
    other = register_client(platform)
    answer = browser.get(
        "/oauth/logout", query_string={"id_token_hint": id_token, "client_id": other[0]}
    )
    assert answer.status_code == 400
    assert signed_in(browser, rp[0])


def test_without_a_hint_the_user_confirms(platform, rp, browser):
    answer = browser.get(
        "/oauth/logout",
        query_string={
            "client_id": rp[0],
            "post_logout_redirect_uri": LOGOUT_REDIRECT,
            "state": "s",
            "ui_locales": "en",
        },
    )
    assert answer.status_code == 200
    assert "Sign out?" in answer.text
    assert signed_in(browser, rp[0])
    fields = hidden_fields(answer.text)
    forged = browser.post(
        "/oauth/logout", data={**fields, "csrf_token": "forged", "confirm": "yes"}
    )
    assert forged.status_code == 403
    assert signed_in(browser, rp[0])
    done = browser.post("/oauth/logout", data={**fields, "confirm": "yes"})
    assert done.status_code == 302
    assert done.headers["Location"] == LOGOUT_REDIRECT + "?state=s"
    assert not signed_in(browser, rp[0])


def test_a_forged_hint_counts_as_none(platform, rp, browser):
    id_token = tokens_for(platform, browser, *rp)["id_token"]
    head, body, signature = id_token.split(".")
    answer = browser.get(
        "/oauth/logout", query_string={"id_token_hint": f"{head}.{body}.{signature[::-1]}"}
    )
    assert answer.status_code == 200
    assert "csrf_token" in answer.text  # the confirmation form
    assert signed_in(browser, rp[0])


def test_a_hint_for_someone_else_asks_first(platform, rp, browser):
    id_token = tokens_for(platform, browser, *rp)["id_token"]
    other = platform.client()
    sign_in(other, "partner")
    answer = other.get("/oauth/logout", query_string={"id_token_hint": id_token})
    assert answer.status_code == 200
    assert "csrf_token" in answer.text


def test_logout_when_not_signed_in(platform, rp):
    answer = platform.client().get(
        "/oauth/logout",
        query_string={"client_id": rp[0], "post_logout_redirect_uri": LOGOUT_REDIRECT},
    )
    assert answer.status_code == 302
    assert logouts(platform) == 0
