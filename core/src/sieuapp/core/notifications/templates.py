"""The wording of each notification the platform sends, and a province's own wording of it.

Templates are ``str.format`` strings over named values the sender declares. A value may be a
``LocalizedText`` (a status name) and is then read in the language being rendered.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from sieuapp.sdk import LocalizedText
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import NotificationTemplate

TITLE_MAX = 200
BODY_MAX = 2000


@dataclass(frozen=True)
class Template:
    """One event's default title and body, and the values they may use."""

    title: LocalizedText
    body: LocalizedText
    #: Placeholder name → what it holds, for the admin editing the wording.
    placeholders: Mapping[str, str]


NUMBER = {"number": "the report's number"}
NOTE = {"note": "the note written with the step (may be empty)"}
DEADLINE_NOTE = {
    "deadline_note": "' Hạn xử lý: <date>.' / ' Deadline: <date>.' or empty when there is none"
}
STATUS = {"status": "the report's new status, in the message's language"}
PAYMENT = {
    "amount": "the amount, written as money in the message's language: '150.000 ₫'",
    "purpose": "what the payment is for",
    "payment": "the payment's id (PAY…)",
}


def _team(title_vi: str, title_en: str) -> Template:
    # Every message to the organizations shares one body: the step's note and the deadline.
    return Template(
        LocalizedText(title_vi, title_en),
        LocalizedText("{note}{deadline_note}", "{note}{deadline_note}"),
        {**NUMBER, **NOTE, **DEADLINE_NOTE},
    )


DEFAULTS: dict[str, Template] = {
    "payment.succeeded": Template(
        LocalizedText("Đã thanh toán {amount}", "Paid {amount}"),
        LocalizedText(
            "{purpose}. Mã thanh toán {payment}; biên lai có trong lịch sử thanh toán.",
            "{purpose}. Payment {payment}; the receipt is in your payment history.",
        ),
        PAYMENT,
    ),
    "payment.failed": Template(
        LocalizedText("Thanh toán {amount} không thành công", "Payment of {amount} failed"),
        LocalizedText(
            "{purpose}. Mã thanh toán {payment}. Bạn chưa bị trừ tiền cho khoản này.",
            "{purpose}. Payment {payment}. You were not charged for it.",
        ),
        PAYMENT,
    ),
    "payment.refunded": Template(
        LocalizedText("Đã hoàn {amount}", "{amount} refunded"),
        LocalizedText(
            "{purpose}. Khoản hoàn của thanh toán {payment} đã được chuyển về cho bạn.",
            "{purpose}. The refund of payment {payment} was sent back to you.",
        ),
        PAYMENT,
    ),
    "report.submitted": Template(
        LocalizedText("Đã tiếp nhận phản ánh #{number}", "Report #{number} received"),
        LocalizedText(
            "Phản ánh của bạn đã được tiếp nhận và đang chờ kiểm duyệt.",
            "Your report was received and awaits moderation.",
        ),
        NUMBER,
    ),
    "report.status_changed": Template(
        LocalizedText("Phản ánh #{number}: {status}", "Report #{number}: {status}"),
        LocalizedText("Trạng thái mới: {status}.", "New status: {status}."),
        {**NUMBER, **STATUS},
    ),
    "report.status_changed.resolved": Template(
        LocalizedText("Phản ánh #{number}: {status}", "Report #{number}: {status}"),
        LocalizedText(
            "Trả lời của đơn vị xử lý: {note} Hãy đánh giá kết quả.",
            "The organization's answer: {note} Please rate it.",
        ),
        {**NUMBER, **STATUS, **NOTE},
    ),
    "report.status_changed.info_requested": Template(
        LocalizedText("Phản ánh #{number}: {status}", "Report #{number}: {status}"),
        LocalizedText(
            "Đơn vị xử lý cần thêm thông tin: {note}",
            "The organization needs more information: {note}",
        ),
        {**NUMBER, **STATUS, **NOTE},
    ),
    "report.status_changed.assigned": Template(
        LocalizedText("Phản ánh #{number}: {status}", "Report #{number}: {status}"),
        LocalizedText(
            "Phản ánh đã được chuyển đến đơn vị xử lý, dự kiến xong trước {deadline}.",
            "Your report was sent to the organization in charge, expected by {deadline}.",
        ),
        {**NUMBER, **STATUS, "deadline": "the handling deadline (local date)"},
    ),
    "report.status_changed.merged": Template(
        LocalizedText("Phản ánh #{number}: {status}", "Report #{number}: {status}"),
        LocalizedText(
            "Phản ánh trùng với #{merged_into}; bạn sẽ nhận cập nhật của phản ánh đó.",
            "It duplicates #{merged_into}; you will get that report's updates.",
        ),
        {**NUMBER, **STATUS, "merged_into": "the number of the report it was merged into"},
    ),
    "report.status_changed.dismissed": Template(
        LocalizedText("Phản ánh #{number}: {status}", "Report #{number}: {status}"),
        LocalizedText("Lý do: {note}", "Reason: {note}"),
        {**NUMBER, **STATUS, **NOTE},
    ),
    "report.comment": Template(
        LocalizedText("Phản ánh #{number}: có trao đổi mới", "Report #{number}: a new message"),
        LocalizedText("{note}", "{note}"),
        {**NUMBER, **NOTE},
    ),
    "report.assigned": _team(
        "Phản ánh #{number} được chuyển đến đơn vị",
        "Report #{number} assigned to your organization",
    ),
    "report.disputed": _team(
        "Phản ánh #{number} bị khiếu nại, mở lại", "Report #{number} disputed and reopened"
    ),
    "report.reporter_replied": _team(
        "Người phản ánh #{number} đã trả lời", "The reporter of #{number} replied"
    ),
    "report.deadline_near": _team(
        "Phản ánh #{number} sắp đến hạn xử lý", "Report #{number} is due soon"
    ),
    "report.overdue": _team("Phản ánh #{number} đã quá hạn xử lý", "Report #{number} is overdue"),
    "report.rejected": _team(
        "Phản ánh #{number} cần chuyển lại", "Report #{number} needs re-routing"
    ),
}


class TemplateProblem(ValueError):
    """A template text that cannot be rendered: the message says why."""


def problems(text: str, placeholders: Mapping[str, str]) -> list[str]:
    """Why ``text`` is not a template over ``placeholders`` (empty when it is one)."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [f"not a valid template: {exc}"]
    found: list[str] = []
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        # Only bare names: attribute and index access ("{note.__class__}") would let a template
        # reach into the values' objects.
        if field not in placeholders:
            known = ", ".join("{" + name + "}" for name in placeholders) or "none"
            found.append(f"unknown placeholder {{{field}}}; known: {known}")
        elif spec or conversion:
            found.append(f"{{{field}}}: formatting options are not supported")
    return found


def override_of(session: Session, tenant_id: int, kind: str) -> NotificationTemplate | None:
    return session.scalar(
        select(NotificationTemplate).where(
            NotificationTemplate.tenant_id == tenant_id, NotificationTemplate.kind == kind
        )
    )


def _fill(kind: str, text: str, values: Mapping[str, object], language: str) -> str:
    names = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    picked: dict[str, str] = {}
    for name in names:
        if name not in values:
            raise TemplateProblem(f"template {kind!r} needs the value {name!r}")
        value = values[name]
        picked[name] = value.get(language) if isinstance(value, LocalizedText) else str(value)
    return text.format(**picked).strip()


def render(
    session: Session, tenant_id: int, kind: str, values: Mapping[str, object]
) -> tuple[LocalizedText, LocalizedText]:
    """The (title, body) of ``kind`` for the tenant, in both languages."""
    template = DEFAULTS.get(kind)
    if template is None:
        raise TemplateProblem(f"no notification template {kind!r}")
    # Every declared value is required even when the wording in use leaves it out, so that a
    # sender's slip shows with the default text rather than only after a province's override.
    for name in template.placeholders:
        if name not in values:
            raise TemplateProblem(f"template {kind!r} needs the value {name!r}")
    override = override_of(session, tenant_id, kind)
    title = override_of_text(override, template, "title")
    body = override_of_text(override, template, "body")
    return (
        LocalizedText(_fill(kind, title.vi, values, "vi"), _fill(kind, title.en, values, "en")),
        LocalizedText(_fill(kind, body.vi, values, "vi"), _fill(kind, body.en, values, "en")),
    )


def override_of_text(
    override: NotificationTemplate | None, template: Template, part: str
) -> LocalizedText:
    """The ``part`` ("title" or "body") in use: the tenant's wording, else the default."""
    if override is None:
        return getattr(template, part)
    return LocalizedText(getattr(override, part), getattr(override, f"{part}_en"))
