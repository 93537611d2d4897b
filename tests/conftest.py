"""Shared fixtures. The local cloud starts once per test session on a free loopback port."""

from __future__ import annotations

import io
import os
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from workshop_lib import clients, cloud
from workshop_lib import constants as C
from workshop_lib.waiting import wait_for_execution

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((C.CLOUD_HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def _isolated_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never touch the learner's own cloud, state or AWS configuration."""
    state = tmp_path_factory.mktemp("workshop-state")
    saved = {k: os.environ.get(k) for k in (C.ENV_STATE_DIR, C.ENV_CLOUD_PORT, C.ENV_MODE)}
    os.environ[C.ENV_STATE_DIR] = str(state)
    os.environ[C.ENV_MODE] = C.MODE_OFFLINE
    os.environ.pop(C.ENV_CLOUD_PORT, None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def local_cloud(_isolated_state: None) -> Iterator[cloud.CloudStatus]:
    """A running local cloud for the whole session; every client in the tests points at it."""
    port = free_port()
    os.environ[C.ENV_CLOUD_PORT] = str(port)
    clients.forget_clients()
    status = cloud.start(port)
    try:
        yield status
    finally:
        cloud.stop(port)
        os.environ.pop(C.ENV_CLOUD_PORT, None)
        clients.forget_clients()


def finished(execution_arn: str, *, timeout: float = 60) -> dict:
    """The execution's final description once it has ended, with its whole history as
    "events" (every page): what the cloud tests assert on."""
    described = wait_for_execution(execution_arn, timeout=timeout, poll=0.02)
    pages = clients.client("stepfunctions").get_paginator("get_execution_history")
    described["events"] = [
        event for page in pages.paginate(executionArn=execution_arn) for event in page["events"]
    ]
    return described


def zip_source(files: dict[str, str]) -> bytes:
    """A Lambda deployment package made of the given files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def lambda_role(local_cloud: cloud.CloudStatus) -> str:
    """A role for test functions. Not tagged as the workbook's, so the clean-up cells of the
    notebooks (and the clean-up tests) leave it alone for the tests that run after them."""
    iam = clients.client("iam")
    name = "test-lambda-role"
    document = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    )
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"]
    iam.untag_role(RoleName=name, TagKeys=[C.TAG_KEY])
    return arn
