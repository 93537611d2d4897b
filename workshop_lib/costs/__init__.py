"""Cost models for Lambda and Step Functions, from list prices with named sources.

Every price comes from `workshop_lib.pricing.load_prices()`; pass `prices=` to use another book
(for example one refreshed from the AWS Price List API).

    >>> from workshop_lib.costs import lambda_cost, stepfunctions_cost, standard_vs_express
    >>> lambda_cost(memory_mb=1024, duration_ms=28, invocations=60_000_000)

Measured costs read real executions in the current cloud (offline or aws mode), through
`workshop_lib.executions` (its `Execution`: events, steps and their REPORT lines):

    >>> measure_app("santa")                       # the latest executions of a deployed app
    >>> measure_execution(execution_arn).cost      # one execution, as a WorkflowCost
    >>> tune_function("my-function", {"n": 1})     # power tuning (a MODEL offline)
"""

from __future__ import annotations

from ..display import SliderPanel
from ..executions import TransitionCount, count_transitions
from ._break_even import BreakEven, Crossing, standard_vs_express
from ._controls import cost_controls, workflow_at_memory
from ._cpu_model import model_duration_ms, vcpu_share
from ._errors import CostInputError
from ._estimate import estimate_usd
from ._express import ExpressCopy, express_copy
from ._express_logs import ExpressLogging, express_logging
from ._lambda import LambdaCost, lambda_cost
from ._measured import REQUEST_MODES, MeasuredExecution, MeasuredInvoke, measure_execution
from ._measured_workflow import (
    MeasuredWorkflow,
    measure_app,
    measure_executions,
    measured_break_even,
)
from ._power_tuning import (
    DEFAULT_MEMORY_SIZES,
    STRATEGIES,
    PowerTuningResult,
    TuningChoice,
    invoke_cost,
    trimmed_mean,
)
from ._requests import RequestCount, RequestProfile, requests_from_counter
from ._stepfunctions import WORKFLOW_TYPES, StepFunctionsCost, stepfunctions_cost
from ._tuner import PowerTuningRun, tune_function
from ._workflow import SERVICES, LambdaInvocation, MonthlyCost, WorkflowCost

__all__ = [
    "DEFAULT_MEMORY_SIZES",
    "REQUEST_MODES",
    "SERVICES",
    "STRATEGIES",
    "WORKFLOW_TYPES",
    "BreakEven",
    "CostInputError",
    "Crossing",
    "ExpressCopy",
    "ExpressLogging",
    "LambdaCost",
    "LambdaInvocation",
    "MeasuredExecution",
    "MeasuredInvoke",
    "MeasuredWorkflow",
    "MonthlyCost",
    "PowerTuningResult",
    "PowerTuningRun",
    "RequestCount",
    "RequestProfile",
    "SliderPanel",
    "StepFunctionsCost",
    "TransitionCount",
    "TuningChoice",
    "WorkflowCost",
    "cost_controls",
    "count_transitions",
    "estimate_usd",
    "express_copy",
    "express_logging",
    "invoke_cost",
    "lambda_cost",
    "measure_app",
    "measure_execution",
    "measure_executions",
    "measured_break_even",
    "model_duration_ms",
    "requests_from_counter",
    "standard_vs_express",
    "stepfunctions_cost",
    "trimmed_mean",
    "tune_function",
    "vcpu_share",
    "workflow_at_memory",
]
