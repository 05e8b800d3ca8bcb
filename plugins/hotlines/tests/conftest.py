from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

CONFIG_URL = "/api/v1/admin/plugins/hotlines/config"

#: A province's configuration as an admin would send it; the IOC number is Huế's published one.
HUE_CONFIG: dict[str, Any] = {
    "entries": [
        {
            "name": {"vi": "Tổng đài Hue-S", "en": "Hue-S call centre"},
            "number": "1900 1075",
            "category": "public-service",
        },
        {
            "name": {"vi": "Trực ban Sở Y tế", "en": "Department of Health duty desk"},
            "number": "+84 905 123 456",
            "category": "health",
        },
    ],
    "callback_api_token": "s3cret-token-for-the-callback-gateway",
}


@pytest.fixture
def sieuapp_plugins() -> list[str]:
    return ["hotlines"]


@pytest.fixture
def configured(configure_plugin: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    response = configure_plugin(HUE_CONFIG)
    assert response.status_code == 200, response.get_json()
    return HUE_CONFIG
