"""workshop validate: every integration a state machine calls is allowed by its own role."""

from __future__ import annotations

from workshop_lib.deploy._permissions import missing_permissions, required_actions
from workshop_lib.templates import translate

DEFINITION = {
    "StartAt": "Announce",
    "States": {
        "Announce": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
            "Parameters": {"TopicArn": "${TopicArn}", "Message.$": "$$.Task.Token"},
            "Next": "Track",
        },
        "Track": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "${TableName}", "Item": {"id": {"S": "1"}}},
            "Next": "Photos",
        },
        "Photos": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:listObjectsV2",
                "Parameters": {"Bucket": "${Bucket}"},
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "One",
                "States": {
                    "One": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "${FunctionArn}", "Payload.$": "$"},
                        "End": True,
                    }
                },
            },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "${Bucket}", "Prefix": "results"},
            },
            "Next": "Child",
        },
        "Child": {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": "${ChildArn}"},
            "Next": "Read",
        },
        "Read": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket": "${Bucket}", "Key": "a"},
            "End": True,
        },
    },
}


def test_each_integration_names_the_iam_action_aws_documents():
    needed = set(required_actions(DEFINITION))
    assert ("Announce", "sns:Publish") in needed
    assert ("Track", "dynamodb:PutItem") in needed
    assert ("Photos/ItemReader", "s3:ListBucket") in needed
    assert ("Photos/ResultWriter", "s3:PutObject") in needed
    assert ("Photos", "states:StartExecution") in needed  # the child workflow executions
    assert ("Photos/One", "lambda:InvokeFunction") in needed
    assert {("Child", "states:StartExecution"), ("Child", "states:DescribeExecution")} <= needed
    assert ("Child", "events:PutRule") in needed  # .sync waits through an EventBridge rule
    assert ("Read", "s3:GetObject") in needed


ANNOUNCE_AND_END = {
    **{k: v for k, v in DEFINITION["States"]["Announce"].items() if k != "Next"},
    "End": True,
}


def _template(statements: list[dict]) -> dict:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Machine": {
                "Type": "AWS::Serverless::StateMachine",
                "Properties": {
                    "Definition": {
                        "StartAt": "Announce",
                        "States": {"Announce": ANNOUNCE_AND_END},
                    },
                    "DefinitionSubstitutions": {"TopicArn": {"Ref": "Topic"}},
                    "Policies": [{"Statement": statements}],
                },
            },
        },
    }


def _problems(statements: list[dict]) -> list[tuple[str, str]]:
    template = _template(statements)
    definitions = {"Machine": template["Resources"]["Machine"]["Properties"]["Definition"]}
    return missing_permissions(translate(template, region="us-east-1"), definitions)


def test_a_role_without_the_action_is_reported_and_one_with_it_passes():
    publish = {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "Topic"}}
    other = {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": {"Ref": "Topic"}}
    problems = _problems([other])
    assert len(problems) == 1
    where, why = problems[0]
    assert where == "Machine Announce" and "sns:Publish" in why
    assert _problems([publish]) == []
    # IAM matches case-insensitively and with wildcards.
    assert _problems([publish | {"Action": ["SNS:publish"]}]) == []
    assert _problems([publish | {"Action": "sns:Pub*"}]) == []
