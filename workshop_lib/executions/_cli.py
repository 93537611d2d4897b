"""`workshop inspect EXECUTION_ARN [--html report.html]`: what happened in one execution."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import arguments
from ._execution import Execution


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="show what happened in one Step Functions execution",
        description="Read an execution's history and print its steps, durations and error. "
        "With --html, write a self-contained report (diagram, steps, events, Lambda logs, "
        "timeline) that opens in any browser without internet.",
    )
    parser.add_argument("execution_arn", help="the execution's ARN (start_execution prints it)")
    parser.add_argument(
        "--html", type=arguments.writable_file, help="write a standalone HTML report to this file"
    )
    parser.add_argument(
        "--express-log-group",
        metavar="GROUP",
        help="for an Express execution: the log group its state machine logs to",
    )
    parser.add_argument(
        "--no-logs", action="store_true", help="do not read Lambda logs from CloudWatch Logs"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.express_log_group:
        execution = Execution.from_express_logs(args.express_log_group, args.execution_arn)
    else:
        execution = Execution.from_arn(args.execution_arn)
    if args.html is None:
        print(execution)
        return 0
    written = execution.save_html(args.html, include_logs=not args.no_logs)
    print(
        f"Wrote {written}: {execution.status}, {len(execution.all_steps())} steps.", file=sys.stderr
    )
    return 0
