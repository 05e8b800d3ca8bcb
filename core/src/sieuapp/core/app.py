"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib.metadata import EntryPoint
from typing import Any

from flask import Flask, Response, g, request
from packaging.version import Version
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from . import errors
from ._runtime import Runtime
from .db import make_engine
from .db._session import _KEY as SESSION_KEY
from .db._session import close_current_session
from .plugins import gate, usage
from .plugins._containment import flush_outcomes
from .plugins._host import PluginHost
from .settings import Settings
from .storage.files import FileStore
from .tasks.backends import CeleryBackend, InlineBackend
from .tenancy.context import resolve_request_tenant
from .tenancy.stamps import make_stamps
from .web import api as web_api
from .web.nul import refuse_nul_input
from .web.sessions import LazyCookieSessionInterface

#: The SDK API this host implements; plugins outside their ``sdk_api`` range are refused.
SDK_API = Version("1.5")
log = logging.getLogger("sieuapp")


def create_app(
    settings: Settings | None = None,
    *,
    entry_points: Iterable[EntryPoint] | None = None,
    **overrides: Any,
) -> Flask:
    """Build the platform: ``settings`` from the environment unless given; ``entry_points``
    replaces plugin discovery (tests, benchmarks); ``overrides`` set single settings."""
    settings = settings or Settings.from_env(**overrides)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker(engine, expire_on_commit=False),
        files=FileStore(settings.instance_path / "storage"),
        stamps=make_stamps(
            settings.module_stamps, settings.resolved_database_url, settings.instance_path
        ),
    )
    app = Flask(
        "sieuapp.core", instance_path=str(settings.instance_path.resolve()), static_folder=None
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.session_interface = LazyCookieSessionInterface()
    app.debug = settings.debug
    app.extensions["sieuapp"] = runtime
    runtime.app = app

    errors.install(app)
    api = web_api.configure(app)
    _register_core(app, api)
    _request_cycle(app, runtime)

    runtime.host = PluginHost(runtime, SDK_API)
    runtime.host.discover(entry_points)
    runtime.host.start(app)
    _background_work(runtime)
    return app


def _register_core(app: Flask, api: web_api.Api) -> None:
    from .alerts.api import blp as alerts_blp
    from .alerts.cap_views import blp as cap_blp
    from .alerts.import_api import blp as alerts_import_blp
    from .alerts.me_api import blp as my_alerts_blp
    from .alerts.public_api import blp as public_alerts_blp
    from .audit.api import blp as audit_blp
    from .identity.api import blp as identity_blp
    from .identity.assurance.api import blp as assurance_blp
    from .identity.assurance.pages import blp as assurance_pages_blp
    from .identity.clients_api import blp as clients_blp
    from .identity.consent_api import blp as consent_blp
    from .identity.delegation.api import blp as delegation_blp
    from .identity.delegation.pages import blp as delegation_pages_blp
    from .identity.federation.views import blp as federation_blp
    from .identity.mfa_api import blp as mfa_blp
    from .identity.oidc.views import blp as oidc_blp
    from .identity.pages import blp as pages_blp
    from .identity.personal_data.api import blp as personal_data_blp
    from .identity.personal_data.pages import blp as personal_pages_blp
    from .notifications.admin_api import blp as notification_templates_blp
    from .notifications.api import blp as notifications_blp
    from .notifications.settings_api import blp as notification_settings_blp
    from .payments.admin_api import blp as payments_admin_blp
    from .payments.api import blp as payments_blp
    from .payments.done_page import blp as payment_pages_blp
    from .payments.receipt import blp as receipts_blp
    from .plugins.api import blp as modules_blp
    from .plugins.usage_api import blp as module_usage_blp
    from .reports.admin_api import blp as reports_admin_blp
    from .reports.api import blp as reports_blp
    from .reports.catalog_api import blp as reports_catalog_blp
    from .reports.open311.admin import blp as open311_admin_blp
    from .reports.open311.views import blp as open311_blp
    from .reports.public_api import blp as reports_public_blp
    from .shell import blp as shell_blp
    from .tenancy.api import blp as tenancy_blp
    from .web.health import blp as health_blp
    from .webhooks.api import blp as webhooks_blp

    app.register_blueprint(health_blp)
    app.register_blueprint(pages_blp)
    app.register_blueprint(federation_blp)
    app.register_blueprint(oidc_blp)
    for blueprint in (modules_blp, module_usage_blp, identity_blp, tenancy_blp, audit_blp):
        api.register_blueprint(blueprint)
    api.register_blueprint(mfa_blp)
    api.register_blueprint(assurance_blp)
    app.register_blueprint(assurance_pages_blp)
    api.register_blueprint(clients_blp)
    api.register_blueprint(consent_blp)
    api.register_blueprint(delegation_blp)
    api.register_blueprint(personal_data_blp)
    app.register_blueprint(personal_pages_blp)
    app.register_blueprint(delegation_pages_blp)
    api.register_blueprint(reports_catalog_blp)
    for blueprint in (reports_blp, reports_admin_blp, reports_public_blp, notifications_blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(open311_blp)
    api.register_blueprint(open311_admin_blp)
    for blueprint in (
        notification_settings_blp,
        notification_templates_blp,
        alerts_blp,
        alerts_import_blp,
        my_alerts_blp,
        public_alerts_blp,
        webhooks_blp,
        payments_blp,
        payments_admin_blp,
    ):
        api.register_blueprint(blueprint)
    app.register_blueprint(cap_blp)
    app.register_blueprint(receipts_blp)
    app.register_blueprint(payment_pages_blp)
    app.register_blueprint(shell_blp)


def _request_cycle(app: Flask, runtime: Runtime) -> None:
    @app.before_request
    def _resolve() -> None:
        view = app.view_functions.get(request.endpoint or "")
        # A tenantless view (health, assets, Open311 with its own error format) answers bad
        # input itself.
        if view is None or getattr(view, "sieuapp_tenantless", False):
            return
        refuse_nul_input()
        if request.endpoint and request.endpoint.startswith(("api-docs.", "swagger_assets")):
            return
        resolve_request_tenant(runtime)
        gate.check(runtime)

    @app.after_request
    def _commit(response: Response) -> Response:
        session = g.get(SESSION_KEY)
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    @app.teardown_appcontext
    def _teardown(error: BaseException | None) -> None:
        close_current_session(error)
        flush_outcomes(runtime.sessionmaker, runtime.settings.plugin_failure_limit)
        usage.flush(runtime.sessionmaker)


def _background_work(runtime: Runtime) -> None:
    if runtime.settings.task_backend == "celery":
        from .tasks.celery_app import make_celery

        runtime.celery = make_celery(runtime)
        runtime.task_backend = CeleryBackend(runtime.celery)
    elif runtime.settings.task_backend == "inline":
        runtime.task_backend = InlineBackend(
            runtime.run_outbox_message,
            runtime.due_outbox_ids,
            # One shared in-memory SQLite connection cannot serve two threads at once.
            threads=not isinstance(runtime.engine.pool, StaticPool),
            periodic=runtime.run_due_periodic,
        )
    else:
        raise ValueError(
            f"SIEUAPP_TASK_BACKEND={runtime.settings.task_backend!r}: use 'inline' or 'celery'"
        )
    runtime.watch_commits()
    from .alerts.fanout import register_tasks as register_alert_tasks
    from .notifications.delivery import register_tasks as register_delivery_tasks
    from .payments.outcomes import register_tasks as register_payment_outcome_tasks
    from .payments.refunds import register_tasks as register_refund_tasks
    from .reports.plugin_bridge import register_tasks as register_report_plugin_tasks
    from .webhooks.sending import register_tasks as register_webhook_tasks

    register_report_plugin_tasks(runtime)
    register_delivery_tasks(runtime)
    register_alert_tasks(runtime)
    register_webhook_tasks(runtime)
    register_payment_outcome_tasks(runtime)
    register_refund_tasks(runtime)
