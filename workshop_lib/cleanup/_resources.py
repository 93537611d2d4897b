"""Finding what the workbook created: everything tagged workshop=sfn-lambda-workbook.

In aws mode only the caller's own resources count (see `workshop_lib.learner`): a classmate's
stack in the same account is neither listed nor deleted. `find_all(everyone=True)` is the
instructor's view of the whole account.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import clients
from .. import constants as C
from ..learner import Learner, current


@dataclass(frozen=True)
class Resource:
    kind: str
    name: str
    arn: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def _tagged(tags: Any) -> bool:
    if isinstance(tags, dict):
        return tags.get(C.TAG_KEY) == C.TAG_VALUE
    for tag in tags or []:
        key = tag.get("Key", tag.get("key"))
        value = tag.get("Value", tag.get("value"))
        if key == C.TAG_KEY and value == C.TAG_VALUE:
            return True
    return False


_EVERYONE = Learner("", "everyone")
"""No prefix: every learner's resources (the single-learner rules, applied account-wide)."""


@dataclass
class Inventory:
    """What was found, and which services could not be checked (and why)."""

    resources: list[Resource]
    unchecked: dict[str, str]


def _collect(finder: Callable[[], Iterator[Resource]], inventory: Inventory) -> None:
    try:
        inventory.resources.extend(finder())
    except Exception as error:  # one service failing must not stop the others being checked
        function = getattr(finder, "func", finder)  # a functools.partial names its function
        name = getattr(function, "__name__", "resources").replace("_", " ")
        inventory.unchecked[name] = str(error).splitlines()[0][:200]


def stacks(who: Learner) -> Iterator[Resource]:
    cloudformation = clients.client("cloudformation")
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            name, tags = stack["StackName"], stack.get("Tags")
            if (
                stack["StackStatus"] != "DELETE_COMPLETE"
                and (_tagged(tags) or name.startswith(who.name_prefix))
                and who.owns(name, tags)
            ):
                yield Resource("stack", name, stack["StackId"])


def buckets(who: Learner) -> Iterator[Resource]:
    s3 = clients.client("s3")
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        try:
            tags = s3.get_bucket_tagging(Bucket=name)["TagSet"]
        except s3.exceptions.ClientError:
            tags = []
        artifacts = name.startswith(who.name("workshop-artifacts-"))
        if (_tagged(tags) or artifacts) and who.owns(name, tags):
            yield Resource("bucket", name)


def functions(who: Learner) -> Iterator[Resource]:
    lam = clients.client("lambda")
    for page in lam.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            tags = lam.list_tags(Resource=function["FunctionArn"]).get("Tags", {})
            if _tagged(tags) and who.owns(function["FunctionName"], tags):
                yield Resource("function", function["FunctionName"], function["FunctionArn"])


def state_machines(who: Learner) -> Iterator[Resource]:
    sfn = clients.client("stepfunctions")
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            arn = machine["stateMachineArn"]
            tags = sfn.list_tags_for_resource(resourceArn=arn).get("tags", [])
            if _tagged(tags) and who.owns(machine["name"], tags):
                yield Resource("state machine", machine["name"], arn)


def topics(who: Learner) -> Iterator[Resource]:
    sns = clients.client("sns")
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            arn = topic["TopicArn"]
            tags = sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])
            if _tagged(tags) and who.owns(arn.rsplit(":", 1)[-1], tags):
                yield Resource("topic", arn.rsplit(":", 1)[-1], arn)


def queues(who: Learner) -> Iterator[Resource]:
    sqs = clients.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        if _tagged(tags) and who.owns(url.rsplit("/", 1)[-1], tags):
            yield Resource("queue", url.rsplit("/", 1)[-1], url)


def tables(who: Learner) -> Iterator[Resource]:
    dynamodb = clients.client("dynamodb")
    for name in dynamodb.list_tables().get("TableNames", []):
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
        tags = dynamodb.list_tags_of_resource(ResourceArn=arn).get("Tags", [])
        if _tagged(tags) and who.owns(name, tags):
            yield Resource("table", name, arn)


def log_groups(who: Learner, function_names: set[str]) -> Iterator[Resource]:
    logs = clients.client("logs")
    ours_by_name = (
        f"/aws/lambda/{who.name_prefix}",
        f"/aws/vendedlogs/states/{who.name_prefix}",
        # "/workshop/" names carry no learner, so only a learner alone in the cloud owns them.
        "/workshop/" if not who.shared else f"/workshop/{who.prefix}/",
    )
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            name = group["logGroupName"]
            ours = name.removeprefix("/aws/lambda/") in function_names or name.startswith(
                ours_by_name
            )
            if not ours:
                with contextlib.suppress(Exception):
                    arn = group.get("arn", "").removesuffix(":*")
                    tags = logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
                    ours = _tagged(tags) and who.owns(name, tags)
            if ours:
                yield Resource("log group", name)


def roles(who: Learner) -> Iterator[Resource]:
    iam = clients.client("iam")
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            name = role["RoleName"]
            tags = iam.list_role_tags(RoleName=name).get("Tags", [])
            if (_tagged(tags) or name.startswith(who.name_prefix)) and who.owns(name, tags):
                yield Resource("role", name, role["Arn"])


def dashboards(who: Learner) -> Iterator[Resource]:
    # Dashboards carry no tags: the name says whose they are.
    cloudwatch = clients.client("cloudwatch")
    prefix = who.name_prefix if who.shared else "workshop"
    for entry in cloudwatch.list_dashboards(DashboardNamePrefix=prefix).get("DashboardEntries", []):
        yield Resource("dashboard", entry["DashboardName"])


def scaling_groups(who: Learner) -> Iterator[Resource]:
    autoscaling = clients.client("autoscaling")
    for group in autoscaling.describe_auto_scaling_groups().get("AutoScalingGroups", []):
        name, tags = group["AutoScalingGroupName"], group.get("Tags", [])
        if (_tagged(tags) or name.startswith(who.name_prefix)) and who.owns(name, tags):
            yield Resource("auto scaling group", name)


def launch_templates(who: Learner) -> Iterator[Resource]:
    ec2 = clients.client("ec2")
    for template in ec2.describe_launch_templates().get("LaunchTemplates", []):
        name, tags = template["LaunchTemplateName"], template.get("Tags", [])
        if (_tagged(tags) or name.startswith(who.name_prefix)) and who.owns(name, tags):
            yield Resource("launch template", name)


def find_all(*, everyone: bool = False) -> Inventory:
    """Everything of the workbook's in the current mode (stacks' own resources included): in
    aws mode the caller's own, or with `everyone` every learner's in the account."""
    who = _EVERYONE if everyone else current()
    inventory = Inventory([], {})
    finders = (
        stacks,
        state_machines,
        functions,
        topics,
        queues,
        tables,
        buckets,
        dashboards,
        scaling_groups,
        launch_templates,
        roles,
    )
    for finder in finders:
        _collect(functools.partial(finder, who), inventory)
    names = {r.name for r in inventory.resources if r.kind == "function"}

    def lambda_log_groups() -> Iterator[Resource]:
        return log_groups(who, names)

    _collect(lambda_log_groups, inventory)
    return inventory
