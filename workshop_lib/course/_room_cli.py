"""`workshop room serve | join | leave | status`.

Here in `course`, not in `room`: serving a room needs the course's exercises, and the room
package sits below the exercises (every `check()` reports to it)."""

from __future__ import annotations

import argparse
import errno
import math
import signal
import sys
from typing import Any

from .. import arguments
from .. import constants as C


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "room", help="the instructor's room: see how the class is getting on"
    )
    actions = parser.add_subparsers(dest="room_command", metavar="ACTION", required=True)

    serve = actions.add_parser("serve", help="start the room (instructor)")
    serve.add_argument(
        "--bind",
        default=C.ROOM_HOST,
        help=f"address to listen on (default {C.ROOM_HOST}: this machine only; "
        "0.0.0.0 for a classroom network)",
    )
    serve.add_argument(
        "--port",
        type=arguments.port,
        default=C.DEFAULT_ROOM_PORT,
        help=f"default {C.DEFAULT_ROOM_PORT}",
    )
    serve.add_argument("--token", help="the learners' token (default: a new random one)")
    serve.add_argument(
        "--stuck-minutes",
        type=_minutes,
        default=C.ROOM_STUCK_MINUTES,
        help=f"stuck: the same exercise failing for this long (default {C.ROOM_STUCK_MINUTES:g})",
    )
    serve.add_argument(
        "--stuck-repeats",
        type=arguments.bounded_int(1, 1000),
        default=C.ROOM_STUCK_REPEATS,
        help=f"stuck: the same mistake this many times (default {C.ROOM_STUCK_REPEATS})",
    )
    serve.set_defaults(func=_serve)

    join = actions.add_parser("join", help="join a room (learner): send check() results to it")
    join.add_argument("url", help="the room's address, e.g. http://192.168.1.20:4848")
    join.add_argument("--token", required=True, help="the room token the instructor gave")
    join.add_argument("--name", required=True, help="your name, as the instructor will see it")
    join.set_defaults(func=_join)

    actions.add_parser("leave", help="leave the room: nothing more is sent").set_defaults(
        func=_leave
    )
    actions.add_parser(
        "status", help="which room you are in; sends events still waiting"
    ).set_defaults(func=_status)


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not math.isfinite(value) or not 0 < value <= 24 * 60:
        raise argparse.ArgumentTypeError(
            f"{text} minutes: use a number above 0 and up to a day (1440), e.g. 5"
        )
    return value


def _serve(args: argparse.Namespace) -> int:
    from ..exercises import catalog
    from ..room import Board, RoomError, RoomServer

    board = Board(catalog(), stuck_minutes=args.stuck_minutes, stuck_repeats=args.stuck_repeats)
    try:
        room = RoomServer(bind=args.bind, port=args.port, token=args.token, board=board)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise RoomError(
                f"Port {args.port} is already in use on {args.bind}.",
                hint="Stop the other room, or choose another port with --port.",
            ) from None
        raise RoomError(f"The room cannot listen on {args.bind}:{args.port}: {error}") from None
    print(f"The room is open at {room.url} (listening on {args.bind}:{room.port}).")
    print("Learners join with:")
    print(f"  {room.join_command}")
    print("or, in a notebook:")
    print(
        f'  from workshop_lib import room; room.join("{room.url}", token="{room.token}", '
        'name="YOUR NAME")'
    )
    print("Your dashboard (keep this address to yourself: it shows every learner):")
    print(f"  {room.dashboard_url}")
    print(f"  CSV: {room.url}/room.csv?token={room.instructor_token}")
    print("Ctrl-C closes the room (it lives in memory: download the CSV first).", flush=True)
    # Ctrl-C and `kill` both close the room cleanly, even where the shell started it with
    # SIGINT ignored (a background job of a script).
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupt)
    try:
        room.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        room.stop()
    print("The room is closed.", flush=True)
    return 0


def _interrupt(number: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _join(args: argparse.Namespace) -> int:
    from ..room import join

    print(join(args.url, args.token, args.name))
    return 0


def _leave(args: argparse.Namespace) -> int:
    from ..room import leave

    print("You left the room." if leave() else "You were not in a room.")
    return 0


def _status(args: argparse.Namespace) -> int:
    from ..room import RoomError, flush, membership, pending

    member = membership()
    if member is None:
        print("You are not in a room: nothing is sent.")
        return 0
    print(member)
    try:
        sent = flush(member)
    except RoomError as error:
        print(f"{pending()} event(s) wait to be sent: {error}", file=sys.stderr)
        return 1
    print(f"Sent {sent} waiting event(s)." if sent else "Nothing waits to be sent.")
    return 0
