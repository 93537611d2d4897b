"""A Gantt chart of an execution: one row per step, one bar per attempt.

Where a Lambda REPORT line says the invoke was a cold start, the start of that attempt's bar
is drawn in its own colour for the INIT phase. The figure is a static image, so it survives an
HTML export of the notebook.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..display import theme
from ..graph import StateStatus
from ._step import Attempt, Step

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ._execution import Execution

ROW_LIMIT = 60
_RETRIED_COLOUR = theme.RETRIED  # a failed attempt that was retried: a paler failure colour

Segment = tuple[float, float, str, str]  # left, width, colour, gid


def draw_timeline(execution: Execution) -> Figure:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    steps = execution.all_steps()
    shown = steps[:ROW_LIMIT]
    origin = execution.start or (execution.events[0].timestamp if execution.events else None)
    finish = execution.stop or (execution.events[-1].timestamp if execution.events else None)
    figure, ax = plt.subplots(figsize=(10, 0.36 * max(len(shown), 1) + 1.7))
    plt.close(figure)  # shown once, as the returned value, never by pyplot
    if origin is None or finish is None or not shown:
        ax.text(0.5, 0.5, "No state has run yet.", ha="center", va="center")
        ax.set_axis_off()
        return figure
    total = max((finish - origin).total_seconds(), 1e-3)
    thinnest = total * 0.004  # a 1 ms bar on a 10 s axis would be invisible
    for row, step in enumerate(shown):
        for left, width, colour, gid in segments(step, origin, finish):
            bars = ax.barh(
                row,
                max(width, thinnest),
                left=left,
                height=0.62,
                color=colour,
                edgecolor="white" if gid != "container" else colour,
                linewidth=0.6,
                alpha=0.35 if gid == "container" else 1.0,
                hatch="///" if gid == "init" else None,
            )
            bars.patches[0].set_gid(gid)
    labels = [_label(step) for step in shown]
    ax.set_yticks(range(len(shown)), labels=labels, fontsize=9, ha="left")
    # Left-aligned labels keep the indentation of nested steps visible.
    ax.tick_params(axis="y", pad=5.6 * max(len(label) for label in labels) + 4, length=0)
    ax.invert_yaxis()
    ax.set_xlim(0, total * 1.02)
    ax.set_xlabel("seconds since the execution started")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    title = f"{execution.name}: {execution.status}"
    if len(steps) > len(shown):
        title += f" (first {len(shown)} of {len(steps)} steps)"
    ax.set_title(title, fontsize=11, loc="left")
    legend = [
        Patch(color=theme.STATUS_COLOURS["SUCCEEDED"], label="succeeded"),
        Patch(color=theme.STATUS_COLOURS["FAILED"], label="failed"),
        Patch(color=_RETRIED_COLOUR, label="failed, then retried"),
        Patch(color=theme.STATUS_COLOURS["CAUGHT"], label="failed, caught"),
        Patch(facecolor=theme.INIT, hatch="///", edgecolor="white", label="cold start (INIT)"),
    ]
    if any(step.status is StateStatus.CANCELLED for step in shown):
        legend.append(Patch(color=theme.STATUS_COLOURS["CANCELLED"], label="cancelled"))
    if any(step.status is StateStatus.IN_PROGRESS for step in shown):
        legend.append(Patch(color=theme.STATUS_COLOURS["IN_PROGRESS"], label="running"))
    ax.legend(handles=legend, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.tight_layout()
    return figure


def segments(step: Step, origin: datetime, finish: datetime) -> list[Segment]:
    """The bars of one row: each attempt of a Task (init split off), else the whole visit."""

    def at(moment: datetime | None) -> float:
        return ((moment or finish) - origin).total_seconds()

    if step.type == "Task" and step.attempts:
        out: list[Segment] = []
        for attempt in step.attempts:
            left, right = at(attempt.started), at(attempt.ended)
            colour = _attempt_colour(step, attempt)
            report = attempt.report
            if report is not None and report.init_duration_ms:
                init = min(report.init_duration_ms / 1000.0, max(right - left, 0.0))
                out.append((left, init, theme.INIT, "init"))
                left += init
            out.append((left, max(right - left, 0.0), colour, "attempt"))
        return out
    gid = "container" if step.type in ("Map", "Parallel") else "state"
    left, right = at(step.entered), at(step.ended)
    return [(left, max(right - left, 0.0), theme.STATUS_COLOURS[step.status.value], gid)]


def _attempt_colour(step: Step, attempt: Attempt) -> str:
    if attempt.status in ("FAILED", "TIMED_OUT"):
        if attempt is not step.attempts[-1]:
            return _RETRIED_COLOUR
        return theme.STATUS_COLOURS[
            step.status.value if step.status is StateStatus.CAUGHT else "FAILED"
        ]
    return theme.STATUS_COLOURS.get(attempt.status, theme.STATUS_COLOURS["IN_PROGRESS"])


def _label(step: Step) -> str:
    if step.parent is None:
        return step.name
    return "   " * step.depth + f"↳ {step.parent.label} › {step.name}"
