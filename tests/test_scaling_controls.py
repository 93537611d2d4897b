"""Sliders for the Auto Scaling model: CPU target and Spot share, redrawn from the simulator."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from workshop_lib.display import usd
from workshop_lib.scaling import scaling_controls, simulate_auto_scaling, traffic_with_spike


def test_the_chart_follows_the_sliders():
    traffic = traffic_with_spike(100, 400, steps=60, spike_start=15)
    panel = scaling_controls(traffic, 50, min_size=2, max_size=12, on_demand_base=2)
    assert panel.values == {"target_cpu": 75.0, "spot_percent": 80.0}
    panel.set(target_cpu=50.0, spot_percent=0.0)
    title = panel.snapshot().axes[0].get_title()
    expected = simulate_auto_scaling(
        traffic,
        50,
        min_size=2,
        max_size=12,
        on_demand_base=2,
        target_cpu=50.0,
        spot_share_above_base=0.0,
    )
    assert "CPU target 50%" in title and "0% Spot" in title
    assert usd(expected.total_cost) in title


def test_other_simulator_arguments_pass_through_unchanged():
    traffic = traffic_with_spike(100, 400, steps=60, spike_start=15)
    panel = scaling_controls(traffic, 50, min_size=2, max_size=12, instance_type="c5.large")
    for share in (0.0, 100.0):
        panel.set(spot_percent=share)
        expected = simulate_auto_scaling(
            traffic,
            50,
            min_size=2,
            max_size=12,
            instance_type="c5.large",
            spot_share_above_base=share / 100,
        )
        assert usd(expected.total_cost) in panel.snapshot().axes[0].get_title()
