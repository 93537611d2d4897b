"""IAM roles the library creates for itself: who may assume them, and get-or-create.

Four places make a role outside a SAM template (a Lambda execution role, the fan-out's and the
Express copy's state machine roles, the capstone's workflow role). Each needs the same trust
policy shape and the same "reuse it if it is there" rule, so both live here once.
"""

from __future__ import annotations

import json
from typing import Any

from . import clients

__all__ = ["ensure_role", "trust_policy"]


def trust_policy(service: str) -> dict[str, Any]:
    """The policy that lets one AWS service assume a role, e.g. `trust_policy("states")`.

    `service` is the short name (`lambda`, `states`) or the full principal
    (`lambda.amazonaws.com`).
    """
    principal = service if service.endswith(".amazonaws.com") else f"{service}.amazonaws.com"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": principal},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def ensure_role(name: str, service: str, *, description: str | None = None) -> tuple[str, bool]:
    """The ARN of role `name`, creating it (trusted by `service`) if it does not exist yet.

    Returns `(arn, created)`: a caller that attaches policies only to a role it made can tell.
    """
    iam = clients.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"], False
    except iam.exceptions.NoSuchEntityException:
        pass
    extra = {"Description": description} if description else {}
    created = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust_policy(service)), **extra
    )
    return created["Role"]["Arn"], True
