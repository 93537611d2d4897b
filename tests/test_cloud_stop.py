"""`workshop cloud stop` signals only what it can prove is the caller's own cloud."""

from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest

from workshop_lib import cli, cloud, owner
from workshop_lib import constants as C


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((C.CLOUD_HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture()
def bystander():
    """An unrelated program leading its own process group (what a reused pid points at)."""
    process = subprocess.Popen(["sleep", "120"], start_new_session=True)
    try:
        yield process
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("style", ["bare pid", "json, wrong start time", "json, no start time"])
def test_a_stale_pid_file_never_kills_an_unrelated_process_group(
    bystander: subprocess.Popen, style: str, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()
    pid_file = owner.private_state_dir() / f"cloud-{port}.pid"
    if style == "bare pid":
        pid_file.write_text(str(bystander.pid))
    elif style == "json, wrong start time":
        pid_file.write_text(json.dumps({"pid": bystander.pid, "port": port, "create_time": 1.0}))
    else:
        pid_file.write_text(json.dumps({"pid": bystander.pid, "port": port}))

    assert cli.main(["cloud", "stop", "--port", str(port)]) == 0
    time.sleep(0.2)
    assert bystander.poll() is None, "an unrelated process was killed"
    assert not pid_file.exists(), "a stale pid file is cleaned, never trusted"
    assert "not running" in capsys.readouterr().out


def test_starting_after_a_crash_cleans_the_stale_pid_file(bystander: subprocess.Popen) -> None:
    port = _free_port()
    pid_file = owner.private_state_dir() / f"cloud-{port}.pid"
    pid_file.write_text(json.dumps({"pid": bystander.pid, "port": port, "create_time": 1.0}))
    try:
        status = cloud.start(port)
        assert status.running and status.pid != bystander.pid
        assert json.loads(pid_file.read_text())["pid"] == status.pid
    finally:
        cloud.stop(port)
    assert bystander.poll() is None
