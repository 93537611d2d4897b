"""`workshop cost ...`: price Lambda and Step Functions usage from the command line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from ..display import number, text_table, usd
from ..pricing import ARCHITECTURES
from ._lambda import LambdaCost, lambda_cost
from ._measured import REQUEST_MODES
from ._measured_workflow import measure_app
from ._stepfunctions import WORKFLOW_TYPES, StepFunctionsCost, stepfunctions_cost


def register(subparsers: Any) -> None:
    """Add `cost` and its subcommands to the `workshop` command."""
    parser = subparsers.add_parser(
        "cost",
        help="estimate what Lambda and Step Functions usage costs (us-east-1 list prices)",
        description="Estimate costs from the workbook's price data (data/pricing), "
        "where every price has a source and a status.",
    )
    parser.set_defaults(func=lambda args: _no_subcommand(parser))
    commands = parser.add_subparsers(dest="cost_command", metavar="WHAT")
    for add_subcommand in _SUBCOMMANDS:
        add_subcommand(commands)


def _no_subcommand(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


# -- workshop cost lambda --------------------------------------------------------------------


def _add_lambda(commands: Any) -> None:
    parser = commands.add_parser(
        "lambda",
        help="cost of Lambda invocations",
        description="Requests + duration (GB-seconds, rounded up to 1 ms per invocation).",
    )
    parser.add_argument("--memory", type=int, required=True, metavar="MB", help="memory size")
    parser.add_argument(
        "--duration-ms", type=float, required=True, metavar="D", help="duration of one invocation"
    )
    parser.add_argument(
        "--invocations", type=_count, required=True, metavar="N", help="invocations (e.g. 60e6)"
    )
    parser.add_argument("--arch", choices=ARCHITECTURES, default="x86_64")
    parser.add_argument(
        "--free-tier", action="store_true", help="take off the monthly free tier first"
    )
    _add_json_flag(parser)
    parser.set_defaults(func=_run_lambda)


def _run_lambda(args: argparse.Namespace) -> int:
    result = lambda_cost(
        memory_mb=args.memory,
        duration_ms=args.duration_ms,
        invocations=args.invocations,
        arch=args.arch,
        free_tier=args.free_tier,
    )
    _print(result, args.json, _lambda_rows)
    return 0


def _lambda_rows(result: LambdaCost) -> list[tuple[str, str]]:
    return [
        ("memory", f"{result.memory_mb} MB ({result.arch})"),
        ("billed duration", f"{number(result.billed_duration_ms)} ms per invocation"),
        ("invocations", number(result.invocations)),
        ("GB-seconds", number(result.gb_seconds)),
        ("free tier", "applied" if result.free_tier else "not applied"),
        ("request_cost", usd(result.request_cost)),
        ("duration_cost", usd(result.duration_cost)),
        ("total_cost", usd(result.total_cost)),
    ]


# -- workshop cost stepfunctions ---------------------------------------------------------------


def _add_stepfunctions(commands: Any) -> None:
    parser = commands.add_parser(
        "stepfunctions",
        help="cost of Step Functions executions",
        description="Standard: per state transition. Express: per request + GB-seconds "
        "(duration rounded up to 100 ms, memory to 64 MB).",
    )
    parser.add_argument("--type", choices=WORKFLOW_TYPES, required=True, dest="workflow_type")
    parser.add_argument("--executions", type=_count, required=True, metavar="N")
    parser.add_argument("--transitions", type=_count, metavar="T", help="per execution (Standard)")
    parser.add_argument("--duration-ms", type=float, metavar="D", help="per execution (Express)")
    parser.add_argument("--memory-mb", type=float, metavar="M", help="per execution (Express)")
    parser.add_argument(
        "--free-tier", action="store_true", help="take off the monthly free tier first"
    )
    _add_json_flag(parser)
    parser.set_defaults(func=_run_stepfunctions)


def _run_stepfunctions(args: argparse.Namespace) -> int:
    result = stepfunctions_cost(
        args.workflow_type,
        executions=args.executions,
        transitions=args.transitions,
        duration_ms=args.duration_ms,
        memory_mb=args.memory_mb,
        free_tier=args.free_tier,
    )
    _print(result, args.json, _stepfunctions_rows)
    return 0


def _stepfunctions_rows(result: StepFunctionsCost) -> list[tuple[str, str]]:
    rows = [("type", result.type), ("executions", number(result.executions))]
    if result.type == "standard":
        rows += [
            ("transitions", f"{number(result.transitions_per_execution or 0)} per execution"),
            ("billable transitions", number(result.billable_transitions)),
            ("transition_cost", usd(result.transition_cost)),
        ]
    else:
        rows += [
            ("billed duration", f"{number(result.billed_duration_ms or 0)} ms per execution"),
            ("billed memory", f"{number(result.billed_memory_mb or 0)} MB"),
            ("GB-seconds", number(result.gb_seconds)),
            ("request_cost", usd(result.request_cost)),
            ("duration_cost", usd(result.duration_cost)),
        ]
    rows += [
        ("free tier", "applied" if result.free_tier else "not applied"),
        ("total_cost", usd(result.total_cost)),
    ]
    return rows


# -- workshop cost workflow APP -----------------------------------------------------------------


def _add_workflow(commands: Any) -> None:
    parser = commands.add_parser(
        "workflow",
        help="cost of a deployed app's executions, measured in the current cloud",
        description="Measure the latest executions of APP's state machine: transitions from "
        "the history, Lambda billed time from REPORT lines, S3/DynamoDB/SNS requests counted "
        "by the local cloud (offline) or declared in infra/APP/requests.json (aws mode).",
    )
    parser.add_argument("app", metavar="APP", help="santa, images, or an app folder")
    parser.add_argument(
        "--last", type=int, default=5, metavar="N", help="executions to measure (default 5)"
    )
    parser.add_argument(
        "--all", action="store_true", help="measure failed executions too, not only succeeded"
    )
    parser.add_argument(
        "--volume", type=_count, default=1_000_000, metavar="V", help="executions a month"
    )
    parser.add_argument(
        "--requests", choices=REQUEST_MODES, default="auto", help="how to get request counts"
    )
    parser.add_argument(
        "--free-tier", action="store_true", help="apply the free tier to the monthly figure"
    )
    _add_json_flag(parser)
    parser.set_defaults(func=_run_workflow)


def _run_workflow(args: argparse.Namespace) -> int:
    measured = measure_app(
        args.app,
        last=args.last,
        status=None if args.all else "SUCCEEDED",
        requests=args.requests,
    )
    if args.json:
        print(json.dumps(measured.as_dict(args.volume), indent=2))
        return 0
    print(measured)
    print()
    print(measured.cost)
    print()
    print(measured.monthly(args.volume, free_tier=args.free_tier))
    return 0


# -- shared ------------------------------------------------------------------------------------

# Each function adds one `workshop cost <what>` subcommand: an `_add_<what>(commands)` function
# in this module, appended here.
_SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (_add_lambda, _add_stepfunctions, _add_workflow)


def _add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")


def _print(result: Any, as_json: bool, rows: Callable[[Any], list[tuple[str, str]]]) -> None:
    if as_json:
        print(json.dumps(result.as_dict(), indent=2))
        return
    print(text_table(("", "USD, us-east-1 list prices"), rows(result)))
    print(f"Prices of {result.prices_retrieved}; sources: data/pricing/us-east-1.json")


def _count(text: str) -> float:
    """A count such as 60000000, 60_000_000 or 6e7."""
    try:
        value = float(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be zero or more")
    return value
