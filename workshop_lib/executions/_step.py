"""What one state did in an execution: a `Step`, its attempts, and its branches or iterations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..asl import parse_json
from ..display import Displayable
from ..graph import StateStatus
from ..lambda_report import LambdaReport
from ._errors import StepNotFoundError
from ._events import HistoryEvent, function_name_from


@dataclass(eq=False)
class Attempt:
    """One try at a Task (or at a whole Parallel or Map): the first run, or a retry."""

    number: int
    """1 for the first try, 2 for the first retry, and so on."""
    started: datetime
    ended: datetime | None = None
    status: str = "RUNNING"
    """RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED."""
    error: str | None = None
    cause: str | None = None
    retry_interval: float | None = None
    """Seconds the Retry policy asked to wait before this attempt (None for the first try)."""
    jitter: bool = False
    observed_gap: float | None = None
    """Seconds that really passed between the previous attempt's end and this one's start."""
    request_id: str | None = None
    """The Lambda request id, from the history or, after `Execution.logs()`, from the logs."""
    report: LambdaReport | None = None
    """The Lambda REPORT line of this attempt, once `Execution.logs()` has found it."""
    running_since: datetime | None = None
    events: list[HistoryEvent] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        """Seconds from scheduling to the outcome (None while it runs)."""
        return None if self.ended is None else (self.ended - self.started).total_seconds()

    @property
    def is_retry(self) -> bool:
        return self.number > 1

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def throttled(self) -> bool:
        """Lambda refused the invoke (too many at once): no code ran, so no log, no bill."""
        error, cause = self.error or "", self.cause or ""
        return (
            "TooManyRequests" in error
            or "TooManyRequestsException" in cause
            or cause.startswith("Rate Exceeded")
        )

    def __repr__(self) -> str:
        what = self.status + (f" {self.error}" if self.error else "")
        return f"<Attempt {self.number}: {what}>"


@dataclass(eq=False)
class Step(Displayable):
    """One state's visit: entered, maybe retried, then exited, failed, caught or cut short.

    A state visited twice (a loop, or once per Map iteration) gives two Steps.
    """

    name: str
    type: str
    entered: datetime
    state_definition: Mapping[str, Any] = field(default_factory=dict)
    parent: Branch | None = None
    input: Any = None
    output: Any = None
    exited: datetime | None = None
    ended: datetime | None = None
    """When the step stopped: its exit, its final failure, or the moment it was cut short."""
    status: StateStatus = StateStatus.IN_PROGRESS
    error: str | None = None
    cause: str | None = None
    caught_by: str | None = None
    """The state a Catch rule sent the execution to, when the error was caught."""
    parameters: Any = None
    resource: str | None = None
    item_count: int | None = None
    map_run_arn: str | None = None
    """A Distributed Map's Map Run: its items ran as child executions, outside this history."""
    attempts: list[Attempt] = field(default_factory=list)
    all_branches: list[Branch] = field(default_factory=list)
    events: list[HistoryEvent] = field(default_factory=list)
    aborted: bool = False
    redriven: bool = False
    """This run failed and the execution was redriven: a later run of the state replaces it."""
    failed: bool = False

    # -- what a learner reads -------------------------------------------------------------------

    @property
    def duration(self) -> float | None:
        """Seconds from entering the state until it ended (None while it runs)."""
        return None if self.ended is None else (self.ended - self.entered).total_seconds()

    @property
    def retries(self) -> list[Attempt]:
        """The attempts after the first one."""
        return [attempt for attempt in self.attempts if attempt.is_retry]

    @property
    def request_id(self) -> str | None:
        """The Lambda request id of the last attempt (the one whose outcome the step has), when
        known. Never an earlier, failed attempt's: that would name the wrong invoke."""
        return self.attempts[-1].request_id if self.attempts else None

    @property
    def assigned_variables(self) -> dict[str, Any] | None:
        """The variables the state assigned (its `Assign`), as AWS records them when the state
        exits; None when it assigned none."""
        for event in reversed(self.events):
            assigned = event.details.get("assignedVariables") if event.details else None
            if event.type.endswith("StateExited") and isinstance(assigned, Mapping):
                return {name: parse_json(text) for name, text in assigned.items()}
        return None

    @property
    def function_name(self) -> str | None:
        """The Lambda function a Task calls, read from its resource or its parameters."""
        if self.type != "Task":
            return None
        resource, declared = self.resource or "", str(self.state_definition.get("Resource") or "")
        for reference in (resource, declared):
            if ":function:" in reference:  # the function's ARN is the resource itself
                return function_name_from(reference)
        if resource.startswith("lambda:invoke") or ":states:::lambda:invoke" in declared:
            for source in (
                self.parameters,
                self.state_definition.get("Parameters"),
                self.state_definition.get("Arguments"),  # a JSONata state's
            ):
                if isinstance(source, Mapping) and isinstance(source.get("FunctionName"), str):
                    found = function_name_from(source["FunctionName"])
                    if found:
                        return found
        return None

    @property
    def branches(self) -> list[Branch]:
        """A Parallel state's branches (from its last attempt), in definition order."""
        return self._latest("branch")

    @property
    def iterations(self) -> list[Branch]:
        """A Map state's iterations (from its last attempt), by item index."""
        return self._latest("iteration")

    @property
    def depth(self) -> int:
        depth, parent = 0, self.parent
        while parent is not None:
            depth, parent = depth + 1, parent.owner.parent
        return depth

    @property
    def path(self) -> str:
        """Where the step ran: `Outer › #3 › Inner` for a state inside Map iteration 3."""
        parts = [self.name]
        parent = self.parent
        while parent is not None:
            parts[:0] = [parent.owner.name, parent.label]
            parent = parent.owner.parent
        return " › ".join(parts)

    def iteration(self, index: int) -> Branch:
        """Map iteration `index` (the last run of it, if the Map was retried)."""
        for candidate in reversed(self.all_branches):
            if candidate.kind == "iteration" and candidate.index == index:
                return candidate
        raise StepNotFoundError(
            f"{self.name!r} has no iteration {index}.",
            hint=f"It ran {len(self.iterations)} iteration(s); indexes start at 0.",
        )

    def walk(self) -> Iterator[Step]:
        """This step, then every step nested inside it, depth first."""
        yield self
        for branch in self.all_branches:
            for step in branch.steps:
                yield from step.walk()

    # -- filled while reading the history ------------------------------------------------------

    def _latest(self, kind: str) -> list[Branch]:
        chosen = [b for b in self.all_branches if b.kind == kind]
        if not chosen:
            return []
        last = max(b.attempt for b in chosen)
        return sorted((b for b in chosen if b.attempt == last), key=lambda b: b.index)

    @property
    def open(self) -> bool:
        return self.exited is None and not self.aborted

    def _html(self) -> str:
        from ._html import step_html

        return step_html(self)

    def __repr__(self) -> str:
        took = f", {self.duration:.3f} s" if self.duration is not None else ""
        retried = f", {len(self.retries)} retries" if self.retries else ""
        return f"<Step {self.path!r} ({self.type}): {self.status.value}{took}{retried}>"


@dataclass(eq=False)
class Branch(Displayable):
    """One Parallel branch or one Map iteration: the steps that ran inside it."""

    kind: str
    """`branch` (Parallel) or `iteration` (Map)."""
    index: int
    owner: Step
    attempt: int = 1
    steps: list[Step] = field(default_factory=list)
    status: StateStatus = StateStatus.IN_PROGRESS
    outcome: str | None = None
    """SUCCEEDED, FAILED or ABORTED when the history says so (Map iterations only)."""
    started: datetime | None = None
    ended: datetime | None = None

    @property
    def label(self) -> str:
        return f"#{self.index}" if self.kind == "iteration" else f"branch {self.index}"

    def step(self, name: str) -> Step:
        """The step named `name` in this branch (the last visit if it ran more than once)."""
        for candidate in reversed(list(self.walk())):
            if candidate.name == name:
                return candidate
        names = ", ".join(dict.fromkeys(s.name for s in self.walk())) or "none"
        raise StepNotFoundError(
            f"No state named {name!r} ran in {self.owner.name} {self.label}.",
            hint=f"States that ran there: {names}.",
        )

    def walk(self) -> Iterator[Step]:
        for step in self.steps:
            yield from step.walk()

    def _html(self) -> str:
        from ._html import branch_html

        return branch_html(self)

    def __repr__(self) -> str:
        return (
            f"<{self.kind.title()} {self.label} of {self.owner.name!r}: {self.status.value}, "
            f"{len(self.steps)} steps>"
        )
