"""The room as a class uses it: `workshop room serve` in its own process, learners joining with
the documented command and running `check()` in their own processes, each with its own state
directory, and the instructor reading the dashboard and the CSV."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from workshop_lib import constants as C
from workshop_lib.exercises import all_exercises

NOTEBOOK = "03_when_elves_drop_presents"

_CHECK = """
import sys
from workshop_lib.exercises import all_exercises
exercise = all_exercises()[{notebook!r}][0]
for which in sys.argv[1:]:
    exercise.check(exercise.solution_value() if which == "right" else exercise.known_wrong[0][0])
"""


def _environment(state: Path) -> dict[str, str]:
    env = dict(os.environ)
    env[C.ENV_STATE_DIR] = str(state)
    env["WORKSHOP_PROGRESS_FILE"] = str(state / "progress.json")
    return env


def _workshop(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workshop_lib.cli", *args],
        env=_environment(state),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _python(state: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=_environment(state),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture()
def served_room(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`workshop room serve` in its own process; what it printed, parsed."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "workshop_lib.cli", "room", "serve", "--port", str(port)],
        env=_environment(tmp_path / "instructor"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        printed = []
        assert process.stdout is not None
        for line in process.stdout:
            printed.append(line)
            if line.startswith("Ctrl-C"):
                break
        text = "".join(printed)
        join = re.search(r"workshop room join (\S+) --token (\S+)", text)
        dashboard = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", text)
        assert join and dashboard, text + (process.stderr.read() if process.stderr else "")
        yield {"url": join[1], "token": join[2], "dashboard": dashboard[1], "printed": text}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            closed = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            closed = process.wait()
        rest = process.stdout.read() if process.stdout else ""
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    # `kill` closes the room cleanly, as Ctrl-C does.
    assert closed == 0 and "The room is closed." in rest


def _read(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.read().decode()


def test_two_learners_in_their_own_processes(served_room: dict[str, str], tmp_path: Path) -> None:
    assert served_room["url"].startswith("http://127.0.0.1:")
    exercise = all_exercises()[NOTEBOOK][0]
    column = f"{NOTEBOOK}/{exercise.key}"
    ada, bob = tmp_path / "ada", tmp_path / "bob"
    for state, name in ((ada, "Ada"), (bob, "Bob")):
        joined = _workshop(
            state,
            "room",
            "join",
            served_room["url"],
            "--token",
            served_room["token"],
            "--name",
            name,
        )
        assert joined.returncode == 0, joined.stderr
        assert f"as {name}" in joined.stdout
    # Each process ends right after check(): its events still go (a bounded last try).
    code = _CHECK.format(notebook=NOTEBOOK)
    assert _python(ada, code, "wrong", "right").returncode == 0
    assert _python(bob, code, "wrong", "wrong").returncode == 0
    assert _workshop(bob, "room", "status").returncode == 0

    page = _read(served_room["dashboard"])
    assert "Ada" in page and "Bob" in page and "mathjax_ignore" in page
    csv_url = served_room["dashboard"].replace("/?token=", "/room.csv?token=")
    rows = {row["learner"]: row for row in csv.DictReader(io.StringIO(_read(csv_url)))}
    phrase = exercise.known_wrong[0][1]
    assert rows["Ada"][column] == "correct" and rows["Ada"]["passed"] == "1"
    assert rows["Bob"][column] == f"incorrect: {phrase}" and rows["Bob"]["passed"] == "0"
    assert rows["Bob"]["notebook"] == NOTEBOOK

    left = _workshop(ada, "room", "leave")
    assert left.returncode == 0 and "left" in left.stdout
    assert _workshop(ada, "room", "status").stdout.startswith("You are not in a room")


def test_the_cli_says_what_is_wrong(served_room: dict[str, str], tmp_path: Path) -> None:
    wrong = _workshop(
        tmp_path / "eve", "room", "join", served_room["url"], "--token", "guess", "--name", "Eve"
    )
    assert wrong.returncode == 1
    assert "refused the token" in wrong.stderr and "What to do" in wrong.stderr
    port = served_room["url"].rsplit(":", 1)[1]
    taken = _workshop(tmp_path / "other", "room", "serve", "--port", port)
    assert taken.returncode == 1 and "already in use" in taken.stderr


def test_a_learner_in_a_notebook(served_room: dict[str, str], tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    exercise = all_exercises()[NOTEBOOK][0]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from workshop_lib import room\n"
            f"room.join({served_room['url']!r}, token={served_room['token']!r}, name='Nora')"
        ),
        nbformat.v4.new_code_cell(
            _CHECK.format(notebook=NOTEBOOK).replace("sys.argv[1:]", '["wrong"]')
        ),
        nbformat.v4.new_code_cell("room.wait_until_sent(10)"),
    ]
    saved = {key: os.environ.get(key) for key in (C.ENV_STATE_DIR, "WORKSHOP_PROGRESS_FILE")}
    os.environ.update(_environment(tmp_path / "nora"))  # the kernel inherits it
    try:
        NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    joined = notebook.cells[0].outputs[0]["data"]
    assert "mathjax_ignore" in joined["text/html"] and "as Nora" in joined["text/plain"]
    assert served_room["token"] not in json.dumps(notebook.cells[0].outputs)
    csv_url = served_room["dashboard"].replace("/?token=", "/room.csv?token=")
    rows = {row["learner"]: row for row in csv.DictReader(io.StringIO(_read(csv_url)))}
    phrase = exercise.known_wrong[0][1]
    assert rows["Nora"][f"{NOTEBOOK}/{exercise.key}"] == f"incorrect: {phrase}"
