"""Santa's Lambda functions one at a time, the way the console's Test button runs them.

Each folder in infra/santa/functions/ is deployed as it is into the local cloud and invoked with
test events: the good list, every bad list, and the events the workflow hands each step. S3, SNS
and Step Functions are the local cloud's. The rules themselves are tested without any cloud in
test_santa_rules.py; the functions wired together are in test_santa_e2e.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import workshop_lib as wl
from workshop_lib import clients, santa
from workshop_lib.constants import STEP_FUNCTIONS_PAYLOAD_LIMIT
from workshop_lib.deploy import empty_bucket
from workshop_lib.inbox import Inbox

pytestmark = pytest.mark.cloud

BAD_LISTS = sorted(path.name for path in santa.DATA.glob("bad_*.json"))

# What the validate step's message must point at, for each bad list.
EXPECTED_COMPLAINTS = {
    "bad_not_json.json": ["not valid JSON", "line 9, column 3"],
    "bad_not_a_list.json": ["top level must be a JSON array", '"kids"'],
    "bad_missing_fields.json": ["item 6", "'city'", "missing"],
    "bad_wrong_types.json": ["item 3", "'age'", '"seven"', "item 8", "'gifts'"],
    "bad_too_many_gifts.json": ["item 5", "naughty", "at most 3"],
    "bad_empty_list.json": ["empty"],
    "bad_duplicate_kid.json": ["item 9", "copy of item 4"],
    "bad_many_problems.json": ["9 problems", "and 4 more"],
}


@dataclass(frozen=True)
class Elves:
    """The deployed functions and what they work on."""

    names: dict[str, str]
    stack: dict[str, str]
    inbox: Inbox

    def invoke(self, function: str, event: Any) -> wl.Invocation:
        return wl.invoke(self.names[function], event)

    def upload(self, data_file: str) -> santa.UploadedList:
        # A fresh key per test, so one test moving a file cannot disturb another.
        key = f"{uuid.uuid4().hex[:6]}-{data_file}"
        return santa.upload_list(self.stack, data_file, key=key)


def reference(upload: santa.UploadedList) -> dict[str, Any]:
    return {"bucket": upload.bucket, "key": upload.key, "versionId": upload.version_id}


@pytest.fixture(scope="module")
def elves(local_cloud, lambda_role) -> Iterator[Elves]:
    s3, sns, sfn = clients.client("s3"), clients.client("sns"), clients.client("stepfunctions")
    suffix = uuid.uuid4().hex[:6]
    input_bucket, output_bucket = f"elves-in-{suffix}", f"elves-out-{suffix}"
    for bucket in (input_bucket, output_bucket):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    topic = sns.create_topic(Name=f"elves-{suffix}")["TopicArn"]
    machine = sfn.create_state_machine(
        name=f"elves-{suffix}",
        definition=json.dumps(
            {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
        ),
        roleArn=lambda_role,
    )["stateMachineArn"]
    environments = {
        "validate": {},
        "transform": {"OUTPUT_BUCKET": output_bucket, "UPLOAD_PREFIX": "uploads/"},
        "notify": {"TOPIC_ARN": topic},
        "fixit": {"UPLOAD_PREFIX": "uploads/", "QUARANTINE_PREFIX": "quarantine/"},
        "trigger": {"STATE_MACHINE_ARN": machine, "UPLOAD_PREFIX": "uploads/"},
    }
    names = {}
    for function, environment in environments.items():
        names[function] = f"elf-{function}-{suffix}"
        wl.deploy_function(
            names[function],
            santa.FUNCTIONS / function,
            memory_mb=256,
            timeout_s=30,
            environment=environment,
        )
    inbox = Inbox.subscribe(topic)
    stack = {
        "InputBucketName": input_bucket,
        "OutputBucketName": output_bucket,
        "UploadPrefix": "uploads/",
        "StateMachineArn": machine,
        "TopicArn": topic,
    }
    yield Elves(names, stack, inbox)
    inbox.delete()
    for name in names.values():
        wl.delete_function(name)
    for bucket in (input_bucket, output_bucket):
        empty_bucket(bucket)
        s3.delete_bucket(Bucket=bucket)
    sns.delete_topic(TopicArn=topic)
    sfn.delete_state_machine(stateMachineArn=machine)


# -- validate -------------------------------------------------------------------------------------


def test_validate_accepts_the_good_list_and_returns_a_reference(elves: Elves):
    upload = elves.upload("good_list.json")
    result = elves.invoke("validate", reference(upload))
    assert result.ok, result.payload
    assert result.payload["bucket"] == upload.bucket and result.payload["key"] == upload.key
    assert result.payload["versionId"] == upload.version_id
    assert (result.payload["kids"], result.payload["gifts"]) == (360, 698)
    assert result.payload["bytes"] == upload.size
    assert any("validate: OK, 360 kids" in line for line in result.log_lines)
    assert result.report is not None and result.report.memory_size_mb == 256


def test_every_bad_list_has_its_expected_complaint():
    assert sorted(EXPECTED_COMPLAINTS) == BAD_LISTS


@pytest.mark.parametrize("data_file", BAD_LISTS)
def test_validate_rejects_each_bad_list_saying_where(elves: Elves, data_file: str):
    result = elves.invoke("validate", reference(elves.upload(data_file)))
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "ListValidationError"
    for words in EXPECTED_COMPLAINTS[data_file]:
        assert words in result.payload["errorMessage"]
    assert any("validate: rejected" in line for line in result.log_lines)


def test_validate_passes_a_big_list_on_as_a_small_reference(elves: Elves):
    upload = elves.upload("big_list.json")
    assert upload.size > STEP_FUNCTIONS_PAYLOAD_LIMIT
    result = elves.invoke("validate", reference(upload))
    assert result.ok and result.payload["kids"] == 2900
    assert len(json.dumps(result.payload).encode()) < 1024


def test_validate_explains_an_event_without_bucket_or_key(elves: Elves):
    result = elves.invoke("validate", {"Bucket": "capital letters"})
    assert result.payload["errorType"] == "InvalidInputError"
    assert '"bucket"' in result.payload["errorMessage"]


def test_validate_of_a_missing_object_fails_with_s3s_error(elves: Elves):
    result = elves.invoke(
        "validate", {"bucket": elves.stack["InputBucketName"], "key": "uploads/gone.json"}
    )
    assert result.payload["errorType"] == "NoSuchKey"


# -- transform ------------------------------------------------------------------------------------


def validated(elves: Elves, data_file: str) -> dict[str, Any]:
    result = elves.invoke("validate", reference(elves.upload(data_file)))
    assert result.ok, result.payload
    return result.payload


def stored_versions(bucket: str, key: str) -> int:
    listed = clients.client("s3").list_object_versions(Bucket=bucket, Prefix=key)
    return len([v for v in listed.get("Versions", []) if v["Key"] == key])


def test_transform_stamps_every_request_into_the_output_bucket(elves: Elves):
    checked = validated(elves, "good_list.json")
    result = elves.invoke("transform", checked)
    assert result.ok, result.payload
    payload = result.payload
    assert payload["status"] == "SUCCEEDED"
    assert payload["bucket"] == elves.stack["OutputBucketName"]
    assert payload["key"].startswith("stamped/") and payload["key"].endswith(".json")
    assert (payload["kids"], payload["stamped"], payload["alreadyExisted"]) == (360, 360, False)
    stamped = santa.read_stamped_list(elves.stack, payload["key"])
    original = json.loads((santa.DATA / "good_list.json").read_bytes())
    assert [{k: v for k, v in kid.items() if k != "stamp"} for kid in stamped] == original
    assert stamped.stamped == len(original)


def test_transform_twice_writes_once(elves: Elves):
    checked = validated(elves, "good_list.json")
    first = elves.invoke("transform", checked).payload
    second = elves.invoke("transform", checked).payload
    assert second["key"] == first["key"]
    assert (first["alreadyExisted"], second["alreadyExisted"]) == (False, True)
    assert stored_versions(elves.stack["OutputBucketName"], first["key"]) == 1


def test_a_new_upload_of_the_same_key_gets_its_own_stamped_list(elves: Elves):
    first_upload = elves.upload("good_list.json")
    again = santa.upload_list(elves.stack, "good_list.json", key=first_upload.key)
    keys = set()
    for upload in (first_upload, again):
        checked = elves.invoke("validate", reference(upload)).payload
        keys.add(elves.invoke("transform", checked).payload["key"])
    assert len(keys) == 2


def test_transform_never_overwrites_a_different_list(elves: Elves):
    checked = validated(elves, "good_list.json")
    key = elves.invoke("transform", checked).payload["key"]
    bucket = elves.stack["OutputBucketName"]
    clients.client("s3").put_object(Bucket=bucket, Key=key, Body=b'["someone else\'s"]')
    result = elves.invoke("transform", checked)
    assert result.payload["errorType"] == "StampedListConflictError"
    body = clients.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert body == b'["someone else\'s"]'


# -- notify ---------------------------------------------------------------------------------------


def test_notify_announces_a_stamped_list(elves: Elves):
    elves.inbox.clear()
    stamped = elves.invoke("transform", validated(elves, "good_list.json")).payload
    result = elves.invoke("notify", stamped)
    assert result.ok and result.payload["status"] == "SUCCEEDED"
    (message,) = elves.inbox.messages(wait_s=5, expected=1)
    assert message.status == "SUCCEEDED"
    assert message.subject == "Santa's list is stamped: 360 kids, 698 gifts"
    assert stamped["key"] in message.message
    assert message.message_id == result.payload["messageId"]


def test_notify_announces_a_rejected_list(elves: Elves):
    elves.inbox.clear()
    rejected = {
        "status": "FAILED",
        "bucket": elves.stack["InputBucketName"],
        "key": "quarantine/naughty.json",
        "reasonKey": "quarantine/naughty.json.reason.json",
        "error": "ListValidationError",
        "reason": "Santa's list has 1 problem:\n- item 5 (kid-0006): naughty!",
        "original": {"bucket": elves.stack["InputBucketName"], "key": "uploads/naughty.json"},
    }
    assert elves.invoke("notify", rejected).ok
    (message,) = elves.inbox.messages(wait_s=5, expected=1)
    assert message.status == "FAILED"
    assert message.subject == "Santa's list was rejected: ListValidationError"
    assert "uploads/naughty.json" in message.message and "item 5" in message.message


def test_notify_refuses_an_input_it_does_not_know_and_sends_nothing(elves: Elves):
    elves.inbox.clear()
    result = elves.invoke("notify", {"kids": 3})
    assert result.payload["errorType"] == "NotificationInputError"
    assert elves.inbox.messages(wait_s=0) == []


# -- fixit ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("data_file", BAD_LISTS)
def test_fixit_quarantines_each_bad_list_with_its_reason(elves: Elves, data_file: str):
    upload = elves.upload(data_file)
    failure = elves.invoke("validate", reference(upload)).payload
    # What a Catch with "ResultPath": "$.error" hands FixIt: the input plus the error.
    event = {
        **reference(upload),
        "error": {"Error": failure["errorType"], "Cause": json.dumps(failure)},
    }
    result = elves.invoke("fixit", event)
    assert result.ok, result.payload
    moved = result.payload
    assert moved["status"] == "FAILED" and moved["error"] == "ListValidationError"
    assert moved["key"].startswith("quarantine/") and not moved["alreadyQuarantined"]
    s3 = clients.client("s3")
    kept = s3.get_object(Bucket=upload.bucket, Key=moved["key"])["Body"].read()
    assert kept == (santa.DATA / data_file).read_bytes()
    reason = json.loads(s3.get_object(Bucket=upload.bucket, Key=moved["reasonKey"])["Body"].read())
    assert reason["error"] == "ListValidationError"
    assert reason["message"] == failure["errorMessage"]
    assert reason["original"]["key"] == upload.key
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=upload.bucket, Key=upload.key)


def test_fixit_twice_is_harmless(elves: Elves):
    upload = elves.upload("bad_empty_list.json")
    event = {**reference(upload), "error": {"Error": "ListValidationError", "Cause": "empty"}}
    first = elves.invoke("fixit", event).payload
    second = elves.invoke("fixit", event).payload
    assert second["key"] == first["key"] and second["alreadyQuarantined"]
    assert stored_versions(upload.bucket, first["key"]) == 1


# -- trigger --------------------------------------------------------------------------------------


def s3_event(upload: santa.UploadedList, event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventName": event_name,
                "s3": {
                    "bucket": {"name": upload.bucket},
                    "object": {"key": upload.key, "versionId": upload.version_id},
                },
            }
        ]
    }


def test_trigger_starts_one_execution_per_upload_even_if_told_twice(elves: Elves):
    upload = elves.upload("good_list.json")
    first = elves.invoke("trigger", s3_event(upload))
    assert first.ok, first.payload
    (started,) = first.payload["started"]
    assert started["name"] == upload.execution_name
    run = santa.wait_for_execution(elves.stack, upload)
    assert run.input == reference(upload)
    again = elves.invoke("trigger", s3_event(upload)).payload
    assert again["started"] == [] and [d["name"] for d in again["duplicates"]] == [started["name"]]


def test_trigger_skips_what_is_not_an_upload(elves: Elves):
    outside = santa.upload_list(elves.stack, b"[]", key="quarantine/x.json")
    deleted = elves.upload("bad_empty_list.json")
    result = elves.invoke(
        "trigger",
        {
            "Records": s3_event(outside)["Records"]
            + s3_event(deleted, "ObjectRemoved:Delete")["Records"]
        },
    ).payload
    assert result["started"] == []
    assert sorted(item["key"] for item in result["skipped"]) == sorted([outside.key, deleted.key])
