"""Sliders for the cost of a workflow: the tuned function's memory, and the monthly volume.

panel = cost_controls(measured.cost, tuning)   # a WorkflowCost and a power tuning run
panel                                          # sliders + chart (live notebooks)
panel.snapshot()                               # the same chart, static (exported pages)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..display import (
    SliderPanel,
    checkbox,
    dollar_ticks,
    new_figure,
    number,
    selection_slider,
    theme,
    usd,
)
from ._errors import CostInputError
from ._power_tuning import PowerTuningResult
from ._tuner import PowerTuningRun
from ._workflow import SERVICES, LambdaInvocation, WorkflowCost

VOLUMES = (1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000)
_COLOURS = theme.SERIES


def workflow_at_memory(
    workflow: WorkflowCost, function: str, memory_mb: int, billed_ms: float
) -> WorkflowCost:
    """The same workflow with every invocation of `function` at another memory size and
    billed duration (for example one a power tuning predicted)."""
    calls = []
    found = False
    for call in workflow.lambdas:
        assert isinstance(call, LambdaInvocation)
        if call.name == function:
            found = True
            call = replace(call, memory_mb=int(memory_mb), billed_ms=billed_ms)
        calls.append(call)
    if not found:
        names = sorted({c.name for c in workflow.lambdas if isinstance(c, LambdaInvocation)})
        raise CostInputError(
            f"The workflow makes no invocation of {function!r}.",
            hint=f"Its functions are: {', '.join(n for n in names if n) or 'unnamed'}.",
        )
    return replace(workflow, lambdas=tuple(calls))


def cost_controls(
    workflow: WorkflowCost,
    tuning: PowerTuningRun | PowerTuningResult | None = None,
    *,
    function: str | None = None,
    volume: float = 1_000_000,
    free_tier: bool = False,
) -> SliderPanel:
    """Sliders for memory (needs a tuning), monthly volume and the free tier; the chart shows
    the tuning curve and the month's cost by service."""
    result = tuning.result if isinstance(tuning, PowerTuningRun) else tuning
    tuned = function or (tuning.function if isinstance(tuning, PowerTuningRun) else None)
    if result is not None and tuned is None:
        raise CostInputError(
            "Which function did the tuning measure?", hint="Pass function='<function name>'."
        )
    controls: dict[str, Any] = {}
    if result is not None:
        best = result.best().memory_mb
        controls["memory_mb"] = selection_slider(
            "memory (MB)", [(str(m), m) for m in result.memory_sizes], best
        )
    closest = min(VOLUMES, key=lambda v: abs(v - volume))
    controls["volume"] = selection_slider(
        "executions a month", [(number(v), v) for v in VOLUMES], closest
    )
    controls["free_tier"] = checkbox("apply the free tier", free_tier)

    def draw(volume: float, free_tier: bool, memory_mb: int | None = None) -> Any:
        current = workflow
        if result is not None and memory_mb is not None and tuned is not None:
            duration = result.durations_ms[result.memory_sizes.index(memory_mb)]
            current = workflow_at_memory(workflow, tuned, memory_mb, duration)
        return _figure(current, result, memory_mb, volume, free_tier)

    title = "What the workflow costs: try other settings"
    if tuned is not None:
        title += f" (memory is {tuned}'s)"
    return SliderPanel(controls, draw, title)


def _figure(
    workflow: WorkflowCost,
    tuning: PowerTuningResult | None,
    memory_mb: int | None,
    volume: float,
    free_tier: bool,
) -> Any:
    rows = 2 if tuning is not None else 1
    figure, axes = new_figure(rows, height=3.0)
    if tuning is not None and memory_mb is not None:
        top = axes[0]
        sizes = [str(m) for m in tuning.memory_sizes]
        top.plot(sizes, tuning.durations_ms, marker="o", color=theme.INDIGO)
        top.set_ylabel("duration (ms)", color=theme.INDIGO)
        right = top.twinx()
        right.plot(sizes, tuning.costs, marker="s", color=theme.ORANGE)
        right.set_ylabel("cost per invoke", color=theme.ORANGE)
        dollar_ticks(right.yaxis)
        top.axvline(str(memory_mb), color="grey", linestyle=":")
        kind = "MODEL" if tuning.is_model else "measured"
        top.set_title(f"Power tuning ({kind}): {memory_mb} MB chosen", fontsize="medium")
        top.set_xlabel("memory (MB)")
    month = workflow.monthly(volume, free_tier)
    bottom = axes[-1]
    costs = [month.by_service[s] for s in SERVICES]
    bottom.barh(list(SERVICES), costs, color=_COLOURS)
    for index, cost in enumerate(costs):
        bottom.annotate(
            usd(cost), (cost, index), xytext=(3, 0), textcoords="offset points", va="center"
        )
    bottom.invert_yaxis()
    bottom.set_xlabel("cost per month")
    dollar_ticks(bottom.xaxis)
    tier = "with" if free_tier else "without"
    bottom.set_title(
        f"{number(volume)} executions a month ({tier} free tier): {usd(month.total)}",
        fontsize="medium",
    )
    bottom.margins(x=0.25)
    figure.tight_layout()
    return figure
