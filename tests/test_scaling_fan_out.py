"""A real fan-out against a function with reserved concurrency: throttled, then absorbed."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import zip_source

from workshop_lib import clients
from workshop_lib.scaling import (
    THROTTLE_ERROR,
    RetryPolicy,
    ScalingInputError,
    delete_fan_out,
    fan_out_definition,
    run_fan_out,
)

SLOW = "import time\ndef handler(event, context):\n    time.sleep(0.15)\n    return event\n"


@pytest.fixture(scope="module")
def narrow(lambda_role) -> str:
    name = f"narrow-{uuid.uuid4().hex[:6]}"
    lam = clients.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": SLOW})},
    )
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    yield name
    delete_fan_out(f"fan-{name}")


def test_the_definition_retries_only_throttles_and_only_when_asked():
    bare = fan_out_definition("arn:fn")
    work = bare["States"]["EachItem"]["ItemProcessor"]["States"]["Work"]
    assert "Retry" not in work
    assert bare["States"]["EachItem"]["MaxConcurrency"] == 0
    retried = fan_out_definition("arn:fn", retry=RetryPolicy(2, 2.0, 6, max_delay_seconds=8))
    retrier = retried["States"]["EachItem"]["ItemProcessor"]["States"]["Work"]["Retry"][0]
    assert retrier == {
        "ErrorEquals": [THROTTLE_ERROR],
        "IntervalSeconds": 2,
        "BackoffRate": 2.0,
        "MaxAttempts": 6,
        "MaxDelaySeconds": 8,
    }


def test_without_a_retry_the_throttled_items_fail_the_map(narrow):
    run = run_fan_out(narrow, 6, state_machine_name=f"fan-{narrow}")
    assert run.status == "FAILED"
    assert run.error == THROTTLE_ERROR
    assert run.throttled >= 1
    assert run.reserved_concurrency == 2
    assert "FAILED" in run._repr_html_()


def test_with_a_retry_every_item_goes_through(narrow):
    run = run_fan_out(
        narrow,
        [{"item": i, "note": "x"} for i in range(6)],
        retry=RetryPolicy(2, 2.0, 10),  # room to spare on a busy machine
        state_machine_name=f"fan-{narrow}",
    )
    assert run.ok
    assert run.succeeded == 6
    assert run.throttled >= 1
    assert run.attempts == run.succeeded + run.throttled
    assert run.retries == run.attempts - 6
    history = clients.client("stepfunctions").get_execution_history(
        executionArn=run.execution_arn, maxResults=1000
    )["events"]
    payloads = [
        json.loads(e["taskSucceededEventDetails"]["output"])["Payload"]
        for e in history
        if e["type"] == "TaskSucceeded"
    ]
    assert sorted(p["item"] for p in payloads) == list(range(6))


def test_an_empty_fan_out_is_refused(narrow):
    with pytest.raises(ScalingInputError):
        run_fan_out(narrow, 0)
