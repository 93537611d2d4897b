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
from ._stack import Stack
from ._validation import Finding, ValidationReport, validate

deploy_app = deploy
destroy_app = destroy

__all__ = [
    "App",
    "DestroyReport",
    "Finding",
    "Stack",
    "ValidationReport",
    "build_template",
    "deploy",
    "deploy_app",
    "destroy",
    "destroy_app",
    "destroy_stack",
    "empty_bucket",
    "outputs",
    "resolve_app",
    "validate",
]
