"""Discovery: OpenID Connect Discovery 1.0 and RFC 8414 authorization server metadata."""

from __future__ import annotations

from typing import Any

from flask import request
from sieuapp.sdk import LANGUAGES

from ..assurance.levels import ACR_VALUES, DISCOVERY_METADATA
from ..claims import SCOPE_CLAIMS
from ..consent import STANDARD_SCOPES

AUTHORIZE = "/oauth/authorize"
TOKEN = "/oauth/token"
REVOKE = "/oauth/revoke"
INTROSPECT = "/oauth/introspect"
USERINFO = "/oauth/userinfo"
JWKS = "/oauth/jwks"
LOGOUT = "/oauth/logout"

GRANT_TYPES = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    # RFC 8693, for the platform's own clients only (``token_exchange``).
    "urn:ietf:params:oauth:grant-type:token-exchange",
)
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
#: Claims about the authentication itself, in every id_token.
ID_TOKEN_CLAIMS = (
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "sid",
    "azp",
    "at_hash",
)


def issuer() -> str:
    """This host's issuer identifier: the request's scheme and host, no trailing slash."""
    return request.host_url.rstrip("/")


def provider_metadata(iss: str) -> dict[str, Any]:
    """The provider's metadata for the issuer ``iss``; the same document serves RFC 8414."""
    user_claims = sorted({claim for claims in SCOPE_CLAIMS.values() for claim in claims})
    return {
        "issuer": iss,
        "authorization_endpoint": iss + AUTHORIZE,
        "token_endpoint": iss + TOKEN,
        "userinfo_endpoint": iss + USERINFO,
        "jwks_uri": iss + JWKS,
        "revocation_endpoint": iss + REVOKE,
        "introspection_endpoint": iss + INTROSPECT,
        "end_session_endpoint": iss + LOGOUT,
        "scopes_supported": list(STANDARD_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "revocation_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "introspection_endpoint_auth_methods_supported": list(SECRET_METHODS),
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [*ID_TOKEN_CLAIMS, *user_claims, "verified_claims"],
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "acr_values_supported": list(ACR_VALUES),
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "ui_locales_supported": list(LANGUAGES),
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": False,
        # OpenID Connect for Identity Assurance 1.0, as the assurance module states it.
        **DISCOVERY_METADATA,
    }
