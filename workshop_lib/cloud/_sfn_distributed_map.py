"""Distributed Map in the local Step Functions, with AWS's rules.

moto's interpreter reads items from S3 and runs a Map Run, but:

* `ItemBatcher` (MaxItemsPerBatch, MaxInputBytesPerBatch and their Path forms, BatchInput) is
  missing from its grammar: such definitions were refused. Each child now gets
  `{"BatchInput": ..., "Items": [...]}` as on AWS, the ItemSelector applied to each item.
* `ToleratedFailurePercentage` had to be written as a decimal (20 was refused, 20.0 passed), and
  no tolerated failure threshold was enforced: failed children came back as null and the Map
  succeeded. Now more failures than tolerated fail the Map with
  `States.ExceedToleratedFailureThreshold` (MapRunFailed, MapStateFailed, as on AWS).
* `ReaderConfig.InputType: JSONL` (JSON Lines) and Express child workflows
  (`ProcessorConfig.ExecutionType: EXPRESS`) were refused.
* An S3 object listing gave the first 1,000 objects in boto3's shape; AWS lists every object
  under the prefix, each item `{Etag, Key, LastModified (epoch seconds), Size, StorageClass}`.
* `ResultWriter` wrote an empty manifest; now it writes AWS's `manifest.json` and the
  `SUCCEEDED_n.json` / `FAILED_n.json` / `PENDING_n.json` files of child execution results.
* `ReaderConfig.CSVDelimiter` (COMMA, PIPE, SEMICOLON, SPACE, TAB) and
  `ResultWriter.WriterConfig` (Transformation NONE / COMPACT / FLATTEN, OutputType JSON /
  JSONL, with or without an S3 destination) were refused.
* A reader or writer that cannot reach S3 (no such key, no such bucket) fails the Map with
  `States.ItemReaderFailed` / `States.ResultWriterFailed` instead of `States.Runtime`.
* A failed child's place in the Map's output holds its execution result (status, error,
  cause), as AWS reports it, instead of null.
* Child workflow executions are listed by `ListExecutions(mapRunArn=...)`, described by
  `DescribeExecution` and keep their own history (`GetExecutionHistory`) under AWS's child
  ARNs (`execution:<machine>/<label>:<id>`).
* A redriven execution redrives its failed Map Run, as AWS does: the same Map Run ARN, a
  `MapRunRedriven` event instead of `MapRunStarted`, `redriveCount`/`redriveDate` in
  DescribeMapRun, and only the children that had not succeeded run again.
* Once the tolerated failures are exceeded no more children start (they are reported
  PENDING), as AWS stops a Map Run then.
* With no MaxConcurrency a Map Run started one thread per item (1,000 items: 1,000 threads);
  it now runs at most `UNBOUNDED_WORKERS` children at once, as AWS runs a bounded number too.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

UNBOUNDED_WORKERS = 40
DEFAULT_BATCH_BYTES = 256 * 1024
THRESHOLD_ERROR = "States.ExceedToleratedFailureThreshold"
THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"


@dataclass
class ChildRun:
    """One child workflow execution of a Map Run, as AWS reports it."""

    index: int
    arn: str
    name: str
    state_machine_arn: str
    map_run_arn: str
    start: datetime.datetime
    input: Any = None
    status: str = "RUNNING"
    output: Any = None
    error: str | None = None
    cause: str | None = None
    stop: datetime.datetime | None = None
    weight: int = 1  # items in this child (a batch holds several)
    events: Any = None  # the child's own EventManager: its history

    def result_entry(self) -> dict[str, Any]:
        """The child as AWS writes it into a ResultWriter results file."""
        entry: dict[str, Any] = {
            "ExecutionArn": self.arn,
            "Input": json.dumps(self.input, separators=(",", ":")),
            "InputDetails": {"Included": True},
            "Name": self.name,
            "RedriveCount": 0,
            "RedriveStatus": "NOT_REDRIVABLE",
            "StartDate": _iso(self.start),
            "StateMachineArn": self.state_machine_arn,
            "Status": self.status,
        }
        if self.stop is not None:
            entry["StopDate"] = _iso(self.stop)
        if self.status == "SUCCEEDED":
            entry["Output"] = json.dumps(self.output, separators=(",", ":"))
            entry["OutputDetails"] = {"Included": True}
            entry["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
        elif self.status != "PENDING":
            entry["Error"] = self.error or ""
            entry["Cause"] = self.cause or ""
        return entry

    def describe(self) -> dict[str, Any]:
        """DescribeExecution's answer for the child."""
        described: dict[str, Any] = {
            "executionArn": self.arn,
            "stateMachineArn": self.state_machine_arn,
            "name": self.name,
            "status": self.status,
            "startDate": self.start,
            "input": json.dumps(self.input, separators=(",", ":")),
            "inputDetails": {"included": True},
            "mapRunArn": self.map_run_arn,
        }
        if self.stop is not None:
            described["stopDate"] = self.stop
        if self.status == "SUCCEEDED":
            described["output"] = json.dumps(self.output, separators=(",", ":"))
            described["outputDetails"] = {"included": True}
        if self.error is not None:
            described["error"] = self.error
        if self.cause is not None:
            described["cause"] = self.cause
        return described

    def list_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "executionArn": self.arn,
            "stateMachineArn": self.state_machine_arn,
            "name": self.name,
            "status": self.status,
            "startDate": self.start,
            "mapRunArn": self.map_run_arn,
        }
        if self.stop is not None:
            item["stopDate"] = self.stop
        return item


@dataclass
class _Runs:
    by_map_run: dict[str, dict[int, ChildRun]] = field(default_factory=dict)
    by_arn: dict[str, ChildRun] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_runs = _Runs()


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


def children_of(map_run_arn: str) -> list[ChildRun]:
    with _runs.lock:
        return sorted(_runs.by_map_run.get(map_run_arn, {}).values(), key=lambda c: c.index)


def install() -> None:
    _read_definitions()
    _name_reader_and_writer_failures()
    _redrive_map_runs()
    _list_s3_objects_like_aws()
    _run_children()
    _write_results()
    _show_children()


# -- the definition: what the grammar lacks ----------------------------------------------------


def _rewrite(node: Any, extras: dict[str, dict[str, Any]], name: str | None = None) -> bool:
    """Rewrite what the grammar refuses; note per Map state name what to attach after parsing."""
    changed = False
    if isinstance(node, dict):
        if node.get("Type") == "Map" and name is not None:
            percentage = node.get("ToleratedFailurePercentage")
            if isinstance(percentage, int) and not isinstance(percentage, bool):
                node["ToleratedFailurePercentage"] = float(percentage)
                changed = True
            if "ItemBatcher" in node:
                extras.setdefault(name, {})["batcher"] = node.pop("ItemBatcher")
                changed = True
            processor = (node.get("ItemProcessor") or {}).get("ProcessorConfig") or {}
            if processor.get("ExecutionType") == "EXPRESS":
                # Children run the same way here; only the grammar lacks the word.
                processor["ExecutionType"] = "STANDARD"
                extras.setdefault(name, {})["express"] = True
                changed = True
            config = (node.get("ItemReader") or {}).get("ReaderConfig") or {}
            if config.get("InputType") == "JSONL":
                config["InputType"] = "JSON"
                extras.setdefault(name, {})["jsonl"] = True
                changed = True
            if "CSVDelimiter" in config:
                extras.setdefault(name, {})["delimiter"] = config.pop("CSVDelimiter")
                changed = True
            writer = node.get("ResultWriter")
            if isinstance(writer, dict) and "WriterConfig" in writer:
                extras.setdefault(name, {})["writer_config"] = writer.pop("WriterConfig")
                if "Resource" not in writer:  # formatting only, nothing written to S3
                    node.pop("ResultWriter")
                changed = True
        for key, value in node.items():
            if key == "States" and isinstance(value, dict):
                for state_name, state in value.items():
                    changed = _rewrite(state, extras, state_name) or changed
            else:
                changed = _rewrite(value, extras, None) or changed
    elif isinstance(node, list):
        for value in node:
            changed = _rewrite(value, extras, None) or changed
    return changed


def _attach(program: Any, extras: dict[str, dict[str, Any]]) -> None:
    from moto.stepfunctions.parser.asl.component.component import Component
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap

    seen: set[int] = set()
    pending: list[Any] = [program]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, StateMap) and node.name in extras:
            wanted = extras[node.name]
            if "batcher" in wanted:
                node.iteration_component._workshop_batcher = wanted["batcher"]
            if wanted.get("jsonl") and node.item_reader is not None:
                node.item_reader.resource_output_transformer = _json_lines_transformer()
            if "delimiter" in wanted and node.item_reader is not None:
                node.item_reader.resource_output_transformer = _csv_transformer(wanted["delimiter"])
            if "writer_config" in wanted:
                node.iteration_component._workshop_writer_config = wanted["writer_config"]
        if isinstance(node, Component):
            pending.extend(vars(node).values())
        elif isinstance(node, (list, tuple, set)):
            pending.extend(node)
        elif isinstance(node, dict):
            pending.extend(node.values())


def _json_lines_transformer() -> Any:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_output_transformer.transformer_json import (  # noqa: E501
        ResourceOutputTransformerJson,
    )

    class JsonLines(ResourceOutputTransformerJson):
        def _eval_body(self, env: Any) -> None:
            reader_config = env.stack.pop()
            text = env.stack.pop()
            items = [json.loads(line) for line in str(text).splitlines() if line.strip()]
            env.stack.append(items[: reader_config["MaxItemsValue"]])

    return JsonLines()


_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


def _csv_transformer(delimiter_name: str) -> Any:
    import csv
    import io
    import itertools

    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_output_transformer.transformer_csv import (  # noqa: E501
        ResourceOutputTransformerCSV,
    )

    delimiter = _DELIMITERS.get(str(delimiter_name).upper(), ",")

    class DelimitedCsv(ResourceOutputTransformerCSV):
        def _eval_body(self, env: Any) -> None:
            reader_config = env.stack.pop()
            rows = csv.reader(io.StringIO(env.stack.pop()), delimiter=delimiter)
            if reader_config["CSVHeaderLocation"] == "FIRST_ROW":
                headers = next(rows, [])
            else:
                headers = reader_config["CSVHeaders"]
            items = [
                {header: row[i] if i < len(row) else "" for i, header in enumerate(headers)}
                for row in itertools.islice(rows, reader_config["MaxItemsValue"])
            ]
            env.stack.append(items)

    return DelimitedCsv()


def _read_definitions() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    original = AmazonStateLanguageParser.parse

    def parse(definition: str) -> Any:
        try:
            document = json.loads(definition)
        except (TypeError, ValueError):
            return original(definition)
        extras: dict[str, dict[str, Any]] = {}
        if not _rewrite(document, extras):
            return original(definition)
        program, tree = original(json.dumps(document))
        _attach(program, extras)
        return program, tree

    AmazonStateLanguageParser.parse = staticmethod(parse)


def _s3_cause(error: Any) -> str:
    response = getattr(error, "response", {}) or {}
    details = response.get("Error", {})
    metadata = response.get("ResponseMetadata", {})
    return (
        f"{details.get('Message', str(error))} (Service: S3, Status Code: "
        f"{metadata.get('HTTPStatusCode', 400)}, Error Code: {details.get('Code', 'Unknown')}, "
        f"Request ID: {metadata.get('RequestId', '')})"
    )


def _name_reader_and_writer_failures() -> None:
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.item_reader_decl import (  # noqa: E501
        ItemReader,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.result_writer_decl import (  # noqa: E501
        ResultWriter,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    for cls, kind in (
        (ItemReader, StatesErrorNameType.StatesItemReaderFailed),
        (ResultWriter, StatesErrorNameType.StatesResultWriterFailed),
    ):
        original = cls._eval_body

        def eval_body(self: Any, env: Any, _original: Any = original, _kind: Any = kind) -> None:
            try:
                _original(self, env)
            except ClientError as error:  # S3 refused: AWS names the reader or the writer
                name = StatesErrorName(typ=_kind)
                raise FailureEventException(
                    failure_event=FailureEvent(
                        env=env,
                        error_name=name,
                        event_type=HistoryEventType.MapRunFailed,
                        event_details=EventDetails(
                            mapRunFailedEventDetails=MapRunFailedEventDetails(
                                error=name.error_name, cause=_s3_cause(error)
                            )
                        ),
                    )
                ) from None

        cls._eval_body = eval_body


# -- S3 listings --------------------------------------------------------------------------------


def _list_s3_objects_like_aws() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
        resource_eval_s3,
    )

    reader = resource_eval_s3.ResourceEvalS3

    def list_objects_v2(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        s3 = reader._get_s3_client(
            resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
        )
        parameters = dict(env.stack.pop())
        items = []
        for page in s3.get_paginator("list_objects_v2").paginate(**parameters):
            for entry in page.get("Contents", []):
                items.append(
                    {
                        "Etag": entry.get("ETag"),
                        "Key": entry["Key"],
                        "LastModified": int(entry["LastModified"].timestamp()),
                        "Size": entry.get("Size", 0),
                        "StorageClass": entry.get("StorageClass", "STANDARD"),
                    }
                )
        env.stack.append(items)

    reader._handle_list_objects_v2 = staticmethod(list_objects_v2)


# -- the Map Run: batches, children, tolerated failures ----------------------------------------


def _batches(items: list[Any], batcher: dict[str, Any], state_input: Any) -> list[dict]:
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    def setting(name: str) -> int | None:
        if name in batcher:
            return int(batcher[name])
        if name + "Path" in batcher:
            return int(extract_json(batcher[name + "Path"], state_input))
        return None

    max_items = setting("MaxItemsPerBatch")
    max_bytes = setting("MaxInputBytesPerBatch") or DEFAULT_BATCH_BYTES
    extra: dict[str, Any] = {}
    if "BatchInput" in batcher:
        extra["BatchInput"] = copy.deepcopy(batcher["BatchInput"])
    batches: list[dict] = []
    current: list[Any] = []
    size = len(json.dumps({**extra, "Items": []}))
    for item in items:
        item_size = len(json.dumps(item)) + 1
        full = max_items is not None and len(current) >= max_items
        if current and (full or size + item_size > max_bytes):
            batches.append({**copy.deepcopy(extra), "Items": current})
            current, size = [], len(json.dumps({**extra, "Items": []}))
        current.append(item)
        size += item_size
    if current:
        batches.append({**copy.deepcopy(extra), "Items": current})
    return batches


def shaped_outputs(results: list[tuple[Any, ChildRun | None]], transformation: str) -> list:
    """Child results as AWS's Transformation shapes them: NONE keeps each execution's
    result with its metadata, COMPACT keeps the outputs, FLATTEN also flattens outputs that
    are arrays. A failed child always keeps its execution result (status, error, cause)."""
    shaped: list[Any] = []
    for output, child in results:
        failed = child is not None and child.status != "SUCCEEDED"
        if child is not None and (failed or transformation == "NONE"):
            shaped.append(child.result_entry())
        elif transformation == "FLATTEN" and isinstance(output, list):
            shaped.extend(output)
        else:
            shaped.append(output)
    return shaped


def _threshold_exceeded(record: Any, failed: int, total: int) -> bool:
    """AWS's rule: with neither tolerance set, any failure fails the Map Run; otherwise it
    fails once the failures exceed a tolerance that is set."""
    if failed == 0:
        return False
    count = int(record.tolerated_failure_count or 0)
    percentage = float(record.tolerated_failure_percentage or 0)
    if not count and not percentage:
        return True
    if count and failed > count:
        return True
    return bool(percentage) and total > 0 and failed * 100.0 / total > percentage


def _run_children() -> None:
    from moto.stepfunctions.parser.api import (
        ExecutionStartedEventDetails,
        HistoryEventExecutionDataDetails,
        HistoryEventType,
        MapRunFailedEventDetails,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        distributed_iteration_component as component_module,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (  # noqa: E501
        distributed_item_processor_worker as worker_module,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.job import (
        JobPool,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.max_concurrency import (
        DEFAULT_MAX_CONCURRENCY_VALUE,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.eval.event.event_manager import (
        EventHistoryContext,
        EventManager,
    )
    from moto.stepfunctions.parser.asl.eval.program_state import (
        ProgramError,
        ProgramStopped,
        ProgramTimedOut,
    )
    from moto.stepfunctions.parser.asl.eval.states import ItemData, MapData
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    def selected(env: Any, eval_input: Any, items: list[Any]) -> list[Any]:
        """Each item through the ItemSelector (or Parameters), before it joins a batch."""
        chosen = []
        for index, item in enumerate(items):
            frame = env.open_frame()
            try:
                frame.states.context_object.context_object_data["Map"] = MapData(
                    Item=ItemData(Index=index, Value=item)
                )
                map_input = env.stack[-1] if env.stack else env.states.get_input()
                frame.states.reset(input_value=map_input)
                frame.stack.append(map_input)
                (eval_input.item_selector or eval_input.parameters).eval(frame)
                chosen.append(frame.stack[-1])
            finally:
                env.close_frame(frame)
        return chosen

    def map_run(self: Any, env: Any, eval_input: Any) -> None:
        items = env.stack.pop()
        record = eval_input.map_run_record
        batcher = getattr(self, "_workshop_batcher", None)
        if batcher and (eval_input.item_selector or eval_input.parameters):
            # AWS applies the ItemSelector to each item, then batches the selected items.
            items = selected(env, eval_input, items)
            eval_input = copy.copy(eval_input)
            eval_input.item_selector = eval_input.parameters = None
        inputs = _batches(items, batcher, env.states.get_input()) if batcher else items
        weights = [len(b["Items"]) for b in inputs] if batcher else [1] * len(inputs)
        record._workshop_weights = weights
        record._workshop_items = len(items)
        record._workshop_failed = 0
        record._workshop_stopped = False
        with _runs.lock:
            _runs.by_map_run[record.map_run_arn] = {}
        pool = JobPool(job_program=self._get_iteration_program(), job_inputs=inputs)
        limit = record.max_concurrency
        if limit == DEFAULT_MAX_CONCURRENCY_VALUE or not limit:
            limit = UNBOUNDED_WORKERS
        for _ in range(max(1, min(len(inputs), limit))):
            self._launch_worker(env=env, eval_input=eval_input, job_pool=pool)
        if inputs:
            pool.await_jobs()
        problem = pool.get_worker_exception()
        if problem is not None:
            raise problem
        children = children_of(record.map_run_arn)
        by_index = {child.index: child for child in children}
        config = getattr(self, "_workshop_writer_config", None)
        record._workshop_writer_config = config
        # The state's output (a ResultWriter with an S3 destination replaces it later).
        outputs = shaped_outputs(
            [(job.job_output, by_index.get(job.job_index)) for job in pool.get_closed_jobs()],
            (config or {}).get("Transformation", "COMPACT"),
        )
        failed = sum(c.weight for c in children if c.status not in ("SUCCEEDED", "PENDING"))
        if _threshold_exceeded(record, failed, len(items)):
            raise FailureEventException(
                failure_event=FailureEvent(
                    env=env,
                    error_name=StatesErrorName(
                        typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold
                    ),
                    event_type=HistoryEventType.MapRunFailed,
                    event_details=EventDetails(
                        mapRunFailedEventDetails=MapRunFailedEventDetails(
                            error=THRESHOLD_ERROR, cause=THRESHOLD_CAUSE
                        )
                    ),
                )
            )
        env.stack.append(outputs)

    component_module.DistributedIterationComponent._map_run = map_run

    def eval_job(self: Any, env: Any, job: Any) -> None:
        record = self._map_run_record
        weights = getattr(record, "_workshop_weights", None) or []
        weight = weights[job.job_index] if job.job_index < len(weights) else 1
        if getattr(record, "_workshop_stopped", False):
            # The tolerated failures were exceeded: AWS starts no more children.
            pending = ChildRun(
                index=job.job_index,
                arn="",
                name="",
                state_machine_arn=record.map_state_machine_arn,
                map_run_arn=record.map_run_arn,
                start=_now(),
                input=copy.deepcopy(job.job_input),
                status="PENDING",
                weight=weight,
            )
            with _runs.lock:
                _runs.by_map_run.setdefault(record.map_run_arn, {})[job.job_index] = pending
            record.item_counter.total.count(weight)
            record.item_counter.pending.count(weight)
            job.job_output = None
            return
        name = str(uuid.uuid4())
        child = ChildRun(
            index=job.job_index,
            arn=record.map_state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}",
            name=name,
            state_machine_arn=record.map_state_machine_arn,
            map_run_arn=record.map_run_arn,
            start=_now(),
            weight=weight,
        )
        with _runs.lock:
            _runs.by_map_run.setdefault(record.map_run_arn, {})[job.job_index] = child
            _runs.by_arn[child.arn] = child
        record.item_counter.total.count(weight)
        record.item_counter.running.count(weight)
        record.execution_counter.total.count()
        record.execution_counter.running.count()
        job_output = None
        status, error, cause = "FAILED", None, None
        # Each child keeps its own history, as a child workflow execution does on AWS.
        env.event_manager = child.events = EventManager()
        env.event_history_context = EventHistoryContext.of_program_start()
        try:
            env.states.context_object.context_object_data["Map"] = MapData(
                Item=ItemData(Index=job.job_index, Value=job.job_input)
            )
            env.states.reset(job.job_input)
            env.stack.append(env.states.get_input())
            self._eval_input(env_frame=env)
            child.input = copy.deepcopy(env.states.get_input())
            env.event_manager.add_event(
                context=env.event_history_context,
                event_type=HistoryEventType.ExecutionStarted,
                event_details=EventDetails(
                    executionStartedEventDetails=ExecutionStartedEventDetails(
                        input=to_json_str(child.input),
                        inputDetails=HistoryEventExecutionDataDetails(truncated=False),
                    )
                ),
                update_source_event_id=False,
            )
            job.job_program.eval(env)
            end = env.program_state()
            if isinstance(end, ProgramError):
                error, cause = (end.error or {}).get("error"), (end.error or {}).get("cause")
            elif isinstance(end, ProgramStopped):
                status = "ABORTED"
            elif isinstance(end, ProgramTimedOut):
                status, error = "TIMED_OUT", "States.Timeout"
            else:
                status = "SUCCEEDED"
                job_output = env.states.get_input()
        except FailureEventException as failure:
            pair = failure.extract_error_cause_pair() or (None, None)
            error, cause = pair
        except Exception as problem:  # the child fails; the Map Run decides what that means
            error, cause = "States.Runtime", str(problem)
        finally:
            child.status, child.error, child.cause = status, error, cause
            child.output = copy.deepcopy(job_output)
            child.stop = _now()
            _close_history(env, child, HistoryEventType)
            counters = {
                "SUCCEEDED": "succeeded",
                "FAILED": "failed",
                "ABORTED": "aborted",
                "TIMED_OUT": "timed_out",
            }
            name_of = counters[status]
            getattr(record.item_counter, name_of).count(weight)
            getattr(record.execution_counter, name_of).count()
            if status == "SUCCEEDED":
                record.item_counter.results_written.count(weight)
                record.execution_counter.results_written.count()
            record.item_counter.running.offset(-weight)
            record.execution_counter.running.offset(-1)
            if status != "SUCCEEDED":
                with _runs.lock:
                    record._workshop_failed = getattr(record, "_workshop_failed", 0) + weight
                    total = getattr(record, "_workshop_items", 0)
                    if _threshold_exceeded(record, record._workshop_failed, total):
                        record._workshop_stopped = True
            job.job_output = job_output

    worker_module.DistributedItemProcessorWorker._eval_job = eval_job


def _close_history(env: Any, child: ChildRun, event_types: Any) -> None:
    """The child history's last event, as the execution ended."""
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    if child.events is None:
        return
    if child.status == "SUCCEEDED":
        kind = event_types.ExecutionSucceeded
        details = EventDetails(
            executionSucceededEventDetails={
                "output": to_json_str(child.output),
                "outputDetails": {"truncated": False},
            }
        )
    elif child.status == "FAILED":
        kind = event_types.ExecutionFailed
        failure = {k: v for k, v in (("error", child.error), ("cause", child.cause)) if v}
        details = EventDetails(executionFailedEventDetails=failure)
    elif child.status == "TIMED_OUT":
        kind, details = (
            event_types.ExecutionTimedOut,
            EventDetails(executionTimedOutEventDetails={}),
        )
    else:
        kind, details = event_types.ExecutionAborted, EventDetails(executionAbortedEventDetails={})
    with contextlib.suppress(Exception):  # a history must never fail the Map Run
        env.event_manager.add_event(
            context=env.event_history_context, event_type=kind, event_details=details
        )


def _redrive_map_runs() -> None:
    from moto.stepfunctions.parser.api import (
        HistoryEventType,
        MapRunRedrivenEventDetails,
        MapRunStatus,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        distributed_iteration_component as component_module,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (  # noqa: E501
        map_run_record as record_module,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    from ._sfn_redrive import _ledger_of

    component = component_module.DistributedIterationComponent
    original_body = component._eval_body

    def eval_body(self: Any, env: Any) -> None:
        eval_input = env.stack[-1]
        ledger = _ledger_of(env)
        if ledger is None:
            original_body(self, env)
            return
        map_data = env.states.context_object.context_object_data.get("Map") or {}
        key = (eval_input.state_name, (map_data.get("Item") or {}).get("Index"))
        earlier = ledger.map_runs.get(key)
        if earlier is None or not ledger.redrive_count:
            ledger.map_runs[key] = eval_input.map_run_record
            original_body(self, env)
            return
        # AWS redrives the Map Run that failed instead of starting another one.
        env.map_run_record_pool_manager._pool.pop(eval_input.map_run_record.map_run_arn, None)
        env.map_run_record_pool_manager._pool[earlier.map_run_arn] = earlier
        earlier.status, earlier.stop_date = MapRunStatus.RUNNING, None
        for counter_group in (earlier.item_counter, earlier.execution_counter):
            for counter in vars(counter_group).values():
                if isinstance(counter, record_module.Counter):
                    counter._count = 0
        earlier._workshop_redrive_count = getattr(earlier, "_workshop_redrive_count", 0) + 1
        earlier._workshop_redrive_date = _now()
        eval_input.map_run_record = earlier
        events = env.event_manager
        add_event = events.add_event

        def redriven(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("event_type") == HistoryEventType.MapRunStarted:
                kwargs["event_type"] = HistoryEventType.MapRunRedriven
                kwargs["event_details"] = EventDetails(
                    mapRunRedrivenEventDetails=MapRunRedrivenEventDetails(
                        mapRunArn=earlier.map_run_arn,
                        redriveCount=earlier._workshop_redrive_count,
                    )
                )
            return add_event(*args, **kwargs)

        events.add_event = redriven
        try:
            original_body(self, env)
        finally:
            del events.add_event

    component._eval_body = eval_body

    original_describe = record_module.MapRunRecord.describe

    def describe(self: Any) -> Any:
        described = original_describe(self)
        described["redriveCount"] = getattr(self, "_workshop_redrive_count", 0)
        if getattr(self, "_workshop_redrive_date", None) is not None:
            described["redriveDate"] = self._workshop_redrive_date
        return described

    record_module.MapRunRecord.describe = describe


# -- ResultWriter --------------------------------------------------------------------------------


def result_children(record: Any) -> dict[str, list[ChildRun]]:
    """A Map Run's children, grouped as AWS's ResultWriter files are."""
    groups: dict[str, list[ChildRun]] = {"SUCCEEDED": [], "FAILED": [], "PENDING": []}
    for child in children_of(record.map_run_arn):
        groups[child.status if child.status in groups else "FAILED"].append(child)
    return groups


def _write_results() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (  # noqa: E501
        resource_eval_s3,
    )

    writer = resource_eval_s3.ResourceEvalS3

    def put_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        parameters = env.stack.pop()
        env.stack.pop()  # the results themselves: the files below hold them
        s3 = writer._get_s3_client(
            resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
        )
        record = env.map_run_record_pool_manager.get_all()[-1]
        bucket = parameters["Bucket"]
        prefix = parameters.get("Prefix") or ""
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        folder = f"{prefix}{record.map_run_arn.split(':')[-1]}/"
        config = getattr(record, "_workshop_writer_config", None) or {}
        transformation = config.get("Transformation", "NONE")
        lines = config.get("OutputType") == "JSONL"
        files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
        for group, children in result_children(record).items():
            if not children:
                continue
            entries = shaped_outputs([(c.output, c) for c in children], transformation)
            if lines:
                body = "".join(json.dumps(entry) + "\n" for entry in entries).encode("utf-8")
            else:
                body = json.dumps(entries).encode("utf-8")
            key = f"{folder}{group}_0.{'jsonl' if lines else 'json'}"
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            files[group].append({"Key": key, "Size": len(body)})
        manifest = {
            "DestinationBucket": bucket,
            "MapRunArn": record.map_run_arn,
            "ResultFiles": files,
        }
        key = f"{folder}manifest.json"
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest).encode("utf-8"))
        env.stack.append(
            {
                "MapRunArn": record.map_run_arn,
                "ResultWriterDetails": {"Bucket": bucket, "Key": key},
            }
        )

    writer._handle_put_object = staticmethod(put_object)


# -- child executions in the API ----------------------------------------------------------------


def _show_children() -> None:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    original_list = StepFunctionResponse.list_executions
    original_describe = StepFunctionResponse.describe_execution

    def list_executions(self: Any) -> Any:
        map_run_arn = self._get_param("mapRunArn")
        if not map_run_arn:
            return original_list(self)
        self.stepfunction_backend.describe_map_run(map_run_arn)  # ResourceNotFound if unknown
        status = self._get_param("statusFilter")
        items = [
            child.list_item()
            for child in children_of(map_run_arn)
            if child.status != "PENDING" and (status is None or child.status == status)
        ]
        return ActionResult({"executions": items})

    def describe_execution(self: Any) -> Any:
        with _runs.lock:
            child = _runs.by_arn.get(self._get_param("executionArn"))
        if child is None:
            return original_describe(self)
        return ActionResult(child.describe())

    original_history = StepFunctionResponse.get_execution_history

    def get_execution_history(self: Any) -> Any:
        with _runs.lock:
            child = _runs.by_arn.get(self._get_param("executionArn"))
        if child is None or child.events is None:
            return original_history(self)
        events = child.events.get_event_history()
        if self._get_param("reverseOrder"):
            events.reverse()
        return ActionResult({"events": events})

    StepFunctionResponse.list_executions = list_executions
    StepFunctionResponse.describe_execution = describe_execution
    StepFunctionResponse.get_execution_history = get_execution_history
