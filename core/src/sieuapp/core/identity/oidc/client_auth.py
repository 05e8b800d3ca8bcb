"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 2.3):
``client_secret_basic``, ``client_secret_post``, and ``none`` for public clients (PKCE)."""

from __future__ import annotations

from collections.abc import Collection

from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidRequestError
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from flask import request
from sqlalchemy.orm import Session

from .clients import check_secret, find_client
from .models import OAuthClient

ALL_METHODS = ("client_secret_basic", "client_secret_post", "none")


def _refused(description: str) -> InvalidClientError:
    # RFC 6749 5.2 allows 401 for every failed client authentication (and requires it, with
    # WWW-Authenticate, for the Authorization header); authlib adds the header for 401.
    return InvalidClientError(description, status_code=401)


def authenticate_client(
    session: Session, tenant_id: int, methods: Collection[str] = ALL_METHODS
) -> tuple[OAuthClient, str]:
    """The calling client and the method it used; ``InvalidClientError`` when unknown, of
    another tenant, disabled, or its secret is wrong; ``InvalidRequestError`` when it uses two
    methods at once."""
    basic_id, basic_secret = extract_basic_authorization(request.headers)
    form_id = request.form.get("client_id")
    form_secret = request.form.get("client_secret")
    if basic_id is not None:
        if form_secret is not None:
            raise InvalidRequestError("Use one client authentication method, not two.")
        if form_id is not None and form_id != basic_id:
            raise InvalidRequestError("client_id differs from the Authorization header.")
        method, client_id, secret = "client_secret_basic", basic_id, basic_secret
    elif form_secret is not None:
        method, client_id, secret = "client_secret_post", form_id, form_secret
    else:
        method, client_id, secret = "none", form_id, None
    if not client_id:
        raise _refused("Client authentication is required.")
    if method not in methods:
        raise _refused(f"{method} is not accepted at this endpoint.")
    client = find_client(session, client_id)
    if client is None or client.tenant_id != tenant_id:
        raise _refused("Unknown client.")
    if method == "none":
        if client.secret_hash is not None or client.token_endpoint_auth_method != "none":
            raise _refused("This client must authenticate with its secret.")
    elif not check_secret(client, secret or ""):
        raise _refused("Wrong client credentials.")
    return client, method
