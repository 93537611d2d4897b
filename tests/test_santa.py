"""The story helpers for Santa's notebooks, against the local cloud without the whole app.

A dict of outputs stands in for the deployed stack: a versioned input bucket, an output bucket
and a one-state machine. Executions are started here the way the trigger function starts them
(same name, same input); test_santa_e2e.py runs the helpers against the real app.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from workshop_lib import clients, santa

pytestmark = pytest.mark.cloud


@pytest.fixture(scope="module")
def stack(local_cloud, lambda_role) -> Iterator[dict[str, str]]:
    s3, sfn = clients.client("s3"), clients.client("stepfunctions")
    suffix = uuid.uuid4().hex[:8]
    input_bucket, output_bucket = f"helpers-in-{suffix}", f"helpers-out-{suffix}"
    s3.create_bucket(Bucket=input_bucket)
    s3.put_bucket_versioning(Bucket=input_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket=output_bucket)
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    machine = sfn.create_state_machine(
        name=f"helpers-{suffix}", definition=json.dumps(definition), roleArn=lambda_role
    )["stateMachineArn"]
    yield {
        "InputBucketName": input_bucket,
        "OutputBucketName": output_bucket,
        "UploadPrefix": "uploads/",
        "StateMachineArn": machine,
        "TopicArn": "unused",
    }
    sfn.delete_state_machine(stateMachineArn=machine)


def start_like_the_trigger(stack: dict[str, str], upload: santa.UploadedList) -> str:
    document = {"bucket": upload.bucket, "key": upload.key, "versionId": upload.version_id}
    return clients.client("stepfunctions").start_execution(
        stateMachineArn=stack["StateMachineArn"],
        name=upload.execution_name,
        input=json.dumps(document, sort_keys=True),
    )["executionArn"]


def test_a_data_file_by_its_bare_name_goes_under_the_upload_prefix(stack):
    upload = santa.upload_list(stack, "bad_empty_list.json")
    assert upload.key == "uploads/bad_empty_list.json"
    assert upload.starts_workflow and upload.version_id
    body = clients.client("s3").get_object(Bucket=stack["InputBucketName"], Key=upload.key)
    assert body["Body"].read() == (santa.DATA / "bad_empty_list.json").read_bytes()
    assert body["VersionId"] == upload.version_id


def test_python_data_and_bytes_can_be_uploaded(stack):
    kids = [{"id": "kid-0001", "name": "Aino", "city": "Oulu", "country": "FI", "age": 6,
             "gifts": ["Sled"]}]  # fmt: skip
    from_data = santa.upload_list(stack, kids, key="aino.json")
    assert from_data.key == "uploads/aino.json"
    stored = clients.client("s3").get_object(Bucket=stack["InputBucketName"], Key=from_data.key)
    assert json.loads(stored["Body"].read()) == kids
    from_bytes = santa.upload_list(stack, b"[]")
    assert from_bytes.key.startswith("uploads/list-") and from_bytes.size == 2


def test_a_key_outside_the_prefix_is_kept_and_starts_nothing(stack):
    upload = santa.upload_list(stack, b"[]", key="drafts/list.json")
    assert upload.key == "drafts/list.json" and not upload.starts_workflow
    with pytest.raises(santa.SantaError, match="outside the upload prefix"):
        santa.wait_for_execution(stack, upload, timeout_s=5)


def test_a_missing_file_names_the_data_files(stack):
    with pytest.raises(santa.SantaError) as raised:
        santa.upload_list(stack, "no_such_list.json")
    assert "good_list.json" in (raised.value.hint or "")


def test_each_upload_of_the_same_key_gets_its_own_execution_name(stack):
    first = santa.upload_list(stack, "good_list.json", key="same.json")
    second = santa.upload_list(stack, "good_list.json", key="same.json")
    assert first.version_id != second.version_id
    assert first.execution_name != second.execution_name
    assert first.execution_name.startswith("santa-same-")


def test_wait_finds_the_execution_the_upload_started(stack):
    upload = santa.upload_list(stack, "good_list.json", key="waited.json")
    arn = start_like_the_trigger(stack, upload)
    run = santa.wait_for_execution(stack, upload)
    assert run.arn == arn == santa.execution_arn(stack, upload.execution_name)
    assert run.ok and run.status == "SUCCEEDED"
    assert run.input == {"bucket": upload.bucket, "key": upload.key, "versionId": upload.version_id}
    assert run.output == run.input  # a Pass state hands its input on
    assert run.seconds is not None and run.seconds >= 0


def test_wait_by_key_uses_the_latest_version(stack):
    santa.upload_list(stack, "good_list.json", key="latest.json")
    newer = santa.upload_list(stack, "good_list.json", key="latest.json")
    start_like_the_trigger(stack, newer)
    run = santa.wait_for_execution(stack, "uploads/latest.json")
    assert run.name == newer.execution_name


def test_wait_explains_when_nothing_started(stack):
    upload = santa.upload_list(stack, b"[]", key="ignored.json")
    with pytest.raises(santa.SantaError) as raised:
        santa.wait_for_execution(stack, upload, timeout_s=0.3)
    assert "No execution started" in str(raised.value)
    assert "uploads/ignored.json" in str(raised.value)
    assert "trigger" in (raised.value.hint or "").lower()


def test_wait_by_a_key_that_is_not_there(stack):
    with pytest.raises(santa.SantaError, match="There is no"):
        santa.wait_for_execution(stack, "uploads/never-uploaded.json", timeout_s=0.3)


def test_read_stamped_list_by_key_or_by_run(stack):
    kids = [
        {"id": "kid-0001", "name": "Ana", "gifts": ["Kite"], "stamp": "Ho Ho Ho"},
        {"id": "kid-0002", "name": "Ben", "gifts": ["Drum"]},
    ]
    s3 = clients.client("s3")
    s3.put_object(Bucket=stack["OutputBucketName"], Key="stamped/two.json", Body=json.dumps(kids))
    by_key = santa.read_stamped_list(stack, "stamped/two.json")
    assert list(by_key) == kids and len(by_key) == 2 and by_key.stamped == 1
    assert by_key[1]["name"] == "Ben"
    run = santa.Run(
        name="r", arn="a", status="SUCCEEDED", input={}, output={"key": "stamped/two.json"},
        error=None, cause=None, started=None, stopped=None,  # type: ignore[arg-type]
    )  # fmt: skip
    assert santa.read_stamped_list(stack, run).kids == kids
    assert "stamped/two.json" in santa.output_keys(stack)


def test_a_failed_run_has_no_stamped_list(stack):
    failed = santa.Run(
        name="r", arn="a", status="FAILED", input={}, output=None, error="ListRejected",
        cause="moved aside", started=None, stopped=None,  # type: ignore[arg-type]
    )  # fmt: skip
    with pytest.raises(santa.SantaError, match="FAILED"):
        santa.read_stamped_list(stack, failed)


def test_stamped_list_display_shortens_long_lists():
    kids = [{"id": f"kid-{n:04d}", "name": f"<kid {n}>", "gifts": ["a", "b"]} for n in range(20)]
    page = santa.SantaList("out", "stamped/x.json", kids)._repr_html_()
    assert "&lt;kid 0&gt;" in page and "&lt;kid 19&gt;" not in page
    assert "and 12 more" in page and "a; b" in page


def test_quarantine_lists_each_rejected_file_with_its_reason(stack):
    s3 = clients.client("s3")
    bucket = stack["InputBucketName"]
    s3.put_object(Bucket=bucket, Key="quarantine/naughty.1a2b.json", Body=b"[]")
    reason = {
        "error": "ListValidationError",
        "message": "Santa's list has 1 problem:\n- item 5: naughty!",
        "original": {"bucket": bucket, "key": "uploads/naughty.json", "versionId": "v1"},
        "quarantinedAt": "2024-12-24T12:00:00+00:00",
    }
    s3.put_object(
        Bucket=bucket, Key="quarantine/naughty.1a2b.json.reason.json", Body=json.dumps(reason)
    )
    s3.put_object(Bucket=bucket, Key="quarantine/orphan.json", Body=b"{}")
    found = {entry.key: entry for entry in santa.quarantine(stack)}
    assert set(found) == {"quarantine/naughty.1a2b.json", "quarantine/orphan.json"}
    naughty = found["quarantine/naughty.1a2b.json"]
    assert naughty.original_key == "uploads/naughty.json"
    assert naughty.error == "ListValidationError" and "item 5" in naughty.message
    assert naughty.reason_key == "quarantine/naughty.1a2b.json.reason.json"
    assert found["quarantine/orphan.json"].reason_key == ""
    assert "item 5: naughty!" in santa.quarantine(stack)._repr_html_()
    # One upload's entries still show as the quarantine's table, not as a bare list.
    only = santa.quarantine(stack).of("uploads/naughty.json")
    assert [entry.key for entry in only] == ["quarantine/naughty.1a2b.json"]
    assert "1</b> rejected list in" in only._repr_html_()
    assert santa.quarantine(stack).of("uploads/nice.json") == []


def test_an_empty_quarantine_says_so(stack):
    assert santa.quarantine(stack, prefix="nothing-here/") == []
    assert "empty" in santa.quarantine(stack, prefix="nothing-here/")._repr_html_()


def test_a_handler_loaded_here_talks_to_the_local_cloud(stack):
    validate = santa.load_handler("validate")
    upload = santa.upload_list(stack, "good_list.json", key="in-process.json")
    result = validate.lambda_handler({"bucket": upload.bucket, "key": upload.key}, None)
    assert (result["kids"], result["versionId"]) == (360, upload.version_id)
    with pytest.raises(validate.ListValidationError, match="empty"):
        validate.check_list((santa.DATA / "bad_empty_list.json").read_bytes())


def test_loading_an_unknown_handler_names_the_real_ones():
    with pytest.raises(santa.SantaError) as raised:
        santa.load_handler("wrap")
    assert "validate" in (raised.value.hint or "") and "fixit" in (raised.value.hint or "")


def test_make_and_remove_a_bucket(local_cloud):
    s3 = clients.client("s3")
    name = santa.make_bucket("Scratch")
    assert name.startswith("santa-scratch-") and name == name.lower()
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    s3.put_object(Bucket=name, Key="a.json", Body=b"[]")
    s3.put_object(Bucket=name, Key="a.json", Body=b"[1]")
    assert santa.remove_bucket(name) == 2
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert santa.remove_bucket(name) == 0  # already gone: nothing to do


def test_a_run_shows_the_lambda_message_not_the_raw_payload():
    cause = json.dumps({"errorMessage": "TOPIC_ARN is not set.", "errorType": "Configuration"})
    failed = santa.Run(
        name="r", arn="a", status="FAILED", input={}, output=None, error="ConfigurationError",
        cause=cause, started=None, stopped=None,  # type: ignore[arg-type]
    )  # fmt: skip
    assert "ConfigurationError: TOPIC_ARN is not set." in str(failed)
    assert "errorType" not in failed._repr_html_()
