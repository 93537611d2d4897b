"""The IAM actions a state machine's own role needs for what its definition calls.

Step Functions calls every integration with the state machine's role: a Lambda function, an
optimized integration (`arn:aws:states:::sns:publish`, `...:dynamodb:putItem`,
`...:states:startExecution.sync:2`), an AWS SDK integration (`arn:aws:states:::aws-sdk:s3:
getObject`) and a Distributed Map (its ItemReader, its ResultWriter, the child executions it
starts). Each needs its action allowed, as AWS's "IAM policies for integrated services" list
them; this module derives them from the definition.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import Any

# Optimized integrations whose IAM action is not the API name in PascalCase.
_SPECIAL = {
    "s3:listObjectsV2": ["s3:ListBucket"],
    "s3:listObjects": ["s3:ListBucket"],
    "s3:headObject": ["s3:GetObject"],
    "lambda:invoke": ["lambda:InvokeFunction"],
}
# A `.sync` Step Functions task waits with these too (EventBridge rules stand behind it).
_SYNC_EXTRA = {
    "states": [
        "states:DescribeExecution",
        "states:StopExecution",
        "events:PutTargets",
        "events:PutRule",
        "events:DescribeRule",
    ]
}
# A Distributed Map starts, watches and stops its child workflow executions itself.
_DISTRIBUTED_MAP = ["states:StartExecution", "states:DescribeExecution", "states:StopExecution"]
_SERVICE_PREFIX = {"sfn": "states", "stepfunctions": "states"}


def _actions_for(resource: str) -> list[str]:
    """The IAM actions a Task's Resource needs ([] for what needs none, such as activities)."""
    if resource.startswith("arn:aws:lambda:") or re.fullmatch(r"\$\{\w+\}", resource):
        return ["lambda:InvokeFunction"]  # a function ARN (or the template's placeholder)
    match = re.fullmatch(r"arn:[\w-]+:states:::(aws-sdk:)?([\w-]+):(\w+)(\.[\w:]+)?", resource)
    if match is None:
        return []
    _, service, api, pattern = match.groups()
    service = _SERVICE_PREFIX.get(service, service)
    actions = list(_SPECIAL.get(f"{service}:{api}", [f"{service}:{api[:1].upper()}{api[1:]}"]))
    if pattern and pattern.startswith(".sync"):
        actions += _SYNC_EXTRA.get(service, [])
    return actions


def required_actions(definition: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, action) for every action the definition needs its role to allow."""

    def walk(states: dict[str, Any], where: str) -> Iterator[tuple[str, str]]:
        for name, state in states.items():
            here = f"{where}{name}"
            if state.get("Type") == "Task" and isinstance(state.get("Resource"), str):
                for action in _actions_for(state["Resource"]):
                    yield here, action
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            if (processor.get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED":
                for action in _DISTRIBUTED_MAP:
                    yield here, action
                for part in ("ItemReader", "ResultWriter"):
                    resource = (state.get(part) or {}).get("Resource")
                    if isinstance(resource, str):
                        for action in _actions_for(resource):
                            yield f"{here}/{part}", action
            if processor:
                yield from walk(processor.get("States", {}), f"{here}/")
            for index, branch in enumerate(state.get("Branches", [])):
                yield from walk(branch.get("States", {}), f"{here}/branch {index}/")

    yield from walk(definition.get("States", {}), "")


def granted_actions(role: dict[str, Any]) -> set[str]:
    """Every Allow action in a role's inline policies (as written, wildcards included)."""
    granted: set[str] = set()
    for policy in role.get("Properties", {}).get("Policies", []) or []:
        statements = policy.get("PolicyDocument", {}).get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect", "Allow") != "Allow":
                continue
            actions = statement.get("Action", [])
            granted.update(actions if isinstance(actions, list) else [actions])
    return granted


def allows(granted: set[str], action: str) -> bool:
    """IAM matches actions case-insensitively, with `*` and `?` wildcards."""
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in granted)


def missing_permissions(
    translated: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> list[tuple[str, str]]:
    """(where, message) for each action a state machine needs and its own role lacks."""
    resources = translated.get("Resources", {})
    problems: list[tuple[str, str]] = []
    for logical_id, definition in definitions.items():
        role_arn = resources.get(logical_id, {}).get("Properties", {}).get("RoleArn")
        if not (isinstance(role_arn, dict) and "Fn::GetAtt" in role_arn):
            continue  # a role from outside the template: nothing here to check
        target = role_arn["Fn::GetAtt"]
        role_id = target[0] if isinstance(target, list) else str(target).split(".")[0]
        granted = granted_actions(resources.get(role_id, {}))
        for where, action in required_actions(definition):
            if not allows(granted, action):
                problems.append(
                    (
                        f"{logical_id} {where}",
                        f"needs {action}, which its role {role_id} does not allow.",
                    )
                )
    return problems
