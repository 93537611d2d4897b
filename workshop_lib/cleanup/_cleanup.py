"""`cleanup()`: delete everything the workbook created in the current mode, then verify."""

from __future__ import annotations

import contextlib
import html
import time
from dataclasses import dataclass, field

from .. import clients
from ..deploy import destroy_stack, empty_bucket
from ..display import Displayable, theme
from ..learner import current
from . import _resources
from ._resources import Resource


@dataclass(frozen=True)
class CleanupReport(Displayable):
    mode: str
    deleted: list[Resource] = field(default_factory=list)
    failed: list[tuple[Resource, str]] = field(default_factory=list)
    remaining: list[Resource] = field(default_factory=list)
    unchecked: dict[str, str] = field(default_factory=dict)
    owner: str = ""
    """aws mode: whose resources were cleaned up (the learner's prefix); empty for all."""

    @property
    def clean(self) -> bool:
        return not self.remaining and not self.failed

    def __str__(self) -> str:
        whose = f", learner {self.owner!r} only" if self.owner else ""
        lines = [f"Cleanup ({self.mode} mode{whose}): deleted {len(self.deleted)} resource(s)."]
        lines += [f"  - {resource}" for resource in self.deleted]
        for resource, reason in self.failed:
            lines.append(f"  ! could not delete {resource}: {reason}")
        if self.remaining:
            lines.append("Still there afterwards (delete these by hand):")
            lines += [f"  * {resource}" for resource in self.remaining]
        elif self.owner:
            lines.append(f"Verified: nothing of yours ({self.owner}) is left.")
        else:
            lines.append("Verified: nothing tagged by the workbook remains.")
        for service, reason in self.unchecked.items():
            lines.append(f"  ? could not check {service}: {reason}")
        return "\n".join(lines)

    def _html(self) -> str:
        colour = theme.SUCCESS if self.clean else theme.FAILURE
        if not self.clean:
            verdict = f"{len(self.remaining)} resource(s) remain: see below."
        elif self.owner:
            verdict = f"Verified: nothing of yours ({self.owner}) is left."
        else:
            verdict = "Verified: nothing the workbook created remains."
        items = "".join(f"<li>{html.escape(str(r))}</li>" for r in self.deleted)
        left = "".join(f"<li><b>{html.escape(str(r))}</b></li>" for r in self.remaining)
        return (
            f"<div><b style='color:{colour}'>Cleanup ({self.mode}): {verdict}</b>"
            f"<details><summary>Deleted {len(self.deleted)}</summary><ul>{items}</ul>"
            f"</details>{f'<ul>{left}</ul>' if left else ''}</div>"
        )


def cleanup(*, everyone: bool = False) -> CleanupReport:
    """Delete stacks (buckets emptied first), then every other tagged resource; verify.

    In aws mode only the caller's own resources (a shared class account holds classmates'
    too); `everyone=True` cleans up every learner's, for the instructor at the end of a class.
    """
    mode = clients.resolve_mode()
    owner = "" if everyone else current().prefix
    deleted: list[Resource] = []
    failed: list[tuple[Resource, str]] = []

    def remove(resources: list[Resource]) -> None:
        for resource in resources:
            try:
                if _delete(resource):
                    deleted.append(resource)
            except Exception as error:  # keep going: report what could not be deleted
                if not _already_gone(error):
                    failed.append((resource, str(error).splitlines()[0][:300]))

    # Stacks first: they delete most of what they own, then look again for the rest.
    remove([r for r in _resources.find_all(everyone=everyone).resources if r.kind == "stack"])
    remove(_resources.find_all(everyone=everyone).resources)
    after = _resources.find_all(everyone=everyone)
    return CleanupReport(mode, deleted, failed, after.resources, after.unchecked, owner)


def _already_gone(error: Exception) -> bool:
    text = str(error)
    return any(
        code in text
        for code in (
            "NoSuchEntity",
            "NotFound",
            "does not exist",
            "NoSuchBucket",
            "NonExistentQueue",
        )
    )


def _delete(resource: Resource) -> bool:
    kind = resource.kind
    if kind == "stack":
        return destroy_stack(resource.name).existed
    if kind == "bucket":
        s3 = clients.client("s3")
        try:
            empty_bucket(resource.name)
            s3.delete_bucket(Bucket=resource.name)
        except s3.exceptions.NoSuchBucket:
            return False
        return True
    if kind == "function":
        clients.client("lambda").delete_function(FunctionName=resource.name)
    elif kind == "state machine":
        clients.client("stepfunctions").delete_state_machine(stateMachineArn=resource.arn)
    elif kind == "topic":
        clients.client("sns").delete_topic(TopicArn=resource.arn)
    elif kind == "queue":
        clients.client("sqs").delete_queue(QueueUrl=resource.arn)
    elif kind == "table":
        clients.client("dynamodb").delete_table(TableName=resource.name)
    elif kind == "log group":
        clients.client("logs").delete_log_group(logGroupName=resource.name)
    elif kind == "dashboard":
        clients.client("cloudwatch").delete_dashboards(DashboardNames=[resource.name])
    elif kind == "auto scaling group":
        clients.client("autoscaling").delete_auto_scaling_group(
            AutoScalingGroupName=resource.name, ForceDelete=True
        )
    elif kind == "launch template":
        clients.client("ec2").delete_launch_template(LaunchTemplateName=resource.name)
    elif kind == "role":
        _delete_role(resource.name)
    else:
        return False
    return True


def _delete_role(name: str) -> None:
    iam = clients.client("iam")
    for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    with contextlib.suppress(Exception):
        for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(
                InstanceProfileName=profile["InstanceProfileName"], RoleName=name
            )
    # IAM is eventually consistent in a real account: a role just detached may need a moment.
    for attempt in range(5):
        try:
            iam.delete_role(RoleName=name)
            return
        except iam.exceptions.DeleteConflictException:
            if attempt == 4:
                raise
            time.sleep(2)
