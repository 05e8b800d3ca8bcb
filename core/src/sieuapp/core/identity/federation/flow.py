"""The relying party's side of the code flow: the request (state, nonce, PKCE S256), the
browser cookies that carry it to the callback, and the token and userinfo calls."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Response, current_app, request

from ..._runtime import runtime_of
from . import discovery
from .discovery import Metadata, ProviderUnavailable
from .id_tokens import InvalidIdToken, verify_id_token
from .providers import Provider

#: The cookie holding one sign-in in progress, between the start and the callback.
FLOW_COOKIE = "sieuapp_fed_flow"
#: The cookie holding a verified external account that is not linked yet; it must outlive a
#: password sign-in (which starts a fresh session), so it is not in the session.
PENDING_COOKIE = "sieuapp_fed_pending"
COOKIE_PATH = "/auth/federation"
#: Seconds a user has to get through the provider's pages, and then to choose on ours.
FLOW_TTL = 600
PENDING_TTL = 900


class FlowError(Exception):
    """The sign-in cannot go on; ``kind`` picks the message the user sees."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Flow:
    """One authorization request in progress, as the browser carries it (signed)."""

    provider: str
    tenant_id: int
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next: str


@dataclass(frozen=True)
class Pending:
    """An external account verified at the callback, waiting to be linked or to make an account."""

    provider: str
    tenant_id: int
    issuer: str
    subject: str
    next: str
    #: Only the claims an account is made from: name, username, phone, email, their flags.
    claims: dict[str, Any] = field(default_factory=dict)
    #: The assurance level the provider vouched for at this sign-in (``links.vouched_level``).
    level: int = 0
    #: The identity record behind level 2, when the provider handed one over.
    identity: dict[str, Any] | None = None


def _fernet(purpose: str) -> Fernet:
    # Encrypted, not only signed: the flow holds the PKCE verifier, and a pending account the
    # person's name, phone and possibly CCCD number, none of which a cookie should show.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"sieuapp {purpose}".encode()
    ).derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _seal(purpose: str, value: Any) -> str:
    return _fernet(purpose).encrypt(json.dumps(asdict(value)).encode()).decode()


def _open(purpose: str, name: str, ttl: int) -> dict[str, Any] | None:
    raw = request.cookies.get(name)
    if not raw:
        return None
    try:
        value = json.loads(_fernet(purpose).decrypt(raw.encode(), ttl=ttl))
    except (InvalidToken, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _set(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=request.is_secure,
        httponly=True,
        # Lax, not Strict: the provider sends the browser back with a cross-site top-level GET.
        samesite="Lax",
    )


def save_flow(response: Response, flow: Flow) -> None:
    """Remember ``flow`` in the browser until the callback."""
    _set(response, FLOW_COOKIE, _seal("federation flow", flow), FLOW_TTL)


def load_flow() -> Flow | None:
    """The browser's flow in progress; None if absent, tampered with or too old."""
    value = _open("federation flow", FLOW_COOKIE, FLOW_TTL)
    try:
        return Flow(**value) if value is not None else None
    except TypeError:
        return None


def save_pending(response: Response, pending: Pending) -> None:
    """Remember a verified, unlinked external account while the user chooses what to do."""
    _set(response, PENDING_COOKIE, _seal("federation pending", pending), PENDING_TTL)


def load_pending() -> Pending | None:
    """The verified external account waiting in this browser; None if absent or too old."""
    value = _open("federation pending", PENDING_COOKIE, PENDING_TTL)
    try:
        return Pending(**value) if value is not None else None
    except TypeError:
        return None


def forget(response: Response, name: str) -> None:
    """Drop one of this module's cookies."""
    response.delete_cookie(name, path=COOKIE_PATH, secure=request.is_secure, httponly=True)


# -- talking to the provider --------------------------------------------------------------


def _timeouts() -> tuple[float, float]:
    settings = runtime_of().settings
    return float(settings.federation_http_timeout), float(settings.federation_metadata_ttl)


def provider_metadata(provider: Provider) -> Metadata:
    """The provider's discovery document (cached); raises ``ProviderUnavailable``."""
    timeout, ttl = _timeouts()
    return discovery.metadata(provider, timeout=timeout, ttl=ttl)


def _client(provider: Provider, meta: Metadata, redirect_uri: str) -> OAuth2Session:
    # client_secret_basic is the default of OAuth 2 and OIDC; post only if that is all it takes.
    methods = meta.token_endpoint_auth_methods
    method = "client_secret_post" if "client_secret_basic" not in methods else None
    if method and method not in methods:
        raise ProviderUnavailable("provider takes neither client_secret_basic nor _post")
    timeout, _ = _timeouts()
    return OAuth2Session(
        provider.client_id,
        provider.client_secret,
        token_endpoint_auth_method=method or "client_secret_basic",
        scope=" ".join(provider.scopes),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=timeout,
    )


def start(provider: Provider, tenant_id: int, redirect_uri: str, next_url: str) -> tuple[str, Flow]:
    """The provider's authorization URL and the flow to remember for the callback."""
    meta = provider_metadata(provider)
    flow = Flow(
        provider=provider.id,
        tenant_id=tenant_id,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        # RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
        code_verifier=generate_token(64),
        redirect_uri=redirect_uri,
        next=next_url,
    )
    extra = {"acr_values": provider.acr_values} if provider.acr_values else {}
    with _client(provider, meta, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            meta.authorization_endpoint,
            state=flow.state,
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
            **extra,
        )
    return url, flow


def check_response(provider: Provider, flow: Flow | None, params: dict[str, str]) -> str:
    """The authorization code, once the response is ours and came from the provider."""
    if flow is None:
        raise FlowError("expired")
    if flow.provider != provider.id:
        raise FlowError("bad_state", "flow of another provider")
    state = params.get("state", "")
    if not hmac.compare_digest(state.encode(), flow.state.encode()):
        raise FlowError("bad_state", "state does not match")
    meta = provider_metadata(provider)
    # RFC 9207 §2.4: compare ``iss`` when the provider promised to send it, or sent it anyway.
    iss = params.get("iss")
    if meta.iss_parameter_supported and iss is None:
        raise FlowError("bad_response", "iss parameter missing")
    if iss is not None and iss != provider.issuer:
        raise FlowError("bad_response", "iss parameter names another issuer")
    error = params.get("error")
    if error:
        raise FlowError("denied" if error == "access_denied" else "provider_error", error[:60])
    code = params.get("code")
    if not code:
        raise FlowError("bad_response", "no code")
    return code


@dataclass(frozen=True)
class SignIn:
    """What the provider told us about the user, every check passed."""

    issuer: str
    subject: str
    id_token_claims: dict[str, Any]
    userinfo: dict[str, Any]

    def claim(self, name: str) -> Any:
        """A claim from userinfo, else from the id_token."""
        return self.userinfo.get(name, self.id_token_claims.get(name))


def finish(provider: Provider, flow: Flow, code: str) -> SignIn:
    """Exchange ``code`` (with the PKCE verifier), verify the id_token, read userinfo."""
    meta = provider_metadata(provider)
    timeout, ttl = _timeouts()
    with _client(provider, meta, flow.redirect_uri) as client:
        try:
            token = client.fetch_token(
                meta.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=flow.code_verifier,
            )
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"token endpoint: {type(exc).__name__}") from None
        except Exception as exc:  # authlib raises OAuthError and friends for error answers
            error = getattr(exc, "error", None) or type(exc).__name__
            raise FlowError("token_refused", str(error)[:60]) from None
        raw = token.get("id_token")
        if not isinstance(raw, str):
            raise FlowError("bad_id_token", "no id_token in the token response")
        access_token = token.get("access_token")
        try:
            claims = verify_id_token(
                raw,
                keys=lambda refresh: discovery.signing_keys(
                    meta, timeout=timeout, ttl=ttl, refresh=refresh
                ),
                issuer=provider.issuer,
                client_id=provider.client_id,
                nonce=flow.nonce,
                allowed_algs=meta.id_token_signing_algs,
                access_token=access_token if isinstance(access_token, str) else None,
            )
        except InvalidIdToken as exc:
            raise FlowError("bad_id_token", exc.reason) from None
        userinfo = _userinfo(client, meta, claims["sub"], timeout)
    return SignIn(provider.issuer, claims["sub"], claims, userinfo)


def _userinfo(client: OAuth2Session, meta: Metadata, subject: str, timeout: float) -> dict:
    if meta.userinfo_endpoint is None:
        return {}
    try:
        response = client.get(meta.userinfo_endpoint, timeout=timeout)
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"userinfo endpoint: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise ProviderUnavailable(f"userinfo endpoint answered {response.status_code}")
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return {}  # a signed or encrypted userinfo (application/jwt) we never asked for
    try:
        info = response.json()
    except ValueError:
        raise ProviderUnavailable("userinfo endpoint did not answer JSON") from None
    # Core §5.3.2: a userinfo answer about someone else must not be used.
    if not isinstance(info, dict) or info.get("sub") != subject:
        raise FlowError("bad_response", "userinfo is about another subject")
    return info
