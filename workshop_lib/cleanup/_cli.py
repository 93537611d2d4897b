"""`workshop cleanup`: delete everything the workbook created in the current mode."""

from __future__ import annotations

import argparse
import os

from .. import constants as C


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cleanup",
        help="delete everything the workbook created (stacks, buckets, functions, logs...)",
        description="Delete every stack and resource tagged by the workbook in the current "
        "mode, buckets emptied first (all versions), then check that nothing is left.",
    )
    parser.add_argument("--mode", choices=C.MODES, default=None)
    parser.add_argument("--yes", action="store_true", help="do not ask (aws mode)")
    parser.add_argument(
        "--everyone",
        action="store_true",
        help="aws mode: every learner's resources in the account, not only yours (instructors)",
    )
    parser.set_defaults(func=_cleanup)


def _cleanup(args: argparse.Namespace) -> int:
    if args.mode:
        os.environ[C.ENV_MODE] = args.mode
    from .. import clients
    from ..learner import current
    from ._cleanup import cleanup
    from ._resources import find_all

    if clients.resolve_mode() == C.MODE_OFFLINE:
        from ..cloud import require_running

        require_running()
    elif not args.yes:
        found = find_all(everyone=args.everyone).resources
        whose = "every learner's" if args.everyone else f"yours ({current().prefix})"
        print(f"In {clients.resolve_target()}: {len(found)} resource(s) of {whose} to delete:")
        for resource in found:
            print(f"  - {resource}")
        if input("Delete them all? Type 'yes': ").strip().lower() != "yes":
            print("Nothing was deleted.")
            return 1
    report = cleanup(everyone=args.everyone)
    print(report)
    return 0 if report.clean else 1
