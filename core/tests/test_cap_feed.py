"""The public CAP documents: the Atom feed lists the current alerts of the host's province and
links each to its CAP XML, which validates; drafts and other provinces' alerts are never there."""

from __future__ import annotations

from datetime import timedelta

import feedparser
from lxml import etree
from sieuapp.core.alerts import cap_xml
from sieuapp.core.alerts.models import Alert
from sieuapp.core.alerts.rules import cap_time

from .cap_support import add_tenant, data, demo_alerts, make_alert, update_alert
from .support import install_clock

ATOM = "{http://www.w3.org/2005/Atom}"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def entries(
    platform, tenant: str | None = None, language: str = "vi"
) -> tuple[etree._Element, dict]:
    response = platform.client(tenant=tenant).get(
        "/cap/feed.atom", headers={"Accept-Language": language}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = etree.fromstring(response.data)
    assert feed.tag == ATOM + "feed"
    # RFC 4287 4.1.1: a feed has an id, a title, an updated time and (without authors in every
    # entry) an author; each entry an id, a title and an updated time.
    for required in ("id", "title", "updated", "author"):
        assert feed.find(ATOM + required) is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("/cap/feed.atom")
    found = {}
    for entry in feed.findall(ATOM + "entry"):
        for required in ("id", "title", "updated"):
            assert entry.findtext(ATOM + required), required
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link.get("type") == "application/cap+xml"
        found[entry.findtext(ATOM + "id")] = (entry, link.get("href"))
    return feed, found


def identifier(platform, alert_id: int) -> str:
    with platform.context() as session:
        return session.get(Alert, alert_id).identifier


def test_the_feed_lists_current_alerts_and_each_link_serves_valid_cap(platform):
    made = demo_alerts(platform)
    draft = make_alert(platform, data(), publish=False)
    exercise = make_alert(platform, data(status="Exercise"))
    _, found = entries(platform)
    current = {k for k in made if k != "superseded"} | {"exercise"}
    ids = {**made, "exercise": exercise}
    expected = {f"urn:cap:{a.sender}:{a.identifier}" for a in _alerts(platform, ids, current)}
    assert set(found) == expected
    assert identifier(platform, draft) not in " ".join(found)
    assert identifier(platform, made["superseded"]) not in " ".join(found)
    client = platform.client()
    for entry, href in found.values():
        response = client.get(href)
        assert response.status_code == 200, href
        assert response.mimetype == "application/cap+xml"
        assert cap_xml.schema().validate(etree.fromstring(response.data))
        assert cap_xml.validate(response.data) == []
        title = entry.findtext(ATOM + "title")
        assert title == etree.fromstring(response.data).findtext(f"{CAP}info/{CAP}headline")


def _alerts(platform, ids: dict[str, int], names: set[str]) -> list[Alert]:
    with platform.context() as session:
        return [session.get(Alert, ids[n]) for n in names]


def test_english_titles_on_request(platform):
    make_alert(platform, data())
    feed, found = entries(platform, language="en")
    assert feed.findtext(ATOM + "title").startswith("Alerts of")
    ((entry, _),) = found.values()
    assert entry.findtext(ATOM + "title") == "Flood warning on the Perfume River"


def test_expired_and_future_alerts_leave_the_feed(platform, monkeypatch):
    clock = install_clock(monkeypatch)
    make_alert(platform, data(expires=_in(clock, 3600)))
    make_alert(platform, data(effective=_in(clock, 7200), expires=_in(clock, 10800)))
    assert len(entries(platform)[1]) == 1
    clock.advance(7300)
    assert len(entries(platform)[1]) == 1
    clock.advance(4000)
    assert entries(platform)[1] == {}


def _in(clock, seconds: int) -> str:
    return cap_time(clock.now + timedelta(seconds=seconds))


def test_drafts_superseded_and_other_provinces(platform):
    add_tenant(platform)
    draft = make_alert(platform, data(), publish=False)
    published = make_alert(platform, data())
    elsewhere = make_alert(platform, data(), slug="danang")
    client = platform.client()
    assert client.get(f"/cap/alerts/{identifier(platform, draft)}.xml").status_code == 404
    assert client.get("/cap/alerts/no-such-alert.xml").status_code == 404
    with platform.context("danang") as session:
        foreign = session.get(Alert, elsewhere).identifier
    assert client.get(f"/cap/alerts/{foreign}.xml").status_code == 404
    danang = platform.client(tenant="danang")
    assert danang.get(f"/cap/alerts/{foreign}.xml").status_code == 200
    assert danang.get(f"/cap/alerts/{identifier(platform, published)}.xml").status_code == 404
    _, found = entries(platform, tenant="danang")
    assert len(found) == 1 and foreign in next(iter(found))


def test_the_document_answers_conditional_requests(platform):
    alert_id = make_alert(platform, data())
    client = platform.client()
    url = f"/cap/alerts/{identifier(platform, alert_id)}.xml"
    first = client.get(url)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    update_alert(platform, alert_id, {"severity": "Extreme"})
    # Superseded: still served (it was sent), but it changed, so the old validator misses.
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert cap_xml.validate(changed.data) == []


def test_a_feed_reader_we_did_not_write_reads_every_entry(platform):
    """feedparser, as aggregators and news readers use it, reads the feed as well-formed Atom
    1.0 and finds each alert's CAP link in it."""
    made = demo_alerts(platform)
    _, found = entries(platform)
    body = platform.client().get("/cap/feed.atom").data
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title.startswith("Cảnh báo")
    assert {e.id for e in parsed.entries} == set(found)
    for entry in parsed.entries:
        cap_links = [link for link in entry.links if link.type == "application/cap+xml"]
        assert [link.href for link in cap_links] == [found[entry.id][1]]
        assert entry.title and entry.updated_parsed is not None
    assert len(parsed.entries) == len([k for k in made if k != "superseded"])
