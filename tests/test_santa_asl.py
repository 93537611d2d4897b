"""Santa's state machine on its own: its rules, and every path, driven by stub Lambdas.

The definition's ${...FunctionArn} placeholders are filled with tiny stub functions that follow
a plan carried in the execution's input: succeed, raise a named error (ListValidationError, an
unexpected crash), or fail like the Lambda service does for a while and then succeed. Each test
reads the execution history to see which states ran, how often each Lambda was called and what
each one received.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import workshop_lib as wl
from workshop_lib import clients, santa
from workshop_lib.deploy import resolve_app
from workshop_lib.templates import load_template
from workshop_lib.waiting import wait_for_execution

pytestmark = pytest.mark.cloud

TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
ROLES = {
    "ValidateFunctionArn": "validate",
    "TransformFunctionArn": "transform",
    "NotifyFunctionArn": "notify",
    "FixItFunctionArn": "fixit",
}
REJECTED_PATH = ["ValidateData", "FixIt", "NotifyFailure", "ListRejected"]
GOOD_PATH = ["ValidateData", "NeedsApproval", "TransformData", "Notify"]
# Direct service integrations: AWS's own names, the same in every account and region.
INTEGRATION = re.compile(r"arn:aws:states:::[\w:.-]+")

# One stub for all four steps; ROLE says which step it plays. The plan in the event says what
# to do: {"validate": "ok" | "invalid" | "crash" | "flaky:<error>:<times>", "transform": ...}.
STUB = """
import os

ROLE = os.environ["ROLE"]
ATTEMPTS = {}


class ListValidationError(Exception):
    pass


class StampedListConflictError(Exception):
    pass


def service_error(name):
    # Shaped like the errors the Lambda service reports, e.g. "Lambda.ServiceException".
    return type(name, (Exception,), {})


def lambda_handler(event, context):
    plan = event["plan"]
    action = plan.get(ROLE, "ok")
    attempt = ATTEMPTS[event["run"]] = ATTEMPTS.get(event["run"], 0) + 1
    if action == "invalid":
        raise ListValidationError("item 5 (kid-0006), field 'gifts': naughty!")
    if action == "conflict":
        raise StampedListConflictError("the output key holds a different list")
    if action == "crash":
        return {}["no such key"]
    if action.startswith("flaky:"):
        _, error, times = action.split(":")
        if times == "always" or attempt <= int(times):
            raise service_error(error)("the elf dropped the present")
    result = {"plan": plan, "run": event["run"], "role": ROLE, "attempts": attempt}
    if ROLE == "transform":
        result.update(status="SUCCEEDED", key="stamped/list.json")
    if ROLE == "fixit":
        result.update(status="FAILED", error=event["error"]["Error"])
    return result
"""


def definition_text() -> str:
    return santa.ASL.read_text(encoding="utf-8")


def definition() -> dict[str, Any]:
    return json.loads(definition_text())


def tasks(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in document["States"].items() if s["Type"] == "Task"}


# -- the definition itself ------------------------------------------------------------------------


def test_function_arns_come_only_from_the_templates_substitutions():
    text = definition_text()
    template = load_template(resolve_app("santa").template)
    substitutions = template["Resources"]["SantaStateMachine"]["Properties"]
    assert set(PLACEHOLDER.findall(text)) == set(substitutions["DefinitionSubstitutions"])
    assert "arn:aws" not in INTEGRATION.sub("", text)  # no account's ARN written in
    for task in tasks(definition()).values():
        assert PLACEHOLDER.fullmatch(task["Resource"]) or INTEGRATION.fullmatch(task["Resource"])


def lambda_tasks(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in tasks(document).items() if PLACEHOLDER.fullmatch(s["Resource"])}


def test_every_transition_leads_to_a_state_and_every_state_is_reachable():
    document = definition()
    states = document["States"]
    edges = {
        name: [
            state.get("Next"),
            state.get("Default"),
            *(c["Next"] for c in state.get("Catch", []) + state.get("Choices", [])),
        ]
        for name, state in states.items()
    }
    for name, targets in edges.items():
        for target in filter(None, targets):
            assert target in states, f"{name} goes to unknown state {target}"
        state = states[name]
        if state["Type"] == "Choice":
            assert "Next" not in state and "End" not in state and state["Default"], name
            continue
        ends = state["Type"] in ("Fail", "Succeed") or state.get("End") is True
        assert ends != ("Next" in state), f"{name} needs exactly one of Next and End"
    reachable, todo = set(), [document["StartAt"]]
    while todo:
        name = todo.pop()
        if name not in reachable:
            reachable.add(name)
            todo.extend(filter(None, edges[name]))
    assert reachable == set(states)


def test_every_lambda_task_retries_exactly_the_transient_lambda_errors():
    for name, task in lambda_tasks(definition()).items():
        (retrier,) = task["Retry"]
        assert set(retrier["ErrorEquals"]) == TRANSIENT, name
        assert len(retrier["ErrorEquals"]) == len(TRANSIENT), name
        assert retrier["MaxAttempts"] >= 1 and retrier["IntervalSeconds"] >= 1, name
        assert retrier["BackoffRate"] > 1, f"{name} should back off"


def test_the_approval_wait_is_never_retried_and_always_ends_somewhere():
    wait = definition()["States"]["WaitForApproval"]
    assert wait["Resource"].endswith(".waitForTaskToken")
    assert "Retry" not in wait  # a retry would send a second request for the same list
    assert "TimeoutSecondsPath" in wait or "TimeoutSeconds" in wait
    caught = [e for c in wait["Catch"] for e in c["ErrorEquals"]]
    assert {"ApprovalRejected", "States.Timeout", "States.ALL"} <= set(caught)


def test_every_catch_keeps_the_input_and_leads_to_fixit():
    document = tasks(definition())
    for name in ("ValidateData", "TransformData"):
        assert document[name]["Catch"], f"{name} must catch failures"
    for name, task in document.items():
        if name == "FixIt":  # FixIt cannot send its own failures to itself
            assert [c["Next"] for c in task["Catch"]] == ["CouldNotQuarantine"]
            continue
        for catcher in task.get("Catch", []):
            assert catcher["Next"] == "FixIt", name
            assert catcher["ResultPath"] == "$.error", f"{name}: FixIt needs bucket and key"
    caught = [e for c in document["ValidateData"]["Catch"] for e in c["ErrorEquals"]]
    assert "ListValidationError" in caught


def test_data_flow_paths_are_where_the_workbook_explains_them():
    document = definition()["States"]
    assert document["ValidateData"]["ResultPath"] == "$.validatedData"
    transform = document["TransformData"]
    assert transform["InputPath"] == "$.validatedData"
    assert transform["ResultPath"] == "$.transformedData"
    assert transform["OutputPath"] == "$.transformedData"


# -- the definition running, with stubs -----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str | None
    output: Any
    events: list[dict[str, Any]]

    def entered(self) -> list[str]:
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.events
            if e["type"].endswith("StateEntered")
        ]

    def calls(self, state: str) -> list[dict[str, Any]]:
        """Each Lambda call the state made: its input and how it ended."""
        found: list[dict[str, Any]] = []
        current = None
        for event in self.events:
            if event["type"].endswith("StateEntered"):
                current = event["stateEnteredEventDetails"]["name"]
            elif event["type"] == "LambdaFunctionScheduled" and current == state:
                details = event["lambdaFunctionScheduledEventDetails"]
                found.append({"input": json.loads(details["input"]), "error": None})
            elif event["type"] == "LambdaFunctionFailed" and current == state:
                found[-1]["error"] = event["lambdaFunctionFailedEventDetails"]["error"]
        return found


@dataclass(frozen=True)
class Machine:
    arn: str
    functions: dict[str, str]

    def run(self, **plan: str) -> Outcome:
        sfn = clients.client("stepfunctions")
        document = {"bucket": "in", "key": "uploads/list.json", "run": uuid.uuid4().hex}
        arn = sfn.start_execution(
            stateMachineArn=self.arn, input=json.dumps({**document, "plan": plan})
        )["executionArn"]
        described = wait_for_execution(arn, timeout=30, poll=0.02, sfn=sfn)
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        output = json.loads(described["output"]) if described.get("output") else None
        return Outcome(described["status"], described.get("error"), output, events)


@pytest.fixture(scope="module")
def machine(local_cloud, lambda_role) -> Iterator[Machine]:
    suffix = uuid.uuid4().hex[:6]
    functions = {}
    for placeholder, role in ROLES.items():
        name = f"stub-{role}-{suffix}"
        functions[placeholder] = wl.deploy_function(
            name, STUB, environment={"ROLE": role}, timeout_s=5
        ).arn
    # The approval path's queue, topic and timeout (the stubbed lists never need approval).
    sqs, sns = clients.client("sqs"), clients.client("sns")
    queue = sqs.create_queue(QueueName=f"santa-stubbed-approvals-{suffix}")["QueueUrl"]
    topic = sns.create_topic(Name=f"santa-stubbed-{suffix}")["TopicArn"]
    values = {**functions, "ApprovalQueueUrl": queue, "TopicArn": topic}
    values["ApprovalTimeoutSeconds"] = "60"
    text = PLACEHOLDER.sub(lambda m: values[m.group(1)], definition_text())
    sfn = clients.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=f"santa-stubbed-{suffix}", definition=text, roleArn=lambda_role
    )["stateMachineArn"]
    yield Machine(arn, functions)
    sfn.delete_state_machine(stateMachineArn=arn)
    sqs.delete_queue(QueueUrl=queue)
    sns.delete_topic(TopicArn=topic)
    for function_arn in functions.values():
        wl.delete_function(function_arn.rsplit(":", 1)[-1])


def test_create_state_machine_accepts_the_filled_in_definition(machine: Machine):
    described = clients.client("stepfunctions").describe_state_machine(stateMachineArn=machine.arn)
    assert described["status"] == "ACTIVE"
    assert json.loads(described["definition"])["StartAt"] == "ValidateData"
    assert "${" not in described["definition"]


def test_a_good_list_goes_validate_transform_notify(machine: Machine):
    outcome = machine.run()
    assert outcome.status == "SUCCEEDED"
    assert outcome.entered() == GOOD_PATH
    (validate,) = outcome.calls("ValidateData")
    (transform,) = outcome.calls("TransformData")
    (notify,) = outcome.calls("Notify")
    # InputPath: transform gets only what validate returned, not the whole state.
    assert transform["input"]["role"] == "validate"
    assert set(transform["input"]) == {"plan", "run", "role", "attempts"}
    # ResultPath + OutputPath: notify gets only transform's result.
    assert notify["input"]["role"] == "transform" and notify["input"]["status"] == "SUCCEEDED"
    assert "bucket" not in notify["input"]
    assert validate["input"]["key"] == "uploads/list.json"
    assert outcome.output["role"] == "transform"
    assert outcome.output["notification"]["role"] == "notify"


def test_an_invalid_list_is_not_retried_and_goes_to_fixit(machine: Machine):
    outcome = machine.run(validate="invalid")
    assert outcome.status == "FAILED" and outcome.error == "ListRejected"
    assert outcome.entered() == REJECTED_PATH
    assert [c["error"] for c in outcome.calls("ValidateData")] == ["ListValidationError"]
    (fixit,) = outcome.calls("FixIt")
    assert fixit["input"]["key"] == "uploads/list.json"  # the original input is kept
    assert fixit["input"]["error"]["Error"] == "ListValidationError"
    cause = json.loads(fixit["input"]["error"]["Cause"])
    assert "naughty" in cause["errorMessage"]
    (notify,) = outcome.calls("NotifyFailure")
    assert notify["input"]["status"] == "FAILED" and notify["input"]["role"] == "fixit"


def test_an_unexpected_crash_in_validate_also_ends_in_fixit(machine: Machine):
    outcome = machine.run(validate="crash")
    assert outcome.entered() == REJECTED_PATH
    assert [c["error"] for c in outcome.calls("ValidateData")] == ["KeyError"]
    assert outcome.calls("FixIt")[0]["input"]["error"]["Error"] == "KeyError"


def test_a_failing_transform_goes_to_fixit_with_the_original_upload(machine: Machine):
    outcome = machine.run(transform="conflict")
    assert outcome.entered() == [*GOOD_PATH[:3], *REJECTED_PATH[1:]]
    (fixit,) = outcome.calls("FixIt")
    assert (fixit["input"]["bucket"], fixit["input"]["key"]) == ("in", "uploads/list.json")
    assert fixit["input"]["error"]["Error"] == "StampedListConflictError"
    assert "transformedData" not in fixit["input"]


def test_when_fixit_fails_too_the_run_says_so_and_announces_nothing(machine: Machine):
    outcome = machine.run(validate="invalid", fixit="crash")
    assert outcome.status == "FAILED" and outcome.error == "CouldNotQuarantine"
    assert outcome.entered() == ["ValidateData", "FixIt", "CouldNotQuarantine"]


@pytest.mark.parametrize("error", sorted(TRANSIENT))
def test_a_transient_lambda_error_is_retried_until_it_works(machine: Machine, error: str):
    outcome = machine.run(validate=f"flaky:{error}:2")
    assert outcome.status == "SUCCEEDED"
    assert outcome.entered() == GOOD_PATH
    assert [c["error"] for c in outcome.calls("ValidateData")] == [error, error, None]


@pytest.mark.parametrize("state, role", [("TransformData", "transform"), ("Notify", "notify")])
def test_later_steps_retry_too(machine: Machine, state: str, role: str):
    outcome = machine.run(**{role: "flaky:Lambda.ServiceException:1"})
    assert outcome.status == "SUCCEEDED"
    assert len(outcome.calls(state)) == 2


def test_retries_give_up_after_max_attempts_then_fixit_takes_over(machine: Machine):
    outcome = machine.run(validate="flaky:Lambda.ServiceException:always")
    retrier = definition()["States"]["ValidateData"]["Retry"][0]
    calls = outcome.calls("ValidateData")
    assert len(calls) == 1 + retrier["MaxAttempts"]
    assert {c["error"] for c in calls} == {"Lambda.ServiceException"}
    assert outcome.entered() == REJECTED_PATH


def test_a_real_throttle_is_retried_as_too_many_requests(lambda_role):
    # A function that has never run: reserved concurrency 0 then throttles every invoke.
    name = f"stub-throttled-{uuid.uuid4().hex[:6]}"
    arn = wl.deploy_function(name, STUB, environment={"ROLE": "notify"}).arn
    lam, sfn = clients.client("lambda"), clients.client("stepfunctions")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    notify = definition()["States"]["Notify"]
    document = {"StartAt": "Notify", "States": {"Notify": {**notify, "Resource": arn}}}
    machine = Machine(
        sfn.create_state_machine(
            name=f"throttled-{name}", definition=json.dumps(document), roleArn=lambda_role
        )["stateMachineArn"],
        {},
    )
    try:
        outcome = machine.run()
    finally:
        sfn.delete_state_machine(stateMachineArn=machine.arn)
        wl.delete_function(name)
    assert outcome.error == "Lambda.TooManyRequestsException"
    assert len(outcome.calls("Notify")) == 1 + notify["Retry"][0]["MaxAttempts"]
