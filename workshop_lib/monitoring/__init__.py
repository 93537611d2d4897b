"""Watching Lambda and Step Functions through their CloudWatch metrics.

    board = dashboard(["my-function"], [state_machine_arn], since=started)
    board               # the panels as a picture, and the numbers behind them
    publish_dashboard("workshop", ["my-function"], [state_machine_arn])   # aws mode only

Offline, the local cloud publishes the same AWS/Lambda and AWS/States metrics AWS does.
"""

from __future__ import annotations

from ._dashboard import (
    PANELS,
    Dashboard,
    PublishedDashboard,
    dashboard,
    dashboard_body,
    delete_dashboard,
    publish_dashboard,
)
from ._metrics import LAMBDA_METRICS, STATES_METRICS, MetricSeries, fetch_metrics, short_name

__all__ = [
    "LAMBDA_METRICS",
    "PANELS",
    "STATES_METRICS",
    "Dashboard",
    "MetricSeries",
    "PublishedDashboard",
    "dashboard",
    "dashboard_body",
    "delete_dashboard",
    "fetch_metrics",
    "publish_dashboard",
    "short_name",
]
