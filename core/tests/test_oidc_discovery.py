"""Discovery: the document passes the provider-metadata validators of two libraries we did not
write (pyoidc and authlib), for OpenID Connect Discovery and RFC 8414.

Both validators insist on an https issuer, as the specifications do. A deployment terminates
TLS at a reverse proxy (or at gunicorn); the issuer is the scheme and host of the request as
the app sees it, so it is https there. Here the test client makes https requests; the real
server behind a proxy header is exercised in test_oidc_rp_library.py."""

from __future__ import annotations

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from authlib.oidc.discovery import OpenIDProviderMetadata
from oic.oauth2.message import SchemeError
from oic.oic.message import ProviderConfigurationResponse
from sieuapp.core.tenancy.provinces import create_tenant

HTTPS = "https://hue.sieuapp.test/"


@pytest.fixture
def platform(make_platform):
    return make_platform(plugins=[])


def document(
    platform, path: str = "/.well-known/openid-configuration", base_url: str = HTTPS
) -> dict:
    answer = platform.client().get(path, base_url=base_url)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    return answer.json


def test_pyoidc_validates_the_document(platform):
    doc = document(platform)
    assert doc["issuer"] == "https://hue.sieuapp.test"
    assert ProviderConfigurationResponse(**doc).verify() is True


def test_authlib_validates_the_document(platform):
    OpenIDProviderMetadata(document(platform)).validate()
    AuthorizationServerMetadata(
        document(platform, "/.well-known/oauth-authorization-server")
    ).validate()


def test_what_the_document_promises(platform):
    doc = document(platform)
    issuer = doc["issuer"]
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
        "end_session_endpoint",
    ):
        assert doc[name].startswith(issuer + "/oauth/"), name
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["subject_types_supported"] == ["public"]
    assert set(doc["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    }
    assert doc["acr_values_supported"] == [
        "urn:sieuapp:loa:0",
        "urn:sieuapp:loa:1",
        "urn:sieuapp:loa:2",
    ]
    assert doc["ui_locales_supported"] == ["vi", "en"]
    assert doc["claims_parameter_supported"] is True
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert doc["verified_claims_supported"] is True
    assert "verified_claims" in doc["claims_supported"]
    assert {"openid", "profile", "email", "phone", "offline_access", "verified_claims"} <= set(
        doc["scopes_supported"]
    )
    # RFC 8414 serves the same metadata.
    assert document(platform, "/.well-known/oauth-authorization-server") == doc


def test_every_advertised_endpoint_exists(platform):
    doc = document(platform)
    client = platform.client()
    assert client.get(doc["jwks_uri"], base_url=HTTPS).status_code == 200
    for name in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        assert client.post(doc[name], base_url=HTTPS).status_code in (400, 401), name
    assert client.get(doc["userinfo_endpoint"], base_url=HTTPS).status_code == 401
    assert client.get(doc["authorization_endpoint"], base_url=HTTPS).status_code == 400
    assert client.get(doc["end_session_endpoint"], base_url=HTTPS).status_code == 200


def test_the_issuer_is_the_requests_host(platform):
    with platform.context() as session:
        create_tenant(session, "danang", 48)
    doc = document(platform, base_url="https://danang.sieuapp.test/")
    assert doc["issuer"] == "https://danang.sieuapp.test"
    assert doc["token_endpoint"] == "https://danang.sieuapp.test/oauth/token"


def test_validators_refuse_a_plain_http_issuer(platform):
    doc = document(platform, base_url="http://hue.sieuapp.test/")
    assert doc["issuer"] == "http://hue.sieuapp.test"
    with pytest.raises(SchemeError):
        ProviderConfigurationResponse(**doc).verify()
    with pytest.raises(ValueError, match="https"):
        OpenIDProviderMetadata(doc).validate()
