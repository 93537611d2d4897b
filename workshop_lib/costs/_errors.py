"""The error the cost models raise for inputs they cannot price."""

from __future__ import annotations

from ..errors import WorkshopError


class CostInputError(WorkshopError):
    """An input a cost model cannot use (a negative count, a memory size Lambda does not offer)."""


def require_non_negative(name: str, value: float) -> float:
    if value is None or value != value or value < 0:  # value != value catches NaN
        raise CostInputError(f"{name} must be zero or more, not {value!r}.")
    return float(value)


def require_positive(name: str, value: float) -> float:
    if value is None or value != value or value <= 0:
        raise CostInputError(f"{name} must be more than zero, not {value!r}.")
    return float(value)


def require_between(name: str, value: float, low: float, high: float, hint: str) -> float:
    if value is None or value != value or not low <= value <= high:
        raise CostInputError(f"{name} must be between {low:g} and {high:g}, not {value!r}.", hint)
    return float(value)
