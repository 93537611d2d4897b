"""Patch 19: a stack update whose only change is a parameter's value updates the resources that
use it, as CloudFormation does.

moto compares resources by their raw template JSON and counts a parameter as changed only when
it is passed to UpdateStack and differs from the last call. A new *default* in the template (how
`workshop deploy --parameter` sets values) changed nothing, so a state machine kept its old
definition after `deploy("santa", parameters={"ApprovalTimeoutSeconds": "60"})`.
"""

from __future__ import annotations

import re
from typing import Any

_SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9_.:]+)\}")


def effective_parameters(
    declared: dict[str, Any] | None, given: dict[str, Any] | None
) -> dict[str, Any]:
    """Each declared parameter's value: the one given, else the template's default."""
    given = given or {}
    return {
        name: given.get(name, (spec or {}).get("Default"))
        for name, spec in (declared or {}).items()
    }


def references(node: Any) -> set[str]:
    """Names a resource refers to: `Ref`s and `${Name}` inside `Fn::Sub` strings."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) and value else value
                if isinstance(text, str):
                    found.update(_SUB_REFERENCE.findall(text))
                found |= references(value)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def install() -> None:
    from moto.cloudformation import parsing

    original = parsing.ResourceMap.build_resource_diff

    def build_resource_diff(
        self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        diff = original(self, other_template, parameters)
        before = effective_parameters(
            self._template.get("Parameters"), getattr(self, "input_parameters", None)
        )
        after = effective_parameters(
            other_template.get("Parameters"),
            parameters if parameters else getattr(self, "input_parameters", None),
        )
        changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
        if not changed:
            return diff
        old, new = self._resource_json_map, other_template.get("Resources", {})
        for name, resource in new.items():
            if name in old and name not in diff["Modify"] and references(resource) & changed:
                diff["Modify"].append(name)
        return diff

    parsing.ResourceMap.build_resource_diff = build_resource_diff
