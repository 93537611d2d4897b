"""A MODEL of how Lambda's memory setting changes a function's duration, for offline lessons.

What AWS documents: CPU is allocated in proportion to memory, 1,769 MB buys the equivalent of one
vCPU, and the largest size (10,240 MB) has 6 vCPUs. Between those two points we draw a straight
line; below 1,769 MB a function gets that fraction of one vCPU. The rest is our assumption:

* CPU-bound work at a share `s` of one vCPU takes `1/s` as long (so 128 MB is ~14x slower than
  1,769 MB);
* code that runs on one thread cannot use more than one vCPU, so only `parallel_fraction` of the
  work speeds up beyond 1,769 MB (Amdahl's law);
* waiting on the network (`io_ms`) does not change with memory.

Real functions differ: measure before choosing a size. Offline, the local runtime cannot
reproduce Lambda's CPU throttling, which is why the workbook models it.
"""

from __future__ import annotations

from ..pricing import PriceBook, load_prices
from ._errors import require_between, require_non_negative
from ._lambda import check_memory


def vcpu_share(memory_mb: float, prices: PriceBook | None = None) -> float:
    """Modelled vCPUs at `memory_mb`: memory/1,769 up to one vCPU, then linear to 6 at 10,240 MB."""
    book = prices or load_prices()
    lam = book.aws_lambda
    memory = check_memory(memory_mb, book)
    if memory <= lam.one_vcpu_mb:
        return memory / lam.one_vcpu_mb
    extra = (memory - lam.one_vcpu_mb) / (lam.memory_max_mb - lam.one_vcpu_mb)
    return 1.0 + extra * (lam.max_vcpus - 1.0)


def model_duration_ms(
    cpu_ms_at_1_vcpu: float,
    memory_mb: float,
    parallel_fraction: float = 0.0,
    io_ms: float = 0.0,
    prices: PriceBook | None = None,
) -> float:
    """MODELLED duration at `memory_mb` of work that takes `cpu_ms_at_1_vcpu` on one full vCPU.

    `parallel_fraction` is the share of the CPU work that can use several vCPUs at once
    (0 = single-threaded, the usual Python handler). `io_ms` is time spent waiting, which
    memory does not shorten.
    """
    cpu_ms = require_non_negative("cpu_ms_at_1_vcpu", cpu_ms_at_1_vcpu)
    waiting = require_non_negative("io_ms", io_ms)
    parallel = require_between(
        "parallel_fraction",
        parallel_fraction,
        0.0,
        1.0,
        hint="0 means single-threaded code, 1 means work that splits perfectly over all vCPUs.",
    )
    share = vcpu_share(memory_mb, prices)
    serial = (1.0 - parallel) / min(share, 1.0)  # one thread never gets more than one vCPU
    return cpu_ms * (serial + parallel / share) + waiting
