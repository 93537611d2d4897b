"""Starting, sharing and stopping the local cloud."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import psutil
import pytest
from conftest import free_port

from workshop_lib import clients, cloud
from workshop_lib.errors import CloudNotRunningError, PortInUseError


def workshop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workshop_lib.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_status_of_a_stopped_cloud_says_so():
    port = free_port()
    current = cloud.status(port)
    assert not current.running
    assert "not running" in str(current)
    with pytest.raises(CloudNotRunningError, match="workshop cloud start"):
        cloud.require_running(port)


def test_cloud_binds_loopback_only_and_stops_with_its_workers(local_cloud):
    server = psutil.Process(local_cloud.pid)
    listening = [c for c in server.net_connections(kind="tcp") if c.status == "LISTEN"]
    assert listening and {c.laddr.ip for c in listening} == {"127.0.0.1"}


def test_start_is_shared_and_stop_ends_every_process():
    port = free_port()
    first = cloud.start(port)
    try:
        again = cloud.start(port)  # a second kernel reuses the running cloud
        assert again.pid == first.pid
        result = workshop("cloud", "status", "--port", str(port), "--json")
        assert result.returncode == 0
        assert json.loads(result.stdout)["running"] is True
        env = workshop("cloud", "env", "--port", str(port)).stdout
        assert f"export AWS_ENDPOINT_URL=http://127.0.0.1:{port}" in env
    finally:
        assert cloud.stop(port)
    assert not psutil.pid_exists(first.pid) or psutil.Process(first.pid).status() == "zombie"
    assert not cloud.status(port).running
    assert not cloud.stop(port)  # stopping twice is harmless


def test_port_in_use_is_a_clear_error():
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        with pytest.raises(PortInUseError) as error:
            cloud.start(port)
        assert f"Port {port}" in str(error.value)
        assert "--port" in error.value.hint
        result = workshop("cloud", "start", "--port", str(port))
        assert result.returncode == 1 and "already in use" in result.stderr


def test_time_scale_can_be_changed_while_running(local_cloud):
    try:
        assert cloud.configure(local_cloud.port, time_scale=1.0).time_scale == 1.0
    finally:
        cloud.configure(local_cloud.port, time_scale=local_cloud.time_scale)


def test_request_log_counts_calls_by_service_and_operation(local_cloud):
    import time as _time

    from workshop_lib import clients

    since = _time.time()
    s3 = clients.client("s3")
    s3.create_bucket(Bucket="counted-bucket")
    s3.put_object(Bucket="counted-bucket", Key="a", Body=b"1")
    s3.get_object(Bucket="counted-bucket", Key="a")
    s3.list_objects_v2(Bucket="counted-bucket")
    sns = clients.client("sns")
    topic = sns.create_topic(Name="counted-topic")["TopicArn"]
    sns.publish(TopicArn=topic, Message="ho ho ho")
    counts = cloud.requests_between(since, _time.time() + 1)
    assert counts["s3"]["GET"] >= 1 and counts["s3"]["PUT"] >= 2 and counts["s3"]["LIST"] >= 1
    assert counts["sns"]["Publish"] == 1 and counts["sns"]["CreateTopic"] == 1


def test_diagnose_shows_every_server_thread_and_the_log(local_cloud):
    report = cloud.diagnose(local_cloud.port)
    assert f"running on {local_cloud.endpoint_url}" in report
    # faulthandler's dump: the thread serving requests is among them.
    assert "Thread 0x" in report and "serve_forever" in report
    assert str(local_cloud.log_file) in report


def test_diagnose_while_requests_come_and_go_leaves_the_cloud_running(local_cloud):
    # Each request has a thread of its own; dumping their stacks while they start and end once
    # killed the server mid-dump (the dump ran without the GIL).
    import threading

    stop = threading.Event()

    def busy() -> None:
        s3 = clients.client("s3")
        while not stop.is_set():
            s3.list_buckets()

    workers = [threading.Thread(target=busy, daemon=True) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        for _ in range(6):
            assert "Thread 0x" in cloud.diagnose(local_cloud.port, log_lines=400)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
    assert cloud.status(local_cloud.port).running
    assert cloud.status(local_cloud.port).pid == local_cloud.pid


def test_workshop_cloud_diagnose_prints_the_report(local_cloud, capsys):
    from workshop_lib.cli import main

    assert main(["cloud", "diagnose", "--port", str(local_cloud.port), "--lines", "50"]) == 0
    assert "serve_forever" in capsys.readouterr().out
