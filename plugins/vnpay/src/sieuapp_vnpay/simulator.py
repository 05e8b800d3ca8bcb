"""VNPay's side of API 2.1.0 on this machine, for the demo and the tests: a real HTTP server
that checks the merchant's signed payment URL, shows a tiny bank page, records the payment,
calls the merchant's IPN (retrying as VNPay does), sends the browser back to ``vnp_ReturnUrl``,
and answers ``refund`` and ``querydr`` on the merchant web API.

Run it::

    python -m sieuapp_vnpay.simulator --host 127.0.0.1 --port 8089 \\
        --tmn-code SIEUAPP1 --hash-secret <secret> --ipn-url http://hue.localhost:5000/m/vnpay/ipn

or from Python (``port=0`` picks a free port)::

    with Simulator("SIEUAPP1", secret, ipn_url=...) as gateway:
        ...  # configure payment_url=gateway.payment_url, api_url=gateway.api_url
        location = gateway.pay("PAY...")  # as if the payer pressed "Pay"

Like VNPay, the IPN URL is set per merchant at the gateway, not sent with each payment.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from . import protocol
from .signing import (
    QUERYDR_REQUEST,
    QUERYDR_RESPONSE,
    REFUND_REQUEST,
    REFUND_RESPONSE,
    pipe_sign,
    pipe_verify,
    signed_query,
    verify,
)
from .simulator_pages import COMPLETE_PATH, bank_page, error_page

PAY_PATH = "/paymentv2/vpcpay.html"
ERROR_PATH = "/paymentv2/Error.html"
API_PATH = "/merchant_webapi/api/transaction"

#: What VNPay's payment page shows when it refuses a payment URL, by code.
#: ``vnp_Message`` of the merchant web API's answers, by ``vnp_ResponseCode``.
API_MESSAGES = {
    "00": "Success",
    "02": "Invalid TmnCode",
    "03": "Invalid data format",
    "91": "Transaction not found",
    "94": "Duplicate request",
    "95": "Transaction is not successful at VNPAY",
    "97": "Invalid checksum",
    "99": "Other error",
}
#: Parameters every payment URL of API 2.1.0 carries.
REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
    "vnp_ExpireDate",
)
#: A refund VNPay has taken and is sending to the bank.
REFUND_PROCESSING = "05"


@dataclass
class Refund:
    number: str
    amount: int
    kind: str
    request_id: str
    date: str


@dataclass
class Transaction:
    """What the bank page did with an order: paid (``00``/``00``) or canceled (``24``/``02``)."""

    number: str
    response_code: str
    status: str
    bank_code: str
    pay_date: str
    card_type: str = ""
    bank_tran_no: str = ""
    refunds: list[Refund] = field(default_factory=list)

    @property
    def paid(self) -> bool:
        return self.response_code == "00" and self.status == "00"

    @property
    def refunded(self) -> int:
        return sum(refund.amount for refund in self.refunds)


@dataclass
class Order:
    """A payment URL the gateway accepted, with the merchant's parameters as signed."""

    params: dict[str, str]
    transaction: Transaction | None = None

    @property
    def txn_ref(self) -> str:
        return self.params["vnp_TxnRef"]

    @property
    def amount(self) -> int:
        """In VNPay's hundredths."""
        return int(self.params["vnp_Amount"])


@dataclass(frozen=True)
class IpnCall:
    """One call of the merchant's IPN and what it answered (``rsp_code`` None: no valid answer)."""

    txn_ref: str
    attempt: int
    rsp_code: str | None
    message: str
    http_status: int | None


def _now_stamp() -> str:
    return protocol.stamp(datetime.now(UTC))


def _amount_ok(value: str) -> bool:
    amount = protocol.major(value)
    return amount is not None and protocol.MIN_AMOUNT <= amount <= protocol.MAX_AMOUNT


def _stamp_ok(value: str | None) -> bool:
    return value is not None and protocol.parse_stamp(value) is not None


class Simulator:
    """The gateway for one merchant (terminal code and hash secret), as a thread-served HTTP
    server. ``orders``, ``ipn_calls`` and ``api_requests`` record what happened."""

    def __init__(
        self,
        tmn_code: str,
        hash_secret: str,
        *,
        ipn_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ipn_retries: int = 10,
        ipn_retry_interval: float = 300.0,
        ipn_timeout: float = 10.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.tmn_code = tmn_code
        self._secret = hash_secret
        self.ipn_url = ipn_url
        #: VNPay calls an IPN that did not answer 00 or 02 again, up to ten times, five minutes
        #: apart; the tests shorten the wait.
        self.ipn_retries = ipn_retries
        self.ipn_retry_interval = ipn_retry_interval
        self.ipn_timeout = ipn_timeout
        self.orders: dict[str, Order] = {}
        self.ipn_calls: list[IpnCall] = []
        self.api_requests: list[dict[str, Any]] = []
        self._log = log
        self._request_ids: set[str] = set()
        self._numbers = itertools.count(14_000_001)
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def payment_url(self) -> str:
        return self.base_url + PAY_PATH

    @property
    def api_url(self) -> str:
        return self.base_url + API_PATH

    def start(self) -> Simulator:
        # A short poll keeps close() quick: shutdown waits for the loop's next look.
        self._spawn(self._server.serve_forever, 0.05)
        return self

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self, target: Callable[..., Any], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _note(self, line: str) -> None:
        if self._log is not None:
            self._log(line)

    # -- the payment page ------------------------------------------------------------------

    def checkout(self, pairs: Sequence[tuple[str, str]]) -> tuple[Order | None, str]:
        """Check a payment URL's parameters as VNPay's page does: the order it accepted, or
        None and the error code its page shows."""
        params = dict(pairs)
        if len(params) != len(pairs):
            return None, "03"
        if not verify(params, self._secret):
            return None, "70"
        if params.get("vnp_TmnCode") != self.tmn_code:
            return None, "02"
        wrong = [name for name in REQUIRED if not params.get(name)]
        if (
            wrong
            or params["vnp_Version"] != protocol.VERSION
            or params["vnp_Command"] != "pay"
            or params["vnp_CurrCode"] != "VND"
            or params["vnp_Locale"] not in ("vn", "en")
            or not _amount_ok(params["vnp_Amount"])
            # Vietnamese without diacritics only.
            or not params["vnp_OrderInfo"].isascii()
            or urlsplit(params["vnp_ReturnUrl"]).scheme not in ("http", "https")
            or not _stamp_ok(params["vnp_CreateDate"])
            or not _stamp_ok(params["vnp_ExpireDate"])
        ):
            return None, "03"
        expires = protocol.parse_stamp(params["vnp_ExpireDate"])
        if expires is not None and expires < datetime.now(UTC):
            return None, "11"
        with self._changed:
            known = self.orders.get(params["vnp_TxnRef"])
            if known is not None and known.transaction is not None and known.transaction.paid:
                return None, "01"
            order = self.orders[params["vnp_TxnRef"]] = Order(params)
        return order, "00"

    def pay(self, txn_ref: str, bank_code: str = "NCB") -> str:
        """Complete an accepted order as if the payer paid: record the transaction, call the
        IPN, and return where the payer's browser is sent."""
        return self._complete(txn_ref, paid=True, bank_code=bank_code)

    def cancel(self, txn_ref: str) -> str:
        """The payer pressed "Cancel" on the bank page."""
        return self._complete(txn_ref, paid=False, bank_code="VNPAY")

    def _complete(self, txn_ref: str, paid: bool, bank_code: str) -> str:
        with self._changed:
            order = self.orders.get(txn_ref)
            if order is None:
                raise LookupError(f"no order {txn_ref!r} was opened on the payment page")
            if order.transaction is not None:
                raise ValueError(f"order {txn_ref!r} was already completed")
            if paid:
                number = str(next(self._numbers))
                transaction = Transaction(
                    number, "00", "00", bank_code, _now_stamp(), "ATM", f"VNP{number}"
                )
            else:
                # VNPay numbers only what reached a bank: a canceled order has transaction 0.
                transaction = Transaction("0", protocol.CANCELED, "02", bank_code, _now_stamp())
            order.transaction = transaction
        self._notify(txn_ref)
        back = order.params["vnp_ReturnUrl"]
        # The browser is sent back with the very query the IPN carried.
        return f"{back}{'&' if '?' in back else '?'}{self.ipn_query(txn_ref)}"

    def result_params(self, txn_ref: str) -> dict[str, str]:
        """The parameters VNPay sends the IPN and the return URL for a completed order."""
        order = self.orders[txn_ref]
        transaction = order.transaction
        if transaction is None:
            raise ValueError(f"order {txn_ref!r} is not completed")
        params = {
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": order.params["vnp_Amount"],
            "vnp_BankCode": transaction.bank_code,
            "vnp_OrderInfo": order.params["vnp_OrderInfo"],
            "vnp_PayDate": transaction.pay_date,
            "vnp_ResponseCode": transaction.response_code,
            "vnp_TransactionNo": transaction.number,
            "vnp_TransactionStatus": transaction.status,
            "vnp_TxnRef": txn_ref,
        }
        if transaction.card_type:
            params["vnp_CardType"] = transaction.card_type
        if transaction.bank_tran_no:
            params["vnp_BankTranNo"] = transaction.bank_tran_no
        return params

    # -- the IPN ---------------------------------------------------------------------------

    def ipn_query(self, txn_ref: str) -> str:
        """The signed query of the IPN VNPay sends for a completed order."""
        return signed_query(self.result_params(txn_ref), self._secret)

    def _notify(self, txn_ref: str) -> None:
        if not self.ipn_url:
            return
        if self._call_ipn(txn_ref, 1) not in protocol.IPN_FINAL and self.ipn_retries:
            self._spawn(self._retry_ipn, txn_ref)

    def _retry_ipn(self, txn_ref: str) -> None:
        for attempt in range(2, self.ipn_retries + 2):
            if self._stop.wait(self.ipn_retry_interval):
                return
            if self._call_ipn(txn_ref, attempt) in protocol.IPN_FINAL:
                return

    def _call_ipn(self, txn_ref: str, attempt: int) -> str | None:
        assert self.ipn_url is not None
        url = f"{self.ipn_url}{'&' if '?' in self.ipn_url else '?'}{self.ipn_query(txn_ref)}"
        code: str | None = None
        status: int | None = None
        try:
            response = requests.get(url, timeout=self.ipn_timeout, allow_redirects=False)
            status = response.status_code
            body = response.json()
            if status == 200 and isinstance(body, dict) and isinstance(body.get("RspCode"), str):
                code, message = body["RspCode"], str(body.get("Message", ""))
            else:
                message = f"HTTP {status}: {response.text[:200]}"
        except (requests.RequestException, ValueError) as exc:
            message = f"{type(exc).__name__}: {exc}"[:200]
        with self._changed:
            self.ipn_calls.append(IpnCall(txn_ref, attempt, code, message, status))
            self._changed.notify_all()
        self._note(f"IPN {txn_ref} attempt {attempt}: {code} {message}")
        return code

    def wait_for_ipn_calls(self, count: int, timeout: float = 5.0) -> list[IpnCall]:
        """The IPN calls so far, once there are ``count`` of them or ``timeout`` passed."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.ipn_calls) >= count, timeout)
            return list(self.ipn_calls)

    # -- the merchant web API --------------------------------------------------------------

    def transaction_api(self, body: Any) -> dict[str, str]:
        """Answer one request to ``merchant_webapi/api/transaction``."""
        with self._changed:
            self.api_requests.append(body if isinstance(body, dict) else {"body": body})
        if not isinstance(body, dict):
            return self._api_answer(REFUND_RESPONSE, "03", {})
        message = {name: str(value) for name, value in body.items() if value is not None}
        command = message.get("vnp_Command")
        if command == "querydr":
            return self._querydr(message)
        if command == "refund":
            return self._refund(message)
        return self._api_answer(REFUND_RESPONSE, "03", {"vnp_Command": command or ""})

    def _api_answer(
        self, fields: Sequence[str], code: str, values: dict[str, str]
    ) -> dict[str, str]:
        answer = {
            "vnp_ResponseId": secrets.token_hex(16),
            "vnp_ResponseCode": code,
            "vnp_Message": API_MESSAGES[code],
            "vnp_TmnCode": self.tmn_code,
            **values,
        }
        answer["vnp_SecureHash"] = pipe_sign(answer, fields, self._secret)
        return answer

    def _refused(self, message: dict[str, str], fields: Sequence[str]) -> str | None:
        """The code a request of the web API is refused with before its order is looked up."""
        if not pipe_verify(message, fields, self._secret):
            return "97"
        if message.get("vnp_TmnCode") != self.tmn_code:
            return "02"
        if (
            any(not message.get(name) for name in fields if name != "vnp_TransactionNo")
            or message["vnp_Version"] != protocol.VERSION
            or not _stamp_ok(message.get("vnp_TransactionDate"))
            or not _stamp_ok(message.get("vnp_CreateDate"))
        ):
            return "03"
        with self._changed:
            if message["vnp_RequestId"] in self._request_ids:
                return "94"
            self._request_ids.add(message["vnp_RequestId"])
        return None

    def _order_of(self, message: dict[str, str]) -> Order | None:
        # VNPay finds the order by its reference and the date the merchant created it.
        order = self.orders.get(message["vnp_TxnRef"])
        if order is None or order.params["vnp_CreateDate"] != message["vnp_TransactionDate"]:
            return None
        return order

    def _querydr(self, message: dict[str, str]) -> dict[str, str]:
        base = {"vnp_Command": "querydr", "vnp_TxnRef": message.get("vnp_TxnRef", "")}
        refused = self._refused(message, QUERYDR_REQUEST)
        if refused:
            return self._api_answer(QUERYDR_RESPONSE, refused, base)
        with self._changed:
            order = self._order_of(message)
            transaction = order.transaction if order else None
            refunds = list(transaction.refunds) if transaction else []
        if order is None:
            return self._api_answer(QUERYDR_RESPONSE, "91", base)
        found = {
            **base,
            "vnp_Amount": order.params["vnp_Amount"],
            "vnp_OrderInfo": order.params["vnp_OrderInfo"],
            "vnp_BankCode": transaction.bank_code if transaction else "",
            "vnp_PayDate": transaction.pay_date if transaction else "",
            "vnp_TransactionNo": transaction.number if transaction else "0",
            "vnp_TransactionType": protocol.PAYMENT,
            # 01: not completed yet.
            "vnp_TransactionStatus": transaction.status if transaction else "01",
            "vnp_PromotionCode": "",
            "vnp_PromotionAmount": "",
        }
        if refunds:
            # One state per order: once money went back, the refunds' (all returned at once by
            # this simulator's bank), with the last refund's number and type.
            last = refunds[-1]
            found.update(
                vnp_Amount=str(sum(refund.amount for refund in refunds)),
                vnp_PayDate=last.date,
                vnp_TransactionNo=last.number,
                vnp_TransactionType=last.kind,
                vnp_TransactionStatus="00",
            )
        return self._api_answer(QUERYDR_RESPONSE, "00", found)

    def _refund(self, message: dict[str, str]) -> dict[str, str]:
        base = {"vnp_Command": "refund", "vnp_TxnRef": message.get("vnp_TxnRef", "")}
        refused = self._refused(message, REFUND_REQUEST)
        if refused:
            return self._api_answer(REFUND_RESPONSE, refused, base)
        kind = message["vnp_TransactionType"]
        amount = message["vnp_Amount"]
        if kind not in (protocol.FULL_REFUND, protocol.PARTIAL_REFUND) or not amount.isdigit():
            return self._api_answer(REFUND_RESPONSE, "03", base)
        with self._changed:
            order = self._order_of(message)
            transaction = order.transaction if order else None
            if (
                order is None
                or transaction is None
                or transaction.number != message["vnp_TransactionNo"]
            ):
                return self._api_answer(REFUND_RESPONSE, "91", base)
            if not transaction.paid:
                return self._api_answer(REFUND_RESPONSE, "95", base)
            wanted, left = int(amount), order.amount - transaction.refunded
            whole = wanted == order.amount and not transaction.refunds
            # 02 is for all of an untouched payment and nothing else; 03 for any part of it.
            if wanted <= 0 or wanted > left or whole != (kind == protocol.FULL_REFUND):
                return self._api_answer(REFUND_RESPONSE, "03", base)
            refund = Refund(
                str(next(self._numbers)), wanted, kind, message["vnp_RequestId"], _now_stamp()
            )
            transaction.refunds.append(refund)
        return self._api_answer(
            REFUND_RESPONSE,
            "00",
            {
                **base,
                "vnp_Amount": amount,
                "vnp_BankCode": transaction.bank_code,
                "vnp_PayDate": refund.date,
                "vnp_TransactionNo": refund.number,
                "vnp_TransactionType": kind,
                "vnp_TransactionStatus": REFUND_PROCESSING,
                "vnp_OrderInfo": message["vnp_OrderInfo"],
            },
        )


def _handler(simulator: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "VNPaySimulator/2.1.0"

        def _send(self, status: int, body: str, content_type: str, **headers: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)

        def _redirect(self, location: str, status: int = 302) -> None:
            self._send(status, "", "text/plain", Location=location)

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path == PAY_PATH:
                order, code = simulator.checkout(parse_qsl(parts.query, keep_blank_values=True))
                if order is None:
                    self._redirect(f"{ERROR_PATH}?{urlencode({'code': code})}")
                else:
                    self._send(200, bank_page(order), "text/html")
            elif parts.path == ERROR_PATH:
                code = dict(parse_qsl(parts.query)).get("code", "99")
                self._send(200, error_page(code), "text/html")
            else:
                self._send(404, "not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
            if path == COMPLETE_PATH:
                form = dict(parse_qsl(raw.decode("utf-8", "replace")))
                action = simulator.pay if form.get("action") == "pay" else simulator.cancel
                try:
                    location = action(form.get("txn_ref", ""))
                except (LookupError, ValueError):
                    self._redirect(f"{ERROR_PATH}?code=03", 303)
                    return
                self._redirect(location, 303)
            elif path == API_PATH:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                answer = simulator.transaction_api(body)
                self._send(200, json.dumps(answer), "application/json")
            else:
                self._send(404, "not found", "text/plain")

        def log_message(self, format: str, *args: Any) -> None:
            simulator._note(f"{self.address_string()} {format % args}")

    return Handler


if __name__ == "__main__":
    from .simulator_cli import main

    main()
