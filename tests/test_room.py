"""The instructor's room, in-process: a room on 127.0.0.1, learners joining it, what they send and
what the instructor sees. Each test stops its room."""

from __future__ import annotations

import csv
import io
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from workshop_lib import constants as C
from workshop_lib import room
from workshop_lib.exercises import all_exercises, catalog
from workshop_lib.room._events import check_event

NOTEBOOK = "02_santas_workflow"


def _exercise(notebook: str = NOTEBOOK, index: int = 0) -> Any:
    return all_exercises()[notebook][index]


@pytest.fixture()
def learner_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A learner's own state directory (room membership, outbox, progress)."""
    monkeypatch.setenv("WORKSHOP_PROGRESS_FILE", str(tmp_path / "progress.json"))
    return _become(tmp_path / "learner", monkeypatch)


def _become(directory: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv(C.ENV_STATE_DIR, str(directory))
    return directory


@pytest.fixture()
def open_room() -> Iterator[room.RoomServer]:
    server = room.RoomServer(port=0, exercises=catalog()).start()
    try:
        yield server
    finally:
        room.wait_until_sent(5)
        server.stop()


def test_a_room_is_handed_the_course_exercises() -> None:
    """The room sits below the exercises (every check() reports to it), so it cannot look them
    up itself: whoever opens it hands them in, and forgetting to says how."""
    with pytest.raises(TypeError, match=r"exercises=workshop_lib\.exercises\.catalog\(\)"):
        room.RoomServer(port=0)
    assert catalog()[NOTEBOOK] == {e.key: e.title for e in all_exercises()[NOTEBOOK]}


def _get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _post(url: str, body: bytes, token: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _send(server: room.RoomServer, learner: str, name: str, events: list[Any]) -> Any:
    body = json.dumps({"learner": learner, "name": name, "events": events}).encode()
    status, answer = _post(server.url + "/api/events", body, server.token)
    assert status == 200, answer
    return answer


def _board(server: room.RoomServer) -> dict[str, Any]:
    status, text = _get(f"{server.url}/api/room?token={server.instructor_token}")
    assert status == 200
    return json.loads(text)


def _row(board: dict[str, Any], name: str) -> dict[str, Any]:
    return next(row for row in board["learners"] if row["name"] == name)


def _wrong(exercise: Any, index: int = 0) -> tuple[Any, str]:
    return exercise.known_wrong[index]


def _check_and_send(exercise: Any, answer: Any) -> None:
    exercise.check(answer)
    assert room.wait_until_sent(10)


def test_learners_check_results_reach_the_dashboard(
    open_room: room.RoomServer, learner_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exercise = _exercise()
    wrong, phrase = _wrong(exercise, 1)
    # Ada: one slip, then the right answer.
    room.join(open_room.url, open_room.token, "Ada")
    _check_and_send(exercise, wrong)
    _check_and_send(exercise, exercise.solution_value())
    # Grace, another learner on the same machine: the same slip three times.
    _become(learner_dir.parent / "grace", monkeypatch)
    room.join(open_room.url, open_room.token, "Grace")
    for _ in range(C.ROOM_STUCK_REPEATS):
        _check_and_send(exercise, wrong)

    board = _board(open_room)
    ada, grace = _row(board, "Ada"), _row(board, "Grace")
    column = f"{NOTEBOOK}/{exercise.key}"
    assert ada["cells"][column]["status"] == "correct"
    assert ada["cells"][column]["attempts"] == 2
    assert ada["notebook"] == NOTEBOOK and ada["passed"] == 1
    assert grace["cells"][column] == {
        "status": "incorrect",
        "attempts": C.ROOM_STUCK_REPEATS,
        "mistake": phrase,
        "stuck": f"{C.ROOM_STUCK_REPEATS}× {phrase}",
    }
    assert [(s["learner"], s["exercise"]) for s in board["stuck"]] == [("Grace", exercise.key)]
    summary = next(s for s in board["summary"] if s["exercise"] == exercise.key)
    assert (summary["passed"], summary["tried"]) == (1, 2)
    assert (summary["common_mistake"], summary["common_count"]) == (phrase, 4)

    status, page = _get(open_room.dashboard_url)
    assert status == 200
    assert "class='room mathjax_ignore'" in page
    assert "Ada" in page and "Grace" in page and phrase.replace("'", "&#x27;") in page
    assert "<script" not in page and "src=" not in page  # self-contained, nothing fetched
    assert "correct, 2 attempts" in page  # each cell says what it shows, not only a symbol
    assert f"http-equiv='refresh' content='{C.ROOM_REFRESH_SECONDS}'" in page

    status, text = _get(f"{open_room.url}/room.csv?token={open_room.instructor_token}")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert status == 200
    assert {row["learner"]: row[column] for row in rows} == {
        "Ada": "correct",
        "Grace": f"incorrect: {phrase}",
    }
    assert [row["stuck_on"] for row in rows] == ["", column]


def test_a_learner_failing_for_minutes_is_stuck(open_room: room.RoomServer) -> None:
    exercise = _exercise("03_when_elves_drop_presents")
    earlier = check_event(exercise, exercise.evaluate(_wrong(exercise)[0]))
    later = check_event(exercise, exercise.evaluate(_wrong(exercise, 1)[0]))
    minutes = C.ROOM_STUCK_MINUTES + 3
    earlier["time"] = (datetime.now(UTC) - timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    _send(open_room, "a" * 32, "Linus", [earlier, later])
    stuck = _board(open_room)["stuck"]
    assert len(stuck) == 1
    assert stuck[0]["learner"] == "Linus"
    assert stuck[0]["reason"].startswith(f"failing for {int(minutes)} min")
    # Passing it ends being stuck.
    passed = check_event(exercise, exercise.evaluate(exercise.solution_value()))
    _send(open_room, "a" * 32, "Linus", [passed])
    assert _board(open_room)["stuck"] == []


def test_an_event_carries_no_code_and_no_answer() -> None:
    exercise = _exercise()
    answer = {**exercise.solution_value(), "SecretFieldXyz": "my-own-text"}
    outcome = exercise.evaluate(answer)
    assert "SecretFieldXyz" in outcome.message  # the feedback quotes the answer...
    event = check_event(exercise, outcome)
    assert "SecretFieldXyz" not in json.dumps(event)  # ...the event never does
    assert set(event) == {"id", "time", "kind", "notebook", "exercise", "status", "mistake"}
    assert event["status"] == "incorrect"
    assert event["mistake"] == room.mistake_name(exercise, outcome.message)


def test_every_catalogued_slip_has_its_own_name(local_cloud: object) -> None:
    # The capstone's slips are found by deploying and running them, so this needs the cloud.
    for exercises in all_exercises().values():
        for exercise in exercises:
            phrases = {phrase for _, phrase in exercise.known_wrong}
            for wrong, _ in exercise.known_wrong:
                name = room.mistake_name(exercise, exercise.evaluate(wrong).message)
                assert name in phrases, (exercise.key, name)


def test_an_offline_learner_keeps_events_and_sends_them_later(learner_dir: Path) -> None:
    server = room.RoomServer(port=0, exercises=catalog()).start()
    port, token = server.port, server.token
    exercise = _exercise()
    try:
        room.join(server.url, token, "Offline Olga")
    finally:
        server.stop()
    # The room is gone (the learner's wifi dropped): checks still work, events wait.
    wrong = _wrong(exercise)[0]
    outcome = exercise.check(wrong)
    assert not outcome.correct
    exercise.check(exercise.solution_value())
    assert room.wait_until_sent(10)
    assert room.pending() == 2
    with pytest.raises(room.RoomError, match="No room is answering"):
        room.flush()
    assert room.pending() == 2

    again = room.RoomServer(port=port, token=token, exercises=catalog()).start()
    try:
        assert room.flush() == 2
        assert room.pending() == 0
        assert room.flush() == 0
        row = _row(_board(again), "Offline Olga")
        assert row["cells"][f"{NOTEBOOK}/{exercise.key}"]["status"] == "correct"
        assert row["cells"][f"{NOTEBOOK}/{exercise.key}"]["attempts"] == 2
    finally:
        again.stop()


def test_check_never_waits_for_a_room_that_does_not_answer(learner_dir: Path) -> None:
    server = room.RoomServer(port=0, exercises=catalog()).start()
    port = server.port
    room.join(server.url, server.token, "Patient Pat")
    server.stop()
    # Something now holds the port and never answers: connecting works, replies never come.
    with socket.socket() as silent:
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind((C.ROOM_HOST, port))
        silent.listen(8)
        exercise = _exercise()
        outcome = exercise.check(exercise.solution_value())
        assert outcome.correct
        # check() came back while the sender was still waiting for the silent room.
        assert not room.wait_until_sent(0)
        assert room.pending() == 1
        assert room.wait_until_sent(C.DEFAULT_ROOM_SEND_TIMEOUT_SECONDS * 5)
    assert room.pending() == 1  # kept for later


def test_nothing_is_sent_without_joining_and_leaving_stops_it(
    open_room: room.RoomServer, learner_dir: Path
) -> None:
    exercise = _exercise()
    exercise.check(exercise.solution_value())
    assert room.membership() is None
    assert not (learner_dir / "room_outbox.jsonl").exists()
    assert _board(open_room)["learners"] == []

    room.join(open_room.url, open_room.token, "Brief Bea")
    _check_and_send(exercise, exercise.solution_value())
    assert room.leave()
    exercise.check(_wrong(exercise)[0])
    assert not (learner_dir / "room_outbox.jsonl").exists()
    assert not (learner_dir / "room.json").exists()
    row = _row(_board(open_room), "Brief Bea")
    assert row["left"] is True
    assert row["cells"][f"{NOTEBOOK}/{exercise.key}"]["attempts"] == 1
    assert not room.leave()


def test_membership_file_is_private(open_room: room.RoomServer, learner_dir: Path) -> None:
    room.join(open_room.url, open_room.token, "Ada")
    assert (learner_dir / "room.json").stat().st_mode & 0o077 == 0


def test_rejoining_keeps_one_row(open_room: room.RoomServer, learner_dir: Path) -> None:
    room.join(open_room.url, open_room.token, "Ada")
    room.join(open_room.url, open_room.token, "Ada")
    assert [row["name"] for row in _board(open_room)["learners"]] == ["Ada"]
    # Another name at the same laptop is another learner: from now on the checks are theirs.
    room.join(open_room.url, open_room.token, "Bob")
    _check_and_send(_exercise(), _exercise().solution_value())
    rows = {row["name"]: row["passed"] for row in _board(open_room)["learners"]}
    assert rows == {"Ada": 0, "Bob": 1}


def test_a_wrong_token_is_refused_everywhere(open_room: room.RoomServer, learner_dir: Path) -> None:
    with pytest.raises(room.RoomError, match="refused the token"):
        room.join(open_room.url, "not-the-token", "Mallory")
    assert room.membership() is None
    body = json.dumps({"learner": "b" * 32, "name": "M", "events": []}).encode()
    assert _post(open_room.url + "/api/events", body, "not-the-token")[0] == 403
    assert _post(open_room.url + "/api/events", body, None)[0] == 401
    assert _get(f"{open_room.url}/?token=nope")[0] == 403
    assert _get(f"{open_room.url}/room.csv")[0] == 401
    # The learners' token sends events but cannot read the room.
    for path in ("/", "/room.csv", "/api/room"):
        status, text = _get(f"{open_room.url}{path}?token={open_room.token}")
        assert status == 403 and "instructor" in text
    board = _board(open_room)
    assert board["learners"] == []
    assert board["rejected"]["wrong token"] == 3
    assert board["rejected"]["learner token on the instructor's page"] == 3
    assert board["rejected"]["request without a token"] == 2


def test_a_room_that_is_not_running_is_a_clear_error(learner_dir: Path) -> None:
    with socket.socket() as probe:
        probe.bind((C.ROOM_HOST, 0))
        port = probe.getsockname()[1]
    with pytest.raises(room.RoomError, match="No room is answering") as raised:
        room.join(f"http://127.0.0.1:{port}", "token", "Ada")
    assert "workshop room serve" in str(raised.value)
    with pytest.raises(room.RoomError, match="not a room address"):
        room.join("ftp://127.0.0.1:4848", "token", "Ada")
    with pytest.raises(room.RoomError, match=f"No room is answering at http://127.0.0.1:{port}"):
        room.join(f"127.0.0.1:{port}/", "token", "Ada")  # as read off the projector


def test_malformed_events_are_refused_counted_and_the_room_goes_on(
    open_room: room.RoomServer,
) -> None:
    exercise = _exercise()
    good = check_event(exercise, exercise.evaluate(exercise.solution_value()))
    bad = [
        "not an object",
        {**good, "id": "x" * 20, "kind": "upload"},
        {**good, "id": "y" * 20, "code": "def handler(): ..."},
        {**good, "id": "z" * 20, "exercise": "no_such_exercise"},
        {**good, "id": "w" * 20, "time": "yesterday"},
        {**good, "id": "v" * 20, "mistake": "passing has no mistake"},
        {**good, "id": "u" * 20, "status": "incorrect", "mistake": None},
    ]
    answer = _send(open_room, "c" * 32, "Eve", [good, *bad, good])
    assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (1, 1, len(bad))
    assert "kind" in answer["errors"][1] and "code" in answer["errors"][2]
    for body in (b"{not json", b"[]", json.dumps({"learner": "short", "name": "E"}).encode()):
        assert _post(open_room.url + "/api/events", body, open_room.token)[0] == 400
    board = _board(open_room)
    assert board["rejected"] == {"malformed event": len(bad), "malformed request": 3}
    assert _row(board, "Eve")["cells"][f"{NOTEBOOK}/{exercise.key}"]["attempts"] == 1
    status, page = _get(open_room.dashboard_url)
    assert status == 200 and f"{len(bad)} malformed event" in page


def test_a_late_event_does_not_hide_a_newer_verdict(open_room: room.RoomServer) -> None:
    exercise = _exercise()
    passed = check_event(exercise, exercise.evaluate(exercise.solution_value()))
    failed = check_event(exercise, exercise.evaluate(_wrong(exercise)[0]))
    failed["time"] = "2020-01-01T00:00:00Z"
    _send(open_room, "d" * 32, "Ada", [passed, failed])
    cell = _row(_board(open_room), "Ada")["cells"][f"{NOTEBOOK}/{exercise.key}"]
    assert (cell["status"], cell["attempts"], cell["stuck"]) == ("correct", 2, None)


def test_a_name_cannot_become_a_spreadsheet_formula(open_room: room.RoomServer) -> None:
    exercise = _exercise()
    event = check_event(exercise, exercise.evaluate(exercise.solution_value()))
    _send(open_room, "e" * 32, "=HYPERLINK(1)", [event])
    text = _get(f"{open_room.url}/room.csv?token={open_room.instructor_token}")[1]
    assert next(iter(csv.DictReader(io.StringIO(text))))["learner"] == "'=HYPERLINK(1)"


def test_the_room_shows_itself_in_a_notebook(open_room: room.RoomServer) -> None:
    html = open_room._repr_html_()
    assert "mathjax_ignore" in html.split(">", 1)[0]
    assert "Nobody has joined yet" in html and "<style>" in html  # styled in a notebook too


def test_garbage_and_oversized_requests_never_stop_the_room(open_room: room.RoomServer) -> None:
    with socket.create_connection((C.ROOM_HOST, open_room.port), timeout=5) as raw:
        raw.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n")
        raw.recv(1024)
    huge = b"{" + b" " * (300 * 1024) + b"}"
    assert _post(open_room.url + "/api/events", huge, open_room.token)[0] == 413
    assert _get(open_room.dashboard_url)[0] == 200  # still answering


def test_a_flood_of_made_up_learners_is_refused(
    open_room: room.RoomServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workshop_lib.room import _board as board_module

    monkeypatch.setattr(board_module, "MAX_LEARNERS", 2)
    bodies = [json.dumps({"learner": c * 32, "name": c}).encode() for c in "fgh"]
    answers = [_post(open_room.url + "/api/hello", body, open_room.token) for body in bodies]
    assert [status for status, _ in answers] == [200, 200, 503]
    assert "already has 2 learners" in answers[2][1]["error"]
    assert _board(open_room)["rejected"] == {"room full": 1}


def test_catch_up_calls_reach_the_room(
    open_room: room.RoomServer,
    local_cloud: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workshop_lib.course import catch_up
    from workshop_lib.room import _learner

    # The cloud's own files stay where the session's cloud has them; only the room's move.
    monkeypatch.setattr(_learner, "_state_dir", lambda: tmp_path)
    room.join(open_room.url, open_room.token, "Late Lou")
    catch_up(0, reset=False)  # notebook 00 needs no app: nothing is deployed
    assert room.wait_until_sent(10)
    assert _row(_board(open_room), "Late Lou")["catch_ups"] == [0]
    assert "(catch-up 00)" in _get(open_room.dashboard_url)[1]
    text = _get(f"{open_room.url}/room.csv?token={open_room.instructor_token}")[1]
    assert next(iter(csv.DictReader(io.StringIO(text))))["catch_ups"] == "0"


def test_joining_another_room_drops_what_waited_for_the_first(learner_dir: Path) -> None:
    first = room.RoomServer(port=0, exercises=catalog()).start()
    try:
        room.join(first.url, first.token, "Ada")
    finally:
        first.stop()
    exercise = _exercise()
    exercise.check(exercise.solution_value())
    assert room.wait_until_sent(10)
    assert room.pending() == 1
    second = room.RoomServer(port=0, exercises=catalog()).start()
    try:
        room.join(second.url, second.token, "Ada")
        assert room.wait_until_sent(10)
        assert room.pending() == 0
        assert _row(_board(second), "Ada")["cells"] == {}
    finally:
        second.stop()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--port", "-5", "not a port"),
        ("--port", "99999999999", "not a port"),
        ("--stuck-minutes", "nan", "above 0"),
        ("--stuck-minutes", "0", "above 0"),
        ("--stuck-repeats", "0", "between 1 and 1000"),
    ],
)
def test_serve_refuses_nonsense_settings(
    flag: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from workshop_lib.cli import main

    with pytest.raises(SystemExit) as refused:
        main(["room", "serve", flag, value])
    assert refused.value.code == 2
    assert message in capsys.readouterr().err
