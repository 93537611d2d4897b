"""Plain boto3 against a real local cloud: Lambda functions run their real code."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from conftest import zip_source

from workshop_lib import clients, cloud
from workshop_lib.lambda_report import LambdaReport

ELF = """
import json, os, time, urllib.parse
import boto3

s3 = boto3.client("s3")

def lambda_handler(event, context):
    started = time.time()
    if "Records" in event:
        record = event["Records"][0]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        time.sleep(0.5)
        s3.put_object(Bucket=os.environ["RESULTS"], Key="seen/" + key,
                      Body=json.dumps({"key": key, "raw": record["s3"]["object"]["key"],
                                       "record": record, "started": started,
                                       "ended": time.time()}))
        return "ok"
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("write"):
        s3.put_object(Bucket=os.environ["RESULTS"], Key=event["write"], Body=b"written")
    if event.get("allocate"):
        return len(bytearray(event["allocate"] * 1024 * 1024))
    print("hello from", context.function_name)
    return {"greeting": os.environ.get("GREETING", "none"), "event": event}
"""


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def results_bucket(local_cloud) -> str:
    name = f"results-{uuid.uuid4().hex[:8]}"
    clients.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def elf(lambda_role, results_bucket) -> str:
    name = f"elf-{uuid.uuid4().hex[:6]}"
    clients.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.lambda_handler",
        Code={"ZipFile": zip_source({"app.py": ELF})},
        Timeout=2,
        MemorySize=128,
        Environment={"Variables": {"RESULTS": results_bucket, "GREETING": "ho ho ho"}},
    )
    return name


def small_function(role: str, prefix: str, returns: str) -> str:
    """A one-line function that returns `returns` (a Python expression)."""
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    clients.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": f"def handler(e, c):\n    return {returns}\n"})},
    )
    return name


def invoke(function: str, event: dict, **options):
    response = clients.client("lambda").invoke(
        FunctionName=function, Payload=json.dumps(event), **options
    )
    return response, json.loads(response["Payload"].read() or b"null")


def test_sync_invoke_runs_the_real_handler(elf):
    response, body = invoke(elf, {"n": 1})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert body == {"greeting": "ho ho ho", "event": {"n": 1}}


def test_log_tail_and_cloudwatch_logs_have_report_lines(elf):
    response, _ = invoke(elf, {"n": 2}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"hello from {elf}" in tail
    report_line = [line for line in tail.splitlines() if line.startswith("REPORT")][-1]
    report = LambdaReport.parse(report_line)
    assert report is not None and report.memory_size_mb == 128
    logs = clients.client("logs")
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{elf}")["logStreams"]
    assert streams and streams[0]["logStreamName"].count("/") == 3
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{elf}")["events"]
    messages = [e["message"] for e in events]
    assert any(m.startswith(f"REPORT RequestId: {report.request_id}") for m in messages)
    assert sum(m.startswith("REPORT") and "Init Duration" in m for m in messages) == len(streams)


def test_handler_boto3_calls_reach_the_local_cloud(elf, results_bucket):
    invoke(elf, {"write": "from-handler.txt"})
    body = clients.client("s3").get_object(Bucket=results_bucket, Key="from-handler.txt")["Body"]
    assert body.read() == b"written"


def test_async_invoke_returns_at_once_and_runs_later(elf, results_bucket):
    key = f"async-{uuid.uuid4().hex[:6]}.txt"
    response = clients.client("lambda").invoke(
        FunctionName=elf, InvocationType="Event", Payload=json.dumps({"write": key})
    )
    assert response["StatusCode"] == 202
    s3 = clients.client("s3")
    wait_for(lambda: s3.list_objects_v2(Bucket=results_bucket, Prefix=key).get("KeyCount"))


def test_timeout_and_memory_errors_read_like_aws(elf):
    response, body = invoke(elf, {"sleep": 5})
    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 2.00 seconds" in body["errorMessage"]
    response, body = invoke(elf, {"allocate": 400})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.OutOfMemory"


def test_updated_code_takes_effect(lambda_role):
    name = small_function(lambda_role, "versioned", "'v1'")
    lam = clients.client("lambda")
    assert invoke(name, {})[1] == "v1"
    lam.update_function_code(
        FunctionName=name,
        ZipFile=zip_source({"app.py": "def handler(e, c):\n    return 'v2'\n"}),
    )
    assert invoke(name, {})[1] == "v2"


def test_deleting_a_function_ends_its_warm_environments(lambda_role, local_cloud):
    name = small_function(lambda_role, "short-lived", "1")
    invoke(name, {})

    def warm() -> list[dict]:
        return [
            env for env in cloud.status(local_cloud.port).environments if env["function"] == name
        ]

    assert warm() and warm()[0]["idle"] == 1
    clients.client("lambda").delete_function(FunctionName=name)
    assert warm() == []


def test_reserved_concurrency_zero_throttles(lambda_role):
    name = small_function(lambda_role, "throttled", "1")
    lam = clients.client("lambda")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName=name, Payload=b"{}")


def test_s3_notification_reaches_lambda_without_holding_up_the_upload(elf, results_bucket):
    s3 = clients.client("s3")
    uploads = f"uploads-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=uploads)
    s3.put_bucket_versioning(Bucket=uploads, VersioningConfiguration={"Status": "Enabled"})
    function_arn = clients.client("lambda").get_function(FunctionName=elf)["Configuration"][
        "FunctionArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=uploads,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": function_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}},
                }
            ]
        },
    )
    key = "incoming/Fête de Noël — list 1.json"
    put = s3.put_object(Bucket=uploads, Key=key, Body=b"[]")
    returned_at = time.time()
    s3.put_object(Bucket=uploads, Key="elsewhere/ignored.json", Body=b"[]")

    seen = wait_for(
        lambda: s3.list_objects_v2(Bucket=results_bucket, Prefix="seen/").get("Contents")
    )
    assert [item["Key"] for item in seen] == [f"seen/{key}"]
    record = json.loads(s3.get_object(Bucket=results_bucket, Key=f"seen/{key}")["Body"].read())
    assert record["key"] == key
    assert record["raw"] != key and "+" in record["raw"]  # keys arrive URL-encoded
    assert record["record"]["eventName"].startswith("ObjectCreated:")
    assert record["record"]["s3"]["object"]["versionId"] == put["VersionId"]
    assert record["record"]["s3"]["object"]["sequencer"]
    # The upload returned before the handler finished: the event was asynchronous.
    assert returned_at < record["ended"]
