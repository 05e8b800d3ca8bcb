"""The plugin's manifest and the channel it serves."""

from __future__ import annotations

from sieuapp.sdk import Channel, Manifest, Role, text

from .configuration import GatewayConfig

PLUGIN_ID = "smsgateway"

CHANNEL = Channel("sms", text("Tin nhắn SMS", "Text message (SMS)"), "phone")

MANIFEST = Manifest(
    id=PLUGIN_ID,
    name=text("Cổng tin nhắn SMS", "SMS gateway"),
    description=text(
        "Gửi thông báo, cảnh báo và mã xác minh qua cổng SMS của tỉnh.",
        "Sends notifications, alerts and verification codes through the province's SMS gateway.",
    ),
    sdk_api=">=1.4,<2",
    # The host resolves each recipient's verified phone itself; the plugin reads nothing else.
    scopes=(),
    config_schema=GatewayConfig,
    # A transport, not a module citizens open: only the province's console deals with it.
    frontend=None,
    roles=(Role.PROVINCE_ADMIN,),
)
