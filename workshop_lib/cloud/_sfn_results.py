"""Step Functions results exactly as AWS gives them (part of patch 16, see `_conformance.py`).

Each function fills one gap seen against executions recorded on AWS:

* `arn:aws:states:::lambda:invoke` answers with `SdkHttpMetadata` and `SdkResponseMetadata`
  besides `ExecutedVersion`, `Payload` and `StatusCode`, in AWS's key order;
* a Lambda error's `Cause` is the error JSON as the Python runtime writes it
  (`{"errorMessage": "...", "errorType": "...", ...}`, with spaces), not re-packed compactly;
* the context object's `$$.Execution.StartTime` and `$$.State.EnteredTime` are written as AWS
  writes them (`2026-01-02T03:04:05.678Z`) and `$$.Execution.RedriveCount` is there (0 until
  the execution is redriven);
* DescribeExecution answers the output as compact JSON text whatever it holds (a bare string
  is `"text"`, a value read from the context object no longer makes it fail with a 500).
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import json
import re
import threading
import uuid
from typing import Any

from .. import asl


def install() -> None:
    """Runs once moto.stepfunctions.parser.models is imported."""
    _lambda_invoke_metadata()
    _lambda_error_cause_as_written()
    _context_times_as_aws_writes_them()
    _describe_execution_output_as_json()
    _inner_failures_keep_their_states_names()
    _state_prefix_once()
    _causes_name_the_entered_event()
    _wildcards_leave_terminal_errors_alone()
    _waits_beyond_the_longest_execution_time_out()
    _missing_paths_in_a_task_are_runtime_errors()
    _no_matching_choice_is_no_choice_matched()


def aws_timestamp(value: Any) -> Any:
    """`2026-01-02T03:04:05.678Z`: UTC with milliseconds, as AWS writes context times."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, datetime.datetime):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    value = value.astimezone(datetime.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def state_failure(env: Any, error: str, cause: str, *, execution: bool = False) -> Exception:
    """The exception that fails the state being evaluated with a `States.*` error, as moto's
    own failures do (a TaskFailed event's details, or the execution's with `execution`)."""
    from moto.stepfunctions.parser.api import (
        ExecutionFailedEventDetails,
        HistoryEventType,
        TaskFailedEventDetails,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    details = (
        EventDetails(
            executionFailedEventDetails=ExecutionFailedEventDetails(error=error, cause=cause)
        )
        if execution
        else EventDetails(taskFailedEventDetails=TaskFailedEventDetails(error=error, cause=cause))
    )
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName.from_name(error),
            event_type=HistoryEventType.TaskFailed,
            event_details=details,
        )
    )


# -- Lambda ---------------------------------------------------------------------------------------


def lambda_invoke_result(response: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    """The result of `arn:aws:states:::lambda:invoke` with the SDK metadata AWS adds (the
    request id is the Lambda invocation's, which its REPORT log line names too)."""
    request_id = request_id or str(uuid.uuid4())
    payload = response.get("Payload")
    body = json.dumps(payload, separators=(",", ":")) if payload is not None else ""
    version = response.get("ExecutedVersion", "$LATEST")
    headers = {
        "Connection": "keep-alive",
        "Content-Length": str(len(body.encode("utf-8"))),
        "Content-Type": "application/json",
        "Date": email.utils.formatdate(usegmt=True),
        "X-Amz-Executed-Version": version,
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
        "X-Amzn-Trace-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0",
    }
    result: dict[str, Any] = {"ExecutedVersion": version, "Payload": payload}
    for key in ("FunctionError", "LogResult"):
        if key in response:
            result[key] = response[key]
    result["SdkHttpMetadata"] = {
        "AllHttpHeaders": {name: [value] for name, value in headers.items()},
        "HttpHeaders": headers,
        "HttpStatusCode": 200,
    }
    result["SdkResponseMetadata"] = {"RequestId": request_id}
    result["StatusCode"] = response.get("StatusCode", 200)
    return result


def _lambda_invoke_metadata() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_lambda,
    )

    original = lambda_eval_utils.execute_lambda_function_integration
    original_invoke = lambda_eval_utils._invoke_lambda_function
    last = threading.local()

    def invoke(*args: Any, **kwargs: Any) -> Any:
        response = original_invoke(*args, **kwargs)
        last.request_id = (response.get("ResponseMetadata") or {}).get("RequestId")
        return response

    def execute(env: Any, *args: Any, **kwargs: Any) -> None:
        last.request_id = None
        original(env, *args, **kwargs)
        if env.stack and isinstance(env.stack[-1], dict):
            env.stack.append(lambda_invoke_result(env.stack.pop(), last.request_id))

    lambda_eval_utils._invoke_lambda_function = invoke

    lambda_eval_utils.execute_lambda_function_integration = execute
    # The service task imported the function by name.
    if hasattr(state_task_service_lambda, "lambda_eval_utils"):
        state_task_service_lambda.lambda_eval_utils.execute_lambda_function_integration = execute


def _lambda_error_cause_as_written() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    cls = lambda_eval_utils.LambdaFunctionErrorException
    original_init = cls.__init__

    def init(self: Any, function_error: str | None, payload: str) -> None:
        # moto re-packs the error JSON without spaces; the cause AWS shows is the runtime's
        # own text, which Python's runtime writes with json.dumps' default separators.
        with contextlib.suppress(TypeError, ValueError):
            payload = json.dumps(json.loads(payload))
        original_init(self, function_error, payload)

    cls.__init__ = init


# -- the context object ---------------------------------------------------------------------------


def _context_times_as_aws_writes_them() -> None:
    from moto.stepfunctions.parser.asl.component.state import state as state_module
    from moto.stepfunctions.parser.backend import execution_worker

    original_state_data = state_module.StateData

    def state_data(**fields: Any) -> Any:
        if "EnteredTime" in fields:
            fields["EnteredTime"] = aws_timestamp(fields["EnteredTime"])
        fields.setdefault("RetryCount", 0)  # every state has it on AWS, not only Tasks
        return original_state_data(**fields)

    state_module.StateData = state_data

    original_environment = execution_worker.ExecutionWorker._get_evaluation_environment

    def environment(self: Any) -> Any:
        env = original_environment(self)
        execution = env.states.context_object.context_object_data["Execution"]
        execution["StartTime"] = aws_timestamp(execution.get("StartTime"))
        execution.setdefault("RedriveCount", 0)
        return env

    execution_worker.ExecutionWorker._get_evaluation_environment = environment


# -- errors from inside a Parallel branch or a Map iteration -------------------------------------


def _inner_failures_keep_their_states_names() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        iteration_worker,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl

    def error_name(error_name: str | None) -> Any:
        # moto wraps a branch's or an iteration's error in a custom error name, which refuses
        # "States." names: a States.Runtime or States.QueryEvaluationError inside a Parallel or
        # a Map became "Custom Error Names MUST NOT begin with the prefix 'States.'".
        if error_name and error_name.startswith("States."):
            try:
                return StatesErrorName.from_name(error_name)
            except ValueError:
                named = CustomErrorName.__new__(CustomErrorName)
                ErrorName.__init__(named, error_name)  # an unknown States. name, kept as is
                return named
        return CustomErrorName(error_name=error_name)

    iteration_worker.CustomErrorName = error_name
    branches_decl.CustomErrorName = error_name


_DOUBLE_PREFIX = re.compile(
    r"^An error occurred while executing the state '[^']*' \(entered at the event id #\d+\)\. "
    r"(?=An error occurred while executing the state )"
)


def _state_prefix_once() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEventException,
    )

    # AWS names the state where the error happened once; moto prefixed a Map's or a
    # Parallel's failure again with the outer state (often as 'None').
    for name in ("get_execution_failed_event_details", "get_evaluation_failed_event_details"):
        original = getattr(FailureEventException, name)

        def details(self: Any, _original: Any = original) -> Any:
            found = _original(self)
            if found and isinstance(found.get("cause"), str):
                found["cause"] = _DOUBLE_PREFIX.sub("", found["cause"])
            return found

        setattr(FailureEventException, name, details)


_ENTERED = "_workshop_entered_event_id"


def _causes_name_the_entered_event() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
    )
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField

    original_input = CommonStateField._eval_state_input

    def eval_state_input(self: Any, env: Any) -> None:
        # Called right after the state's *StateEntered event: remember that event's id.
        env.heap[_ENTERED] = env.event_history_context.source_event_id
        original_input(self, env)

    original_init = FailureEvent.__init__

    def init(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, env, *args, **kwargs)
        # AWS's "(entered at the event id #N)" is the state's StateEntered event; moto named
        # the latest event (a TaskSucceeded, say, when ResultSelector failed).
        entered = getattr(env, "heap", {}).get(_ENTERED)
        if entered is not None:
            self.source_event_id = entered

    CommonStateField._eval_state_input = eval_state_input
    FailureEvent.__init__ = init


def _wildcards_leave_terminal_errors_alone() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl

    decl = error_equals_decl.ErrorEqualsDecl
    original = decl._eval_body

    def eval_body(self: Any, env: Any) -> None:
        error = getattr(env.stack[-1], "error_name", None)
        original(self, env)
        # The workbook's one matching rule decides (workshop_lib.asl.error_matches): AWS's
        # "A retry or catch on States.ALL won't catch States.Runtime errors", nor the terminal
        # States.DataLimitExceeded (only naming them does), and States.TaskFailed matches any
        # error but the timeouts. moto's wildcard took all; its TaskFailed only custom errors.
        if isinstance(error, str):
            named = [getattr(name, "error_name", None) for name in self.error_names]
            env.stack[-1] = asl.error_matches([n for n in named if n], error)

    decl._eval_body = eval_body


# -- a Wait longer than an execution may last ----------------------------------------------------

#: The longest an execution runs: a year (Standard), five minutes (Express).
LONGEST_EXECUTION_S = {"STANDARD": 365 * 24 * 3600, "EXPRESS": 5 * 60}


def _waits_beyond_the_longest_execution_time_out() -> None:
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    def eval_body(self: Any, env: Any) -> None:
        seconds = self._get_wait_seconds(env=env)
        # moto's execution type always says STANDARD; an Express execution's ARN says express.
        execution_arn = str(env.states.context_object.context_object_data["Execution"]["Id"])
        limit = LONGEST_EXECUTION_S["EXPRESS" if ":express:" in execution_arn else "STANDARD"]
        if seconds > limit and not env._is_frame:
            # On AWS the execution times out when it reaches its longest duration; here it
            # times out at once instead of waiting (even time-scaled) for days.
            env.set_timed_out()
            return
        self._wait_interval(env=env, wait_seconds=seconds)

    WaitFunction._eval_body = eval_body


# -- a path that matches nothing in a Task, Map or Parallel --------------------------------------


class _Terminal(BaseException):
    """Carries a States.Runtime failure past the state's Retry and Catch handling."""

    def __init__(self, failure: Exception) -> None:
        super().__init__()
        self.failure = failure


def _missing_paths_in_a_task_are_runtime_errors() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.state_parallel import (
        StateParallel,
    )
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
    from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

    original_evaluate = ExecutionState._evaluate_with_timeout

    def evaluate_with_timeout(self: Any, env: Any) -> None:
        # A ResultSelector, ResultPath or Parameters path that matches nothing is a
        # States.Runtime error: terminal, neither retried nor caught, as on AWS. moto
        # handled it as the task's own failure (named "Exception", retried and caught, with a
        # LambdaFunctionFailed after the LambdaFunctionSucceeded).
        try:
            original_evaluate(self, env)
        except NoSuchJsonPathError as missing:
            data = json.dumps(missing.data, separators=(",", ":"))
            cause = (
                f"The JSONPath '{missing.json_path}' specified for the field "
                f"'{env.next_field_name}' could not be found in the input '{data}'"
            )
            raise _Terminal(state_failure(env, "States.Runtime", cause)) from None

    def terminal_to_failure(original: Any) -> Any:
        def eval_state(self: Any, env: Any) -> None:
            try:
                original(self, env)
            except _Terminal as terminal:
                raise terminal.failure from None

        return eval_state

    ExecutionState._evaluate_with_timeout = evaluate_with_timeout
    # Map and Parallel have their own retry loops: each one hands the failure on.
    for cls in (ExecutionState, StateMap, StateParallel):
        cls._eval_state = terminal_to_failure(cls._eval_state)
    # A backstop, so that the marker never escapes a state.
    CommonStateField._eval_body = terminal_to_failure(CommonStateField._eval_body)


# -- a Choice state with no rule that holds and no Default ---------------------------------------


def _no_matching_choice_is_no_choice_matched() -> None:
    from moto.stepfunctions.parser.asl.component.state.choice.state_choice import StateChoice

    original = StateChoice._eval_state

    def eval_state(self: Any, env: Any) -> None:
        # AWS fails the execution with States.NoChoiceMatched (as workshop_lib.asl.choose
        # does); moto raised a RuntimeError, which ended it as States.Runtime.
        try:
            original(self, env)
        except RuntimeError:
            if self.default_state is not None:
                raise
            cause = f"No Choice rule of the state '{self.name}' matched, and it has no Default."
            raise state_failure(env, "States.NoChoiceMatched", cause) from None

    StateChoice._eval_state = eval_state


# -- DescribeExecution ----------------------------------------------------------------------------


def _describe_execution_output_as_json() -> None:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
    from moto.stepfunctions.responses import StepFunctionResponse

    original = StepFunctionResponse.describe_execution

    def describe_execution(self: Any) -> Any:
        # moto sends a string output as it is (not as JSON text), spaces a JSON one, and
        # fails (a 500) on a value it cannot serialise: the output is compact JSON text here.
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        saved = execution.output
        execution_output = to_json_str(saved, separators=(",", ":"))
        try:
            answer = original(self)
        except TypeError:
            execution.output = None  # moto then leaves it out; it is added below
            try:
                answer = original(self)
            finally:
                execution.output = saved
        if "SUCCEEDED" in str(execution.status) and saved is not None:
            answer.result["output"] = execution_output
        return answer

    StepFunctionResponse.describe_execution = describe_execution
