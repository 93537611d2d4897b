"""`ImageApp`: the deployed image processor, driven from a notebook.

app = ImageApp.deploy()                       # or ImageApp.connect() if already deployed
runs = app.process(["rocket.jpg", "truncated.jpg"])
runs                                          # a table: status, outputs or reason
runs[0]                                       # the upload beside its web files
app.records()                                 # the DynamoDB tracking table
app.run_batch("gallery/")                     # the Map workflow over a folder
app.put_generated("many/", count=60)          # photos made on demand (0.3 MP)
app.run_distributed_batch("many/")            # the Distributed Map batch, results from S3
"""

from __future__ import annotations

import html
import json
import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .. import clients
from ..apps import App, AppError
from ..display import Displayable
from ..gallery import sample_bytes, sample_manifest
from ._code import SOURCE_DIR, image_id, photo_cache
from ._distributed import BatchResults, DistributedBatchRun
from ._records import TrackingRecord, TrackingTable, from_item
from ._runs import BatchRun, ImageRun, ImageRuns, Upload
from ._settings import FunctionSettings

FUNCTIONS = {
    "trigger": "TriggerFunction",
    "validate": "ValidateFunction",
    "resize": "ResizeFunction",
    "filters": "FiltersFunction",
    "optimize": "OptimizeFunction",
    "notify_success": "NotifySuccessFunction",
    "notify_error": "NotifyErrorFunction",
    "list_images": "ListImagesFunction",
    "notify_batch": "NotifyBatchFunction",
}
"""Short names of the app's functions, and their logical ids in template.yaml."""

_UPLOAD_THREADS = 8

ImageInput = str | Path | bytes


class ImageAppError(AppError):
    """The image processor is not deployed, or a run did not finish."""


class ImageApp(App, Displayable):
    """The deployed stack's names, and the actions of the story: upload, wait, look.

    Deploying, connecting, outputs, uploading, waiting and loading the Lambda code come from
    `apps.App`, shared with Santa's app."""

    app = "images"
    title = "The image processor"
    error = ImageAppError

    @classmethod
    def code_location(cls, name: str) -> tuple[Path, str, str]:
        """A module of src/ (the one package every function is deployed from): "stages",
        "trigger", ... Modules there import each other by plain names, as in Lambda."""
        return SOURCE_DIR, name, name

    # -- names -------------------------------------------------------------------------------
    @property
    def output_prefix(self) -> str:
        return self.stack["OutputPrefix"]

    @property
    def batch_state_machine_arn(self) -> str:
        return self.stack["BatchStateMachineArn"]

    @property
    def distributed_batch_state_machine_arn(self) -> str:
        return self.stack["DistributedBatchStateMachineArn"]

    @property
    def batch_table_name(self) -> str:
        return self.stack["BatchTableName"]

    @property
    def table_name(self) -> str:
        return self.stack["TableName"]

    @property
    def topic_arn(self) -> str:
        return self.stack["TopicArn"]

    def function_name(self, name: str) -> str:
        """The deployed name of a function: "validate", "resize", ... (see FUNCTIONS)."""
        logical = FUNCTIONS.get(name, name)
        try:
            return self.stack.resources[logical][1]
        except KeyError:
            raise ImageAppError(
                f"The app has no function called {name!r}.",
                hint=f"Use one of: {', '.join(FUNCTIONS)}.",
            ) from None

    def settings(self) -> FunctionSettings:
        """Every function's memory, timeout, handler and environment variables, as deployed."""
        return FunctionSettings.read({short: self.function_name(short) for short in FUNCTIONS})

    def read_outputs(self, outputs: Iterable[Mapping[str, Any]]) -> dict[str, bytes]:
        """The files an OptimizeImage result lists, by file name ("medium.jpg")."""
        s3 = clients.client("s3")
        return {
            item["key"].rsplit("/", 1)[-1]: s3.get_object(
                Bucket=item.get("bucket") or self.output_bucket, Key=item["key"]
            )["Body"].read()
            for item in outputs
        }

    def definition(self, *, batch: bool = False) -> dict[str, Any]:
        """The deployed state machine's definition (function ARNs filled in)."""
        arn = self.batch_state_machine_arn if batch else self.state_machine_arn
        response = clients.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
        return json.loads(response["definition"])

    def execution_arn(self, upload: Upload | str, *, state_machine_arn: str | None = None) -> str:
        """The execution the trigger starts for an upload (its name is the upload's id)."""
        name = upload.image_id if isinstance(upload, Upload) else upload
        return super().execution_arn(name, state_machine_arn=state_machine_arn)

    # -- uploading ---------------------------------------------------------------------------
    def put(
        self,
        source: ImageInput,
        *,
        key: str | None = None,
        folder: str | None = None,
        filters: str | None = None,
    ) -> Upload:
        """Put an image in the input bucket. `source` is a sample's name (see
        `gallery.sample_manifest()`), a path, or bytes (then give `key`). Without `key`, it goes
        to `folder` (default: the upload prefix, which starts the workflow) under its own name.
        `filters` ("sepia,sharpen" or "none") travels as the object's metadata."""
        data, name = _read(source)
        if key is None:
            if name is None:
                raise ImageAppError("Give a key for raw bytes.", hint='put(data, key="x.jpg")')
            key = f"{folder if folder is not None else self.upload_prefix}{name}"
        response = self.put_object(
            key,
            data,
            content_type=mimetypes.guess_type(key)[0] or "application/octet-stream",
            metadata={"filters": filters} if filters is not None else None,
        )
        version = response.get("VersionId")
        return Upload(
            bucket=self.input_bucket,
            key=key,
            version_id=version,
            image_id=image_id(self.input_bucket, key, version),
            data=data,
            filters=filters,
        )

    def upload(self, source: ImageInput, *, filters: str | None = None) -> Upload:
        """Upload under the upload prefix: S3 notifies the trigger, which starts the workflow."""
        return self.put(source, filters=filters)

    # -- waiting and looking -----------------------------------------------------------------
    def wait(self, uploads: Upload | Sequence[Upload], *, timeout: float = 120) -> Any:
        """Wait until each upload's execution has finished; an ImageRun, or ImageRuns for a
        list."""
        single = isinstance(uploads, Upload)
        chosen = [uploads] if single else list(uploads)
        finished = self.wait_for_executions(
            (upload.image_id for upload in chosen),
            timeout=timeout,
            hint="Read the trigger's and the state machine's logs, or wait longer "
            "(wait(uploads, timeout=...)).",
        )
        runs = ImageRuns(self._run(u, finished[u.image_id]) for u in chosen)
        return runs[0] if single else runs

    def process(
        self,
        sources: ImageInput | Iterable[ImageInput],
        *,
        filters: str | None = None,
        timeout: float = 120,
    ) -> Any:
        """Upload (all at once, like many users) and wait for the results: an ImageRun for
        one source, ImageRuns for a list."""
        if isinstance(sources, str | Path | bytes):
            return self.wait(self.upload(sources, filters=filters), timeout=timeout)
        chosen = list(sources)
        with ThreadPoolExecutor(max_workers=_UPLOAD_THREADS) as pool:
            uploads = list(pool.map(lambda source: self.upload(source, filters=filters), chosen))
        return self.wait(uploads, timeout=timeout)

    def _run(self, upload: Upload, described: Mapping[str, Any]) -> ImageRun:
        started, stopped = described.get("startDate"), described.get("stopDate")
        seconds = (stopped - started).total_seconds() if started and stopped else None
        output = json.loads(described["output"]) if described.get("output") else None
        return ImageRun(
            upload=upload,
            execution_arn=described["executionArn"],
            status=described["status"],
            seconds=seconds,
            output=output,
            record=self.record(upload.image_id),
            output_bucket=self.output_bucket,
        )

    def record(self, image_id: str) -> TrackingRecord | None:
        """One upload's tracking record."""
        item = (
            clients.client("dynamodb")
            .get_item(
                TableName=self.table_name, Key={"imageId": {"S": image_id}}, ConsistentRead=True
            )
            .get("Item")
        )
        return TrackingRecord(from_item(item)) if item else None

    def records(self) -> TrackingTable:
        """The whole tracking table."""
        return TrackingTable.scan(self.table_name)

    # -- batches -----------------------------------------------------------------------------
    def run_batch(
        self, prefix: str, *, concurrency: int | None = None, timeout: float = 300
    ) -> BatchRun:
        """Process every image under `prefix` with the batch (Map) workflow and wait."""
        document: dict[str, Any] = {"prefix": prefix}
        if concurrency is not None:
            document["concurrency"] = concurrency
        described = self.run_execution(
            document,
            timeout=timeout,
            state_machine_arn=self.batch_state_machine_arn,
            what=f"The batch over {prefix}",
            hint="Look at its execution in the Step Functions console, or wait longer.",
        )
        arn = described["executionArn"]
        output = json.loads(described["output"]) if described.get("output") else None
        started, stopped = described.get("startDate"), described.get("stopDate")
        ids = [item.get("imageId") for item in (output or {}).get("results") or []]
        records = [record for i in ids if i and (record := self.record(i)) is not None]
        return BatchRun(
            execution_arn=arn,
            status=described["status"],
            seconds=(stopped - started).total_seconds() if started and stopped else None,
            input=document,
            output=output,
            records=records,
        )

    # -- the Distributed Map batch ----------------------------------------------------------
    def put_generated(
        self,
        folder: str,
        *,
        count: int = 60,
        megapixels: float = 0.3,
        bad: Sequence[str] = (),
    ) -> list[str]:
        """Put `count` distinct generated photos (made once, then cached on disk, as the
        benchmark's) under `folder`, and the samples named in `bad` (for example
        "truncated.jpg"). Outside the upload prefix nothing starts by itself. Returns the keys."""
        from ..gallery import large_photos

        made = large_photos(photo_cache(), count, megapixels)
        photos: list[tuple[ImageInput, str]] = [(path, f"{folder}{path.name}") for path in made]
        photos += [(name, f"{folder}{name}") for name in bad]
        with ThreadPoolExecutor(max_workers=_UPLOAD_THREADS) as pool:
            list(pool.map(lambda pair: self.put(pair[0], key=pair[1]), photos))
        return sorted(key for _, key in photos)

    def run_distributed_batch(self, prefix: str, *, timeout: float = 1800) -> DistributedBatchRun:
        """Every photo under `prefix` through the Distributed Map batch; wait, then read its
        record (batch table) and every photo's result (the ResultWriter's files in S3)."""
        described = self.run_execution(
            {"prefix": prefix},
            timeout=timeout,
            state_machine_arn=self.distributed_batch_state_machine_arn,
            what=f"The Distributed Map batch over {prefix}",
            hint="Look at its Map Run (ListMapRuns), or wait longer "
            "(run_distributed_batch(prefix, timeout=...)).",
        )
        arn = described["executionArn"]
        output = json.loads(described["output"]) if described.get("output") else None
        started, stopped = described.get("startDate"), described.get("stopDate")
        item = (
            clients.client("dynamodb")
            .get_item(
                TableName=self.batch_table_name,
                Key={"batchId": {"S": arn.rsplit(":", 1)[-1]}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        results = (
            BatchResults.read(output["resultsBucket"], output["manifestKey"])
            if output and output.get("manifestKey")
            else BatchResults()
        )
        return DistributedBatchRun(
            execution_arn=arn,
            status=described["status"],
            seconds=(stopped - started).total_seconds() if started and stopped else None,
            prefix=prefix,
            output=output,
            record=from_item(item) if item else {},
            results=results,
        )

    # -- display -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"ImageApp({self.stack.name}, uploads to s3://{self.input_bucket}/{self.upload_prefix})"
        )

    def _html(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(label)}</td><td><code>{html.escape(value)}</code></td></tr>"
            for label, value in (
                ("Upload photos to", f"s3://{self.input_bucket}/{self.upload_prefix}"),
                ("Web files appear in", f"s3://{self.output_bucket}/{self.output_prefix}"),
                ("Tracking table", self.table_name),
                ("Workflow (one upload)", self.state_machine_arn.rsplit(":", 1)[-1]),
                ("Workflow (a folder)", self.batch_state_machine_arn.rsplit(":", 1)[-1]),
                (
                    "Workflow (Distributed Map)",
                    self.distributed_batch_state_machine_arn.rsplit(":", 1)[-1],
                ),
                ("Messages", self.topic_arn.rsplit(":", 1)[-1]),
            )
        )
        status = html.escape(self.stack.status)
        return f"<div><b>Image processor</b> ({status})<table>{rows}</table></div>"


def _read(source: ImageInput) -> tuple[bytes, str | None]:
    if isinstance(source, bytes):
        return source, None
    if isinstance(source, str) and source in sample_manifest()["files"]:
        return sample_bytes(source), source
    path = Path(source)
    if not path.is_file():
        raise ImageAppError(
            f"{source!s} is neither a sample image nor a file.",
            hint="Use a name from data/images (e.g. 'rocket.jpg') or a path to an image.",
        )
    return path.read_bytes(), path.name
