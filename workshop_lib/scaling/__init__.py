"""Scaling models: Lambda concurrency and throttling, and an EC2 Auto Scaling group with Spot.

Both are discrete-time teaching models that run offline in a fraction of a second. Limits and
prices come from `workshop_lib.pricing`.

    >>> from workshop_lib.scaling import simulate_auto_scaling, traffic_with_spike
    >>> simulate_auto_scaling(traffic_with_spike(), capacity_per_instance=50, max_size=20)

Against the current cloud (offline or aws mode): a throttled fan-out with and without Retry
(`run_fan_out`), a real Auto Scaling group read back and mirrored into the model
(`GroupSettings.from_aws(name).simulate(...)`), and a burst through a real SQS FIFO queue
(`send_burst`, `drain`, `check_fifo`).
"""

from __future__ import annotations

from ._auto_scaling import simulate_auto_scaling
from ._concurrency import ConcurrencyTimeline, lambda_concurrency
from ._controls import scaling_controls
from ._errors import ScalingInputError
from ._fan_out import THROTTLE_ERROR, FanOutRun, delete_fan_out, fan_out_definition, run_fan_out
from ._fleet import ON_DEMAND, SPOT, InstanceLife
from ._preflight import (
    ConcurrencyCheck,
    InstanceQuotaCheck,
    PreflightError,
    check_instance_quota,
    check_reserved_concurrency,
    group_subnets,
)
from ._queue import FifoQueue
from ._retry import RetryPolicy
from ._scaling_group import GroupSettings, delete_scaling_group
from ._scaling_result import Interruption, ScalingResult, StepRecord
from ._sqs_fifo import FifoCheck, QueueMessage, check_fifo, drain, send_burst
from ._traffic import traffic_with_spike

__all__ = [
    "ON_DEMAND",
    "SPOT",
    "THROTTLE_ERROR",
    "ConcurrencyCheck",
    "ConcurrencyTimeline",
    "FanOutRun",
    "FifoCheck",
    "FifoQueue",
    "GroupSettings",
    "InstanceLife",
    "InstanceQuotaCheck",
    "Interruption",
    "PreflightError",
    "QueueMessage",
    "RetryPolicy",
    "ScalingInputError",
    "ScalingResult",
    "StepRecord",
    "check_fifo",
    "check_instance_quota",
    "check_reserved_concurrency",
    "delete_fan_out",
    "delete_scaling_group",
    "drain",
    "fan_out_definition",
    "group_subnets",
    "lambda_concurrency",
    "run_fan_out",
    "scaling_controls",
    "send_burst",
    "simulate_auto_scaling",
    "traffic_with_spike",
]
