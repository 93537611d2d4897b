"""Plain-text views, for `print(execution)` and the `workshop inspect` command."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._format import cause_text, clock_text, offset_text, seconds_text

if TYPE_CHECKING:
    from ._execution import Execution
    from ._logs import StepLogs


def execution_text(execution: Execution) -> str:
    took = seconds_text(execution.duration if execution.finished else execution.elapsed)
    lines = [
        f"Execution {execution.name}: {execution.status} ({took})",
        f"  state machine: {execution.state_machine_name or '?'}"
        f"   started: {clock_text(execution.start)}",
    ]
    if execution.error or execution.cause:
        lines.append(f"  error: {execution.error or '?'}")
        for line in cause_text(execution.cause).splitlines()[:12]:
            lines.append(f"    {line}")
    lines.append("")
    lines.append(f"  {'state':<36} {'status':<12} {'started':>11} {'duration':>12}  notes")
    origin = execution.start
    for step in execution.all_steps():
        where = f"{step.parent.label} › " if step.parent is not None else ""
        label = ("  " * step.depth + where + step.name)[:36]
        started = offset_text((step.entered - origin).total_seconds()) if origin else "—"
        notes = []
        if step.retries:
            notes.append(f"{len(step.retries)} retr{'y' if len(step.retries) == 1 else 'ies'}")
        if step.error:
            notes.append(
                step.error + (f" → caught, went to {step.caught_by}" if step.caught_by else "")
            )
        lines.append(
            f"  {label:<36} {step.status.value:<12} {started:>11} "
            f"{seconds_text(step.duration):>12}  {'; '.join(notes)}"
        )
    if not execution.all_steps():
        lines.append("  (no state has started yet)")
    return "\n".join(lines)


def step_logs_text(entry: StepLogs) -> str:
    lines = [f"== {entry.step.path} (Lambda {entry.function_name})"]
    if entry.note:
        lines.append(f"   {entry.note}")
    for attempt, log in entry.attempts:
        if log is None:
            lines.append(f"-- attempt {attempt.number} ({attempt.status}): no log lines found")
            continue
        lines.append(f"-- attempt {attempt.number} ({attempt.status}) request {log.request_id}")
        lines.extend(f"   {line}" for line in log.text.splitlines())
    return "\n".join(lines)


def event_rows_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """The events table as aligned text columns."""
    if not rows:
        return "(no events yet)"
    lines = [f"{'id':>4}  {'type':<28} {'state':<24} {'elapsed':>11}  resource"]
    for row in rows:
        lines.append(
            f"{row['id']:>4}  {row['type']:<28} {row['state'][:24]:<24} "
            f"{offset_text(row['elapsed_seconds']):>11}  {row['resource']}"
        )
    return "\n".join(lines)
