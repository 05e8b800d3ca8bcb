"""The demo's eKYC providers: SMS codes written to the log, identity checked against a file of
fictional people (``identity_registry.json``). A variable set in the environment wins, so the
demo can also be pointed at a real sender or registry."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

REGISTRY_FILE = Path(__file__).with_name("identity_registry.json")


def assurance_settings(environ: Mapping[str, str]) -> dict[str, object]:
    """Settings overrides for the demo, leaving out those the environment sets."""
    wanted: dict[str, object] = {
        "sms_development_log": True,
        "identity_registry_file": str(REGISTRY_FILE),
    }
    return {k: v for k, v in wanted.items() if f"SIEUAPP_{k.upper()}" not in environ}
