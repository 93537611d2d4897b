"""Reading uploads and writing results in S3, with the rules that keep the workflow safe.

- Uploads are read at the exact version the workflow was started for, so a photo replaced
  half-way through a run cannot mix two pictures.
- Downloads go to a scratch folder under /tmp that is removed when the handler is done, even
  when it fails: /tmp (512 MB by default) survives between invokes of a warm environment, and
  leftovers would fill it up.
- Nothing is ever written under the upload prefix of the input bucket (`RecursionGuard`): a
  result written there would start the workflow again, forever.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imaging
import settings
import uploads
from vendor import aws

_CHUNK = 1024 * 1024


class InvalidInputError(Exception):
    """The function was called without a bucket and key to work on."""


class RecursionGuardError(Exception):
    """A write would land where uploads start the workflow. Refused, to prevent a loop."""


@dataclass(frozen=True)
class Source:
    """The upload a run works on, and the id its outputs and tracking record use."""

    bucket: str
    key: str
    version_id: str | None
    image_id: str

    @classmethod
    def from_event(cls, event: Any) -> Source:
        """Read `{"bucket", "key", "versionId"?, "imageId"?}` (the workflow's input)."""
        if not isinstance(event, Mapping):
            raise InvalidInputError(
                f'Expected {{"bucket": ..., "key": ...}}, got {type(event).__name__}.'
            )
        bucket, key, version = event.get("bucket"), event.get("key"), event.get("versionId")
        if not (isinstance(bucket, str) and bucket and isinstance(key, str) and key):
            raise InvalidInputError(
                'Expected {"bucket": "...", "key": "...", "versionId": optional}; '
                f"got the keys {sorted(event)}."
            )
        version = version if isinstance(version, str) and version != "null" else None
        image_id = event.get("imageId")
        if not isinstance(image_id, str) or not image_id:
            image_id = uploads.Upload(bucket, key, version).image_id
        return cls(bucket, key, version, image_id)

    def location(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "key": self.key, "versionId": self.version_id}


@dataclass(frozen=True)
class Download:
    """An object copied to the scratch folder, with what S3 said about it."""

    path: Path
    size: int
    version_id: str | None
    etag: str | None
    content_type: str | None
    metadata: dict[str, str]

    def read(self) -> bytes:
        return self.path.read_bytes()


@contextlib.contextmanager
def scratch_space() -> Iterator[Path]:
    """A private folder under the temporary directory, deleted on the way out."""
    folder = Path(tempfile.mkdtemp(prefix="image-", dir=tempfile.gettempdir()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def download(
    bucket: str,
    key: str,
    folder: Path,
    *,
    version_id: str | None = None,
    max_bytes: int | None = None,
) -> Download:
    """Stream one object into `folder`. With `max_bytes`, a bigger object is refused before
    its body is read (S3 says the size first), as `InvalidImageError("too_large")`."""
    request = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    response = aws.client("s3").get_object(**request)
    body = response["Body"]
    size = int(response.get("ContentLength", 0))
    if max_bytes is not None and size > max_bytes:
        body.close()
        raise imaging.InvalidImageError(
            "too_large",
            f"The file is {size / 1024 / 1024:.1f} MB, over the {max_bytes / 1024 / 1024:.0f} "
            "MB limit. Export it smaller (a JPEG at quality 90 is plenty) and upload again.",
        )
    path = folder / "object"
    with path.open("wb") as file:
        for chunk in iter(lambda: body.read(_CHUNK), b""):
            file.write(chunk)
    return Download(
        path=path,
        size=size,
        version_id=response.get("VersionId"),
        etag=response.get("ETag"),
        content_type=response.get("ContentType"),
        metadata={k.lower(): v for k, v in (response.get("Metadata") or {}).items()},
    )


def read_object(bucket: str, key: str, *, version_id: str | None = None) -> bytes:
    """One object's bytes, by way of the scratch folder."""
    with scratch_space() as folder:
        return download(bucket, key, folder, version_id=version_id).read()


@dataclass(frozen=True)
class RecursionGuard:
    """Knows where uploads start the workflow, and refuses every write there."""

    input_bucket: str
    upload_prefix: str

    @classmethod
    def from_environment(cls) -> RecursionGuard:
        return cls(
            settings.required("INPUT_BUCKET"),
            settings.prefix("UPLOAD_PREFIX", settings.DEFAULT_UPLOAD_PREFIX),
        )

    def check(self, bucket: str, key: str) -> None:
        if bucket == self.input_bucket and key.startswith(self.upload_prefix):
            raise RecursionGuardError(
                f"Refusing to write s3://{bucket}/{key}: objects created under "
                f"{self.upload_prefix} in {bucket} start the workflow, so this write would "
                "process its own output again and again. Point OUTPUT_BUCKET at another "
                "bucket (template.yaml does)."
            )


def put_object(
    bucket: str,
    key: str,
    data: bytes,
    *,
    content_type: str,
    guard: RecursionGuard,
    metadata: Mapping[str, str] | None = None,
    cache_control: str | None = None,
) -> None:
    guard.check(bucket, key)
    extra: dict[str, Any] = {}
    if cache_control:
        extra["CacheControl"] = cache_control
    aws.client("s3").put_object(
        Bucket=bucket,
        Key=key,
        Body=data,
        ContentType=content_type,
        Metadata=dict(metadata or {}),
        **extra,
    )


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object under `prefix`; returns how many there were."""
    s3 = aws.client("s3")
    removed = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            removed += len(keys)
    return removed


def put_intermediate(
    image_id: str, variant: imaging.RenderedImage, guard: RecursionGuard
) -> dict[str, Any]:
    """Store a lossless variant for the optimize step; returns the reference to hand on."""
    bucket = settings.required("OUTPUT_BUCKET")
    key = work_key(image_id, variant.name)
    put_object(bucket, key, variant.data, content_type=variant.content_type, guard=guard)
    return {
        "name": variant.name,
        "bucket": bucket,
        "key": key,
        "width": variant.width,
        "height": variant.height,
        "bytes": variant.bytes,
    }


def delete_keys(bucket: str, keys: list[str]) -> None:
    """Delete known objects in one request (up to 1,000 keys)."""
    if keys:
        aws.client("s3").delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True}
        )


def work_key(image_id: str, name: str) -> str:
    """Where an intermediate (lossless) variant waits for the optimize step."""
    return f"{settings.prefix('WORK_PREFIX', settings.DEFAULT_WORK_PREFIX)}{image_id}/{name}.png"


def work_folder(image_id: str) -> str:
    return f"{settings.prefix('WORK_PREFIX', settings.DEFAULT_WORK_PREFIX)}{image_id}/"


def output_key(image_id: str, name: str, extension: str) -> str:
    """Where a web-ready result goes: one folder per upload (per version of a key)."""
    prefix = settings.prefix("OUTPUT_PREFIX", settings.DEFAULT_OUTPUT_PREFIX)
    return f"{prefix}{image_id}/{name}{extension}"
