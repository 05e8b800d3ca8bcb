"""The authorization endpoint: validation order, login, prompt, max_age, consent, acr."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sieuapp.core.identity.consent import granted_scopes
from sieuapp.core.identity.oidc.models import AuthorizationCode
from sieuapp.core.tenancy.models import Tenant
from sieuapp.core.tenancy.provinces import create_tenant
from sqlalchemy import func, select

from .oidc_support import (
    REDIRECT,
    authorize_params,
    consent,
    hidden_fields,
    pkce,
    query_of,
    register_client,
    sign_in,
)
from .support import install_clock


@pytest.fixture
def rp(platform) -> tuple[str, str]:
    return register_client(platform)


def codes(platform) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(AuthorizationCode))


def authorize(client, params):
    return client.get("/oauth/authorize", query_string=params)


def redirected_error(answer, error: str, state: str = "st-1") -> dict[str, str]:
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    params = query_of(location)
    assert params["error"] == error, params
    assert params.get("state") == state
    assert params["iss"] == "http://hue.sieuapp.test"
    return params


def test_unknown_client_gets_a_page_not_a_redirect(platform, rp):
    _, challenge = pkce()
    answer = authorize(platform.client(), authorize_params("nobody", challenge))
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "invalid_client" in answer.text
    assert "không được đăng ký" in answer.text  # Vietnamese by default


def test_a_client_of_another_tenant_is_unknown_here(platform):
    with platform.context() as session:
        create_tenant(session, "danang", 48)
    client_id, _ = register_client(platform, tenant="danang")
    _, challenge = pkce()
    answer = authorize(platform.client(), authorize_params(client_id, challenge))
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "invalid_client" in answer.text


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/callback", REDIRECT + "/more", REDIRECT + "?x=1", ""],
)
def test_unregistered_redirect_uri_gets_a_page(platform, rp, redirect_uri):
    _, challenge = pkce()
    params = authorize_params(rp[0], challenge, redirect_uri=redirect_uri, lang="en")
    answer = authorize(platform.client(), params)
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "not registered" in answer.text


def test_missing_pkce_is_refused(platform, rp):
    params = authorize_params(rp[0], "x")
    del params["code_challenge"]
    params_error = redirected_error(authorize(platform.client(), params), "invalid_request")
    assert "code_challenge" in params_error["error_description"]


def test_plain_pkce_is_refused(platform, rp):
    verifier, _ = pkce()
    plain = authorize_params(rp[0], verifier, code_challenge_method="plain")
    redirected_error(authorize(platform.client(), plain), "invalid_request")
    missing_method = authorize_params(rp[0], verifier)
    del missing_method["code_challenge_method"]  # RFC 7636: missing means plain
    redirected_error(authorize(platform.client(), missing_method), "invalid_request")


def test_scope_not_allowed_for_the_client(platform):
    client_id, _ = register_client(platform, scope="openid profile")
    _, challenge = pkce()
    answer = authorize(
        platform.client(), authorize_params(client_id, challenge, scope="openid email")
    )
    params = redirected_error(answer, "invalid_scope")
    assert "email" in params["error_description"]
    unknown = authorize_params(client_id, challenge, scope="openid admin:everything")
    redirected_error(authorize(platform.client(), unknown), "invalid_scope")


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"response_mode": "fragment"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "sometimes"}, "invalid_request"),
        ({"max_age": "-1"}, "invalid_request"),
        ({"claims": "{not json"}, "invalid_request"),
        ({"request": "eyJ..."}, "request_not_supported"),
        ({"request_uri": "https://rp.example/r"}, "request_uri_not_supported"),
    ],
)
def test_bad_requests_are_answered_by_redirect(platform, rp, extra, error):
    _, challenge = pkce()
    params = authorize_params(rp[0], challenge)
    for key, value in extra.items():
        if value is None:
            params.pop(key)
        else:
            params[key] = value
    redirected_error(authorize(platform.client(), params), error)


def test_repeated_parameter_is_invalid(platform, rp):
    _, challenge = pkce()
    query = authorize_params(rp[0], challenge)
    items = [*query.items(), ("scope", "openid email")]
    answer = platform.client().get("/oauth/authorize", query_string=items)
    redirected_error(answer, "invalid_request")


def test_client_without_code_grant_is_unauthorized(platform):
    client_id, _ = register_client(platform, grant_types=("client_credentials",))
    _, challenge = pkce()
    redirected_error(
        authorize(platform.client(), authorize_params(client_id, challenge)), "unauthorized_client"
    )


def test_prompt_none_without_login(platform, rp):
    _, challenge = pkce()
    answer = authorize(platform.client(), authorize_params(rp[0], challenge, prompt="none"))
    redirected_error(answer, "login_required")
    assert codes(platform) == 0


def test_without_login_the_browser_goes_to_the_login_page(platform, rp):
    _, challenge = pkce()
    params = authorize_params(rp[0], challenge, login_hint="citizen", ui_locales="en-GB vi")
    answer = authorize(platform.client(), params)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/auth/login"
    query = parse_qs(location.query)
    assert query["login_hint"] == ["citizen"]
    assert query["lang"] == ["en"]
    assert query["next"][0].startswith("/oauth/authorize?")
    # The login page prefills the hint and speaks the language asked for.
    page = platform.client().get(answer.headers["Location"])
    assert 'value="citizen"' in page.text
    assert "Sign in" in page.text


def test_login_then_consent_then_code(platform, rp):
    client = platform.client()
    _, challenge = pkce()
    params = authorize_params(rp[0], challenge, scope="openid profile email")
    first = authorize(client, params)
    # Logging in through the form comes back to the authorization request.
    back = sign_in(client, next_url=parse_qs(urlsplit(first.headers["Location"]).query)["next"][0])
    assert back.headers["Location"].startswith("/oauth/authorize?")
    page = client.get(back.headers["Location"])
    assert page.status_code == 200
    assert "Xem địa chỉ email của bạn" in page.text  # the scope's purpose, in Vietnamese
    answer = consent(client, page.text)
    assert answer.status_code == 302
    result = query_of(answer.headers["Location"])
    assert set(result) == {"code", "state", "iss"}
    assert result["state"] == "st-1"
    with platform.context() as session:
        user_id = platform.users["citizen"].id
        assert granted_scopes(session, user_id, _tenant_id(session), "hello") >= {
            "profile",
            "email",
        }
    # Asked once: the same request now goes straight back with a code.
    again = authorize(client, params)
    assert again.status_code == 302
    assert "code" in query_of(again.headers["Location"])


def _tenant_id(session) -> int:
    return session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))


def test_consent_is_asked_again_for_new_scopes_and_with_prompt_consent(platform, rp):
    client = platform.client()
    sign_in(client)
    _, challenge = pkce()
    page = authorize(client, authorize_params(rp[0], challenge))
    assert consent(client, page.text).status_code == 302
    wider = authorize(client, authorize_params(rp[0], challenge, scope="openid profile phone"))
    assert wider.status_code == 200
    assert 'class="new"' in wider.text
    forced = authorize(client, authorize_params(rp[0], challenge, prompt="consent"))
    assert forced.status_code == 200
    # With prompt=none nothing can be asked.
    silent = authorize(
        client, authorize_params(rp[0], challenge, scope="openid phone", prompt="none")
    )
    redirected_error(silent, "consent_required")


def test_denied_consent(platform, rp):
    client = platform.client()
    sign_in(client)
    _, challenge = pkce()
    page = authorize(client, authorize_params(rp[0], challenge))
    redirected_error(consent(client, page.text, "deny"), "access_denied")
    assert codes(platform) == 0


def test_consent_form_needs_its_csrf_token(platform, rp):
    client = platform.client()
    sign_in(client)
    _, challenge = pkce()
    params = authorize_params(rp[0], challenge)
    answer = client.post(
        "/oauth/authorize", data={**params, "decision": "allow", "csrf_token": "forged"}
    )
    assert answer.status_code == 403
    assert codes(platform) == 0


def test_prompt_login_asks_again_once(platform, rp):
    client = platform.client()
    sign_in(client)
    _, challenge = pkce()
    page = authorize(client, authorize_params(rp[0], challenge))
    consent(client, page.text)
    answer = authorize(client, authorize_params(rp[0], challenge, prompt="login"))
    assert answer.status_code == 302
    login_location = answer.headers["Location"]
    assert login_location.startswith("/auth/login?")
    next_url = parse_qs(urlsplit(login_location).query)["next"][0]
    # Coming back without logging in again is not enough ...
    assert client.get(next_url).headers["Location"].startswith("/auth/login?")
    # ... logging in again is, and does not loop.
    back = sign_in(client, next_url=next_url)
    done = client.get(back.headers["Location"])
    assert done.status_code == 302
    assert "code" in query_of(done.headers["Location"])


def test_max_age(platform, rp, monkeypatch):
    clock = install_clock(monkeypatch)
    client = platform.client()
    sign_in(client)
    _, challenge = pkce()
    consent(client, authorize(client, authorize_params(rp[0], challenge)).text)
    fresh = authorize(client, authorize_params(rp[0], challenge, max_age="600"))
    assert "code" in query_of(fresh.headers["Location"])
    clock.advance(601)
    stale = authorize(client, authorize_params(rp[0], challenge, max_age="600"))
    assert stale.headers["Location"].startswith("/auth/login?")
    silent = authorize(client, authorize_params(rp[0], challenge, max_age="600", prompt="none"))
    redirected_error(silent, "login_required")


def test_max_age_zero_is_satisfied_by_the_login_it_asks_for(platform, rp):
    client = platform.client()
    sign_in(client)
    _, challenge = pkce()
    consent(client, authorize(client, authorize_params(rp[0], challenge)).text)
    answer = authorize(client, authorize_params(rp[0], challenge, max_age="0"))
    next_url = parse_qs(urlsplit(answer.headers["Location"]).query)["next"][0]
    back = sign_in(client, next_url=next_url)
    done = client.get(back.headers["Location"])
    assert "code" in query_of(done.headers["Location"])


def test_essential_acr_above_the_users_level(platform, rp):
    client = platform.client()
    sign_in(client)
    _, challenge = pkce()
    consent(client, authorize(client, authorize_params(rp[0], challenge)).text)
    claims = {"id_token": {"acr": {"essential": True, "values": ["urn:sieuapp:loa:2"]}}}
    answer = authorize(client, authorize_params(rp[0], challenge, claims=json.dumps(claims)))
    redirected_error(answer, "unmet_authentication_requirements")
    # Voluntary acr_values are a wish: the code comes, the id_token tells the real acr.
    voluntary = authorize(
        client, authorize_params(rp[0], challenge, acr_values="urn:sieuapp:loa:2")
    )
    assert "code" in query_of(voluntary.headers["Location"])


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"prompt": 'login "quoted\\'}, "invalid_request"),
        ({"scope": 'openid "evil\\ scope'}, "invalid_scope"),
        ({"claims": json.dumps({"id_token": "acr"})}, "invalid_request"),
        # Nothing known to ask for, or nothing to ask: the request goes on to consent.
        ({"claims": json.dumps({"id_token": {"acr": {"essential": True, "values": 7}}})}, None),
        ({"max_age": "9" * 40}, None),
    ],
)
def test_hostile_values_get_an_oauth_answer(platform, rp, extra, error):
    client = platform.client()
    sign_in(client)
    _, challenge = pkce()
    answer = authorize(client, authorize_params(rp[0], challenge, **extra))
    if error is None:
        assert answer.status_code == 200
        assert 'name="decision"' in answer.text
        return
    params = redirected_error(answer, error)
    # Quoted back only in the characters RFC 6749 allows in error_description.
    assert '"' not in params["error_description"] and "\\" not in params["error_description"]


def test_ui_locales_sets_the_consent_pages_language(platform, rp):
    client = platform.client()
    sign_in(client)
    _, challenge = pkce()
    page = authorize(
        client, authorize_params(rp[0], challenge, scope="openid email", ui_locales="en")
    )
    assert page.status_code == 200
    assert 'lang="en"' in page.text
    assert "See your email address" in page.text
    # The choice travels with the form, so the answer to it is in English too.
    assert hidden_fields(page.text)["ui_locales"] == "en"
