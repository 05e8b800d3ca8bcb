"""An Open311 client library we did not write (``georeport``) against a real server on
loopback: it lists services, reads a service definition, requests and one request, in JSON
and in XML. The library cannot post, so the request it reads was posted with ``requests``,
form-encoded as the spec says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from georeport import GeoReport

from .open311_support import CODE, LAT, LON, add_category, new_client, report
from .support import Server, child_env, database_url, free_port, serving, sieuapp_command

WAIT_SECONDS = 90.0


@pytest.fixture
def server(make_platform, tmp_path: Path) -> Iterator[tuple[Server, str, int]]:
    """``sieuapp serve`` (gunicorn) over a database with a category, a client app holding an
    api_key, and one public report."""
    url = database_url(tmp_path / "open311.sqlite3")
    platform = make_platform(plugins=[], database_url=url)
    add_category(platform)
    key = new_client(platform)[1]
    shown = report(platform, "Vỉa hè sụt lún & <nguy hiểm>")
    platform.close()
    port = free_port()
    env = child_env(
        SIEUAPP_DATABASE_URL=url,
        SIEUAPP_INSTANCE_PATH=str(tmp_path / "served"),
        SIEUAPP_PLUGINS="",
        SIEUAPP_SECRET_KEY="open311-secret",
    )
    command = sieuapp_command("serve", "--port", str(port), "--workers", "2")
    with serving(
        "open311",
        command,
        port=port,
        env=env,
        cwd=tmp_path,
        log=tmp_path / "open311.log",
        within=WAIT_SECONDS,
    ) as running:
        yield running, key, shown


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_requests(server, fmt: str) -> None:
    running, key, shown = server
    root = f"{running.base}/open311/v2"
    posted = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": "hue",
            "service_code": CODE,
            "lat": LAT,
            "long": LON,
            "description": "Ổ gà trước cổng chợ",
            "attribute[q-singlevaluelist]": "lon",
            "attribute[q-multivaluelist][]": ["nho", "lon"],
        },
        timeout=30,
    )
    assert posted.status_code == 200, posted.text
    mine = posted.json()[0]["service_request_id"]

    library = GeoReport(root, jurisdiction="hue", output_format=fmt)
    services = library.get_service_list()
    ours = next(s for s in services if s["service_code"] == CODE)
    assert ours["service_name"] == "Vỉa hè & <lòng đường>"
    assert str(ours["metadata"]).lower() == "true"

    definition = library.get_service_definition(CODE)
    assert definition["service_code"] == CODE
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes][:2] == ["q-string", "q-number"]

    listed = library.get_service_requests()
    if isinstance(listed, dict):  # xmltodict gives a lone element as itself
        listed = [listed]
    assert [str(r["service_request_id"]) for r in listed] == [str(shown)]
    assert listed[0]["description"] == "Vỉa hè sụt lún & <nguy hiểm>"
    if fmt == "json":
        # The library reads an empty XML list (``<service_requests />``) as a missing key.
        assert library.get_service_requests(status="closed") == []

    one = library.get_service_request(str(shown))
    assert str(one["service_request_id"]) == str(shown)
    assert one["status"] == "open"
    assert one["requested_datetime"].endswith("+07:00")
    # The request just posted waits for moderation: not public yet.
    with pytest.raises(requests.HTTPError):
        library.get_service_request(str(mine))
