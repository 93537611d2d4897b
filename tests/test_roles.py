"""The library's own IAM roles: one trust policy shape, created once and then reused."""

from __future__ import annotations

import json
import uuid

from workshop_lib import clients, cloud, roles


def test_a_trust_policy_names_the_service_that_may_assume_the_role() -> None:
    for short, principal in (
        ("states", "states.amazonaws.com"),
        ("lambda", "lambda.amazonaws.com"),
    ):
        policy = roles.trust_policy(short)
        assert policy == roles.trust_policy(principal)
        (statement,) = policy["Statement"]
        assert statement == {
            "Effect": "Allow",
            "Principal": {"Service": principal},
            "Action": "sts:AssumeRole",
        }


def test_a_role_is_created_once_then_reused(local_cloud: cloud.CloudStatus) -> None:
    name = f"workshop-test-role-{uuid.uuid4().hex[:8]}"
    iam = clients.client("iam")
    try:
        arn, created = roles.ensure_role(name, "states", description="a test role")
        assert created and arn.endswith(f":role/{name}")
        again, created_again = roles.ensure_role(name, "lambda")
        assert (again, created_again) == (arn, False)
        role = iam.get_role(RoleName=name)["Role"]
        document = role["AssumeRolePolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        # Reusing a role never rewrites who may assume it.
        assert document["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}
        assert role["Description"] == "a test role"
    finally:
        iam.delete_role(RoleName=name)
