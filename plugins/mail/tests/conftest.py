"""A real SMTP server on loopback (aiosmtpd) and the plugin installed on an in-memory sieuapp."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sieuapp.sdk import OutgoingMessage

CONFIG_URL = "/api/v1/admin/plugins/mail/config"
USERNAME = "thongbao"
PASSWORD = "s3cret-Hue-smtp-2025!"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """What the server received, and which recipients it refuses (address -> reply)."""

    received: list[dict[str, Any]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "content": envelope.original_content,
            }
        )
        return f"250 2.0.0 Ok: queued as Q{len(self.received):04d}"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode()
        ok = login == USERNAME and auth_data.password.decode() == PASSWORD
        if ok:
            self.logins.append(login)
        return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    mailbox: Mailbox
    port: int

    def config(self, **overrides: Any) -> dict[str, Any]:
        """A configuration for this server, as an admin would PUT it."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "from_address": "thongbao@hue.gov.vn",
            "from_name": "Cổng thông tin Thừa Thiên Huế",
            "timeout_seconds": 5,
            **overrides,
        }


def _serve(controller: Controller) -> Iterator[SmtpServer]:
    controller.start()
    try:
        yield SmtpServer(controller.handler, controller.port)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain server on loopback that asks for a password (over the loopback, without TLS)."""
    mailbox = Mailbox()
    # Loopback only: AUTH without TLS is what the plugin allows for security "none".
    server = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=mailbox.authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    yield from _serve(server)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """A server that offers STARTTLS with the self-signed certificate and requires it."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    mailbox = Mailbox()
    yield from _serve(
        Controller(
            mailbox,
            hostname="127.0.0.1",
            port=free_port(),
            tls_context=context,
            require_starttls=True,
            authenticator=mailbox.authenticate,
            auth_require_tls=True,
        )
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word, as a hung server does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def message(to: str, **overrides: Any) -> OutgoingMessage:
    """An outgoing message as the host would hand it over."""
    base: dict[str, Any] = {
        "id": f"d-{to}",
        "user_id": "u1",
        "address": {"email": to},
        "language": "vi",
        "kind": "report.status_changed",
        "title": "Phản ánh của bạn đã được xử lý",
        "body": "Đà Nẵng phản ánh: đèn đường hỏng.\n\nĐã thay bóng đèn <mới> & kiểm tra.",
        "link": "https://hue.sieuapp.test/reports/42",
    }
    return OutgoingMessage(**{**base, **overrides})


@pytest.fixture
def sieuapp_plugins() -> list[str]:
    return ["mail"]
