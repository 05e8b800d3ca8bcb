"""An in-memory platform for tests: the host, one tenant (Huế), a user per role, and the
plugins asked for installed and enabled. Used by core's tests and by the SDK's pytest plugin."""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from sieuapp.sdk import Role
from sqlalchemy import Engine, MetaData, create_engine, make_url, text
from sqlalchemy.orm import Session

from . import create_app
from ._runtime import Runtime
from .db import migrate, unit_of_work
from .identity import accounts
from .identity.models import User
from .plugins import modules
from .tenancy.context import load_tenant
from .tenancy.models import Organization, Tenant
from .tenancy.provinces import create_tenant
from .tenancy.seed import seed_organizations

HUE = 46
TENANT = "hue"
BASE_DOMAIN = "sieuapp.test"

#: The users every test platform has, by role; officials work in the Department of Construction.
ROLE_USERS: dict[str, tuple[str, str, str | None]] = {
    Role.CITIZEN: ("citizen", "Nguyễn Văn An", None),
    Role.OFFICIAL: ("official", "Trần Thị Bình", "so-xay-dung"),
    Role.IOC_OPERATOR: ("ioc", "Lê Văn Cường", "hue-ioc"),
    Role.PROVINCE_ADMIN: ("admin", "Phạm Thị Dung", "ubnd-hue"),
    Role.PARTNER_STAFF: ("partner", "Hoàng Văn Em", "mai-linh-hue"),
}


def test_database_url(label: str = "") -> str:
    """A PostgreSQL database of this process's own on the server ``SIEUAPP_TEST_DATABASE_URL``
    names (CI), or an in-memory SQLite database. ``label`` asks for another one, for a test that
    runs two platforms side by side."""
    base = os.environ.get("SIEUAPP_TEST_DATABASE_URL")
    if not base:
        return "sqlite://"
    return _private_database(base, label)


@cache
def _private_database(base: str, label: str) -> str:
    # Each test process drops and recreates its schema per test; a database of its own keeps
    # two runs against one server (two developers, a helper and CI) out of each other's way.
    url = make_url(base)
    name = "_".join(filter(None, (url.database, str(os.getpid()), label)))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    atexit.register(_drop_database, admin, name)
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def reset_database(engine: Engine) -> None:
    """Drop everything, so each platform starts from the migrations."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        return
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


class TenantClient(FlaskClient):
    """A test client whose requests go to one tenant's host name."""

    host = f"{TENANT}.{BASE_DOMAIN}"

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", f"http://{self.host}/")
        return super().open(*args, **kwargs)


class Platform:
    def __init__(self, app: Flask, tenant_slug: str = TENANT) -> None:
        self.app = app
        self.runtime: Runtime = app.extensions["sieuapp"]
        self.tenant_slug = tenant_slug
        self.users: dict[str, User] = {}
        self._tokens: dict[str, str] = {}

    @classmethod
    def create(
        cls,
        instance_path: Path,
        plugins: Sequence[str] | None = None,
        entry_points: Iterable[EntryPoint] | None = None,
        enable: bool = True,
        **settings: Any,
    ) -> Platform:
        """``plugins`` lists the plugin ids to load, install and enable (None: all discovered,
        loaded but not installed); ``entry_points`` replaces discovery altogether."""
        settings.setdefault("database_url", test_database_url())
        settings.setdefault("base_domain", BASE_DOMAIN)
        settings.setdefault("default_tenant", TENANT)
        settings.setdefault("task_backend", "inline")
        settings.setdefault("secret_key", "test-secret")
        if plugins is not None:
            settings["plugins"] = tuple(plugins)
            if not plugins and entry_points is None:
                entry_points = []
        app = create_app(instance_path=instance_path, entry_points=entry_points, **settings)
        platform = cls(app)
        reset_database(platform.runtime.engine)
        migrate.upgrade(platform.runtime.engine)
        platform._seed()
        for plugin_id in plugins or ():
            platform.install(plugin_id, enable=enable)
        return platform

    def _seed(self) -> None:
        with unit_of_work(self.runtime.sessionmaker) as session:
            tenant = create_tenant(session, TENANT, HUE)
            seed_organizations(session, tenant, communes=5)
            for role, (username, name, org_code) in ROLE_USERS.items():
                user = accounts.create_user(session, username, None, name, phone="0905000000")
                org_id = None
                if org_code is not None:
                    org_id = (
                        session.query(Organization.id)
                        .filter_by(tenant_id=tenant.id, code=org_code)
                        .scalar()
                    )
                if role != Role.CITIZEN:
                    accounts.assign_role(session, user, tenant.id, role, org_id)
                self.users[role] = user

    # -- acting on the platform -----------------------------------------------------------

    @contextmanager
    def context(self, tenant_slug: str | None = None) -> Iterator[Session]:
        """An app context with the tenant resolved, as inside a request; commits at the end."""
        with self.app.app_context():
            from .db import current_session

            tenant = load_tenant(tenant_slug or self.tenant_slug)
            if tenant is None:
                raise LookupError(f"no tenant {tenant_slug!r}")
            g.tenant = tenant
            session = current_session()
            yield session
            session.commit()

    def call_hook(self, plugin_id: str, hook: str, **kwargs: Any) -> Any:
        """Call one plugin's hook as the host does, for this platform's tenant (``tenant`` and
        ``services`` are supplied; ``kwargs`` are the hook's other arguments)."""
        with self.context():
            tenant = g.tenant
            return self.runtime.host.call(
                plugin_id, hook, tenant.id, tenant=tenant.info(), **kwargs
            )

    def install(self, plugin_id: str, enable: bool = True) -> None:
        actor = modules.Actor(None, "test")
        with self.context() as session:
            modules.install(self.runtime, session, plugin_id, actor)
        if enable:
            with self.context() as session:
                modules.enable(self.runtime, session, plugin_id, actor)

    def disable(self, plugin_id: str) -> None:
        with self.context() as session:
            modules.disable(self.runtime, session, plugin_id, modules.Actor(None, "test"))

    def token(self, role: str) -> str:
        if role not in self._tokens:
            with unit_of_work(self.runtime.sessionmaker) as session:
                tenant_id = session.query(Tenant.id).filter_by(slug=self.tenant_slug).scalar()
                user = session.get(User, self.users[role].id)
                secret, _ = accounts.issue_token(session, user, tenant_id, 3600)
            self._tokens[role] = secret
        return self._tokens[role]

    def client(self, role: str | None = None, tenant: str | None = None) -> FlaskClient:
        """A test client for ``<tenant>.sieuapp.test``, signed in as the user of ``role``."""
        self.app.test_client_class = TenantClient
        client = self.app.test_client()
        client.host = f"{tenant or self.tenant_slug}.{BASE_DOMAIN}"  # type: ignore[attr-defined]
        if role is not None:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.token(role)}"
        return client

    def run_tasks(self) -> int:
        """Run every due background task now, in this thread."""
        return self.runtime.task_backend.drain()

    def close(self) -> None:
        backend = self.runtime.task_backend
        if backend is not None:
            backend.shutdown()
        self.runtime.engine.dispose()
