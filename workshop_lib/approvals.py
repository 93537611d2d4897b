"""Santa's lists that wait for a person: read them from the approvals queue, approve or reject.

The workflow's WaitForApproval state sends one message per list to the stack's approvals queue
(`ApprovalQueueUrl`) with a task token and the list's summary, then waits. Answering is one call:

    waiting = approvals.wait_for_approval(stack, upload)    # the request an upload started
    waiting.approve(reviewer="Mrs Claus")                    # SendTaskSuccess: the run goes on
    waiting.reject("Fireworks are not a toy.")               # SendTaskFailure: to quarantine
    approvals.widget(waiting)                                # the same, with two buttons

A rejected list fails with `ApprovalRejected` and the reviewer's reason as its cause, which FixIt
writes beside the quarantined list. An approval that comes too late (or twice) is refused by
Step Functions; here that is an `ApprovalError` that says the list no longer waits.
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import ClientError

from . import clients
from .display import Displayable, protect, theme
from .errors import WorkshopError
from .santa import execution_arn

__all__ = [
    "REJECTED",
    "Approval",
    "ApprovalError",
    "pending",
    "wait_for_approval",
    "widget",
]

REJECTED = "ApprovalRejected"
"""The error a rejected list fails with (the state machine's Catch sends it to FixIt)."""
_STALE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}
# Long enough to read a list and click; a message not answered comes back for someone else.
_VISIBILITY_S = 60
_POLL_S = 0.2


class StackOutputs(Protocol):
    def __getitem__(self, name: str, /) -> str: ...


class ApprovalError(WorkshopError):
    """An approval could not be given: the list no longer waits, or no request arrived."""


@dataclass
class Approval(Displayable):
    """One list waiting for a person, as its message on the approvals queue describes it."""

    token: str
    execution: str
    summary: dict[str, Any]
    queue_url: str
    receipt: str = field(repr=False)
    answer: str | None = None

    @property
    def key(self) -> str:
        return str(self.summary.get("key", "?"))

    @property
    def reasons(self) -> list[str]:
        return list((self.summary.get("approval") or {}).get("reasons") or [])

    def approve(self, *, reviewer: str = "", note: str = "") -> None:
        """Let the run go on (SendTaskSuccess); the output is kept at `$.approval`."""
        output = {"approved": True, "reviewer": reviewer, "note": note}
        self._answer("approved", "send_task_success", output=json.dumps(output))

    def reject(self, reason: str, *, reviewer: str = "") -> None:
        """Send the list to quarantine (SendTaskFailure) with `reason` beside it."""
        if not reason.strip():
            raise ApprovalError(
                f"No reason given for rejecting {self.key}.",
                hint="Say why, e.g. reject('Fireworks are not a toy.'): FixIt keeps it.",
            )
        cause = f"{reason.strip()} (rejected by {reviewer})" if reviewer else reason.strip()
        self._answer("rejected", "send_task_failure", error=REJECTED, cause=cause)

    def _answer(self, verdict: str, call: str, **request: str) -> None:
        sfn, sqs = clients.client("stepfunctions"), clients.client("sqs")
        try:
            getattr(sfn, call)(taskToken=self.token, **request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in _STALE:
                raise
            # Nobody can answer this request any more: take it off the queue.
            sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=self.receipt)
            self.answer = f"too late ({code})"
            raise ApprovalError(
                f"{self.key} no longer waits for approval ({code}): its approval timed out, "
                "was answered already, or the run was stopped.",
                hint="Look at the run (santa.wait_for_execution) and at santa.quarantine(stack).",
            ) from error
        sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=self.receipt)
        self.answer = verdict

    def __str__(self) -> str:
        why = "; ".join(self.reasons) or "no reason given"
        kids, gifts = self.summary.get("kids", "?"), self.summary.get("gifts", "?")
        return f"{self.key}: {kids} kids, {gifts} gifts. Needs approval: {why}."

    def _html(self) -> str:
        return _summary_html(self)


def pending(stack: StackOutputs, *, wait_s: float = 1.0) -> list[Approval]:
    """The lists waiting on the stack's approvals queue now (each hidden from other readers for
    a minute, until it is answered or handed back)."""
    sqs = clients.client("sqs")
    url = stack["ApprovalQueueUrl"]
    found: list[Approval] = []
    wait = max(0, min(20, round(wait_s)))
    while True:
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait,
            VisibilityTimeout=_VISIBILITY_S,
        ).get("Messages", [])
        if not messages:
            return found
        found += [a for m in messages if (a := _parse(url, m)) is not None]
        wait = 0


def wait_for_approval(stack: StackOutputs, upload: Any, *, timeout_s: float = 30.0) -> Approval:
    """The approval request of one run: `upload` is what `santa.upload_list` returned, or an
    execution ARN. Requests of other runs go back on the queue."""
    name = getattr(upload, "execution_name", None)
    wanted = execution_arn(stack, name) if name else str(upload)
    sqs = clients.client("sqs")
    deadline = time.monotonic() + timeout_s
    while True:
        found = pending(stack, wait_s=1)
        mine = [a for a in found if a.execution == wanted]
        for other in found:
            if other not in mine:
                sqs.change_message_visibility(
                    QueueUrl=other.queue_url, ReceiptHandle=other.receipt, VisibilityTimeout=0
                )
        if mine:
            return mine[0]
        if time.monotonic() > deadline:
            raise ApprovalError(
                f"No approval request arrived for {wanted.rsplit(':', 1)[-1]} in {timeout_s:g} s.",
                hint="Only lists over the kids limit or with a flagged gift wait for approval; "
                "check the run with santa.wait_for_execution.",
            )
        time.sleep(_POLL_S)


def widget(approval: Approval, *, reviewer: str = "") -> Any:
    """The list's summary with Approve and Reject buttons (and a box for the reason)."""
    import ipywidgets as widgets

    summary = widgets.HTML(protect(_summary_html(approval)))
    reason = widgets.Text(placeholder="Why reject it? (kept beside the list)")
    approve = widgets.Button(description="Approve", button_style="success", icon="check")
    reject = widgets.Button(description="Reject", button_style="danger", icon="times")
    status = widgets.HTML()

    def done(text: str, colour: str) -> None:
        status.value = protect(f"<b style='color:{colour}'>{html.escape(text)}</b>")
        approve.disabled = reject.disabled = reason.disabled = True

    def on_approve(_: Any) -> None:
        try:
            approval.approve(reviewer=reviewer)
        except ApprovalError as error:
            done(str(error).splitlines()[0], theme.FAILURE)
        else:
            done("Approved: the run goes on to TransformData.", theme.SUCCESS)

    def on_reject(_: Any) -> None:
        try:
            approval.reject(reason.value, reviewer=reviewer)
        except ApprovalError as error:
            status.value = protect(
                f"<b style='color:{theme.FAILURE}'>{html.escape(str(error))}</b>"
            )
            if approval.answer:
                done(str(error).splitlines()[0], theme.FAILURE)
        else:
            done("Rejected: the list goes to quarantine with your reason.", theme.FAILURE)

    approve.on_click(on_approve)
    reject.on_click(on_reject)
    return widgets.VBox([summary, reason, widgets.HBox([approve, reject]), status])


def _parse(queue_url: str, message: dict[str, Any]) -> Approval | None:
    try:
        body = json.loads(message["Body"])
        return Approval(
            token=body["taskToken"],
            execution=body.get("execution", ""),
            summary=body.get("list") or {},
            queue_url=queue_url,
            receipt=message["ReceiptHandle"],
        )
    except (ValueError, KeyError, TypeError):
        return None  # not an approval request; left for whoever sent it


def _summary_html(approval: Approval) -> str:
    s = approval.summary
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in approval.reasons)
    state = f"<p><b>{html.escape(approval.answer)}</b></p>" if approval.answer else ""
    return (
        f"<div><b>Santa's list waits for approval</b>"
        f"<table><tr><th>List</th><td><code>s3://{html.escape(str(s.get('bucket', '?')))}/"
        f"{html.escape(approval.key)}</code></td></tr>"
        f"<tr><th>Kids</th><td>{html.escape(str(s.get('kids', '?')))}</td></tr>"
        f"<tr><th>Gifts</th><td>{html.escape(str(s.get('gifts', '?')))}</td></tr>"
        f"<tr><th>Run</th><td><code>{html.escape(approval.execution.rsplit(':', 1)[-1])}"
        f"</code></td></tr></table><p>Why a person must look:</p><ul>{reasons}</ul>{state}</div>"
    )
