"""CAP 1.2 XML: what we write validates against the official XSD; what breaks a rule is refused
with the element named; hostile documents are refused; reading gives the composer's shape."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from sieuapp.core.alerts import cap_xml, compose
from sieuapp.core.alerts.models import Alert
from sieuapp.core.alerts.rules import problems as rule_problems
from sqlalchemy.orm import selectinload

from .cap_support import CAP, RING, area, data, demo_alerts, insert_after, make_alert, mutate

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")


def export(platform, alert_id: int) -> bytes:
    with platform.context() as session:
        alert = session.get(Alert, alert_id, options=[selectinload(Alert.areas)])
        return cap_xml.to_xml(alert)


@pytest.fixture
def flood(platform) -> bytes:
    """The CAP document of a published two-language flood warning with a polygon."""
    return export(platform, make_alert(platform, data()))


def test_every_kind_of_alert_validates_against_the_official_schema(platform):
    made = demo_alerts(platform)
    official = etree.XMLSchema(etree.parse(str(cap_xml.XSD)))
    for name, alert_id in made.items():
        xml = export(platform, alert_id)
        root = etree.fromstring(xml)
        assert official.validate(root), (name, official.error_log)
        assert cap_xml.validate(xml) == [], name
        for node in root.iter(CAP + "sent", CAP + "onset", CAP + "expires", CAP + "effective"):
            assert TIME.match(node.text), (name, node.text)
    # The order of elements is the schema's; a shuffled one is refused by that same schema.
    xml = export(platform, made["everything"])
    root = etree.fromstring(xml)
    assert [etree.QName(n).localname for n in root][:4] == [
        "identifier",
        "sender",
        "sent",
        "status",
    ]
    sent = root.find(CAP + "sent")
    root.remove(sent)
    root.append(sent)
    assert not official.validate(root)


def test_languages_shapes_geocodes_and_references_are_written(platform):
    made = demo_alerts(platform)
    polygon_only = etree.fromstring(export(platform, made["polygon"]))
    assert [i.findtext(CAP + "language") for i in polygon_only.iter(CAP + "info")] == ["vi-VN"]
    everything = etree.fromstring(export(platform, made["everything"]))
    infos = everything.findall(CAP + "info")
    assert [i.findtext(CAP + "language") for i in infos] == ["vi-VN", "en-US"]
    assert infos[0].findtext(CAP + "headline") == "Cảnh báo lũ trên sông Hương"
    assert infos[1].findtext(CAP + "headline") == "Flood warning on the Perfume River"
    assert infos[1].findtext(f"{CAP}area/{CAP}areaDesc") == "Phu Vang coast"
    first = infos[0].find(CAP + "area")
    assert first.findtext(CAP + "polygon") == " ".join(f"{lat},{lon}" for lat, lon in RING)
    assert first.findtext(CAP + "circle") == "16.5,107.7 1"
    second = infos[0].findall(CAP + "area")[1]
    assert second.findtext(f"{CAP}geocode/{CAP}valueName") == "VN-ADMIN"
    assert (second.findtext(CAP + "altitude"), second.findtext(CAP + "ceiling")) == ("0", "1500")
    assert everything.findtext(CAP + "source") == "Đài Khí tượng Thủy văn Huế"

    updated = etree.fromstring(export(platform, made["updated"]))
    original = etree.fromstring(export(platform, made["superseded"]))
    assert updated.findtext(CAP + "msgType") == "Update"
    triple = ",".join(original.findtext(CAP + n) for n in ("sender", "identifier", "sent"))
    assert updated.findtext(CAP + "references") == triple
    cancelled = etree.fromstring(export(platform, made["cancelled"]))
    assert cancelled.findtext(CAP + "msgType") == "Cancel"
    assert cancelled.findtext(CAP + "note") == "Nước đã rút."


BROKEN = [
    # (what is changed, element path expected in the answer)
    (lambda x: mutate(x, "identifier", "vn hue 1"), "alert/identifier"),
    (lambda x: mutate(x, "sender", "ioc,hue"), "alert/sender"),
    (lambda x: mutate(x, "sent", "2026-03-02T09:00:00.5+07:00"), "alert/sent"),
    (lambda x: mutate(x, "sent", "2026-03-02T09:00:00"), "alert/sent"),
    (lambda x: mutate(x, "info/urgency", "Now"), "alert/info[1]/urgency"),
    (lambda x: mutate(x, "info/category", "Weather"), "alert/info[1]/category[1]"),
    (lambda x: mutate(x, "scope", "Restricted"), "alert/restriction"),
    (lambda x: mutate(x, "msgType", "Update"), "alert/references"),
    (
        lambda x: mutate(x, "info/area/polygon", "16.42,107.68 16.52,107.68 16.52,107.8"),
        "alert/info[1]/area[1]/polygon[1]",
    ),
    (
        lambda x: mutate(x, "info/area/polygon", "16.42,107.68 16.52,107.68 16.42,107.68"),
        "alert/info[1]/area[1]/polygon[1]",
    ),
    (
        lambda x: mutate(
            x, "info/area/polygon", "96.42,107.68 16.52,107.68 16.52,107.8 96.42,107.68"
        ),
        "alert/info[1]/area[1]/polygon[1]",
    ),
    (
        lambda x: mutate(x, "info/area/polygon", "16.42;107.68 16.52,107.68"),
        "alert/info[1]/area[1]/polygon[1]",
    ),
    (
        lambda x: insert_after(x, "info/area/polygon", "circle", "16.46,107.59 -1"),
        "alert/info[1]/area[1]/circle[1]",
    ),
    (
        lambda x: insert_after(x, "info/area/polygon", "circle", "16.46 107.59 2"),
        "alert/info[1]/area[1]/circle[1]",
    ),
    (
        lambda x: insert_after(x, "info/certainty", "onset", "2099-12-31T00:00:00+07:00"),
        "alert/info[1]/expires",
    ),
    # The schema names where it expected the missing <event>: at the element after it.
    (lambda x: mutate(x, "info/event", remove=True), "alert/info[1]/responseType[1]"),
]


@pytest.mark.parametrize(("change", "path"), BROKEN)
def test_a_document_breaking_a_rule_is_refused_naming_the_element(platform, change, path):
    with platform.context() as session:
        alert = session.get(Alert, make_alert(platform, data(expires="2099-01-01T00:00:00+07:00")))
        xml = cap_xml.to_xml(alert)
    assert cap_xml.validate(xml) == []
    broken = change(xml)
    found = cap_xml.problems(broken)
    assert path in found, found
    assert any(line.startswith(f"{path}: ") for line in cap_xml.validate(broken))
    with pytest.raises(cap_xml.CapError) as refused:
        cap_xml.parse(broken)
    assert path in refused.value.problems


def test_a_document_type_declaration_and_entities_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    external = (
        f'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier>'
        "</alert>"
    ).encode()
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&c;</identifier>'
        b"</alert>"
    )
    for hostile in (external, laughs):
        with pytest.raises(cap_xml.CapError) as refused:
            cap_xml.parse(hostile)
        assert "TOP-SECRET" not in str(refused.value)
        assert "DTD" in " ".join(refused.value.problems["alert"])


def test_empty_malformed_foreign_and_huge_documents_are_refused():
    assert cap_xml.problems(b"")["alert"]
    assert "well-formed" in cap_xml.problems(b"<alert")["alert"][0]
    assert "root element" in cap_xml.problems(b"<alert/>")["alert"][0]
    huge = b"<alert>" + b" " * cap_xml.MAX_BYTES + b"</alert>"
    assert "larger" in cap_xml.problems(huge)["alert"][0]


def test_reading_gives_the_composer_shape_that_makes_the_same_alert(platform, flood):
    read = cap_xml.parse(flood)
    assert read["msg_type"] == "Alert" and read["references"] is None
    assert TIME.match(read["sent"])
    assert read["category"] == ["Met", "Safety"]
    assert read["response_type"] == ["Evacuate", "Monitor"]
    assert read["headline_en"] == "Flood warning on the Perfume River"
    assert read["areas"][0]["polygons"] == [RING]
    assert read["areas"][0]["area_desc_en"] == "Phu Vang coast"
    composer = {k: v for k, v in read.items() if k in compose.ALERT_FIELDS and v is not None}
    composer["areas"] = [{k: v for k, v in a.items() if v is not None} for a in read["areas"]]
    loaded = compose.load(composer)
    assert rule_problems(loaded) == {}
    assert loaded["instruction_en"] == "Move to higher ground."


def test_elements_not_kept_are_reported(flood):
    with_code = insert_after(flood, "scope", "code", "IPAWSv1.0")
    with_parameter = insert_after(with_code, "info/contact", "parameter", "")
    root = etree.fromstring(with_parameter)
    parameter = root.find(f"{CAP}info/{CAP}parameter")
    etree.SubElement(parameter, CAP + "valueName").text = "EAS-ORG"
    etree.SubElement(parameter, CAP + "value").text = "WXR"
    document = cap_xml.read(etree.tostring(root))
    assert document.dropped == ["alert/code", "alert/info[1]/parameter"]


def test_english_block_alone_is_read_as_the_main_text(flood):
    root = etree.fromstring(flood)
    root.remove(root.find(CAP + "info"))
    read = cap_xml.parse(etree.tostring(root))
    assert read["headline"] == "Flood warning on the Perfume River"
    assert read["headline_en"] is None


def test_values_are_written_in_plain_decimals():
    assert cap_xml.number(0.00001) == "0.00001"
    assert cap_xml.number(-0.0) == "0"
    assert cap_xml.number(107.5) == "107.5"
    assert cap_xml.number(1500) == "1500"
    alert = Alert(
        identifier="a",
        sender="b",
        status="Actual",
        msg_type="Alert",
        scope="Public",
        category="Geo",
        event="Động đất",
        urgency="Past",
        severity="Minor",
        certainty="Observed",
        response_type="",
    )
    alert.event_en = alert.headline_en = alert.description_en = alert.instruction_en = ""
    alert.areas = []
    from sieuapp.core.alerts.models import AlertArea

    alert.areas.append(
        AlertArea(area_desc="x", polygons=[], circles=[{"lat": 1e-5, "lon": 2, "radius_km": 3}])
    )
    xml = cap_xml.to_xml(alert)
    assert b"<circle>0.00001,2 3</circle>" in xml
    assert cap_xml.schema().validate(etree.fromstring(xml))


def test_a_draft_exports_as_if_sent_now(platform):
    alert_id = make_alert(platform, data(area(polygons=[RING])), publish=False)
    xml = export(platform, alert_id)
    assert TIME.match(etree.fromstring(xml).findtext(CAP + "sent"))
    assert cap_xml.validate(xml) == []
