"""Templates pass cfn-lint, their state machines are sound, and IAM is least privilege."""

from __future__ import annotations

import pytest

from workshop_lib.deploy import resolve_app
from workshop_lib.deploy._validation import (
    check_transitions,
    least_privilege,
    lint_definition,
    validate,
)
from workshop_lib.paths import INFRA

APPS = sorted(p.parent.name for p in INFRA.glob("*/template.yaml"))


@pytest.mark.parametrize("folder", APPS)
def test_every_app_passes_cfn_lint_and_least_privilege(folder):
    report = validate(resolve_app(str(INFRA / folder)))
    assert report.ok, str(report)


def role(statement: dict, managed: list | None = None) -> dict:
    return {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "ManagedPolicyArns": managed or [],
                    "Policies": [{"PolicyName": "P", "PolicyDocument": {"Statement": [statement]}}],
                },
            },
        }
    }


def test_wildcard_actions_are_refused():
    findings = least_privilege(
        role({"Effect": "Allow", "Action": "s3:*", "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}})
    )
    assert [f.message for f in findings] == ["wildcard action 's3:*'."]


def test_resources_must_belong_to_the_app():
    assert least_privilege(role({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}))
    foreign = "arn:aws:s3:::someone-elses-bucket/*"
    findings = least_privilege(
        role({"Effect": "Allow", "Action": "s3:GetObject", "Resource": foreign})
    )
    assert "is not this app's" in findings[0].message
    scoped = {"Fn::Sub": ["arn:aws:s3:::${b}/*", {"b": {"Ref": "Bucket"}}]}
    assert not least_privilege(
        role({"Effect": "Allow", "Action": "s3:GetObject", "Resource": scoped})
    )
    assert not least_privilege(
        role({"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"})
    )


def test_broad_managed_policies_are_refused():
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]},
    }
    findings = least_privilege(role(statement, ["arn:aws:iam::aws:policy/AdministratorAccess"]))
    assert "AdministratorAccess" in findings[0].message


def test_state_machine_typos_and_dangling_transitions_are_found():
    typo = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxt": "B"}, "B": {"Type": "Succeed"}}}
    assert any("Nxt" in f.message for f in lint_definition("Flow", typo))
    dangling = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": "${Fn}",
                "Next": "Missing",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Gone"}],
            },
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "X", "States": {"Y": {"Type": "Succeed"}}}],
            },
        },
    }
    messages = [f.message for f in check_transitions("Flow", dangling)]
    assert "goes to 'Missing', which is not a state here." in messages
    assert "goes to 'Gone', which is not a state here." in messages
    assert "StartAt 'X' is not a state here." in messages


def test_a_single_statement_object_is_checked_too():
    template = role({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    policy = template["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]
    policy["Statement"] = policy["Statement"][0]  # a dict, not a list
    assert any("wildcard" in f.message for f in least_privilege(template))


def test_the_rule_step_functions_manages_for_sync_tasks_is_allowed_and_nothing_more():
    rule = {
        "Fn::Sub": "arn:aws:events:${AWS::Region}:${AWS::AccountId}:rule/"
        "StepFunctionsGetEventsForStepFunctionsExecutionRule"
    }
    sync = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
    assert not least_privilege(role({"Effect": "Allow", "Action": sync, "Resource": rule}))
    # Any other action on that rule, or those actions on another rule, is still refused.
    assert least_privilege(
        role({"Effect": "Allow", "Action": ["events:DeleteRule"], "Resource": rule})
    )
    other = "arn:aws:events:us-east-1:123456789012:rule/someone-elses"
    assert least_privilege(role({"Effect": "Allow", "Action": sync, "Resource": other}))
