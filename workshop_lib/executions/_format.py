"""Small formatting helpers shared by the HTML and text views."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..graph import StateStatus

_JSON_LIMIT = 20_000


def status_name(status: StateStatus | str | None) -> str:
    if status is None:
        return "UNKNOWN"
    return status.value if isinstance(status, StateStatus) else str(status)


def seconds_text(seconds: float | None) -> str:
    """`0.4 ms`, `152 ms`, `2.50 s`, `1 min 01.0 s`."""
    if seconds is None:
        return "—"
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)} min {rest:04.1f} s"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)} h {int(minutes):02d} min"


def offset_text(seconds: float | None) -> str:
    """An elapsed time with three decimals, correct past one second: `+61.000 s`."""
    return "—" if seconds is None else f"+{seconds:.3f} s"


def clock_text(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def json_text(value: Any) -> str:
    """Pretty JSON (or the text itself when it is not JSON), shortened when very long."""
    if value is None:
        return "null"
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if len(text) > _JSON_LIMIT:
        hidden = len(text) - _JSON_LIMIT
        text = text[:_JSON_LIMIT] + f"\n… ({hidden:,} more characters not shown)"
    return text


def cause_text(cause: str | None) -> str:
    """An error's cause; a Lambda error's JSON is unpacked into message and stack trace."""
    if not cause:
        return ""
    try:
        document = json.loads(cause)
    except ValueError:
        return cause
    if not isinstance(document, dict):
        return cause
    if "errorMessage" in document:
        lines = [str(document.get("errorMessage"))]
        trace = document.get("stackTrace") or []
        if isinstance(trace, list) and trace:
            lines.append("Stack trace:")
            lines.extend(str(frame).rstrip() for frame in trace)
        return "\n".join(lines)
    return json_text(document)
