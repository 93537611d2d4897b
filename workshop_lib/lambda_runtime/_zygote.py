"""The zygote: one pre-initialised Python process that forks execution environments.

A fresh worker spends about half a second of CPU importing boto3 before the handler's own code
runs. The zygote pays that once: it imports boto3, botocore and the bootstrap, then forks a
child for every cold start. The child sets its own environment variables, working directory,
TMPDIR, sys.path and resource limits, and then imports the handler as a fresh worker would.

Both sides live in this file. The server side (`Zygote`) talks to the zygote over a Unix
SEQPACKET socket: a spawn request carries the environment and, as SCM_RIGHTS, the child's three
pipe ends; the zygote answers with the child's pid and later with its exit status (the zygote is
the child's parent, so only it can collect the status).

No orphans: the zygote dies with the server (PR_SET_PDEATHSIG, and end of file on its socket),
and on its way out kills every environment's process group; every environment is its own
session and process group (so a handler's own children end with it) and dies with the zygote
(PR_SET_PDEATHSIG). The zygote is a child subreaper, so a handler's orphaned children stay its
own. Linux only; elsewhere the runtime starts each worker as a fresh process.

Run as a script (`python -I -B _zygote.py FD SERVER_PID`): the zygote itself, standard library
plus boto3 only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from typing import Any

_MAX_MESSAGE = 1 << 20
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PRELOAD = ("boto3", "botocore.session", "botocore.client", "botocore.endpoint")
# Lambda's documented limit: 1,024 file descriptors per execution environment.
_FILE_DESCRIPTORS = 1024


def supported() -> bool:
    """Forking environments needs fork, fd passing and prctl: Linux."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


def set_parent_death_signal(signum: int) -> bool:
    """Ask Linux to send `signum` when our parent (thread) ends. False where unavailable."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _set_child_subreaper() -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


# -- server side ------------------------------------------------------------------------------


class ZygoteGone(Exception):
    """The zygote is not running (it crashed or was killed): start workers another way."""


class _Exit:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.code: int | None = None


class Zygote:
    """The server's handle on one zygote process."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[threading.Event, list[int]]] = {}
        self._exits: dict[int, _Exit] = {}
        self._token = 0
        self._gone = False
        self._started = threading.Event()
        self.pid: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        # PR_SET_PDEATHSIG fires when the thread that started the zygote ends, so a long-lived
        # thread of its own starts it and then serves its socket.
        self._thread = threading.Thread(
            target=self._run, args=(command, env, theirs), daemon=True, name="zygote"
        )
        self._thread.start()
        self._started.wait(30)
        if self.process is None:
            raise ZygoteGone("the zygote process could not be started")

    @property
    def alive(self) -> bool:
        # Asks the kernel too: the socket's end of file may not have been read yet.
        return not self._gone and self.process is not None and self.process.poll() is None

    def spawn(self, request: dict[str, Any], fds: list[int], timeout: float = 120.0) -> int:
        """Fork one environment; returns its pid. The zygote may still be importing boto3."""
        done = threading.Event()
        answer: list[int] = []
        with self._lock:
            if self._gone:
                raise ZygoteGone("the zygote has exited")
            self._token += 1
            token = self._token
            self._pending[token] = (done, answer)
            body = json.dumps({**request, "token": token}).encode("utf-8")
            try:
                socket.send_fds(self._sock, [body], fds)
            except OSError as error:
                self._pending.pop(token, None)
                raise ZygoteGone(f"the zygote is not answering: {error}") from None
        if not done.wait(timeout) or not answer:
            with self._lock:
                self._pending.pop(token, None)
            raise ZygoteGone("the zygote did not fork the environment")
        pid = answer[0]
        with self._lock:
            self._exits.setdefault(pid, _Exit())
        return pid

    def exit_code(self, pid: int, timeout: float | None = 0) -> int | None:
        """The environment's exit status once it has ended (negative: killed by a signal)."""
        with self._lock:
            record = self._exits.get(pid)
        if record is None:
            return None
        if timeout != 0:
            record.event.wait(timeout)
        return record.code if record.event.is_set() else None

    def forget(self, pid: int) -> None:
        with self._lock:
            self._exits.pop(pid, None)

    def stop(self) -> None:
        """End the zygote: it kills every environment it forked on its way out."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        process = self.process
        if process is not None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def _run(self, command: list[str], env: dict[str, str], theirs: socket.socket) -> None:
        try:
            self.process = subprocess.Popen(
                [*command, str(theirs.fileno()), str(os.getpid())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # a kill of the server's group must not skip cleanup
            )
            self.pid = self.process.pid
        except OSError:
            self._gone = True
            return
        finally:
            theirs.close()
            self._started.set()
        try:
            while True:
                message = self._sock.recv(_MAX_MESSAGE)
                if not message:
                    break
                self._dispatch(json.loads(message))
        except (OSError, ValueError):
            pass
        finally:
            self._closed()

    def _dispatch(self, message: dict[str, Any]) -> None:
        with self._lock:
            if "spawned" in message:
                waiter = self._pending.pop(int(message["spawned"]), None)
                if waiter is not None:
                    self._exits.setdefault(int(message["pid"]), _Exit())
                    waiter[1].append(int(message["pid"]))
                    waiter[0].set()
            elif "exited" in message:
                record = self._exits.setdefault(int(message["exited"]), _Exit())
                record.code = int(message["code"])
                record.event.set()

    def _closed(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()
        with self._lock:
            self._gone = True
            for done, _ in self._pending.values():
                done.set()
            self._pending.clear()
            # The zygote kills its environments when it ends; nobody will report them now.
            for record in self._exits.values():
                if not record.event.is_set():
                    record.code = -int(signal.SIGKILL)
                    record.event.set()
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)


# -- the zygote process -----------------------------------------------------------------------


def _main(argv: list[str]) -> None:
    sock = socket.socket(fileno=int(argv[1]))
    server_pid = int(argv[2])
    # The server may die by SIGKILL: Linux then tells us, and we take our environments along.
    set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != server_pid:
        return
    _set_child_subreaper()

    before = set(sys.modules)
    import importlib

    sys.dont_write_bytecode = True
    for name in _PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _bootstrap  # noqa: F401 - loaded once here, used by every child

    del sys.path[0]
    preloaded = {
        name.partition(".")[0]
        for name in set(sys.modules) - before
        if name.partition(".")[0] not in sys.stdlib_module_names
    }
    preloaded.discard("_bootstrap")
    import gc

    gc.collect()
    gc.freeze()  # children share these pages instead of copying them on the first collection
    _Zygote(sock, preloaded).serve()


class _Zygote:
    def __init__(self, sock: socket.socket, preloaded: set[str]) -> None:
        self.sock = sock
        self.preloaded = preloaded
        self.children: set[int] = set()
        self.stopping = False
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)

    def serve(self) -> None:
        import selectors

        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is the server's
        selector = selectors.DefaultSelector()
        selector.register(self.sock, selectors.EVENT_READ)
        selector.register(self.wake_r, selectors.EVENT_READ)
        try:
            while not self.stopping:
                for key, _ in selector.select():
                    if key.fileobj is self.sock:
                        self._receive()
                    else:
                        self._drain_wakeups()
                self._reap()
        finally:
            self._kill_all()

    def _stop(self, *_: Any) -> None:
        self.stopping = True

    def _receive(self) -> None:
        try:
            message, fds, _flags, _addr = socket.recv_fds(self.sock, _MAX_MESSAGE, 3)
        except OSError:
            self.stopping = True
            return
        if not message:  # the server closed its end, or died
            self.stopping = True
            return
        request = json.loads(message)
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _become_worker(request, fds, self)  # never returns
        for fd in fds:
            os.close(fd)
        self.children.add(pid)
        self._send({"spawned": request["token"], "pid": pid})

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self.sock.send(json.dumps(message).encode("utf-8"))
        except OSError:
            self.stopping = True

    def _drain_wakeups(self) -> None:
        try:
            while os.read(self.wake_r, 512):
                pass
        except OSError:
            pass

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.children:  # not a handler's orphan adopted by this subreaper
                self.children.discard(pid)
                self._send({"exited": pid, "code": os.waitstatus_to_exitcode(status)})

    def _kill_all(self) -> None:
        for pid in list(self.children):
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(OSError):
                    kill(pid, signal.SIGKILL)
        # Orphans a handler left behind were adopted by us (subreaper): they go too.
        for pid in _own_children():
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break
            except OSError:
                break


def _own_children() -> list[int]:
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.append(int(entry))
    return found


def _become_worker(request: dict[str, Any], fds: list[int], zygote: _Zygote) -> None:
    code = 1
    try:
        parent = os.getppid()
        os.setsid()  # its own session and process group: a handler's children end with it
        set_parent_death_signal(signal.SIGKILL)
        if os.getppid() != parent:  # the zygote died before we could ask
            os._exit(1)
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, 65536)
        os.environ.clear()
        os.environ.update(request["env"])
        _limit_resources()
        import tempfile

        tempfile.tempdir = None  # TMPDIR is this environment's own /tmp now
        _forget_shadowed_modules(zygote.preloaded)
        import _bootstrap

        sys.argv = [_bootstrap.__file__]  # what a freshly started worker would see
        _bootstrap.main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _limit_resources() -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _FILE_DESCRIPTORS if hard == resource.RLIM_INFINITY else min(_FILE_DESCRIPTORS, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _forget_shadowed_modules(preloaded: set[str]) -> None:
    """A function that ships its own boto3 (or a layer that does) gets that one, as on AWS."""
    roots = [os.environ.get("LAMBDA_TASK_ROOT", "")]
    roots += [p for p in os.environ.get("WORKSHOP_LAYER_PATHS", "").split(os.pathsep) if p]
    for name in preloaded:
        shadowed = any(
            os.path.exists(os.path.join(root, name))
            or os.path.exists(os.path.join(root, name + ".py"))
            for root in roots
            if root
        )
        if shadowed:
            for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[module]


if __name__ == "__main__":
    _main(sys.argv)
