"""Uploads as S3 events describe them, and the one name each upload is processed under.

The name is both the Step Functions execution name and the tracking record's id. The rule
itself (and reading S3 event records) is shared with Santa's trigger in vendor/s3_uploads.py, a copy
of infra/shared/s3_uploads.py; this module adds the image processor's prefix and its input.

Standard library only: the workbook's notebooks load this file too, to find the execution of
an upload they just made.
"""

from __future__ import annotations

import json
from typing import Any

from vendor import s3_uploads
from vendor.s3_uploads import decode_key

__all__ = [
    "NAME_PREFIX",
    "Upload",
    "decode_key",
    "execution_input_text",
    "image_id",
    "read_records",
]

NAME_PREFIX = "img-"


class Upload(s3_uploads.Upload):
    """One uploaded object (`key` decoded), with the id it is tracked and executed under."""

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


def read_records(event: Any, upload_prefix: str) -> tuple[list[Upload], list[dict[str, str]]]:
    """The uploads an S3 event announces, and every other record with why it was skipped."""
    return s3_uploads.read_records(event, upload_prefix, Upload)


def image_id(upload: s3_uploads.Upload) -> str:
    """`img-<readable file name>-<16 hex digits>`: the rule every app's trigger shares
    (s3_uploads.execution_name)."""
    return s3_uploads.execution_name(upload, prefix=NAME_PREFIX, fallback="image")


def execution_input_text(upload: Upload) -> str:
    """The input as text, always identical for the same upload (key order included)."""
    return json.dumps(upload.execution_input(), ensure_ascii=False, sort_keys=True)
