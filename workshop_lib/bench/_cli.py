"""`workshop bench`: print the benchmark table, or the same figures as JSON."""

from __future__ import annotations

import argparse

from .. import arguments
from ._core import run_benchmarks


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure the local cloud (ratios against a bare request and a boto3 import)",
        description="Start a fresh local cloud, measure, print the figures and ratios, stop it.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--samples",
        type=arguments.bounded_int(50, 100_000),
        default=60,
        help="warm samples (at least 50)",
    )
    parser.add_argument(
        "--no-images",
        action="store_true",
        help="skip the image batch and Distributed Map figures (several minutes)",
    )
    parser.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    result = run_benchmarks(warm_samples=args.samples, images=not args.no_images)
    print(result.to_json() if args.json else result.table())
    return 0
