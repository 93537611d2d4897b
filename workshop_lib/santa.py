"""Santa's list, the workbook's first story: the small steps notebooks 01–03 repeat.

    stack = deploy("santa")
    upload = santa.upload_list(stack, "good_list.json")   # a file from data/santa/
    run = santa.wait_for_execution(stack, upload)           # the run the upload started
    santa.read_stamped_list(stack, run)                     # the list it wrote
    santa.quarantine(stack)                                 # rejected lists and why

`stack` is what `workshop_lib.deploy.deploy("santa")` returns (or its outputs as a dict).
Every helper works the same offline and in a real account. The functions are thin wrappers of
`SantaApp`, the app's front end (`apps.App`, shared with the image processor's `ImageApp`):
`SantaApp.deploy().upload_list("good_list.json")` does the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from . import clients
from .apps import App, AppError
from .deploy import empty_bucket
from .display import Displayable, html_table, theme
from .learner import name as learner_name
from .paths import REPO, SANTA_ASL, SANTA_DATA, SANTA_FUNCTIONS

__all__ = [
    "ASL",
    "DATA",
    "FUNCTIONS",
    "REPO",
    "Quarantine",
    "Rejected",
    "Run",
    "SantaApp",
    "SantaError",
    "SantaList",
    "UploadedList",
    "execution_arn",
    "load_handler",
    "make_bucket",
    "output_keys",
    "quarantine",
    "read_stamped_list",
    "remove_bucket",
    "upload_list",
    "wait_for_execution",
]

FUNCTIONS = SANTA_FUNCTIONS
"""One folder per Lambda function: validate, transform, notify, fixit, trigger."""
ASL = SANTA_ASL
DATA = SANTA_DATA
QUARANTINE_PREFIX = "quarantine/"
"""The template's default QuarantinePrefix (in the input bucket)."""
REASON_SUFFIX = ".reason.json"


class StackOutputs(Protocol):
    def __getitem__(self, name: str, /) -> str: ...


class SantaError(AppError):
    """Something about Santa's app: no execution started, nothing to read, and so on."""


# -- the handlers, as Python modules --------------------------------------------------------------


def load_handler(name: str) -> ModuleType:
    """Import `infra/santa/functions/<name>/app.py` so its functions can be called right here.

    The handler's AWS clients are the workbook's, so offline they talk to the local cloud. Each
    call loads the file afresh (edit it, load it again). Same as `SantaApp.load_function`.
    """
    return SantaApp.load_function(name)


@cache
def _trigger() -> ModuleType:
    return load_handler("trigger")


# -- buckets for notebook 01, before the app is deployed ----------------------------------------


def make_bucket(purpose: str, *, versioned: bool = True) -> str:
    """A new, empty bucket in the current region, named `santa-<purpose>-<random>`.

    Bucket names are global across all AWS accounts, hence the random part.
    """
    # In aws mode with the learner's prefix, so a shared account's cleanup knows whose it is.
    name = learner_name(f"santa-{purpose}-{uuid.uuid4().hex[:10]}".lower())
    s3 = clients.client("s3")
    region = s3.meta.region_name
    location = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": location} if location else {}))
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def remove_bucket(name: str) -> int:
    """Delete every object version in the bucket, then the bucket. Returns how many went."""
    removed = empty_bucket(name)
    s3 = clients.client("s3")
    with contextlib.suppress(s3.exceptions.NoSuchBucket):
        s3.delete_bucket(Bucket=name)
    return removed


# -- uploading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedList(Displayable):
    """One list put in the input bucket, and the name of the execution it starts."""

    bucket: str
    key: str
    version_id: str | None
    etag: str
    size: int
    execution_name: str
    starts_workflow: bool

    def _html(self) -> str:
        note = (
            f"→ starts execution <code>{html.escape(self.execution_name)}</code>"
            if self.starts_workflow
            else "<i>outside the upload prefix: no execution starts</i>"
        )
        return (
            f"<div>📤 Uploaded <code>s3://{html.escape(self.bucket)}/{html.escape(self.key)}"
            f"</code> ({self.size:,} bytes, version <code>{html.escape(self.version_id or '-')}"
            f"</code>) {note}</div>"
        )


def upload_list(
    stack: StackOutputs,
    source: str | Path | bytes | list[Any] | dict[str, Any],
    key: str | None = None,
) -> UploadedList:
    """Put a list in the input bucket.

    `source` is a path (a bare name like "good_list.json" is looked up in data/santa/), raw
    bytes, or Python data (written as JSON). `key` defaults to the file's name under the upload
    prefix; a key without a "/" goes under the upload prefix too, any other key is used as is.
    """
    return SantaApp(stack).upload_list(source, key)


def _read_source(source: str | Path | bytes | list[Any] | dict[str, Any]) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, f"list-{hashlib.sha256(source).hexdigest()[:8]}.json"
    if isinstance(source, list | dict):
        body = json.dumps(source, ensure_ascii=False, indent=1).encode() + b"\n"
        return body, f"list-{hashlib.sha256(body).hexdigest()[:8]}.json"
    path = Path(source)
    for candidate in (path, DATA / path):
        if candidate.is_file():
            return candidate.read_bytes(), candidate.name
    raise SantaError(
        f"There is no file {path}.",
        hint=f"Give a path, or the name of a file in data/santa/ such as good_list.json "
        f"({', '.join(sorted(p.name for p in DATA.glob('*.json')))}).",
    )


def _execution_name(bucket: str, key: str, version_id: str | None) -> str:
    # The trigger function's own naming rule, so the two can never disagree.
    trigger = _trigger()
    return trigger.execution_name(trigger.Upload(bucket=bucket, key=key, version_id=version_id))


# -- executions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run(Displayable):
    """How one execution of Santa's workflow ended (or how far it is)."""

    name: str
    arn: str
    status: str
    input: Any
    output: Any
    error: str | None
    cause: str | None
    started: datetime
    stopped: datetime | None

    @property
    def ok(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def seconds(self) -> float | None:
        return (self.stopped - self.started).total_seconds() if self.stopped else None

    @classmethod
    def describe(cls, arn: str) -> Run:
        described = clients.client("stepfunctions").describe_execution(executionArn=arn)
        return cls(
            name=described["name"],
            arn=arn,
            status=described["status"],
            input=_json_or_text(described.get("input")),
            output=_json_or_text(described.get("output")),
            error=described.get("error"),
            cause=described.get("cause"),
            started=described["startDate"],
            stopped=described.get("stopDate"),
        )

    def __str__(self) -> str:
        took = f" in {self.seconds:.2f} s" if self.seconds is not None else ""
        text = f"{self.name}: {self.status}{took}"
        if self.error:
            text += f"\n  {self.error}: {_readable_cause(self.cause)}"
        return text

    def _html(self) -> str:
        colour = {"SUCCEEDED": theme.SUCCESS, "RUNNING": theme.RUNNING}.get(
            self.status, theme.FAILURE
        )
        took = f" in {self.seconds:.2f} s" if self.seconds is not None else ""
        error = (
            f"<br><b>{html.escape(self.error)}</b>: {html.escape(_readable_cause(self.cause))}"
            if self.error
            else ""
        )
        output = (
            "<details><summary>Output</summary><pre>"
            + html.escape(json.dumps(self.output, indent=2, ensure_ascii=False))
            + "</pre></details>"
            if self.output is not None
            else ""
        )
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 10px'>"
            f"Execution <code>{html.escape(self.name)}</code>: "
            f"<b style='color:{colour}'>{html.escape(self.status)}</b>{took}{error}{output}</div>"
        )


def execution_arn(stack: StackOutputs, name: str) -> str:
    """The ARN an execution of the stack's state machine gets when it is called `name`."""
    return SantaApp(stack).execution_arn(name)


def wait_for_execution(
    stack: StackOutputs, upload: UploadedList | str, *, timeout_s: float = 30.0
) -> Run:
    """Wait for the execution an upload started to finish, and return how it ended.

    `upload` is what `upload_list` returned, or a key in the input bucket (its latest version).
    """
    return SantaApp(stack).wait_for_execution(upload, timeout_s=timeout_s)


def _readable_cause(cause: str | None) -> str:
    """A Lambda error's message when the cause is its JSON error payload, else the cause."""
    parsed = _json_or_text(cause)
    if isinstance(parsed, dict) and parsed.get("errorMessage"):
        return str(parsed["errorMessage"])
    return cause or ""


def _json_or_text(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


# -- results --------------------------------------------------------------------------------------


class SantaList(Displayable):
    """A list read back from S3: the kids, and where they came from."""

    def __init__(self, bucket: str, key: str, kids: list[dict[str, Any]]) -> None:
        self.bucket = bucket
        self.key = key
        self.kids = kids

    @property
    def stamped(self) -> int:
        """How many requests carry the "Ho Ho Ho" stamp."""
        return sum(1 for kid in self.kids if kid.get("stamp") == "Ho Ho Ho")

    def __len__(self) -> int:
        return len(self.kids)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.kids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.kids[index]

    def __repr__(self) -> str:
        return f"SantaList(s3://{self.bucket}/{self.key}: {len(self)} kids, {self.stamped} stamped)"

    def _html(self, rows: int = 8) -> str:
        columns = ["id", "name", "country", "age", "gifts", "stamp"]
        head = "".join(f"<th>{c}</th>" for c in columns)
        body = ""
        for kid in self.kids[:rows]:
            cells = []
            for column in columns:
                value = kid.get(column, "")
                text = "; ".join(value) if isinstance(value, list) else str(value)
                cells.append(f"<td>{html.escape(text)}</td>")
            body += "<tr>" + "".join(cells) + "</tr>"
        more = (
            f"<tr><td colspan='{len(columns)}'><i>… and {len(self) - rows} more</i></td></tr>"
            if len(self) > rows
            else ""
        )
        return (
            f"<div><code>s3://{html.escape(self.bucket)}/{html.escape(self.key)}</code>: "
            f"<b>{len(self)}</b> kids, <b>{self.stamped}</b> stamped"
            f"<table><tr>{head}</tr>{body}{more}</table></div>"
        )


def read_stamped_list(stack: StackOutputs, key: str | Run) -> SantaList:
    """The stamped list in the output bucket: give its key, or the Run that wrote it."""
    return SantaApp(stack).read_stamped_list(key)


def output_keys(stack: StackOutputs) -> list[str]:
    """Every key in the output bucket, sorted."""
    return SantaApp(stack).output_keys()


@dataclass(frozen=True)
class Rejected:
    """A list that FixIt moved aside, with the reason it wrote next to it."""

    key: str
    reason_key: str
    original_key: str
    error: str
    message: str
    quarantined_at: str


class Quarantine(list[Rejected], Displayable):
    """The rejected lists in quarantine, each with its reason."""

    def of(self, original_key: str) -> Quarantine:
        """Only the entries for one uploaded list (it may have been rejected more than once)."""
        return Quarantine(r for r in self if r.original_key == original_key)

    def __str__(self) -> str:
        if not self:
            return "Quarantine is empty."
        return "\n".join(f"{r.original_key}: {r.error}: {r.message.splitlines()[0]}" for r in self)

    def _html(self) -> str:
        if not self:
            return "<div><i>Quarantine is empty: no list has been rejected.</i></div>"
        rows = [
            (
                f"<code>{html.escape(r.original_key)}</code>",
                f"<b>{html.escape(r.error)}</b>",
                f"<pre style='margin:0;white-space:pre-wrap'>{html.escape(r.message)}</pre>",
            )
            for r in self
        ]
        table = html_table(("Uploaded as", "Error", "Reason"), rows, escape=False)
        return (
            f"<div><b>{len(self)}</b> rejected list{'s' if len(self) != 1 else ''} in "
            f"quarantine{table}</div>"
        )


def quarantine(stack: StackOutputs, *, prefix: str = QUARANTINE_PREFIX) -> Quarantine:
    """Every list FixIt moved to quarantine, with its reason file read."""
    return SantaApp(stack).quarantine(prefix=prefix)


def _keys(bucket: str, prefix: str) -> list[str]:
    paginator = clients.client("s3").get_paginator("list_objects_v2")
    return sorted(
        item["Key"]
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
    )


# -- the app --------------------------------------------------------------------------------------


class SantaApp(App):
    """Santa's deployed app (infra/santa): the shared front end (`apps.App`: deploy, outputs,
    upload, wait, the latest execution, the Lambda code) and the story's own steps."""

    app = "santa"
    title = "Santa's app"
    error = SantaError

    @classmethod
    def code_location(cls, name: str) -> tuple[Path, str, str]:
        """Each function is its own package, functions/<name>/, with its handler in app.py."""
        if not (FUNCTIONS / name / "app.py").is_file():
            known = ", ".join(
                sorted(p.name for p in FUNCTIONS.iterdir() if (p / "app.py").is_file())
            )
            raise SantaError(
                f"There is no Santa function called {name!r}.", hint=f"Use one of {known}."
            )
        return FUNCTIONS / name, "app", f"santa_{name}"

    # -- uploading ---------------------------------------------------------------------------
    def upload_list(
        self,
        source: str | Path | bytes | list[Any] | dict[str, Any],
        key: str | None = None,
    ) -> UploadedList:
        """Put a list in the input bucket (see the module's `upload_list`)."""
        prefix = self.upload_prefix
        body, default_name = _read_source(source)
        name = key or default_name
        full_key = name if "/" in name else prefix + name
        response = self.put_object(full_key, body, content_type="application/json; charset=utf-8")
        version = response.get("VersionId") or None
        return UploadedList(
            bucket=self.input_bucket,
            key=full_key,
            version_id=version,
            etag=response.get("ETag", ""),
            size=len(body),
            execution_name=_execution_name(self.input_bucket, full_key, version),
            starts_workflow=full_key.startswith(prefix),
        )

    def _uploaded(self, key: str) -> UploadedList:
        bucket = self.input_bucket
        s3 = clients.client("s3")
        try:
            head = s3.head_object(Bucket=bucket, Key=key)
        except s3.exceptions.ClientError as error:
            raise SantaError(
                f"There is no s3://{bucket}/{key}.",
                hint="It may have been rejected and moved to quarantine already; pass what "
                "upload_list returned instead of the key.",
            ) from error
        version = head.get("VersionId") or None
        return UploadedList(
            bucket=bucket,
            key=key,
            version_id=version,
            etag=head.get("ETag", ""),
            size=int(head.get("ContentLength", 0)),
            execution_name=_execution_name(bucket, key, version),
            starts_workflow=key.startswith(self.upload_prefix),
        )

    # -- executions --------------------------------------------------------------------------
    def wait_for_execution(self, upload: UploadedList | str, *, timeout_s: float = 30.0) -> Run:
        """Wait for the execution an upload started to finish, and return how it ended."""
        if isinstance(upload, str):
            upload = self._uploaded(upload)
        if not upload.starts_workflow:
            raise SantaError(
                f"{upload.key} is outside the upload prefix {self.upload_prefix!r}, so no "
                "execution starts for it.",
                hint="Upload it under the upload prefix to start the workflow.",
            )
        arn = self.execution_arn(upload.execution_name)
        try:
            self.wait_for_executions([upload.execution_name], timeout=timeout_s)
        except SantaError:
            sfn = clients.client("stepfunctions")
            try:
                sfn.describe_execution(executionArn=arn)
            except sfn.exceptions.ExecutionDoesNotExist:
                raise SantaError(
                    f"No execution started for s3://{upload.bucket}/{upload.key} within "
                    f"{timeout_s:g} s.",
                    hint="The upload should start one by itself. Read the trigger function's "
                    "log (its name contains TriggerFunction) to see whether S3 called it.",
                ) from None
            raise SantaError(
                f"The execution {upload.execution_name} is still running after {timeout_s:g} s.",
                hint="Give it longer (timeout_s=...), or look at its history to see where it "
                "waits.",
            ) from None
        return Run.describe(arn)

    # -- results -----------------------------------------------------------------------------
    def read_stamped_list(self, key: str | Run) -> SantaList:
        """The stamped list in the output bucket: give its key, or the Run that wrote it."""
        if isinstance(key, Run):
            if not key.ok or not isinstance(key.output, dict) or "key" not in key.output:
                raise SantaError(
                    f"The execution {key.name} ended {key.status} and wrote no stamped list.",
                    hint="Only a successful run writes one; a rejected list is in quarantine().",
                )
            key = key.output["key"]
        bucket = self.output_bucket
        body = clients.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        return SantaList(bucket, key, json.loads(body.decode("utf-8")))

    def output_keys(self) -> list[str]:
        """Every key in the output bucket, sorted."""
        return _keys(self.output_bucket, "")

    def quarantine(self, *, prefix: str = QUARANTINE_PREFIX) -> Quarantine:
        """Every list FixIt moved to quarantine, with its reason file read."""
        bucket = self.input_bucket
        s3 = clients.client("s3")
        keys = set(_keys(bucket, prefix))
        found = []
        for key in sorted(keys):
            if key.endswith(REASON_SUFFIX):
                continue
            reason_key = key + REASON_SUFFIX
            document: dict[str, Any] = {}
            if reason_key in keys:
                document = json.loads(s3.get_object(Bucket=bucket, Key=reason_key)["Body"].read())
            found.append(
                Rejected(
                    key=key,
                    reason_key=reason_key if reason_key in keys else "",
                    original_key=(document.get("original") or {}).get("key", "?"),
                    error=document.get("error", "(no reason file)"),
                    message=document.get("message", ""),
                    quarantined_at=document.get("quarantinedAt", ""),
                )
            )
        return Quarantine(found)
