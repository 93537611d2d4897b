"""The learner's side of the room: join, leave, and sending events without ever waiting.

Joining writes `room.json` (the room's address, its token, your name and a random learner
key) in the workbook's state directory, readable by you only. Every event is first appended to
`room_outbox.jsonl` there, then a background thread sends what waits, with a short timeout;
what cannot be delivered stays in the file and goes with the next event, or on a retry every
`ROOM_RETRY_SECONDS`. The room ignores an event it has already seen, so resending is safe.
Without `room.json` nothing is written and nothing is sent.
"""

from __future__ import annotations

import atexit
import contextlib
import html
import json
import os
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import constants as C
from ..display import Displayable
from ._errors import RoomError
from ._events import catch_up_event, check_event


def _state_dir() -> Path:
    from ..cloud import state_dir

    return state_dir()


def membership_file() -> Path:
    return _state_dir() / "room.json"


def outbox_file() -> Path:
    return _state_dir() / "room_outbox.jsonl"


def send_timeout() -> float:
    try:
        return float(os.environ.get(C.ENV_ROOM_SEND_TIMEOUT, C.DEFAULT_ROOM_SEND_TIMEOUT_SECONDS))
    except ValueError:
        return C.DEFAULT_ROOM_SEND_TIMEOUT_SECONDS


@dataclass(frozen=True, repr=False)  # the token stays out of notebook outputs
class Membership(Displayable):
    """The room you joined (shown in a notebook as one line)."""

    url: str
    token: str
    name: str
    learner: str

    def __str__(self) -> str:
        return (
            f"You are in the room at {self.url} as {self.name}. Your check() results, the "
            "notebook they belong to and catch-up calls go to the instructor (no code, no "
            "answers). `workshop room leave` stops it."
        )

    def _html(self) -> str:
        return f"<div>✔ {html.escape(str(self))}</div>"

    def __repr__(self) -> str:
        return str(self)


def membership() -> Membership | None:
    try:
        data = json.loads(membership_file().read_text(encoding="utf-8"))
        return Membership(data["url"], data["token"], data["name"], data["learner"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def join(url: str, token: str, name: str) -> Membership:
    """Join the room at `url`: checks the address, the token and the room, then remembers it."""
    url = _clean_url(url)
    name = name.strip()
    if not 1 <= len(name) <= 40 or not name.isprintable():
        raise RoomError(
            f"{name!r} cannot be your name in the room.",
            hint="Use 1 to 40 characters on one line, such as --name 'Ada L'.",
        )
    if not token.strip():
        raise RoomError("The room token is empty.", hint="Copy the --token the instructor gave.")
    previous = membership()
    # Joining the same room again keeps your row; another name is another learner (two people
    # taking turns at one laptop), with a row of its own.
    same = previous is not None and (previous.url, previous.name) == (url, name)
    learner = previous.learner if previous and same else secrets.token_hex(16)
    member = Membership(url, token.strip(), name, learner)
    _post(member, "/api/hello", {}, timeout=max(send_timeout(), 3.0))
    if previous and previous.url != url:
        with _locked():  # what waited for another room is not this room's business
            outbox_file().unlink(missing_ok=True)
    path = membership_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, json.dumps(member.__dict__, indent=2))
    _kick()  # events kept while this room could not be reached go now
    return member


def leave() -> bool:
    """Stop sending: tells the room (if it answers quickly), forgets the room and drops what
    was not delivered. True if you were in a room."""
    member = membership()
    if member is None:
        return False
    with contextlib.suppress(RoomError):
        flush(member)
        _post(member, "/api/leave", {}, timeout=send_timeout())
    for path in (membership_file(), outbox_file()):
        path.unlink(missing_ok=True)
    return True


def pending() -> int:
    """How many events wait to be delivered."""
    with _locked():
        return len(_read_outbox())


# -- events ------------------------------------------------------------------------------------


def report_check(exercise: Any, outcome: Any) -> None:
    """Called by every `check()`: queue its event if you joined a room. Never raises, never
    waits for the network."""
    _emit(lambda: check_event(exercise, outcome))


def report_catch_up(notebook: int) -> None:
    """Called by `catch-up`: queue the event if you joined a room."""
    _emit(lambda: catch_up_event(notebook))


def _emit(make: Any) -> None:
    try:
        if not membership_file().exists():
            return
        event = make()
        with _locked():
            with outbox_file().open("a", encoding="utf-8") as out:
                out.write(json.dumps(event) + "\n")
            os.chmod(outbox_file(), 0o600)
        _kick()
    except Exception:  # the room is a bonus: it must never break a learner's cell
        pass


def flush(member: Membership | None = None, *, timeout: float | None = None) -> int:
    """Send what waits in the outbox now; returns how many were delivered. Raises RoomError if
    the room cannot be reached (the events stay for later)."""
    member = member or membership()
    if member is None:
        return 0
    with _locked():
        events = _read_outbox()
    if not events:
        return 0
    delivered = 0
    for start in range(0, len(events), 200):
        batch = events[start : start + 200]
        _post(member, "/api/events", {"events": batch}, timeout=timeout or send_timeout())
        # Refused (malformed) events are dropped too: sending them again cannot help.
        _remove({event.get("id") for event in batch if isinstance(event, dict)})
        delivered += len(batch)
    return delivered


# -- the background sender ---------------------------------------------------------------------

_wake = threading.Event()
_idle = threading.Event()
_idle.set()
_sender: threading.Thread | None = None
_sender_lock = threading.Lock()


def _kick() -> None:
    global _sender
    with _sender_lock:
        _idle.clear()
        _wake.set()
        if _sender is None or not _sender.is_alive():
            _sender = threading.Thread(target=_send_loop, name="workshop-room-sender", daemon=True)
            _sender.start()


def _send_loop() -> None:
    while True:
        _wake.wait(timeout=C.ROOM_RETRY_SECONDS)
        _wake.clear()
        with contextlib.suppress(Exception):  # offline, room stopped: kept for the next try
            flush()
        if not _wake.is_set():
            _idle.set()


def wait_until_sent(timeout: float | None = None) -> bool:
    """Wait (at most `timeout` s) until the sender has tried everything queued so far."""
    return _idle.wait(timeout)


@atexit.register
def _last_try() -> None:
    # A short-lived process (`workshop catch-up`, a script) gets one bounded chance to send.
    if not _idle.is_set():
        _idle.wait(send_timeout() + 1.0)


# -- files and HTTP ----------------------------------------------------------------------------


_thread_lock = threading.Lock()


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Several kernels of one learner share the outbox: one writer at a time."""
    try:
        import fcntl
    except ImportError:  # Windows: this process's threads only (the room ignores duplicates)
        with _thread_lock:
            yield
        return
    path = _state_dir() / "room_outbox.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_outbox() -> list[dict[str, Any]]:
    try:
        lines = outbox_file().read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    events = []
    for line in lines:
        with contextlib.suppress(ValueError):
            events.append(json.loads(line))
    return events


def _remove(ids: set[Any]) -> None:
    with _locked():
        kept = [e for e in _read_outbox() if not (isinstance(e, dict) and e.get("id") in ids)]
        if kept:
            _write_private(outbox_file(), "".join(json.dumps(e) + "\n" for e in kept))
        else:
            outbox_file().unlink(missing_ok=True)


def _write_private(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    temporary.replace(path)


def _clean_url(url: str) -> str:
    url = url.strip()
    if "://" not in url:  # "192.168.1.20:4848" as read off the projector
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RoomError(
            f"{url!r} is not a room address.",
            hint="Use the address the instructor gave, such as http://192.168.1.20:4848.",
        )
    return f"{parts.scheme}://{parts.netloc}"


def _post(member: Membership, path: str, body: dict[str, Any], *, timeout: float) -> Any:
    payload = {"learner": member.learner, "name": member.name, **body}
    request = urllib.request.Request(
        member.url + path,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {member.token}"},
        method="POST",
    )
    # The room is on the local network: never through a proxy.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        detail = _error_text(error)
        if error.code in (401, 403):
            raise RoomError(
                f"The room at {member.url} refused the token: {detail}",
                hint="Copy the --token exactly as the room printed it (the instructor can show "
                "it again), then run `workshop room join` once more.",
            ) from None
        raise RoomError(f"The room at {member.url} answered {error.code}: {detail}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise RoomError(
            f"No room is answering at {member.url} ({reason}).",
            hint="Check the address with the instructor, and that the room is running "
            "(`workshop room serve` on their machine). Your events are kept and sent later.",
        ) from None


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read()).get("error", error.reason))
    except (ValueError, AttributeError, OSError):
        return str(error.reason)
