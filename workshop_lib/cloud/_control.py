"""Starting, finding and stopping the local cloud from any process (CLI, notebook, test)."""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import constants as C
from ..clients import resolve_port
from ..display import protected
from ..errors import CloudError, CloudNotRunningError, PortInUseError


@dataclass(frozen=True)
class CloudStatus:
    """Whether the local cloud runs on a port, and what it is doing."""

    port: int
    running: bool
    pid: int | None = None
    started: float | None = None
    time_scale: float | None = None
    environments: list[dict[str, Any]] = field(default_factory=list)
    log_file: Path | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{C.CLOUD_HOST}:{self.port}"

    def __str__(self) -> str:
        if not self.running:
            return f"The local cloud is not running on {self.endpoint_url}."
        lines = [
            f"The local cloud is running on {self.endpoint_url} (pid {self.pid}).",
            f"  Retry and Wait time scale: {self.time_scale:g}"
            + (" (real time)" if self.time_scale == 1 else ""),
        ]
        if self.environments:
            lines.append("  Lambda execution environments:")
            for env in self.environments:
                lines.append(
                    f"    {env['function']} ({env['version']}): "
                    f"{env['busy']} busy, {env['idle']} idle (warm)"
                )
        else:
            lines.append("  No Lambda execution environments yet (the next invoke is cold).")
        return "\n".join(lines)

    @protected
    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.running else "#b42318"
        state = "running" if self.running else "not running"
        rows = "".join(
            f"<tr><td>{html.escape(env['function'])}</td><td>{html.escape(env['version'])}</td>"
            f"<td>{env['busy']}</td><td>{env['idle']}</td></tr>"
            for env in self.environments
        )
        table = (
            "<table><thead><tr><th>Function</th><th>Version</th><th>Busy</th>"
            f"<th>Idle (warm)</th></tr></thead><tbody>{rows}</tbody></table>"
            if rows
            else "<p>No Lambda execution environments yet: the next invoke is a cold start.</p>"
        )
        scale = (
            f"<p>Retry and Wait time scale: <b>{self.time_scale:g}</b></p>" if self.running else ""
        )
        return (
            f"<div><p><b style='color:{colour}'>● Local cloud {state}</b> at "
            f"<code>{self.endpoint_url}</code></p>{scale}{table if self.running else ''}</div>"
        )


def state_dir() -> Path:
    """Where pid files, logs and unpacked code live (`WORKSHOP_STATE_DIR` overrides)."""
    configured = os.environ.get(C.ENV_STATE_DIR)
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "sfn-lambda-workbook"


def status(port: int | None = None) -> CloudStatus:
    port = resolve_port(port)
    health = _health(port)
    log_file = _log_file(port)
    if health is None:
        return CloudStatus(port=port, running=False, log_file=log_file)
    return CloudStatus(
        port=port,
        running=True,
        pid=health.get("pid"),
        started=health.get("started"),
        time_scale=health.get("time_scale"),
        environments=health.get("environments", []),
        log_file=log_file,
    )


def start(
    port: int | None = None, *, time_scale: float | None = None, timeout: float = 60.0
) -> CloudStatus:
    """Start the local cloud on 127.0.0.1 and return once it answers (or reuse a running one)."""
    port = resolve_port(port)
    with _start_lock(port):
        current = status(port)
        if current.running:
            if time_scale is not None and time_scale != current.time_scale:
                return configure(port, time_scale=time_scale)
            return current
        _check_port_free(port)
        scale = time_scale if time_scale is not None else _env_time_scale()
        directory = state_dir()
        directory.mkdir(parents=True, exist_ok=True)
        log_file = _log_file(port)
        with open(log_file, "ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "workshop_lib.cloud._server",
                    "--port",
                    str(port),
                    "--state-dir",
                    str(directory / f"cloud-{port}"),
                    "--time-scale",
                    str(scale),
                    "--max-environments",
                    str(_env_int(C.ENV_MAX_ENVIRONMENTS, C.DEFAULT_MAX_ENVIRONMENTS)),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=_server_environment(),
                start_new_session=True,  # its own process group: `stop` ends it and its workers
            )
        _pid_file(port).write_text(str(process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = status(port)
            if current.running:
                return current
            code = process.poll()
            if code is not None:
                _pid_file(port).unlink(missing_ok=True)
                if code == 3:
                    raise _port_in_use(port)
                raise CloudError(
                    f"The local cloud stopped while starting (exit code {code}).\n"
                    + _tail(log_file),
                    hint=f"Read the full log in {log_file}.",
                )
            time.sleep(0.02)
        process.kill()
        raise CloudError(
            f"The local cloud did not answer within {timeout:.0f} s.",
            hint=f"Read its log in {log_file}; a slow first start can help to retry.",
        )


def ensure_running(port: int | None = None) -> CloudStatus:
    """The notebooks' way in: reuse the cloud if it runs (kernels share one), else start it."""
    current = status(port)
    return current if current.running else start(port)


def require_running(port: int | None = None) -> CloudStatus:
    current = status(port)
    if not current.running:
        raise CloudNotRunningError(
            f"The local cloud is not running on {current.endpoint_url}.",
            hint="Start it with `workshop cloud start` (or run any notebook's first cell).",
        )
    return current


def stop(port: int | None = None, *, timeout: float = 10.0) -> bool:
    """Stop the cloud and every process it started. Returns False if it was not running."""
    port = resolve_port(port)
    health = _health(port)
    pid = health.get("pid") if health else _read_pid(port)
    _pid_file(port).unlink(missing_ok=True)
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _process_exists(pid):
        time.sleep(0.05)
    # Whatever is left of the group (a stuck handler, say) goes now.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    return health is not None


def configure(port: int | None = None, *, time_scale: float) -> CloudStatus:
    """Change a running cloud's settings (today: the Retry/Wait time scale)."""
    port = resolve_port(port)
    _post(port, "config", {"time_scale": time_scale})
    return status(port)


def requests_between(
    since: float, until: float, port: int | None = None
) -> dict[str, dict[str, int]]:
    """API calls that reached the local cloud in a time window, by service and operation.

    Calls made by Lambda handlers count too, which is what the cost model needs: the S3, SNS
    and DynamoDB requests a workflow makes on your bill.
    """
    port = resolve_port(port)
    require_running(port)
    return _post(port, "requests", {"since": since, "until": until})["requests"]


def reset(port: int | None = None) -> CloudStatus:
    """Empty the local cloud: every bucket, function, state machine and stack is gone."""
    port = resolve_port(port)
    require_running(port)
    _post(port, "reset", {})
    return status(port)


# -- helpers -----------------------------------------------------------------------------------


def diagnose(port: int | None = None, *, log_lines: int = 200) -> str:
    """What the local cloud is doing right now, for a bug report or a hung notebook:
    its status, every server thread's stack, and the end of its log."""
    current = status(port)
    parts = [str(current)]
    if current.running and current.pid and hasattr(signal, "SIGUSR1"):
        os.kill(current.pid, signal.SIGUSR1)  # the server writes its threads' stacks to its log
        time.sleep(0.5)
    if current.log_file is not None:
        parts.append(f"--- last {log_lines} lines of {current.log_file}:")
        parts.append(_tail(current.log_file, log_lines))
    return "\n".join(parts)


def _health(port: int) -> dict[str, Any] | None:
    try:
        connection = http.client.HTTPConnection(C.CLOUD_HOST, port, timeout=2)
        connection.request("GET", "/_workshop/health")
        response = connection.getresponse()
        body = response.read()
        connection.close()
    except OSError:
        return None
    if response.status != 200:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("workshop") else None


def _post(port: int, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    connection = http.client.HTTPConnection(C.CLOUD_HOST, port, timeout=60)
    try:
        connection.request(
            "POST",
            f"/_workshop/{action}",
            body=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return json.loads(response.read() or b"{}")
    except OSError:
        raise CloudNotRunningError(
            f"The local cloud is not running on port {port}.",
            hint="Start it with `workshop cloud start`.",
        ) from None
    finally:
        connection.close()


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Same rule as the server: a recently closed port (TIME_WAIT) is free, a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((C.CLOUD_HOST, port))
        except OSError:
            raise _port_in_use(port) from None


def _port_in_use(port: int) -> PortInUseError:
    owner = _port_owner(port)
    who = f" by {owner}" if owner else " by another program"
    return PortInUseError(
        f"Port {port} on {C.CLOUD_HOST} is already in use{who}, so the local cloud cannot "
        "start there.",
        hint=f"Pick another port: `workshop cloud start --port {port + 1}` and set "
        f"`{C.ENV_CLOUD_PORT}={port + 1}` for the notebooks, or stop the other program.",
    )


def _port_owner(port: int) -> str | None:
    try:
        import psutil

        for connection in psutil.net_connections(kind="tcp"):
            if connection.laddr and connection.laddr.port == port and connection.pid:
                process = psutil.Process(connection.pid)
                return f"{process.name()} (pid {connection.pid})"
    except Exception:  # permissions differ per platform; the owner is a nicety
        return None
    return None


def _server_environment() -> dict[str, str]:
    # The server never needs the learner's AWS settings; keep them out of it and its workers.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["NO_PROXY"] = env["no_proxy"] = f"{C.CLOUD_HOST},localhost"
    return env


def _env_time_scale() -> float:
    raw = os.environ.get(C.ENV_TIME_SCALE)
    try:
        return float(raw) if raw else C.DEFAULT_TIME_SCALE
    except ValueError:
        raise CloudError(
            f"{C.ENV_TIME_SCALE}={raw!r} is not a number.",
            hint="Use 1 for real time, 0.01 to run Retry and Wait 100 times faster.",
        ) from None


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw and raw.isdigit() else default


def _pid_file(port: int) -> Path:
    return state_dir() / f"cloud-{port}.pid"


def _log_file(port: int) -> Path:
    return state_dir() / f"cloud-{port}.log"


def _read_pid(port: int) -> int | None:
    try:
        return int(_pid_file(port).read_text().strip())
    except (OSError, ValueError):
        return None


def _process_exists(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def _start_lock(port: int) -> Iterator[None]:
    directory = state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; two racing starts are rare there
        yield
        return
    with open(directory / f"cloud-{port}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
