"""The local Lambda service: execution environments per function version, reused when warm.

Cold start = a new worker process that imports the handler (forked from the runtime's zygote,
which has imported boto3 once). Warm = an idle environment of the same function version and
configuration. Concurrent invokes get separate environments that really run at the same time.
Changing code or configuration retires the old environments.

Capacity: the local cap (`WORKSHOP_MAX_ENVIRONMENTS`) is a laptop's limit, not AWS's. Invokes
that find it full queue for it first come, first served, so asynchronous invokes (S3 triggers)
and workflow tasks take turns; a synchronous invoke that waits too long gets AWS's 429
TooManyRequestsException, which the workflows' Retry policies retry.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import constants as C
from . import _zygote
from ._codestore import CodeStore
from ._environment import ExecutionEnvironment, Outcome
from ._orphans import ProcessRecords, reap_orphans
from ._process import ForkedWorker, FreshWorker, WorkerProcess
from ._spec import FunctionSpec, LogSink
from ._zygote import Zygote, ZygoteGone, supported

_ZYGOTE_RESTARTS = 5


class ThrottledError(Exception):
    """Reserved concurrency is used up: AWS answers 429 TooManyRequestsException."""


@dataclass
class _Pool:
    fingerprint: str
    idle: list[ExecutionEnvironment] = field(default_factory=list)


InvokeListener = Callable[[FunctionSpec, Outcome], None]


class LambdaRuntime:
    """Runs real handler code for the local cloud."""

    def __init__(
        self,
        *,
        state_dir: Path,
        endpoint_url: str,
        log_sink: LogSink,
        credentials: tuple[str, str] = (C.OFFLINE_ACCESS_KEY, C.OFFLINE_SECRET_KEY),
        max_environments: int = C.DEFAULT_MAX_ENVIRONMENTS,
        idle_seconds: float = C.DEFAULT_IDLE_SECONDS,
        time_scale: Callable[[], float] = lambda: 1.0,
        use_zygote: bool = True,
    ) -> None:
        self.state_dir = state_dir
        self.endpoint_url = endpoint_url
        # The owner's local-cloud key pair: handlers sign their calls back to the cloud with it.
        self.credentials = credentials
        self.max_environments = max_environments
        self.idle_seconds = idle_seconds
        self._time_scale = time_scale
        self._sink = log_sink
        self._code = CodeStore(state_dir / "code")
        self._pools: dict[tuple[str, str], _Pool] = {}
        self._busy: dict[tuple[str, str], int] = {}
        self._running: set[ExecutionEnvironment] = set()
        self._queue: deque[object] = deque()
        self._live = 0
        self._cond = threading.Condition()
        self._listeners: list[InvokeListener] = []
        self._async = ThreadPoolExecutor(max_workers=max_environments, thread_name_prefix="event")
        self._closed = False
        # What a crashed predecessor left in this state directory goes first.
        reap_orphans(state_dir)
        self._records = ProcessRecords(state_dir)
        self._zygote_lock = threading.Lock()
        self._zygote: Zygote | None = None
        self._zygote_deaths = 0
        self._use_zygote = use_zygote and supported()
        if self._use_zygote:
            self._start_zygote()
        threading.Thread(target=self._reap_idle, daemon=True, name="reaper").start()

    # -- public --------------------------------------------------------------------------

    def add_listener(self, listener: InvokeListener) -> None:
        """Called after every invoke (the local cloud publishes metrics from here)."""
        self._listeners.append(listener)

    def invoke(
        self,
        spec: FunctionSpec,
        event: bytes,
        *,
        client_context: object = None,
        invoked_arn: str | None = None,
        wait_for_capacity: bool = False,
    ) -> Outcome:
        """A synchronous (RequestResponse) invoke."""
        environment = self._acquire(spec, wait=wait_for_capacity)
        concurrency = self.busy(spec)
        try:
            outcome = environment.invoke(
                event, invoked_arn=invoked_arn or spec.arn, client_context=client_context
            )
        finally:
            self._release(spec, environment)
        outcome.concurrency = concurrency
        for listener in self._listeners:
            listener(spec, outcome)
        return outcome

    def invoke_async(self, spec: FunctionSpec, event: bytes) -> str:
        """An asynchronous (Event) invoke: queued, retried on error as AWS does, never blocks."""
        request_id = str(uuid.uuid4())
        self._async.submit(self._run_event, spec, event, 0)
        return request_id

    def busy(self, spec: FunctionSpec) -> int:
        """How many environments of this function are running an invoke right now."""
        with self._cond:
            return self._busy.get(spec.pool_key, 0)

    def environments(self) -> list[dict[str, object]]:
        """What is running now, per function version: for `workshop cloud status`."""
        with self._cond:
            keys = [
                key
                for key in {*self._pools, *self._busy}
                if self._busy.get(key, 0) or (key in self._pools and self._pools[key].idle)
            ]
            return [
                {
                    "function": arn.rsplit(":", 1)[-1],
                    "version": version,
                    "idle": len(self._pools[(arn, version)].idle)
                    if (arn, version) in self._pools
                    else 0,
                    "busy": self._busy.get((arn, version), 0),
                }
                for arn, version in sorted(keys)
            ]

    def shutdown(self) -> None:
        """Stop everything: idle and busy environments, what their handlers started, the zygote."""
        with self._cond:
            self._closed = True
            environments = [env for pool in self._pools.values() for env in pool.idle]
            environments += self._running
            self._pools.clear()
            self._running.clear()
            self._busy.clear()
            self._live = 0
            self._cond.notify_all()
        for environment in environments:
            self._dispose(environment)
        self._async.shutdown(wait=False, cancel_futures=True)
        with self._zygote_lock:
            zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.stop()
            if zygote.pid is not None:
                self._records.remove(zygote.pid)

    def retire(self, arn: str, version: str | None = None) -> None:
        """The function (or one version) was deleted: its warm environments go now, busy ones
        when their invoke ends."""
        with self._cond:
            keys = [key for key in self._pools if key[0] == arn and version in (None, key[1])]
            environments = [env for key in keys for env in self._pools.pop(key).idle]
            self._live -= len(environments)
            self._cond.notify_all()
        for environment in environments:
            self._dispose(environment)

    def reset(self) -> None:
        """The local cloud was reset: every function is gone, and so is every environment,
        idle or busy (an invoke still running ends as if its runtime had exited)."""
        with self._cond:
            environments = [env for pool in self._pools.values() for env in pool.idle]
            self._live -= len(environments)
            busy = list(self._running)
            self._pools.clear()
            self._cond.notify_all()
        for environment in environments:
            self._dispose(environment)
        for environment in busy:
            environment.kill()  # its invoke returns, then _release disposes of it

    # -- environments --------------------------------------------------------------------

    def _acquire(self, spec: FunctionSpec, *, wait: bool) -> ExecutionEnvironment:
        retired: list[ExecutionEnvironment] = []
        key = spec.pool_key
        # AWS throttles at once when the account's concurrency is used up. The local cap is a
        # laptop's limit, not AWS's, so a synchronous invoke waits a while for room first,
        # in turn with every other invoke waiting (first come, first served).
        give_up_at = time.monotonic() + C.LOCAL_CAPACITY_WAIT_SECONDS
        ticket = object()
        with self._cond:
            try:
                while True:
                    if self._closed:
                        raise ThrottledError("The local cloud is shutting down.")
                    pool = self._pools.get(key)
                    if pool is not None and pool.fingerprint != spec.fingerprint:
                        # New code or configuration: idle environments of the old one retire
                        # now, busy ones when they finish.
                        retired.extend(pool.idle)
                        self._live -= len(pool.idle)
                        pool = None
                    if pool is None:
                        pool = self._pools[key] = _Pool(spec.fingerprint)
                    # Reserved concurrency caps running invokes, warm environments or not.
                    reserved = spec.reserved_concurrency
                    if reserved is not None and self._busy.get(key, 0) >= reserved:
                        if not wait:
                            raise ThrottledError("Rate Exceeded.")
                        if ticket in self._queue:  # it holds no place while its own cap is full
                            self._queue.remove(ticket)
                        self._cond.wait(timeout=1.0)
                        continue
                    if ticket not in self._queue:
                        self._queue.append(ticket)
                    if self._queue[0] is ticket:
                        environment = self._take_idle(pool)
                        if environment is not None:
                            self._busy[key] = self._busy.get(key, 0) + 1
                            self._running.add(environment)
                            return environment
                        if self._live < self.max_environments or self._evict_one_idle(retired):
                            self._busy[key] = self._busy.get(key, 0) + 1
                            self._live += 1
                            break
                    if not wait and time.monotonic() >= give_up_at:
                        raise ThrottledError(
                            f"Rate Exceeded. The local cloud runs at most "
                            f"{self.max_environments} execution environments at once and all "
                            f"of them stayed busy for {C.LOCAL_CAPACITY_WAIT_SECONDS:g} s "
                            f"(raise {C.ENV_MAX_ENVIRONMENTS} to allow more)."
                        )
                    self._cond.wait(timeout=1.0)
            finally:
                if ticket in self._queue:
                    self._queue.remove(ticket)
                    self._cond.notify_all()  # the next in line may go now
                self._kill_later(retired)
        try:
            environment = self._cold_start(spec)
        except BaseException:
            with self._cond:
                self._busy[key] -= 1
                self._live -= 1
                self._cond.notify_all()
            raise
        with self._cond:
            self._running.add(environment)
        return environment

    def _take_idle(self, pool: _Pool) -> ExecutionEnvironment | None:
        while pool.idle:
            environment = pool.idle.pop()
            if environment.alive:
                return environment
            self._live -= 1
            self._kill_later([environment])
        return None

    def _cold_start(self, spec: FunctionSpec) -> ExecutionEnvironment:
        code_dir = self._code.unpack(spec.code)
        layer_dirs = [self._code.unpack(layer) / "python" for layer in spec.layers]
        environment = ExecutionEnvironment(
            spec,
            code_dir=code_dir,
            layer_dirs=layer_dirs,
            tmp_dir=self.state_dir / "tmp" / uuid.uuid4().hex[:12],
            endpoint_url=self.endpoint_url,
            credentials=self.credentials,
            log_sink=self._sink,
            launcher=self._launch,
            records=self._records,
        )
        environment.start()
        return environment

    def _launch(self, env: dict[str, str], cwd: Path) -> WorkerProcess:
        zygote = self._start_zygote() if self._use_zygote else None
        if zygote is not None:
            try:
                return ForkedWorker(zygote, env)
            except ZygoteGone:
                pass  # a fresh process instead; the next cold start starts a new zygote
        return FreshWorker(env, cwd)

    def _start_zygote(self) -> Zygote | None:
        with self._zygote_lock:
            if self._closed:
                return None
            if self._zygote is not None and self._zygote.alive:
                return self._zygote
            if self._zygote is not None:
                if self._zygote.pid is not None:
                    self._records.remove(self._zygote.pid)
                self._zygote_deaths += 1
                if self._zygote_deaths > _ZYGOTE_RESTARTS:
                    # Something kills it again and again: fresh processes from now on.
                    logging.getLogger(__name__).warning(
                        "the Lambda zygote died %d times; starting workers directly",
                        self._zygote_deaths,
                    )
                    self._use_zygote = False
                    self._zygote = None
                    return None
            try:
                self._zygote = Zygote(
                    [sys.executable, "-I", "-B", _zygote.__file__],
                    {"PATH": os.environ.get("PATH", os.defpath), "LANG": "en_US.UTF-8"},
                )
            except (ZygoteGone, OSError):
                self._zygote = None
                return None
            if self._zygote.pid is not None:
                self._records.add(self._zygote.pid, "zygote")
            return self._zygote

    def _release(self, spec: FunctionSpec, environment: ExecutionEnvironment) -> None:
        keep = False
        with self._cond:
            self._running.discard(environment)
            key = spec.pool_key
            if key in self._busy:
                self._busy[key] -= 1
                if self._busy[key] <= 0:
                    del self._busy[key]
            pool = self._pools.get(key)
            keep = (
                pool is not None
                and environment.alive
                and environment.init_error is None
                and pool.fingerprint == environment.fingerprint
                and not self._closed
            )
            if keep and pool is not None:
                pool.idle.append(environment)
            else:
                self._live -= 1
            self._cond.notify_all()
        if not keep:
            self._dispose(environment)

    def _evict_one_idle(self, retired: list[ExecutionEnvironment]) -> bool:
        """Make room under the local cap by retiring the least recently used idle environment."""
        candidates = [
            (env.last_used, key) for key, pool in self._pools.items() for env in pool.idle
        ]
        if not candidates:
            return False
        _, key = min(candidates)
        pool = self._pools[key]
        oldest = min(pool.idle, key=lambda env: env.last_used)
        pool.idle.remove(oldest)
        retired.append(oldest)
        self._live -= 1
        return True

    def _kill_later(self, environments: list[ExecutionEnvironment]) -> None:
        for environment in environments:
            threading.Thread(target=self._dispose, args=(environment,), daemon=True).start()
        environments.clear()

    def _dispose(self, environment: ExecutionEnvironment) -> None:
        environment.kill()
        shutil.rmtree(environment._tmp_dir, ignore_errors=True)

    def _reap_idle(self) -> None:
        while not self._closed:
            time.sleep(5)
            cutoff = time.monotonic() - self.idle_seconds
            expired: list[ExecutionEnvironment] = []
            with self._cond:
                for pool in self._pools.values():
                    stale = [env for env in pool.idle if env.last_used < cutoff]
                    for env in stale:
                        pool.idle.remove(env)
                    expired.extend(stale)
                self._live -= len(expired)
                if expired:
                    self._cond.notify_all()
            self._kill_later(expired)

    # -- asynchronous invokes -------------------------------------------------------------

    def _run_event(self, spec: FunctionSpec, event: bytes, attempt: int) -> None:
        if self._closed:
            return
        try:
            outcome = self.invoke(spec, event, wait_for_capacity=True)
        except ThrottledError:
            return
        if not outcome.failed or attempt >= spec.async_max_retries:
            return
        # AWS retries a failed asynchronous invoke twice, after about one and two minutes.
        # A timer waits, not one of the event threads, so other events keep flowing meanwhile.
        delay = 60.0 * (attempt + 1) * self._time_scale()
        timer = threading.Timer(delay, self._retry_event, args=(spec, event, attempt + 1))
        timer.daemon = True
        timer.start()

    def _retry_event(self, spec: FunctionSpec, event: bytes, attempt: int) -> None:
        if not self._closed:
            with contextlib.suppress(RuntimeError):  # shut down meanwhile
                self._async.submit(self._run_event, spec, event, attempt)
