"""The delegations page (``/account/delegations``): let someone act for you, see who may, and
take it back; see whom you may act for."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import Blueprint, Response, redirect, request
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput, NotFound, PlatformError

from ...db import current_session
from ...tenancy.context import current_tenant
from ..browser import check_csrf, login_url, render_page
from ..models import User
from ..personal_data.pages import signed_in
from . import records
from .models import Delegation

blp = Blueprint("account_delegations", __name__)
PATH = "/account/delegations"
#: A date typed on the page ends at midnight in Vietnam, where the citizen reads it.
VIETNAM = timezone(timedelta(hours=7))
BAD_DATE = LocalizedText("Ngày không hợp lệ.", "Invalid date.")


@blp.errorhandler(PlatformError)
def _error_page(exc: PlatformError) -> Response:
    return render_page("auth/error.html", status=exc.status, message=exc.message)


def _page(user: User, status: int = 200, **context: Any) -> Response:
    session = current_session()
    tenant_id = current_tenant().id
    return render_page(
        "account/delegations.html",
        status=status,
        user=user,
        given=[records.view(session, d) for d in records.given(session, tenant_id, user.id)],
        received=[records.view(session, d) for d in records.received(session, tenant_id, user.id)],
        form=context.pop("form", {}),
        **context,
    )


def _end_of(day: str) -> datetime | None:
    if not day:
        return None
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        message = records.say(BAD_DATE)
        raise InvalidInput(message, {"expires_at": [message]}) from None
    return datetime.combine(parsed + timedelta(days=1), time(), VIETNAM)


@blp.get(PATH)
def delegations_page() -> Response:
    found = signed_in()
    if found is None:
        return redirect(login_url(PATH), code=303)
    return _page(
        found[1],
        granted=request.args.get("granted") == "1",
        revoked=request.args.get("revoked") == "1",
    )


@blp.post(PATH)
def grant() -> Response:
    check_csrf(request.form.get("csrf_token"))
    found = signed_in()
    if found is None:
        return redirect(login_url(PATH), code=303)
    login, user = found
    session = current_session()
    form = {
        k: (request.form.get(k) or "").strip()[:1000]
        for k in ("agent", "purpose", "scope", "expires_at")
    }
    try:
        problems = {}
        if not form["agent"]:
            problems["agent"] = [records.say(records.UNKNOWN_AGENT)]
        if not form["purpose"]:
            problems["purpose"] = [records.say(LocalizedText("Hãy ghi mục đích.", "Say what for."))]
        if problems:
            raise InvalidInput(next(iter(problems.values()))[0], problems)
        agent = records.find_user(session, form["agent"], "agent", records.UNKNOWN_AGENT)
        records.grant(
            session,
            tenant_id=login.tenant_id,
            citizen=user,
            agent=agent,
            purpose=form["purpose"],
            scope=form["scope"],
            expires_at=_end_of(form["expires_at"]),
            recorder=user,
        )
    except InvalidInput as exc:
        return _page(user, status=exc.status, error=exc.message, errors=exc.errors, form=form)
    return redirect(f"{PATH}?granted=1", code=303)


@blp.post(f"{PATH}/<int:delegation_id>/revoke")
def revoke(delegation_id: int) -> Response:
    check_csrf(request.form.get("csrf_token"))
    found = signed_in()
    if found is None:
        return redirect(login_url(PATH), code=303)
    login, user = found
    session = current_session()
    delegation = session.get(Delegation, delegation_id)
    if (
        delegation is None
        or delegation.tenant_id != login.tenant_id
        or delegation.citizen_id != user.id
    ):
        raise NotFound(
            records.say(LocalizedText("Không tìm thấy ủy quyền này.", "No such delegation."))
        )
    records.revoke(session, delegation, user)
    return redirect(f"{PATH}?revoked=1", code=303)
