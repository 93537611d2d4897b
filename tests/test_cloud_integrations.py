"""Direct service integrations (optimized and AWS SDK) through plain boto3 against the local
cloud: the results and errors a state machine sees, shaped as on AWS."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import finished, zip_source

from workshop_lib import clients


def run(definition: dict, role: str, payload: dict | None = None) -> dict:
    sfn = clients.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"int-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload or {}))[
        "executionArn"
    ]
    return finished(arn)


def one_task(resource: str, parameters: dict, **extra) -> dict:
    return {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": parameters,
                "End": True,
                **extra,
            }
        },
    }


def output_of(definition: dict, role: str) -> dict:
    done = run(definition, role)
    assert done["status"] == "SUCCEEDED", (done.get("error"), done.get("cause"))
    return json.loads(done["output"])


@pytest.fixture(scope="module")
def table(local_cloud) -> str:
    name = f"tracking-{uuid.uuid4().hex[:6]}"
    clients.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture(scope="module")
def bucket(local_cloud) -> str:
    name = f"int-{uuid.uuid4().hex[:8]}"
    clients.client("s3").create_bucket(Bucket=name)
    return name


def test_sns_publish_returns_the_message_id_and_names_a_missing_topic(lambda_role):
    topic = clients.client("sns").create_topic(Name=f"news-{uuid.uuid4().hex[:6]}")["TopicArn"]
    published = output_of(
        one_task("arn:aws:states:::sns:publish", {"TopicArn": topic, "Message": {"a": 1}}),
        lambda_role,
    )
    assert list(published) == ["MessageId", "SdkHttpMetadata", "SdkResponseMetadata"]
    assert published["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert published["SdkResponseMetadata"]["RequestId"]
    done = run(
        one_task("arn:aws:states:::sns:publish", {"TopicArn": topic + "-gone", "Message": "x"}),
        lambda_role,
    )
    assert (done["status"], done["error"]) == ("FAILED", "SNS.NotFoundException")


def test_sqs_send_message_serialises_a_json_body(lambda_role):
    sqs = clients.client("sqs")
    queue = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    sent = output_of(
        one_task(
            "arn:aws:states:::sqs:sendMessage", {"QueueUrl": queue, "MessageBody": {"kid": "Ada"}}
        ),
        lambda_role,
    )
    assert {"MessageId", "MD5OfMessageBody"} <= set(sent)
    body = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"][0]["Body"]
    assert json.loads(body) == {"kid": "Ada"}


def test_dynamodb_put_get_update_delete_and_a_failed_condition(lambda_role, table):
    key = {"id": {"S": "kid-1"}}
    output_of(
        one_task(
            "arn:aws:states:::dynamodb:putItem",
            {"TableName": table, "Item": {**key, "gifts": {"N": "2"}}},
        ),
        lambda_role,
    )
    got = output_of(
        one_task("arn:aws:states:::dynamodb:getItem", {"TableName": table, "Key": key}),
        lambda_role,
    )
    assert got["Item"] == {"id": {"S": "kid-1"}, "gifts": {"N": "2"}}
    assert list(got) == ["Item", "SdkHttpMetadata", "SdkResponseMetadata"]
    updated = output_of(
        one_task(
            "arn:aws:states:::dynamodb:updateItem",
            {
                "TableName": table,
                "Key": key,
                "UpdateExpression": "SET gifts = :g",
                "ExpressionAttributeValues": {":g": {"N": "3"}},
                "ReturnValues": "ALL_NEW",
            },
        ),
        lambda_role,
    )
    assert updated["Attributes"]["gifts"] == {"N": "3"}
    refused = run(
        one_task(
            "arn:aws:states:::dynamodb:putItem",
            {"TableName": table, "Item": key, "ConditionExpression": "attribute_not_exists(id)"},
        ),
        lambda_role,
    )
    assert (refused["status"], refused["error"]) == (
        "FAILED",
        "DynamoDB.ConditionalCheckFailedException",
    )
    output_of(
        one_task("arn:aws:states:::dynamodb:deleteItem", {"TableName": table, "Key": key}),
        lambda_role,
    )
    assert "Item" not in clients.client("dynamodb").get_item(TableName=table, Key=key)


def test_aws_sdk_s3_put_get_and_list(lambda_role, bucket):
    output_of(
        one_task(
            "arn:aws:states:::aws-sdk:s3:putObject",
            {"Bucket": bucket, "Key": "lists/ada.json", "Body": {"gifts": 2}},
        ),
        lambda_role,
    )
    got = output_of(
        one_task(
            "arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "lists/ada.json"}
        ),
        lambda_role,
    )
    assert json.loads(got["Body"]) == {"gifts": 2}  # the body as text, as on AWS
    listed = output_of(
        one_task(
            "arn:aws:states:::aws-sdk:s3:listObjectsV2", {"Bucket": bucket, "Prefix": "lists/"}
        ),
        lambda_role,
    )
    assert [item["Key"] for item in listed["Contents"]] == ["lists/ada.json"]
    assert isinstance(listed["Contents"][0]["LastModified"], str)  # timestamps become text
    missing = run(
        one_task("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "nope"}),
        lambda_role,
    )
    assert (missing["status"], missing["error"]) == ("FAILED", "S3.NoSuchKeyException")


@pytest.fixture(scope="module")
def children(lambda_role) -> dict[str, str]:
    sfn = clients.client("stepfunctions")

    def machine(definition: dict) -> str:
        return sfn.create_state_machine(
            name=f"child-{uuid.uuid4().hex[:8]}",
            definition=json.dumps(definition),
            roleArn=lambda_role,
        )["stateMachineArn"]

    return {
        "ok": machine(
            {
                "StartAt": "P",
                "States": {
                    "P": {
                        "Type": "Pass",
                        "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"},
                        "End": True,
                    }
                },
            }
        ),
        "fail": machine(
            {
                "StartAt": "F",
                "States": {"F": {"Type": "Fail", "Error": "Elf.Broken", "Cause": "no"}},
            }
        ),
    }


def test_states_start_execution_request_response(lambda_role, children):
    started = output_of(
        one_task(
            "arn:aws:states:::states:startExecution",
            {"StateMachineArn": children["ok"], "Input": {"n": 2}},
        ),
        lambda_role,
    )
    assert started["ExecutionArn"].startswith("arn:aws:states:")
    assert isinstance(started["StartDate"], int)  # epoch milliseconds


def test_states_start_execution_sync_2_returns_the_child_output_as_json(lambda_role, children):
    done = output_of(
        one_task(
            "arn:aws:states:::states:startExecution.sync:2",
            {"StateMachineArn": children["ok"], "Input": {"n": 2}},
        ),
        lambda_role,
    )
    assert done["Status"] == "SUCCEEDED"
    assert done["Output"] == {"doubled": 4}
    assert done["Input"] == {"n": 2}
    sync_1 = output_of(
        one_task(
            "arn:aws:states:::states:startExecution.sync",
            {"StateMachineArn": children["ok"], "Input": {"n": 1}},
        ),
        lambda_role,
    )
    assert json.loads(sync_1["Output"]) == {"doubled": 2}  # .sync keeps it as text


def test_states_start_execution_sync_fails_with_states_task_failed(lambda_role, children):
    done = run(
        one_task(
            "arn:aws:states:::states:startExecution.sync:2",
            {"StateMachineArn": children["fail"], "Input": {}},
        ),
        lambda_role,
    )
    assert (done["status"], done["error"]) == ("FAILED", "States.TaskFailed")
    assert json.loads(done["cause"])["Status"] == "FAILED"


def test_lambda_invoke_with_payload(lambda_role):
    function_arn = clients.client("lambda").create_function(
        FunctionName=f"echo-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={
            "ZipFile": zip_source(
                {"app.py": "def handler(event, context):\n    return {'got': event}\n"}
            )
        },
    )["FunctionArn"]
    result = output_of(
        one_task(
            "arn:aws:states:::lambda:invoke",
            {"FunctionName": function_arn, "Payload": {"kid": "Ada"}},
        ),
        lambda_role,
    )
    assert result["StatusCode"] == 200
    assert result["Payload"] == {"got": {"kid": "Ada"}}
