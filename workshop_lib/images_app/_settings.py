"""The deployed functions' settings: memory, timeout, handler and environment variables."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from .. import clients
from ..display import Displayable


@dataclass(frozen=True)
class FunctionSetting:
    name: str
    handler: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]


class FunctionSettings(list[FunctionSetting], Displayable):
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

    @property
    def shared_environment(self) -> dict[str, str]:
        """The variables every function has, with the same value (shown once, not per row)."""
        if len(self) < 2:
            return {}
        first = self[0].environment
        return {k: v for k, v in first.items() if all(s.environment.get(k) == v for s in self[1:])}

    def _html(self) -> str:
        shared = self.shared_environment
        rows = "".join(
            f"<tr><td><b>{html.escape(s.name)}</b></td><td><code>{html.escape(s.handler)}</code>"
            f"</td><td class=num>{s.memory_mb} MB</td><td class=num>{s.timeout_s} s</td><td>"
            + (
                "<br>".join(
                    _variable_html(k, v)
                    for k, v in sorted(s.environment.items())
                    if k not in shared
                )
                or "<small>(only the shared ones)</small>"
            )
            + "</td></tr>"
            for s in self
        )
        table = (
            "<table><tr><th>function</th><th>handler</th><th class=num>memory</th>"
            f"<th class=num>timeout</th><th>its own environment variables</th></tr>{rows}</table>"
        )
        if shared:
            listed = "<br>".join(_variable_html(k, v) for k, v in sorted(shared.items()))
            table += f"<div><b>Every function also has:</b><br>{listed}</div>"
        return table


_SHOWN_CHARS = 48


def _variable_html(name: str, value: str) -> str:
    """`NAME = value` on one line; a long value is cut, with the whole of it on hover."""
    shown = value if len(value) <= _SHOWN_CHARS else value[: _SHOWN_CHARS - 1] + "…"
    return (
        f"<small><code>{html.escape(name)}</code> = "
        f'<code title="{html.escape(value, quote=True)}">{html.escape(shown)}</code></small>'
    )
