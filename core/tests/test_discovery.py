"""Discovery for the app frontend: ``GET /api/v1/modules`` lists the modules on for the
request's tenant and the caller's role, in the caller's language, with an ETag."""

from __future__ import annotations

import textwrap

import pytest


def described_source(
    plugin_id: str,
    roles: tuple[str, ...],
    name: tuple[str, str],
    description: tuple[str, str],
    scopes: tuple[tuple[str, str, str], ...] = (),
    route: str = "/",
    icon: str = "app",
    category: str = "other",
) -> str:
    scope_list = "".join(f"Scope({n!r}, text({vi!r}, {en!r}))," for n, vi, en in scopes)
    return textwrap.dedent(
        f"""
        from sieuapp.sdk import FrontendEntry, Manifest, Scope, hookimpl, text

        @hookimpl
        def manifest():
            return Manifest(
                id={plugin_id!r},
                name=text{name!r},
                description=text{description!r},
                sdk_api=">=1.0,<2",
                scopes=({scope_list}),
                frontend=FrontendEntry(route={route!r}, icon={icon!r}, category={category!r}),
                roles={roles!r},
            )
        """
    )


TAXI_VI = {
    "id": "taxi",
    "name": "Taxi Huế",
    "description": "Gọi xe trong thành phố",
    "version": "2.1.0",
    "icon": "taxi",
    "entry_url": "/m/taxi/book",
    "category": "transport",
    "scopes": [
        {"name": "location", "purpose": "Để tìm xe gần bạn"},
        {"name": "phone", "purpose": "Để tài xế gọi cho bạn"},
    ],
}
TAXI_EN = {
    **TAXI_VI,
    "name": "Hue Taxi",
    "description": "Book a car in the city",
    "scopes": [
        {"name": "location", "purpose": "To find a car near you"},
        {"name": "phone", "purpose": "So the driver can call you"},
    ],
}


@pytest.fixture
def platform(make_platform, synthetic):
    synthetic(
        "taxi",
        described_source(
            "taxi",
            ("citizen",),
            ("Taxi Huế", "Hue Taxi"),
            ("Gọi xe trong thành phố", "Book a car in the city"),
            scopes=(
                ("location", "Để tìm xe gần bạn", "To find a car near you"),
                ("phone", "Để tài xế gọi cho bạn", "So the driver can call you"),
            ),
            route="/book",
            icon="taxi",
            category="transport",
        ),
        version="2.1.0",
    )
    synthetic(
        "inspections",
        described_source(
            "inspections", ("official",), ("Thanh tra", "Inspections"), ("Hồ sơ", "Case files")
        ),
    )
    synthetic(
        "weather",
        described_source(
            "weather",
            ("anonymous",),
            ("Thời tiết", "Weather"),
            ("Dự báo", "Forecast"),
            icon="/icons/weather.svg",
            category="daily-life",
        ),
    )
    synthetic("dormant", described_source("dormant", ("anonymous",), ("Ngủ", "Asleep"), ("a", "b")))
    synthetic("spare", described_source("spare", ("anonymous",), ("Dự phòng", "Spare"), ("a", "b")))
    platform = make_platform(entry_points=synthetic.entry_points())
    for plugin_id in ("taxi", "inspections", "weather"):
        platform.install(plugin_id)
    platform.install("dormant", enable=False)
    return platform


def listed(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [m["id"] for m in response.json["modules"]]


def test_fields_are_in_vietnamese_by_default(platform):
    response = platform.client("citizen").get("/api/v1/modules")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"
    assert response.json["tenant"] == "hue"
    assert response.json["language"] == "vi"
    modules = {m["id"]: m for m in response.json["modules"]}
    assert modules["taxi"] == TAXI_VI
    assert modules["weather"]["icon"] == "/icons/weather.svg"
    assert modules["weather"]["category"] == "daily-life"
    assert modules["weather"]["entry_url"] == "/m/weather/"
    assert modules["weather"]["scopes"] == []
    assert modules["weather"]["version"] == "1.0.0"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("en-US,en;q=0.9", "en"),
        ("en", "en"),
        ("vi;q=0.4, en;q=0.8", "en"),
        ("fr-FR,fr;q=0.9", "vi"),
        ("vi-VN,vi;q=0.9,en;q=0.5", "vi"),
        ("", "vi"),
    ],
)
def test_the_language_follows_accept_language(platform, header, language):
    response = platform.client("citizen").get(
        "/api/v1/modules", headers={"Accept-Language": header}
    )
    assert response.status_code == 200
    assert response.json["language"] == language
    assert response.headers["Content-Language"] == language
    taxi = next(m for m in response.json["modules"] if m["id"] == "taxi")
    assert taxi == (TAXI_EN if language == "en" else TAXI_VI)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, ["weather"]),
        ("citizen", ["taxi", "weather"]),
        ("partner_staff", ["taxi", "weather"]),
        ("official", ["inspections", "taxi", "weather"]),
        ("province_admin", ["taxi", "weather"]),
    ],
)
def test_only_modules_the_role_sees_are_listed(platform, role, expected):
    assert listed(platform.client(role).get("/api/v1/modules")) == expected


def test_etag_and_304(platform):
    client = platform.client("citizen")
    first = client.get("/api/v1/modules")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    vary = {v.strip() for v in first.headers["Vary"].split(",")}
    assert {"Accept-Language", "Authorization"} <= vary
    assert "no-cache" in first.headers["Cache-Control"]
    assert "private" in first.headers["Cache-Control"]

    again = client.get("/api/v1/modules", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert {"Accept-Language", "Authorization"} <= {
        v.strip() for v in again.headers["Vary"].split(",")
    }

    # RFC 9110: If-None-Match compares weakly, and may list several tags or "*".
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        assert client.get("/api/v1/modules", headers={"If-None-Match": header}).status_code == 304

    stale = client.get("/api/v1/modules", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200
    assert stale.json == first.json


def test_the_etag_differs_by_language_and_role(platform):
    citizen = platform.client("citizen")
    vi = citizen.get("/api/v1/modules").headers["ETag"]
    en = citizen.get("/api/v1/modules", headers={"Accept-Language": "en"})
    assert en.headers["ETag"] != vi
    cross = citizen.get("/api/v1/modules", headers={"If-None-Match": vi, "Accept-Language": "en"})
    assert cross.status_code == 200
    official = platform.client("official").get("/api/v1/modules", headers={"If-None-Match": vi})
    assert official.status_code == 200
    assert official.headers["ETag"] != vi


def test_the_etag_changes_after_a_disable_and_the_list_with_it(platform):
    client = platform.client("citizen")
    admin = platform.client("province_admin")
    first = client.get("/api/v1/modules")
    etag = first.headers["ETag"]

    assert admin.post("/api/v1/admin/plugins/weather/disable").status_code == 200
    after = client.get("/api/v1/modules", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag
    assert listed(after) == ["taxi"]

    assert admin.post("/api/v1/admin/plugins/dormant/enable").status_code == 200
    assert listed(client.get("/api/v1/modules")) == ["dormant", "taxi"]

    assert admin.post("/api/v1/admin/plugins/dormant/disable").status_code == 200
    assert admin.post("/api/v1/admin/plugins/weather/enable").status_code == 200
    # The same modules again: the same answer, so the old ETag is current again.
    back = client.get("/api/v1/modules", headers={"If-None-Match": etag})
    assert back.status_code == 304


def test_a_change_that_lists_nothing_new_keeps_the_etag(platform):
    """The ETag is the answer's, not the version's: every worker computes the same one."""
    client = platform.client("citizen")
    etag = client.get("/api/v1/modules").headers["ETag"]
    admin = platform.client("province_admin")
    # Installing a module bumps the tenant's modules version without changing the list.
    assert admin.post("/api/v1/admin/plugins/spare/install").status_code == 200
    assert client.get("/api/v1/modules", headers={"If-None-Match": etag}).status_code == 304


def test_an_invalid_token_is_401_not_an_anonymous_list(platform):
    response = platform.client().get("/api/v1/modules", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_an_unknown_tenant_is_404(platform):
    response = platform.client().get("/api/v1/modules", base_url="http://nowhere.sieuapp.test/")
    assert response.status_code == 404
    assert set(response.json) == {"code", "message", "errors"}


def test_two_apps_in_one_process_do_not_share_answers(make_platform, synthetic):
    """Tenant ids and modules versions repeat across apps; a shared cache would mix them."""
    synthetic("weather", described_source("weather", ("anonymous",), ("T", "W"), ("D", "F")))
    synthetic("taxi", described_source("taxi", ("anonymous",), ("X", "T"), ("G", "B")))
    eps = synthetic.entry_points()
    weather = make_platform(
        plugins=["weather"], entry_points=[e for e in eps if e.name == "weather"]
    )
    assert listed(weather.client().get("/api/v1/modules")) == ["weather"]
    # The second platform starts from an empty database: same tenant id, same version.
    taxi = make_platform(plugins=["taxi"], entry_points=[e for e in eps if e.name == "taxi"])
    assert listed(taxi.client().get("/api/v1/modules")) == ["taxi"]
