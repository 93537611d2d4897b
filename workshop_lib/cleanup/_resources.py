"""Finding what the workbook created: everything tagged workshop=sfn-lambda-workbook."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import clients
from .. import constants as C


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


@dataclass
class Inventory:
    """What was found, and which services could not be checked (and why)."""

    resources: list[Resource]
    unchecked: dict[str, str]


def _collect(finder: Callable[[], Iterator[Resource]], inventory: Inventory) -> None:
    try:
        inventory.resources.extend(finder())
    except Exception as error:  # one service failing must not stop the others being checked
        name = getattr(finder, "__name__", "resources").replace("_", " ")
        inventory.unchecked[name] = str(error).splitlines()[0][:200]


def stacks() -> Iterator[Resource]:
    cloudformation = clients.client("cloudformation")
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            if stack["StackStatus"] != "DELETE_COMPLETE" and (
                _tagged(stack.get("Tags")) or stack["StackName"].startswith("workshop-")
            ):
                yield Resource("stack", stack["StackName"], stack["StackId"])


def buckets() -> Iterator[Resource]:
    s3 = clients.client("s3")
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        try:
            tags = s3.get_bucket_tagging(Bucket=name)["TagSet"]
        except s3.exceptions.ClientError:
            tags = []
        if _tagged(tags) or name.startswith("workshop-artifacts-"):
            yield Resource("bucket", name)


def functions() -> Iterator[Resource]:
    lam = clients.client("lambda")
    for page in lam.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            tags = lam.list_tags(Resource=function["FunctionArn"]).get("Tags", {})
            if _tagged(tags):
                yield Resource("function", function["FunctionName"], function["FunctionArn"])


def state_machines() -> Iterator[Resource]:
    sfn = clients.client("stepfunctions")
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            arn = machine["stateMachineArn"]
            if _tagged(sfn.list_tags_for_resource(resourceArn=arn).get("tags", [])):
                yield Resource("state machine", machine["name"], arn)


def topics() -> Iterator[Resource]:
    sns = clients.client("sns")
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            arn = topic["TopicArn"]
            if _tagged(sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])):
                yield Resource("topic", arn.rsplit(":", 1)[-1], arn)


def queues() -> Iterator[Resource]:
    sqs = clients.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        if _tagged(sqs.list_queue_tags(QueueUrl=url).get("Tags", {})):
            yield Resource("queue", url.rsplit("/", 1)[-1], url)


def tables() -> Iterator[Resource]:
    dynamodb = clients.client("dynamodb")
    for name in dynamodb.list_tables().get("TableNames", []):
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
        if _tagged(dynamodb.list_tags_of_resource(ResourceArn=arn).get("Tags", [])):
            yield Resource("table", name, arn)


def log_groups(function_names: set[str]) -> Iterator[Resource]:
    logs = clients.client("logs")
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            name = group["logGroupName"]
            ours = name.removeprefix("/aws/lambda/") in function_names or name.startswith(
                ("/aws/lambda/workshop-", "/aws/vendedlogs/states/workshop-", "/workshop/")
            )
            if not ours:
                with contextlib.suppress(Exception):
                    arn = group.get("arn", "").removesuffix(":*")
                    ours = _tagged(logs.list_tags_for_resource(resourceArn=arn).get("tags", {}))
            if ours:
                yield Resource("log group", name)


def roles() -> Iterator[Resource]:
    iam = clients.client("iam")
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            name = role["RoleName"]
            tags = iam.list_role_tags(RoleName=name).get("Tags", [])
            if _tagged(tags) or name.startswith("workshop-"):
                yield Resource("role", name, role["Arn"])


def dashboards() -> Iterator[Resource]:
    cloudwatch = clients.client("cloudwatch")
    for entry in cloudwatch.list_dashboards(DashboardNamePrefix="workshop").get(
        "DashboardEntries", []
    ):
        yield Resource("dashboard", entry["DashboardName"])


def scaling_groups() -> Iterator[Resource]:
    autoscaling = clients.client("autoscaling")
    for group in autoscaling.describe_auto_scaling_groups().get("AutoScalingGroups", []):
        if _tagged(group.get("Tags", [])) or group["AutoScalingGroupName"].startswith("workshop-"):
            yield Resource("auto scaling group", group["AutoScalingGroupName"])


def launch_templates() -> Iterator[Resource]:
    ec2 = clients.client("ec2")
    for template in ec2.describe_launch_templates().get("LaunchTemplates", []):
        if _tagged(template.get("Tags", [])) or template["LaunchTemplateName"].startswith(
            "workshop-"
        ):
            yield Resource("launch template", template["LaunchTemplateName"])


def find_all() -> Inventory:
    """Everything of the workbook's in the current mode (stacks' own resources included)."""
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
        _collect(finder, inventory)
    names = {r.name for r in inventory.resources if r.kind == "function"}

    def lambda_log_groups() -> Iterator[Resource]:
        return log_groups(names)

    _collect(lambda_log_groups, inventory)
    return inventory
