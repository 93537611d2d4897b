"""Power tuning a deployed function, the way AWS Lambda Power Tuning does it.

    run = tune_function("my-function", {"some": "event"}, invocations=10)
    run              # table, pick per strategy, link to lambda-power-tuning.show
    run.plot()       # duration and cost against memory

Two methods:

* "measure" (aws mode): for each memory size, `UpdateFunctionConfiguration(MemorySize=...)`,
  wait for the update, invoke N times with `LogType=Tail` and read Billed Duration from each
  REPORT line. The function's original memory size is restored at the end, even after an error.
* "model" (offline): the local runtime runs your handler at full speed whatever the memory
  setting, so measuring at each size would teach nothing. Instead the function is invoked N times
  at its current size, the CPU time the local cloud reports for each invoke
  (`x-workshop-cpu-ms`, a local-only header) and the rest of the duration (waiting) are averaged,
  and `model_duration_ms` predicts the duration at each size. The result says MODEL everywhere.

Before the counted invokes, one extra invoke at each size warms an environment, so a cold start
does not hide in the averages (the trimmed mean would drop it anyway with enough invokes).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import clients
from ..display import Displayable, html_block, html_table, number
from ..lambda_report import LambdaReport
from ..pricing import PriceBook, load_prices
from ._errors import CostInputError
from ._power_tuning import DEFAULT_MEMORY_SIZES, PowerTuningResult, TuningChoice, trimmed_mean

METHODS = ("auto", "model", "measure")
CPU_HEADER = "x-workshop-cpu-ms"


@dataclass(frozen=True)
class PowerTuningRun(Displayable):
    """A power tuning of one function: the result, and the raw numbers behind it."""

    function: str
    method: str
    """"model" or "measure"."""
    result: PowerTuningResult
    invocations: int
    original_memory_mb: int
    samples_ms: Mapping[int, tuple[float, ...]] = field(default_factory=dict)
    """Measured: Billed Duration of every counted invoke, per memory size."""
    cpu_ms: tuple[float, ...] = ()
    """Modelled: CPU time of every counted invoke at the original memory size."""
    waiting_ms: tuple[float, ...] = ()
    """Modelled: duration minus CPU time of those invokes (time spent waiting)."""

    @property
    def is_model(self) -> bool:
        return self.result.is_model

    def best(self, strategy: str | None = None, balanced_weight: float = 0.5) -> TuningChoice:
        return self.result.best(strategy, balanced_weight)

    def duration_at(self, memory_mb: int) -> float:
        """The (trimmed mean or modelled) duration at one of the sizes tried."""
        sizes = self.result.memory_sizes
        if memory_mb not in sizes:
            raise CostInputError(
                f"{memory_mb} MB was not tried.", hint=f"Use one of {', '.join(map(str, sizes))}."
            )
        return self.result.durations_ms[sizes.index(memory_mb)]

    def plot(self) -> Any:
        return self.result.plot()

    def visualization_url(self) -> str:
        return self.result.visualization_url()

    def _how(self) -> str:
        if self.method == "model":
            cpu = trimmed_mean(self.cpu_ms) if self.cpu_ms else 0.0
            wait = trimmed_mean(self.waiting_ms) if self.waiting_ms else 0.0
            return (
                f"MODEL: {self.invocations} invokes at {self.original_memory_mb} MB measured "
                f"{number(round(cpu, 2))} ms of CPU and {number(round(wait, 2))} ms of waiting "
                "(trimmed means); the durations at other sizes are predicted from the "
                "memory-to-vCPU share, not measured."
            )
        return (
            f"Measured: {self.invocations} invokes at each size, trimmed mean of Billed "
            f"Duration; memory restored to {self.original_memory_mb} MB afterwards."
        )

    def __str__(self) -> str:
        return f"Power tuning {self.function}\n{self._how()}\n{self.result}"

    def _html(self) -> str:
        note = f"<p style='font-size:smaller'>{html.escape(self._how())}</p>"
        rows = [
            (f"{size} MB", ", ".join(number(v) for v in values))
            for size, values in sorted(self.samples_ms.items())
        ]
        samples = (
            "<details><summary>Billed Duration of every invoke (ms)</summary>"
            + html_table(("memory", "samples"), rows)
            + "</details>"
            if rows
            else ""
        )
        return html_block(f"Power tuning {self.function}", note, self.result._repr_html_(), samples)


def tune_function(
    function_name: str,
    payload: Any = None,
    *,
    memory_sizes: Iterable[int] = DEFAULT_MEMORY_SIZES,
    invocations: int = 10,
    strategy: str = "cost",
    method: str = "auto",
    parallel_fraction: float = 0.0,
    trim: float = 0.2,
    include_request_fee: bool = True,
    prices: PriceBook | None = None,
) -> PowerTuningRun:
    """Tune `function_name` with `payload` as the event; see the module docstring.

    `method`: "auto" models offline and measures in aws mode. `parallel_fraction` (model only)
    is the share of the CPU work that can use more than one vCPU.
    """
    if method not in METHODS:
        raise CostInputError(
            f"Unknown method {method!r}.", hint=f"Use one of {', '.join(METHODS)}."
        )
    if invocations < 1:
        raise CostInputError(
            "invocations must be at least 1.", hint="Lambda Power Tuning uses 10+."
        )
    chosen = method
    if method == "auto":
        chosen = "model" if clients.resolve_target().offline else "measure"
    sizes = sorted({int(m) for m in memory_sizes})
    book = prices or load_prices()
    configuration = _configuration(function_name)
    original = int(configuration["MemorySize"])
    arch = (configuration.get("Architectures") or ["x86_64"])[0]
    if chosen == "model":
        return _model(
            function_name, payload, sizes, invocations, strategy, parallel_fraction,
            include_request_fee, original, arch, book,
        )  # fmt: skip
    samples = _measure(function_name, payload, sizes, invocations, original)
    result = PowerTuningResult.from_measurements(
        samples, arch, strategy, trim, include_request_fee, book
    )
    return PowerTuningRun(
        function=function_name,
        method="measure",
        result=result,
        invocations=invocations,
        original_memory_mb=original,
        samples_ms={m: tuple(v) for m, v in samples.items()},
    )


def _model(
    function_name: str,
    payload: Any,
    sizes: list[int],
    invocations: int,
    strategy: str,
    parallel_fraction: float,
    include_request_fee: bool,
    original: int,
    arch: str,
    book: PriceBook,
) -> PowerTuningRun:
    _invoke(function_name, payload)  # warm an environment first
    cpu, waiting = [], []
    for _ in range(invocations):
        report, cpu_ms = _invoke(function_name, payload)
        if cpu_ms is None:
            raise CostInputError(
                "This cloud does not report CPU time, which the offline model needs.",
                hint='In a real account use method="measure": real invokes at each memory size.',
            )
        cpu.append(cpu_ms)
        waiting.append(max(0.0, report.duration_ms - cpu_ms))
    result = PowerTuningResult.from_model(
        trimmed_mean(cpu),
        sizes,
        arch,
        parallel_fraction=parallel_fraction,
        io_ms=trimmed_mean(waiting),
        strategy=strategy,
        include_request_fee=include_request_fee,
        prices=book,
    )
    return PowerTuningRun(
        function=function_name,
        method="model",
        result=result,
        invocations=invocations,
        original_memory_mb=original,
        cpu_ms=tuple(cpu),
        waiting_ms=tuple(waiting),
    )


def _measure(
    function_name: str, payload: Any, sizes: list[int], invocations: int, original: int
) -> dict[int, list[float]]:
    samples: dict[int, list[float]] = {}
    try:
        for size in sizes:
            _set_memory(function_name, size)
            _invoke(function_name, payload)  # the first invoke after an update is cold
            billed = []
            for _ in range(invocations):
                report, _cpu = _invoke(function_name, payload)
                if report.memory_size_mb != size:
                    raise CostInputError(
                        f"{function_name} ran with {report.memory_size_mb} MB, not {size} MB.",
                        hint="Something else changed its configuration; run the tuning again.",
                    )
                billed.append(float(report.billed_duration_ms))
            samples[size] = billed
    finally:
        _set_memory(function_name, original)
    return samples


def _configuration(function_name: str) -> dict[str, Any]:
    lam = clients.client("lambda")
    try:
        return lam.get_function_configuration(FunctionName=function_name)
    except lam.exceptions.ResourceNotFoundException:
        raise CostInputError(
            f"There is no function {function_name!r} here.",
            hint="Check the name (deployed apps add a suffix; see the stack's resources).",
        ) from None


def _set_memory(function_name: str, memory_mb: int) -> None:
    lam = clients.client("lambda")
    if int(lam.get_function_configuration(FunctionName=function_name)["MemorySize"]) == memory_mb:
        return
    lam.update_function_configuration(FunctionName=function_name, MemorySize=memory_mb)
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=function_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


def _invoke(function_name: str, payload: Any) -> tuple[LambdaReport, float | None]:
    response = clients.client("lambda").invoke(
        FunctionName=function_name,
        Payload=json.dumps(payload if payload is not None else {}),
        LogType="Tail",
    )
    response["Payload"].read()
    if response.get("FunctionError"):
        raise CostInputError(
            f"{function_name} failed with this event ({response['FunctionError']}).",
            hint="Tune with an event the function handles: an error's duration is not its cost.",
        )
    tail = base64.b64decode(response.get("LogResult", "")).decode("utf-8", errors="replace")
    report = next(
        (r for r in map(LambdaReport.parse, reversed(tail.splitlines())) if r is not None), None
    )
    if report is None:
        raise CostInputError(
            f"No REPORT line in the log tail of {function_name}.",
            hint="The last 4 KB of log must include it; make the handler print less.",
        )
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    cpu = headers.get(CPU_HEADER)
    return report, float(cpu) if cpu is not None else None
