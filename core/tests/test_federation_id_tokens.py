"""id_token validation (OIDC Core §3.1.3.7) against keys made here: real signatures, real checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey
from sieuapp.core.identity.federation.id_tokens import InvalidIdToken, token_hash, verify_id_token

from .support import install_clock

ISSUER = "https://idp.example.vn"
CLIENT = "sieuapp-hue"
NONCE = "n-0S6_WzA2Mj"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
T = int(NOW.timestamp())


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    install_clock(monkeypatch, NOW)


@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})


@pytest.fixture(scope="module")
def other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})


def published(*keys) -> KeySet:
    return KeySet.import_key_set({"keys": [k.as_dict(private=False) for k in keys]})


def claims(**changes) -> dict:
    base = {
        "iss": ISSUER,
        "sub": "vneid-001",
        "aud": CLIENT,
        "exp": T + 300,
        "iat": T - 5,
        "nonce": NONCE,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict, key, alg: str = "RS256", kid: str | None = "k1") -> str:
    header = {"alg": alg, **({"kid": kid} if kid else {})}
    return jwt.encode(header, payload, key, algorithms=[alg])


def verify(raw: str, keys: KeySet, **kwargs):
    asked: list[bool] = []

    def key_source(refresh: bool) -> KeySet:
        asked.append(refresh)
        return keys

    options = {"issuer": ISSUER, "client_id": CLIENT, "nonce": NONCE} | kwargs
    result = verify_id_token(raw, keys=key_source, **options)
    return result, asked


def test_a_good_token_gives_its_claims(key):
    result, asked = verify(sign(claims(name="Nguyễn Văn An"), key), published(key))
    assert result["sub"] == "vneid-001"
    assert result["name"] == "Nguyễn Văn An"
    assert asked == [False]


def test_an_ec_key_and_several_audiences_with_azp(key):
    ec = ECKey.generate_key("P-256", parameters={"kid": "e1"})
    raw = sign(claims(aud=[CLIENT, "other"], azp=CLIENT), ec, alg="ES256", kid="e1")
    result, _ = verify(raw, published(key, ec))
    assert result["azp"] == CLIENT


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://evil.example"}, "issued by another issuer"),
        ({"iss": None}, "issued by another issuer"),
        ({"aud": "someone-else"}, "issued for another client"),
        ({"aud": ["someone-else", "third"]}, "issued for another client"),
        ({"aud": [CLIENT, "other"]}, "authorized party is another client"),
        ({"aud": [CLIENT, "other"], "azp": "other"}, "authorized party is another client"),
        ({"azp": "other"}, "authorized party is another client"),
        ({"exp": T - 61}, "expired"),
        ({"exp": None}, "exp missing or not a number"),
        ({"exp": "tomorrow"}, "exp missing or not a number"),
        ({"iat": T + 120}, "issued in the future"),
        ({"iat": None}, "iat missing or not a number"),
        ({"iat": T - 3600, "exp": T + 3600}, "issued too long ago"),
        ({"nonce": "another"}, "nonce does not match"),
        ({"nonce": None}, "nonce does not match"),
        ({"sub": None}, "sub missing or invalid"),
        ({"sub": ""}, "sub missing or invalid"),
        ({"sub": "x" * 256}, "sub missing or invalid"),
    ],
)
def test_each_claim_check_refuses(key, changes, reason):
    with pytest.raises(InvalidIdToken) as refused:
        verify(sign(claims(**changes), key), published(key))
    assert refused.value.reason == reason


def test_clock_skew_within_the_leeway_is_forgiven(key):
    raw = sign(claims(exp=T - 30, iat=T + 30), key)
    assert verify(raw, published(key))[0]["sub"] == "vneid-001"


def test_a_signature_by_another_key_with_the_same_kid_is_refused(key, other_key):
    with pytest.raises(InvalidIdToken, match="bad signature"):
        verify(sign(claims(), other_key), published(key))


def test_an_unknown_kid_fetches_the_keys_again_once(key):
    rotated = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    sets = {False: published(key), True: published(key, rotated)}
    asked: list[bool] = []

    def source(refresh: bool) -> KeySet:
        asked.append(refresh)
        return sets[refresh]

    raw = sign(claims(), rotated, kid="k2")
    result = verify_id_token(raw, keys=source, issuer=ISSUER, client_id=CLIENT, nonce=NONCE)
    assert result["sub"] == "vneid-001"
    assert asked == [False, True]


def test_a_key_never_published_is_refused_after_the_refresh(key):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "zz"})
    with pytest.raises(InvalidIdToken, match="key the provider does not publish"):
        verify(sign(claims(), stranger, kid="zz"), published(key))


@pytest.mark.parametrize("alg", ["HS256", "none"])
def test_symmetric_and_unsigned_tokens_are_refused(key, alg):
    if alg == "none":
        import base64
        import json

        def part(value: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

        raw = f"{part({'alg': 'none'})}.{part(claims())}."
    else:
        raw = sign(claims(), OctKey.import_key("a-client-secret-of-32-bytes-long"), alg=alg)
    with pytest.raises(InvalidIdToken, match="is not accepted"):
        verify(raw, published(key))


def test_an_algorithm_the_provider_does_not_advertise_is_refused(key):
    with pytest.raises(InvalidIdToken, match="is not accepted"):
        verify(sign(claims(), key), published(key), allowed_algs=("ES256",))


def test_tampered_payload_and_garbage_are_refused(key):
    header, payload, signature = sign(claims(), key).split(".")
    other_payload = sign(claims(sub="someone-else"), key).split(".")[1]
    with pytest.raises(InvalidIdToken, match="bad signature"):
        verify(f"{header}.{other_payload}.{signature}", published(key))
    with pytest.raises(InvalidIdToken, match="not a signed JWT"):
        verify("a.b.c.d.e", published(key))
    with pytest.raises(InvalidIdToken, match="malformed"):
        verify("not.a.jwt", published(key))


def test_at_hash_binds_the_access_token(key):
    raw = sign(claims(at_hash=token_hash("the-access-token", "RS256")), key)
    assert verify(raw, published(key), access_token="the-access-token")[0]["sub"]
    with pytest.raises(InvalidIdToken, match="at_hash"):
        verify(raw, published(key), access_token="another-access-token")


def test_at_hash_matches_the_spec_example():
    # OIDC Core §A.3 (response_type=id_token token) gives this pair.
    assert token_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256") == (
        "77QmUPtjPfzWtF2AnpK9RQ"
    )
