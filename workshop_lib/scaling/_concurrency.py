"""How many Lambda environments a traffic pattern needs, and what gets throttled.

A discrete-time model in 1-second steps. Each second, new requests (and retries that are due)
ask for an environment. A function can run at most `limit` at once, where the limit is its
reserved concurrency or the account's quota, and it may add at most `scale_rate` new environments
per 10-second window. Requests that do not fit are throttled (`Lambda.TooManyRequestsException`
in Step Functions); a Retry policy sends them again later, or they fail.

Rates are treated as a fluid (0.5 requests a second is fine) and concurrency is the average
number of busy environments during a second, Little's law style: rate x duration.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..display import TableReport, new_figure, number, theme
from ..pricing import PriceBook, load_prices
from ._errors import ScalingInputError, require_non_negative, require_positive
from ._retry import RetryPolicy

_WINDOW_S = 10  # the scaling rate is stated per 10 seconds
_MAX_EXTRA_S = 86_400  # stop following retries a day after the traffic ends


@dataclass(frozen=True)
class ConcurrencyTimeline(TableReport):
    """Per-second concurrency, limit, throttles and retries, plus what became of every request."""

    duration_ms: float
    limit_cap: float
    scale_rate: float
    retry: RetryPolicy | None
    arrivals: tuple[float, ...]
    retries: tuple[float, ...]
    """Retry attempts arriving in each second."""
    accepted: tuple[float, ...]
    throttled: tuple[float, ...]
    concurrency: tuple[float, ...]
    limit: tuple[float, ...]
    requests: float
    succeeded: float
    succeeded_after_retry: float
    failed: float
    still_retrying: float
    """Requests still waiting for a retry when the model stopped following them."""

    @property
    def seconds(self) -> int:
        return len(self.concurrency)

    @property
    def peak_concurrency(self) -> float:
        return max(self.concurrency, default=0.0)

    @property
    def throttle_events(self) -> float:
        return sum(self.throttled)

    def _rows(self) -> list[tuple[str, str]]:
        return [
            ("requests", number(round(self.requests, 1))),
            (
                "succeeded on the first try",
                number(round(self.succeeded - self.succeeded_after_retry, 1)),
            ),
            ("succeeded after retrying", number(round(self.succeeded_after_retry, 1))),
            ("failed (throttled, out of retries)", number(round(self.failed, 1))),
            ("throttled attempts", number(round(self.throttle_events, 1))),
            ("peak concurrency", number(round(self.peak_concurrency, 1))),
            ("concurrency limit", number(self.limit_cap)),
        ]

    def _title(self) -> str:
        return (
            f"Lambda concurrency over {self.seconds} s ({number(self.duration_ms)} ms per request)"
        )

    def _notes(self) -> list[str]:
        if self.retry is None:
            retry = "No Retry policy: every throttled request fails."
        else:
            r = self.retry
            retry = (
                f"Retry: IntervalSeconds {r.interval_seconds:g}, BackoffRate {r.backoff_rate:g}, "
                f"MaxAttempts {r.max_attempts}."
            )
        notes = [
            retry,
            f"At most {number(self.scale_rate)} new environments per 10 s; "
            "environments stay warm for the whole run.",
        ]
        if self.still_retrying:
            notes.append(
                f"{number(round(self.still_retrying, 1))} requests were still retrying "
                "when the model stopped."
            )
        return notes

    HEADERS = ("", "count")

    def plot(self) -> Any:
        """Concurrency against the limit, and accepted / throttled / retried requests per second."""
        figure, (top, bottom) = new_figure(2, height=3.0, sharex=True)
        seconds = range(self.seconds)
        top.plot(seconds, self.concurrency, label="concurrent executions", color=theme.INDIGO)
        top.plot(seconds, self.limit, label="limit", color=theme.ALARM, linestyle="--")
        top.set_ylabel("environments")
        top.set_title(self._title(), fontsize="medium")
        top.legend(fontsize="small")
        bottom.bar(seconds, self.accepted, width=1.0, label="accepted", color=theme.GO)
        bottom.bar(
            seconds,
            self.throttled,
            width=1.0,
            bottom=self.accepted,
            label="throttled",
            color=theme.ALARM,
        )
        bottom.plot(seconds, self.retries, label="retries arriving", color=theme.AMBER)
        bottom.set_xlabel("time (s)")
        bottom.set_ylabel("requests per second")
        bottom.legend(fontsize="small")
        figure.tight_layout()
        return figure


def lambda_concurrency(
    arrival_rate_per_s: Sequence[float],
    duration_ms: float,
    account_limit: float | None = None,
    scale_rate: float | None = None,
    reserved: float | None = None,
    retry: RetryPolicy | None = None,
    prices: PriceBook | None = None,
) -> ConcurrencyTimeline:
    """Simulate one function receiving `arrival_rate_per_s[t]` new requests in second t.

    `account_limit` and `scale_rate` (new environments per 10 s) default to AWS's documented
    values from the price data. `reserved` caps this function (0 stops it). `retry` is the
    Retry policy for `Lambda.TooManyRequestsException`; without one, throttled requests fail.
    """
    book = prices or load_prices()
    lam = book.aws_lambda
    arrivals = [require_non_negative("arrival rate", a) for a in arrival_rate_per_s]
    seconds_each = require_positive("duration_ms", duration_ms) / 1000.0
    account = require_positive(
        "account_limit", lam.account_concurrency if account_limit is None else account_limit
    )
    rate = require_positive(
        "scale_rate", lam.environments_per_10s if scale_rate is None else scale_rate
    )
    if reserved is not None and not 0 <= reserved <= account:
        raise ScalingInputError(
            f"reserved={reserved!r} must be between 0 and the account limit ({account:g}).",
            hint="Reserved concurrency is carved out of the account's limit.",
        )
    cap = account if reserved is None else float(reserved)

    full_steps = math.floor(seconds_each)
    tail = seconds_each - full_steps
    first_step_share = min(1.0, seconds_each)  # how much of this second one request occupies

    ending: dict[int, float] = defaultdict(float)  # running occupancy that stops at a second
    tails: dict[int, float] = defaultdict(float)  # fractional occupancy in a request's last second
    pending: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    running = environments = 0.0
    budget, window = rate, 0
    series: dict[str, list[float]] = defaultdict(list)
    succeeded = after_retry = failed = 0.0

    t = 0
    while t < len(arrivals) or (pending and t < len(arrivals) + _MAX_EXTRA_S):
        if t // _WINDOW_S != window:
            window, budget = t // _WINDOW_S, rate
        running -= ending.pop(t, 0.0)
        busy = running + tails.get(t, 0.0)
        limit = min(cap, environments + budget)

        cohorts = pending.pop(t, {})
        new = arrivals[t] if t < len(arrivals) else 0.0
        cohorts[0] = cohorts.get(0, 0.0) + new
        demand = sum(cohorts.values())
        fits = max(0.0, limit - busy) / first_step_share
        accepted = min(demand, fits)
        share = accepted / demand if demand else 0.0

        for retry_number, count in cohorts.items():
            ok = count * share
            succeeded += ok
            if retry_number:
                after_retry += ok
            rejected = count - ok
            if rejected <= 0:
                continue
            if retry is not None and retry_number < retry.max_attempts:
                wait = max(1, math.ceil(retry.delay(retry_number + 1) - 1e-9))
                pending[t + wait][retry_number + 1] += rejected
            else:
                failed += rejected

        if full_steps:
            running += accepted
            ending[t + full_steps] += accepted
        if tail:
            tails[t + full_steps] += accepted * tail
        concurrency = running + tails.pop(t, 0.0)
        grown = max(0.0, concurrency - environments)
        environments += grown
        budget = max(0.0, budget - grown)

        series["arrivals"].append(new)
        series["retries"].append(demand - new)
        series["accepted"].append(accepted)
        series["throttled"].append(demand - accepted)
        series["concurrency"].append(concurrency)
        series["limit"].append(limit)
        t += 1

    still = sum(sum(c.values()) for c in pending.values())
    return ConcurrencyTimeline(
        duration_ms=float(duration_ms),
        limit_cap=cap,
        scale_rate=rate,
        retry=retry,
        arrivals=tuple(series["arrivals"]),
        retries=tuple(series["retries"]),
        accepted=tuple(series["accepted"]),
        throttled=tuple(series["throttled"]),
        concurrency=tuple(series["concurrency"]),
        limit=tuple(series["limit"]),
        requests=sum(arrivals),
        succeeded=succeeded,
        succeeded_after_retry=after_retry,
        failed=failed,
        still_retrying=still,
    )
