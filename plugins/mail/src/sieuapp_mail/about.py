"""The plugin's manifest and the channel it serves."""

from __future__ import annotations

from sieuapp.sdk import Channel, Manifest, Role, text

from .configuration import MailConfig

PLUGIN_ID = "mail"

CHANNEL = Channel("email", text("Thư điện tử", "E-mail"), "email")

MANIFEST = Manifest(
    id=PLUGIN_ID,
    name=text("Thư điện tử", "E-mail"),
    description=text(
        "Gửi thông báo và cảnh báo tới hộp thư của người dân qua máy chủ SMTP của tỉnh.",
        "Sends notifications and alerts to citizens' mailboxes through the province's SMTP server.",
    ),
    sdk_api=">=1.4,<2",
    # The host resolves each recipient's address itself; the plugin reads nothing about users.
    scopes=(),
    config_schema=MailConfig,
    # A transport, not a module citizens open: only the province's console deals with it.
    frontend=None,
    roles=(Role.PROVINCE_ADMIN,),
)
