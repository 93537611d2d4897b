"""Redrive (`RedriveExecution`) in the local Step Functions, with AWS's rules.

moto has no RedriveExecution. Here a redrive restarts a FAILED, TIMED_OUT or ABORTED Standard
execution under the same ARN and definition, from where it stopped: every state that completed
in an earlier attempt is not run again (its recorded output and next state are reused, without
new history events), so the run resumes at the unsuccessful state, and inside an inline Map or
a Parallel only the iterations and branches that failed run again. The history goes on with an
`ExecutionRedriven` event (`redriveCount`); DescribeExecution and ListExecutions show
`redriveCount`, `redriveDate`, `redriveStatus` and `redriveStatusReason`; ListExecutions takes
`redriveFilter`; `$$.Execution.RedriveCount` is set. Refusals are AWS's: `ExecutionNotRedrivable`
for a running or succeeded execution, an Express one, or one stopped more than 14 days ago;
`ExecutionDoesNotExist` for an unknown ARN; `ExecutionLimitExceeded` past 1,000 redrives. A
request repeated with the same `clientToken` answers as the first and redrives nothing more.

How a completed state is recognised: by its name, the Map item index it runs under, a digest of
its input and how many times that same combination ran before in the attempt, so a loop that
passes the same state several times replays each pass in order.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

REDRIVABLE_DAYS = 14
MAX_REDRIVES = 1000


@dataclass(frozen=True)
class _Completed:
    output: Any
    next_state: str | None
    ended: bool
    variables: dict[str, Any] | None


class _Ledger:
    """What completed in an execution's attempts, and how many times it was redriven."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.completed: dict[tuple, _Completed] = {}
        self.seen: dict[tuple, int] = {}
        self.redrive_count = 0
        self.redrive_date: datetime.datetime | None = None
        self.client_token: str | None = None
        # Distributed Map Runs by (Map state, enclosing item index): a redrive reuses them.
        self.map_runs: dict[tuple, Any] = {}

    def key(self, state_name: str, env: Any) -> tuple:
        map_data = env.states.context_object.context_object_data.get("Map") or {}
        index = (map_data.get("Item") or {}).get("Index")
        try:
            raw = json.dumps(env.states.get_input(), sort_keys=True, default=str)
        except (TypeError, ValueError):
            raw = repr(env.states.get_input())
        digest = hashlib.blake2b(raw.encode("utf-8"), digest_size=16).hexdigest()
        base = (state_name, index, digest)
        with self.lock:
            occurrence = self.seen.get(base, 0)
            self.seen[base] = occurrence + 1
        return (*base, occurrence)

    def new_attempt(self) -> None:
        with self.lock:
            self.seen.clear()
            self.redrive_count += 1
            self.redrive_date = datetime.datetime.now(tz=datetime.UTC)


_ledgers: dict[str, _Ledger] = {}
_ledgers_lock = threading.Lock()


def _ledger_of(env: Any) -> _Ledger | None:
    try:
        arn = env.states.context_object.context_object_data["Execution"]["Id"]
    except (AttributeError, KeyError, TypeError):
        return None
    return _ledgers.get(arn)


def install() -> None:
    _record_and_replay_states()
    _keep_ledgers()
    _redrive_api()
    _show_redrive_fields()


def _variables(env: Any) -> dict[str, Any] | None:
    store = getattr(env, "variable_store", None)
    scope = getattr(store, "_inner_scope", None)
    return copy.deepcopy(scope) if isinstance(scope, dict) else None


def _restore_variables(env: Any, variables: dict[str, Any] | None) -> None:
    store = getattr(env, "variable_store", None)
    scope = getattr(store, "_inner_scope", None)
    if variables is None or not isinstance(scope, dict):
        return
    scope.clear()
    scope.update(copy.deepcopy(variables))
    store._variable_declarations_cache = None


def _record_and_replay_states() -> None:
    from moto.stepfunctions.parser.asl.component.state.choice.state_choice import StateChoice
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramEnded

    # A state completed when it chose its next state; an iteration or branch stopped from
    # outside (its Map or Parallel failed elsewhere) ends without choosing, and is run again.
    for cls in (CommonStateField, StateChoice):
        original_set_next = cls._set_next

        def set_next(self: Any, env: Any, _original: Any = original_set_next) -> None:
            _original(self, env)
            env._workshop_completed = self.name

        cls._set_next = set_next

    original = CommonStateField._eval_body

    def eval_body(self: Any, env: Any) -> None:
        ledger = _ledger_of(env)
        if ledger is None:
            original(self, env)
            return
        key = ledger.key(self.name, env)
        done = ledger.completed.get(key) if ledger.redrive_count else None
        if done is not None:
            # Completed in an earlier attempt: AWS keeps its result and does not run it again.
            env.states.reset(input_value=copy.deepcopy(done.output))
            _restore_variables(env, done.variables)
            if done.ended:
                env.set_ended()
            else:
                env.next_state_name = done.next_state
            return
        env._workshop_completed = None
        original(self, env)
        if getattr(env, "_workshop_completed", None) == self.name:
            ledger.completed[key] = _Completed(
                output=copy.deepcopy(env.states.get_input()),
                next_state=env.next_state_name,
                ended=isinstance(env.program_state(), ProgramEnded),
                variables=_variables(env),
            )

    CommonStateField._eval_body = eval_body


def _keep_ledgers() -> None:
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.backend import execution as execution_module

    original_start = execution_module.Execution.start
    communication = execution_module.BaseExecutionWorkerCommunication
    original_terminated = communication.terminated

    def start(self: Any, *args: Any, **kwargs: Any) -> Any:
        # Standard only: Express cannot redrive (moto keeps the real type in `type`).
        kind = str(getattr(self.state_machine, "type", "STANDARD")).upper()
        if type(self) is execution_module.Execution and kind != "EXPRESS":
            with _ledgers_lock:
                # A new execution, even under a name used before (a reset cloud, a state
                # machine created again): nothing of an earlier run may be replayed into it.
                _ledgers[self.exec_arn] = _Ledger()
        return original_start(self, *args, **kwargs)

    def terminated(self: Any) -> None:
        original_terminated(self)
        if self.execution.exec_status == ExecutionStatus.SUCCEEDED:
            with _ledgers_lock:  # nothing left to redrive: free what was recorded
                ledger = _ledgers.get(self.execution.exec_arn)
                if ledger is not None:
                    ledger.completed.clear()

    execution_module.Execution.start = start
    communication.terminated = terminated


def not_redrivable_reason(execution: Any) -> str | None:
    """Why AWS would refuse to redrive `execution` (None: it can be redriven)."""
    status = getattr(execution.exec_status, "value", str(execution.exec_status))
    if status in ("RUNNING", "SUCCEEDED"):
        return f"Execution is {status} and cannot be redriven"
    if execution.exec_arn not in _ledgers:
        return "Execution is of type EXPRESS and cannot be redriven"
    stopped = execution.stop_date
    if stopped is not None:
        if stopped.tzinfo is None:
            stopped = stopped.replace(tzinfo=datetime.UTC)
        age = datetime.datetime.now(tz=datetime.UTC) - stopped
        if age > datetime.timedelta(days=REDRIVABLE_DAYS):
            return "Execution redrivable period exceeded"
    return None


def redrive(execution: Any) -> datetime.datetime:
    """Restart a stopped Standard execution from where it stopped (after the checks)."""
    from moto.stepfunctions.parser.api import (
        ExecutionLimitExceeded,
        ExecutionNotRedrivable,
        ExecutionRedrivenEventDetails,
        ExecutionStatus,
        HistoryEventType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext

    reason = not_redrivable_reason(execution)
    if reason is not None:
        raise ExecutionNotRedrivable(reason)
    ledger = _ledgers[execution.exec_arn]
    if ledger.redrive_count >= MAX_REDRIVES:
        raise ExecutionLimitExceeded(f"Execution was redriven {MAX_REDRIVES} times")
    previous = execution.exec_worker.env
    ledger.new_attempt()
    execution.exec_status = ExecutionStatus.RUNNING
    execution.stop_date = None
    execution.error = None
    execution.cause = None
    execution.output = None
    worker = execution._get_start_execution_worker()

    def logic() -> None:
        program = worker._get_evaluation_entrypoint()
        env = worker._get_evaluation_environment()
        old_events = previous.event_manager
        with old_events._mutex:
            events = list(old_events._history_event_list)
        env.event_manager._history_event_list.extend(events)
        env.event_manager._event_id_gen._next_id = len(events) + 1
        env.event_history_context = EventHistoryContext(previous_event_id=0)
        # The Map Runs of earlier attempts stay listed (ListMapRuns, DescribeMapRun).
        with contextlib.suppress(AttributeError):
            env.map_run_record_pool_manager._pool.update(previous.map_run_record_pool_manager._pool)
        context = env.states.context_object.context_object_data["Execution"]
        context["RedriveCount"] = ledger.redrive_count
        context["RedriveTime"] = ledger.redrive_date.isoformat()
        worker.env = env
        env.event_manager.add_event(
            context=env.event_history_context,
            event_type=HistoryEventType.ExecutionRedriven,
            event_details=EventDetails(
                executionRedrivenEventDetails=ExecutionRedrivenEventDetails(
                    redriveCount=ledger.redrive_count
                )
            ),
            update_source_event_id=False,
        )
        program.eval(env)
        worker._execution_communication.terminated()

    worker._execution_logic = logic
    worker.env = previous  # until the new attempt has its own environment
    execution.exec_worker = worker
    worker.start()
    return ledger.redrive_date


def _redrive_api() -> None:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    def redrive_execution(self: Any, execution_arn: str, client_token: str | None = None) -> Any:
        execution = self.describe_execution(execution_arn)
        ledger = _ledgers.get(execution.exec_arn)
        # The same client token again is the same request (boto3 sends a new one per call).
        if client_token and ledger is not None and ledger.client_token == client_token:
            return ledger.redrive_date
        date = redrive(execution)
        _ledgers[execution.exec_arn].client_token = client_token
        return date

    def handler(self: Any) -> Any:
        date = self.stepfunction_backend.redrive_execution(
            self._get_param("executionArn"), self._get_param("clientToken")
        )
        return ActionResult({"redriveDate": date})

    StepFunctionsParserBackend.redrive_execution = redrive_execution
    StepFunctionResponse.redrive_execution = handler


def redrive_fields(execution: Any) -> dict[str, Any]:
    """The redrive fields DescribeExecution shows for `execution`."""
    ledger = _ledgers.get(execution.exec_arn)
    fields: dict[str, Any] = {"redriveCount": ledger.redrive_count if ledger else 0}
    if ledger is not None and ledger.redrive_date is not None:
        fields["redriveDate"] = ledger.redrive_date
    reason = not_redrivable_reason(execution)
    fields["redriveStatus"] = "NOT_REDRIVABLE" if reason else "REDRIVABLE"
    if reason:
        fields["redriveStatusReason"] = reason
    return fields


def _show_redrive_fields() -> None:
    from moto.stepfunctions.responses import StepFunctionResponse

    original_describe = StepFunctionResponse.describe_execution
    original_list = StepFunctionResponse.list_executions

    def describe_execution(self: Any) -> Any:
        result = original_describe(self)
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        result.result.update(redrive_fields(execution))
        return result

    def list_executions(self: Any) -> Any:
        result = original_list(self)
        backend = self.stepfunction_backend
        wanted = self._get_param("redriveFilter")
        kept = []
        for item in result.result.get("executions", []):
            ledger = _ledgers.get(item["executionArn"])
            count = ledger.redrive_count if ledger else 0
            if (wanted == "REDRIVEN" and not count) or (wanted == "NOT_REDRIVEN" and count):
                continue
            item["redriveCount"] = count
            if ledger is not None and ledger.redrive_date is not None:
                item["redriveDate"] = ledger.redrive_date
            if item.get("status") in ("FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"):
                execution = backend.describe_execution(item["executionArn"])
                if execution.stop_date is not None:
                    item["stopDate"] = execution.stop_date
            kept.append(item)
        result.result["executions"] = kept
        return result

    StepFunctionResponse.describe_execution = describe_execution
    StepFunctionResponse.list_executions = list_executions
