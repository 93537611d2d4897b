"""Traffic patterns for the scaling simulations."""

from __future__ import annotations

import random

from ._errors import ScalingInputError, require_non_negative


def traffic_with_spike(
    base_rps: float = 100.0,
    peak_rps: float = 400.0,
    steps: int = 120,
    spike_start: int = 30,
    spike_steps: int = 20,
    ramp_steps: int = 5,
    noise: float = 0.0,
    seed: int = 0,
) -> list[float]:
    """Requests per second for each step: steady `base_rps`, a ramp up to `peak_rps`, a plateau
    of `spike_steps`, a ramp back down. `noise` adds that share of random jitter (0.1 = ±10%)."""
    require_non_negative("base_rps", base_rps)
    require_non_negative("peak_rps", peak_rps)
    require_non_negative("noise", noise)
    if steps < 1 or spike_start < 0 or spike_steps < 0 or ramp_steps < 0:
        raise ScalingInputError(
            "steps must be at least 1; spike_start, spike_steps and ramp_steps zero or more.",
            hint="For example traffic_with_spike(100, 400, steps=120, spike_start=30).",
        )
    rng = random.Random(seed)
    rising_until = spike_start + ramp_steps
    falling_from = rising_until + spike_steps
    pattern = []
    for step in range(steps):
        if step < spike_start or step >= falling_from + ramp_steps:
            share = 0.0
        elif step < rising_until:
            share = (step - spike_start + 1) / (ramp_steps + 1)
        elif step < falling_from:
            share = 1.0
        else:
            share = 1 - (step - falling_from + 1) / (ramp_steps + 1)
        rate = base_rps + share * (peak_rps - base_rps)
        if noise:
            rate *= 1 + rng.uniform(-noise, noise)
        pattern.append(max(0.0, rate))
    return pattern
