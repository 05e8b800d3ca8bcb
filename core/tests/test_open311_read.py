"""Open311 reads, in JSON and XML: discovery, services, service definitions, requests with
every filter and the paging extension, one request, tokens. Only public reports, and never
who reported them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sieuapp.core import clock
from sieuapp.core.reports.models import Report
from sieuapp.core.testing import Platform

from .open311_support import (
    BASE,
    CODE,
    DATATYPES,
    LAT,
    LON,
    add_category,
    handler,
    new_client,
    report,
    step,
    xml,
)


@pytest.fixture
def platform(make_platform) -> Platform:
    p = make_platform(plugins=[])
    add_category(p)
    return p


def test_discovery_names_the_endpoint_and_its_formats(platform: Platform) -> None:
    client = platform.client()
    body = client.get(f"{BASE}/discovery.json").get_json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://hue.sieuapp.test/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["changeset"].endswith("+07:00")

    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    formats = root.find("endpoints/endpoint/formats")
    assert formats is not None
    assert [f.text for f in formats.findall("format")] == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/url") == endpoint["url"]


def test_services_list_every_active_category(platform: Platform) -> None:
    client = platform.client()
    services = client.get(f"{BASE}/services.json").get_json()
    ours = next(s for s in services if s["service_code"] == CODE)
    assert ours == {
        "service_code": CODE,
        "service_name": "Vỉa hè & <lòng đường>",
        "description": "Hư hỏng vỉa hè",
        "metadata": True,
        "type": "realtime",
        "keywords": "vỉa hè, pavement",
        "group": "Hạ tầng",
    }
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert codes == [s["service_code"] for s in services]
    node = root.findall("service")[codes.index(CODE)]
    assert node.findtext("service_name") == "Vỉa hè & <lòng đường>"
    assert node.findtext("metadata") == "true"


def test_services_speak_english_when_asked(platform: Platform) -> None:
    client = platform.client()
    by_header = client.get(f"{BASE}/services.json", headers={"Accept-Language": "en"})
    by_param = client.get(f"{BASE}/services.json?locale=en")
    for answer in (by_header, by_param):
        ours = next(s for s in answer.get_json() if s["service_code"] == CODE)
        assert ours["service_name"] == "Pavements & <roads>"
        assert ours["group"] == "Infrastructure"
    vietnamese = client.get(f"{BASE}/services.json?locale=vi", headers={"Accept-Language": "en"})
    ours = next(s for s in vietnamese.get_json() if s["service_code"] == CODE)
    assert ours["service_name"] == "Vỉa hè & <lòng đường>"


def test_a_service_without_questions_has_no_metadata(platform: Platform) -> None:
    add_category(platform, code="o311-plain")
    with platform.context() as session:
        from sieuapp.core.reports.models import ReportAttribute, ReportCategory
        from sqlalchemy import delete, select

        category_id = session.scalar(
            select(ReportCategory.id).where(ReportCategory.code == "o311-plain")
        )
        session.execute(delete(ReportAttribute).where(ReportAttribute.category_id == category_id))
    services = platform.client().get(f"{BASE}/services.json").get_json()
    assert next(s for s in services if s["service_code"] == "o311-plain")["metadata"] is False


def test_service_definition_gives_every_datatype(platform: Platform) -> None:
    client = platform.client()
    body = client.get(f"{BASE}/services/{CODE}.json").get_json()
    assert body["service_code"] == CODE
    attributes = body["attributes"]
    assert [a["datatype"] for a in attributes] == [*DATATYPES, "text"]
    assert [a["order"] for a in attributes] == list(range(1, 8))
    single = attributes[DATATYPES.index("singlevaluelist")]
    assert single == {
        "variable": True,
        "code": "q-singlevaluelist",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "Chọn một",
        "order": 5,
        "description": "Câu hỏi singlevaluelist",
        "values": [{"key": "nho", "name": "Nhỏ"}, {"key": "lon", "name": "Lớn & nguy hiểm"}],
    }
    assert "values" not in attributes[0]
    assert attributes[0]["datatype_description"] is None
    assert attributes[-1]["variable"] is False

    english = client.get(f"{BASE}/services/{CODE}.json?locale=en").get_json()
    assert english["attributes"][4]["values"][1]["name"] == "Large & risky"

    root = xml(client.get(f"{BASE}/services/{CODE}.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == CODE
    nodes = root.findall("attributes/attribute")
    assert [n.findtext("datatype") for n in nodes] == [*DATATYPES, "text"]
    values = nodes[5].findall("values/value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("nho", "Nhỏ"),
        ("lon", "Lớn & nguy hiểm"),
    ]
    assert nodes[6].findtext("variable") == "false"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_or_retired_service_is_not_found(platform: Platform, fmt: str) -> None:
    add_category(platform, code="o311-old")
    with platform.context() as session:
        from sieuapp.core.reports.models import ReportCategory
        from sqlalchemy import update

        session.execute(
            update(ReportCategory).where(ReportCategory.code == "o311-old").values(active=False)
        )
    client = platform.client()
    for code in ("nope", "o311-old"):
        answer = client.get(f"{BASE}/services/{code}.{fmt}")
        assert answer.status_code == 404
        from .open311_support import errors_of

        assert errors_of(answer) == [(404, f"service_code not found: '{code}'.")]
    services = client.get(f"{BASE}/services.json").get_json()
    assert "o311-old" not in {s["service_code"] for s in services}


def test_requests_show_public_reports_without_personal_data(platform: Platform) -> None:
    shown = report(platform, "Vỉa hè sụt lún <nguy hiểm> & trơn")
    hidden = report(platform, "Không công khai", public=False)
    pending = report(platform, "Chưa kiểm duyệt", public=None, assign=False)
    key = new_client(platform)[1]
    by_client = report(platform, "Gửi qua Open311", public=None, assign=False, client_id=1)
    client = platform.client()

    answer = client.get(f"{BASE}/requests.json")
    assert answer.status_code == 200
    body = answer.get_json()
    assert [r["service_request_id"] for r in body] == [shown]
    (item,) = body
    assert item["status"] == "open"
    assert item["status_notes"] == "Đã chuyển đơn vị xử lý"
    assert item["service_code"] == CODE
    assert item["service_name"] == "Vỉa hè & <lòng đường>"
    assert item["description"] == "Vỉa hè sụt lún <nguy hiểm> & trơn"
    assert item["agency_responsible"] == "Sở Xây dựng"
    assert item["service_notice"].startswith("Thời hạn xử lý: 3 ngày")
    assert item["address"] == "Chợ Đông Ba, Huế"
    assert (item["lat"], item["long"]) == (LAT, LON)
    assert item["requested_datetime"].endswith("+07:00")
    assert item["expected_datetime"] is not None
    assert set(item) == {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    raw = answer.get_data(as_text=True)
    for personal in ("Nguyễn Văn An", "an@example.vn", "citizen", "0905000000"):
        assert personal not in raw

    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    (node,) = root.findall("request")
    assert node.findtext("service_request_id") == str(shown)
    assert node.findtext("description") == "Vỉa hè sụt lún <nguy hiểm> & trơn"
    assert node.findtext("lat") == str(LAT)

    # The client that sent a report follows it before moderation; nobody else does.
    with_key = client.get(f"{BASE}/requests.json?api_key={key}").get_json()
    assert {r["service_request_id"] for r in with_key} == {shown, by_client}
    assert hidden not in {r["service_request_id"] for r in with_key}
    assert pending not in {r["service_request_id"] for r in with_key}


def test_closed_requests_carry_the_answer_and_no_expected_date(platform: Platform) -> None:
    done = report(platform)
    official = handler(platform)
    step(platform, done, "start", official)
    step(platform, done, "resolve", official, note="Đã sửa xong vỉa hè.")
    merged_into = report(platform)
    merged = report(platform, assign=False)
    with platform.context() as session:
        from sieuapp.core.reports.lifecycle import transition

        from .open311_support import ioc

        target = session.get(Report, merged_into)
        transition(session, session.get(Report, merged), "merge", ioc(platform), into=target)
    body = platform.client().get(f"{BASE}/requests.json?service_request_id={done},{merged}")
    items = {r["service_request_id"]: r for r in body.get_json()}
    assert items[done]["status"] == "closed"
    assert items[done]["status_notes"] == "Đã sửa xong vỉa hè."
    assert items[done]["expected_datetime"] is None
    assert items[merged]["status"] == "closed"
    assert str(merged_into) in items[merged]["status_notes"]


def test_service_request_id_overrides_the_other_filters(platform: Platform) -> None:
    old = report(platform, submitted_at=clock.now() - timedelta(days=400))
    new = report(platform)
    hidden = report(platform, public=False)
    client = platform.client()
    body = client.get(
        f"{BASE}/requests.json?service_request_id={old},{new},{hidden},999999"
        "&status=closed&service_code=other&start_date=2001-01-01"
    ).get_json()
    assert [r["service_request_id"] for r in body] == [old, new]


def test_requests_filter_by_service_code_and_status(platform: Platform) -> None:
    add_category(platform, code="o311-other")
    first = report(platform)
    other = report(platform, code="o311-other")
    done = report(platform)
    official = handler(platform)
    step(platform, done, "resolve", official, note="Xong.")
    client = platform.client()

    def ids(query: str) -> set[int]:
        return {r["service_request_id"] for r in client.get(f"{BASE}/requests.json?{query}").json}

    assert ids(f"service_code={CODE}") == {first, done}
    assert ids("service_code=o311-other") == {other}
    assert ids(f"service_code={CODE},o311-other") == {first, other, done}
    assert ids("service_code=nothing") == set()
    assert ids("status=open") == {first, other}
    assert ids("status=closed") == {done}
    assert ids("status=open,closed") == {first, other, done}
    assert ids(f"status=closed&service_code={CODE}") == {done}


def test_requests_default_to_the_last_90_days_and_filter_by_dates(platform: Platform) -> None:
    now = clock.now()
    recent = report(platform, submitted_at=now - timedelta(days=10))
    old = report(platform, submitted_at=now - timedelta(days=100))
    older = report(platform, submitted_at=now - timedelta(days=150))
    client = platform.client()

    def ids(query: str = "") -> list[int]:
        return [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?{query}").json]

    assert ids() == [recent]
    start = (now - timedelta(days=160)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert ids(f"start_date={start}&end_date={end}".replace("+", "%2B")) == [old, older]
    # Only a start: the 90 days after it; only an end: the 90 days before it.
    assert ids(f"start_date={start}") == [old, older]
    assert ids(f"end_date={end}".replace("+", "%2B")) == [old, older]
    # An offset's unencoded '+' arrives as a space, and is read as meant.
    assert ids(f"end_date={end}") == [old, older]
    # Dates without a time are the province's days: the report's day is read in its zone (the
    # machine's own would be another date for seven hours of every day).
    day = (now - timedelta(days=100)).astimezone(clock.ZONE).date()
    assert old in ids(f"start_date={day - timedelta(days=1)}&end_date={day + timedelta(days=1)}")


def test_requests_page_through_with_page_and_page_size(platform: Platform) -> None:
    now = clock.now()
    made = [report(platform, submitted_at=now - timedelta(hours=n)) for n in range(5)]
    client = platform.client()

    def ids(query: str) -> list[int]:
        return [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?{query}").json]

    assert ids("") == made
    assert ids("page_size=2") == made[:2]
    assert ids("page_size=2&page=2") == made[2:4]
    assert ids("page_size=2&page=3") == made[4:]
    assert ids("page_size=2&page=4") == []
    assert ids("page=1&page_size=1000") == made


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request(platform: Platform, fmt: str) -> None:
    shown = report(platform, media_url="https://img.example.vn/o-ga.jpg")
    client = platform.client()
    answer = client.get(f"{BASE}/requests/{shown}.{fmt}")
    assert answer.status_code == 200
    if fmt == "json":
        (item,) = answer.get_json()
        assert item["service_request_id"] == shown
        assert item["media_url"] == "https://img.example.vn/o-ga.jpg"
    else:
        (node,) = xml(answer).findall("request")
        assert node.findtext("service_request_id") == str(shown)
        assert node.findtext("media_url") == "https://img.example.vn/o-ga.jpg"
        assert node.findtext("status") == "open"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_that_is_not_public_is_not_found(platform: Platform, fmt: str) -> None:
    from .open311_support import errors_of

    hidden = report(platform, public=False)
    client = platform.client()
    for ident in (str(hidden), "999999", "abc"):
        answer = client.get(f"{BASE}/requests/{ident}.{fmt}")
        assert answer.status_code == 404
        assert errors_of(answer) == [(404, f"service_request_id not found: '{ident}'.")]


def test_the_sending_client_reads_its_request_before_moderation(platform: Platform) -> None:
    client_id, key = new_client(platform)
    other_key = new_client(platform, "Ứng dụng khác")[1]
    mine = report(platform, public=None, assign=False, client_id=client_id)
    client = platform.client()
    assert client.get(f"{BASE}/requests/{mine}.json").status_code == 404
    assert client.get(f"{BASE}/requests/{mine}.json?api_key={other_key}").status_code == 404
    answer = client.get(f"{BASE}/requests/{mine}.json?api_key={key}")
    assert answer.status_code == 200
    assert answer.get_json()[0]["status_notes"] == "Đã tiếp nhận"
    assert "an@example.vn" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_token_gives_its_request_id(platform: Platform, fmt: str) -> None:
    from .open311_support import errors_of

    made = report(platform, public=None, assign=False)
    with platform.context() as session:
        token = session.get(Report, made).token
    client = platform.client()
    answer = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert answer.status_code == 200
    if fmt == "json":
        assert answer.get_json() == [{"service_request_id": made, "token": token}]
    else:
        node = xml(answer).find("request")
        assert node is not None
        assert node.findtext("service_request_id") == str(made)
        assert node.findtext("token") == token
    missing = client.get(f"{BASE}/tokens/nope.{fmt}")
    assert missing.status_code == 404
    assert errors_of(missing) == [(404, "token not found: 'nope'.")]


def test_jurisdiction_id_selects_the_tenant(platform: Platform) -> None:
    shown = report(platform)
    # A host that names no tenant: the jurisdiction alone says which.
    client = platform.client(tenant="elsewhere")
    assert client.get(f"{BASE}/requests.json").status_code == 400
    for jurisdiction in ("hue", "HUE", "hue.sieuapp.test"):
        body = client.get(f"{BASE}/requests.json?jurisdiction_id={jurisdiction}").get_json()
        assert [r["service_request_id"] for r in body] == [shown]
    services = client.get(f"{BASE}/services.json?jurisdiction_id=hue").get_json()
    assert CODE in {s["service_code"] for s in services}
