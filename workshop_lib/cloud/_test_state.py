"""TestState in the local cloud, with the request shapes AWS's API reference documents today.

moto has no route for `TestState` at all, and the interpreter's own TestState (a port of an
older LocalStack) knows a single state, `input` and `inspectionLevel` only. This module
answers `stepfunctions.test_state` through plain boto3 with:

* a single state's definition, or a whole state machine plus `stateName`;
* `input`, `variables` and `context` (merged into the context object);
* `inspectionLevel` INFO / DEBUG / TRACE (DEBUG and TRACE carry `inspectionData`: `input`,
  `afterInputPath`/`afterParameters` or `afterArguments`, `result`, `afterResultSelector`,
  `afterResultPath`, `variables`, and `errorDetails` when Retry or Catch decided);
* `mock` (`result` or `errorOutput`) instead of calling the state's resource, and
  `stateConfiguration.retrierRetryCount`, so a Retry or a Catch is tested without running
  anything: the answer is `RETRIABLE` (with the backoff AWS would wait) or `CAUGHT_ERROR`
  (with the catcher's `Next` and output) instead of a retry loop;
* a Task without a mock really runs its resource (a Lambda function runs in the local
  runtime);
* bad requests get AWS's error codes (`InvalidDefinition`, `InvalidExecutionInput`,
  `ValidationException`), never a stack trace.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
from typing import Any

from .. import asl

_INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
_FIELD_VALIDATION_MODES = ("STRICT", "PRESENT", "NONE")
_MOCKABLE = ("Task", "Map", "Parallel")


class TestStateRequestError(Exception):
    """A request AWS refuses: `code` is AWS's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def install() -> None:
    """Route TestState in moto's Step Functions responses (runs once they are imported)."""
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def handler(self: Any) -> Any:
        try:
            answer = test_state(
                self.current_account,
                self.region,
                json.loads(self.body or "{}"),
            )
        except TestStateRequestError as refused:
            raise JsonRESTError(refused.code, refused.message) from None
        return ActionResult(answer)

    StepFunctionResponse.test_state = handler
    _only_the_tested_state_is_inspected()


def _only_the_tested_state_is_inspected() -> None:
    """moto's TestState parser treated every state it met as the tested one: the states inside
    a Map or a Parallel became test programs too (the state failed to parse), and their
    InputPath/Parameters/ResultPath overwrote the tested state's inspection data."""
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
    from moto.stepfunctions.parser.asl.parse.test_state.preprocessor import (
        TestStatePreprocessor,
    )

    def nested(self: Any) -> bool:
        return getattr(self, "_workshop_depth", 0) > 1

    original_body = TestStatePreprocessor.visitState_decl_body

    def visit_body(self: Any, ctx: Any) -> Any:
        self._workshop_depth = getattr(self, "_workshop_depth", 0) + 1
        try:
            if nested(self):
                return Preprocessor.visitState_decl_body(self, ctx)
            return original_body(self, ctx)
        finally:
            self._workshop_depth -= 1

    TestStatePreprocessor.visitState_decl_body = visit_body
    for name in (
        "visitInput_path_decl",
        "visitParameters_decl",
        "visitResult_selector_decl",
        "visitResult_path_decl",
        "visitResult_decl",
    ):
        decorated = getattr(TestStatePreprocessor, name)

        def visit(self: Any, ctx: Any, _decorated: Any = decorated, _name: str = name) -> Any:
            if nested(self):
                return getattr(Preprocessor, _name)(self, ctx)
            return _decorated(self, ctx)

        setattr(TestStatePreprocessor, name, visit)


# -- the request ------------------------------------------------------------------------------


def _json_parameter(request: dict[str, Any], name: str, code: str) -> Any:
    text = request.get(name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise TestStateRequestError(
            code, f"Invalid {name}: the value is not valid JSON: {str(text)[:200]}"
        ) from None


def _chosen_state(request: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    """The state to test, its name, and the query language it inherits from a machine."""
    definition = _json_parameter(request, "definition", "InvalidDefinition")
    if not isinstance(definition, dict):
        raise TestStateRequestError(
            "InvalidDefinition", "Invalid State Definition: the definition must be a JSON object"
        )
    state_name = request.get("stateName")
    if state_name is None:
        if "States" in definition or "StartAt" in definition:
            raise TestStateRequestError(
                "InvalidDefinition",
                "Invalid State Definition: a state machine definition needs a 'stateName' "
                "naming the state to test",
            )
        return "TestState", definition, None
    if not isinstance(definition.get("States"), dict):
        raise TestStateRequestError(
            "InvalidDefinition",
            "Invalid State Machine Definition: 'stateName' is given, so the definition must "
            "be a whole state machine (with StartAt and States)",
        )
    state = _find_state(definition["States"], state_name)
    if state is None:
        raise TestStateRequestError(
            "ValidationException",
            f"The state '{state_name}' is not in the state machine definition",
        )
    return state_name, state, definition.get("QueryLanguage")


def _find_state(states: dict[str, Any], name: str) -> dict[str, Any] | None:
    if name in states:
        return states[name]
    for state in states.values():
        if not isinstance(state, dict):
            continue
        inner = [state.get("ItemProcessor") or state.get("Iterator") or {}]
        inner += list(state.get("Branches") or [])
        for machine in inner:
            found = _find_state(machine.get("States") or {}, name)
            if found is not None:
                return found
    return None


def _validate(request: dict[str, Any], state: dict[str, Any]) -> None:
    level = request.get("inspectionLevel", "INFO")
    if level not in _INSPECTION_LEVELS:
        raise TestStateRequestError(
            "ValidationException",
            f"1 validation error detected: Value '{level}' at 'inspectionLevel' failed to "
            f"satisfy constraint: Member must satisfy enum value set: {list(_INSPECTION_LEVELS)}",
        )
    mock = request.get("mock")
    if mock is not None:
        if ("result" in mock) == ("errorOutput" in mock):
            raise TestStateRequestError(
                "ValidationException",
                "A mock must contain exactly one of 'result' or 'errorOutput'",
            )
        if state.get("Type") not in _MOCKABLE:
            raise TestStateRequestError(
                "ValidationException",
                f"A mock is only supported for Task, Map and Parallel states, not "
                f"{state.get('Type')}",
            )
        if "errorOutput" in mock and not (mock["errorOutput"] or {}).get("error"):
            raise TestStateRequestError("ValidationException", "mock.errorOutput.error is required")
        mode = mock.get("fieldValidationMode", "STRICT")
        if mode not in _FIELD_VALIDATION_MODES:
            raise TestStateRequestError(
                "ValidationException",
                f"Value '{mode}' at 'mock.fieldValidationMode' failed to satisfy constraint",
            )
        if "result" in mock:
            _json_parameter(mock, "result", "ValidationException")
    elif state.get("Type") == "Task" and not request.get("roleArn"):
        raise TestStateRequestError(
            "ValidationException", "roleArn is required when the state is not mocked"
        )
    configuration = request.get("stateConfiguration") or {}
    count = configuration.get("retrierRetryCount")
    if count is not None and (not isinstance(count, int) or count < 0):
        raise TestStateRequestError(
            "ValidationException", "stateConfiguration.retrierRetryCount must be 0 or more"
        )


# -- running it -------------------------------------------------------------------------------


def test_state(account_id: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
    """Answer a TestState request like AWS."""
    name, state, machine_language = _chosen_state(request)
    _validate(request, state)
    payload = _json_parameter(request, "input", "InvalidExecutionInput")
    payload = {} if payload is None else payload
    variables = _json_parameter(request, "variables", "ValidationException") or {}
    context = _json_parameter(request, "context", "ValidationException") or {}
    if not isinstance(variables, dict):
        raise TestStateRequestError("ValidationException", "variables must be a JSON object")
    level = request.get("inspectionLevel", "INFO")
    mock = request.get("mock")
    configuration = request.get("stateConfiguration") or {}

    language = state.get("QueryLanguage") or machine_language or "JSONPath"
    runnable = {k: v for k, v in state.items() if k not in ("Retry", "Catch")}
    runnable["QueryLanguage"] = language
    failures = configuration.get("mapIterationFailureCount")
    if (
        state.get("Type") == "Map"
        and failures
        and _over_tolerance(state, int(failures), payload, configuration)
    ):
        outcome = {
            "status": "FAILED",
            "error": "States.ExceedToleratedFailureThreshold",
            "cause": "The specified tolerated failure threshold was exceeded",
            "inspection": {"input": json.dumps(payload, separators=(",", ":"))},
            "variables": dict(variables),
        }
    else:
        outcome = _run(account_id, region, name, runnable, payload, variables, context, mock)

    answer: dict[str, Any] = {}
    inspection = outcome["inspection"]
    if outcome["status"] == "SUCCEEDED":
        answer["status"] = "SUCCEEDED"
        answer["output"] = json.dumps(outcome["output"], separators=(",", ":"))
        following = outcome.get("next") or state.get("Next")
        if following and state.get("Type") not in ("Succeed", "Fail"):
            answer["nextState"] = following
    else:
        error, cause = outcome["error"], outcome["cause"]
        handled = _handle_error(state, language, error, cause, payload, variables, configuration)
        answer.update(handled["answer"])
        if "errorDetails" in handled:
            inspection["errorDetails"] = handled["errorDetails"]
        if handled.get("variables") is not None:
            outcome["variables"] = handled["variables"]
    if level in ("DEBUG", "TRACE"):
        if outcome["status"] == "SUCCEEDED" and language == "JSONPath":
            _fill_data_flow(inspection, answer["output"])
        inspection["variables"] = json.dumps(outcome["variables"], separators=(",", ":"))
        answer["inspectionData"] = inspection
    return answer


def _run(
    account_id: str,
    region: str,
    name: str,
    state: dict[str, Any],
    payload: Any,
    variables: dict[str, Any],
    context: dict[str, Any],
    mock: dict[str, Any] | None,
) -> dict[str, Any]:
    from moto.stepfunctions.parser.asl.component.test_state.program.test_state_program import (
        TestStateProgram,
    )
    from moto.stepfunctions.parser.asl.eval.program_state import (
        ProgramEnded,
        ProgramError,
        ProgramRunning,
    )
    from moto.stepfunctions.parser.asl.eval.test_state.program_state import (
        ProgramChoiceSelected,
    )
    from moto.stepfunctions.parser.asl.parse.asl_parser import ASLParserException
    from moto.stepfunctions.parser.backend.state_machine import TestStateMachine
    from moto.stepfunctions.parser.backend.test_state.execution import TestStateExecution
    from moto.stepfunctions.parser.backend.test_state.execution_worker import (
        TestStateExecutionWorker,
    )

    machine_arn = f"arn:aws:states:{region}:{account_id}:stateMachine:TestState"
    definition = json.dumps(state)

    class Worker(TestStateExecutionWorker):
        def _get_evaluation_entrypoint(self) -> TestStateProgram:
            program = super()._get_evaluation_entrypoint()
            program.test_state.name = name
            _inspect_arguments(program.test_state)
            if mock is not None:
                _mock_resource(program.test_state, mock)
            return program

        def _get_evaluation_environment(self) -> Any:
            env = super()._get_evaluation_environment()
            _deep_merge(env.states.context_object.context_object_data, context)
            env.variable_store._inner_scope.update(copy.deepcopy(variables))
            return env

    class Communication(TestStateExecution.TestCaseExecutionWorkerCommunication):
        def terminated(self) -> None:
            # A state with `Next` leaves the program running (moto only knows End states).
            if not isinstance(self.execution.exec_worker.env.program_state(), ProgramRunning):
                super().terminated()

    class Execution(TestStateExecution):
        def _get_start_execution_worker_comm(self) -> Communication:
            return Communication(self)

        def _get_start_execution_worker(self) -> Worker:
            return Worker(
                evaluation_details=_details(self),
                exec_comm=self._get_start_execution_worker_comm(),
                cloud_watch_logging_session=None,
                activity_store=self._activity_store,
            )

    try:
        machine = TestStateMachine(
            name="TestState", arn=machine_arn, role_arn=None, definition=definition
        )
        execution = Execution(
            name="TestState",
            role_arn="",
            exec_arn=f"arn:aws:states:{region}:{account_id}:execution:TestState:TestState",
            account_id=account_id,
            region_name=region,
            state_machine=machine,
            start_date=datetime.datetime.now(tz=datetime.UTC),
            activity_store={},
            input_data=json.dumps(payload),
        )
        execution.start()
    except ASLParserException as error:
        raise TestStateRequestError(
            "InvalidDefinition", f"Invalid State Definition: {error}"
        ) from None
    env = execution.exec_worker.env
    program_state = env.program_state()
    store = env.variable_store
    outcome: dict[str, Any] = {
        "inspection": {
            key: _compact(value)
            for key, value in (getattr(env, "inspection_data", {}) or {}).items()
        },
        "variables": {**store._outer_scope, **store._inner_scope},
    }
    if isinstance(program_state, ProgramRunning):
        outcome.update(status="SUCCEEDED", output=env.states.get_input(), next=env.next_state_name)
    elif isinstance(program_state, ProgramChoiceSelected):
        outcome.update(status="SUCCEEDED", output=env.states.get_input(), next=execution.next_state)
    elif isinstance(program_state, ProgramEnded):
        outcome.update(status="SUCCEEDED", output=execution.output)
        if isinstance(execution.output, str):
            outcome["output"] = json.loads(execution.output)
    elif isinstance(program_state, ProgramError):
        outcome.update(
            status="FAILED",
            error=program_state.error.get("error"),
            cause=program_state.error.get("cause"),
        )
    else:
        outcome.update(status="FAILED", error="States.Timeout", cause="")
    return outcome


def _fill_data_flow(inspection: dict[str, Any], output: str) -> None:
    """The five JSONPath boxes, each step that the state leaves out passing its input on."""
    inspection.setdefault("afterInputPath", inspection.get("input"))
    inspection.setdefault("afterParameters", inspection["afterInputPath"])
    inspection.setdefault("result", inspection["afterParameters"])
    inspection.setdefault("afterResultSelector", inspection["result"])
    inspection.setdefault("afterResultPath", output)


def _over_tolerance(
    state: dict[str, Any], failures: int, payload: Any, configuration: dict[str, Any]
) -> bool:
    """Whether `mapIterationFailureCount` failed iterations exceed the Map's tolerance."""
    count = state.get("ToleratedFailureCount")
    percentage = state.get("ToleratedFailurePercentage")
    if count is None and percentage is None:
        return failures > 0
    if count is not None and failures > int(count):
        return True
    if percentage is not None:
        items = _map_items(state, payload, configuration)
        return bool(items) and failures * 100 / len(items) > float(percentage)
    return False


def _map_items(state: dict[str, Any], payload: Any, configuration: dict[str, Any]) -> list:
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    reader_data = configuration.get("mapItemReaderData")
    if reader_data is not None:
        with contextlib.suppress(ValueError):
            items = json.loads(reader_data)
            return items if isinstance(items, list) else []
    if isinstance(state.get("Items"), list):
        return state["Items"]
    try:
        items = extract_json(state.get("ItemsPath", "$"), payload)
    except Exception:  # a path that matches nothing: no items to count
        return []
    return items if isinstance(items, list) else []


def _compact(value: Any) -> Any:
    """Inspection data is JSON text without spaces, as AWS writes it."""
    if not isinstance(value, str):
        return value
    try:
        return json.dumps(json.loads(value), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return value


def _details(execution: Any) -> Any:
    from moto.stepfunctions.parser.asl.eval.evaluation_details import EvaluationDetails

    return EvaluationDetails(
        aws_execution_details=execution._get_start_aws_execution_details(),
        execution_details=execution.get_start_execution_details(),
        state_machine_details=execution.get_start_state_machine_details(),
    )


def _deep_merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _inspect_arguments(state: Any) -> None:
    """DEBUG's `afterArguments` for a JSONata state (moto records only the JSONPath steps)."""
    from moto.stepfunctions.parser.asl.component.common.parargs import Arguments
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    parargs = getattr(state, "parargs", None)
    if not isinstance(parargs, Arguments):
        return
    original = parargs._eval_body

    def eval_body(env: Any) -> None:
        original(env)
        env.inspection_data["afterArguments"] = to_json_str(env.stack[-1])

    parargs._eval_body = eval_body


def _mock_resource(state: Any, mock: dict[str, Any]) -> None:
    """The state's resource answers with the mock instead of running."""
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    def mocked(env: Any) -> None:
        if "errorOutput" in mock:
            error = mock["errorOutput"].get("error", "")
            cause = mock["errorOutput"].get("cause", "")
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=CustomErrorName(error),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=EventDetails(
                        taskFailedEventDetails=TaskFailedEventDetails(error=error, cause=cause)
                    ),
                )
            )
        # The state's own input processing still runs (Parameters / Arguments).
        if getattr(state, "parargs", None) is not None:
            state.parargs.eval(env)
            env.stack.pop()
        result = json.loads(mock["result"])
        env.stack.append(result)
        env.inspection_data["result"] = to_json_str(result)

    state._eval_execution = mocked


# -- Retry and Catch, decided without running anything ----------------------------------------


def _handle_error(
    state: dict[str, Any],
    language: str,
    error: str,
    cause: str,
    payload: Any,
    variables: dict[str, Any],
    configuration: dict[str, Any],
) -> dict[str, Any]:
    count = int(configuration.get("retrierRetryCount") or 0)
    wait = asl.retry_wait(state.get("Retry") or [], error, count)
    if wait is not None:
        return {
            "answer": {"status": "RETRIABLE", "error": error, "cause": cause},
            "errorDetails": {
                "retryIndex": wait.rule_index,
                "retryBackoffIntervalSeconds": int(wait.seconds),
            },
        }
    # No retrier, or the first matching one is exhausted: Catch decides.
    error_output = {"Error": error, "Cause": cause}
    catchers = state.get("Catch") or []
    index = asl.matching_rule(catchers, error)
    if index is None:
        return {"answer": {"status": "FAILED", "error": error, "cause": cause}}
    catcher = catchers[index]
    output, assigned = _catcher_output(catcher, language, error_output, payload, variables)
    answer = {
        "status": "CAUGHT_ERROR",
        "error": error,
        "cause": cause,
        "output": json.dumps(output, separators=(",", ":")),
        "nextState": catcher.get("Next"),
    }
    return {"answer": answer, "errorDetails": {"catchIndex": index}, "variables": assigned}


def _catcher_output(
    catcher: dict[str, Any],
    language: str,
    error_output: dict[str, Any],
    payload: Any,
    variables: dict[str, Any],
) -> tuple[Any, dict[str, Any]]:
    assigned = dict(variables)
    if language == "JSONata":
        bindings = dict(variables)
        bindings["states"] = {"input": payload, "errorOutput": error_output}
        output = error_output
        if "Output" in catcher:
            output = _template(catcher["Output"], bindings)
        for key, value in (catcher.get("Assign") or {}).items():
            assigned[key] = _template(value, bindings)
        return output, assigned
    result_path = catcher.get("ResultPath", "$")
    for key, value in (catcher.get("Assign") or {}).items():
        if key.endswith(".$") and isinstance(value, str):
            assigned[key[:-2]] = _jsonpath_value(value, error_output, variables)
        else:
            assigned[key] = value
    placed = asl.place(payload, error_output, result_path)
    if placed is asl.MISSING:
        raise TestStateRequestError(
            "InvalidDefinition",
            f"The catcher's ResultPath {result_path!r} is not a path this TestState places "
            'a result at: use "$", null or a path like "$.error".',
        )
    return placed, assigned


def _jsonpath_value(path: str, document: Any, variables: dict[str, Any]) -> Any:
    """A catcher's `"name.$"` value: a path into the error output, or a variable."""
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    if path.startswith("$.") or path == "$":
        return copy.deepcopy(extract_json(path, document))
    if path.startswith("$") and not path.startswith("$$"):
        name, _, rest = path[1:].partition(".")
        value = variables.get(name)
        return copy.deepcopy(extract_json("$." + rest, value) if rest else value)
    return path


def _template(value: Any, bindings: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{%") and value.endswith("%}"):
        return asl.evaluate_field(value[2:-2].strip(), bindings)
    if isinstance(value, dict):
        return {k: _template(v, bindings) for k, v in value.items()}
    if isinstance(value, list):
        return [_template(v, bindings) for v in value]
    return value
