"""What validation concluded about each file, beside what the sample manifest expects."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..display import Displayable, html_table, theme
from ..gallery import sample_manifest

VALID = "valid"


@dataclass(frozen=True)
class ValidationOutcome:
    """One file: the expected outcome ("valid" or a reason code), the actual one, and details."""

    file: str
    expected: str | None
    got: str
    detail: str

    @property
    def as_expected(self) -> bool:
        return self.expected is None or self.expected == self.got


def outcome_of(file: str, result: Any, expected: str | None = None) -> ValidationOutcome:
    """Read a result of any shape: the dict `describe_upload` or the validate function returns,
    an `InvalidImageError` raised in this process, or a Lambda invocation (`wl.invoke(...)`),
    whose error payload carries the reason first in its message."""
    payload = getattr(result, "payload", result)  # an Invocation, or the value itself
    if isinstance(result, Exception):
        reason = getattr(result, "reason", None) or type(result).__name__
        message = getattr(result, "message", None) or str(result)
        return ValidationOutcome(file, expected, reason, message)
    if isinstance(payload, Mapping) and "errorType" in payload:
        message = str(payload.get("errorMessage", ""))
        code, separator, rest = message.partition(": ")
        known = separator and code.replace("_", "").isalpha() and code.islower()
        reason = code if known else str(payload["errorType"])
        return ValidationOutcome(file, expected, reason, rest if known else message)
    if isinstance(payload, Mapping) and payload.get("valid") is True:
        detail = (
            f"{payload.get('format')} {payload.get('displayWidth')}×{payload.get('displayHeight')}"
            f" {payload.get('orientation', '')}".strip()
        )
        if payload.get("exifOrientation", 1) != 1:
            detail += f", EXIF orientation {payload['exifOrientation']}"
        return ValidationOutcome(file, expected, VALID, detail)
    return ValidationOutcome(file, expected, "unknown", repr(payload)[:200])


class ValidationReport(list[ValidationOutcome], Displayable):
    """A table: file, expected, got, details; each row ticked when it matches."""

    HEADERS = ("file", "expected", "got", "", "details")

    @property
    def all_as_expected(self) -> bool:
        return all(outcome.as_expected for outcome in self)

    def __str__(self) -> str:
        return "\n".join(
            f"{'✔' if o.as_expected else '✘'} {o.file}: {o.got} ({o.detail})" for o in self
        )

    def _html(self) -> str:
        rows = []
        for o in self:
            mark = (
                f"<b style='color:{theme.SUCCESS}'>✔</b>"
                if o.as_expected
                else (f"<b style='color:{theme.FAILURE}'>✘</b>")
            )
            rows.append(
                (
                    f"<code>{html.escape(o.file)}</code>",
                    html.escape(o.expected or "–"),
                    f"<b>{html.escape(o.got)}</b>",
                    mark,
                    f"<small>{html.escape(o.detail)}</small>",
                )
            )
        matched = sum(o.as_expected for o in self)
        return (
            f"<div><b>{matched} of {len(self)} as expected</b>"
            f"{html_table(self.HEADERS, rows, escape=False)}</div>"
        )


def validation_report(results: Mapping[str, Any]) -> ValidationReport:
    """One row per file name in `results`, compared with data/images/MANIFEST.json."""
    files = sample_manifest()["files"]
    report = ValidationReport()
    for name, result in results.items():
        entry = files.get(name.rsplit("/", 1)[-1])
        expected = None
        if entry is not None:
            expected = VALID if entry["outcome"] == VALID else entry["reason"]
        report.append(outcome_of(name, result, expected))
    return report
