"""What happened to uploads: one run per upload, a list of runs, and a batch over a folder."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import clients
from ..display import Displayable, html_table, theme
from ..gallery import Comparison, compare
from ._records import TrackingRecord, records_html

_COLOURS = {"SUCCEEDED": theme.SUCCESS, "FAILED": theme.FAILURE}
_SHOWN_FORMATS = ("JPEG", "PNG")  # one file per variant in figures (the WebP twin looks alike)


@dataclass(frozen=True)
class Upload:
    """An object put in the input bucket: where, which version, and the id it is tracked by."""

    bucket: str
    key: str
    version_id: str | None
    image_id: str
    data: bytes = field(repr=False)
    filters: str | None = None

    @property
    def file_name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    def event(self) -> dict[str, Any]:
        """The input the workflow gets for this upload (and each function, called by hand)."""
        return {
            "bucket": self.bucket,
            "key": self.key,
            "versionId": self.version_id,
            "imageId": self.image_id,
        }


def saving_text(size: int, original: int) -> str:
    """ "67% smaller", "3% larger" or "the same size" as the original."""
    change = 1 - size / original if original else 0.0
    if abs(change) < 0.005:
        return "the same size"
    return f"{change:.0%} smaller" if change > 0 else f"{-change:.0%} larger"


def _badge(status: str) -> str:
    colour = _COLOURS.get(status, theme.NEUTRAL)
    return f"<b style='color:{colour}'>{html.escape(status)}</b>"


@dataclass
class ImageRun(Displayable):
    """One upload's execution, finished: status, tracking record, and the files it made."""

    upload: Upload
    execution_arn: str
    status: str
    seconds: float | None
    output: dict[str, Any] | None
    record: TrackingRecord | None
    output_bucket: str = ""
    _files: dict[str, bytes] | None = field(default=None, repr=False)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def reason(self) -> str | None:
        """The failure's reason code (e.g. "truncated"), from the tracking record."""
        return self.record.reason if self.record else None

    @property
    def message(self) -> str | None:
        return (self.record.error or {}).get("message") if self.record else None

    def execution(self) -> Any:
        """The execution, to inspect: coloured diagram, steps, attempts, logs."""
        from ..executions import Execution

        return Execution.from_arn(self.execution_arn)

    def files(self) -> dict[str, bytes]:
        """Every web file made, by file name ("medium.jpg"), read from the output bucket."""
        if self._files is None:
            s3 = clients.client("s3")
            files = {}
            for item in self.record.outputs if self.record else []:
                bucket = item.get("bucket") or self.output_bucket
                body = s3.get_object(Bucket=bucket, Key=item["key"])["Body"].read()
                files[item["key"].rsplit("/", 1)[-1]] = body
            self._files = files
        return self._files

    def comparison(self, formats: Iterable[str] = _SHOWN_FORMATS) -> Comparison:
        """The upload beside its outputs (JPEG/PNG ones by default), with sizes and savings."""
        wanted = {fmt.upper() for fmt in formats}
        outputs = self.record.outputs if self.record else []
        format_of = {item["key"].rsplit("/", 1)[-1]: str(item.get("format")) for item in outputs}
        chosen = {
            name: data for name, data in self.files().items() if format_of.get(name) in wanted
        }
        return compare(self.upload.data, chosen, title=self.upload.file_name)

    def summary_row(self) -> list[str]:
        if self.succeeded and self.record:
            outputs = self.record.outputs
            largest = max((o.get("bytes", 0) for o in outputs), default=0)
            result = (
                f"{len(outputs)} files; the largest {saving_text(largest, len(self.upload.data))}"
            )
        else:
            result = f"<b>{html.escape(self.reason or '?')}</b>: {html.escape(self.message or '')}"
        seconds = "–" if self.seconds is None else f"{self.seconds:.1f} s"
        return [
            f"<code>{html.escape(self.upload.file_name)}</code>",
            _badge(self.status),
            result,
            seconds,
        ]

    def __repr__(self) -> str:
        detail = self.reason or ""
        return (
            f"ImageRun({self.upload.file_name!r}, {self.status}{', ' + detail if detail else ''})"
        )

    def _html(self) -> str:
        heading = (
            f"<div><code>{html.escape(self.upload.key)}</code> → {_badge(self.status)}"
            f" <small>execution <code>{html.escape(self.execution_arn.rsplit(':', 1)[-1])}"
            "</code></small></div>"
        )
        if self.succeeded and self.record:
            return heading + self.comparison()._repr_html_()
        return (
            f"{heading}<div style='border-left:4px solid {theme.FAILURE};padding:4px 10px'>"
            f"Reason: <b>{html.escape(self.reason or '?')}</b><br>"
            f"{html.escape(self.message or '')}<br><small>The upload was left untouched."
            "</small></div>"
        )


class ImageRuns(list[ImageRun], Displayable):
    """Several runs, shown as one table (one row per upload)."""

    HEADERS = ("upload", "status", "result", "time")

    @property
    def succeeded(self) -> ImageRuns:
        return ImageRuns(run for run in self if run.succeeded)

    @property
    def failed(self) -> ImageRuns:
        return ImageRuns(run for run in self if not run.succeeded)

    def __str__(self) -> str:
        return "\n".join(repr(run) for run in self)

    def _html(self) -> str:
        ok = len(self.succeeded)
        return (
            f"<div><b>{len(self)} uploads</b>: {ok} succeeded, {len(self) - ok} failed"
            f"{html_table(self.HEADERS, (run.summary_row() for run in self), escape=False)}</div>"
        )


@dataclass
class BatchRun(Displayable):
    """One execution of the batch workflow: its summary and each image's result."""

    execution_arn: str
    status: str
    seconds: float | None
    input: dict[str, Any]
    output: dict[str, Any] | None
    records: list[TrackingRecord] = field(default_factory=list)

    @property
    def results(self) -> list[dict[str, Any]]:
        return list((self.output or {}).get("results") or [])

    @property
    def summary(self) -> dict[str, Any]:
        return dict((self.output or {}).get("summary") or {})

    @property
    def concurrency(self) -> int | None:
        return (self.output or {}).get("listing", {}).get("concurrency")

    def __repr__(self) -> str:
        return f"BatchRun({self.status}, {json.dumps(self.summary)})"

    def _html(self) -> str:
        summary = self.summary
        seconds = "" if self.seconds is None else f" in {self.seconds:.1f} s"
        heading = (
            f"<div>Batch over <code>{html.escape(str(self.input.get('prefix')))}</code> → "
            f"{_badge(self.status)}{seconds}: {summary.get('succeeded', '?')} processed, "
            f"{summary.get('failed', '?')} rejected (at most {self.concurrency} at a time)</div>"
        )
        return heading + records_html(self.records)
