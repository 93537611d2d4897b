"""Checking an app before it is deployed: cfn-lint, its state machines, least privilege, and
the permissions each state machine's integrations need."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from .. import constants as C
from ..display import Displayable, theme
from ..templates import load_template, package, translate
from ._apps import App
from ._permissions import missing_permissions

# AWS managed policies the apps may attach: CloudWatch Logs for the functions' own logs only.
ALLOWED_MANAGED_POLICIES = frozenset(
    {"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
)
# `.sync` integrations wait through an EventBridge rule that Step Functions itself manages
# (rule/StepFunctionsGetEventsFor...): a role must name it, and it is no app's own resource.
SYNC_RULE_ACTIONS = frozenset({"events:PutTargets", "events:PutRule", "events:DescribeRule"})
SYNC_RULE_MARKER = ":rule/StepFunctionsGetEventsFor"
# Actions that cannot be scoped to a resource (AWS requires "Resource": "*" for them).
UNSCOPABLE_ACTIONS = frozenset(
    {
        "cloudwatch:PutMetricData",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        *C.LOG_DELIVERY_ACTIONS,
    }
)
_PLACEHOLDER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:placeholder"


@dataclass(frozen=True)
class Finding:
    source: str
    where: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"[{self.severity}] {self.source} {self.where}: {self.message}"


@dataclass(frozen=True)
class ValidationReport(Displayable):
    app: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        if not self.findings:
            return f"{self.app}: the template, its state machines and its IAM policies pass."
        return "\n".join(
            [f"{self.app}: {len(self.errors)} error(s)"] + [str(f) for f in self.findings]
        )

    def _html(self) -> str:
        colour = theme.SUCCESS if self.ok else theme.FAILURE
        items = "".join(f"<li>{html.escape(str(f))}</li>" for f in self.findings)
        verdict = "passes" if self.ok else "has problems"
        return (
            f"<div><b style='color:{colour}'>{html.escape(self.app)} {verdict}</b>"
            f"<ul>{items}</ul></div>"
        )


def validate(app: App) -> ValidationReport:
    """cfn-lint on the template and on each state machine, then the least-privilege rules."""
    sam = load_template(app.template)
    packaged = package(
        sam, app.directory, lambda key, body: ("workshop-artifacts", key), prefix=app.name
    )
    findings = lint_template(packaged)
    definitions = state_machine_definitions(packaged)
    for logical_id, definition in definitions.items():
        findings += lint_definition(logical_id, definition)
        findings += check_transitions(logical_id, definition)
    translated = translate(packaged, region="us-east-1")
    findings += least_privilege(translated)
    # Every integration a state machine calls is allowed by its own role.
    findings += [
        Finding("iam", where, why) for where, why in missing_permissions(translated, definitions)
    ]
    return ValidationReport(app.name, findings)


def lint_template(template: dict[str, Any]) -> list[Finding]:
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
    return [
        Finding(
            "cfn-lint",
            f"{m.rule.id} {'/'.join(str(p) for p in getattr(m, 'path', []))}",
            m.message,
            "error" if m.rule.id.startswith("E") else "warning",
        )
        for m in matches
    ]


def state_machine_definitions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]["Definition"]
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == "AWS::Serverless::StateMachine"
        and isinstance(resource.get("Properties", {}).get("Definition"), dict)
    }


def lint_definition(logical_id: str, definition: dict[str, Any]) -> list[Finding]:
    """cfn-lint's state machine schema (rule E3601) on the definition itself."""
    from cfnlint.api import ManualArgs, lint

    text = json.dumps(definition)
    substitutions = {name: _PLACEHOLDER_ARN for name in _placeholders(text)}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            logical_id: {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/placeholder",
                    "Definition": definition,
                    **({"DefinitionSubstitutions": substitutions} if substitutions else {}),
                },
            }
        },
    }
    return [
        Finding("states", f"{logical_id} {m.rule.id}", m.message)
        for m in lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
        if m.rule.id.startswith("E")
    ]


def check_transitions(logical_id: str, definition: dict[str, Any]) -> list[Finding]:
    """Every StartAt, Next, Default and Catch target names a state in its own scope."""
    findings: list[Finding] = []

    def scope(states: dict[str, Any], start: Any, where: str) -> None:
        if start not in states:
            findings.append(
                Finding(
                    "states", f"{logical_id} {where}", f"StartAt {start!r} is not a state here."
                )
            )
        for name, state in states.items():
            targets = [state.get("Next"), state.get("Default")]
            targets += [rule.get("Next") for rule in state.get("Choices", [])]
            targets += [catch.get("Next") for catch in state.get("Catch", [])]
            for target in filter(None, targets):
                if target not in states:
                    findings.append(
                        Finding(
                            "states",
                            f"{logical_id} {where}{name}",
                            f"goes to {target!r}, which is not a state here.",
                        )
                    )
            for index, branch in enumerate(state.get("Branches", [])):
                scope(
                    branch.get("States", {}),
                    branch.get("StartAt"),
                    f"{where}{name}/branch {index}/",
                )
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor:
                scope(processor.get("States", {}), processor.get("StartAt"), f"{where}{name}/")

    scope(definition.get("States", {}), definition.get("StartAt"), "")
    return findings


def least_privilege(template: dict[str, Any]) -> list[Finding]:
    """No wildcard actions; every resource scoped to something this app owns."""
    resources = template.get("Resources", {})
    own = set(resources) | {"AWS::StackName"}
    findings: list[Finding] = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        properties = resource.get("Properties", {})
        for arn in properties.get("ManagedPolicyArns", []):
            if _text(arn) not in ALLOWED_MANAGED_POLICIES:
                findings.append(
                    Finding("iam", logical_id, f"attaches the broad managed policy {_text(arn)}.")
                )
        for policy in properties.get("Policies", []):
            # IAM allows one statement object as well as a list of them.
            statements = _as_list(policy.get("PolicyDocument", {}).get("Statement", []))
            for index, statement in enumerate(statements):
                where = f"{logical_id}/{policy.get('PolicyName')}/{index}"
                actions = _as_list(statement.get("Action"))
                for action in actions:
                    if "*" in action:
                        findings.append(Finding("iam", where, f"wildcard action {action!r}."))
                for target in _as_list(statement.get("Resource")):
                    if target == "*" and not set(actions) <= UNSCOPABLE_ACTIONS:
                        findings.append(Finding("iam", where, f"{actions} on every resource."))
                    elif _is_sync_rule(target) and set(actions) <= SYNC_RULE_ACTIONS:
                        continue
                    elif target != "*" and not _references(target) & own:
                        findings.append(
                            Finding("iam", where, f"resource {_text(target)} is not this app's.")
                        )
    return findings


def _is_sync_rule(target: Any) -> bool:
    return SYNC_RULE_MARKER in _text(target)


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"\$\{([A-Za-z0-9_:.]+)\}", text))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _references(value: Any) -> set[str]:
    """Logical ids (and AWS::StackName) an intrinsic function refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text, variables = (inner, {}) if isinstance(inner, str) else (inner[0], inner[1])
                found |= {name.split(".")[0] for name in _placeholders(text)}
                for bound in variables.values():
                    found |= _references(bound)
            else:
                found |= _references(inner)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found
