"""One ``EmailMessage`` per outgoing message: a plain-text part and an HTML alternative."""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime
from html import escape
from typing import Any
from urllib.parse import urlsplit

from sieuapp.sdk import OutgoingMessage

#: What a delivery id may keep in a Message-ID; anything else becomes "-".
UNSAFE_ID = re.compile(r"[^A-Za-z0-9.\-_]")
ADDR_SPEC = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")


class BadAddress(ValueError):
    """The message's address is not a usable e-mail address."""


def recipient(address: Mapping[str, Any]) -> str:
    """The e-mail address of an ``OutgoingMessage``; raises ``BadAddress``."""
    value = address.get("email") if isinstance(address, Mapping) else None
    if not isinstance(value, str) or not ADDR_SPEC.match(value):
        raise BadAddress("no valid e-mail address")
    return value


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _web_link(link: str | None) -> str | None:
    if not link:
        return None
    return link if urlsplit(link).scheme in ("https", "http") else None


def _html(message: OutgoingMessage, link: str | None) -> str:
    paragraphs = [p for p in message.body.split("\n\n") if p.strip()]
    body = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    if link:
        body += f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
    return (
        f'<!doctype html><html lang="{escape(message.language)}"><head><meta charset="utf-8">'
        f"<title>{escape(_one_line(message.title))}</title></head>"
        f'<body><h1 style="font-size:1.2em">{escape(_one_line(message.title))}</h1>{body}'
        "</body></html>"
    )


def compose(
    message: OutgoingMessage, to: str, from_address: str, from_name: str | None
) -> EmailMessage:
    """The e-mail for ``message``, addressed to ``to``."""
    mail = EmailMessage()
    local, _, domain = from_address.rpartition("@")
    mail["From"] = Address(display_name=from_name or "", username=local, domain=domain)
    mail["To"] = to
    mail["Subject"] = _one_line(message.title)
    mail["Date"] = format_datetime(localtime())
    # Derived from the delivery id so a retry after a lost reply carries the same id and
    # receiving servers can drop the duplicate.
    mail["Message-ID"] = f"<sieuapp.{UNSAFE_ID.sub('-', message.id)}@{domain}>"
    # RFC 3834: auto-responders must not answer, so no vacation replies flood the sender.
    mail["Auto-Submitted"] = "auto-generated"
    link = _web_link(message.link)
    plain = message.body.rstrip() + (f"\n\n{link}" if link else "") + "\n"
    # Quoted-printable keeps the parts 7-bit: any relay takes them, 8BITMIME or not.
    mail.set_content(plain, cte="quoted-printable")
    mail.add_alternative(_html(message, link), subtype="html", cte="quoted-printable")
    # After the parts: set_content() drops every Content-* header already there.
    mail["Content-Language"] = message.language
    return mail
