"""The Distributed Map figure: many small photos through a Distributed Map against the same
Pillow work done directly in one process.

The Distributed Map lists the photos under an S3 prefix (ItemReader), hands them to child
workflows in batches (ItemBatcher), each child a Lambda that reads its photos from S3 and runs
the image processor's own picture code (`stages.process_in_memory`: validate, resize, filter,
optimize), tolerates a few failures and writes its results to S3 (ResultWriter, compact: the
children's outputs in item order). The direct side runs the very same function over the same
files from disk, one after the other. Each run must account for every photo exactly once
(succeeded or reported failed), and the batch runs twice in a row: both runs must write the
same results. While the first runs, the memory of the local cloud and its Lambda workers is
sampled; the peak is reported.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

from .. import clients
from ..errors import WorkshopError
from ..waiting import wait_for_execution

DEFAULT_COUNT = 1000
DEFAULT_MEGAPIXELS = 0.3
BATCH_SIZE = 10

HANDLER = """
import boto3
import stages

s3 = boto3.client("s3")


def handler(event, context):
    bucket = event["BatchInput"]["bucket"]
    done = []
    for item in event["Items"]:
        data = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        outputs = stages.process_in_memory(data)
        done.append({"key": item["Key"], "bytes": sum(output.bytes for output in outputs)})
    return done
"""


def _package() -> bytes:
    from ..images_app import SOURCE_DIR

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(SOURCE_DIR.glob("*.py")):
            archive.write(path, path.name)
        archive.writestr("bench_map.py", HANDLER)
    return buffer.getvalue()


def definition(function_arn: str, bucket: str, prefix: str, concurrency: int) -> dict[str, Any]:
    """The benchmark's state machine: one Distributed Map over the photos under `prefix`."""
    return {
        "StartAt": "EveryPhoto",
        "States": {
            "EveryPhoto": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:listObjectsV2",
                    "Parameters": {"Bucket": bucket, "Prefix": prefix},
                },
                "ItemBatcher": {"MaxItemsPerBatch": BATCH_SIZE, "BatchInput": {"bucket": bucket}},
                "MaxConcurrency": concurrency,
                "ToleratedFailurePercentage": 5,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Process",
                    "States": {"Process": {"Type": "Task", "Resource": function_arn, "End": True}},
                },
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": bucket, "Prefix": "results"},
                    "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSON"},
                },
                "End": True,
            }
        },
    }


def accounted_keys(bucket: str, manifest_key: str) -> tuple[dict[str, int], list[str]]:
    """What the ResultWriter files report: output bytes per photo that succeeded, and the
    keys of the photos that failed (a failed child keeps its input)."""
    s3 = clients.client("s3")

    def read(key: str) -> Any:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    manifest = read(manifest_key)
    succeeded: dict[str, int] = {}
    failed: list[str] = []
    for group, files in manifest["ResultFiles"].items():
        for file in files:
            for entry in read(file["Key"]):
                if group == "SUCCEEDED":  # compact: each child's output, a list per batch
                    for done in entry:
                        if done["key"] in succeeded:
                            failed.append(done["key"])  # twice: reported as a loss below
                        succeeded[done["key"]] = done["bytes"]
                else:
                    failed += [item["Key"] for item in json.loads(entry["Input"])["Items"]]
    return succeeded, failed


class _PeakMemory:
    """Samples the resident memory of a process and all its children (the Lambda workers)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except (psutil.Error, TypeError):
            return
        # PSS, not RSS: every worker forked from the zygote shares its ~30 MB of preloaded
        # boto3, and RSS would count that once per worker. (PSS reads smaps: sample less often.)
        while True:  # a first sample at once, so even a short run has a figure
            total = 0
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            for process in processes:
                try:
                    total += _proportional_bytes(process)
                except psutil.Error:
                    continue
            self.peak_bytes = max(self.peak_bytes, total)
            if self._stop.wait(0.5):
                return

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _proportional_bytes(process: Any) -> int:
    info = process.memory_full_info() if hasattr(process, "memory_full_info") else None
    pss = getattr(info, "pss", None)
    return int(pss) if pss is not None else int(process.memory_info().rss)


def _direct_seconds(paths: list[Path]) -> float:
    from ..images_app import lambda_code

    stages = lambda_code().stages
    stages.process_in_memory(paths[0].read_bytes())  # warm: imports and codecs
    started = time.perf_counter()
    for path in paths:
        stages.process_in_memory(path.read_bytes())
    return time.perf_counter() - started


def _accounted_run(
    machine: str, bucket: str, expected: list[str], timeout: float
) -> tuple[tuple[dict[str, int], list[str]], float]:
    """Run the Map once; check every photo is reported exactly once; return the report and
    the run's own duration (Step Functions' start and stop times)."""
    done = _run_map(machine, timeout)
    if done["status"] != "SUCCEEDED":
        raise WorkshopError(
            f"The Distributed Map benchmark ended {done['status']}: "
            f"{done.get('error')} {done.get('cause')}",
            hint="Run tests/test_cloud_distributed_map.py.",
        )
    succeeded, failed = accounted_keys(
        bucket, json.loads(done["output"])["ResultWriterDetails"]["Key"]
    )
    if sorted([*succeeded, *failed]) != expected:
        raise WorkshopError(
            f"The Distributed Map lost or repeated photos: {len(succeeded)} succeeded and "
            f"{len(failed)} failed of {len(expected)}.",
            hint="Run tests/test_cloud_distributed_map.py.",
        )
    seconds = (done["stopDate"] - done["startDate"]).total_seconds()
    return (succeeded, sorted(failed)), seconds


def _run_map(machine: str, timeout: float) -> dict[str, Any]:
    sfn = clients.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    return wait_for_execution(
        arn, timeout=timeout, poll=0.2, what="The Distributed Map benchmark", sfn=sfn
    )


def measure_distributed_map(
    figures: dict[str, float],
    *,
    count: int = DEFAULT_COUNT,
    megapixels: float = DEFAULT_MEGAPIXELS,
    concurrency: int | None = None,
    cache_dir: Path | None = None,
    server_pid: int | None = None,
    timeout: float = 1800,
) -> None:
    """Add `distributed_map_{count}_s`, `distributed_map_direct_s`,
    `distributed_map_ratio` and `distributed_map_peak_mb` to `figures`. Needs the local
    cloud running; removes what it created."""
    from ..gallery import large_photos
    from ._images import photo_cache

    workers = concurrency or os.cpu_count() or 2
    photos = large_photos(cache_dir or photo_cache(), count, megapixels)
    s3 = clients.client("s3")
    lam = clients.client("lambda")
    sfn = clients.client("stepfunctions")
    iam = clients.client("iam")
    run = uuid.uuid4().hex[:8]
    bucket, prefix = f"bench-dmap-{run}", "photos/"
    s3.create_bucket(Bucket=bucket)
    role_name = f"bench-dmap-{run}"
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    function = lam.create_function(
        FunctionName=f"bench-dmap-{run}",
        Runtime="python3.12",
        Role=role,
        Handler="bench_map.handler",
        Code={"ZipFile": _package()},
        MemorySize=1024,
        Timeout=300,
    )["FunctionArn"]
    machine = sfn.create_state_machine(
        name=f"bench-dmap-{run}",
        definition=json.dumps(definition(function, bucket, prefix, workers)),
        roleArn=role,
    )["stateMachineArn"]
    try:
        for path in photos:
            s3.put_object(Bucket=bucket, Key=f"{prefix}{path.name}", Body=path.read_bytes())
        lam.invoke(
            FunctionName=function,
            Payload=json.dumps({"BatchInput": {"bucket": bucket}, "Items": []}),
        )
        expected = sorted(f"{prefix}{path.name}" for path in photos)
        with _PeakMemory(server_pid) as memory:
            first, map_seconds = _accounted_run(machine, bucket, expected, timeout)
        second, _ = _accounted_run(machine, bucket, expected, timeout)
        if first != second:
            raise WorkshopError(
                "The Distributed Map wrote different results for the same photos twice in a row.",
                hint="Run tests/test_cloud_distributed_map.py.",
            )
    finally:
        _remove(bucket, function, machine, role_name)
    direct_seconds = _direct_seconds(photos)
    figures[f"distributed_map_{count}_s"] = map_seconds
    figures["distributed_map_direct_s"] = direct_seconds
    figures["distributed_map_ratio"] = map_seconds / direct_seconds
    if memory.peak_bytes:
        figures["distributed_map_peak_mb"] = memory.peak_bytes / 2**20


def _remove(bucket: str, function: str, machine: str, role_name: str) -> None:
    s3 = clients.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        for start in range(0, len(keys), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys[start : start + 1000]})
    s3.delete_bucket(Bucket=bucket)
    clients.client("lambda").delete_function(FunctionName=function)
    clients.client("stepfunctions").delete_state_machine(stateMachineArn=machine)
    clients.client("iam").delete_role(RoleName=role_name)
