"""Importing CAP 1.2: roles, media type, every refusal naming its element and writing nothing,
drafts or immediate publication keeping ``sent``, duplicates, chains, and the round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sieuapp.core.alerts import cap_xml
from sieuapp.core.alerts.models import Alert, AlertTarget
from sieuapp.core.audit.models import AuditEntry
from sqlalchemy import func, select

from .cap_support import (
    CAP,
    RING,
    add_tenant,
    area,
    communes,
    count,
    data,
    insert_after,
    make_alert,
    mutate,
)

URL = "/api/v1/alerts/import"
XML = "application/cap+xml"


def export(platform, alert_id: int, slug: str = "hue") -> bytes:
    with platform.context(slug) as session:
        return cap_xml.to_xml(session.get(Alert, alert_id))


@pytest.fixture
def foreign(platform) -> bytes:
    """A flood warning issued by Đà Nẵng's system, to import into Huế."""
    add_tenant(platform)
    alert_id = make_alert(
        platform,
        data(
            area(
                polygons=[RING],
                circles=[{"lat": 16.46, "lon": 107.59, "radius_km": 2.5}],
                geocodes=[{"valueName": "EMMA_ID", "value": "VN046"}],
            ),
            onset="2026-03-02T09:00:00+07:00",
            expires="2099-03-03T09:00:00+07:00",
        ),
        slug="danang",
    )
    return export(platform, alert_id, "danang")


def post(platform, body: bytes, role: str = "ioc_operator", query: str = "", **kw):
    return platform.client(role).post(URL + query, data=body, content_type=kw.get("type", XML))


def test_only_the_ioc_and_the_admin_import(platform, foreign):
    before = count(platform)
    for role in ("citizen", "official", "partner_staff"):
        assert post(platform, foreign, role).status_code == 403
    assert platform.client().post(URL, data=foreign, content_type=XML).status_code == 401
    assert count(platform) == before
    assert post(platform, foreign, "province_admin").status_code == 201


def test_the_body_must_be_cap_xml(platform, foreign):
    before = count(platform)
    answer = post(platform, foreign, type="application/json")
    assert answer.status_code == 415
    assert set(answer.json) == {"code", "message", "errors"}
    assert count(platform) == before


def test_import_makes_a_draft_keeping_identifier_and_sender(platform, foreign):
    answer = post(platform, foreign)
    assert answer.status_code == 201, answer.json
    body = answer.json
    source = etree.fromstring(foreign)
    assert body["identifier"] == source.findtext(CAP + "identifier")
    assert body["sender"] == source.findtext(CAP + "sender")
    assert body["state"] == "draft" and body["cap_url"] is None and body["dropped"] == []
    with platform.context() as session:
        alert = session.get(Alert, body["id"])
        assert (alert.origin, alert.sent, alert.headline_en) == (
            "imported",
            None,
            "Flood warning on the Perfume River",
        )
        assert alert.areas[0].polygons == [RING]
        assert (
            session.scalar(
                select(AuditEntry.action).where(AuditEntry.target == f"alert:{alert.id}")
            )
            == "alert.imported"
        )
    # A draft is not public.
    assert platform.client().get(f"/cap/alerts/{body['identifier']}.xml").status_code == 404


def test_publish_keeps_sent_and_the_round_trip_gives_the_same_document(platform, foreign):
    answer = post(platform, foreign, query="?publish=true")
    assert answer.status_code == 201, answer.json
    assert answer.json["state"] == "published"
    served = platform.client().get(answer.json["cap_url"])
    assert served.status_code == 200 and served.mimetype == XML
    assert _canonical(served.data) == _canonical(foreign)
    feed = platform.client().get("/cap/feed.atom").data.decode()
    assert answer.json["identifier"] in feed


def _canonical(xml: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(xml, parser), method="c14n")


def test_a_duplicate_identifier_is_a_conflict(platform, foreign):
    assert post(platform, foreign).status_code == 201
    before = count(platform)
    again = post(platform, foreign, query="?publish=true")
    assert again.status_code == 409
    assert "identifier" in again.json["errors"]
    assert count(platform) == before


BROKEN = [
    (lambda x: mutate(x, "identifier", "two words"), "alert/identifier"),
    (lambda x: mutate(x, "info/urgency", "Soon"), "alert/info[1]/urgency"),
    (
        lambda x: mutate(x, "info/area/polygon", "16.42,107.68 16.52,107.68 16.52,107.8"),
        "alert/info[1]/area[1]/polygon[1]",
    ),
    (lambda x: mutate(x, "info/area/circle", "16.46,107.59 -1"), "alert/info[1]/area[1]/circle[1]"),
    (lambda x: mutate(x, "sent", "2026-03-02 09:00"), "alert/sent"),
    (lambda x: mutate(x, "info/web", "not a link"), "alert/info[1]/web"),
    (lambda x: mutate(x, "msgType", "Ack"), "alert/references"),
    (
        lambda x: insert_after(x, "info/area/circle", "geocode", ""),
        "alert/info[1]/area[1]/geocode[1]",
    ),
]


@pytest.mark.parametrize(("change", "path"), BROKEN)
def test_an_invalid_document_is_refused_naming_the_element(platform, foreign, change, path):
    before = (count(platform), count(platform, AlertTarget))
    answer = post(platform, change(foreign), query="?publish=true")
    assert answer.status_code == 422, answer.json
    assert answer.json["code"] == "invalid_input"
    assert path in answer.json["errors"], answer.json
    assert (count(platform), count(platform, AlertTarget)) == before


def test_another_provinces_units_are_accepted_and_target_nothing_here(platform, foreign):
    # A national alert names units of several provinces; Huế keeps it and targets its own.
    root = etree.fromstring(foreign)
    area_node = root.find(f"{CAP}info/{CAP}area")
    for tag in ("polygon", "circle"):
        for node in area_node.findall(CAP + tag):
            area_node.remove(node)
    geocode = area_node.find(CAP + "geocode")
    geocode.find(CAP + "valueName").text = "VN-ADMIN"
    geocode.find(CAP + "value").text = "99999"
    answer = post(platform, etree.tostring(root), query="?publish=true")
    assert answer.status_code == 201, answer.json
    with platform.context() as session:
        targets = session.scalars(
            select(AlertTarget.unit_code).where(AlertTarget.alert_id == answer.json["id"])
        ).all()
    assert targets == []


def test_a_hostile_or_oversized_document_is_refused(platform, foreign, tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:SECRET")
    xxe = foreign.replace(
        b"<alert ", f'<!DOCTYPE alert [<!ENTITY x SYSTEM "file://{secret}">]><alert '.encode()
    ).replace(b"<note>", b"<note>&x;")
    answer = post(platform, xxe)
    assert answer.status_code == 422 and "SECRET" not in answer.get_data(as_text=True)
    assert "alert" in answer.json["errors"]
    huge = foreign.replace(b"</alert>", b"<!--" + b"x" * cap_xml.MAX_BYTES + b"--></alert>")
    assert post(platform, huge).status_code == 413
    assert count(platform, Alert) == 1  # the foreign province's own alert only


def test_an_imported_update_replaces_the_message_it_references(platform, foreign):
    first = post(platform, foreign, query="?publish=true").json
    source = etree.fromstring(foreign)
    update = etree.fromstring(foreign)
    update.find(CAP + "identifier").text = source.findtext(CAP + "identifier") + ".u1"
    update.find(CAP + "msgType").text = "Update"
    triple = ",".join(source.findtext(CAP + n) for n in ("sender", "identifier", "sent"))
    update.find(CAP + "scope").addnext(etree.Element(CAP + "references"))
    update.find(CAP + "references").text = triple
    answer = post(platform, etree.tostring(update), query="?publish=true")
    assert answer.status_code == 201, answer.json
    assert answer.json["thread_id"] == first["id"]
    with platform.context() as session:
        assert session.get(Alert, first["id"]).state == "superseded"
        assert session.get(Alert, answer.json["id"]).references == triple


def test_the_composer_and_the_importer_agree_on_communes(platform):
    with platform.context() as session:
        codes = communes(session)
    alert_id = make_alert(platform, data(area(communes=codes)))
    xml = export(platform, alert_id)
    with platform.context() as session:
        session.delete(session.get(Alert, alert_id))
    answer = post(platform, xml, query="?publish=true")
    assert answer.status_code == 201, answer.json
    with platform.context() as session:
        targets = set(
            session.scalars(
                select(AlertTarget.unit_code).where(AlertTarget.alert_id == answer.json["id"])
            )
        )
    assert targets == set(codes)
    assert _canonical(platform.client().get(answer.json["cap_url"]).data) == _canonical(xml)


#: The four example messages of the CAP 1.2 standard (OASIS, Appendix A), written by other
#: systems than ours: what any CAP producer may send us.
SPEC_EXAMPLES = sorted((Path(__file__).parent / "data" / "cap").glob("a*.xml"))


@pytest.mark.parametrize("path", SPEC_EXAMPLES, ids=[p.stem for p in SPEC_EXAMPLES])
def test_the_standards_own_examples_import_and_export_valid_cap(platform, path):
    document = path.read_bytes()
    source = etree.fromstring(document)
    answer = post(platform, document)
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["identifier"] == source.findtext(CAP + "identifier")
    assert body["sender"] == source.findtext(CAP + "sender")
    assert body["state"] == "draft"
    with platform.context() as session:
        alert = session.get(Alert, body["id"])
        info = source.find(CAP + "info")
        assert alert.headline == info.findtext(CAP + "headline")
        assert alert.msg_type == source.findtext(CAP + "msgType")
        exported = cap_xml.to_xml(alert)
        targets = session.scalar(
            select(func.count()).select_from(AlertTarget).where(AlertTarget.alert_id == alert.id)
        )
    assert cap_xml.validate(exported) == []
    # Places in California reach no ward of Huế.
    assert targets == 0
