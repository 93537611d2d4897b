"""A Step Functions Retry policy, as far as the scaling models need it."""

from __future__ import annotations

from dataclasses import dataclass

from .. import asl
from ..pricing import PriceBook, load_prices
from ._errors import ScalingInputError, require_non_negative


@dataclass(frozen=True)
class RetryPolicy:
    """`IntervalSeconds`, `BackoffRate`, `MaxAttempts` and `MaxDelaySeconds` of a retrier.

    The wait before retry n (1, 2, ...) is `interval_seconds * backoff_rate ** (n - 1)`, capped
    by `max_delay_seconds` (computed by `workshop_lib.asl.Retrier`). `max_attempts` counts
    retries, not the first try; 0 never retries.
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
        return self.as_retrier().wait(retry_number - 1)

    def as_retrier(self) -> asl.Retrier:
        """The same rule as `workshop_lib.asl` reads one (its waits are computed there)."""
        return asl.Retrier(
            self.interval_seconds, self.max_attempts, self.backoff_rate, self.max_delay_seconds
        )
