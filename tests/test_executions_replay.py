"""Rebuilding steps, statuses and retries from history events (synthetic histories, no cloud)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from workshop_lib.executions import Execution, StepNotFoundError
from workshop_lib.graph import StateStatus

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class History:
    """Builds API-shaped history events; `after` is the event this one follows in its thread."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def add(self, kind: str, seconds: float, after: int | None = None, **details) -> int:
        event_id = len(self.events) + 1
        previous = after if after is not None else event_id - 1
        event = {
            "id": event_id,
            "previousEventId": previous,
            "type": kind,
            "timestamp": T0 + timedelta(seconds=seconds),
        }
        if details:
            key = (
                "stateEnteredEventDetails"
                if kind.endswith("StateEntered")
                else "stateExitedEventDetails"
                if kind.endswith("StateExited")
                else kind[0].lower() + kind[1:] + "EventDetails"
            )
            event[key] = details
        self.events.append(event)
        return event_id


def task(**extra) -> dict:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", **extra}


def test_elapsed_time_counts_whole_seconds_not_only_the_fraction():
    h = History()
    h.add("ExecutionStarted", 0, after=0, input="{}")
    h.add("WaitStateEntered", 2.5, name="Nap", input="{}")
    h.add("WaitStateExited", 61, name="Nap", output="{}")
    h.add("ExecutionSucceeded", 61.25, output="{}")
    definition = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 60, "End": True}}}
    execution = Execution.from_history(h.events, definition=definition)

    rows = execution.events_frame()
    assert [row["elapsed_seconds"] for row in rows] == [0.0, 2.5, 61.0, 61.25]
    assert [row["state"] for row in rows] == ["", "Nap", "Nap", ""]
    assert execution.step("Nap").duration == pytest.approx(58.5)
    assert execution.duration == pytest.approx(61.25)
    html = execution._repr_html_()
    assert "+61.000 s" in html and "+2.500 s" in html


def test_the_events_table_shows_every_event_when_a_cell_ends_with_it():
    h = History()
    h.add("ExecutionStarted", 0, after=0, input="{}")
    h.add("WaitStateEntered", 0.5, name="Nap", input="{}")
    h.add("WaitStateExited", 75.5, name="Nap", output="{}")
    h.add("ExecutionSucceeded", 75.75, output="{}")
    definition = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 75, "End": True}}}
    rows = Execution.from_history(h.events, definition=definition).events_frame()

    assert [row["type"] for row in rows][-1] == "ExecutionSucceeded"  # still a list of dicts
    html = rows._repr_html_()
    assert html.count("<tr>") == len(rows) + 1  # a header, then one row per event
    assert "WaitStateExited" in html and "+75.500 s" in html
    assert "<script" not in html
    text = str(rows)  # what a terminal shows
    assert len(text.splitlines()) == len(rows) + 1 and "+75.750 s" in text


def test_interleaved_parallel_branches_are_told_apart_by_previous_event_ids():
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "Slow", "States": {"Slow": task(End=True)}},
                    {"StartAt": "Quick", "States": {"Quick": task(End=True)}},
                ],
            }
        },
    }
    h = History()
    h.add("ExecutionStarted", 0, after=0, input="{}")
    both = h.add("ParallelStateEntered", 0.1, name="Both", input="{}")
    started = h.add("ParallelStateStarted", 0.1, after=both)
    # The two branches' events arrive interleaved, each naming its own previous event.
    quick = h.add("TaskStateEntered", 0.2, after=started, name="Quick", input="{}")
    slow = h.add("TaskStateEntered", 0.2, after=started, name="Slow", input="{}")
    slow_scheduled = h.add(
        "TaskScheduled", 0.3, after=slow, resourceType="lambda", resource="invoke", parameters="{}"
    )
    quick_scheduled = h.add(
        "TaskScheduled", 0.3, after=quick, resourceType="lambda", resource="invoke", parameters="{}"
    )
    quick_failed = h.add(
        "TaskFailed", 0.5, after=quick_scheduled, error="Boom", cause="quick broke"
    )
    h.add("ParallelStateFailed", 0.6, after=quick_failed)
    h.add("ExecutionFailed", 0.7, error="Boom", cause="quick broke")
    execution = Execution.from_history(h.events, definition=definition)

    parallel = execution.step("Both")
    assert [b.index for b in parallel.branches] == [0, 1]
    assert [b.steps[0].name for b in parallel.branches] == ["Slow", "Quick"]
    assert execution.step("Quick").status is StateStatus.FAILED
    assert execution.step("Quick").error == "Boom"
    assert execution.step("Slow").status is StateStatus.CANCELLED  # cut short by the failure
    assert execution.step_of(execution.events[slow_scheduled - 1]).name == "Slow"
    assert parallel.status is StateStatus.FAILED
    assert parallel.error == "Boom"  # taken from the failing branch
    overlay = execution.overlay
    assert overlay["Both"].status is StateStatus.FAILED
    assert overlay["Both"].note == "0/2 branches succeeded"


def test_each_retry_rule_counts_its_own_retries_and_caps_the_wait():
    rules = [
        {
            "ErrorEquals": ["Throttled"],
            "IntervalSeconds": 1,
            "BackoffRate": 3,
            "MaxDelaySeconds": 5,
        },
        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 1},
    ]
    definition = {"StartAt": "Call", "States": {"Call": task(Retry=rules, End=True)}}
    h = History()
    h.add("ExecutionStarted", 0, after=0, input="{}")
    h.add("TaskStateEntered", 0, name="Call", input="{}")
    clock = 0.0
    for error, wait in (("Throttled", 1), ("Throttled", 3), ("Throttled", 5), ("Other", 10)):
        h.add("TaskScheduled", clock, resourceType="lambda", resource="invoke", parameters="{}")
        h.add("TaskFailed", clock + 0.2, error=error, cause="")
        clock += 0.2 + wait
    h.add("TaskScheduled", clock, resourceType="lambda", resource="invoke", parameters="{}")
    h.add("TaskSucceeded", clock + 0.1, output="{}")
    h.add("TaskStateExited", clock + 0.1, name="Call", output="{}")
    h.add("ExecutionSucceeded", clock + 0.2, output="{}")
    step = Execution.from_history(h.events, definition=definition).step("Call")

    assert [a.retry_interval for a in step.attempts] == [None, 1.0, 3.0, 5.0, 10.0]
    assert [a.observed_gap for a in step.attempts[1:]] == pytest.approx([1, 3, 5, 10])
    assert [a.error for a in step.retries] == ["Throttled", "Throttled", "Other", None]
    assert step.status is StateStatus.SUCCEEDED
    assert len(step.retries) == 4


def test_a_failure_waiting_for_its_retry_is_still_in_progress():
    definition = {
        "StartAt": "Call",
        "States": {"Call": task(Retry=[{"ErrorEquals": ["States.ALL"]}], End=True)},
    }
    h = History()
    h.add("ExecutionStarted", 0, after=0, input="{}")
    h.add("TaskStateEntered", 0, name="Call", input="{}")
    h.add("TaskScheduled", 0.1, resourceType="lambda", resource="invoke", parameters="{}")
    h.add("TaskFailed", 0.2, error="Flaky", cause="")
    execution = Execution.from_history(h.events, definition=definition)
    assert execution.status == "RUNNING"
    assert execution.overlay["Call"].status is StateStatus.IN_PROGRESS


def test_a_stopped_execution_cancels_the_state_it_was_in():
    definition = {
        "StartAt": "Nap",
        "States": {
            "Nap": {"Type": "Wait", "Seconds": 300, "Next": "After"},
            "After": task(End=True),
        },
    }
    h = History()
    h.add("ExecutionStarted", 0, after=0, input="{}")
    h.add("WaitStateEntered", 0.1, name="Nap", input="{}")
    h.add("ExecutionAborted", 5, error="", cause="")
    execution = Execution.from_history(h.events, definition=definition)
    assert execution.status == "ABORTED"
    assert execution.step("Nap").status is StateStatus.CANCELLED
    assert "After" not in execution.overlay  # the diagram shows it as not reached
    with pytest.raises(StepNotFoundError, match="Nap"):
        execution.step("After")


def test_lambda_function_arn_tasks_use_their_own_event_names():
    arn = "arn:aws:lambda:us-east-1:123456789012:function:resize-image"
    definition = {
        "StartAt": "Resize",
        "States": {"Resize": {"Type": "Task", "Resource": arn, "End": True}},
    }
    cause = json.dumps(
        {"errorMessage": "no", "errorType": "ValueError", "requestId": "req-1234-5678"}
    )
    h = History()
    h.add("ExecutionStarted", 0, after=0, input='{"key": "cat.jpg"}')
    h.add("TaskStateEntered", 0.0, name="Resize", input='{"key": "cat.jpg"}')
    h.add("LambdaFunctionScheduled", 0.1, resource=arn, input='{"key": "cat.jpg"}')
    h.add("LambdaFunctionStarted", 0.1)
    h.add("LambdaFunctionFailed", 0.4, error="ValueError", cause=cause)
    h.add("ExecutionFailed", 0.5, error="ValueError", cause=cause)
    execution = Execution.from_history(h.events, definition=definition)
    step = execution.step("Resize")
    assert step.status is StateStatus.FAILED
    assert step.function_name == "resize-image"
    assert step.parameters == {"key": "cat.jpg"}
    assert step.request_id == "req-1234-5678"
    assert execution.events_frame()[2]["resource"] == "resize-image"
    assert execution.error == "ValueError"


def test_a_redriven_execution_runs_again_until_its_new_ending():
    # Notebook 03 redrives a failed run and watches it: the old failure must not end the watch.
    definition = {"StartAt": "Notify", "States": {"Notify": task(End=True)}}
    h = History()
    h.add("ExecutionStarted", 0, after=0, input="{}")
    h.add("TaskStateEntered", 0.1, name="Notify", input="{}")
    h.add("LambdaFunctionScheduled", 0.2, resource="arn:aws:lambda:::function:notify", input="{}")
    h.add("LambdaFunctionFailed", 0.3, error="ConfigurationError", cause="TOPIC_ARN is not set")
    h.add("ExecutionFailed", 0.4, error="ConfigurationError", cause="TOPIC_ARN is not set")
    h.add("ExecutionRedriven", 5.0, redriveCount=1)
    redriven = Execution.from_history(list(h.events), definition=definition)
    assert (redriven.status, redriven.finished, redriven.error) == ("RUNNING", False, None)
    h.add("TaskStateEntered", 5.1, name="Notify", input="{}")
    h.add("LambdaFunctionScheduled", 5.2, resource="arn:aws:lambda:::function:notify", input="{}")
    h.add("LambdaFunctionSucceeded", 5.3, output="{}")
    h.add("TaskStateExited", 5.4, name="Notify", output="{}")
    h.add("ExecutionSucceeded", 5.5, output="{}")
    fixed = Execution.from_history(h.events, definition=definition)
    assert (fixed.status, fixed.error) == ("SUCCEEDED", None)
    # The diagram shows Notify as it is now (succeeded), saying what the redrive replaced.
    notify = fixed.overlay["Notify"]
    assert notify.status is StateStatus.SUCCEEDED
    assert notify.note == "redriven after ConfigurationError"
    # Before the redrive ran it again, the failure was the whole story.
    assert redriven.overlay["Notify"].status is StateStatus.FAILED
