"""The simulator's pages: the test bank where the payer pays or cancels, and VNPay's error page.
Small, bilingual, and marked as a simulator so nobody mistakes it for VNPay."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .simulator import Order

#: Where the test bank's form posts the payer's choice.
COMPLETE_PATH = "/paymentv2/complete"

PAGE_ERRORS = {
    "70": ("Sai chữ ký", "Invalid signature"),
    "02": ("Merchant không hợp lệ (kiểm tra lại vnp_TmnCode)", "Invalid merchant (vnp_TmnCode)"),
    "03": ("Dữ liệu gửi sang không đúng định dạng", "Data sent is not in the right format"),
    "01": ("Giao dịch đã tồn tại", "The transaction already exists"),
    "11": ("Đã hết hạn chờ thanh toán", "The time to pay has run out"),
}


PAGE = """<!doctype html>
<html lang="{lang}">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<body style="font-family: sans-serif; max-width: 30rem; margin: 2rem auto; padding: 0 1rem">
<p style="color: #005baa; font-weight: bold">VNPAY · {banner}</p>
<h1 style="font-size: 1.3rem">{title}</h1>
{body}
</body>
</html>
"""


def _page(language: str, title: str, body: str) -> str:
    banner = "Simulator (not VNPay)" if language == "en" else "Mô phỏng (không phải VNPAY)"
    return PAGE.format(lang=language, banner=banner, title=html.escape(title), body=body)


def bank_page(order: Order) -> str:
    en = order.params["vnp_Locale"] == "en"
    amount = f"{order.amount // 100:,}".replace(",", ".")
    rows = [
        ("Merchant" if en else "Đơn vị", order.params["vnp_TmnCode"]),
        ("Amount" if en else "Số tiền", f"{amount} VND"),
        ("Order" if en else "Nội dung", order.params["vnp_OrderInfo"]),
        ("Reference" if en else "Mã giao dịch", order.txn_ref),
    ]
    table = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    form = (
        f"<form method='post' action='{COMPLETE_PATH}'>"
        f"<input type='hidden' name='txn_ref' value='{html.escape(order.txn_ref, quote=True)}'>"
        f"<button name='action' value='pay'>{'Pay' if en else 'Thanh toán'}</button> "
        f"<button name='action' value='cancel'>{'Cancel' if en else 'Hủy'}</button></form>"
    )
    title = "NCB test bank" if en else "Ngân hàng thử nghiệm NCB"
    return _page("en" if en else "vi", title, f"<table>{table}</table>{form}")


def error_page(code: str) -> str:
    vi, en = PAGE_ERRORS.get(code, ("Lỗi không xác định", "Unknown error"))
    return _page("vi", f"{code}: {vi}", f"<p>{html.escape(en)}</p>")
