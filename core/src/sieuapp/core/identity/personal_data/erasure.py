"""Erasing a user: the account is closed and stripped of what identifies the person, every
plugin erases its own rows, and what the law requires is kept, each with its reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sieuapp.sdk import Erasure, LocalizedText
from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from ..._runtime import runtime_of
from ...audit.log import record as audit
from ...db import current_session, utcnow
from ...payments.personal_data import KEPT as PAYMENTS_KEPT
from ...plugins._containment import count_task_outcomes
from ...plugins.usage import ERASED as USAGE_ERASED
from ...plugins.usage import erase_module_usage
from ...reports.personal_data import erase_reports
from ...tasks.outbox import enqueue
from ...tenancy.context import load_tenant_by_id
from ..assurance.models import PhoneVerification
from ..delegation.models import Delegation
from ..federation.models import FederatedIdentity
from ..models import (
    Consent,
    MfaChallenge,
    RecoveryCode,
    RoleAssignment,
    Token,
    TotpCredential,
    User,
)
from ..oidc.models import AuthorizationCode, RefreshToken
from . import plugins
from .notifications import ERASED as NOTIFICATION_ERASED
from .notifications import erase_notification_data

#: The outbox task that retries a plugin's erasure that failed during the request.
RETRY_TASK = "personal_data.erase_plugin"

T = LocalizedText

#: What the core erases, by category.
ERASED: dict[str, LocalizedText] = {
    "account": T(
        "Họ tên, tên đăng nhập, email, số điện thoại và mật khẩu; tài khoản đã bị đóng",
        "Your name, username, email, phone number and password; the account is closed",
    ),
    "roles": T("Vai trò của bạn ở các tỉnh", "Your roles in every province"),
    "tokens": T(
        "Mọi phiên đăng nhập và mã truy cập (đã bị thu hồi)",
        "Every sign-in session and access token (revoked)",
    ),
    "consents": T("Các đồng ý chia sẻ dữ liệu với dịch vụ", "The consents you gave services"),
    "mfa": T(
        "Xác thực hai lớp (khoá TOTP và mã dự phòng)",
        "Two-factor authentication (TOTP key and recovery codes)",
    ),
    "phone_verifications": T("Các lần xác minh số điện thoại", "Phone number verifications"),
    "federated_identities": T(
        "Liên kết với tài khoản ở nhà cung cấp định danh khác (VNeID...)",
        "Links to accounts at other identity providers (VNeID...)",
    ),
    "delegations": T(
        "Các ủy quyền bạn đã cho hoặc đã nhận", "The delegations you gave or received"
    ),
    "reports": T(
        "Liên kết giữa bạn và các phản ánh bạn đã gửi, cùng thông tin liên hệ trong đó",
        "The link between you and the reports you sent, and the contact details in them",
    ),
    "report_follows": T("Các phản ánh bạn theo dõi", "The reports you followed"),
    "notifications": T("Hộp thư thông báo của bạn", "Your notification inbox"),
    "report_photos": T(
        "Ảnh đã tải lên nhưng chưa gửi kèm phản ánh nào", "Photos uploaded but never sent"
    ),
    **NOTIFICATION_ERASED,
    **USAGE_ERASED,
}

#: What the core keeps, by category: what it is, and the reason the law gives.
KEPT: dict[str, tuple[LocalizedText, LocalizedText]] = {
    "audit_log": (
        T(
            "Nhật ký kiểm toán các thao tác trên tài khoản (ai làm gì, khi nào)",
            "The audit log of actions on the account (who did what, when)",
        ),
        T(
            "Cơ quan nhà nước phải chứng minh được ai đã làm gì trên hệ thống dịch vụ công; "
            "Luật An ninh mạng và Luật An toàn thông tin mạng yêu cầu lưu nhật ký hệ thống.",
            "Public bodies must be able to show who did what on a public-service system; "
            "the Law on Cybersecurity and the Law on Network Information Security require "
            "system logs to be kept.",
        ),
    ),
    "reports": (
        T(
            "Nội dung các phản ánh bạn đã gửi, ảnh, quá trình xử lý và câu trả lời (không còn "
            "gắn với bạn)",
            "The content of the reports you sent, their photos, handling and answers (no "
            "longer linked to you)",
        ),
        T(
            "Việc tiếp nhận và xử lý phản ánh, kiến nghị là hồ sơ công vụ của cơ quan nhà nước, "
            "phải được lưu theo Luật Lưu trữ; Nghị định 13/2023/NĐ-CP cho phép giữ dữ liệu khi "
            "luật yêu cầu.",
            "Receiving and handling citizens' reports is an official record of the public body, "
            "kept under the Law on Archives; Decree 13/2023/ND-CP allows data to be kept where "
            "the law requires it.",
        ),
    ),
    "identity_verifications": (
        T(
            "Bằng chứng xác minh danh tính (số CCCD, họ tên, ngày sinh, nơi xác minh)",
            "Evidence of identity verification (CCCD number, name, date of birth, verifier)",
        ),
        T(
            "Việc định danh và xác thực điện tử phải chứng minh được sau này; Nghị định "
            "13/2023/NĐ-CP cho phép giữ dữ liệu cá nhân khi luật yêu cầu.",
            "Electronic identification must remain provable afterwards; Decree "
            "13/2023/ND-CP allows personal data to be kept where the law requires it.",
        ),
    ),
}

PENDING = T(
    "Dịch vụ này chưa xóa được lúc này; hệ thống sẽ tự thử lại.",
    "This service could not erase now; the platform will retry by itself.",
)


def _text(value: Any) -> dict[str, str]:
    """A plugin's words as ``{vi, en}``: a ``LocalizedText``, or one string for both."""
    if isinstance(value, LocalizedText):
        return value.to_dict()
    return {"vi": str(value), "en": str(value)}


def erase_core(session: Session, user: User) -> dict[str, int]:
    """Anonymize the account and remove or revoke what hangs on it; returns counts by category.
    Running it again changes nothing more."""
    uid = user.id
    now = utcnow()
    counts: dict[str, int] = {}
    counts["account"] = int(user.active or bool(user.full_name or user.email or user.phone))
    user.active = False
    # The row stays (the kept records point at it); nothing left in it names the person.
    user.username = f"erased-{uid}"
    user.full_name = ""
    user.email = None
    user.phone = None
    user.phone_verified_at = None
    user.password_hash = None
    user.locale = "vi"
    user.assurance_level = 0

    def gone(statement: Any) -> int:
        return max(session.execute(statement).rowcount or 0, 0)

    counts["tokens"] = gone(
        update(Token)
        .where(or_(Token.user_id == uid, Token.actor_id == uid), Token.revoked_at.is_(None))
        .values(revoked_at=now)
    ) + gone(
        update(RefreshToken)
        .where(
            or_(RefreshToken.user_id == uid, RefreshToken.actor_id == uid),
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    gone(
        delete(AuthorizationCode).where(
            or_(AuthorizationCode.user_id == uid, AuthorizationCode.actor_id == uid)
        )
    )
    counts["roles"] = gone(delete(RoleAssignment).where(RoleAssignment.user_id == uid))
    counts["consents"] = gone(delete(Consent).where(Consent.user_id == uid))
    counts["mfa"] = (
        gone(delete(TotpCredential).where(TotpCredential.user_id == uid))
        + gone(delete(RecoveryCode).where(RecoveryCode.user_id == uid))
        + gone(delete(MfaChallenge).where(MfaChallenge.user_id == uid))
    )
    counts["phone_verifications"] = gone(
        delete(PhoneVerification).where(PhoneVerification.user_id == uid)
    )
    counts["federated_identities"] = gone(
        delete(FederatedIdentity).where(FederatedIdentity.user_id == uid)
    )
    counts["delegations"] = gone(
        delete(Delegation).where(or_(Delegation.citizen_id == uid, Delegation.agent_id == uid))
    )
    counts.update(erase_notification_data(session, uid))
    counts.update(erase_reports(session, uid))
    counts.update(erase_module_usage(session, uid))
    session.flush()
    return counts


def plugin_answer(plugin_id: str, tenant: str, answer: Any) -> tuple[list, list]:
    """``(erased, kept)`` entries from a plugin's ``Erasure``."""
    if answer is None:
        return [], []
    if not isinstance(answer, Erasure):
        raise TypeError(f"erase_user_data returned {type(answer).__name__}, not Erasure")
    where = {"source": plugin_id, "tenant": tenant}
    erased = [{**where, "what": _text(item)} for item in answer.erased]
    kept_items: Mapping[Any, Any] = answer.kept or {}
    kept = [
        {**where, "what": _text(what), "reason": _text(reason)}
        for what, reason in kept_items.items()
    ]
    return erased, kept


def erase(session: Session, user: User, tenant_id: int, language: str) -> dict[str, Any]:
    """Erase ``user`` everywhere; audited as ``data.erasure``. A plugin whose hook fails is
    retried from the outbox, and the answer says so."""
    label = user.username
    counts = erase_core(session, user)
    erased: list[dict[str, Any]] = [
        {
            "category": name,
            "source": "core",
            "tenant": None,
            "what": text.to_dict(),
            "count": counts[name],
        }
        for name, text in ERASED.items()
    ]
    kept: list[dict[str, Any]] = [
        {
            "category": name,
            "source": "core",
            "tenant": None,
            "what": what.to_dict(),
            "reason": why.to_dict(),
        }
        for name, (what, why) in {**KEPT, **PAYMENTS_KEPT}.items()
    ]
    pending: list[dict[str, str]] = []
    for outcome in plugins.call_everywhere("erase_user_data", user.id, enabled_only=False):
        error = outcome.error
        if error is None:
            try:
                more_erased, more_kept = plugin_answer(
                    outcome.plugin_id, outcome.tenant, outcome.answer
                )
            except TypeError as exc:
                error = str(exc)
            else:
                erased += [{"category": "plugin", **item} for item in more_erased]
                kept += [{"category": "plugin", **item} for item in more_kept]
        if error is not None:
            enqueue(
                session,
                RETRY_TASK,
                {
                    "user_id": user.id,
                    "plugin_id": outcome.plugin_id,
                    "tenant_id": outcome.tenant_id,
                },
                tenant_id=outcome.tenant_id,
            )
            pending.append(
                {
                    "source": outcome.plugin_id,
                    "tenant": outcome.tenant,
                    "message": PENDING.get(language),
                }
            )
    summary = {
        "erased": [
            item["category"] if item["source"] == "core" else item["source"] for item in erased
        ],
        "kept": sorted(
            {item["category"] if item["source"] == "core" else item["source"] for item in kept}
        ),
        "pending": [item["source"] for item in pending],
    }
    audit(
        session,
        "data.erasure",
        tenant_id=tenant_id,
        actor_id=user.id,
        actor_label=label,
        target=f"user:{user.id}",
        after=summary,
    )
    return {"erased": erased, "kept": kept, "pending": pending}


def retry_plugin(payload: dict[str, Any]) -> None:
    """Outbox task: erase one user's data in one plugin for the message's tenant; raising
    makes the outbox retry with back-off."""
    session = current_session()
    tenant = load_tenant_by_id(payload["tenant_id"])
    if tenant is None:
        raise LookupError("the tenant of this erasure no longer exists")
    outcome = plugins.call_one(
        session, payload["plugin_id"], "erase_user_data", tenant, payload["user_id"]
    )
    runtime = runtime_of()
    count_task_outcomes(
        session,
        runtime.sessionmaker,
        runtime.settings.plugin_failure_limit,
        failing=outcome.error is not None,
    )
    if outcome.error is not None:
        raise RuntimeError(outcome.error)
    erased, kept = plugin_answer(outcome.plugin_id, outcome.tenant, outcome.answer)
    audit(
        session,
        "data.erasure",
        tenant_id=tenant.id,
        target=f"user:{payload['user_id']}",
        plugin_id=payload["plugin_id"],
        after={
            "erased": [e["what"] for e in erased],
            "kept": [k["what"] for k in kept],
            "retried": True,
        },
    )


def register_tasks() -> None:
    runtime_of().task_registry.register(RETRY_TASK, retry_plugin)
