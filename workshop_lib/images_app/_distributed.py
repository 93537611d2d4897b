"""The Distributed Map batch's results, read back from the files its ResultWriter wrote to S3.

The batch state machine (infra/image_processor/statemachine/image_distributed_batch.asl.json)
writes `manifest.json` and `SUCCEEDED_n.json` / `FAILED_n.json` / `PENDING_n.json` under
`batch-results/<map run id>/` in the output bucket. With `Transformation: FLATTEN` each
SUCCEEDED file is one list of per-photo results (a child's output is the list of its batch's
photos). A child that failed as a whole (a timeout, an exhausted retry) appears in a FAILED file
with its input, so its photos are reported with the child's error; PENDING ones never started.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import clients
from ..display import Displayable


@dataclass(frozen=True)
class BatchPhoto:
    """One photo's line in the results: SUCCEEDED with its sizes, or FAILED with a reason."""

    key: str
    status: str
    reason: str | None = None
    image_id: str | None = None
    original_bytes: int | None = None
    output_bytes: int | None = None
    files: int | None = None

    @property
    def file_name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> BatchPhoto:
        return cls(
            key=str(result["key"]),
            status=str(result["status"]),
            reason=result.get("reason"),
            image_id=result.get("imageId"),
            original_bytes=result.get("originalBytes"),
            output_bytes=result.get("outputBytes"),
            files=result.get("files"),
        )


def _child_items(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The photos a failed or pending child was given (its input keeps the batch)."""
    given = entry.get("Input")
    document = json.loads(given) if isinstance(given, str) else given or {}
    return list(document.get("Items") or [])


class BatchResults(list[BatchPhoto], Displayable):
    """Every photo of one batch, in the order of the S3 listing, as the results files say."""

    @classmethod
    def read(cls, bucket: str, manifest_key: str) -> BatchResults:
        s3 = clients.client("s3")

        def load(key: str) -> Any:
            return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())

        manifest = load(manifest_key)
        photos = cls()
        for group, files in (manifest.get("ResultFiles") or {}).items():
            for file in files:
                for entry in load(file["Key"]):
                    if group == "SUCCEEDED":
                        photos.append(BatchPhoto.from_result(entry))
                        continue
                    reason = entry.get("Error") or ("not started" if group == "PENDING" else None)
                    for item in _child_items(entry):
                        photos.append(BatchPhoto(key=str(item["key"]), status=group, reason=reason))
        photos.sort(key=lambda photo: photo.key)
        return photos

    def by_status(self) -> dict[str, int]:
        return dict(Counter(photo.status for photo in self))

    def reasons(self) -> dict[str, int]:
        """How many photos failed for each reason."""
        return dict(Counter(photo.reason or "?" for photo in self if photo.status != "SUCCEEDED"))

    def __str__(self) -> str:
        statuses = sorted(self.by_status().items())
        counts = ", ".join(f"{count} {status}" for status, count in statuses)
        return f"{len(self)} photos: {counts or 'none'}"

    def _html(self) -> str:
        return f"<div>{html.escape(str(self))}</div>" + results_html(self)


def _size(count: int | None) -> str:
    if count is None:
        return "–"
    return f"{count / 1024:.1f} KB" if count >= 1024 else f"{count} B"


def results_html(photos: Iterable[BatchPhoto], *, limit: int = 200) -> str:
    """A table: file, status, sizes before and after, or why it failed."""
    chosen = list(photos)
    rows = "".join(
        "<tr>"
        f"<td>{html.escape(photo.file_name)}</td><td>{html.escape(photo.status)}</td>"
        f"<td style='text-align:right'>{_size(photo.original_bytes)}</td>"
        f"<td style='text-align:right'>{_size(photo.output_bytes)}</td>"
        f"<td>{html.escape(photo.reason or (f'{photo.files} files' if photo.files else '–'))}</td>"
        "</tr>"
        for photo in chosen[:limit]
    )
    more = f"<div>… and {len(chosen) - limit} more</div>" if len(chosen) > limit else ""
    head = "".join(
        f"<th style='text-align:{align}'>{name}</th>"
        for name, align in (
            ("Photo", "left"),
            ("Status", "left"),
            ("Original", "right"),
            ("Web files", "right"),
            ("Result", "left"),
        )
    )
    return f"<table><tr>{head}</tr>{rows}</table>{more}"


@dataclass
class DistributedBatchRun(Displayable):
    """One execution of the Distributed Map batch: its status, its record in the batch table
    (written by the state machine itself) and every photo's result from the results files."""

    execution_arn: str
    status: str
    seconds: float | None
    prefix: str
    output: dict[str, Any] | None
    record: dict[str, Any] = field(default_factory=dict)
    results: BatchResults = field(default_factory=BatchResults)

    @property
    def map_run_arn(self) -> str | None:
        return (self.output or {}).get("mapRunArn")

    @property
    def manifest_key(self) -> str | None:
        return (self.output or {}).get("manifestKey")

    def __repr__(self) -> str:
        return f"DistributedBatchRun({self.prefix}, {self.status}, {self.results})"

    def _html(self) -> str:
        seconds = "" if self.seconds is None else f" in {self.seconds:.1f} s"
        heading = (
            f"<div>Distributed Map over <code>{html.escape(self.prefix)}</code>: "
            f"<b>{html.escape(self.status)}</b>{seconds}; {html.escape(str(self.results))}"
        )
        if self.manifest_key:
            heading += f" (results: <code>{html.escape(self.manifest_key)}</code>)"
        return heading + "</div>" + results_html(self.results)
