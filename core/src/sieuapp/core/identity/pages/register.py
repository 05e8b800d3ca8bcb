"""Self-registration: a level-0 citizen account, signed in at once.

Citizens hold no stored role (``citizen`` is implied for every account), so the account is the
user row alone; its level rises through the verification pages (``assurance``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, redirect, request
from marshmallow import ValidationError
from sieuapp.sdk import LocalizedText
from sieuapp.sdk.errors import InvalidInput
from sqlalchemy.orm import Session

from ..._runtime import runtime_of
from ...audit.log import record as audit
from ...db import current_session
from ...tenancy.context import current_tenant
from .. import accounts, throttle
from ..api import UserIn
from ..browser import remember_login, render_page, safe_next
from ..passwords import MIN_LENGTH
from . import blp
from .common import checked_form, field, say

#: The throttle counter (``login_throttles.kind``) of registrations per client address.
REGISTER = "register"
FIELDS = ("username", "full_name", "password", "phone")
#: The API's own validation of a new account, for the fields a citizen fills in.
_SCHEMA = UserIn(only=("username", "password", "full_name", "phone"))

PROBLEMS: dict[str, LocalizedText] = {
    "username": LocalizedText(
        "Tên đăng nhập cần từ 3 đến 120 ký tự.", "The username must be 3 to 120 characters."
    ),
    "full_name": LocalizedText(
        "Hãy nhập họ tên (tối đa 200 ký tự).", "Enter your full name (at most 200 characters)."
    ),
    "password": LocalizedText(
        f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự.",
        f"The password must be at least {MIN_LENGTH} characters.",
    ),
    "phone": LocalizedText(
        "Số điện thoại gồm 9 đến 15 chữ số, có thể bắt đầu bằng dấu +.",
        "A phone number is 9 to 15 digits, optionally after a +.",
    ),
}
TAKEN = LocalizedText("Tên đăng nhập này đã có người dùng.", "This username is taken.")
FIX = LocalizedText("Hãy sửa các mục được đánh dấu.", "Please correct the marked fields.")
TOO_MANY = LocalizedText(
    "Đã có quá nhiều tài khoản được tạo từ địa chỉ mạng này. Vui lòng thử lại sau.",
    "Too many accounts were created from this network address. Please try again later.",
)


def _form(status: int = 200, errors: dict[str, str] | None = None, **extra: Any) -> Response:
    source = request.form if request.method == "POST" else request.args
    return render_page(
        "auth/register.html",
        status=status,
        errors=errors or {},
        values={name: source.get(name, "")[:200] for name in ("username", "full_name", "phone")},
        next=safe_next(source.get("next")),
        **extra,
    )


def admit_registration(session: Session, address: str | None) -> int:
    """Count a registration from ``address``; the seconds to wait when its window is full
    (nothing counted then), else 0."""
    if not address:
        return 0
    settings = runtime_of().settings
    now = throttle.policy().now()
    window = timedelta(seconds=settings.registration_window)
    # The login throttle's counter row, locked the same way, so that concurrent registrations
    # from one address are all counted.
    row = throttle._locked_row(session, REGISTER, throttle.address_key(address), now)
    if row.failures and now - row.last_failure_at >= window:
        row.failures = 0
    if row.failures == 0:
        row.last_failure_at = now  # the window starts with its first registration
    if row.failures >= settings.registration_ip_limit:
        return max(1, int((row.last_failure_at + window - now).total_seconds()) + 1)
    row.failures += 1
    row.locked_until = row.last_failure_at + window
    session.flush()
    return 0


def _validated() -> tuple[dict[str, Any] | None, dict[str, str]]:
    raw = {
        "username": field("username", 200).strip(),
        "full_name": field("full_name", 400).strip(),
        "password": field("password"),
    }
    if phone := field("phone", 40).strip().replace(" ", ""):
        raw["phone"] = phone
    errors: dict[str, str] = {}
    try:
        data = _SCHEMA.load(raw)
    except ValidationError as exc:
        data = None
        errors = {name: say(PROBLEMS[name]) for name in exc.messages if name in PROBLEMS}
    if not raw["full_name"]:
        errors["full_name"] = say(PROBLEMS["full_name"])
    return (None if errors else data), errors


@blp.get("/auth/register")
def register_form() -> Response:
    """The registration form; ``next`` (a path here) is where it leads once done."""
    return _form()


@blp.post("/auth/register")
def register() -> Response:
    """Create a citizen account and sign it in; every problem is named by its field."""
    next_url = checked_form()
    data, errors = _validated()
    if data is None:
        return _form(422, errors, error=say(FIX))
    db = current_session()
    tenant = current_tenant()
    wait = admit_registration(db, request.remote_addr)
    if wait:
        response = _form(429, error=say(TOO_MANY))
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        user = accounts.create_user(
            db, data["username"], data["password"], data["full_name"], phone=data.get("phone")
        )
    except InvalidInput as exc:
        errors = {
            name: say(TAKEN if name == "username" else PROBLEMS[name])
            for name in exc.errors
            if name in PROBLEMS
        }
        return _form(422, errors, error=say(FIX))
    audit(
        db,
        "user.created",
        tenant_id=tenant.id,
        actor_id=user.id,
        actor_label=user.username,
        target=user.id,
        after={"how": "registration", "assurance_level": user.assurance_level},
    )
    remember_login(user, tenant.id, ["pwd"])
    return redirect(next_url, code=303)
