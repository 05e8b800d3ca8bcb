"""What a browser fetches to subscribe: the public key, and the service worker."""

from __future__ import annotations

import base64

PUBLIC_KEY_URL = "/m/webpush/vapid-public-key"
WORKER_URL = "/m/webpush/sw.js"


def test_the_public_key_is_the_uncompressed_point(anonymous_client, configured, vapid_pair):
    response = anonymous_client.get(PUBLIC_KEY_URL)
    assert response.status_code == 200
    key = response.get_json()["publicKey"]
    assert key == vapid_pair[1]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4
    assert "=" not in key


def test_without_a_key_the_public_key_is_404_in_the_callers_language(anonymous_client):
    response = anonymous_client.get(PUBLIC_KEY_URL)
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
    assert "chưa được cấu hình" in response.get_json()["message"]
    english = anonymous_client.get(PUBLIC_KEY_URL, headers={"Accept-Language": "en"})
    assert "not configured" in english.get_json()["message"]


def test_the_service_worker(anonymous_client):
    response = anonymous_client.get(WORKER_URL)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    source = response.get_data(as_text=True)
    for needed in (
        "addEventListener('push'",
        "showNotification(",
        "requireInteraction: Boolean(message.critical)",
        "addEventListener('notificationclick'",
        "openWindow(",
    ):
        assert needed in source


def test_the_routes_are_off_when_the_module_is_disabled(sieuapp_platform, anonymous_client):
    sieuapp_platform.disable("webpush")
    assert anonymous_client.get(WORKER_URL).status_code == 404
    assert anonymous_client.get(PUBLIC_KEY_URL).status_code == 404
