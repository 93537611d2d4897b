"""Reading the standard CloudWatch metrics of Lambda functions and state machines.

Lambda publishes `AWS/Lambda` metrics per function (dimension FunctionName) and Step Functions
publishes `AWS/States` metrics per state machine (dimension StateMachineArn). The local cloud
publishes the same names, so the same `GetMetricData` call reads either.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .. import clients

LAMBDA_NAMESPACE = "AWS/Lambda"
STATES_NAMESPACE = "AWS/States"
LAMBDA_METRICS = (
    ("Invocations", "Sum"),
    ("Errors", "Sum"),
    ("Throttles", "Sum"),
    ("Duration", "Average"),
    ("ConcurrentExecutions", "Maximum"),
)
STATES_METRICS = (
    ("ExecutionsStarted", "Sum"),
    ("ExecutionsSucceeded", "Sum"),
    ("ExecutionsFailed", "Sum"),
    ("ExecutionTime", "Average"),
)
# Names CloudFormation makes up look like <stack>-<LogicalId>-<RANDOM SUFFIX>.
_GENERATED = re.compile(r"^.+?-(?P<logical>[A-Za-z0-9]+)-[A-Z0-9]{8,}$")


@dataclass(frozen=True)
class MetricSeries:
    """One metric of one function or state machine over time."""

    namespace: str
    metric: str
    stat: str
    dimension: str
    """FunctionName or StateMachineArn."""
    resource: str
    timestamps: tuple[dt.datetime, ...]
    values: tuple[float, ...]

    @property
    def label(self) -> str:
        return short_name(self.resource)

    @property
    def summary(self) -> float | None:
        """Over the whole window: the sum for Sum, the largest for Maximum, the mean otherwise."""
        if not self.values:
            return None
        if self.stat == "Sum":
            return sum(self.values)
        if self.stat == "Maximum":
            return max(self.values)
        return sum(self.values) / len(self.values)


def short_name(resource: str) -> str:
    """`ValidateFunction` for `workshop-santa-ValidateFunction-5ESJR7N10DMP`; a state machine
    ARN becomes its name."""
    name = resource.rsplit(":", 1)[-1] if resource.startswith("arn:") else resource
    match = _GENERATED.match(name)
    return match.group("logical") if match else name


def resolve_period(period: int | None) -> int:
    """Offline, 10 s buckets show a short run; a real account needs multiples of 60 s for
    standard-resolution metrics."""
    if period is not None:
        return int(period)
    return 10 if clients.resolve_target().offline else 60


def fetch_metrics(
    *,
    functions: Iterable[str] = (),
    state_machines: Iterable[str] = (),
    since: float | dt.datetime,
    until: float | dt.datetime | None = None,
    period: int | None = None,
) -> list[MetricSeries]:
    """Every standard metric of the given functions and state machines in the window."""
    wanted: list[tuple[str, str, str, str, str]] = []
    for function in functions:
        wanted += [(LAMBDA_NAMESPACE, m, s, "FunctionName", function) for m, s in LAMBDA_METRICS]
    for machine in state_machines:
        wanted += [(STATES_NAMESPACE, m, s, "StateMachineArn", machine) for m, s in STATES_METRICS]
    end = _as_datetime(until) if until is not None else None
    return _query(wanted, _as_datetime(since), end, resolve_period(period))


def _query(
    wanted: Sequence[tuple[str, str, str, str, str]],
    start: dt.datetime,
    end: dt.datetime | None,
    period: int,
) -> list[MetricSeries]:
    if not wanted:
        return []
    cloudwatch = clients.client("cloudwatch")
    finish = end or dt.datetime.now(dt.UTC) + dt.timedelta(seconds=period)
    results: dict[str, tuple[list[dt.datetime], list[float]]] = {}
    for offset in range(0, len(wanted), 500):  # GetMetricData takes up to 500 queries
        queries = [
            {
                "Id": f"m{offset + index}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": metric,
                        "Dimensions": [{"Name": dimension, "Value": resource}],
                    },
                    "Period": period,
                    "Stat": stat,
                },
            }
            for index, (namespace, metric, stat, dimension, resource) in enumerate(
                wanted[offset : offset + 500]
            )
        ]
        for page in cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries, StartTime=start, EndTime=finish, ScanBy="TimestampAscending"
        ):
            for result in page["MetricDataResults"]:
                times, values = results.setdefault(result["Id"], ([], []))
                times += result.get("Timestamps", [])
                values += result.get("Values", [])
    series = []
    for index, (namespace, metric, stat, dimension, resource) in enumerate(wanted):
        times, values = results.get(f"m{index}", ([], []))
        ordered = sorted(zip(times, values, strict=True))
        series.append(
            MetricSeries(
                namespace,
                metric,
                stat,
                dimension,
                resource,
                tuple(t for t, _ in ordered),
                tuple(float(v) for _, v in ordered),
            )
        )
    return series


def _as_datetime(moment: float | dt.datetime) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return dt.datetime.fromtimestamp(float(moment), tz=dt.UTC)
