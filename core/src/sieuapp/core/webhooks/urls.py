"""Which URLs the platform agrees to POST to.

A webhook URL is chosen by a partner and called from inside our network: unchecked, it would
let anyone who can register an endpoint reach internal services (server-side request forgery).
So only https URLs whose host is a public address are called, checked when the endpoint is
registered and again, against what the name resolves to, before every request. Loopback,
private and link-local addresses (and plain http on loopback) are for development and tests,
with ``SIEUAPP_WEBHOOK_ALLOW_LOCAL``."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

URL_MAX = 2000
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
LOOPBACK_NAMES = frozenset({"localhost"})


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _plain(address: Address) -> Address:
    # ::ffff:10.0.0.1 reaches 10.0.0.1: judge it as that.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_loopback_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    address = literal_address(host)
    return address is not None and _plain(address).is_loopback


def address_refused(address: Address, allow_local: bool) -> str | None:
    """Why the platform will not connect to ``address``, or None when it may."""
    address = _plain(address)
    if address.is_multicast or address.is_unspecified:
        return f"{address} is a multicast or unspecified address"
    if address.is_global or allow_local:
        return None
    return f"{address} is not a public address (loopback, private, link-local or reserved)"


def url_problems(url: str, allow_local: bool) -> list[str]:
    """What is wrong with ``url`` as a webhook endpoint; empty when nothing is."""
    if len(url) > URL_MAX:
        return [f"At most {URL_MAX} characters."]
    if url != url.strip() or any(ord(c) < 33 or ord(c) == 127 for c in url):
        return ["A URL has no spaces or control characters."]
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError:
        return ["Not a valid URL."]
    del port
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return ["Use an absolute https:// URL."]
    if parts.username is not None or parts.password is not None:
        return ["Put no credentials in the URL: the signature tells the receiver it is us."]
    if parts.fragment:
        return ["A fragment (#...) is never sent; leave it out."]
    host = parts.hostname
    loopback = is_loopback_host(host)
    if loopback and not allow_local:
        return ["Loopback hosts are refused (SIEUAPP_WEBHOOK_ALLOW_LOCAL is off)."]
    if parts.scheme == "http" and not loopback:
        return ["Use https://; plain http is accepted only for loopback hosts in development."]
    address = literal_address(host)
    if address is not None:
        refused = address_refused(address, allow_local)
        if refused is not None:
            return [f"Refused: {refused}."]
    return []
