"""workshop_lib.asl: the Step Functions rules as AWS documents them, one function each."""

from __future__ import annotations

import pytest

from workshop_lib import asl
from workshop_lib.pricing import load_prices

# -- error matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "error", "handled"),
    [
        (["States.ALL"], "ValueError", True),
        (["States.ALL"], "States.Timeout", True),
        # AWS: "A retry or catch on States.ALL won't catch States.Runtime errors", nor the
        # terminal States.DataLimitExceeded; naming them does.
        (["States.ALL"], "States.Runtime", False),
        (["States.ALL"], "States.DataLimitExceeded", False),
        (["States.Runtime"], "States.Runtime", True),
        (["States.DataLimitExceeded"], "States.DataLimitExceeded", True),
        # States.TaskFailed: any error but the timeouts (and the terminal ones).
        (["States.TaskFailed"], "Lambda.ServiceException", True),
        (["States.TaskFailed"], "States.Permissions", True),
        (["States.TaskFailed"], "States.Timeout", False),
        (["States.TaskFailed"], "States.HeartbeatTimeout", False),
        (["States.TaskFailed"], "States.Runtime", False),
        # States.Timeout also names a missed heartbeat.
        (["States.Timeout"], "States.HeartbeatTimeout", True),
        (["States.HeartbeatTimeout"], "States.Timeout", False),
        (["KeyError", "ValueError"], "ValueError", True),
        (["KeyError"], "keyerror", False),  # names are compared letter for letter
        (["States.ALL"], None, True),  # an error without a name: only the wildcards
        (["KeyError"], None, False),
    ],
)
def test_error_matching_follows_aws(names, error, handled):
    assert asl.error_matches(names, error) is handled


def test_the_first_matching_rule_decides():
    catchers = [
        {"ErrorEquals": ["ListValidationError"], "Next": "FixIt"},
        {"ErrorEquals": ["States.TaskFailed"], "Next": "Notify"},
        {"ErrorEquals": ["States.ALL"], "Next": "Last"},
    ]
    assert asl.matching_rule(catchers, "ListValidationError") == 0
    assert asl.catch_target(catchers, "ValueError") == "Notify"
    assert asl.catch_target(catchers, "States.Timeout") == "Last"
    assert asl.catch_target(catchers, "States.Runtime") is None
    assert asl.catch_target([], "ValueError") is None


def test_states_all_must_be_alone_in_the_last_rule():
    last = {"ErrorEquals": ["States.ALL"]}
    assert asl.misplaced_catch_all([{"ErrorEquals": ["A"]}, last]) is None
    assert asl.misplaced_catch_all([last, {"ErrorEquals": ["A"]}]) == 0
    assert asl.misplaced_catch_all([{"ErrorEquals": ["States.ALL", "A"]}]) == 0


# -- retry waits ------------------------------------------------------------------------------


def test_waits_grow_by_the_backoff_rate_and_stop_at_max_delay():
    retrier = asl.Retrier.from_rule(
        {"ErrorEquals": ["X"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 5}
    )
    assert retrier.waits() == [3, 6, 12, 24, 48]
    capped = asl.Retrier.from_rule({"IntervalSeconds": 3, "MaxAttempts": 5, "MaxDelaySeconds": 10})
    assert capped.waits() == [3, 6, 10, 10, 10]


def test_a_rule_without_numbers_uses_the_languages_defaults():
    retrier = asl.Retrier.from_rule({"ErrorEquals": ["X"]})
    assert (retrier.interval_seconds, retrier.backoff_rate, retrier.max_attempts) == (1, 2.0, 3)
    assert retrier.waits() == [1, 2, 4]
    assert asl.Retrier.from_rule({"MaxAttempts": 0}).waits() == []


def test_the_defaults_agree_with_the_price_data_that_cites_aws():
    sfn = load_prices().step_functions
    assert sfn.retry_interval_seconds == asl.DEFAULT_INTERVAL_SECONDS
    assert sfn.retry_backoff_rate == asl.DEFAULT_BACKOFF_RATE
    assert sfn.retry_max_attempts == asl.DEFAULT_MAX_ATTEMPTS


def test_full_jitter_waits_between_zero_and_the_computed_wait():
    jittered = asl.Retrier.from_rule({"IntervalSeconds": 2, "JitterStrategy": "FULL"})
    assert jittered.wait_bounds(2) == (0.0, 8)
    plain = asl.Retrier.from_rule({"IntervalSeconds": 2, "JitterStrategy": "NONE"})
    assert plain.wait_bounds(2) == (8, 8)


@pytest.mark.parametrize(
    ("rule", "phrase"),
    [
        ({"IntervalSeconds": 0}, "IntervalSeconds is at least 1"),
        ({"IntervalSeconds": "2"}, "should be a number"),
        ({"IntervalSeconds": 1.5}, "whole number"),
        ({"BackoffRate": 0.5}, "at least 1.0"),
        ({"BackoffRate": True}, "should be a number"),
        ({"MaxDelaySeconds": 0}, "MaxDelaySeconds is at least 1"),
        ({"JitterStrategy": "full"}, '"FULL" or "NONE"'),
    ],
)
def test_rules_step_functions_refuses_are_refused_with_the_field_named(rule, phrase):
    with pytest.raises(asl.InvalidRetrier, match=phrase.replace(".", r"\.")):
        asl.Retrier.from_rule(rule)


def test_each_rule_counts_its_own_retries_and_an_exhausted_rule_hands_over_to_catch():
    rules = [
        {"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 2},
        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 5, "MaxAttempts": 1},
    ]
    assert asl.retry_wait(rules, "A", {0: 1}) == asl.RetryWait(0, 2.0)
    assert asl.retry_wait(rules, "B", {0: 1}) == asl.RetryWait(1, 5.0)
    assert asl.retry_wait(rules, "A", {0: 2}) is None  # used up: the next rule is not tried
    assert asl.retry_wait(rules, "A", 1) == asl.RetryWait(0, 2.0)  # TestState's count
    assert asl.retry_wait(rules, "States.Runtime", {}) is None


# -- paths ------------------------------------------------------------------------------------


def test_select_picks_a_field_the_whole_document_or_nothing():
    document = {"a": {"b": 1}, "c": None}
    assert asl.select(document, "$.a.b") == 1
    assert asl.select(document, "$.c") is None  # present, and null
    assert asl.select(document, "$") is document
    assert asl.select(document, None) == {}
    assert asl.select(document, "$.a.missing") is asl.MISSING
    assert asl.select(document, "$.c.deeper") is asl.MISSING
    assert asl.select(document, "$.list[0]") is asl.MISSING  # not evaluated, never guessed


def test_place_puts_a_result_at_a_path_without_changing_the_input():
    document = {"a": {"keep": 1}, "b": 2}
    assert asl.place(document, "r", "$.a.new") == {"a": {"keep": 1, "new": "r"}, "b": 2}
    assert document == {"a": {"keep": 1}, "b": 2}
    assert asl.place(document, "r", "$.new.deeper") == {**document, "new": {"deeper": "r"}}
    assert asl.place(document, "r", "$.b.deeper") is asl.MISSING  # through a number
    assert asl.place(document, "r", "$") == "r"
    assert asl.place(document, "r", None) is document
    assert asl.place(["not", "an", "object"], "r", "$.x") is asl.MISSING
    assert asl.place(document, "r", "a.b") is asl.MISSING


# -- Choice -----------------------------------------------------------------------------------


def _choice(*rules, default="Other"):
    state = {
        "Type": "Choice",
        "Choices": [{**rule, "Next": f"R{i}"} for i, rule in enumerate(rules)],
    }
    if default:
        state["Default"] = default
    return state


@pytest.mark.parametrize(
    ("rule", "document", "holds"),
    [
        ({"Variable": "$.n", "NumericGreaterThan": 3}, {"n": 4}, True),
        ({"Variable": "$.n", "NumericGreaterThan": 3}, {"n": "4"}, False),  # types differ
        ({"Variable": "$.n", "NumericLessThanEqualsPath": "$.m"}, {"n": 4, "m": 4}, True),
        ({"Variable": "$.s", "StringEquals": "a"}, {"s": "a"}, True),
        ({"Variable": "$.s", "StringGreaterThan": "a"}, {"s": "b"}, True),
        ({"Variable": "$.s", "StringMatches": "log-*.txt"}, {"s": "log-1.txt"}, True),
        ({"Variable": "$.s", "StringMatches": "a\\*"}, {"s": "ab"}, False),
        ({"Variable": "$.b", "BooleanEquals": True}, {"b": True}, True),
        ({"Variable": "$.b", "BooleanEquals": True}, {"b": 1}, False),
        ({"Variable": "$.n", "NumericEquals": 1}, {"n": True}, False),
        ({"Variable": "$.t", "TimestampLessThan": "2026-01-02T00:00:00Z"},
         {"t": "2026-01-01T23:59:59Z"}, True),
        ({"Variable": "$.t", "IsTimestamp": True}, {"t": "yesterday"}, False),
        ({"Variable": "$.x", "IsPresent": False}, {}, True),
        ({"Variable": "$.x", "IsNull": True}, {"x": None}, True),
        ({"Variable": "$.x", "IsNumeric": True}, {"x": False}, False),
        ({"And": [{"Variable": "$.a", "IsPresent": True},
                  {"Variable": "$.a", "BooleanEquals": True}]}, {}, False),
        ({"Or": [{"Variable": "$.a", "IsPresent": False},
                 {"Variable": "$.a", "BooleanEquals": True}]}, {}, True),
        ({"Not": {"Variable": "$.a", "StringEquals": "x"}}, {"a": "y"}, True),
        ({"Condition": "{% $states.input.n > 3 %}"}, {"n": 5}, True),
    ],
)  # fmt: skip
def test_choice_rules(rule, document, holds):
    assert asl.choose(_choice(rule), document) == ("R0" if holds else "Other")


def test_a_missing_field_fails_the_choice_with_states_runtime():
    with pytest.raises(asl.ChoiceFailure) as failure:
        asl.choose(_choice({"Variable": "$.gone", "StringEquals": "x"}), {})
    assert failure.value.error == "States.Runtime"


def test_no_matching_rule_and_no_default_is_no_choice_matched():
    with pytest.raises(asl.ChoiceFailure) as failure:
        asl.choose(_choice({"Variable": "$.a", "IsNull": True}, default=None), {"a": 1})
    assert failure.value.error == "States.NoChoiceMatched"


def test_a_condition_that_is_not_a_boolean_is_a_query_evaluation_error():
    with pytest.raises(asl.ChoiceFailure) as failure:
        asl.choose(_choice({"Condition": "{% $states.input.n %}"}), {"n": 5})
    assert failure.value.error == "States.QueryEvaluationError"


def test_a_condition_reads_the_workflows_variables():
    state = _choice({"Condition": "{% $limit < $states.input.n %}"})
    assert asl.choose(state, {"n": 5}, {"limit": 3}) == "R0"
    assert asl.choose(state, {"n": 2}, {"limit": 3}) == "Other"


# -- JSONata ----------------------------------------------------------------------------------


def test_jsonata_evaluates_with_awss_functions_and_bindings():
    assert asl.evaluate("$partition([1, 2, 3], 2)", {}) == [[1, 2], [3]]
    assert asl.evaluate("$states.input.a + 1", {"states": {"input": {"a": 1}}}) == 2
    assert asl.evaluate("$nothing", {}) is asl.UNDEFINED
    with pytest.raises(asl.QueryEvaluationFailed, match="returned nothing"):
        asl.evaluate_field("$nothing", {})
