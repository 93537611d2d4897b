"""The inspection library's exceptions, each with a hint for the learner."""

from __future__ import annotations

from ..errors import WorkshopError


class ExecutionError(WorkshopError):
    """Something about reading or following one execution."""


class ExecutionNotFoundError(ExecutionError):
    """Step Functions does not know the execution (a typo, another region, or an Express ARN)."""


class StepNotFoundError(ExecutionError, KeyError):
    """No state with that name ran in the execution."""

    def __str__(self) -> str:  # KeyError would otherwise print the message in quotes
        return WorkshopError.__str__(self)


class ExpressLogsError(ExecutionError):
    """An Express execution's progress could not be read from CloudWatch Logs."""


class WatchTimeoutError(ExecutionError):
    """The execution was still running when `watch()` or `run()` stopped waiting."""
