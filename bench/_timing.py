"""Timed rounds, the same for every way of calling an app: each round runs for a fixed time
(so a slow database does not stretch the run), rounds alternate between the platform and its
baseline (so drift and other load on the machine hit both alike), and the median is kept."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

Request = Callable[[], object]
BATCH = 10


@dataclass(frozen=True)
class Rounds:
    rounds: int
    seconds: float
    warmup_seconds: float


def rate(request: Request, seconds: float) -> float:
    """Requests per second, making requests in batches until ``seconds`` have passed."""
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(BATCH):
            request()
        done += BATCH
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - started)


def compare(subject: Request, baseline: Request, plan: Rounds) -> tuple[float, float]:
    """Median requests/s of each side."""
    for request in (subject, baseline):
        rate(request, plan.warmup_seconds)
    subject_rates: list[float] = []
    baseline_rates: list[float] = []
    for i in range(plan.rounds):
        order = [(subject, subject_rates), (baseline, baseline_rates)]
        if i % 2:
            order.reverse()
        for request, rates in order:
            rates.append(rate(request, plan.seconds))
    return statistics.median(subject_rates), statistics.median(baseline_rates)
