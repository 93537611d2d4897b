"""The platform lines AWS Lambda writes around every invoke: START, END and REPORT.

One module formats them (the local runtime writes them) and parses them (the cost model,
the timeline and power tuning read them back), so the two always agree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = [
    "LambdaReport",
    "end_line",
    "init_start_line",
    "request_id_of",
    "start_line",
]


@dataclass(frozen=True)
class LambdaReport:
    """What a REPORT line says about one invoke."""

    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    status: str | None = None
    error_type: str | None = None

    @property
    def cold_start(self) -> bool:
        return self.init_duration_ms is not None

    @staticmethod
    def billed_ms(duration_ms: float, init_duration_ms: float | None = None) -> int:
        """Billed duration: rounded up to the next 1 ms; INIT is billed too since 2025-08-01."""
        total = duration_ms + (init_duration_ms or 0.0)
        return max(1, math.ceil(total - 1e-9))

    def format(self) -> str:
        parts = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_duration_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_used_mb} MB",
        ]
        if self.init_duration_ms is not None:
            parts.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        if self.status:
            parts.append(f"Status: {self.status}")
        if self.error_type:
            parts.append(f"Error Type: {self.error_type}")
        return "\t".join(parts) + "\t"

    @classmethod
    def parse(cls, line: str) -> LambdaReport | None:
        """Read a REPORT line (tab- or space-separated, integer or decimal values)."""
        if not line.lstrip().startswith("REPORT"):
            return None
        fields = dict(_FIELD.findall(line))
        try:
            return cls(
                request_id=fields["RequestId"].strip(),
                duration_ms=float(fields["Duration"].split()[0]),
                billed_duration_ms=math.ceil(float(fields["Billed Duration"].split()[0])),
                memory_size_mb=int(float(fields["Memory Size"].split()[0])),
                max_memory_used_mb=int(float(fields["Max Memory Used"].split()[0])),
                init_duration_ms=(
                    float(fields["Init Duration"].split()[0]) if "Init Duration" in fields else None
                ),
                status=fields.get("Status", "").strip() or None,
                error_type=fields.get("Error Type", "").strip() or None,
            )
        except (KeyError, ValueError):
            return None


_FIELD = re.compile(
    r"(RequestId|Duration|Billed Duration|Memory Size|Max Memory Used|"
    r"Init Duration|Status|Error Type):\s*([^\t]+?)\s*(?=\t|\s{2,}|$)"
)


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def init_start_line(runtime_version: str, function_arn: str) -> str:
    return f"INIT_START Runtime Version: {runtime_version}\tRuntime Version ARN: {function_arn}"


def request_id_of(line: str) -> str | None:
    """The request id a platform line (START/END/REPORT) belongs to, if any."""
    match = _REQUEST_ID.search(line)
    return match.group(1) if match else None


_REQUEST_ID = re.compile(r"^(?:START|END|REPORT) RequestId: ([0-9a-fA-F-]{8,})")
