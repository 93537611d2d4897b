"""Exercises of notebook 03 (when elves drop presents): ValidateData's Retry and its Catch.

The Retry checker works out which errors a policy retries, with Step Functions' matching rules
(`States.ALL`, `States.TaskFailed`, exact names), and the waits it asks for. The Catch checker
also runs the rule's ResultPath on a sample input and error, to show what FixIt would receive.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..asl import error_matches
from ..paths import SANTA_ASL, require
from ._checks import (
    ALSO_TRANSIENT,
    CATCH_FIELDS,
    LAMBDA_SERVICE_ERRORS,
    RETRY_FIELDS,
    check_catch_all_last,
    check_path,
    closest,
    placed,
    retrier,
    rule_where,
    rules_of,
)
from ._exercise import Exercise, Mistake

NOTEBOOK = "03_when_elves_drop_presents"
ASL = SANTA_ASL

TRANSIENT_ERRORS = LAMBDA_SERVICE_ERRORS
BAD_DATA_ERRORS = ("ListValidationError", "InvalidInputError")
# The workbook's own sense of "sensible" (teaching choices, not AWS limits).
MIN_RETRIES, MAX_RETRIES = 2, 10
PATIENCE_S = 600
"""Longest total wait a retry policy may ask for here before giving up (10 minutes)."""


@cache
def _santa_states() -> tuple[str, ...]:
    machine = require(ASL, "the Santa state machine")
    return tuple(json.loads(machine.read_text(encoding="utf-8"))["States"])


# -- exercise 1: the Retry policy -----------------------------------------------------------------

_RETRY = """my_retry = [
    {
        "ErrorEquals": [
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2,
    }
]
"""


def _retry_policy() -> list[dict[str, Any]]:
    return [
        {
            "ErrorEquals": list(TRANSIENT_ERRORS),
            "IntervalSeconds": 2,
            "MaxAttempts": 6,
            "BackoffRate": 2,
        }
    ]


def _check_retry(answer: Any) -> str:
    rules = rules_of(answer, "Retry", RETRY_FIELDS)
    if not rules:
        raise Mistake("an empty Retry retries nothing: add a rule for the four Lambda errors.")
    summaries = []
    for index, rule in enumerate(rules):
        for name in rule["ErrorEquals"]:
            _check_retried_error(name)
        summaries.append(_check_waits(rule, rule_where("Retry", index, len(rules))))
    names = [name for rule in rules for name in rule["ErrorEquals"]]
    missing = [error for error in TRANSIENT_ERRORS if not error_matches(names, error)]
    if missing:
        raise Mistake(
            f"{', '.join(missing)} would not be retried. All four errors of the Lambda service "
            f"pass by themselves; retry each of them: {', '.join(TRANSIENT_ERRORS)}."
        )
    return " ".join(summaries) + " A bad list is not retried: it goes straight to Catch."


def _check_retried_error(name: str) -> None:
    if name in TRANSIENT_ERRORS or name in ALSO_TRANSIENT:
        return
    if name in ("States.ALL", "States.TaskFailed"):
        raise Mistake(
            f"{name} retries every error the function raises, a bad list (ListValidationError) "
            "and bugs included. Those fail the same way every time, so retrying them only "
            "wastes time and money. List the four Lambda service errors instead."
        )
    if name in BAD_DATA_ERRORS:
        raise Mistake(
            f"retrying {name} cannot help: a bad list is just as bad a second later. Leave it "
            "out of Retry; Catch sends it to FixIt."
        )
    guess = closest(name, TRANSIENT_ERRORS)
    if guess:
        raise Mistake(
            f'"{name}" is not an error Lambda reports. Did you mean "{guess}"? Step Functions '
            "compares error names letter for letter."
        )
    raise Mistake(
        f'"{name}" is not one of the Lambda service\'s passing errors. An error from the '
        "function's own code fails the same way when retried; Retry only "
        f"{', '.join(TRANSIENT_ERRORS)}, and let Catch handle the rest."
    )


def _check_waits(rule: dict[str, Any], where: str) -> str:
    policy = retrier(rule)  # also checks the interval, the backoff, the cap and the jitter
    attempts, waits, backoff = policy.max_attempts, policy.waits(), policy.backoff_rate
    if attempts < 1:
        raise Mistake(
            f"MaxAttempts {attempts} means: never retry. Give the Lambda service a few more "
            "tries, such as 3 to 6."
        )
    if attempts < MIN_RETRIES:
        raise Mistake(
            "one retry gives a hiccup little chance to pass (the clumsy elf below drops the "
            f"list twice). Allow at least {MIN_RETRIES} retries; Santa's file uses 6."
        )
    if attempts > MAX_RETRIES:
        raise Mistake(
            f"{attempts} retries keep hammering a service that is already struggling. "
            f"Stay at {MAX_RETRIES} or fewer; Santa's file uses 6."
        )
    if backoff == 1:
        raise Mistake(
            "with BackoffRate 1 the waits never grow, so a struggling service gets no more "
            "room on each try. Use 2: each wait twice as long as the one before."
        )
    total = sum(waits)
    if total > PATIENCE_S:
        raise Mistake(
            f"in the worst case this waits {total:,.0f} s (about {total / 60:.0f} minutes) "
            "before giving up, and the list waits with it. Keep the total under "
            f"{PATIENCE_S // 60} minutes: fewer attempts, a shorter first interval, or "
            "MaxDelaySeconds."
        )
    shown = ", ".join(f"{wait:g}" for wait in waits)
    return f"{where} waits {shown} s: at most {total:g} s before giving up."


retry_policy = Exercise(
    key="retry_policy",
    notebook=NOTEBOOK,
    title="A Retry policy for a Lambda task",
    checker=_check_retry,
    hints=[
        "Retry is a list of rules. One rule is enough: a dictionary with ErrorEquals, "
        "IntervalSeconds, MaxAttempts and BackoffRate.",
        "ErrorEquals lists the Lambda service's four passing errors: Lambda.ServiceException, "
        "Lambda.AWSLambdaException, Lambda.SdkClientException and "
        "Lambda.TooManyRequestsException. ListValidationError does not belong there.",
        "IntervalSeconds 2, BackoffRate 2 and MaxAttempts 6 wait 2, 4, 8, 16, 32 and 64 s: "
        "growing waits, about two minutes at worst.",
    ],
    solution_code=_RETRY,
    solution_value=_retry_policy,
    known_wrong=[
        (_retry_policy()[0], "inside [ ]"),
        ([], "retries nothing"),
        ([{**_retry_policy()[0], "ErrorEquals": ["States.ALL"]}], "States.ALL retries"),
        ([{**_retry_policy()[0], "ErrorEquals": ["States.TaskFailed"]}], "bugs included"),
        (
            [{**_retry_policy()[0], "ErrorEquals": [*TRANSIENT_ERRORS, "ListValidationError"]}],
            "a bad list is just as bad",
        ),
        (
            [{**_retry_policy()[0], "ErrorEquals": list(TRANSIENT_ERRORS[:3])}],
            "Lambda.TooManyRequestsException would not be retried",
        ),
        (
            [{**_retry_policy()[0], "ErrorEquals": ["Lambda.ServiceError", *TRANSIENT_ERRORS]}],
            'Did you mean "Lambda.ServiceException"',
        ),
        (
            [{**_retry_policy()[0], "ErrorEquals": ["KeyError", *TRANSIENT_ERRORS]}],
            "function's own code",
        ),
        ([{**_retry_policy()[0], "ErrorEquals": "Lambda.ServiceException"}], "is a list"),
        ([{**_retry_policy()[0], "MaxAttempts": 0}], "never retry"),
        ([{**_retry_policy()[0], "MaxAttempts": 1}], "drops the list twice"),
        ([{**_retry_policy()[0], "MaxAttempts": 20}], "hammering"),
        ([{**_retry_policy()[0], "BackoffRate": 1}], "never grow"),
        ([{**_retry_policy()[0], "BackoffRate": 0.5}], "at least 1.0"),
        ([{**_retry_policy()[0], "IntervalSeconds": 0}], "at least 1"),
        ([{**_retry_policy()[0], "IntervalSeconds": "2"}], "should be a number"),
        ([{**_retry_policy()[0], "JitterStrategy": "full"}], '"FULL" or "NONE"'),
        ([{**_retry_policy()[0], "IntervalSeconds": 30, "MaxAttempts": 8}], "worst case"),
        (
            [
                {
                    "ErrorEquals": list(TRANSIENT_ERRORS),
                    "Interval": 2,
                    "MaxAttempts": 6,
                    "BackoffRate": 2,
                }
            ],
            'Did you mean "IntervalSeconds"',
        ),
        (json.dumps(_retry_policy()), "Python list"),
    ],
)


# -- exercise 2: the Catch rules ------------------------------------------------------------------

_SOURCE = {
    "bucket": "workshop-santa-input-123456789012-us-east-1",
    "key": "by-hand/naughty.json",
    "versionId": "Wq1c5Yh8bq0kTn.yKfJ3mEhD2lW9xR4s",
}
SAMPLE_ERROR = {
    "Error": "ListValidationError",
    "Cause": json.dumps(
        {
            "errorMessage": "Santa's list has 1 problem:\n- item 5 (kid-0006), field 'gifts': "
            "naughty! 5 presents asked for, but the rule is at most 3",
            "errorType": "ListValidationError",
        }
    ),
}
# Errors a Catch on ValidateData must handle: a bad list, a bug, a missing file, a timeout.
MUST_CATCH = ("ListValidationError", "KeyError", "NoSuchKey", "States.Timeout")

_CATCH = """my_catch = [
    {"ErrorEquals": ["ListValidationError"], "ResultPath": "$.error", "Next": "FixIt"},
    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "FixIt"},
]
"""


def _catch_rules() -> list[dict[str, Any]]:
    return [
        {"ErrorEquals": ["ListValidationError"], "ResultPath": "$.error", "Next": "FixIt"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "FixIt"},
    ]


_WRONG_TARGETS = {
    "NotifyFailure": "would announce the failure, but nobody would move the bad list to "
    "quarantine or write down why",
    "ListRejected": "would end the run at once: the bad list stays where it is and nobody is told",
    "CouldNotQuarantine": "is for when FixIt itself fails",
    "TransformData": "would try to stamp a list that validate just rejected",
    "ValidateData": "would check the same list again, with the same result, for ever",
    "Notify": "would announce a success that did not happen",
}


def _check_catch(answer: Any) -> str:
    rules = rules_of(answer, "Catch", CATCH_FIELDS)
    if not rules:
        raise Mistake("an empty Catch catches nothing: add a rule that sends errors to FixIt.")
    check_catch_all_last(rules)
    for index, rule in enumerate(rules):
        _check_target(rule, rule_where("Catch", index, len(rules)))
        _check_error_placement(rule.get("ResultPath", "$"))
    names = [name for rule in rules for name in rule["ErrorEquals"]]
    if not error_matches(names, "ListValidationError"):
        raise Mistake(
            "a bad list (ListValidationError) is not caught, so it would end the run with "
            "nobody told. Catch it and send it to FixIt."
        )
    uncaught = [error for error in MUST_CATCH if not error_matches(names, error)]
    if uncaught:
        raise Mistake(
            "a bad list is handled, but anything else (a bug, a missing file, a timeout) would "
            'still end the run unhandled. Add a last rule with ["States.ALL"] that also goes to '
            "FixIt."
        )
    return (
        "every failure goes to FixIt, which receives the file (bucket, key, versionId) and, at "
        '"$.error", why it failed.'
    )


def _check_target(rule: dict[str, Any], where: str) -> None:
    target = rule.get("Next")
    if target is None:
        raise Mistake(f'{where} needs a "Next": the state to go to when it catches an error.')
    if target == "FixIt":
        return
    if not isinstance(target, str):
        raise Mistake(f'"Next" is the name of one state, in quotes, not {target!r}.')
    if target in _WRONG_TARGETS:
        raise Mistake(f"{target} {_WRONG_TARGETS[target]}. Send the error to FixIt first.")
    guess = closest(str(target), _santa_states())
    meant = f' Did you mean "{guess}"?' if guess else ""
    raise Mistake(f"Santa's state machine has no state called {target!r}.{meant}")


def _check_error_placement(result_path: Any) -> None:
    check_path("ResultPath", result_path)
    if result_path == "$":
        raise Mistake(
            "without a ResultPath the error replaces the whole input: FixIt would get only "
            '{"Error", "Cause"} and not know which file to move. "ResultPath": "$.error" adds '
            "the error beside the input instead."
        )
    if result_path is None:
        raise Mistake(
            "ResultPath null throws the error away: FixIt would know the file but not why it "
            'failed, and the reason file would be empty. Use "ResultPath": "$.error".'
        )
    received = placed(_SOURCE, SAMPLE_ERROR, result_path, 'Use "ResultPath": "$.error".')
    if received.get("error") != SAMPLE_ERROR or any(
        received.get(key) != value for key, value in _SOURCE.items()
    ):
        raise Mistake(
            f'FixIt reads the error from the field "error" (event["error"]), but this '
            f'ResultPath puts it at "{result_path}". Use "ResultPath": "$.error".'
        )


_ONE_RULE = {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "FixIt"}

catch_rules = Exercise(
    key="catch_rules",
    notebook=NOTEBOOK,
    title="Catch: send failures to FixIt",
    checker=_check_catch,
    hints=[
        "Catch is a list of rules, tried in order. Each rule has ErrorEquals, Next and ResultPath.",
        'Every rule goes to "FixIt". One rule can name "ListValidationError"; a last rule with '
        '["States.ALL"] catches everything else.',
        'FixIt needs the original input *and* the error: "ResultPath": "$.error" puts the error '
        "beside the input instead of replacing it.",
    ],
    solution_code=_CATCH,
    solution_value=_catch_rules,
    known_wrong=[
        (_ONE_RULE, "inside [ ]"),
        ([], "catches nothing"),
        ([{k: v for k, v in _ONE_RULE.items() if k != "ResultPath"}], "replaces the whole input"),
        ([{**_ONE_RULE, "ResultPath": "$"}], "replaces the whole input"),
        ([{**_ONE_RULE, "ResultPath": None}], "throws the error away"),
        ([{**_ONE_RULE, "ResultPath": "$.errorInfo"}], 'event["error"]'),
        ([{**_ONE_RULE, "ResultPath": "$.bucket"}], 'event["error"]'),
        ([{**_ONE_RULE, "ResultPath": "$.bucket.error"}], "holds no object"),
        ([{**_ONE_RULE, "ResultPath": "error"}], "starts with $"),
        ([{**_ONE_RULE, "Next": "NotifyFailure"}], "quarantine"),
        ([{**_ONE_RULE, "Next": "ListRejected"}], "end the run at once"),
        ([{**_ONE_RULE, "Next": "TransformData"}], "stamp a list"),
        ([{**_ONE_RULE, "Next": "Fixit"}], 'Did you mean "FixIt"'),
        ([{k: v for k, v in _ONE_RULE.items() if k != "Next"}], 'needs a "Next"'),
        ([_catch_rules()[0]], "anything else"),
        ([_catch_rules()[1], _catch_rules()[0]], "in the last rule"),
        ([{**_ONE_RULE, "ErrorEquals": ["States.ALL", "ListValidationError"]}], "alone"),
        (
            [{**_catch_rules()[0], "ErrorEquals": ["KeyError"]}],
            "ListValidationError) is not caught",
        ),
        ([{**_ONE_RULE, "ErrorEquals": "States.ALL"}], "is a list"),
        ([{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "next": "FixIt"}], '"Next"'),
        (json.dumps(_catch_rules()), "Python list"),
    ],
)
