"""Exercises of notebook 08 (scaling and costs): a Lambda bill, and Standard against Express.

The learner writes small cost functions from the price book (`load_prices()`); the checkers
call them on a few months of use and compare with `workshop_lib.costs` (`lambda_cost`,
`stepfunctions_cost`), which read the same price data. When an answer is off, the checker
re-prices the month with each classic slip (the request fee left out, milliseconds read as
seconds, MB taken for GB, a free tier nobody asked for, Express's rounding forgotten) and names
the slips that give the learner's number.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..costs import lambda_cost, stepfunctions_cost
from ..pricing import PriceBook, load_prices
from ._checks import call_learner, defined, learner_function, number_from
from ._exercise import Exercise, Mistake

NOTEBOOK = "08_scaling_and_costs"
_ARCH = "x86_64"
_REL_TOLERANCE = 1e-3
"""A tenth of a percent: prices typed with fewer digits still pass, a slip does not."""
_MB_PER_GB = 1024


def _close(answer: float, expected: float) -> bool:
    return math.isclose(answer, expected, rel_tol=_REL_TOLERANCE, abs_tol=1e-12)


def _usd(amount: float) -> str:
    """Dollars and cents; tiny amounts (a price per request) with two significant digits."""
    if amount and abs(amount) < 0.01:
        return f"${amount:.{1 - math.floor(math.log10(abs(amount)))}f}"
    return f"${amount:,.2f}"


@dataclass(frozen=True)
class _Slip:
    """One classic mistake: what it changes in the arithmetic, and what to tell the learner."""

    key: str
    message: str


def _diagnose(
    answer: float,
    variants: Iterable[tuple[frozenset[str], float]],
    slips: dict[str, str],
    shown: str,
) -> None:
    """Name the fewest slips that give `answer`, if any do; the caller explains otherwise."""
    for keys, amount in sorted(variants, key=lambda variant: len(variant[0])):
        if keys and _close(answer, amount):
            told = [slips[key] for key in sorted(keys, key=list(slips).index)]
            joined = "; and ".join(told)
            raise Mistake(f"{shown} returned {_usd(answer)}: {joined}.")


def _check_not_rounded(answer: float, expected: float, shown: str) -> None:
    for digits in (0, 2):
        if answer != expected and _close(answer, round(expected, digits)):
            raise Mistake(
                f"{shown} returned {answer:g}, the bill rounded to {digits or 'whole'} "
                f"{'decimals' if digits else 'dollars'}: {expected!r} exactly. Return the "
                'number as it is; round only when you print it (f"{cost:,.2f}").'
            )


def _combinations(choices: dict[str, Sequence[str]]) -> Iterable[dict[str, str]]:
    """Every way of picking one option per dimension; the first option is the right one."""
    names = list(choices)
    for picked in itertools.product(*(choices[name] for name in names)):
        yield dict(zip(names, picked, strict=True))


def _slips_in(picked: dict[str, str], choices: dict[str, Sequence[str]]) -> frozenset[str]:
    return frozenset(option for name, option in picked.items() if option != choices[name][0])


# -- exercise 1: a month of one Lambda function -------------------------------------------------


@dataclass(frozen=True)
class _LambdaMonth:
    """A month of one function: how many invocations, its memory and each one's duration."""

    invocations: int
    memory_mb: int
    duration_ms: int

    @property
    def call(self) -> str:
        return f"lambda_bill({self.invocations:_}, {self.memory_mb}, {self.duration_ms})"


_LAMBDA_MONTHS = (
    _LambdaMonth(invocations=5_000_000, memory_mb=1024, duration_ms=180),
    _LambdaMonth(invocations=60_000_000, memory_mb=1024, duration_ms=28),
    _LambdaMonth(invocations=20_000, memory_mb=128, duration_ms=40),
)
"""Uploads validated for a month; AWS's own worked example (60 million 28 ms calls at 1 GB); a
quiet month of a small function, where the request fee is most of the bill."""

_LAMBDA_CHOICES: dict[str, Sequence[str]] = {
    "time": ("ms", "seconds"),
    "memory": ("GiB", "decimal GB", "MB as GB"),
    "requests": ("with requests", "no requests"),
    "duration": ("with duration", "no duration"),
    "free tier": ("no free tier", "free tier"),
}


def _lambda_slips(month: _LambdaMonth, book: PriceBook) -> dict[str, str]:
    lam = book.aws_lambda
    return {
        "no requests": "the request fee is missing: every invocation also costs "
        f"{_usd(lam.request)} (book.value('lambda.request')), however short it is",
        "seconds": f"the duration went in as seconds: {month.duration_ms} ms is "
        f"{month.duration_ms / 1000:g} s, so divide by 1000",
        "decimal GB": f"the memory was divided by 1000: Lambda's GB is {_MB_PER_GB} MB, so "
        f"{month.memory_mb} MB is {month.memory_mb / _MB_PER_GB:g} GB",
        "MB as GB": f"the memory went in as {month.memory_mb} GB: the price is per GB-second, "
        f"so divide the MB by {_MB_PER_GB}",
        "no duration": "only the requests are priced: add the duration, GB-seconds "
        "(invocations x seconds x GB) times the price per GB-second",
        "free tier": f"the free tier ({lam.free_requests:,.0f} requests and "
        f"{lam.free_gb_seconds:,.0f} GB-seconds a month) was taken off, but this bill is "
        "without it (other functions may use it up)",
        "one invocation": "that is one invocation's cost: multiply by the number of invocations",
    }


def _lambda_variants(month: _LambdaMonth, book: PriceBook) -> list[tuple[frozenset[str], float]]:
    """The bill of `month` with every combination of slips, at the first-tier prices a learner
    multiplies by (the empty combination is the right bill)."""
    lam = book.aws_lambda
    variants = []
    for picked in _combinations(_LAMBDA_CHOICES):
        if picked["duration"] == "no duration" and (
            picked["time"] != "ms" or picked["memory"] != "GiB"
        ):
            continue  # without a duration, its unit mistakes change nothing
        seconds = month.duration_ms / (1 if picked["time"] == "seconds" else 1000)
        gb = (
            month.memory_mb
            / {"GiB": _MB_PER_GB, "decimal GB": 1000, "MB as GB": 1}[picked["memory"]]
        )
        with_duration = picked["duration"] == "with duration"
        gb_seconds = month.invocations * seconds * gb if with_duration else 0.0
        requests = month.invocations if picked["requests"] == "with requests" else 0
        if picked["free tier"] == "free tier":
            requests = max(0, requests - lam.free_requests)
            gb_seconds = max(0.0, gb_seconds - lam.free_gb_seconds)
        bill = requests * lam.request + gb_seconds * lam.duration[_ARCH].first
        variants.append((_slips_in(picked, _LAMBDA_CHOICES), bill))
    right = lambda_cost(month.memory_mb, month.duration_ms, month.invocations).total_cost
    variants.append((frozenset({"one invocation"}), right / month.invocations))
    return variants


def _check_lambda_bill(answer: Any) -> str:
    bill = learner_function(answer, "lambda_bill", "invocations, memory_mb, duration_ms")
    book = load_prices()
    for month in _LAMBDA_MONTHS:
        expected = lambda_cost(month.memory_mb, month.duration_ms, month.invocations)
        shown = month.call
        got = number_from(
            call_learner(bill, month.invocations, month.memory_mb, month.duration_ms, shown=shown),
            shown,
        )
        if _close(got, expected.total_cost):
            continue
        _check_not_rounded(got, expected.total_cost, shown)
        _diagnose(got, _lambda_variants(month, book), _lambda_slips(month, book), shown)
        raise Mistake(
            f"{shown} returned {_usd(got)}, but the bill is {_usd(expected.total_cost)}: "
            f"{_usd(expected.request_cost)} for {month.invocations:,} requests, plus "
            f"{_usd(expected.duration_cost)} for {expected.gb_seconds:,.0f} GB-seconds "
            f"(invocations x seconds x GB, with GB = MB / {_MB_PER_GB})."
        )
    first = lambda_cost(
        _LAMBDA_MONTHS[0].memory_mb, _LAMBDA_MONTHS[0].duration_ms, _LAMBDA_MONTHS[0].invocations
    )
    return (
        f"the same bills as lambda_cost for {len(_LAMBDA_MONTHS)} different months; for "
        f"{_LAMBDA_MONTHS[0].invocations:,} validations that is {_usd(first.total_cost)}, of "
        f"which the requests are {_usd(first.request_cost)}."
    )


_LAMBDA_BILL = """def lambda_bill(invocations, memory_mb, duration_ms):
    gb_seconds = invocations * (duration_ms / 1000) * (memory_mb / 1024)
    requests = invocations * book.value("lambda.request")
    duration = gb_seconds * book.value("lambda.duration.x86_64")
    return requests + duration
"""


def _lambda_bill() -> Callable[..., Any]:
    return defined(_LAMBDA_BILL, "lambda_bill", book=load_prices())


def _bill_with(**slips: bool) -> Callable[[int, int, int], float]:
    """A learner's function that makes the given slips (for the checker's own proof)."""
    book = load_prices()

    def bill(invocations: int, memory_mb: int, duration_ms: int) -> float:
        seconds = duration_ms if slips.get("seconds") else duration_ms / 1000
        gb = memory_mb / (1000 if slips.get("decimal") else 1 if slips.get("mb") else 1024)
        total = invocations * seconds * gb * book.value("lambda.duration.x86_64")
        if not slips.get("no_requests"):
            total += invocations * book.value("lambda.request")
        return total

    return bill


lambda_bill = Exercise(
    key="lambda_bill",
    notebook=NOTEBOOK,
    title="A month of one Lambda function",
    checker=_check_lambda_bill,
    hints=[
        "A Lambda bill has two parts: a fee per request, and the duration priced per "
        "GB-second (memory in GB times seconds of work, added up over all invocations).",
        "Convert first: seconds = duration_ms / 1000, and GB = memory_mb / 1024. The prices "
        "are book.value('lambda.request') and book.value('lambda.duration.x86_64').",
        "invocations x price per request, plus invocations x seconds x GB x price per "
        "GB-second. No free tier, and no rounding: return the number as it is.",
    ],
    solution_code=_LAMBDA_BILL,
    solution_value=_lambda_bill,
    known_wrong=[
        (_bill_with(no_requests=True), "the request fee is missing"),
        (_bill_with(seconds=True), "went in as seconds"),
        (_bill_with(decimal=True), "divided by 1000"),
        (_bill_with(mb=True), "went in as 1024 GB"),
        (_bill_with(seconds=True, no_requests=True), "as seconds: 180 ms is 0.18 s"),
        (
            lambda invocations, memory_mb, duration_ms: (
                lambda_cost(memory_mb, duration_ms, invocations, free_tier=True).total_cost
            ),
            "free tier",
        ),
        (
            lambda invocations, memory_mb, duration_ms: (
                lambda_cost(memory_mb, duration_ms, invocations).per_invocation
            ),
            "one invocation's cost",
        ),
        (
            lambda invocations, memory_mb, duration_ms: (
                invocations * load_prices().value("lambda.request")
            ),
            "only the requests",
        ),
        (
            lambda invocations, memory_mb, duration_ms: round(
                _bill_with()(invocations, memory_mb, duration_ms), 2
            ),
            "round only when you print",
        ),
        (lambda invocations, memory_mb, duration_ms: f"${_lambda_bill()(1, 1, 1)}", "no $ sign"),
        (lambda invocations, memory_mb: 0.0, "could not be called"),
        (_bill_with()(5_000_000, 1024, 180), "without parentheses"),
    ],
)


# -- exercise 2: Standard or Express? -----------------------------------------------------------


@dataclass(frozen=True)
class _WorkflowMonth:
    """A month of one workflow: executions, transitions each, and each one's duration and
    memory as Express would measure them."""

    executions: int
    transitions: int
    duration_ms: int
    memory_mb: int

    @property
    def call(self) -> str:
        return (
            f"workflow_costs({self.executions:_}, {self.transitions}, {self.duration_ms}, "
            f"{self.memory_mb})"
        )


_WORKFLOW_MONTHS = (
    _WorkflowMonth(executions=1_000_000, transitions=9, duration_ms=430, memory_mb=80),
    _WorkflowMonth(executions=10_000, transitions=4, duration_ms=61_250, memory_mb=1_000),
    _WorkflowMonth(executions=50_000, transitions=6, duration_ms=100, memory_mb=64),
)
"""Durations and memory chosen so that forgetting to round up, or rounding to the nearest step,
gives a different bill; the second month's executions last a minute, and Standard wins it."""

_STANDARD_CHOICES: dict[str, Sequence[str]] = {
    "executions": ("times executions", "one execution"),
    "transitions": ("times transitions", "no transitions"),
    "free tier": ("no free tier", "free tier"),
}
_EXPRESS_CHOICES: dict[str, Sequence[str]] = {
    "duration": ("duration rounded up", "duration not rounded", "duration rounded to nearest"),
    "memory": ("memory rounded up", "memory not rounded", "memory rounded to nearest"),
    "requests": ("with requests", "no requests"),
    "unit": ("GB-hours", "GB-hour price per GB-second", "seconds"),
    "gigabyte": ("GiB", "decimal GB"),
}


def _step(value: float, step: float, how: str) -> float:
    if how.endswith("rounded up"):
        return math.ceil(round(value / step, 6)) * step
    if how.endswith("rounded to nearest"):
        return max(1, round(value / step)) * step
    return value


def _standard_variants(
    month: _WorkflowMonth, book: PriceBook
) -> list[tuple[frozenset[str], float]]:
    sfn = book.step_functions
    variants = []
    for picked in _combinations(_STANDARD_CHOICES):
        count = month.executions if picked["executions"] == "times executions" else 1
        each = month.transitions if picked["transitions"] == "times transitions" else 1
        free = sfn.standard_free_transitions if picked["free tier"] == "free tier" else 0
        amount = max(0.0, count * each - free) * sfn.standard_transition
        variants.append((_slips_in(picked, _STANDARD_CHOICES), amount))
    return variants


def _express_variants(month: _WorkflowMonth, book: PriceBook) -> list[tuple[frozenset[str], float]]:
    sfn = book.step_functions
    variants = []
    for picked in _combinations(_EXPRESS_CHOICES):
        billed_ms = _step(month.duration_ms, sfn.express_duration_step_ms, picked["duration"])
        billed_mb = _step(month.memory_mb, sfn.express_memory_step_mb, picked["memory"])
        seconds = billed_ms / (1 if picked["unit"] == "seconds" else 1000)
        gb = billed_mb / (1000 if picked["gigabyte"] == "decimal GB" else _MB_PER_GB)
        gb_seconds = month.executions * seconds * gb
        hours = gb_seconds if picked["unit"] == "GB-hour price per GB-second" else gb_seconds / 3600
        duration = hours * sfn.express_gb_hour.first
        requests = month.executions * sfn.express_request
        amount = duration + (requests if picked["requests"] == "with requests" else 0.0)
        variants.append((_slips_in(picked, _EXPRESS_CHOICES), amount))
    return variants


def _workflow_slips(month: _WorkflowMonth, book: PriceBook) -> dict[str, str]:
    sfn = book.step_functions
    billed_ms = _step(month.duration_ms, sfn.express_duration_step_ms, "rounded up")
    billed_mb = _step(month.memory_mb, sfn.express_memory_step_mb, "rounded up")
    ms_step, mb_step = f"{sfn.express_duration_step_ms:g}", f"{sfn.express_memory_step_mb:g}"
    return {
        "one execution": "Standard's cost is for one execution only: multiply by executions",
        "no transitions": "Standard is billed per state transition: executions x transitions "
        "x the price of one",
        "free tier": f"the free tier ({sfn.standard_free_transitions:,.0f} transitions a month) "
        "was taken off Standard, but these costs are without it",
        "duration not rounded": f"Express bills the duration rounded up to the next {ms_step} "
        f"ms: {month.duration_ms} ms is billed as {billed_ms:g} ms "
        f"(math.ceil(duration_ms / {ms_step}) * {ms_step})",
        "duration rounded to nearest": f"the duration was rounded to the nearest {ms_step} ms, "
        f"but AWS rounds up: {month.duration_ms} ms is billed as {billed_ms:g} ms (math.ceil)",
        "memory not rounded": f"Express bills memory in {mb_step} MB steps, rounded up: "
        f"{month.memory_mb} MB is billed as {billed_mb:g} MB",
        "memory rounded to nearest": f"the memory was rounded to the nearest {mb_step} MB, but "
        f"AWS rounds up: {month.memory_mb} MB is billed as {billed_mb:g} MB (math.ceil)",
        "no requests": f"Express's request fee is missing: each execution costs "
        f"{_usd(sfn.express_request)} to start, on top of its duration",
        "GB-hour price per GB-second": "the duration price is per GB-hour: divide the "
        "GB-seconds by 3600, or use book.value('stepfunctions.express.duration.gb_second')",
        "seconds": f"the duration went in as seconds: {month.duration_ms} ms is "
        f"{month.duration_ms / 1000:g} s",
        "decimal GB": f"the memory was divided by 1000: a GB is {_MB_PER_GB} MB here",
    }


def _pair_of_costs(value: Any, shown: str) -> tuple[float, float]:
    if isinstance(value, dict) or not isinstance(value, tuple | list) or len(value) != 2:
        raise Mistake(
            f"{shown} returned {value!r}. Return two numbers, Standard's cost first: "
            "return standard, express."
        )
    return number_from(value[0], shown), number_from(value[1], shown)


def _check_workflow_costs(answer: Any) -> str:
    costs = learner_function(
        answer, "workflow_costs", "executions, transitions, duration_ms, memory_mb"
    )
    book = load_prices()
    verdicts = []
    for month in _WORKFLOW_MONTHS:
        shown = month.call
        standard, express = _pair_of_costs(
            call_learner(
                costs,
                month.executions,
                month.transitions,
                month.duration_ms,
                month.memory_mb,
                shown=shown,
            ),
            shown,
        )
        right_standard = stepfunctions_cost(
            "standard", month.executions, transitions=month.transitions
        )
        right_express = stepfunctions_cost(
            "express", month.executions, duration_ms=month.duration_ms, memory_mb=month.memory_mb
        )
        want = (right_standard.total_cost, right_express.total_cost)
        mixed_up = _close(standard, want[1]) and _close(express, want[0])
        if mixed_up and not (_close(standard, want[0]) and _close(express, want[1])):
            raise Mistake(f"{shown} has the two costs the wrong way round: Standard first.")
        slips = _workflow_slips(month, book)
        if not _close(standard, want[0]):
            _check_not_rounded(standard, want[0], f"{shown}'s Standard")
            _diagnose(standard, _standard_variants(month, book), slips, f"{shown}'s Standard")
            raise Mistake(
                f"{shown}'s Standard cost is {_usd(standard)}, but {month.executions:,} x "
                f"{month.transitions} transitions cost {_usd(want[0])}."
            )
        if not _close(express, want[1]):
            _check_not_rounded(express, want[1], f"{shown}'s Express")
            _diagnose(express, _express_variants(month, book), slips, f"{shown}'s Express")
            raise Mistake(
                f"{shown}'s Express cost is {_usd(express)}, but it is {_usd(want[1])}: "
                f"{_usd(right_express.request_cost)} of requests plus "
                f"{_usd(right_express.duration_cost)} for {right_express.gb_seconds:,.0f} "
                f"GB-seconds ({right_express.billed_duration_ms:g} ms x "
                f"{right_express.billed_memory_mb:g} MB billed per execution)."
            )
        cheaper = "Express" if want[1] < want[0] else "Standard"
        verdicts.append(f"{cheaper} for {month.duration_ms:,} ms executions")
    return (
        "the same costs as stepfunctions_cost, rounding included. Cheaper: "
        + ", ".join(verdicts)
        + "."
    )


_WORKFLOW_COSTS = """def workflow_costs(executions, transitions, duration_ms, memory_mb):
    standard = executions * transitions * book.value("stepfunctions.standard.transition")
    billed_ms = math.ceil(duration_ms / 100) * 100  # Express rounds up to 100 ms...
    billed_mb = math.ceil(memory_mb / 64) * 64  # ...and to 64 MB
    gb_seconds = executions * (billed_ms / 1000) * (billed_mb / 1024)
    express = (
        executions * book.value("stepfunctions.express.request")
        + gb_seconds * book.value("stepfunctions.express.duration.gb_second")
    )
    return standard, express
"""


def _workflow_costs() -> Callable[..., Any]:
    return defined(_WORKFLOW_COSTS, "workflow_costs", book=load_prices(), math=math)


def _costs_with(**slips: Any) -> Callable[[int, int, int, int], tuple[float, float]]:
    """A learner's function that makes the given slips (for the checker's own proof)."""
    book = load_prices()
    sfn = book.step_functions

    def costs(
        executions: int, transitions: int, duration_ms: int, memory_mb: int
    ) -> tuple[float, float]:
        free = sfn.standard_free_transitions if slips.get("free_tier") else 0
        standard = max(0, executions * transitions - free) * sfn.standard_transition
        billed_ms = _step(duration_ms, sfn.express_duration_step_ms, slips.get("ms", "rounded up"))
        billed_mb = _step(memory_mb, sfn.express_memory_step_mb, slips.get("mb", "rounded up"))
        gb_seconds = executions * billed_ms / 1000 * billed_mb / _MB_PER_GB
        per_gb_second = sfn.express_gb_hour.first / (1 if slips.get("per_hour") else 3600)
        express = gb_seconds * per_gb_second
        if not slips.get("no_requests"):
            express += executions * sfn.express_request
        return standard, express

    return costs


def _swapped(*arguments: int) -> tuple[float, float]:
    standard, express = _workflow_costs()(*arguments)
    return express, standard


workflow_costs = Exercise(
    key="workflow_costs",
    notebook=NOTEBOOK,
    title="Standard or Express?",
    checker=_check_workflow_costs,
    hints=[
        "Standard: executions x transitions x book.value('stepfunctions.standard.transition'). "
        "Express: a fee per execution plus its duration times its memory, in GB-seconds.",
        "Express rounds each execution up: the duration to the next 100 ms, the memory to the "
        "next 64 MB. math.ceil(duration_ms / 100) * 100 does the first.",
        "GB-seconds = executions x (billed_ms / 1000) x (billed_mb / 1024); price them with "
        "book.value('stepfunctions.express.duration.gb_second'), and add executions x "
        "book.value('stepfunctions.express.request'). Return standard, express.",
    ],
    solution_code=_WORKFLOW_COSTS,
    solution_value=_workflow_costs,
    known_wrong=[
        (_costs_with(ms="not rounded"), "billed as 500 ms"),
        (_costs_with(ms="rounded to nearest"), "AWS rounds up"),
        (_costs_with(mb="not rounded"), "80 MB is billed as 128 MB"),
        (_costs_with(mb="rounded to nearest"), "80 MB is billed as 128 MB (math.ceil)"),
        (_costs_with(no_requests=True), "request fee is missing"),
        (_costs_with(per_hour=True), "per GB-hour"),
        (_costs_with(free_tier=True), "free tier"),
        (_costs_with(ms="not rounded", mb="not rounded"), "; and "),
        (_swapped, "wrong way round"),
        (
            lambda executions, transitions, duration_ms, memory_mb: (
                transitions * load_prices().value("stepfunctions.standard.transition"),
                _workflow_costs()(executions, transitions, duration_ms, memory_mb)[1],
            ),
            "one execution only",
        ),
        (
            lambda executions, transitions, duration_ms, memory_mb: {
                "standard": 1.0,
                "express": 2.0,
            },
            "Standard's cost first",
        ),
        (lambda executions, transitions: (0.0, 0.0), "could not be called"),
        ("workflow_costs", "without quotes"),
    ],
)
