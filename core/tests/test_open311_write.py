"""POST requests through Open311 with a registered client's api_key, and the province admin's
management of those clients (API and CLI): keys shown once, kept hashed, revoked for good."""

from __future__ import annotations

from pathlib import Path

import pytest
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.reports.models import Open311Client, Report
from sieuapp.core.testing import Platform
from sqlalchemy import func, select

from .open311_support import BASE, CODE, LAT, LON, add_category, errors_of, new_client, xml
from .support import database_url, invoke

ADMIN_API = "/api/v1/admin/open311/clients"


@pytest.fixture
def platform(make_platform) -> Platform:
    p = make_platform(plugins=[])
    add_category(p)
    return p


def form(key: str, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "api_key": key,
        "service_code": CODE,
        "lat": str(LAT),
        "long": str(LON),
        "description": "Ổ gà lớn trước số 12 Trần Hưng Đạo",
        "attribute[q-singlevaluelist]": "lon",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def count_reports(platform: Platform) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count(Report.id))) or 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_posts_a_request(platform: Platform, fmt: str) -> None:
    client_id, key = new_client(platform)
    answer = platform.client().post(
        f"{BASE}/requests.{fmt}",
        data=form(
            key,
            **{
                "attribute[q-multivaluelist][]": ["nho", "lon"],
                "attribute[q-number]": "3",
                "attribute[q-string]": "Gần chợ",
                "first_name": "Văn An",
                "last_name": "Nguyễn",
                "email": "an@example.vn",
                "phone": "0905123456",
                "device_id": "thiet-bi-1",
                "account_id": "42",
                "address_string": "12 Trần Hưng Đạo, Huế",
                "media_url": "https://img.example.vn/1.jpg",
            },
        ),
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    if fmt == "json":
        (item,) = answer.get_json()
        request_id = item["service_request_id"]
        assert item["account_id"] is None
        assert "token" not in item
        assert item["service_notice"].startswith("Thời hạn xử lý")
    else:
        node = xml(answer).find("request")
        assert node is not None
        request_id = int(node.findtext("service_request_id") or 0)
        assert node.find("token") is None
    with platform.context() as session:
        report = session.get(Report, request_id)
        assert report.channel == "open311"
        assert report.open311_client_id == client_id
        assert report.reporter_id is None
        assert report.contact_name == "Nguyễn Văn An"
        assert report.contact_email == "an@example.vn"
        assert report.contact_phone == "0905123456"
        assert report.address == "12 Trần Hưng Đạo, Huế"
        assert report.media_url == "https://img.example.vn/1.jpg"
        assert (report.lat, report.lon) == (LAT, LON)
        assert report.attributes["q-multivaluelist"] == ["nho", "lon"]
        assert report.attributes["q-singlevaluelist"] == "lon"
        assert report.status == "submitted"
        assert report.public is False


def test_an_address_alone_locates_a_request(platform: Platform) -> None:
    key = new_client(platform)[1]
    answer = platform.client().post(
        f"{BASE}/requests.json",
        data=form(key, lat=None, long=None, address_string="Cầu Trường Tiền"),
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_posting_needs_a_live_api_key(platform: Platform, fmt: str) -> None:
    client_id, key = new_client(platform)
    client = platform.client()
    missing = client.post(f"{BASE}/requests.{fmt}", data=form(key, api_key=None))
    assert missing.status_code == 403
    assert errors_of(missing) == [(403, "api_key was not provided.")]
    wrong = client.post(f"{BASE}/requests.{fmt}", data=form("o311_not-a-key"))
    assert wrong.status_code == 403
    assert errors_of(wrong) == [(403, "api_key is invalid or revoked.")]
    admin = platform.client("province_admin")
    assert admin.post(f"{ADMIN_API}/{client_id}/revoke").status_code == 200
    revoked = client.post(f"{BASE}/requests.{fmt}", data=form(key))
    assert revoked.status_code == 403
    assert count_reports(platform) == 0


@pytest.mark.parametrize(
    ("changes", "status", "description"),
    [
        ({"service_code": None}, 400, "service_code was not provided."),
        ({"service_code": "nope"}, 404, "service_code not found: 'nope'."),
        ({"long": None}, 400, "long: lat and long must be sent together."),
        ({"lat": None}, 400, "lat: lat and long must be sent together."),
        ({"description": "x" * 4001}, 400, "description: at most 4000 characters."),
    ],
)
def test_refused_requests_name_the_parameter(
    platform: Platform, changes: dict, status: int, description: str
) -> None:
    key = new_client(platform)[1]
    for fmt in ("json", "xml"):
        answer = platform.client().post(f"{BASE}/requests.{fmt}", data=form(key, **changes))
        assert answer.status_code == status
        assert errors_of(answer) == [(status, description)]
    assert count_reports(platform) == 0


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"lat": None, "long": None}, "lat & long, address_string or address_id"),
        ({"lat": "abc"}, "lat"),
        ({"long": "500"}, "long"),
        ({"attribute[q-singlevaluelist]": None}, "attribute[q-singlevaluelist]"),
        ({"attribute[q-singlevaluelist]": "huge"}, "attribute[q-singlevaluelist]"),
        ({"attribute[q-number]": "many"}, "attribute[q-number]"),
        ({"attribute[q-multivaluelist][]": ["nho", "zzz"]}, "attribute[q-multivaluelist]"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"media_url": "ftp://x"}, "media_url"),
        ({"address_id": "99999"}, "address_id"),
        ({"description": ""}, "description"),
    ],
)
def test_invalid_fields_are_400_naming_the_open311_parameter(
    platform: Platform, changes: dict, parameter: str
) -> None:
    key = new_client(platform)[1]
    answer = platform.client().post(f"{BASE}/requests.json", data=form(key, **changes))
    assert answer.status_code == 400, answer.get_data(as_text=True)
    errors = errors_of(answer)
    assert all(code == 400 for code, _ in errors)
    assert any(text.startswith(f"{parameter}: ") for _, text in errors), errors
    assert count_reports(platform) == 0


# -- the admin API -------------------------------------------------------------------------


def test_the_province_admin_registers_lists_and_revokes_clients(platform: Platform) -> None:
    admin = platform.client("province_admin")
    made = admin.post(
        ADMIN_API,
        json={"name": "Huế-S", "contact_email": "dev@hue.gov.vn", "organization": "huewaco"},
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    key = body["api_key"]
    assert key.startswith("o311_") and len(key) > 40
    assert body["key_prefix"] == key[:12]
    assert body["organization"] == "huewaco"
    assert body["revoked_at"] is None

    listed = admin.get(ADMIN_API)
    assert listed.status_code == 200
    (row,) = listed.get_json()
    assert "api_key" not in row and key not in listed.get_data(as_text=True)
    assert row["id"] == body["id"]

    # The key works, and is kept only as its digest.
    posted = platform.client().post(f"{BASE}/requests.json", data=form(key))
    assert posted.status_code == 200
    with platform.context() as session:
        stored = session.get(Open311Client, body["id"])
        assert stored.key_hash != key and key not in stored.key_hash
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action.like("open311.%"))).all()
        assert [a.action for a in audit] == ["open311.client_created"]
        assert key not in repr((audit[0].before, audit[0].after))
        assert audit[0].actor_id == platform.users["province_admin"].id

    revoked = admin.post(f"{ADMIN_API}/{body['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.get_json()["revoked_at"] is not None
    assert admin.post(f"{ADMIN_API}/{body['id']}/revoke").status_code == 409
    assert admin.post(f"{ADMIN_API}/999/revoke").status_code == 404
    assert platform.client().post(f"{BASE}/requests.json", data=form(key)).status_code == 403
    with platform.context() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("open311.%"))
        ).all()
    assert actions == ["open311.client_created", "open311.client_revoked"]


@pytest.mark.parametrize("role", [None, "citizen", "official", "ioc_operator", "partner_staff"])
def test_only_the_province_admin_manages_clients(platform: Platform, role: str | None) -> None:
    client_id = new_client(platform)[0]
    caller = platform.client(role)
    expected = 401 if role is None else 403
    assert caller.get(ADMIN_API).status_code == expected
    assert caller.post(ADMIN_API, json={"name": "x"}).status_code == expected
    assert caller.post(f"{ADMIN_API}/{client_id}/revoke").status_code == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "organization": "khong-co"}, "organization"),
        ({"name": "x", "contact_email": "khong-phai-email"}, "contact_email"),
    ],
)
def test_bad_client_registrations_are_refused(platform: Platform, body: dict, field: str) -> None:
    answer = platform.client("province_admin").post(ADMIN_API, json=body)
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]
    with platform.context() as session:
        assert session.scalar(select(func.count(Open311Client.id))) == 0


# -- the command line ----------------------------------------------------------------------


def test_the_cli_creates_lists_and_revokes_clients(make_platform, tmp_path: Path) -> None:
    url = database_url(tmp_path / "cli.sqlite3")
    platform = make_platform(plugins=[], database_url=url)
    add_category(platform)
    env = {
        "SIEUAPP_DATABASE_URL": url,
        "SIEUAPP_INSTANCE_PATH": str(tmp_path / "cli"),
        "SIEUAPP_PLUGINS": "",
    }
    made = invoke(
        ["open311", "clients", "create", "--name", "Cổng Huế", "--organization", "huewaco"], env
    )
    key = next(line for line in made.output.splitlines() if line.startswith("api_key: "))[9:]
    assert key.startswith("o311_")
    listed = invoke(["open311", "clients", "list"], env).output
    assert "Cổng Huế" in listed and "huewaco" in listed and "active" in listed
    assert key not in listed and key[:12] in listed
    posted = platform.client().post(f"{BASE}/requests.json", data=form(key))
    assert posted.status_code == 200
    with platform.context() as session:
        client_id = session.scalar(select(Open311Client.id))
    invoke(["open311", "clients", "revoke", str(client_id)], env)
    assert "revoked" in invoke(["open311", "clients", "list"], env).output
    again = invoke(["open311", "clients", "revoke", str(client_id)], env, code=1)
    assert "already revoked" in again.output
    invoke(["open311", "clients", "revoke", "999"], env, code=1)
    refused = invoke(["open311", "clients", "create", "--name", "x", "--organization", "?"], env, 1)
    assert "organization" in refused.output
    assert platform.client().post(f"{BASE}/requests.json", data=form(key)).status_code == 403
