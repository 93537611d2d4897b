"""A dashboard of Lambda and Step Functions metrics: drawn in the notebook, or in CloudWatch.

`dashboard(...)` reads the metrics (offline from the local cloud) and draws them with
matplotlib, so the picture survives an HTML export. `publish_dashboard(...)` creates the same
panels as a CloudWatch dashboard with `PutDashboard`, which only means something in a real
account (there is a console to look at it); offline it returns a note and the body it would send.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import clients
from ..display import Displayable, figure_png, html_block, html_table, new_figure, number, png_img
from ._metrics import (
    LAMBDA_NAMESPACE,
    STATES_NAMESPACE,
    MetricSeries,
    fetch_metrics,
    resolve_period,
    short_name,
)

# (title, namespace, metrics shown together, statistic, unit)
PANELS = (
    ("Lambda invocations", LAMBDA_NAMESPACE, ("Invocations",), "Sum", "count"),
    ("Lambda errors and throttles", LAMBDA_NAMESPACE, ("Errors", "Throttles"), "Sum", "count"),
    ("Lambda duration (average)", LAMBDA_NAMESPACE, ("Duration",), "Average", "ms"),
    (
        "Lambda concurrent executions (max)",
        LAMBDA_NAMESPACE,
        ("ConcurrentExecutions",),
        "Maximum",
        "count",
    ),
    (
        "Step Functions executions",
        STATES_NAMESPACE,
        ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed"),
        "Sum",
        "count",
    ),
    (
        "Step Functions execution time (average)",
        STATES_NAMESPACE,
        ("ExecutionTime",),
        "Average",
        "ms",
    ),
)


@dataclass(frozen=True)
class Dashboard(Displayable):
    """Metric series for a few functions and state machines, ready to draw."""

    title: str
    series: tuple[MetricSeries, ...]
    period: int
    since: dt.datetime
    until: dt.datetime | None = None

    def panel(self, title: str) -> list[MetricSeries]:
        """The series one panel shows (see `PANELS`)."""
        for name, namespace, metrics, _stat, _unit in PANELS:
            if name == title:
                return [s for s in self.series if s.namespace == namespace and s.metric in metrics]
        raise KeyError(title)

    def total(self, metric: str, resource: str | None = None) -> float:
        """A metric's summary over the window (sums for counts), for one resource or all."""
        values = [
            s.summary
            for s in self.series
            if s.metric == metric and (resource is None or resource in (s.resource, s.label))
        ]
        return sum(v for v in values if v is not None)

    def plot(self) -> Any:
        """Six panels in a grid, one line per function or state machine and metric."""
        import matplotlib.dates as mdates

        figure, axes = new_figure(len(PANELS), height=1.9, sharex=True)
        for ax, (title, namespace, metrics, _stat, unit) in zip(axes, PANELS, strict=True):
            shown = [s for s in self.series if s.namespace == namespace and s.metric in metrics]
            drawn = False
            for series in shown:
                if not series.values:
                    continue
                label = series.label if len(metrics) == 1 else f"{series.label} {series.metric}"
                ax.plot(series.timestamps, series.values, marker="o", markersize=3, label=label)
                drawn = True
            ax.set_title(title, fontsize="small", loc="left")
            ax.set_ylabel(unit, fontsize="small")
            ax.tick_params(labelsize="x-small")
            if drawn:
                ax.legend(fontsize="xx-small", loc="upper left", ncol=2)
            else:
                ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", color="grey")
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
        figure.suptitle(f"{self.title} ({self.period} s buckets, UTC)", fontsize="medium")
        figure.tight_layout()
        return figure

    def _rows(self) -> list[tuple[str, str, str, str]]:
        rows = []
        for series in self.series:
            if series.summary is None:
                continue
            how = {"Sum": "total", "Maximum": "peak"}.get(series.stat, "mean")
            rows.append((series.label, series.metric, how, number(round(series.summary, 2))))
        return rows

    def _html(self) -> str:
        picture = png_img(figure_png(self.plot(), dpi=72), self.title, style="")
        table = html_table(("resource", "metric", "over the window", "value"), self._rows())
        details = f"<details><summary>Numbers</summary>{table}</details>"
        return html_block(self.title, picture, details)


def dashboard(
    functions: Iterable[str] = (),
    state_machines: Iterable[str] = (),
    *,
    since: float | dt.datetime,
    until: float | dt.datetime | None = None,
    period: int | None = None,
    title: str = "Workshop dashboard",
) -> Dashboard:
    """Read the standard metrics of these functions (names) and state machines (ARNs)."""
    chosen = resolve_period(period)
    series = fetch_metrics(
        functions=list(functions),
        state_machines=list(state_machines),
        since=since,
        until=until,
        period=chosen,
    )
    start = since if isinstance(since, dt.datetime) else dt.datetime.fromtimestamp(since, dt.UTC)
    end = (
        until
        if until is None or isinstance(until, dt.datetime)
        else dt.datetime.fromtimestamp(until, dt.UTC)
    )
    return Dashboard(title, tuple(series), chosen, start, end)


# -- CloudWatch dashboards (real accounts) ---------------------------------------------------------


def dashboard_body(
    functions: Sequence[str], state_machines: Sequence[str], *, region: str, period: int = 60
) -> dict[str, Any]:
    """The JSON body of a CloudWatch dashboard with the same six panels."""
    widgets = []
    for index, (title, namespace, metrics, stat, _unit) in enumerate(PANELS):
        if namespace == LAMBDA_NAMESPACE:
            dimension, resources = "FunctionName", functions
        else:
            dimension, resources = "StateMachineArn", state_machines
        lines = [
            [namespace, metric, dimension, resource, {"label": f"{short_name(resource)} {metric}"}]
            for resource in resources
            for metric in metrics
        ]
        if not lines:
            continue
        widgets.append(
            {
                "type": "metric",
                "x": (index % 2) * 12,
                "y": (index // 2) * 6,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": title,
                    "view": "timeSeries",
                    "region": region,
                    "stat": stat,
                    "period": period,
                    "metrics": lines,
                },
            }
        )
    return {"widgets": widgets}


@dataclass(frozen=True)
class PublishedDashboard(Displayable):
    """A CloudWatch dashboard that was created, or (offline) the note saying why not."""

    name: str
    created: bool
    url: str | None
    body: dict[str, Any] = field(repr=False)
    note: str = ""

    def _html(self) -> str:
        if self.created and self.url:
            link = f"<a href='{html.escape(self.url)}'>open it in the CloudWatch console</a>"
            return (
                f"<div>Created CloudWatch dashboard <b>{html.escape(self.name)}</b>: {link}</div>"
            )
        widgets = len(self.body.get("widgets", []))
        return html_block(
            f"CloudWatch dashboard {self.name}: not created",
            f"<p>{html.escape(self.note)}</p>",
            "<details><summary>The body PutDashboard would receive "
            f"({widgets} widgets)</summary><pre>{html.escape(json.dumps(self.body, indent=1))}"
            "</pre></details>",
        )

    def __str__(self) -> str:
        if self.created:
            return f"Created CloudWatch dashboard {self.name}: {self.url}"
        return f"CloudWatch dashboard {self.name} not created: {self.note}"


def publish_dashboard(
    name: str, functions: Sequence[str] = (), state_machines: Sequence[str] = ()
) -> PublishedDashboard:
    """aws mode: create (or replace) a CloudWatch dashboard. Offline: return a note instead."""
    target = clients.resolve_target()
    body = dashboard_body(functions, state_machines, region=target.region)
    if target.offline:
        return PublishedDashboard(
            name,
            created=False,
            url=None,
            body=body,
            note="Offline there is no CloudWatch console to show a dashboard in, so nothing was "
            "created; the chart above is drawn from the same metrics. In aws mode this cell "
            "creates the dashboard.",
        )
    clients.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))
    url = (
        f"https://{target.region}.console.aws.amazon.com/cloudwatch/home?"
        f"region={target.region}#dashboards:name={name}"
    )
    return PublishedDashboard(name, created=True, url=url, body=body)


def delete_dashboard(name: str) -> bool:
    """aws mode: delete the dashboard (True if it existed). Offline: nothing to delete."""
    if clients.resolve_target().offline:
        return False
    cloudwatch = clients.client("cloudwatch")
    existing = cloudwatch.list_dashboards(DashboardNamePrefix=name).get("DashboardEntries", [])
    if not any(entry["DashboardName"] == name for entry in existing):
        return False
    cloudwatch.delete_dashboards(DashboardNames=[name])
    return True
