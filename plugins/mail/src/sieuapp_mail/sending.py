"""Sending a batch over one SMTP connection, with an outcome per message."""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from typing import Any

from sieuapp.sdk import DeliveryOutcome, OutgoingMessage

from .composing import BadAddress, compose, recipient

DETAIL_LIMIT = 300


class Unreachable(Exception):
    """The server could not be reached or refused the sign-in; nothing of the batch was sent."""


def _text(reply: bytes | str) -> str:
    value = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(value.split())[:DETAIL_LIMIT]


def connect(config: dict[str, Any]) -> smtplib.SMTP:
    """A connection to the configured server, secured and signed in; raises ``Unreachable``."""
    host, port, timeout = config["host"], int(config["port"]), float(config["timeout_seconds"])
    security = config["security"]
    context = ssl.create_default_context()
    server: smtplib.SMTP | None = None
    try:
        if security == "ssl":
            server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            server.starttls(context=context)
        if config.get("username"):
            server.login(config["username"], config.get("password") or "")
        return server
    except smtplib.SMTPAuthenticationError as exc:
        _close(server)
        # The server's reply, never what we sent: the password stays out of the detail.
        raise Unreachable(
            f"sign-in refused by {host}: {exc.smtp_code} {_text(exc.smtp_error)}"
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        _close(server)
        raise Unreachable(f"{host}: {_text(str(exc))}") from None
    except ssl.SSLError as exc:
        _close(server)
        raise Unreachable(f"TLS with {host}:{port} failed: {exc.reason or exc}") from None
    except (OSError, smtplib.SMTPException) as exc:
        _close(server)
        kind = "timed out" if isinstance(exc, TimeoutError) else "failed"
        reason = _text(str(exc))
        raise Unreachable(
            f"connection to {host}:{port} {kind}: {type(exc).__name__}"
            + (f": {reason}" if reason else "")
        ) from None


def _close(server: smtplib.SMTP | None) -> None:
    if server is None:
        return
    try:
        server.quit()
    except (OSError, smtplib.SMTPException):
        server.close()


def _by_code(message_id: str, code: int, reply: bytes | str, what: str) -> DeliveryOutcome:
    detail = f"{what}: {code} {_text(reply)}"
    # RFC 5321: 4yz is a transient failure worth trying again, 5yz a permanent one.
    if 400 <= code < 500:
        return DeliveryOutcome.retry(message_id, detail)
    return DeliveryOutcome.failed(message_id, detail)


def _transaction(
    server: smtplib.SMTP, message: OutgoingMessage, config: dict[str, Any]
) -> DeliveryOutcome:
    try:
        to = recipient(message.address)
    except BadAddress as exc:
        return DeliveryOutcome.failed(message.id, str(exc))
    mail = compose(message, to, config["from_address"], config.get("from_name"))
    options: list[str] = []
    if not to.isascii():
        if not server.has_extn("smtputf8"):
            return DeliveryOutcome.failed(message.id, "the server cannot take non-ASCII addresses")
        options.append("SMTPUTF8")
    payload = mail.as_bytes(policy=policy.SMTP)
    # MAIL, RCPT and DATA one by one rather than sendmail(): its caller never sees the DATA
    # reply, which carries the server's queue id we keep as the delivery's detail.
    code, reply = server.mail(config["from_address"], options)
    if code != 250:
        server.rset()
        return _by_code(message.id, code, reply, "sender refused")
    code, reply = server.rcpt(to)
    if code not in (250, 251):
        server.rset()
        return _by_code(message.id, code, reply, "recipient refused")
    code, reply = server.data(payload)
    if code != 250:
        server.rset()
        return _by_code(message.id, code, reply, "message refused")
    return DeliveryOutcome.sent(message.id, _text(reply))


def send_batch(config: dict[str, Any], messages: list[OutgoingMessage]) -> list[DeliveryOutcome]:
    """Send ``messages`` over one connection; every message gets an outcome."""
    try:
        server = connect(config)
    except Unreachable as exc:
        return [DeliveryOutcome.retry(m.id, str(exc)) for m in messages]
    outcomes: list[DeliveryOutcome] = []
    try:
        for index, message in enumerate(messages):
            try:
                outcomes.append(_transaction(server, message, config))
            except smtplib.SMTPResponseException as exc:
                outcomes.append(_by_code(message.id, exc.smtp_code, exc.smtp_error, "refused"))
            except (OSError, smtplib.SMTPException) as exc:
                # The connection is gone: this message and the rest wait for the next attempt.
                detail = f"connection lost: {type(exc).__name__}"
                outcomes.extend(DeliveryOutcome.retry(m.id, detail) for m in messages[index:])
                break
    finally:
        _close(server)
    return outcomes
