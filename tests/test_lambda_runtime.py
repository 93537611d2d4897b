"""The Lambda runtime on its own: real handler code in worker processes, as AWS runs it."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import zip_source

from workshop_lib import constants
from workshop_lib.lambda_report import LambdaReport
from workshop_lib.lambda_runtime import CodeSource, FunctionSpec, LambdaRuntime, ThrottledError

HANDLER = """
import json, logging, os, sys, tempfile, time
import helpers

logger = logging.getLogger()
logger.setLevel(logging.INFO)
IMPORTED_AT = time.time()

def lambda_handler(event, context):
    action = event.get("action")
    print("event received:", json.dumps(event))
    logger.info("working on %s", action)
    if action == "context":
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "env": {k: v for k, v in os.environ.items()
                    if k.startswith(("AWS_", "LAMBDA_", "_HANDLER", "GREETING"))},
            "imported_at": IMPORTED_AT,
            "helper": helpers.shout("hi"),
        }
    if action == "tmp":
        path = os.path.join(tempfile.gettempdir(), "note.txt")
        existed = os.path.exists(path)
        with open(path, "w") as handle:
            handle.write(context.aws_request_id)
        return {"tmp": tempfile.gettempdir(), "existed": existed}
    if action == "raise":
        class ListValidationError(Exception):
            pass
        raise ListValidationError("item 3: field 'gifts' must be a list")
    if action == "sleep":
        started = time.time()
        time.sleep(event["seconds"])
        return {"started": started, "ended": time.time(), "pid": os.getpid()}
    if action == "allocate":
        block = bytearray(event["mb"] * 1024 * 1024)
        time.sleep(0.3)
        return len(block)
    if action == "exit":
        os._exit(3)
    if action == "chatter":
        # Threads that print long lines at once, as boto3's transfer threads can.
        import threading
        def talk(n):
            for i in range(event["lines"]):
                sys.stdout.write(f"thread {n} line {i} " + "x" * event["width"] + "\\n")
        threads = [threading.Thread(target=talk, args=(n,)) for n in range(event["threads"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {"printed": event["threads"] * event["lines"]}
    if action == "unserialisable":
        return {"when": object()}
    return {"ok": True, "pid": os.getpid()}
"""

HELPERS = "def shout(text):\n    return text.upper() + '!'\n"


class ListSink:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def put(self, spec, stream, events):
        with self._lock:
            self.lines.extend((spec.log_group, stream, message) for _, message in events)

    def messages(self) -> list[str]:
        return [message for _, _, message in self.lines]


def make_spec(
    files: dict[str, str], handler: str = "app.lambda_handler", **overrides
) -> FunctionSpec:
    archive = zip_source(files)
    settings = dict(
        name="elf",
        arn="arn:aws:lambda:us-east-1:123456789012:function:elf",
        version="$LATEST",
        handler=handler,
        runtime="python3.12",
        memory_mb=256,
        timeout_s=3.0,
        code=CodeSource(hashlib.sha256(archive).hexdigest(), lambda: archive),
        environment={"GREETING": "ho ho ho", "AWS_LAMBDA_FUNCTION_NAME": "not-allowed"},
    )
    settings.update(overrides)
    return FunctionSpec(**settings)


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def runtime(tmp_path: Path, sink: ListSink) -> Iterator[LambdaRuntime]:
    runtime = LambdaRuntime(state_dir=tmp_path, endpoint_url="http://127.0.0.1:9", log_sink=sink)
    yield runtime
    runtime.shutdown()


@pytest.fixture
def spec() -> FunctionSpec:
    return make_spec({"app.py": HANDLER, "helpers.py": HELPERS})


def invoke(runtime: LambdaRuntime, spec: FunctionSpec, event: dict):
    outcome = runtime.invoke(spec, json.dumps(event).encode())
    return outcome, json.loads(outcome.payload)


def test_first_invoke_is_cold_and_the_next_is_warm(runtime, spec):
    first, first_body = invoke(runtime, spec, {"action": "context"})
    second, second_body = invoke(runtime, spec, {"action": "context"})
    assert first.report.cold_start and first.report.init_duration_ms > 0
    assert not second.report.cold_start
    # Warm means the same process and module: INIT ran once.
    assert first_body["imported_at"] == second_body["imported_at"]
    # Billed duration includes INIT on the cold start (AWS, since August 2025).
    assert first.report.billed_duration_ms >= first.report.init_duration_ms


def test_handler_gets_context_environment_and_sibling_modules(runtime, spec):
    _, body = invoke(runtime, spec, {"action": "context"})
    assert body["function_name"] == "elf"
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == spec.arn
    assert body["memory_limit_in_mb"] == "256"
    assert body["log_group_name"] == "/aws/lambda/elf"
    assert body["log_stream_name"].endswith(body["log_stream_name"].split("]")[-1])
    assert 0 < body["remaining"] <= 3000
    assert body["helper"] == "HI!"
    env = body["env"]
    assert env["_HANDLER"] == "app.lambda_handler"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "elf"  # reserved: the function cannot override it
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"
    assert Path(env["LAMBDA_TASK_ROOT"]).joinpath("app.py").exists()
    assert env["GREETING"] == "ho ho ho"


def test_each_environment_has_a_private_tmp_that_survives_warm_invokes(runtime, spec):
    _, first = invoke(runtime, spec, {"action": "tmp"})
    _, second = invoke(runtime, spec, {"action": "tmp"})
    assert not first["existed"] and second["existed"]
    assert first["tmp"] == second["tmp"]
    other = make_spec(
        {"app.py": HANDLER, "helpers.py": HELPERS},
        name="other",
        arn="arn:aws:lambda:us-east-1:123456789012:function:other",
    )
    _, third = invoke(runtime, other, {"action": "tmp"})
    assert third["tmp"] != first["tmp"] and not third["existed"]


def test_exception_becomes_aws_error_payload(runtime, spec):
    outcome, body = invoke(runtime, spec, {"action": "raise"})
    assert outcome.error_type == "ListValidationError"
    assert body["errorType"] == "ListValidationError"  # the bare class name, as on AWS
    assert body["errorMessage"] == "item 3: field 'gifts' must be a list"
    assert body["requestId"] == outcome.request_id
    assert any('File "/var/task/app.py"' in frame for frame in body["stackTrace"])
    # The environment survives a handler exception: the next invoke is warm.
    again, _ = invoke(runtime, spec, {"action": "context"})
    assert not again.report.cold_start


def test_unserialisable_result_is_a_marshal_error(runtime, spec):
    outcome, body = invoke(runtime, spec, {"action": "unserialisable"})
    assert outcome.error_type == body["errorType"] == "Runtime.MarshalError"
    assert "Unable to marshal response" in body["errorMessage"]


def test_missing_module_and_missing_function_are_named_like_aws(runtime):
    missing_module = make_spec({"app.py": HANDLER}, handler="nothere.lambda_handler")
    outcome, body = invoke(runtime, missing_module, {})
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'nothere'" in body["errorMessage"]
    missing_function = make_spec({"app.py": HANDLER, "helpers.py": HELPERS}, handler="app.handle")
    outcome, body = invoke(runtime, missing_function, {})
    assert outcome.error_type == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "Handler 'handle' missing on module 'app'"


def test_timeout_kills_the_environment(runtime, sink):
    spec = make_spec({"app.py": HANDLER, "helpers.py": HELPERS}, timeout_s=1.0)
    outcome, body = invoke(runtime, spec, {"action": "sleep", "seconds": 5})
    assert body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    assert outcome.report.status == "timeout"
    assert any("Task timed out after 1.00 seconds" in line for line in sink.messages())
    after, _ = invoke(runtime, spec, {"action": "context"})
    assert after.report.cold_start  # a timed-out environment is gone


def test_memory_limit_is_enforced(runtime):
    spec = make_spec({"app.py": HANDLER, "helpers.py": HELPERS}, memory_mb=128)
    outcome, body = invoke(runtime, spec, {"action": "allocate", "mb": 300})
    assert body["errorType"] == "Runtime.OutOfMemory"
    assert outcome.report.max_memory_used_mb == 128
    fine, _ = invoke(runtime, spec, {"action": "allocate", "mb": 10})
    assert not fine.failed and fine.report.max_memory_used_mb < 128


def test_logs_have_start_end_report_and_handler_output(runtime, spec, sink):
    outcome, _ = invoke(runtime, spec, {"action": "work"})
    messages = sink.messages()
    rid = outcome.request_id
    assert messages[0].startswith("INIT_START")
    assert f"START RequestId: {rid} Version: $LATEST" in messages
    assert any(m.startswith("event received:") for m in messages)
    info = [m for m in messages if m.startswith("[INFO]")]
    assert info and info[0].split("\t")[2] == rid and info[0].endswith("working on work")
    assert f"END RequestId: {rid}" in messages
    report = LambdaReport.parse(messages[-1])
    assert report is not None and report.request_id == rid
    assert {group for group, _, _ in sink.lines} == {"/aws/lambda/elf"}
    assert "REPORT RequestId" in outcome.log_tail()


def test_concurrent_invokes_run_in_separate_environments_at_the_same_time(runtime, spec):
    results: list[dict] = []

    def call() -> None:
        results.append(invoke(runtime, spec, {"action": "sleep", "seconds": 0.8})[1])

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r["pid"] for r in results}) == 3
    latest_start = max(r["started"] for r in results)
    earliest_end = min(r["ended"] for r in results)
    assert latest_start < earliest_end  # all three were running at one moment


def test_changing_code_or_configuration_retires_old_environments(runtime, spec):
    _first, _before = invoke(runtime, spec, {"action": "context"})
    changed = make_spec(
        {"app.py": HANDLER, "helpers.py": HELPERS}, environment={"GREETING": "merry"}
    )
    after_outcome, after = invoke(runtime, changed, {"action": "context"})
    assert after_outcome.report.cold_start
    assert after["env"]["GREETING"] == "merry"
    assert runtime.environments() == [
        {"function": "elf", "version": "$LATEST", "idle": 1, "busy": 0}
    ]


def test_reserved_concurrency_throttles(runtime):
    spec = make_spec({"app.py": HANDLER, "helpers.py": HELPERS}, reserved_concurrency=0)
    with pytest.raises(ThrottledError):
        runtime.invoke(spec, b"{}")


def test_reserved_concurrency_applies_to_warm_environments_too(runtime, spec):
    invoke(runtime, spec, {"action": "context"})  # leaves a warm, idle environment
    capped = make_spec({"app.py": HANDLER, "helpers.py": HELPERS}, reserved_concurrency=0)
    with pytest.raises(ThrottledError):
        runtime.invoke(capped, b"{}")


def test_the_local_cap_recycles_idle_environments(tmp_path, sink):
    # More functions than the cap allows at once: idle ones are evicted, and the count of
    # live environments stays right, so invokes never wait for capacity that never frees.
    runtime = LambdaRuntime(
        state_dir=tmp_path, endpoint_url="http://127.0.0.1:9", log_sink=sink, max_environments=2
    )
    specs = [
        make_spec(
            {"app.py": HANDLER, "helpers.py": HELPERS},
            name=f"elf{i}",
            arn=f"arn:aws:lambda:us-east-1:123456789012:function:elf{i}",
        )
        for i in range(4)
    ]
    done: list[str] = []

    def churn() -> None:
        for _ in range(3):
            for spec in specs:
                runtime.invoke(spec, b"{}")
                done.append(spec.name)
        runtime.reset()  # every idle environment goes: the cap must be free again
        runtime.invoke(specs[0], b"{}")
        done.append("after reset")

    worker = threading.Thread(target=churn, daemon=True)
    worker.start()
    worker.join(timeout=120)
    try:
        assert len(done) == 13, "invokes stalled waiting for a free environment"
        live = sum(env["idle"] + env["busy"] for env in runtime.environments())
        assert live <= 2
    finally:
        runtime.shutdown()


def test_a_worker_that_exits_is_a_runtime_exit_error(runtime, spec):
    outcome, body = invoke(runtime, spec, {"action": "exit"})
    assert outcome.error_type == body["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: exit status 3" in body["errorMessage"]
    assert outcome.report.status == "error"
    again, _ = invoke(runtime, spec, {"action": "context"})
    assert again.report.cold_start  # the environment is gone; the next invoke starts afresh


def test_threads_logging_at_once_keep_the_control_channel_intact(runtime, spec, sink):
    # Lines longer than a pipe's atomic write, from 6 threads at once: every one arrives whole
    # and the invoke completes (a garbled frame used to leave the invoke waiting forever).
    event = {"action": "chatter", "threads": 6, "lines": 40, "width": 20_000}
    outcome, body = invoke(runtime, spec, event)
    assert outcome.error_type is None and body == {"printed": 240}
    printed = [m for m in sink.messages() if m.startswith("thread ")]
    assert len(printed) == 240
    assert all(m.endswith("x" * 20_000) and len(m) < 20_040 for m in printed)


def test_a_sync_invoke_gives_up_with_a_429_when_the_local_cap_stays_full(
    tmp_path, sink, spec, monkeypatch
):
    monkeypatch.setattr(constants, "LOCAL_CAPACITY_WAIT_SECONDS", 0.5)
    runtime = LambdaRuntime(
        state_dir=tmp_path, endpoint_url="http://127.0.0.1:9", log_sink=sink, max_environments=1
    )
    other = make_spec(
        {"app.py": HANDLER, "helpers.py": HELPERS},
        name="reindeer",
        arn="arn:aws:lambda:us-east-1:123456789012:function:reindeer",
    )
    busy = threading.Thread(target=invoke, args=(runtime, spec, {"action": "sleep", "seconds": 2}))
    busy.start()
    try:
        while not runtime.busy(spec):
            threading.Event().wait(0.01)
        with pytest.raises(ThrottledError, match="at most 1 execution environments"):
            runtime.invoke(other, b"{}")
        busy.join()
        outcome, _ = invoke(runtime, other, {})  # room again: the same invoke now runs
        assert outcome.error_type is None
    finally:
        runtime.shutdown()
