"""A Step Functions Retry policy, as far as the scaling models need it."""

from __future__ import annotations

from dataclasses import dataclass

from ..pricing import PriceBook, load_prices
from ._errors import ScalingInputError, require_non_negative


@dataclass(frozen=True)
class RetryPolicy:
    """`IntervalSeconds`, `BackoffRate`, `MaxAttempts` and `MaxDelaySeconds` of a retrier.

    The wait before retry n (1, 2, ...) is `interval_seconds * backoff_rate ** (n - 1)`, capped
    by `max_delay_seconds`. `max_attempts` counts retries, not the first try; 0 never retries.
    Jitter is not modelled (Step Functions' default is no jitter).
    """

    interval_seconds: float
    backoff_rate: float
    max_attempts: int
    max_delay_seconds: float | None = None

    def __post_init__(self) -> None:
        require_non_negative("interval_seconds", self.interval_seconds)
        require_non_negative("max_attempts", self.max_attempts)
        if self.backoff_rate < 1:
            raise ScalingInputError(
                f"backoff_rate must be at least 1, not {self.backoff_rate!r}.",
                hint="Step Functions rejects a BackoffRate below 1.0.",
            )

    @classmethod
    def defaults(cls, prices: PriceBook | None = None) -> RetryPolicy:
        """The values Step Functions uses for a retrier that sets none of them."""
        sfn = (prices or load_prices()).step_functions
        return cls(sfn.retry_interval_seconds, sfn.retry_backoff_rate, int(sfn.retry_max_attempts))

    @classmethod
    def from_asl(cls, retrier: dict[str, float], prices: PriceBook | None = None) -> RetryPolicy:
        """From a retrier as written in a state machine definition (missing fields: defaults)."""
        base = cls.defaults(prices)
        return cls(
            retrier.get("IntervalSeconds", base.interval_seconds),
            retrier.get("BackoffRate", base.backoff_rate),
            int(retrier.get("MaxAttempts", base.max_attempts)),
            retrier.get("MaxDelaySeconds"),
        )

    def delay(self, retry_number: int) -> float:
        """Seconds to wait before retry `retry_number` (1 for the first retry)."""
        wait = self.interval_seconds * self.backoff_rate ** (retry_number - 1)
        return min(wait, self.max_delay_seconds) if self.max_delay_seconds is not None else wait
