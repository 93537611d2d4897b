"""What an Express workflow's logs add to its bill, and the run-twice caveat that goes with it.

An Express workflow keeps no history: logging at level ALL with execution data is how anyone
sees what it did, and CloudWatch Logs bills every byte of it (at the vended logs rate, per AWS's
Step Functions guide). The size is measured from the log group itself: each execution's log
events, by their message bytes. The price is `cloudwatch.logs.vended_ingestion` in the price
book (its status says how sure it is). The records are found as `workshop_lib.executions`
finds an Express execution's events.

    logging = express_logging(express_copy, express_runs)   # runs: StartSyncExecution answers
    logging.per_execution, logging.monthly(1_000_000)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import clients
from ..display import TableReport, number, usd
from ..executions import ExecutionError, express_log_messages
from ..pricing import PriceBook, load_prices
from ._errors import CostInputError

PRICE = "cloudwatch.logs.vended_ingestion"
_GB = 1024**3

AT_LEAST_ONCE = (
    "Express runs its steps at least once when started asynchronously (StartExecution, or an "
    "event rule): a step can run twice, so every step must be safe to repeat (idempotent). "
    "StartSyncExecution, used here, is at most once; Standard is exactly once."
)


@dataclass(frozen=True)
class ExpressLogging(TableReport):
    """Log bytes per execution of an Express workflow and what CloudWatch Logs charges for them."""

    log_group: str
    executions: int
    events_per_execution: float
    bytes_per_execution: float
    price_per_gb: float
    include_execution_data: bool = True

    @property
    def per_execution(self) -> float:
        return self.bytes_per_execution / _GB * self.price_per_gb

    def monthly(self, executions: float) -> float:
        """The ingestion charge for a month of `executions` (first price band)."""
        return self.per_execution * executions

    def _rows(self) -> list[tuple[str, str]]:
        return [
            ("log events per execution", number(round(self.events_per_execution, 1))),
            ("bytes per execution", number(round(self.bytes_per_execution))),
            ("per execution", usd(self.per_execution)),
            ("per 1,000,000 executions", usd(self.monthly(1_000_000))),
        ]

    def _title(self) -> str:
        data = "with" if self.include_execution_data else "without"
        return f"CloudWatch Logs for Express at level ALL, {data} execution data"

    def _notes(self) -> list[str]:
        return [
            f"Measured from {self.log_group} over {self.executions} execution(s); priced at "
            f"{usd(self.price_per_gb)} per GB ingested ({PRICE}); storage is extra.",
            "Level ERROR, or leaving execution data out, logs far less (and shows far less).",
            AT_LEAST_ONCE,
        ]

    HEADERS = ("", "")


def express_logging(
    log_group: str | Any,
    runs: Iterable[Mapping[str, Any] | str],
    *,
    prices: PriceBook | None = None,
) -> ExpressLogging:
    """Measure the log bytes of Express executions (StartSyncExecution answers or execution
    ARNs) in `log_group` (a name, or an `ExpressCopy`) and price them."""
    group = getattr(log_group, "log_group", log_group)
    arns = {run if isinstance(run, str) else str(run["executionArn"]) for run in runs}
    if not arns:
        raise CostInputError("No executions to measure.", hint="Pass the answers of .run().")
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    for arn in arns:
        try:
            messages = express_log_messages(group, arn)
        except ExecutionError as error:
            raise CostInputError(str(error.args[0]), hint=error.hint) from None
        sizes[arn] = sum(len(message.encode("utf-8")) for message in messages)
        counts[arn] = len(messages)
    missing = [arn for arn, count in counts.items() if count == 0]
    if missing:
        raise CostInputError(
            f"{len(missing)} execution(s) have no log events in {group}.",
            hint="Is the state machine logging at level ALL to this group? Logs can take a few "
            "seconds to arrive in AWS; try again.",
        )
    book = prices or load_prices()
    with_data = True
    if hasattr(log_group, "arn"):  # an ExpressCopy: read how it logs
        described = clients.client("stepfunctions").describe_state_machine(
            stateMachineArn=log_group.arn
        )
        with_data = bool(described.get("loggingConfiguration", {}).get("includeExecutionData"))
    return ExpressLogging(
        log_group=group,
        executions=len(arns),
        events_per_execution=sum(counts.values()) / len(arns),
        bytes_per_execution=sum(sizes.values()) / len(arns),
        price_per_gb=book.value(PRICE),
        include_execution_data=with_data,
    )
