"""``sieuapp serve``, ``sieuapp demo`` and ``sieuapp worker``: running the platform."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication
from sqlalchemy import select

from ..app import create_app
from ..db import unit_of_work
from ..plugins._host import MOUNT
from ..settings import Settings
from ..tenancy.models import Tenant
from ._context import CliError, platform_app, runtime_of, safe_url
from .database import pending_migrations, upgrade_all, warn_missing


class Server(BaseApplication):  # type: ignore[misc]
    """Gunicorn driven from code: each worker builds its own app from ``settings`` (made once,
    in the master, so that every worker shares one generated secret key)."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            # Settings newer than the installed gunicorn (control_socket_disable) are skipped.
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app(self.settings)


def _post_worker_init(worker: Any) -> None:
    # The outbox sweep is a thread, and threads do not survive the fork: one per worker.
    backend = runtime_of(worker.wsgi).task_backend
    if getattr(backend, "name", None) == "inline":
        backend.start_pump()


def _worker_exit(_server: Any, worker: Any) -> None:
    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        backend = runtime_of(app).task_backend
        if backend is not None:
            backend.shutdown()


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "proc_name": "sieuapp",
        "accesslog": "-",
        # The path without its query string, and no Referer: query strings carry authorization
        # codes, state and id_token hints, which must never reach a log.
        "access_log_format": '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"',
        "errorlog": "-",
        "post_worker_init": _post_worker_init,
        "worker_exit": _worker_exit,
        # gunicorn 24+ opens a control socket at one path per user, which a second server
        # (a demo next to a test run) would fight over; nothing here uses it.
        "control_socket_disable": True,
    }


def check_ready(settings: Settings) -> None:
    """Refuse to serve a database that is unreachable or behind the code."""
    with platform_app(settings, schema=False) as app:
        if pending_migrations(app):
            raise CliError(
                "Cơ sở dữ liệu chưa được cập nhật / Migrations are pending: "
                "run 'sieuapp db upgrade' first.",
                {"database": [safe_url(settings)]},
            )
        with unit_of_work(runtime_of(app).sessionmaker) as session:
            tenant = session.scalar(select(Tenant.id).where(Tenant.slug == settings.default_tenant))
    if tenant is None:
        click.echo(
            f"warning: the default tenant {settings.default_tenant!r} does not exist; "
            f"requests will answer 404 until 'sieuapp tenants create "
            f"{settings.default_tenant} --province CODE'.",
            err=True,
        )


def run_server(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    Server(settings, gunicorn_options(host, port, workers, threads)).run()


host_option = click.option("--host", default="127.0.0.1", show_default=True, help="Address.")
port_option = click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
workers_option = click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1), help="Worker processes."
)
threads_option = click.option(
    "--threads", default=4, show_default=True, type=click.IntRange(1), help="Threads per worker."
)


@click.command(
    help="Serve the platform with gunicorn (configuration from SIEUAPP_* variables). "
    "Refuses while migrations are pending."
)
@host_option
@port_option
@workers_option
@threads_option
def serve(host: str, port: int, workers: int, threads: int) -> None:
    if not os.environ.get("SIEUAPP_SECRET_KEY"):
        click.echo(
            "warning: SIEUAPP_SECRET_KEY is not set; a random key is used until this server "
            "stops (set it in production).",
            err=True,
        )
    settings = Settings.from_env()
    check_ready(settings)
    run_server(settings, host, port, workers, threads)


def _print_banner(app: Flask, host: str, port: int, report: Any) -> None:
    from ..demo.accounts import DEMO_ACCOUNTS
    from ..demo.open311 import API_KEY as DEMO_OPEN311_KEY
    from ..demo.open311 import ENDPOINT as DEMO_OPEN311_ENDPOINT

    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    base = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"
    settings = runtime_of(app).settings
    echo = click.echo
    state = "đã tạo / created" if report.created else "dùng lại / reused"
    echo(f"sieuapp demo: Huế ({state}) in {settings.instance_path}")
    echo("")
    echo("Tài khoản demo / Demo accounts (username / password):")
    for a in DEMO_ACCOUNTS:
        echo(f"  {a.username:<10} {a.password:<20} {a.purpose_vi} / {a.purpose_en}")
    echo("")
    echo(f"Dịch vụ đang bật / Modules enabled: {', '.join(report.enabled) or '-'}")
    for plugin_id, why in report.refused:
        echo(f"  installed but off: {plugin_id}: {why}")
    for plugin_id, problems in report.failed:
        echo(f"  failed to load: {plugin_id}: {'; '.join(problems)}")
    echo("")
    echo(f"  app:      {base}/ (siêu ứng dụng / the super-app: citizen)")
    echo(f"  console:  {base}/console (điều hành / the province console: admin, ioc)")
    for plugin_id in report.enabled:
        manifest = runtime_of(app).host.manifest(plugin_id)
        if manifest is not None and manifest.frontend is not None:
            echo(f"  {plugin_id + ':':<9} {base}{MOUNT}/{plugin_id}{manifest.frontend.route}")
    echo(f"  API docs: {base}/api/docs")
    echo(f"  modules:  {base}/api/v1/modules")
    echo(
        f'  sign in:  curl -X POST {base}/api/v1/auth/login -H "Content-Type: application/json" '
        """-d '{"username": "admin", "password": "demo-admin-2025"}'"""
    )
    echo(f"  account:  {base}/account (đăng nhập, đăng ký / sign in, register)")
    echo(f"  OpenID:   {base}/.well-known/openid-configuration")
    echo(f"  reports:  {base}/api/v1/public/reports (phản ánh hiện trường / public feed)")
    echo(f"  alerts:   {base}/api/v1/public/alerts (cảnh báo đang hiệu lực / alerts in effect)")
    echo(f"  CAP:      {base}/cap/feed.atom (nguồn tin CAP / CAP feed)")
    echo(f"  payments: {base}/api/v1/payments/providers (cách thanh toán / ways to pay)")
    if "vnpay" in report.payment_providers:
        gateway = f"{base.rsplit(':', 1)[0]}:{port + 1}"
        echo(f"            VNPay simulator (cổng thử / test gateway): {gateway}/paymentv2/")
    if "taxi" in report.enabled:
        echo(f"  taxi:     {base}/m/taxi/ (tài xế / drivers: taixe1, taixe2)")
    echo(f"  usage:    {base}/api/v1/admin/modules/usage?by=commune (admin, ioc)")
    echo(f"  Open311:  {base}{DEMO_OPEN311_ENDPOINT}/discovery.json")
    echo(f"            api_key (demo, public): {DEMO_OPEN311_KEY}")
    if settings.sms_development_log:
        echo(f"  eKYC:     {base}/account/verify/phone (SMS codes go to the log)")
    if settings.identity_registry_file:
        echo(f"            CCCD records (fictional): {settings.identity_registry_file}")
    echo("")


@click.command(
    help="Create a demo instance (Huế: its wards and communes, agencies, demo accounts, every "
    "plugin on) on SQLite in --data-dir, or reuse the one there, and serve it."
)
@host_option
@port_option
@click.option(
    "--data-dir",
    default="./instance",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the demo's database and files.",
)
@workers_option
@threads_option
@click.option("--no-serve", is_flag=True, help="Prepare the instance, print it, and stop.")
def demo(host: str, port: int, data_dir: Path, workers: int, threads: int, no_serve: bool) -> None:
    from ..demo.instance import demo_settings, seed

    settings = demo_settings(data_dir)
    with platform_app(settings, schema=False) as app:
        warn_missing(app, upgrade_all(app))
        report = seed(app, host, port)
        _print_banner(app, host, port, report)
    if no_serve:
        return
    gateway = _start_gateway(settings.instance_path, host, port, report)
    try:
        run_server(settings, host, port, workers, threads)
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(timeout=10)


def _start_gateway(
    data_dir: Path, host: str, port: int, report: Any
) -> subprocess.Popen[bytes] | None:
    """VNPay's simulator, next to the demo, when the demo pointed VNPay at it."""
    from ..demo.payments import VNPAY, gateway_command

    if VNPAY not in report.payment_providers:
        return None
    command, env = gateway_command(data_dir, host, port)
    return subprocess.Popen(command, env=env)


@click.command(help="Run a Celery worker (SIEUAPP_BROKER_URL) for background work.")
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1))
@click.option(
    "--beat/--no-beat",
    default=True,
    show_default=True,
    help="Also run the schedule that sweeps the outbox; one per deployment.",
)
def worker(concurrency: int, beat: bool) -> None:
    settings = Settings.from_env(task_backend="celery")
    check_ready(settings)
    app = create_app(settings)
    runtime = runtime_of(app)
    # The pool's children must open their own database connections.
    runtime.engine.dispose()
    argv = ["worker", f"--concurrency={concurrency}", "--loglevel=INFO"]
    if beat:
        argv += ["--beat", f"--schedule={settings.instance_path / 'celerybeat-schedule'}"]
    runtime.celery.worker_main(argv)
