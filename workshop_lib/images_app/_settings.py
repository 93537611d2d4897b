"""The deployed functions' settings: memory, timeout, handler and environment variables."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from .. import clients
from ..display import protected


@dataclass(frozen=True)
class FunctionSetting:
    name: str
    handler: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]


class FunctionSettings(list[FunctionSetting]):
    """One row per function, as Lambda reports them (so what was deployed, not what was meant)."""

    @classmethod
    def read(cls, functions: Mapping[str, str]) -> FunctionSettings:
        """`functions` maps a short name to the deployed function name."""
        lam = clients.client("lambda")
        settings = cls()
        for short, name in functions.items():
            config = lam.get_function_configuration(FunctionName=name)
            settings.append(
                FunctionSetting(
                    name=short,
                    handler=config["Handler"],
                    memory_mb=config["MemorySize"],
                    timeout_s=config["Timeout"],
                    environment={
                        name: str(value)  # always text in Lambda, whatever the template held
                        for name, value in config.get("Environment", {})
                        .get("Variables", {})
                        .items()
                    },
                )
            )
        return settings

    def __str__(self) -> str:
        return "\n".join(
            f"{s.name:<15} {s.handler:<26} {s.memory_mb:>5} MB {s.timeout_s:>3} s  "
            + ", ".join(sorted(s.environment))
            for s in self
        )

    @protected
    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><b>{html.escape(s.name)}</b></td><td><code>{html.escape(s.handler)}</code>"
            f"</td><td>{s.memory_mb} MB</td><td>{s.timeout_s} s</td><td><small>"
            + ", ".join(
                f"{html.escape(k)}=<code>{html.escape(v)}</code>"
                for k, v in sorted(s.environment.items())
            )
            + "</small></td></tr>"
            for s in self
        )
        return (
            "<table><tr><th>function</th><th>handler</th><th>memory</th><th>timeout</th>"
            f"<th>environment variables</th></tr>{rows}</table>"
        )
