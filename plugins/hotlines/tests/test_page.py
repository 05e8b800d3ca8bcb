"""The server-rendered page: phone-friendly, tap-to-call, bilingual, self-contained, escaped."""

from __future__ import annotations

import re

PAGE = "/m/hotlines/"


def test_page_in_vietnamese_with_tel_links(anonymous_client):
    response = anonymous_client.get(PAGE)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Language"] == "vi"
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert 'name="viewport"' in html
    assert "<h1>Đường dây nóng</h1>" in html
    assert re.findall(r'href="(tel:[^"]+)"', html) == [
        "tel:113",
        "tel:114",
        "tel:115",
        "tel:112",
        "tel:111",
    ]
    assert "Cấp cứu" in html
    assert "<h2>Khẩn cấp</h2>" in html
    assert "Thành phố Huế" in html  # the tenant's name


def test_page_in_english(anonymous_client):
    response = anonymous_client.get(PAGE, headers={"Accept-Language": "en-GB"})
    html = response.get_data(as_text=True)
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "<h1>Hotlines</h1>" in html
    assert "Ambulance" in html
    assert "Cấp cứu" not in html


def test_page_lists_configured_numbers_grouped(anonymous_client, configured):
    html = anonymous_client.get(PAGE).get_data(as_text=True)
    assert 'href="tel:19001075"' in html
    assert "1900 1075" in html
    assert 'href="tel:0905123456"' in html
    assert "0905 123 456" in html
    assert html.index("<h2>Dịch vụ công</h2>") < html.index("Tổng đài Hue-S")
    assert html.index("<h2>Y tế</h2>") < html.index("Trực ban Sở Y tế")
    assert "<h2>Du lịch</h2>" not in html  # empty categories are left out


def test_page_loads_nothing_from_elsewhere(anonymous_client, configured):
    html = anonymous_client.get(PAGE).get_data(as_text=True)
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"https?://|//[a-z0-9]", html)
    assert "@import" not in html and "url(" not in html


def test_configured_names_are_escaped(anonymous_client, configure_plugin):
    response = configure_plugin(
        {
            "entries": [
                {
                    "name": {"vi": "<script>alert(1)</script>", "en": "<b>x</b>"},
                    "number": "02343822222",
                    "category": "health",
                }
            ]
        }
    )
    assert response.status_code == 200
    html = anonymous_client.get(PAGE).get_data(as_text=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
