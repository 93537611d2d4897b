"""The one place that builds boto3 sessions and clients.

Notebooks and library code get every client from `client()`, so the same code runs against the
local cloud (offline mode, the default) or a real AWS account (aws mode) without branching.

Offline mode is sealed: the endpoint is pinned to the local cloud on 127.0.0.1, the credentials
are dummies, and nothing from the learner's own AWS configuration (profiles, credential files,
`AWS_ENDPOINT_URL`, proxies) is read. aws mode uses the standard credential chain.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.config import Config

from .. import constants as C
from .. import owner
from ..errors import ModeError, RegionRequiredError

__all__ = [
    "OFFLINE_UNSET",
    "Target",
    "check_port",
    "client",
    "client_for",
    "forget_clients",
    "offline_environment",
    "resolve_mode",
    "resolve_port",
    "resolve_target",
    "session",
]


@dataclass(frozen=True)
class Target:
    """Where AWS calls go: a mode, a region and, offline, the local cloud's endpoint."""

    mode: str
    region: str
    endpoint_url: str | None = None
    port: int | None = None
    profile: str | None = None

    @property
    def offline(self) -> bool:
        return self.mode == C.MODE_OFFLINE

    def __str__(self) -> str:
        if self.offline:
            return f"offline mode: local cloud at {self.endpoint_url} ({self.region})"
        profile = f", profile {self.profile}" if self.profile else ""
        return f"aws mode: region {self.region}{profile}"


def resolve_mode(mode: str | None = None) -> str:
    """The mode to use: the explicit argument, then `WORKSHOP_MODE`, then offline."""
    chosen = (mode or os.environ.get(C.ENV_MODE) or C.DEFAULT_MODE).strip().lower()
    if chosen not in C.MODES:
        raise ModeError(
            f"Unknown mode {chosen!r}.",
            hint=f"Use one of {', '.join(C.MODES)} (argument or {C.ENV_MODE}).",
        )
    return chosen


def resolve_port(port: int | None = None) -> int:
    """The local cloud's port: the explicit argument, then `WORKSHOP_CLOUD_PORT`, then the port
    this user's cloud was last started on (another user's cloud may hold 4747), then 4747."""
    if port is not None:
        return check_port(port, "--port")
    raw = os.environ.get(C.ENV_CLOUD_PORT)
    if raw:
        try:
            value = int(raw)
        except ValueError:
            raise ModeError(
                f"{C.ENV_CLOUD_PORT}={raw!r} is not a port number.",
                hint="Set it to a number such as 4747, or unset it.",
            ) from None
        return check_port(value, C.ENV_CLOUD_PORT)
    return owner.remembered_port() or C.DEFAULT_CLOUD_PORT


def check_port(port: Any, source: str) -> int:
    """`port` as a valid TCP port number, or a clear error naming where it came from."""
    try:
        value = int(port)
    except (TypeError, ValueError):
        value = -1
    if not 1 <= value <= 65535 or str(port).strip() != str(value):
        raise ModeError(
            f"{source}={port!r} is not a port number between 1 and 65535.",
            hint=f"Use a free port such as {C.DEFAULT_CLOUD_PORT}.",
        )
    return value


def resolve_target(mode: str | None = None, *, port: int | None = None) -> Target:
    """Everything needed to build clients for `mode`."""
    chosen = resolve_mode(mode)
    if chosen == C.MODE_OFFLINE:
        resolved_port = resolve_port(port)
        return Target(
            mode=chosen,
            region=C.OFFLINE_REGION,
            endpoint_url=f"http://{C.CLOUD_HOST}:{resolved_port}",
            port=resolved_port,
        )
    profile = os.environ.get(C.ENV_PROFILE) or None
    region = (
        os.environ.get(C.ENV_REGION)
        or os.environ.get(C.ENV_DEFAULT_REGION)
        or boto3.Session(profile_name=profile).region_name
    )
    if not region:
        raise RegionRequiredError(
            "aws mode needs an explicit region, and none is configured.",
            hint="Set AWS_REGION (for example `export AWS_REGION=us-east-1`) or a region in "
            "your AWS profile. The workbook never guesses where to create resources.",
        )
    return Target(mode=chosen, region=region, profile=profile)


_lock = threading.RLock()
_sessions: dict[Target, boto3.Session] = {}
_clients: dict[tuple[Target, str], BaseClient] = {}


def session(mode: str | None = None, *, port: int | None = None) -> boto3.Session:
    """A boto3 session for the mode (cached; sessions are shared by this module's clients)."""
    return _session_for(resolve_target(mode, port=port))


def client(service: str, mode: str | None = None, *, port: int | None = None) -> Any:
    """A boto3 client for `service` in the mode. Clients are cached and thread-safe."""
    return client_for(resolve_target(mode, port=port), service)


def client_for(target: Target, service: str) -> Any:
    """A cached boto3 client for `service` at an already resolved target."""
    key = (target, service)
    with _lock:
        cached = _clients.get(key)
        if cached is None:
            cached = _build_client(target, service)
            _clients[key] = cached
        return cached


def forget_clients() -> None:
    """Drop cached sessions and clients (after the cloud moved, or in tests)."""
    with _lock:
        _clients.clear()
        _sessions.clear()


def offline_environment(port: int | None = None) -> dict[str, str]:
    """Variables that point the AWS CLI, the SAM CLI or any boto3 program at the local cloud."""
    target = resolve_target(C.MODE_OFFLINE, port=port)
    credentials = owner.local_credentials()
    return {
        "AWS_ENDPOINT_URL": target.endpoint_url or "",
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_DEFAULT_REGION": target.region,
        "AWS_REGION": target.region,
        # Some APIs put a prefix before the host ("sync-127.0.0.1"); an IP must stay as it is.
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "SAM_CLI_TELEMETRY": "0",  # nothing leaves the computer offline
        C.ENV_MODE: C.MODE_OFFLINE,
        C.ENV_CLOUD_PORT: str(target.port),
    }


OFFLINE_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
"""Variables from a learner's real AWS setup that would mislead a CLI pointed at the local cloud
(a profile that wins over the keys, a session token that belongs to other keys)."""


# -- building ----------------------------------------------------------------------------------

# botocore reads these from the environment and from ~/.aws; offline, none of them may leak in.
_SEALED_SESSION_VARS = {
    "profile": (None, None, None, None),
    "config_file": (None, None, os.devnull, None),
    "credentials_file": (None, None, os.devnull, None),
    "region": (None, None, C.OFFLINE_REGION, None),
}


def _session_for(target: Target) -> boto3.Session:
    with _lock:
        existing = _sessions.get(target)
        if existing is not None:
            return existing
        if target.offline:
            _bypass_proxies_for_loopback()
            core = botocore.session.Session(session_vars=_SEALED_SESSION_VARS)
            credentials = owner.local_credentials()
            created = boto3.Session(
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                region_name=target.region,
                botocore_session=core,
            )
        else:
            created = boto3.Session(profile_name=target.profile, region_name=target.region)
        _register_tagging(created, target)
        _sessions[target] = created
        return created


def _build_client(target: Target, service: str) -> BaseClient:
    session_ = _session_for(target)
    options: dict[str, Any] = {}
    if service == "lambda":
        # A synchronous invoke can legitimately run for the function's whole timeout (900 s max).
        options["read_timeout"] = 910
    if target.offline:
        config = Config(
            connect_timeout=3,
            # Some APIs put a prefix before the host (StartSyncExecution calls "sync-states...");
            # the local cloud's address is an IP, which must stay as it is.
            inject_host_prefix=False,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"},
            **options,
        )
        return session_.client(service, endpoint_url=target.endpoint_url, config=config)
    if _endpoint_is_loopback():
        # aws mode pointed at a local stand-in (tests, a rehearsal): an IP takes no host prefix.
        options["inject_host_prefix"] = False
    return session_.client(service, config=Config(retries={"mode": "standard"}, **options))


def _endpoint_is_loopback() -> bool:
    import ipaddress
    import urllib.parse

    host = urllib.parse.urlsplit(os.environ.get("AWS_ENDPOINT_URL", "")).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bypass_proxies_for_loopback() -> None:
    # A proxy from the learner's environment must never see offline traffic.
    for name in ("NO_PROXY", "no_proxy"):
        entries = [e for e in os.environ.get(name, "").split(",") if e]
        for host in (C.CLOUD_HOST, "localhost"):
            if host not in entries:
                entries.append(host)
        os.environ[name] = ",".join(entries)


# -- tagging -----------------------------------------------------------------------------------


def _register_tagging(session_: boto3.Session, target: Target) -> None:
    events = session_.events
    events.register("before-parameter-build.*.*", functools.partial(_tag_create_call, target))
    events.register("before-parameter-build.s3.CreateBucket", _remember_bucket)
    events.register("after-call.s3.CreateBucket", functools.partial(_tag_new_bucket, target))


def _tags_for(target: Target) -> dict[str, str]:
    """The workbook's tag, plus, in aws mode, the learner who owns the resource (a class may
    share one account, and `cleanup` must touch only the caller's resources)."""
    if target.offline:
        return {C.TAG_KEY: C.TAG_VALUE}
    from ._learner import current  # who is calling needs a client of its own

    return current().tags()


def _tag_create_call(target: Target, params: dict[str, Any], model: Any, **_: Any) -> None:
    """Add the workshop tags to every Create* call whose API takes tags."""
    if not model.name.startswith("Create") or model.input_shape is None:
        return
    wanted = _tags_for(target)
    for member_name in ("Tags", "tags"):
        shape = model.input_shape.members.get(member_name)
        if shape is None:
            continue
        if shape.type_name == "map":
            tags = params.setdefault(member_name, {})
            for key, value in wanted.items():
                tags.setdefault(key, value)
        elif shape.type_name == "list" and shape.member.type_name == "structure":
            names = list(shape.member.members)
            key_name = next((n for n in names if n.lower() == "key"), None)
            value_name = next((n for n in names if n.lower() == "value"), None)
            if key_name and value_name:
                tags = params.setdefault(member_name, [])
                present = {t.get(key_name) for t in tags}
                for key, value in wanted.items():
                    if key not in present:
                        tags.append({key_name: key, value_name: value})
        return


def _remember_bucket(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["workshop_bucket"] = params.get("Bucket")


def _tag_new_bucket(target: Target, http_response: Any, context: dict[str, Any], **_: Any) -> None:
    bucket = context.get("workshop_bucket")
    if not bucket or getattr(http_response, "status_code", 500) >= 300:
        return
    # The S3 API has no tags on CreateBucket, so tag right after it.
    tag_set = [{"Key": key, "Value": value} for key, value in _tags_for(target).items()]
    client_for(target, "s3").put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_set})
