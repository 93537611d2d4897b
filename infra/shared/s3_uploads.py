"""Uploads as S3 events describe them, the one execution name each upload is processed under,
and starting those executions once each: what every trigger in infra/ does.

Shared by every app in infra/: the canonical copy is infra/shared/s3_uploads.py, and each Lambda
package holds a byte-identical copy in its vendor/ folder, because a Lambda package is
self-contained (its zip is its own folder, nothing else). Edit the canonical copy, then run
`python infra/shared/vendor.py`; tests/test_trigger_naming.py fails while a copy differs.

The name is derived from the bucket, the key and the upload's identity (its version, else the
event's sequencer, else its ETag without the quotes S3 puts around it), so the same upload
always gets the same name: a repeated S3 event, or a Lambda retry of the trigger, asks to start
an execution that already exists, and nothing runs twice. A new upload of the same key has a new
version, so it gets a new name.

The standard library and botocore only: the workbook's notebooks load this file too, to find
the execution of an upload they just made.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

MAX_NAME_LENGTH = 80
"""Step Functions' limit on an execution name."""
HASH_LENGTH = 16
# Execution names may hold more, but CloudWatch logging of executions accepts only these.
_NOT_ALLOWED_IN_NAMES = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Upload:
    """One uploaded object. `key` is decoded (S3 events carry it URL-encoded)."""

    bucket: str
    key: str
    version_id: str | None = None
    sequencer: str | None = None
    etag: str | None = None


AnUpload = TypeVar("AnUpload", bound=Upload)


def decode_key(raw_key: str) -> str:
    """S3 event keys are URL-encoded with spaces as "+": `F%C3%AAte+de+No%C3%ABl.jpg`."""
    return unquote_plus(raw_key)


def read_records(
    event: Any, upload_prefix: str, make: Callable[..., AnUpload] = Upload
) -> tuple[list[AnUpload], list[dict[str, str]]]:
    """The uploads an S3 event announces (built with `make`, an Upload class), and every other
    record with why it was skipped."""
    uploads: list[AnUpload] = []
    skipped: list[dict[str, str]] = []
    records = event.get("Records") if isinstance(event, dict) else None
    for record in records or []:  # S3's "s3:TestEvent" has no Records at all
        event_name = str(record.get("eventName", ""))
        s3_part = record.get("s3") or {}
        bucket = (s3_part.get("bucket") or {}).get("name")
        details = s3_part.get("object") or {}
        raw_key = details.get("key")
        if not bucket or not raw_key:
            skipped.append({"key": str(raw_key), "reason": "record without bucket or key"})
            continue
        key = decode_key(raw_key)
        if not event_name.startswith("ObjectCreated"):
            skipped.append({"key": key, "reason": f"event {event_name or '?'} is not an upload"})
        elif not key.startswith(upload_prefix):
            skipped.append({"key": key, "reason": f"outside {upload_prefix}"})
        elif key.endswith("/"):
            skipped.append({"key": key, "reason": "a folder marker, not a file"})
        else:
            uploads.append(
                make(
                    bucket=bucket,
                    key=key,
                    version_id=details.get("versionId") or None,
                    sequencer=details.get("sequencer") or None,
                    etag=details.get("eTag") or None,
                )
            )
    return uploads, skipped


def execution_name(upload: Upload, *, prefix: str, fallback: str) -> str:
    """`<prefix><readable file name>-<16 hex digits>`: at most 80 characters of those AWS
    allows, always the same for the same upload, different for another upload of the same key.

    The readable part is the file name without its extension, in ASCII; `fallback` stands in
    when nothing readable is left ("---.json").
    """
    if upload.version_id and upload.version_id != "null":
        identity = f"version:{upload.version_id}"
    elif upload.sequencer:
        identity = f"sequencer:{upload.sequencer}"
    elif upload.etag:
        # S3 quotes ETags in some answers ("abc") and not in others (event records): one name.
        identity = f"etag:{upload.etag.strip(chr(34))}"
    else:
        identity = "unversioned"
    basis = "\n".join((upload.bucket, upload.key, identity))
    digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:HASH_LENGTH]
    filename = upload.key.rsplit("/", 1)[-1]
    stem = filename.rsplit(".", 1)[0] if "." in filename[1:] else filename
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    readable = _NOT_ALLOWED_IN_NAMES.sub("-", ascii_stem).strip("-_") or fallback
    room = MAX_NAME_LENGTH - len(prefix) - 1 - HASH_LENGTH
    return f"{prefix}{readable[:room].rstrip('-_')}-{digest}"


def start_executions(
    uploads: Iterable[AnUpload],
    *,
    state_machine_arn: str,
    name: Callable[[AnUpload], str],
    input_text: Callable[[AnUpload], str],
    sfn: Any,
    log: logging.Logger,
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Start one execution per upload, named by `name`; (started, duplicates).

    An upload whose execution already exists (S3 delivered its event twice, or Lambda retried
    the trigger) is a duplicate, not an error: the fixed names keep it from running twice. Any
    other refusal is raised, so Lambda retries the event.
    """
    started: list[dict[str, str]] = []
    duplicates: list[dict[str, str]] = []
    for upload in uploads:
        execution = name(upload)
        try:
            response = sfn.start_execution(
                stateMachineArn=state_machine_arn, name=execution, input=input_text(upload)
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise  # Lambda retries the event; the fixed names keep a retry from duplicating
            log.info("trigger: %s was already started for s3://%s/%s", execution, *_where(upload))
            duplicates.append({"key": upload.key, "name": execution})
            continue
        log.info("trigger: started %s for s3://%s/%s", execution, *_where(upload))
        started.append(
            {"key": upload.key, "name": execution, "executionArn": response["executionArn"]}
        )
    return started, duplicates


def _where(upload: Upload) -> tuple[str, str]:
    return upload.bucket, upload.key
