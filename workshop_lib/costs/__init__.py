"""Cost models for Lambda and Step Functions, from list prices with named sources.

Every price comes from `workshop_lib.pricing.load_prices()`; pass `prices=` to use another book
(for example one refreshed from the AWS Price List API).

    >>> from workshop_lib.costs import lambda_cost, stepfunctions_cost, standard_vs_express
    >>> lambda_cost(memory_mb=1024, duration_ms=28, invocations=60_000_000)
"""

from __future__ import annotations

from ._break_even import BreakEven, Crossing, standard_vs_express
from ._cpu_model import model_duration_ms, vcpu_share
from ._errors import CostInputError
from ._lambda import LambdaCost, lambda_cost
from ._power_tuning import (
    DEFAULT_MEMORY_SIZES,
    STRATEGIES,
    PowerTuningResult,
    TuningChoice,
    invoke_cost,
    trimmed_mean,
)
from ._stepfunctions import WORKFLOW_TYPES, StepFunctionsCost, stepfunctions_cost
from ._workflow import SERVICES, LambdaInvocation, MonthlyCost, WorkflowCost

__all__ = [
    "DEFAULT_MEMORY_SIZES",
    "SERVICES",
    "STRATEGIES",
    "WORKFLOW_TYPES",
    "BreakEven",
    "CostInputError",
    "Crossing",
    "LambdaCost",
    "LambdaInvocation",
    "MonthlyCost",
    "PowerTuningResult",
    "StepFunctionsCost",
    "TuningChoice",
    "WorkflowCost",
    "invoke_cost",
    "lambda_cost",
    "model_duration_ms",
    "standard_vs_express",
    "stepfunctions_cost",
    "trimmed_mean",
    "vcpu_share",
]
