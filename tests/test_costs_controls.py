"""Sliders for workflow costs: memory from a tuning, monthly volume, free tier; static copies."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from workshop_lib.costs import (
    CostInputError,
    LambdaInvocation,
    PowerTuningResult,
    SliderPanel,
    WorkflowCost,
    cost_controls,
    workflow_at_memory,
)
from workshop_lib.display import usd


@pytest.fixture
def workflow() -> WorkflowCost:
    return WorkflowCost(
        lambdas=[LambdaInvocation(1024, 300, name="resize"), LambdaInvocation(128, 5, name="ok")],
        transitions=6,
        s3_tier1_requests=1,
        name="thumbnails",
    )


@pytest.fixture
def tuning() -> PowerTuningResult:
    return PowerTuningResult.from_model(100.0, memory_sizes=(128, 512, 1024, 2048))


def test_only_the_tuned_function_changes_memory_and_duration(workflow):
    changed = workflow_at_memory(workflow, "resize", 512, 600)
    calls = {c.name: (c.memory_mb, c.billed_ms) for c in changed.lambdas}
    assert calls == {"resize": (512, 600), "ok": (128, 5)}
    assert changed.transitions == workflow.transitions
    with pytest.raises(CostInputError, match="no invocation"):
        workflow_at_memory(workflow, "missing", 512, 1)


def test_the_panel_redraws_from_its_values(workflow, tuning):
    panel = cost_controls(workflow, tuning, function="resize")
    assert isinstance(panel, SliderPanel)
    assert panel.values["memory_mb"] == tuning.best().memory_mb
    assert panel.values["volume"] == 1_000_000
    panel.set(memory_mb=128, volume=1_000, free_tier=True)
    figure = panel.snapshot()
    titles = " ".join(ax.get_title() for ax in figure.axes)
    assert "128 MB" in titles
    assert "1,000 executions a month (with free tier)" in titles
    expected = workflow_at_memory(workflow, "resize", 128, tuning.durations_ms[0])
    assert usd(expected.monthly(1_000, free_tier=True).total) in titles


def test_without_a_tuning_only_volume_and_free_tier_are_offered(workflow):
    panel = cost_controls(workflow, volume=12_000)
    assert set(panel.values) == {"volume", "free_tier"}
    assert panel.values["volume"] == 10_000  # the closest step
    assert len(panel.snapshot().axes) == 1


def test_a_tuning_needs_to_name_its_function(workflow, tuning):
    with pytest.raises(CostInputError, match="Which function"):
        cost_controls(workflow, tuning)


def test_the_widget_holds_the_sliders_and_a_chart(workflow, tuning):
    panel = cost_controls(workflow, tuning, function="resize")
    widget = panel.widget
    assert len(widget.children) == 1 + len(panel.controls) + 1  # heading, controls, chart
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    with pytest.raises(KeyError):
        panel.set(speed=3)
