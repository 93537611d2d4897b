"""CPU time of one cold start, read from the kernel's accounting of the processes involved.

A cold invoke costs CPU in the local cloud's server (the request, the runtime's bookkeeping),
in the zygote (the fork) and in the new worker (its set-up and the handler's import). A warm
invoke costs the same request handling without any of the start-up. The cold start's own cost
is the difference: average cold invoke CPU minus average warm invoke CPU, with a handler that
does nothing at import (so the handler's own INIT is not counted).

psutil reads CPU times in clock ticks (often 10 ms), so the figures are averages over many
invokes rather than single readings.
"""

from __future__ import annotations

import uuid
from typing import Any

import psutil

_ZYGOTE_MARK = "_zygote.py"


def _cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def _workers(server: psutil.Process) -> dict[int, psutil.Process]:
    """Every execution environment of the server, forked by its zygote or started directly."""
    found = {}
    for child in server.children(recursive=True):
        try:
            found[child.pid] = child
        except psutil.Error:
            continue
    return found


def _zygote(server: psutil.Process) -> psutil.Process | None:
    for child in server.children():
        try:
            if any(_ZYGOTE_MARK in part for part in child.cmdline()):
                return child
        except psutil.Error:
            continue
    return None


def measure_cold_start_cpu(
    figures: dict[str, float], server_pid: int, lam: Any, role: str, code: bytes, samples: int = 60
) -> None:
    """Adds cold_invoke_cpu_ms, warm_invoke_cpu_ms and their difference, cold_start_cpu_ms,
    and zygote_start_cpu_ms (what the zygote cost once, before the first cold start)."""
    server = psutil.Process(server_pid)
    names = []
    for index in range(samples):
        name = f"cpu-{index}-{uuid.uuid4().hex[:6]}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": code},
        )
        names.append(name)
    lam.invoke(FunctionName=names[0], Payload=b"{}")  # the zygote has finished its imports
    zygote = _zygote(server)
    if zygote is not None:
        # Paid once per local cloud, not per cold start: boto3's import, then one fork.
        figures["zygote_start_cpu_ms"] = _cpu_seconds(zygote) * 1000
    cold_total = 0.0
    for name in names[1:]:
        before = _workers(server)
        spent = _cpu_seconds(server) + (_cpu_seconds(zygote) if zygote else 0.0)
        lam.invoke(FunctionName=name, Payload=b"{}")
        spent = _cpu_seconds(server) + (_cpu_seconds(zygote) if zygote else 0.0) - spent
        # A forked worker's CPU times start at zero: all of it belongs to this cold start.
        new = [p for pid, p in _workers(server).items() if pid not in before]
        cold_total += spent + sum(_cpu_seconds(p) for p in new)
    warm_name = names[-1]
    warm_worker = max(_workers(server).values(), key=lambda p: p.create_time())
    warm_total = 0.0
    for _ in range(samples - 1):
        spent = _cpu_seconds(server) + _cpu_seconds(warm_worker)
        lam.invoke(FunctionName=warm_name, Payload=b"{}")
        warm_total += _cpu_seconds(server) + _cpu_seconds(warm_worker) - spent
    cold_ms = cold_total / (samples - 1) * 1000
    warm_ms = warm_total / (samples - 1) * 1000
    figures["cold_invoke_cpu_ms"] = cold_ms
    figures["warm_invoke_cpu_ms"] = warm_ms
    figures["cold_start_cpu_ms"] = max(0.0, cold_ms - warm_ms)
    for name in names:
        lam.delete_function(FunctionName=name)
