"""The error the scaling models raise for inputs they cannot simulate."""

from __future__ import annotations

from ..errors import WorkshopError


class ScalingInputError(WorkshopError):
    """An input a scaling model cannot use (a negative rate, min above max, ...)."""


def require_non_negative(name: str, value: float) -> float:
    if value is None or value != value or value < 0:  # value != value catches NaN
        raise ScalingInputError(f"{name} must be zero or more, not {value!r}.")
    return float(value)


def require_positive(name: str, value: float) -> float:
    if value is None or value != value or value <= 0:
        raise ScalingInputError(f"{name} must be more than zero, not {value!r}.")
    return float(value)
