"""Creating, updating and deleting a CloudFormation stack, and saying clearly what went wrong."""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from typing import Any

from .. import clients
from ..display import Displayable, theme
from ..errors import DeployError
from ..learner import current
from ..waiting import stack_failure_report, wait_for_stack

_GOOD = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


@dataclass(frozen=True)
class Stack(Displayable):
    """A deployed application: its stack, status, outputs and resources."""

    name: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)
    resources: dict[str, tuple[str, str]] = field(default_factory=dict)
    """logical id -> (resource type, physical id)"""
    changed: bool = True

    def __getitem__(self, output: str) -> str:
        try:
            return self.outputs[output]
        except KeyError:
            raise KeyError(
                f"The stack {self.name} has no output {output!r}; it has "
                f"{', '.join(sorted(self.outputs))}."
            ) from None

    def physical_ids(self, resource_type: str) -> list[str]:
        return [pid for kind, pid in self.resources.values() if kind == resource_type]

    def __str__(self) -> str:
        lines = [f"Stack {self.name}: {self.status}"]
        lines += [f"  {key}: {value}" for key, value in sorted(self.outputs.items())]
        return "\n".join(lines)

    def _html(self) -> str:
        colour = theme.SUCCESS if self.status in _GOOD else theme.FAILURE
        note = "" if self.changed else " (no changes: it was already up to date)"
        outputs = "".join(
            f"<tr><td><b>{html.escape(k)}</b></td><td><code>{html.escape(v)}</code></td></tr>"
            for k, v in sorted(self.outputs.items())
        )
        resources = "".join(
            f"<tr><td>{html.escape(logical)}</td><td>{html.escape(kind)}</td></tr>"
            for logical, (kind, _) in sorted(self.resources.items())
        )
        return (
            f"<div><b style='color:{colour}'>{html.escape(self.name)}: "
            f"{html.escape(self.status)}</b>{note}"
            f"<table><tr><th>Output</th><th>Value</th></tr>{outputs}</table>"
            f"<details><summary>{len(self.resources)} resources</summary>"
            f"<table>{resources}</table></details></div>"
        )


def describe(name: str) -> Stack | None:
    cloudformation = clients.client("cloudformation")
    try:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    if stack["StackStatus"] == "DELETE_COMPLETE":
        return None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    resources = {
        r["LogicalResourceId"]: (r["ResourceType"], r.get("PhysicalResourceId", ""))
        for r in _paged(
            cloudformation, "list_stack_resources", "StackResourceSummaries", StackName=name
        )
    }
    return Stack(name=name, status=stack["StackStatus"], outputs=outputs, resources=resources)


def create_or_update(name: str, template: dict[str, Any], *, timeout: float | None = None) -> Stack:
    """Create the stack, or update it in place; wait; explain a failure."""
    cloudformation = clients.client("cloudformation")
    body = json.dumps(template)
    existing = describe(name)
    if existing is not None and existing.status == "ROLLBACK_COMPLETE":
        # A stack whose creation failed cannot be updated: AWS requires deleting it first.
        delete(name, timeout=timeout)
        existing = None
    arguments: dict[str, Any] = {
        "StackName": name,
        "Capabilities": CAPABILITIES,
        # CloudFormation copies stack tags onto what it creates: the owner goes along.
        "Tags": [{"Key": key, "Value": value} for key, value in current().tags().items()],
    }
    arguments.update(_template_argument(name, body))
    started = time.time()
    if existing is None:
        cloudformation.create_stack(**arguments, OnFailure="ROLLBACK")
    else:
        try:
            cloudformation.update_stack(**arguments)
        except cloudformation.exceptions.ClientError as error:
            if "No updates are to be performed" in str(error):
                unchanged = describe(name)
                assert unchanged is not None
                return Stack(
                    unchanged.name,
                    unchanged.status,
                    unchanged.outputs,
                    unchanged.resources,
                    changed=False,
                )
            raise
    status = wait_for_stack(name, timeout=timeout)
    if status not in _GOOD:
        raise DeployError(
            f"Deploying {name} failed ({status}).\n{stack_failure_report(name, since=started)}",
            hint="Fix the resource named above in the template, then deploy again. "
            "CloudFormation has rolled the stack back, so nothing half-made is left running.",
        )
    stack = describe(name)
    assert stack is not None
    return stack


def delete(name: str, *, timeout: float | None = None) -> bool:
    cloudformation = clients.client("cloudformation")
    if describe(name) is None:
        return False
    cloudformation.delete_stack(StackName=name)
    status = wait_for_stack(name, timeout=timeout, deleting=True)
    if status not in ("DELETE_COMPLETE", None):
        raise DeployError(
            f"Deleting {name} failed ({status}).\n{stack_failure_report(name)}",
            hint="Empty or delete the resource named above by hand, then destroy again.",
        )
    return True


def _template_argument(name: str, body: str) -> dict[str, str]:
    # AWS takes up to 51,200 bytes inline; larger templates go through S3. The local cloud
    # has no such limit, so offline never needs (or names) an S3 URL.
    if len(body.encode()) <= 51_200 or clients.resolve_target().offline:
        return {"TemplateBody": body}
    from ._artifacts import upload_artifact

    bucket, key = upload_artifact(f"templates/{name}.json", body.encode())
    region = clients.client("s3").meta.region_name
    return {"TemplateURL": f"https://{bucket}.s3.{region}.amazonaws.com/{key}"}


def _paged(client: Any, method: str, key: str, **arguments: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(method).paginate(**arguments):
        items.extend(page.get(key, []))
    return items
