"""The rider's page, the module's entry in the app: rendered in the rider's language, large text
on request, self-contained (its script and stylesheet from the plugin, the bridge from the
platform), public itself while its API wants the token. What the script does in a browser is
the app's Playwright tests' to check; here, what the server sends."""

from __future__ import annotations

import json
import re

from markupsafe import escape
from sieuapp_taxi import texts
from sieuapp_taxi.feedback import COMPLAINT_KINDS
from sieuapp_taxi.rides import ACTIVE, PASSENGER_REASONS

PAGE = "/m/taxi/app/"


def page(client, query="", **headers):
    response = client.get(PAGE + query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response, response.get_data(as_text=True)


def assets(html):
    return re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', html)


def test_the_manifest_points_the_app_at_the_page(citizen_client, anonymous_client):
    for client in (citizen_client, anonymous_client):
        modules = client.get("/api/v1/modules").get_json()["modules"]
        taxi = next(m for m in modules if m["id"] == "taxi")
        assert taxi["entry_url"] == PAGE
        assert taxi["version"] == "0.2.0"
    # The app adds the language (and large text) to the entry URL.
    assert anonymous_client.get(PAGE + "?lang=en&large=1").status_code == 200
    assert anonymous_client.get("/m/taxi/app").status_code in (301, 308)


def test_in_vietnamese_by_default(anonymous_client):
    response, html = page(anonymous_client)
    assert response.mimetype == "text/html"
    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in html
    assert 'name="viewport"' in html
    assert "<h1>Đặt taxi</h1>" in html
    assert "<title>Đặt taxi · Thành phố Huế</title>" in html
    assert "Dùng vị trí của tôi" in html and "Xem giá" in html
    assert "Use my location" not in html


def test_in_english_with_lang_en(anonymous_client):
    response, html = page(anonymous_client, "?lang=en")
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "<h1>Taxi</h1>" in html
    assert "Use my location" in html and "See fares" in html
    for key, message in texts.PAGE.items():
        assert str(escape(message.vi)) not in html or message.vi == message.en, key
    for kind in COMPLAINT_KINDS.values():
        assert f">{escape(kind.en)}</option>" in html
    for reason in PASSENGER_REASONS:
        assert f'<option value="{reason}">{escape(texts.PAGE["reason_" + reason].en)}' in html


def test_lang_wins_over_accept_language_and_a_bad_one_is_ignored(anonymous_client):
    _, html = page(anonymous_client, "?lang=vi", **{"Accept-Language": "en"})
    assert '<html lang="vi">' in html
    _, html = page(anonymous_client, "?lang=fr", **{"Accept-Language": "en-GB"})
    assert '<html lang="en">' in html
    _, html = page(anonymous_client, "?lang=<b>")
    assert '<html lang="vi">' in html


def test_every_text_is_in_both_languages_and_the_script_gets_them(anonymous_client):
    for key, message in texts.PAGE.items():
        assert message.vi.strip() and message.en.strip(), key
    for language in ("vi", "en"):
        _, html = page(anonymous_client, f"?lang={language}")
        found = re.search(
            r'<script type="application/json" id="taxi-texts">(.*?)</script>', html, re.S
        )
        assert found is not None
        given = json.loads(found.group(1))
        assert given == {k: m.get(language) for k, m in texts.PAGE.items()}


def test_the_script_asks_only_for_texts_the_page_has(anonymous_client):
    script = anonymous_client.get("/m/taxi/static/taxi.js").get_data(as_text=True)
    used = set(re.findall(r'say\("([a-z_0-9]+)"\s*[,)]', script))
    used |= set(re.findall(r'notice\("([a-z_0-9]+)"\)', script))
    assert used and used <= set(texts.PAGE), used - set(texts.PAGE)
    # The keys it builds from the API's codes: every state and who cancelled.
    for state in (*ACTIVE, "completed", "cancelled"):
        assert "state_" + state in texts.PAGE
    for who in ("passenger", "driver", "provider"):
        assert "cancelled_by_" + who in texts.PAGE


def test_it_loads_the_bridge_and_its_own_script_and_nothing_from_elsewhere(anonymous_client):
    response, html = page(anonymous_client)
    loaded = assets(html)
    assert "/app/static/module.js" in loaded
    assert any(re.fullmatch(r"/m/taxi/static/taxi\.js\?v=[0-9a-f]{16}", a) for a in loaded)
    assert any(re.fullmatch(r"/m/taxi/static/taxi\.css\?v=[0-9a-f]{16}", a) for a in loaded)
    # module.js defines window.sieuapp: it comes before the plugin's script.
    assert html.index("/app/static/module.js") < html.index("/m/taxi/static/taxi.js")
    assert not re.search(r"https?://|//[a-z0-9]", html)
    assert not re.search(r"<(img|iframe)\b", html)
    assert "@import" not in html and "url(" not in html
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    for asset in ("taxi.js", "taxi.css"):
        body = anonymous_client.get(f"/m/taxi/static/{asset}").get_data(as_text=True)
        assert not re.search(r"https?://", body), asset
        assert "@import" not in body and "url(" not in body


def test_the_script_and_stylesheet_are_served_with_a_type_and_a_long_cache(anonymous_client):
    _, html = page(anonymous_client)
    script_url = next(a for a in assets(html) if "taxi.js" in a)
    response = anonymous_client.get(script_url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    etag = response.headers["ETag"]
    again = anonymous_client.get(script_url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    # Without its digest (or with an old one) the address may change: revalidate.
    for url in ("/m/taxi/static/taxi.js", "/m/taxi/static/taxi.js?v=0000000000000000"):
        assert anonymous_client.get(url).headers["Cache-Control"] == "public, no-cache"
    style_url = next(a for a in assets(html) if "taxi.css" in a)
    style = anonymous_client.get(style_url)
    assert style.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "html.large" in style.get_data(as_text=True)
    for missing in ("module.js", "page.py", "..%2Fpage.py", "taxi.JS"):
        assert anonymous_client.get(f"/m/taxi/static/{missing}").status_code == 404


def test_large_text(anonymous_client):
    _, html = page(anonymous_client, "?lang=en&large=1")
    assert '<html lang="en" class="large">' in html
    _, html = page(anonymous_client, "?large=0")
    assert 'class="large"' not in html


def test_the_page_is_public_and_the_api_wants_the_token(anonymous_client, citizen_client):
    _, anonymous = page(anonymous_client)
    _, signed_in = page(citizen_client)
    assert anonymous == signed_in  # nothing about the caller in it
    trip = {"pickup": {"lat": 16.4677, "lon": 107.579}, "dropoff": {"lat": 16.4563, "lon": 107.578}}
    for method, path, body in (
        ("get", "/m/taxi/", None),
        ("post", "/m/taxi/estimate", trip),
        ("get", "/m/taxi/rides", None),
        ("post", "/m/taxi/rides", trip),
        ("get", "/m/taxi/driver", None),
        ("get", "/m/taxi/firm/tariffs", None),
        ("get", "/m/taxi/province/stats", None),
    ):
        answer = getattr(anonymous_client, method)(path, json=body)
        assert answer.status_code == 401, (path, answer.get_json())
    assert citizen_client.get("/m/taxi/").status_code == 200


def test_the_form_starts_in_hue_and_names_every_field_the_api_may_fault(anonymous_client):
    _, html = page(anonymous_client)
    for name in ("pickup.lat", "pickup.lon", "dropoff.lat", "dropoff.lon"):
        assert f'name="{name}"' in html
    assert 'value="16.4677"' in html and 'value="107.579"' in html
    for field in (
        "pickup",
        "pickup.lat",
        "pickup.lon",
        "dropoff",
        "dropoff.lat",
        "dropoff.lon",
        "pickup_address",
        "dropoff_address",
        "seats",
        "passengers",
        "firm",
        "reason",
        "method",
        "stars",
        "comment",
        "kind",
        "description",
    ):
        assert f'data-error-for="{field}"' in html, field
    assert re.findall(r'name="seats" value="(\d)"', html) == ["4", "7"]
    # Every input has a label: the inputs are inside <label> elements.
    for found in re.finditer(r"<(input|select|textarea)\b", html):
        before = html[: found.start()]
        assert before.rfind("<label") > before.rfind("</label>"), html[found.start() :][:80]


def test_a_disabled_module_has_no_page(province, admin_client, anonymous_client):
    assert admin_client.post("/api/v1/admin/plugins/taxi/disable").status_code == 200
    assert anonymous_client.get(PAGE).status_code == 404
    assert anonymous_client.get("/m/taxi/static/taxi.js").status_code == 404
