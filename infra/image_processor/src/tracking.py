"""The tracking table: one DynamoDB item per upload, updated by every step that touches it.

The item answers "what happened to my photo?" without reading any logs:

    imageId        the execution name (see uploads.py), also the folder of the outputs
    status         PROCESSING, then SUCCEEDED or FAILED
    sourceBucket, sourceKey, versionId, etag, bytes, format, width, height, filters
    stages         {"validate": {"status", "ms", "at", ...}, "resize": ..., ...}
    outputs        [{"name", "format", "key", "width", "height", "bytes"}, ...]
    outputBytes    the bytes of all outputs together
    error          {"type", "reason", "message"} when it failed
    notified       {"execution", "status", "messageId"}: the message sent, so a retry sends none
    executionArn, startedAt, updatedAt, finishedAt
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import settings
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from vendor import aws

PROCESSING = "PROCESSING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """DynamoDB takes no floats (only exact decimals) and no empty strings in keys."""
    if isinstance(value, float):
        return Decimal(str(round(value, 6)))
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    def python(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, dict):
            return {k: python(v) for k, v in value.items()}
        if isinstance(value, list):
            return [python(v) for v in value]
        return value

    return {key: python(_deserializer.deserialize(value)) for key, value in item.items()}


@dataclass
class StageNotes:
    """What a step adds to its tracking write: stage details, and top-level fields."""

    details: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Restart:
    """The first step of a run starts the record over, for this upload and execution."""

    source: Mapping[str, Any]
    execution_arn: str | None = None

    def fields(self, moment: str) -> dict[str, Any]:
        fields = {
            "status": PROCESSING,
            "sourceBucket": self.source.get("bucket"),
            "sourceKey": self.source.get("key"),
            "versionId": self.source.get("versionId"),
            "startedAt": moment,
        }
        if self.execution_arn:
            fields["executionArn"] = self.execution_arn
        return fields


def _source_fields(source: Mapping[str, Any] | None) -> dict[str, Any]:
    """Where the upload is, so a record is readable even when validate never ran."""
    if not source:
        return {}
    return {"sourceBucket": source.get("bucket"), "sourceKey": source.get("key")}


class Tracker:
    """Writes one upload's progress to the table named by TABLE_NAME."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @classmethod
    def from_environment(cls) -> Tracker:
        return cls(settings.required("TABLE_NAME"))

    # -- writes ------------------------------------------------------------------------------
    def _update(
        self, image_id: str, assignments: Mapping[str, Any], *, remove: tuple[str, ...] = ()
    ) -> None:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        parts = []
        for index, (path, value) in enumerate(assignments.items()):
            placeholders = []
            for depth, segment in enumerate(path.split(".")):
                token = f"#a{index}_{depth}"
                names[token] = segment
                placeholders.append(token)
            values[f":v{index}"] = _serializer.serialize(_plain(value))
            parts.append(f"{'.'.join(placeholders)} = :v{index}")
        expression = "SET " + ", ".join(parts)
        if remove:
            for index, attribute in enumerate(remove):
                names[f"#r{index}"] = attribute
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        aws.client("dynamodb").update_item(
            TableName=self.table_name,
            Key={"imageId": {"S": image_id}},
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def record(self, image_id: str, **fields: Any) -> None:
        """Set top-level fields (format, width, filters, ...)."""
        self._update(image_id, {**fields, "updatedAt": now()})

    def record_stage(
        self,
        image_id: str,
        stage: str,
        entry: Mapping[str, Any],
        *,
        fields: Mapping[str, Any] | None = None,
        restart: Restart | None = None,
    ) -> None:
        """Write one stage's outcome (and any top-level `fields`) in a single update. With
        `restart`, the record starts over: PROCESSING, only this stage, no outputs, no error."""
        moment = now()
        entry = {**entry, "at": moment}
        assignments: dict[str, Any] = {**(fields or {}), "updatedAt": moment}
        if restart is not None:
            # A whole new item: nothing from an earlier run (outputs, error) survives.
            item = {
                "imageId": image_id,
                **restart.fields(moment),
                **assignments,  # what the step found (such as the version it read) comes last
                "stages": {stage: entry},
            }
            aws.client("dynamodb").put_item(
                TableName=self.table_name,
                Item={key: _serializer.serialize(_plain(value)) for key, value in item.items()},
            )
            return
        try:
            self._update(image_id, {**assignments, f"stages.{stage}": entry})
        except ClientError as error:
            # The record has no stages map yet (a step run on its own, before validate).
            if error.response.get("Error", {}).get("Code") != "ValidationException":
                raise
            self._update(image_id, {**assignments, "stages": {stage: entry}})

    @contextlib.contextmanager
    def stage(
        self, image_id: str, stage: str, *, restart: Restart | None = None
    ) -> Iterator[StageNotes]:
        """Time a step and record how it ended, in one write. The caller may add details of the
        stage (`notes.details`) and top-level fields to set when it succeeds (`notes.fields`)."""
        notes = StageNotes()
        started = time.perf_counter()
        try:
            yield notes
        except Exception as error:
            elapsed = round((time.perf_counter() - started) * 1000)
            entry = {"status": FAILED, "ms": elapsed, "error": type(error).__name__}
            self.record_stage(image_id, stage, entry, restart=restart)
            raise
        elapsed = round((time.perf_counter() - started) * 1000)
        entry = {"status": SUCCEEDED, "ms": elapsed, **notes.details}
        self.record_stage(image_id, stage, entry, fields=notes.fields, restart=restart)

    def succeed(
        self,
        image_id: str,
        outputs: list[Mapping[str, Any]],
        *,
        output_bytes: int,
        source: Mapping[str, Any] | None = None,
    ) -> None:
        moment = now()
        self._update(
            image_id,
            {
                **_source_fields(source),
                "status": SUCCEEDED,
                "outputs": list(outputs),
                "outputBytes": output_bytes,
                "finishedAt": moment,
                "updatedAt": moment,
            },
            remove=("error",),
        )

    def fail(
        self, image_id: str, error: Mapping[str, Any], *, source: Mapping[str, Any] | None = None
    ) -> None:
        moment = now()
        self._update(
            image_id,
            {
                **_source_fields(source),
                "status": FAILED,
                "error": dict(error),
                "finishedAt": moment,
                "updatedAt": moment,
            },
        )

    def notification(self, image_id: str) -> dict[str, Any] | None:
        """What was last announced for this upload: {"execution", "status", "messageId"}."""
        found = self.get(image_id)
        return (found or {}).get("notified")

    def record_notification(
        self, image_id: str, *, execution: str, status: str, message_id: str
    ) -> None:
        self.record(
            image_id,
            notified={"execution": execution, "status": status, "messageId": message_id},
        )

    # -- reads -------------------------------------------------------------------------------
    def get(self, image_id: str) -> dict[str, Any] | None:
        item = (
            aws.client("dynamodb")
            .get_item(
                TableName=self.table_name, Key={"imageId": {"S": image_id}}, ConsistentRead=True
            )
            .get("Item")
        )
        return _from_item(item) if item else None
