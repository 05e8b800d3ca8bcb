"""The two addresses VNPay sends people and messages to, under ``/m/vnpay``:

- ``GET /ipn``: VNPay's server, with the payment's outcome; answered ``{"RspCode", "Message"}``
  with HTTP 200 whatever the code, as the gateway expects;
- ``GET /return``: the payer's browser, sent back by VNPay's page; redirected to the host's
  return URL with the result, never settling anything.
"""

from __future__ import annotations

import html
import logging
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, redirect, request
from sieuapp.sdk import LANGUAGES, LocalizedText, Services, text

from . import ipn, returns
from .protocol import IPN_MESSAGES

log = logging.getLogger("sieuapp_vnpay")

BAD_SIGNATURE = (
    text("Không xác nhận được kết quả thanh toán", "The payment result cannot be confirmed"),
    text(
        "Thông tin VNPAY gửi về không có chữ ký hợp lệ. Nếu bạn đã thanh toán, kết quả sẽ được "
        "cập nhật ngay khi VNPAY báo cho hệ thống.",
        "What came back from VNPay is not validly signed. If you paid, your payment is updated "
        "as soon as VNPay notifies the platform.",
    ),
)
STALE_LINK = (
    text("Liên kết quay lại không còn dùng được", "This return link can no longer be used"),
    text(
        "Hãy mở lại khoản thanh toán trong ứng dụng để xem kết quả.",
        "Open the payment again in the app to see how it went.",
    ),
)

PAGE = """<!doctype html>
<html lang="{lang}">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
<h1 style="font-size: 1.3rem">{title}</h1>
<p>{body}</p>
</body>
</html>
"""


def page(message: tuple[LocalizedText, LocalizedText], language: str, status: int) -> Response:
    title, body = (part.get(language) for part in message)
    content = PAGE.format(lang=language, title=html.escape(title), body=html.escape(body))
    response = Response(content, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("vnpay", __name__)

    @bp.get("/ipn")
    def ipn_call() -> Response:
        params = ipn.single_values(request.args.items(multi=True))
        reference = params.get("vnp_TxnRef") if params else None
        try:
            code = ipn.answer(params, services.config.get(), services.payments)
        except Exception:
            # Whatever was half written is dropped (a 200 would otherwise commit it), and VNPay,
            # told 99, calls again.
            services.db.session.rollback()
            log.exception("VNPay IPN for %r could not be processed", reference)
            code = "99"
        log.info("VNPay IPN for %r answered %s", reference, code)
        return jsonify(RspCode=code, Message=IPN_MESSAGES[code])

    @bp.get("/return")
    def payer_returns() -> Response:
        language = request.accept_languages.best_match(LANGUAGES) or "vi"
        config = services.config.get()
        params = ipn.single_values(request.args.items(multi=True))
        if not ipn.authentic(params, config):
            return page(BAD_SIGNATURE, language, 400)
        path = returns.read(
            config["hash_secret"],
            params.get(returns.TOKEN_PARAM, ""),
            params.get("vnp_TxnRef", ""),
            datetime.now(UTC),
        )
        if path is None:
            return page(STALE_LINK, language, 400)
        return redirect(returns.with_result(path, returns.result(params)), code=303)

    return bp
