"""A provider's metadata (OIDC Discovery 1.0) and signing keys (JWKS), fetched and cached."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .providers import Provider

#: The time the caches read; tests replace it instead of waiting.
clock: Callable[[], float] = time.monotonic
#: An id_token signed by a key we do not know fetches the keys again, but not more often than
#: this, so that a stream of bad tokens cannot turn us into a load on the provider.
KEY_REFRESH_INTERVAL = 10.0
#: Discovery documents and key sets larger than this are refused.
MAX_DOCUMENT_BYTES = 512 * 1024


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered something we cannot use; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Metadata:
    """The parts of a provider's discovery document the relying party uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    #: RFC 9207: the provider sends ``iss`` with every authorization response.
    iss_parameter_supported: bool
    token_endpoint_auth_methods: tuple[str, ...]
    id_token_signing_algs: tuple[str, ...]


_lock = threading.Lock()
_metadata: dict[str, tuple[float, Metadata]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}


def clear_caches() -> None:
    """Forget every fetched document (tests; a configuration reload)."""
    with _lock:
        _metadata.clear()
        _keys.clear()


def _get_json(url: str, timeout: float) -> Any:
    try:
        response = requests.get(
            url, timeout=timeout, headers={"Accept": "application/json"}, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"no answer from {url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise ProviderUnavailable(f"{url} answered {response.status_code}")
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise ProviderUnavailable(f"{url} answered a document too large")
    try:
        return response.json()
    except ValueError:
        raise ProviderUnavailable(f"{url} did not answer JSON") from None


def _url(document: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = document.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ProviderUnavailable(f"discovery document: {key} missing or not a URL")
    return value


def _strings(document: Mapping[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = document.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProviderUnavailable(f"discovery document: {key} is not a list of strings")
    return tuple(value)


def parse_metadata(provider: Provider, document: Any) -> Metadata:
    """The discovery document checked against what the configuration expects."""
    if not isinstance(document, Mapping):
        raise ProviderUnavailable("discovery document is not a JSON object")
    # OIDC Discovery §4.3: the issuer in the document must be exactly the one we asked for,
    # or a provider could speak for another.
    if document.get("issuer") != provider.issuer:
        raise ProviderUnavailable("discovery document names another issuer")
    if "code" not in _strings(document, "response_types_supported", ("code",)):
        raise ProviderUnavailable("provider does not support the authorization code flow")
    # RFC 8414 §2: an absent list says nothing; a list without S256 says PKCE S256 is not there.
    if "code_challenge_methods_supported" in document and "S256" not in _strings(
        document, "code_challenge_methods_supported", ()
    ):
        raise ProviderUnavailable("provider does not support PKCE with S256")
    return Metadata(
        issuer=provider.issuer,
        authorization_endpoint=_url(document, "authorization_endpoint", required=True) or "",
        token_endpoint=_url(document, "token_endpoint", required=True) or "",
        jwks_uri=_url(document, "jwks_uri", required=True) or "",
        userinfo_endpoint=_url(document, "userinfo_endpoint", required=False),
        end_session_endpoint=_url(document, "end_session_endpoint", required=False),
        iss_parameter_supported=document.get("authorization_response_iss_parameter_supported")
        is True,
        token_endpoint_auth_methods=_strings(
            document, "token_endpoint_auth_methods_supported", ("client_secret_basic",)
        ),
        id_token_signing_algs=_strings(document, "id_token_signing_alg_values_supported", ()),
    )


def metadata(provider: Provider, *, timeout: float, ttl: float) -> Metadata:
    """The provider's metadata, from the cache when fetched less than ``ttl`` seconds ago."""
    now = clock()
    with _lock:
        cached = _metadata.get(provider.issuer)
    if cached is not None and now - cached[0] < ttl:
        return cached[1]
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    found = parse_metadata(provider, _get_json(url, timeout))
    with _lock:
        _metadata[provider.issuer] = (now, found)
    return found


def _fetch_keys(jwks_uri: str, timeout: float) -> KeySet:
    document = _get_json(jwks_uri, timeout)
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ProviderUnavailable("JWKS document has no key list")
    # Keys for encryption, and keys of kinds we cannot read, are not signing keys for us.
    usable = [
        key
        for key in document["keys"]
        if isinstance(key, Mapping)
        and key.get("use", "sig") == "sig"
        and key.get("kty") in {"RSA", "EC", "OKP"}
    ]
    try:
        return KeySet.import_key_set({"keys": usable})
    except (JoseError, ValueError, TypeError):
        raise ProviderUnavailable("JWKS document holds a key that cannot be read") from None


def signing_keys(meta: Metadata, *, timeout: float, ttl: float, refresh: bool = False) -> KeySet:
    """The provider's signing keys; ``refresh`` fetches them again (an unknown ``kid``) unless
    they were fetched within :data:`KEY_REFRESH_INTERVAL` seconds."""
    now = clock()
    with _lock:
        cached = _keys.get(meta.jwks_uri)
    if cached is not None:
        age = now - cached[0]
        if age < ttl and not (refresh and age >= KEY_REFRESH_INTERVAL):
            return cached[1]
    keys = _fetch_keys(meta.jwks_uri, timeout)
    with _lock:
        _keys[meta.jwks_uri] = (now, keys)
    return keys
