"""What happened to each state in one execution, for colouring the diagram."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ._definition import GraphError


class StateStatus(enum.Enum):
    """How far a state got in an execution."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CAUGHT = "CAUGHT"
    """It failed, and a Catch sent the execution on to a handler."""
    IN_PROGRESS = "IN_PROGRESS"
    NOT_REACHED = "NOT_REACHED"
    CANCELLED = "CANCELLED"
    """The execution stopped (aborted or timed out) while this state ran."""

    @classmethod
    def parse(cls, value: StateStatus | str) -> StateStatus:
        if isinstance(value, cls):
            return value
        key = str(value).strip().upper().replace(" ", "_").replace("-", "_")
        try:
            return cls[key]
        except KeyError:
            raise OverlayError(
                f"{value!r} is not a state status.",
                hint=f"Use one of: {', '.join(status.name for status in cls)}.",
            ) from None


class OverlayError(GraphError):
    """An execution overlay the diagram cannot use."""


@dataclass(frozen=True)
class StateOverlay:
    """One state's outcome: its status, how many times it was retried, and an optional note."""

    status: StateStatus
    retries: int = 0
    note: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", StateStatus.parse(self.status))
        if self.retries < 0:
            raise OverlayError(f"retries={self.retries} is negative.", hint="Count retries from 0.")


OverlayInput = Mapping[str, StateOverlay | StateStatus | str]


def resolve_overlay(
    overlay: OverlayInput | None, state_names: Iterable[str]
) -> dict[str, StateOverlay] | None:
    """Every state's outcome; states the overlay leaves out were not reached.

    Names that are not states of this machine are ignored: an overlay may come from the
    history of an older version of the machine.
    """
    if overlay is None:
        return None
    resolved: dict[str, StateOverlay] = {}
    for name in state_names:
        entry = overlay.get(name)
        if entry is None:
            resolved[name] = StateOverlay(StateStatus.NOT_REACHED)
        elif isinstance(entry, StateOverlay):
            resolved[name] = entry
        else:
            resolved[name] = StateOverlay(StateStatus.parse(entry))
    return resolved
