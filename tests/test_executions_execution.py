"""Real executions in the local cloud, read back: statuses, retries, branches, iterations, views."""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
from conftest import zip_source

from workshop_lib import clients
from workshop_lib.executions import Execution, StepNotFoundError, _live, run
from workshop_lib.graph import StateStatus

# Fails on purpose: `fail_first` attempts raise (counted in a file under a unique key), `invalid`
# always raises. Each call prints its marker, so logs can be traced back to their step.
HANDLER = """
import os


def lambda_handler(event, context):
    print(f"marker={event.get('marker')}")
    fail_first = int(event.get("fail_first") or 0)
    if fail_first:
        path = os.path.join(os.environ["COUNTER_DIR"], event["key"])
        seen = int(open(path).read()) if os.path.exists(path) else 0
        with open(path, "w") as counter:
            counter.write(str(seen + 1))
        if seen < fail_first:
            raise ConnectionError(f"attempt {seen + 1} fails on purpose")
    if event.get("invalid"):
        raise ValueError("this input can never work")
    return {"marker": event.get("marker"), "n": event.get("n")}
"""

RETRY = {
    "ErrorEquals": ["ConnectionError"],
    "IntervalSeconds": 2,
    "BackoffRate": 1.5,
    "MaxAttempts": 3,
}


def invoke(function_arn: str, payload: dict, **extra) -> dict:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        "ResultSelector": {"result.$": "$.Payload"},
        **extra,
    }


def pipeline(function_arn: str) -> dict:
    """First calls the function by ARN (LambdaFunction* events), Second through lambda:invoke."""
    return {
        "StartAt": "First",
        "States": {
            "First": {
                "Type": "Task",
                "Resource": function_arn,
                "Parameters": {"marker": "first"},
                "ResultPath": "$.first",
                "Next": "Second",
            },
            "Second": invoke(
                function_arn,
                {"marker": "second", "key.$": "$.key", "fail_first.$": "$.fail_first"},
                Retry=[RETRY],
                ResultPath="$.second",
                Next="Done",
            ),
            "Done": {"Type": "Succeed"},
        },
    }


def guarded(function_arn: str) -> dict:
    return {
        "StartAt": "Validate",
        "States": {
            "Validate": invoke(
                function_arn,
                {"marker": "validate", "invalid.$": "$.invalid"},
                Catch=[{"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "Reject"}],
                Next="Accept",
            ),
            "Accept": {"Type": "Pass", "End": True},
            "Reject": {"Type": "Pass", "End": True},
        },
    }


def fanout(function_arn: str) -> dict:
    return {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "ResultPath": "$.both",
                "Next": "Each",
                "Branches": [
                    {
                        "StartAt": "Left",
                        "States": {"Left": invoke(function_arn, {"marker": "left"}, End=True)},
                    },
                    {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
                ],
            },
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Item",
                    "States": {
                        "Item": invoke(
                            function_arn,
                            {"marker": "item", "n.$": "$.n", "invalid.$": "$.invalid"},
                            End=True,
                        )
                    },
                },
            },
        },
    }


@pytest.fixture(scope="module")
def function_arn(lambda_role, tmp_path_factory) -> str:
    counters = tmp_path_factory.mktemp("attempt-counters")
    return clients.client("lambda").create_function(
        FunctionName=f"inspect-{uuid.uuid4().hex[:8]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.lambda_handler",
        Code={"ZipFile": zip_source({"app.py": HANDLER})},
        Timeout=5,
        Environment={"Variables": {"COUNTER_DIR": str(counters)}},
    )["FunctionArn"]


def create_state_machine(definition: dict, role: str) -> str:
    return clients.client("stepfunctions").create_state_machine(
        name=f"inspect-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]


@pytest.fixture(scope="module")
def runs(function_arn, lambda_role) -> dict[str, Execution]:
    """One execution per scenario, run once for the whole module (quiet: live=False)."""
    machines = {
        "pipeline": create_state_machine(pipeline(function_arn), lambda_role),
        "guarded": create_state_machine(guarded(function_arn), lambda_role),
        "fanout": create_state_machine(fanout(function_arn), lambda_role),
    }
    good_items = [
        {"n": 1, "invalid": False},
        {"n": 2, "invalid": False},
        {"n": 3, "invalid": False},
    ]
    bad_items = [*good_items[:2], {"n": 3, "invalid": True}]
    scenarios = {
        "success": ("pipeline", {"key": uuid.uuid4().hex, "fail_first": 0}),
        "retries": ("pipeline", {"key": uuid.uuid4().hex, "fail_first": 2}),
        "failure": ("pipeline", {"key": uuid.uuid4().hex, "fail_first": 9}),
        "caught": ("guarded", {"invalid": True}),
        "fanout": ("fanout", {"items": good_items}),
        "fanout_failure": ("fanout", {"items": bad_items}),
    }
    return {
        name: run(machines[machine], payload, wait=False).watch(interval=0.05, timeout=60)
        for name, (machine, payload) in scenarios.items()
    }


def statuses(execution: Execution) -> dict[str, StateStatus]:
    return {name: entry.status for name, entry in execution.overlay.items()}


def test_a_successful_execution_colours_every_state_it_ran(runs):
    execution = runs["success"]
    assert execution.status == "SUCCEEDED"
    assert statuses(execution) == {
        "First": StateStatus.SUCCEEDED,
        "Second": StateStatus.SUCCEEDED,
        "Done": StateStatus.SUCCEEDED,
    }
    assert execution.step("Second").output["second"]["result"]["marker"] == "second"
    assert execution.duration is not None and execution.duration > 0
    assert execution.definition["StartAt"] == "First"


def test_retries_are_counted_with_the_policys_interval_for_each_attempt(runs):
    execution = runs["retries"]
    assert execution.status == "SUCCEEDED"
    second = execution.step("Second")
    assert second.status is StateStatus.SUCCEEDED
    assert execution.overlay["Second"].retries == 2
    assert [a.status for a in second.attempts] == ["FAILED", "FAILED", "SUCCEEDED"]
    assert [a.error for a in second.attempts[:2]] == ["ConnectionError", "ConnectionError"]
    assert "fails on purpose" in second.attempts[0].cause
    # IntervalSeconds 2, BackoffRate 1.5: 2 s before the first retry, 3 s before the second.
    assert [a.retry_interval for a in second.retries] == [2.0, 3.0]
    assert all(a.observed_gap is not None and a.observed_gap >= 0 for a in second.retries)
    html = second._repr_html_()
    assert "Retry policy wait" in html and "2.00 s" in html and "3.00 s" in html


def test_a_failure_after_the_last_retry_fails_the_state_and_the_execution(runs):
    execution = runs["failure"]
    assert execution.status == "FAILED"
    assert execution.error == "ConnectionError"
    second = execution.step("Second")
    assert second.status is StateStatus.FAILED
    assert len(second.attempts) == 1 + RETRY["MaxAttempts"]
    assert statuses(execution) == {"First": StateStatus.SUCCEEDED, "Second": StateStatus.FAILED}
    assert "Done" not in execution.overlay  # not reached


def test_a_caught_error_is_orange_and_names_where_it_went(runs):
    execution = runs["caught"]
    assert execution.status == "SUCCEEDED"
    assert statuses(execution) == {
        "Validate": StateStatus.CAUGHT,
        "Reject": StateStatus.SUCCEEDED,
    }
    validate = execution.step("Validate")
    assert validate.error == "ValueError"
    assert validate.caught_by == "Reject"


def test_parallel_branches_and_map_iterations_can_be_opened(runs):
    execution = runs["fanout"]
    assert execution.status == "SUCCEEDED"
    both = execution.step("Both")
    assert [branch.steps[0].name for branch in both.branches] == ["Left", "Right"]
    assert execution.overlay["Both"].note == "2/2 branches succeeded"
    each = execution.step("Each")
    assert [it.index for it in each.iterations] == [0, 1, 2]
    assert execution.overlay["Each"].status is StateStatus.SUCCEEDED
    assert execution.overlay["Each"].note == "3/3 iterations succeeded"
    item = each.iterations[1].step("Item")
    assert item.input == {"n": 2, "invalid": False}
    assert item.path == "Each › #1 › Item"
    assert {s.name for s in execution.all_steps()} == {"Both", "Left", "Right", "Each", "Item"}


def test_one_failed_iteration_fails_the_map(runs):
    execution = runs["fanout_failure"]
    assert execution.status == "FAILED"
    each = execution.step("Each")
    assert each.status is StateStatus.FAILED
    assert each.iteration(2).status is StateStatus.FAILED
    assert each.iteration(2).step("Item").error == "ValueError"
    overlay = execution.overlay
    assert overlay["Item"].status is StateStatus.FAILED
    assert overlay["Each"].note.endswith("/3 iterations succeeded")
    assert overlay["Each"].note != "3/3 iterations succeeded"
    assert overlay["Both"].status is StateStatus.SUCCEEDED


def test_reading_an_execution_again_by_arn_gives_the_same_picture(runs):
    again = Execution.from_arn(runs["retries"].arn)
    assert statuses(again) == statuses(runs["retries"])
    assert [e.type for e in again.events] == [e.type for e in runs["retries"].events]


def test_the_notebook_view_has_summary_diagram_and_folded_tables_without_scripts(runs):
    execution = runs["caught"]
    bundle = execution._repr_mimebundle_()
    html = bundle["text/html"]
    assert "<svg" in html and "SUCCEEDED" in html and execution.name in html
    assert html.count("<details") == 3  # steps, input and output, events
    assert "<script" not in html.lower()
    assert execution.name in bundle["text/plain"] and "SUCCEEDED" in bundle["text/plain"]


def test_asking_for_a_state_that_did_not_run_lists_those_that_did(runs):
    with pytest.raises(StepNotFoundError, match="Validate, Reject"):
        runs["caught"].step("validate")


def test_run_updates_a_live_view_and_ends_on_the_final_state(
    function_arn, lambda_role, monkeypatch
):
    shown: list[str] = []

    class Handle:
        def update(self, execution: Execution) -> None:
            shown.append(execution.status)

    monkeypatch.setattr(_live, "_open_display", lambda execution: Handle())
    monkeypatch.setattr(_live, "current_cell", lambda: 41)
    arn = create_state_machine(guarded(function_arn), lambda_role)
    execution = run(arn, {"invalid": False}, timeout=60)
    assert execution.status == "SUCCEEDED"
    assert shown and shown[-1] == "SUCCEEDED"
    # The cell's own result does not draw the execution a second time...
    assert "<svg" not in execution._repr_mimebundle_()["text/html"]
    # ...but later cells do.
    monkeypatch.setattr(_live, "current_cell", lambda: 42)
    assert "<svg" in execution._repr_mimebundle_()["text/html"]


# -- logs and timeline ----------------------------------------------------------------------------


def test_logs_are_attributed_to_the_step_that_wrote_them(runs):
    logs = runs["success"].logs()
    by_state = {entry.step.name: entry for entry in logs}
    assert set(by_state) == {"First", "Second"}  # Done is not a Task
    assert "marker=first" in by_state["First"].lines
    assert "marker=second" not in by_state["First"].lines
    assert "marker=second" in by_state["Second"].lines
    assert "marker=first" not in by_state["Second"].lines
    for entry in logs:
        ((attempt, log),) = entry.attempts
        assert log is not None and log.report is not None
        assert attempt.request_id == log.request_id == log.report.request_id
    assert "marker=first" in logs._repr_html_()
    assert [entry.step.name for entry in runs["success"].logs(state="Second")] == ["Second"]


def test_each_retry_attempt_is_paired_with_its_own_invoke(runs):
    (entry,) = runs["retries"].logs("Second")
    logs = [log for _, log in entry.attempts]
    assert all(log is not None and log.report is not None for log in logs)
    assert len({log.request_id for log in logs}) == 3
    assert "attempt 1 fails on purpose" in logs[0].text
    assert "attempt 2 fails on purpose" in logs[1].text
    assert "fails on purpose" not in logs[2].text
    assert runs["retries"].step("Second").request_id == logs[2].request_id


def test_timeline_has_a_row_per_step_an_attempt_bar_per_try_and_split_cold_starts(runs):
    execution = runs["success"]
    figure = execution.timeline()
    ax = figure.axes[0]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["First", "Second", "Done"]
    kinds = [patch.get_gid() for patch in ax.patches if patch.get_gid()]
    tasks = [s for s in execution.all_steps() if s.type == "Task"]
    assert kinds.count("attempt") == sum(len(s.attempts) for s in tasks)
    assert kinds.count("state") == 1  # Done
    # The very first call of a new function starts an execution environment: a cold start.
    first = execution.step("First").attempts[0]
    assert first.report is not None and first.report.cold_start
    cold = [a for s in tasks for a in s.attempts if a.report and a.report.cold_start]
    assert kinds.count("init") == len(cold) >= 1


def test_timeline_shows_retries_and_nested_steps(runs):
    ax = runs["retries"].timeline().axes[0]
    assert [p.get_gid() for p in ax.patches].count("attempt") == 1 + 3  # First, Second ×3
    labels = [label.get_text() for label in runs["fanout"].timeline().axes[0].get_yticklabels()]
    assert labels[0] == "Both"
    assert sum("› Item" in label for label in labels) == 3
    assert all(label.startswith(" ") for label in labels if "›" in label)  # indented


def test_elapsed_times_start_at_the_executions_first_event(runs):
    for execution in runs.values():
        rows = execution.events_frame()
        assert rows[0]["type"] == "ExecutionStarted"
        assert rows[0]["elapsed_seconds"] == 0
        assert all(
            b["elapsed_seconds"] >= a["elapsed_seconds"] for a, b in itertools.pairwise(rows)
        )
