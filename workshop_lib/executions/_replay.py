"""Rebuilding what each state did from an execution's history events.

Parallel branches and Map iterations run at the same time, so their events interleave. Each
event names the event before it in its own thread (`previousEventId`), so an event is placed
where that earlier event was placed: in the same step, or in a branch or iteration it opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import asl
from ..asl import parse_json
from ..graph import StateStatus
from ._events import (
    ATTEMPT_FAILED,
    ATTEMPT_RUNNING,
    ATTEMPT_SCHEDULED,
    ATTEMPT_SUCCEEDED,
    EXECUTION_ENDINGS,
    TIMED_OUT,
    HistoryEvent,
)
from ._step import Attempt, Branch, Step

_Place = tuple[Branch | None, Step | None]
_ITERATION_OUTCOMES = {
    "MapIterationSucceeded": "SUCCEEDED",
    "MapIterationFailed": "FAILED",
    "MapIterationAborted": "ABORTED",
}


@dataclass
class Replay:
    """The steps rebuilt from a history, and what the history says about the execution."""

    steps: list[Step]
    placement: dict[int, Step | None]
    """Event id -> the step it belongs to (None for events about the whole execution)."""
    status: str | None = None
    input: Any = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    started: datetime | None = None
    stopped: datetime | None = None
    notes: list[str] = field(default_factory=list)

    def walk(self) -> Iterable[Step]:
        for step in self.steps:
            yield from step.walk()


def replay(events: Iterable[HistoryEvent], definition: Mapping[str, Any] | None) -> Replay:
    """The steps of an execution, from its history and (optionally) its definition."""
    replayer = _Replayer(definition or {})
    for event in sorted(events, key=lambda e: e.id):
        replayer.feed(event)
    return replayer.finish()


class _Replayer:
    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.definition = definition
        self.result = Replay(steps=[], placement={})
        self.order: list[Step] = []
        self.places: dict[int, _Place] = {}
        self.by_id: dict[int, HistoryEvent] = {}
        self.retry_counts: dict[Step, dict[int, int]] = {}

    # -- placing events ------------------------------------------------------------------------

    def feed(self, event: HistoryEvent) -> None:
        self.by_id[event.id] = event
        scope, step = self.places.get(event.previous_id, (None, None))
        kind = event.type
        if kind.endswith("StateEntered"):
            place = self._enter(event, scope, step)
        elif kind.endswith("StateExited"):
            place = self._exit(event, scope, step)
        elif kind.startswith("MapIteration"):
            place = self._iteration_event(event, scope, step)
        elif kind.startswith(("MapState", "MapRun", "ParallelState")):
            place = self._container_event(event, scope, step)
        elif kind.startswith("Execution"):
            place = self._execution_event(event, step)
        else:
            place = self._step_event(event, scope, step)
        self.places[event.id] = place
        scope, step = place  # an iteration's first event belongs to its Map
        self.result.placement[event.id] = step or (scope.owner if scope is not None else None)

    def _enter(self, event: HistoryEvent, scope: Branch | None, step: Step | None) -> _Place:
        name = event.state_name or "?"
        if step is not None and step.open and not step.failed:
            # The first state of a branch, or of an iteration whose start was not recorded.
            if step.type == "Parallel":
                scope = self._open_branch(step, name, event)
            elif step.type == "Map":
                scope = self._open_iteration(step, event)
        spec = _states_of(self.definition, scope).get(name) or {}
        new = Step(
            name=name,
            type=str(spec.get("Type") or event.type.removesuffix("StateEntered")),
            entered=event.timestamp,
            state_definition=spec,
            parent=scope,
            input=parse_json(event.details.get("input")),
            events=[event],
        )
        if new.type == "Fail":
            new.failed, new.ended = True, event.timestamp
            new.error, new.cause = spec.get("Error"), spec.get("Cause")
        (scope.steps if scope is not None else self.result.steps).append(new)
        self.order.append(new)
        return scope, new

    def _open_branch(self, parallel: Step, first_state: str, event: HistoryEvent) -> Branch:
        attempt = len(parallel.attempts) or 1
        taken = {b.index for b in parallel.all_branches if b.attempt == attempt}
        declared = parallel.state_definition.get("Branches") or []
        index = next(
            (
                i
                for i, flow in enumerate(declared)
                if isinstance(flow, Mapping)
                and flow.get("StartAt") == first_state
                and i not in taken
            ),
            max(taken, default=-1) + 1,
        )
        branch = Branch("branch", index, parallel, attempt=attempt, started=event.timestamp)
        parallel.all_branches.append(branch)
        return branch

    def _open_iteration(
        self, map_step: Step, event: HistoryEvent, index: int | None = None
    ) -> Branch:
        attempt = len(map_step.attempts) or 1
        if index is None:
            index = sum(1 for b in map_step.all_branches if b.attempt == attempt)
        iteration = Branch("iteration", index, map_step, attempt=attempt, started=event.timestamp)
        map_step.all_branches.append(iteration)
        return iteration

    def _exit(self, event: HistoryEvent, scope: Branch | None, step: Step | None) -> _Place:
        target = self._nearest(scope, step, name=event.state_name)
        if target is None:
            return scope, step
        target.events.append(event)
        target.exited = target.ended = event.timestamp
        target.output = parse_json(event.details.get("output"))
        if target.failed:
            target.caught_by = asl.catch_target(
                target.state_definition.get("Catch") or [], target.error
            )
        return target.parent, target

    def _iteration_event(
        self, event: HistoryEvent, scope: Branch | None, step: Step | None
    ) -> _Place:
        map_step = self._nearest(scope, step, kind="Map", name=event.state_name)
        if map_step is None:
            return scope, step
        map_step.events.append(event)
        index = int(event.details.get("index", 0))
        if event.type == "MapIterationStarted":
            return self._open_iteration(map_step, event, index), None
        for iteration in reversed(map_step.all_branches):
            if iteration.kind == "iteration" and iteration.index == index:
                iteration.outcome = _ITERATION_OUTCOMES.get(event.type, iteration.outcome)
                iteration.ended = event.timestamp
                break
        return map_step.parent, map_step

    def _container_event(
        self, event: HistoryEvent, scope: Branch | None, step: Step | None
    ) -> _Place:
        kind = event.type
        container = self._nearest(scope, step, kind="Map" if kind.startswith("Map") else "Parallel")
        if container is None:
            return scope, step
        container.events.append(event)
        if kind in ("MapStateStarted", "ParallelStateStarted"):
            self._begin_attempt(container, event)
            if "length" in event.details:
                container.item_count = int(event.details["length"])
        elif kind == "MapRunStarted":
            container.map_run_arn = event.details.get("mapRunArn")
        elif kind in ("MapStateSucceeded", "ParallelStateSucceeded", "MapRunSucceeded"):
            self._end_attempt(container, event, "SUCCEEDED")
        elif kind in ("MapStateFailed", "ParallelStateFailed", "MapRunFailed"):
            self._end_attempt(container, event, "FAILED")
        elif kind in ("MapStateAborted", "ParallelStateAborted", "MapRunAborted"):
            self._abort(container, event)
        return container.parent, container

    def _step_event(self, event: HistoryEvent, scope: Branch | None, step: Step | None) -> _Place:
        target = step
        if target is None and event.details.get("state"):
            target = self._nearest(scope, None, name=str(event.details["state"]))
        if target is None:
            target = next((s for s in reversed(self.order) if s.open), None)
        if target is None:
            return scope, step
        target.events.append(event)
        kind = event.type
        if kind in ATTEMPT_SCHEDULED:
            self._begin_attempt(target, event)
            details = event.details
            sent = details.get("parameters", details.get("input"))
            target.parameters = parse_json(sent)
            if details.get("resourceType"):
                target.resource = f"{details['resourceType']}:{details.get('resource', '')}"
            elif details.get("resource"):
                target.resource = str(details["resource"])
        elif kind in ATTEMPT_RUNNING:
            attempt = target.attempts[-1] if target.attempts else self._begin_attempt(target, event)
            attempt.events.append(event)
            if attempt.running_since is None and kind != "TaskSubmitted":
                attempt.running_since = event.timestamp
        elif kind in ATTEMPT_SUCCEEDED:
            self._end_attempt(target, event, "SUCCEEDED")
        elif kind in ATTEMPT_FAILED:
            self._end_attempt(target, event, "TIMED_OUT" if kind in TIMED_OUT else "FAILED")
        elif kind.endswith("StateAborted"):
            self._abort(target, event)
        elif kind == "EvaluationFailed":
            target.failed, target.ended = True, event.timestamp
            target.error, target.cause = event.error, event.cause
        return target.parent, target

    def _execution_event(self, event: HistoryEvent, step: Step | None) -> _Place:
        result, kind = self.result, event.type
        if kind == "ExecutionStarted":
            result.input = parse_json(event.details.get("input"))
            result.started = event.timestamp
        elif kind in EXECUTION_ENDINGS:
            result.status, result.stopped = EXECUTION_ENDINGS[kind], event.timestamp
            result.output = parse_json(event.details.get("output"))
            result.error, result.cause = event.error, event.cause
            if kind == "ExecutionFailed":
                self._blame(step, event)
        elif kind == "ExecutionRedriven":
            # Running again: the earlier ending no longer holds until a new one comes (left
            # FAILED, a watch() right after the redrive returned at once, showing the old failure).
            result.status = result.stopped = result.output = result.error = result.cause = None
            result.notes.append("This execution was redriven: it restarted from its failed state.")
            # Every run that never exited (failed, or cut short) is one the redrive runs again.
            for earlier in self.order:
                if earlier.exited is None:
                    earlier.redriven = True
        return None, None

    def _blame(self, step: Step | None, event: HistoryEvent) -> None:
        """Mark the state the execution failed in, when no earlier event already did."""
        if step is None:
            if any(s.failed for s in self.order):
                return
            step = next((s for s in reversed(self.order) if s.open), None)
        if step is None or step.exited is not None:
            return
        step.failed, step.ended = True, step.ended or event.timestamp
        if event.error:
            step.error, step.cause = event.error, event.cause

    # -- attempts ------------------------------------------------------------------------------

    def _begin_attempt(self, step: Step, event: HistoryEvent) -> Attempt:
        previous = step.attempts[-1] if step.attempts else None
        attempt = Attempt(number=len(step.attempts) + 1, started=event.timestamp, events=[event])
        if previous is not None:
            if previous.ended is not None:
                attempt.observed_gap = (event.timestamp - previous.ended).total_seconds()
            counts = self.retry_counts.setdefault(step, {})
            wait = asl.retry_wait(step.state_definition.get("Retry") or [], previous.error, counts)
            if wait is not None:
                attempt.retry_interval, attempt.jitter = wait.seconds, wait.jitter
                counts[wait.rule_index] = counts.get(wait.rule_index, 0) + 1
        step.attempts.append(attempt)
        step.failed, step.error, step.cause, step.ended = False, None, None, None
        return attempt

    def _end_attempt(self, step: Step, event: HistoryEvent, status: str) -> None:
        attempt = step.attempts[-1] if step.attempts else None
        if attempt is not None and attempt.ended is not None and attempt.status == status:
            attempt.events.append(event)  # the same outcome told twice (MapRun…, then MapState…)
            return
        if attempt is None or attempt.ended is not None:
            attempt = self._begin_attempt(step, event)
        else:
            attempt.events.append(event)
        attempt.ended, attempt.status = event.timestamp, status
        attempt.request_id = attempt.request_id or _request_id(event)
        if status == "SUCCEEDED":
            return
        attempt.error, attempt.cause = self._error_of(event, step)
        if attempt.error is None:  # e.g. a Fail state inside a branch: its own Error tells why
            inner = [s for s in step.walk() if s is not step and s.failed and s.error]
            if inner:
                attempt.error, attempt.cause = inner[-1].error, inner[-1].cause
        if attempt.error is None and status == "TIMED_OUT":
            attempt.error = "States.Timeout"
        step.failed, step.ended = True, event.timestamp
        step.error, step.cause = attempt.error, attempt.cause

    def _abort(self, step: Step, event: HistoryEvent) -> None:
        step.aborted, step.ended = True, event.timestamp
        if step.attempts and step.attempts[-1].ended is None:
            step.attempts[-1].ended, step.attempts[-1].status = event.timestamp, "ABORTED"

    def _error_of(self, event: HistoryEvent, step: Step) -> tuple[str | None, str | None]:
        """The error an event reports, or the one just before it inside the same step
        (Parallel and Map failures carry none of their own: the failing branch tells why)."""
        current: HistoryEvent | None = event
        while current is not None:
            if current is not event and not _inside(self.result.placement.get(current.id), step):
                break
            if current.error:
                return current.error, current.cause
            current = self.by_id.get(current.previous_id)
        return None, None

    # -- finding steps -------------------------------------------------------------------------

    def _nearest(
        self,
        scope: Branch | None,
        step: Step | None,
        *,
        kind: str | None = None,
        name: str | None = None,
    ) -> Step | None:
        """The closest open step (this one, then its enclosing ones) of a type and/or name."""

        def fits(candidate: Step) -> bool:
            return (
                candidate.open
                and (kind is None or candidate.type == kind)
                and (name is None or candidate.name == name)
            )

        lineage: list[Step] = [step] if step is not None else []
        while scope is not None:
            lineage.append(scope.owner)
            scope = scope.owner.parent
        for candidate in lineage:
            if fits(candidate):
                return candidate
        return next((s for s in reversed(self.order) if fits(s)), None)

    # -- settling statuses ---------------------------------------------------------------------

    def finish(self) -> Replay:
        result = self.result
        running = result.status is None
        for step in result.steps:
            self._settle(step, closed=not running, end=result.stopped)
        return result

    def _settle(self, step: Step, *, closed: bool, end: datetime | None) -> None:
        step.status = self._status(step, closed=closed)
        if step.status is StateStatus.CANCELLED and step.ended is None:
            step.ended = end or (step.events[-1].timestamp if step.events else None)
            if step.attempts and step.attempts[-1].ended is None:
                step.attempts[-1].ended, step.attempts[-1].status = step.ended, "ABORTED"
        latest = max((b.attempt for b in step.all_branches), default=0)
        for branch in step.all_branches:
            inner_closed = step.status is not StateStatus.IN_PROGRESS or branch.attempt < latest
            for child in branch.steps:
                self._settle(child, closed=inner_closed, end=step.ended or end)
            branch.status = _branch_status(branch)
            ends = [c.ended for c in branch.steps if c.ended is not None]
            branch.ended = branch.ended or (max(ends) if ends else None)

    def _status(self, step: Step, *, closed: bool) -> StateStatus:
        if step.aborted:
            return StateStatus.CANCELLED
        if step.failed:
            if step.exited is not None:
                return StateStatus.CAUGHT
            if not closed and self._retry_pending(step):
                return StateStatus.IN_PROGRESS
            return StateStatus.FAILED
        if step.exited is not None:
            return StateStatus.SUCCEEDED
        if step.type == "Succeed" and self.result.status == "SUCCEEDED":
            return StateStatus.SUCCEEDED
        return StateStatus.CANCELLED if closed else StateStatus.IN_PROGRESS

    def _retry_pending(self, step: Step) -> bool:
        rules = step.state_definition.get("Retry") or []
        return asl.retry_wait(rules, step.error, self.retry_counts.get(step, {})) is not None


def _inside(candidate: Step | None, container: Step) -> bool:
    """Whether `candidate` is `container` or one of the steps nested in it."""
    while candidate is not None:
        if candidate is container:
            return True
        candidate = candidate.parent.owner if candidate.parent is not None else None
    return False


def _states_of(definition: Mapping[str, Any], scope: Branch | None) -> Mapping[str, Any]:
    """The state definitions visible in a scope: the machine's, a branch's or a Map's."""
    if scope is None:
        states = definition.get("States")
    else:
        spec = scope.owner.state_definition
        if scope.kind == "branch":
            flows = spec.get("Branches") or []
            flow = flows[scope.index] if scope.index < len(flows) else {}
        else:
            flow = spec.get("ItemProcessor") or spec.get("Iterator") or {}
        states = flow.get("States") if isinstance(flow, Mapping) else None
    return states if isinstance(states, Mapping) else {}


def _branch_status(branch: Branch) -> StateStatus:
    if branch.outcome:
        return {
            "SUCCEEDED": StateStatus.SUCCEEDED,
            "FAILED": StateStatus.FAILED,
            "ABORTED": StateStatus.CANCELLED,
        }[branch.outcome]
    statuses = {step.status for step in branch.steps}
    for status in (StateStatus.FAILED, StateStatus.IN_PROGRESS, StateStatus.CANCELLED):
        if status in statuses:
            return status
    return StateStatus.SUCCEEDED if statuses else StateStatus.IN_PROGRESS


def _request_id(event: HistoryEvent) -> str | None:
    """The Lambda request id an outcome event carries: in an error's cause, or in the
    response metadata of a `lambda:invoke` result."""
    for key in ("cause", "output"):
        document = parse_json(event.details.get(key))
        if not isinstance(document, Mapping):
            continue
        if isinstance(document.get("requestId"), str):
            return document["requestId"]
        metadata = document.get("SdkResponseMetadata")
        if isinstance(metadata, Mapping) and isinstance(metadata.get("RequestId"), str):
            return metadata["RequestId"]
    return None
