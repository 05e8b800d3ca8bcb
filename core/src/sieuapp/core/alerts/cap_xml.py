"""OASIS CAP 1.2 as XML: write an alert, check a document against the official schema and the
rules the schema leaves out, and read a document back into the compose JSON shape.

Documents come from other authorities' systems, so reading is defensive: no DTD, no entity,
no network, a size limit, and every refusal names the element at fault
(``alert/info[1]/area[2]/polygon[1]``, positions counted from 1 as in XPath)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from .. import clock
from . import rules
from .cap_reader import (
    ALERT_FIELDS,
    AREA_FIELDS,
    INFO_FIELDS,
    NS,
    REPEATED,
    TRANSLATED,
    Reader,
)
from .cap_reader import Q as _Q
from .models import Alert, AlertArea
from .rules import cap_time

MEDIA_TYPE = "application/cap+xml"
#: Real alerts are a few kilobytes; polygons of a whole coastline stay well under this.
MAX_BYTES = 1024 * 1024
XSD = Path(__file__).with_name("xsd") / "cap-1.2.xsd"
VI, EN = "vi-VN", "en-US"
# XML 1.0 cannot carry these at all, escaped or not; a text pasted from elsewhere may.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class CapError(ValueError):
    """A document that cannot be read: ``problems`` maps element paths to messages."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{p}: {m}" for p, ms in problems.items() for m in ms))
        self.problems = problems


# -- writing ----------------------------------------------------------------------------------


def number(value: float) -> str:
    """A coordinate or distance in plain decimal (never ``1e-05``), to about a centimetre."""
    text = f"{float(value):.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _clean(value: Any) -> str:
    return _NOT_XML.sub("", str(value))


def _add(parent: etree._Element, name: str, value: Any) -> etree._Element | None:
    if value is None or value == "":
        return None
    node = etree.SubElement(parent, _Q + name)
    node.text = _clean(value)
    return node


def _pair(parent: etree._Element, name: str, value_name: str, value: str) -> None:
    node = etree.SubElement(parent, _Q + name)
    _add(node, "valueName", value_name)
    etree.SubElement(node, _Q + "value").text = _clean(value)


def _area(info: etree._Element, area: AlertArea, english: bool) -> None:
    node = etree.SubElement(info, _Q + "area")
    desc = (area.area_desc_en or area.area_desc) if english else area.area_desc
    etree.SubElement(node, _Q + "areaDesc").text = _clean(desc)
    for ring in area.polygons or []:
        _add(node, "polygon", " ".join(f"{number(p[0])},{number(p[1])}" for p in ring))
    for c in area.circles or []:
        _add(node, "circle", f"{number(c['lat'])},{number(c['lon'])} {number(c['radius_km'])}")
    for code in area.geocodes or []:
        _pair(node, "geocode", code["valueName"], code["value"])
    if area.altitude is not None:
        _add(node, "altitude", number(area.altitude))
        if area.ceiling is not None:
            _add(node, "ceiling", number(area.ceiling))


def _info(root: etree._Element, alert: Alert, english: bool) -> None:
    info = etree.SubElement(root, _Q + "info")
    _add(info, "language", EN if english else VI)
    for category in alert.category.split():
        _add(info, "category", category)

    def text(name: str) -> str:
        own = getattr(alert, name)
        return (getattr(alert, f"{name}_en") or own) if english else own

    _add(info, "event", text("event"))
    for response in (alert.response_type or "").split():
        _add(info, "responseType", response)
    for name in ("urgency", "severity", "certainty"):
        _add(info, name, getattr(alert, name))
    for name in ("effective", "onset", "expires"):
        moment = getattr(alert, name)
        _add(info, name, cap_time(moment) if moment else None)
    _add(info, "senderName", alert.sender_name)
    for name in ("headline", "description", "instruction"):
        _add(info, name, text(name))
    _add(info, "web", alert.web)
    _add(info, "contact", alert.contact)
    for area in alert.areas:
        _area(info, area, english)


def has_english(alert: Alert) -> bool:
    """Whether the alert carries English texts, and so a second ``<info>`` block."""
    return any(getattr(alert, f"{name}_en") for name in TRANSLATED)


def to_xml(alert: Alert) -> bytes:
    """The alert as a CAP 1.2 document, UTF-8 with its declaration. A draft has not been sent;
    it is written as if sent now, for a preview."""
    root = etree.Element(_Q + "alert", nsmap={None: NS})
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", cap_time(alert.sent or clock.now()))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "source", alert.source)
    _add(root, "scope", alert.scope)
    _add(root, "restriction", alert.restriction)
    _add(root, "addresses", alert.addresses)
    _add(root, "note", alert.note)
    _add(root, "references", alert.references)
    _info(root, alert, english=False)
    if has_english(alert):
        _info(root, alert, english=True)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- reading ----------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    # No entity is expanded and nothing is fetched: a document cannot read our files (XXE) or
    # reach another host, and a DTD is refused outright below.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


@cache
def schema() -> etree.XMLSchema:
    """The official CAP 1.2 schema, loaded once per process."""
    return etree.XMLSchema(etree.parse(str(XSD), _parser()))


def _document(xml: bytes) -> etree._Element:
    if not xml or not xml.strip():
        raise CapError({"alert": ["The document is empty."]})
    if len(xml) > MAX_BYTES:
        raise CapError({"alert": [f"The document is larger than {MAX_BYTES} bytes."]})
    try:
        tree = etree.fromstring(xml, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise CapError({"alert": [f"Not well-formed XML: {exc.msg}"]}) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise CapError({"alert": ["A document type declaration (DTD) is not accepted."]})
    root = tree.getroot()
    if root.tag != _Q + "alert":
        raise CapError({_local(root.tag): [f"The root element must be <alert> in {NS}."]})
    return root


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else str(tag)


def element_path(node: etree._Element) -> str:
    """``alert/info[2]/area[1]/polygon[3]``: each step's name, and for an element CAP lets
    repeat its position among its same-named siblings, counted from 1."""
    steps: list[str] = []
    while node is not None:
        parent = node.getparent()
        name = _local(node.tag)
        if parent is None or name not in REPEATED:
            steps.append(name)
        else:
            same = [n for n in parent if n.tag == node.tag]
            steps.append(f"{name}[{same.index(node) + 1}]")
        node = parent
    return "/".join(reversed(steps))


def _xsd_path(root: etree._Element, path: str | None) -> str:
    # libxml2 names the element with a positional XPath from the document (``/*/*[7]/*[6]``).
    try:
        found = root.getroottree().xpath("/" + path.lstrip("/")) if path else []
    except etree.XPathError:
        found = []
    return element_path(found[0]) if found and isinstance(found[0], etree._Element) else "alert"


def _xsd_problems(root: etree._Element) -> dict[str, list[str]]:
    checker = schema()
    if checker.validate(root):
        return {}
    problems: dict[str, list[str]] = {}
    for entry in checker.error_log:
        message = entry.message.replace(_Q, "")
        where = _xsd_path(root, entry.path)
        problems.setdefault(where, []).append(f"{message} (line {entry.line})")
    return problems


def validate(xml: bytes) -> list[str]:
    """Every problem of a CAP document (``path: message``): schema first, then the CAP rules
    the schema does not enforce. Empty when the document is valid."""
    return [f"{path}: {m}" for path, messages in problems(xml).items() for m in messages]


def problems(xml: bytes) -> dict[str, list[str]]:
    """:func:`validate`, by element path."""
    try:
        parse(xml)
    except CapError as exc:
        return exc.problems
    return {}


@dataclass(frozen=True)
class CapDocument:
    """A valid document read: ``data`` in the compose shape plus the ``<alert>`` fields, the
    element paths of the ``<info>`` blocks read (``main``, ``en``), and the paths dropped."""

    data: dict[str, Any]
    info_paths: dict[str, str]
    dropped: list[str]

    def element_path(self, field: str) -> str:
        """Where the compose field ``field`` came from in this document."""
        return element_path_of(field, self.info_paths)


def read(xml: bytes) -> CapDocument:
    """A CAP document checked (schema, then the CAP rules) and read; raises
    :class:`CapError` naming each element at fault."""
    root = _document(xml)
    found = _xsd_problems(root)
    if found:
        raise CapError(found)
    reader = Reader(root)
    data = reader.read()
    if reader.problems:
        raise CapError(reader.problems)
    document = CapDocument(data, reader.info_paths, reader.dropped)
    rule_problems: dict[str, list[str]] = {}
    for field, messages in rules.problems(data).items():
        rule_problems.setdefault(document.element_path(field), []).extend(messages)
    if rule_problems:
        raise CapError(rule_problems)
    return document


def parse(xml: bytes) -> dict[str, Any]:
    """A valid CAP document in the compose JSON shape, plus ``identifier``, ``sender``,
    ``sent``, ``msg_type`` and ``references``; raises :class:`CapError` naming each element
    at fault. Absent optional elements are None."""
    return read(xml).data


# -- compose field paths as element paths ---------------------------------------------------


_AREA = re.compile(r"^areas\[(\d+)\](?:\.(\w+)(?:\[(\d+)\])?)?")


def element_path_of(field: str, info_paths: dict[str, str]) -> str:
    """A compose field path (``areas[0].polygons[1]``) as the element path of the document it
    was read from (``alert/info[1]/area[1]/polygon[2]``)."""
    main = info_paths.get("main", "alert/info[1]")
    head = field.split(".", 1)[0].split("[", 1)[0]
    if head in ALERT_FIELDS:
        return f"alert/{ALERT_FIELDS[head]}"
    base = head.removesuffix("_en")
    if base in TRANSLATED and head != base:
        return f"{info_paths.get('en', main)}/{base}"
    if head in INFO_FIELDS:
        index = re.match(r"^\w+\[(\d+)\]", field)
        suffix = f"[{int(index.group(1)) + 1}]" if index else ""
        return f"{main}/{INFO_FIELDS[head]}{suffix}"
    match = _AREA.match(field)
    if match:
        area_index, name, item = match.groups()
        path = f"{main}/area[{int(area_index) + 1}]"
        if name:
            element = AREA_FIELDS.get(name.removesuffix("_en"), name)
            path += f"/{element}" + (f"[{int(item) + 1}]" if item else "")
        return path
    return f"alert/{field}" if field not in ("", "_schema") else "alert"
