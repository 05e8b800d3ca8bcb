"""The two wire formats of GeoReport v2: XML (required by the spec) and JSON (the Spark
convention: the XML's lists become arrays, its leaves strings, numbers, booleans or null)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Response

from ...clock import ZONE

FORMATS = ("json", "xml")
MIME = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

#: The element each list's items are written as, by the list's own element name.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
# XML 1.0 cannot carry these at all, escaped or not; a description pasted from elsewhere may.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3c(moment: datetime | None) -> str | None:
    """``2025-06-01T08:30:00+07:00``: the w3 note's profile of ISO 8601, with its offset."""
    if moment is None:
        return None
    # In the province's own offset, as the spec's examples show a local one.
    return moment.astimezone(ZONE).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    _fill(node, name, value)


def _fill(node: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _element(node, key, item)
    elif isinstance(value, list | tuple):
        child = ITEMS.get(name, "item")
        for item in value:
            _element(node, child, item)
    else:
        node.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """``value`` under the element ``root``, UTF-8, with the XML declaration the spec asks for."""
    node = ET.Element(root)
    _fill(node, root, value)
    body = ET.tostring(node, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def render(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """``value`` as the format asked for; ``root`` names the XML document element (JSON has
    none: the spec's JSON is the content of the root)."""
    body = json.dumps(value, ensure_ascii=False).encode() if fmt == "json" else to_xml(root, value)
    return Response(body, status=status, content_type=MIME[fmt])
