"""One execution environment: a worker process that has imported the handler once."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from .. import constants as C
from ..lambda_report import LambdaReport, end_line, init_start_line, start_line
from . import _bootstrap
from ._spec import FunctionSpec, LogSink

_BOOTSTRAP = Path(_bootstrap.__file__)
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
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._process: subprocess.Popen[bytes] | None = None
        self._ps: psutil.Process | None = None
        self.init_duration_ms: float | None = None
        self.init_error: dict[str, Any] | None = None
        self._init_reported = False

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Cold start: launch the worker and import the handler (the INIT phase)."""
        self._tmp_dir.mkdir(parents=True, exist_ok=True)
        self._log(init_start_line(C.LAMBDA_RUNTIME_VERSION, self.spec.arn))
        started = time.perf_counter()
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(_BOOTSTRAP)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._environment(),
            cwd=self._code_dir,
        )
        self._ps = psutil.Process(self._process.pid)
        threading.Thread(target=self._read_control, daemon=True).start()
        threading.Thread(target=self._read_raw_output, daemon=True).start()
        self._send({"type": "init"})
        reply = self._wait_for("init", deadline=time.monotonic() + C.LAMBDA_INIT_TIMEOUT_SECONDS)
        self.init_duration_ms = (time.perf_counter() - started) * 1000.0
        if reply is None:
            self.init_error = _bootstrap.error_payload(
                "Runtime.ExitError",
                "Runtime exited during INIT (the handler's module crashed the process "
                "or took longer than 10 s to import).",
            )
            self.kill()
        elif not reply.get("ok"):
            self.init_error = reply["error"]

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)

    # -- invoking ------------------------------------------------------------------------

    def invoke(self, event: bytes, *, invoked_arn: str, client_context: Any = None) -> Outcome:
        request_id = str(uuid.uuid4())
        self.invocations += 1
        lines: list[str] = []
        self._log(start_line(request_id, self.spec.version), lines)
        cold = not self._init_reported
        init_ms = self.init_duration_ms if cold else None
        self._init_reported = True

        if self.init_error is not None:
            return self._finish(
                request_id,
                lines,
                _json(self.init_error),
                self.init_error["errorType"],
                duration_ms=0.0,
                init_ms=init_ms,
                status="error",
            )

        deadline_wall_ms = time.time() * 1000 + self.spec.timeout_s * 1000
        started = time.perf_counter()
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
        deadline = time.monotonic() + self.spec.timeout_s
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
                used_mb = max(1, self._rss() // (1024 * 1024))
                self.kill()
                elapsed = time.perf_counter() - started
                self._log(
                    f"{_utc_stamp()} {request_id} Task timed out after "
                    f"{self.spec.timeout_s:.2f} seconds",
                    lines,
                )
                message = (
                    f"RequestId: {request_id} Error: Task timed out after "
                    f"{self.spec.timeout_s:.2f} seconds"
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
        code = None
        if self._process is not None:
            try:
                code = self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.kill()
                code = self._process.returncode
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
        except (BrokenPipeError, OSError):
            self._messages.put(None)

    def _wait_for(self, kind: str, deadline: float) -> dict[str, Any] | None:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                message = self._messages.get(timeout=remaining)
            except queue.Empty:
                return None
            if message is None:
                return None
            if "log" in message:
                self._log(message["log"], None, message.get("ts"))
            elif message.get("type") == kind:
                return message

    def _read_control(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        stream = self._process.stdout
        while True:
            try:
                message = _bootstrap.read_message(stream)
            except (OSError, ValueError):
                message = None
            self._messages.put(message)
            if message is None:
                return

    def _read_raw_output(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for raw in self._process.stderr:
            self._log(raw.decode("utf-8", errors="replace").rstrip("\n"))

    def _rss(self) -> int:
        try:
            return self._ps.memory_info().rss if self._ps else 0
        except psutil.Error:
            return 0

    def _log(self, line: str, lines: list[str] | None = None, ts: int | None = None) -> None:
        if lines is not None:
            lines.append(line)
        self._sink.put(self.spec, self.log_stream, [(ts or int(time.time() * 1000), line)])


def _log_stream_name(version: str) -> str:
    day = datetime.now(UTC).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{uuid.uuid4().hex}"


def _utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode("utf-8")
