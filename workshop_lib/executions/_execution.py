"""`Execution`: one run of a state machine, read back and shown in a notebook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..asl import parse_json
from ..display import Displayable, protected
from ..graph import GraphError, StateMachineGraph, StateOverlay
from . import _history
from ._arns import ExecutionArn
from ._errors import StepNotFoundError
from ._event_table import EventTable
from ._events import HistoryEvent, to_utc
from ._replay import Replay, replay
from ._step import Step

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ._logs import ExecutionLogs

_FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class Execution(Displayable):
    """One execution of a state machine: its status, steps, events and logs.

    Get one with `Execution.from_arn(arn)` (or `run(...)`, which starts one). As the last line
    of a notebook cell it shows a summary, the diagram coloured by what happened, and
    collapsible tables of steps and events.
    """

    def __init__(
        self,
        events: Iterable[HistoryEvent | Mapping[str, Any]],
        *,
        arn: str | None = None,
        definition: Mapping[str, Any] | None = None,
        description: Mapping[str, Any] | None = None,
        express_log_group: str | None = None,
    ) -> None:
        self.arn = arn or (description or {}).get("executionArn")
        self._description: dict[str, Any] = dict(description or {})
        self._definition = dict(definition) if definition is not None else None
        self._express_log_group = express_log_group
        self._logs: ExecutionLogs | None = None
        self._shown_live_in: int | None = None
        self._load(events)

    # -- getting one ---------------------------------------------------------------------------

    @classmethod
    def from_arn(cls, execution_arn: str) -> Execution:
        """Read an execution (running or finished) from Step Functions."""
        description = _history.describe(execution_arn)
        events = _history.fetch_events(execution_arn)
        definition = _history.fetch_definition(execution_arn, description.get("stateMachineArn"))
        return cls(events, arn=execution_arn, definition=definition, description=description)

    @classmethod
    def from_history(
        cls,
        events: Iterable[HistoryEvent | Mapping[str, Any]],
        *,
        definition: Mapping[str, Any] | str | None = None,
        arn: str | None = None,
    ) -> Execution:
        """An execution rebuilt from history events you already have (API-shaped dicts)."""
        if isinstance(definition, str):
            definition = parse_json(definition)
        return cls(
            events, arn=arn, definition=definition if isinstance(definition, Mapping) else None
        )

    @classmethod
    def from_express_logs(
        cls,
        log_group: str | None,
        execution_arn: str,
        *,
        definition: Mapping[str, Any] | None = None,
        description: Mapping[str, Any] | None = None,
        wait_s: float = 0.0,
    ) -> Execution:
        """An Express execution, rebuilt from the log records its state machine wrote.

        Express workflows keep no history in Step Functions; with LoggingConfiguration level
        ALL, every event goes to CloudWatch Logs instead, and that is read here. `log_group`
        None reads the group the state machine's LoggingConfiguration names. `description`:
        what StartSyncExecution answered, if you have it (AWS's own status, times, input and
        output; its times narrow the search). `wait_s`: how long to wait for the last record.
        """
        parsed = ExecutionArn.parse(execution_arn)
        given = dict(description or {})
        group = log_group or _history.express_log_group(parsed.state_machine_arn)
        events = _history.read_express_events(
            group,
            execution_arn,
            since=to_utc(given["startDate"]) if given.get("startDate") else None,
            until=to_utc(given["stopDate"]) if given.get("stopDate") else None,
            wait_s=wait_s,
        )
        if definition is None:
            definition = _history.fetch_definition(None, parsed.state_machine_arn)
        return cls(
            events,
            definition=definition,
            description={
                "executionArn": execution_arn,
                "stateMachineArn": parsed.state_machine_arn,
                "name": parsed.name,
                **given,
            },
            express_log_group=group,
        )

    @property
    def log_group(self) -> str | None:
        """The CloudWatch Logs group an Express execution was read from (None for Standard)."""
        return self._express_log_group

    def refresh(self) -> Execution:
        """Read the execution again (for one still running). Returns itself."""
        if self.arn is None:
            return self
        if self._express_log_group is not None:
            self._load(_history.read_express_events(self._express_log_group, self.arn))
        else:
            self._description = _history.describe(self.arn)
            self._load(_history.fetch_events(self.arn))
        self._logs = None
        return self

    def _load(self, events: Iterable[HistoryEvent | Mapping[str, Any]]) -> None:
        self.events: list[HistoryEvent] = sorted(
            (e if isinstance(e, HistoryEvent) else HistoryEvent.from_api(e) for e in events),
            key=lambda e: e.id,
        )
        self._replay: Replay = replay(self.events, self._definition)

    # -- what happened -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        if self._description.get("name"):
            return str(self._description["name"])
        if not self.arn:
            return "(unnamed execution)"
        parsed = ExecutionArn.read(self.arn)
        return parsed.name if parsed else self.arn

    @property
    def state_machine_arn(self) -> str | None:
        found = self._description.get("stateMachineArn")
        parsed = ExecutionArn.read(self.arn) if self.arn and not found else None
        return found or (parsed.state_machine_arn if parsed else None)

    @property
    def state_machine_name(self) -> str | None:
        arn = self.state_machine_arn
        return arn.split(":")[6] if arn and len(arn.split(":")) > 6 else None

    @property
    def express(self) -> bool:
        return self._express_log_group is not None

    @property
    def status(self) -> str:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED."""
        if self._replay.status:
            return self._replay.status
        described = self._description.get("status")
        return str(described) if described else "RUNNING"

    @property
    def finished(self) -> bool:
        return self.status in _FINISHED

    @property
    def input(self) -> Any:
        """The execution's input, decoded from JSON."""
        if "input" in self._description:
            return parse_json(self._description["input"])
        return self._replay.input

    @property
    def output(self) -> Any:
        """The execution's output, decoded from JSON (None unless it succeeded)."""
        if self._description.get("output") is not None:
            return parse_json(self._description["output"])
        return self._replay.output

    @property
    def error(self) -> str | None:
        return self._description.get("error") or self._replay.error

    @property
    def cause(self) -> str | None:
        return self._description.get("cause") or self._replay.cause

    @property
    def start(self) -> datetime | None:
        # The history's own ExecutionStarted event first: elapsed times are measured on the
        # history's clock (on AWS it equals startDate; the local cloud stamps it a little later).
        if self._replay.started:
            return self._replay.started
        if self.events:
            return self.events[0].timestamp
        if self._description.get("startDate"):
            return to_utc(self._description["startDate"])
        return None

    @property
    def stop(self) -> datetime | None:
        if self._description.get("stopDate"):
            return to_utc(self._description["stopDate"])
        return self._replay.stopped

    @property
    def duration(self) -> float | None:
        """Seconds from start to stop (None while it runs; see `elapsed`)."""
        if self.start is None or self.stop is None:
            return None
        return (self.stop - self.start).total_seconds()

    @property
    def elapsed(self) -> float | None:
        """Seconds since the start: the duration once finished, the time so far while running."""
        if self.start is None:
            return None
        end = self.stop or (self.events[-1].timestamp if self.finished and self.events else None)
        return ((end or datetime.now(UTC)) - self.start).total_seconds()

    @property
    def definition(self) -> dict[str, Any] | None:
        """The Amazon States Language definition this execution ran."""
        return self._definition

    @property
    def steps(self) -> list[Step]:
        """The top-level steps, in the order they started (nested ones are inside them)."""
        return self._replay.steps

    @property
    def notes(self) -> list[str]:
        return list(self._replay.notes)

    def all_steps(self) -> list[Step]:
        """Every step, nested ones included, depth first."""
        return list(self._replay.walk())

    def step(self, name: str) -> Step:
        """The step of the state called `name` (its last visit; top-level steps first)."""
        for candidate in reversed(self.steps):
            if candidate.name == name:
                return candidate
        nested = self.steps_named(name)
        if nested:
            return nested[-1]
        ran = ", ".join(dict.fromkeys(step.name for step in self.all_steps())) or "none yet"
        raise StepNotFoundError(
            f"No state named {name!r} ran in execution {self.name}.",
            hint=f"Names are case-sensitive. States that ran: {ran}.",
        )

    def steps_named(self, name: str) -> list[Step]:
        """Every visit of the state `name`, nested ones included."""
        return [step for step in self.all_steps() if step.name == name]

    def step_of(self, event: HistoryEvent) -> Step | None:
        """The step an event belongs to (None for events about the whole execution)."""
        return self._replay.placement.get(event.id)

    @property
    def overlay(self) -> dict[str, StateOverlay]:
        """State name -> status, retries and note, for colouring the diagram."""
        from ._overlay import overlay_from_steps

        return overlay_from_steps(self.steps)

    @property
    def graph(self) -> StateMachineGraph | None:
        """The state machine's diagram coloured by this execution (None without a definition)."""
        if self._definition is None:
            return None
        try:
            graph = StateMachineGraph(self._definition, title=self.state_machine_name)
            return graph.with_overlay(self.overlay)
        except GraphError:
            return None

    # -- tables, logs, timeline ----------------------------------------------------------------

    def events_frame(self) -> EventTable:
        """The events as rows (dicts): id, type, state, resource, elapsed_seconds, timestamp.

        A list that shows itself as a table in a notebook (`pandas.DataFrame(rows)` works too).
        """
        origin = self.start
        rows = EventTable()
        for event in self.events:
            step = self.step_of(event)
            rows.append(
                {
                    "id": event.id,
                    "type": event.type,
                    "state": step.name if step is not None else "",
                    "resource": _resource_label(step),
                    "elapsed_seconds": event.elapsed_seconds(origin) if origin else None,
                    "timestamp": event.timestamp,
                }
            )
        return rows

    def logs(self, state: str | None = None, *, refresh: bool = False) -> ExecutionLogs:
        """The Lambda log lines of each Task step (only those of `state` if given)."""
        from ._logs import ExecutionLogs, collect_logs

        if self._logs is None or refresh:
            tasks = [step for step in self.all_steps() if step.type == "Task"]
            collected = collect_logs(tasks, now=datetime.now(UTC))
            if not self.finished:
                return collected if state is None else collected.for_state(state)
            self._logs = collected
        chosen = self._logs if state is None else self._logs.for_state(state)
        return ExecutionLogs(chosen)

    def timeline(self, *, with_logs: bool = True) -> Figure:
        """A Gantt chart of the steps; cold starts (from REPORT lines) shown in their own colour."""
        from ._timeline import draw_timeline

        if with_logs:
            self.logs()  # fills each attempt's REPORT, for the INIT split
        return draw_timeline(self)

    def watch(self, interval: float | None = None, *, timeout: float | None = None) -> Execution:
        """Follow the execution until it ends; in a notebook the diagram updates in place."""
        from ._live import follow

        return follow(self, interval=interval, timeout=timeout)

    # -- showing -------------------------------------------------------------------------------

    def report_html(self, *, include_logs: bool = True) -> str:
        """A self-contained HTML page: summary, diagram, steps, events, logs and timeline."""
        from ._report import report_page

        return report_page(self, include_logs=include_logs)

    def save_html(self, path: str | Path, *, include_logs: bool = True) -> Path:
        target = Path(path)
        target.write_text(self.report_html(include_logs=include_logs), encoding="utf-8")
        return target

    def _html(self) -> str:
        from ._html import execution_html

        return execution_html(self)

    @protected
    def _repr_mimebundle_(
        self, include: Sequence[str] | None = None, exclude: Sequence[str] | None = None, **_: Any
    ) -> dict[str, str]:
        from ._live import shown_live_in_this_cell

        if shown_live_in_this_cell(self):
            note = "The live view above shows this execution."
            return {"text/plain": f"{self!r} ({note})", "text/html": f"<small>↑ {note}</small>"}
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}

    def __str__(self) -> str:
        from ._text import execution_text

        return execution_text(self)

    def __repr__(self) -> str:
        took = f", {self.duration:.3f} s" if self.duration is not None else ""
        return f"<Execution {self.name}: {self.status}{took}, {len(self.all_steps())} steps>"


def _resource_label(step: Step | None) -> str:
    if step is None or step.type != "Task":
        return ""
    function = step.function_name
    if function:
        return f"{step.resource}: {function}" if step.resource == "lambda:invoke" else function
    return step.resource or str(step.state_definition.get("Resource") or "")
