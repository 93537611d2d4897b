"""The worker side of one Lambda execution environment.

Every execution environment is a separate Python process running `main()`: forked from the
runtime's zygote on Linux (see `_zygote.py`), started as this script elsewhere. It plays the
part of AWS Lambda's Python runtime: it imports the handler (INIT), then serves invokes one at
a time, with the event, a context object, AWS's error payloads and AWS's log format. It uses
only the standard library.

Protocol: length-prefixed JSON messages. The parent writes to our stdin; we write to a private
copy of the original stdout. The handler's own stdout goes to stderr at the file-descriptor
level (so even C extensions' output becomes log lines), while Python-level `print` and
`logging` travel as ordered `log` messages on the control channel.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import struct
import sys
import threading
import time
import traceback
from typing import Any, BinaryIO

_HEADER = struct.Struct(">I")


_write_lock = threading.Lock()


def write_message(stream: BinaryIO, message: dict[str, Any]) -> None:
    """One length-prefixed frame, whole: a handler's threads may log at the same time."""
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    frame = memoryview(_HEADER.pack(len(body)) + body)
    with _write_lock:
        # An unbuffered pipe may take part of a large frame per write; send all of it.
        while frame:
            written = stream.write(frame)
            frame = frame[written if written is not None else len(frame) :]
        stream.flush()


def read_message(stream: BinaryIO) -> dict[str, Any] | None:
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    (length,) = _HEADER.unpack(header)
    body = _read_exactly(stream, length)
    if body is None:
        return None
    return json.loads(body)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = stream.read(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def error_payload(
    error_type: str, message: str, request_id: str | None = None, stack: list[str] | None = None
) -> dict[str, Any]:
    """AWS Lambda's error shape: errorMessage, errorType (bare class name), requestId, stack."""
    payload: dict[str, Any] = {"errorMessage": message, "errorType": error_type}
    if request_id:
        payload["requestId"] = request_id
    payload["stackTrace"] = stack or []
    return payload


class LambdaContext:
    """The context object a handler receives, with the attributes AWS documents."""

    def __init__(self, invoke: dict[str, Any]) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = invoke["invoked_function_arn"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.aws_request_id = invoke["request_id"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = invoke.get("client_context")
        self._deadline_ms = invoke["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self) -> str:
        return (
            f"LambdaContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r})"
        )


def _as_on_aws(text: str) -> str:
    """Paths as Lambda shows them: the function's code lives in /var/task."""
    root = os.environ.get("LAMBDA_TASK_ROOT")
    return text.replace(root, "/var/task") if root else text


class _Worker:
    def __init__(self, control_in: BinaryIO, control_out: BinaryIO) -> None:
        self.control_in = control_in
        self.control_out = control_out
        self.request_id: str | None = None
        self.handler: Any = None

    # -- logging ---------------------------------------------------------------------------

    def log(self, line: str) -> None:
        write_message(self.control_out, {"log": line, "ts": int(time.time() * 1000)})

    def install_log_capture(self) -> None:
        sys.stdout = _LineWriter(self.log)
        sys.stderr = _LineWriter(self.log)
        root = logging.getLogger()
        for existing in list(root.handlers):
            root.removeHandler(existing)
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_LambdaFormatter(self))
        root.addHandler(handler)
        level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
        if level:
            root.setLevel(level.upper())

    # -- phases ----------------------------------------------------------------------------

    def init(self) -> dict[str, Any]:
        handler_spec = os.environ["_HANDLER"]
        module_name, _, function_name = handler_spec.rpartition(".")
        if not module_name:
            return self._init_error(
                "Runtime.MalformedHandlerName",
                f"Bad handler '{handler_spec}': not enough values to unpack "
                "(expected 2, got 1). Write it as 'file_name.function_name', for example "
                "'app.lambda_handler'.",
            )
        try:
            module = importlib.import_module(module_name.replace("/", "."))
        except ImportError as error:
            return self._init_error(
                "Runtime.ImportModuleError",
                f"Unable to import module '{module_name}': {error}",
            )
        except Exception as error:  # the handler module itself failed while importing
            stack = [_as_on_aws(frame) for frame in traceback.format_tb(error.__traceback__)]
            return self._init_error(type(error).__name__, str(error), stack)
        handler = getattr(module, function_name, None)
        if handler is None:
            return self._init_error(
                "Runtime.HandlerNotFound",
                f"Handler '{function_name}' missing on module '{module_name}'",
            )
        self.handler = handler
        return {"type": "init", "ok": True}

    def _init_error(
        self, error_type: str, message: str, stack: list[str] | None = None
    ) -> dict[str, Any]:
        self.log(f"[ERROR] {error_type}: {message}\rTraceback (most recent call last):")
        return {
            "type": "init",
            "ok": False,
            "error": error_payload(error_type, message, None, stack),
        }

    def invoke(self, invoke: dict[str, Any]) -> dict[str, Any]:
        self.request_id = invoke["request_id"]
        context = LambdaContext(invoke)
        cpu_started = time.process_time()
        started = time.perf_counter()
        try:
            event = json.loads(invoke["event"]) if invoke["event"] else {}
            result = self.handler(event, context)
            ended = time.perf_counter()
            try:
                body = json.dumps(result)
            except (TypeError, ValueError) as error:
                message = f"Unable to marshal response: {error}"
                self.log(f"[ERROR] Runtime.MarshalError: {message}")
                outcome = {
                    "ok": False,
                    "error": error_payload("Runtime.MarshalError", message, self.request_id),
                }
            else:
                outcome = {"ok": True, "payload": body}
        except Exception as error:
            ended = time.perf_counter()
            stack = [
                _as_on_aws(frame)
                for frame in traceback.format_list(traceback.extract_tb(error.__traceback__)[1:])
            ]
            error_type = type(error).__name__
            self.log(
                f"[ERROR] {error_type}: {error}\rTraceback (most recent call last):\r"
                + "".join(stack).replace("\n", "\r")
            )
            outcome = {
                "ok": False,
                "error": error_payload(error_type, str(error), self.request_id, stack),
            }
        finally:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            self.request_id = None
        outcome.update(
            type="result",
            duration_ms=(ended - started) * 1000.0,
            cpu_ms=(time.process_time() - cpu_started) * 1000.0,
            max_rss_kb=_peak_rss_kb(),
        )
        return outcome

    def serve(self) -> None:
        while True:
            message = read_message(self.control_in)
            if message is None:
                return
            kind = message.get("type")
            if kind == "init":
                reply = self.init()
            elif kind == "invoke":
                reply = self.invoke(message)
            else:
                reply = {"type": "error", "message": f"unknown message {kind!r}"}
            write_message(self.control_out, reply)


class _LineWriter:
    """A text stream that turns every completed line into a log message."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, emit: Any) -> None:
        self._emit = emit
        self._pending = ""
        self._lock = threading.RLock()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            while "\n" in self._pending:
                line, self._pending = self._pending.split("\n", 1)
                self._emit(line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self._emit(self._pending)
                self._pending = ""

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class _LambdaFormatter(logging.Formatter):
    """AWS's text log format: `[LEVEL]\\t<UTC timestamp>\\t<request id>\\t<message>`."""

    converter = time.gmtime

    def __init__(self, worker: _Worker) -> None:
        super().__init__()
        self._worker = worker

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created))
        millis = int(record.msecs)
        message = record.getMessage()
        if record.exc_info:
            trace = _as_on_aws(self.formatException(record.exc_info))
            message += "\r" + trace.replace("\n", "\r")
        request_id = self._worker.request_id or ""
        return f"[{record.levelname}]\t{stamp}.{millis:03d}Z\t{request_id}\t{message}"


def _peak_rss_kb() -> int:
    # Linux: VmHWM is this process's own peak. getrusage() is not: after exec it still
    # remembers the peak of the process that started us (the whole local cloud).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def main() -> None:
    # Keep a private handle on the real stdout for the control channel, then point fd 1 at
    # stderr so stray output from C code becomes log lines instead of corrupting the channel.
    control_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    control_in = sys.stdin.buffer
    sys.stdin = open(os.devnull)  # noqa: SIM115 - handlers must not read the control channel
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    layer_paths = [p for p in os.environ.get("WORKSHOP_LAYER_PATHS", "").split(os.pathsep) if p]
    sys.path[:0] = [task_root, *layer_paths]
    os.chdir(task_root)
    worker = _Worker(control_in, control_out)
    worker.install_log_capture()
    worker.serve()


if __name__ == "__main__":
    main()
