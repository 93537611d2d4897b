"""Sliders for the Auto Scaling model: the CPU target and the Spot share above the base.

panel = scaling_controls(traffic, capacity_per_instance=50, min_size=2, max_size=12)
panel                 # sliders + chart (live notebooks)
panel.snapshot()      # the same chart, static (exported pages)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..display import SliderPanel, float_slider, new_figure, theme, usd
from ._auto_scaling import simulate_auto_scaling


def scaling_controls(
    traffic: Sequence[float],
    capacity_per_instance: float,
    *,
    target_cpu: float = 75.0,
    spot_share_above_base: float = 0.8,
    **simulate: Any,
) -> SliderPanel:
    """Sliders for target utilisation (%) and Spot share above the On-Demand base (%); other
    keyword arguments go to `simulate_auto_scaling` unchanged (e.g. from
    `GroupSettings.simulation_arguments()`)."""
    loads = list(traffic)
    settings = dict(simulate)
    controls = {
        "target_cpu": float_slider("CPU target (%)", target_cpu, 30, 95, 5),
        "spot_percent": float_slider(
            "Spot above base (%)", round(spot_share_above_base * 100), 0, 100, 10
        ),
    }

    def draw(target_cpu: float, spot_percent: float) -> Any:
        result = simulate_auto_scaling(
            loads,
            capacity_per_instance,
            target_cpu=target_cpu,
            spot_share_above_base=spot_percent / 100,
            **settings,
        )
        return _figure(result, target_cpu, spot_percent)

    return SliderPanel(controls, draw, "Auto Scaling with Spot: try other settings")


def _figure(result: Any, target_cpu: float, spot_percent: float) -> Any:
    figure, (load, fleet) = new_figure(2, height=2.6, sharex=True)
    minutes = [s.time_s / 60 for s in result.steps]
    load.plot(minutes, result.series("traffic_rps"), color="black", label="traffic")
    load.plot(minutes, result.series("capacity_rps"), color=theme.INDIGO, label="capacity")
    load.set_ylabel("requests/s")
    load.legend(fontsize="small", loc="upper right")
    load.set_title(
        f"CPU target {target_cpu:g}%, {spot_percent:g}% Spot above the base: "
        f"{usd(result.total_cost)}, {result.total_dropped:,.0f} requests dropped",
        fontsize="medium",
    )
    result.plot_fleet(fleet)
    fleet.set_ylabel("instances")
    fleet.set_xlabel("time (minutes)")
    fleet.legend(fontsize="small", loc="upper right")
    figure.tight_layout()
    return figure
