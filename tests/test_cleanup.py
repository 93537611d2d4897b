"""Teardown removes everything the workbook created, leaves the rest, and verifies."""

from __future__ import annotations

import json
import uuid

import workshop_lib as wl
from workshop_lib import clients
from workshop_lib.cleanup import cleanup, find_all


def test_cleanup_removes_tagged_resources_and_keeps_others(local_cloud, tmp_path):
    s3 = clients.client("s3")
    # A stack, a loose function with its logs, a tagged bucket with versions, queue, topic...
    stack = wl.deploy_app("santa")
    s3.put_object(Bucket=stack["InputBucketName"], Key="notes/a.json", Body=b"[]")
    s3.put_object(Bucket=stack["InputBucketName"], Key="notes/a.json", Body=b"[1]")
    wl.deploy_function("workshop-cleanup-probe", "def lambda_handler(e, c):\n    return 1\n")
    wl.invoke("workshop-cleanup-probe", {})
    tagged_bucket = f"tagged-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=tagged_bucket)
    s3.put_object(Bucket=tagged_bucket, Key="x", Body=b"x")
    clients.client("sqs").create_queue(QueueName=f"q-{uuid.uuid4().hex[:6]}")
    clients.client("sns").create_topic(Name=f"t-{uuid.uuid4().hex[:6]}")
    clients.client("dynamodb").create_table(
        TableName=f"table-{uuid.uuid4().hex[:6]}",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # Someone else's bucket, not tagged by the workbook: it must survive.
    foreign = f"someone-elses-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=foreign)
    s3.delete_bucket_tagging(Bucket=foreign)

    kinds = {r.kind for r in find_all().resources}
    assert {"stack", "function", "bucket", "queue", "topic", "table", "role"} <= kinds

    report = cleanup()
    assert report.clean, str(report)
    assert not find_all().resources
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert foreign in names and tagged_bucket not in names
    groups = clients.client("logs").describe_log_groups()["logGroups"]
    assert not [g for g in groups if "workshop-cleanup-probe" in g["logGroupName"]]
    assert "Verified: nothing tagged by the workbook remains." in str(report)
    assert json.dumps(report._repr_html_())  # displays in a notebook
    s3.delete_bucket(Bucket=foreign)
