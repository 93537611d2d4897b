"""Figures measured in one run, so the ratios between them mean something on a noisy machine."""

from __future__ import annotations

import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import clients, cloud
from .. import constants as C
from ..waiting import wait_for_execution
from ._asl import (
    _median_ms,
    measure_execution_ratio,
    measure_query_languages,
    measure_test_state,
)
from ._coldstart import measure_cold_start_cpu
from ._distributed_map import measure_distributed_map
from ._images import measure_image_batch

NOOP_HANDLER = "def handler(event, context):\n    return event\n"


@dataclass(frozen=True)
class Benchmark:
    """A goal: `numerator / denominator <= limit` (or an absolute figure when no denominator)."""

    name: str
    numerator: str
    limit: float
    denominator: str | None = None


GOALS = (
    Benchmark("warm invoke vs bare request", "warm_invoke_ms", 2.5, "bare_request_ms"),
    Benchmark("cold invoke vs boto3 import", "cold_invoke_ms", 1.5, "python_boto3_import_ms"),
    Benchmark("cold start CPU (ms)", "cold_start_cpu_ms", 50.0),
    Benchmark("cloud ready (s)", "cloud_start_s", 2.0),
    Benchmark("3-Task execution vs bare request", "execution_3task_ratio", 10.0),
    Benchmark("JSONata vs JSONPath (3 Pass states)", "jsonata_3pass_ms", 1.5, "jsonpath_3pass_ms"),
    Benchmark("DEBUG TestState vs bare request", "test_state_ms", 3.0, "bare_request_ms"),
    Benchmark("image batch (Map) vs direct Pillow", "image_batch_ratio", 1.3),
    Benchmark(
        "Distributed Map, 1,000 photos vs direct",
        "distributed_map_1000_s",
        1.5,
        "distributed_map_direct_s",
    ),
    Benchmark("Distributed Map peak memory (MB)", "distributed_map_peak_mb", 3072.0),
    Benchmark("catch-up to notebook 06 from empty (s)", "catch_up_s", 30.0),
)


@dataclass
class BenchResult:
    figures: dict[str, float] = field(default_factory=dict)

    def ratios(self) -> list[tuple[Benchmark, float | None, bool | None]]:
        rows = []
        for goal in GOALS:
            value = self.figures.get(goal.numerator)
            if value is not None and goal.denominator:
                base = self.figures.get(goal.denominator)
                value = value / base if base else None
            met = None if value is None else value <= goal.limit
            rows.append((goal, value, met))
        return rows

    def to_json(self) -> str:
        data: dict[str, Any] = {k: round(v, 3) for k, v in self.figures.items()}
        data["ratios"] = {
            goal.name: {"value": None if v is None else round(v, 3), "goal": goal.limit, "met": met}
            for goal, v, met in self.ratios()
        }
        return json.dumps(data, indent=2)

    def table(self) -> str:
        lines = ["Figure                         Value", "-" * 44]
        for name, value in self.figures.items():
            lines.append(f"{name:<30} {value:>10.2f}")
        lines += ["", "Goal                                   Ratio   Limit  Met", "-" * 60]
        for goal, value, met in self.ratios():
            shown = "   n/a" if value is None else f"{value:6.2f}"
            verdict = "" if met is None else ("yes" if met else "NO")
            lines.append(f"{goal.name:<38} {shown}  {goal.limit:5.2f}  {verdict}")
        return "\n".join(lines)


def run_benchmarks(
    *,
    warm_samples: int = 60,
    extra: dict[str, Callable[[], float]] | None = None,
    images: bool = True,
) -> BenchResult:
    """Start a fresh local cloud on a free port, measure, and stop it.

    `images` adds the image batch figures (about two minutes: 20 photos of 12 megapixels
    through the Map workflow, then the same work directly) and the Distributed Map figures
    (1,000 photos of 0.3 megapixels through a Distributed Map, then directly)."""
    result = BenchResult()
    port = _free_port()
    previous = {k: os.environ.get(k) for k in (C.ENV_CLOUD_PORT, C.ENV_STATE_DIR)}
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as state:
        os.environ[C.ENV_CLOUD_PORT] = str(port)
        os.environ[C.ENV_STATE_DIR] = state
        clients.forget_clients()
        try:
            started = time.perf_counter()
            status = cloud.start(port)
            result.figures["cloud_start_s"] = time.perf_counter() - started
            result.figures["python_boto3_import_ms"] = _boto3_import_ms()
            _measure_cloud(result, warm_samples, status.pid)
            if images:
                measure_image_batch(result.figures)
                measure_distributed_map(result.figures, server_pid=status.pid)
            for name, measure in (extra or {}).items():
                result.figures[name] = measure()
            result.figures["catch_up_s"] = _catch_up_seconds()
        finally:
            cloud.stop(port)
            clients.forget_clients()
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return result


def _measure_cloud(result: BenchResult, warm_samples: int, server_pid: int | None) -> None:
    s3 = clients.client("s3")
    lam = clients.client("lambda")
    sfn = clients.client("stepfunctions")
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    for _ in range(10):  # warm the client's connection pool and moto's S3 backend
        s3.head_bucket(Bucket=bucket)
    result.figures["bare_request_ms"] = _median_ms(
        lambda: s3.head_bucket(Bucket=bucket), warm_samples
    )

    role = clients.client("iam").create_role(
        RoleName=f"bench-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    code = _zip({"app.py": NOOP_HANDLER})
    cold_samples = []
    arns = []
    for index in range(5):
        name = f"noop-{index}-{uuid.uuid4().hex[:6]}"
        arns.append(
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role,
                Handler="app.handler",
                Code={"ZipFile": code},
            )["FunctionArn"]
        )
        started = time.perf_counter()
        lam.invoke(FunctionName=name, Payload=b"{}")
        cold_samples.append((time.perf_counter() - started) * 1000)
    result.figures["cold_invoke_ms"] = statistics.median(cold_samples)
    if server_pid is not None:
        measure_cold_start_cpu(result.figures, server_pid, lam, role, code)
    result.figures["warm_invoke_ms"] = _median_ms(
        lambda: lam.invoke(FunctionName=arns[0], Payload=b"{}"), warm_samples
    )

    definition = {
        "StartAt": "One",
        "States": {
            "One": {"Type": "Task", "Resource": arns[0], "Next": "Two"},
            "Two": {"Type": "Task", "Resource": arns[1], "Next": "Three"},
            "Three": {"Type": "Task", "Resource": arns[2], "End": True},
        },
    }
    machine = sfn.create_state_machine(
        name=f"bench-{uuid.uuid4().hex[:6]}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]

    def execution() -> None:
        arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
        wait_for_execution(arn, timeout=None, poll=0.001, sfn=sfn)

    execution()  # warm all three functions
    result.figures["execution_3task_ms"] = _median_ms(execution, 15)
    # The ratio as a median of rounds (one figure ranged from 9 to 15 on one machine).
    measure_execution_ratio(result.figures, execution, lambda: s3.head_bucket(Bucket=bucket))
    measure_query_languages(result.figures, sfn, role)
    measure_test_state(result.figures, sfn)


def _catch_up_seconds() -> float:
    """From an empty local cloud to everything notebook 06 builds on (both apps deployed)."""
    from ..course import catch_up

    return catch_up(6, reset=True).seconds


def _boto3_import_ms(samples: int = 5) -> float:
    return _median_ms(
        lambda: subprocess.run([sys.executable, "-c", "import boto3"], check=True), samples
    )


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((C.CLOUD_HOST, 0))
        return probe.getsockname()[1]
