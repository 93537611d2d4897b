"""`App`: what both apps in infra/ share, so each story adds only its own steps.

A notebook deploys an app (or connects to the deployed one), reads its outputs, uploads into its
input bucket, waits for the executions the uploads start, looks at the latest one, and loads a
Lambda module to call it in the notebook. `SantaApp` and `ImageApp` subclass this; neither
writes its own deploy, upload or wait loop.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Self

from .. import clients
from ..deploy import DestroyReport, Stack, deploy, describe, destroy, resolve_app
from ..errors import WorkshopError
from ..waiting import WaitTimeoutError, wait_for_execution, wait_for_executions
from ._lambda import load_lambda_module


class AppError(WorkshopError):
    """An app is not deployed, has no such function, or a run did not finish."""


class App:
    """A deployed app from infra/: its stack (outputs and resources) and the shared steps.

    A subclass names its app (`app`, as `workshop deploy` takes it), its error class, and where
    its Lambda code is (`code_location`). An App can stand wherever stack outputs are expected:
    `app["InputBucketName"]`.
    """

    app: ClassVar[str]
    """The app's name for `workshop deploy` ("santa", "images")."""
    title: ClassVar[str] = "The app"
    error: ClassVar[type[WorkshopError]] = AppError

    def __init__(self, stack: Stack | Mapping[str, str]) -> None:
        """`stack` is what `deploy.deploy` returns, or just its outputs as a dict."""
        self.stack = stack

    # -- getting one -------------------------------------------------------------------------
    @classmethod
    def deploy(cls, *, parameters: dict[str, str] | None = None) -> Self:
        """Deploy (or update) the app from its template, and return it."""
        return cls(deploy(cls.app, parameters=parameters))

    @classmethod
    def connect(cls) -> Self:
        """The app as already deployed."""
        found = describe(resolve_app(cls.app).stack_name)
        if found is None:
            raise cls.error(
                f"{cls.title} is not deployed.",
                hint=f"Run {cls.__name__}.deploy() (or `workshop deploy {cls.app}`) first.",
            )
        return cls(dataclasses.replace(found, changed=False))

    def destroy(self) -> DestroyReport:
        """Remove everything the app made: buckets (emptied first), stack, log groups."""
        return destroy(self.app)

    # -- names -------------------------------------------------------------------------------
    @property
    def outputs(self) -> dict[str, str]:
        """The stack's outputs (bucket names, ARNs, prefixes), by output name."""
        return dict(getattr(self.stack, "outputs", self.stack))

    def __getitem__(self, output: str) -> str:
        return self.stack[output]

    @property
    def input_bucket(self) -> str:
        return self.stack["InputBucketName"]

    @property
    def upload_prefix(self) -> str:
        return self.stack["UploadPrefix"]

    @property
    def output_bucket(self) -> str:
        return self.stack["OutputBucketName"]

    @property
    def state_machine_arn(self) -> str:
        return self.stack["StateMachineArn"]

    def execution_arn(self, name: str, *, state_machine_arn: str | None = None) -> str:
        """The ARN an execution of the state machine gets when it is called `name`."""
        machine = state_machine_arn or self.state_machine_arn
        return machine.replace(":stateMachine:", ":execution:", 1) + ":" + name

    # -- uploading ---------------------------------------------------------------------------
    def put_object(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Put `body` in the input bucket under `key`; S3's answer (VersionId, ETag)."""
        extra: dict[str, Any] = {"Metadata": dict(metadata)} if metadata is not None else {}
        return clients.client("s3").put_object(
            Bucket=self.input_bucket, Key=key, Body=body, ContentType=content_type, **extra
        )

    # -- executions --------------------------------------------------------------------------
    def wait_for_executions(
        self,
        names: Iterable[str],
        *,
        timeout: float,
        what: str | None = None,
        hint: str | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Wait until each named execution (one an upload starts, so perhaps not yet begun) has
        ended; each final describe_execution by name. On timeout the app's error says which."""
        arns = {self.execution_arn(name): name for name in names}
        try:
            finished = wait_for_executions(
                arns, timeout=timeout, missing_ok=True, what=what, hint=hint
            )
        except WaitTimeoutError as late:
            raise self.error(str(late.args[0]), hint=late.hint) from late
        return {arns[arn]: described for arn, described in finished.items()}

    def run_execution(
        self,
        document: Mapping[str, Any],
        *,
        timeout: float,
        state_machine_arn: str | None = None,
        what: str | None = None,
        hint: str | None = None,
    ) -> dict[str, Any]:
        """Start an execution with `document` as its input and wait for it to end; its final
        describe_execution. On timeout the app's error says so, in `what` and `hint`'s words."""
        sfn = clients.client("stepfunctions")
        arn = sfn.start_execution(
            stateMachineArn=state_machine_arn or self.state_machine_arn, input=json.dumps(document)
        )["executionArn"]
        try:
            return wait_for_execution(arn, timeout=timeout, what=what, hint=hint, sfn=sfn)
        except WaitTimeoutError as late:
            raise self.error(str(late.args[0]), hint=late.hint) from late

    def latest_execution(self, *, state_machine_arn: str | None = None) -> Any:
        """The most recently started execution of the state machine, to inspect
        (`executions.Execution`), or None when it has never run."""
        from ..executions import Execution

        machine = state_machine_arn or self.state_machine_arn
        page = clients.client("stepfunctions").list_executions(
            stateMachineArn=machine, maxResults=1
        )
        found = page.get("executions") or []
        return Execution.from_arn(found[0]["executionArn"]) if found else None

    # -- the Lambda code ---------------------------------------------------------------------
    @classmethod
    def code_location(cls, name: str) -> tuple[Path, str, str]:
        """(package folder, module, name in sys.modules) of the function or module `name`."""
        raise NotImplementedError

    @classmethod
    def load_function(cls, name: str, *, workbook_clients: bool = True) -> ModuleType:
        """Import a function's module of the app, as Lambda does, to call it right here.

        Its AWS clients are the workbook's (offline the local cloud) unless `workbook_clients`
        is false. Each call loads the code afresh: edit the file, load it again.
        """
        folder, module, module_name = cls.code_location(name)
        return load_lambda_module(
            folder, module, name=module_name, workbook_clients=workbook_clients
        )
