"""Which Retry or Catch rule of a state handles an error, and how long the Retry policy waits.

The rules follow the Amazon States Language: the first rule whose ErrorEquals matches wins;
`States.ALL` matches every error and `States.TaskFailed` every error except `States.Timeout`.
Each Retry rule counts its own retries, and waits IntervalSeconds × BackoffRate^(retries so far),
capped by MaxDelaySeconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The language's defaults when a Retry rule leaves a field out.
DEFAULT_INTERVAL_SECONDS = 1.0
DEFAULT_BACKOFF_RATE = 2.0
DEFAULT_MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class RetryWait:
    """What the policy asked for before one retry: the rule used and the wait in seconds."""

    rule_index: int
    seconds: float
    jitter: bool = False
    """With JitterStrategy FULL the real wait is random, between 0 and `seconds`."""


def matches(error_equals: Sequence[str], error: str | None) -> bool:
    name = error or "States.ALL"
    for candidate in error_equals:
        if candidate in ("States.ALL", name):
            return True
        if candidate == "States.TaskFailed" and name != "States.Timeout":
            return True
    return False


def matching_rule(rules: Sequence[Mapping[str, Any]], error: str | None) -> int | None:
    """The index of the first rule (Retry or Catch) that handles `error`, if any."""
    for index, rule in enumerate(rules):
        if matches(rule.get("ErrorEquals") or [], error):
            return index
    return None


def retry_wait(
    rules: Sequence[Mapping[str, Any]], error: str | None, retries_by_rule: Mapping[int, int]
) -> RetryWait | None:
    """The wait the Retry policy asks for before the next attempt after `error`.

    `retries_by_rule` holds how many retries each rule has already made in this state.
    """
    index = matching_rule(rules, error)
    if index is None:
        return None
    rule = rules[index]
    done = retries_by_rule.get(index, 0)
    interval = float(rule.get("IntervalSeconds", DEFAULT_INTERVAL_SECONDS))
    rate = float(rule.get("BackoffRate", DEFAULT_BACKOFF_RATE))
    seconds = interval * rate**done
    ceiling = rule.get("MaxDelaySeconds")
    if ceiling is not None:
        seconds = min(seconds, float(ceiling))
    return RetryWait(index, seconds, jitter=str(rule.get("JitterStrategy", "")).upper() == "FULL")


def catch_target(rules: Sequence[Mapping[str, Any]], error: str | None) -> str | None:
    """The state a Catch rule sends `error` to, if one handles it."""
    index = matching_rule(rules, error)
    return None if index is None else rules[index].get("Next")
