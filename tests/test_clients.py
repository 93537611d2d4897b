"""Modes, and the promise that offline mode never leaves 127.0.0.1."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from workshop_lib import clients, owner
from workshop_lib import constants as C
from workshop_lib.errors import ModeError, RegionRequiredError


def test_mode_resolution_order(monkeypatch):
    monkeypatch.delenv(C.ENV_MODE, raising=False)
    assert clients.resolve_mode() == "offline"
    monkeypatch.setenv(C.ENV_MODE, "aws")
    assert clients.resolve_mode() == "aws"
    assert clients.resolve_mode("offline") == "offline"  # the explicit argument wins
    with pytest.raises(ModeError, match="Unknown mode 'cloud'"):
        clients.resolve_mode("cloud")


def test_port_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv(C.ENV_STATE_DIR, str(tmp_path / "state"))
    monkeypatch.delenv(C.ENV_CLOUD_PORT, raising=False)
    assert clients.resolve_port() == C.DEFAULT_CLOUD_PORT
    owner.remember_port(5123)  # this user's cloud had to start elsewhere: find it there
    assert clients.resolve_port() == 5123
    monkeypatch.setenv(C.ENV_CLOUD_PORT, "4848")
    assert clients.resolve_port() == 4848
    assert clients.resolve_port(5000) == 5000
    monkeypatch.setenv(C.ENV_CLOUD_PORT, "forty")
    with pytest.raises(ModeError, match="not a port number"):
        clients.resolve_port()


@pytest.mark.parametrize("bad", [0, -1, 65536, 10**9])
def test_ports_outside_the_tcp_range_are_refused(bad):
    with pytest.raises(ModeError, match="between 1 and 65535"):
        clients.resolve_port(bad)


def test_aws_mode_refuses_to_guess_the_region(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(RegionRequiredError, match="explicit region"):
        clients.resolve_target("aws")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    target = clients.resolve_target("aws")
    assert target.region == "eu-west-1" and target.endpoint_url is None


def test_offline_target_points_at_loopback(local_cloud):
    target = clients.resolve_target("offline")
    assert target.endpoint_url == f"http://127.0.0.1:{local_cloud.port}"
    assert clients.offline_environment()["AWS_ENDPOINT_URL"] == target.endpoint_url


class _LoopbackGuard:
    """Fails on any connection or name lookup that is not loopback."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.connections: list[tuple] = []

    def install(self, monkeypatch) -> None:
        original_connect = socket.socket.connect
        original_getaddrinfo = socket.getaddrinfo
        guard = self

        def connect(sock, address):
            host = address[0] if isinstance(address, tuple) else str(address)
            guard.connections.append(address)
            if not _is_loopback(host):
                guard.violations.append(f"connect {address}")
                raise ConnectionRefusedError(f"blocked non-loopback connection to {address}")
            return original_connect(sock, address)

        def getaddrinfo(host, *args, **kwargs):
            if host is not None and not _is_loopback(host):
                guard.violations.append(f"lookup {host}")
                raise socket.gaierror(f"blocked lookup of {host}")
            return original_getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def test_offline_mode_ignores_real_credentials_profiles_and_endpoints(local_cloud, monkeypatch):
    # A learner's laptop with a real-looking AWS setup: none of it may be used offline.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-looking-token")
    monkeypatch.setenv("AWS_PROFILE", "production-admin")  # a profile that does not exist here
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://lambda.eu-west-1.example.com")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-2")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.com:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example.com:3128")
    clients.forget_clients()
    guard = _LoopbackGuard()
    guard.install(monkeypatch)
    seen_keys: list[str] = []

    s3 = clients.client("s3")
    s3.meta.events.register(
        "before-send",
        lambda request, **_: seen_keys.append(_text(request.headers["Authorization"])),
    )
    s3.create_bucket(Bucket="guarded-bucket")
    assert "guarded-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    clients.client("lambda").list_functions()
    clients.client("stepfunctions").list_state_machines()

    assert guard.violations == []
    assert guard.connections and all(_is_loopback(a[0]) for a in guard.connections)
    own_key = owner.local_credentials().access_key_id
    assert seen_keys and all(own_key in key for key in seen_keys)
    assert not any("AKIAIOSFODNN7EXAMPLE" in key for key in seen_keys)
    assert clients.client("s3").meta.region_name == C.OFFLINE_REGION
    clients.forget_clients()


def test_created_resources_carry_the_workshop_tag(local_cloud, lambda_role):
    s3 = clients.client("s3")
    s3.create_bucket(Bucket="tagged-bucket")
    tags = s3.get_bucket_tagging(Bucket="tagged-bucket")["TagSet"]
    assert {"Key": C.TAG_KEY, "Value": C.TAG_VALUE} in tags
    sns = clients.client("sns")
    topic = sns.create_topic(Name="tagged-topic")["TopicArn"]
    assert {"Key": C.TAG_KEY, "Value": C.TAG_VALUE} in sns.list_tags_for_resource(
        ResourceArn=topic
    )["Tags"]
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName="tagged-queue", tags={"team": "elves"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "elves", C.TAG_KEY: C.TAG_VALUE}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def test_aws_mode_against_a_loopback_stand_in_takes_no_host_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv(C.ENV_MODE, C.MODE_AWS)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4747")
    clients.forget_clients()
    try:
        assert clients.client("stepfunctions").meta.config.inject_host_prefix is False
        monkeypatch.setenv("AWS_ENDPOINT_URL", "https://states.example.com")
        clients.forget_clients()
        assert clients.client("stepfunctions").meta.config.inject_host_prefix is True
    finally:
        clients.forget_clients()
