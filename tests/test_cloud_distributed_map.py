"""Distributed Map through plain boto3 against the local cloud: items read from S3 (JSON array,
JSON Lines, CSV, an object listing), ItemBatcher, tolerated failures, ResultWriter's files and
the Map Run with its child executions, as AWS documents them."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import finished, zip_source

from workshop_lib import clients

# Fails on an item (or a batch holding an item) whose "n" is a multiple of 4.
CHECKER = """
def handler(event, context):
    items = event["Items"] if isinstance(event, dict) and "Items" in event else [event]
    for item in items:
        if isinstance(item, dict) and int(item.get("n", 1)) % 4 == 0:
            raise ValueError(f"item {item['n']} is bad")
    return {"seen": event}
"""


@pytest.fixture(scope="module")
def checker(lambda_role) -> str:
    return clients.client("lambda").create_function(
        FunctionName=f"check-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": CHECKER})},
        Timeout=10,
    )["FunctionArn"]


@pytest.fixture(scope="module")
def bucket(local_cloud) -> str:
    name = f"dmap-{uuid.uuid4().hex[:8]}"
    s3 = clients.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="items.json", Body=json.dumps([{"n": n} for n in range(1, 11)]))
    s3.put_object(
        Bucket=name, Key="items.jsonl", Body="\n".join(json.dumps({"n": n}) for n in (1, 2, 3))
    )
    s3.put_object(Bucket=name, Key="kids.csv", Body="name,gifts\nada,2\nbo,3\n")
    s3.put_object(Bucket=name, Key="kids.psv", Body="name|gifts\nada|2\n")
    for index in range(3):
        s3.put_object(Bucket=name, Key=f"photos/p{index}.jpg", Body=b"x" * (index + 1))
    return name


def distributed_map(checker: str, reader: dict | None, children="STANDARD", **extra) -> dict:
    state: dict = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": children},
            "StartAt": "Check",
            "States": {"Check": {"Type": "Task", "Resource": checker, "End": True}},
        },
        "End": True,
        **extra,
    }
    if reader is not None:
        state["ItemReader"] = reader
    return {"StartAt": "Batch", "States": {"Batch": state}}


def s3_reader(bucket: str, key: str, **config) -> dict:
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": config,
        "Parameters": {"Bucket": bucket, "Key": key},
    }


def run(definition: dict, role: str, payload: dict | None = None) -> dict:
    sfn = clients.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"dm-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload or {}))[
        "executionArn"
    ]
    return finished(arn, timeout=120)


def test_a_json_array_within_the_tolerated_percentage_succeeds(checker, bucket, lambda_role):
    done = run(
        distributed_map(
            checker,
            s3_reader(bucket, "items.json", InputType="JSON"),
            ToleratedFailurePercentage=20,
        ),
        lambda_role,
    )
    assert done["status"] == "SUCCEEDED"  # 4 and 8 fail: 20 % of 10
    types = [event["type"] for event in done["events"]]
    assert "MapRunStarted" in types and "MapRunSucceeded" in types
    sfn = clients.client("stepfunctions")
    runs = sfn.list_map_runs(executionArn=done["executionArn"])["mapRuns"]
    described = sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])
    assert described["status"] == "SUCCEEDED"
    assert described["itemCounts"]["total"] == 10
    assert (described["itemCounts"]["succeeded"], described["itemCounts"]["failed"]) == (8, 2)
    assert described["executionCounts"]["running"] == 0
    assert described["toleratedFailurePercentage"] == 20


def test_more_failures_than_tolerated_fail_the_map(checker, bucket, lambda_role):
    done = run(
        distributed_map(
            checker, s3_reader(bucket, "items.json", InputType="JSON"), ToleratedFailureCount=1
        ),
        lambda_role,
    )
    assert (done["status"], done["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    types = [event["type"] for event in done["events"]]
    assert "MapRunFailed" in types and "MapStateFailed" in types
    strict = run(
        distributed_map(checker, s3_reader(bucket, "items.json", InputType="JSON")), lambda_role
    )
    assert strict["error"] == "States.ExceedToleratedFailureThreshold"  # no tolerance: none


def test_json_lines_csv_and_object_listings_are_read_as_aws_reads_them(
    checker, bucket, lambda_role
):
    lines = run(
        distributed_map(
            checker, s3_reader(bucket, "items.jsonl", InputType="JSONL"), children="EXPRESS"
        ),
        lambda_role,
    )
    assert [item["seen"] for item in json.loads(lines["output"])] == [
        {"n": 1},
        {"n": 2},
        {"n": 3},
    ]
    with_headers = run(
        distributed_map(
            checker, s3_reader(bucket, "kids.csv", InputType="CSV", CSVHeaderLocation="FIRST_ROW")
        ),
        lambda_role,
    )
    assert [item["seen"] for item in json.loads(with_headers["output"])] == [
        {"name": "ada", "gifts": "2"},
        {"name": "bo", "gifts": "3"},
    ]
    given = run(
        distributed_map(
            checker,
            s3_reader(
                bucket,
                "kids.csv",
                InputType="CSV",
                CSVHeaderLocation="GIVEN",
                CSVHeaders=["k", "v"],
            ),
        ),
        lambda_role,
    )
    assert json.loads(given["output"])[0]["seen"] == {"k": "name", "v": "gifts"}
    listing = run(
        distributed_map(
            checker,
            {
                "Resource": "arn:aws:states:::s3:listObjectsV2",
                "Parameters": {"Bucket": bucket, "Prefix": "photos/"},
            },
        ),
        lambda_role,
    )
    objects = [item["seen"] for item in json.loads(listing["output"])]
    assert [o["Key"] for o in objects] == ["photos/p0.jpg", "photos/p1.jpg", "photos/p2.jpg"]
    assert set(objects[0]) == {"Etag", "Key", "LastModified", "Size", "StorageClass"}
    assert isinstance(objects[0]["LastModified"], int) and objects[2]["Size"] == 3


def test_item_batcher_sends_batches_with_the_batch_input(checker, bucket, lambda_role):
    done = run(
        distributed_map(
            checker,
            s3_reader(bucket, "items.json", InputType="JSON"),
            ItemBatcher={"MaxItemsPerBatch": 3, "BatchInput": {"run": "nightly"}},
            ToleratedFailurePercentage=100,
        ),
        lambda_role,
    )
    assert done["status"] == "SUCCEEDED"
    results = json.loads(done["output"])
    assert len(results) == 4  # 10 items in batches of at most 3
    assert results[0] == {
        "seen": {"BatchInput": {"run": "nightly"}, "Items": [{"n": 1}, {"n": 2}, {"n": 3}]}
    }
    # The batch holding item 4 failed: its place holds its execution result, as on AWS.
    assert (results[1]["Status"], results[1]["Error"]) == ("FAILED", "ValueError")
    assert json.loads(results[1]["Input"])["Items"] == [{"n": 4}, {"n": 5}, {"n": 6}]
    sfn = clients.client("stepfunctions")
    map_run = sfn.list_map_runs(executionArn=done["executionArn"])["mapRuns"][0]["mapRunArn"]
    counts = sfn.describe_map_run(mapRunArn=map_run)
    assert counts["executionCounts"]["total"] == 4
    assert counts["itemCounts"]["total"] == 10
    assert counts["itemCounts"]["failed"] == 6  # two failed batches of three


def test_result_writer_writes_the_manifest_and_result_files(checker, bucket, lambda_role):
    done = run(
        distributed_map(
            checker,
            s3_reader(bucket, "items.json", InputType="JSON"),
            ToleratedFailurePercentage=50,
            ResultWriter={
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": bucket, "Prefix": "results"},
            },
        ),
        lambda_role,
    )
    assert done["status"] == "SUCCEEDED"
    output = json.loads(done["output"])
    details = output["ResultWriterDetails"]
    assert details["Bucket"] == bucket and details["Key"].endswith("/manifest.json")
    s3 = clients.client("s3")

    def read(key: str):
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    manifest = read(details["Key"])
    assert manifest["MapRunArn"] == output["MapRunArn"]
    assert manifest["DestinationBucket"] == bucket
    files = manifest["ResultFiles"]
    assert set(files) == {"SUCCEEDED", "FAILED", "PENDING"} and files["PENDING"] == []
    succeeded = read(files["SUCCEEDED"][0]["Key"])
    failed = read(files["FAILED"][0]["Key"])
    assert files["SUCCEEDED"][0]["Key"].endswith("/SUCCEEDED_0.json")
    assert (len(succeeded), len(failed)) == (8, 2)  # every item accounted for, once
    assert {json.loads(e["Input"])["n"] for e in succeeded + failed} == set(range(1, 11))
    assert json.loads(succeeded[0]["Output"]) == {"seen": {"n": 1}}
    assert failed[0]["Status"] == "FAILED" and failed[0]["Error"] == "ValueError"
    assert ":execution:" in succeeded[0]["ExecutionArn"]


def test_child_executions_are_listed_and_described(checker, bucket, lambda_role):
    done = run(
        distributed_map(
            checker, s3_reader(bucket, "items.json", InputType="JSON"), ToleratedFailureCount=2
        ),
        lambda_role,
    )
    sfn = clients.client("stepfunctions")
    map_run = sfn.list_map_runs(executionArn=done["executionArn"])["mapRuns"][0]["mapRunArn"]
    children = sfn.list_executions(mapRunArn=map_run)["executions"]
    assert len(children) == 10
    assert {c["status"] for c in children} == {"SUCCEEDED", "FAILED"}
    failed = sfn.list_executions(mapRunArn=map_run, statusFilter="FAILED")["executions"]
    assert len(failed) == 2
    child = sfn.describe_execution(executionArn=failed[0]["executionArn"])
    assert child["status"] == "FAILED" and child["error"] == "ValueError"
    assert child["mapRunArn"] == map_run
    history = sfn.get_execution_history(executionArn=failed[0]["executionArn"])["events"]
    types = [event["type"] for event in history]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionFailed"
    assert "TaskStateEntered" in types and "LambdaFunctionFailed" in types
    assert history[-1]["executionFailedEventDetails"]["error"] == "ValueError"
    sfn.update_map_run(mapRunArn=map_run, toleratedFailureCount=5)
    assert sfn.describe_map_run(mapRunArn=map_run)["toleratedFailureCount"] == 5


def test_reader_and_writer_failures_are_named_as_on_aws(checker, bucket, lambda_role):
    missing = run(
        distributed_map(checker, s3_reader(bucket, "no-such-list.json", InputType="JSON")),
        lambda_role,
    )
    assert (missing["status"], missing["error"]) == ("FAILED", "States.ItemReaderFailed")
    assert "NoSuchKey" in missing["cause"]
    unwritable = run(
        distributed_map(
            checker,
            s3_reader(bucket, "items.jsonl", InputType="JSONL"),
            ResultWriter={
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": f"{bucket}-gone", "Prefix": "results"},
            },
        ),
        lambda_role,
    )
    assert (unwritable["status"], unwritable["error"]) == ("FAILED", "States.ResultWriterFailed")


def test_csv_delimiter_and_writer_config(checker, bucket, lambda_role):
    piped = run(
        distributed_map(
            checker,
            s3_reader(
                bucket,
                "kids.psv",
                InputType="CSV",
                CSVHeaderLocation="FIRST_ROW",
                CSVDelimiter="PIPE",
            ),
        ),
        lambda_role,
    )
    assert json.loads(piped["output"]) == [{"seen": {"name": "ada", "gifts": "2"}}]
    # WriterConfig alone shapes the state's output: FLATTEN joins the arrays the children
    # return (here each child returns its batch's items).
    definition = distributed_map(
        checker,
        s3_reader(bucket, "items.jsonl", InputType="JSONL"),
        ItemBatcher={"MaxItemsPerBatch": 2},
        ResultWriter={"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}},
    )
    definition["States"]["Batch"]["ItemProcessor"]["States"] = {
        "Check": {"Type": "Pass", "OutputPath": "$.Items", "End": True}
    }
    flattened = run(definition, lambda_role)
    assert json.loads(flattened["output"]) == [{"n": 1}, {"n": 2}, {"n": 3}]
    compact = run(
        distributed_map(
            checker,
            s3_reader(bucket, "items.jsonl", InputType="JSONL"),
            ResultWriter={
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": bucket, "Prefix": "compact"},
                "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"},
            },
        ),
        lambda_role,
    )
    s3 = clients.client("s3")
    details = json.loads(compact["output"])["ResultWriterDetails"]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=details["Key"])["Body"].read())
    (written,) = manifest["ResultFiles"]["SUCCEEDED"]
    text = s3.get_object(Bucket=bucket, Key=written["Key"])["Body"].read().decode()
    assert [json.loads(line) for line in text.splitlines()] == [
        {"seen": {"n": 1}},
        {"seen": {"n": 2}},
        {"seen": {"n": 3}},
    ]


def test_the_item_selector_shapes_each_item_before_batching(checker, bucket, lambda_role):
    done = run(
        distributed_map(
            checker,
            s3_reader(bucket, "items.jsonl", InputType="JSONL"),
            ItemSelector={"number.$": "$$.Map.Item.Value.n", "at.$": "$$.Map.Item.Index"},
            ItemBatcher={"MaxItemsPerBatch": 5},
        ),
        lambda_role,
    )
    assert json.loads(done["output"]) == [
        {
            "seen": {
                "Items": [
                    {"number": 1, "at": 0},
                    {"number": 2, "at": 1},
                    {"number": 3, "at": 2},
                ]
            }
        }
    ]


def test_no_child_starts_once_the_tolerated_failures_are_exceeded(checker, bucket, lambda_role):
    done = run(
        distributed_map(
            checker, s3_reader(bucket, "items.json", InputType="JSON"), MaxConcurrency=1
        ),
        lambda_role,
    )
    assert done["error"] == "States.ExceedToleratedFailureThreshold"
    sfn = clients.client("stepfunctions")
    map_run = sfn.list_map_runs(executionArn=done["executionArn"])["mapRuns"][0]["mapRunArn"]
    counts = sfn.describe_map_run(mapRunArn=map_run)["itemCounts"]
    # One at a time: 1 to 3 succeed, 4 fails (none tolerated), 5 to 10 never start.
    assert (counts["succeeded"], counts["failed"], counts["pending"]) == (3, 1, 6)
    assert len(sfn.list_executions(mapRunArn=map_run)["executions"]) == 4
