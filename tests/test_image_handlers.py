"""The image processor's Lambda handlers (infra/image_processor/src), called in this process.

Each handler runs exactly as Lambda would run it (same modules, same environment variables)
against real S3, DynamoDB, SNS and Step Functions in the local cloud, on every image in
data/images. The deployed workflow is tested in test_image_e2e.py.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

import pytest
from PIL import Image

from workshop_lib import clients
from workshop_lib.apps import load_lambda_package
from workshop_lib.gallery import IMAGES_DIR, sample_manifest
from workshop_lib.images_app import SOURCE_DIR
from workshop_lib.inbox import Inbox

FILES = sample_manifest()["files"]
VALID = sorted(name for name, entry in FILES.items() if entry["outcome"] == "valid")
INVALID = sorted(name for name, entry in FILES.items() if entry["outcome"] == "invalid")
PHOTOS = sorted(name for name, entry in FILES.items() if entry["kind"] == "photo")
MODULES = (
    "imaging",
    "settings",
    "uploads",
    "vendor.aws",
    "storage",
    "tracking",
    "stages",
    "trigger",
    "validate",
    "resize",
    "filters",
    "optimize",
    "notify",
    "batch",
)
PORTRAIT = "portrait_exif_rotated_gps.jpg"


def read(name: str) -> bytes:
    return (IMAGES_DIR / name).read_bytes()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture(scope="module")
def app(local_cloud: Any) -> Iterator[SimpleNamespace]:
    """Buckets, table, topic and a state machine, and the handler modules, configured for them."""
    suffix = uuid.uuid4().hex[:8]
    s3, ddb = clients.client("s3"), clients.client("dynamodb")
    sns, sfn = clients.client("sns"), clients.client("stepfunctions")
    input_bucket, output_bucket = f"handlers-in-{suffix}", f"handlers-out-{suffix}"
    for bucket in (input_bucket, output_bucket):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=input_bucket, VersioningConfiguration={"Status": "Enabled"})
    table = f"handlers-{suffix}"
    ddb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "imageId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "imageId", "KeyType": "HASH"}],
    )
    topic = sns.create_topic(Name=f"handlers-{suffix}")["TopicArn"]
    machine = sfn.create_state_machine(
        name=f"handlers-{suffix}",
        definition=json.dumps(
            {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
        ),
        roleArn="arn:aws:iam::123456789012:role/unused",
    )["stateMachineArn"]
    inbox = Inbox.subscribe(topic)

    patch = pytest.MonkeyPatch()
    for key, value in clients.offline_environment(local_cloud.port).items():
        patch.setenv(key, value)
    for key, value in {
        "INPUT_BUCKET": input_bucket,
        "UPLOAD_PREFIX": "uploads/",
        "OUTPUT_BUCKET": output_bucket,
        "OUTPUT_PREFIX": "processed/",
        "WORK_PREFIX": "work/",
        "TABLE_NAME": table,
        "TOPIC_ARN": topic,
        "STATE_MACHINE_ARN": machine,
        "DEFAULT_FILTERS": "grayscale",
    }.items():
        patch.setenv(key, value)
    modules = load_lambda_package(SOURCE_DIR, MODULES)  # one environment, clients from env
    modules["aws"] = modules.pop("vendor.aws")
    modules["aws"].client.cache_clear()
    try:
        yield SimpleNamespace(
            **modules,
            input_bucket=input_bucket,
            output_bucket=output_bucket,
            table=table,
            topic=topic,
            machine=machine,
            inbox=inbox,
            patch=patch,
        )
    finally:
        modules["aws"].client.cache_clear()
        for name in [*MODULES, "vendor", "vendor.s3_uploads"]:
            sys.modules.pop(name, None)
        patch.undo()
        inbox.delete()


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The handlers' /tmp for one test (tempfile.gettempdir() answers this folder)."""
    folder = tmp_path / "lambda-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def put(
    app: SimpleNamespace,
    name: str,
    *,
    key: str | None = None,
    filters: str | None = None,
    data: bytes | None = None,
) -> dict[str, Any]:
    """Upload a sample and return the workflow's input for it."""
    key = key or f"uploads/{uuid.uuid4().hex[:6]}/{name}"
    extra = {"Metadata": {"filters": filters}} if filters is not None else {}
    version = clients.client("s3").put_object(
        Bucket=app.input_bucket, Key=key, Body=read(name) if data is None else data, **extra
    )["VersionId"]
    upload = app.uploads.Upload(app.input_bucket, key, version)
    return upload.execution_input()


def record(app: SimpleNamespace, image_id: str) -> dict[str, Any]:
    found = app.tracking.Tracker(app.table).get(image_id)
    assert found is not None
    return found


def process(app: SimpleNamespace, event: dict[str, Any]) -> dict[str, Any]:
    """The workflow's happy path, by hand: each handler gets what the state machine gives it."""
    validation = app.validate.lambda_handler(event, None)
    source = {**event, "versionId": validation["versionId"]}
    resized = app.resize.lambda_handler(source, None)
    filtered = app.filters.lambda_handler({**source, "filters": validation["filters"]}, None)
    optimized = app.optimize.lambda_handler(
        {
            **source,
            "originalBytes": validation["bytes"],
            "resized": resized["variants"],
            "filtered": filtered["variants"],
        },
        None,
    )
    return {
        "validation": validation,
        "resized": resized,
        "filtered": filtered,
        "optimized": optimized,
    }


@pytest.fixture(scope="module")
def processed(app: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every valid sample through validate, resize, filters and optimize (once per module)."""
    results: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("lambda-tmp")
        patch.setattr(tempfile, "tempdir", str(folder))

        def run(name: str) -> dict[str, Any]:
            event = put(app, name)
            return {"event": event, **process(app, event)}

        with ThreadPoolExecutor(max_workers=4) as pool:  # as Lambda would, side by side
            results.update(zip(VALID, pool.map(run, VALID), strict=True))
        results["_tmp"] = sorted(folder.iterdir())
    return results


# -- validate ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", VALID)
def test_validate_describes_every_good_image(app, scratch, name):
    expected = FILES[name]
    event = put(app, name)
    result = app.validate.lambda_handler(event, None)
    assert result["valid"] is True
    assert (result["format"], result["orientation"]) == (
        expected["format"],
        expected["orientation"],
    )
    assert result["hasAlpha"] == expected["has_alpha"]
    assert result["frames"] == expected["frames"]
    assert result["exifOrientation"] == expected["exif_orientation"]
    assert result["versionId"] == event["versionId"] and result["bytes"] == len(read(name))
    assert result["filters"] == ["grayscale"]
    json.dumps(result)  # Step Functions can carry it
    saved = record(app, event["imageId"])
    assert saved["status"] == "PROCESSING"
    assert saved["stages"]["validate"]["status"] == "SUCCEEDED"
    assert (saved["format"], saved["bytes"]) == (expected["format"], len(read(name)))
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("name", INVALID)
def test_validate_rejects_every_bad_input_with_its_reason(app, scratch, name):
    event = put(app, name)
    with pytest.raises(app.imaging.InvalidImageError) as caught:
        app.validate.lambda_handler(event, None)
    # Step Functions sees the class name as the error and the reason first in the cause.
    assert type(caught.value).__name__ == "InvalidImageError"
    assert caught.value.reason == FILES[name]["reason"]
    assert str(caught.value).startswith(FILES[name]["reason"] + ": ")
    stage = record(app, event["imageId"])["stages"]["validate"]
    assert stage["status"] == "FAILED" and stage["error"] == "InvalidImageError"
    assert list(scratch.iterdir()) == [], "a failed validation left files in /tmp"


def test_validate_refuses_an_oversized_upload_before_reading_it(app, scratch):
    app.patch.setenv("MAX_BYTES", "1000")
    try:
        with pytest.raises(app.imaging.InvalidImageError) as caught:
            app.validate.lambda_handler(put(app, "rocket.jpg"), None)
    finally:
        app.patch.delenv("MAX_BYTES")
    assert caught.value.reason == "too_large"
    assert list(scratch.iterdir()) == []


def test_validate_reads_filters_from_the_upload_metadata(app, scratch):
    result = app.validate.lambda_handler(put(app, "coffee.png", filters=" Sepia, sharpen "), None)
    assert result["filters"] == ["sepia", "sharpen"]
    assert (
        app.validate.lambda_handler(put(app, "coffee.png", filters="none"), None)["filters"] == []
    )


def test_validate_rejects_unknown_filters_by_name(app, scratch):
    event = put(app, "coffee.png", filters="sepiaa")
    with pytest.raises(app.imaging.UnknownFilterError) as caught:
        app.validate.lambda_handler(event, None)
    assert caught.value.reason == "unknown_filter"
    assert "did you mean 'sepia'" in str(caught.value)


def test_validate_checks_the_exact_version_it_was_started_for(app, scratch):
    first = put(app, "rocket.jpg", key="uploads/replaced.jpg")
    put(app, "truncated.jpg", key="uploads/replaced.jpg")  # a newer, broken upload of the key
    assert app.validate.lambda_handler(first, None)["format"] == "JPEG"


def test_validate_records_the_version_it_read(app, scratch):
    event = put(app, "rocket.jpg")
    latest = {**event, "versionId": None}  # called by hand, without a version
    result = app.validate.lambda_handler(latest, None)
    assert result["versionId"] == event["versionId"]
    assert record(app, latest["imageId"])["versionId"] == event["versionId"]


def test_validate_says_what_is_missing_from_its_input(app, scratch):
    with pytest.raises(app.storage.InvalidInputError, match="bucket"):
        app.validate.lambda_handler({"key": "uploads/x.jpg"}, None)


# -- resize, filters, optimize -----------------------------------------------------------------
@pytest.mark.parametrize("name", VALID)
def test_resize_writes_upright_web_sizes_that_keep_the_aspect(app, processed, name):
    validation = processed[name]["validation"]
    width, height = validation["displayWidth"], validation["displayHeight"]
    variants = processed[name]["resized"]["variants"]
    assert [v["name"] for v in variants] == ["thumbnail", "medium", "large"]
    for variant, edge in zip(variants, (320, 1024, 2048), strict=True):
        assert max(variant["width"], variant["height"]) == min(edge, max(width, height))
        assert abs(variant["height"] - variant["width"] * height / width) <= 1
        assert variant["bucket"] == app.output_bucket
        assert variant["key"].startswith(f"work/{processed[name]['event']['imageId']}/")


@pytest.mark.parametrize("name", VALID)
def test_optimize_makes_clean_web_files_and_removes_intermediates(app, processed, name):
    outputs = processed[name]["optimized"]["outputs"]
    image_id = processed[name]["event"]["imageId"]
    s3 = clients.client("s3")
    assert {o["name"] for o in outputs} == {"thumbnail", "medium", "large", "grayscale"}
    alpha = FILES[name]["has_alpha"]
    for output in outputs:
        assert output["key"].startswith(f"processed/{image_id}/")
        data = s3.get_object(Bucket=app.output_bucket, Key=output["key"])["Body"].read()
        assert app.imaging.metadata_kinds(data) == set()  # no EXIF, no GPS, no XMP, ...
        image = decode(data)
        assert image.size == (output["width"], output["height"])
        assert image.format == output["format"] and len(data) == output["bytes"]
        if output["format"] == "JPEG":
            assert not alpha and image.info.get("progressive")
    formats = {o["format"] for o in outputs}
    assert formats == ({"PNG", "WEBP"} if alpha else {"JPEG", "WEBP"})
    leftovers = s3.list_objects_v2(Bucket=app.output_bucket, Prefix=f"work/{image_id}/")
    assert leftovers.get("KeyCount", 0) == 0


def test_the_pipeline_leaves_nothing_in_tmp(processed):
    assert processed["_tmp"] == []


@pytest.mark.parametrize("name", PHOTOS)
def test_photos_get_no_larger(processed, name):
    for output in processed[name]["optimized"]["outputs"]:
        assert output["bytes"] <= len(read(name)), output


def test_the_sideways_portrait_comes_out_upright(app, processed):
    outputs = processed[PORTRAIT]["optimized"]["outputs"]
    assert all(o["height"] > o["width"] for o in outputs)
    # Upright means it matches the original turned by its EXIF orientation.
    upright = app.imaging.load_image(read(PORTRAIT)).convert("L")
    large = next(o for o in outputs if o["name"] == "large" and o["format"] == "JPEG")
    data = clients.client("s3").get_object(Bucket=app.output_bucket, Key=large["key"])["Body"]
    made = decode(data.read()).convert("L").resize(upright.size)
    difference = sum(abs(a - b) for a, b in zip(made.getdata(), upright.getdata(), strict=True))
    assert difference / (upright.width * upright.height) < 8


def test_chosen_filters_name_their_variant(app, scratch):
    event = put(app, "chelsea.png", filters="sepia,sharpen")
    validation = app.validate.lambda_handler(event, None)
    result = app.filters.lambda_handler({**event, "filters": validation["filters"]}, None)
    assert result["filters"] == ["sepia", "sharpen"]
    (variant,) = result["variants"]
    assert variant["name"] == "sepia-sharpen" and max(variant["width"], variant["height"]) <= 1024
    assert app.filters.lambda_handler({**event, "filters": []}, None)["variants"] == []
    assert list(scratch.iterdir()) == []


# -- recursion guard ---------------------------------------------------------------------------
def test_no_handler_can_write_under_the_upload_prefix(app, scratch):
    guard = app.storage.RecursionGuard(app.input_bucket, "uploads/")
    with pytest.raises(app.storage.RecursionGuardError, match="again and again"):
        guard.check(app.input_bucket, "uploads/processed/x.jpg")
    guard.check(app.input_bucket, "elsewhere/x.jpg")
    guard.check(app.output_bucket, "uploads/x.jpg")

    # Misconfigured on purpose: outputs pointed back at the uploads. Resize refuses to write.
    event = put(app, "rocket.jpg")
    app.validate.lambda_handler(event, None)
    s3 = clients.client("s3")
    before = s3.list_object_versions(Bucket=app.input_bucket)["Versions"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTPUT_BUCKET", app.input_bucket)
        patch.setenv("WORK_PREFIX", "uploads/work/")
        with pytest.raises(app.storage.RecursionGuardError):
            app.resize.lambda_handler(event, None)
    assert s3.list_object_versions(Bucket=app.input_bucket)["Versions"] == before
    assert list(scratch.iterdir()) == []


# -- notify ------------------------------------------------------------------------------------
def test_notify_success_closes_the_record_and_announces_the_files(app, processed):
    name = "rocket.jpg"
    app.inbox.clear()
    state = {
        **processed[name]["event"],
        "validation": processed[name]["validation"],
        "optimized": processed[name]["optimized"],
    }
    result = app.notify.notify_success(state, None)
    assert result["status"] == "SUCCEEDED" and result["outputs"] == 8
    saved = record(app, state["imageId"])
    assert saved["status"] == "SUCCEEDED" and len(saved["outputs"]) == 8
    assert set(saved["stages"]) == {"validate", "resize", "filters", "optimize"}
    (message,) = app.inbox.messages(wait_s=5, expected=1)
    assert message.status == "SUCCEEDED" and message.subject.startswith("Your photo is ready")
    assert "rocket.jpg" in message.message and "processed/" in message.message


def lambda_error(error_type: str, message: str) -> dict[str, str]:
    cause = {"errorMessage": message, "errorType": error_type, "stackTrace": []}
    return {"Error": error_type, "Cause": json.dumps(cause)}


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (lambda_error("InvalidImageError", "truncated: The image data stops early."), "truncated"),
        (
            lambda_error("UnknownFilterError", "unknown_filter: Unknown filter 'x'."),
            "unknown_filter",
        ),
        ({"Error": "States.Timeout", "Cause": "Task timed out"}, "timeout"),
        ({"Error": "Lambda.TooManyRequestsException", "Cause": "Rate Exceeded."}, "throttled"),
        (
            lambda_error("Runtime.OutOfMemory", "out of memory") | {"Error": "Lambda.Unknown"},
            "crashed",
        ),
        (
            {
                "Error": "ImageNotValid",
                "Cause": json.dumps({"valid": False, "reason": "corrupt", "message": "damaged"}),
            },
            "corrupt",
        ),
        (lambda_error("KeyError", "'bucket'"), "internal_error"),
    ],
)
def test_every_failure_gets_a_specific_reason(app, error, reason):
    explained = app.notify.explain_error(error)
    assert explained["reason"] == reason
    assert explained["message"]


def test_notify_error_marks_the_record_failed_and_says_why(app, scratch):
    event = put(app, "truncated.jpg", key="uploads/Fête de Noël — photo 1.jpg")
    with pytest.raises(app.imaging.InvalidImageError) as caught:
        app.validate.lambda_handler(event, None)
    app.inbox.clear()
    result = app.notify.notify_error(
        {**event, "error": lambda_error("InvalidImageError", str(caught.value))}, None
    )
    assert (result["status"], result["reason"]) == ("FAILED", "truncated")
    saved = record(app, event["imageId"])
    assert saved["status"] == "FAILED" and saved["error"]["reason"] == "truncated"
    (message,) = app.inbox.messages(wait_s=5, expected=1)
    assert message.status == "FAILED"
    assert message.subject.isascii() and len(message.subject) < 100
    assert "Fête de Noël" in message.message and "left exactly as it was" in message.message
    original = (
        clients.client("s3")
        .get_object(Bucket=app.input_bucket, Key=event["key"], VersionId=event["versionId"])["Body"]
        .read()
    )
    assert original == read("truncated.jpg")


def test_a_retried_notification_is_not_sent_twice(app, scratch):
    event = put(app, "empty.jpg")
    state = {
        **event,
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:run-1",
        "error": lambda_error("InvalidImageError", "empty_file: The file is 0 bytes."),
    }
    app.inbox.clear()
    first = app.notify.notify_error(state, None)
    again = app.notify.notify_error(state, None)  # Step Functions retried the step
    assert again["messageId"] == first["messageId"]
    assert len(app.inbox.messages(wait_s=2)) == 1
    rerun = app.notify.notify_error({**state, "executionArn": state["executionArn"] + "b"}, None)
    assert rerun["messageId"] != first["messageId"]  # another execution announces again
    assert len(app.inbox.messages(wait_s=5, expected=1)) == 1


def test_batch_items_are_recorded_without_a_message_each(app, processed):
    app.inbox.clear()
    event = processed["coffee.png"]["event"]
    app.notify.notify_error(
        {**event, "publish": False, "error": {"Error": "States.Timeout", "Cause": "slow"}}, None
    )
    assert record(app, event["imageId"])["error"]["reason"] == "timeout"
    assert app.inbox.messages(wait_s=0.5) == []


def test_notify_batch_sums_up(app):
    app.inbox.clear()
    results = [
        {"imageId": "a", "key": "g/a.jpg", "status": "SUCCEEDED"},
        {"imageId": "b", "key": "g/b.jpg", "status": "FAILED", "reason": "corrupt", "message": "x"},
    ]
    summary = app.notify.notify_batch(
        {"listing": {"bucket": "b", "prefix": "g/"}, "results": results}, None
    )
    assert (summary["succeeded"], summary["failed"]) == (1, 1)
    assert summary["failures"] == [{"key": "g/b.jpg", "reason": "corrupt"}]
    (message,) = app.inbox.messages(wait_s=5, expected=1)
    assert "1 processed, 1 rejected of 2" in message.subject
    assert "g/b.jpg: corrupt" in message.message


# -- trigger -------------------------------------------------------------------------------------
def s3_event(
    bucket: str,
    key: str,
    version: str | None,
    *,
    name: str = "ObjectCreated:Put",
    sequencer: str = "0062E1F0A1B2C3D4",
) -> dict[str, Any]:
    details: dict[str, Any] = {"key": quote_plus(key), "size": 1, "sequencer": sequencer}
    if version:
        details["versionId"] = version
    return {"Records": [{"eventName": name, "s3": {"bucket": {"name": bucket}, "object": details}}]}


def test_trigger_decodes_keys_and_starts_one_execution_per_upload(app):
    event = put(app, "rocket.jpg", key="uploads/Fête de Noël — photo 1.jpg")
    notification = s3_event(app.input_bucket, event["key"], event["versionId"])
    assert "+" in notification["Records"][0]["s3"]["object"]["key"]  # as S3 sends it
    first = app.trigger.lambda_handler(notification, None)
    (started,) = first["started"]
    assert started["key"] == event["key"] and started["name"] == event["imageId"]
    execution = clients.client("stepfunctions").describe_execution(
        executionArn=started["executionArn"]
    )
    assert json.loads(execution["input"]) == event

    again = app.trigger.lambda_handler(notification, None)  # S3 delivered it twice
    assert again["started"] == [] and again["duplicates"] == [
        {"key": event["key"], "name": event["imageId"]}
    ]


def test_trigger_skips_what_is_not_an_upload(app):
    records = [
        s3_event(app.input_bucket, key, version, name=name)["Records"][0]
        for key, version, name in (
            ("processed/x.jpg", "v1", "ObjectCreated:Put"),
            ("uploads/folder/", "v2", "ObjectCreated:Put"),
            ("uploads/y.jpg", "v3", "ObjectRemoved:Delete"),
        )
    ]
    result = app.trigger.lambda_handler({"Records": records}, None)
    assert result["started"] == []
    reasons = [item["reason"] for item in result["skipped"]]
    assert reasons == [
        "outside uploads/",
        "a folder marker, not a file",
        "event ObjectRemoved:Delete is not an upload",
    ]
    assert app.trigger.lambda_handler({"Event": "s3:TestEvent"}, None)["started"] == []


def test_image_ids_are_stable_valid_and_distinct(app):
    upload = app.uploads.Upload
    same = upload("b", "uploads/Fête de Noël — photo 1.jpg", "v1")
    assert same.image_id == upload("b", "uploads/Fête de Noël — photo 1.jpg", "v1").image_id
    assert same.image_id.startswith("img-Fete-de-Noel-photo-1-")
    assert same.image_id != upload("b", "uploads/Fête de Noël — photo 1.jpg", "v2").image_id
    long = upload("b", "uploads/" + "x" * 300 + ".jpg", "v1").image_id
    assert len(long) <= 80 and long.replace("-", "").replace("_", "").isalnum()
    # Unversioned buckets: the event's sequencer tells two uploads of one key apart.
    assert upload("b", "k.jpg", None, "01").image_id != upload("b", "k.jpg", None, "02").image_id


# -- batch listing -------------------------------------------------------------------------------
def test_list_images_names_the_latest_version_of_each_image(app):
    s3 = clients.client("s3")
    folder = f"gallery-{uuid.uuid4().hex[:6]}/"
    put(app, "rocket.jpg", key=folder + "a.jpg")
    newest = put(app, "chelsea.png", key=folder + "a.jpg")
    put(app, "coffee.png", key=folder + "b.png")
    gone = put(app, "coffee.png", key=folder + "deleted.png")
    s3.delete_object(Bucket=app.input_bucket, Key=gone["key"])
    s3.put_object(Bucket=app.input_bucket, Key=folder + "sub/", Body=b"")
    listing = app.batch.list_images({"prefix": folder}, None)
    assert [image["key"] for image in listing["images"]] == [folder + "a.jpg", folder + "b.png"]
    assert listing["images"][0] == newest  # the very id the trigger gives that upload
    assert (listing["count"], listing["truncated"], listing["concurrency"]) == (2, False, 4)

    app.patch.setenv("MAX_BATCH_IMAGES", "1")
    try:
        limited = app.batch.list_images({"prefix": folder, "concurrency": 2}, None)
    finally:
        app.patch.delenv("MAX_BATCH_IMAGES")
    assert (limited["count"], limited["truncated"], limited["concurrency"]) == (1, True, 2)
    with pytest.raises(app.batch.BatchInputError, match="from 1 to 40"):
        app.batch.list_images({"prefix": folder, "concurrency": 0}, None)
    with pytest.raises(app.batch.BatchInputError, match="prefix"):
        app.batch.list_images({}, None)


# -- configuration ---------------------------------------------------------------------------
def test_configuration_errors_say_what_to_fix(app):
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("TABLE_NAME")
        with pytest.raises(app.settings.ConfigurationError, match="TABLE_NAME is not set"):
            app.validate.lambda_handler(put(app, "rocket.jpg"), None)
        patch.setenv("WEB_SIZES", "thumbnail:320")
        with pytest.raises(app.settings.ConfigurationError, match="name=pixels"):
            app.settings.web_sizes()
        patch.setenv("OUTPUT_FORMATS", "jpeg,gif")
        with pytest.raises(app.settings.ConfigurationError, match="gif"):
            app.settings.output_formats()
