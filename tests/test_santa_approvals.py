"""Santa's human approval: lists over the kids limit or with a flagged gift wait with a task token
on the approvals queue. Approve, reject, time out and a stale token, through plain boto3 (and the
small `workshop_lib.approvals` helper) against the deployed app on the local cloud."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from workshop_lib import approvals, clients, cloud, santa
from workshop_lib.deploy import Stack, deploy, destroy
from workshop_lib.templates import load_template

pytestmark = pytest.mark.cloud

# good_list.json has 360 kids: over this limit it needs a person; the default (10000) lets it by.
MAX_KIDS = "100"
# On the tests' time scale (1/100) an hour of waiting is 36 s: the approve and reject tests
# answer well within it; the timeout test shrinks the time scale instead.
TIMEOUT_S = "3600"


@pytest.fixture(scope="module")
def stack(local_cloud) -> Iterator[Stack]:
    destroy("santa")
    stack = deploy(
        "santa",
        parameters={"ApprovalMaxKids": MAX_KIDS, "ApprovalTimeoutSeconds": TIMEOUT_S},
    )
    yield stack
    destroy("santa")  # the other Santa tests deploy the defaults again


def _request(stack: Stack, upload: santa.UploadedList) -> dict:
    """The approval request's message, read with plain boto3 (left on the queue)."""
    sqs = clients.client("sqs")
    arn = santa.execution_arn(stack, upload.execution_name)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in sqs.receive_message(
            QueueUrl=stack["ApprovalQueueUrl"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            sqs.change_message_visibility(
                QueueUrl=stack["ApprovalQueueUrl"],
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=0,
            )
            body = json.loads(message["Body"])
            if body["execution"] == arn:
                return body
    raise AssertionError("no approval request arrived")


def _quarantined(stack: Stack, upload: santa.UploadedList) -> santa.Rejected:
    (found,) = [r for r in santa.quarantine(stack) if r.original_key == upload.key]
    return found


def test_a_big_list_waits_and_an_approval_lets_it_through(stack: Stack):
    upload = santa.upload_list(stack, "good_list.json", key="uploads/approve-me.json")
    body = _request(stack, upload)
    assert body["list"]["kids"] == 360
    assert body["list"]["approval"] == {
        "needed": True,
        "reasons": [f"360 kids, more than {MAX_KIDS} without approval"],
    }
    sfn = clients.client("stepfunctions")
    arn = santa.execution_arn(stack, upload.execution_name)
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"  # it waits
    clients.client("stepfunctions").send_task_success(
        taskToken=body["taskToken"], output=json.dumps({"approved": True, "reviewer": "Mrs C"})
    )
    run = santa.wait_for_execution(stack, upload, timeout_s=60)
    assert run.status == "SUCCEEDED", run.cause
    assert run.output["kids"] == 360 and run.output["status"] == "SUCCEEDED"
    stamped = santa.read_stamped_list(stack, run)
    assert len(stamped) == 360
    # The same token again is refused: the task is over.
    sfn = clients.client("stepfunctions")
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=body["taskToken"], output="{}")


def test_a_rejected_list_is_quarantined_with_the_reviewers_reason(stack: Stack):
    upload = santa.upload_list(stack, "good_list.json", key="uploads/reject-me.json")
    waiting = approvals.wait_for_approval(stack, upload)
    assert waiting.key == "uploads/reject-me.json"
    assert "Santa's list waits for approval" in waiting._repr_html_()
    waiting.reject("Too many kids for one sleigh this year.", reviewer="Mrs Claus")
    run = santa.wait_for_execution(stack, upload, timeout_s=60)
    assert run.status == "FAILED" and run.error == "ListRejected"
    rejected = _quarantined(stack, upload)
    assert rejected.error == approvals.REJECTED
    assert rejected.message == "Too many kids for one sleigh this year. (rejected by Mrs Claus)"
    assert not [k for k in santa.output_keys(stack) if "reject-me" in k]  # nothing stamped


def test_an_approval_that_never_comes_times_out_into_quarantine(stack: Stack, local_cloud):
    # An hour of waiting on a time scale of 1/2000: the timeout comes after about 1.8 s.
    cloud.configure(local_cloud.port, time_scale=0.0005)
    try:
        upload = santa.upload_list(stack, "good_list.json", key="uploads/forgotten.json")
        waiting = approvals.wait_for_approval(stack, upload)
        run = santa.wait_for_execution(stack, upload, timeout_s=60)
    finally:
        cloud.configure(local_cloud.port, time_scale=local_cloud.time_scale)
    assert run.status == "FAILED" and run.error == "ListRejected"
    assert _quarantined(stack, upload).error == "States.Timeout"
    # A reviewer who answers now is told the list no longer waits, and the request is gone.
    with pytest.raises(approvals.ApprovalError, match="TaskTimedOut"):
        waiting.approve(reviewer="late elf")
    assert waiting.answer == "too late (TaskTimedOut)"
    assert all(a.execution != waiting.execution for a in approvals.pending(stack, wait_s=0))


def test_a_made_up_token_is_refused_as_invalid(stack: Stack):
    sfn = clients.client("stepfunctions")
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_success(taskToken="not-a-token", output="{}")


KIDS = [
    {
        "id": f"kid-{n:04d}",
        "name": f"Kid {n}",
        "city": "Oulu",
        "country": "FI",
        "age": 7,
        "gifts": ["book"],
    }
    for n in range(1, 4)
]


def test_a_flagged_gift_waits_even_on_a_short_list(stack: Stack):
    kids = [*KIDS[:2], {**KIDS[2], "gifts": ["book", "Fireworks"]}]
    upload = santa.upload_list(stack, kids, key="uploads/flagged.json")
    waiting = approvals.wait_for_approval(stack, upload)
    assert waiting.reasons == ["flagged gift asked for: fireworks"]
    waiting.approve(reviewer="Mrs Claus", note="sparklers only")
    run = santa.wait_for_execution(stack, upload, timeout_s=60)
    assert run.status == "SUCCEEDED", run.cause
    # The reviewer's answer is what the waiting task returned.
    history = clients.client("stepfunctions").get_execution_history(
        executionArn=run.arn, maxResults=1000
    )["events"]
    (answer,) = [
        e["taskSucceededEventDetails"]
        for e in history
        if e["type"] == "TaskSucceeded" and e["taskSucceededEventDetails"]["resourceType"] == "sqs"
    ]
    assert json.loads(answer["output"])["note"] == "sparklers only"


def test_a_short_list_without_flagged_gifts_needs_nobody(stack: Stack):
    upload = santa.upload_list(stack, KIDS, key="uploads/no-approval.json")
    run = santa.wait_for_execution(stack, upload, timeout_s=60)
    assert run.status == "SUCCEEDED", run.cause
    history = clients.client("stepfunctions").get_execution_history(
        executionArn=run.arn, maxResults=1000
    )["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("Entered")
    ]
    assert entered == ["ValidateData", "NeedsApproval", "TransformData", "Notify"]


@pytest.mark.parametrize("data_file", ["good_list.json", "big_list.json"])
def test_the_workbooks_good_lists_need_nobody_with_the_templates_defaults(data_file, monkeypatch):
    validate = santa.load_handler("validate")
    template = santa.REPO / "infra" / "santa" / "template.yaml"
    parameters = load_template(template)["Parameters"]
    monkeypatch.setenv("APPROVAL_MAX_KIDS", str(parameters["ApprovalMaxKids"]["Default"]))
    monkeypatch.setenv("APPROVAL_FLAGGED_GIFTS", parameters["ApprovalFlaggedGifts"]["Default"])
    summary = validate.check_list((santa.DATA / data_file).read_bytes())
    decision = validate.approval_needed(summary, *validate.approval_settings())
    assert decision == {"needed": False, "reasons": []}
    # ... while the same list with one flagged gift does.
    flagged = validate.ListSummary(summary.kids, summary.gifts, ("fireworks",))
    assert validate.approval_needed(flagged, *validate.approval_settings())["needed"]


def test_the_widgets_buttons_answer_the_request(stack: Stack):
    kids = [*KIDS[:2], {**KIDS[2], "gifts": ["live reindeer"]}]
    upload = santa.upload_list(stack, kids, key="uploads/widget.json")
    view = approvals.widget(approvals.wait_for_approval(stack, upload), reviewer="Mrs Claus")
    summary, _reason, buttons, status = view.children
    approve, reject = buttons.children
    assert "live reindeer" in summary.value
    reject.click()  # no reason typed: refused, and the buttons stay usable
    assert "No reason given" in status.value and not approve.disabled
    approve.click()
    assert "Approved" in status.value and approve.disabled and reject.disabled
    run = santa.wait_for_execution(stack, upload, timeout_s=60)
    assert run.status == "SUCCEEDED", run.cause
