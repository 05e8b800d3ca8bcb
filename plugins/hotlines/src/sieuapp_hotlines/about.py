"""The plugin's manifest: what the host, the console and the app frontend learn about it."""

from __future__ import annotations

from sieuapp.sdk import FrontendEntry, Manifest, Role, text

from .configuration import HotlinesConfig

PLUGIN_ID = "hotlines"

MANIFEST = Manifest(
    id=PLUGIN_ID,
    name=text("Đường dây nóng", "Hotlines"),
    description=text(
        "Số điện thoại khẩn cấp và dịch vụ công của tỉnh: chạm để gọi, lưu số yêu thích.",
        "Emergency and public-service numbers of the province: tap to call, keep favourites.",
    ),
    sdk_api=">=1.0,<2",
    # No scopes: the plugin reads nothing about a user, it only keeps the numbers they starred.
    scopes=(),
    config_schema=HotlinesConfig,
    frontend=FrontendEntry(route="/", icon="phone", category="public-safety"),
    # Everyone may see the numbers; the favourites endpoints ask for a signed-in user themselves.
    roles=(Role.ANONYMOUS,),
    migrations="sieuapp_hotlines:migrations",
)
