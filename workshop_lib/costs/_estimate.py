"""A rough cost for a notebook's run, for the real-account gate (`wl.confirm_real_account`).

It lives with the other cost calculations rather than in `guard`: the gate only shows the
number, and `deploy` (below costs) uses the gate.
"""

from __future__ import annotations

from ..pricing import load_prices
from ._lambda import lambda_cost
from ._stepfunctions import stepfunctions_cost


def estimate_usd(
    *,
    executions: int,
    transitions_per_execution: int,
    lambda_invokes_per_execution: int,
    memory_mb: int = 256,
    duration_ms: float = 500,
    requests_per_execution: int = 10,
    instance_hours: dict[str, float] | None = None,
) -> float:
    """A deliberately generous estimate for a notebook's run, from the price data.

    `instance_hours` prices EC2 instances On-Demand, by type: {"m5.large": 2.0}.
    """
    prices = load_prices()
    invokes = executions * lambda_invokes_per_execution
    total = lambda_cost(memory_mb, duration_ms, invokes, prices=prices).total_cost
    total += stepfunctions_cost(
        "standard", executions, transitions=transitions_per_execution, prices=prices
    ).total_cost
    # Every request priced as the dearer S3 class: an estimate should err on the high side.
    total += executions * requests_per_execution * prices.s3.tier1_request
    for instance_type, hours in (instance_hours or {}).items():
        total += hours * prices.price(f"ec2.on_demand.{instance_type}").value
    return float(total)
