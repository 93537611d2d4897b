"""Reading an execution ARN: the one place that knows its parts.

    arn:aws:states:<region>:<account>:execution:<state machine>:<name>
    arn:aws:states:<region>:<account>:express:<state machine>:<name>:<id>

A Standard execution's ARN has eight parts; an Express one has a ninth, the execution's id.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import ExecutionError

_KINDS = ("execution", "express")


@dataclass(frozen=True)
class ExecutionArn:
    """An execution ARN, split into what the library needs from it."""

    arn: str
    state_machine_arn: str
    state_machine_name: str
    name: str
    express: bool

    @classmethod
    def parse(cls, arn: str) -> ExecutionArn:
        """The parts of `arn`; `ExecutionError` when it is not a Step Functions execution ARN."""
        found = cls.read(arn)
        if found is None:
            raise ExecutionError(
                f"{arn!r} is not a Step Functions execution ARN.",
                hint="Use the executionArn that start_execution or start_sync_execution "
                "returned (arn:aws:states:<region>:<account>:execution:<machine>:<name>).",
            )
        return found

    @classmethod
    def read(cls, arn: str) -> ExecutionArn | None:
        """The parts of `arn`, or None when it is not an execution ARN (for display code)."""
        parts = str(arn).split(":")
        if len(parts) < 8 or parts[0] != "arn" or parts[5] not in _KINDS:
            return None
        machine = ":".join([*parts[:5], "stateMachine", parts[6]])
        return cls(arn, machine, parts[6], parts[7], parts[5] == "express")
