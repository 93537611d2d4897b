"""Figures for today's ASL in the local cloud: JSONata against JSONPath, TestState, and the
3-Task execution as a median of several rounds against the bare request."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..waiting import wait_for_execution

PASS_RUNS = 21  # "a median of at least 20 runs"
ROUNDS = 5


def three_pass_machines() -> dict[str, dict[str, Any]]:
    """The same three Pass states, once in each query language (the same work per state)."""

    def jsonpath(following: str | None) -> dict[str, Any]:
        state: dict[str, Any] = {
            "Type": "Pass",
            "Parameters": {"n.$": "$.n", "label.$": "States.Format('item {}', $.n)"},
        }
        return state | ({"Next": following} if following else {"End": True})

    def jsonata(following: str | None) -> dict[str, Any]:
        state: dict[str, Any] = {
            "Type": "Pass",
            "Output": {
                "n": "{% $states.input.n %}",
                "label": "{% 'item ' & $string($states.input.n) %}",
            },
        }
        return state | ({"Next": following} if following else {"End": True})

    machines = {}
    for language, make in (("jsonpath", jsonpath), ("jsonata", jsonata)):
        machines[language] = {
            "StartAt": "One",
            "States": {"One": make("Two"), "Two": make("Three"), "Three": make(None)},
        }
    machines["jsonata"]["QueryLanguage"] = "JSONata"
    return machines


def _median_ms(action: Callable[[], object], samples: int) -> float:
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _runner(sfn: Any, machine: str) -> Callable[[], None]:
    def execution() -> None:
        arn = sfn.start_execution(stateMachineArn=machine, input='{"n": 7}')["executionArn"]
        described = wait_for_execution(arn, timeout=None, poll=0.001, sfn=sfn)
        if described["status"] != "SUCCEEDED":
            raise RuntimeError(f"bench execution {arn} ended {described['status']}")

    return execution


def measure_query_languages(figures: dict[str, float], sfn: Any, role: str) -> None:
    """`jsonata_3pass_ms` and `jsonpath_3pass_ms`: medians of 21 executions each, interleaved
    so that both see the same machine load."""
    runners = {}
    for language, definition in three_pass_machines().items():
        arn = sfn.create_state_machine(
            name=f"bench-{language}-{uuid.uuid4().hex[:6]}",
            definition=json.dumps(definition),
            roleArn=role,
        )["stateMachineArn"]
        runners[language] = _runner(sfn, arn)
        runners[language]()  # warm: parse, first evaluation
    timings: dict[str, list[float]] = {language: [] for language in runners}
    for _ in range(PASS_RUNS):
        for language, run in runners.items():
            started = time.perf_counter()
            run()
            timings[language].append((time.perf_counter() - started) * 1000)
    for language, values in timings.items():
        figures[f"{language}_3pass_ms"] = statistics.median(values)


def measure_test_state(figures: dict[str, float], sfn: Any) -> None:
    """`test_state_ms`: a DEBUG TestState of one Pass state (median of 21)."""
    state = json.dumps(
        {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "ResultPath": "$.copy", "Next": "X"}
    )

    def call() -> None:
        sfn.test_state(definition=state, input='{"n": 1}', inspectionLevel="DEBUG")

    call()
    figures["test_state_ms"] = _median_ms(call, PASS_RUNS)


def measure_execution_ratio(
    figures: dict[str, float], execution: Callable[[], None], bare: Callable[[], object]
) -> None:
    """`execution_3task_ratio`: the median over rounds of (3-Task execution / bare request),
    each round measuring both back to back, so a noisy moment spoils one round, not the
    figure."""
    ratios = []
    for _ in range(ROUNDS):
        bare_ms = _median_ms(bare, 20)
        execution_ms = _median_ms(execution, 5)
        ratios.append(execution_ms / bare_ms)
    figures["execution_3task_ratio"] = statistics.median(ratios)
