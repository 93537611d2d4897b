"""Step Functions semantics, written once: the rules the exercise checks, the replay of an
execution, the scaling models and the local cloud all follow.

* paths (`select`, `place`, `MISSING`): what InputPath, OutputPath and ResultPath do;
* errors (`error_matches`, `matching_rule`, `catch_target`): which Retry or Catch rule
  handles an error (States.ALL, States.TaskFailed and the terminal errors included);
* retries (`Retrier`, `retry_wait`): how long a Retry rule waits, and whether it is valid;
* Choice (`choose`, `rule_holds`): which branch a Choice state takes;
* JSONata (`evaluate`, `evaluate_field`): the engine the local cloud evaluates JSONata with.

    from workshop_lib import asl
    asl.catch_target(state["Catch"], "States.Runtime")   # None: States.ALL does not catch it
    asl.Retrier.from_rule(state["Retry"][0]).waits()       # [2.0, 4.0, 8.0]

This package is pure: it reads definitions and documents, never a cloud (layer 3, see
docs/architecture.md).
"""

from __future__ import annotations

from ._choice import CHOICE_OPERATORS, COMBINATIONS, TYPE_TESTS, ChoiceFailure, choose, rule_holds
from ._errors import (
    ALL,
    TASK_FAILED,
    TERMINAL_ERRORS,
    TIMEOUT_ERRORS,
    catch_target,
    error_matches,
    matching_rule,
    misplaced_catch_all,
)
from ._jsonata import (
    UNDEFINED,
    QueryEvaluationFailed,
    aws_function_names,
    compiled,
    error_text,
    evaluate,
    evaluate_field,
    field_path,
    in_field,
    js_number_text,
    reset_field,
)
from ._paths import MISSING, SIMPLE_PATH, is_simple_path, parse_json, place, select
from ._retry import (
    DEFAULT_BACKOFF_RATE,
    DEFAULT_INTERVAL_SECONDS,
    DEFAULT_MAX_ATTEMPTS,
    JITTER_STRATEGIES,
    InvalidRetrier,
    Retrier,
    RetryWait,
    retry_wait,
)

__all__ = [
    "ALL",
    "CHOICE_OPERATORS",
    "COMBINATIONS",
    "DEFAULT_BACKOFF_RATE",
    "DEFAULT_INTERVAL_SECONDS",
    "DEFAULT_MAX_ATTEMPTS",
    "JITTER_STRATEGIES",
    "MISSING",
    "SIMPLE_PATH",
    "TASK_FAILED",
    "TERMINAL_ERRORS",
    "TIMEOUT_ERRORS",
    "TYPE_TESTS",
    "UNDEFINED",
    "ChoiceFailure",
    "InvalidRetrier",
    "QueryEvaluationFailed",
    "Retrier",
    "RetryWait",
    "aws_function_names",
    "catch_target",
    "choose",
    "compiled",
    "error_matches",
    "error_text",
    "evaluate",
    "evaluate_field",
    "field_path",
    "in_field",
    "is_simple_path",
    "js_number_text",
    "matching_rule",
    "misplaced_catch_all",
    "parse_json",
    "place",
    "reset_field",
    "retry_wait",
    "rule_holds",
    "select",
]
