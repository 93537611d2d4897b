"""`workshop cloud ...`: start, inspect and stop the local cloud."""

from __future__ import annotations

import argparse
import json
import shlex

from .. import arguments
from .. import constants as C
from ..clients import OFFLINE_UNSET, offline_environment
from . import _control


def register(subparsers: argparse._SubParsersAction) -> None:
    cloud = subparsers.add_parser(
        "cloud",
        help="the offline local cloud on 127.0.0.1",
        description="Start, inspect and stop the local cloud (moto plus a real Lambda runtime).",
    )
    commands = cloud.add_subparsers(dest="cloud_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument(
            "--port",
            type=arguments.port,
            default=None,
            help=f"port on 127.0.0.1 (default: ${C.ENV_CLOUD_PORT} or {C.DEFAULT_CLOUD_PORT})",
        )
        return parser

    start = add("start", "start the local cloud and wait until it answers")
    start.add_argument(
        "--time-scale",
        type=arguments.time_scale,
        default=None,
        help="Retry/Wait speed-up: 0.01 (default) runs them 100x faster, 1 is real time",
    )
    start.set_defaults(func=_start)

    status = add("status", "say whether the local cloud runs, and what it runs")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(func=_status)

    add("stop", "stop the local cloud and every process it started").set_defaults(func=_stop)

    add("env", "print exports that point the AWS CLI or boto3 at the local cloud").set_defaults(
        func=_env
    )
    add("reset", "delete everything in the local cloud (it keeps running)").set_defaults(
        func=_reset
    )
    diagnose = add(
        "diagnose",
        "for a hang or a bug report: status, every server thread's stack, the end of the log",
    )
    diagnose.add_argument(
        "--lines", type=arguments.bounded_int(1, 100_000), default=200, help="log lines to show"
    )
    diagnose.set_defaults(func=_diagnose)
    configure = add("configure", "change a running cloud's settings")
    configure.add_argument("--time-scale", type=arguments.time_scale, required=True)
    configure.set_defaults(func=_configure)


def _start(args: argparse.Namespace) -> int:
    print(_control.start(args.port, time_scale=args.time_scale))
    return 0


def _status(args: argparse.Namespace) -> int:
    current = _control.status(args.port)
    if args.json:
        print(
            json.dumps(
                {
                    "running": current.running,
                    "port": current.port,
                    "pid": current.pid,
                    "endpoint_url": current.endpoint_url,
                    "time_scale": current.time_scale,
                    "environments": current.environments,
                },
                indent=2,
            )
        )
    else:
        print(current)
    return 0 if current.running else 3


def _stop(args: argparse.Namespace) -> int:
    current = _control.status(args.port)
    if current.held_by:
        print(f"{current}\nNothing was stopped: `workshop cloud stop` stops only your own cloud.")
        return 1
    if _control.stop(args.port):
        print("Your local cloud has stopped.")
    else:
        print(f"Your local cloud was not running on port {current.port}; nothing to stop.")
    return 0


def _env(args: argparse.Namespace) -> int:
    print(f"unset {' '.join(OFFLINE_UNSET)}")
    for name, value in offline_environment(args.port).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    _control.reset(args.port)
    print("The local cloud is empty again.")
    return 0


def _configure(args: argparse.Namespace) -> int:
    print(_control.configure(args.port, time_scale=args.time_scale))
    return 0


def _diagnose(args: argparse.Namespace) -> int:
    print(_control.diagnose(args.port, log_lines=args.lines))
    return 0
