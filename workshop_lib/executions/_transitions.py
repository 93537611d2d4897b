"""Counting the state transitions a Standard execution is billed for, from its events.

The rule (AWS's pricing page, https://aws.amazon.com/step-functions/pricing/): Step Functions
bills a transition each time a step of the workflow runs, and every retry is one more. So:

* every `...StateEntered` event counts once: Task, Pass, Choice, Wait, Succeed, Fail, Map and
  Parallel, including the states inside each Map iteration and Parallel branch;
* every retry of a Task counts once more. A retry is an attempt (`LambdaFunctionScheduled`,
  `TaskScheduled`, `ActivityScheduled`) whose parent event is not the state's own
  `...StateEntered` event but the failure of the attempt before it.

Counting the states inside Map and Parallel once per run is our reading of "each time a step is
executed"; AWS does not list it type by type (marked UNCONFIRMED in the facts file).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._events import ATTEMPT_SCHEDULED, HistoryEvent


@dataclass(frozen=True)
class TransitionCount:
    """States entered plus retries: what a Standard execution is billed for."""

    states_entered: int
    retries: int
    by_state: Mapping[str, int]
    """How many times each state was entered."""
    retries_by_state: Mapping[str, int]

    @property
    def total(self) -> int:
        return self.states_entered + self.retries

    def __str__(self) -> str:
        return f"{self.total} ({self.states_entered} states entered + {self.retries} retries)"


def count_transitions(events: Sequence[HistoryEvent]) -> TransitionCount:
    """Count the billed transitions in an execution's events (see the module's rule)."""
    by_id = {event.id: event for event in events}
    entered: Counter[str] = Counter()
    retries: Counter[str] = Counter()
    attempts = 0
    chained = True
    for event in events:
        if event.type.endswith("StateEntered"):
            entered[event.state_name or "?"] += 1
        elif event.type in ATTEMPT_SCHEDULED:
            attempts += 1
            parent = by_id.get(event.previous_id)
            if parent is None:
                chained = False
            elif not parent.type.endswith("StateEntered"):
                retries[_state_of(event, by_id)] += 1
    if not chained:
        # Without parent links, count attempts beyond one per Task entry.
        tasks = sum(1 for e in events if e.type == "TaskStateEntered")
        retries = Counter({"?": max(0, attempts - tasks)})
    return TransitionCount(
        states_entered=sum(entered.values()),
        retries=sum(retries.values()),
        by_state=dict(entered),
        retries_by_state={k: v for k, v in retries.items() if v},
    )


def _state_of(event: HistoryEvent, by_id: Mapping[int, HistoryEvent]) -> str:
    """The name of the state an event belongs to: follow parents back to a `...StateEntered`."""
    current: HistoryEvent | None = event
    for _ in range(10_000):  # a guard against a malformed, looping history
        if current is None:
            break
        if current.type.endswith("StateEntered"):
            return current.state_name or "?"
        current = by_id.get(current.previous_id)
    return "?"
