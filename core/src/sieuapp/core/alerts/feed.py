"""The Atom 1.0 feed (RFC 4287) of a province's current alerts, each entry linking to its CAP
document, as alert aggregators (Google Public Alerts, the WMO register) read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from .models import Alert
from .rules import cap_time

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
_A = f"{{{ATOM}}}"


def _add(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> None:
    node = etree.SubElement(parent, _A + name, attrs)
    if text is not None:
        node.text = text


def entry_id(alert: Alert) -> str:
    """A permanent IRI for the message: CAP's sender and identifier name it uniquely."""
    return f"urn:cap:{alert.sender}:{alert.identifier}"


def cap_href(base_url: str, alert: Alert) -> str:
    """Where the alert's CAP document is served."""
    return f"{base_url.rstrip('/')}/cap/alerts/{alert.identifier}.xml"


def build(
    alerts: Sequence[Alert],
    *,
    base_url: str,
    title: str,
    author: str,
    updated: datetime,
    english: bool = False,
) -> bytes:
    """The feed of ``alerts`` (newest first); ``updated`` is the newest change, or now for an
    empty feed so that readers see it was looked at."""
    feed = etree.Element(_A + "feed", nsmap={None: ATOM})
    base = base_url.rstrip("/")
    _add(feed, "id", f"{base}/cap/feed.atom")
    _add(feed, "title", title)
    _add(feed, "updated", cap_time(updated))
    _add(feed, "link", rel="self", type=MEDIA_TYPE, href=f"{base}/cap/feed.atom")
    author_node = etree.SubElement(feed, _A + "author")
    _add(author_node, "name", author)
    for alert in alerts:
        entry = etree.SubElement(feed, _A + "entry")
        _add(entry, "id", entry_id(alert))
        headline = (alert.headline_en if english else "") or alert.headline or alert.event
        _add(entry, "title", headline)
        _add(entry, "updated", cap_time(alert.sent or alert.updated_at))
        if alert.sent is not None:
            _add(entry, "published", cap_time(alert.sent))
        summary = (alert.description_en if english else "") or alert.description or headline
        _add(entry, "summary", summary)
        _add(entry, "category", term=alert.msg_type)
        _add(entry, "link", rel="alternate", type="application/cap+xml", href=cap_href(base, alert))
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
