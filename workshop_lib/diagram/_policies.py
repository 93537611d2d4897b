"""What a SAM policy template allows, read from the policy templates aws-sam-translator ships
(the very list the SAM transform expands), so a diagram names the IAM actions exactly."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

# How a diagram words an arrow, by policy template; and whether data flows toward the function
# ("in": it reads), away from it ("out": it writes, publishes, starts), or both ways.
VERBS: dict[str, tuple[str, str]] = {
    "S3ReadPolicy": ("reads", "in"),
    "S3WritePolicy": ("writes", "out"),
    "S3CrudPolicy": ("reads, writes", "both"),
    "S3FullAccessPolicy": ("reads, writes", "both"),
    "DynamoDBReadPolicy": ("reads", "in"),
    "DynamoDBWritePolicy": ("writes", "out"),
    "DynamoDBCrudPolicy": ("reads, writes", "both"),
    "SNSPublishMessagePolicy": ("publishes", "out"),
    "SQSSendMessagePolicy": ("sends", "out"),
    "SQSPollerPolicy": ("polls", "in"),
    "StepFunctionsExecutionPolicy": ("starts", "out"),
    "LambdaInvokePolicy": ("invokes", "out"),
}


@functools.cache
def _templates() -> dict[str, Any]:
    import samtranslator

    path = Path(samtranslator.__file__).parent / "policy_templates_data" / "policy_templates.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))["Templates"])


def template_actions(name: str) -> list[str]:
    """The IAM actions policy template `name` allows (empty for a name SAM does not know)."""
    template = _templates().get(name)
    if template is None:
        return []
    actions: list[str] = []
    for statement in template["Definition"]["Statement"]:
        listed = statement.get("Action", [])
        for action in [listed] if isinstance(listed, str) else listed:
            if action not in actions:
                actions.append(action)
    return actions


def statement_verb(actions: list[str]) -> tuple[str, str]:
    """An inline statement's wording, from its actions (s3:List* reads, s3:Put* writes...)."""
    verbs = {a.split(":", 1)[-1] for a in actions}
    reads = any(
        v.startswith(("Get", "List", "Describe", "Query", "Scan", "Receive")) for v in verbs
    )
    writes = any(
        v.startswith(("Put", "Delete", "Update", "Send", "Publish", "Start", "Invoke", "Write"))
        for v in verbs
    )
    if reads and writes:
        return "reads, writes", "both"
    if writes:
        return "writes", "out"
    if any(v.startswith("List") for v in verbs) and all(v.startswith("List") for v in verbs):
        return "lists", "in"
    return "reads", "in"
