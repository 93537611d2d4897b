"""When the cloud stops or restarts under a running notebook, the next call says so in one line."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import nbformat
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from nbclient import NotebookClient

from workshop_lib import clients, cloud
from workshop_lib import constants as C

pytestmark = pytest.mark.cloud


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((C.CLOUD_HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture()
def own_port(local_cloud: cloud.CloudStatus, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A cloud of this test's own (the session's cloud must keep running for the others)."""
    port = _free_port()
    monkeypatch.setenv(C.ENV_CLOUD_PORT, str(port))
    clients.forget_clients()
    try:
        yield port
    finally:
        cloud.stop(port)
        clients.forget_clients()


def test_a_stopped_cloud_is_explained_in_one_line(own_port: int) -> None:
    running = cloud.start(own_port)
    cloud.watch_for_a_lost_cloud(running)
    cloud.stop(own_port)
    with pytest.raises(EndpointConnectionError) as lost:
        clients.client("s3").list_buckets()
    message = cloud.explain_lost_cloud(lost.value)
    assert message is not None and "\n" not in message
    assert "not answering" in message and "workshop cloud start" in message
    assert "catch-up" in message


def test_a_restarted_cloud_is_explained_as_empty(own_port: int) -> None:
    running = cloud.start(own_port)
    cloud.watch_for_a_lost_cloud(running)
    sfn = clients.client("stepfunctions")
    cloud.stop(own_port)
    cloud.start(own_port)
    with pytest.raises(ClientError) as missing:
        sfn.describe_state_machine(
            stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:santa"
        )
    message = cloud.explain_lost_cloud(missing.value)
    assert message is not None and "restarted" in message and "empty" in message


def test_an_ordinary_error_is_left_alone(own_port: int) -> None:
    cloud.watch_for_a_lost_cloud(cloud.start(own_port))
    with pytest.raises(ClientError) as missing:
        clients.client("s3").head_bucket(Bucket="never-made")
    assert cloud.explain_lost_cloud(missing.value) is None


@pytest.mark.notebook
def test_a_notebook_shows_one_line_not_a_traceback(own_port: int, tmp_path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import workshop_lib as wl\nconn = wl.connect()"),
        nbformat.v4.new_code_cell("from workshop_lib import cloud\ncloud.stop()"),
        nbformat.v4.new_code_cell("wl.clients.client('s3').list_buckets()"),
    ]
    env = dict(os.environ)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", allow_errors=True, env=env
    ).execute()
    outputs = notebook.cells[2].outputs
    text = "".join(o.get("text", "") for o in outputs) + "".join(
        "".join(o.get("traceback", [])) for o in outputs
    )
    assert "not answering" in text
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1
