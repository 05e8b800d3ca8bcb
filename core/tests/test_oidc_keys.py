"""id_token signing keys: made on first use, encrypted at rest, rotated by age or command, and
published until every id_token they signed has expired."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sieuapp.core.db import make_engine
from sieuapp.core.identity.oidc import keys
from sieuapp.core.identity.oidc.models import SigningKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from .oidc_support import register_client, sign_in, tokens_for
from .support import database_url, install_clock, invoke


def jwks(platform) -> dict:
    return platform.client().get("/oauth/jwks").json


def verifies(platform, token: str) -> bool:
    try:
        jwt.decode(token, KeySet.import_key_set(jwks(platform)), algorithms=["RS256"])
    except (JoseError, ValueError):
        return False
    return True


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def test_first_key_is_made_on_first_use_and_kept_encrypted(platform):
    with platform.context() as session:
        assert session.scalar(select(SigningKey)) is None
    [key] = jwks(platform)["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    assert jwks(platform)["keys"] == [key]  # the same key on the next call
    with platform.context() as session:
        row = session.scalar(select(SigningKey))
        assert "PRIVATE KEY" not in row.private_key
        _, private = keys.signing_key(session)
        assert private.as_dict(private=False)["n"] == key["n"]


def test_rotation_keeps_old_tokens_verifiable_until_they_expire(platform, monkeypatch):
    clock = install_clock(monkeypatch)
    rp = register_client(platform)
    browser = platform.client()
    sign_in(browser)
    old = tokens_for(platform, browser, *rp)["id_token"]
    with platform.context() as session:
        keys.rotate(session)
    new = tokens_for(platform, browser, *rp)["id_token"]
    assert kid_of(old) != kid_of(new)
    assert {k["kid"] for k in jwks(platform)["keys"]} == {kid_of(old), kid_of(new)}
    assert verifies(platform, old) and verifies(platform, new)
    # The old key stays for the id_token lifetime (600 s) plus 5 minutes of clock skew.
    clock.advance(600 + 300 - 1)
    assert verifies(platform, old)
    clock.advance(2)
    assert {k["kid"] for k in jwks(platform)["keys"]} == {kid_of(new)}
    assert not verifies(platform, old)
    assert verifies(platform, new)


def test_rotation_by_age(platform, monkeypatch):
    clock = install_clock(monkeypatch)
    with platform.context() as session:
        first, _ = keys.signing_key(session)
        first_kid = first.kid
    clock.advance(89 * 24 * 3600)
    with platform.context() as session:
        assert keys.signing_key(session)[0].kid == first_kid
    clock.advance(24 * 3600)
    with platform.context() as session:
        current, _ = keys.signing_key(session)
        assert current.kid != first_kid
        retired = session.scalar(select(SigningKey).where(SigningKey.kid == first_kid))
        assert retired.retired_at is not None and retired.expires_at is not None


def test_a_changed_secret_key_means_a_new_signing_key(platform):
    with platform.context() as session:
        before, _ = keys.signing_key(session)
        before_kid = before.kid
    runtime = platform.runtime
    runtime.settings = dataclasses.replace(runtime.settings, secret_key="another-secret")
    with platform.context() as session:
        after, _ = keys.signing_key(session)
        assert after.kid != before_kid
    # The old public key is still published for what it signed.
    assert {k["kid"] for k in jwks(platform)["keys"]} == {before_kid, after.kid}


def test_forged_and_foreign_tokens_do_not_verify(platform):
    with platform.context() as session:
        token = keys.sign(session, {"iss": "x", "sub": "y"})
        assert keys.verify(session, token) == {"iss": "x", "sub": "y"}
        head, body, signature = token.split(".")
        assert keys.verify(session, f"{head}.{body}.{signature[:-4]}AAAA") is None
        assert keys.verify(session, "not.a.jwt") is None


def test_cli_rotates(make_platform, tmp_path: Path):
    url = database_url(tmp_path / "keys.sqlite3")
    make_platform(plugins=[], database_url=url).close()
    env = {
        "SIEUAPP_DATABASE_URL": url,
        "SIEUAPP_INSTANCE_PATH": str(tmp_path / "inst"),
        "SIEUAPP_SECRET_KEY": "s",
    }
    assert "No key yet" in invoke(["keys", "list"], env).output
    invoke(["keys", "rotate"], env)
    second = invoke(["keys", "rotate"], env).output
    listing = invoke(["keys", "list"], env).output
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
    engine.dispose()
    assert len(rows) == 2
    assert rows[0].retired_at is not None and rows[1].retired_at is None
    assert rows[1].kid in second
    assert "signing" in listing and "retired" in listing
