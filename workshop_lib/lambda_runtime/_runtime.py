"""The local Lambda service: execution environments per function version, reused when warm.

Cold start = a new worker process that imports the handler. Warm = an idle environment of the
same function version and configuration. Concurrent invokes get separate environments that
really run at the same time. Changing code or configuration retires the old environments.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import constants as C
from ._codestore import CodeStore
from ._environment import ExecutionEnvironment, Outcome
from ._spec import FunctionSpec, LogSink


class ThrottledError(Exception):
    """Reserved concurrency is used up: AWS answers 429 TooManyRequestsException."""


@dataclass
class _Pool:
    fingerprint: str
    idle: list[ExecutionEnvironment] = field(default_factory=list)
    busy: int = 0


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
        self._live = 0
        self._cond = threading.Condition()
        self._listeners: list[InvokeListener] = []
        self._async = ThreadPoolExecutor(max_workers=max_environments, thread_name_prefix="event")
        self._closed = False
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
        self._async.submit(self._run_event, spec, event)
        return request_id

    def busy(self, spec: FunctionSpec) -> int:
        """How many environments of this function are running an invoke right now."""
        with self._cond:
            pool = self._pools.get(spec.pool_key)
            return pool.busy if pool else 0

    def environments(self) -> list[dict[str, object]]:
        """What is running now, per function version: for `workshop cloud status`."""
        with self._cond:
            return [
                {
                    "function": arn.rsplit(":", 1)[-1],
                    "version": version,
                    "idle": len(pool.idle),
                    "busy": pool.busy,
                }
                for (arn, version), pool in self._pools.items()
                if pool.idle or pool.busy
            ]

    def shutdown(self) -> None:
        with self._cond:
            self._closed = True
            environments = [env for pool in self._pools.values() for env in pool.idle]
            self._pools.clear()
            self._live = 0
            self._cond.notify_all()
        for environment in environments:
            environment.kill()
        self._async.shutdown(wait=False, cancel_futures=True)

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
        """Kill every idle environment (the local cloud was reset)."""
        with self._cond:
            environments = [env for pool in self._pools.values() for env in pool.idle]
            for pool in self._pools.values():
                pool.idle.clear()
            self._live -= len(environments)
            self._cond.notify_all()
        for environment in environments:
            environment.kill()

    # -- environments --------------------------------------------------------------------

    def _acquire(self, spec: FunctionSpec, *, wait: bool) -> ExecutionEnvironment:
        retired: list[ExecutionEnvironment] = []
        # AWS throttles at once when the account's concurrency is used up. The local cap is a
        # laptop's limit, not AWS's, so a synchronous invoke waits a while for room first.
        give_up_at = time.monotonic() + C.LOCAL_CAPACITY_WAIT_SECONDS
        with self._cond:
            while True:
                pool = self._pools.get(spec.pool_key)
                if pool is not None and pool.fingerprint != spec.fingerprint:
                    # New code or configuration: idle environments of the old one retire now,
                    # busy ones when they finish.
                    retired.extend(pool.idle)
                    self._live -= len(pool.idle)
                    pool = _Pool(spec.fingerprint, busy=pool.busy)
                    self._pools[spec.pool_key] = pool
                if pool is None:
                    pool = self._pools[spec.pool_key] = _Pool(spec.fingerprint)
                # Reserved concurrency caps running invokes, warm environments or not.
                if spec.reserved_concurrency is not None and pool.busy >= spec.reserved_concurrency:
                    if not wait:
                        self._kill_later(retired)
                        raise ThrottledError("Rate Exceeded.")
                    self._cond.wait(timeout=1.0)
                    if self._closed:
                        raise ThrottledError("The local cloud is shutting down.")
                    continue
                while pool.idle:
                    environment = pool.idle.pop()
                    if environment.alive:
                        pool.busy += 1
                        self._kill_later(retired)
                        return environment
                    self._live -= 1
                if self._live < self.max_environments or self._evict_one_idle(retired):
                    pool.busy += 1
                    self._live += 1
                    break
                if not wait and time.monotonic() >= give_up_at:
                    self._kill_later(retired)
                    raise ThrottledError(
                        f"Rate Exceeded. The local cloud runs at most {self.max_environments} "
                        f"execution environments at once and all of them stayed busy for "
                        f"{C.LOCAL_CAPACITY_WAIT_SECONDS:g} s (raise {C.ENV_MAX_ENVIRONMENTS} "
                        "to allow more)."
                    )
                self._cond.wait(timeout=1.0)
                if self._closed:
                    raise ThrottledError("The local cloud is shutting down.")
        self._kill_later(retired)
        try:
            return self._cold_start(spec)
        except BaseException:
            with self._cond:
                pool.busy -= 1
                self._live -= 1
                self._cond.notify_all()
            raise

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
        )
        environment.start()
        return environment

    def _release(self, spec: FunctionSpec, environment: ExecutionEnvironment) -> None:
        keep = False
        with self._cond:
            pool = self._pools.get(spec.pool_key)
            if pool is not None:
                pool.busy -= 1
                keep = (
                    environment.alive
                    and environment.init_error is None
                    and pool.fingerprint == environment.fingerprint
                    and not self._closed
                )
                if keep:
                    pool.idle.append(environment)
            if not keep:
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

    def _run_event(self, spec: FunctionSpec, event: bytes) -> None:
        # AWS retries a failed asynchronous invoke twice, after about one and two minutes.
        for attempt in range(spec.async_max_retries + 1):
            if self._closed:
                return
            try:
                outcome = self.invoke(spec, event, wait_for_capacity=True)
            except ThrottledError:
                return
            if not outcome.failed:
                return
            if attempt < spec.async_max_retries:
                time.sleep(60.0 * (attempt + 1) * self._time_scale())
