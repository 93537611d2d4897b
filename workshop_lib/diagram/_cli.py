"""`workshop diagram APP -o out.svg`: draw an application's architecture from its template."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diagram",
        help="draw an application's architecture (services and event flow) as an SVG",
        description="Draw the services of an application's SAM template and how events flow "
        "between them; hovering an arrow shows the IAM permission it needs.",
    )
    parser.add_argument("app", help="santa, images, or a folder holding a template.yaml")
    parser.add_argument(
        "-o", "--output", type=Path, help="where to write the SVG (default: print it)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ._diagram import ArchitectureDiagram

    diagram = ArchitectureDiagram.for_app(args.app)
    if args.output is None:
        sys.stdout.write(diagram.to_svg() + "\n")
        return 0
    written = diagram.save(args.output)
    arch = diagram.architecture
    print(
        f"Wrote {written} ({len(arch.services)} services, {len(arch.arrows)} arrows).",
        file=sys.stderr,
    )
    return 0
