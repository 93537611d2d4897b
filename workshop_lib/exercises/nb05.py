"""Exercises of notebook 05 (the image workflow): the ImageValid Choice and a Retry list that
never retries a bad photo.

Both are read against the app's own state machine, `image_processor.asl.json`: its state names,
the error names its first retrier never retries, and what ValidateImage hands to ImageValid. The
Choice checker runs the learner's rules on inputs built from real samples (a valid photo, a
validator's "invalid" verdict for a truncated one, an answer with no verdict), as Step Functions
would, States.Runtime included.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..asl import MISSING, ChoiceFailure, choose, place, select
from ..gallery import sample_bytes, sample_manifest
from ..images_app import lambda_code
from ..paths import IMAGES_STATEMACHINES, require
from ._checks import (
    ALSO_TRANSIENT,
    LAMBDA_SERVICE_ERRORS,
    RETRY_FIELDS,
    check_catch_all_last,
    check_choice_rule,
    check_fields,
    closest,
    defined,
    first_match,
    python_value,
    retrier,
    retry_waits,
    rule_where,
    rules_of,
)
from ._exercise import Exercise, Mistake

NOTEBOOK = "05_image_workflow"
ASL = IMAGES_STATEMACHINES / "image_processor.asl.json"
CHOICE_STATE = "ImageValid"
RETRIED_STATE = "ValidateImage"


@cache
def _definition() -> dict[str, Any]:
    machine = require(ASL, "the image processor's state machine")
    return json.loads(machine.read_text(encoding="utf-8"))


def _states() -> dict[str, Any]:
    return _definition()["States"]


# -- exercise 1: the ImageValid Choice ------------------------------------------------------------

CHOICE_FIELDS = frozenset({"Type", "Comment", "Choices", "Default", "InputPath", "OutputPath"})


def _real_choice() -> dict[str, Any]:
    return _states()[CHOICE_STATE]


def _go_on() -> str:
    """Where a valid image goes: the target of the real Choice's rule."""
    return str(_real_choice()["Choices"][0]["Next"])


def _not_valid() -> str:
    return str(_real_choice()["Default"])


def _verdict_path() -> str:
    """Where ValidateImage puts the function's answer: ResultPath, then ResultSelector's key."""
    validate = _states()[RETRIED_STATE]
    (key,) = (name.removesuffix(".$") for name in validate["ResultSelector"])
    return f"{validate['ResultPath']}.{key}"


@cache
def _inputs() -> dict[str, dict[str, Any]]:
    """What ImageValid receives after ValidateImage, for three kinds of verdict, from samples."""
    stages, imaging = lambda_code().stages, lambda_code().imaging
    files = sample_manifest()["files"]
    good = next(name for name, entry in files.items() if entry["outcome"] == "valid")
    bad = next(name for name, entry in files.items() if entry.get("reason") == "truncated")
    try:
        imaging.inspect_image(sample_bytes(bad))
    except imaging.InvalidImageError as error:
        refused = error.to_dict()
    else:
        raise AssertionError(f"{bad} is a valid image now; the manifest says truncated")
    described = stages.describe_upload(sample_bytes(good))
    unsure = {key: value for key, value in described.items() if key != "valid"}

    def after_validate(name: str, answer: dict[str, Any]) -> dict[str, Any]:
        source = {
            "bucket": "images-input-123456789012-us-east-1",
            "key": f"uploads/{name}",
            "versionId": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
            "imageId": "img-0123456789abcdef",
        }
        return place(source, answer, _verdict_path())

    return {
        "a valid photo": after_validate(good, described),
        "a validator's verdict of invalid": after_validate(bad, refused),
        "an answer with no verdict in it": after_validate(good, unsure),
        "a verdict of null": after_validate(good, {**described, "valid": None}),
    }


_CHOICE = """my_choice = {
    "Type": "Choice",
    "Choices": [
        {
            "And": [
                {"Variable": "$.validation.image.valid", "IsPresent": True},
                {"Variable": "$.validation.image.valid", "BooleanEquals": True},
            ],
            "Next": "ProcessImage",
        }
    ],
    "Default": "NotValid",
}
"""


def _choice() -> dict[str, Any]:
    return defined(_CHOICE, "my_choice")


def _check_choice(answer: Any) -> str:
    state = python_value(answer, dict, "the state")
    for field in ("Next", "End"):
        if field in state:
            raise Mistake(
                f"a Choice state has no {field} of its own: each rule in Choices has a Next, "
                'and "Default" says where to go when no rule matches.'
            )
    check_fields(state, CHOICE_FIELDS, "A Choice state")
    if state.get("Type") != "Choice":
        raise Mistake(f'this state decides, so its "Type" is "Choice", not {state.get("Type")!r}.')
    rules = state.get("Choices")
    if not isinstance(rules, list) or not rules:
        raise Mistake('"Choices" is a list of rules, at least one: [{...}].')
    for index, rule in enumerate(rules):
        check_choice_rule(rule, rule_where("Choices", index, len(rules)))
        _check_target(rule["Next"], "Next")
    if "Default" in state:
        _check_target(state["Default"], "Default")
    _check_variables(rules)
    inputs = _inputs()
    wanted = {name: _not_valid() for name in inputs} | {"a valid photo": _go_on()}
    for name, document in inputs.items():
        _check_decision(state, name, document, wanted[name])
    return (
        f"a valid photo goes on to {_go_on()}; a verdict of invalid, no verdict at all or null "
        f"goes to {_not_valid()}, and a missing field cannot fail the execution."
    )


_WRONG_TARGETS = {
    "NotifyError": "reads the error at $.error, which only NotValid (or a Catch) puts there: "
    "NotValid shapes the verdict like a caught error first",
    "ImageRejected": "would end the execution without telling the uploader or closing the "
    "upload's tracking record",
    "OptimizeImage": "would skip the resizing and the filters, and find no variants to optimize",
    "NotifySuccess": "would announce files that were never made",
    "ValidateImage": "would validate the same upload again, with the same answer, for ever",
}


def _check_target(target: Any, field: str) -> None:
    states = _states()
    if target in (_go_on(), _not_valid()):
        return
    if not isinstance(target, str):
        raise Mistake(f'"{field}" is the name of one state, in quotes, not {target!r}.')
    if target in _WRONG_TARGETS:
        raise Mistake(f"{target} {_WRONG_TARGETS[target]}.")
    for name, state in states.items():
        for branch in state.get("Branches", []):
            if target in branch["States"]:
                raise Mistake(
                    f"{target} is inside {name}'s branches. A Choice can only go to a state at "
                    f"its own level: {name} runs the branches."
                )
    guess = closest(target, states)
    meant = f' Did you mean "{guess}"?' if guess else ""
    raise Mistake(f"the image workflow has no state called {target!r}.{meant}")


def _variables(rule: dict[str, Any]) -> list[str]:
    inner = rule.get("And") or rule.get("Or") or ([rule["Not"]] if "Not" in rule else [])
    if inner:
        return [path for item in inner for path in _variables(item)]
    return [rule["Variable"]]


def _check_variables(rules: list[dict[str, Any]]) -> None:
    """Every path reads something ValidateImage really put there."""
    sample = _inputs()["a valid photo"]
    verdict = f"{_verdict_path()}.valid"
    for path in (path for rule in rules for path in _variables(rule)):
        if select(sample, path) is not MISSING:
            continue
        if path.endswith(".valid"):
            raise Mistake(
                f"\"{path}\" finds nothing in ImageValid's input. ValidateImage's ResultPath "
                f"keeps the function's answer beside the input, at {_verdict_path()} (its "
                f'ResultSelector named it "{_verdict_path().rpartition(".")[2]}"), so the '
                f'verdict is at "{verdict}".'
            )
        raise Mistake(
            f'"{path}" finds nothing in ImageValid\'s input: the verdict is at "{verdict}".'
        )


def _check_decision(state: dict[str, Any], name: str, document: dict[str, Any], want: str) -> None:
    try:
        went = choose(state, document)
    except ChoiceFailure as failure:
        if failure.error == "States.NoChoiceMatched":
            raise Mistake(
                f"for {name} no rule matches, and without a Default the execution fails with "
                f'States.NoChoiceMatched. Add "Default": "{_not_valid()}".'
            ) from None
        raise Mistake(
            f"for {name} the execution would fail with States.Runtime: a rule compares a field "
            "that is not there, and only IsPresent may read a missing field. Test it first: "
            '{"And": [{"Variable": ..., "IsPresent": True}, {... your comparison ...}]}. '
            "(The local cloud forgives this; AWS does not.)"
        ) from None
    if went == want:
        return
    if name == "a valid photo":
        raise Mistake(
            f"a valid photo went to {went}. Its verdict is valid: true (a boolean, True in "
            f'Python), and it should go on to {_go_on()}: "BooleanEquals": True.'
        )
    raise Mistake(
        f"{name} would go on to {went}. Only a verdict that says valid: true may pass: test for "
        f"that good case, and let the Default send everything else to {_not_valid()}."
    )


_VERDICT = "$.validation.image.valid"
_SIMPLE_RULE = {"Variable": _VERDICT, "BooleanEquals": True, "Next": "ProcessImage"}
_SIMPLE = {"Type": "Choice", "Choices": [_SIMPLE_RULE], "Default": "NotValid"}

image_valid = Exercise(
    key="image_valid",
    notebook=NOTEBOOK,
    title="The ImageValid Choice",
    checker=_check_choice,
    hints=[
        'A Choice state has "Type": "Choice", a list of rules in "Choices" (each with a '
        'Next), and a "Default" for when no rule matches.',
        "ValidateImage put the function's answer at $.validation.image (ResultPath and "
        'ResultSelector), so the verdict is "$.validation.image.valid". Test for the good case, '
        '"BooleanEquals": True, going to ProcessImage; Default: NotValid.',
        'A missing field fails a comparison with States.Runtime. Combine two tests with "And": '
        'first "IsPresent": True, then "BooleanEquals": True, on the same Variable.',
    ],
    solution_code=_CHOICE,
    solution_value=_choice,
    known_wrong=[
        (_SIMPLE, "States.Runtime"),
        ({**_SIMPLE, "Default": None}, '"Default" is the name of one state'),
        ({k: v for k, v in _SIMPLE.items() if k != "Default"}, "States.NoChoiceMatched"),
        ({**_SIMPLE, "Choices": [{**_SIMPLE_RULE, "Variable": "$.valid"}]}, "ResultSelector"),
        (
            {**_SIMPLE, "Choices": [{**_SIMPLE_RULE, "Variable": "$.validation.valid"}]},
            '"$.validation.image.valid"',
        ),
        ({**_SIMPLE, "Choices": [{**_SIMPLE_RULE, "BooleanEquals": "true"}]}, "without quotes"),
        (
            {
                **_SIMPLE,
                "Choices": [{"Variable": _VERDICT, "StringEquals": "true", "Next": "ProcessImage"}],
            },
            "a boolean",
        ),
        (
            {
                "Type": "Choice",
                "Choices": [
                    {
                        "Or": [
                            {"Not": {"Variable": _VERDICT, "IsPresent": True}},
                            {"Variable": _VERDICT, "BooleanEquals": False},
                        ],
                        "Next": "NotValid",
                    }
                ],
                "Default": "ProcessImage",
            },
            "test for that good case",
        ),
        ({**_SIMPLE, "Default": "NotifyError"}, "only NotValid"),
        ({**_SIMPLE, "Default": "ImageRejected"}, "without telling the uploader"),
        ({**_SIMPLE, "Choices": [{**_SIMPLE_RULE, "Next": "ResizeImage"}]}, "inside ProcessImage"),
        ({**_SIMPLE, "Choices": [{**_SIMPLE_RULE, "Next": "ProcessImages"}]}, "Did you mean"),
        ({**_SIMPLE, "Next": "ProcessImage"}, "no Next of its own"),
        ({**_SIMPLE, "Type": "choice"}, '"Type" is "Choice"'),
        (
            {**_SIMPLE, "Choices": [{k: v for k, v in _SIMPLE_RULE.items() if k != "Next"}]},
            'needs a "Next"',
        ),
        (
            {
                **_SIMPLE,
                "Choices": [
                    {
                        "And": [
                            {"Variable": _VERDICT, "IsPresent": True, "Next": "ProcessImage"},
                            {"Variable": _VERDICT, "BooleanEquals": True},
                        ],
                        "Next": "ProcessImage",
                    }
                ],
            },
            "has no Next",
        ),
        (
            {**_SIMPLE, "Choices": [{**_SIMPLE_RULE, "Variable": "validation.image.valid"}]},
            "starts with $",
        ),
        ({**_SIMPLE, "Choices": _SIMPLE_RULE}, "a list of rules"),
        ({**_SIMPLE, "Choices": [{**_SIMPLE_RULE, "Booleanequals": True}]}, "Did you mean"),
        (json.dumps(_SIMPLE), "Python dictionary"),
    ],
)


# -- exercise 2: a Retry list that never retries a bad photo --------------------------------------

# The workbook's own sense of "sensible" (teaching choices, not AWS limits).
MIN_LAMBDA_RETRIES = 3
"""A throttled Lambda needs a few tries to find room (the app's file allows 5)."""
MAX_OTHER_RETRIES = 3
"""An unexpected error deserves a retry or two, not many: a bug fails the same way each time."""
PATIENCE_S = 600
"""Longest total wait a rule may ask for before giving up (10 minutes)."""
OTHER_ERRORS = ("States.Timeout", "ClientError")
"""Errors nobody planned for: the function timing out, S3 answering with an error."""


@cache
def _real_retry() -> list[dict[str, Any]]:
    return _states()[RETRIED_STATE]["Retry"]


def bad_input_errors() -> tuple[str, ...]:
    """The errors the app never retries: those of its `MaxAttempts: 0` rule."""
    return tuple(
        name
        for rule in _real_retry()
        if rule.get("MaxAttempts") == 0
        for name in rule["ErrorEquals"]
    )


def _workflow_errors() -> dict[str, str]:
    """Error names the workflow itself makes (not its functions), with where they come from."""
    names = {"States.Runtime": "a fault in the definition, which Step Functions never retries"}
    for name, state in _states().items():
        if state["Type"] == "Fail":
            names[state["Error"]] = f"the error the {name} Fail state ends the execution with"
        elif "Error" in state.get("Parameters", {}):
            names[state["Parameters"]["Error"]] = (
                f"the name {name} gives a validator's verdict, in the workflow itself"
            )
    return names


_RETRY = """my_retry = [
    {
        "ErrorEquals": [
            "InvalidImageError",
            "UnknownFilterError",
            "InvalidInputError",
            "ConfigurationError",
            "RecursionGuardError",
        ],
        "MaxAttempts": 0,
    },
    {
        "ErrorEquals": [
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ],
        "IntervalSeconds": 1,
        "MaxAttempts": 5,
        "BackoffRate": 2,
        "JitterStrategy": "FULL",
    },
    {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 2},
]
"""


def _retry() -> list[dict[str, Any]]:
    return defined(_RETRY, "my_retry")


def _check_retry(answer: Any) -> str:
    rules = rules_of(answer, "Retry", RETRY_FIELDS)
    if not rules:
        raise Mistake("an empty Retry retries nothing, not even a throttled Lambda.")
    for rule in rules:
        for name in rule["ErrorEquals"]:
            _check_error_name(name)
    check_catch_all_last(rules)
    for index, rule in enumerate(rules):
        retry_waits(rule)  # numbers, backoff, cap and jitter are well formed
        where = rule_where("Retry", index, len(rules))
        if retrier(rule).max_attempts < 0:
            raise Mistake(f"{where}: MaxAttempts is 0 or more; 0 means never retry.")
    _check_bad_input(rules)
    lambda_rule = _check_lambda_errors(rules)
    _check_others(rules)
    waits = ", ".join(f"{wait:g}" for wait in retry_waits(lambda_rule))
    return (
        f"a bad photo fails at once, straight to the Catch; a throttled Lambda is retried after "
        f"up to {waits} s (jittered); anything else gets a retry or two."
    )


def _check_error_name(name: str) -> None:
    known = {*bad_input_errors(), *LAMBDA_SERVICE_ERRORS, *ALSO_TRANSIENT, *OTHER_ERRORS}
    if name in known or name in ("States.ALL", "States.TaskFailed"):
        return
    workflow = _workflow_errors()
    if name in workflow:
        raise Mistake(
            f"{name} is {workflow[name]}, not an error a function raises, so no Retry on a Task "
            "ever sees it. Name the functions' errors, such as "
            f"{bad_input_errors()[0]}."
        )
    reasons = lambda_code().imaging.REASONS
    if name in reasons:
        raise Mistake(
            f'"{name}" is a reason code: it is in the error\'s message (its Cause). Retry '
            f"matches the error's name, the exception's class: {bad_input_errors()[0]}."
        )
    guess = closest(name, known)
    if guess:
        raise Mistake(
            f'no function raises "{name}". Did you mean "{guess}"? Step Functions compares '
            "error names letter for letter."
        )


def _retries(rules: list[dict[str, Any]], error: str) -> tuple[int, int | None]:
    """How many times `error` is retried, and the index of the rule that decides (or None)."""
    match = first_match(rules, error)
    if match is None:
        return 0, None
    index, rule = match
    return retrier(rule).max_attempts, index


def _check_bad_input(rules: list[dict[str, Any]]) -> None:
    for error in bad_input_errors():
        retries, index = _retries(rules, error)
        if retries == 0 or index is None:
            continue
        names = rules[index]["ErrorEquals"]
        where = rule_where("Retry", index, len(rules))
        if error in names:
            raise Mistake(
                f"{where} retries {error} {retries} times. Retrying cannot help: a truncated "
                'file is just as truncated a second later. Give its rule "MaxAttempts": 0.'
            )
        raise Mistake(
            f"{error} would be retried {retries} times by {where} ({', '.join(names)}): a bad "
            "upload fails the same way every time, so that only wastes time and money. Rules "
            "are read top to bottom and the first match decides: put a rule listing the bad-"
            f'input errors ({", ".join(bad_input_errors())}) with "MaxAttempts": 0 first.'
        )


def _check_lambda_errors(rules: list[dict[str, Any]]) -> dict[str, Any]:
    deciding: dict[str, Any] | None = None
    for error in LAMBDA_SERVICE_ERRORS:
        retries, index = _retries(rules, error)
        if index is None:
            raise Mistake(
                f"{error} would not be retried at all, yet it passes by itself (Lambda was busy "
                "or had a hiccup). Retry the four Lambda service errors: "
                f"{', '.join(LAMBDA_SERVICE_ERRORS)}."
            )
        rule = rules[index]
        where = rule_where("Retry", index, len(rules))
        if retries == 0:
            raise Mistake(
                f"{where} has MaxAttempts 0, so {error} would never be retried. Keep the "
                "never-retry rule for bad input only, and give the Lambda errors their own rule."
            )
        if retries < MIN_LAMBDA_RETRIES:
            raise Mistake(
                f"{error} gets only {retries} retr{'y' if retries == 1 else 'ies'}: a throttled "
                f"function needs a few tries to find room. Allow at least {MIN_LAMBDA_RETRIES}."
            )
        backoff = retrier(rule).backoff_rate
        if backoff == 1:
            raise Mistake(
                f"with BackoffRate 1 the waits of {where} never grow, so a busy Lambda gets no "
                "more room on each try. Use 2: each wait twice as long as the one before."
            )
        if rule.get("JitterStrategy") != "FULL":
            raise Mistake(
                f"when Lambda throttles, it throttles many executions at once; without jitter "
                f"they all retry at the same instants, and collide again. Add "
                f'"JitterStrategy": "FULL" to {where}: each wait becomes a random time up to '
                "the planned one."
            )
        total = sum(retry_waits(rule))
        if total > PATIENCE_S:
            raise Mistake(
                f"{where} may wait {total:,.0f} s in all (about {total / 60:.0f} minutes) before "
                f"giving up, with the uploader waiting too. Keep it under {PATIENCE_S // 60} "
                "minutes: fewer attempts, a shorter first interval, or MaxDelaySeconds."
            )
        deciding = rule
    assert deciding is not None
    return deciding


def _check_others(rules: list[dict[str, Any]]) -> None:
    for error in OTHER_ERRORS:
        retries, index = _retries(rules, error)
        if retries == 0:
            tried = [name for rule in rules for name in rule["ErrorEquals"]]
            if "States.TaskFailed" in tried and error == "States.Timeout":
                raise Mistake(
                    "States.TaskFailed matches every error but one: States.Timeout. Use "
                    '["States.ALL"] in the last rule to also retry a timeout.'
                )
            raise Mistake(
                f"an error nobody planned for ({error}: a timeout, S3 answering with an error) "
                "would fail the upload at once. Add a last rule with "
                '["States.ALL"] that retries once or twice.'
            )
        if retries > MAX_OTHER_RETRIES:
            where = rule_where("Retry", index or 0, len(rules))
            raise Mistake(
                f"{where} retries any other error {retries} times, a bug in the code included, "
                f"and a bug fails the same way every time. {MAX_OTHER_RETRIES} at most; give the "
                "Lambda service errors a rule of their own if they need more."
            )


def _without(index: int) -> list[dict[str, Any]]:
    rules = _retry()
    del rules[index]
    return rules


def _changed(index: int, **fields: Any) -> list[dict[str, Any]]:
    rules = _retry()
    rules[index] = {key: value for key, value in {**rules[index], **fields}.items() if value != ()}
    return rules


_NEVER, _LAMBDA, _ANY = 0, 1, 2

retry_policy = Exercise(
    key="retry_policy",
    notebook=NOTEBOOK,
    title="A Retry list that never retries a bad photo",
    checker=_check_retry,
    hints=[
        "Three rules, read top to bottom, the first match deciding: the bad-input errors, then "
        "the Lambda service errors, then States.ALL for anything else (it must come last).",
        "The first rule lists InvalidImageError, UnknownFilterError, InvalidInputError, "
        'ConfigurationError and RecursionGuardError with "MaxAttempts": 0: never retried. '
        "Without it, States.ALL would retry them.",
        'The Lambda rule: IntervalSeconds 1, MaxAttempts 5, BackoffRate 2, "JitterStrategy": '
        '"FULL". The last: ["States.ALL"] with MaxAttempts 2.',
    ],
    solution_code=_RETRY,
    solution_value=_retry,
    known_wrong=[
        (_without(_NEVER), "first match decides"),
        (_retry()[1:] + _retry()[:1], "in the last rule"),
        (_changed(_NEVER, MaxAttempts=2), "just as truncated"),
        (_changed(_NEVER, ErrorEquals=["InvalidImageError"]), "UnknownFilterError would be"),
        (_changed(_NEVER, ErrorEquals=["truncated", "not_an_image"]), "reason code"),
        (_changed(_NEVER, ErrorEquals=["ImageRejected"]), "Fail state"),
        (_changed(_NEVER, ErrorEquals=["ImageNotValid"]), "no Retry on a Task"),
        (_changed(_NEVER, ErrorEquals=["InvalidImage"]), 'Did you mean "InvalidImageError"'),
        (
            _changed(_NEVER, ErrorEquals=[*bad_input_errors(), *LAMBDA_SERVICE_ERRORS]),
            "never be retried",
        ),
        (
            [
                _retry()[_NEVER],
                {**_retry()[_LAMBDA], "ErrorEquals": ["States.ALL"]},
            ],
            "a rule of their own",
        ),
        (_changed(_LAMBDA, JitterStrategy=()), "JitterStrategy"),
        (_changed(_LAMBDA, JitterStrategy="full"), '"FULL" or "NONE"'),
        (_changed(_LAMBDA, MaxAttempts=1), "at least 3"),
        (_changed(_LAMBDA, BackoffRate=1), "never grow"),
        (_changed(_LAMBDA, IntervalSeconds=30, MaxAttempts=8), "minutes"),
        (_without(_ANY), "nobody planned for"),
        (_changed(_ANY, ErrorEquals=["States.TaskFailed"]), "States.Timeout"),
        (_changed(_ANY, MaxAttempts=6), "a bug fails the same way"),
        (_without(_LAMBDA), "at least 3"),
        (_changed(_NEVER, MaxAttempts="0"), "should be a number"),
        (_changed(_NEVER, ErrorEquals="InvalidImageError"), "is a list"),
        (_retry()[0], "inside [ ]"),
        ([], "retries nothing"),
        (json.dumps(_retry()), "Python list"),
    ],
)
