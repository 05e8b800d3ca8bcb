"""``python -m sieuapp_vnpay.simulator``: the simulator as a server of its own, for the demo or
a developer's machine."""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Sequence

from .simulator import Simulator

#: Where ``main`` reads the hash secret when ``--hash-secret`` is not given.
SECRET_ENV = "VNPAY_SIMULATOR_HASH_SECRET"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sieuapp_vnpay.simulator",
        description="A local stand-in for VNPay's gateway (API 2.1.0), for demos and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--tmn-code", required=True, help="the merchant's vnp_TmnCode")
    parser.add_argument(
        "--hash-secret",
        default=os.environ.get(SECRET_ENV),
        help=f"the merchant's hash secret (default: ${SECRET_ENV}, which keeps it out of ps)",
    )
    parser.add_argument("--ipn-url", help="the merchant's IPN, e.g. https://<host>/m/vnpay/ipn")
    parser.add_argument("--ipn-retries", type=int, default=10)
    parser.add_argument("--ipn-retry-interval", type=float, default=300.0, help="seconds")
    args = parser.parse_args(argv)
    if not args.hash_secret:
        parser.error(f"--hash-secret or ${SECRET_ENV} is required")
    simulator = Simulator(
        args.tmn_code,
        args.hash_secret,
        ipn_url=args.ipn_url,
        host=args.host,
        port=args.port,
        ipn_retries=args.ipn_retries,
        ipn_retry_interval=args.ipn_retry_interval,
        log=lambda line: print(line, flush=True),
    )
    print(f"VNPay simulator for {args.tmn_code}", flush=True)
    print(f"  payment_url: {simulator.payment_url}", flush=True)
    print(f"  api_url:     {simulator.api_url}", flush=True)
    print(f"  IPN URL:     {args.ipn_url or '(none: payments are not notified)'}", flush=True)
    simulator.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.close()
