"""Who sends the SMS and who checks the ID: the first plugin enabled for the tenant that answers
the ``send_sms`` / ``verify_identity`` hook, else the built-in provider when one is configured."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sieuapp.sdk import IdentityCheck, LocalizedText
from sieuapp.sdk.errors import PlatformError

from ..._runtime import runtime_of
from ...plugins._containment import Failure
from ...plugins._host import HookFailed
from ...tenancy.context import current_tenant
from . import registry_file

#: The development sender's logger; a deployment that turns the sender on sees codes here.
sms_log = logging.getLogger("sieuapp.sms")
log = logging.getLogger("sieuapp.assurance")
DEVELOPMENT_SENDER = "development_log"

NO_SENDER = LocalizedText(
    "Hiện không gửi được tin nhắn SMS. Vui lòng thử lại sau.",
    "Text messages cannot be sent at the moment. Please try again later.",
)
NO_VERIFIER = LocalizedText(
    "Hiện không kiểm tra được thông tin căn cước. Vui lòng thử lại sau.",
    "Identity records cannot be checked at the moment. Please try again later.",
)


class SmsUnavailable(PlatformError):
    """No sender took the message (none configured, or the one that answered failed)."""

    status = 503
    code = "sms_unavailable"


class VerificationUnavailable(PlatformError):
    """No verification provider could tell (none configured, failed, or answered ``unknown``)."""

    status = 503
    code = "verification_unavailable"


@dataclass(frozen=True)
class Answer:
    """A provider's answer and who gave it (a plugin id or a built-in provider's name)."""

    provider: str
    value: Any


def _first_answer(hook: str, accepts: type | tuple[type, ...], **arguments: Any) -> Answer | None:
    """Ask the enabled plugins one at a time, as pluggy's ``firstresult`` would but with each
    failure contained; an answer of the wrong type counts as a failure of that plugin."""
    runtime = runtime_of()
    host = runtime.host
    tenant = current_tenant()
    states = runtime.tenant_states()
    for impl in reversed(getattr(host.pm.hook, hook).get_hookimpls()):
        plugin_id = impl.plugin_name
        state = states.get(plugin_id)
        if state is None or not state.enabled:
            continue
        try:
            value = host.call(plugin_id, hook, tenant.id, tenant=tenant.info(), **arguments)
        except HookFailed:
            continue
        if value is None:
            continue
        if not isinstance(value, accepts):
            error = f"returned {type(value).__name__}, not {_names(accepts)}"
            host._note(Failure(tenant.id, plugin_id, hook, error))
            continue
        return Answer(plugin_id, value)
    return None


def _names(accepts: type | tuple[type, ...]) -> str:
    kinds = accepts if isinstance(accepts, tuple) else (accepts,)
    return " or ".join(k.__name__ for k in kinds)


def send_sms(phone: str, message: str, language: str) -> str:
    """Send ``message`` to ``phone``; returns who sent it, raises ``SmsUnavailable``."""
    answer = _first_answer("send_sms", bool, phone=phone, message=message)
    if answer is not None:
        if not answer.value:
            raise SmsUnavailable(NO_SENDER.get(language))
        return answer.provider
    if runtime_of().settings.sms_development_log:
        # Opt-in (SIEUAPP_SMS_DEVELOPMENT_LOG): the code is in the log on purpose.
        sms_log.warning("development SMS to %s: %s", phone, message)
        return DEVELOPMENT_SENDER
    log.error("no SMS sender: no plugin answered send_sms and the development log is off")
    raise SmsUnavailable(NO_SENDER.get(language))


def verify_identity(national_id: str, full_name: str, birthdate: date, language: str) -> Answer:
    """The first provider's ``IdentityCheck``; raises ``VerificationUnavailable`` when none
    can tell."""
    answer = _first_answer(
        "verify_identity",
        IdentityCheck,
        national_id=national_id,
        full_name=full_name,
        birthdate=birthdate,
    )
    if answer is None:
        path = runtime_of().settings.identity_registry_file
        if not path:
            log.error("no verification provider: no plugin answered and no registry file is set")
            raise VerificationUnavailable(NO_VERIFIER.get(language))
        answer = Answer(
            registry_file.PROVIDER_ID,
            registry_file.check(path, national_id, full_name, birthdate),
        )
    if answer.value.outcome == IdentityCheck.UNKNOWN:
        log.warning(
            "verification provider %r could not tell: %s", answer.provider, answer.value.reason
        )
        raise VerificationUnavailable(NO_VERIFIER.get(language))
    return answer
