"""What the runtime needs to know about a function, independent of where it is stored."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class CodeSource:
    """A zip archive, identified by its SHA-256, fetched only when it must be unpacked."""

    sha256: str
    fetch: Callable[[], bytes] = field(compare=False, repr=False)


@dataclass(frozen=True)
class FunctionSpec:
    """One function version as the runtime sees it."""

    name: str
    arn: str
    version: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: float
    code: CodeSource
    environment: Mapping[str, str] = field(default_factory=dict)
    layers: tuple[CodeSource, ...] = ()
    region: str = "us-east-1"
    account_id: str = "123456789012"
    reserved_concurrency: int | None = None
    async_max_retries: int = 2

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    @property
    def pool_key(self) -> tuple[str, str]:
        return (self.arn, self.version)

    @property
    def fingerprint(self) -> str:
        """Changes whenever code or configuration changes: old environments then retire."""
        material = json.dumps(
            [
                self.handler,
                self.runtime,
                self.memory_mb,
                self.timeout_s,
                self.code.sha256,
                dict(sorted(self.environment.items())),
                [layer.sha256 for layer in self.layers],
            ],
            sort_keys=True,
        )
        return hashlib.sha256(material.encode()).hexdigest()[:16]


class LogSink(Protocol):
    """Where log lines go (CloudWatch Logs in the local cloud)."""

    def put(self, spec: FunctionSpec, stream: str, events: list[tuple[int, str]]) -> None: ...
