"""`workshop graph FILE.asl.json -o diagram.svg`: draw a state machine from its definition."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._graph import StateMachineGraph


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "graph",
        help="draw a state machine definition as an SVG (or PNG) diagram",
        description="Draw an Amazon States Language definition (.asl.json) as a diagram. "
        "${Placeholders} from SAM DefinitionSubstitutions may stay in the file.",
    )
    parser.add_argument("file", type=Path, help="the state machine definition, e.g. app.asl.json")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help="where to write the diagram: .svg, or .png/.pdf through matplotlib "
        "(default: print the SVG)",
    )
    parser.add_argument("--title", help="a title above the diagram (default: the file's name)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    graph = StateMachineGraph.from_file(args.file, title=args.title)
    if args.output is None:
        sys.stdout.write(graph.to_svg() + "\n")
        return 0
    written = graph.save(args.output)
    states = len(graph.state_names)
    print(f"Wrote {written} ({states} state{'s' if states != 1 else ''}).", file=sys.stderr)
    return 0
