"""Callbacks (`.waitForTaskToken`) in the local Step Functions, with AWS's rules.

moto's interpreter already hands out task tokens and waits for them. What it lacks:

* A missed heartbeat fails the task with `States.HeartbeatTimeout` (moto: `States.Timeout`).
  AWS documents both names for it, so a Catch or Retry on `States.Timeout` still matches it.
* `TimeoutSeconds` (a Task's and the state machine's own) and `HeartbeatSeconds` follow the
  cloud's time scale, as Retry and Wait do.
* A Task with `HeartbeatSeconds` and no `TimeoutSeconds` gets AWS's default timeout (99999999 s)
  instead of the States Language spec's 60 s, so an approval that heartbeats can wait for days.
* A token answers as on AWS once its task is over (succeeded, failed, timed out, or its
  execution stopped): `TaskTimedOut`; a well-formed token nobody issued: `TaskDoesNotExist`;
  anything else: `InvalidToken`. moto says `InvalidToken` to all of them.
* `SendTaskHeartbeat` for a task without `HeartbeatSeconds` is accepted (moto refuses it).
* `SendTaskSuccess` with output that is not JSON is refused with `InvalidOutput` (moto
  accepted it and then failed the execution with a parse error).
* `SendTaskFailure` passes its `cause` on (moto dropped it).
* Tokens are long opaque strings, as on AWS, instead of a bare UUID.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from typing import Any

# Every token ever issued by this cloud: its endpoint tells whether the task still waits.
_issued: dict[str, Any] = {}
_lock = threading.Lock()
_TOKEN_PREFIX = "AQB"  # AWS's tokens are base64 text; ours start alike and are told apart so


def new_token() -> str:
    """An opaque task token in the style of AWS's (base64 text of a few hundred bytes)."""
    return _TOKEN_PREFIX + base64.b64encode(secrets.token_bytes(186)).decode("ascii")


def _well_formed(token: str) -> bool:
    if not isinstance(token, str) or not token.startswith(_TOKEN_PREFIX):
        return False
    try:
        base64.b64decode(token[len(_TOKEN_PREFIX) :], validate=True)
    except ValueError:
        return False
    return True


def install(settings: Any) -> None:
    _default_timeout_with_heartbeat()
    _scale_timeouts(settings)
    _name_heartbeat_timeouts()
    _answer_tokens_like_aws()


def _scale_timeouts(settings: Any) -> None:
    import threading as real_threading

    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.eval.callback import callback

    def scaled(seconds: float | None) -> float | None:
        return None if seconds is None else max(0.0, float(seconds)) * settings.time_scale

    class ScaledEvent(real_threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            return super().wait(scaled(timeout))

    class ScaledThreading:
        """The `threading` module as execute_state sees it: a state's TimeoutSeconds is
        waited for on the cloud's time scale."""

        Event = ScaledEvent

        def __getattr__(self, name: str) -> Any:
            return getattr(real_threading, name)

    execute_state.threading = ScaledThreading()

    from moto.stepfunctions.parser.asl.component.program import program

    class ScaledThread(real_threading.Thread):
        def join(self, timeout: float | None = None) -> None:
            super().join(scaled(timeout))

    class ProgramThreading(ScaledThreading):
        """The state machine's own TimeoutSeconds is a join on the program's thread."""

        Thread = ScaledThread

    program.threading = ProgramThreading()

    original_heartbeat_init = callback.HeartbeatEndpoint.__init__

    def heartbeat_init(self: Any, heartbeat_seconds: int) -> None:
        original_heartbeat_init(self, heartbeat_seconds)
        self._heartbeat_seconds = scaled(heartbeat_seconds)

    callback.HeartbeatEndpoint.__init__ = heartbeat_init

    original_wait = callback.CallbackEndpoint.wait

    def wait(self: Any, timeout: float | None = None) -> Any:
        return original_wait(self, scaled(timeout))

    callback.CallbackEndpoint.wait = wait


def _default_timeout_with_heartbeat() -> None:
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

    original = ExecutionState.from_state_props

    def from_state_props(self: Any, state_props: Any) -> None:
        original(self, state_props)
        timeout = self.timeout
        if isinstance(timeout, TimeoutSeconds) and timeout.is_default and self.heartbeat:
            self.timeout = TimeoutSeconds(timeout_seconds=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS)

    ExecutionState.from_state_props = from_state_props


def _name_heartbeat_timeouts() -> None:
    # A Retry or Catch on States.Timeout handles the heartbeat timeout too: that rule is
    # workshop_lib.asl.error_matches, which _sfn_results applies to every ErrorEquals.
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task
    from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimeoutError

    heartbeat = StatesErrorName(typ=StatesErrorNameType.StatesHeartbeatTimeout)
    original_from_error = state_task.StateTask._from_error

    def from_error(self: Any, env: Any, ex: Exception) -> Any:
        failure = original_from_error(self, env, ex)
        if isinstance(ex, HeartbeatTimeoutError):
            failure.error_name = heartbeat
            for details in (failure.event_details or {}).values():
                if isinstance(details, dict) and "error" in details:
                    details["error"] = heartbeat.error_name
        return failure

    state_task.StateTask._from_error = from_error


def _answer_tokens_like_aws() -> None:
    from moto.stepfunctions.parser import api
    from moto.stepfunctions.parser.asl.eval import states
    from moto.stepfunctions.parser.asl.eval.callback import callback
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    def update_task_token(self: Any) -> str:
        token = new_token()
        self.context_object_data["Task"] = {"Token": token}
        return token

    states.ContextObject.update_task_token = update_task_token

    original_init = callback.CallbackEndpoint.__init__

    def endpoint_init(self: Any, callback_id: str) -> None:
        original_init(self, callback_id)
        with _lock:
            _issued[callback_id] = self

    callback.CallbackEndpoint.__init__ = endpoint_init

    def waiting_endpoint(backend: Any, token: str) -> Any:
        with _lock:
            endpoint = _issued.get(token)
        if endpoint is None:
            if _well_formed(token):
                raise api.TaskDoesNotExist("Task does not exist")
            raise api.InvalidToken(f"Invalid Token: '{token[:64]}'")
        if endpoint._notify_event.is_set() or endpoint.consumer_error is not None:
            raise api.TaskTimedOut("Task Timed Out: 'Provided task does not exist anymore'")
        if not _owner_running(backend, token):
            raise api.TaskTimedOut("Task Timed Out: 'Provided task does not exist anymore'")
        return endpoint

    def send_task_success(self: Any, task_token: str, outcome: str) -> Any:
        endpoint = waiting_endpoint(self, task_token)
        try:
            json.loads(outcome)
        except (TypeError, ValueError):
            raise api.InvalidOutput(f"Invalid output: {str(outcome)[:64]!r} is not JSON") from None
        endpoint.notify(callback.CallbackOutcomeSuccess(callback_id=task_token, output=outcome))
        return api.SendTaskSuccessOutput()

    def send_task_failure(
        self: Any, task_token: str, error: str | None = None, cause: str | None = None
    ) -> Any:
        endpoint = waiting_endpoint(self, task_token)
        endpoint.notify(
            callback.CallbackOutcomeFailure(callback_id=task_token, error=error, cause=cause)
        )
        return api.SendTaskFailureOutput()

    def send_task_heartbeat(self: Any, task_token: str) -> Any:
        endpoint = waiting_endpoint(self, task_token)
        endpoint.notify_heartbeat()  # a task without HeartbeatSeconds accepts it too
        return api.SendTaskHeartbeatOutput()

    StepFunctionsParserBackend.send_task_success = send_task_success
    StepFunctionsParserBackend.send_task_failure = send_task_failure
    StepFunctionsParserBackend.send_task_heartbeat = send_task_heartbeat

    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure_response(self: Any) -> Any:
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"),
            error=self._get_param("error"),
            cause=self._get_param("cause"),
        )
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure_response


def _owner_running(backend: Any, token: str) -> bool:
    """Whether the execution waiting on `token` still runs (a stopped one keeps no tasks)."""
    from moto.stepfunctions.parser.api import ExecutionStatus

    for execution in backend._get_executions(ExecutionStatus.RUNNING):
        worker = getattr(execution, "exec_worker", None)
        env = getattr(worker, "env", None)
        if env is not None and _holds(env, token):
            return True
    return False


def _holds(env: Any, token: str) -> bool:
    return env.callback_pool_manager.get(token) is not None
