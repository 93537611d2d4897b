"""What Lambda invocations cost: requests, duration (GB-seconds, tiered) and extra /tmp."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..display import TableReport, number, usd
from ..pricing import ARCHITECTURES, PriceBook, TierCharge, load_prices
from ._errors import CostInputError, require_between, require_non_negative

_MS_PER_S = 1000.0
_MB_PER_GB = 1024.0


@dataclass(frozen=True)
class LambdaCost(TableReport):
    """The cost of `invocations` calls of one function configuration in a month."""

    memory_mb: int
    duration_ms: float
    billed_duration_ms: float
    invocations: float
    arch: str
    ephemeral_mb: int
    free_tier: bool
    gb_seconds: float
    billable_requests: float
    billable_gb_seconds: float
    request_cost: float
    duration_cost: float
    storage_cost: float
    duration_tiers: tuple[TierCharge, ...]
    prices_retrieved: str

    @property
    def total_cost(self) -> float:
        return self.request_cost + self.duration_cost + self.storage_cost

    @property
    def per_invocation(self) -> float:
        return self.total_cost / self.invocations if self.invocations else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_tiers"] = [
            {"start": t.start, "end": t.end, "gb_seconds": t.quantity, "price": t.price}
            for t in self.duration_tiers
        ]
        data.update(currency="USD", total_cost=self.total_cost, per_invocation=self.per_invocation)
        return data

    def _rows(self) -> list[tuple[str, str, str]]:
        requests = number(self.billable_requests)
        return [
            ("requests", f"{requests} billable requests", usd(self.request_cost)),
            (
                "duration",
                f"{number(self.billable_gb_seconds)} billable GB-s",
                usd(self.duration_cost),
            ),
            ("ephemeral storage", f"{self.ephemeral_mb} MB /tmp", usd(self.storage_cost)),
        ]

    def _title(self) -> str:
        return (
            f"Lambda: {number(self.invocations)} invocations x {number(self.billed_duration_ms)} ms"
            f" billed x {self.memory_mb} MB ({self.arch})"
        )

    def _notes(self) -> list[str]:
        notes = [
            f"{number(self.gb_seconds)} GB-seconds in total; prices of {self.prices_retrieved}."
        ]
        notes.append(
            "Free tier applied (1 month, this function alone)."
            if self.free_tier
            else "No free tier applied."
        )
        if len(self.duration_tiers) > 1:
            notes.append("Usage crosses a price tier: later GB-seconds are cheaper.")
        return notes

    HEADERS = ("part", "usage", "cost")

    def _footer(self) -> tuple[str, str, str]:
        return ("total", "", usd(self.total_cost))


def lambda_cost(
    memory_mb: int,
    duration_ms: float,
    invocations: float,
    arch: str = "x86_64",
    ephemeral_mb: int | None = None,
    free_tier: bool = False,
    prices: PriceBook | None = None,
) -> LambdaCost:
    """Price `invocations` of a function with `memory_mb` that runs `duration_ms` each time.

    The duration is rounded up to Lambda's billing step (1 ms) per invocation. Duration prices
    fall in tiers as monthly GB-seconds grow; the tiers count this usage alone. With
    `free_tier=True` the monthly free requests and GB-seconds are taken off first (as if this
    were the account's only function). `ephemeral_mb` above the included 512 MB costs extra.
    """
    book = prices or load_prices()
    lam = book.aws_lambda
    memory = check_memory(memory_mb, book)
    arch = check_arch(arch)
    storage_mb = lam.ephemeral_included_mb if ephemeral_mb is None else ephemeral_mb
    require_between(
        "ephemeral_mb",
        storage_mb,
        lam.ephemeral_included_mb,
        lam.ephemeral_max_mb,
        hint="/tmp can be set from 512 MB to 10,240 MB; the first 512 MB are free.",
    )
    billed_ms = billed_duration_ms(duration_ms, book)
    count = require_non_negative("invocations", invocations)

    gb_seconds = count * gb_seconds_per_invoke(memory, billed_ms)
    storage_gb_s = (
        count * billed_ms / _MS_PER_S * (storage_mb - lam.ephemeral_included_mb) / _MB_PER_GB
    )
    charges = lambda_charges(
        book,
        requests=count,
        gb_seconds_by_arch={arch: gb_seconds},
        storage_gb_seconds=storage_gb_s,
        free_tier=free_tier,
    )
    return LambdaCost(
        memory_mb=int(memory),
        duration_ms=float(duration_ms),
        billed_duration_ms=billed_ms,
        invocations=count,
        arch=arch,
        ephemeral_mb=int(storage_mb),
        free_tier=free_tier,
        gb_seconds=gb_seconds,
        billable_requests=charges.billable_requests,
        billable_gb_seconds=charges.billable_gb_seconds,
        request_cost=charges.request_cost,
        duration_cost=charges.duration_cost,
        storage_cost=charges.storage_cost,
        duration_tiers=charges.tiers,
        prices_retrieved=book.retrieved,
    )


# -- shared pieces (also used by the workflow and power-tuning models) -------------------------


@dataclass(frozen=True)
class LambdaCharges:
    billable_requests: float
    billable_gb_seconds: float
    request_cost: float
    duration_cost: float
    storage_cost: float
    tiers: tuple[TierCharge, ...]


def lambda_charges(
    book: PriceBook,
    *,
    requests: float,
    gb_seconds_by_arch: Mapping[str, float],
    storage_gb_seconds: float,
    free_tier: bool,
) -> LambdaCharges:
    """Monthly Lambda charges for usage already added up per architecture.

    Tiers count GB-seconds per architecture. The free GB-seconds are the month's first ones, so
    they come off the first band; when both architectures are used the allowance goes to x86
    first (AWS does not say how it is shared, see the price data's note).
    """
    lam = book.aws_lambda
    free_requests = lam.free_requests if free_tier else 0.0
    free_gb_s = lam.free_gb_seconds if free_tier else 0.0
    billable_requests = max(0.0, requests - free_requests)
    tiers: list[TierCharge] = []
    billable_gb_s = 0.0
    for arch in ARCHITECTURES:
        used = gb_seconds_by_arch.get(arch, 0.0)
        covered = min(used, free_gb_s)
        free_gb_s -= covered
        tiers.extend(lam.duration[arch].split(used - covered, already_used=covered))
        billable_gb_s += used - covered
    return LambdaCharges(
        billable_requests=billable_requests,
        billable_gb_seconds=billable_gb_s,
        request_cost=billable_requests * lam.request,
        duration_cost=sum(t.cost for t in tiers),
        storage_cost=storage_gb_seconds * lam.ephemeral_storage,
        tiers=tuple(tiers),
    )


def billed_duration_ms(duration_ms: float, book: PriceBook) -> float:
    """`duration_ms` rounded up to Lambda's billing granularity."""
    require_non_negative("duration_ms", duration_ms)
    lam = book.aws_lambda
    if duration_ms > lam.timeout_max_s * _MS_PER_S:
        raise CostInputError(
            f"duration_ms={duration_ms:g} is longer than Lambda's maximum timeout "
            f"({lam.timeout_max_s:g} s).",
            hint="Give the duration of one invocation in milliseconds.",
        )
    step = lam.billing_granularity_ms
    # Round first so that 28.000000001 (float noise) is not billed as 29 ms.
    return math.ceil(round(duration_ms / step, 6)) * step


def gb_seconds_per_invoke(memory_mb: float, billed_ms: float) -> float:
    return billed_ms / _MS_PER_S * memory_mb / _MB_PER_GB


def check_memory(memory_mb: float, book: PriceBook) -> float:
    lam = book.aws_lambda
    hint = (
        f"Lambda memory goes from {lam.memory_min_mb:g} MB to {lam.memory_max_mb:,.0f} MB "
        "in 1 MB steps."
    )
    require_between("memory_mb", memory_mb, lam.memory_min_mb, lam.memory_max_mb, hint)
    if not float(memory_mb).is_integer():
        raise CostInputError(f"memory_mb must be a whole number of MB, not {memory_mb!r}.", hint)
    return float(memory_mb)


def check_arch(arch: str) -> str:
    if arch not in ARCHITECTURES:
        raise CostInputError(
            f"Unknown architecture {arch!r}.",
            hint=f"Lambda offers {' and '.join(ARCHITECTURES)} (Arm is billed 20% less).",
        )
    return arch
