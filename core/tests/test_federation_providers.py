"""The provider list in settings, and the checks on a provider's discovery document."""

from __future__ import annotations

import json

import pytest
from sieuapp.core import create_app
from sieuapp.core.identity.federation.discovery import ProviderUnavailable, parse_metadata
from sieuapp.core.identity.federation.providers import (
    ProviderConfigError,
    login_providers,
    parse_providers,
)
from sieuapp.core.settings import Settings

SECRET = "do-not-print-" + "z" * 24
VNEID = {
    "id": "vneid",
    "name": {"vi": "Định danh điện tử VNeID", "en": "VNeID electronic identity"},
    "issuer": "https://sso.vneid.gov.vn",
    "client_id": "hue-sieuapp",
    "client_secret": SECRET,
    "scopes": ["profile", "phone"],
    "assurance_level": 2,
    "acr_levels": {"urn:vneid:loa:2": 2},
}


def setting(*entries: dict) -> str:
    return json.dumps(list(entries))


def test_a_provider_is_read_with_defaults_and_openid_first():
    (provider,) = parse_providers(setting(VNEID))
    assert provider.id == "vneid"
    assert provider.name.get("vi") == "Định danh điện tử VNeID"
    assert provider.name.get("en") == "VNeID electronic identity"
    assert provider.scopes == ("openid", "profile", "phone")
    assert provider.assurance_level == 2
    assert dict(provider.acr_levels) == {"urn:vneid:loa:2": 2}
    minimal = {k: VNEID[k] for k in ("id", "issuer", "client_id", "client_secret")}
    (plain,) = parse_providers(setting(minimal))
    assert plain.scopes == ("openid", "profile") and plain.assurance_level == 0
    assert plain.name.get("en") == "vneid"
    assert parse_providers("") == ()


def test_the_secret_is_never_printed():
    (provider,) = parse_providers(setting(VNEID))
    assert SECRET not in repr(provider)
    settings = Settings(federation_providers=setting(VNEID))
    assert SECRET not in repr(settings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "VNeID!"}, "[0].id: lowercase"),
        ({"id": "link"}, "[0].id: 'link' is reserved"),
        ({"issuer": "http://sso.vneid.gov.vn"}, "[0].issuer: must be an https URL"),
        ({"issuer": "https://sso.vneid.gov.vn?x=1"}, "[0].issuer: must be an https URL"),
        ({"client_secret": ""}, "[0].client_secret: must be a non-empty string"),
        ({"client_id": None}, "[0].client_id: must be a non-empty string"),
        ({"scopes": "openid phone"}, "[0].scopes: must be a list"),
        ({"assurance_level": 3}, "[0].assurance_level: must be 0, 1 or 2"),
        ({"acr_levels": {"urn:x": 5}}, "[0].acr_levels['urn:x']: must be 0, 1 or 2"),
        ({"name": {"vi": "VNeID"}}, None),
        ({"name": {"en": ""}}, "[0].name: must be a string or"),
        ({"colour": "blue"}, "[0]: unknown keys ['colour']"),
    ],
)
def test_a_wrong_entry_is_named_without_quoting_the_value(change, message):
    entry = {**VNEID, **change}
    if message is None:
        (provider,) = parse_providers(setting(entry))
        assert provider.name.en == "VNeID"  # English falls back to the Vietnamese name
        return
    with pytest.raises(ProviderConfigError) as refused:
        parse_providers(setting(entry))
    assert message in str(refused.value)
    assert SECRET not in str(refused.value)


def test_loopback_issuers_may_use_plain_http():
    (provider,) = parse_providers(setting({**VNEID, "issuer": "http://127.0.0.1:8123"}))
    assert provider.issuer == "http://127.0.0.1:8123"


def test_the_list_itself_is_checked():
    for value, message in [
        ('{"id": "vneid"}', "must be a JSON list"),
        (f'[{{"client_secret": "{SECRET}",', "not JSON (line 1"),
        (setting(VNEID, VNEID), "provider ids must be unique"),
        ("[1]", "[0]: must be an object"),
    ]:
        with pytest.raises(ProviderConfigError) as refused:
            parse_providers(value)
        assert message in str(refused.value) and SECRET not in str(refused.value)


def test_a_wrong_list_stops_the_app_at_start(tmp_path):
    with pytest.raises(ProviderConfigError, match="provider ids must be unique"):
        create_app(
            instance_path=tmp_path,
            database_url="sqlite://",
            federation_providers=setting(VNEID, VNEID),
        )


def test_the_sign_in_page_lists_the_providers(make_platform):
    second = {**VNEID, "id": "bank", "name": "Ngân hàng", "issuer": "https://id.bank.vn"}
    platform = make_platform(plugins=[], federation_providers=setting(VNEID, second))
    with platform.context():
        assert [(pid, name.get("en")) for pid, name in login_providers()] == [
            ("vneid", "VNeID electronic identity"),
            ("bank", "Ngân hàng"),
        ]
    page = platform.client().get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/federation/vneid?next=%2Faccount"' in page
    assert "Định danh điện tử VNeID" in page and SECRET not in page


# -- discovery documents -----------------------------------------------------------------------

(PROVIDER,) = parse_providers(setting(VNEID))
DOCUMENT = {
    "issuer": VNEID["issuer"],
    "authorization_endpoint": "https://sso.vneid.gov.vn/authorize",
    "token_endpoint": "https://sso.vneid.gov.vn/token",
    "jwks_uri": "https://sso.vneid.gov.vn/jwks",
    "response_types_supported": ["code"],
    "code_challenge_methods_supported": ["plain", "S256"],
    "authorization_response_iss_parameter_supported": True,
}


def test_a_discovery_document_is_read():
    meta = parse_metadata(PROVIDER, DOCUMENT)
    assert meta.iss_parameter_supported is True
    assert meta.userinfo_endpoint is None
    assert meta.token_endpoint_auth_methods == ("client_secret_basic",)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"issuer": "https://evil.example"}, "names another issuer"),
        ({"issuer": VNEID["issuer"] + "/"}, "names another issuer"),
        ({"code_challenge_methods_supported": ["plain"]}, "does not support PKCE with S256"),
        ({"response_types_supported": ["id_token"]}, "authorization code flow"),
        ({"token_endpoint": None}, "token_endpoint missing"),
        ({"jwks_uri": "ftp://x"}, "jwks_uri missing or not a URL"),
        ({"userinfo_endpoint": 3}, "userinfo_endpoint missing or not a URL"),
    ],
)
def test_a_discovery_document_we_cannot_trust_is_refused(change, reason):
    document = {k: v for k, v in {**DOCUMENT, **change}.items() if v is not None}
    with pytest.raises(ProviderUnavailable, match=reason):
        parse_metadata(PROVIDER, document)
