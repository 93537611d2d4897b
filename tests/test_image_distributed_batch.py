"""The gallery's Distributed Map batch, deployed from the SAM template and driven through boto3.

Generated photos and a few bad samples are put under one prefix; the batch lists them from S3,
hands them out in batches to child executions, and writes its results to S3. Every photo must be
reported exactly once, each bad one with its specific reason, the batch's own record must be in
its DynamoDB table, and a second run over the same photos must write the same results.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from workshop_lib import clients
from workshop_lib.gallery import sample_manifest
from workshop_lib.images_app import BatchResults, DistributedBatchRun, ImageApp
from workshop_lib.paths import IMAGES_STATEMACHINES
from workshop_lib.waiting import wait_for_execution

FILES = sample_manifest()["files"]
BAD = ["truncated.jpg", "not_an_image.jpg"]
GOOD_COUNT = 6
PREFIX = "dmap-test/"
MACHINES = IMAGES_STATEMACHINES


def per_photo_states(definition: dict[str, Any]) -> dict[str, Any]:
    """The states each photo goes through inside a child execution of the batch."""
    child = definition["States"]["EveryPhoto"]["ItemProcessor"]["States"]
    return child["EachPhotoOfTheBatch"]["ItemProcessor"]["States"]


def test_the_batch_runs_the_single_upload_workflow_s_own_steps():
    """The child's per-photo states are the single-upload workflow's, changed only where a
    bad photo must be reported instead of failing its nine neighbours."""
    single = json.loads((MACHINES / "image_processor.asl.json").read_text())["States"]
    batch = json.loads((MACHINES / "image_distributed_batch.asl.json").read_text())
    copied = copy.deepcopy(per_photo_states(batch))
    assert copied.pop("NotifySuccess").pop("Next") == "Processed"
    assert copied.pop("NotifyError").pop("Next") == "Rejected"
    for name in ("NamePhoto", "Processed", "Rejected"):
        copied.pop(name)
    expected = copy.deepcopy(single)
    expected["NotifySuccess"].pop("End")
    expected["NotifyError"].pop("Next")
    expected.pop("ImageRejected")
    assert copied == {name: state for name, state in expected.items() if name in copied}
    assert set(copied) == set(expected) - {"NotifySuccess", "NotifyError"}


@pytest.fixture(scope="module")
def app(local_cloud: Any) -> Iterator[ImageApp]:
    deployed = ImageApp.deploy()
    try:
        yield deployed
    finally:
        deployed.destroy()


@pytest.fixture(scope="module")
def keys(app: ImageApp) -> list[str]:
    return app.put_generated(PREFIX, count=GOOD_COUNT, megapixels=0.3, bad=BAD)


@pytest.fixture(scope="module")
def runs(app: ImageApp, keys: list[str]) -> list[DistributedBatchRun]:
    return [app.run_distributed_batch(PREFIX, timeout=600) for _ in range(2)]


def test_every_photo_is_reported_once_and_bad_ones_with_their_reason(runs, keys):
    run = runs[0]
    assert run.status == "SUCCEEDED", run.output
    reported = [photo.key for photo in run.results]
    assert sorted(reported) == keys  # each photo once: none lost, none twice
    by_name = {photo.file_name: photo for photo in run.results}
    for name in BAD:
        assert by_name[name].status == "FAILED"
        assert by_name[name].reason == FILES[name]["reason"]
    good = [photo for photo in run.results if photo.file_name not in BAD]
    assert len(good) == GOOD_COUNT
    for photo in good:
        assert photo.status == "SUCCEEDED", photo
        assert photo.files and photo.output_bytes and photo.original_bytes
    assert run.results.by_status() == {"SUCCEEDED": GOOD_COUNT, "FAILED": len(BAD)}


def test_the_results_come_from_the_result_writer_files_in_s3(app, runs):
    run = runs[0]
    assert run.manifest_key and run.manifest_key.startswith("batch-results/")
    s3 = clients.client("s3")
    manifest = json.loads(
        s3.get_object(Bucket=app.output_bucket, Key=run.manifest_key)["Body"].read()
    )
    assert manifest["MapRunArn"] == run.map_run_arn
    assert BatchResults.read(app.output_bucket, run.manifest_key) == run.results


def test_the_batch_records_itself_in_dynamodb(runs):
    for run in runs:
        assert run.record["status"] == "SUCCEEDED"
        assert run.record["prefix"] == PREFIX
        assert run.record["manifestKey"] == run.manifest_key


def test_the_children_are_child_executions_of_a_map_run_in_batches(runs):
    sfn = clients.client("stepfunctions")
    children = sfn.list_executions(mapRunArn=runs[0].map_run_arn)["executions"]
    photos = GOOD_COUNT + len(BAD)
    assert len(children) == -(-photos // 10)  # ten photos per child (ItemBatcher)
    assert {child["status"] for child in children} == {"SUCCEEDED"}


def test_each_photo_is_tracked_in_the_tracking_table(app, runs):
    table = app.records()
    for photo in runs[0].results:
        record = table.find(photo.image_id)
        assert record is not None and record.key == photo.key
        assert record.status == photo.status
        assert record.reason == photo.reason


def test_running_twice_writes_the_same_results(app, runs):
    first, second = runs
    assert first.map_run_arn != second.map_run_arn
    assert second.status == "SUCCEEDED"
    assert second.results == first.results
    s3 = clients.client("s3")

    def files(run: DistributedBatchRun) -> dict[str, Any]:
        manifest = json.loads(
            s3.get_object(Bucket=app.output_bucket, Key=run.manifest_key)["Body"].read()
        )
        return {
            group: [
                json.loads(s3.get_object(Bucket=app.output_bucket, Key=f["Key"])["Body"].read())
                for f in entries
            ]
            for group, entries in manifest["ResultFiles"].items()
        }

    assert files(first) == files(second)


def run_copy(app: ImageApp, tolerated: int) -> tuple[dict[str, Any], str]:
    """A copy of the deployed batch where a bad photo fails its whole child (two photos per
    child), tolerating `tolerated` % of failed children; its final description and name."""
    sfn = clients.client("stepfunctions")
    deployed = sfn.describe_state_machine(stateMachineArn=app.distributed_batch_state_machine_arn)
    definition = json.loads(deployed["definition"])
    every = definition["States"]["EveryPhoto"]
    every["ItemBatcher"]["MaxItemsPerBatch"] = 2
    every["ToleratedFailurePercentage"] = tolerated
    per_photo_states(definition)["Rejected"] = {"Type": "Fail", "Error": "ImageRejected"}
    name = f"dmap-tolerance-{tolerated}"
    arn = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=deployed["roleArn"]
    )["stateMachineArn"]
    try:
        execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"prefix": PREFIX}))[
            "executionArn"
        ]
        described = wait_for_execution(execution, timeout=600, poll=0.2, sfn=sfn)
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)
    return described, execution.rsplit(":", 1)[-1]


def batch_record(app: ImageApp, batch_id: str) -> dict[str, Any]:
    item = clients.client("dynamodb").get_item(
        TableName=app.batch_table_name, Key={"batchId": {"S": batch_id}}, ConsistentRead=True
    )["Item"]
    return {name: next(iter(value.values())) for name, value in item.items()}


def test_a_failed_child_within_the_tolerance_is_reported_in_the_failed_file(app, keys, runs):
    # The two bad photos sort last: together in the fourth of four children (25 %).
    described, _ = run_copy(app, tolerated=50)
    assert described["status"] == "SUCCEEDED", described.get("cause")
    output = json.loads(described["output"])
    results = BatchResults.read(output["resultsBucket"], output["manifestKey"])
    assert sorted(photo.key for photo in results) == keys
    failed = {photo.file_name: photo.reason for photo in results if photo.status == "FAILED"}
    assert failed == {name: "ImageRejected" for name in BAD}


def test_more_failed_children_than_tolerated_fail_the_batch_and_its_record(app, keys, runs):
    described, batch_id = run_copy(app, tolerated=10)
    assert described["status"] == "FAILED"
    assert described["error"] == "BatchFailed"
    record = batch_record(app, batch_id)
    assert record["status"] == "FAILED"
    assert record["error"] == "States.ExceedToleratedFailureThreshold"
