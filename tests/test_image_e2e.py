"""The image processor deployed from its SAM template, fed through S3 like a real gallery.

Every file in data/images is uploaded at once under uploads/; S3 notifies the trigger, which
starts one execution per upload. Good photos must come out as clean web files, every bad input
must end in NotifyError with its specific reason, and nothing may process twice or loop.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest
from PIL import Image

from workshop_lib import clients
from workshop_lib.deploy import build_template, resolve_app
from workshop_lib.gallery import sample_bytes, sample_manifest
from workshop_lib.images_app import ImageApp, ImageRun, lambda_code
from workshop_lib.inbox import Inbox

FILES = sample_manifest()["files"]
VALID = sorted(name for name, entry in FILES.items() if entry["outcome"] == "valid")
INVALID = sorted(name for name, entry in FILES.items() if entry["outcome"] == "invalid")
PHOTOS = sorted(name for name, entry in FILES.items() if entry["kind"] == "photo")
VARIANTS = {"thumbnail", "medium", "large", "grayscale"}
GALLERY = {
    "rocket.jpg": "valid",
    "chelsea.png": "valid",
    "coffee.webp": "valid",
    "corrupt.png": "corrupt",
}


@pytest.fixture(scope="module")
def app(local_cloud: Any) -> Iterator[ImageApp]:
    deployed = ImageApp.deploy()
    try:
        yield deployed
    finally:
        deployed.destroy()


@pytest.fixture(scope="module")
def inbox(app: ImageApp) -> Iterator[Inbox]:
    with Inbox.subscribe(app.topic_arn) as subscribed:
        yield subscribed


@pytest.fixture(scope="module")
def runs(app: ImageApp, inbox: Inbox) -> dict[str, ImageRun]:
    """Every sample uploaded at the same moment (23 files), then every result."""
    finished = app.process(list(FILES), timeout=300)
    return {run.upload.file_name: run for run in finished}


@pytest.fixture(scope="module")
def messages(runs: dict[str, ImageRun], inbox: Inbox) -> dict[str, list[Any]]:
    received = inbox.messages(wait_s=30, expected=len(runs))
    by_image: dict[str, list[Any]] = {}
    for message in received:
        by_image.setdefault(message.attributes.get("imageId", "?"), []).append(message)
    return by_image


def history(arn: str) -> list[dict[str, Any]]:
    sfn = clients.client("stepfunctions")
    return sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def attempts_of_validate(arn: str) -> int:
    return sum(
        1
        for event in history(arn)
        if event.get("stateEnteredEventDetails", {}).get("name") == "ValidateImage"
    )


def read_output(app: ImageApp, key: str) -> bytes:
    return clients.client("s3").get_object(Bucket=app.output_bucket, Key=key)["Body"].read()


def executions(app: ImageApp) -> list[dict[str, Any]]:
    pages = clients.client("stepfunctions").get_paginator("list_executions")
    return [
        e
        for page in pages.paginate(stateMachineArn=app.state_machine_arn)
        for e in page["executions"]
    ]


# -- many uploads at once ---------------------------------------------------------------------
def test_twenty_uploads_at_once_are_all_processed(app, runs):
    assert len(runs) == len(FILES) >= 20
    assert {run.status for run in runs.values()} <= {"SUCCEEDED", "FAILED"}
    assert sorted(e["name"] for e in executions(app)) == sorted(
        run.upload.image_id for run in runs.values()
    )


# -- good images -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", VALID)
def test_every_good_image_gets_all_its_web_files(app, runs, name):
    run = runs[name]
    assert run.status == "SUCCEEDED", run.reason
    assert run.record is not None and run.record.status == "SUCCEEDED"
    assert set(run.record.stages) == {"validate", "resize", "filters", "optimize"}
    outputs = run.record.outputs
    assert {o["name"] for o in outputs} == VARIANTS
    expected = FILES[name]
    formats = {"PNG", "WEBP"} if expected["has_alpha"] else {"JPEG", "WEBP"}
    assert {o["format"] for o in outputs} == formats
    assert len(outputs) == len(VARIANTS) * len(formats)

    validation = run.output["validation"]["image"]
    shown_w, shown_h = validation["displayWidth"], validation["displayHeight"]
    imaging = lambda_code().imaging
    for output in outputs:
        data = read_output(app, output["key"])
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
        assert (width, height) == (output["width"], output["height"])
        if expected["orientation"] != "square":  # correctly oriented
            assert (height > width) == (expected["orientation"] == "portrait")
        assert abs(height - width * shown_h / shown_w) <= 1  # aspect ratio within 1 px
        assert max(width, height) <= max(shown_w, shown_h)  # never enlarged
        assert imaging.metadata_kinds(data) == set()  # no EXIF, so no GPS either


@pytest.mark.parametrize("name", PHOTOS)
def test_photos_come_out_no_larger_in_bytes(runs, name):
    original = len(sample_bytes(name))
    assert all(o["bytes"] <= original for o in runs[name].record.outputs)


def test_the_gps_tagged_portrait_loses_its_location(app, runs):
    imaging = lambda_code().imaging
    assert "gps" in imaging.metadata_kinds(sample_bytes("portrait_exif_rotated_gps.jpg"))
    for output in runs["portrait_exif_rotated_gps.jpg"].record.outputs:
        assert not any(
            tag.startswith("GPS") for tag in imaging.exif_tags(read_output(app, output["key"]))
        )


def test_no_intermediate_is_left_behind(app, runs):
    leftovers = clients.client("s3").list_objects_v2(Bucket=app.output_bucket, Prefix="work/")
    assert leftovers.get("KeyCount", 0) == 0


# -- bad inputs --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", INVALID)
def test_every_bad_input_ends_in_notify_error_with_its_reason(app, runs, name):
    run = runs[name]
    reason = FILES[name]["reason"]
    assert run.status == "FAILED"
    events = history(run.execution_arn)
    exited = {
        e["stateExitedEventDetails"]["name"]: json.loads(e["stateExitedEventDetails"]["output"])
        for e in events
        if "stateExitedEventDetails" in e
    }
    assert exited["NotifyError"]["notification"]["reason"] == reason
    assert "OptimizeImage" not in exited
    assert run.record.status == "FAILED" and run.record.reason == reason
    assert run.record.error["message"]

    # The original is untouched: same bytes, still the only version of its key.
    s3 = clients.client("s3")
    kept = s3.get_object(Bucket=app.input_bucket, Key=run.upload.key)
    assert kept["VersionId"] == run.upload.version_id
    assert kept["Body"].read() == sample_bytes(name)
    versions = s3.list_object_versions(Bucket=app.input_bucket, Prefix=run.upload.key)
    assert [v["VersionId"] for v in versions["Versions"]] == [run.upload.version_id]
    assert "DeleteMarkers" not in versions
    made = s3.list_objects_v2(Bucket=app.output_bucket, Prefix=f"processed/{run.upload.image_id}/")
    assert made.get("KeyCount", 0) == 0


# -- messages ------------------------------------------------------------------------------------
def test_each_upload_gets_one_message_saying_what_happened(runs, messages):
    for name, run in runs.items():
        (message,) = messages[run.upload.image_id]
        assert message.status == run.status
        assert message.subject.isascii() and len(message.subject) < 100
        assert name in message.message
        if run.status == "FAILED":
            assert FILES[name]["reason"] in message.message


# -- duplicates and recursion ----------------------------------------------------------------
def test_a_duplicated_s3_event_processes_once(app, runs, inbox, messages):
    upload = app.upload("pixel_1x1.png")
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": app.input_bucket},
            "object": {
                "key": quote_plus(upload.key),
                "versionId": upload.version_id,
                "sequencer": "00ABCDEF0123456789",
            },
        },
    }
    lam = clients.client("lambda")
    answers: list[dict[str, Any]] = []

    def deliver() -> None:  # S3 delivering the same event again, twice, at the same moment
        response = lam.invoke(
            FunctionName=app.function_name("trigger"), Payload=json.dumps({"Records": [record]})
        )
        answers.append(json.loads(response["Payload"].read()))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run = app.wait(upload)
    assert run.status == "SUCCEEDED"
    (execution,) = [e for e in executions(app) if e["name"] == upload.image_id]
    # While it runs, Step Functions answers a repeated start with the same execution; once it
    # has finished, with ExecutionAlreadyExists. Either way there is only the one.
    for answer in answers:
        assert [s["executionArn"] for s in answer["started"]] in ([], [execution["executionArn"]])
        assert len(answer["started"]) + len(answer["duplicates"]) == 1
    assert attempts_of_validate(run.execution_arn) == 1
    later = inbox.messages(wait_s=5, expected=1)
    assert [m.attributes.get("imageId") for m in later].count(upload.image_id) == 1


def test_outputs_can_never_start_the_workflow(app, runs):
    """Recursion-safe by construction: results go to another bucket, which has no
    notification, and no function may write to the input bucket at all."""
    template = build_template(resolve_app("images"))
    resources = template["Resources"]
    buckets = {name: r for name, r in resources.items() if r["Type"] == "AWS::S3::Bucket"}
    notified = [
        name
        for name, r in buckets.items()
        if "NotificationConfiguration" in r.get("Properties", {})
    ]
    assert notified == ["InputBucket"]
    (rule,) = resources["InputBucket"]["Properties"]["NotificationConfiguration"][
        "LambdaConfigurations"
    ][0]["Filter"]["S3Key"]["Rules"]
    assert rule == {"Name": "prefix", "Value": {"Ref": "UploadPrefix"}}
    input_name = resources["InputBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    for name, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                actions = [actions] if isinstance(actions, str) else actions
                writes = [
                    a
                    for a in actions
                    if a.startswith("s3:") and any(w in a for w in ("Put", "Delete", "*"))
                ]
                if writes:
                    assert input_name not in json.dumps(statement["Resource"]), (name, writes)

    # And in the running stack: one execution per upload, nothing new in the input bucket,
    # no notification on the output bucket.
    s3 = clients.client("s3")
    notification = s3.get_bucket_notification_configuration(Bucket=app.output_bucket)
    assert not any(key.endswith("Configurations") for key in notification)
    versions = s3.list_object_versions(Bucket=app.input_bucket)["Versions"]
    assert {v["Key"] for v in versions} == {run.upload.key for run in runs.values()}
    assert len(executions(app)) == len(versions)


# -- batch (Map) -------------------------------------------------------------------------------
def test_a_batch_processes_a_whole_folder(app, runs):
    before = len(executions(app))
    put = [app.put(name, folder="gallery/") for name in GALLERY]
    batch = app.run_batch("gallery/", concurrency=2)
    assert len(executions(app)) == before  # the folder is outside the upload prefix
    assert batch.status == "SUCCEEDED"
    assert batch.concurrency == 2
    assert (batch.summary["succeeded"], batch.summary["failed"]) == (3, 1)
    assert batch.summary["failures"] == [{"key": "gallery/corrupt.png", "reason": "corrupt"}]
    records = {record.image_id: record for record in batch.records}
    for upload in put:
        record = records[upload.image_id]  # the id the trigger would have given it
        expected = GALLERY[upload.file_name]
        if expected == "valid":
            assert record.status == "SUCCEEDED" and len(record.outputs) == 8
        else:
            assert record.status == "FAILED" and record.reason == expected
    assert "gallery/" in batch._repr_html_()


def test_a_notebook_can_find_the_deployed_app_again(app):
    found = ImageApp.connect()
    assert found.stack.status == "CREATE_COMPLETE"
    assert found.function_name("validate") == app.function_name("validate")
    assert found.table_name == app.table_name


def test_the_tracking_table_holds_one_record_per_upload(app, runs):
    table = app.records()
    ids = {record.image_id for record in table}
    assert {run.upload.image_id for run in runs.values()} <= ids
    counts = table.by_status()
    assert counts["SUCCEEDED"] >= len(VALID) and counts["FAILED"] >= len(INVALID)
    page = table._repr_html_()
    assert "truncated" in page and "decompression_bomb" in page
