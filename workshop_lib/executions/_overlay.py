"""The diagram's colours for one execution: each state's status, retries and a short note.

A state can run many times (in a loop, or once per Map iteration); its colour is the most
telling of its runs: in progress, then failed, cancelled, caught, and succeeded last.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..graph import StateOverlay, StateStatus
from ._step import Step

_PRIORITY = (
    StateStatus.IN_PROGRESS,
    StateStatus.FAILED,
    StateStatus.CANCELLED,
    StateStatus.CAUGHT,
    StateStatus.SUCCEEDED,
)


def overlay_from_steps(steps: Iterable[Step]) -> dict[str, StateOverlay]:
    """State name -> StateOverlay, from every step (nested ones included)."""
    runs: dict[str, list[Step]] = {}
    for top in steps:
        for step in top.walk():
            runs.setdefault(step.name, []).append(step)
    return {name: _combine(visits) for name, visits in runs.items()}


def _combine(visits: list[Step]) -> StateOverlay:
    # A run a redrive replaced no longer tells the state's story: the run after it does.
    current = [step for step in visits if not step.redriven] or visits
    statuses = [step.status for step in current]
    status = next((s for s in _PRIORITY if s in statuses), StateStatus.SUCCEEDED)
    retries = sum(len(step.retries) for step in visits)
    note = _note(current)
    if len(current) < len(visits):
        failure = next(step for step in visits if step.redriven).error or "a failure"
        note = f"redriven after {failure}" + (f"; {note}" if note else "")
    return StateOverlay(status, retries=retries, note=note)


def _note(visits: list[Step]) -> str | None:
    last = visits[-1]
    if last.type == "Map" and last.all_branches:
        iterations = last.iterations
        done = sum(1 for it in iterations if it.status is StateStatus.SUCCEEDED)
        total = max(last.item_count or 0, len(iterations))
        return f"{done}/{total} iterations succeeded"
    if last.type == "Map" and last.map_run_arn:
        items = f"{last.item_count} items" if last.item_count is not None else "its items"
        return f"Distributed: {items} ran as child executions of a Map Run"
    if last.type == "Parallel" and last.all_branches:
        branches = last.branches
        done = sum(1 for b in branches if b.status is StateStatus.SUCCEEDED)
        return f"{done}/{len(branches)} branches succeeded"
    if len(visits) > 1:
        counts = Counter(step.status.value.lower().replace("_", " ") for step in visits)
        summary = ", ".join(f"{n} {label}" for label, n in counts.most_common())
        return f"ran {len(visits)}×: {summary}"
    if last.caught_by:
        return f"{last.error or 'error'} caught → {last.caught_by}"
    if last.status is StateStatus.FAILED and last.error:
        return last.error
    return None
