"""`workshop notebooks run`: execute the workbook headless, offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import arguments
from ._runner import discover, run_all


def register(subparsers: argparse._SubParsersAction) -> None:
    notebooks = subparsers.add_parser("notebooks", help="run the workbook's notebooks headless")
    commands = notebooks.add_subparsers(dest="notebooks_command", metavar="ACTION", required=True)
    run = commands.add_parser(
        "run",
        help="execute every notebook top to bottom offline",
        description="Start the local cloud, execute the notebooks in order, write the executed "
        "copies and HTML exports, print a pass/fail/time table, stop the cloud.",
    )
    run.add_argument("notebooks", nargs="*", type=Path, help="only these notebooks")
    run.add_argument(
        "--out", type=arguments.writable_folder, default=Path("build"), help="output directory"
    )
    run.add_argument("--port", type=arguments.port, default=None)
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    paths = args.notebooks or discover()
    if not paths:
        print("No notebooks found.")
        return 1
    report = run_all(paths, out_dir=args.out, port=args.port)
    print()
    print(report.table())
    print(f"\nExecuted notebooks and HTML pages are in {args.out}/")
    return 0 if report.ok else 1
