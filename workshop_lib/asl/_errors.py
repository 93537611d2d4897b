"""Which Retry or Catch rule handles an error, as Step Functions decides it.

The rules, from AWS's "Error names" documentation (the local cloud follows the same function):

* the rules are tried in order and the first whose ErrorEquals matches decides;
* a name matches itself; `States.Timeout` also matches `States.HeartbeatTimeout`;
* `States.ALL` matches every error except the terminal ones, `States.Runtime` and
  `States.DataLimitExceeded`, which only a rule naming them handles;
* `States.TaskFailed` matches every error except the timeouts and the terminal ones;
* `States.ALL` must be alone in its ErrorEquals, in the last rule.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"

TERMINAL_ERRORS = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})
"""Errors that States.ALL and States.TaskFailed do not match: only naming them handles them."""
TIMEOUT_ERRORS = frozenset({TIMEOUT, HEARTBEAT_TIMEOUT})
"""Errors States.Timeout names (a missed heartbeat is a timeout too); TaskFailed skips them."""


def error_matches(error_equals: Collection[str], error: str | None) -> bool:
    """Whether a rule with this ErrorEquals handles `error` (`None`: an error without a name,
    which only the wildcards match)."""
    if error is not None and error in error_equals:
        return True
    if error == HEARTBEAT_TIMEOUT and TIMEOUT in error_equals:
        return True
    if error in TERMINAL_ERRORS:
        return False
    if ALL in error_equals:
        return True
    return TASK_FAILED in error_equals and error not in TIMEOUT_ERRORS


def matching_rule(rules: Sequence[Mapping[str, Any]], error: str | None) -> int | None:
    """The index of the first rule (Retry or Catch) that handles `error`, or None."""
    for index, rule in enumerate(rules):
        if error_matches(rule.get("ErrorEquals") or [], error):
            return index
    return None


def catch_target(catchers: Sequence[Mapping[str, Any]], error: str | None) -> str | None:
    """The state a Catch rule sends `error` to, or None when no catcher handles it."""
    index = matching_rule(catchers, error)
    return None if index is None else catchers[index].get("Next")


def misplaced_catch_all(rules: Sequence[Mapping[str, Any]]) -> int | None:
    """The index of a rule breaking "States.ALL alone, in the last rule" (Step Functions
    refuses such a definition), or None when the rules are fine."""
    for index, rule in enumerate(rules):
        names = rule.get("ErrorEquals") or []
        if ALL in names and (len(names) > 1 or index != len(rules) - 1):
            return index
    return None
