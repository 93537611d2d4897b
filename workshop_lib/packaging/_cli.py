"""`workshop package APP --out DIR`: each function's Lambda zip, dependencies included."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "package",
        help="build each function's Lambda zip with its dependencies (no Docker)",
        description="Build every function of an app for the Lambda platform: its code plus the "
        "wheels of its requirements.txt for the template's runtime and architecture.",
    )
    parser.add_argument("app", help="santa, images, or a folder with a template.yaml")
    parser.add_argument("--out", type=Path, required=True, help="where to write the zips")
    parser.set_defaults(func=_package)


def _package(args: argparse.Namespace) -> int:
    from ..cloud import state_dir
    from ..deploy import resolve_app
    from ..deploy._template import functions, load_template
    from . import Target, build_package

    app = resolve_app(args.app)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'Function':<28} {'Runtime':<11} {'Arch':<7} {'Zipped':>9} {'Unzipped':>9}  Deps")
    for logical_id, (folder, settings) in functions(
        load_template(app.template), app.directory
    ).items():
        package = build_package(
            folder,
            name=logical_id,
            target=Target(settings.runtime, settings.architecture),
            cache_dir=state_dir() / "packages",
        )
        (args.out / f"{logical_id}.zip").write_bytes(package.data)
        print(
            f"{logical_id:<28} {settings.runtime:<11} {settings.architecture:<7} "
            f"{package.zipped_bytes / 2**20:8.2f}M {package.unzipped_bytes / 2**20:8.2f}M  "
            f"{', '.join(package.dependencies) or '-'}"
        )
    print(f"\nZips written to {args.out}/ (boto3 is not bundled: the Lambda runtime has it).")
    return 0
