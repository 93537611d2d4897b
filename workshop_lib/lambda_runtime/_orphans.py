"""What the runtime started, written down, so a crashed cloud's leftovers can be cleaned.

Every worker and zygote gets a small record in the state directory: its pid, start time and
command line, and the same for the server that owns it. When a server dies without cleaning up
(a power cut, `kill -9` of the whole process group), the next start calls `reap_orphans`,
which kills only processes proven to be ours: the recorded pid with the recorded start time and
command line (or, for a worker already gone, what is left of its own session), and only when the
server that owned them is no longer running.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path
from typing import Any

import psutil

from ._process import kill_session_leftovers

_DIRECTORY = "lambda-processes"


def _identity(pid: int) -> dict[str, Any] | None:
    try:
        process = psutil.Process(pid)
        return {"pid": pid, "create_time": process.create_time(), "cmdline": process.cmdline()}
    except psutil.Error:
        return None


def _matches(record: dict[str, Any] | None) -> bool:
    """The recorded process is still running: same pid, start time and command line."""
    if not record:
        return False
    current = _identity(int(record["pid"]))
    return (
        current is not None
        and abs(current["create_time"] - float(record["create_time"])) < 0.05
        and current["cmdline"] == record["cmdline"]
    )


class ProcessRecords:
    """The runtime's list of processes it started, one file per process."""

    def __init__(self, state_dir: Path) -> None:
        self.directory = state_dir / _DIRECTORY
        self._server = _identity(os.getpid())

    def add(self, pid: int, role: str) -> None:
        identity = _identity(pid)
        if identity is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {**identity, "role": role, "server": self._server}
        path = self.directory / f"{pid}.json"
        staging = path.with_suffix(".tmp")
        staging.write_text(json.dumps(record))
        staging.replace(path)

    def remove(self, pid: int) -> None:
        (self.directory / f"{pid}.json").unlink(missing_ok=True)


def reap_orphans(state_dir: Path) -> int:
    """Kill what a crashed local cloud left running under `state_dir`; returns how many.

    Safe to call at any time: processes of a server that still runs are left alone, and a
    record whose pid now belongs to another program is only deleted."""
    killed = 0
    # The runtime's own state directory, or a user's directory holding one per cloud.
    root = Path(state_dir)
    paths = [*root.glob(f"{_DIRECTORY}/*.json"), *root.glob(f"*/{_DIRECTORY}/*.json")]
    for path in sorted(paths):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        if _matches(record.get("server")):
            continue  # its server is alive: these are not orphans
        pid = int(record["pid"])
        if _matches(record):
            with contextlib.suppress(OSError, AttributeError):  # no process groups on Windows
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
                killed += 1
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).wait(timeout=5)
        killed += kill_session_leftovers(pid, float(record["create_time"]))
        path.unlink(missing_ok=True)
    return killed
