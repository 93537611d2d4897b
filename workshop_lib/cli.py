"""The `workshop` command.

Each feature package contributes its own subcommands through a `register(subparsers)` function
in its `_cli` module, so this file only lists them.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from .errors import WorkshopError

__all__ = [
    "build_parser",
    "main",
]

# Feature modules that add subcommands, in the order `workshop --help` lists them.
_COMMAND_MODULES = (
    "workshop_lib.cloud._cli",
    "workshop_lib.deploy._cli",
    "workshop_lib.cleanup._cli",
    "workshop_lib.graph._cli",
    "workshop_lib.executions._cli",
    "workshop_lib.costs._cli",
    "workshop_lib.notebooks._cli",
    "workshop_lib.course._cli",
    "workshop_lib.course._room_cli",
    "workshop_lib.diagram._cli",
    "workshop_lib.bench._cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workshop",
        description="The Step Functions and Lambda workbook: local cloud, deploys, inspection.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        if not _exists(module_name):
            continue
        importlib.import_module(module_name).register(subparsers)
    return parser


def _exists(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:  # its package is not there (yet)
        return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except WorkshopError as error:
        print(f"workshop: {error}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:
        print(f"workshop: {_explain_aws_error(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _explain_aws_error(error: Exception) -> str:
    try:
        from .cloud import explain_lost_cloud

        lost = explain_lost_cloud(error)
    except Exception:  # the plain error is still worth showing
        lost = None
    return lost or f"{type(error).__name__}: {error}"


if __name__ == "__main__":
    sys.exit(main())
