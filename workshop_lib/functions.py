"""Deploy, invoke and delete single Lambda functions from a notebook, in either mode.

The apps in `infra/` deploy through SAM templates (`workshop_lib.deploy`); this module is for
the first steps, where a learner writes one handler and wants to see it run.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import clients
from .display import Displayable, theme
from .errors import WorkshopError
from .lambda_report import LambdaReport
from .learner import name as learner_name
from .packaging import zip_directory, zip_files
from .roles import ensure_role
from .waiting import when_role_ready

__all__ = [
    "EXECUTION_ROLE",
    "DeployedFunction",
    "Invocation",
    "delete_function",
    "deploy_function",
    "execution_role",
    "execution_role_name",
    "invoke",
]

EXECUTION_ROLE = "workshop-lambda-basic-execution"
_BASIC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


@dataclass(frozen=True)
class DeployedFunction(Displayable):
    name: str
    arn: str
    runtime: str
    handler: str
    memory_mb: int
    timeout_s: int
    code_sha256: str
    created: bool

    def _html(self) -> str:
        verb = "Created" if self.created else "Updated"
        return (
            f"<div>{verb} Lambda function <b>{html.escape(self.name)}</b> "
            f"({self.runtime}, handler <code>{html.escape(self.handler)}</code>, "
            f"{self.memory_mb} MB, timeout {self.timeout_s} s)<br>"
            f"<small><code>{html.escape(self.arn)}</code></small></div>"
        )


@dataclass(frozen=True)
class Invocation(Displayable):
    """What one synchronous invoke returned: the payload, the error if any, and the logs."""

    function: str
    status_code: int
    payload: Any
    function_error: str | None
    log_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.function_error is None

    @property
    def report(self) -> LambdaReport | None:
        for line in reversed(self.log_lines):
            parsed = LambdaReport.parse(line)
            if parsed is not None:
                return parsed
        return None

    @property
    def request_id(self) -> str | None:
        report = self.report
        return report.request_id if report else None

    def __str__(self) -> str:
        state = "OK" if self.ok else f"ERROR ({self.payload.get('errorType', '?')})"
        return f"{self.function}: {state}\n{json.dumps(self.payload, indent=2, ensure_ascii=False)}"

    def _html(self) -> str:
        if self.ok:
            title = f"<b style='color:{theme.SUCCESS}'>✔ {html.escape(self.function)} returned</b>"
        else:
            error_type = (
                self.payload.get("errorType", "error")
                if isinstance(self.payload, dict)
                else "error"
            )
            title = (
                f"<b style='color:{theme.FAILURE}'>✘ {html.escape(self.function)} raised "
                f"{html.escape(str(error_type))}</b>"
            )
        body = html.escape(json.dumps(self.payload, indent=2, ensure_ascii=False))
        report = self.report
        figures = ""
        if report is not None:
            cold = (
                "<tr><td>Init Duration (cold start)</td>"
                f"<td>{report.init_duration_ms:.2f} ms</td></tr>"
                if report.cold_start
                else "<tr><td>Start</td><td>warm (no INIT)</td></tr>"
            )
            figures = (
                "<table><tr><td>Duration</td>"
                f"<td>{report.duration_ms:.2f} ms</td></tr>{cold}"
                f"<tr><td>Billed Duration</td><td>{report.billed_duration_ms} ms</td></tr>"
                f"<tr><td>Memory</td><td>{report.max_memory_used_mb} of "
                f"{report.memory_size_mb} MB used</td></tr></table>"
            )
        logs = html.escape("\n".join(self.log_lines))
        return (
            f"<div>{title}<pre>{body}</pre>{figures}"
            f"<details><summary>Log lines ({len(self.log_lines)})</summary>"
            f"<pre style='font-size:85%'>{logs}</pre></details></div>"
        )


def execution_role_name() -> str:
    """The learner's execution role: `workshop-lambda-basic-execution`, prefixed in aws mode."""
    return learner_name(EXECUTION_ROLE)


def execution_role(name: str | None = None) -> str:
    """A role Lambda can assume, allowed to write logs (created once, then reused)."""
    name = name or execution_role_name()
    arn, created = ensure_role(name, "lambda")
    if created:
        clients.client("iam").attach_role_policy(RoleName=name, PolicyArn=_BASIC_POLICY)
    return arn


def deploy_function(
    name: str,
    code: str | Path | Mapping[str, str | bytes],
    *,
    handler: str = "app.lambda_handler",
    memory_mb: int = 128,
    timeout_s: int = 3,
    environment: Mapping[str, str] | None = None,
    runtime: str = "python3.12",
) -> DeployedFunction:
    """Create the function, or update its code and configuration if it exists.

    `code` is handler source (becomes `app.py`), a directory, or a mapping of file names.
    In aws mode the name gets the learner's prefix (`workshop_lib.learner`): classmates sharing
    an account each get their own function.
    """
    name = learner_name(name)
    archive = _package(code)
    lam = clients.client("lambda")
    settings: dict[str, Any] = {
        "Runtime": runtime,
        "Handler": handler,
        "MemorySize": memory_mb,
        "Timeout": timeout_s,
        "Environment": {"Variables": dict(environment or {})},
    }
    try:
        lam.get_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        response = _create_with_retry(name, archive, settings)
        created = True
    else:
        lam.update_function_code(FunctionName=name, ZipFile=archive)
        _wait_until_updated(name)
        response = lam.update_function_configuration(FunctionName=name, **settings)
        _wait_until_updated(name)
        created = False
    return DeployedFunction(
        name=name,
        arn=response["FunctionArn"],
        runtime=runtime,
        handler=handler,
        memory_mb=memory_mb,
        timeout_s=timeout_s,
        code_sha256=response.get("CodeSha256", ""),
        created=created,
    )


def invoke(name: str, event: Any = None) -> Invocation:
    """Invoke synchronously and return the payload with this invoke's log lines."""
    name = learner_name(name)
    response = clients.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event if event is not None else {}), LogType="Tail"
    )
    raw = response["Payload"].read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode("utf-8", errors="replace")
    tail = base64.b64decode(response.get("LogResult", "")).decode("utf-8", errors="replace")
    return Invocation(
        function=name,
        status_code=response["StatusCode"],
        payload=payload,
        function_error=response.get("FunctionError"),
        log_lines=[line for line in tail.splitlines() if line],
    )


def delete_function(name: str) -> bool:
    name = learner_name(name)
    lam = clients.client("lambda")
    try:
        lam.delete_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        return False
    return True


def _package(code: str | Path | Mapping[str, str | bytes]) -> bytes:
    if isinstance(code, Mapping):
        return zip_files(code)
    if isinstance(code, Path):
        return zip_directory(code)
    if "\n" not in code and Path(code).is_dir():
        return zip_directory(code)
    return zip_files({"app.py": code})


def _create_with_retry(name: str, archive: bytes, settings: dict[str, Any]) -> dict[str, Any]:
    lam = clients.client("lambda")
    role = execution_role()
    try:  # a brand-new IAM role takes a few seconds to reach Lambda in a real account
        response = when_role_ready(
            lambda: lam.create_function(
                FunctionName=name, Role=role, Code={"ZipFile": archive}, **settings
            )
        )
    except lam.exceptions.InvalidParameterValueException as error:
        raise WorkshopError(
            f"Lambda refused to create {name!r}: {error}",
            hint="Check the handler name and settings; see the message above.",
        ) from error
    _wait_until_active(name)
    return response


def _wait_until_active(name: str) -> None:
    clients.client("lambda").get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )


def _wait_until_updated(name: str) -> None:
    clients.client("lambda").get_waiter("function_updated_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
