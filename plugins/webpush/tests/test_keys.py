"""Key generation for an admin and for the demo: what it prints is a pair that works."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sieuapp_webpush.configuration import WebPushConfig, push_settings
from sieuapp_webpush.keys import (
    InvalidKey,
    b64url_encode,
    demo_config,
    load_private_key,
    private_pem,
    public_key_of,
)


def test_the_command_prints_a_private_key_and_its_public_key():
    result = subprocess.run(
        [sys.executable, "-m", "sieuapp_webpush.keys"], capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    begin, end = (
        lines.index("-----BEGIN PRIVATE KEY-----"),
        lines.index("-----END PRIVATE KEY-----"),
    )
    key = load_private_key("\n".join(lines[begin : end + 1]))
    assert isinstance(key.curve, ec.SECP256R1)
    public = [line for line in lines[end + 1 :] if line and not line.startswith("#")]
    assert public == [public_key_of(key)]


def test_two_runs_make_two_keys():
    outputs = {
        subprocess.run(
            [sys.executable, "-m", "sieuapp_webpush.keys"], capture_output=True, text=True
        ).stdout
        for _ in range(2)
    }
    assert len(outputs) == 2


def test_the_demo_config_is_valid_and_usable():
    config = WebPushConfig().load(demo_config())
    settings = push_settings(config)
    assert settings is not None
    assert settings.subject == "mailto:ioc@hue.gov.vn"
    assert settings.public_key == public_key_of(load_private_key(config["vapid_private_key"]))


@pytest.mark.parametrize("text", ["", "   ", "-----BEGIN EC PRIVATE KEY-----\n-----END", "%%%"])
def test_unreadable_keys_are_refused_without_echoing_them(text):
    with pytest.raises(InvalidKey) as caught:
        load_private_key(text)
    assert text.strip() == "" or text not in str(caught.value)


def test_every_documented_form_reads_to_the_same_key():
    key = ec.generate_private_key(ec.SECP256R1())
    sec1 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    forms = [private_pem(key), sec1, b64url_encode(der), b64url_encode(raw)]
    assert {public_key_of(load_private_key(form)) for form in forms} == {public_key_of(key)}
