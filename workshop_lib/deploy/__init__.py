"""Deploying the applications in infra/ from their SAM templates, offline or to AWS.

Offline, aws-sam-translator (the library inside the SAM CLI) turns the SAM template into
CloudFormation, and the local cloud's CloudFormation creates the stack. In aws mode the very
same template goes to your account's CloudFormation.
"""

from ._apps import App, resolve_app
from ._deploy import (
    DestroyReport,
    build_template,
    deploy,
    destroy,
    destroy_stack,
    empty_bucket,
    outputs,
)
from ._stack import Stack, create_or_update, describe
from ._validation import (
    ALLOWED_MANAGED_POLICIES,
    Finding,
    ValidationReport,
    least_privilege,
    validate,
)

deploy_app = deploy
destroy_app = destroy

__all__ = [
    "ALLOWED_MANAGED_POLICIES",
    "App",
    "DestroyReport",
    "Finding",
    "Stack",
    "ValidationReport",
    "build_template",
    "create_or_update",
    "deploy",
    "deploy_app",
    "describe",
    "destroy",
    "destroy_app",
    "destroy_stack",
    "empty_bucket",
    "least_privilege",
    "outputs",
    "resolve_app",
    "validate",
]
