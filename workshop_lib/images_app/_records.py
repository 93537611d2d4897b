"""The tracking table's records, read from DynamoDB and shown as a table."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from .. import clients
from ..display import Displayable, html_table, theme

STAGES = ("validate", "resize", "filters", "optimize")
_COLOURS = {"SUCCEEDED": theme.SUCCESS, "FAILED": theme.FAILURE, "PROCESSING": theme.WARNING}
_deserializer = TypeDeserializer()


def _python(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _python(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_python(v) for v in value]
    return value


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item ({"status": {"S": "FAILED"}, ...}) as plain Python values."""
    return {key: _python(_deserializer.deserialize(value)) for key, value in item.items()}


def _human_bytes(count: Any) -> str:
    if not isinstance(count, int):
        return "–"
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.2f} MB"


@dataclass(frozen=True)
class TrackingRecord(Displayable):
    """One upload's record: its status, each stage's outcome and time, outputs, error."""

    data: dict[str, Any]

    @property
    def image_id(self) -> str:
        return str(self.data.get("imageId", ""))

    @property
    def status(self) -> str:
        return str(self.data.get("status", "?"))

    @property
    def key(self) -> str:
        return str(self.data.get("sourceKey", ""))

    @property
    def file_name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def stages(self) -> dict[str, dict[str, Any]]:
        return dict(self.data.get("stages") or {})

    @property
    def outputs(self) -> list[dict[str, Any]]:
        return list(self.data.get("outputs") or [])

    @property
    def error(self) -> dict[str, Any] | None:
        return self.data.get("error")

    @property
    def reason(self) -> str | None:
        return (self.error or {}).get("reason")

    def stage_text(self, name: str) -> str:
        stage = self.stages.get(name)
        if not stage:
            return "–"
        mark = "✔" if stage.get("status") == "SUCCEEDED" else "✘"
        return f"{mark} {stage.get('ms', '?')} ms"

    def row(self) -> list[str]:
        largest = max((o.get("bytes", 0) for o in self.outputs), default=None)
        result = self.reason or (f"{len(self.outputs)} files" if self.outputs else "–")
        return [
            self.file_name,
            self.status,
            *(self.stage_text(name) for name in STAGES),
            _human_bytes(self.data.get("bytes")),
            _human_bytes(largest),
            result,
        ]

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def _html(self) -> str:
        return records_html([self])


class TrackingTable(list[TrackingRecord], Displayable):
    """Records of the tracking table, shown one row per upload."""

    HEADERS = ("upload", "status", *STAGES, "original", "largest output", "outputs / reason")

    @classmethod
    def scan(cls, table_name: str) -> TrackingTable:
        """Every record, oldest upload first."""
        items: list[dict[str, Any]] = []
        paginator = clients.client("dynamodb").get_paginator("scan")
        for page in paginator.paginate(TableName=table_name, ConsistentRead=True):
            items += [from_item(item) for item in page.get("Items", [])]
        items.sort(key=lambda item: (str(item.get("startedAt", "")), str(item.get("imageId"))))
        return cls(TrackingRecord(item) for item in items)

    def by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self:
            counts[record.status] = counts.get(record.status, 0) + 1
        return counts

    def find(self, image_id: str) -> TrackingRecord | None:
        return next((record for record in self if record.image_id == image_id), None)

    def __str__(self) -> str:
        rows = [list(self.HEADERS), *(record.row() for record in self)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(self.HEADERS))]
        lines = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
        return "\n".join(lines)

    def _html(self) -> str:
        return records_html(self)


def _nowrap(text: str) -> str:
    return f"<span style='white-space:nowrap'>{html.escape(text)}</span>"


def records_html(records: Iterable[TrackingRecord]) -> str:
    chosen = list(records)
    body = []
    for record in chosen:
        cells = record.row()
        colour = _COLOURS.get(record.status, theme.NEUTRAL)
        body.append(
            [
                f"<code>{html.escape(cells[0])}</code>",
                f"<b style='color:{colour}'>{html.escape(cells[1])}</b>",
                # A stage's mark and time on one line: "✔ 374 ms", not "✔ 374" above "ms".
                *(_nowrap(cell) for cell in cells[2 : 2 + len(STAGES)]),
                *(html.escape(cell) for cell in cells[2 + len(STAGES) :]),
            ]
        )
    counts = TrackingTable(chosen).by_status()
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    return (
        f"<div><b>Tracking table</b>: {len(chosen)} record{'s' if len(chosen) != 1 else ''}"
        f"{' (' + html.escape(summary) + ')' if summary else ''}"
        f"{html_table(TrackingTable.HEADERS, body, escape=False)}</div>"
    )
