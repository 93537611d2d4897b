"""Starting, finding and stopping the local cloud from any process (CLI, notebook, test)."""

from __future__ import annotations

import argparse
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

from .. import arguments, owner
from .. import constants as C
from ..clients import resolve_port
from ..display import Displayable, theme
from ..errors import CloudError, CloudNotRunningError, PortInUseError
from ._auth import CONTROL_SECRET_HEADER

_SERVER_MODULE = "workshop_lib.cloud._server"


@dataclass(frozen=True)
class CloudStatus(Displayable):
    """Whether the local cloud runs on a port, and what it is doing."""

    port: int
    running: bool
    pid: int | None = None
    started: float | None = None
    time_scale: float | None = None
    environments: list[dict[str, Any]] = field(default_factory=list)
    log_file: Path | None = None
    held_by: str | None = None
    """Set when another user's local cloud listens on this port (it is not yours to use)."""

    @property
    def endpoint_url(self) -> str:
        return f"http://{C.CLOUD_HOST}:{self.port}"

    def __str__(self) -> str:
        if self.held_by:
            return (
                f"Port {self.port} is held by {self.held_by}'s local cloud, not yours. Start your "
                f"own with `workshop cloud start` (it picks a free port) or choose one with "
                f"`--port N` / {C.ENV_CLOUD_PORT}."
            )
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

    def _html(self) -> str:
        colour = theme.SUCCESS if self.running else theme.FAILURE
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
    return owner.state_dir()


def status(port: int | None = None) -> CloudStatus:
    port = resolve_port(port)
    probe = _probe(port)
    log_file = _log_file(port)
    if probe.held_by:
        return CloudStatus(port=port, running=False, log_file=log_file, held_by=probe.held_by)
    health = probe.health
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
    """Start this user's local cloud on 127.0.0.1 and return once it answers (or reuse it).

    Without an explicit port (argument or `WORKSHOP_CLOUD_PORT`), a port held by another
    program or another user's cloud is not an error: the cloud starts on a free port, which is
    remembered in the user's state directory so every notebook and command finds it.
    """
    explicit = port is not None or bool(os.environ.get(C.ENV_CLOUD_PORT))
    port = resolve_port(port)
    if time_scale is not None:
        time_scale = check_time_scale(time_scale, "--time-scale")
    with _start_lock():
        current = status(port)
        if current.running:
            if time_scale is not None and time_scale != current.time_scale:
                return configure(port, time_scale=time_scale)
            return current
        if current.held_by or not _port_is_free(port):
            if explicit:
                raise _port_in_use(port, current.held_by)
            port = _free_port()
        scale = time_scale if time_scale is not None else _env_time_scale()
        max_environments = _env_max_environments()
        directory = owner.private_state_dir()
        owner.local_credentials()  # made before the server starts, which reads it
        _clean_after_crash(port)
        log_file = _log_file(port)
        with open(log_file, "ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    _SERVER_MODULE,
                    "--port",
                    str(port),
                    "--state-dir",
                    str(directory / f"cloud-{port}"),
                    "--time-scale",
                    str(scale),
                    "--max-environments",
                    str(max_environments),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=_server_environment(),
                start_new_session=True,  # its own process group: `stop` ends it and its workers
            )
        _write_pid_record(port, process.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = status(port)
            if current.running:
                owner.remember_port(port)
                return current
            code = process.poll()
            if code is not None:
                _pid_file(port).unlink(missing_ok=True)
                if code == 3:
                    raise _port_in_use(port, None)
                raise CloudError(
                    f"The local cloud stopped while starting (exit code {code}).\n"
                    + _tail(log_file),
                    hint=f"Read the full log in {log_file}.",
                )
            time.sleep(0.02)
        process.kill()
        _pid_file(port).unlink(missing_ok=True)
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
    if current.held_by:
        raise CloudNotRunningError(str(current))
    if not current.running:
        raise CloudNotRunningError(
            f"Your local cloud is not running on {current.endpoint_url}.",
            hint="Start it with `workshop cloud start` (or run any notebook's first cell).",
        )
    return current


def stop(port: int | None = None, *, timeout: float = 10.0) -> bool:
    """Stop this user's cloud and every process it started. Returns False if it was not running.

    Only a process proven to be this user's cloud is signalled: the cloud itself answering with
    this user's secret, or a pid file whose process still has the recorded start time and
    command line. A stale pid file (the pid reused by another program) is removed, never trusted.
    """
    port = resolve_port(port)
    probe = _probe(port)
    if probe.health is not None:
        pid: int | None = probe.health.get("pid")
    else:
        pid = _recorded_server_pid(port)
    _pid_file(port).unlink(missing_ok=True)
    if pid is None or not _is_group_leader(pid):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _process_exists(pid):
        time.sleep(0.05)
    # Whatever is left of the group (a stuck handler, say) goes now.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    return probe.health is not None


def configure(port: int | None = None, *, time_scale: float) -> CloudStatus:
    """Change a running cloud's settings (today: the Retry/Wait time scale)."""
    port = resolve_port(port)
    time_scale = check_time_scale(time_scale, "--time-scale")
    require_running(port)
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
    # `current.running` means the cloud answered with this user's secret: the pid is ours.
    if current.running and current.pid and hasattr(signal, "SIGUSR1"):
        os.kill(current.pid, signal.SIGUSR1)  # the server writes its threads' stacks to its log
        time.sleep(0.5)
    if current.log_file is not None:
        parts.append(f"--- last {log_lines} lines of {current.log_file}:")
        parts.append(_tail(current.log_file, log_lines))
    return "\n".join(parts)


@dataclass(frozen=True)
class _Probe:
    health: dict[str, Any] | None = None
    """This user's cloud answered (with its secret): its health report."""
    held_by: str | None = None
    """Another user's cloud answered: whose."""


def _probe(port: int) -> _Probe:
    """Ask whatever listens on the port whether it is this user's cloud."""
    headers = {}
    with contextlib.suppress(CloudError):
        headers[CONTROL_SECRET_HEADER] = owner.local_credentials().secret_access_key
    try:
        connection = http.client.HTTPConnection(C.CLOUD_HOST, port, timeout=2)
        connection.request("GET", "/_workshop/health", headers=headers)
        response = connection.getresponse()
        body = response.read()
        connection.close()
    except OSError:
        return _Probe()
    try:
        data = json.loads(body)
    except ValueError:
        return _Probe()
    if not isinstance(data, dict) or not data.get("workshop"):
        return _Probe()
    if response.status == 200:
        return _Probe(health=data)
    if response.status == 403:
        return _Probe(held_by=str(data.get("owner") or "another user"))
    return _Probe()


def _post(port: int, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    connection = http.client.HTTPConnection(C.CLOUD_HOST, port, timeout=60)
    try:
        connection.request(
            "POST",
            f"/_workshop/{action}",
            body=json.dumps(payload),
            headers={
                "Content-Type": "application/json",
                CONTROL_SECRET_HEADER: owner.local_credentials().secret_access_key,
            },
        )
        response = connection.getresponse()
        reply = json.loads(response.read() or b"{}")
    except OSError:
        raise CloudNotRunningError(
            f"The local cloud is not running on port {port}.",
            hint="Start it with `workshop cloud start`.",
        ) from None
    finally:
        connection.close()
    if response.status != 200:
        raise CloudError(
            f"The local cloud on port {port} refused {action!r}: "
            f"{reply.get('message') or reply.get('error')}",
            hint="`workshop cloud status` says whose cloud listens there.",
        )
    return reply


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Same rule as the server: a recently closed port (TIME_WAIT) is free, a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((C.CLOUD_HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((C.CLOUD_HOST, 0))
        return int(probe.getsockname()[1])


def _port_in_use(port: int, held_by: str | None) -> PortInUseError:
    owner_text = f" by {held_by}'s local cloud" if held_by else None
    who = owner_text or (f" by {_port_owner(port)}" if _port_owner(port) else " by another program")
    return PortInUseError(
        f"Port {port} on {C.CLOUD_HOST} is already in use{who}, so your local cloud cannot "
        "start there.",
        hint=f"Pick another port: `workshop cloud start --port {min(port + 1, 65535)}` and set "
        f"`{C.ENV_CLOUD_PORT}={min(port + 1, 65535)}` for the notebooks, or unset "
        f"{C.ENV_CLOUD_PORT} to let the workbook pick a free port for you.",
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


def check_time_scale(value: Any, source: str) -> float:
    """A Retry/Wait time scale: a finite number above 0 (1 is real time)."""
    try:
        return arguments.time_scale(str(value))
    except argparse.ArgumentTypeError as error:
        raise CloudError(f"{source}: {error}.") from None


def _env_time_scale() -> float:
    raw = os.environ.get(C.ENV_TIME_SCALE)
    return check_time_scale(raw, C.ENV_TIME_SCALE) if raw else C.DEFAULT_TIME_SCALE


def _env_max_environments() -> int:
    raw = os.environ.get(C.ENV_MAX_ENVIRONMENTS)
    if not raw:
        return C.DEFAULT_MAX_ENVIRONMENTS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise CloudError(
            f"{C.ENV_MAX_ENVIRONMENTS}={raw!r} is not a positive whole number.",
            hint=f"Use at least 1 (the default is {C.DEFAULT_MAX_ENVIRONMENTS}), or unset it.",
        )
    return value


def _pid_file(port: int) -> Path:
    return state_dir() / f"cloud-{port}.pid"


def _log_file(port: int) -> Path:
    return state_dir() / f"cloud-{port}.log"


def _write_pid_record(port: int, pid: int) -> None:
    record: dict[str, Any] = {"pid": pid, "port": port}
    with contextlib.suppress(Exception):
        import psutil

        record["create_time"] = psutil.Process(pid).create_time()
    _pid_file(port).write_text(json.dumps(record))


def _recorded_server_pid(port: int) -> int | None:
    """The pid in the pid file, only if that process is provably this user's cloud server."""
    try:
        record = json.loads(_pid_file(port).read_text())
        pid = int(record["pid"])
        recorded_start = float(record["create_time"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # an old or damaged pid file proves nothing
    try:
        import psutil

        process = psutil.Process(pid)
        same_start = abs(process.create_time() - recorded_start) < 0.05
        command = process.cmdline()
        same_command = _SERVER_MODULE in command and str(port) in command
        mine = not hasattr(os, "getuid") or process.uids().real == os.getuid()
    except Exception:  # gone, or not ours to inspect
        return None
    return pid if same_start and same_command and mine else None


def _is_group_leader(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except (ProcessLookupError, PermissionError):
        return False


def _clean_after_crash(port: int) -> None:
    """A cloud that died (kill -9) may have left its process group and a pid file behind."""
    from ..lambda_runtime import reap_orphans

    leftover = _recorded_server_pid(port)
    if leftover is not None and _is_group_leader(leftover):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(leftover, signal.SIGKILL)
    _pid_file(port).unlink(missing_ok=True)
    # Workers of any of this user's clouds that died (they record themselves; only processes
    # proven to be ours by pid, start time and command line are touched).
    reap_orphans(owner.private_state_dir())


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
def _start_lock() -> Iterator[None]:
    """One start at a time for this user. The lock is taken on the state directory itself, so
    no lock file is ever left behind, whatever happens to the start."""
    directory = owner.private_state_dir()
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; two racing starts are rare there
        yield
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
