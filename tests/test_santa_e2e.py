"""Santa's app end to end: the real stack deployed once, every data file uploaded at once.

Nothing here starts an execution by hand except the rerun test: uploads under uploads/ start
them through S3 and the trigger function, exactly as in a real account.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

import workshop_lib as wl
from workshop_lib import clients, santa
from workshop_lib.constants import STEP_FUNCTIONS_PAYLOAD_LIMIT
from workshop_lib.deploy import Stack, deploy, destroy
from workshop_lib.inbox import Inbox, Message

pytestmark = pytest.mark.cloud

GOOD = ["good_list.json", "big_list.json"]
BAD = sorted(path.name for path in santa.DATA.glob("bad_*.json"))
RERUN_PREFIX = "rerun-"


@dataclass(frozen=True)
class App:
    stack: Stack
    inbox: Inbox
    uploads: dict[str, santa.UploadedList]
    runs: dict[str, santa.Run]
    messages: list[Message]

    def message_about(self, data_file: str) -> Message:
        key = self.uploads[data_file].key
        (found,) = [m for m in self.messages if f"/{key}" in m.message]
        return found


@pytest.fixture(scope="module")
def app(local_cloud) -> Iterator[App]:
    destroy("santa")  # start clean, whatever an earlier run left behind
    stack = deploy("santa")
    inbox = Inbox.subscribe(stack["TopicArn"])
    files = GOOD + BAD

    def process(name: str) -> tuple[santa.UploadedList, santa.Run]:
        upload = santa.upload_list(stack, name)
        return upload, santa.wait_for_execution(stack, upload, timeout_s=60)

    # One good and one bad list first, so that every function has a warm environment: on a
    # small machine, many cold starts at once cost more than running the lists side by side
    # saves. The rest then go two at a time.
    first = ["good_list.json", BAD[0]]
    results = dict(zip(first, map(process, first), strict=True))
    rest = [name for name in files if name not in results]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results.update(zip(rest, pool.map(process, rest), strict=True))
    uploads = {name: results[name][0] for name in files}
    runs = {name: results[name][1] for name in files}
    messages = inbox.messages(wait_s=30, expected=len(files))
    yield App(stack, inbox, uploads, runs, messages)
    inbox.delete()
    destroy("santa")


def states_entered(run: santa.Run) -> list[str]:
    events = clients.client("stepfunctions").get_execution_history(executionArn=run.arn)["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]


def all_executions(stack: Stack) -> list[dict]:
    paginator = clients.client("stepfunctions").get_paginator("list_executions")
    return [
        execution
        for page in paginator.paginate(stateMachineArn=stack["StateMachineArn"])
        for execution in page["executions"]
    ]


def test_each_upload_starts_its_own_execution_by_itself(app: App):
    for data_file, upload in app.uploads.items():
        run = app.runs[data_file]
        assert run.name == upload.execution_name
        assert run.input == {
            "bucket": upload.bucket,
            "key": upload.key,
            "versionId": upload.version_id,
        }
    names = {execution["name"] for execution in all_executions(app.stack)}
    assert {upload.execution_name for upload in app.uploads.values()} <= names


def test_the_good_list_comes_out_with_every_request_stamped(app: App):
    run = app.runs["good_list.json"]
    assert run.ok, run
    # No person needed: the good list is under the kids limit and asks for no flagged gift.
    assert states_entered(run) == ["ValidateData", "NeedsApproval", "TransformData", "Notify"]
    stamped = santa.read_stamped_list(app.stack, run)
    original = json.loads((santa.DATA / "good_list.json").read_bytes())
    assert [{**kid, "stamp": "Ho Ho Ho"} for kid in original] == stamped.kids
    assert run.output["notification"]["status"] == "SUCCEEDED"


def test_a_list_bigger_than_a_state_can_carry_succeeds(app: App):
    upload, run = app.uploads["big_list.json"], app.runs["big_list.json"]
    assert upload.size > STEP_FUNCTIONS_PAYLOAD_LIMIT
    assert run.ok, run
    assert santa.read_stamped_list(app.stack, run).stamped == 2900
    history = clients.client("stepfunctions").get_execution_history(executionArn=run.arn)
    for event in history["events"]:
        for details in event.values():
            if isinstance(details, dict):
                for field in ("input", "output"):
                    size = len(str(details.get(field, "")).encode())
                    assert size < STEP_FUNCTIONS_PAYLOAD_LIMIT // 100, event["type"]


@pytest.mark.parametrize("data_file", GOOD)
def test_a_success_message_reaches_the_topic(app: App, data_file: str):
    message = app.message_about(data_file)
    assert message.status == "SUCCEEDED"
    assert message.subject.startswith("Santa's list is stamped")
    assert app.runs[data_file].output["key"] in message.message


@pytest.mark.parametrize("data_file", BAD)
def test_a_bad_list_ends_in_quarantine_with_its_reason_and_a_message(app: App, data_file: str):
    upload, run = app.uploads[data_file], app.runs[data_file]
    assert (run.status, run.error) == ("FAILED", "ListRejected")
    assert states_entered(run) == ["ValidateData", "FixIt", "NotifyFailure", "ListRejected"]
    (entry,) = [e for e in santa.quarantine(app.stack) if e.original_key == upload.key]
    validate = santa.load_handler("validate")
    with pytest.raises(validate.ListValidationError) as expected:
        validate.check_list((santa.DATA / data_file).read_bytes())
    assert entry.error == "ListValidationError"
    assert entry.message == str(expected.value)
    s3 = clients.client("s3")
    kept = s3.get_object(Bucket=upload.bucket, Key=entry.key)["Body"].read()
    assert kept == (santa.DATA / data_file).read_bytes()
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=upload.bucket, Key=upload.key)
    message = app.message_about(data_file)
    assert message.status == "FAILED"
    assert message.subject == "Santa's list was rejected: ListValidationError"
    assert entry.key in message.message


def test_nothing_from_a_bad_list_is_written_to_the_output_bucket(app: App):
    expected = sorted(app.runs[name].output["key"] for name in GOOD)
    assert santa.output_keys(app.stack) == expected


def test_rerunning_an_upload_neither_clobbers_nor_duplicates(app: App):
    first = app.runs["good_list.json"]
    sfn, s3 = clients.client("stepfunctions"), clients.client("s3")
    # The same upload through the workflow again: the stamped list is found, not rewritten.
    arn = sfn.start_execution(
        stateMachineArn=app.stack["StateMachineArn"],
        name=f"{RERUN_PREFIX}{uuid.uuid4().hex[:8]}",
        input=json.dumps(first.input),
    )["executionArn"]
    deadline = time.monotonic() + 60
    while (again := santa.Run.describe(arn)).status == "RUNNING":
        assert time.monotonic() < deadline, "the rerun did not finish"
        time.sleep(0.05)
    assert again.ok, again
    assert again.output["key"] == first.output["key"]
    assert again.output["alreadyExisted"] is True
    versions = s3.list_object_versions(
        Bucket=app.stack["OutputBucketName"], Prefix=first.output["key"]
    )
    assert len(versions["Versions"]) == 1
    # S3 delivering the same event twice: the trigger recognises the execution it started.
    (trigger,) = [
        physical
        for logical, (_, physical) in app.stack.resources.items()
        if logical == "TriggerFunction"
    ]
    upload = app.uploads["good_list.json"]
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": upload.bucket},
            "object": {"key": upload.key, "versionId": upload.version_id},
        },
    }
    answer = wl.invoke(trigger, {"Records": [record]}).payload
    assert answer["started"] == []
    assert [d["name"] for d in answer["duplicates"]] == [upload.execution_name]


def test_nothing_the_workflow_writes_starts_it_again(app: App):
    # The workflow has written stamped lists, quarantined lists and reason files by now.
    assert santa.output_keys(app.stack) and santa.quarantine(app.stack)
    # One last upload, waited for: S3 events that came before it have been handled by then.
    last = santa.upload_list(app.stack, "bad_empty_list.json", key="zz-last.json")
    santa.wait_for_execution(app.stack, last, timeout_s=60)
    expected = {upload.execution_name for upload in [*app.uploads.values(), last]}
    names = [execution["name"] for execution in all_executions(app.stack)]
    started_by_uploads = [name for name in names if not name.startswith(RERUN_PREFIX)]
    assert sorted(started_by_uploads) == sorted(expected)
