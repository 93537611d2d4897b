"""The instructor's room: learners opt in, and the instructor sees how the class is getting on.

Instructor::

    workshop room serve                # prints the join command and the dashboard's address

Learner (terminal or notebook)::

    workshop room join http://ROOM:4848 --token T --name "Ada"
    from workshop_lib import room; room.join("http://ROOM:4848", token="T", name="Ada")

After joining, each exercise `check()` result and each `catch-up` is sent in the background
(see `_events` for exactly what); `workshop room leave` stops it.
"""

from ._board import Board
from ._errors import RoomError
from ._events import MalformedEvent, mistake_name
from ._learner import (
    Membership,
    flush,
    join,
    leave,
    membership,
    pending,
    report_catch_up,
    report_check,
    wait_until_sent,
)
from ._server import RoomServer

__all__ = [
    "Board",
    "MalformedEvent",
    "Membership",
    "RoomError",
    "RoomServer",
    "flush",
    "join",
    "leave",
    "membership",
    "mistake_name",
    "pending",
    "report_catch_up",
    "report_check",
    "wait_until_sent",
]
