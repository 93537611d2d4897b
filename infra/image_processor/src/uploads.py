"""Uploads as S3 events describe them, and the one name each upload is processed under.

The name is both the Step Functions execution name and the tracking record's id. It is derived
from the bucket, the key and the upload's identity (its version, else the event's sequencer,
else its ETag), so the same upload always gets the same name: a repeated S3 event, or a Lambda
retry of the trigger, asks to start an execution that already exists, and nothing runs twice.
A new upload of the same key has a new version, so it gets a new name.

Standard library only: the workbook's notebooks load this file too, to find the execution of
an upload they just made.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

NAME_PREFIX = "img-"
MAX_NAME_LENGTH = 80
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

    @property
    def image_id(self) -> str:
        return image_id(self)

    def execution_input(self) -> dict[str, Any]:
        """The workflow's input: where the upload is, exactly which version, and its id."""
        return {
            "bucket": self.bucket,
            "key": self.key,
            "versionId": self.version_id,
            "imageId": self.image_id,
        }


def decode_key(raw_key: str) -> str:
    """S3 event keys are URL-encoded with spaces as "+": `F%C3%AAte+de+No%C3%ABl.jpg`."""
    return unquote_plus(raw_key)


def read_records(event: Any, upload_prefix: str) -> tuple[list[Upload], list[dict[str, str]]]:
    """The uploads an S3 event announces, and every other record with why it was skipped."""
    uploads: list[Upload] = []
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
                Upload(
                    bucket=bucket,
                    key=key,
                    version_id=details.get("versionId") or None,
                    sequencer=details.get("sequencer") or None,
                    etag=details.get("eTag") or None,
                )
            )
    return uploads, skipped


def image_id(upload: Upload) -> str:
    """`img-<readable file name>-<16 hex digits>`: at most 80 characters, always the same for
    the same upload, different for a different upload of the same key."""
    if upload.version_id and upload.version_id != "null":
        identity = f"version:{upload.version_id}"
    elif upload.sequencer:
        identity = f"sequencer:{upload.sequencer}"
    elif upload.etag:
        identity = f"etag:{upload.etag.strip(chr(34))}"
    else:
        identity = "unversioned"
    basis = "\n".join((upload.bucket, upload.key, identity))
    digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:HASH_LENGTH]
    filename = upload.key.rsplit("/", 1)[-1]
    stem = filename.rsplit(".", 1)[0] if "." in filename[1:] else filename
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    readable = _NOT_ALLOWED_IN_NAMES.sub("-", ascii_stem).strip("-_") or "image"
    room = MAX_NAME_LENGTH - len(NAME_PREFIX) - 1 - HASH_LENGTH
    return f"{NAME_PREFIX}{readable[:room].rstrip('-_')}-{digest}"


def execution_input_text(upload: Upload) -> str:
    """The input as text, always identical for the same upload (key order included)."""
    return json.dumps(upload.execution_input(), ensure_ascii=False, sort_keys=True)
