"""The room's HTTP server: the standard library's ThreadingHTTPServer.

Why not a web framework: the room answers a handful of small JSON posts a minute per learner
and one page, so `http.server` is plenty, adds nothing to install on the instructor's laptop
and works offline as it is.

Two tokens, each compared in constant time on every request:
- the room token, given to learners: it can only send events (POST /api/hello, /api/events,
  /api/leave), never read the room;
- the instructor token: the dashboard (GET /?token=...), room.csv and /api/room (JSON).
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .. import constants as C
from ..display import Displayable
from ._board import Board, RoomFull
from ._dashboard import fragment, render

MAX_BODY = 256 * 1024
MAX_EVENTS = 500
_POLICY = "default-src 'none'; style-src 'unsafe-inline'"  # the page loads nothing, runs nothing
_LEARNER_KEY_LENGTH = (16, 64)


class RoomServer(Displayable):
    """A room on `bind`:`port` (port 0 picks a free one). `start()` runs it in a thread,
    `stop()` ends it; also a context manager.

    It shows `exercises` (notebook -> key -> title, `workshop_lib.exercises.catalog()`), or the
    ones of `board`: the room sits below the exercises, so they are handed in."""

    def __init__(
        self,
        *,
        bind: str = C.ROOM_HOST,
        port: int = C.DEFAULT_ROOM_PORT,
        token: str | None = None,
        instructor_token: str | None = None,
        board: Board | None = None,
        exercises: Mapping[str, Mapping[str, str]] | None = None,
        refresh: int = C.ROOM_REFRESH_SECONDS,
    ) -> None:
        if board is None and exercises is None:
            raise TypeError(
                "RoomServer needs the course's exercises: pass "
                "exercises=workshop_lib.exercises.catalog() (or a Board)."
            )
        self.token = token or new_token(12)
        self.instructor_token = instructor_token or new_token(24)
        self.board = board or Board(exercises or {})
        self.refresh = refresh
        self._httpd = ThreadingHTTPServer((bind, port), _handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.bind = bind

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        host = _reachable_host() if self.bind in ("0.0.0.0", "") else self.bind
        return f"http://{host}:{self.port}"

    @property
    def join_command(self) -> str:
        return f'workshop room join {self.url} --token {self.token} --name "YOUR NAME"'

    @property
    def dashboard_url(self) -> str:
        return f"{self.url}/?token={self.instructor_token}"

    def start(self) -> RoomServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="workshop-room", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __str__(self) -> str:
        return f"Room at {self.url}. Learners: {self.join_command}. Dashboard: {self.dashboard_url}"

    def _html(self) -> str:
        """The dashboard itself, in the instructor's notebook (it is theirs to see)."""
        return fragment(self.board.snapshot())

    def __enter__(self) -> RoomServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_TOKEN_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"  # nothing to misread off a projector


def new_token(length: int) -> str:
    """A random token that is easy to type, and never starts with "-" (an option to a shell)."""
    return "".join(secrets.choice(_TOKEN_LETTERS) for _ in range(length))


def _reachable_host() -> str:
    """This machine's address on its network, for a room bound to every address. Connecting a
    UDP socket only picks the route: no packet is sent."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return socket.gethostname()


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _handler(room: RoomServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "WorkshopRoom/1"
        protocol_version = "HTTP/1.1"
        timeout = 15  # a connection that stops sending does not hold a thread for ever

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the dashboard is the room's log; a line per request would bury the join hint

        def do_GET(self) -> None:
            self._guarded(self._get)

        def do_POST(self) -> None:
            self._guarded(self._post)

        def _guarded(self, action: Any) -> None:
            try:
                action()
            except Exception as error:  # one bad request never stops the room
                room.board.count_rejected("server error")
                self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": type(error).__name__})

        # -- authentication --------------------------------------------------------------

        def _token(self) -> str | None:
            header = self.headers.get("Authorization", "")
            if header.startswith("Bearer "):
                return header[len("Bearer ") :].strip()
            values = parse_qs(urlsplit(self.path).query).get("token")
            return values[0] if values else None

        def _role(self) -> str | None:
            token = self._token()
            if token is None:
                room.board.count_rejected("request without a token")
                self._json(
                    HTTPStatus.UNAUTHORIZED,
                    {"error": "this room needs its token on every request"},
                )
                return None
            # Both compared, always, so the time taken says nothing about either token.
            learner = _same(token, room.token)
            instructor = _same(token, room.instructor_token)
            if instructor:
                return "instructor"
            if learner:
                return "learner"
            room.board.count_rejected("wrong token")
            self._json(
                HTTPStatus.FORBIDDEN,
                {"error": "wrong token: use the one the room printed when it started"},
            )
            return None

        # -- instructor --------------------------------------------------------------------

        def _get(self) -> None:
            role = self._role()
            if role is None:
                return
            path = urlsplit(self.path).path
            if role != "instructor":
                room.board.count_rejected("learner token on the instructor's page")
                self._json(
                    HTTPStatus.FORBIDDEN,
                    {"error": "the room's page is the instructor's: learners only send events"},
                )
                return
            if path in ("/", "/dashboard"):
                page = render(
                    room.board.snapshot(), token=room.instructor_token, refresh=room.refresh
                )
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", page.encode())
            elif path == "/room.csv":
                self._send(
                    HTTPStatus.OK,
                    "text/csv; charset=utf-8",
                    room.board.csv().encode(),
                    {"Content-Disposition": 'attachment; filename="room.csv"'},
                )
            elif path == "/api/room":
                self._json(HTTPStatus.OK, room.board.snapshot())
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"nothing at {path}"})

        # -- learners ----------------------------------------------------------------------

        def _post(self) -> None:
            role = self._role()
            if role is None:
                return
            path = urlsplit(self.path).path
            body = self._body()
            if body is None:
                return
            key, name = body.get("learner"), body.get("name")
            if not _valid_key(key) or not _valid_name(name):
                room.board.count_rejected("malformed request")
                self._json(
                    HTTPStatus.BAD_REQUEST,
                    {"error": "learner (16-64 letters/digits) and name (1-40 characters) needed"},
                )
                return
            try:
                self._learner_action(path, key, name.strip(), body)
            except RoomFull as error:
                self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(error)})

        def _learner_action(self, path: str, key: str, name: str, body: Mapping[str, Any]) -> None:
            if path == "/api/hello":
                room.board.hello(key, name)
                self._json(HTTPStatus.OK, {"joined": True, "name": name})
            elif path == "/api/events":
                events = body.get("events")
                if not isinstance(events, list) or len(events) > MAX_EVENTS:
                    room.board.count_rejected("malformed request")
                    self._json(
                        HTTPStatus.BAD_REQUEST,
                        {"error": f"events is a list of at most {MAX_EVENTS} events"},
                    )
                    return
                self._json(HTTPStatus.OK, room.board.accept(key, name, events))
            elif path == "/api/leave":
                self._json(HTTPStatus.OK, {"left": room.board.leave(key)})
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"nothing at {path}"})

        def _body(self) -> Mapping[str, Any] | None:
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                room.board.count_rejected("malformed request")
                self._json(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE
                    if length > MAX_BODY
                    else HTTPStatus.BAD_REQUEST,
                    {"error": f"send one JSON object of at most {MAX_BODY} bytes"},
                    close=True,
                )
                return None
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = None
            if not isinstance(body, dict):
                room.board.count_rejected("malformed request")
                self._json(HTTPStatus.BAD_REQUEST, {"error": "the body is not a JSON object"})
                return None
            return body

        # -- answers -----------------------------------------------------------------------

        def _json(self, status: HTTPStatus, value: Any, *, close: bool = False) -> None:
            self._send(
                status,
                "application/json",
                json.dumps(value, ensure_ascii=False).encode(),
                close=close,
            )

        def _send(
            self,
            status: HTTPStatus,
            content_type: str,
            body: bytes,
            headers: Mapping[str, str] | None = None,
            *,
            close: bool = False,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Security-Policy", _POLICY)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _valid_key(key: Any) -> bool:
    low, high = _LEARNER_KEY_LENGTH
    return isinstance(key, str) and low <= len(key) <= high and key.isalnum() and key.isascii()


def _valid_name(name: Any) -> bool:
    return isinstance(name, str) and 1 <= len(name.strip()) <= 40 and name.isprintable()
