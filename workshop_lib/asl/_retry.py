"""How long a Retry rule waits, and whether Step Functions accepts the rule.

The wait before retry n+1 (after n retries by the same rule) is
`IntervalSeconds × BackoffRate^n`, capped by MaxDelaySeconds. With `"JitterStrategy": "FULL"`
the real wait is random, between 0 and that value. Each rule counts its own retries; once the
first matching rule has used its MaxAttempts, Retry is done and Catch decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import matching_rule

DEFAULT_INTERVAL_SECONDS = 1
DEFAULT_BACKOFF_RATE = 2.0
DEFAULT_MAX_ATTEMPTS = 3
JITTER_STRATEGIES = ("FULL", "NONE")


class InvalidRetrier(ValueError):
    """A Retry rule Step Functions would refuse; the message says which field and why."""


@dataclass(frozen=True)
class Retrier:
    """One Retry rule, with the language's defaults filled in."""

    interval_seconds: float = DEFAULT_INTERVAL_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_rate: float = DEFAULT_BACKOFF_RATE
    max_delay_seconds: float | None = None
    jitter: bool = False
    """True with JitterStrategy FULL: each wait is random, up to the computed one."""

    @classmethod
    def from_rule(cls, rule: Mapping[str, Any], *, strict: bool = True) -> Retrier:
        """The rule's numbers. `strict` checks them as Step Functions does (`InvalidRetrier`);
        without it, a recorded definition (which AWS already accepted) is read as it is."""
        if not strict:
            ceiling = rule.get("MaxDelaySeconds")
            return cls(
                float(rule.get("IntervalSeconds", DEFAULT_INTERVAL_SECONDS)),
                int(rule.get("MaxAttempts", DEFAULT_MAX_ATTEMPTS)),
                float(rule.get("BackoffRate", DEFAULT_BACKOFF_RATE)),
                None if ceiling is None else float(ceiling),
                str(rule.get("JitterStrategy", "")).upper() == "FULL",
            )
        interval = _whole_number(rule, "IntervalSeconds", DEFAULT_INTERVAL_SECONDS)
        attempts = _whole_number(rule, "MaxAttempts", DEFAULT_MAX_ATTEMPTS)
        backoff = rule.get("BackoffRate", DEFAULT_BACKOFF_RATE)
        if isinstance(backoff, bool) or not isinstance(backoff, int | float):
            raise InvalidRetrier(f"BackoffRate should be a number, such as 2, not {backoff!r}.")
        if interval < 1:
            raise InvalidRetrier(
                "IntervalSeconds is at least 1: the first wait lasts a second or more."
            )
        if backoff < 1:
            raise InvalidRetrier(
                f"BackoffRate {backoff} would make each wait shorter than the last; Step "
                "Functions requires at least 1.0. Use 2 to double each wait."
            )
        ceiling = None
        if "MaxDelaySeconds" in rule:
            ceiling = _whole_number(rule, "MaxDelaySeconds", 1)
            if ceiling < 1:
                raise InvalidRetrier(
                    "MaxDelaySeconds is at least 1: it caps each wait at that many seconds."
                )
        jitter = rule.get("JitterStrategy", "NONE")
        if jitter not in JITTER_STRATEGIES:
            raise InvalidRetrier(
                f'JitterStrategy is "FULL" or "NONE" (in capitals), not {jitter!r}.'
            )
        return cls(interval, attempts, backoff, ceiling, jitter == "FULL")

    def wait(self, retries_done: int) -> float:
        """Seconds asked for before the next retry after `retries_done` retries (0 for the
        first): the longest the wait can be, and exactly the wait without jitter."""
        seconds = self.interval_seconds * self.backoff_rate**retries_done
        if self.max_delay_seconds is not None:
            seconds = min(seconds, self.max_delay_seconds)
        return seconds

    def wait_bounds(self, retries_done: int) -> tuple[float, float]:
        """The shortest and longest real wait: (0, wait) with FULL jitter, else (wait, wait)."""
        longest = self.wait(retries_done)
        return (0.0 if self.jitter else longest), longest

    def waits(self) -> list[float]:
        """The wait before each of the rule's retries, in order (no jitter)."""
        return [self.wait(done) for done in range(max(self.max_attempts, 0))]


def _whole_number(rule: Mapping[str, Any], field: str, default: int) -> int:
    value = rule.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRetrier(f"{field} should be a number, such as 2, not {value!r}.")
    if isinstance(value, float) and not value.is_integer():
        raise InvalidRetrier(f"{field} is a whole number, not {value}.")
    return int(value)


@dataclass(frozen=True)
class RetryWait:
    """What the Retry policy asks for before one retry: the rule used and the wait in seconds."""

    rule_index: int
    seconds: float
    jitter: bool = False
    """With JitterStrategy FULL the real wait is random, between 0 and `seconds`."""


def retry_wait(
    rules: Sequence[Mapping[str, Any]],
    error: str | None,
    retries_by_rule: Mapping[int, int] | int,
    *,
    strict: bool = False,
) -> RetryWait | None:
    """The wait before the next attempt after `error`, or None when no rule retries it (none
    matches, or the first matching rule has used its MaxAttempts: Catch decides).

    `retries_by_rule` holds how many retries each rule has already made in this state, or is
    the number the matching rule has made (TestState's `retrierRetryCount`).
    """
    index = matching_rule(rules, error)
    if index is None:
        return None
    retrier = Retrier.from_rule(rules[index], strict=strict)
    done = retries_by_rule if isinstance(retries_by_rule, int) else retries_by_rule.get(index, 0)
    if done >= retrier.max_attempts:
        return None
    return RetryWait(index, retrier.wait(done), retrier.jitter)
