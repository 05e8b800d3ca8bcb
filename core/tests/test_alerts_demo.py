"""The demo's flood warning, made by the demo seeding itself: valid CAP 1.2 against the official
schema, in the demo citizen's inbox and in the CAP feed; a second run adds nothing while it is
in effect, and a run after it expired extends it by an Update in the same thread."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree
from sieuapp.core.alerts import cap_xml
from sieuapp.core.alerts.models import Alert, AlertTarget, UserArea
from sieuapp.core.alerts.publishing import current_alerts
from sieuapp.core.demo import alerts as demo_alerts
from sieuapp.core.demo.instance import seed
from sieuapp.core.tenancy.models import AdministrativeUnit
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .reports_support import tenant_id
from .support import install_clock

CAP_NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


@pytest.fixture
def demo(make_platform):
    """The test platform (Huế, the demo's usernames) seeded as ``sieuapp demo`` seeds."""
    platform = make_platform(plugins=[])
    report = seed(platform.app)
    # The fan-out runs on the inline backend's threads; wait for it as the demo's exit does.
    platform.run_tasks()
    return platform, report


def the_alerts(platform) -> list[Alert]:
    with platform.context() as session:
        rows = list(
            session.scalars(
                select(Alert)
                .options(selectinload(Alert.areas))
                .where(Alert.headline == demo_alerts.HEADLINE)
                .order_by(Alert.id)
            )
        )
        session.expunge_all()
        return rows


def riverside_codes(platform) -> set[str]:
    with platform.context() as session:
        return set(
            session.scalars(
                select(AdministrativeUnit.code).where(
                    AdministrativeUnit.tenant_id == tenant_id(session),
                    AdministrativeUnit.name.in_(demo_alerts.RIVERSIDE),
                )
            )
        )


def test_the_demo_warning_is_published_to_the_riverside_wards_and_valid_cap(demo):
    platform, report = demo
    assert report.alert_sent
    [alert] = the_alerts(platform)
    assert (alert.state, alert.msg_type, alert.status, alert.scope) == (
        "published",
        "Alert",
        "Actual",
        "Public",
    )
    assert (alert.urgency, alert.severity, alert.certainty) == ("Immediate", "Severe", "Likely")
    assert alert.category.split() == ["Met", "Safety"]
    assert "1900 1075" in alert.instruction and "1900 1075" in alert.instruction_en
    assert alert.expires - alert.sent == demo_alerts.LASTS
    codes = riverside_codes(platform)
    assert len(codes) == len(demo_alerts.RIVERSIDE), "a riverside ward is missing from Huế"
    with platform.context() as session:
        targets = set(
            session.scalars(select(AlertTarget.unit_code).where(AlertTarget.alert_id == alert.id))
        )
        stored = session.get(Alert, alert.id)
        # The fan-out ran (inline) and found the demo citizen at home in Kim Long.
        assert stored.fanout_finished_at is not None
        assert stored.recipients == 1
    assert targets == codes

    xml = cap_xml.to_xml(alert)
    # The official OASIS schema (shipped unchanged in alerts/xsd), read by lxml alone ...
    schema = etree.XMLSchema(etree.parse(str(cap_xml.XSD)))
    document = etree.fromstring(xml)
    assert schema.validate(document), schema.error_log
    # ... and the CAP rules the schema cannot say.
    assert cap_xml.validate(xml) == []
    languages = document.xpath("//cap:info/cap:language/text()", namespaces=CAP_NS)
    assert sorted(languages) == ["en-US", "vi-VN"]
    headlines = document.xpath("//cap:info/cap:headline/text()", namespaces=CAP_NS)
    assert set(headlines) == {demo_alerts.HEADLINE, demo_alerts.HEADLINE_EN}
    geocodes = document.xpath("//cap:geocode/cap:value/text()", namespaces=CAP_NS)
    assert codes <= set(geocodes)
    assert document.xpath("//cap:polygon", namespaces=CAP_NS)


def test_the_demo_citizen_sees_it_in_the_inbox_and_the_feed_lists_it(demo):
    platform, _ = demo
    [alert] = the_alerts(platform)
    with platform.context() as session:
        home = session.scalar(
            select(UserArea.unit_code).where(
                UserArea.user_id == platform.users["citizen"].id, UserArea.kind == "home"
            )
        )
    assert home in riverside_codes(platform)

    inbox = platform.client("citizen").get("/api/v1/me/alerts", headers={"Accept-Language": "en"})
    assert inbox.status_code == 200, inbox.json
    assert [(a["id"], a["title"]) for a in inbox.json["alerts"]] == [
        (alert.id, demo_alerts.HEADLINE_EN)
    ]
    assert inbox.json["unread"] == 1

    feed = platform.client().get("/cap/feed.atom")
    assert feed.status_code == 200
    entries = etree.fromstring(feed.data).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1
    assert f"/cap/alerts/{alert.identifier}.xml".encode() in etree.tostring(entries[0])
    document = platform.client().get(f"/cap/alerts/{alert.identifier}.xml")
    assert document.status_code == 200 and cap_xml.validate(document.data) == []


def test_a_second_run_adds_nothing_and_a_run_after_expiry_extends_it(demo, monkeypatch):
    platform, _ = demo
    [first] = the_alerts(platform)
    with platform.context() as session:
        areas_before = session.scalar(select(func.count()).select_from(UserArea))
    assert not seed(platform.app).alert_sent
    assert [a.id for a in the_alerts(platform)] == [first.id]

    clock = install_clock(monkeypatch)
    clock.advance((demo_alerts.LASTS + timedelta(minutes=1)).total_seconds())
    with platform.context() as session:
        assert current_alerts(session, tenant_id(session)) == []
    assert seed(platform.app).alert_sent
    platform.run_tasks()
    previous, update = the_alerts(platform)
    assert previous.id == first.id and previous.state == "superseded"
    assert (update.msg_type, update.state, update.thread_id) == ("Update", "published", first.id)
    assert first.identifier in update.references
    assert update.expires - update.sent == demo_alerts.LASTS
    with platform.context() as session:
        assert [a.id for a in current_alerts(session, tenant_id(session))] == [update.id]
        assert session.scalar(select(func.count()).select_from(UserArea)) == areas_before
    assert not seed(platform.app).alert_sent
    assert len(the_alerts(platform)) == 2
