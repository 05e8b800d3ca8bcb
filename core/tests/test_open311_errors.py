"""Open311 refusals: the spec's error list in the format asked for, the spec's HTTP codes
(404 what does not exist, 403 api_key, 400 anything else), each naming the parameter."""

from __future__ import annotations

import pytest
from sieuapp.core.testing import Platform

from .open311_support import BASE, add_category, errors_of, xml


@pytest.fixture
def platform(make_platform) -> Platform:
    p = make_platform(plugins=[])
    add_category(p)
    return p


def test_errors_in_json_are_a_list_of_code_and_description(platform: Platform) -> None:
    answer = platform.client().get(f"{BASE}/requests.json?jurisdiction_id=da-lat")
    assert answer.status_code == 404
    assert answer.content_type == "application/json; charset=utf-8"
    assert answer.get_json() == [
        {"code": 404, "description": "jurisdiction_id not found: 'da-lat'."}
    ]


def test_errors_in_xml_are_errors_of_error(platform: Platform) -> None:
    answer = platform.client().get(f"{BASE}/requests.xml?status=mở")
    assert answer.status_code == 400
    root = xml(answer)
    assert root.tag == "errors"
    (error,) = root.findall("error")
    assert error.findtext("code") == "400"
    assert error.findtext("description") == "status: 'mở' is neither open nor closed."


ENDPOINTS = [
    "/discovery",
    "/services",
    "/services/o311-test",
    "/requests",
    "/requests/1",
    "/tokens/abc",
    "/servicerequestupdates",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_unknown_format_is_refused_in_xml(platform: Platform, path: str) -> None:
    answer = platform.client().get(f"{BASE}{path}.csv")
    assert answer.status_code == 400
    assert errors_of(answer) == [
        (400, "format: 'csv' is not served; end the URL in .xml or .json.")
    ]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_jurisdiction_is_404_everywhere(platform: Platform, path: str, fmt: str) -> None:
    answer = platform.client().get(f"{BASE}{path}.{fmt}?jurisdiction_id=nowhere")
    assert answer.status_code == 404
    assert errors_of(answer) == [(404, "jurisdiction_id not found: 'nowhere'.")]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_host_without_a_tenant_needs_a_jurisdiction(
    platform: Platform, path: str, fmt: str
) -> None:
    answer = platform.client(tenant="nowhere").get(f"{BASE}{path}.{fmt}")
    assert answer.status_code == 400
    assert errors_of(answer) == [
        (400, "jurisdiction_id was not provided, and this host name serves none.")
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_resources_and_methods(platform: Platform, fmt: str) -> None:
    client = platform.client()
    missing = client.get(f"{BASE}/widgets.{fmt}")
    assert missing.status_code == 404
    assert errors_of(missing) == [(404, f"No resource 'widgets.{fmt}' in GeoReport v2 here.")]
    posted = client.post(f"{BASE}/services.{fmt}")
    assert posted.status_code == 405
    assert posted.headers["Allow"] == "GET, HEAD"
    assert errors_of(posted)[0][0] == 405
    deleted = client.delete(f"{BASE}/requests.{fmt}")
    assert deleted.status_code == 405
    assert errors_of(deleted)[0][0] == 405
    # Elsewhere the platform keeps its own error format.
    assert client.delete("/healthz").get_json()["code"] == "method_not_allowed"


BAD_QUERIES = [
    ("start_date=yesterday", "start_date: 'yesterday' is not a w3 datetime"),
    ("end_date=2025-13-01", "end_date: '2025-13-01' is not a real date and time."),
    ("start_date=2025-01-01T10:00:00", "start_date: '2025-01-01T10:00:00' is not a w3"),
    ("start_date=2025-01-01T25:00:00Z", "start_date: '2025-01-01T25:00:00Z' is not a real"),
    (
        "start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z",
        "start_date/end_date: the range may not span more than 90 days.",
    ),
    (
        "start_date=2025-02-01T00:00:00Z&end_date=2025-01-01T00:00:00Z",
        "end_date: comes before start_date.",
    ),
    ("status=pending", "status: 'pending' is neither open nor closed."),
    ("page=0", "page: '0' is not a whole number from 1 or more."),
    ("page=x", "page: 'x' is not a whole number from 1 or more."),
    ("page_size=1001", "page_size: '1001' is not a whole number from 1 to 1000."),
    ("page_size=-5", "page_size: '-5' is not a whole number from 1 to 1000."),
    ("service_request_id=1,abc", "service_request_id: 'abc' is not a service request id."),
]
#: servicerequestupdates takes no status filter.
BAD_QUERY_CASES = [
    (resource, query, description)
    for resource in ("requests", "servicerequestupdates")
    for query, description in BAD_QUERIES
    if not (resource == "servicerequestupdates" and query.startswith("status="))
]


@pytest.mark.parametrize(("resource", "query", "description"), BAD_QUERY_CASES)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_query_parameters_are_400_naming_them(
    platform: Platform, query: str, description: str, resource: str, fmt: str
) -> None:
    answer = platform.client().get(f"{BASE}/{resource}.{fmt}?{query}")
    assert answer.status_code == 400
    ((code, text),) = errors_of(answer)
    assert code == 400
    assert text.startswith(description), text


def test_control_characters_never_break_the_xml(platform: Platform) -> None:
    from .open311_support import report

    report(platform, "Ổ gà\x0b lớn\x1b & <sâu>\nrất nguy hiểm")
    root = xml(platform.client().get(f"{BASE}/requests.xml"))
    assert root.findtext("request/description") == "Ổ gà lớn & <sâu>\nrất nguy hiểm"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_nul_character_is_refused_before_anything_is_stored(platform: Platform, fmt: str) -> None:
    from .open311_support import new_client

    key = new_client(platform)[1]
    answer = platform.client().post(
        f"{BASE}/requests.{fmt}",
        data={"api_key": key, "service_code": "o311-test", "description": "Ổ gà\x00 lớn"},
    )
    assert answer.status_code == 400
    assert errors_of(answer) == [(400, "description: contains a NUL character.")]
