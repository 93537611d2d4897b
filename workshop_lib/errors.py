"""The workbook's exceptions. Each says what is wrong and what to do about it."""

from __future__ import annotations

__all__ = [
    "CloudError",
    "CloudNotRunningError",
    "DeployError",
    "ModeError",
    "PortInUseError",
    "RegionRequiredError",
    "WorkshopError",
]


class WorkshopError(Exception):
    """Base class. `hint` says what the learner can do next."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message}\n  What to do: {self.hint}" if self.hint else message


class ModeError(WorkshopError):
    """An unknown mode, or a mode that is missing something it needs."""


class RegionRequiredError(ModeError):
    """aws mode refuses to guess the region."""


class CloudError(WorkshopError):
    """Something about the local cloud."""


class CloudNotRunningError(CloudError):
    """The local cloud is not answering on its port."""


class PortInUseError(CloudError):
    """Another program already listens on the cloud's port."""


class DeployError(WorkshopError):
    """A deploy or destroy did not complete."""
