"""pytest plugin: an in-memory sieuapp with the plugin under test, and clients acting as a
citizen, an official, an IOC operator, a province admin and a partner's staff.

Name the plugin under test in a fixture (or ``sieuapp_plugins`` in the pytest ini)::

    @pytest.fixture
    def sieuapp_plugins():
        return ["taxi"]

The first plugin named is the one ``configure_plugin`` and ``call_hook`` act on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask.testing import FlaskClient


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "sieuapp_plugins", "plugin ids the in-memory sieuapp loads, installs and enables", "args"
    )


@pytest.fixture
def sieuapp_plugins(request: pytest.FixtureRequest) -> list[str]:
    """The plugins under test; override this fixture in your conftest.py."""
    return list(request.config.getini("sieuapp_plugins") or [])


@pytest.fixture
def sieuapp_platform(sieuapp_plugins: list[str], tmp_path: Path) -> Iterator[Any]:
    """The platform, with the plugins under test installed and enabled for the tenant ``hue``."""
    try:
        from sieuapp.core.testing import Platform
    except ImportError as exc:  # pragma: no cover - depends on the partner's environment
        raise pytest.UsageError(
            "the sieuapp pytest plugin needs the host: install 'sieuapp-sdk[testing]'"
        ) from exc
    platform = Platform.create(instance_path=tmp_path / "instance", plugins=sieuapp_plugins)
    yield platform
    platform.close()


@pytest.fixture
def sieuapp_server_url(sieuapp_platform: Any) -> Iterator[str]:
    """The platform served over real HTTP on loopback (``http://127.0.0.1:<port>``), for what
    calls it from outside: a payment gateway's notification, a partner's back-end, a browser.
    A host that is no tenant's name is the default tenant, ``hue``."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, sieuapp_platform.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def anonymous_client(sieuapp_platform: Any) -> FlaskClient:
    return sieuapp_platform.client(None)


@pytest.fixture
def citizen_client(sieuapp_platform: Any) -> FlaskClient:
    return sieuapp_platform.client("citizen")


@pytest.fixture
def official_client(sieuapp_platform: Any) -> FlaskClient:
    return sieuapp_platform.client("official")


@pytest.fixture
def ioc_client(sieuapp_platform: Any) -> FlaskClient:
    return sieuapp_platform.client("ioc_operator")


@pytest.fixture
def admin_client(sieuapp_platform: Any) -> FlaskClient:
    return sieuapp_platform.client("province_admin")


@pytest.fixture
def partner_client(sieuapp_platform: Any) -> FlaskClient:
    return sieuapp_platform.client("partner_staff")


@pytest.fixture
def configure_plugin(
    admin_client: FlaskClient, sieuapp_plugins: list[str]
) -> Callable[[dict[str, Any]], Any]:
    """PUT a configuration of the plugin under test through the admin API, as the province's
    console does; returns the response (422 naming the field when the schema refuses it)."""
    if not sieuapp_plugins:
        raise pytest.UsageError("configure_plugin needs a plugin under test in sieuapp_plugins")
    url = f"/api/v1/admin/plugins/{sieuapp_plugins[0]}/config"

    def put(config: dict[str, Any]) -> Any:
        return admin_client.put(url, json=config)

    return put


@pytest.fixture
def call_hook(sieuapp_platform: Any, sieuapp_plugins: list[str]) -> Callable[..., Any]:
    """Call one of the plugin under test's hooks as the host does, for the tenant ``hue``:
    ``call_hook("health")``; the host passes ``tenant`` and ``services``."""
    if not sieuapp_plugins:
        raise pytest.UsageError("call_hook needs a plugin under test in sieuapp_plugins")

    def call(hook: str, **kwargs: Any) -> Any:
        return sieuapp_platform.call_hook(sieuapp_plugins[0], hook, **kwargs)

    return call
