"""An application's architecture, read from its SAM template: services and the arrows between
them, each arrow with the IAM permission it needs.

Arrows come from what the template declares, not from guesses:
- a function's `Events` (S3, SQS, SNS): the source invokes the function;
- `Policies` of functions and state machines (SAM policy templates and inline statements);
- a state machine's `DefinitionSubstitutions` naming a function (it invokes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._policies import VERBS, statement_verb, template_actions

KINDS = {
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::Serverless::Function": "Lambda function",
    "AWS::Lambda::Function": "Lambda function",
    "AWS::Serverless::StateMachine": "State machine",
    "AWS::StepFunctions::StateMachine": "State machine",
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::Serverless::SimpleTable": "DynamoDB table",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::SQS::Queue": "SQS queue",
}
_EVENT_SOURCES = {"S3": "Bucket", "SQS": "Queue", "SNS": "Topic"}
_EVENT_PERMISSION = {
    "S3": "lambda:InvokeFunction, granted to s3.amazonaws.com (a resource policy SAM adds)",
    "SNS": "lambda:InvokeFunction, granted to sns.amazonaws.com (a resource policy SAM adds)",
    "SQS": "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes for the function's "
    "role (SAM adds them)",
}


@dataclass(frozen=True)
class Service:
    key: str  # the template's logical id
    kind: str  # "S3 bucket", "Lambda function", ...
    note: str = ""


@dataclass
class Arrow:
    """`source` → `target`, in the direction data or control flows."""

    source: str
    target: str
    label: str
    permissions: list[str] = field(default_factory=list)  # "action, action (why)"
    both_ways: bool = False
    trigger: bool = False  # an event source starting a function

    def tooltip(self) -> str:
        lines = [f"{self.source} → {self.target}: {self.label}"]
        lines += [f"IAM: {p}" for p in self.permissions]
        return "\n".join(lines)


@dataclass
class Architecture:
    title: str
    services: dict[str, Service]
    arrows: list[Arrow]

    def arrow(self, source: str, target: str) -> Arrow | None:
        for arrow in self.arrows:
            if {arrow.source, arrow.target} == {source, target}:
                return arrow
        return None


def read_architecture(template: dict[str, Any], title: str) -> Architecture:
    resources: dict[str, Any] = template.get("Resources") or {}
    parameters: dict[str, Any] = template.get("Parameters") or {}
    services = {
        key: Service(key, KINDS[body["Type"]], _note(body, template))
        for key, body in resources.items()
        if isinstance(body, dict) and body.get("Type") in KINDS
    }
    names = _physical_names(resources)
    built = Architecture(title, services, [])
    for key, body in resources.items():
        if key not in services:
            continue
        properties = body.get("Properties") or {}
        for event in (properties.get("Events") or {}).values():
            _event_arrow(built, key, event, parameters, names)
        for policy in _policy_list(properties.get("Policies")):
            _policy_arrows(built, key, policy, names)
        for value in (properties.get("DefinitionSubstitutions") or {}).values():
            target = _reference(value, names)
            if target in services and services[target].kind == "Lambda function":
                _add(built, key, target, "invokes", "", "out")
    return built


# -- arrows ---------------------------------------------------------------------------------------


def _event_arrow(
    built: Architecture, function: str, event: Any, parameters: dict[str, Any], names: Any
) -> None:
    if not isinstance(event, dict) or event.get("Type") not in _EVENT_SOURCES:
        return
    kind = event["Type"]
    properties = event.get("Properties") or {}
    source = _reference(properties.get(_EVENT_SOURCES[kind]), names)
    if source not in built.services:
        return
    label = "message" if kind != "S3" else _s3_label(properties, parameters)
    arrow = _add(built, source, function, label, "", "out")
    arrow.trigger = True
    arrow.permissions.append(_EVENT_PERMISSION[kind])


def _s3_label(properties: dict[str, Any], parameters: dict[str, Any]) -> str:
    events = properties.get("Events", "")
    events = events[0] if isinstance(events, list) and events else events
    label = str(events).removeprefix("s3:").replace(":*", "")
    rules = (((properties.get("Filter") or {}).get("S3Key") or {}).get("Rules")) or []
    for rule in rules:
        if isinstance(rule, dict) and rule.get("Name") == "prefix":
            label += f" {_text(rule.get('Value'), parameters)}"
    return label


def _policy_arrows(built: Architecture, owner: str, policy: Any, names: Any) -> None:
    if not isinstance(policy, dict):
        return
    if "Statement" in policy:
        for statement in policy["Statement"] or []:
            _statement_arrow(built, owner, statement, names)
        return
    for template, arguments in policy.items():
        values = arguments.values() if isinstance(arguments, dict) else []
        targets = [_reference(value, names) for value in values]
        target = next((t for t in targets if t in built.services), None)
        if target is None or target == owner:
            continue
        verb, flow = VERBS.get(template, ("uses", "out"))
        actions = template_actions(template)
        _add(built, owner, target, verb, f"{', '.join(actions)} ({template})", flow)


def _statement_arrow(built: Architecture, owner: str, statement: Any, names: Any) -> None:
    if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
        return
    actions = statement.get("Action", [])
    actions = [actions] if isinstance(actions, str) else list(actions)
    resources = statement.get("Resource", [])
    for resource in resources if isinstance(resources, list) else [resources]:
        target = _reference(resource, names)
        if target in built.services and target != owner:
            verb, flow = statement_verb(actions)
            _add(built, owner, target, verb, f"{', '.join(actions)} (inline statement)", flow)


def _add(
    built: Architecture, owner: str, other: str, verb: str, permission: str, flow: str
) -> Arrow:
    """One arrow per pair of services: a second policy between them adds to the first."""
    source, target = (other, owner) if flow == "in" else (owner, other)
    arrow = built.arrow(owner, other)
    if arrow is None:
        arrow = Arrow(source, target, verb, both_ways=flow == "both")
        built.arrows.append(arrow)
    else:
        if verb not in arrow.label.split(", "):
            merged = set(arrow.label.split(", ")) | set(verb.split(", "))
            arrow.label = ", ".join(sorted(merged))
        if flow == "both" or (arrow.source, arrow.target) != (source, target):
            arrow.both_ways = True
    if permission and permission not in arrow.permissions:
        arrow.permissions.append(permission)
    return arrow


# -- references -----------------------------------------------------------------------------------


def _physical_names(resources: dict[str, Any]) -> dict[str, str]:
    """Fixed names (`BucketName: !Sub ...`) -> logical id: templates name a bucket this way
    where a !Ref would be a circular dependency."""
    found = {}
    for key, body in resources.items():
        properties = (body or {}).get("Properties") or {}
        for field_name in ("BucketName", "TableName", "TopicName", "QueueName"):
            value = properties.get(field_name)
            if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
                found[value["Fn::Sub"]] = key
            elif isinstance(value, str):
                found[value] = key
    return found


def _reference(value: Any, names: dict[str, str]) -> str | None:
    """The logical id a !Ref, !GetAtt or !Sub points to, if any."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else str(target).split(".")[0])
        if "Fn::Sub" in value:
            text = value["Fn::Sub"]
            text = text[0] if isinstance(text, list) else text
            if isinstance(text, str):
                for name, key in names.items():
                    if name in text:
                        return key
                match = re.search(r"\$\{(\w+)(?:\.\w+)?\}", text)
                return match[1] if match else None
    if isinstance(value, str):
        return value if value in names.values() else names.get(value)
    return None


def _text(value: Any, parameters: dict[str, Any]) -> str:
    if isinstance(value, dict) and "Ref" in value:
        parameter = parameters.get(value["Ref"]) or {}
        return str(parameter.get("Default", value["Ref"]))
    return str(value)


def _policy_list(policies: Any) -> list[Any]:
    if policies is None:
        return []
    return policies if isinstance(policies, list) else [policies]


def _note(body: dict[str, Any], template: dict[str, Any]) -> str:
    properties = body.get("Properties") or {}
    kind = KINDS[body["Type"]]
    if kind == "Lambda function":
        globals_ = ((template.get("Globals") or {}).get("Function")) or {}
        handler = properties.get("Handler", globals_.get("Handler", ""))
        memory = properties.get("MemorySize", globals_.get("MemorySize"))
        return f"{handler} · {memory} MB" if memory else str(handler)
    if kind == "State machine":
        return str(properties.get("Type", "STANDARD")).capitalize()
    if kind == "DynamoDB table":
        return "on demand" if properties.get("BillingMode") == "PAY_PER_REQUEST" else ""
    if kind == "SQS queue" and properties.get("FifoQueue"):
        return "FIFO"
    return ""


def load(path: Path) -> dict[str, Any]:
    from ..templates import load_template

    return load_template(path)
