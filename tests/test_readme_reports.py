"""The README's Open311 line is the demo's: the same endpoint and api_key the demo registers."""

from __future__ import annotations

from pathlib import Path

from sieuapp.core.demo.open311 import API_KEY, CLIENT_NAME, ENDPOINT
from sieuapp.core.reports.open311.clients import KEY_PREFIX

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_readme_lists_the_demo_open311_key_and_endpoint():
    assert f"| `http://127.0.0.1:8000{ENDPOINT}/` (`jurisdiction_id=hue`) | `{API_KEY}` |" in README
    assert f"api_key={API_KEY}" in README
    assert CLIENT_NAME in README


def test_the_demo_key_looks_like_every_other_key():
    # Secret scanners and people recognise a leaked key by its prefix.
    assert API_KEY.startswith(KEY_PREFIX)
