"""The super-app and console documents and their files, through the Flask client: what the
server hands the browser, its security headers, and that every file is ours and present."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import PurePosixPath

import pytest

STATIC = files("sieuapp.core.shell").joinpath("static")


def config_of(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="sieuapp-config">(.*?)</script>', page)
    assert found, page
    return json.loads(found.group(1))


def all_static_files() -> list[str]:
    found = []

    def walk(folder, prefix: PurePosixPath) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, prefix / entry.name)
            else:
                found.append(str(prefix / entry.name))

    walk(STATIC, PurePosixPath(""))
    return sorted(found)


@pytest.mark.parametrize(("path", "app"), [("/", "citizen"), ("/console", "console")])
def test_each_page_starts_its_app_with_the_tenant_and_the_shell_client(platform, path, app):
    response = platform.client().get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    config = config_of(page)
    assert config["app"] == app
    assert config["tenant"]["slug"] == "hue"
    assert config["client_id"] == "shell-hue"
    assert config["callback"] == "/app/callback"
    assert config["language"] == "vi"
    assert f'src="/app/static/js/{app}.js?v=' in page
    # Nothing from anywhere else: no CDN, no font service.
    assert not re.search(r'(src|href)="(https?:)?//', page)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert response.headers["Cache-Control"] == "no-store"


def test_the_page_speaks_english_when_asked(platform):
    page = platform.client().get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert config_of(page)["language"] == "en"
    assert '<html lang="en">' in page


def test_the_sign_in_return_address_serves_the_same_app(platform):
    page = platform.client().get("/app/callback?code=x&state=y").get_data(as_text=True)
    assert config_of(page)["app"] == "citizen"


def test_static_files_are_versioned_revalidated_and_confined(platform):
    client = platform.client()
    page = client.get("/").get_data(as_text=True)
    script = re.search(r'src="(/app/static/js/citizen.js\?v=[0-9a-f]+)"', page).group(1)
    versioned = client.get(script)
    assert versioned.status_code == 200 and versioned.mimetype == "text/javascript"
    assert "immutable" in versioned.headers["Cache-Control"]
    assert versioned.headers["X-Content-Type-Options"] == "nosniff"
    # Imported by another module, without a version: the browser must ask again each time.
    plain = client.get("/app/static/js/api.js")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    again = client.get("/app/static/js/api.js", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304
    for missing in (
        "/app/static/js/nothing.js",
        "/app/static/../views.py",
        "/app/static/%2e%2e/views.py",
        "/app/static/js/../../views.py",
        "/app/static/README",
    ):
        assert client.get(missing).status_code == 404, missing


def test_every_import_and_asset_the_apps_name_exists():
    present = set(all_static_files())
    for name in present:
        if not name.endswith(".js"):
            continue
        source = STATIC.joinpath(*PurePosixPath(name).parts).read_text()
        for target in re.findall(r'from "(\.{1,2}/[^"]+)"', source):
            resolved = PurePosixPath(name).parent / target
            parts: list[str] = []
            for part in resolved.parts:
                if part == "..":
                    parts.pop()
                elif part != ".":
                    parts.append(part)
            assert "/".join(parts) in present, f"{name} imports {target}, which is not there"


def test_no_file_reaches_outside_the_platform():
    for name in all_static_files():
        if name.endswith((".png",)):
            continue
        source = STATIC.joinpath(*PurePosixPath(name).parts).read_text()
        # The SVG namespace is a name, not an address the browser fetches.
        outside = [u for u in re.findall(r"https?://[^\s\"')]+", source) if "w3.org" not in u]
        assert not outside, f"{name} names {outside}"
