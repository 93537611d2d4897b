"""`workshop editions`, `workshop progress`, `workshop catch-up N`, `workshop reset`."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    editions = subparsers.add_parser("editions", help="learner edition of the notebooks")
    actions = editions.add_subparsers(dest="editions_command", metavar="ACTION", required=True)
    actions.add_parser(
        "build", help="write notebooks/learner/ from the instructor notebooks"
    ).set_defaults(func=_build)
    actions.add_parser("check", help="fail if notebooks/learner/ is out of date").set_defaults(
        func=_check
    )

    subparsers.add_parser("progress", help="which exercises pass, per notebook").set_defaults(
        func=_progress
    )

    catch_up = subparsers.add_parser(
        "catch-up", help="prepare the cloud so notebook N can run on its own"
    )
    catch_up.add_argument("notebook", type=int, help="the notebook number, e.g. 5")
    catch_up.add_argument(
        "--yes", action="store_true", help="aws mode: do not ask for confirmation (for scripts)"
    )
    catch_up.set_defaults(func=_catch_up)

    subparsers.add_parser("reset", help="return the local cloud to empty").set_defaults(func=_reset)


def _build(args: argparse.Namespace) -> int:
    from ._editions import build

    for path in build():
        print(f"wrote {path}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from ._editions import check

    stale = [status for status in check() if not status.up_to_date]
    for status in stale:
        print(f"{status.notebook}: the learner edition is out of date\n{status.diff}")
    if stale:
        print("Run `workshop editions build` and commit notebooks/learner/.")
        return 1
    print("The learner edition is up to date.")
    return 0


def _progress(args: argparse.Namespace) -> int:
    from ._progress_view import progress

    print(progress())
    return 0


def _catch_up(args: argparse.Namespace) -> int:
    from .. import clients
    from ._catchup import catch_up

    if not clients.resolve_target().offline and not args.yes:
        from ..deploy import resolve_app
        from ..guard import ask_for_the_account
        from ._catchup import apps_before

        stacks = [resolve_app(app).stack_name for app in apps_before(args.notebook)]
        creates = [f"create or update the CloudFormation stack {stack}" for stack in stacks]
        if not ask_for_the_account(creates, verb="catch up"):
            return 1
    print(catch_up(args.notebook, confirm=True))  # asked above, or --yes
    return 0


def _reset(args: argparse.Namespace) -> int:
    from .. import cloud

    cloud.reset()
    print("The local cloud is empty again.")
    return 0
