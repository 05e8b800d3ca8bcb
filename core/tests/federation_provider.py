"""A small, strict external OpenID Provider served over real HTTP on loopback, standing for one
we do not run (VNeID): it checks the client secret, the redirect URI and PKCE, and signs
id_tokens with a key made here. Used by ``test_federation_pages``."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from .support import free_port

CLIENT_ID = "sieuapp-hue"
CLIENT_SECRET = "s3cret-" + "x" * 30


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    """An OpenID Provider on ``127.0.0.1`` with one user; attributes steer its answers."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "idp-1", "use": "sig"})
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.subject = "vneid-0001"
        self.userinfo: dict[str, Any] = {
            "name": "Trương Thị Hoa",
            "preferred_username": "hoa",
            "phone_number": "+84905111222",
            "phone_number_verified": True,
        }
        self.acr = "urn:vneid:level2"
        #: Changes to the next id_tokens' claims (None removes one).
        self.tamper: dict[str, Any] = {}
        self.sign_with: RSAKey | None = None
        self.deny = False
        self.send_iss = True
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests = 0
        self.fetched: list[str] = []
        self._server = make_server("127.0.0.1", self.port, self._app(), threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _app(self) -> Flask:
        app = Flask("test_idp")

        @app.before_request
        def _count() -> None:
            self.fetched.append(request.path)

        @app.get("/.well-known/openid-configuration")
        def configuration():
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                userinfo_endpoint=f"{self.issuer}/userinfo",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                code_challenge_methods_supported=["S256"],
                id_token_signing_alg_values_supported=["RS256"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
                authorization_response_iss_parameter_supported=True,
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            args = request.args
            assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
            assert args["code_challenge_method"] == "S256" and len(args["code_challenge"]) == 43
            assert "openid" in args["scope"].split()
            back: dict[str, str] = {"state": args["state"]}
            if self.send_iss:
                back["iss"] = self.issuer
            if self.deny:
                back["error"] = "access_denied"
            else:
                code = secrets.token_urlsafe(16)
                self.codes[code] = dict(args)
                back["code"] = code
            return redirect(f"{args['redirect_uri']}?{urlencode(back)}")

        @app.post("/token")
        def token():
            self.token_requests += 1
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify(error="invalid_client"), 401
            asked = self.codes.pop(request.form.get("code", ""), None)
            verifier = request.form.get("code_verifier", "")
            if (
                asked is None
                or request.form.get("redirect_uri") != asked["redirect_uri"]
                or b64(hashlib.sha256(verifier.encode()).digest()) != asked["code_challenge"]
            ):
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "sub": self.subject,
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 300,
                "nonce": asked["nonce"],
                "acr": self.acr,
            }
            claims.update(self.tamper)
            claims = {k: v for k, v in claims.items() if v is not None}
            key = self.sign_with or self.key
            id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
            return jsonify(
                access_token="at-" + self.subject,
                token_type="Bearer",
                expires_in=300,
                id_token=id_token,
            )

        @app.get("/userinfo")
        def userinfo():
            if request.headers.get("Authorization") != f"Bearer at-{self.subject}":
                return jsonify(error="invalid_token"), 401
            return jsonify(sub=self.subject, **self.userinfo)

        return app

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def provider_setting(idp: Provider | SimpleNamespace, **changes: Any) -> str:
    entry = {
        "id": "vneid",
        "name": {"vi": "VNeID (thử nghiệm)", "en": "VNeID (test)"},
        "issuer": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": ["openid", "profile", "phone"],
        "assurance_level": 2,
        "acr_levels": {"urn:vneid:level1": 1, "urn:vneid:level2": 2},
    }
    entry.update(changes)
    return json.dumps([entry])
