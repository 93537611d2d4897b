"""A stack update that only changes a parameter's value updates what uses it (patch 19)."""

from __future__ import annotations

import json

import pytest

from workshop_lib import clients
from workshop_lib.cloud._stack_parameters import effective_parameters, references

pytestmark = pytest.mark.cloud


def _template(wait_default: str) -> str:
    return json.dumps(
        {
            "Parameters": {"WaitSeconds": {"Type": "Number", "Default": wait_default}},
            "Resources": {
                "Machine": {
                    "Type": "AWS::StepFunctions::StateMachine",
                    "Properties": {
                        "StateMachineName": "patch19-machine",
                        "RoleArn": "arn:aws:iam::123456789012:role/x",
                        "DefinitionString": {
                            "Fn::Sub": '{"StartAt":"W","States":{"W":{"Type":"Wait",'
                            '"Seconds":${WaitSeconds},"End":true}}}'
                        },
                    },
                },
                "Queue": {
                    "Type": "AWS::SQS::Queue",
                    "Properties": {
                        "QueueName": "patch19-queue",
                        "VisibilityTimeout": {"Ref": "WaitSeconds"},
                    },
                },
            },
        }
    )


def test_a_new_default_reaches_the_resources_that_use_it(local_cloud) -> None:
    cfn, sfn, sqs = (clients.client(s) for s in ("cloudformation", "stepfunctions", "sqs"))
    cfn.create_stack(StackName="patch19", TemplateBody=_template("30"))
    try:
        cfn.update_stack(StackName="patch19", TemplateBody=_template("45"))
        machine = next(  # other tests share this cloud: look through every page
            m
            for page in sfn.get_paginator("list_state_machines").paginate()
            for m in page["stateMachines"]
            if m["name"] == "patch19-machine"
        )
        definition = json.loads(
            sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])["definition"]
        )
        assert definition["States"]["W"]["Seconds"] == 45
        url = sqs.get_queue_url(QueueName="patch19-queue")["QueueUrl"]
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        assert got["Attributes"]["VisibilityTimeout"] == "45"
    finally:
        cfn.delete_stack(StackName="patch19")


def test_effective_parameters_and_references() -> None:
    declared = {"A": {"Default": "1"}, "B": {}}
    assert effective_parameters(declared, {"B": "x"}) == {"A": "1", "B": "x"}
    resource = {"P": {"Fn::Sub": "arn:${A}:${AWS::Region}"}, "Q": [{"Ref": "B"}]}
    assert references(resource) >= {"A", "B"}
