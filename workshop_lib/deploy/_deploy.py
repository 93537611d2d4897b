"""`deploy(app)` and `destroy(app)`: the same steps offline and in a real account."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import clients
from .. import constants as C
from ..display import Displayable
from ..errors import DeployError
from ..owner import state_dir
from ..packaging import FunctionPackage, Target, build_package
from ..templates import FunctionSettings, code_only, load_template, package, translate
from ._apps import App, resolve_app
from ._artifacts import upload_artifact
from ._stack import Stack, create_or_update, delete, describe
from ._validation import validate


def build_template(app: App, *, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Package the app's code to the artifacts bucket and translate its SAM template.

    In a real account each function's requirements.txt is built into its zip for the Lambda
    platform; offline the local runtime uses the workbook's own environment instead.
    """
    sam = load_template(app.template)
    build = code_only if clients.resolve_mode() == C.MODE_OFFLINE else with_dependencies
    packaged = package(sam, app.directory, upload_artifact, prefix=app.name, build=build)
    region = clients.client("s3").meta.region_name
    return translate(packaged, region=region, parameters=parameters)


def with_dependencies(folder: Path, logical_id: str, settings: FunctionSettings) -> bytes:
    """The function's code plus its requirements, built for its Lambda runtime and architecture."""
    return function_package(folder, logical_id, settings).data


def function_package(folder: Path, logical_id: str, settings: FunctionSettings) -> FunctionPackage:
    """Build one function for the Lambda platform (wheels cached in the state directory)."""
    return build_package(
        folder,
        name=logical_id,
        target=Target(settings.runtime, settings.architecture),
        cache_dir=state_dir() / "packages",
    )


def deploy(name: str, *, parameters: dict[str, str] | None = None) -> Stack:
    """Deploy (or update) an application from infra/ and return its stack and outputs."""
    app = resolve_app(name)
    if clients.resolve_mode() == C.MODE_AWS:
        # In a real account, a broken template costs a failed, slow stack: check it first.
        report = validate(app)
        if not report.ok:
            raise DeployError(
                f"{app.name} did not pass validation:\n{report}",
                hint="Fix the findings above, then deploy again.",
            )
    template = build_template(app, parameters=parameters)
    if parameters:
        known = template.setdefault("Parameters", {})
        unknown = sorted(set(parameters) - set(known))
        if unknown:
            raise DeployError(
                f"{app.name} has no parameter named {', '.join(map(repr, unknown))}.",
                hint="Its parameters are: " + (", ".join(sorted(known)) or "none") + ".",
            )
        for key, value in parameters.items():
            known[key]["Default"] = value
    return create_or_update(app.stack_name, template)


def outputs(name: str) -> dict[str, str]:
    """The outputs of a deployed application (empty if it is not deployed)."""
    stack = describe(resolve_app(name).stack_name)
    return dict(stack.outputs) if stack else {}


@dataclass(frozen=True)
class DestroyReport(Displayable):
    stack: str
    existed: bool
    emptied_buckets: dict[str, int] = field(default_factory=dict)
    deleted_log_groups: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.existed:
            return f"{self.stack} was not deployed; nothing to remove."
        lines = [f"Removed {self.stack}."]
        for bucket, count in self.emptied_buckets.items():
            lines.append(f"  emptied bucket {bucket} ({count} object versions)")
        for group in self.deleted_log_groups:
            lines.append(f"  deleted log group {group}")
        return "\n".join(lines)

    def _html(self) -> str:
        return "<pre>" + html.escape(str(self)) + "</pre>"


def destroy(name: str) -> DestroyReport:
    """Remove everything the application created: buckets (emptied first), stack, log groups."""
    return destroy_stack(resolve_app(name).stack_name)


def destroy_stack(stack_name: str) -> DestroyReport:
    """Empty the stack's buckets (CloudFormation won't delete full ones), delete the stack,
    then the log groups its functions wrote (Lambda creates those, not the stack)."""
    stack = describe(stack_name)
    if stack is None:
        return DestroyReport(stack_name, existed=False)
    emptied = {bucket: empty_bucket(bucket) for bucket in stack.physical_ids("AWS::S3::Bucket")}
    groups = [f"/aws/lambda/{fn}" for fn in stack.physical_ids("AWS::Lambda::Function")]
    delete(stack_name)
    deleted = [group for group in groups if _delete_log_group(group)]
    return DestroyReport(stack_name, True, emptied, deleted)


def empty_bucket(bucket: str) -> int:
    """Delete every object version and delete marker (CloudFormation won't delete full buckets)."""
    s3 = clients.client("s3")
    removed = 0
    try:
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
        for page in pages:
            doomed = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(doomed), 1000):
                batch = doomed[start : start + 1000]
                s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                removed += len(batch)
    except s3.exceptions.NoSuchBucket:
        return 0
    return removed


def _delete_log_group(group: str) -> bool:
    logs = clients.client("logs")
    try:
        logs.delete_log_group(logGroupName=group)
    except logs.exceptions.ResourceNotFoundException:
        return False
    return True
