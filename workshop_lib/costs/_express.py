"""An Express copy of a deployed Standard workflow, for high volume and the cost comparison.

The copy runs the same definition as the original, with its own role (the original's
permissions plus log delivery) and a LoggingConfiguration at level ALL: an Express workflow
keeps no history, so its logs are the only record of what it did.

    copy = express_copy(outputs("santa")["StateMachineArn"])
    result = copy.run({"bucket": ..., "key": ...})    # StartSyncExecution: waits for the end
    measure_execution(result)                         # billed duration from billingDetails
    copy.delete()
"""

from __future__ import annotations

import ast
import contextlib
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import clients
from .. import constants as C
from ..display import Displayable
from ..learner import name as learner_name
from ..roles import ensure_role
from ..waiting import when_role_ready
from ._errors import CostInputError

# What AWS documents a state machine's role needs to deliver logs to CloudWatch Logs.
_LOG_DELIVERY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": list(C.LOG_DELIVERY_ACTIONS),
            "Resource": "*",
        }
    ],
}


@dataclass(frozen=True)
class ExpressCopy(Displayable):
    """An Express state machine made from a Standard one, with its log group and role."""

    arn: str
    name: str
    log_group: str
    role_name: str
    source_arn: str

    def run(self, execution_input: Any = None, *, name: str | None = None) -> dict[str, Any]:
        """Run once with StartSyncExecution and return AWS's answer (with billingDetails)."""
        sfn = clients.client("stepfunctions")
        arguments: dict[str, Any] = {
            "stateMachineArn": self.arn,
            "input": json.dumps(execution_input if execution_input is not None else {}),
        }
        if name:
            arguments["name"] = name
        return sfn.start_sync_execution(**arguments)

    def delete(self) -> None:
        """Remove the state machine, its log group and its role (what is already gone is fine)."""
        sfn = clients.client("stepfunctions")
        with contextlib.suppress(sfn.exceptions.StateMachineDoesNotExist):
            sfn.delete_state_machine(stateMachineArn=self.arn)
        logs = clients.client("logs")
        with contextlib.suppress(logs.exceptions.ResourceNotFoundException):
            logs.delete_log_group(logGroupName=self.log_group)
        _delete_role(self.role_name)

    def __str__(self) -> str:
        return f"Express copy {self.name} of {self.source_arn.rsplit(':', 1)[-1]}"

    def _html(self) -> str:
        return (
            f"<div><b>Express copy</b> <code>{html.escape(self.name)}</code> of "
            f"<code>{html.escape(self.source_arn.rsplit(':', 1)[-1])}</code><br>"
            f"<small>Same definition; every event logged (level ALL) to "
            f"<code>{html.escape(self.log_group)}</code>.</small></div>"
        )


def express_copy(
    state_machine_arn: str,
    *,
    name: str | None = None,
    include_execution_data: bool = True,
) -> ExpressCopy:
    """Create (or update) an Express copy of a state machine; see the module docstring."""
    sfn = clients.client("stepfunctions")
    try:
        source = sfn.describe_state_machine(stateMachineArn=state_machine_arn)
    except sfn.exceptions.StateMachineDoesNotExist:
        raise CostInputError(
            f"There is no state machine {state_machine_arn!r} here.",
            hint="Deploy the app first, then copy its StateMachineArn output.",
        ) from None
    # In aws mode with the learner's prefix (shared class accounts): CloudFormation names a
    # state machine after its logical id, not the stack, so the source's name may lack it.
    copy_name = learner_name(name or f"{source['name']}-express")[:80]
    group = f"/aws/vendedlogs/states/{copy_name}"
    group_arn = _log_group_arn(group)
    role_name = f"{copy_name}-role"[:64]
    role_arn = _copy_role(role_name, source["roleArn"])
    logging = {
        "level": "ALL",
        "includeExecutionData": include_execution_data,
        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}],
    }
    existing = next(
        (
            m["stateMachineArn"]
            for page in sfn.get_paginator("list_state_machines").paginate()
            for m in page["stateMachines"]
            if m["name"] == copy_name
        ),
        None,
    )
    if existing:
        sfn.update_state_machine(
            stateMachineArn=existing,
            definition=source["definition"],
            roleArn=role_arn,
            loggingConfiguration=logging,
        )
        arn = existing
    else:
        arn = _create_when_role_is_ready(
            name=copy_name,
            definition=source["definition"],
            roleArn=role_arn,
            type="EXPRESS",
            loggingConfiguration=logging,
        )
    return ExpressCopy(arn, copy_name, group, role_name, state_machine_arn)


def _log_group_arn(group: str) -> str:
    logs = clients.client("logs")
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    return next(g["arn"] for g in found if g["logGroupName"] == group)


def _copy_role(role_name: str, source_role_arn: str) -> str:
    """A role with the source role's policies plus log delivery."""
    iam = clients.client("iam")
    arn, _ = ensure_role(
        role_name,
        "states",
        description="Express copy of a workshop state machine (logs at level ALL)",
    )
    source_role = source_role_arn.rsplit("/", 1)[-1]
    with contextlib.suppress(iam.exceptions.NoSuchEntityException):
        for policy_name in iam.list_role_policies(RoleName=source_role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=source_role, PolicyName=policy_name)
            iam.put_role_policy(
                RoleName=role_name,
                PolicyName=policy_name,
                PolicyDocument=_policy_document(document["PolicyDocument"]),
            )
        for policy in iam.list_attached_role_policies(RoleName=source_role)["AttachedPolicies"]:
            iam.attach_role_policy(RoleName=role_name, PolicyArn=policy["PolicyArn"])
    iam.put_role_policy(
        RoleName=role_name, PolicyName="log-delivery", PolicyDocument=json.dumps(_LOG_DELIVERY)
    )
    return arn


def _create_when_role_is_ready(**arguments: Any) -> str:
    sfn = clients.client("stepfunctions")
    # A new IAM role takes a few seconds to be usable in a real account.
    return when_role_ready(lambda: sfn.create_state_machine(**arguments)["stateMachineArn"])


def _delete_role(role_name: str) -> None:
    iam = clients.client("iam")
    try:
        names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    except iam.exceptions.NoSuchEntityException:
        return
    for policy_name in names:
        iam.delete_role_policy(RoleName=role_name, PolicyName=policy_name)
    for policy in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role_name, PolicyArn=policy["PolicyArn"])
    with contextlib.suppress(iam.exceptions.NoSuchEntityException):
        iam.delete_role(RoleName=role_name)


def _policy_document(document: str | Mapping[str, Any]) -> str:
    if isinstance(document, str):
        try:
            parsed = json.loads(document)
        except ValueError:
            # The local cloud returns policies that CloudFormation created as Python reprs,
            # without their Version.
            parsed = ast.literal_eval(document)
    else:
        parsed = dict(document)
    parsed.setdefault("Version", "2012-10-17")
    return json.dumps(parsed)
