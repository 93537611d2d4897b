"""A worker process as the environment sees it: control pipes, exit status, a kill that reaches
everything the handler started (the environment's own process group).

Two ways to start one: forked from the runtime's zygote (Linux: about a millisecond of CPU),
or a fresh Python process (elsewhere, or when the zygote is gone).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO, Protocol

from . import _bootstrap
from ._zygote import Zygote

BOOTSTRAP = Path(_bootstrap.__file__)


class WorkerProcess(Protocol):
    pid: int
    stdin: BinaryIO
    stdout: BinaryIO
    stderr: BinaryIO

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int | None: ...

    def kill(self) -> None: ...


class ForkedWorker:
    """An environment forked by the zygote (its child, not ours: the zygote reports its exit)."""

    def __init__(self, zygote: Zygote, env: dict[str, str]) -> None:
        control_in_r, control_in_w = os.pipe()
        control_out_r, control_out_w = os.pipe()
        output_r, output_w = os.pipe()
        theirs = [control_in_r, control_out_w, output_w]
        try:
            self.pid = zygote.spawn({"env": env}, theirs)
        except BaseException:
            for fd in (control_in_w, control_out_r, output_r):
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        self._zygote = zygote
        self._code: int | None = None
        self.stdin: BinaryIO = open(control_in_w, "wb", buffering=0)  # noqa: SIM115
        self.stdout: BinaryIO = open(control_out_r, "rb", buffering=0)  # noqa: SIM115
        self.stderr: BinaryIO = open(output_r, "rb")  # noqa: SIM115

    def poll(self) -> int | None:
        if self._code is None:
            self._code = self._zygote.exit_code(self.pid)
        if self._code is None and not self._zygote.alive:
            self._code = -9  # it dies with the zygote (PR_SET_PDEATHSIG)
        return self._code

    def wait(self, timeout: float | None = None) -> int | None:
        if self._code is None:
            self._code = self._zygote.exit_code(self.pid, timeout=timeout)
        return self._code

    def kill(self) -> None:
        if self.poll() is None:
            _kill_group(self.pid)
            if self.wait(timeout=5) is None:
                self._code = -9  # the zygote is gone: nobody will report this exit
        else:
            _kill_group(self.pid, leader_gone=True)
        self._zygote.forget(self.pid)
        for stream in (self.stdin,):
            with contextlib.suppress(OSError):
                stream.close()


class FreshWorker:
    """A new Python process running the bootstrap (no zygote)."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(BOOTSTRAP)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=sys.platform != "win32",
        )
        self.pid = self._process.pid
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self.stdin = self._process.stdin
        self.stdout = self._process.stdout
        self.stderr = self._process.stderr

    def poll(self) -> int | None:
        return self._process.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            return self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        running = self._process.poll() is None
        if sys.platform != "win32":
            _kill_group(self.pid, leader_gone=not running)
        if running:
            self._process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)


def _kill_group(pid: int, *, leader_gone: bool = False) -> None:
    """Kill the environment's session: the worker and whatever its handler started."""
    if leader_gone:
        kill_session_leftovers(pid)
        return
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def kill_session_leftovers(leader: int, started: float | None = None) -> int:
    """Kill what is left of a dead worker's session (a handler's children); returns how many.

    Linux keeps a session id reserved while any member lives, so once the worker is gone (or
    is a zombie we can prove is it: `started`, its recorded start time), every process in that
    session is one the worker started. If the pid runs another program now, nothing is touched."""
    if sys.platform == "win32" or not _ended(leader, started):
        return 0
    killed = 0
    for pid in _all_pids():
        try:
            if pid != leader and pid != os.getpid() and os.getsid(pid) == leader:
                os.kill(pid, signal.SIGKILL)
                killed += 1
        except OSError:
            continue
    return killed


def _ended(pid: int, started: float | None) -> bool:
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() != psutil.STATUS_ZOMBIE:
            return False
        return started is not None and abs(process.create_time() - started) < 0.05
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def _all_pids() -> list[int]:
    import psutil

    return psutil.pids()
