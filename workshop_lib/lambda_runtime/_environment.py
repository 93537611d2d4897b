"""One execution environment: a worker process that has imported the handler once."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from .. import constants as C
from ..lambda_report import LambdaReport, end_line, init_start_line, start_line
from . import _bootstrap
from ._orphans import ProcessRecords
from ._process import BOOTSTRAP as _BOOTSTRAP
from ._process import FreshWorker, WorkerProcess
from ._spec import FunctionSpec, LogSink

Launcher = Callable[[dict[str, str], Path], WorkerProcess]
"""Starts a worker with these environment variables in this directory."""
_RESERVED_PREFIXES = ("AWS_LAMBDA_", "LAMBDA_", "_HANDLER", "AWS_EXECUTION_ENV")
_POLL_SECONDS = 0.01


@dataclass
class Outcome:
    """The result of one invoke, before it is turned into an API response."""

    request_id: str
    payload: bytes
    error_type: str | None
    report: LambdaReport
    lines: list[str] = field(default_factory=list)
    cpu_ms: float | None = None
    """CPU time the handler used (local runtime only; AWS does not report it)."""
    concurrency: int = 1
    """Environments of this function busy while it ran (CloudWatch's ConcurrentExecutions)."""

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    def log_tail(self, limit: int = C.LAMBDA_LOG_TAIL_BYTES) -> str:
        text = "\n".join(self.lines) + "\n"
        encoded = text.encode("utf-8")
        return encoded[-limit:].decode("utf-8", errors="ignore")


class ExecutionEnvironment:
    """A warm or cold worker process for one function version and configuration."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        code_dir: Path,
        layer_dirs: list[Path],
        tmp_dir: Path,
        endpoint_url: str,
        log_sink: LogSink,
        credentials: tuple[str, str] = (C.OFFLINE_ACCESS_KEY, C.OFFLINE_SECRET_KEY),
        launcher: Launcher | None = None,
        records: ProcessRecords | None = None,
    ) -> None:
        self.spec = spec
        self.fingerprint = spec.fingerprint
        self.log_stream = _log_stream_name(spec.version)
        self.last_used = time.monotonic()
        self.invocations = 0
        self._code_dir = code_dir
        self._layer_dirs = layer_dirs
        self._tmp_dir = tmp_dir
        self._endpoint_url = endpoint_url
        self._credentials = credentials
        self._sink = log_sink
        self._launcher: Launcher = launcher or FreshWorker
        self._records = records
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._channel_closed = False
        self._process: WorkerProcess | None = None
        self._ps: psutil.Process | None = None
        self.init_duration_ms: float | None = None
        self.init_error: dict[str, Any] | None = None
        self.init_suppressed = False
        """INIT did not finish in its phase (it ran over, or failed): the first invoke finishes or
        retries it, as on AWS."""
        self._init_reported = False

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Cold start: launch the worker and import the handler (the INIT phase).

        INIT has AWS's 10-second limit. As on AWS, an INIT that fails is not the end yet: one
        that runs over goes on within the first invoke, one that crashes or raises is tried
        once more within it, and either way that second INIT counts against the function's
        timeout. INIT_REPORT lines say what happened in which phase."""
        self._tmp_dir.mkdir(parents=True, exist_ok=True)
        self._log(init_start_line(C.LAMBDA_RUNTIME_VERSION, self.spec.arn))
        started = time.perf_counter()
        self._launch()
        reply = self._wait_for("init", deadline=time.monotonic() + C.LAMBDA_INIT_TIMEOUT_SECONDS)
        self.init_duration_ms = (time.perf_counter() - started) * 1000.0
        if reply is not None and reply.get("ok"):
            return
        self.init_suppressed = True
        if reply is None and not self._channel_closed:
            self._log(
                f"INIT_REPORT Init Duration: {self.init_duration_ms:.2f} ms\tPhase: init"
                "\tStatus: timeout"
            )
            return
        error = self._init_failure(reply)
        self._log(
            f"INIT_REPORT Init Duration: {self.init_duration_ms:.2f} ms\tPhase: init"
            f"\tStatus: error\tError Type: {error['errorType']}"
        )
        self.kill()  # the first invoke starts INIT over in a fresh worker

    def _launch(self) -> None:
        """Start the worker process and ask it to import the handler."""
        self._messages = queue.Queue()
        self._channel_closed = False
        process = self._process = self._launcher(self._environment(), self._code_dir)
        if self._records is not None:
            self._records.add(process.pid, "worker")
        try:
            self._ps = psutil.Process(process.pid)
        except psutil.Error:
            self._ps = None
        messages = self._messages
        threading.Thread(target=self._read_control, args=(process, messages), daemon=True).start()
        threading.Thread(target=self._read_raw_output, args=(process,), daemon=True).start()
        self._send({"type": "init"})

    def _init_failure(self, reply: dict[str, Any] | None) -> dict[str, Any]:
        """The error of an INIT that raised (its reply) or whose process exited (no reply)."""
        if reply is not None:
            return reply["error"]
        return _bootstrap.error_payload(
            "Runtime.ExitError", f"Runtime exited with error: exit status {self._exit_code()}"
        )

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            if self._records is not None:
                self._records.remove(self._process.pid)

    # -- invoking ------------------------------------------------------------------------

    def invoke(self, event: bytes, *, invoked_arn: str, client_context: Any = None) -> Outcome:
        request_id = str(uuid.uuid4())
        self.invocations += 1
        lines: list[str] = []
        self._log(start_line(request_id, self.spec.version), lines)
        cold = not self._init_reported
        # A suppressed INIT is billed as part of the invoke: REPORT shows no Init Duration.
        init_ms = self.init_duration_ms if cold and not self.init_suppressed else None
        self._init_reported = True

        deadline_wall_ms = time.time() * 1000 + self.spec.timeout_s * 1000
        started = time.perf_counter()
        deadline = time.monotonic() + self.spec.timeout_s
        suppressed = self.init_suppressed
        if suppressed:
            ended = self._finish_suppressed_init(request_id, lines, started, deadline)
            if ended is not None:
                return ended
            self.init_suppressed = False
        self._send(
            {
                "type": "invoke",
                "request_id": request_id,
                "event": event.decode("utf-8") if event else "",
                "deadline_ms": deadline_wall_ms,
                "invoked_function_arn": invoked_arn,
                "client_context": client_context,
            }
        )
        limit_bytes = self.spec.memory_mb * 1024 * 1024
        next_memory_check = time.monotonic() + _POLL_SECONDS
        while True:
            now = time.monotonic()
            if now >= next_memory_check:
                next_memory_check = now + _POLL_SECONDS
                if self._rss() > limit_bytes:
                    return self._out_of_memory(request_id, lines, started, init_ms)
            remaining = deadline - now
            if remaining <= 0:
                return self._timed_out(request_id, lines, started, init_ms)
            try:
                message = self._messages.get(timeout=min(_POLL_SECONDS, remaining))
            except queue.Empty:
                continue
            if message is None:
                return self._crashed(request_id, lines, started, init_ms)
            if "log" in message:
                self._log(message["log"], lines, message.get("ts"))
                continue
            if message.get("type") != "result":
                continue
            duration_ms = float(message["duration_ms"])
            if suppressed:
                # The INIT that went on within this invoke is part of its duration.
                duration_ms = (time.perf_counter() - started) * 1000
            cpu_ms = message.get("cpu_ms")
            used_mb = max(1, int(message.get("max_rss_kb", 0)) // 1024)
            if used_mb > self.spec.memory_mb:
                return self._out_of_memory(request_id, lines, started, init_ms)
            if message["ok"]:
                payload, error_type = message["payload"].encode("utf-8"), None
            else:
                payload, error_type = _json(message["error"]), message["error"]["errorType"]
            outcome = self._finish(
                request_id,
                lines,
                payload,
                error_type,
                duration_ms=duration_ms,
                init_ms=init_ms,
                used_mb=used_mb,
            )
            outcome.cpu_ms = cpu_ms
            return outcome

    def _finish_suppressed_init(
        self, request_id: str, lines: list[str], started: float, deadline: float
    ) -> Outcome | None:
        """INIT within this invoke: the one that ran over goes on, a failed one starts over."""
        if not self.alive:
            self._launch()
        reply = self._wait_for("init", deadline, lines)
        init_ms = (time.perf_counter() - started) * 1000
        if reply is not None and reply.get("ok"):
            return None
        if reply is None and not self._channel_closed:
            self._log(
                f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: invoke\tStatus: timeout",
                lines,
            )
            return self._timed_out(request_id, lines, started, None)
        error = self.init_error = self._init_failure(reply)
        self._log(
            f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: invoke\tStatus: error"
            f"\tError Type: {error['errorType']}",
            lines,
        )
        if error["errorType"] == "Runtime.ExitError":  # AWS names the invoke it failed
            error = {
                **error,
                "errorMessage": f"RequestId: {request_id} Error: " + error["errorMessage"],
            }
        self.kill()
        return self._finish(
            request_id,
            lines,
            _json(error),
            error["errorType"],
            duration_ms=init_ms,
            init_ms=None,
            status="error",
        )

    def _timed_out(
        self, request_id: str, lines: list[str], started: float, init_ms: float | None
    ) -> Outcome:
        used_mb = max(1, self._rss() // (1024 * 1024))
        self.kill()
        elapsed = time.perf_counter() - started
        self._log(
            f"{_utc_stamp()} {request_id} Task timed out after {self.spec.timeout_s:.2f} seconds",
            lines,
        )
        message = (
            f"RequestId: {request_id} Error: Task timed out after {self.spec.timeout_s:.2f} seconds"
        )
        payload = _bootstrap.error_payload("Sandbox.Timedout", message)
        return self._finish(
            request_id,
            lines,
            _json(payload),
            "Sandbox.Timedout",
            duration_ms=elapsed * 1000,
            init_ms=init_ms,
            used_mb=used_mb,
            status="timeout",
        )

    # -- endings -------------------------------------------------------------------------

    def _out_of_memory(
        self, request_id: str, lines: list[str], started: float, init_ms: float | None
    ) -> Outcome:
        self.kill()
        return self._runtime_exited(
            "Runtime.OutOfMemory",
            "signal: killed",
            request_id,
            lines,
            started,
            init_ms,
            used_mb=self.spec.memory_mb,
        )

    def _crashed(
        self, request_id: str, lines: list[str], started: float, init_ms: float | None
    ) -> Outcome:
        # The control channel closed; the process is exiting or, if it garbled the channel,
        # must be made to.
        code = self._exit_code()
        return self._runtime_exited(
            "Runtime.ExitError", f"exit status {code}", request_id, lines, started, init_ms
        )

    def _runtime_exited(
        self,
        error_type: str,
        how: str,
        request_id: str,
        lines: list[str],
        started: float,
        init_ms: float | None,
        used_mb: int | None = None,
    ) -> Outcome:
        """The worker process is gone: AWS reports it as the runtime exiting with an error."""
        message = f"RequestId: {request_id} Error: Runtime exited with error: {how}"
        self._log(message, lines)
        return self._finish(
            request_id,
            lines,
            _json(_bootstrap.error_payload(error_type, message)),
            error_type,
            duration_ms=(time.perf_counter() - started) * 1000,
            init_ms=init_ms,
            used_mb=used_mb,
            status="error",
        )

    def _finish(
        self,
        request_id: str,
        lines: list[str],
        payload: bytes,
        error_type: str | None,
        *,
        duration_ms: float,
        init_ms: float | None,
        used_mb: int | None = None,
        status: str | None = None,
    ) -> Outcome:
        self.last_used = time.monotonic()
        if used_mb is None:
            used_mb = max(1, self._rss() // (1024 * 1024)) if self.alive else 1
        report = LambdaReport(
            request_id=request_id,
            duration_ms=round(duration_ms, 2),
            billed_duration_ms=LambdaReport.billed_ms(duration_ms, init_ms),
            memory_size_mb=self.spec.memory_mb,
            max_memory_used_mb=min(used_mb, self.spec.memory_mb),
            init_duration_ms=round(init_ms, 2) if init_ms is not None else None,
            status=status,
            error_type=error_type if status else None,
        )
        self._log(end_line(request_id), lines)
        self._log(report.format(), lines)
        return Outcome(request_id, payload, error_type, report, lines)

    # -- plumbing ------------------------------------------------------------------------

    def _exit_code(self) -> int | None:
        """The worker's exit status, once its control channel has closed."""
        if self._process is None:
            return None
        code = self._process.wait(timeout=2)
        if code is None:
            self.kill()
            code = self._process.wait(timeout=2)
        return code

    def _environment(self) -> dict[str, str]:
        spec = self.spec
        env = {
            key: value
            for key, value in spec.environment.items()
            if not key.startswith(_RESERVED_PREFIXES)
        }
        env.update(
            {
                "PATH": os.environ.get("PATH", os.defpath),
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "TMPDIR": str(self._tmp_dir),
                "LAMBDA_TASK_ROOT": str(self._code_dir),
                "LAMBDA_RUNTIME_DIR": str(_BOOTSTRAP.parent),
                "_HANDLER": spec.handler,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_ACCESS_KEY_ID": self._credentials[0],
                "AWS_SECRET_ACCESS_KEY": self._credentials[1],
                "AWS_SESSION_TOKEN": "workshop-offline-session",
                # The handler's own boto3 calls must reach the local cloud, and nothing else.
                "AWS_ENDPOINT_URL": self._endpoint_url,
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "NO_PROXY": f"{C.CLOUD_HOST},localhost",
                "no_proxy": f"{C.CLOUD_HOST},localhost",
                "WORKSHOP_LAYER_PATHS": os.pathsep.join(str(p) for p in self._layer_dirs),
            }
        )
        return env

    def _send(self, message: dict[str, Any]) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            _bootstrap.write_message(self._process.stdin, message)
        except (OSError, ValueError):  # a broken pipe, or killed meanwhile (closed)
            self._messages.put(None)

    def _wait_for(
        self, kind: str, deadline: float, lines: list[str] | None = None
    ) -> dict[str, Any] | None:
        """The next message of this kind; None on timeout or when the channel closed."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                message = self._messages.get(timeout=remaining)
            except queue.Empty:
                return None
            if message is None:
                self._channel_closed = True
                return None
            if "log" in message:
                self._log(message["log"], lines, message.get("ts"))
            elif message.get("type") == kind:
                return message

    def _read_control(
        self, process: WorkerProcess, messages: queue.Queue[dict[str, Any] | None]
    ) -> None:
        # Bound to one worker: after a restarted INIT, the old one's end never reaches the new.
        with contextlib.suppress(OSError), process.stdout:
            while True:
                try:
                    message = _bootstrap.read_message(process.stdout)
                except (OSError, ValueError):
                    message = None
                messages.put(message)
                if message is None:
                    return

    def _read_raw_output(self, process: WorkerProcess) -> None:
        with contextlib.suppress(OSError, ValueError), process.stderr:
            for raw in process.stderr:
                self._log(raw.decode("utf-8", errors="replace").rstrip("\n"))

    def _rss(self) -> int:
        try:
            return self._ps.memory_info().rss if self._ps else 0
        except psutil.Error:
            return 0

    def _log(self, line: str, lines: list[str] | None = None, ts: int | None = None) -> None:
        line = cap_log_event(line)
        if lines is not None:
            lines.append(line)
        self._sink.put(self.spec, self.log_stream, [(ts or int(time.time() * 1000), line)])


def cap_log_event(message: str, limit: int = C.LOG_EVENT_MAX_BYTES) -> str:
    """A log line as CloudWatch Logs keeps it: at most `limit` bytes of UTF-8, cut at the end."""
    if len(message) * 4 <= limit:  # cheap test first: no line this short can be over
        return message
    encoded = message.encode("utf-8", errors="surrogatepass")
    if len(encoded) <= limit:
        return message
    return encoded[:limit].decode("utf-8", errors="ignore")


def _log_stream_name(version: str) -> str:
    day = datetime.now(UTC).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{uuid.uuid4().hex}"


def _utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode("utf-8")
