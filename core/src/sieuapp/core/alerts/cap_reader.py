"""Reading a schema-valid CAP 1.2 document into the composer's JSON shape: which ``<info>`` is
the main text and which the English one, the shapes' text parsed, and what is not kept."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lxml import etree

NS = "urn:oasis:names:tc:emergency:cap:1.2"
Q = f"{{{NS}}}"

#: The compose shape's names of the ``<alert>`` elements.
ALERT_FIELDS = {
    "identifier": "identifier",
    "sender": "sender",
    "sent": "sent",
    "status": "status",
    "msg_type": "msgType",
    "source": "source",
    "scope": "scope",
    "restriction": "restriction",
    "addresses": "addresses",
    "note": "note",
    "references": "references",
}
#: The compose shape's names of the ``<info>`` elements (``*_en`` are the English block's).
INFO_FIELDS = {
    "category": "category",
    "event": "event",
    "response_type": "responseType",
    "urgency": "urgency",
    "severity": "severity",
    "certainty": "certainty",
    "effective": "effective",
    "onset": "onset",
    "expires": "expires",
    "sender_name": "senderName",
    "headline": "headline",
    "description": "description",
    "instruction": "instruction",
    "web": "web",
    "contact": "contact",
}
#: Texts that have an English twin (``event_en``...), written in the ``en-US`` block.
TRANSLATED = ("event", "headline", "description", "instruction")
AREA_FIELDS = {
    "area_desc": "areaDesc",
    "polygons": "polygon",
    "circles": "circle",
    "geocodes": "geocode",
    "communes": "geocode",
    "altitude": "altitude",
    "ceiling": "ceiling",
}
#: The elements CAP lets repeat, which a path names with their position.
REPEATED = frozenset(
    {"info", "area", "polygon", "circle", "geocode", "category", "responseType", "code"}
    | {"eventCode", "parameter", "resource"}
)
#: Elements of CAP this platform does not keep; an import says it dropped them.
UNKEPT = ("code", "incidents", "audience", "eventCode", "parameter", "resource")


class Reader:
    """One schema-valid document to the compose shape, gathering what cannot be read."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.problems: dict[str, list[str]] = {}
        #: The element path of the main (Vietnamese) and English ``<info>``.
        self.info_paths: dict[str, str] = {}
        self.dropped: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.setdefault(path, []).append(message)

    def read(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for field, name in ALERT_FIELDS.items():
            data[field] = text_of(self.root, name)
        if data["references"] is not None:
            data["references"] = " ".join(data["references"].split())
        infos = self.root.findall(Q + "info")
        for name in ("code", "incidents"):
            self.dropped += [f"alert/{name}"] * len(self.root.findall(Q + name))
        if not infos:
            self.fail("alert", "An alert needs an <info> block to be shown to anyone.")
            return data
        main, english = pick(infos)
        self.info_paths["main"] = f"alert/info[{infos.index(main) + 1}]"
        data.update(self._info(main, self.info_paths["main"]))
        if english is not None:
            self.info_paths["en"] = f"alert/info[{infos.index(english) + 1}]"
            self._english(data, english)
        for i, info in enumerate(infos, 1):
            if info is not main and info is not english:
                self.dropped.append(f"alert/info[{i}]")
        return data

    def _info(self, info: etree._Element, path: str) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for field, name in INFO_FIELDS.items():
            if field in ("category", "response_type"):
                data[field] = [n.text or "" for n in info.findall(Q + name)]
            else:
                data[field] = text_of(info, name)
        for field in TRANSLATED:
            data[f"{field}_en"] = None
        for name in UNKEPT[2:]:
            self.dropped += [f"{path}/{name}"] * len(info.findall(Q + name))
        data["areas"] = [
            self._area(area, f"{path}/area[{i}]")
            for i, area in enumerate(info.findall(Q + "area"), 1)
        ]
        return data

    def _english(self, data: dict[str, Any], info: etree._Element) -> None:
        # A text the English block repeats from the Vietnamese one is no translation: the
        # export writes the Vietnamese text there when no English one is kept.
        for field in TRANSLATED:
            text = text_of(info, field)
            data[f"{field}_en"] = None if text == data.get(field) else text
        for area, node in zip(data["areas"], info.findall(Q + "area"), strict=False):
            text = text_of(node, "areaDesc")
            area["area_desc_en"] = None if text == area["area_desc"] else text

    def _area(self, node: etree._Element, path: str) -> dict[str, Any]:
        area: dict[str, Any] = {
            "area_desc": text_of(node, "areaDesc") or "",
            "area_desc_en": None,
            "polygons": [],
            "circles": [],
            "geocodes": [],
            "altitude": _decimal(text_of(node, "altitude")),
            "ceiling": _decimal(text_of(node, "ceiling")),
        }
        for i, polygon in enumerate(node.findall(Q + "polygon"), 1):
            ring = self._points(polygon.text or "", f"{path}/polygon[{i}]")
            if ring is not None:
                area["polygons"].append(ring)
        for i, circle in enumerate(node.findall(Q + "circle"), 1):
            found = self._circle(circle.text or "", f"{path}/circle[{i}]")
            if found is not None:
                area["circles"].append(found)
        for code in node.findall(Q + "geocode"):
            area["geocodes"].append(
                {
                    "valueName": text_of(code, "valueName") or "",
                    "value": text_of(code, "value") or "",
                }
            )
        return area

    def _points(self, text: str, path: str) -> list[list[float]] | None:
        ring: list[list[float]] = []
        for pair in text.split():
            point = _floats(pair.split(","), 2)
            if point is None:
                self.fail(path, f"'{pair[:40]}' is not a 'lat,lon' pair of numbers.")
                return None
            ring.append(point)
        return ring

    def _circle(self, text: str, path: str) -> dict[str, float] | None:
        parts = text.split()
        centre = _floats(parts[0].split(","), 2) if len(parts) == 2 else None
        radius = _floats(parts[1:], 1) if centre is not None else None
        if centre is None or radius is None:
            self.fail(path, "A circle is written 'lat,lon radius' (radius in kilometres).")
            return None
        return {"lat": centre[0], "lon": centre[1], "radius_km": radius[0]}


def pick(infos: list[etree._Element]) -> tuple[etree._Element, etree._Element | None]:
    """The Vietnamese block (else the first) and an English one other than it, if any."""

    def language(info: etree._Element) -> str:
        return (text_of(info, "language") or "en-US").lower()

    main = next((i for i in infos if language(i).startswith("vi")), infos[0])
    english = next(
        (i for i in infos if i is not main and language(i).startswith("en")),
        None,
    )
    return main, english


def text_of(node: etree._Element, name: str) -> str | None:
    child = node.find(Q + name)
    if child is None:
        return None
    return (child.text or "").strip()


def _floats(parts: Iterable[str], count: int) -> list[float] | None:
    values = list(parts)
    if len(values) != count:
        return None
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        return None
    if any(n != n or n in (float("inf"), float("-inf")) for n in numbers):
        return None
    return numbers


def _decimal(text: str | None) -> float | None:
    return None if text is None else float(text)
