"""The JSON protocol we speak with a gateway (see the README), one request per text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import requests

DETAIL_LIMIT = 200
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


@dataclass(frozen=True)
class Answer:
    """What became of one text: an outcome status, its detail, and whether to stop the batch."""

    status: str
    detail: str
    #: The gateway is unreachable or asked us to slow down: the rest of the batch waits too.
    halt: bool = False


def _scrub(text: str, config: dict[str, Any]) -> str:
    # A gateway may echo the request (headers included) in its error text.
    key = config.get("api_key") or ""
    text = " ".join(text.split())
    if key:
        text = text.replace(key, "[key]")
    return text[:DETAIL_LIMIT]


def _error_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict):
        for name in ("error", "message", "detail"):
            if isinstance(body.get(name), str):
                return body[name]
    return response.text


def send(
    session: requests.Session, config: dict[str, Any], phone: str, text: str, reference: str
) -> Answer:
    """POST one text to the gateway and read its answer."""
    if not isinstance(phone, str) or not E164.match(phone):
        return Answer("failed", "not an E.164 phone number")
    payload = {"to": phone, "text": text, "sender": config.get("sender"), "reference": reference}
    try:
        response = session.post(
            config["url"],
            json=payload,
            headers={"Authorization": f"Bearer {config['api_key']}", "Accept": "application/json"},
            timeout=float(config["timeout_seconds"]),
            # A redirect would carry the text elsewhere; the configured URL must be the endpoint.
            allow_redirects=False,
        )
    except requests.Timeout:
        return Answer("retry", "the gateway did not answer in time", halt=True)
    except requests.RequestException as exc:
        return Answer(
            "retry", _scrub(f"cannot reach the gateway: {type(exc).__name__}", config), True
        )
    status = response.status_code
    if 200 <= status < 300:
        try:
            body = response.json()
        except ValueError:
            body = None
        gateway_id = body.get("id") if isinstance(body, dict) else None
        # The gateway took the text; an id missing from its answer does not undo that.
        return Answer("sent", _scrub(str(gateway_id), config) if gateway_id is not None else "")
    detail = _scrub(f"HTTP {status}: {_error_text(response)}", config)
    if status == 429:
        return Answer("retry", detail, halt=True)
    if status >= 500:
        return Answer("retry", detail)
    return Answer("failed", detail)
