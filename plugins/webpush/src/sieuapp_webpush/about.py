"""The plugin's manifest: a delivery channel, not a service on the home screen."""

from __future__ import annotations

from sieuapp.sdk import Manifest, Role, text

from .configuration import WebPushConfig

PLUGIN_ID = "webpush"

MANIFEST = Manifest(
    id=PLUGIN_ID,
    name=text("Thông báo đẩy", "Web Push"),
    description=text(
        "Gửi thông báo và cảnh báo của tỉnh tới trình duyệt và điện thoại (Web Push, VAPID).",
        "Delivers the province's notifications and alerts to browsers and phones "
        "(Web Push, VAPID).",
    ),
    sdk_api=">=1.3,<2",
    # The host resolves each recipient's subscription; the plugin reads nothing else of a user.
    scopes=(),
    config_schema=WebPushConfig,
    frontend=None,
    # The public key and the service worker are fetched before anyone signs in.
    roles=(Role.ANONYMOUS,),
)
