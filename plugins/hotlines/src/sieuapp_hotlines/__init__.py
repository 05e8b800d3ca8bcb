"""Hotlines (Đường dây nóng): the emergency and public-service numbers of the province, with
a citizen's favourites. The first-party reference plugin: it uses only ``sieuapp.sdk``.

The host registers this module with pluggy (entry point ``hotlines`` in the group
``sieuapp.plugins``), so the hook implementations must be attributes of this module."""

from .hooks import erase_user_data, export_user_data, health, manifest, routes

__all__ = ["erase_user_data", "export_user_data", "health", "manifest", "routes"]
