"""Scaling models: Lambda concurrency and throttling, and an EC2 Auto Scaling group with Spot.

Both are discrete-time teaching models that run offline in a fraction of a second. Limits and
prices come from `workshop_lib.pricing`.

    >>> from workshop_lib.scaling import simulate_auto_scaling, traffic_with_spike
    >>> simulate_auto_scaling(traffic_with_spike(), capacity_per_instance=50, max_size=20)
"""

from __future__ import annotations

from ._auto_scaling import simulate_auto_scaling
from ._concurrency import ConcurrencyTimeline, lambda_concurrency
from ._errors import ScalingInputError
from ._fleet import ON_DEMAND, SPOT, InstanceLife
from ._queue import FifoQueue
from ._retry import RetryPolicy
from ._scaling_result import Interruption, ScalingResult, StepRecord
from ._traffic import traffic_with_spike

__all__ = [
    "ON_DEMAND",
    "SPOT",
    "ConcurrencyTimeline",
    "FifoQueue",
    "InstanceLife",
    "Interruption",
    "RetryPolicy",
    "ScalingInputError",
    "ScalingResult",
    "StepRecord",
    "lambda_concurrency",
    "simulate_auto_scaling",
    "traffic_with_spike",
]
