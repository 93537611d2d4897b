"""`workshop deploy | validate | destroy | package APP`."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from .. import arguments
from .. import constants as C


def register(subparsers: argparse._SubParsersAction) -> None:
    deploy = subparsers.add_parser(
        "deploy",
        help="deploy an app from infra/ (santa, images) in the current mode",
        description="Package, translate and deploy an application's SAM template.",
    )
    deploy.add_argument("app", help="santa, images, or a folder with a template.yaml")
    deploy.add_argument("--json", action="store_true", help="print the outputs as JSON")
    deploy.add_argument(
        "--parameter",
        action="append",
        type=arguments.key_value,
        default=[],
        metavar="KEY=VALUE",
        help="a template parameter (repeatable)",
    )
    _mode_option(deploy)
    deploy.add_argument(
        "--yes", action="store_true", help="aws mode: do not ask for confirmation (for scripts)"
    )
    deploy.set_defaults(func=_deploy)

    validate = subparsers.add_parser(
        "validate",
        help="check an app: cfn-lint, its state machines, least-privilege IAM",
    )
    validate.add_argument("app")
    validate.set_defaults(func=_validate)

    destroy = subparsers.add_parser(
        "destroy",
        help="remove an app and everything it created (buckets emptied first)",
    )
    destroy.add_argument("app")
    _mode_option(destroy)
    destroy.set_defaults(func=_destroy)

    package = subparsers.add_parser(
        "package",
        help="build each function's Lambda zip with its dependencies (no Docker)",
        description="Build every function of an app for the Lambda platform: its code plus the "
        "wheels of its requirements.txt for the template's runtime and architecture.",
    )
    package.add_argument("app", help="santa, images, or a folder with a template.yaml")
    package.add_argument("--out", type=Path, required=True, help="where to write the zips")
    package.set_defaults(func=_package)


def _mode_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mode",
        choices=C.MODES,
        default=None,
        help=f"offline or aws (default: ${C.ENV_MODE} or offline)",
    )


def _apply_mode(args: argparse.Namespace) -> None:
    if args.mode:
        os.environ[C.ENV_MODE] = args.mode
    from .. import clients

    if clients.resolve_mode() == C.MODE_OFFLINE:
        from ..cloud import require_running

        require_running()


def _deploy(args: argparse.Namespace) -> int:
    _apply_mode(args)
    from .. import clients
    from ._deploy import deploy

    if clients.resolve_mode() == C.MODE_AWS and not args.yes:
        from ..guard import ask_for_the_account
        from ._apps import resolve_app

        actions = [
            f"create or update the CloudFormation stack {resolve_app(args.app).stack_name}",
            "upload its code to the workshop artifacts bucket",
        ]
        if not ask_for_the_account(actions, verb="deploy"):
            return 1

    parameters = dict(args.parameter)
    stack = deploy(args.app, parameters=parameters or None)
    print(json.dumps(stack.outputs, indent=2) if args.json else stack)
    return 0


def _destroy(args: argparse.Namespace) -> int:
    _apply_mode(args)
    from ._deploy import destroy

    print(destroy(args.app))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from ._apps import resolve_app
    from ._validation import validate

    report = validate(resolve_app(args.app))
    print(report)
    return 0 if report.ok else 1


def _package(args: argparse.Namespace) -> int:
    """Each function's Lambda zip, dependencies included (here, not in packaging: finding the
    app is deploy's job, and packaging sits below it)."""
    from ..templates import functions, load_template
    from ._apps import resolve_app
    from ._deploy import function_package

    app = resolve_app(args.app)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'Function':<28} {'Runtime':<11} {'Arch':<7} {'Zipped':>9} {'Unzipped':>9}  Deps")
    for logical_id, (folder, settings) in functions(
        load_template(app.template), app.directory
    ).items():
        package = function_package(folder, logical_id, settings)
        (args.out / f"{logical_id}.zip").write_bytes(package.data)
        print(
            f"{logical_id:<28} {settings.runtime:<11} {settings.architecture:<7} "
            f"{package.zipped_bytes / 2**20:8.2f}M {package.unzipped_bytes / 2**20:8.2f}M  "
            f"{', '.join(package.dependencies) or '-'}"
        )
    print(f"\nZips written to {args.out}/ (boto3 is not bundled: the Lambda runtime has it).")
    return 0
